//! The built-in kinds: for each part of the [`Model`], the address, ARM name and id, the
//! values the template sees (the template is the kind's, from its folder in
//! `crates/azlift-kinds`). Bodies themselves are written in those templates; nothing here
//! decides a property name.

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::RenderError;
use super::ids::{extension_id, resource_group_id, resource_id};
use super::marks::{Mark, MarkKind, Marks};
use crate::kinds::ResourceKind;
use crate::model::{AlertScope, ApimService, Model, Placement, Registry};
use crate::resource::ResourceAddress;

/// How a planned resource gets its body.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// Rendered from a template of the set (built-in kinds) with these values.
    Template { name: String, context: Value },
    /// Rendered from a custom resource's own template text, registered under this name.
    Custom { name: String, context: Value },
    /// Not rendered: an existing resource azlift only reads.
    Existing,
}

/// One resource before rendering.
#[derive(Debug, Clone)]
pub(crate) struct Planned {
    pub address: ResourceAddress,
    pub kind: ResourceKind,
    /// Known up front for built-in kinds; custom resources learn theirs from the template.
    pub fixed: Option<Fixed>,
    pub source: Source,
    /// Parent resources (the group, the APIM service of a logger).
    pub parents: Vec<ResourceAddress>,
    /// `depends_on` as the manifest wrote it (custom resources).
    pub declared: Vec<String>,
    pub managed: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Fixed {
    pub arm_type: String,
    pub api_version: String,
    pub name: String,
    pub id: String,
}

fn to_json<T: Serialize>(value: &T) -> Result<Value, RenderError> {
    serde_json::to_value(value)
        .map_err(|e| RenderError::Internal(format!("model does not serialise: {e}")))
}

fn kind_info(kind: ResourceKind) -> Result<&'static crate::kinds::KindInfo, RenderError> {
    kind.info()
        .ok_or_else(|| RenderError::Internal(format!("{kind:?} has no row in the kinds table")))
}

fn mark(
    marks: &Marks,
    kind: MarkKind,
    sensitive: bool,
    write_only: bool,
) -> Result<String, RenderError> {
    marks
        .push(Mark {
            kind,
            sensitive,
            write_only,
        })
        .map_err(|e| RenderError::Internal(e.to_string()))
}

/// Values every template sees.
pub(crate) fn base_context(
    model: &Model,
    subscription_id: &str,
) -> Result<Map<String, Value>, RenderError> {
    let p = &model.project;
    let mut map = Map::new();
    map.insert("project".into(), json!(p.name));
    map.insert("location".into(), json!(p.location));
    map.insert("tags".into(), to_json(&p.tags)?);
    map.insert("resource_group".into(), json!(p.resource_group));
    map.insert(
        "resource_group_id".into(),
        json!(resource_group_id(subscription_id, &p.resource_group)),
    );
    map.insert("subscription_id".into(), json!(subscription_id));
    map.insert("env_name".into(), json!(p.environment));
    Ok(map)
}

/// `context` with its `tags` made this resource's: the user's tags plus the ownership tags
/// naming the project, environment and `address` (`crate::ownership`). A template that
/// writes `{{ tags }}` gets them; one that does not (a child type, a custom type without
/// tags) carries none.
fn with_owner_tags(mut context: Map<String, Value>, address: &str) -> Map<String, Value> {
    let text = |k: &str| {
        context
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let owner = crate::ownership::Owner::new(&text("project"), &text("env_name"), address);
    let user: std::collections::BTreeMap<String, String> = context
        .get("tags")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let tags = crate::ownership::tags_with_owner(&user, &owner);
    context.insert(
        "tags".into(),
        Value::Object(
            tags.into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect(),
        ),
    );
    context
}

struct Planner<'a> {
    sub: &'a str,
    rg: &'a str,
    base: Map<String, Value>,
    rg_address: ResourceAddress,
    out: Vec<Planned>,
}

impl Planner<'_> {
    fn add(
        &mut self,
        address: &str,
        kind: ResourceKind,
        names: &[&str],
        extra: Vec<(&str, Value)>,
        parents: Vec<ResourceAddress>,
    ) -> Result<(), RenderError> {
        let info = kind_info(kind)?;
        let mut context = with_owner_tags(self.base.clone(), address);
        for (k, v) in extra {
            context.insert(k.to_string(), v);
        }
        self.out.push(Planned {
            address: ResourceAddress::new(address),
            kind,
            fixed: Some(Fixed {
                arm_type: info.arm_type.to_string(),
                api_version: info.api_version.to_string(),
                name: names.last().copied().unwrap_or_default().to_string(),
                id: resource_id(self.sub, self.rg, info.arm_type, names),
            }),
            source: Source::Template {
                name: info.template.to_string(),
                context: Value::Object(context),
            },
            parents,
            declared: Vec::new(),
            managed: true,
        });
        Ok(())
    }
}

/// Addresses of `[registry]`'s resources.
const REGISTRY: &str = "registry";
const PULL_IDENTITY: &str = "registry.pull_identity";
const PULL_GRANT: &str = "registry.acr_pull";

/// What an app needs to pull from the project's registry.
struct Pull {
    server: String,
    identity_id: String,
}

/// `[registry]`: the registry (created, or read when it exists), the user-assigned identity
/// the apps pull with, and its `AcrPull` grant on the registry. A user-assigned identity,
/// because it (and so its grant) exists before the apps: a system-assigned identity only
/// exists once its app does, while the app's first revision already pulls its image.
fn plan_registry(
    pl: &mut Planner<'_>,
    r: &Registry,
    in_rg: &[ResourceAddress],
) -> Result<Pull, RenderError> {
    let info = kind_info(ResourceKind::ContainerRegistry)?;
    let registry_id = match &r.existing_resource_group {
        None => {
            pl.add(
                REGISTRY,
                ResourceKind::ContainerRegistry,
                &[&r.name],
                vec![("registry", to_json(r)?)],
                in_rg.to_vec(),
            )?;
            resource_id(pl.sub, pl.rg, info.arm_type, &[&r.name])
        }
        Some(group) => {
            let id = resource_id(pl.sub, group, info.arm_type, &[&r.name]);
            pl.out.push(Planned {
                address: ResourceAddress::new(REGISTRY),
                kind: ResourceKind::ContainerRegistry,
                fixed: Some(Fixed {
                    arm_type: info.arm_type.to_string(),
                    api_version: info.api_version.to_string(),
                    name: r.name.clone(),
                    id: id.clone(),
                }),
                source: Source::Existing,
                parents: Vec::new(),
                declared: Vec::new(),
                managed: false,
            });
            id
        }
    };
    pl.add(
        PULL_IDENTITY,
        ResourceKind::UserIdentity,
        &[&r.identity_name],
        Vec::new(),
        in_rg.to_vec(),
    )?;
    let identity_info = kind_info(ResourceKind::UserIdentity)?;
    let identity_id = resource_id(pl.sub, pl.rg, identity_info.arm_type, &[&r.identity_name]);

    let grant = kind_info(ResourceKind::RoleAssignment)?;
    let role = crate::kinds::role_assignment::role_id("AcrPull")
        .ok_or_else(|| RenderError::Internal("AcrPull is not in the built-in roles".into()))?;
    let name = crate::kinds::role_assignment::assignment_name(&registry_id, &identity_id, role);
    let mut context = pl.base.clone();
    context.insert(
        "grant".into(),
        json!({
            "identity": PULL_IDENTITY,
            "role_definition_id": crate::kinds::role_assignment::role_definition_id(pl.sub, role),
        }),
    );
    pl.out.push(Planned {
        address: ResourceAddress::new(PULL_GRANT),
        kind: ResourceKind::RoleAssignment,
        fixed: Some(Fixed {
            arm_type: grant.arm_type.to_string(),
            api_version: grant.api_version.to_string(),
            name: name.clone(),
            id: extension_id(&registry_id, grant.arm_type, &name),
        }),
        source: Source::Template {
            name: grant.template.to_string(),
            context: Value::Object(context),
        },
        // Its scope is the registry: a replaced registry takes the grant with it.
        parents: vec![ResourceAddress::new(REGISTRY)],
        declared: Vec::new(),
        managed: true,
    });
    Ok(Pull {
        server: r.login_server.clone(),
        identity_id,
    })
}

/// Plans every built-in resource of the model, in the stable output order.
pub(crate) fn plan(
    model: &Model,
    subscription_id: &str,
    marks: &Marks,
) -> Result<Vec<Planned>, RenderError> {
    let p = &model.project;
    let mut pl = Planner {
        sub: subscription_id,
        rg: &p.resource_group,
        base: base_context(model, subscription_id)?,
        rg_address: ResourceAddress::new("resource_group"),
        out: Vec::new(),
    };
    let in_rg = vec![pl.rg_address.clone()];

    let info = kind_info(ResourceKind::ResourceGroup)?;
    pl.out.push(Planned {
        address: pl.rg_address.clone(),
        kind: ResourceKind::ResourceGroup,
        fixed: Some(Fixed {
            arm_type: info.arm_type.to_string(),
            api_version: info.api_version.to_string(),
            name: p.resource_group.clone(),
            id: resource_group_id(subscription_id, &p.resource_group),
        }),
        source: Source::Template {
            name: info.template.to_string(),
            context: Value::Object(with_owner_tags(pl.base.clone(), pl.rg_address.as_str())),
        },
        parents: Vec::new(),
        declared: Vec::new(),
        managed: true,
    });

    // `[resource_group.KEY]`: the same template, with the group's location and tags.
    for (key, group) in &model.resource_groups {
        let mut context = pl.base.clone();
        context.insert("location".into(), json!(group.location));
        context.insert("tags".into(), to_json(&group.tags)?);
        let context = with_owner_tags(context, &format!("resource_group.{key}"));
        pl.out.push(Planned {
            address: ResourceAddress::new(format!("resource_group.{key}")),
            kind: ResourceKind::ResourceGroup,
            fixed: Some(Fixed {
                arm_type: info.arm_type.to_string(),
                api_version: info.api_version.to_string(),
                name: group.name.clone(),
                id: resource_group_id(subscription_id, &group.name),
            }),
            source: Source::Template {
                name: info.template.to_string(),
                context: Value::Object(context),
            },
            parents: Vec::new(),
            declared: Vec::new(),
            managed: true,
        });
    }

    if let Some(m) = &model.monitoring {
        let ctx = to_json(m)?;
        pl.add(
            "monitoring.workspace",
            ResourceKind::Workspace,
            &[&m.workspace_name],
            vec![("monitoring", ctx.clone())],
            in_rg.clone(),
        )?;
        pl.add(
            "monitoring.app_insights",
            ResourceKind::AppInsights,
            &[&m.app_insights_name],
            vec![("monitoring", ctx)],
            in_rg.clone(),
        )?;
    }

    for (key, group) in &model.action_groups {
        pl.add(
            &format!("action_group.{key}"),
            ResourceKind::ActionGroup,
            &[&group.name],
            vec![("key", json!(key)), ("action_group", to_json(group)?)],
            in_rg.clone(),
        )?;
    }

    for (key, alert) in &model.alerts {
        let scope = match &alert.scope {
            AlertScope::AppInsights => mark(
                marks,
                MarkKind::Id("monitoring.app_insights".into()),
                false,
                false,
            )?,
            AlertScope::App(app) => mark(marks, MarkKind::Id(format!("app.{app}")), false, false)?,
            AlertScope::Id(id) => id.clone(),
        };
        pl.add(
            &format!("alert.{key}"),
            ResourceKind::MetricAlert,
            &[&alert.name],
            vec![
                ("key", json!(key)),
                ("alert", to_json(alert)?),
                ("scope", json!(scope)),
            ],
            in_rg.clone(),
        )?;
    }

    let pull = match &model.registry {
        Some(r) => Some(plan_registry(&mut pl, r, &in_rg)?),
        None => None,
    };

    if let Some(env) = &model.environment {
        pl.add(
            "environment",
            ResourceKind::ManagedEnvironment,
            &[&env.name],
            vec![("environment", to_json(env)?)],
            in_rg.clone(),
        )?;
    }

    for (key, app) in &model.apps {
        let mut secrets = Vec::new();
        for (name, value) in &app.secrets {
            let token = mark(marks, MarkKind::Literal(json!(value.expose())), true, true)?;
            secrets.push(json!({ "name": name, "value": token }));
        }
        let pulls = app.registry.is_some();
        let pull_ctx = match (&pull, pulls) {
            (Some(p), true) => json!({ "server": p.server, "identity": p.identity_id }),
            _ => Value::Null,
        };
        pl.add(
            &format!("app.{key}"),
            ResourceKind::ContainerApp,
            &[&app.name],
            vec![
                ("app", to_json(app)?),
                ("secrets", Value::Array(secrets)),
                ("pull", pull_ctx),
            ],
            in_rg.clone(),
        )?;
        if pulls && let Some(last) = pl.out.last_mut() {
            // The grant exists before the app's first revision pulls.
            last.declared.push(PULL_GRANT.to_string());
        }
    }

    if let Some(apim) = &model.apim {
        let service_address = ResourceAddress::new("apim.service");
        let service_name = apim.service.name();
        let service_rg = match &apim.service {
            ApimService::Managed { .. } => p.resource_group.clone(),
            ApimService::Existing { resource_group, .. } => resource_group.clone(),
        };
        match &apim.service {
            ApimService::Managed { .. } => {
                pl.add(
                    "apim.service",
                    ResourceKind::ApimService,
                    &[service_name],
                    vec![("service", to_json(&apim.service)?)],
                    in_rg.clone(),
                )?;
            }
            ApimService::Existing { .. } => {
                let info = kind_info(ResourceKind::ApimService)?;
                pl.out.push(Planned {
                    address: service_address.clone(),
                    kind: ResourceKind::ApimService,
                    fixed: Some(Fixed {
                        arm_type: info.arm_type.to_string(),
                        api_version: info.api_version.to_string(),
                        name: service_name.to_string(),
                        id: resource_id(
                            subscription_id,
                            &service_rg,
                            info.arm_type,
                            &[service_name],
                        ),
                    }),
                    source: Source::Existing,
                    parents: Vec::new(),
                    declared: Vec::new(),
                    managed: false,
                });
            }
        }
        // Children live in the service's group, whatever group the project uses.
        let mut child = Planner {
            sub: subscription_id,
            rg: &service_rg,
            base: pl.base.clone(),
            rg_address: pl.rg_address.clone(),
            out: Vec::new(),
        };
        let mut child_parents = vec![service_address.clone()];
        if service_rg == p.resource_group {
            child_parents.push(pl.rg_address.clone());
        }
        let apim_ctx = to_json(apim)?;
        child.add(
            "apim.logger",
            ResourceKind::ApimLogger,
            &[service_name, &apim.logger_name],
            vec![("apim", apim_ctx.clone())],
            child_parents.clone(),
        )?;
        child.add(
            "apim.diagnostic",
            ResourceKind::ApimDiagnostic,
            &[service_name, "applicationinsights"],
            vec![
                ("apim", apim_ctx),
                ("diagnostics", to_json(&apim.diagnostics)?),
            ],
            child_parents,
        )?;
        pl.out.extend(child.out);
    }

    for (key, custom) in &model.custom {
        let mut context = with_owner_tags(pl.base.clone(), &format!("resource.{key}"));
        // A copy of a repeated resource (`op["get"]`) is named by its KEY (`op`).
        let base = key.split('[').next().unwrap_or(key);
        context.insert("name".into(), json!(base));
        context.insert("values".into(), to_json(&custom.values)?);
        if let Some(instance) = &custom.instance {
            match instance.index {
                Some(index) => context.insert("count".into(), json!({ "index": index })),
                None => context.insert(
                    "each".into(),
                    json!({ "key": instance.key, "value": instance.value }),
                ),
            };
        }
        pl.out.push(Planned {
            address: ResourceAddress::new(format!("resource.{key}")),
            kind: custom.kind.unwrap_or(ResourceKind::Custom),
            fixed: None,
            source: Source::Custom {
                name: format!("resource.{key}"),
                context: Value::Object(context),
            },
            parents: match &custom.placement {
                Placement::Project => in_rg.clone(),
                Placement::Group(group) => {
                    vec![ResourceAddress::new(format!("resource_group.{group}"))]
                }
                Placement::Subscription => Vec::new(),
            },
            declared: custom.depends_on.clone(),
            managed: true,
        });
    }
    Ok(pl.out)
}
