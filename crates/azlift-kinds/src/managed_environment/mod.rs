//! Microsoft.App/managedEnvironments: the Container Apps managed environment the apps share.
//!
//! Its schema (`microsoft.app.managedenvironments.json`, from `../shared/azure/schemas/`) and
//! body template (`template.json`) live beside this file; `emulator.rs` is its behaviour in the
//! emulator.

pub(crate) mod emulator;

use crate::emulator::names;
use crate::spec::*;

/// ManagedEnvironment: everything azlift and its emulator know about it.
pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::ManagedEnvironment,
    arm_type: "Microsoft.App/managedEnvironments",
    api_version: "2026-07-01",
    schema: "microsoft.app.managedenvironments.json",
    schema_text: include_str!("microsoft.app.managedenvironments.json"),
    template: "managed_environment.json",
    template_text: include_str!("template.json"),
    diff: DiffRules {
        arrays: &[],
        replace: &[
            ("location", LOCATION_IS_FIXED),
            (
                "properties.vnetConfiguration.infrastructureSubnetId",
                "an environment's network is fixed at creation",
            ),
        ],
        owned_when_absent: &["properties.appLogsConfiguration"],
        server_default: None,
    },
    outputs: &[
        ("default_domain", "/properties/defaultDomain"),
        ("static_ip", "/properties/staticIp"),
    ],
    secret_outputs: &[],
    estimate: Estimate {
        secs: 240,
        by_sku: &[],
        delete_secs: None,
    },
    emulator: EmulatorSpec {
        other_versions: &["2025-07-01", "2025-01-01", "2024-03-01"],
        create_secs: 240.0,
        create_secs_by_sku: &[],
        delete_secs: 120.0,
        long_running_put: true,
        long_running_delete: true,
        soft_delete: false,
        location: Location::Regional,
        provisioning_state: true,
        name: NameRule {
            min: 2,
            max: 60,
            check: names::lower_alnum_hyphen_letter_first,
            says: "A managed environment name must consist of lower case alphanumeric characters or '-', start with a letter, end with an alphanumeric character and cannot have '--'",
        },
        behaviour: &emulator::ManagedEnvironments,
    },
    library: None,
};
