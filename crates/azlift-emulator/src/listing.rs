//! What ARM's list operations (`GET .../resourceGroups/{rg}/providers/{ns}/{type}`) return,
//! per type: the knowledge azlift's observe and the emulator's list route share.
//!
//! For the types marked `Complete` the specifications' `*_ListByResourceGroup` operations
//! return a collection of the same model the GET of one resource returns, so a list observes
//! them exactly. Some lists leave properties out: the App Service list
//! (`WebApps_ListByResourceGroup`) returns sites with an empty `siteConfig` that only a GET
//! of the site's config carries (Azure/azure-powershell#11895, #14877: "SiteConfig is not
//! part of Site API by design"); the emulator models that omission, and azlift reads such
//! types, and every type not known here, with one GET per resource.
//!
//! Lists are paged: a page holds at most [`PAGE_SIZE`] items and a `nextLink` to the next.

use serde_json::Value;

/// Items per page of a list answered by the emulator.
pub const PAGE_SIZE: usize = 100;

/// What a type's list returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListShape {
    /// Each item is the resource as its GET shows it.
    Complete,
    /// Each item lacks the properties at these JSON pointers.
    Omits(&'static [&'static str]),
}

const TYPES: &[(&str, ListShape)] = &[
    (
        "Microsoft.OperationalInsights/workspaces",
        ListShape::Complete,
    ),
    ("Microsoft.Insights/components", ListShape::Complete),
    ("Microsoft.Insights/actionGroups", ListShape::Complete),
    ("Microsoft.Insights/metricAlerts", ListShape::Complete),
    ("Microsoft.App/managedEnvironments", ListShape::Complete),
    ("Microsoft.App/containerApps", ListShape::Complete),
    ("Microsoft.ApiManagement/service", ListShape::Complete),
    (
        "Microsoft.Web/sites",
        ListShape::Omits(&["/properties/siteConfig"]),
    ),
];

/// The list shape of `arm_type` (case-insensitive), `None` when unknown.
pub fn shape(arm_type: &str) -> Option<ListShape> {
    TYPES
        .iter()
        .find(|(t, _)| t.eq_ignore_ascii_case(arm_type))
        .map(|(_, s)| *s)
}

/// Whether a list of `arm_type` observes its resources exactly (the same as a GET each).
pub fn lists_completely(arm_type: &str) -> bool {
    shape(arm_type) == Some(ListShape::Complete)
}

/// `item` (a GET view) as the list of its type shows it.
pub fn as_listed(arm_type: &str, mut item: Value) -> Value {
    if let Some(ListShape::Omits(pointers)) = shape(arm_type) {
        for p in pointers {
            remove_pointer(&mut item, p);
        }
    }
    item
}

fn remove_pointer(v: &mut Value, pointer: &str) {
    let Some((parent, key)) = pointer.rsplit_once('/') else {
        return;
    };
    if let Some(Value::Object(o)) = v.pointer_mut(parent) {
        o.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn complete_types_list_as_get_and_web_sites_lose_site_config() {
        assert!(lists_completely("microsoft.app/containerapps"));
        assert!(!lists_completely("Microsoft.Web/sites"));
        assert!(!lists_completely("Microsoft.KeyVault/vaults/secrets"));
        let app = json!({"id": "x", "properties": {"a": 1}});
        assert_eq!(as_listed("Microsoft.App/containerApps", app.clone()), app);
        let site = json!({"id": "s", "properties": {"siteConfig": {"alwaysOn": true}, "state": "Running"}});
        assert_eq!(
            as_listed("Microsoft.Web/sites", site),
            json!({"id": "s", "properties": {"state": "Running"}})
        );
    }
}
