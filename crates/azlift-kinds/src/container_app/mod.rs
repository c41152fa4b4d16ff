//! Microsoft.App/containerApps: a container app (`[app.NAME]`) in the managed environment.
//!
//! Its schema (`microsoft.app.containerapps.json`, from `../shared/azure/schemas/`) and body
//! template (`template.json`) live beside this file; `emulator.rs` is its behaviour in the
//! emulator.

pub(crate) mod emulator;
pub(crate) mod registry_pull;

use crate::emulator::names;
use crate::spec::*;

/// ContainerApp: everything azlift and its emulator know about it.
pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::ContainerApp,
    arm_type: "Microsoft.App/containerApps",
    api_version: "2026-07-01",
    schema: "microsoft.app.containerapps.json",
    schema_text: include_str!("microsoft.app.containerapps.json"),
    template: "container_app.json",
    template_text: include_str!("template.json"),
    diff: DiffRules {
        arrays: &[
            ("properties.configuration.secrets", ArrayRule::Keyed("name")),
            ("properties.template.containers", ArrayRule::Keyed("name")),
            (
                "properties.template.containers[].env",
                ArrayRule::Keyed("name"),
            ),
            (
                "properties.template.containers[].probes",
                ArrayRule::Keyed("type"),
            ),
            (
                "properties.template.containers[].probes[].httpGet.httpHeaders",
                ArrayRule::Keyed("name"),
            ),
            ("properties.template.scale.rules", ArrayRule::Keyed("name")),
            (
                "properties.configuration.registries",
                ArrayRule::Keyed("server"),
            ),
        ],
        replace: &[
            ("location", LOCATION_IS_FIXED),
            (
                "properties.environmentId",
                "a container app cannot move to another managed environment",
            ),
        ],
        owned_when_absent: &["properties.configuration.ingress"],
        server_default: Some(default_tcp_probe),
    },
    outputs: &[
        ("fqdn", "/properties/configuration/ingress/fqdn"),
        ("external", "/properties/configuration/ingress/external"),
        ("latest_revision", "/properties/latestRevisionName"),
    ],
    secret_outputs: &[],
    estimate: Estimate {
        secs: 55,
        by_sku: &[],
        delete_secs: None,
    },
    emulator: EmulatorSpec {
        other_versions: &["2025-07-01", "2025-01-01", "2024-03-01"],
        create_secs: 45.0,
        create_secs_by_sku: &[],
        delete_secs: 20.0,
        long_running_put: true,
        long_running_delete: true,
        soft_delete: false,
        location: Location::Regional,
        provisioning_state: true,
        name: NameRule {
            min: 2,
            max: 32,
            check: names::lower_alnum_hyphen_letter_first,
            says: "A container app name must consist of lower case alphanumeric characters or '-', start with a letter, end with an alphanumeric character and cannot have '--'",
        },
        behaviour: &emulator::ContainerApps,
    },
    library: None,
};

/// With ingress on, Container Apps gives the main container a TCP probe of each type
/// (liveness, readiness, startup) it does not declare (the health-probes documentation's
/// "Default configuration"); such an element of the probes array is not drift.
fn default_tcp_probe(
    pattern: &str,
    desired: &[serde_json::Value],
    observed: &serde_json::Value,
) -> bool {
    let probe_type = |p: &serde_json::Value| {
        p.get("type")
            .and_then(serde_json::Value::as_str)
            .map(str::to_ascii_lowercase)
    };
    pattern == "properties.template.containers[].probes"
        && observed.get("tcpSocket").is_some()
        && observed.get("httpGet").is_none()
        && probe_type(observed)
            .is_some_and(|t| !desired.iter().any(|d| probe_type(d).as_deref() == Some(&t)))
}
