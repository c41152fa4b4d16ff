//! Microsoft.ContainerRegistry/registries: the project's private container registry
//! (`[registry]`), the one the apps pull their images from.
//!
//! Its schema (`microsoft.containerregistry.registries.json`, exported from the official
//! Python SDK models by `scripts/export_schema.py`) and body template (`template.json`) live
//! beside this file; `emulator.rs` is its behaviour in the emulator.

pub(crate) mod emulator;

use crate::emulator::names;
use crate::spec::*;

/// Container registry: everything azlift and its emulator know about it.
pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::ContainerRegistry,
    arm_type: "Microsoft.ContainerRegistry/registries",
    api_version: "2025-11-01",
    schema: "microsoft.containerregistry.registries.json",
    schema_text: include_str!("microsoft.containerregistry.registries.json"),
    template: "container_registry.json",
    template_text: include_str!("template.json"),
    diff: DiffRules {
        arrays: &[],
        replace: &[("location", LOCATION_IS_FIXED)],
        owned_when_absent: &[],
        server_default: None,
    },
    outputs: &[("login_server", "/properties/loginServer")],
    secret_outputs: &[],
    estimate: Estimate {
        secs: 20,
        by_sku: &[],
        delete_secs: None,
    },
    emulator: EmulatorSpec {
        // Registries_Create and Registries_Delete are x-ms-long-running-operation.
        other_versions: &["2025-04-01", "2023-07-01", "2019-05-01"],
        create_secs: 15.0,
        create_secs_by_sku: &[],
        delete_secs: 10.0,
        long_running_put: true,
        long_running_delete: true,
        soft_delete: false,
        location: Location::Regional,
        provisioning_state: true,
        name: NameRule {
            min: 5,
            max: 50,
            check: names::alnum,
            says: "A registry name may contain only letters and digits",
        },
        behaviour: &emulator::Registries,
    },
    library: None,
};
