//! Microsoft.Insights/actionGroups: an action group (`[action_group.KEY]`); global, so it never
//! moves.
//!
//! Its schema (`microsoft.insights.actiongroups.json`, from `../shared/azure/schemas/`) and
//! body template (`template.json`) live beside this file; `emulator.rs` is its behaviour in the
//! emulator.

pub(crate) mod emulator;

use crate::emulator::names;
use crate::spec::*;

/// ActionGroup: everything azlift and its emulator know about it.
pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::ActionGroup,
    arm_type: "Microsoft.Insights/actionGroups",
    api_version: "2023-01-01",
    schema: "microsoft.insights.actiongroups.json",
    schema_text: include_str!("microsoft.insights.actiongroups.json"),
    template: "action_group.json",
    template_text: include_str!("template.json"),
    diff: DiffRules {
        arrays: &[
            ("properties.emailReceivers", ArrayRule::Keyed("name")),
            ("properties.smsReceivers", ArrayRule::Keyed("name")),
            ("properties.webhookReceivers", ArrayRule::Keyed("name")),
        ],
        replace: &[],
        owned_when_absent: &[],
        server_default: None,
    },
    outputs: &[],
    secret_outputs: &[],
    estimate: Estimate {
        secs: 4,
        by_sku: &[],
        delete_secs: None,
    },
    emulator: EmulatorSpec {
        other_versions: &["2022-06-01", "2021-09-01", "2019-06-01"],
        create_secs: 3.0,
        create_secs_by_sku: &[],
        delete_secs: 2.0,
        long_running_put: false,
        long_running_delete: false,
        soft_delete: false,
        location: Location::GlobalOrRegional,
        provisioning_state: false,
        name: NameRule {
            min: 1,
            max: 260,
            check: names::insights_rule,
            says: "Action group names may not contain *#&+:<>?@%{}\\/ or control characters, nor end with a space or period",
        },
        behaviour: &emulator::ActionGroups,
    },
    library: None,
};
