//! Responses shaped like the real services answer them, per type, from the REST-spec
//! examples in `../shared/azure/examples` (docs/emulator.md has the table): display-name
//! locations, ids inside properties re-cased, durations upper-cased, defaults the service
//! adds, the registered casing of a type, `etag`, and `systemData` on every resource.
//! Applied to every view of a stored resource (GET, lists, PUT/PATCH answers, LRO results);
//! the stored representation itself keeps what the client sent.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::clock::rfc3339;
use crate::registry;

/// One shaping rule of a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// `location` as the display name (`eastus` -> `East US`).
    DisplayLocation,
    /// The ARM id at this pointer comes back with `resourcegroups` and the provider
    /// namespace and type in lower case (names keep their casing).
    LowerId(&'static str),
    /// Every id in the array at this pointer, as [`Rule::LowerId`].
    LowerIds(&'static str),
    /// Each item of the array at `.0` gets `.1: []` when it has none.
    EmptyArrayIn(&'static str, &'static str),
    /// The ISO 8601 duration at this pointer in upper case (`Pt1m` -> `PT1M`).
    UpperDuration(&'static str),
    /// `type` as the provider spells it in responses.
    TypeCasing(&'static str),
    /// An `etag` derived from the content (changes with every write that changes it).
    Etag,
}

/// The type table: what each built-in type's responses look like, and the example that
/// shows it.
const SHAPES: &[(&str, &[Rule])] = &[
    // ex: components/2020-02-02/ComponentsGet.json ("South Central US", WorkspaceResourceId
    // with `resourcegroups` and `microsoft.operationalinsights`); azurerm#18711.
    (
        "Microsoft.Insights/components",
        &[
            Rule::DisplayLocation,
            Rule::LowerId("/properties/WorkspaceResourceId"),
        ],
    ),
    // ex: metricAlerts/2018-03-01/getMetricAlertSingleResource.json (actionGroupId lower
    // case, `dimensions: []`, durations sent `Pt1m` answered `PT1M`); scopes: azurerm#18711.
    (
        "Microsoft.Insights/metricAlerts",
        &[
            Rule::LowerIds("/properties/scopes"),
            Rule::LowerId("/properties/actions/*/actionGroupId"),
            Rule::EmptyArrayIn("/properties/criteria/allOf", "dimensions"),
            Rule::UpperDuration("/properties/evaluationFrequency"),
            Rule::UpperDuration("/properties/windowSize"),
        ],
    ),
    // ex: actionGroups/2023-01-01/getActionGroup.json (`Microsoft.Insights/ActionGroups`).
    (
        "Microsoft.Insights/actionGroups",
        &[Rule::TypeCasing("Microsoft.Insights/ActionGroups")],
    ),
    // ex: containerApps/2025-07-01/ContainerApps_Get.json ("East US").
    ("Microsoft.App/containerApps", &[Rule::DisplayLocation]),
    // ex: managedEnvironments/2025-07-01/ManagedEnvironments_Get.json ("North Central US").
    (
        "Microsoft.App/managedEnvironments",
        &[Rule::DisplayLocation],
    ),
    // ex: apimService/2024-05-01/ApiManagementServiceGetService.json ("East US", `etag`).
    (
        "Microsoft.ApiManagement/service",
        &[Rule::DisplayLocation, Rule::Etag],
    ),
];

fn rules(arm_type: &str) -> &'static [Rule] {
    SHAPES
        .iter()
        .find(|(t, _)| t.eq_ignore_ascii_case(arm_type))
        .map(|(_, r)| *r)
        .unwrap_or(&[])
}

/// An ARM id as the services above re-case it: `resourceGroups` -> `resourcegroups`, the
/// provider namespace and type segments lower case, names unchanged.
pub fn lower_id(id: &str) -> String {
    let parts: Vec<&str> = id.split('/').collect();
    let mut out: Vec<String> = Vec::with_capacity(parts.len());
    let mut after_providers: Option<usize> = None;
    for (i, p) in parts.iter().enumerate() {
        let lower = p.eq_ignore_ascii_case("resourcegroups")
            || p.eq_ignore_ascii_case("subscriptions")
            || p.eq_ignore_ascii_case("providers")
            // namespace, then every type segment (odd offsets after the namespace)
            || after_providers.is_some_and(|at| i == at + 1 || (i > at + 1 && (i - at).is_multiple_of(2)));
        if p.eq_ignore_ascii_case("providers") {
            after_providers = Some(i);
        }
        out.push(if lower {
            p.to_ascii_lowercase()
        } else {
            p.to_string()
        });
    }
    out.join("/")
}

/// The values at a pointer that may contain one `*` (every item of an array).
fn each_mut(v: &mut Value, pointer: &str, f: &mut dyn FnMut(&mut Value)) {
    match pointer.split_once("/*") {
        None => {
            if let Some(x) = v.pointer_mut(pointer) {
                f(x);
            }
        }
        Some((head, tail)) => {
            if let Some(Value::Array(items)) = v.pointer_mut(head) {
                for item in items {
                    each_mut(item, tail, f);
                }
            }
        }
    }
}

fn etag(view: &Value) -> String {
    use base64::Engine;
    let digest = Sha256::digest(view.to_string().as_bytes());
    base64::engine::general_purpose::STANDARD.encode(&digest[..8])
}

/// Shape the view of a stored resource of `arm_type` like the real service's answer.
pub fn shape(arm_type: &str, mut view: Value) -> Value {
    for rule in rules(arm_type) {
        match *rule {
            Rule::DisplayLocation => {
                if let Some(l) = view.get("location").and_then(Value::as_str)
                    && let Some(d) = registry::display_name(l)
                {
                    view["location"] = json!(d);
                }
            }
            Rule::LowerId(p) => each_mut(&mut view, p, &mut |x| {
                if let Some(s) = x.as_str() {
                    *x = json!(lower_id(s));
                }
            }),
            Rule::LowerIds(p) => {
                if let Some(Value::Array(items)) = view.pointer_mut(p) {
                    for x in items {
                        if let Some(s) = x.as_str() {
                            *x = json!(lower_id(s));
                        }
                    }
                }
            }
            Rule::EmptyArrayIn(p, key) => {
                if let Some(Value::Array(items)) = view.pointer_mut(p) {
                    for item in items {
                        if let Some(o) = item.as_object_mut() {
                            o.entry(key).or_insert_with(|| json!([]));
                        }
                    }
                }
            }
            Rule::UpperDuration(p) => {
                if let Some(x) = view.pointer_mut(p)
                    && let Some(s) = x.as_str()
                {
                    *x = json!(s.to_ascii_uppercase());
                }
            }
            Rule::TypeCasing(t) => {
                if view.get("type").is_some() {
                    view["type"] = json!(t);
                }
            }
            Rule::Etag => {
                let tag = etag(&view);
                if let Some(o) = view.as_object_mut() {
                    o.insert("etag".into(), json!(tag));
                }
            }
        }
    }
    view
}

/// `systemData` for a write by `principal` at `now_ms`: creation kept from `previous`.
pub fn system_data(previous: Option<&Value>, principal: &str, now_ms: u64) -> Value {
    let at = rfc3339(now_ms);
    let old = previous.and_then(|p| p.get("systemData"));
    let keep = |k: &str, fallback: Value| old.and_then(|o| o.get(k)).cloned().unwrap_or(fallback);
    let mut m = Map::new();
    m.insert("createdBy".into(), keep("createdBy", json!(principal)));
    m.insert(
        "createdByType".into(),
        keep("createdByType", json!("Application")),
    );
    m.insert("createdAt".into(), keep("createdAt", json!(at)));
    m.insert("lastModifiedBy".into(), json!(principal));
    m.insert("lastModifiedByType".into(), json!("Application"));
    m.insert("lastModifiedAt".into(), json!(at));
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WS: &str = "/subscriptions/s/resourceGroups/My-RG/providers/Microsoft.OperationalInsights/workspaces/My-Logs";

    #[test]
    fn ids_are_recased_like_the_services_do() {
        assert_eq!(
            lower_id(WS),
            "/subscriptions/s/resourcegroups/My-RG/providers/microsoft.operationalinsights/workspaces/My-Logs"
        );
        assert_eq!(
            lower_id(
                "/subscriptions/s/resourceGroups/r/providers/Microsoft.ApiManagement/service/a/loggers/L"
            ),
            "/subscriptions/s/resourcegroups/r/providers/microsoft.apimanagement/service/a/loggers/L"
        );
    }

    #[test]
    fn components_answer_a_display_location_and_a_recased_workspace_id() {
        let v = shape(
            "microsoft.insights/components",
            json!({"location": "southcentralus", "properties": {"WorkspaceResourceId": WS}}),
        );
        assert_eq!(v["location"], "South Central US");
        assert_eq!(
            v["properties"]["WorkspaceResourceId"],
            lower_id(WS).as_str()
        );
    }

    #[test]
    fn metric_alerts_recase_ids_and_durations_and_add_dimensions() {
        let ag =
            "/subscriptions/s/resourceGroups/r/providers/Microsoft.Insights/actionGroups/Pager";
        let v = shape(
            "Microsoft.Insights/metricAlerts",
            json!({"location": "global", "properties": {
                "scopes": [WS],
                "evaluationFrequency": "Pt1m",
                "windowSize": "pt5m",
                "criteria": {"allOf": [{"name": "a"}, {"name": "b", "dimensions": [{"name": "x"}]}]},
                "actions": [{"actionGroupId": ag}],
            }}),
        );
        assert_eq!(v["location"], "global", "alerts stay global");
        assert_eq!(v["properties"]["scopes"][0], lower_id(WS).as_str());
        assert_eq!(
            v["properties"]["actions"][0]["actionGroupId"],
            "/subscriptions/s/resourcegroups/r/providers/microsoft.insights/actiongroups/Pager"
        );
        assert_eq!(v["properties"]["evaluationFrequency"], "PT1M");
        assert_eq!(v["properties"]["windowSize"], "PT5M");
        assert_eq!(
            v["properties"]["criteria"]["allOf"][0]["dimensions"],
            json!([])
        );
        assert_eq!(
            v["properties"]["criteria"]["allOf"][1]["dimensions"][0]["name"],
            "x"
        );
    }

    #[test]
    fn apim_gets_an_etag_that_follows_the_content() {
        let a = shape(
            "Microsoft.ApiManagement/service",
            json!({"location": "eastus", "sku": {"capacity": 1}}),
        );
        let b = shape(
            "Microsoft.ApiManagement/service",
            json!({"location": "eastus", "sku": {"capacity": 2}}),
        );
        assert_eq!(a["location"], "East US");
        assert!(a["etag"].as_str().is_some_and(|e| !e.is_empty()));
        assert_ne!(a["etag"], b["etag"]);
        let again = shape(
            "Microsoft.ApiManagement/service",
            json!({"location": "eastus", "sku": {"capacity": 1}}),
        );
        assert_eq!(a["etag"], again["etag"]);
    }

    #[test]
    fn unknown_types_are_left_alone() {
        let body = json!({"location": "eastus", "properties": {"x": WS}});
        assert_eq!(shape("Contoso.Things/widgets", body.clone()), body);
    }

    #[test]
    fn system_data_keeps_the_creation() {
        let first = system_data(None, "alice", 0);
        assert_eq!(first["createdBy"], "alice");
        assert_eq!(first["createdAt"], first["lastModifiedAt"]);
        let second = system_data(Some(&json!({"systemData": first.clone()})), "bob", 60_000);
        assert_eq!(second["createdBy"], "alice");
        assert_eq!(second["createdAt"], first["createdAt"]);
        assert_eq!(second["lastModifiedBy"], "bob");
        assert_ne!(second["lastModifiedAt"], first["lastModifiedAt"]);
    }
}
