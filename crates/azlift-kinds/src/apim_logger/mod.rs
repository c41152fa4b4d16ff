//! Microsoft.ApiManagement/service/loggers: the APIM logger that sends to Application Insights
//! (`[apim]`).
//!
//! Its schema (`microsoft.apimanagement.service.loggers.json`, from `../shared/azure/schemas/`)
//! and body template (`template.json`) live beside this file; `emulator.rs` is its behaviour in
//! the emulator.

pub(crate) mod emulator;

use crate::emulator::names;
use crate::spec::*;

/// ApimLogger: everything azlift and its emulator know about it.
pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::ApimLogger,
    arm_type: "Microsoft.ApiManagement/service/loggers",
    api_version: "2024-05-01",
    schema: "microsoft.apimanagement.service.loggers.json",
    schema_text: include_str!("microsoft.apimanagement.service.loggers.json"),
    template: "apim_logger.json",
    template_text: include_str!("template.json"),
    diff: DiffRules {
        arrays: &[],
        replace: &[
            ("location", LOCATION_IS_FIXED),
            (
                "properties.loggerType",
                "a logger's type is fixed at creation",
            ),
        ],
        owned_when_absent: &[],
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
            check: names::apim_child,
            says: "A logger id may not contain *#&+:<>?/",
        },
        behaviour: &emulator::Loggers,
    },
    library: None,
};
