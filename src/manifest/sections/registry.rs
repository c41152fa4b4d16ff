//! `[registry]`: the project's private Azure Container Registry (created, or an existing one
//! named with `resource_group`), and the check that every app's `registry = "..."` names it.

use std::collections::BTreeMap;

use crate::model::{App, Registry};

use super::super::diagnostic::code;
use super::super::names;
use super::super::node::{Entry, Value};
use super::super::reader::Section;
use super::Ctx;

pub(crate) const REGISTRY_KEYS: &[&str] = &["name", "sku", "resource_group", "identity_name"];
const SKUS: &[&str] = &["Basic", "Standard", "Premium"];

pub(crate) fn registry(entry: Option<&Entry>, ctx: &mut Ctx<'_>) -> Option<Registry> {
    let entry = entry?;
    let project = ctx.project_name.clone();
    let derived: String = project
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let mut r = Registry {
        name: format!("{derived}acr"),
        sku: "Basic".into(),
        existing_resource_group: None,
        login_server: String::new(),
        identity_name: format!("{project}-acr-pull"),
    };
    let Some(s) = Section::open(
        &entry.node,
        entry.key_span.clone(),
        "registry",
        REGISTRY_KEYS,
        ctx.d,
    ) else {
        return Some(r);
    };
    let (name_span, name_derived) = match (s.str("name", ctx.d), s.get("name")) {
        (Some(n), Some(node)) => {
            r.name = n;
            (node.span.clone(), false)
        }
        _ => (ctx.project_span.clone(), true),
    };
    if let Err(why) = names::container_registry(&r.name) {
        let help = if name_derived {
            "it is derived from the project name; set `[registry] name = \"...\"`"
        } else {
            "a registry name is 5-50 letters and digits, unique in Azure (NAME.azurecr.io)"
        };
        ctx.d.error(
            code::INVALID_NAME,
            Some(name_span),
            format!("registry name `{}` {why}", r.name),
            Some(help.into()),
        );
    }
    if let Some(sku) = s.one_of("sku", SKUS, ctx.d) {
        r.sku = sku.into();
    }
    r.existing_resource_group = s.str("resource_group", ctx.d);
    if let (Some(_), Some(node)) = (&r.existing_resource_group, s.get("sku")) {
        ctx.d.error(
            code::CONFLICT,
            Some(node.span.clone()),
            "`sku` has no effect on an existing registry (`resource_group` is set)".to_string(),
            Some("remove `sku`, or `resource_group` to let azlift create the registry".into()),
        );
    }
    if let Some(n) = s.str("identity_name", ctx.d) {
        r.identity_name = n;
    }
    if let Err(why) = names::user_identity(&r.identity_name) {
        ctx.d.error(
            code::INVALID_NAME,
            s.get("identity_name")
                .map(|n| n.span.clone())
                .or(Some(ctx.project_span.clone())),
            format!("pull identity name `{}` {why}", r.identity_name),
            Some("set `[registry] identity_name` to 3-128 letters, digits, `-` and `_`".into()),
        );
    }
    r.login_server = format!("{}.azurecr.io", r.name.to_ascii_lowercase());
    Some(r)
}

/// Every app's `registry` must be the project's registry's login server.
pub(crate) fn check_apps(
    app_entry: Option<&Entry>,
    apps: &BTreeMap<String, App>,
    registry: Option<&Registry>,
    ctx: &mut Ctx<'_>,
) {
    for (key, app) in apps {
        let Some(server) = &app.registry else {
            continue;
        };
        if registry.is_some_and(|r| r.login_server.eq_ignore_ascii_case(server)) {
            continue;
        }
        let span = app_entry
            .and_then(|e| match &e.node.value {
                Value::Table(t) => t.get(key),
                _ => None,
            })
            .and_then(|e| match &e.node.value {
                Value::Table(t) => t.get("registry").map(|r| r.node.span.clone()),
                _ => None,
            });
        let (message, help) = match registry {
            Some(r) => (
                format!(
                    "app.{key}.registry `{server}` is not this project's registry (`{}`)",
                    r.login_server
                ),
                format!("write `registry = \"{}\"`", r.login_server),
            ),
            None => (
                format!(
                    "app.{key}.registry `{server}` names a registry, but there is no [registry]"
                ),
                format!(
                    "add `[registry]` with `name = \"{}\"` (and `resource_group = \"...\"` if it exists already)",
                    server.split('.').next().unwrap_or(server)
                ),
            ),
        };
        ctx.d
            .error(code::UNKNOWN_REFERENCE, span, message, Some(help));
    }
}
