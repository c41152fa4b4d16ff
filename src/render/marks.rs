//! The placeholder mechanism that lets a JSON template say "the id of that resource",
//! "a value known only after apply", "a secret" or "write-only" without ever writing the
//! value into the template's text.
//!
//! Template functions (`id`, `ref`, `action`, `secret`) and filters (`sensitive`,
//! `write_only`) record a [`Mark`] in a side table and emit an opaque token string
//! (`U+E000 azlift:N U+E001`). After the template's output is parsed as JSON, [`resolve`]
//! walks the body and replaces every token: ids by the resource's ARM id, literals by their
//! value, references by `null` plus a [`PendingValue`]; each token's flags add its JSON
//! pointer to `sensitive` / `write_only`, and each id or reference adds a dependency.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use minijinja::{Environment, Error, ErrorKind};
use serde_json::Value;

use crate::resource::{PendingValue, Pointer, Reference, ResourceAddress};

const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';
const PREFIX: &str = "azlift:";

/// What a token stands for.
#[derive(Debug, Clone)]
pub(crate) enum MarkKind {
    /// The ARM id of the resource at this address (known at render time).
    Id(String),
    /// A value only known after apply.
    Pending(Reference),
    /// A value given to the template (a secret, or a value flagged write-only).
    Literal(Value),
}

#[derive(Debug, Clone)]
pub(crate) struct Mark {
    pub kind: MarkKind,
    pub sensitive: bool,
    pub write_only: bool,
}

/// The side table shared by the template functions of one render.
#[derive(Debug, Clone, Default)]
pub(crate) struct Marks(Arc<Mutex<Vec<Mark>>>);

fn poisoned() -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        "azlift mark table is unusable after a panic",
    )
}

impl Marks {
    /// Records a mark and returns its token.
    pub fn push(&self, mark: Mark) -> Result<String, Error> {
        let mut table = self.0.lock().map_err(|_| poisoned())?;
        table.push(mark);
        Ok(token(table.len() - 1))
    }

    /// Flags the mark behind `value` (a token), or wraps a plain value in a new literal mark.
    fn flag(
        &self,
        value: minijinja::Value,
        sensitive: bool,
        write_only: bool,
    ) -> Result<String, Error> {
        if let Some(text) = value.as_str()
            && let Some(index) = whole_token(text)
        {
            let mut table = self.0.lock().map_err(|_| poisoned())?;
            let mark = table.get_mut(index).ok_or_else(|| {
                Error::new(ErrorKind::InvalidOperation, "unknown azlift placeholder")
            })?;
            mark.sensitive |= sensitive;
            mark.write_only |= write_only;
            return Ok(text.to_string());
        }
        let literal = serde_json::to_value(&value)
            .map_err(|e| Error::new(ErrorKind::BadSerialization, e.to_string()))?;
        self.push(Mark {
            kind: MarkKind::Literal(literal),
            sensitive,
            write_only,
        })
    }

    /// A copy of the table, for resolution after rendering.
    pub fn snapshot(&self) -> Result<Vec<Mark>, Error> {
        Ok(self.0.lock().map_err(|_| poisoned())?.clone())
    }

    /// Registers the template functions and filters on an environment.
    pub fn register(&self, env: &mut Environment<'_>) {
        let m = self.clone();
        env.add_function("id", move |address: String| {
            m.push(Mark {
                kind: MarkKind::Id(address),
                sensitive: false,
                write_only: false,
            })
        });
        let m = self.clone();
        env.add_function("ref", move |address: String, pointer: String| {
            check_pointer(&pointer)?;
            let reference = Reference::Property {
                address: ResourceAddress::new(address),
                pointer,
            };
            m.push(Mark {
                kind: MarkKind::Pending(reference),
                sensitive: false,
                write_only: false,
            })
        });
        let m = self.clone();
        env.add_function("action", move |address: String, action: String, pointer: String| {
            check_pointer(&pointer)?;
            if !(action == "sharedKeys" || action.starts_with("list")) {
                return Err(Error::new(
                    ErrorKind::InvalidOperation,
                    format!("action `{action}` is not supported: use `sharedKeys` or a `list*` action"),
                ));
            }
            let reference = Reference::Action { address: ResourceAddress::new(address), action, pointer };
            // Values returned by actions are keys and secrets.
            m.push(Mark { kind: MarkKind::Pending(reference), sensitive: true, write_only: false })
        });
        let m = self.clone();
        env.add_function("secret", move |value: minijinja::Value| {
            m.flag(value, true, false)
        });
        let m = self.clone();
        env.add_filter("sensitive", move |value: minijinja::Value| {
            m.flag(value, true, false)
        });
        let m = self.clone();
        env.add_filter("write_only", move |value: minijinja::Value| {
            m.flag(value, false, true)
        });
    }
}

fn check_pointer(pointer: &str) -> Result<(), Error> {
    if pointer.is_empty() || pointer.starts_with('/') {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("`{pointer}` is not a JSON pointer (it must start with `/`)"),
        ))
    }
}

fn token(index: usize) -> String {
    format!("{OPEN}{PREFIX}{index}{CLOSE}")
}

/// The mark index when `text` is exactly one token.
fn whole_token(text: &str) -> Option<usize> {
    let inner = text
        .strip_prefix(OPEN)?
        .strip_suffix(CLOSE)?
        .strip_prefix(PREFIX)?;
    inner.parse().ok()
}

/// Splits a string into text and token pieces.
enum Piece<'a> {
    Text(&'a str),
    Token(usize),
}

fn pieces(text: &str) -> Result<Vec<Piece<'_>>, ResolveError> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        if start > 0 {
            out.push(Piece::Text(&rest[..start]));
        }
        let after = &rest[start + OPEN.len_utf8()..];
        let end = after.find(CLOSE).ok_or(ResolveError::BadToken)?;
        let index = after[..end]
            .strip_prefix(PREFIX)
            .and_then(|n| n.parse().ok())
            .ok_or(ResolveError::BadToken)?;
        out.push(Piece::Token(index));
        rest = &after[end + CLOSE.len_utf8()..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    Ok(out)
}

/// Why a body's placeholders could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ResolveError {
    /// `id()` / `ref()` / `action()` named an address that is not rendered.
    UnknownAddress(String),
    /// A malformed or unknown placeholder (template output was tampered with).
    BadToken,
    /// One string holds more than one value known only after apply.
    TwoPending(Pointer),
    /// A placeholder inside an object key.
    TokenInKey(Pointer),
}

/// What resolution found in one body.
#[derive(Debug, Default)]
pub(crate) struct Resolved {
    pub pending: Vec<PendingValue>,
    pub sensitive: Vec<Pointer>,
    pub write_only: Vec<Pointer>,
    pub depends_on: BTreeSet<ResourceAddress>,
}

/// Replaces every token in `body`. `id_of` maps an address to its ARM id.
pub(crate) fn resolve(
    body: &mut Value,
    marks: &[Mark],
    id_of: &dyn Fn(&str) -> Option<String>,
) -> Result<Resolved, ResolveError> {
    let mut out = Resolved::default();
    let mut pointer = String::new();
    walk(body, &mut pointer, marks, id_of, &mut out)?;
    Ok(out)
}

fn escape_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn walk(
    value: &mut Value,
    pointer: &mut String,
    marks: &[Mark],
    id_of: &dyn Fn(&str) -> Option<String>,
    out: &mut Resolved,
) -> Result<(), ResolveError> {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key.contains(OPEN) {
                    return Err(ResolveError::TokenInKey(pointer.clone()));
                }
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape_segment(key));
                walk(child, pointer, marks, id_of, out)?;
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                walk(child, pointer, marks, id_of, out)?;
                pointer.truncate(len);
            }
        }
        Value::String(text) if text.contains(OPEN) => {
            *value = resolve_string(text, pointer, marks, id_of, out)?;
        }
        _ => {}
    }
    Ok(())
}

fn resolve_string(
    text: &str,
    pointer: &str,
    marks: &[Mark],
    id_of: &dyn Fn(&str) -> Option<String>,
    out: &mut Resolved,
) -> Result<Value, ResolveError> {
    let pieces = pieces(text)?;
    let mut sensitive = false;
    let mut write_only = false;
    let mut pending: Option<Reference> = None;
    let mut format = String::new();
    let mut single: Option<Value> = None;
    let only_one = pieces.len() == 1;
    for piece in pieces {
        match piece {
            Piece::Text(t) => format.push_str(t),
            Piece::Token(index) => {
                let mark = marks.get(index).ok_or(ResolveError::BadToken)?;
                sensitive |= mark.sensitive;
                write_only |= mark.write_only;
                match &mark.kind {
                    MarkKind::Id(address) => {
                        let id = id_of(address)
                            .ok_or_else(|| ResolveError::UnknownAddress(address.clone()))?;
                        out.depends_on.insert(ResourceAddress::new(address.clone()));
                        format.push_str(&id);
                        if only_one {
                            single = Some(Value::String(id));
                        }
                    }
                    MarkKind::Literal(v) => {
                        let text = match v {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        format.push_str(&text);
                        if only_one {
                            single = Some(v.clone());
                        }
                    }
                    MarkKind::Pending(reference) => {
                        if pending.is_some() {
                            return Err(ResolveError::TwoPending(pointer.to_string()));
                        }
                        let address = reference.address().as_str();
                        if id_of(address).is_none() {
                            return Err(ResolveError::UnknownAddress(address.to_string()));
                        }
                        out.depends_on.insert(reference.address().clone());
                        pending = Some(reference.clone());
                        format.push_str("{}");
                        if only_one {
                            single = Some(Value::Null);
                        }
                    }
                }
            }
        }
    }
    if sensitive {
        out.sensitive.push(pointer.to_string());
    }
    if write_only {
        out.write_only.push(pointer.to_string());
    }
    if let Some(reference) = pending {
        out.pending.push(PendingValue {
            pointer: pointer.to_string(),
            reference,
            format: if only_one { None } else { Some(format) },
        });
        return Ok(Value::Null);
    }
    Ok(single.unwrap_or(Value::String(format)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_with(marks: &Marks, source: &'static str) -> String {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Json);
        marks.register(&mut env);
        env.add_template("t.json", source).unwrap();
        env.get_template("t.json")
            .unwrap()
            .render(minijinja::context! {})
            .unwrap()
    }

    fn ids(address: &str) -> Option<String> {
        (address == "monitoring.workspace").then(|| "/subscriptions/s/ws".to_string())
    }

    #[test]
    fn tokens_become_ids_pending_values_and_flags() {
        let marks = Marks::default();
        let text = env_with(
            &marks,
            r#"{"a": {{ id("monitoring.workspace") }},
                "b": {{ ref("monitoring.workspace", "/properties/customerId") }},
                "c": {{ "Key=" ~ action("monitoring.workspace", "sharedKeys", "/primarySharedKey") ~ ";x" }},
                "d": {{ secret("hunter2") | write_only }}}"#,
        );
        assert!(
            !text.contains("hunter2"),
            "secret values never enter the template text"
        );
        let mut body: Value = serde_json::from_str(&text).unwrap();
        let resolved = resolve(&mut body, &marks.snapshot().unwrap(), &ids).unwrap();
        assert_eq!(body["a"], "/subscriptions/s/ws");
        assert_eq!(body["b"], Value::Null);
        assert_eq!(body["c"], Value::Null);
        assert_eq!(body["d"], "hunter2");
        assert_eq!(resolved.pending.len(), 2);
        assert_eq!(resolved.pending[1].format.as_deref(), Some("Key={};x"));
        assert_eq!(resolved.sensitive, vec!["/c", "/d"]);
        assert_eq!(resolved.write_only, vec!["/d"]);
        assert_eq!(resolved.depends_on.len(), 1);
    }

    #[test]
    fn unknown_addresses_are_errors() {
        let marks = Marks::default();
        let text = env_with(&marks, r#"{"a": {{ id("app.nope") }}}"#);
        let mut body: Value = serde_json::from_str(&text).unwrap();
        let err = resolve(&mut body, &marks.snapshot().unwrap(), &ids).unwrap_err();
        assert_eq!(err, ResolveError::UnknownAddress("app.nope".into()));
    }

    #[test]
    fn two_pending_values_in_one_string_are_refused() {
        let marks = Marks::default();
        let text = env_with(
            &marks,
            r#"{"a": {{ ref("monitoring.workspace", "/x") ~ ref("monitoring.workspace", "/y") }}}"#,
        );
        let mut body: Value = serde_json::from_str(&text).unwrap();
        let err = resolve(&mut body, &marks.snapshot().unwrap(), &ids).unwrap_err();
        assert_eq!(err, ResolveError::TwoPending("/a".into()));
    }

    #[test]
    fn pointers_escape_slashes_and_tildes() {
        let marks = Marks::default();
        let text = env_with(&marks, r#"{"a/b~c": [{{ secret("s") }}]}"#);
        let mut body: Value = serde_json::from_str(&text).unwrap();
        let resolved = resolve(&mut body, &marks.snapshot().unwrap(), &ids).unwrap();
        assert_eq!(resolved.sensitive, vec!["/a~1b~0c/0"]);
    }
}
