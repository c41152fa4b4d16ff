//! Microsoft.Insights/components: the workspace-based Application Insights component of
//! `[monitoring]`.
//!
//! Its schema (`microsoft.insights.components.json`, from `../shared/azure/schemas/`) and body
//! template (`template.json`) live beside this file; `emulator.rs` is its behaviour in the
//! emulator.

pub(crate) mod emulator;

use crate::emulator::names;
use crate::spec::*;

const APPLICATION_TYPE_IS_FIXED: &str =
    "the Application Insights application type is fixed at creation";

/// AppInsights: everything azlift and its emulator know about it.
pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::AppInsights,
    arm_type: "Microsoft.Insights/components",
    api_version: "2020-02-02",
    schema: "microsoft.insights.components.json",
    schema_text: include_str!("microsoft.insights.components.json"),
    template: "app_insights.json",
    template_text: include_str!("template.json"),
    diff: DiffRules {
        arrays: &[],
        replace: &[
            ("location", LOCATION_IS_FIXED),
            ("kind", APPLICATION_TYPE_IS_FIXED),
            ("properties.Application_Type", APPLICATION_TYPE_IS_FIXED),
        ],
        owned_when_absent: &[],
        server_default: None,
    },
    outputs: &[("app_id", "/properties/AppId")],
    secret_outputs: &[
        (
            "connection_string",
            SecretSource::Get("/properties/ConnectionString"),
        ),
        (
            "instrumentation_key",
            SecretSource::Get("/properties/InstrumentationKey"),
        ),
    ],
    estimate: Estimate {
        secs: 10,
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
        location: Location::Regional,
        provisioning_state: true,
        name: NameRule {
            min: 1,
            max: 260,
            check: names::insights_component,
            says: "Component names may not contain %&\\?/ or control characters, nor end with a space or period",
        },
        behaviour: &emulator::Components,
    },
    library: None,
};
