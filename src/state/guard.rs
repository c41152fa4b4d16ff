//! The guard that keeps secrets out of state: every string of an entry (outputs, ids, keys)
//! is checked against the known secret values before anything is written.

use serde_json::Value;

use crate::events::Redactor;

use super::document::{StateDocument, StateEntry};
use super::error::StateError;

/// Refuse `entry` when any of its strings is (or contains) a known secret or looks like a
/// connection string.
pub fn check_entry(entry: &StateEntry, secrets: &Redactor) -> Result<(), StateError> {
    let fail = |field: String| StateError::SecretInState {
        address: entry.address.to_string(),
        field,
    };
    let plain = [
        ("address", entry.address.as_str()),
        ("id", entry.id.as_str()),
        ("type", entry.arm_type.as_str()),
        ("api_version", entry.api_version.as_str()),
        ("applied_hash", entry.applied_hash.as_str()),
    ];
    for (field, s) in plain {
        if secrets.leaks(s) {
            return Err(fail(field.to_string()));
        }
    }
    for (pointer, hash) in &entry.write_only_hashes {
        if secrets.leaks(pointer) || secrets.leaks(hash) {
            return Err(fail(format!("write_only_hashes[{pointer}]")));
        }
    }
    for dep in &entry.depends_on {
        if secrets.leaks(dep.as_str()) {
            return Err(fail("depends_on".to_string()));
        }
    }
    for (name, value) in &entry.outputs {
        if secrets.leaks(name) || value_leaks(value, secrets) {
            return Err(fail(format!("outputs.{name}")));
        }
    }
    Ok(())
}

/// [`check_entry`] for every entry of `doc`, and every declared output's value.
pub fn check_document(doc: &StateDocument, secrets: &Redactor) -> Result<(), StateError> {
    doc.resources
        .values()
        .try_for_each(|e| check_entry(e, secrets))?;
    for (name, output) in &doc.outputs {
        if secrets.leaks(name)
            || output
                .value
                .as_ref()
                .is_some_and(|v| value_leaks(v, secrets))
        {
            return Err(StateError::SecretInState {
                address: format!("output.{name}"),
                field: "value".to_string(),
            });
        }
    }
    Ok(())
}

fn value_leaks(v: &Value, secrets: &Redactor) -> bool {
    match v {
        Value::String(s) => secrets.leaks(s),
        Value::Array(items) => items.iter().any(|i| value_leaks(i, secrets)),
        Value::Object(map) => map
            .iter()
            .any(|(k, i)| secrets.leaks(k) || value_leaks(i, secrets)),
        Value::Number(n) => secrets.leaks(&n.to_string()),
        Value::Null | Value::Bool(_) => false,
    }
}
