//! ARM's platform endpoints as the Azure CLI uses them: subscriptions and tenants, the
//! anonymous cloud metadata, provider registrations, resource lists with `$filter`;
//! subscription-id and api-version checks; the request-limit countdown headers.

mod common;

use common::{Emu, SUB, V_RG, manual};
use serde_json::json;

async fn emu_with_group() -> Emu {
    let e = manual().await;
    e.put_rg("rg1").await;
    e
}

#[tokio::test]
async fn subscriptions_and_tenants_are_listed_in_the_callers_tenant() {
    let e = emu_with_group().await;
    let subs = e
        .send("GET", "/subscriptions?api-version=2022-12-01", None)
        .await;
    assert_eq!(subs.status, 200, "{}", subs.body);
    let ids: Vec<&str> = subs.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["subscriptionId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["00000000-0000-0000-0000-000000000000", SUB]);
    assert_eq!(subs.body["value"][1]["tenantId"], "tenant1");
    assert_eq!(subs.body["value"][1]["state"], "Enabled");

    let tenants = e.send("GET", "/tenants?api-version=2022-12-01", None).await;
    assert_eq!(tenants.status, 200);
    assert_eq!(tenants.body["value"][0]["tenantId"], "tenant1");
    assert_eq!(
        tenants
            .header("x-ms-ratelimit-remaining-tenant-reads")
            .as_deref(),
        Some("248"),
        "tenant-level requests (the subscription list, then this) draw from the tenant bucket"
    );
    assert!(
        tenants
            .header("x-ms-ratelimit-remaining-subscription-reads")
            .is_none()
    );
}

#[tokio::test]
async fn cloud_metadata_is_anonymous_and_points_at_the_emulator() {
    let e = manual().await;
    let client = common::client_for(&e.emu);
    let r = client
        .get(format!(
            "{}/metadata/endpoints?api-version=2022-09-01",
            e.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "no Authorization needed");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["resourceManager"], format!("{}/", e.base));
    assert_eq!(
        body["authentication"]["loginEndpoint"],
        format!("{}/", e.base)
    );
    assert_eq!(
        body["authentication"]["audiences"][0],
        "https://management.core.windows.net/"
    );
    assert!(body["suffixes"]["keyVaultDns"].is_string());
}

#[tokio::test]
async fn providers_list_types_versions_newest_first_and_display_locations() {
    let e = manual().await;
    let r = e
        .send(
            "GET",
            &format!("/subscriptions/{SUB}/providers/microsoft.insights?api-version={V_RG}"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["namespace"], "Microsoft.Insights");
    assert_eq!(r.body["registrationState"], "Registered");
    let types = r.body["resourceTypes"].as_array().unwrap();
    let ag = types
        .iter()
        .find(|t| t["resourceType"] == "actionGroups")
        .unwrap();
    assert_eq!(ag["apiVersions"][0], "2024-10-01-preview");
    assert!(
        ag["apiVersions"]
            .as_array()
            .unwrap()
            .contains(&json!("2023-01-01"))
    );
    assert_eq!(ag["locations"], json!(["Global"]));
    let components = types
        .iter()
        .find(|t| t["resourceType"] == "components")
        .unwrap();
    assert!(
        components["locations"]
            .as_array()
            .unwrap()
            .contains(&json!("East US"))
    );

    let unknown = e
        .send(
            "GET",
            &format!("/subscriptions/{SUB}/providers/Contoso.Nothing?api-version={V_RG}"),
            None,
        )
        .await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (404, "InvalidResourceNamespace")
    );
}

#[tokio::test]
async fn a_namespace_the_registry_lacks_shows_the_types_stored_under_it() {
    let e = emu_with_group().await;
    let put = e
        .send(
            "PUT",
            &format!(
                "{}/providers/Contoso.Stuff/gadgets/g1?api-version=2021-03-04",
                e.rg_path("rg1")
            ),
            Some(json!({"location": "eastus", "properties": {}})),
        )
        .await;
    assert_eq!(put.status, 201, "{}", put.body);
    let r = e
        .send(
            "GET",
            &format!("/subscriptions/{SUB}/providers/contoso.stuff?api-version={V_RG}"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["resourceTypes"][0]["resourceType"], "gadgets");
    assert_eq!(
        r.body["resourceTypes"][0]["apiVersions"],
        json!(["2021-03-04"])
    );
}

#[tokio::test]
async fn resource_lists_filter_like_arm() {
    let e = emu_with_group().await;
    e.put_rg("rg2").await;
    for (rg, name, tags) in [
        ("rg1", "a1", json!({"env": "prod"})),
        ("rg1", "a2", json!({"env": "dev"})),
        ("rg2", "b1", json!({"env": "prod"})),
    ] {
        let r = e
            .send(
                "PUT",
                &format!(
                    "{}/providers/Contoso.Stuff/gadgets/{name}?api-version=2021-03-04",
                    e.rg_path(rg)
                ),
                Some(json!({"location": "westeurope", "tags": tags})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let names = |r: &common::Resp| -> Vec<String> {
        let mut v: Vec<String> = r.body["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["name"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    let list = |filter: &str| {
        format!(
            "/subscriptions/{SUB}/resources?api-version={V_RG}&$filter={}",
            percent(filter)
        )
    };
    let all = e
        .send(
            "GET",
            &format!("/subscriptions/{SUB}/resources?api-version={V_RG}"),
            None,
        )
        .await;
    assert_eq!(names(&all), vec!["a1", "a2", "b1"]);
    let rg1 = e.send("GET", &list("resourceGroup eq 'RG1'"), None).await;
    assert_eq!(names(&rg1), vec!["a1", "a2"]);
    let prod = e
        .send(
            "GET",
            &list("tagName eq 'env' and tagValue eq 'prod'"),
            None,
        )
        .await;
    assert_eq!(names(&prod), vec!["a1", "b1"]);
    let typed = e
        .send(
            "GET",
            &list("resourceType eq 'contoso.stuff/gadgets' and name eq 'b1'"),
            None,
        )
        .await;
    assert_eq!(names(&typed), vec!["b1"]);
    let bad = e.send("GET", &list("color eq 'red'"), None).await;
    assert_eq!(
        (bad.status, bad.code()),
        (400, "InvalidFilterInQueryString")
    );
    let expanded = e
        .send(
            "GET",
            &format!(
                "{}/resources?api-version={V_RG}&$expand=createdTime,provisioningState",
                e.rg_path("rg2")
            ),
            None,
        )
        .await;
    assert_eq!(expanded.body["value"][0]["provisioningState"], "Succeeded");
    assert!(expanded.body["value"][0]["createdTime"].is_string());
}

fn percent(s: &str) -> String {
    s.replace(' ', "%20").replace('\'', "%27")
}

#[tokio::test]
async fn a_malformed_subscription_id_is_refused() {
    let e = manual().await;
    for path in [
        "/subscriptions/my-sub/resourcegroups/rg1?api-version=2025-04-01",
        "/subscriptions/my-sub/providers/Microsoft.Insights?api-version=2025-04-01",
        "/subscriptions/not-a-guid/resourceGroups/r/providers/Microsoft.Insights/components/c?api-version=2020-02-02",
    ] {
        let r = e.send("GET", path, None).await;
        assert_eq!(
            (r.status, r.code()),
            (400, "InvalidSubscriptionId"),
            "{path}"
        );
        assert!(
            r.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("is malformed or invalid"),
            "{}",
            r.body
        );
    }
}

#[tokio::test]
async fn an_unknown_api_version_on_a_group_is_refused() {
    let e = manual().await;
    let r = e
        .send(
            "PUT",
            &format!("{}?api-version=2099-01-01", e.rg_path("rg1")),
            Some(json!({"location": "eastus"})),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "InvalidApiVersionParameter"));
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2025-04-01"),
        "names the supported versions: {}",
        r.body
    );
    // A preview the Azure CLI sends for action groups is accepted.
    e.put_rg("rg1").await;
    let ag = e
        .send(
            "PUT",
            &format!(
                "{}/providers/Microsoft.Insights/actionGroups/ag1?api-version=2024-10-01-preview",
                e.rg_path("rg1")
            ),
            Some(json!({"location": "Global", "properties": {"groupShortName": "ag1", "enabled": true}})),
        )
        .await;
    assert!(ag.status == 200 || ag.status == 201, "{}", ag.body);
}

#[tokio::test]
async fn countdown_headers_are_always_on_for_the_principal_and_the_subscription() {
    let e = emu_with_group().await;
    let path = format!("{}?api-version={V_RG}", e.rg_path("rg1"));
    let mut reads = Vec::new();
    let mut global = Vec::new();
    for _ in 0..3 {
        let r = e.send("GET", &path, None).await;
        reads.push(
            r.header("x-ms-ratelimit-remaining-subscription-reads")
                .unwrap(),
        );
        global.push(
            r.header("x-ms-ratelimit-remaining-subscription-global-reads")
                .unwrap(),
        );
    }
    assert_eq!(reads, vec!["249", "248", "247"]);
    assert_eq!(global, vec!["3749", "3748", "3747"]);
    let d = e.send("DELETE", &path, None).await;
    assert_eq!(
        d.header("x-ms-ratelimit-remaining-subscription-deletes")
            .as_deref(),
        Some("199")
    );
    assert_eq!(
        d.header("x-ms-ratelimit-remaining-subscription-global-deletes")
            .as_deref(),
        Some("2999")
    );
}

#[tokio::test]
async fn an_empty_bucket_answers_429_with_retry_after() {
    let e = emu_with_group().await;
    e.emu.faults().set_str("throttle-reads:2/1").unwrap();
    let path = format!("{}?api-version={V_RG}", e.rg_path("rg1"));
    assert_eq!(e.send("GET", &path, None).await.status, 200);
    assert_eq!(e.send("GET", &path, None).await.status, 200);
    let r = e.send("GET", &path, None).await;
    assert_eq!((r.status, r.code()), (429, "SubscriptionRequestsThrottled"));
    assert_eq!(r.header("retry-after").as_deref(), Some("1"));
    assert_eq!(
        r.header("x-ms-ratelimit-remaining-subscription-reads")
            .as_deref(),
        Some("0")
    );
    // The global bucket (15 times the principal's) still had tokens.
    assert_eq!(
        r.header("x-ms-ratelimit-remaining-subscription-global-reads")
            .as_deref(),
        Some("27")
    );
    e.advance(std::time::Duration::from_secs(1));
    assert_eq!(e.send("GET", &path, None).await.status, 200);
}
