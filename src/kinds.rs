//! The one table of resource kinds azlift manages: ARM type and api-version of each.
//!
//! Every api-version azlift sends is written here and nowhere else. Each is the version of the
//! official schema in `schemas/` (copied byte for byte from `../shared/azure/schemas/`), so a
//! rendered body can be checked against exactly the definition ARM will judge it by.

use serde::{Deserialize, Serialize};

/// A kind of ARM resource that azlift renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    ResourceGroup,
    Workspace,
    AppInsights,
    ActionGroup,
    MetricAlert,
    ManagedEnvironment,
    ContainerApp,
    ApimService,
    ApimLogger,
    ApimDiagnostic,
    /// A resource rendered from a user's template (`[resource.NAME]`): type and api-version
    /// come from the template itself.
    Custom,
}

/// ARM type, api-version and schema file of one built-in kind.
#[derive(Debug, Clone, Copy)]
pub struct KindInfo {
    pub kind: ResourceKind,
    pub arm_type: &'static str,
    pub api_version: &'static str,
    /// File name under `schemas/`.
    pub schema: &'static str,
}

/// The table. Keep the emulator's accepted versions in sync (it reads the same schema files).
pub const KINDS: &[KindInfo] = &[
    KindInfo {
        kind: ResourceKind::ResourceGroup,
        arm_type: "Microsoft.Resources/resourceGroups",
        api_version: "2025-04-01",
        schema: "microsoft.resources.resourcegroups.json",
    },
    KindInfo {
        kind: ResourceKind::Workspace,
        arm_type: "Microsoft.OperationalInsights/workspaces",
        api_version: "2025-07-01",
        schema: "microsoft.operationalinsights.workspaces.json",
    },
    KindInfo {
        kind: ResourceKind::AppInsights,
        arm_type: "Microsoft.Insights/components",
        api_version: "2020-02-02",
        schema: "microsoft.insights.components.json",
    },
    KindInfo {
        kind: ResourceKind::ActionGroup,
        arm_type: "Microsoft.Insights/actionGroups",
        api_version: "2023-01-01",
        schema: "microsoft.insights.actiongroups.json",
    },
    KindInfo {
        kind: ResourceKind::MetricAlert,
        arm_type: "Microsoft.Insights/metricAlerts",
        api_version: "2018-03-01",
        schema: "microsoft.insights.metricalerts.json",
    },
    KindInfo {
        kind: ResourceKind::ManagedEnvironment,
        arm_type: "Microsoft.App/managedEnvironments",
        api_version: "2026-07-01",
        schema: "microsoft.app.managedenvironments.json",
    },
    KindInfo {
        kind: ResourceKind::ContainerApp,
        arm_type: "Microsoft.App/containerApps",
        api_version: "2026-07-01",
        schema: "microsoft.app.containerapps.json",
    },
    KindInfo {
        kind: ResourceKind::ApimService,
        arm_type: "Microsoft.ApiManagement/service",
        api_version: "2024-05-01",
        schema: "microsoft.apimanagement.service.json",
    },
    KindInfo {
        kind: ResourceKind::ApimLogger,
        arm_type: "Microsoft.ApiManagement/service/loggers",
        api_version: "2024-05-01",
        schema: "microsoft.apimanagement.service.loggers.json",
    },
    KindInfo {
        kind: ResourceKind::ApimDiagnostic,
        arm_type: "Microsoft.ApiManagement/service/diagnostics",
        api_version: "2024-05-01",
        schema: "microsoft.apimanagement.service.diagnostics.json",
    },
];

impl ResourceKind {
    /// The table row of a built-in kind; `None` for [`ResourceKind::Custom`].
    pub fn info(self) -> Option<&'static KindInfo> {
        KINDS.iter().find(|k| k.kind == self)
    }

    /// The built-in kind of an ARM type, compared case-insensitively as ARM does.
    pub fn from_arm_type(arm_type: &str) -> Option<ResourceKind> {
        KINDS
            .iter()
            .find(|k| k.arm_type.eq_ignore_ascii_case(arm_type))
            .map(|k| k.kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_kind_has_one_row() {
        for k in KINDS {
            assert_eq!(KINDS.iter().filter(|o| o.kind == k.kind).count(), 1);
            assert_eq!(
                ResourceKind::from_arm_type(&k.arm_type.to_lowercase()),
                Some(k.kind)
            );
        }
        assert!(ResourceKind::Custom.info().is_none());
    }

    #[test]
    fn api_versions_match_the_schema_files() {
        for k in KINDS {
            let path = format!("{}/schemas/{}", env!("CARGO_MANIFEST_DIR"), k.schema);
            let text = std::fs::read_to_string(&path).expect("schema file is in the repo");
            let schema: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
            assert_eq!(schema["x-api-version"], k.api_version, "{}", k.schema);
        }
    }
}
