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

/// What a named output of a resource is (`fqdn` of an app, `connection_string` of App
/// Insights), for `${ref.ADDRESS.NAME}` references.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamedOutput {
    /// A plain value at this pointer of the GET body.
    Plain(&'static str),
    /// A secret value.
    Secret(SecretSource),
}

/// The named output `name` of a resource of `arm_type`, plain or secret.
pub fn named_output(arm_type: &str, name: &str) -> Option<NamedOutput> {
    if let Some(kind) = ResourceKind::from_arm_type(arm_type)
        && let Some((_, pointer)) = output_pointers(kind).iter().find(|(n, _)| *n == name)
    {
        return Some(NamedOutput::Plain(pointer));
    }
    secret_sources(arm_type)
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, source)| NamedOutput::Secret(source))
}

/// Whether `pointer` of a resource of `arm_type` holds one of its secret outputs.
pub fn is_secret_pointer(arm_type: &str, pointer: &str) -> bool {
    secret_sources(arm_type)
        .iter()
        .any(|(_, s)| matches!(s, SecretSource::Get(p) if p.eq_ignore_ascii_case(pointer)))
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

/// The declared outputs (`[output.NAME]`) from what is known of the project's resources
/// (`body_of`: the body ARM returned, by address). A secret output (declared so, or
/// referencing a secret) gets no value; one whose reference is not known yet gets `null`.
pub fn evaluate_declared(
    declared: &BTreeMap<String, crate::model::DeclaredOutput>,
    desired: &[crate::resource::DesiredResource],
    body_of: &dyn Fn(&crate::resource::ResourceAddress) -> Option<Value>,
) -> BTreeMap<String, super::OutputEntry> {
    use crate::render::refs;
    let find = |address: &str| desired.iter().find(|d| d.address.as_str() == address);
    let is_address = |address: &str| find(address).is_some();
    let mut out = BTreeMap::new();
    for (name, d) in declared {
        let mut sensitive = d.sensitive;
        let mut known = true;
        let mut text = String::new();
        let mut single: Option<Value> = None;
        let parts = refs::parts(&d.value).unwrap_or_default();
        let alone = parts.len() == 1;
        for part in parts {
            match part {
                refs::Part::Text(t) => text.push_str(t),
                refs::Part::Ref(expr) => {
                    let Ok((address, path)) = refs::split(expr, &is_address) else {
                        known = false;
                        continue;
                    };
                    let Some(r) = find(address) else { continue };
                    let target = refs::target(&r.arm_type, &path);
                    if matches!(target, refs::Target::Action { .. }) {
                        sensitive = true;
                    }
                    match refs::value_of(&target, &r.id, body_of(&r.address).as_ref()) {
                        Some((v, secret)) => {
                            sensitive |= secret;
                            match &v {
                                Value::String(s) => text.push_str(s),
                                other => text.push_str(&other.to_string()),
                            }
                            if alone {
                                single = Some(v);
                            }
                        }
                        None => known = false,
                    }
                }
            }
        }
        let value = if sensitive {
            None
        } else if !known {
            Some(Value::Null)
        } else {
            Some(single.unwrap_or(Value::String(text)))
        };
        out.insert(
            name.clone(),
            super::OutputEntry {
                value,
                sensitive,
                description: d.description.clone(),
            },
        );
    }
    out
}
