//! Pulling from a registry over HTTP: role assignments are extension resources at the
//! registry's id, and a container app whose registry identity holds no `AcrPull` on that
//! registry is refused — created in the other order (identity, grant, app), it is accepted.

mod common;

use common::*;
use serde_json::{Value, json};

const V_APP: &str = "2026-07-01";

fn path(e: &Emu, ty: &str, name: &str) -> String {
    format!("{}/providers/{ty}/{name}", e.rg_path("pull"))
}

#[tokio::test]
async fn an_app_pulls_only_after_its_identity_is_granted_acr_pull() {
    let e = start(Default::default()).await;
    e.put_rg("pull").await;
    let acr = path(&e, "Microsoft.ContainerRegistry/registries", "pullacr1");
    let r = e
        .send(
            "PUT",
            &format!("{acr}?api-version=2025-11-01"),
            Some(json!({"location": "eastus", "sku": {"name": "Basic"}})),
        )
        .await;
    assert!(r.status == 200 || r.status == 201, "{}", r.body);
    let uai = path(
        &e,
        "Microsoft.ManagedIdentity/userAssignedIdentities",
        "pull-id",
    );
    let ident = e
        .send(
            "PUT",
            &format!("{uai}?api-version=2024-11-30"),
            Some(json!({"location": "eastus"})),
        )
        .await;
    assert_eq!(ident.status, 201, "{}", ident.body);
    let principal = ident.body["properties"]["principalId"]
        .as_str()
        .unwrap()
        .to_string();
    let env = path(&e, "Microsoft.App/managedEnvironments", "env");
    let r = e
        .send(
            "PUT",
            &format!("{env}?api-version={V_APP}"),
            Some(json!({"location": "eastus", "properties": {}})),
        )
        .await;
    assert!(r.status == 200 || r.status == 201, "{}", r.body);

    let app = json!({
        "location": "eastus",
        "identity": {"type": "UserAssigned", "userAssignedIdentities": {uai.clone(): {}}},
        "properties": {
            "environmentId": env,
            "configuration": {"registries": [{"server": "pullacr1.azurecr.io", "identity": uai}]},
            "template": {"containers": [{"name": "api", "image": "pullacr1.azurecr.io/api:1",
                "resources": {"cpu": 0.25, "memory": "0.5Gi"}}]}
        }
    });
    let app_path = format!(
        "{}?api-version={V_APP}",
        path(&e, "Microsoft.App/containerApps", "api")
    );
    let refused = e.send("PUT", &app_path, Some(app.clone())).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(refused.code(), "ContainerAppRegistryPullUnauthorized");

    let grant = format!(
        "{acr}/providers/Microsoft.Authorization/roleAssignments/7d3c8f1e-5a2b-4c6d-9e8f-0a1b2c3d4e5f"
    );
    let body = json!({"properties": {
        "roleDefinitionId": format!("/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d"),
        "principalId": principal,
        "principalType": "ServicePrincipal"
    }});
    let created = e
        .send(
            "PUT",
            &format!("{grant}?api-version=2022-04-01"),
            Some(body),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["id"], Value::String(grant.clone()));
    assert_eq!(
        created.body["properties"]["scope"],
        Value::String(acr.clone())
    );
    let got = e
        .send("GET", &format!("{grant}?api-version=2022-04-01"), None)
        .await;
    assert_eq!(got.status, 200, "{}", got.body);

    let accepted = e.send("PUT", &app_path, Some(app)).await;
    assert!(
        accepted.status == 200 || accepted.status == 201,
        "{}",
        accepted.body
    );
}
