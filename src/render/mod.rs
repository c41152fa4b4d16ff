//! render: [`Model`] + templates -> [`DesiredResource`]s (address, ARM id, type,
//! api-version, body, values known only after apply, secrets, dependencies).
//!
//! Every body is produced by a JSON template (each kind's `template.json` in
//! `crates/azlift-kinds`, embedded in the binary, overridable per project, see
//! [`TemplateSet`]); custom resources bring their own template. Templates are minijinja
//! with JSON auto-escaping: `{{ value }}` always writes a JSON value. Functions and filters
//! mark what is not a plain value (see `marks`):
//!
//! | in a template | means |
//! |---|---|
//! | `id("monitoring.workspace")` | the ARM id of another resource (adds a dependency) |
//! | `ref("monitoring.app_insights", "/properties/ConnectionString")` | a property of another resource, known after apply |
//! | `action("monitoring.workspace", "sharedKeys", "/primarySharedKey")` | a value from a POST action, known after apply, sensitive |
//! | `secret(v)` or `v \| sensitive` | a secret: masked everywhere, a `securestring` in ARM templates |
//! | `v \| write_only` | a value ARM never returns on GET |
//!
//! The result is ordered: resource group, monitoring, action groups, alerts, environment,
//! apps, APIM, custom resources (keys in name order within each).

mod arm_template;
mod budget;
mod builtin;
pub mod display;
#[doc(hidden)]
pub mod fixtures;
pub mod generated;
pub mod ids;
mod json_text;
mod marks;
pub mod refs;
mod templates;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde_json::Value;

pub use arm_template::arm_template;
pub use templates::{OVERRIDE_DIR, TemplateSet, TemplateSource, builtin_files};

use crate::model::{Model, Placement};
use crate::resource::{DesiredResource, ResourceAddress};
use builtin::{Fixed, Planned, Source};
use marks::{Lookup, Marks, ResolveError};

/// The subscription id used when none is given (`--local`, `render`).
pub const DEFAULT_SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";

/// What a render needs besides the model.
#[derive(Debug, Clone)]
pub struct RenderContext {
    /// Goes into every ARM id.
    pub subscription_id: String,
    pub templates: TemplateSet,
}

impl Default for RenderContext {
    fn default() -> Self {
        RenderContext {
            subscription_id: DEFAULT_SUBSCRIPTION.to_string(),
            templates: TemplateSet::embedded(),
        }
    }
}

/// Why a model could not be rendered.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum RenderError {
    #[error("template {template}: {message}")]
    #[diagnostic(code(azlift::render::template))]
    Template { template: String, message: String },
    #[error("template {template} does not produce JSON (line {line}, column {column}): {message}")]
    #[diagnostic(
        code(azlift::render::json),
        help("templates may leave trailing commas; everything else must be JSON once rendered")
    )]
    InvalidJson {
        template: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{from} refers to `{to}`, which is not a resource of this project")]
    #[diagnostic(code(azlift::render::unknown_address))]
    UnknownAddress { from: ResourceAddress, to: String },
    #[error("{from} depends on `{to}`, which is not a resource of this project")]
    #[diagnostic(code(azlift::render::unknown_dependency))]
    UnknownDependency { from: ResourceAddress, to: String },
    #[error("{address}: {message}")]
    #[diagnostic(code(azlift::render::custom))]
    Custom {
        address: ResourceAddress,
        message: String,
    },
    #[error("{address}: {message}")]
    #[diagnostic(code(azlift::render::placeholder))]
    Placeholder {
        address: ResourceAddress,
        message: String,
    },
    #[error("{} problems in the templates", errors.len())]
    #[diagnostic(
        code(azlift::render::several),
        help("each is listed below; fix them and run `azlift validate` again")
    )]
    Several {
        #[related]
        errors: Vec<RenderError>,
    },
    #[error("{0}")]
    #[diagnostic(
        code(azlift::render::subscription),
        help("pass `--subscription` (or set AZURE_SUBSCRIPTION_ID) to the subscription's GUID")
    )]
    InvalidSubscription(String),
    #[error("{address}: its ARM name or id holds a secret value")]
    #[diagnostic(
        code(azlift::render::secret_in_id),
        help(
            "names and ids are sent in URLs and shown in every plan: derive the name from a plain variable"
        )
    )]
    SecretInId { address: ResourceAddress },
    #[error("two resources render to the address {0}")]
    #[diagnostic(code(azlift::render::duplicate))]
    Duplicate(ResourceAddress),
    #[error("cannot read {path}: {source}")]
    #[diagnostic(code(azlift::render::io))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read the template {path}: {source}")]
    #[diagnostic(
        code(azlift::render::unreadable),
        help("templates are regular files inside the project folder")
    )]
    Unreadable {
        path: PathBuf,
        source: crate::manifest::files::FileError,
    },
    #[error("template set has no `{0}`")]
    #[diagnostic(code(azlift::render::missing_template))]
    MissingTemplate(String),
    #[error("internal render error: {0}")]
    #[diagnostic(code(azlift::render::internal))]
    Internal(String),
}

impl RenderError {
    /// Every single problem: the errors inside [`RenderError::Several`], or this one.
    pub fn into_list(self) -> Vec<RenderError> {
        match self {
            RenderError::Several { errors } => errors
                .into_iter()
                .flat_map(RenderError::into_list)
                .collect(),
            other => vec![other],
        }
    }
}

/// A rendered body before its placeholders are resolved.
struct Drafted {
    planned: Planned,
    fixed: Fixed,
    body: Value,
}

/// Renders the model into desired resources, in a stable order. Every template is rendered
/// and every problem reported: one error, or [`RenderError::Several`] with all of them.
pub fn render(model: &Model, ctx: &RenderContext) -> Result<Vec<DesiredResource>, RenderError> {
    ids::check_subscription(&ctx.subscription_id).map_err(RenderError::InvalidSubscription)?;
    let mut errors = Vec::new();
    let resources = render_collecting(model, ctx, &mut errors)?;
    match errors.len() {
        0 => Ok(resources),
        1 => Err(errors.remove(0)),
        _ => Err(RenderError::Several { errors }),
    }
}

/// The render itself: problems of one template or one resource go to `errors` and the
/// others are still rendered; only an error that stops everything is returned.
fn render_collecting(
    model: &Model,
    ctx: &RenderContext,
    errors: &mut Vec<RenderError>,
) -> Result<Vec<DesiredResource>, RenderError> {
    let marks = Marks::default();
    let planned = builtin::plan(model, &ctx.subscription_id, &marks)?;
    let (env, broken) = template_environment(model, ctx, &marks, errors);

    // 1. Render every template to JSON (ids of custom resources become known here). A
    // resource whose template fails is reported once: its address is remembered so that
    // what refers to it is not reported again, and a built-in's id (known up front) still
    // resolves for the others.
    let mut drafted = Vec::with_capacity(planned.len());
    let mut failed: BTreeMap<String, Option<String>> = BTreeMap::new();
    for p in planned {
        let template = match &p.source {
            Source::Template { name, .. } | Source::Custom { name, .. } => Some(name),
            Source::Existing => None,
        };
        let known_id = p.fixed.as_ref().map(|f| f.id.clone());
        let address = p.address.0.clone();
        if template.is_some_and(|t| broken.contains(t)) {
            failed.insert(address, known_id);
            continue; // already reported
        }
        match draft(&env, model, ctx, p) {
            Ok(d) => drafted.push(d),
            Err(e) => {
                errors.push(e);
                failed.insert(address, known_id);
            }
        }
    }

    // 2. Every address and its id.
    let mut ids: BTreeMap<String, String> = failed
        .iter()
        .filter_map(|(a, id)| Some((a.clone(), id.clone()?)))
        .collect();
    for d in &drafted {
        if ids
            .insert(d.planned.address.0.clone(), d.fixed.id.clone())
            .is_some()
        {
            return Err(RenderError::Duplicate(d.planned.address.clone()));
        }
    }
    let id_of = |address: &str| ids.get(address).cloned();
    let by_id: BTreeMap<String, &str> = ids
        .iter()
        .map(|(address, id)| (id.to_ascii_lowercase(), address.as_str()))
        .collect();

    // 3. Resolve placeholders, collect pending values, secrets and dependencies.
    let table = marks
        .snapshot()
        .map_err(|e| RenderError::Internal(e.to_string()))?;
    let mut out = Vec::with_capacity(drafted.len());
    for mut d in drafted {
        let address = d.planned.address.clone();
        let address_text = address.0.clone();
        let lookup = Lookup {
            marks: &table,
            this: address.as_str(),
            id_of: &id_of,
        };
        let resolved = match marks::resolve(&mut d.body, &lookup) {
            Ok(r) => r,
            Err(ResolveError::UnknownAddress(to)) if failed.contains_key(&to) => continue,
            Err(e) => {
                errors.push(resolve_error(&address, e));
                continue;
            }
        };
        let mut depends_on: BTreeSet<ResourceAddress> = d.planned.parents.iter().cloned().collect();
        depends_on.extend(resolved.depends_on);
        depends_on.extend(ids_written_out(&d.body, &by_id, &address));
        for declared in &d.planned.declared {
            match resolve_declared(&address, declared, &ids) {
                Ok(found) => depends_on.extend(found),
                Err(e) => errors.push(e),
            }
        }
        out.push(DesiredResource {
            address,
            kind: d.planned.kind,
            arm_type: d.fixed.arm_type,
            api_version: d.fixed.api_version,
            id: d.fixed.id,
            name: d.fixed.name,
            body: d.body,
            pending: resolved.pending,
            sensitive: resolved.sensitive,
            write_only: resolved.write_only,
            depends_on,
            managed: d.planned.managed,
            ignore: model
                .ignore
                .get(address_text.as_str())
                .cloned()
                .unwrap_or_default(),
        });
    }
    Ok(out)
}

/// The template environment of one render: the built-in set and every custom resource's
/// template, with the mark functions. A template that does not parse is reported once and
/// its name returned, so the resources using it are skipped.
fn template_environment<'a>(
    model: &Model,
    ctx: &RenderContext,
    marks: &Marks,
    errors: &mut Vec<RenderError>,
) -> (Environment<'a>, BTreeSet<String>) {
    let mut broken = BTreeSet::new();
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::Json);
    env.set_keep_trailing_newline(false);
    env.set_fuel(Some(budget::FUEL));
    marks.register(&mut env);
    generated::register(&mut env);
    for (name, source) in ctx.templates.iter() {
        if let Err(e) = env.add_template_owned(name.to_string(), source.text.clone()) {
            errors.push(template_error(name, &e));
            broken.insert(name.to_string());
        }
    }
    for (key, custom) in &model.custom {
        let name = format!("resource.{key}");
        if let Err(e) = env.add_template_owned(name.clone(), custom.template_text.clone()) {
            errors.push(template_error(&custom.template.display().to_string(), &e));
            broken.insert(name);
        }
    }
    (env, broken)
}

/// Renders one planned resource's template to its JSON body (custom resources: with their
/// type, api-version, name and id taken out of it).
fn draft(
    env: &Environment<'_>,
    model: &Model,
    ctx: &RenderContext,
    p: Planned,
) -> Result<Drafted, RenderError> {
    let (body, fixed) = match &p.source {
        Source::Existing => (Value::Object(Default::default()), p.fixed.clone()),
        Source::Template { name, context } => {
            (render_json(env, name, context, name)?, p.fixed.clone())
        }
        Source::Custom { name, context } => {
            let shown = model
                .custom
                .get(name.trim_start_matches("resource."))
                .map(|c| c.template.display().to_string())
                .unwrap_or_else(|| name.clone());
            let mut body = render_json(env, name, context, &shown)?;
            let placement = model
                .custom
                .get(name.trim_start_matches("resource."))
                .map(|c| c.placement.clone())
                .unwrap_or_default();
            let group = match &placement {
                Placement::Project => Some(model.project.resource_group.as_str()),
                Placement::Group(key) => model.resource_groups.get(key).map(|g| g.name.as_str()),
                Placement::Subscription => None,
            };
            let fixed = custom_head(&p.address, &mut body, &ctx.subscription_id, group)?;
            (body, Some(fixed))
        }
    };
    let fixed = fixed.ok_or_else(|| RenderError::Internal(format!("{} has no id", p.address)))?;
    Ok(Drafted {
        planned: p,
        fixed,
        body,
    })
}

fn resolve_error(address: &ResourceAddress, e: ResolveError) -> RenderError {
    match e {
        ResolveError::UnknownAddress(to) => RenderError::UnknownAddress {
            from: address.clone(),
            to,
        },
        ResolveError::BadToken => RenderError::Placeholder {
            address: address.clone(),
            message: "a placeholder in the template output was altered".into(),
        },
        ResolveError::TwoPending(pointer) => RenderError::Placeholder {
            address: address.clone(),
            message: format!("{pointer}: at most one value known after apply fits in one string"),
        },
        ResolveError::Reference(e) => RenderError::Placeholder {
            address: address.clone(),
            message: e.to_string(),
        },
        ResolveError::TokenInKey(pointer) => RenderError::Placeholder {
            address: address.clone(),
            message: format!(
                "{pointer}: secrets and values known after apply cannot be object keys"
            ),
        },
    }
}

/// Resources whose ARM id a body writes out as a plain string (an alert scope given as a
/// full id, a custom resource's `scope`): each is a dependency, like an `id()` call.
fn ids_written_out(
    body: &Value,
    by_id: &BTreeMap<String, &str>,
    this: &ResourceAddress,
) -> BTreeSet<ResourceAddress> {
    fn walk(v: &Value, by_id: &BTreeMap<String, &str>, out: &mut BTreeSet<String>) {
        match v {
            Value::String(s) if s.starts_with('/') => {
                if let Some(address) = by_id.get(&s.to_ascii_lowercase()) {
                    out.insert((*address).to_string());
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, by_id, out)),
            Value::Object(map) => map.values().for_each(|i| walk(i, by_id, out)),
            _ => {}
        }
    }
    let mut found = BTreeSet::new();
    walk(body, by_id, &mut found);
    found.remove(this.as_str());
    found.into_iter().map(ResourceAddress::new).collect()
}

fn template_error(template: &str, err: &minijinja::Error) -> RenderError {
    let mut message = err.to_string();
    if let Some(detail) = err.detail()
        && !message.contains(detail)
    {
        message = format!("{message}: {detail}");
    }
    RenderError::Template {
        template: template.to_string(),
        message,
    }
}

fn render_json(
    env: &Environment<'_>,
    name: &str,
    context: &Value,
    shown: &str,
) -> Result<Value, RenderError> {
    let template = env
        .get_template(name)
        .map_err(|_| RenderError::MissingTemplate(name.to_string()))?;
    let mut out = budget::CappedText::new(budget::MAX_OUTPUT_BYTES);
    let rendered = template
        .render_captured_to(minijinja::Value::from_serialize(context), &mut out)
        .map(|_| ());
    if out.overflowed() {
        return Err(RenderError::Template {
            template: shown.to_string(),
            message: format!(
                "the output is larger than {} bytes",
                budget::MAX_OUTPUT_BYTES
            ),
        });
    }
    rendered.map_err(|e| template_error(shown, &e))?;
    let text = out.into_text();
    let text = json_text::strip_trailing_commas(&text);
    serde_json::from_str(&text).map_err(|e| RenderError::InvalidJson {
        template: shown.to_string(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })
}

/// Takes `type`, `apiVersion` and `name` out of a custom resource's rendered JSON.
fn custom_head(
    address: &ResourceAddress,
    body: &mut Value,
    subscription_id: &str,
    resource_group: Option<&str>,
) -> Result<Fixed, RenderError> {
    let err = |message: String| RenderError::Custom {
        address: address.clone(),
        message,
    };
    let map = body
        .as_object_mut()
        .ok_or_else(|| err("the template must produce a JSON object".into()))?;
    if map.contains_key("dependsOn") {
        return Err(err(
            "`dependsOn` belongs in the manifest (`depends_on = [...]`), not in the template"
                .into(),
        ));
    }
    let mut take = |key: &str| -> Result<String, RenderError> {
        match map.remove(key) {
            Some(Value::String(s)) if !s.is_empty() && !s.contains('\u{E000}') => Ok(s),
            Some(Value::String(_)) => {
                Err(err(format!("`{key}` must be a plain, non-empty string")))
            }
            Some(_) => Err(err(format!("`{key}` must be a string"))),
            None => Err(err(format!("the template must set `{key}`"))),
        }
    };
    let arm_type = take("type")?;
    let api_version = take("apiVersion")?;
    let name = take("name")?;
    // Everything here goes into a URL path: only validated segments make an id.
    ids::check_type(&arm_type).map_err(err)?;
    let names: Vec<&str> = name.split('/').collect();
    let needed = ids::name_count(&arm_type);
    if needed == 0 || names.len() != needed || names.iter().any(|n| n.is_empty()) {
        return Err(err(format!(
            "type `{arm_type}` needs a name with {needed} segment(s) separated by `/`, got `{}`",
            crate::text::quoted(&name)
        )));
    }
    for n in &names {
        ids::check_name(n).map_err(err)?;
    }
    ids::check_api_version(&api_version).map_err(err)?;
    Ok(Fixed {
        id: match resource_group {
            Some(group) => ids::resource_id(subscription_id, group, &arm_type, &names),
            None => ids::subscription_resource_id(subscription_id, &arm_type, &names),
        },
        name: names.last().copied().unwrap_or_default().to_string(),
        arm_type,
        api_version,
    })
}

/// A manifest `depends_on` entry: an address, or a group prefix (`monitoring`, `apim`)
/// meaning every address under it.
fn resolve_declared(
    from: &ResourceAddress,
    declared: &str,
    ids: &BTreeMap<String, String>,
) -> Result<Vec<ResourceAddress>, RenderError> {
    if ids.contains_key(declared) {
        return Ok(vec![ResourceAddress::new(declared)]);
    }
    // A group: `monitoring` (its resources), or a repeated `resource.op` (its copies).
    let prefix = format!("{declared}.");
    let copies = format!("{declared}[");
    let group: Vec<ResourceAddress> = ids
        .keys()
        .filter(|a| a.starts_with(&prefix) || a.starts_with(&copies))
        .map(|a| ResourceAddress::new(a.clone()))
        .collect();
    if group.is_empty() {
        return Err(RenderError::UnknownDependency {
            from: from.clone(),
            to: declared.to_string(),
        });
    }
    Ok(group)
}

/// Refuse a resource whose name or id holds a secret value (it would be sent in a URL and
/// printed in every plan), then mark the body strings that hold one ([`mark_secrets`]).
/// Runs before anything is sent.
pub fn protect_secrets(
    resources: &mut [DesiredResource],
    secrets: &[String],
) -> Result<(), RenderError> {
    let redactor = crate::events::Redactor::with_secrets(secrets.iter().cloned());
    if let Some(r) = resources
        .iter()
        .find(|r| redactor.leaks(&r.id) || redactor.leaks(&r.name))
    {
        return Err(RenderError::SecretInId {
            address: r.address.clone(),
        });
    }
    mark_secrets(resources, secrets);
    Ok(())
}

/// Mark every body string that holds a secret value (a secret variable used in a custom
/// resource's values, say) as sensitive, so no output shows it.
pub fn mark_secrets(resources: &mut [DesiredResource], secrets: &[String]) {
    fn walk(v: &serde_json::Value, at: String, secrets: &[String], out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) if secrets.iter().any(|x| s.contains(x.as_str())) => {
                out.push(at)
            }
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, format!("{at}/{i}"), secrets, out);
                }
            }
            serde_json::Value::Object(map) => {
                for (k, item) in map {
                    let key = k.replace('~', "~0").replace('/', "~1");
                    walk(item, format!("{at}/{key}"), secrets, out);
                }
            }
            _ => {}
        }
    }
    // An empty secret would match every string.
    let secrets: Vec<String> = secrets.iter().filter(|s| !s.is_empty()).cloned().collect();
    let secrets = secrets.as_slice();
    if secrets.is_empty() {
        return;
    }
    for r in resources {
        let mut found = Vec::new();
        walk(&r.body, String::new(), secrets, &mut found);
        for p in found {
            if !r.sensitive.contains(&p) {
                r.sensitive.push(p);
            }
        }
    }
}
