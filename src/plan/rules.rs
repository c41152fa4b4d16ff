//! The diff rules the plan applies, read from each kind's folder (`crates/azlift-kinds`):
//! how each array is compared, which changes ARM cannot make in place, which absent
//! properties are still owned and which array elements are server defaults.
//!
//! Array paths are written with `[]` for "any element": `properties.template.containers[].env`.

use serde_json::Value;

pub use crate::kinds::ArrayRule;
use crate::kinds::{LOCATION_IS_FIXED, ResourceKind};

/// The rule for the array at `pattern` (a path with `[]` for elements).
pub fn array_rule(kind: ResourceKind, pattern: &str) -> ArrayRule {
    kind.info()
        .and_then(|k| k.diff.arrays.iter().find(|(p, _)| *p == pattern))
        .map(|(_, r)| *r)
        .unwrap_or(ArrayRule::Ordered)
}

/// Why a change at `pattern` cannot be made in place, if it cannot. A custom resource
/// cannot move either.
pub fn replace_reason(kind: ResourceKind, pattern: &str) -> Option<&'static str> {
    match kind.info() {
        Some(k) => k
            .diff
            .replace
            .iter()
            .find(|(p, _)| *p == pattern)
            .map(|(_, why)| *why),
        None => (pattern == "location").then_some(LOCATION_IS_FIXED),
    }
}

/// Whether the property at `pattern`, absent from the desired body, is still the
/// manifest's (a value ARM has there must be removed): the templates omit optional
/// properties when a setting is off, so turning `always_log_errors` off, or dropping an
/// alert's description, must still reach Azure.
pub fn owned_when_absent(kind: ResourceKind, pattern: &str) -> bool {
    kind.info()
        .is_some_and(|k| k.diff.owned_when_absent.contains(&pattern))
}

/// Whether `observed`, an element of the array at `pattern` that the desired array `desired`
/// lacks, is a default ARM adds on its own (the kind's `server_default` rule: Container Apps'
/// default TCP probes).
pub fn server_default(
    kind: ResourceKind,
    pattern: &str,
    desired: &[Value],
    observed: &Value,
) -> bool {
    kind.info()
        .and_then(|k| k.diff.server_default)
        .is_some_and(|rule| rule(pattern, desired, observed))
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
