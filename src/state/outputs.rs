//! The non-secret outputs azlift keeps in state per ARM type (FQDNs, workspace customer id,
//! gateway URL), and the names of the secret ones that are never kept.

use std::collections::BTreeMap;

use serde_json::Value;

/// (lowercase ARM type, output name, JSON pointer into the GET body).
const OUTPUTS: &[(&str, &str, &str)] = &[
    (
        "microsoft.app/containerapps",
        "fqdn",
        "/properties/configuration/ingress/fqdn",
    ),
    (
        "microsoft.app/containerapps",
        "latest_revision_fqdn",
        "/properties/latestRevisionFqdn",
    ),
    (
        "microsoft.app/managedenvironments",
        "default_domain",
        "/properties/defaultDomain",
    ),
    (
        "microsoft.app/managedenvironments",
        "static_ip",
        "/properties/staticIp",
    ),
    (
        "microsoft.operationalinsights/workspaces",
        "customer_id",
        "/properties/customerId",
    ),
    (
        "microsoft.insights/components",
        "app_id",
        "/properties/AppId",
    ),
    (
        "microsoft.apimanagement/service",
        "gateway_url",
        "/properties/gatewayUrl",
    ),
    (
        "microsoft.apimanagement/service",
        "developer_portal_url",
        "/properties/developerPortalUrl",
    ),
];

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

/// The non-secret outputs of a resource of `arm_type` from its GET body (strings and
/// numbers that are present and not empty).
pub fn extract(arm_type: &str, body: &Value) -> BTreeMap<String, Value> {
    let t = arm_type.to_ascii_lowercase();
    OUTPUTS
        .iter()
        .filter(|(ty, _, _)| *ty == t)
        .filter_map(|(_, name, pointer)| match body.pointer(pointer) {
            Some(Value::String(s)) if !s.is_empty() => {
                Some((name.to_string(), Value::String(s.clone())))
            }
            Some(v @ Value::Number(_)) => Some((name.to_string(), v.clone())),
            _ => None,
        })
        .collect()
}

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
