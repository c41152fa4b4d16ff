//! The human form of a verify [`Report`]: the seed's monitoring summary, a table with one line
//! per rule, the findings (silenced ones with their reason), and a one-line total. The JSON
//! form is the report's own serialisation (see docs/commands.md).

use std::fmt::Write as _;

use super::{Report, Status};

/// Wrap a report in the documented JSON envelope (`{"version":1,...}`).
pub fn to_json(report: &Report) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    out.insert("version".into(), serde_json::Value::from(1));
    if let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(report) {
        out.extend(fields);
    }
    serde_json::Value::Object(out)
}

/// The report as text for a terminal.
pub fn render_human(report: &Report) -> String {
    let mut out = String::new();
    let o = &report.overview;
    let what = match report.subject {
        super::Subject::Deployed => "",
        super::Subject::Plan => "the plan for ",
    };
    let _ = writeln!(
        out,
        "Verifying {what}{} (environment `{}`{})",
        report.project,
        report.environment,
        if report.production {
            ", production"
        } else {
            ""
        }
    );
    out.push('\n');
    match o.app_insights.as_slice() {
        [] => out.push_str("==> Application Insights: none deployed\n"),
        names => {
            let _ = writeln!(out, "==> Application Insights: {}", names.join(", "));
        }
    }
    if o.alerts.is_empty() {
        out.push_str("==> Alert rules configured: none\n");
    } else {
        out.push_str("==> Alert rules configured:\n");
        for a in &o.alerts {
            let mut line = format!("    - {}", a.name);
            if !a.description.is_empty() {
                let _ = write!(line, ": {}", a.description);
            }
            if let Some(s) = a.severity {
                let _ = write!(line, " (Severity {s})");
            }
            if !a.enabled {
                line.push_str(" [disabled]");
            }
            let _ = writeln!(out, "{line}");
        }
        if o.alerts_sent_to.is_empty() {
            out.push_str("    - Alerts sent to: nobody\n");
        } else {
            let _ = writeln!(out, "    - Alerts sent to: {}", o.alerts_sent_to.join(", "));
        }
    }
    if !o.apps.is_empty() {
        out.push_str("==> Security hardening:\n");
        for a in o.apps.iter().filter(|a| a.ingress == "internal") {
            let _ = writeln!(out, "    - {}: internal ingress only", a.name);
        }
        if o.apps.iter().all(|a| a.liveness && a.readiness) {
            out.push_str("    - All services: health probes (liveness + readiness)\n");
        } else {
            for a in &o.apps {
                let probes = match (a.liveness, a.readiness) {
                    (true, true) => "health probes (liveness + readiness)",
                    (true, false) => "liveness probe only",
                    (false, true) => "readiness probe only",
                    (false, false) => "no health probes",
                };
                let _ = writeln!(out, "    - {}: {probes}", a.name);
            }
        }
        let scale = |a: &super::AppLine| {
            format!(
                "min={}, max={}",
                a.min_replicas,
                a.max_replicas
                    .map(|m| m.to_string())
                    .unwrap_or_else(|| "default".into())
            )
        };
        let first = scale(&o.apps[0]);
        if o.apps.iter().all(|a| scale(a) == first) {
            let _ = writeln!(out, "    - All services: auto-scaling {first}");
        } else {
            for a in &o.apps {
                let _ = writeln!(out, "    - {}: auto-scaling {}", a.name, scale(a));
            }
        }
    }
    out.push('\n');
    let title_width = report
        .rules
        .iter()
        .map(|r| r.title.len())
        .max()
        .unwrap_or(5)
        .max(5);
    let _ = writeln!(
        out,
        "{:<9} {:<title_width$}  {:<8}  CHECKED",
        "RULE", "CHECK", "RESULT"
    );
    for r in &report.rules {
        let _ = writeln!(
            out,
            "{:<9} {:<title_width$}  {:<8}  {}",
            r.id,
            r.title,
            r.status.as_str(),
            r.checked
        );
    }
    let notes: Vec<_> = report
        .rules
        .iter()
        .filter(|r| r.status == Status::NotApplicable)
        .filter_map(|r| r.note.as_ref().map(|n| (r.id, n)))
        .collect();
    for (id, note) in notes {
        let _ = writeln!(out, "  {id} does not apply: {note}");
    }
    if !report.findings.is_empty() {
        out.push_str("\nFindings:\n");
        for f in &report.findings {
            let tag = match (&f.silenced, f.level) {
                (Some(_), _) => "silenced",
                (None, super::Level::Error) => "FAIL",
                (None, super::Level::Warning) => "warn",
            };
            let _ = writeln!(out, "  {tag:<8}  {}  {}: {}", f.rule, f.resource, f.message);
            if let Some(reason) = &f.silenced {
                let _ = writeln!(out, "            reason: {reason}");
            }
        }
    }
    let c = &report.counts;
    let _ = writeln!(
        out,
        "\n{} rules: {} passed, {} failed, {} warned, {} silenced, {} not applicable",
        c.rules, c.passed, c.failed, c.warned, c.silenced, c.not_applicable
    );
    if report.passed {
        out.push_str("Verify passed.\n");
    } else {
        out.push_str("Verify failed: fix the findings marked FAIL, or silence one in the manifest with `[[verify.silence]]` and a reason.\n");
    }
    out
}
