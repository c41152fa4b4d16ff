//! Reading the merged, interpolated tree into the [`Model`], one section per file, with the
//! cross-section checks (references between sections) done in order of dependence.

use std::collections::BTreeSet;
use std::path::Path;

use crate::model::{Model, Project};

use super::diagnostic::{Diags, code};
use super::node::{Node, Span, Value};
use super::reader::Section;

mod alerts;
mod apim;
mod apps;
mod custom;
mod groups;
mod ignore;
mod outputs;
mod project;
mod registry;
mod repeat;
mod state;
mod verify;

pub(crate) use repeat::marker as repeat_marker;

/// Top-level keys of a manifest.
pub(crate) const ROOT_KEYS: &[&str] = &[
    "project",
    "variables",
    "monitoring",
    "action_group",
    "alert",
    "environment",
    "app",
    "apim",
    "registry",
    "resource",
    "verify",
    "env",
    "state",
    "output",
    "resource_group",
];

/// The keys each table of the manifest accepts, by where that table is in the JSON Schema
/// (`manifest::schema`), so a test can keep the two in step.
#[cfg(test)]
pub(crate) fn section_keys() -> Vec<(&'static str, &'static [&'static str])> {
    vec![
        ("/properties", ROOT_KEYS),
        ("/properties/project/properties", project::PROJECT_KEYS),
        (
            "/properties/monitoring/properties",
            project::MONITORING_KEYS,
        ),
        (
            "/properties/environment/properties",
            project::ENVIRONMENT_KEYS,
        ),
        (
            "/properties/variables/additionalProperties/anyOf/1/properties",
            super::vars::VARIABLE_KEYS,
        ),
        (
            "/properties/action_group/additionalProperties/properties",
            alerts::ACTION_GROUP_KEYS,
        ),
        (
            "/properties/alert/additionalProperties/properties",
            alerts::ALERT_KEYS,
        ),
        (
            "/properties/app/additionalProperties/properties",
            apps::APP_KEYS,
        ),
        (
            "/properties/app/additionalProperties/properties/probes/properties",
            apps::PROBES_KEYS,
        ),
        (
            "/properties/app/additionalProperties/properties/probes/properties/liveness/properties",
            apps::PROBE_KEYS,
        ),
        (
            "/properties/app/additionalProperties/properties/replicas/anyOf/1/properties",
            apps::REPLICA_KEYS,
        ),
        ("/properties/apim/properties", apim::APIM_KEYS),
        ("/properties/registry/properties", registry::REGISTRY_KEYS),
        (
            "/properties/apim/properties/diagnostics/properties",
            apim::DIAGNOSTICS_KEYS,
        ),
        (
            "/properties/resource/additionalProperties/properties",
            custom::RESOURCE_KEYS,
        ),
        (
            "/properties/resource_group/additionalProperties/properties",
            groups::GROUP_KEYS,
        ),
        (
            "/properties/output/additionalProperties/properties",
            outputs::OUTPUT_KEYS,
        ),
        ("/properties/verify/properties", verify::VERIFY_KEYS),
        (
            "/properties/verify/properties/silence/items/properties",
            verify::SILENCE_KEYS,
        ),
        ("/properties/state/properties", state::STATE_KEYS),
    ]
}

/// What the section readers share.
pub(crate) struct Ctx<'a> {
    pub d: &'a mut Diags,
    pub base_dir: &'a Path,
    /// The project name, or a placeholder when it is missing or invalid.
    pub project_name: String,
    /// Where the project name is written (derived-name errors point here).
    pub project_span: Span,
    /// What derived names start with: the project name in the default environment,
    /// `{project}-{env}` in any other, so environments never share a resource.
    pub name_stem: String,
    /// Secret values met while reading (app secrets, secret variables in custom values).
    pub secrets: Vec<String>,
    /// `ignore = [...]` paths by resource address, from every section that takes them.
    pub ignore: std::collections::BTreeMap<String, Vec<String>>,
}

impl Ctx<'_> {
    /// A secret variable landed in a field that is not secret: remember the value for
    /// redaction and warn.
    pub fn note_secret(&mut self, node: &Node, field: &str) {
        if let Value::Str(s) = &node.value
            && node.secret
        {
            self.secrets.push(s.clone());
            self.d.warn(
                code::SECRET_IN_PLAIN_FIELD,
                Some(node.span.clone()),
                format!("a secret variable is used in {field}, which Azure stores and shows in clear"),
                Some("put the value in the app's `secrets` and reference it with `{ secret = \"name\" }`".into()),
            );
        }
    }
}

/// Build the model from the root table (with `env` and `variables` already taken out).
pub(crate) fn build(root: &Node, env_name: &str, production: bool, ctx: &mut Ctx<'_>) -> Model {
    let empty = super::node::Table::default();
    let root_section = Section::open(root, root.span.clone(), "manifest", ROOT_KEYS, ctx.d);
    let table = root_section.as_ref().map(|s| s.table).unwrap_or(&empty);

    let mut project: Project = project::project(table.get("project"), ctx, env_name);
    project.production = production;
    let resource_groups = groups::groups(table.get("resource_group"), &project, ctx);
    let monitoring = project::monitoring(table.get("monitoring"), ctx);
    let has_monitoring = monitoring.is_some();
    let apps = apps::apps(table.get("app"), has_monitoring, ctx);
    let environment = project::environment(
        table.get("environment"),
        !apps.is_empty(),
        has_monitoring,
        ctx,
    );
    let action_groups = alerts::action_groups(table.get("action_group"), ctx);
    let app_names: Vec<String> = apps.keys().cloned().collect();
    let alerts = alerts::alerts(
        table.get("alert"),
        &action_groups,
        &app_names,
        has_monitoring,
        ctx,
    );
    let apim = apim::apim(table.get("apim"), has_monitoring, ctx);
    let registry = registry::registry(table.get("registry"), ctx);
    registry::check_apps(table.get("app"), &apps, registry.as_ref(), ctx);

    let mut known: BTreeSet<String> = BTreeSet::new();
    known.insert("resource_group".into());
    known.extend(
        resource_groups
            .keys()
            .map(|k| format!("resource_group.{k}")),
    );
    if has_monitoring {
        known.insert("monitoring.workspace".into());
        known.insert("monitoring.app_insights".into());
    }
    if environment.is_some() {
        known.insert("environment".into());
    }
    known.extend(action_groups.keys().map(|k| format!("action_group.{k}")));
    known.extend(alerts.keys().map(|k| format!("alert.{k}")));
    known.extend(apps.keys().map(|k| format!("app.{k}")));
    if registry.is_some() {
        known.extend(["registry", "registry.pull_identity", "registry.acr_pull"].map(String::from));
    }
    if apim.is_some() {
        known.extend(["apim.service", "apim.logger", "apim.diagnostic"].map(String::from));
    }
    let custom = custom::resources(table.get("resource"), &known, &resource_groups, ctx);
    known.extend(custom.keys().map(|k| format!("resource.{k}")));
    let silences = verify::silences(table.get("verify"), &known, ctx);
    let state = state::state(table.get("state"), ctx);
    let outputs = outputs::outputs(table.get("output"), ctx);
    outputs::check_references(root, &known, ctx);
    repeat::check_unrepeated(root, ctx);

    Model {
        project,
        monitoring,
        action_groups,
        alerts,
        environment,
        apps,
        apim,
        registry,
        custom,
        resource_groups,
        silences,
        state,
        outputs,
        ignore: std::mem::take(&mut ctx.ignore),
    }
}
