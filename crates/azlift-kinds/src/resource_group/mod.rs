//! Microsoft.Resources/resourceGroups: the project's resource group (`[project]`).
//!
//! Its schema (`microsoft.resources.resourcegroups.json`, from `../shared/azure/schemas/`) and
//! body template (`template.json`) live beside this file; `emulator.rs` is its behaviour in the
//! emulator.

pub(crate) mod emulator;

use crate::emulator::names;
use crate::spec::*;

/// ResourceGroup: everything azlift and its emulator know about it.
pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::ResourceGroup,
    arm_type: "Microsoft.Resources/resourceGroups",
    api_version: "2025-04-01",
    schema: "microsoft.resources.resourcegroups.json",
    schema_text: include_str!("microsoft.resources.resourcegroups.json"),
    template: "resource_group.json",
    template_text: include_str!("template.json"),
    diff: DiffRules {
        arrays: &[],
        replace: &[("location", LOCATION_IS_FIXED)],
        owned_when_absent: &[],
        server_default: None,
    },
    outputs: &[],
    secret_outputs: &[],
    estimate: Estimate {
        secs: 1,
        by_sku: &[],
        delete_secs: Some(180),
    },
    emulator: EmulatorSpec {
        other_versions: &["2024-11-01", "2024-03-01", "2022-09-01", "2021-04-01"],
        create_secs: 1.0,
        create_secs_by_sku: &[],
        delete_secs: 15.0,
        long_running_put: false,
        long_running_delete: true,
        soft_delete: false,
        location: Location::Regional,
        provisioning_state: true,
        name: NameRule {
            min: 1,
            max: 90,
            check: names::resource_group,
            says: "Resource group names may contain letters, digits, underscores, hyphens, periods and parentheses, and may not end in a period",
        },
        behaviour: &emulator::ResourceGroups,
    },
    library: None,
};
