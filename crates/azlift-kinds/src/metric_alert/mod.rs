//! Microsoft.Insights/metricAlerts: a metric alert (`[alert.KEY]`); global, so it never moves.
//!
//! Its schema (`microsoft.insights.metricalerts.json`, from `../shared/azure/schemas/`) and
//! body template (`template.json`) live beside this file; `emulator.rs` is its behaviour in the
//! emulator.

pub(crate) mod emulator;

use crate::emulator::names;
use crate::spec::*;

/// MetricAlert: everything azlift and its emulator know about it.
pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::MetricAlert,
    arm_type: "Microsoft.Insights/metricAlerts",
    api_version: "2018-03-01",
    schema: "microsoft.insights.metricalerts.json",
    schema_text: include_str!("microsoft.insights.metricalerts.json"),
    template: "metric_alert.json",
    template_text: include_str!("template.json"),
    diff: DiffRules {
        arrays: &[
            ("properties.scopes", ArrayRule::Set),
            ("properties.criteria.allOf", ArrayRule::Keyed("name")),
            (
                "properties.criteria.allOf[].dimensions",
                ArrayRule::Keyed("name"),
            ),
            ("properties.actions", ArrayRule::Keyed("actionGroupId")),
        ],
        replace: &[],
        owned_when_absent: &["properties.description"],
        server_default: None,
    },
    outputs: &[],
    secret_outputs: &[],
    estimate: Estimate {
        secs: 12,
        by_sku: &[],
        delete_secs: None,
    },
    emulator: EmulatorSpec {
        other_versions: &[],
        create_secs: 10.0,
        create_secs_by_sku: &[],
        delete_secs: 3.0,
        long_running_put: false,
        long_running_delete: false,
        soft_delete: false,
        location: Location::Global,
        provisioning_state: false,
        name: NameRule {
            min: 1,
            max: 260,
            check: names::insights_rule,
            says: "Metric alert names may not contain *#&+:<>?@%{}\\/ or control characters, nor end with a space or period",
        },
        behaviour: &emulator::MetricAlerts,
    },
    library: None,
};
