//! Responses shaped like the real services' (display-name locations, re-cased ids and
//! durations, `systemData`, `etag`), every long-running shape, and the generic behaviour
//! for types without a kind (identity ids, `list*` actions, role assignments on a resource).

mod common;

use std::time::Duration;

use common::{Emu, SUB, manual};
use serde_json::{Value, json};

const V_APP: &str = "2025-07-01";

async fn group() -> Emu {
    let e = manual().await;
    e.put_rg("rg1").await;
    e
}

fn path(e: &Emu, arm_type: &str, name: &str, v: &str) -> String {
    format!(
        "{}/providers/{arm_type}/{name}?api-version={v}",
        e.rg_path("rg1")
    )
}

/// PUT and, for a long-running answer, finish it (the realistic profile on a manual clock).
async fn put_done(e: &Emu, arm_type: &str, name: &str, v: &str, body: Value) -> Value {
    let url = path(e, arm_type, name, v);
    let r = e.send("PUT", &url, Some(body)).await;
    assert!((200..=202).contains(&r.status), "{}", r.body);
    e.advance(Duration::from_secs(3600));
    let got = e.send("GET", &url, None).await;
    assert_eq!(got.status, 200, "{}", got.body);
    got.body
}

async fn workspace(e: &Emu) -> Value {
    put_done(
        e,
        "Microsoft.OperationalInsights/workspaces",
        "Logs-1",
        "2025-07-01",
        json!({"location": "eastus", "properties": {"sku": {"name": "PerGB2018"}, "retentionInDays": 30}}),
    )
    .await
}

async fn environment(e: &Emu) -> Value {
    put_done(
        e,
        "Microsoft.App/managedEnvironments",
        "env1",
        V_APP,
        json!({"location": "eastus", "properties": {}}),
    )
    .await
}

fn app_body(env_id: &str) -> Value {
    json!({"location": "eastus", "properties": {"environmentId": env_id,
        "template": {"containers": [{"name": "web", "image": "nginx"}], "scale": {"minReplicas": 1}}}})
}

#[tokio::test]
async fn container_apps_answer_with_a_display_name_location() {
    let e = group().await;
    let env = environment(&e).await;
    assert_eq!(env["location"], "East US");
    let app = put_done(
        &e,
        "Microsoft.App/containerApps",
        "web",
        V_APP,
        app_body(env["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(app["location"], "East US");
    // Workspaces keep the normalised name, as their examples show.
    assert_eq!(workspace(&e).await["location"], "eastus");
}

#[tokio::test]
async fn components_answer_a_recased_workspace_id() {
    let e = group().await;
    let ws = workspace(&e).await;
    let ws_id = ws["id"].as_str().unwrap();
    let ai = put_done(
        &e,
        "Microsoft.Insights/components",
        "ai1",
        "2020-02-02",
        json!({"location": "eastus", "kind": "web",
            "properties": {"Application_Type": "web", "WorkspaceResourceId": ws_id}}),
    )
    .await;
    assert_eq!(ai["location"], "East US");
    assert_eq!(
        ai["properties"]["WorkspaceResourceId"],
        format!(
            "/subscriptions/{SUB}/resourcegroups/rg1/providers/microsoft.operationalinsights/workspaces/Logs-1"
        )
    );
    assert_ne!(
        ai["properties"]["WorkspaceResourceId"].as_str(),
        Some(ws_id)
    );
}

#[tokio::test]
async fn metric_alerts_answer_recased_durations_and_ids_and_empty_dimensions() {
    let e = group().await;
    let ws = workspace(&e).await;
    let ag = put_done(
        &e,
        "Microsoft.Insights/actionGroups",
        "pager",
        "2023-01-01",
        json!({"location": "Global", "properties": {"groupShortName": "pager", "enabled": true}}),
    )
    .await;
    assert_eq!(ag["type"], "Microsoft.Insights/ActionGroups");
    let alert = put_done(
        &e,
        "Microsoft.Insights/metricAlerts",
        "slow",
        "2018-03-01",
        json!({"location": "global", "properties": {
            "severity": 3, "enabled": true, "scopes": [ws["id"]],
            "evaluationFrequency": "Pt1m", "windowSize": "pt5m",
            "criteria": {"odata.type": "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
                "allOf": [{"criterionType": "StaticThresholdCriterion", "name": "c1", "metricName": "m",
                    "operator": "GreaterThan", "threshold": 1, "timeAggregation": "Average"}]},
            "actions": [{"actionGroupId": ag["id"]}]}}),
    )
    .await;
    let p = &alert["properties"];
    assert_eq!(p["evaluationFrequency"], "PT1M");
    assert_eq!(p["windowSize"], "PT5M");
    assert_eq!(p["criteria"]["allOf"][0]["dimensions"], json!([]));
    assert_eq!(
        p["scopes"][0],
        format!(
            "/subscriptions/{SUB}/resourcegroups/rg1/providers/microsoft.operationalinsights/workspaces/Logs-1"
        )
    );
    assert_eq!(
        p["actions"][0]["actionGroupId"],
        format!(
            "/subscriptions/{SUB}/resourcegroups/rg1/providers/microsoft.insights/actiongroups/pager"
        )
    );
}

#[tokio::test]
async fn every_resource_carries_system_data_and_apim_an_etag() {
    let e = group().await;
    let ws = workspace(&e).await;
    let sd = &ws["systemData"];
    assert_eq!(sd["createdByType"], "Application");
    assert!(sd["createdAt"].is_string() && sd["createdBy"].is_string());
    e.advance(Duration::from_secs(60));
    let again = workspace(&e).await;
    assert_eq!(again["systemData"]["createdAt"], sd["createdAt"]);
    assert_ne!(again["systemData"]["lastModifiedAt"], sd["lastModifiedAt"]);

    let apim = put_done(
        &e,
        "Microsoft.ApiManagement/service",
        "apim-realism-1",
        "2024-05-01",
        json!({"location": "eastus", "sku": {"name": "Consumption", "capacity": 0},
            "properties": {"publisherEmail": "a@example.com", "publisherName": "A"}}),
    )
    .await;
    assert_eq!(apim["location"], "East US");
    assert!(apim["etag"].as_str().is_some_and(|t| !t.is_empty()));
}

#[tokio::test]
async fn a_long_running_patch_answers_202_and_finishes_through_its_urls() {
    let e = group().await;
    let env = environment(&e).await;
    let url = path(&e, "Microsoft.App/containerApps", "web", V_APP);
    put_done(
        &e,
        "Microsoft.App/containerApps",
        "web",
        V_APP,
        app_body(env["id"].as_str().unwrap()),
    )
    .await;
    let r = e
        .send(
            "PATCH",
            &url,
            Some(json!({"properties": {"template": {"scale": {"minReplicas": 2}}}})),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let status_url = r
        .header("azure-asyncoperation")
        .expect("Azure-AsyncOperation");
    let location = r.header("location").expect("Location");
    assert_eq!(e.send("GET", &location, None).await.status, 202, "running");
    e.advance(Duration::from_secs(3600));
    assert_eq!(
        e.send("GET", &status_url, None).await.body["status"],
        "Succeeded"
    );
    let done = e.send("GET", &location, None).await;
    assert_eq!(done.status, 200);
    assert_eq!(
        done.body["properties"]["template"]["scale"]["minReplicas"],
        2
    );
}

#[tokio::test]
async fn every_lro_shape_can_be_chosen() {
    let e = group().await;
    let env = environment(&e).await;
    let env_id = env["id"].as_str().unwrap().to_string();
    // location: 202 + Location only
    e.emu.faults().set_str("lro-shape:location").unwrap();
    let url = path(&e, "Microsoft.App/containerApps", "a1", V_APP);
    let r = e.send("PUT", &url, Some(app_body(&env_id))).await;
    assert_eq!(r.status, 202);
    assert!(r.header("location").is_some() && r.header("azure-asyncoperation").is_none());
    e.advance(Duration::from_secs(3600));
    assert_eq!(
        e.send("GET", &r.header("location").unwrap(), None)
            .await
            .status,
        200
    );
    // state: 201 with a running provisioningState, no polling header
    e.emu.faults().set_str("lro-shape:state").unwrap();
    let url = path(&e, "Microsoft.App/containerApps", "a2", V_APP);
    let r = e.send("PUT", &url, Some(app_body(&env_id))).await;
    assert_eq!(r.status, 201);
    assert!(r.header("location").is_none() && r.header("azure-asyncoperation").is_none());
    assert_eq!(r.body["properties"]["provisioningState"], "InProgress");
    assert_eq!(
        e.send("GET", &url, None).await.body["properties"]["provisioningState"],
        "InProgress"
    );
    e.advance(Duration::from_secs(3600));
    assert_eq!(
        e.send("GET", &url, None).await.body["properties"]["provisioningState"],
        "Succeeded"
    );
    // sync: done in the answer; DELETE 200
    e.emu.faults().set_str("lro-shape:sync").unwrap();
    let url = path(&e, "Microsoft.App/containerApps", "a3", V_APP);
    let r = e.send("PUT", &url, Some(app_body(&env_id))).await;
    assert_eq!(r.status, 201);
    assert_eq!(r.body["properties"]["provisioningState"], "Succeeded");
    assert_eq!(e.send("DELETE", &url, None).await.status, 200);
    // async DELETE: 202 + Azure-AsyncOperation + Location
    e.emu.faults().set_str("lro-shape:async").unwrap();
    let url = path(&e, "Microsoft.App/containerApps", "a2", V_APP);
    let d = e.send("DELETE", &url, None).await;
    assert_eq!(d.status, 202);
    assert!(d.header("azure-asyncoperation").is_some() && d.header("location").is_some());
}

const UAI: &str = "Microsoft.ManagedIdentity/userAssignedIdentities";

#[tokio::test]
async fn identities_of_types_without_a_kind_get_their_ids() {
    let e = group().await;
    let id = put_done(&e, UAI, "id1", "2023-01-31", json!({"location": "eastus"})).await;
    let principal = id["properties"]["principalId"].as_str().unwrap();
    let client = id["properties"]["clientId"].as_str().unwrap();
    assert_eq!(principal.len(), 36);
    let vault = put_done(
        &e,
        "Contoso.Stuff/vaults",
        "v1",
        "2022-01-01",
        json!({"location": "eastus", "identity": {"type": "SystemAssigned,UserAssigned",
            "userAssignedIdentities": {id["id"].as_str().unwrap(): {}}}, "properties": {}}),
    )
    .await;
    let users = vault["identity"]["userAssignedIdentities"]
        .as_object()
        .unwrap();
    let (_, ids) = users.iter().next().unwrap();
    assert_eq!(ids["principalId"], principal);
    assert_eq!(ids["clientId"], client);
    assert!(
        vault["identity"]["principalId"]
            .as_str()
            .is_some_and(|p| p.len() == 36)
    );
    assert!(vault["identity"]["tenantId"].is_string());
}

#[tokio::test]
async fn list_actions_of_types_without_a_kind_answer_values() {
    let e = group().await;
    put_done(
        &e,
        "Contoso.Stuff/accounts",
        "acc1",
        "2022-01-01",
        json!({"location": "eastus"}),
    )
    .await;
    let url = format!(
        "{}/providers/Contoso.Stuff/accounts/acc1/listKeys?api-version=2022-01-01",
        e.rg_path("rg1")
    );
    let r = e.send("POST", &url, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["keys"][0]["keyName"], "key1");
    assert_eq!(
        e.send("POST", &url, None).await.body,
        r.body,
        "deterministic"
    );
    put_done(
        &e,
        "Microsoft.Web/sites",
        "fn1",
        "2024-04-01",
        json!({"location": "eastus", "kind": "functionapp"}),
    )
    .await;
    let host = e
        .send(
            "POST",
            &format!(
                "{}/providers/Microsoft.Web/sites/fn1/host/default/listKeys?api-version=2024-04-01",
                e.rg_path("rg1")
            ),
            None,
        )
        .await;
    assert_eq!(host.status, 200, "{}", host.body);
    assert!(host.body["masterKey"].is_string());
    assert!(host.body["functionKeys"]["default"].is_string());
}

#[tokio::test]
async fn a_role_assignment_on_a_resource_checks_its_principal() {
    let e = group().await;
    let id = put_done(&e, UAI, "id1", "2023-01-31", json!({"location": "eastus"})).await;
    let ws = workspace(&e).await;
    let scope = ws["id"].as_str().unwrap();
    let ra = |guid: &str| {
        format!(
            "{scope}/providers/Microsoft.Authorization/roleAssignments/{guid}?api-version=2022-04-01"
        )
    };
    let role = format!(
        "/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/43d0d8ad-25c7-4714-9337-8ba259a9fe05"
    );
    let good = e
        .send(
            "PUT",
            &ra("5a3b0e1c-0000-4000-8000-000000000001"),
            Some(json!({"properties": {"roleDefinitionId": role, "principalId": id["properties"]["principalId"], "principalType": "ServicePrincipal"}})),
        )
        .await;
    assert_eq!(good.status, 201, "{}", good.body);
    assert_eq!(
        good.body["id"].as_str().unwrap().to_ascii_lowercase(),
        format!("{scope}/providers/Microsoft.Authorization/roleAssignments/5a3b0e1c-0000-4000-8000-000000000001").to_ascii_lowercase()
    );
    let got = e
        .send("GET", &ra("5a3b0e1c-0000-4000-8000-000000000001"), None)
        .await;
    assert_eq!(got.status, 200);
    let ghost = e
        .send(
            "PUT",
            &ra("5a3b0e1c-0000-4000-8000-000000000002"),
            Some(json!({"properties": {"roleDefinitionId": role, "principalId": "99999999-9999-4999-8999-999999999999"}})),
        )
        .await;
    assert_eq!((ghost.status, ghost.code()), (400, "PrincipalNotFound"));
    // On a resource that does not exist: 404.
    let missing = e
        .send(
            "PUT",
            &format!(
                "{}/providers/Microsoft.OperationalInsights/workspaces/nope/providers/Microsoft.Authorization/roleAssignments/5a3b0e1c-0000-4000-8000-000000000003?api-version=2022-04-01",
                e.rg_path("rg1")
            ),
            Some(json!({"properties": {"roleDefinitionId": role, "principalId": id["properties"]["principalId"]}})),
        )
        .await;
    assert_eq!(missing.status, 404, "{}", missing.body);
}
