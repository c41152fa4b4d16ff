//! Microsoft.ApiManagement/service: an API Management service (`[apim]`, managed or existing).
//!
//! Its schema (`microsoft.apimanagement.service.json`, from `../shared/azure/schemas/`) and
//! body template (`template.json`) live beside this file; `emulator.rs` is its behaviour in the
//! emulator.

pub(crate) mod emulator;

use crate::emulator::names;
use crate::spec::*;

/// Developer, Basic, Standard and Premium services take tens of minutes to create or update
/// (Consumption and v2 tiers a minute or two).
const SLOW_SKU_SECS: u64 = 40 * 60;

/// ApimService: everything azlift and its emulator know about it.
pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::ApimService,
    arm_type: "Microsoft.ApiManagement/service",
    api_version: "2024-05-01",
    schema: "microsoft.apimanagement.service.json",
    schema_text: include_str!("microsoft.apimanagement.service.json"),
    template: "apim_service.json",
    template_text: include_str!("template.json"),
    diff: DiffRules {
        arrays: &[],
        replace: &[("location", LOCATION_IS_FIXED)],
        owned_when_absent: &[],
        server_default: None,
    },
    outputs: &[("gateway_url", "/properties/gatewayUrl")],
    secret_outputs: &[],
    estimate: Estimate {
        secs: 90,
        by_sku: &[
            ("developer", SLOW_SKU_SECS),
            ("basic", SLOW_SKU_SECS),
            ("standard", SLOW_SKU_SECS),
            ("premium", SLOW_SKU_SECS),
        ],
        delete_secs: None,
    },
    emulator: EmulatorSpec {
        other_versions: &["2023-09-01", "2022-08-01", "2021-08-01"],
        create_secs: 2250.0,
        create_secs_by_sku: &[("Consumption", 90.0)],
        delete_secs: 600.0,
        long_running_put: true,
        long_running_delete: true,
        soft_delete: true,
        location: Location::Regional,
        provisioning_state: true,
        name: NameRule {
            min: 1,
            max: 50,
            check: names::apim_service,
            says: "An API Management service name may contain only letters, digits and hyphens, must start with a letter and end with a letter or digit",
        },
        behaviour: &emulator::Service,
    },
    library: None,
};
