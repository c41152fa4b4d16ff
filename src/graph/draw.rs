//! DOT and Mermaid drawings of a dependency graph: one node per resource (address and ARM
//! type; existing resources dashed), arrows from a dependency to what needs it.

use std::fmt::Write as _;

use super::DependencyGraph;

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
