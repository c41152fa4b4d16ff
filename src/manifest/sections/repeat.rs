//! Repetition of custom resources: `for_each` (a list of keys, or a table of key -> value)
//! and `count`. Each copy is its own resource, `resource.KEY["k"]` or `resource.KEY[0]`, so
//! adding or removing one element plans exactly that element. `${each.key}`,
//! `${each.value}`, `${each.value.FIELD}` and `${count.index}` in the copy's values are
//! replaced here; templates see `each` and `count`.

use serde_json::Value;

use crate::model::Instance;

use super::super::diagnostic::code;
use super::super::names;
use super::super::node::{Node, Span, Value as NodeValue};
use super::super::reader::{Section, wrong_type};
use super::Ctx;

const OPEN: char = '\u{E004}';
const CLOSE: char = '\u{E005}';

/// The marker standing for `${each.EXPR}` / `${count.EXPR}` until the copies are made.
pub(crate) fn marker(expr: &str) -> String {
    format!("{OPEN}{expr}{CLOSE}")
}

/// Most copies one resource may have.
const MAX_COPIES: i64 = 1000;

/// The copies `[resource.KEY]` asks for: `None` when it is not repeated, else each copy's
/// key suffix (`["get"]`, `[0]`) with what it sees.
pub(crate) fn instances(s: &Section<'_>, ctx: &mut Ctx<'_>) -> Option<Vec<(String, Instance)>> {
    let for_each = s.get("for_each");
    let count = s.entry("count");
    if let (Some(_), Some(c)) = (for_each, count) {
        ctx.d.error(
            code::CONFLICT,
            Some(c.key_span.clone()),
            format!("[{}] sets both `for_each` and `count`", s.place),
            Some("keep one: `count = 3` for numbered copies, `for_each` for named ones".into()),
        );
        return Some(Vec::new());
    }
    if let Some(n) = count.and_then(|_| s.int_in("count", 0..=MAX_COPIES, ctx.d)) {
        return Some(
            (0..n as usize)
                .map(|i| {
                    let instance = Instance {
                        key: Value::from(i),
                        value: Value::from(i),
                        index: Some(i),
                    };
                    (format!("[{i}]"), instance)
                })
                .collect(),
        );
    }
    if count.is_some() {
        return Some(Vec::new());
    }
    let node = for_each?;
    let what = format!("{}.for_each", s.place);
    let pairs: Vec<(String, Value, Span)> = match &node.value {
        NodeValue::Array(items) => items
            .iter()
            .filter_map(|item| match &item.value {
                NodeValue::Str(k) => Some((k.clone(), Value::String(k.clone()), item.span.clone())),
                _ => {
                    wrong_type(item, &format!("{what}[]"), "a string", ctx.d);
                    None
                }
            })
            .collect(),
        NodeValue::Table(t) => t
            .entries
            .iter()
            .map(|e| (e.key.clone(), e.node.to_json(), e.key_span.clone()))
            .collect(),
        _ => {
            wrong_type(node, &what, "a list of keys or a table", ctx.d);
            return Some(Vec::new());
        }
    };
    let mut out: Vec<(String, Instance)> = Vec::new();
    for (key, value, span) in pairs {
        if let Err(why) = names::manifest_key(&key) {
            ctx.d.error(
                code::INVALID_NAME,
                Some(span),
                format!("`for_each` key `{key}` {why}"),
                None,
            );
            continue;
        }
        let suffix = format!("[\"{key}\"]");
        if out.iter().any(|(s, _)| *s == suffix) {
            ctx.d.error(
                code::DUPLICATE,
                Some(span),
                format!("`{key}` is listed twice in `{what}`"),
                None,
            );
            continue;
        }
        let instance = Instance {
            key: Value::String(key),
            value,
            index: None,
        };
        out.push((suffix, instance));
    }
    Some(out)
}

/// `values` for one copy: every `${each.…}` / `${count.index}` replaced. A string that is
/// one reference and nothing else takes the value's own type (`${each.value}` may be a
/// table). `Err` names an expression that means nothing for this copy.
pub(crate) fn substitute(v: &Value, instance: &Instance) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) if s.contains(OPEN) => substitute_str(s, instance)?,
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| substitute(i, instance))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, i)| Ok((k.clone(), substitute(i, instance)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

fn substitute_str(s: &str, instance: &Instance) -> Result<Value, String> {
    let mut out = String::new();
    let mut rest = s;
    let mut whole: Option<Value> = None;
    while let Some(start) = rest.find(OPEN) {
        out.push_str(&rest[..start]);
        let after = &rest[start + OPEN.len_utf8()..];
        let end = after.find(CLOSE).ok_or_else(|| s.to_string())?;
        let expr = &after[..end];
        let value = lookup(expr, instance).ok_or_else(|| expr.to_string())?;
        if start == 0 && end + CLOSE.len_utf8() == after.len() && whole.is_none() {
            whole = Some(value.clone());
        }
        match value {
            Value::String(text) => out.push_str(&text),
            other => out.push_str(&other.to_string()),
        }
        rest = &after[end + CLOSE.len_utf8()..];
    }
    out.push_str(rest);
    Ok(whole.unwrap_or(Value::String(out)))
}

fn lookup(expr: &str, instance: &Instance) -> Option<Value> {
    match expr {
        "each.key" if instance.index.is_none() => Some(instance.key.clone()),
        "each.value" if instance.index.is_none() => Some(instance.value.clone()),
        "count.index" => instance.index.map(Value::from),
        _ => {
            let path = expr.strip_prefix("each.value.")?;
            if instance.index.is_some() {
                return None;
            }
            let pointer: String = path.split('.').map(|p| format!("/{p}")).collect();
            instance.value.pointer(&pointer).cloned()
        }
    }
}

/// Report `${each.…}` / `${count.…}` outside a repeated `[resource.KEY]`.
pub(crate) fn check_unrepeated(root: &Node, ctx: &mut Ctx<'_>) {
    fn walk(node: &Node, ctx: &mut Ctx<'_>) {
        match &node.value {
            NodeValue::Str(s) if s.contains(OPEN) => ctx.d.error(
                code::BAD_INTERPOLATION,
                Some(node.span.clone()),
                "`${each.…}` and `${count.index}` are only known in a `[resource.KEY]` with `for_each` or `count`",
                Some("add `for_each = [...]` or `count = N` to this resource, or write the value itself".into()),
            ),
            NodeValue::Array(items) => items.iter().for_each(|n| walk(n, ctx)),
            NodeValue::Table(t) => t.entries.iter().for_each(|e| walk(&e.node, ctx)),
            _ => {}
        }
    }
    let NodeValue::Table(t) = &root.value else {
        return;
    };
    for e in &t.entries {
        if e.key != "resource" {
            walk(&e.node, ctx);
            continue;
        }
        let NodeValue::Table(resources) = &e.node.value else {
            continue;
        };
        for r in &resources.entries {
            let repeated = matches!(&r.node.value, NodeValue::Table(rt)
                if rt.get("for_each").is_some() || rt.get("count").is_some());
            if !repeated {
                walk(&r.node, ctx);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn copies_see_their_key_value_and_index() {
        let named = Instance {
            key: json!("get"),
            value: json!({"method": "GET", "path": "/items"}),
            index: None,
        };
        let values = json!({
            "name": format!("op-{}", marker("each.key")),
            "method": marker("each.value.method"),
            "whole": marker("each.value"),
        });
        assert_eq!(
            substitute(&values, &named).unwrap(),
            json!({"name": "op-get", "method": "GET", "whole": {"method": "GET", "path": "/items"}})
        );
        assert_eq!(
            substitute(&json!(marker("count.index")), &named),
            Err("count.index".to_string())
        );

        let numbered = Instance {
            key: json!(2),
            value: json!(2),
            index: Some(2),
        };
        assert_eq!(
            substitute(
                &json!(format!("replica-{}", marker("count.index"))),
                &numbered
            )
            .unwrap(),
            json!("replica-2")
        );
        assert_eq!(
            substitute(&json!(marker("count.index")), &numbered).unwrap(),
            json!(2)
        );
        assert!(substitute(&json!(marker("each.key")), &numbered).is_err());
    }
}
