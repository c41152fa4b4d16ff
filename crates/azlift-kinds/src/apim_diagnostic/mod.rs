//! Microsoft.ApiManagement/service/diagnostics: the service-level APIM diagnostic (`[apim]
//! diagnostics`).
//!
//! Its schema (`microsoft.apimanagement.service.diagnostics.json`, from
//! `../shared/azure/schemas/`) and body template (`template.json`) live beside this file;
//! `emulator.rs` is its behaviour in the emulator.

pub(crate) mod emulator;

use crate::emulator::names;
use crate::spec::*;

/// ApimDiagnostic: everything azlift and its emulator know about it.
pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::ApimDiagnostic,
    arm_type: "Microsoft.ApiManagement/service/diagnostics",
    api_version: "2024-05-01",
    schema: "microsoft.apimanagement.service.diagnostics.json",
    schema_text: include_str!("microsoft.apimanagement.service.diagnostics.json"),
    template: "apim_diagnostic.json",
    template_text: include_str!("template.json"),
    diff: DiffRules {
        arrays: &[
            ("properties.frontend.request.headers", ArrayRule::Set),
            ("properties.frontend.response.headers", ArrayRule::Set),
            ("properties.backend.request.headers", ArrayRule::Set),
            ("properties.backend.response.headers", ArrayRule::Set),
        ],
        replace: &[("location", LOCATION_IS_FIXED)],
        owned_when_absent: &["properties.alwaysLog"],
        server_default: None,
    },
    outputs: &[],
    secret_outputs: &[],
    estimate: Estimate {
        secs: 6,
        by_sku: &[],
        delete_secs: None,
    },
    emulator: EmulatorSpec {
        other_versions: &["2023-09-01", "2022-08-01", "2021-08-01"],
        create_secs: 5.0,
        create_secs_by_sku: &[],
        delete_secs: 3.0,
        long_running_put: false,
        long_running_delete: false,
        soft_delete: false,
        location: Location::None,
        provisioning_state: false,
        name: NameRule {
            min: 1,
            max: 256,
            check: names::apim_diagnostic,
            says: "A service-level diagnostic must be named applicationinsights, azuremonitor or local",
        },
        behaviour: &emulator::Diagnostics,
    },
    library: None,
};
