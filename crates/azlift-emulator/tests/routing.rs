//! The ARM surface: resource groups, generic resources, case-insensitive ids, api-version
//! checks, ARM's 404 bodies and headers.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn resource_groups_are_case_insensitive_and_normalise_location() {
    let e = start(Default::default()).await;
    let created = e.put_rg("MyGroup").await;
    assert_eq!(created.status, 201);
    assert_eq!(
        created.body["id"],
        format!("/subscriptions/{SUB}/resourceGroups/MyGroup")
    );
    assert_eq!(created.body["type"], "Microsoft.Resources/resourceGroups");
    assert_eq!(created.body["location"], "eastus");
    assert_eq!(created.body["properties"]["provisioningState"], "Succeeded");

    let got = e
        .send(
            "GET",
            &format!("/SUBSCRIPTIONS/{SUB}/resourcegroups/mygroup?api-version={V_RG}"),
            None,
        )
        .await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["name"], "MyGroup");
    assert!(got.header("x-ms-request-id").is_some());
    assert!(got.header("x-ms-correlation-request-id").is_some());
    assert!(
        got.header("x-ms-ratelimit-remaining-subscription-reads")
            .is_some()
    );

    let again = e.put_rg("MYGROUP").await;
    assert_eq!(again.status, 200, "second PUT is an update");
    let head = e
        .send(
            "HEAD",
            &format!("{}?api-version={V_RG}", e.rg_path("mygroup")),
            None,
        )
        .await;
    assert_eq!(head.status, 204);
    let head = e
        .send(
            "HEAD",
            &format!("{}?api-version={V_RG}", e.rg_path("nope")),
            None,
        )
        .await;
    assert_eq!(head.status, 404);

    let list = e
        .send(
            "GET",
            &format!("/subscriptions/{SUB}/resourcegroups?api-version={V_RG}"),
            None,
        )
        .await;
    assert_eq!(list.body["value"].as_array().unwrap().len(), 1);

    let moved = e
        .send(
            "PUT",
            &format!("{}?api-version={V_RG}", e.rg_path("MyGroup")),
            Some(json!({"location": "westus"})),
        )
        .await;
    assert_eq!(moved.status, 409);
    assert_eq!(moved.code(), "InvalidResourceGroupLocation");
}

#[tokio::test]
async fn api_version_is_required_and_checked() {
    let e = start(Default::default()).await;
    e.put_rg("rg").await;
    let missing = e.send("GET", &e.rg_path("rg"), None).await;
    assert_eq!(missing.status, 400);
    assert_eq!(missing.code(), "MissingApiVersionParameter");
    let bad = e
        .send(
            "GET",
            &format!("{}?api-version=latest", e.rg_path("rg")),
            None,
        )
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.code(), "InvalidApiVersionParameter");
    let unsupported = e
        .send(
            "PUT",
            &format!("{}/providers/Microsoft.Insights/components/ai?api-version=1999-01-01", e.rg_path("rg")),
            Some(json!({"location": "eastus", "kind": "web", "properties": {"Application_Type": "web"}})),
        )
        .await;
    assert_eq!(unsupported.status, 400);
    assert_eq!(unsupported.code(), "NoRegisteredProviderFound");
    assert!(
        unsupported.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2020-02-02")
    );
}

#[tokio::test]
async fn not_found_bodies_have_arm_codes_and_messages() {
    let e = start(Default::default()).await;
    let r = e
        .send(
            "GET",
            &format!(
                "{}/providers/Contoso.Custom/things/t1?api-version=2024-01-01",
                e.rg_path("ghost")
            ),
            None,
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.code(), "ResourceGroupNotFound");
    assert_eq!(
        r.body["error"]["message"],
        "Resource group 'ghost' could not be found."
    );

    e.put_rg("rg").await;
    let r = e
        .send(
            "GET",
            &format!(
                "{}/providers/Contoso.Custom/things/t1?api-version=2024-01-01",
                e.rg_path("rg")
            ),
            None,
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.code(), "ResourceNotFound");
    assert!(r.body["error"]["message"].as_str().unwrap().starts_with(
        "The Resource 'Contoso.Custom/things/t1' under resource group 'rg' was not found."
    ));

    let child = e
        .send(
            "PUT",
            &format!("{}/providers/Microsoft.ApiManagement/service/nope/loggers/l1?api-version=2024-05-01", e.rg_path("rg")),
            Some(json!({"properties": {"loggerType": "applicationInsights"}})),
        )
        .await;
    assert_eq!(child.status, 404);
    assert_eq!(child.code(), "ParentResourceNotFound");

    let delete_missing = e
        .send(
            "DELETE",
            &format!(
                "{}/providers/Contoso.Custom/things/t1?api-version=2024-01-01",
                e.rg_path("rg")
            ),
            None,
        )
        .await;
    assert_eq!(delete_missing.status, 204);
}

#[tokio::test]
async fn unknown_types_pass_through_and_are_listed() {
    let e = start(Default::default()).await;
    e.put_rg("rg").await;
    let path = format!(
        "{}/providers/Microsoft.KeyVault/vaults/kv1?api-version=2023-07-01",
        e.rg_path("rg")
    );
    let body = json!({"location": "eastus", "properties": {"tenantId": "t", "sku": {"family": "A", "name": "standard"}}});
    let r = e.send("PUT", &path, Some(body)).await;
    assert_eq!(r.status, 201);
    assert_eq!(
        r.body["id"],
        format!("/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1")
    );
    assert_eq!(r.body["name"], "kv1");
    assert_eq!(r.body["type"], "Microsoft.KeyVault/vaults");
    assert_eq!(r.body["properties"]["sku"]["name"], "standard");
    let got = e
        .send(
            "GET",
            &path.to_uppercase().replace("API-VERSION", "api-version"),
            None,
        )
        .await;
    assert_eq!(got.status, 200, "{}", got.body);

    let patched = e
        .send(
            "PATCH",
            &path,
            Some(json!({"tags": {"a": "b"}, "properties": {"sku": {"name": "premium"}}})),
        )
        .await;
    assert_eq!(patched.status, 200);
    assert_eq!(patched.body["properties"]["sku"]["name"], "premium");
    assert_eq!(
        patched.body["properties"]["sku"]["family"], "A",
        "merge patch keeps siblings"
    );
    assert_eq!(patched.body["tags"]["a"], "b");

    let list = e
        .send(
            "GET",
            &format!("{}/resources?api-version={V_RG}", e.rg_path("rg")),
            None,
        )
        .await;
    let items = list.body["value"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["type"], "Microsoft.KeyVault/vaults");

    let by_type = e
        .send(
            "GET",
            &format!(
                "/subscriptions/{SUB}/providers/Microsoft.KeyVault/vaults?api-version=2023-07-01"
            ),
            None,
        )
        .await;
    assert_eq!(by_type.body["value"].as_array().unwrap().len(), 1);

    let del = e.send("DELETE", &path, None).await;
    assert_eq!(del.status, 200);
    assert_eq!(e.send("GET", &path, None).await.status, 404);
}

#[tokio::test]
async fn bad_bodies_and_methods_are_arm_errors() {
    let e = start(Default::default()).await;
    e.put_rg("rg").await;
    let path = format!(
        "{}/providers/Microsoft.KeyVault/vaults/kv1?api-version=2023-07-01",
        e.rg_path("rg")
    );
    let r = e
        .client
        .put(format!("{}{path}", e.base))
        .bearer_auth(&e.token)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "InvalidRequestContent");
    let rg_no_loc = e
        .send(
            "PUT",
            &format!("{}?api-version={V_RG}", e.rg_path("x")),
            Some(json!({})),
        )
        .await;
    assert_eq!(rg_no_loc.code(), "LocationRequired");
    let bad_name = e
        .send(
            "PUT",
            &format!("{}?api-version={V_RG}", e.rg_path("bad.")),
            Some(json!({"location": "eastus"})),
        )
        .await;
    assert_eq!(bad_name.status, 400);
    let m = e
        .send(
            "POST",
            &format!("{}?api-version={V_RG}", e.rg_path("rg")),
            None,
        )
        .await;
    assert_eq!(m.status, 405);
}

#[tokio::test]
async fn requests_without_a_bearer_token_get_401() {
    let e = start(Default::default()).await;
    let r = e
        .client
        .get(format!("{}{}?api-version={V_RG}", e.base, e.rg_path("rg")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert!(
        r.headers()
            .get("www-authenticate")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("Bearer authorization_uri=")
    );
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "AuthenticationFailed");
    let r = e
        .client
        .get(format!("{}{}?api-version={V_RG}", e.base, e.rg_path("rg")))
        .header("authorization", "Basic abc")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    // Any bearer token is accepted by default.
    let r = e
        .client
        .get(format!("{}{}?api-version={V_RG}", e.base, e.rg_path("rg")))
        .bearer_auth("anything")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
}

#[tokio::test]
async fn request_log_and_stats_count_requests() {
    let e = start(Default::default()).await;
    e.put_rg("rg").await;
    e.send(
        "GET",
        &format!("{}?api-version={V_RG}", e.rg_path("rg")),
        None,
    )
    .await;
    e.send(
        "GET",
        &format!("{}?api-version={V_RG}", e.rg_path("rg2")),
        None,
    )
    .await;
    let stats = e.emu.stats();
    assert_eq!(stats.count("PUT"), 1);
    assert_eq!(stats.count("GET"), 2);
    let log = e.emu.request_log();
    assert_eq!(log.len(), 3);
    assert_eq!(log[2].status, 404);
    assert_eq!(log[0].method, "PUT");
    assert!(log[0].path.ends_with("/resourceGroups/rg"));
}

/// Names ARM refuses are refused before anything else: an encoded `/` is not a separator (nor
/// a doubly encoded one), an encoded `?` is not a query, a control character is not part of a
/// name. (`..` segments, raw or encoded, are resolved by HTTP clients before sending; the
/// route parser's unit tests cover them.)
#[tokio::test]
async fn hostile_names_are_refused_as_arm_refuses_them() {
    let e = start(Default::default()).await;
    assert_eq!(e.put_rg("rg").await.status, 201);
    for (path, code) in [
        (e.widget_path("rg", "a%2Fb"), "InvalidResourceName"),
        (e.widget_path("rg", "a%252Fb"), "InvalidResourceName"),
        (e.widget_path("rg", "a%00b"), "InvalidResourceName"),
        (e.widget_path("rg", "a%3Fb"), "InvalidResourceName"),
        (
            format!("{}?api-version={V_RG}", e.rg_path("rg%2F..%2Fvictim")),
            "InvalidResourceGroup",
        ),
    ] {
        let r = e
            .send(
                "PUT",
                &path,
                Some(json!({"location": "eastus", "properties": {}})),
            )
            .await;
        assert_eq!(r.status, 400, "{path}: {:?}", r.body);
        assert_eq!(r.code(), code, "{path}");
    }
}
