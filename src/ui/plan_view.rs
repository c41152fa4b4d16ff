//! The human form of a plan, in the shape Terraform users read without thinking:
//! `+` create, `~` update in place, `-/+` replace, `-` delete, one line per changed path with
//! old -> new, and a summary line. Secrets were masked when the plan was made.

use std::fmt::Write;

use console::Style;
use serde_json::Value;

use crate::plan::{Action, Change, Plan};

fn style_for(action: Action, color: bool) -> Style {
    let s = Style::new();
    if !color {
        return s;
    }
    match action {
        Action::Create => s.green(),
        Action::Update => s.yellow(),
        Action::Replace => s.magenta(),
        Action::Delete => s.red(),
        Action::NoOp | Action::Read => s.dim(),
    }
}

fn shown(v: &Option<Value>) -> String {
    match v {
        None => "(absent)".to_string(),
        Some(Value::String(s)) if s.starts_with('(') && s.ends_with(')') => s.clone(),
        // The manifest's `10` may come back as `10.0` (a float field): show it as written.
        Some(Value::Number(n)) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
            _ => n.to_string(),
        },
        Some(v) => v.to_string(),
    }
}

fn verb(action: Action) -> &'static str {
    match action {
        Action::Create => "will be created",
        Action::Update => "will be updated in place",
        Action::Replace => "must be replaced",
        Action::Delete => "will be destroyed",
        Action::NoOp => "is up to date",
        Action::Read => "will be read",
    }
}

/// One change, as a block of lines.
pub fn render_change(c: &Change, color: bool) -> String {
    let st = style_for(c.action, color);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  # {} ({}) {}: {}",
        st.apply_to(c.address.as_str()),
        c.arm_type,
        verb(c.action),
        c.reason
    );
    if c.attributes.is_empty() {
        let _ = writeln!(out, "{:>4} {}", st.apply_to(c.action.symbol()), c.id);
    }
    for a in &c.attributes {
        let (sym, text) = match (&a.old, &a.new) {
            (None, Some(_)) => ("+", format!("{}: {}", a.path, shown(&a.new))),
            (Some(_), None) => ("-", format!("{}: {}", a.path, shown(&a.old))),
            _ => (
                "~",
                format!("{}: {} -> {}", a.path, shown(&a.old), shown(&a.new)),
            ),
        };
        let sym = if c.action == Action::Replace && a.forces_replace.is_some() {
            "-/+"
        } else {
            sym
        };
        let note = match &a.forces_replace {
            Some(_) => "   # forces replacement".to_string(),
            None => String::new(),
        };
        let _ = writeln!(out, "{:>4} {}{}", st.apply_to(sym), text, note);
    }
    out
}

/// The whole plan. `No changes.` when there is nothing to do.
pub fn render_plan(plan: &Plan, color: bool) -> String {
    let partial = plan
        .scope
        .as_ref()
        .and_then(|s| s.describe())
        .map(|d| format!("{d}\n\n"))
        .unwrap_or_default();
    format!("{partial}{}", render_whole(plan, color))
}

fn render_whole(plan: &Plan, color: bool) -> String {
    if !plan.has_changes() {
        return format!(
            "No changes. Azure matches the manifest ({} {} up to date).\n",
            plan.summary.no_op,
            if plan.summary.no_op == 1 {
                "resource"
            } else {
                "resources"
            }
        );
    }
    let mut out = String::from("azlift will perform the following actions:\n\n");
    for c in plan.changes.iter().filter(|c| c.action.is_change()) {
        out.push_str(&render_change(c, color));
        out.push('\n');
    }
    out.push_str(&summary_line(plan));
    out.push('\n');
    out
}

/// `Plan: 1 to add, 2 to change, 0 to replace, 1 to destroy.`
pub fn summary_line(plan: &Plan) -> String {
    let s = plan.summary;
    format!(
        "Plan: {} to add, {} to change, {} to replace, {} to destroy.",
        s.create, s.update, s.replace, s.delete
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::AttributeChange;
    use crate::resource::ResourceAddress;
    use serde_json::json;

    fn change(action: Action, attrs: Vec<AttributeChange>) -> Change {
        Change {
            address: ResourceAddress::new("app.task-api"),
            id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.App/containerApps/task-api"
                .into(),
            arm_type: "Microsoft.App/containerApps".into(),
            api_version: "2026-07-01".into(),
            action,
            reason: "1 attribute differs".into(),
            attributes: attrs,
            observed_hash: None,
        }
    }

    #[test]
    fn empty_plan_says_no_changes() {
        let p = Plan::new(vec![change(Action::NoOp, vec![])]);
        assert_eq!(
            render_plan(&p, false),
            "No changes. Azure matches the manifest (1 resource up to date).\n"
        );
    }

    #[test]
    fn update_lists_paths_old_and_new() {
        let p = Plan::new(vec![change(
            Action::Update,
            vec![
                AttributeChange {
                    path: "properties.configuration.ingress.external".into(),
                    old: Some(json!(false)),
                    new: Some(json!(true)),
                    forces_replace: None,
                },
                AttributeChange {
                    path: "properties.configuration.secrets[name=db].value".into(),
                    old: Some(json!("(sensitive)")),
                    new: Some(json!("(sensitive)")),
                    forces_replace: None,
                },
            ],
        )]);
        let text = render_plan(&p, false);
        assert!(
            text.contains("   ~ properties.configuration.ingress.external: false -> true\n"),
            "{text}"
        );
        assert!(
            text.contains("secrets[name=db].value: (sensitive) -> (sensitive)"),
            "{text}"
        );
        assert!(text.ends_with("Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.\n"));
    }
}
