//! Long-running operations: 201 + Azure-AsyncOperation, InProgress until the profile's
//! duration has passed (manual clock), Succeeded or Failed; 202 + Location on delete;
//! 409 while an operation runs; resource group delete cascading as an LRO.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;

#[tokio::test]
async fn put_runs_through_the_async_operation_state_machine() {
    let e = manual().await;
    e.put_rg("rg").await;
    let path = e.widget_path("rg", "w1");
    let r = e
        .send(
            "PUT",
            &path,
            Some(json!({"location": "westeurope", "properties": {"size": 1}})),
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.body["properties"]["provisioningState"], "Creating");
    let op = r
        .header("azure-asyncoperation")
        .expect("Azure-AsyncOperation");
    assert!(op.contains("/providers/Contoso.Test/locations/westeurope/operationStatuses/"));
    assert!(r.header("location").unwrap().contains("/operationResults/"));
    assert_eq!(r.header("retry-after").as_deref(), Some("15"));

    let s = e.send("GET", &op, None).await;
    assert_eq!(s.status, 200);
    assert_eq!(s.body["status"], "InProgress");
    assert_eq!(
        e.send("GET", &path, None).await.body["properties"]["provisioningState"],
        "Creating"
    );

    let busy = e
        .send(
            "PUT",
            &path,
            Some(json!({"location": "westeurope", "properties": {"size": 2}})),
        )
        .await;
    assert_eq!(busy.status, 409);
    assert_eq!(busy.code(), "AnotherOperationInProgress");
    let busy = e.send("DELETE", &path, None).await;
    assert_eq!(busy.status, 409);

    let result = e.send("GET", &r.header("location").unwrap(), None).await;
    assert_eq!(result.status, 202);

    e.advance(Duration::from_secs(59));
    assert_eq!(e.send("GET", &op, None).await.body["status"], "InProgress");
    e.advance(Duration::from_secs(1));
    let s = e.send("GET", &op, None).await;
    assert_eq!(s.body["status"], "Succeeded");
    assert!(s.body.get("endTime").is_some());
    assert_eq!(
        e.send("GET", &path, None).await.body["properties"]["provisioningState"],
        "Succeeded"
    );
    let result = e.send("GET", &r.header("location").unwrap(), None).await;
    assert_eq!(result.status, 200);
    assert_eq!(result.body["name"], "w1");

    // An update is 200 and goes through the same path.
    let u = e
        .send(
            "PUT",
            &path,
            Some(json!({"location": "westeurope", "properties": {"size": 3}})),
        )
        .await;
    assert_eq!(u.status, 200);
    assert_eq!(u.body["properties"]["provisioningState"], "Updating");
}

#[tokio::test]
async fn failed_operations_report_an_error() {
    let e = manual().await;
    e.emu
        .faults()
        .set_str(&format!("fail-lro:{WIDGETS}"))
        .unwrap();
    e.put_rg("rg").await;
    let path = e.widget_path("rg", "w1");
    let r = e
        .send("PUT", &path, Some(json!({"location": "eastus"})))
        .await;
    assert_eq!(r.status, 201);
    let op = r.header("azure-asyncoperation").unwrap();
    e.advance(Duration::from_secs(61));
    let s = e.send("GET", &op, None).await;
    assert_eq!(s.body["status"], "Failed");
    assert_eq!(s.body["error"]["code"], "ProvisioningFailed");
    assert_eq!(
        e.send("GET", &path, None).await.body["properties"]["provisioningState"],
        "Failed"
    );
    let result = e.send("GET", &r.header("location").unwrap(), None).await;
    assert_eq!(result.status, 400);
    assert_eq!(result.code(), "ProvisioningFailed");
}

#[tokio::test]
async fn delete_answers_202_with_location_until_done() {
    let e = manual().await;
    e.put_rg("rg").await;
    let path = e.widget_path("rg", "w1");
    e.send("PUT", &path, Some(json!({"location": "eastus"})))
        .await;
    e.advance(Duration::from_secs(60));
    let d = e.send("DELETE", &path, None).await;
    assert_eq!(d.status, 202);
    let loc = d.header("location").unwrap();
    assert!(d.header("retry-after").is_some());
    assert_eq!(
        e.send("GET", &path, None).await.body["properties"]["provisioningState"],
        "Deleting"
    );
    assert_eq!(e.send("GET", &loc, None).await.status, 202);
    e.advance(Duration::from_secs(30));
    assert_eq!(e.send("GET", &loc, None).await.status, 204);
    assert_eq!(e.send("GET", &path, None).await.status, 404);
}

#[tokio::test]
async fn resource_group_delete_cascades_as_an_lro() {
    let e = manual().await;
    e.put_rg("rg").await;
    e.put_rg("other").await;
    let kv = format!(
        "{}/providers/Microsoft.KeyVault/vaults/kv?api-version=2023-07-01",
        e.rg_path("rg")
    );
    e.send("PUT", &kv, Some(json!({"location": "eastus"})))
        .await;
    let w = e.widget_path("rg", "w1");
    e.send("PUT", &w, Some(json!({"location": "eastus"}))).await;
    let keep = e.widget_path("other", "w2");
    e.send("PUT", &keep, Some(json!({"location": "eastus"})))
        .await;

    let d = e
        .send(
            "DELETE",
            &format!("{}?api-version={V_RG}", e.rg_path("rg")),
            None,
        )
        .await;
    assert_eq!(d.status, 202);
    let loc = d.header("location").unwrap();
    assert!(loc.contains(&format!("/subscriptions/{SUB}/operationResults/")));
    assert_eq!(e.send("GET", &loc, None).await.status, 202);
    let g = e
        .send(
            "GET",
            &format!("{}?api-version={V_RG}", e.rg_path("rg")),
            None,
        )
        .await;
    assert_eq!(g.body["properties"]["provisioningState"], "Deleting");
    let put_during = e
        .send("PUT", &kv, Some(json!({"location": "eastus"})))
        .await;
    assert_eq!(put_during.code(), "ResourceGroupBeingDeleted");

    e.advance(Duration::from_secs(30));
    assert_eq!(e.send("GET", &loc, None).await.status, 200);
    let g = e
        .send(
            "GET",
            &format!("{}?api-version={V_RG}", e.rg_path("rg")),
            None,
        )
        .await;
    assert_eq!(g.code(), "ResourceGroupNotFound");
    assert_eq!(
        e.send("GET", &kv, None).await.code(),
        "ResourceGroupNotFound"
    );
    assert_eq!(
        e.send("GET", &keep, None).await.status,
        200,
        "other groups untouched"
    );
}

#[tokio::test]
async fn instant_profile_still_uses_the_lro_path() {
    let e = start(Default::default()).await;
    e.put_rg("rg").await;
    let r = e
        .send(
            "PUT",
            &e.widget_path("rg", "w"),
            Some(json!({"location": "eastus"})),
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.header("retry-after").as_deref(), Some("0"));
    let s = e
        .send("GET", &r.header("azure-asyncoperation").unwrap(), None)
        .await;
    assert_eq!(s.body["status"], "Succeeded");
}

#[tokio::test]
async fn container_apps_report_in_progress_while_creating() {
    let e = manual().await;
    e.put_rg("rg").await;
    let env = format!(
        "{}/providers/Microsoft.App/managedEnvironments/env?api-version=2025-07-01",
        e.rg_path("rg")
    );
    let r = e
        .send(
            "PUT",
            &env,
            Some(json!({"location": "eastus", "properties": {}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        r.body["properties"]["provisioningState"],
        "InitializationInProgress"
    );
    e.advance(Duration::from_secs(3600));
    let app = format!(
        "{}/providers/Microsoft.App/containerApps/app?api-version=2025-07-01",
        e.rg_path("rg")
    );
    let env_id = e.send("GET", &env, None).await.body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let body = json!({
        "location": "eastus",
        "properties": {
            "environmentId": env_id,
            "configuration": {"ingress": {"external": true, "targetPort": 8000}},
            "template": {"containers": [{"name": "app", "image": "nginx"}]}
        }
    });
    let r = e.send("PUT", &app, Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["properties"]["provisioningState"], "InProgress");
}
