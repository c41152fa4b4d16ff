//! The outputs of a resource: the non-secret ones azlift keeps in state after apply (ids,
//! FQDNs, the workspace's customer id, the APIM gateway URL), and the secret ones
//! (connection strings, keys) that are never kept and only read live on request.

use std::collections::BTreeMap;

use serde_json::Value;

pub use crate::kinds::SecretSource;
use crate::kinds::{ResourceKind, by_arm_type};

/// (output name, JSON pointer into the body ARM returned) of a kind (from its folder).
fn output_pointers(kind: ResourceKind) -> &'static [(&'static str, &'static str)] {
    kind.info().map_or(&[], |k| k.outputs)
}

/// The non-secret outputs recorded in state for a resource of `kind` once it is applied,
/// from the body ARM returned: its `id`, and each value of the kind's table that is present
/// and not null.
pub fn extract(kind: ResourceKind, body: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    if let Some(id) = body.get("id") {
        out.insert("id".to_string(), id.clone());
    }
    for (name, pointer) in output_pointers(kind) {
        if let Some(v) = body.pointer(pointer).filter(|v| !v.is_null()) {
            out.insert((*name).to_string(), v.clone());
        }
    }
    out
}

/// Names of the secret outputs a resource of `arm_type` has.
pub fn secret_outputs(arm_type: &str) -> Vec<&'static str> {
    secret_sources(arm_type)
        .into_iter()
        .map(|(name, _)| name)
        .collect()
}

/// The secret outputs a resource of `arm_type` has (from its kind's folder), with where each
/// is read from.
pub fn secret_sources(arm_type: &str) -> Vec<(&'static str, SecretSource)> {
    by_arm_type(arm_type).map_or_else(Vec::new, |k| k.secret_outputs.to_vec())
}
