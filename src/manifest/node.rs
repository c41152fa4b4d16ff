//! The manifest as an owned tree of spanned values: converted from `toml`'s spanned
//! document, merged with an environment's overrides, and interpolated, before it is read
//! into the model.

use std::ops::Range;

use serde_spanned::Spanned;
use toml::de::{DeTable, DeValue};

use super::diagnostic::{Diags, code};

pub(crate) type Span = Range<usize>;

/// One value of the manifest with the place it was written.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub span: Span,
    pub value: Value,
    /// The string came (at least partly) from `${...}` interpolation: readers may parse it
    /// as a number or boolean.
    pub interpolated: bool,
    /// The string holds the value of a secret variable.
    pub secret: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum Value {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Datetime(String),
    Array(Vec<Node>),
    Table(Table),
}

/// A table's entries, with the span of each key.
#[derive(Debug, Clone, Default)]
pub(crate) struct Table {
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub key: String,
    pub key_span: Span,
    pub node: Node,
}

impl Table {
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }
    pub fn remove(&mut self, key: &str) -> Option<Entry> {
        let i = self.entries.iter().position(|e| e.key == key)?;
        Some(self.entries.remove(i))
    }
}

impl Value {
    /// The TOML name of the value's type, for "expected X, found Y" messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "a string",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a float",
            Value::Bool(_) => "a boolean",
            Value::Datetime(_) => "a date-time",
            Value::Array(_) => "an array",
            Value::Table(_) => "a table",
        }
    }
}

impl Node {
    pub fn new(span: Span, value: Value) -> Self {
        Node {
            span,
            value,
            interpolated: false,
            secret: false,
        }
    }
    #[cfg(test)]
    pub fn as_table(&self) -> Option<&Table> {
        match &self.value {
            Value::Table(t) => Some(t),
            _ => None,
        }
    }

    /// Every span in this subtree (values and keys), for "is this diagnostic inside?" checks.
    pub fn collect_spans(&self, out: &mut Vec<Span>) {
        out.push(self.span.clone());
        match &self.value {
            Value::Array(items) => items.iter().for_each(|n| n.collect_spans(out)),
            Value::Table(t) => {
                for e in &t.entries {
                    out.push(e.key_span.clone());
                    e.node.collect_spans(out);
                }
            }
            _ => {}
        }
    }

    /// Turn `serde_json`-compatible data out of the subtree (custom resource values).
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Str(s) | Value::Datetime(s) => serde_json::Value::String(s.clone()),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Array(items) => items.iter().map(Node::to_json).collect(),
            Value::Table(t) => serde_json::Value::Object(
                t.entries
                    .iter()
                    .map(|e| (e.key.clone(), e.node.to_json()))
                    .collect(),
            ),
        }
    }
}

/// Deepest nesting of tables and arrays a manifest may have (dotted keys count: `a.b.c` is
/// three levels). Real manifests stay under ten.
pub const MAX_DEPTH: usize = 32;

/// Convert `toml`'s spanned document into a [`Node`] tree. Integers that do not fit `i64`
/// and nesting deeper than [`MAX_DEPTH`] are reported.
pub(crate) fn from_document(doc: &Spanned<DeTable<'_>>, d: &mut Diags) -> Node {
    Node::new(doc.span(), Value::Table(convert_table(doc.get_ref(), d, 1)))
}

fn convert_table(t: &DeTable<'_>, d: &mut Diags, depth: usize) -> Table {
    let mut entries: Vec<Entry> = t
        .iter()
        .map(|(k, v)| Entry {
            key: k.get_ref().to_string(),
            key_span: k.span(),
            node: convert_value(v, d, depth + 1),
        })
        .collect();
    // The map is ordered by key; the file's order reads better in every listing.
    entries.sort_by_key(|e| e.key_span.start);
    Table { entries }
}

fn convert_value(v: &Spanned<DeValue<'_>>, d: &mut Diags, depth: usize) -> Node {
    let span = v.span();
    if depth > MAX_DEPTH && matches!(v.get_ref(), DeValue::Array(_) | DeValue::Table(_)) {
        d.error(
            code::LIMIT,
            Some(span.clone()),
            format!("the manifest nests tables and arrays more than {MAX_DEPTH} levels deep"),
            None,
        );
        return Node::new(span, Value::Table(Table::default()));
    }
    let value = match v.get_ref() {
        DeValue::String(s) => Value::Str(s.to_string()),
        DeValue::Integer(i) => {
            let digits: String = i.as_str().chars().filter(|c| *c != '_').collect();
            match i64::from_str_radix(&digits, i.radix()) {
                Ok(n) => Value::Int(n),
                Err(_) => {
                    d.error(
                        code::OUT_OF_RANGE,
                        Some(span.clone()),
                        format!("integer `{i}` does not fit in 64 bits"),
                        None,
                    );
                    Value::Int(0)
                }
            }
        }
        DeValue::Float(f) => {
            let text: String = f.as_str().chars().filter(|c| *c != '_').collect();
            match text.parse::<f64>() {
                Ok(x) => Value::Float(x),
                Err(_) => {
                    d.error(
                        code::WRONG_TYPE,
                        Some(span.clone()),
                        format!("`{text}` is not a number"),
                        None,
                    );
                    Value::Float(0.0)
                }
            }
        }
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(dt) => Value::Datetime(dt.to_string()),
        DeValue::Array(a) => {
            Value::Array(a.iter().map(|x| convert_value(x, d, depth + 1)).collect())
        }
        DeValue::Table(t) => Value::Table(convert_table(t, d, depth)),
    };
    Node::new(span, value)
}

/// Deep-merge `over` into `base`: tables merge key by key, anything else replaces.
pub(crate) fn merge(base: &mut Node, over: &Node) {
    match (&mut base.value, &over.value) {
        (Value::Table(bt), Value::Table(ot)) => {
            for oe in &ot.entries {
                match bt.entries.iter_mut().find(|e| e.key == oe.key) {
                    Some(be) => merge(&mut be.node, &oe.node),
                    None => bt.entries.push(oe.clone()),
                }
            }
        }
        _ => *base = over.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn parse(text: &str) -> Node {
        let mut d = Diags::new("t.toml", Arc::from(text));
        let doc = DeTable::parse(text).unwrap();
        from_document(&doc, &mut d)
    }

    #[test]
    fn merge_replaces_leaves_and_merges_tables() {
        let mut base = parse("[app.a]\nport = 1\nimage = \"x\"\n");
        let over = parse("app.a.port = 2\napp.b.port = 3\n");
        merge(&mut base, &over);
        let json = base.to_json();
        assert_eq!(json["app"]["a"]["port"], 2);
        assert_eq!(json["app"]["a"]["image"], "x");
        assert_eq!(json["app"]["b"]["port"], 3);
    }

    #[test]
    fn entries_keep_the_file_order() {
        let n = parse("b = 1\na = 2\n");
        let keys: Vec<_> = n
            .as_table()
            .unwrap()
            .entries
            .iter()
            .map(|e| e.key.as_str())
            .collect();
        assert_eq!(keys, ["b", "a"]);
    }
}
