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

use super::ids::ArmId;
use super::refs;
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
            && text.contains(OPEN)
        {
            // A token, or a string built around tokens (`"x" ~ ref(...)`): flag every mark
            // inside it, so the flags reach the value wherever it ends up.
            let indices = token_indices(text).map_err(|_| {
                Error::new(ErrorKind::InvalidOperation, "malformed azlift placeholder")
            })?;
            let mut table = self.0.lock().map_err(|_| poisoned())?;
            for index in indices {
                let mark = table.get_mut(index).ok_or_else(|| {
                    Error::new(ErrorKind::InvalidOperation, "unknown azlift placeholder")
                })?;
                mark.sensitive |= sensitive;
                mark.write_only |= write_only;
            }
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

/// The mark index of every token in `text`.
fn token_indices(text: &str) -> Result<Vec<usize>, ResolveError> {
    Ok(pieces(text)?
        .into_iter()
        .filter_map(|p| match p {
            Piece::Token(i) => Some(i),
            Piece::Text(_) | Piece::Ref(_) => None,
        })
        .collect())
}

/// Splits a string into text, token and `${ref.}` reference pieces.
enum Piece<'a> {
    Text(&'a str),
    Token(usize),
    Ref(&'a str),
}

fn pieces(text: &str) -> Result<Vec<Piece<'_>>, ResolveError> {
    let mut out = Vec::new();
    for part in refs::parts(text).ok_or(ResolveError::BadToken)? {
        match part {
            refs::Part::Ref(expr) => out.push(Piece::Ref(expr)),
            refs::Part::Text(t) => token_pieces(t, &mut out)?,
        }
    }
    Ok(out)
}

fn token_pieces<'a>(text: &'a str, out: &mut Vec<Piece<'a>>) -> Result<(), ResolveError> {
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
    Ok(())
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
    /// A `${ref.ADDRESS.PATH}` that cannot be followed.
    Reference(refs::RefError),
}

/// What a `${ref.}` reference stands for in a body.
enum RefValue {
    /// An id or a name, known now.
    Known(String),
    /// A value known after apply, and whether it is a secret.
    Pending(Reference, bool),
}

/// What resolution found in one body.
#[derive(Debug, Default)]
pub(crate) struct Resolved {
    pub pending: Vec<PendingValue>,
    pub sensitive: Vec<Pointer>,
    pub write_only: Vec<Pointer>,
    pub depends_on: BTreeSet<ResourceAddress>,
}

/// What resolution needs besides the body: the marks of the render, the address of the
/// resource whose body it is (its own id adds no dependency), and every address's ARM id.
pub(crate) struct Lookup<'a> {
    pub marks: &'a [Mark],
    pub this: &'a str,
    pub id_of: &'a dyn Fn(&str) -> Option<String>,
}

impl Lookup<'_> {
    fn mark(&self, index: usize) -> Result<&Mark, ResolveError> {
        self.marks.get(index).ok_or(ResolveError::BadToken)
    }

    /// The id of `address`, recording the dependency unless it is the resource itself (a
    /// resource may name its own id: ids are known at render time).
    fn id(&self, address: &str, out: &mut Resolved) -> Result<String, ResolveError> {
        let id =
            (self.id_of)(address).ok_or_else(|| ResolveError::UnknownAddress(address.into()))?;
        if address != self.this {
            out.depends_on.insert(ResourceAddress::new(address));
        }
        Ok(id)
    }

    /// Follows `${ref.EXPR}`: the address's id or name, or a reference known after apply.
    fn reference(&self, expr: &str, out: &mut Resolved) -> Result<RefValue, ResolveError> {
        let is_address = |a: &str| (self.id_of)(a).is_some();
        let (address, path) = refs::split(expr, &is_address).map_err(ResolveError::Reference)?;
        let id = self.id(address, out)?;
        let arm_type = ArmId::parse(&id).map(|a| a.arm_type).unwrap_or_default();
        let address = ResourceAddress::new(address);
        Ok(match refs::target(&arm_type, &path) {
            refs::Target::Id => RefValue::Known(id),
            refs::Target::Name => {
                RefValue::Known(id.rsplit('/').next().unwrap_or_default().to_string())
            }
            refs::Target::Property { pointer, sensitive } => {
                RefValue::Pending(Reference::Property { address, pointer }, sensitive)
            }
            refs::Target::Action { action, pointer } => RefValue::Pending(
                Reference::Action {
                    address,
                    action,
                    pointer,
                },
                true,
            ),
        })
    }
}

/// Replaces every token in `body`.
pub(crate) fn resolve(body: &mut Value, lookup: &Lookup<'_>) -> Result<Resolved, ResolveError> {
    let mut out = Resolved::default();
    let mut pointer = String::new();
    walk(body, &mut pointer, lookup, &mut out)?;
    Ok(out)
}

fn escape_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn walk(
    value: &mut Value,
    pointer: &mut String,
    lookup: &Lookup<'_>,
    out: &mut Resolved,
) -> Result<(), ResolveError> {
    match value {
        Value::Object(map) => {
            let marked = |k: &str| k.contains(OPEN) || refs::has_marker(k);
            if map.keys().any(|k| marked(k)) {
                let old = std::mem::take(map);
                for (key, child) in old {
                    let key = if marked(&key) {
                        resolve_key(&key, pointer, lookup, out)?
                    } else {
                        key
                    };
                    map.insert(key, child);
                }
            }
            for (key, child) in map.iter_mut() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape_segment(key));
                walk(child, pointer, lookup, out)?;
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                walk(child, pointer, lookup, out)?;
                pointer.truncate(len);
            }
        }
        Value::String(text) if text.contains(OPEN) || refs::has_marker(text) => {
            *value = resolve_string(text, pointer, lookup, out)?;
        }
        _ => {}
    }
    Ok(())
}

/// An object key with tokens: ids (`{{ id("x") }}` as a key, as role assignments and
/// user-assigned identities need) and plain values are substituted; secrets and values
/// known only after apply cannot be keys.
fn resolve_key(
    key: &str,
    pointer: &str,
    lookup: &Lookup<'_>,
    out: &mut Resolved,
) -> Result<String, ResolveError> {
    let mut text = String::with_capacity(key.len());
    for piece in pieces(key)? {
        match piece {
            Piece::Text(t) => text.push_str(t),
            Piece::Ref(expr) => match lookup.reference(expr, out)? {
                RefValue::Known(known) => text.push_str(&known),
                RefValue::Pending(..) => {
                    return Err(ResolveError::TokenInKey(pointer.to_string()));
                }
            },
            Piece::Token(index) => {
                let mark = lookup.mark(index)?;
                if mark.sensitive || mark.write_only {
                    return Err(ResolveError::TokenInKey(pointer.to_string()));
                }
                match &mark.kind {
                    MarkKind::Id(address) => text.push_str(&lookup.id(address, out)?),
                    MarkKind::Literal(Value::String(s)) => text.push_str(s),
                    MarkKind::Literal(other) => text.push_str(&other.to_string()),
                    MarkKind::Pending(_) => {
                        return Err(ResolveError::TokenInKey(pointer.to_string()));
                    }
                }
            }
        }
    }
    Ok(text)
}

fn resolve_string(
    text: &str,
    pointer: &str,
    lookup: &Lookup<'_>,
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
            Piece::Ref(expr) => match lookup.reference(expr, out)? {
                RefValue::Known(known) => {
                    format.push_str(&known);
                    if only_one {
                        single = Some(Value::String(known));
                    }
                }
                RefValue::Pending(reference, secret) => {
                    if pending.is_some() {
                        return Err(ResolveError::TwoPending(pointer.to_string()));
                    }
                    sensitive |= secret;
                    out.depends_on.insert(reference.address().clone());
                    pending = Some(reference);
                    format.push_str("{}");
                    if only_one {
                        single = Some(Value::Null);
                    }
                }
            },
            Piece::Token(index) => {
                let mark = lookup.mark(index)?;
                sensitive |= mark.sensitive;
                write_only |= mark.write_only;
                match &mark.kind {
                    MarkKind::Id(address) => {
                        let id = lookup.id(address, out)?;
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
                        if (lookup.id_of)(address).is_none() {
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

    fn run(marks: &Marks, body: &mut Value) -> Result<Resolved, ResolveError> {
        run_as(marks, body, "resource.other")
    }

    fn run_as(marks: &Marks, body: &mut Value, this: &str) -> Result<Resolved, ResolveError> {
        let table = marks.snapshot().unwrap();
        let lookup = Lookup {
            marks: &table,
            this,
            id_of: &ids,
        };
        resolve(body, &lookup)
    }

    #[test]
    fn a_filter_after_a_join_flags_the_reference_inside() {
        let marks = Marks::default();
        let text = env_with(
            &marks,
            r#"{"a": {{ ("Key=" ~ ref("monitoring.workspace", "/properties/k")) | sensitive | write_only }}}"#,
        );
        let mut body: Value = serde_json::from_str(&text).unwrap();
        let resolved = run(&marks, &mut body).unwrap();
        assert_eq!(
            body["a"],
            Value::Null,
            "the placeholder text never reaches ARM"
        );
        assert_eq!(resolved.pending.len(), 1);
        assert_eq!(resolved.pending[0].format.as_deref(), Some("Key={}"));
        assert_eq!(resolved.sensitive, vec!["/a"]);
        assert_eq!(resolved.write_only, vec!["/a"]);
        assert_eq!(resolved.depends_on.len(), 1);
    }

    #[test]
    fn the_own_id_adds_no_dependency_and_ids_can_be_keys() {
        let marks = Marks::default();
        let text = env_with(
            &marks,
            r#"{"sub": {{ id("monitoring.workspace") ~ "/tables/t" }},
                "ids": { {{ id("monitoring.workspace") }}: {} }}"#,
        );
        let mut body: Value = serde_json::from_str(&text).unwrap();
        let resolved = run_as(&marks, &mut body, "monitoring.workspace").unwrap();
        assert_eq!(body["sub"], "/subscriptions/s/ws/tables/t");
        assert!(body["ids"].get("/subscriptions/s/ws").is_some(), "{body}");
        assert!(resolved.depends_on.is_empty(), "{:?}", resolved.depends_on);
    }

    #[test]
    fn secrets_and_pending_values_cannot_be_keys() {
        for key in [
            r#"{{ secret("s") }}"#,
            r#"{{ ref("monitoring.workspace", "/x") }}"#,
        ] {
            let marks = Marks::default();
            let source: &'static str =
                Box::leak(format!(r#"{{"o": {{ {key}: 1 }}}}"#).into_boxed_str());
            let text = env_with(&marks, source);
            let mut body: Value = serde_json::from_str(&text).unwrap();
            let err = run(&marks, &mut body).unwrap_err();
            assert_eq!(err, ResolveError::TokenInKey("/o".into()), "{key}");
        }
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
        let resolved = run(&marks, &mut body).unwrap();
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
        let err = run(&marks, &mut body).unwrap_err();
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
        let err = run(&marks, &mut body).unwrap_err();
        assert_eq!(err, ResolveError::TwoPending("/a".into()));
    }

    #[test]
    fn pointers_escape_slashes_and_tildes() {
        let marks = Marks::default();
        let text = env_with(&marks, r#"{"a/b~c": [{{ secret("s") }}]}"#);
        let mut body: Value = serde_json::from_str(&text).unwrap();
        let resolved = run(&marks, &mut body).unwrap();
        assert_eq!(resolved.sensitive, vec!["/a~1b~0c/0"]);
    }
}
