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
