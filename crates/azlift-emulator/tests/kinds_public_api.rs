//! The kinds module through its public API only, as the server and azlift's own tests use
//! it: a small world, ARM error bodies, and the exact-casing validator.

use std::collections::HashMap;
use std::sync::Mutex;

use azlift_emulator::kinds::{Catalog, PutRequest, Schemas, ViolationKind, World};
use serde_json::{Value, json};

#[derive(Default)]
struct Store(Mutex<HashMap<String, Value>>);

impl World for Store {
    fn get(&self, id: &str) -> Option<Value> {
        self.0
            .lock()
            .unwrap()
            .get(&id.to_ascii_lowercase())
            .cloned()
    }
    fn all_ids(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .values()
            .filter_map(|v| v["id"].as_str().map(String::from))
            .collect()
    }
}

const SUB: &str = "11111111-1111-1111-1111-111111111111";

fn put(cat: &Catalog, w: &Store, arm_type: &str, id: &str, body: Value) -> Result<Value, Value> {
    let name = id.rsplit('/').next().unwrap();
    let req = PutRequest {
        id,
        subscription: SUB,
        resource_group: "rg",
        arm_type,
        name,
        api_version: cat
            .type_info(arm_type)
            .map(|t| t.api_versions[0])
            .unwrap_or("x"),
        body: &body,
    };
    cat.validate_put(&req, w).map_err(|e| e.body())?;
    let prev = w.get(id);
    let stored = cat.complete(&req, prev.as_ref(), w).map_err(|e| e.body())?;
    w.0.lock()
        .unwrap()
        .insert(id.to_ascii_lowercase(), stored.clone());
    Ok(cat.get_view(arm_type, &stored))
}

#[test]
fn server_flow_through_the_public_api() {
    let cat = Catalog::builtin();
    let w = Store::default();
    let rg = format!("/subscriptions/{SUB}/resourceGroups/rg");
    let view = put(
        &cat,
        &w,
        "Microsoft.Resources/resourceGroups",
        &rg,
        json!({"location": "West Europe"}),
    )
    .unwrap();
    assert_eq!(view["location"], "westeurope");
    assert_eq!(view["properties"]["provisioningState"], "Succeeded");

    let ws = format!("{rg}/providers/Microsoft.OperationalInsights/workspaces/logs-1");
    let view = put(
        &cat,
        &w,
        "Microsoft.OperationalInsights/workspaces",
        &ws,
        json!({"location": "westeurope"}),
    )
    .unwrap();
    let stored = w.get(&ws).unwrap();
    let keys = cat
        .action(
            "Microsoft.OperationalInsights/workspaces",
            "sharedKeys",
            &stored,
        )
        .unwrap();
    assert!(
        !view
            .to_string()
            .contains(keys["primarySharedKey"].as_str().unwrap())
    );

    // An invalid body: ARM's error body with one detail per violation.
    let err = put(
        &cat,
        &w,
        "Microsoft.Insights/metricAlerts",
        &format!("{rg}/providers/Microsoft.Insights/metricAlerts/a"),
        json!({"location": "global", "properties": {"severity": "high", "enabled": true, "scopes": [ws],
            "evaluationFrequency": "PT1M", "windowSize": "PT5M", "colour": "red",
            "criteria": {"odata.type": "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria", "allOf": []}}}),
    )
    .unwrap_err();
    assert_eq!(err["error"]["code"], "InvalidRequestContent");
    let targets: Vec<&str> = err["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["target"].as_str().unwrap())
        .collect();
    assert_eq!(targets, ["properties.severity", "properties.colour"]);

    // Deleting what others need.
    let env = format!("{rg}/providers/Microsoft.App/managedEnvironments/env-1");
    put(
        &cat,
        &w,
        "Microsoft.App/managedEnvironments",
        &env,
        json!({"location": "westeurope"}),
    )
    .unwrap();
    let app = format!("{rg}/providers/Microsoft.App/containerApps/web");
    put(
        &cat,
        &w,
        "Microsoft.App/containerApps",
        &app,
        json!({"location": "westeurope", "properties": {"environmentId": env,
            "template": {"containers": [{"name": "web", "image": "nginx"}]}}}),
    )
    .unwrap();
    let e = cat
        .check_delete(&env, "Microsoft.App/managedEnvironments", &w)
        .unwrap_err();
    assert_eq!(e.status, 409);
}

#[test]
fn exact_validation_for_rendered_bodies() {
    let s = Schemas::builtin();
    let body =
        json!({"location": "eastus", "kind": "web", "properties": {"application_type": "web"}});
    assert!(
        s.validate_body("Microsoft.Insights/components", &body)
            .is_empty()
    );
    let vs = s.validate_body_exact("Microsoft.Insights/components", &body);
    assert_eq!(vs.len(), 1);
    assert_eq!(vs[0].kind, ViolationKind::UnknownProperty);
    assert_eq!(vs[0].path, "properties.application_type");
}

/// The server shares one catalog across request tasks.
#[test]
fn catalog_and_schemas_are_send_and_sync() {
    fn shareable<T: Send + Sync + 'static>(_: &T) -> bool {
        true
    }
    assert!(shareable(&Catalog::builtin()));
    assert!(shareable(&Schemas::builtin()));
    assert_eq!(Catalog::builtin().types().count(), 13);
}
