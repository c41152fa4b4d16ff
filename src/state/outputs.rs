//! The outputs of a resource: the non-secret ones azlift keeps in state after apply (ids,
//! FQDNs, the workspace's customer id, the APIM gateway URL), and the secret ones
//! (connection strings, keys) that are never kept and only read live on request.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::kinds::ResourceKind;

/// (output name, JSON pointer into the body ARM returned) of each kind with outputs.
fn output_pointers(kind: ResourceKind) -> &'static [(&'static str, &'static str)] {
    match kind {
        ResourceKind::Workspace => &[("customer_id", "/properties/customerId")],
        ResourceKind::AppInsights => &[("app_id", "/properties/AppId")],
        ResourceKind::ManagedEnvironment => &[
            ("default_domain", "/properties/defaultDomain"),
            ("static_ip", "/properties/staticIp"),
        ],
        ResourceKind::ContainerApp => &[
            ("fqdn", "/properties/configuration/ingress/fqdn"),
            ("external", "/properties/configuration/ingress/external"),
            ("latest_revision", "/properties/latestRevisionName"),
        ],
        ResourceKind::ApimService => &[("gateway_url", "/properties/gatewayUrl")],
        _ => &[],
    }
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

/// Where a secret output is read from when a user asks for it (`output --show-secrets`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretSource {
    /// A JSON pointer into the resource's GET body.
    Get(&'static str),
    /// A POST action on the resource (`{id}/{action}`) and a pointer into its result.
    Action(&'static str, &'static str),
}

/// (lowercase ARM type, output name, source): secret outputs, fetched live only.
const SECRET_OUTPUTS: &[(&str, &str, SecretSource)] = &[
    (
        "microsoft.insights/components",
        "connection_string",
        SecretSource::Get("/properties/ConnectionString"),
    ),
    (
        "microsoft.insights/components",
        "instrumentation_key",
        SecretSource::Get("/properties/InstrumentationKey"),
    ),
    (
        "microsoft.operationalinsights/workspaces",
        "primary_shared_key",
        SecretSource::Action("sharedKeys", "/primarySharedKey"),
    ),
];

/// Names of the secret outputs a resource of `arm_type` has.
pub fn secret_outputs(arm_type: &str) -> Vec<&'static str> {
    secret_sources(arm_type)
        .into_iter()
        .map(|(name, _)| name)
        .collect()
}

/// The secret outputs a resource of `arm_type` has, with where each is read from.
pub fn secret_sources(arm_type: &str) -> Vec<(&'static str, SecretSource)> {
    let t = arm_type.to_ascii_lowercase();
    SECRET_OUTPUTS
        .iter()
        .filter(|(ty, _, _)| *ty == t)
        .map(|(_, name, source)| (*name, *source))
        .collect()
}
