//! Soft delete: a deleted APIM service keeps its (global) name until purged; a deleted
//! workspace is listed as deleted, comes back on re-create, and `force=true` skips it.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;

fn apim_body() -> serde_json::Value {
    json!({
        "location": "East US",
        "sku": {"name": "Developer", "capacity": 1},
        "properties": {"publisherEmail": "ops@example.com", "publisherName": "Example"}
    })
}

#[tokio::test]
async fn apim_soft_delete_blocks_recreate_until_purged() {
    let e = manual().await;
    e.put_rg("rg").await;
    let path = format!(
        "{}/providers/Microsoft.ApiManagement/service/apim-x?api-version=2024-05-01",
        e.rg_path("rg")
    );
    let c = e.send("PUT", &path, Some(apim_body())).await;
    assert_eq!(c.status, 201, "{}", c.body);
    e.advance(Duration::from_secs(3600));
    assert_eq!(
        e.send("GET", &path, None).await.body["properties"]["provisioningState"],
        "Succeeded"
    );

    // The name is global: another group cannot take it.
    e.put_rg("rg2").await;
    let elsewhere = path.replace("/rg/", "/rg2/");
    let taken = e.send("PUT", &elsewhere, Some(apim_body())).await;
    assert_eq!(taken.status, 409);

    let d = e.send("DELETE", &path, None).await;
    assert_eq!(d.status, 202);
    e.advance(Duration::from_secs(3600));
    assert_eq!(
        e.send("GET", &d.header("location").unwrap(), None)
            .await
            .status,
        204
    );
    assert_eq!(e.send("GET", &path, None).await.status, 404);

    let deleted = format!(
        "/subscriptions/{SUB}/providers/Microsoft.ApiManagement/locations/eastus/deletedservices/apim-x?api-version=2024-05-01"
    );
    let g = e.send("GET", &deleted, None).await;
    assert_eq!(g.status, 200);
    assert_eq!(g.body["type"], "Microsoft.ApiManagement/deletedservices");
    assert!(
        g.body["properties"]["serviceId"]
            .as_str()
            .unwrap()
            .ends_with("/service/apim-x")
    );
    let list = e
        .send("GET", &format!("/subscriptions/{SUB}/providers/Microsoft.ApiManagement/deletedservices?api-version=2024-05-01"), None)
        .await;
    assert_eq!(list.body["value"].as_array().unwrap().len(), 1);

    let blocked = e.send("PUT", &path, Some(apim_body())).await;
    assert_eq!(blocked.status, 409);
    assert_eq!(blocked.code(), "ServiceAlreadyExistsInSoftDeletedState");

    let purge = e.send("DELETE", &deleted, None).await;
    assert_eq!(purge.status, 202);
    let loc = purge.header("location").unwrap();
    assert_eq!(e.send("GET", &loc, None).await.status, 202);
    e.advance(Duration::from_secs(10));
    assert_eq!(e.send("GET", &loc, None).await.status, 204);
    assert_eq!(e.send("GET", &deleted, None).await.status, 404);
    assert_eq!(e.send("PUT", &path, Some(apim_body())).await.status, 201);
}

#[tokio::test]
async fn workspace_soft_delete_restores_and_force_skips_it() {
    let e = start(Default::default()).await;
    e.put_rg("rg").await;
    let path = format!(
        "{}/providers/Microsoft.OperationalInsights/workspaces/law-one?api-version=2025-07-01",
        e.rg_path("rg")
    );
    let body = json!({"location": "eastus", "properties": {"sku": {"name": "PerGB2018"}, "retentionInDays": 30}});
    let c = e.send("PUT", &path, Some(body.clone())).await;
    assert!(c.status == 200 || c.status == 201, "{}", c.body);
    // instant profile: first poll finishes it
    if let Some(op) = c.header("azure-asyncoperation") {
        assert_eq!(e.send("GET", &op, None).await.body["status"], "Succeeded");
    }
    let customer_id = e.send("GET", &path, None).await.body["properties"]["customerId"].clone();
    assert!(customer_id.is_string());

    let d = e.send("DELETE", &path, None).await;
    assert!(matches!(d.status, 200 | 202), "{}", d.status);
    if let Some(loc) = d.header("location") {
        e.send("GET", &loc, None).await;
    }
    assert_eq!(e.send("GET", &path, None).await.status, 404);
    let deleted_list = format!(
        "/subscriptions/{SUB}/providers/Microsoft.OperationalInsights/deletedWorkspaces?api-version=2025-07-01"
    );
    assert_eq!(
        e.send("GET", &deleted_list, None).await.body["value"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Re-creating the same name brings the deleted workspace back (same customerId).
    let again = e.send("PUT", &path, Some(body)).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.body["properties"]["customerId"], customer_id);
    assert_eq!(
        e.send("GET", &deleted_list, None).await.body["value"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    let forced = e.send("DELETE", &format!("{path}&force=true"), None).await;
    if let Some(loc) = forced.header("location") {
        e.send("GET", &loc, None).await;
    }
    assert_eq!(e.send("GET", &path, None).await.status, 404);
    assert_eq!(
        e.send("GET", &deleted_list, None).await.body["value"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}
