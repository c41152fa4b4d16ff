//! Typed, reporting readers over the spanned tree: open a table as a section with its
//! allowed keys (unknown keys are reported with "did you mean"), and read strings, numbers,
//! booleans, enumerations and lists from it, reporting wrong types and out-of-range values.

use std::ops::RangeInclusive;

use super::diagnostic::{Diags, code, did_you_mean};
use super::node::{Entry, Node, Span, Table, Value};

/// A table of the manifest being read, with the keys it may hold.
pub(crate) struct Section<'a> {
    /// Where it is, for messages: `app.task-api`.
    pub place: String,
    /// Span of the key that names the section (its header), for "missing key" errors.
    pub key_span: Span,
    pub table: &'a Table,
}

impl<'a> Section<'a> {
    /// Open `node` as a table; report a wrong type or any key not in `allowed`.
    pub fn open(
        node: &'a Node,
        key_span: Span,
        place: impl Into<String>,
        allowed: &[&str],
        d: &mut Diags,
    ) -> Option<Self> {
        let place = place.into();
        let Value::Table(table) = &node.value else {
            d.error(
                code::WRONG_TYPE,
                Some(node.span.clone()),
                format!(
                    "`{place}` must be a table, found {}",
                    node.value.type_name()
                ),
                Some(format!(
                    "write it as `[{place}]` followed by `key = value` lines"
                )),
            );
            return None;
        };
        for e in &table.entries {
            if !allowed.contains(&e.key.as_str()) {
                let help = did_you_mean(&e.key, allowed.iter().copied())
                    .unwrap_or_else(|| format!("allowed keys: {}", allowed.join(", ")));
                d.error(
                    code::UNKNOWN_KEY,
                    Some(e.key_span.clone()),
                    format!("unknown key `{}` in [{place}]", e.key),
                    Some(help),
                );
            }
        }
        Some(Section {
            place,
            key_span,
            table,
        })
    }

    pub fn entry(&self, key: &str) -> Option<&'a Entry> {
        self.table.get(key)
    }

    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.table.get(key).map(|e| &e.node)
    }

    fn what(&self, key: &str) -> String {
        format!("{}.{key}", self.place)
    }

    /// Report that a required key is absent.
    pub fn missing(&self, key: &str, example: &str, d: &mut Diags) {
        d.error(
            code::MISSING_KEY,
            Some(self.key_span.clone()),
            format!("[{}] needs `{key}`", self.place),
            Some(format!("add `{key} = {example}`")),
        );
    }

    pub fn str(&self, key: &str, d: &mut Diags) -> Option<String> {
        self.get(key).and_then(|n| as_str(n, &self.what(key), d))
    }

    pub fn require_str(&self, key: &str, example: &str, d: &mut Diags) -> Option<String> {
        match self.get(key) {
            Some(n) => as_str(n, &self.what(key), d),
            None => {
                self.missing(key, example, d);
                None
            }
        }
    }

    pub fn bool(&self, key: &str, d: &mut Diags) -> Option<bool> {
        self.get(key).and_then(|n| as_bool(n, &self.what(key), d))
    }

    pub fn int_in(&self, key: &str, range: RangeInclusive<i64>, d: &mut Diags) -> Option<i64> {
        self.get(key)
            .and_then(|n| as_int_in(n, &self.what(key), range, d))
    }

    pub fn number(&self, key: &str, d: &mut Diags) -> Option<f64> {
        self.get(key).and_then(|n| as_number(n, &self.what(key), d))
    }

    pub fn one_of(
        &self,
        key: &str,
        allowed: &[&'static str],
        d: &mut Diags,
    ) -> Option<&'static str> {
        self.get(key)
            .and_then(|n| as_one_of(n, &self.what(key), allowed, d))
    }

    pub fn str_list(&self, key: &str, d: &mut Diags) -> Option<Vec<(String, Span)>> {
        self.get(key)
            .and_then(|n| as_str_list(n, &self.what(key), d))
    }
}

pub(crate) fn wrong_type(node: &Node, what: &str, expected: &str, d: &mut Diags) {
    d.error(
        code::WRONG_TYPE,
        Some(node.span.clone()),
        format!(
            "`{what}` must be {expected}, found {}",
            node.value.type_name()
        ),
        None,
    );
}

pub(crate) fn as_str(node: &Node, what: &str, d: &mut Diags) -> Option<String> {
    match &node.value {
        Value::Str(s) => Some(s.clone()),
        _ => {
            wrong_type(node, what, "a string", d);
            None
        }
    }
}

pub(crate) fn as_bool(node: &Node, what: &str, d: &mut Diags) -> Option<bool> {
    match &node.value {
        Value::Bool(b) => Some(*b),
        Value::Str(s) if node.interpolated && (s == "true" || s == "false") => Some(s == "true"),
        _ => {
            wrong_type(node, what, "a boolean (true or false)", d);
            None
        }
    }
}

pub(crate) fn as_int_in(
    node: &Node,
    what: &str,
    range: RangeInclusive<i64>,
    d: &mut Diags,
) -> Option<i64> {
    let n = match &node.value {
        Value::Int(i) => *i,
        Value::Str(s) if node.interpolated && s.trim().parse::<i64>().is_ok() => {
            s.trim().parse::<i64>().ok()?
        }
        _ => {
            wrong_type(node, what, "an integer", d);
            return None;
        }
    };
    if range.contains(&n) {
        Some(n)
    } else {
        d.error(
            code::OUT_OF_RANGE,
            Some(node.span.clone()),
            format!(
                "`{what}` must be between {} and {}, found {n}",
                range.start(),
                range.end()
            ),
            None,
        );
        None
    }
}

pub(crate) fn as_number(node: &Node, what: &str, d: &mut Diags) -> Option<f64> {
    let x = match &node.value {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        Value::Str(s) if node.interpolated && s.trim().parse::<f64>().is_ok() => {
            s.trim().parse::<f64>().ok()?
        }
        _ => {
            wrong_type(node, what, "a number", d);
            return None;
        }
    };
    if x.is_finite() {
        Some(x)
    } else {
        d.error(
            code::OUT_OF_RANGE,
            Some(node.span.clone()),
            format!("`{what}` must be a finite number"),
            None,
        );
        None
    }
}

/// A string from a fixed set, matched case-insensitively; returns the canonical spelling.
pub(crate) fn as_one_of(
    node: &Node,
    what: &str,
    allowed: &[&'static str],
    d: &mut Diags,
) -> Option<&'static str> {
    let s = as_str(node, what, d)?;
    if let Some(found) = allowed.iter().find(|a| a.eq_ignore_ascii_case(s.trim())) {
        return Some(found);
    }
    let list = allowed
        .iter()
        .map(|a| format!("`{a}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let help = match did_you_mean(&s, allowed.iter().copied()) {
        Some(h) => format!("{h} allowed: {list}"),
        None => format!("allowed: {list}"),
    };
    d.error(
        code::INVALID_VALUE,
        Some(node.span.clone()),
        format!("`{what}` cannot be \"{s}\""),
        Some(help),
    );
    None
}

pub(crate) fn as_str_list(node: &Node, what: &str, d: &mut Diags) -> Option<Vec<(String, Span)>> {
    let Value::Array(items) = &node.value else {
        wrong_type(node, what, "an array of strings", d);
        return None;
    };
    let mut out = Vec::with_capacity(items.len());
    let mut ok = true;
    for item in items {
        match &item.value {
            Value::Str(s) => out.push((s.clone(), item.span.clone())),
            _ => {
                ok = false;
                wrong_type(item, &format!("{what}[]"), "a string", d);
            }
        }
    }
    ok.then_some(out)
}
