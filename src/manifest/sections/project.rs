//! `[project]`, `[monitoring]` and `[environment]`: the project's identity (name, location,
//! tags, resource group) and the shared monitoring and Container Apps environment.

use std::collections::BTreeMap;

use crate::model::{ContainerEnvironment, Monitoring, Project};

use super::super::diagnostic::{Diags, code, did_you_mean};
use super::super::names::{self, REGIONS, normalize_location};
use super::super::node::{Entry, Value};
use super::super::reader::Section;
use super::Ctx;

pub(crate) const PROJECT_KEYS: &[&str] = &["name", "location", "tags", "resource_group"];
pub(crate) const MONITORING_KEYS: &[&str] = &[
    "workspace_name",
    "sku",
    "retention_days",
    "app_insights_name",
    "application_type",
];
pub(crate) const ENVIRONMENT_KEYS: &[&str] = &["name", "logs_to_workspace"];

/// Workspace pricing tiers a new workspace can be created with.
pub(crate) const WORKSPACE_SKUS: &[&str] = &["PerGB2018", "Standalone", "PerNode"];
pub(crate) const APPLICATION_TYPES: &[&str] = &["web", "other"];

pub(crate) fn name_rule(
    d: &mut Diags,
    span: &std::ops::Range<usize>,
    kind: &str,
    name: &str,
    derived: bool,
    check: fn(&str) -> Result<(), String>,
) {
    if let Err(why) = check(name) {
        let help = if derived {
            format!(
                "it is derived from the project name (and the environment's, outside the default environment); shorten them or set the {kind} name explicitly"
            )
        } else {
            format!("choose a {kind} name that follows Azure's rule")
        };
        d.error(
            code::INVALID_NAME,
            Some(span.clone()),
            format!("{kind} name `{name}` {why}"),
            Some(help),
        );
    }
}

/// The environment whose derived names are the project's own (as before environments
/// were isolated): its names carry no environment suffix.
pub const DEFAULT_ENVIRONMENT: &str = "default";

/// What derived names start with in `env`: `project` in the default environment,
/// `project-env` in every other one, so two environments never derive the same name.
pub(crate) fn name_stem(project: &str, env: &str) -> String {
    if env == DEFAULT_ENVIRONMENT {
        project.to_string()
    } else {
        format!("{project}-{env}")
    }
}

pub(crate) fn project(entry: Option<&Entry>, ctx: &mut Ctx<'_>, env: &str) -> Project {
    let mut p = Project {
        name: "project".into(),
        location: String::new(),
        tags: BTreeMap::new(),
        resource_group: String::new(),
        environment: env.to_string(),
        production: false,
    };
    let Some(entry) = entry else {
        ctx.d.error(
            code::MISSING_KEY,
            Some(0..0),
            "the manifest needs a [project] table",
            Some("start with `[project]`, `name = \"my-app\"`, `location = \"eastus\"`".into()),
        );
        return p;
    };
    let Some(s) = Section::open(
        &entry.node,
        entry.key_span.clone(),
        "project",
        PROJECT_KEYS,
        ctx.d,
    ) else {
        return p;
    };
    if let Some(name) = s.require_str("name", "\"my-app\"", ctx.d) {
        let span = s.get("name").map(|n| n.span.clone()).unwrap_or_default();
        match names::project(&name) {
            Ok(()) => {
                p.name = name;
                ctx.project_span = span;
            }
            Err(why) => ctx.d.error(
                code::INVALID_NAME,
                Some(span),
                format!("project name `{name}` {why}"),
                Some("the project name prefixes every resource name: use 2-40 lower-case letters, digits and hyphens, starting with a letter".into()),
            ),
        }
    }
    ctx.project_name = p.name.clone();
    ctx.name_stem = name_stem(&p.name, env);
    if let Some(loc) = s.require_str("location", "\"eastus\"", ctx.d) {
        p.location = location(&s, &loc, ctx);
    }
    p.resource_group = format!("rg-{}", ctx.name_stem);
    let mut rg_span = ctx.project_span.clone();
    let mut rg_derived = true;
    if let Some(rg) = s.str("resource_group", ctx.d) {
        rg_span = s
            .get("resource_group")
            .map(|n| n.span.clone())
            .unwrap_or_default();
        rg_derived = false;
        p.resource_group = rg;
    }
    name_rule(
        ctx.d,
        &rg_span,
        "resource group",
        &p.resource_group,
        rg_derived,
        names::resource_group,
    );
    if let Some(node) = s.get("tags") {
        p.tags = tags(node, ctx);
    }
    p
}

/// A `location` read from `s`: normalised like ARM (`"East US"` -> `eastus`); a region
/// azlift does not know is a warning with a suggestion.
pub(crate) fn location(s: &Section<'_>, loc: &str, ctx: &mut Ctx<'_>) -> String {
    let norm = normalize_location(loc);
    if let Err(why) = names::location(&norm) {
        ctx.d.error(
            code::INVALID_VALUE,
            s.get("location").map(|n| n.span.clone()),
            format!("location `{}` {why}", crate::text::quoted(loc)),
            Some("write a region such as `eastus` or `West Europe`".into()),
        );
    } else if !REGIONS.contains(&norm.as_str()) {
        let span = s.get("location").map(|n| n.span.clone());
        let help = did_you_mean(&norm, REGIONS.iter().copied()).unwrap_or_else(|| {
            "run `az account list-locations -o table` to see the regions of your cloud".into()
        });
        ctx.d.warn(
            code::UNKNOWN_LOCATION,
            span,
            format!("location `{loc}` is not a region azlift knows"),
            Some(help),
        );
    }
    norm
}

pub(crate) fn tags(node: &super::super::node::Node, ctx: &mut Ctx<'_>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Value::Table(t) = &node.value else {
        super::super::reader::wrong_type(node, "project.tags", "a table of strings", ctx.d);
        return out;
    };
    if t.entries.len() > 50 {
        ctx.d.error(
            code::OUT_OF_RANGE,
            Some(node.span.clone()),
            format!("Azure allows at most 50 tags, found {}", t.entries.len()),
            None,
        );
    }
    for e in &t.entries {
        if e.key.chars().count() > 512 || e.key.chars().any(|c| "<>%&\\?/".contains(c)) {
            ctx.d.error(
                code::INVALID_NAME,
                Some(e.key_span.clone()),
                format!(
                    "tag name `{}` must be at most 512 characters without `< > % & \\ ? /`",
                    e.key
                ),
                None,
            );
        }
        let value = match &e.node.value {
            Value::Str(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => {
                super::super::reader::wrong_type(
                    &e.node,
                    &format!("project.tags.{}", e.key),
                    "a string",
                    ctx.d,
                );
                continue;
            }
        };
        if value.chars().count() > 256 {
            ctx.d.error(
                code::OUT_OF_RANGE,
                Some(e.node.span.clone()),
                format!("tag `{}` is longer than Azure's 256 characters", e.key),
                None,
            );
        }
        ctx.note_secret(&e.node, "a tag");
        out.insert(e.key.clone(), value);
    }
    out
}

pub(crate) fn monitoring(entry: Option<&Entry>, ctx: &mut Ctx<'_>) -> Option<Monitoring> {
    let entry = entry?;
    let project = ctx.name_stem.clone();
    let mut m = Monitoring {
        workspace_name: format!("{project}-logs"),
        workspace_sku: "PerGB2018".into(),
        retention_days: 30,
        app_insights_name: format!("{project}-appinsights"),
        application_type: "web".into(),
    };
    let Some(s) = Section::open(
        &entry.node,
        entry.key_span.clone(),
        "monitoring",
        MONITORING_KEYS,
        ctx.d,
    ) else {
        return Some(m);
    };
    let mut ws = (ctx.project_span.clone(), true);
    if let Some(n) = s.str("workspace_name", ctx.d) {
        ws = (
            s.get("workspace_name")
                .map(|x| x.span.clone())
                .unwrap_or_default(),
            false,
        );
        m.workspace_name = n;
    }
    name_rule(
        ctx.d,
        &ws.0,
        "Log Analytics workspace",
        &m.workspace_name,
        ws.1,
        names::workspace,
    );
    let mut ai = (ctx.project_span.clone(), true);
    if let Some(n) = s.str("app_insights_name", ctx.d) {
        ai = (
            s.get("app_insights_name")
                .map(|x| x.span.clone())
                .unwrap_or_default(),
            false,
        );
        m.app_insights_name = n;
    }
    name_rule(
        ctx.d,
        &ai.0,
        "Application Insights",
        &m.app_insights_name,
        ai.1,
        names::insights,
    );
    if let Some(sku) = s.one_of("sku", WORKSPACE_SKUS, ctx.d) {
        m.workspace_sku = sku.into();
    }
    if let Some(days) = s.int_in("retention_days", 30..=730, ctx.d) {
        m.retention_days = days as u32;
    }
    if let Some(t) = s.one_of("application_type", APPLICATION_TYPES, ctx.d) {
        m.application_type = t.into();
    }
    Some(m)
}

pub(crate) fn environment(
    entry: Option<&Entry>,
    has_apps: bool,
    has_monitoring: bool,
    ctx: &mut Ctx<'_>,
) -> Option<ContainerEnvironment> {
    if entry.is_none() && !has_apps {
        return None;
    }
    let mut env = ContainerEnvironment {
        name: format!("{}-env", ctx.name_stem),
        logs_to_workspace: has_monitoring,
    };
    let mut name_at = (ctx.project_span.clone(), true);
    if let Some(entry) = entry
        && let Some(s) = Section::open(
            &entry.node,
            entry.key_span.clone(),
            "environment",
            ENVIRONMENT_KEYS,
            ctx.d,
        )
    {
        if let Some(n) = s.str("name", ctx.d) {
            name_at = (
                s.get("name").map(|x| x.span.clone()).unwrap_or_default(),
                false,
            );
            env.name = n;
        }
        if let Some(b) = s.bool("logs_to_workspace", ctx.d) {
            if b && !has_monitoring {
                ctx.d.error(
                    code::UNKNOWN_REFERENCE,
                    s.get("logs_to_workspace").map(|x| x.span.clone()),
                    "`logs_to_workspace = true` needs a [monitoring] table (the workspace)",
                    Some("add `[monitoring]` or set `logs_to_workspace = false`".into()),
                );
            }
            env.logs_to_workspace = b;
        }
    }
    name_rule(
        ctx.d,
        &name_at.0,
        "Container Apps environment",
        &env.name,
        name_at.1,
        names::managed_environment,
    );
    Some(env)
}
