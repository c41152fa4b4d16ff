//! How state keys the hashes of write-only values: by a *stable key*, the value's JSON pointer
//! with each index into a keyed array (app secrets, containers, env vars...) replaced by the
//! element's key, so `/properties/configuration/secrets/1/value` is stored as
//! `/properties/configuration/secrets/[name=client-secret]/value`. Adding or removing one
//! secret then leaves every other secret's hash where it was.
//!
//! State written by an older azlift keys hashes by position; [`migrate_keys`] turns those into
//! stable keys by reading the names at the same positions in the live body (ARM keeps the
//! order it was sent).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::kinds::ResourceKind;
use crate::resource::Pointer;

use super::rules::{ArrayRule, array_rule};

/// The stable key of the write-only value at `ptr` in `body` (a resource of `kind`).
/// Segments that do not index a keyed array are kept as they are; a pointer that leaves the
/// body is returned unchanged from there on.
pub fn stable_key(kind: ResourceKind, body: &Value, ptr: &str) -> String {
    let mut out = String::with_capacity(ptr.len() + 16);
    let mut pattern = String::new();
    let mut here = Some(body);
    for raw in ptr.split('/').skip(1) {
        let segment = unescape(raw);
        out.push('/');
        match here {
            Some(Value::Array(items)) => {
                let element = segment.parse::<usize>().ok().and_then(|i| items.get(i));
                let key = match (array_rule(kind, &pattern), element) {
                    (ArrayRule::Keyed(field), Some(e)) => {
                        e.get(field).and_then(Value::as_str).map(|k| (field, k))
                    }
                    _ => None,
                };
                match key {
                    Some((field, k)) => out.push_str(&format!("[{field}={}]", escape(k))),
                    None => out.push_str(raw),
                }
                pattern.push_str("[]");
                here = element;
            }
            Some(Value::Object(map)) => {
                out.push_str(raw);
                if !pattern.is_empty() {
                    pattern.push('.');
                }
                pattern.push_str(&segment);
                here = map.get(&segment);
            }
            _ => {
                out.push_str(raw);
                here = None;
            }
        }
    }
    out
}

/// Hashes keyed by position (state of an older azlift) re-keyed by name, reading the names
/// at those positions in `live` (the body ARM returns). Stable keys are kept as they are.
pub fn migrate_keys(
    kind: ResourceKind,
    live: &Value,
    hashes: &BTreeMap<Pointer, String>,
) -> BTreeMap<Pointer, String> {
    hashes
        .iter()
        .map(|(k, h)| {
            let key = if k.contains('[') {
                k.clone()
            } else {
                stable_key(kind, live, k)
            };
            (key, h.clone())
        })
        .collect()
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn app(names: &[&str]) -> Value {
        let secrets: Vec<Value> = names
            .iter()
            .map(|n| json!({"name": n, "value": "x"}))
            .collect();
        json!({"properties": {"configuration": {"secrets": secrets}}})
    }

    #[test]
    fn secrets_are_keyed_by_name_not_position() {
        let body = app(&["a", "client-secret"]);
        assert_eq!(
            stable_key(
                ResourceKind::ContainerApp,
                &body,
                "/properties/configuration/secrets/1/value"
            ),
            "/properties/configuration/secrets/[name=client-secret]/value"
        );
        // Same secret at another position: same key.
        let shifted = app(&["client-secret"]);
        assert_eq!(
            stable_key(
                ResourceKind::ContainerApp,
                &shifted,
                "/properties/configuration/secrets/0/value"
            ),
            "/properties/configuration/secrets/[name=client-secret]/value"
        );
    }

    #[test]
    fn ordered_arrays_and_plain_objects_keep_their_pointer() {
        let body = json!({"properties": {"list": [{"name": "n", "v": 1}], "sharedKey": "k"}});
        let k = ResourceKind::ManagedEnvironment;
        assert_eq!(
            stable_key(k, &body, "/properties/list/0/v"),
            "/properties/list/0/v"
        );
        assert_eq!(
            stable_key(k, &body, "/properties/sharedKey"),
            "/properties/sharedKey"
        );
        assert_eq!(stable_key(k, &body, "/missing/3"), "/missing/3");
    }

    #[test]
    fn names_with_slashes_stay_one_segment() {
        let body = app(&["a/b~c"]);
        assert_eq!(
            stable_key(
                ResourceKind::ContainerApp,
                &body,
                "/properties/configuration/secrets/0/value"
            ),
            "/properties/configuration/secrets/[name=a~1b~0c]/value"
        );
    }

    #[test]
    fn positional_state_migrates_through_the_live_names() {
        let live = app(&["first", "second"]);
        let old: BTreeMap<Pointer, String> = [
            (
                "/properties/configuration/secrets/0/value".to_string(),
                "h0".to_string(),
            ),
            (
                "/properties/configuration/secrets/1/value".to_string(),
                "h1".to_string(),
            ),
            (
                "/properties/configuration/secrets/[name=third]/value".to_string(),
                "h3".to_string(),
            ),
        ]
        .into();
        let new = migrate_keys(ResourceKind::ContainerApp, &live, &old);
        let keys: Vec<&str> = new.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "/properties/configuration/secrets/[name=first]/value",
                "/properties/configuration/secrets/[name=second]/value",
                "/properties/configuration/secrets/[name=third]/value",
            ]
        );
        assert_eq!(
            new["/properties/configuration/secrets/[name=second]/value"],
            "h1"
        );
    }
}
