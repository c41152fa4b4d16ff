//! Non-secret outputs kept in state after a resource is applied: ids, FQDNs, the workspace's
//! customer id, the APIM gateway URL. Connection strings and keys are never outputs.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::kinds::ResourceKind;

/// The outputs of one resource from the body ARM returned.
pub fn outputs_of(kind: ResourceKind, body: &Value) -> BTreeMap<String, Value> {
    let picks: &[(&str, &str)] = match kind {
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
    };
    let mut out = BTreeMap::new();
    if let Some(id) = body.get("id") {
        out.insert("id".to_string(), id.clone());
    }
    for (name, pointer) in picks {
        if let Some(v) = body.pointer(pointer).filter(|v| !v.is_null()) {
            out.insert((*name).to_string(), v.clone());
        }
    }
    out
}
