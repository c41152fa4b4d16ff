//! `[resource_group.KEY]`: more resource groups (name, location, tags), for custom resources
//! placed with `resource_group = "KEY"`. Each is the resource `resource_group.KEY`.

use std::collections::BTreeMap;

use crate::model::{Project, ResourceGroup};

use super::super::diagnostic::code;
use super::super::names;
use super::super::node::{Entry, Value};
use super::super::reader::{Section, wrong_type};
use super::{Ctx, project};

pub(crate) const GROUP_KEYS: &[&str] = &["name", "location", "tags"];

/// Read every `[resource_group.KEY]`; defaults come from `[project]`.
pub(crate) fn groups(
    entry: Option<&Entry>,
    p: &Project,
    ctx: &mut Ctx<'_>,
) -> BTreeMap<String, ResourceGroup> {
    let mut out = BTreeMap::new();
    let Some(entry) = entry else { return out };
    let Value::Table(t) = &entry.node.value else {
        wrong_type(
            &entry.node,
            "resource_group",
            "a table of resource groups (`[resource_group.data]`)",
            ctx.d,
        );
        return out;
    };
    for e in &t.entries {
        if let Err(why) = names::manifest_key(&e.key) {
            ctx.d.error(
                code::INVALID_NAME,
                Some(e.key_span.clone()),
                format!("resource group key `{}` {why}", e.key),
                None,
            );
        }
        let place = format!("resource_group.{}", e.key);
        let Some(s) = Section::open(&e.node, e.key_span.clone(), place, GROUP_KEYS, ctx.d) else {
            continue;
        };
        let mut group = ResourceGroup {
            name: format!("{}-{}", p.resource_group, e.key),
            location: p.location.clone(),
            tags: p.tags.clone(),
        };
        let (span, derived) = match s.str("name", ctx.d) {
            Some(name) => {
                group.name = name;
                (s.get("name").map(|n| n.span.clone()), false)
            }
            None => (Some(e.key_span.clone()), true),
        };
        if p.resource_group.eq_ignore_ascii_case(&group.name) {
            ctx.d.error(
                code::DUPLICATE,
                span.clone(),
                format!("resource group `{}` is the project's own", group.name),
                Some("resources go to the project's group without `resource_group`".into()),
            );
        }
        project::name_rule(
            ctx.d,
            &span.unwrap_or_default(),
            "resource group",
            &group.name,
            derived,
            names::resource_group,
        );
        if let Some(loc) = s.str("location", ctx.d) {
            group.location = project::location(&s, &loc, ctx);
        }
        if let Some(node) = s.get("tags") {
            group.tags.extend(project::tags(node, ctx));
        }
        out.insert(e.key.clone(), group);
    }
    out
}
