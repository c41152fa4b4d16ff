//! Per-kind diff rules: how each array is compared, and which changes ARM cannot make in place.
//!
//! Array paths are written with `[]` for "any element": `properties.template.containers[].env`.

use crate::kinds::ResourceKind;

/// How to compare an array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrayRule {
    /// Elements are objects matched by this key (order does not matter).
    Keyed(&'static str),
    /// Elements are scalars compared as a set (ARM may reorder them).
    Set,
    /// Position matters.
    Ordered,
}

const KEYED: &[(ResourceKind, &str, ArrayRule)] = &[
    (
        ResourceKind::ContainerApp,
        "properties.configuration.secrets",
        ArrayRule::Keyed("name"),
    ),
    (
        ResourceKind::ContainerApp,
        "properties.template.containers",
        ArrayRule::Keyed("name"),
    ),
    (
        ResourceKind::ContainerApp,
        "properties.template.containers[].env",
        ArrayRule::Keyed("name"),
    ),
    (
        ResourceKind::ContainerApp,
        "properties.template.containers[].probes",
        ArrayRule::Keyed("type"),
    ),
    (
        ResourceKind::ContainerApp,
        "properties.template.containers[].probes[].httpGet.httpHeaders",
        ArrayRule::Keyed("name"),
    ),
    (
        ResourceKind::ContainerApp,
        "properties.template.scale.rules",
        ArrayRule::Keyed("name"),
    ),
    (
        ResourceKind::ContainerApp,
        "properties.configuration.registries",
        ArrayRule::Keyed("server"),
    ),
    (
        ResourceKind::ActionGroup,
        "properties.emailReceivers",
        ArrayRule::Keyed("name"),
    ),
    (
        ResourceKind::ActionGroup,
        "properties.smsReceivers",
        ArrayRule::Keyed("name"),
    ),
    (
        ResourceKind::ActionGroup,
        "properties.webhookReceivers",
        ArrayRule::Keyed("name"),
    ),
    (
        ResourceKind::MetricAlert,
        "properties.scopes",
        ArrayRule::Set,
    ),
    (
        ResourceKind::MetricAlert,
        "properties.criteria.allOf",
        ArrayRule::Keyed("name"),
    ),
    (
        ResourceKind::MetricAlert,
        "properties.criteria.allOf[].dimensions",
        ArrayRule::Keyed("name"),
    ),
    (
        ResourceKind::MetricAlert,
        "properties.actions",
        ArrayRule::Keyed("actionGroupId"),
    ),
    (
        ResourceKind::ApimDiagnostic,
        "properties.frontend.request.headers",
        ArrayRule::Set,
    ),
    (
        ResourceKind::ApimDiagnostic,
        "properties.frontend.response.headers",
        ArrayRule::Set,
    ),
    (
        ResourceKind::ApimDiagnostic,
        "properties.backend.request.headers",
        ArrayRule::Set,
    ),
    (
        ResourceKind::ApimDiagnostic,
        "properties.backend.response.headers",
        ArrayRule::Set,
    ),
];

/// The rule for the array at `pattern` (a path with `[]` for elements).
pub fn array_rule(kind: ResourceKind, pattern: &str) -> ArrayRule {
    KEYED
        .iter()
        .find(|(k, p, _)| *k == kind && *p == pattern)
        .map(|(_, _, r)| *r)
        .unwrap_or(ArrayRule::Ordered)
}

/// Why a change at `pattern` cannot be made in place, if it cannot.
pub fn replace_reason(kind: ResourceKind, pattern: &str) -> Option<&'static str> {
    match (kind, pattern) {
        // Action groups and metric alerts are global: their location never changes.
        (ResourceKind::ActionGroup | ResourceKind::MetricAlert, _) => None,
        (_, "location") => Some("ARM cannot move a resource to another location"),
        (ResourceKind::ContainerApp, "properties.environmentId") => {
            Some("a container app cannot move to another managed environment")
        }
        (ResourceKind::AppInsights, "kind")
        | (ResourceKind::AppInsights, "properties.Application_Type") => {
            Some("the Application Insights application type is fixed at creation")
        }
        (
            ResourceKind::ManagedEnvironment,
            "properties.vnetConfiguration.infrastructureSubnetId",
        ) => Some("an environment's network is fixed at creation"),
        (ResourceKind::ApimLogger, "properties.loggerType") => {
            Some("a logger's type is fixed at creation")
        }
        _ => None,
    }
}

/// Optional properties the manifest owns even when it leaves them out: the templates omit
/// them when a setting is off, so a value ARM still has there is a change to remove it
/// (otherwise turning `always_log_errors` off, or dropping an alert's description, would
/// plan "No changes" and never reach Azure).
const OWNED_WHEN_ABSENT: &[(ResourceKind, &str)] = &[
    (ResourceKind::ApimDiagnostic, "properties.alwaysLog"),
    (ResourceKind::MetricAlert, "properties.description"),
    (
        ResourceKind::ContainerApp,
        "properties.configuration.ingress",
    ),
    (
        ResourceKind::ManagedEnvironment,
        "properties.appLogsConfiguration",
    ),
];

/// Whether the property at `pattern`, absent from the desired body, is still the
/// manifest's (a value ARM has there must be removed).
pub fn owned_when_absent(kind: ResourceKind, pattern: &str) -> bool {
    OWNED_WHEN_ABSENT
        .iter()
        .any(|(k, p)| *k == kind && *p == pattern)
}

/// Whether `observed`, an element of the array at `pattern` that the desired array `desired`
/// lacks, is a default ARM adds on its own. With ingress on, Container Apps gives the main
/// container a TCP probe of each type (liveness, readiness, startup) it does not declare
/// (the health-probes documentation's "Default configuration"); those are not drift.
pub fn server_default(
    kind: ResourceKind,
    pattern: &str,
    desired: &[serde_json::Value],
    observed: &serde_json::Value,
) -> bool {
    let probe_type = |p: &serde_json::Value| {
        p.get("type")
            .and_then(serde_json::Value::as_str)
            .map(str::to_ascii_lowercase)
    };
    kind == ResourceKind::ContainerApp
        && pattern == "properties.template.containers[].probes"
        && observed.get("tcpSocket").is_some()
        && observed.get("httpGet").is_none()
        && probe_type(observed)
            .is_some_and(|t| !desired.iter().any(|d| probe_type(d).as_deref() == Some(&t)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PROBES: &str = "properties.template.containers[].probes";

    #[test]
    fn a_default_tcp_probe_of_an_undeclared_type_is_not_drift() {
        let declared = [
            json!({"type": "Liveness", "httpGet": {"path": "/healthz", "port": 80}}),
            json!({"type": "Readiness", "httpGet": {"path": "/ready", "port": 80}}),
        ];
        let startup = json!({"type": "Startup", "tcpSocket": {"port": 80}});
        assert!(server_default(
            ResourceKind::ContainerApp,
            PROBES,
            &declared,
            &startup
        ));
        assert!(server_default(
            ResourceKind::ContainerApp,
            PROBES,
            &[],
            &startup
        ));
    }

    #[test]
    fn a_probe_of_a_declared_type_or_an_http_probe_is_drift() {
        let declared = [json!({"type": "startup", "httpGet": {"path": "/", "port": 80}})];
        let tcp_startup = json!({"type": "Startup", "tcpSocket": {"port": 80}});
        assert!(!server_default(
            ResourceKind::ContainerApp,
            PROBES,
            &declared,
            &tcp_startup
        ));
        let http_liveness = json!({"type": "Liveness", "httpGet": {"path": "/", "port": 80}});
        assert!(!server_default(
            ResourceKind::ContainerApp,
            PROBES,
            &declared,
            &http_liveness
        ));
        assert!(!server_default(
            ResourceKind::ContainerApp,
            "properties.template.containers[].env",
            &[],
            &tcp_startup
        ));
    }
}
