//! Hashes of desired bodies and write-only values: canonical JSON (sorted keys, no
//! whitespace) through SHA-256, lowercase hex.

use std::collections::BTreeMap;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::resource::Pointer;

/// Canonical JSON text of `v`: object keys sorted by their bytes, no whitespace. Two values
/// that are equal as JSON (whatever the key order) give the same text.
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                if let Some(item) = map.get(k) {
                    write_canonical(item, out);
                }
            }
            out.push('}');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// SHA-256 of the canonical JSON of `v`, lowercase hex.
pub fn hash_value(v: &Value) -> String {
    hex::encode(Sha256::digest(canonical_json(v).as_bytes()))
}

/// The hash recorded as `applied_hash`: `body` with the value at each of `hidden` (secret and
/// write-only pointers) replaced by `sha256:<hash of the value>`, then hashed. The secret
/// itself never enters the hashed text, yet a changed secret changes the hash.
pub fn applied_hash(body: &Value, hidden: &[Pointer]) -> String {
    let mut body = body.clone();
    for p in hidden {
        if let Some(slot) = body.pointer_mut(p) {
            *slot = Value::String(format!("sha256:{}", hash_value(slot)));
        }
    }
    hash_value(&body)
}

/// The hash of each write-only value in `body` that is present there.
pub fn write_only_hashes(body: &Value, write_only: &[Pointer]) -> BTreeMap<Pointer, String> {
    write_only
        .iter()
        .filter_map(|p| body.pointer(p).map(|v| (p.clone(), hash_value(v))))
        .collect()
}
