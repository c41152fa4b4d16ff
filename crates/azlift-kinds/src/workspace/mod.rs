//! Microsoft.OperationalInsights/workspaces: the Log Analytics workspace of `[monitoring]`.
//!
//! Its schema (`microsoft.operationalinsights.workspaces.json`, from
//! `../shared/azure/schemas/`) and body template (`template.json`) live beside this file;
//! `emulator.rs` is its behaviour in the emulator.

pub(crate) mod emulator;

use crate::emulator::names;
use crate::spec::*;

/// Workspace: everything azlift and its emulator know about it.
pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::Workspace,
    arm_type: "Microsoft.OperationalInsights/workspaces",
    api_version: "2025-07-01",
    schema: "microsoft.operationalinsights.workspaces.json",
    schema_text: include_str!("microsoft.operationalinsights.workspaces.json"),
    template: "workspace.json",
    template_text: include_str!("template.json"),
    diff: DiffRules {
        arrays: &[],
        replace: &[("location", LOCATION_IS_FIXED)],
        owned_when_absent: &[],
        server_default: None,
    },
    outputs: &[("customer_id", "/properties/customerId")],
    secret_outputs: &[(
        "primary_shared_key",
        SecretSource::Action("sharedKeys", "/primarySharedKey"),
    )],
    estimate: Estimate {
        secs: 12,
        by_sku: &[],
        delete_secs: None,
    },
    emulator: EmulatorSpec {
        other_versions: &[
            "2025-02-01",
            "2023-09-01",
            "2022-10-01",
            "2021-06-01",
            "2020-08-01",
        ],
        create_secs: 10.0,
        create_secs_by_sku: &[],
        delete_secs: 5.0,
        long_running_put: true,
        long_running_delete: true,
        soft_delete: true,
        location: Location::Regional,
        provisioning_state: true,
        name: NameRule {
            min: 4,
            max: 63,
            check: names::alnum_hyphen_alnum_ends,
            says: "Workspace names may contain only letters, digits and hyphens, and must start and end with a letter or digit",
        },
        behaviour: &emulator::Workspaces,
    },
    library: None,
};
