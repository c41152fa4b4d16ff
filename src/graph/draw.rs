//! DOT and Mermaid drawings of a dependency graph: one node per resource (address and ARM
//! type; existing resources dashed), arrows from a dependency to what needs it. The drawing
//! of a plan gives each node the class of its action (create, update, replace, delete,
//! unchanged, read), each class its own colour.

use std::fmt::Write as _;

use std::collections::HashMap;

use super::DependencyGraph;
use crate::plan::{Action, Plan};

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn mermaid_escape(s: &str) -> String {
    s.replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
}

pub(super) fn dot(g: &DependencyGraph) -> String {
    let mut out = String::from(
        "digraph azlift {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n",
    );
    for r in g.resources() {
        let style = if r.managed { "" } else { ", style=dashed" };
        let _ = writeln!(
            out,
            "  \"{}\" [label=\"{}\\n{}\"{style}];",
            dot_escape(r.address.as_str()),
            dot_escape(r.address.as_str()),
            dot_escape(&r.arm_type)
        );
    }
    for (from, to) in g.edges() {
        let _ = writeln!(
            out,
            "  \"{}\" -> \"{}\";",
            dot_escape(g.resources()[from].address.as_str()),
            dot_escape(g.resources()[to].address.as_str())
        );
    }
    out.push_str("}\n");
    out
}

pub(super) fn mermaid(g: &DependencyGraph) -> String {
    let mut out = String::from("flowchart LR\n");
    for (i, r) in g.resources().iter().enumerate() {
        let _ = writeln!(
            out,
            "  n{i}[\"{}<br/><small>{}</small>\"]",
            mermaid_escape(r.address.as_str()),
            mermaid_escape(&r.arm_type)
        );
        if !r.managed {
            let _ = writeln!(out, "  style n{i} stroke-dasharray: 5 5");
        }
    }
    for (from, to) in g.edges() {
        let _ = writeln!(out, "  n{from} --> n{to}");
    }
    out
}

/// The Mermaid class of an action, and its style (GitHub's light palette: green, yellow,
/// purple, red, grey; existing resources dashed).
pub const PLAN_CLASSES: &[(&str, &str)] = &[
    ("create", "fill:#dafbe1,stroke:#1a7f37,color:#1f2328"),
    ("update", "fill:#fff8c5,stroke:#9a6700,color:#1f2328"),
    ("replace", "fill:#fbefff,stroke:#8250df,color:#1f2328"),
    ("delete", "fill:#ffebe9,stroke:#cf222e,color:#1f2328"),
    ("unchanged", "fill:#f6f8fa,stroke:#8c959f,color:#57606a"),
    (
        "read",
        "fill:#ffffff,stroke:#8c959f,color:#57606a,stroke-dasharray:5 5",
    ),
];

/// The class name of `action` in [`PLAN_CLASSES`].
pub fn plan_class(action: Action) -> &'static str {
    match action {
        Action::Create => "create",
        Action::Update => "update",
        Action::Replace => "replace",
        Action::Delete => "delete",
        Action::NoOp => "unchanged",
        Action::Read => "read",
    }
}

fn plan_node(out: &mut String, id: &str, action: Action, address: &str, arm_type: &str) {
    let symbol = match action.symbol().trim() {
        "" => String::new(),
        s => format!("{s} "),
    };
    let _ = writeln!(
        out,
        "  {id}[\"{}{}<br/><small>{}</small>\"]:::{}",
        mermaid_escape(&symbol),
        mermaid_escape(address),
        mermaid_escape(arm_type),
        plan_class(action)
    );
}

pub(super) fn mermaid_plan(g: &DependencyGraph, plan: &Plan) -> String {
    let actions: HashMap<&str, Action> = plan
        .changes
        .iter()
        .map(|c| (c.address.as_str(), c.action))
        .collect();
    let mut out = String::from("flowchart LR\n");
    for (i, r) in g.resources().iter().enumerate() {
        let fallback = if r.managed {
            Action::NoOp
        } else {
            Action::Read
        };
        let action = actions.get(r.address.as_str()).copied().unwrap_or(fallback);
        plan_node(
            &mut out,
            &format!("n{i}"),
            action,
            r.address.as_str(),
            &r.arm_type,
        );
    }
    // Resources the manifest no longer has: no longer part of the graph, drawn alone.
    let in_graph = |a: &str| g.resources().iter().any(|r| r.address.as_str() == a);
    for (i, c) in plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Delete && !in_graph(c.address.as_str()))
        .enumerate()
    {
        plan_node(
            &mut out,
            &format!("d{i}"),
            c.action,
            c.address.as_str(),
            &c.arm_type,
        );
    }
    for (from, to) in g.edges() {
        let _ = writeln!(out, "  n{from} --> n{to}");
    }
    for (class, style) in PLAN_CLASSES {
        let _ = writeln!(out, "  classDef {class} {style}");
    }
    out
}
