//! `[resource.KEY]`: custom resources from a template file (read here, relative to the
//! manifest), with values and `depends_on` addresses; cycles among them are named.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::kinds::{LibValue, library, library_names};

use crate::model::{CustomResource, Placement, ResourceGroup};

use super::super::diagnostic::{code, did_you_mean};
use super::super::files;
use super::super::names;
use super::super::node::{Entry, Node, Span, Value};
use super::super::reader::{Section, wrong_type};
use super::{Ctx, ignore, repeat};

pub(crate) const RESOURCE_KEYS: &[&str] = &[
    "template",
    "values",
    "depends_on",
    "for_each",
    "count",
    "ignore",
    "resource_group",
    "scope",
];

/// Short forms accepted in `depends_on`, and the addresses they stand for.
fn expand_alias(addr: &str) -> Option<&'static [&'static str]> {
    match addr {
        "monitoring" => Some(&["monitoring.workspace", "monitoring.app_insights"]),
        "apim" => Some(&["apim.service"]),
        _ => None,
    }
}

fn collect_secrets(node: &Node, out: &mut Vec<String>) {
    match &node.value {
        Value::Str(s) if node.secret => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|n| collect_secrets(n, out)),
        Value::Table(t) => t.entries.iter().for_each(|e| collect_secrets(&e.node, out)),
        _ => {}
    }
}

/// Read every `[resource.KEY]`. `known` holds the addresses of the project's other
/// resources (`app.task-api`, `monitoring.workspace`...), for `depends_on`.
pub(crate) fn resources(
    entry: Option<&Entry>,
    known: &BTreeSet<String>,
    groups: &BTreeMap<String, ResourceGroup>,
    ctx: &mut Ctx<'_>,
) -> BTreeMap<String, CustomResource> {
    let mut out = BTreeMap::new();
    let Some(entry) = entry else { return out };
    let Value::Table(t) = &entry.node.value else {
        wrong_type(
            &entry.node,
            "resource",
            "a table of resources (`[resource.vault]`)",
            ctx.d,
        );
        return out;
    };
    let own: BTreeSet<String> = t
        .entries
        .iter()
        .map(|e| format!("resource.{}", e.key))
        .collect();
    // Edges between custom resources, with the span of each `depends_on` item.
    let mut edges: Vec<(String, String, Span)> = Vec::new();
    for e in &t.entries {
        if let Err(why) = names::manifest_key(&e.key) {
            ctx.d.error(
                code::INVALID_NAME,
                Some(e.key_span.clone()),
                format!("resource key `{}` {why}", e.key),
                None,
            );
        }
        let place = format!("resource.{}", e.key);
        let Some(s) = Section::open(
            &e.node,
            e.key_span.clone(),
            place.clone(),
            RESOURCE_KEYS,
            ctx.d,
        ) else {
            continue;
        };
        let mut r = CustomResource {
            template: Default::default(),
            template_text: String::new(),
            values: BTreeMap::new(),
            depends_on: Vec::new(),
            instance: None,
            placement: placement(&s, groups, ctx),
            kind: None,
        };
        let template = s.require_str("template", "\"templates/keyvault.json\"", ctx.d);
        if let Some(name) = template.as_deref().and_then(|t| t.strip_prefix("lib:")) {
            let span = s.get("template").map(|n| n.span.clone());
            match library(name) {
                Some(spec) => {
                    if let Some(lib) = spec.library {
                        r.template = PathBuf::from(format!("lib:{name}"));
                        r.template_text = lib.template_text.to_string();
                        r.kind = Some(spec.kind);
                        check_library_values(&s, &place, name, lib.values, ctx);
                    }
                }
                None => {
                    let lib_names: Vec<String> =
                        library_names().map(|n| format!("lib:{n}")).collect();
                    let help =
                        did_you_mean(&format!("lib:{name}"), lib_names.iter().map(String::as_str))
                            .unwrap_or_else(|| {
                                format!("the library has: {}", lib_names.join(", "))
                            });
                    ctx.d.error(
                        code::UNKNOWN_REFERENCE,
                        span,
                        format!("[{place}] uses `lib:{name}`, which is not in azlift's library"),
                        Some(help),
                    );
                }
            }
        } else if let Some(rel) = template {
            let path = ctx.base_dir.join(&rel);
            let span = s.get("template").map(|n| n.span.clone());
            match files::read_confined(ctx.base_dir, &rel) {
                Ok(text) => r.template_text = text,
                Err(err) => ctx.d.error(
                    code::IO,
                    span,
                    format!("cannot read template `{}`: {err}", crate::text::quoted(&rel)),
                    Some(
                        "a template is a file in the manifest's folder, named by a path relative to it"
                            .into(),
                    ),
                ),
            }
            r.template = path;
        }
        if let Some(node) = s.get("values") {
            match &node.value {
                Value::Table(vt) => {
                    collect_secrets(node, &mut ctx.secrets);
                    for ve in &vt.entries {
                        r.values.insert(ve.key.clone(), ve.node.to_json());
                    }
                }
                _ => wrong_type(node, &format!("{place}.values"), "a table", ctx.d),
            }
        }
        if let Some(list) = s.str_list("depends_on", ctx.d) {
            for (addr, span) in list {
                let targets: Vec<String> = match expand_alias(&addr) {
                    Some(all) => all.iter().map(|a| a.to_string()).collect(),
                    None => vec![addr.clone()],
                };
                for target in targets {
                    // A copy of a repeated resource (`resource.op["get"]`) by its base.
                    let base = target.split('[').next().unwrap_or_default().to_string();
                    if !(known.contains(&target) || own.contains(&target) || own.contains(&base)) {
                        let candidates = known.iter().chain(own.iter()).map(String::as_str);
                        let help = did_you_mean(&addr, candidates).unwrap_or_else(|| {
                            "addresses look like `resource.NAME`, `app.NAME`, `monitoring`, `environment`, `apim`, `action_group.KEY`, `alert.KEY`".into()
                        });
                        ctx.d.error(
                            code::UNKNOWN_REFERENCE,
                            Some(span.clone()),
                            format!("[{place}] depends on `{addr}`, which is not in the project"),
                            Some(help),
                        );
                        continue;
                    }
                    if r.depends_on.contains(&target) {
                        ctx.d.error(
                            code::DUPLICATE,
                            Some(span.clone()),
                            format!("[{place}] lists `{target}` twice in `depends_on`"),
                            None,
                        );
                        continue;
                    }
                    if own.contains(&base) {
                        edges.push((place.clone(), base.clone(), span.clone()));
                    }
                    r.depends_on.push(target);
                }
            }
        }
        let ignored = ignore::read(&s, ctx);
        match repeat::instances(&s, ctx) {
            None => {
                if let Some(paths) = ignored {
                    ctx.ignore.insert(place.clone(), paths);
                }
                out.insert(e.key.clone(), r);
            }
            Some(copies) => {
                let values_span = s.get("values").map(|n| n.span.clone());
                let mut reported = false;
                for (suffix, instance) in copies {
                    let mut copy = r.clone();
                    let values: Result<BTreeMap<String, serde_json::Value>, String> = copy
                        .values
                        .iter()
                        .map(|(k, v)| Ok((k.clone(), repeat::substitute(v, &instance)?)))
                        .collect();
                    match values {
                        Ok(values) => copy.values = values,
                        Err(expr) if !reported => {
                            reported = true;
                            ctx.d.error(
                                code::BAD_INTERPOLATION,
                                values_span.clone(),
                                format!("`${{{expr}}}` means nothing for a copy of [{place}]"),
                                Some("`for_each` copies know `each.key`, `each.value` and `each.value.FIELD`; `count` copies know `count.index`".into()),
                            );
                        }
                        Err(_) => {}
                    }
                    copy.instance = Some(instance);
                    if let Some(paths) = &ignored {
                        ctx.ignore.insert(format!("{place}{suffix}"), paths.clone());
                    }
                    out.insert(format!("{}{suffix}", e.key), copy);
                }
            }
        }
    }
    report_cycles(&own, &edges, ctx);
    out
}

/// A library resource's `values` may set only the values its template reads, and must set
/// the required ones.
fn check_library_values(
    s: &Section<'_>,
    place: &str,
    lib: &str,
    known: &[LibValue],
    ctx: &mut Ctx<'_>,
) {
    let given: Vec<&Entry> = match s.get("values").map(|n| &n.value) {
        Some(Value::Table(t)) => t.entries.iter().collect(),
        _ => Vec::new(),
    };
    for e in &given {
        if known.iter().any(|v| v.name == e.key) {
            continue;
        }
        let help = did_you_mean(&e.key, known.iter().map(|v| v.name)).unwrap_or_else(|| {
            let all: Vec<&str> = known.iter().map(|v| v.name).collect();
            format!("`lib:{lib}` reads: {}", all.join(", "))
        });
        ctx.d.error(
            code::UNKNOWN_KEY,
            Some(e.key_span.clone()),
            format!("[{place}] `lib:{lib}` has no value `{}`", e.key),
            Some(help),
        );
    }
    for v in known.iter().filter(|v| v.required) {
        if given.iter().any(|e| e.key == v.name) {
            continue;
        }
        ctx.d.error(
            code::MISSING_KEY,
            s.get("values")
                .map(|n| n.span.clone())
                .or_else(|| s.get("template").map(|n| n.span.clone())),
            format!("[{place}] `lib:{lib}` needs `values.{}`", v.name),
            Some(format!("{}: {}", v.name, v.doc)),
        );
    }
}

/// Where the resource lives: `resource_group = "KEY"` (a declared group), `scope =
/// "subscription"`, or the project's group.
fn placement(
    s: &Section<'_>,
    groups: &BTreeMap<String, ResourceGroup>,
    ctx: &mut Ctx<'_>,
) -> Placement {
    let scope = s.one_of("scope", &["resource_group", "subscription"], ctx.d);
    let group = s.str("resource_group", ctx.d);
    match (scope, group) {
        (Some("subscription"), Some(_)) => {
            ctx.d.error(
                code::CONFLICT,
                s.get("resource_group").map(|n| n.span.clone()),
                format!(
                    "[{}] is at subscription scope and in a resource group",
                    s.place
                ),
                Some("remove `resource_group` or `scope = \"subscription\"`".into()),
            );
            Placement::Subscription
        }
        (Some("subscription"), None) => Placement::Subscription,
        (_, Some(key)) if groups.contains_key(&key) => Placement::Group(key),
        (_, Some(key)) => {
            let help = did_you_mean(&key, groups.keys().map(String::as_str)).unwrap_or_else(|| {
                format!("declare it: `[resource_group.{key}]` with `location = \"...\"`")
            });
            ctx.d.error(
                code::UNKNOWN_REFERENCE,
                s.get("resource_group").map(|n| n.span.clone()),
                format!(
                    "[{}] is placed in resource group `{key}`, which is not declared",
                    s.place
                ),
                Some(help),
            );
            Placement::Project
        }
        _ => Placement::Project,
    }
}

/// Name every cycle among custom resources: `resource.a -> resource.b -> resource.a`.
fn report_cycles(own: &BTreeSet<String>, edges: &[(String, String, Span)], ctx: &mut Ctx<'_>) {
    let mut g: DiGraph<&str, ()> = DiGraph::new();
    let index: BTreeMap<&str, NodeIndex> = own
        .iter()
        .map(|a| (a.as_str(), g.add_node(a.as_str())))
        .collect();
    for (from, to, _) in edges {
        if let (Some(&f), Some(&t)) = (index.get(from.as_str()), index.get(to.as_str())) {
            g.add_edge(f, t, ());
        }
    }
    for scc in tarjan_scc(&g) {
        let self_loop = scc.len() == 1 && g.contains_edge(scc[0], scc[0]);
        if scc.len() < 2 && !self_loop {
            continue;
        }
        let members: BTreeSet<NodeIndex> = scc.iter().copied().collect();
        // Walk from the alphabetically first member along edges inside the component until
        // a node repeats: the part of the path from that node is a cycle.
        let Some(&start) = members.iter().min_by_key(|i| g[**i]) else {
            continue;
        };
        let mut path = vec![start];
        let mut cur = start;
        loop {
            let mut nexts: Vec<NodeIndex> =
                g.neighbors(cur).filter(|n| members.contains(n)).collect();
            nexts.sort_by_key(|n| g[*n]);
            let Some(&next) = nexts.first() else { break };
            if let Some(pos) = path.iter().position(|p| *p == next) {
                path.drain(..pos);
                path.push(next);
                break;
            }
            path.push(next);
            cur = next;
        }
        let names: Vec<&str> = path.iter().map(|i| g[*i]).collect();
        let cycle = names.join(" -> ");
        let span = edges
            .iter()
            .find(|(f, t, _)| names.len() >= 2 && f == names[0] && t == names[1])
            .map(|(_, _, s)| s.clone());
        ctx.d.error(
            code::CYCLE,
            span,
            format!("dependency cycle: {cycle}"),
            Some("remove one of these `depends_on` entries".into()),
        );
    }
}
