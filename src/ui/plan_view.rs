//! The human form of a plan, in the shape Terraform users read without thinking:
//! `+` create, `~` update in place, `-/+` replace, `-` delete, one line per changed path with
//! old -> new, and a summary line. A create lists every attribute azlift sets, nested, in the
//! body's (the manifest's) order; [`Detail::Compact`] keeps one line per created resource.
//! Secrets were masked when the plan was made.

use std::fmt::Write;

use console::Style;
use serde_json::Value;

use crate::plan::{Action, Change, Plan};
use crate::resource::{KNOWN_AFTER_APPLY, SENSITIVE};

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

/// How much of a change the plan shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Detail {
    /// A create lists every planned attribute.
    #[default]
    Full,
    /// A create is one line (its id), as `plan --compact` prints.
    Compact,
}

/// A scalar as the plan shows it: strings quoted, placeholders bare, whole floats as written.
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) if s == SENSITIVE || s == KNOWN_AFTER_APPLY => s.clone(),
        Value::Number(_) => shown(&Some(v.clone())),
        other => other.to_string(),
    }
}

/// A key as written in the tree: bare when it is a plain word, quoted otherwise.
fn key_text(k: &str) -> String {
    if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        k.to_string()
    } else {
        Value::String(k.to_string()).to_string()
    }
}

/// Lines of a planned value under `sym`, `depth` levels deep (four columns each), the way
/// Terraform prints a create: `+ key = value`, objects and arrays opened on the key's line.
struct Tree<'a> {
    out: &'a mut String,
    sym: String,
}

impl Tree<'_> {
    fn pad(depth: usize) -> String {
        " ".repeat(3 + depth * 4)
    }

    /// `+ <head><value>` where `head` is `key = ` or empty (array items), then the nested
    /// lines and the closing bracket, followed by `tail` (`,` inside arrays).
    fn value(&mut self, depth: usize, head: &str, v: &Value, tail: &str) {
        let pad = Self::pad(depth);
        let close = " ".repeat(3 + depth * 4 + 2);
        match v {
            Value::Object(m) if !m.is_empty() => {
                let _ = writeln!(self.out, "{pad}{} {head}{{", self.sym);
                self.object(depth + 1, m.iter().map(|(k, x)| (key_text(k), x)));
                let _ = writeln!(self.out, "{close}}}{tail}");
            }
            Value::Array(a) if !a.is_empty() => {
                let _ = writeln!(self.out, "{pad}{} {head}[", self.sym);
                for x in a {
                    self.value(depth + 1, "", x, ",");
                }
                let _ = writeln!(self.out, "{close}]{tail}");
            }
            Value::Object(_) => {
                let _ = writeln!(self.out, "{pad}{} {head}{{}}{tail}", self.sym);
            }
            Value::Array(_) => {
                let _ = writeln!(self.out, "{pad}{} {head}[]{tail}", self.sym);
            }
            other => {
                let _ = writeln!(self.out, "{pad}{} {head}{}{tail}", self.sym, scalar(other));
            }
        }
    }

    /// Sibling keys with their `=` aligned.
    fn object<'v>(&mut self, depth: usize, entries: impl Iterator<Item = (String, &'v Value)>) {
        let entries: Vec<(String, &Value)> = entries.collect();
        let width = entries.iter().map(|(k, _)| k.chars().count()).max();
        for (k, v) in &entries {
            let head = format!("{k:<w$} = ", w = width.unwrap_or(0));
            self.value(depth, &head, v, "");
        }
    }
}

/// Every attribute of a planned body under the resource's id, nested.
fn render_tree(out: &mut String, sym: String, id: &str, body: &Value) {
    let id_value = Value::String(id.to_string());
    let mut entries: Vec<(String, &Value)> = vec![("id".to_string(), &id_value)];
    if let Value::Object(m) = body {
        entries.extend(m.iter().map(|(k, x)| (key_text(k), x)));
    }
    Tree { out, sym }.object(0, entries.into_iter());
}

/// One change, as a block of lines (a create with every planned attribute).
pub fn render_change(c: &Change, color: bool) -> String {
    render_change_with(c, color, Detail::Full)
}

/// One change, as a block of lines, at the given detail.
pub fn render_change_with(c: &Change, color: bool, detail: Detail) -> String {
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
    if let (Action::Create, Detail::Full, Some(after)) = (c.action, detail, &c.after) {
        let sym = st.apply_to(c.action.symbol()).to_string();
        render_tree(&mut out, sym, &c.id, after);
        return out;
    }
    if let Some(old) = &c.replaces {
        // The id changed: the recorded resource goes, the new one comes.
        let _ = writeln!(out, "{:>4} {}", st.apply_to("-"), old);
        let _ = writeln!(out, "{:>4} {}", st.apply_to("+"), c.id);
    } else if c.attributes.is_empty() {
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
    render_plan_with(plan, color, Detail::Full)
}

/// The whole plan at the given detail; a partial plan (`--target`/`--exclude`) says so first.
pub fn render_plan_with(plan: &Plan, color: bool, detail: Detail) -> String {
    let partial = plan
        .scope
        .as_ref()
        .and_then(|s| s.describe())
        .map(|d| format!("{d}\n\n"))
        .unwrap_or_default();
    format!("{partial}{}", render_whole(plan, color, detail))
}

fn render_whole(plan: &Plan, color: bool, detail: Detail) -> String {
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
        out.push_str(&render_change_with(c, color, detail));
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
            before: None,
            after: None,
            replaces: None,
        }
    }

    fn created() -> Change {
        let mut c = change(Action::Create, vec![]);
        c.reason = "does not exist yet".into();
        c.after = Some(json!({
            "location": "eastus",
            "tags": { "env": "prod", "azlift-project": "p" },
            "properties": {
                "configuration": {
                    "secrets": [{ "name": "db", "value": "(sensitive)" }],
                    "ingress": { "external": false, "targetPort": 8000 }
                },
                "customerId": "(known after apply)",
                "headers": ["X-A", "X-B"],
                "scale": { "rules": [], "minReplicas": 1.0 },
                "empty": {}
            }
        }));
        c
    }

    #[test]
    fn a_create_lists_every_attribute_nested_in_body_order() {
        let text = render_plan(&Plan::new(vec![created()]), false);
        let want = "\
azlift will perform the following actions:

  # app.task-api (Microsoft.App/containerApps) will be created: does not exist yet
   + id         = \"/subscriptions/s/resourceGroups/rg/providers/Microsoft.App/containerApps/task-api\"
   + location   = \"eastus\"
   + tags       = {
       + env              = \"prod\"
       + \"azlift-project\" = \"p\"
     }
   + properties = {
       + configuration = {
           + secrets = [
               + {
                   + name  = \"db\"
                   + value = (sensitive)
                 },
             ]
           + ingress = {
               + external   = false
               + targetPort = 8000
             }
         }
       + customerId    = (known after apply)
       + headers       = [
           + \"X-A\",
           + \"X-B\",
         ]
       + scale         = {
           + rules       = []
           + minReplicas = 1
         }
       + empty         = {}
     }

Plan: 1 to add, 0 to change, 0 to replace, 0 to destroy.
";
        assert_eq!(text, want, "\n{text}");
    }

    /// Read a tree back: `+ key = value` lines, `{`/`[` opened at the end of a line and
    /// closed by `}`/`]` lines; placeholders bare, other scalars JSON.
    fn read_tree<'a>(lines: &mut impl Iterator<Item = &'a str>) -> Value {
        let mut out = serde_json::Map::new();
        while let Some(line) = lines.next() {
            let line = line.trim();
            if line.starts_with('}') {
                break;
            }
            let entry = line.strip_prefix("+ ").expect("an entry line");
            let (key, rest) = entry.split_once(" = ").expect("key = value");
            let key = key.trim_end();
            let key = if key.starts_with('"') {
                serde_json::from_str::<String>(key).expect("a quoted key")
            } else {
                key.to_string()
            };
            out.insert(key, read_value(rest, lines));
        }
        Value::Object(out)
    }

    fn read_value<'a>(text: &str, lines: &mut impl Iterator<Item = &'a str>) -> Value {
        let text = text.strip_suffix(',').unwrap_or(text);
        match text {
            "{" => read_tree(lines),
            "[" => {
                let mut items = Vec::new();
                while let Some(line) = lines.next() {
                    let line = line.trim();
                    if line.starts_with(']') {
                        break;
                    }
                    let item = line.strip_prefix("+ ").expect("an item line");
                    items.push(read_value(item, lines));
                }
                Value::Array(items)
            }
            "{}" => json!({}),
            "[]" => json!([]),
            t if t.starts_with('(') => Value::String(t.to_string()),
            t => serde_json::from_str(t).expect("a JSON scalar"),
        }
    }

    fn any_body() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            "[a-zA-Z0-9 ,={}\\[\\]\"\\\\-]{0,12}".prop_map(Value::String),
            Just(Value::String(SENSITIVE.into())),
            Just(Value::String(KNOWN_AFTER_APPLY.into())),
        ];
        let tree = leaf.prop_recursive(4, 48, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec(("[a-zA-Z_][a-zA-Z0-9_.:-]{0,9}", inner), 0..5)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        });
        prop::collection::vec(("[a-zA-Z_][a-zA-Z0-9_.:-]{0,9}", tree), 0..5)
            .prop_map(|kv| Value::Object(kv.into_iter().collect()))
    }

    proptest::proptest! {
        /// The tree is faithful: read back, it is the body, every value in its place and
        /// order, nested at any depth.
        #[test]
        fn the_tree_reads_back_as_the_body(body in any_body()) {
            let mut out = String::new();
            let entries = body.as_object().expect("an object").iter().map(|(k, x)| (key_text(k), x));
            Tree { out: &mut out, sym: "+".into() }.object(0, entries);
            let back = read_tree(&mut out.lines());
            proptest::prop_assert_eq!(back, body, "{}", out);
        }
    }

    #[test]
    fn compact_keeps_one_line_per_create() {
        let text = render_plan_with(&Plan::new(vec![created()]), false, Detail::Compact);
        assert_eq!(
            text,
            "azlift will perform the following actions:\n\n  # app.task-api (Microsoft.App/containerApps) will be created: does not exist yet\n   + /subscriptions/s/resourceGroups/rg/providers/Microsoft.App/containerApps/task-api\n\nPlan: 1 to add, 0 to change, 0 to replace, 0 to destroy.\n"
        );
    }

    #[test]
    fn detail_changes_only_creates() {
        let mut update = change(
            Action::Update,
            vec![AttributeChange {
                path: "location".into(),
                old: Some(json!("eastus")),
                new: Some(json!("westus")),
                forces_replace: None,
            }],
        );
        update.after = Some(json!({ "location": "westus" }));
        let mut delete = change(Action::Delete, vec![]);
        delete.before = Some(json!({ "location": "eastus" }));
        let plan = Plan::new(vec![update, delete]);
        assert_eq!(
            render_plan(&plan, false),
            render_plan_with(&plan, false, Detail::Compact)
        );
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

    #[test]
    fn a_renamed_resource_shows_its_reason_and_both_ids() {
        let old =
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.App/containerApps/old-api";
        let mut c = change(Action::Replace, vec![]);
        c.reason = "name changed: old-api -> task-api".into();
        c.replaces = Some(old.into());
        insta::assert_snapshot!(render_change(&c, false));
    }
}
