//! `[output.NAME]`: declared outputs (`value = "https://${ref.app.web.fqdn}/api"`,
//! `sensitive = true`), and the check that every `${ref.ADDRESS.PATH}` of the manifest names
//! a resource of the project (reported where it is written).

use std::collections::{BTreeMap, BTreeSet};

use crate::model::DeclaredOutput;
use crate::render::refs;

use super::super::diagnostic::{code, did_you_mean};
use super::super::names;
use super::super::node::{Entry, Node, Value};
use super::super::reader::{Section, wrong_type};
use super::Ctx;

pub(crate) const OUTPUT_KEYS: &[&str] = &["value", "sensitive", "description"];

/// Read every `[output.NAME]`.
pub(crate) fn outputs(
    entry: Option<&Entry>,
    ctx: &mut Ctx<'_>,
) -> BTreeMap<String, DeclaredOutput> {
    let mut out = BTreeMap::new();
    let Some(entry) = entry else { return out };
    let Value::Table(t) = &entry.node.value else {
        wrong_type(
            &entry.node,
            "output",
            "a table of outputs (`[output.api_url]`)",
            ctx.d,
        );
        return out;
    };
    for e in &t.entries {
        if let Err(why) = names::manifest_key(&e.key) {
            ctx.d.error(
                code::INVALID_NAME,
                Some(e.key_span.clone()),
                format!("output name `{}` {why}", e.key),
                None,
            );
        }
        let place = format!("output.{}", e.key);
        let Some(s) = Section::open(&e.node, e.key_span.clone(), place, OUTPUT_KEYS, ctx.d) else {
            continue;
        };
        let Some(value) = s.require_str("value", "\"https://${ref.app.web.fqdn}\"", ctx.d) else {
            continue;
        };
        let from_secret = s.get("value").is_some_and(|n| n.secret);
        if from_secret {
            ctx.secrets.push(value.clone());
        }
        let sensitive = s.bool("sensitive", ctx.d).unwrap_or(false) || from_secret;
        let description = s.str("description", ctx.d);
        out.insert(
            e.key.clone(),
            DeclaredOutput {
                value,
                sensitive,
                description,
            },
        );
    }
    out
}

/// Report every `${ref.ADDRESS.PATH}` whose address is not a resource of the project
/// (`known`), or that names no value, at the string that holds it.
pub(crate) fn check_references(root: &Node, known: &BTreeSet<String>, ctx: &mut Ctx<'_>) {
    match &root.value {
        Value::Str(s) if refs::has_marker(s) => {
            let is_address = |a: &str| known.contains(a);
            for part in refs::parts(s).unwrap_or_default() {
                let refs::Part::Ref(expr) = part else {
                    continue;
                };
                if let Err(e) = refs::split(expr, &is_address) {
                    let help = match &e {
                        refs::RefError::NoPath(_) => {
                            Some("write `${ref.app.web.fqdn}` or `${ref.resource.kv.id}`".into())
                        }
                        refs::RefError::UnknownAddress(_) => {
                            let head = expr.rsplit_once('.').map_or(expr, |(h, _)| h);
                            did_you_mean(head, known.iter().map(String::as_str)).or_else(|| {
                                Some("addresses look like `app.NAME`, `resource.NAME`, `monitoring.app_insights`, `environment`".into())
                            })
                        }
                    };
                    ctx.d.error(
                        code::UNKNOWN_REFERENCE,
                        Some(root.span.clone()),
                        e.to_string(),
                        help,
                    );
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|n| check_references(n, known, ctx)),
        Value::Table(t) => t
            .entries
            .iter()
            .for_each(|e| check_references(&e.node, known, ctx)),
        _ => {}
    }
}
