//! The ARM client against a scripted HTTPS mock: long-running operations, retries,
//! throttling, pacing, timeouts, cancel, and the request counters.

mod arm_support;

use std::time::Duration;

use arm_support::{Events, MockArm, RG, Reply};
use azlift::arm::{
    ArmClient, ArmError, ArmEvent, DeleteOutcome, OpContext, OperationStatus, ThrottlePolicy,
    Timeouts,
};
use serde_json::json;

const API: &str = "2025-07-01";

fn ws_id() -> String {
    format!("{RG}/providers/Microsoft.OperationalInsights/workspaces/ws1")
}

fn succeeded(name: &str) -> serde_json::Value {
    json!({"id": ws_id(), "name": name, "properties": {"provisioningState": "Succeeded", "customerId": "c-1"}})
}

fn client(mock: &MockArm) -> ArmClient {
    ArmClient::new(mock.config()).unwrap()
}

#[tokio::test]
async fn put_follows_azure_async_operation_then_gets_the_resource() {
    let mock = MockArm::start().await;
    let id = ws_id();
    let op_url = mock.url("/ops/put-1?api-version=x");
    mock.script(
        "PUT",
        &id,
        vec![
            Reply::json(
                201,
                json!({"properties": {"provisioningState": "Creating"}}),
            )
            .header("azure-asyncoperation", &op_url)
            .header("retry-after", "0"),
        ],
    );
    mock.script(
        "GET",
        "/ops/put-1",
        vec![
            Reply::json(200, json!({"status": "InProgress"})).header("retry-after", "0"),
            Reply::json(200, json!({"status": "InProgress"})).header("retry-after", "0"),
            Reply::json(200, json!({"status": "Succeeded"})),
        ],
    );
    mock.script("GET", &id, vec![Reply::json(200, succeeded("ws1"))]);

    let c = client(&mock);
    let events = Events::default();
    let body = c
        .put(&id, API, &json!({"location": "eastus"}), &events.context())
        .await
        .unwrap();

    assert_eq!(body["properties"]["customerId"], "c-1");
    assert_eq!(
        mock.arm_calls(),
        vec![
            format!("PUT {id}"),
            "GET /ops/put-1".to_string(),
            "GET /ops/put-1".to_string(),
            "GET /ops/put-1".to_string(),
            format!("GET {id}"),
        ]
    );
    let put = &mock.requests_to("PUT", &id)[0];
    assert_eq!(put.query, format!("api-version={API}"));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&put.body).unwrap()["location"],
        "eastus"
    );
    let polls = events
        .all()
        .into_iter()
        .filter(|e| matches!(e, ArmEvent::Polling { .. }))
        .count();
    assert_eq!(polls, 3);
    let s = c.stats();
    assert_eq!((s.put, s.get, s.retries, s.delete), (1, 4, 0, 0));
}

#[tokio::test]
async fn put_follows_location_until_200() {
    let mock = MockArm::start().await;
    let id = ws_id();
    mock.script(
        "PUT",
        &id,
        vec![
            Reply::empty(202)
                .header("location", &mock.url("/ops/loc-1"))
                .header("retry-after", "0"),
        ],
    );
    mock.script(
        "GET",
        "/ops/loc-1",
        vec![
            Reply::empty(202).header("retry-after", "0"),
            Reply::empty(202).header("retry-after", "0"),
            Reply::json(200, json!({})),
        ],
    );
    mock.script("GET", &id, vec![Reply::json(200, succeeded("ws1"))]);
    let c = client(&mock);
    let body = c
        .put(&id, API, &json!({}), &OpContext::new())
        .await
        .unwrap();
    assert_eq!(body["name"], "ws1");
    assert_eq!(mock.requests_to("GET", "/ops/loc-1").len(), 3);
}

#[tokio::test]
async fn failed_operation_reports_the_deepest_code_first() {
    let mock = MockArm::start().await;
    let id = ws_id();
    mock.script(
        "PUT",
        &id,
        vec![Reply::json(201, json!({})).header("azure-asyncoperation", &mock.url("/ops/f"))],
    );
    mock.script(
        "GET",
        "/ops/f",
        vec![Reply::json(
            200,
            json!({"status": "Failed", "error": {"code": "ResourceOperationFailure",
                   "message": "The resource operation completed with terminal provisioning state 'Failed'.",
                   "details": [{"code": "WorkspaceNameInUse", "message": "ws1 is in a soft-deleted state"}]}}),
        )],
    );
    let err = client(&mock)
        .put(&id, API, &json!({}), &OpContext::new())
        .await
        .unwrap_err();
    match &err {
        ArmError::OperationFailed { status, code, .. } => {
            assert_eq!(*status, OperationStatus::Failed);
            assert_eq!(code, "ResourceOperationFailure");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.deepest_code(), Some("WorkspaceNameInUse"));
    assert!(
        err.to_string()
            .starts_with("WorkspaceNameInUse: ws1 is in a soft-deleted state")
    );
    // No GET of the resource after a failed operation.
    assert!(mock.requests_to("GET", &id).is_empty());
}

#[tokio::test]
async fn throttled_429_waits_at_least_retry_after() {
    let mock = MockArm::start().await;
    let id = ws_id();
    mock.script(
        "GET",
        &id,
        vec![
            Reply::error(429, "SubscriptionRequestsThrottled", "slow down")
                .header("retry-after", "1"),
            Reply::json(200, succeeded("ws1")),
        ],
    );
    let events = Events::default();
    let c = client(&mock).with_default_context(events.context());
    let got = c.get(&id, API).await.unwrap();
    assert!(got.is_some());
    let reqs = mock.requests_to("GET", &id);
    assert_eq!(reqs.len(), 2);
    let gap = reqs[1].at.duration_since(reqs[0].at);
    assert!(
        gap >= Duration::from_millis(990),
        "retried after only {gap:?}"
    );
    assert!(events
        .all()
        .iter()
        .any(|e| matches!(e, ArmEvent::Throttled { retry_after } if *retry_after == Duration::from_secs(1))));
    let s = c.stats();
    assert_eq!((s.get, s.retries, s.throttled), (2, 1, 1));
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff() {
    let mock = MockArm::start().await;
    let id = ws_id();
    mock.script(
        "GET",
        &id,
        vec![
            Reply::error(503, "ServiceUnavailable", "busy"),
            Reply::error(503, "ServiceUnavailable", "busy"),
            Reply::error(503, "ServiceUnavailable", "busy"),
            Reply::json(200, succeeded("ws1")),
        ],
    );
    let events = Events::default();
    let c = client(&mock).with_default_context(events.context());
    assert!(c.get(&id, API).await.unwrap().is_some());
    let s = c.stats();
    assert_eq!((s.get, s.retries), (4, 3));
    let attempts: Vec<u32> = events
        .all()
        .iter()
        .filter_map(|e| match e {
            ArmEvent::Retrying { attempt, .. } => Some(*attempt),
            _ => None,
        })
        .collect();
    assert_eq!(attempts, vec![1, 2, 3]);
}

#[tokio::test]
async fn server_errors_give_up_after_max_retries_with_the_arm_error() {
    let mock = MockArm::start().await;
    let id = ws_id();
    mock.always("GET", &id, Reply::error(500, "InternalServerError", "boom"));
    let c = client(&mock);
    let err = c.get(&id, API).await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(err.code(), Some("InternalServerError"));
    // max_retries = 4 in the test config.
    assert_eq!(c.stats().get, 5);
}

#[tokio::test]
async fn dropped_connection_is_retried() {
    let mock = MockArm::start().await;
    let id = ws_id();
    mock.script(
        "PUT",
        &id,
        vec![Reply::Drop, Reply::json(200, succeeded("ws1"))],
    );
    mock.script("GET", &id, vec![Reply::json(200, succeeded("ws1"))]);
    let c = client(&mock);
    let body = c
        .put(&id, API, &json!({}), &OpContext::new())
        .await
        .unwrap();
    assert_eq!(body["name"], "ws1");
    let s = c.stats();
    assert_eq!((s.put, s.retries), (2, 1));
}

#[tokio::test]
async fn conflict_with_another_operation_waits_and_retries() {
    let mock = MockArm::start().await;
    let id = ws_id();
    mock.script(
        "PUT",
        &id,
        vec![
            Reply::error(
                409,
                "AnotherOperationInProgress",
                "Another operation is in progress",
            ),
            Reply::error(429, "RetryableErrorDueToAnotherOperation", "retry later"),
            Reply::json(200, succeeded("ws1")),
        ],
    );
    mock.script("GET", &id, vec![Reply::json(200, succeeded("ws1"))]);
    let c = client(&mock);
    c.put(&id, API, &json!({}), &OpContext::new())
        .await
        .unwrap();
    let s = c.stats();
    assert_eq!((s.put, s.retries), (3, 2));
}

#[tokio::test]
async fn not_found_right_after_create_is_retried() {
    let mock = MockArm::start().await;
    let id = ws_id();
    mock.script("PUT", &id, vec![Reply::json(201, succeeded("ws1"))]);
    mock.script(
        "GET",
        &id,
        vec![
            Reply::error(404, "ResourceNotFound", "not yet"),
            Reply::error(404, "ResourceNotFound", "not yet"),
            Reply::json(200, succeeded("ws1")),
        ],
    );
    let c = client(&mock);
    let body = c
        .put(&id, API, &json!({}), &OpContext::new())
        .await
        .unwrap();
    assert_eq!(body["name"], "ws1");
    assert_eq!(c.stats().get, 3);
}

#[tokio::test]
async fn parent_not_found_right_after_parent_create_is_retried_but_bounded() {
    let mock = MockArm::start().await;
    let id = format!("{RG}/providers/Microsoft.ApiManagement/service/apim1/loggers/l1");
    mock.script(
        "PUT",
        &id,
        vec![
            Reply::error(404, "ParentResourceNotFound", "service apim1 not found"),
            Reply::json(200, json!({"name": "l1"})),
        ],
    );
    mock.script("GET", &id, vec![Reply::json(200, json!({"name": "l1"}))]);
    let c = client(&mock);
    c.put(&id, "2024-05-01", &json!({}), &OpContext::new())
        .await
        .unwrap();
    assert_eq!(c.stats().put, 2);

    // A parent that never appears: consistency_retries (3) then the ARM error.
    let other = format!("{RG}/providers/Microsoft.ApiManagement/service/nope/loggers/l1");
    mock.always(
        "PUT",
        &other,
        Reply::error(404, "ParentResourceNotFound", "no parent"),
    );
    let err = c
        .put(&other, "2024-05-01", &json!({}), &OpContext::new())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ParentResourceNotFound"));
    assert_eq!(mock.requests_to("PUT", &other).len(), 4);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let mock = MockArm::start().await;
    let id = ws_id();
    mock.always(
        "PUT",
        &id,
        Reply::json(
            400,
            json!({"error": {"code": "InvalidRequestContent", "message": "bad sku", "target": "sku.name"}}),
        )
        .header("x-ms-request-id", "req-42"),
    );
    let c = client(&mock);
    let err = c
        .put(&id, API, &json!({}), &OpContext::new())
        .await
        .unwrap_err();
    match &err {
        ArmError::Http {
            status,
            code,
            target,
            request_id,
            ..
        } => {
            assert_eq!(*status, 400);
            assert_eq!(code, "InvalidRequestContent");
            assert_eq!(target.as_deref(), Some("sku.name"));
            assert_eq!(request_id.as_deref(), Some("req-42"));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("InvalidRequestContent: bad sku"));
    for (status, code) in [
        (401, "InvalidAuthenticationToken"),
        (403, "AuthorizationFailed"),
        (409, "Conflict"),
    ] {
        let id2 = format!("{id}-{status}");
        mock.always("PUT", &id2, Reply::error(status, code, "no"));
        let e = c
            .put(&id2, API, &json!({}), &OpContext::new())
            .await
            .unwrap_err();
        assert_eq!(e.status(), Some(status));
    }
    let s = c.stats();
    assert_eq!((s.put, s.retries), (4, 0));
}

#[tokio::test]
async fn operation_that_never_ends_times_out_naming_the_resource() {
    let mock = MockArm::start().await;
    let id = ws_id();
    mock.script(
        "PUT",
        &id,
        vec![Reply::json(201, json!({})).header("azure-asyncoperation", &mock.url("/ops/slow"))],
    );
    mock.always(
        "GET",
        "/ops/slow",
        Reply::json(200, json!({"status": "InProgress"})).header("retry-after", "0"),
    );
    let mut config = mock.config();
    config.timeouts = Timeouts::uniform(Duration::from_millis(300));
    config.poll.min_interval = Duration::from_millis(20);
    let c = ArmClient::new(config).unwrap();
    let err = c
        .put(&id, API, &json!({}), &OpContext::new())
        .await
        .unwrap_err();
    match &err {
        ArmError::Timeout {
            resource,
            arm_type,
            elapsed,
            limit,
        } => {
            assert_eq!(resource, &id);
            assert_eq!(arm_type, "Microsoft.OperationalInsights/workspaces");
            assert_eq!(*limit, Duration::from_millis(300));
            assert!(elapsed >= limit);
        }
        other => panic!("{other:?}"),
    }
    assert!(mock.requests_to("GET", "/ops/slow").len() >= 2);
}

#[tokio::test]
async fn cancel_stops_waiting() {
    let mock = MockArm::start().await;
    let id = ws_id();
    mock.script(
        "PUT",
        &id,
        vec![Reply::json(201, json!({})).header("azure-asyncoperation", &mock.url("/ops/c"))],
    );
    mock.always(
        "GET",
        "/ops/c",
        Reply::json(200, json!({"status": "InProgress"})).header("retry-after", "0"),
    );
    let (tx, rx) = tokio::sync::watch::channel(false);
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = sent.clone();
    let ctx = OpContext::new().with_cancel(rx).with_events(move |e| {
        if matches!(e, ArmEvent::Polling { .. })
            && counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 2
        {
            let _ = tx.send(true);
        }
    });
    let err = client(&mock)
        .put(&id, API, &json!({}), &ctx)
        .await
        .unwrap_err();
    assert!(matches!(err, ArmError::Canceled { .. }), "{err:?}");
}

#[tokio::test]
async fn low_rate_limit_budget_paces_requests() {
    let mock = MockArm::start().await;
    let id = ws_id();
    mock.always(
        "GET",
        &id,
        Reply::json(200, succeeded("ws1"))
            .header("x-ms-ratelimit-remaining-subscription-reads", "5"),
    );
    let mut config = mock.config();
    // reads: low water 10; at 5 remaining the spacing is 1.25 / 20 * (10 / 5) = 125 ms.
    config.throttle = ThrottlePolicy {
        reads: azlift::arm::Bucket {
            capacity: 100,
            refill_per_sec: 20.0,
        },
        ..ThrottlePolicy::default()
    };
    let events = Events::default();
    let c = ArmClient::new(config)
        .unwrap()
        .with_default_context(events.context());
    c.get(&id, API).await.unwrap();
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let c = c.clone();
            let id = id.clone();
            tokio::spawn(async move { c.get(&id, API).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let mut at: Vec<_> = mock.requests_to("GET", &id).iter().map(|r| r.at).collect();
    at.sort();
    assert_eq!(at.len(), 5);
    // The four concurrent GETs went out one pacing interval apart.
    for pair in at[1..].windows(2) {
        let gap = pair[1].duration_since(pair[0]);
        assert!(gap >= Duration::from_millis(100), "gap {gap:?}");
    }
    assert!(c.stats().paced >= 3);
    assert!(
        events
            .all()
            .iter()
            .any(|e| matches!(e, ArmEvent::SlowingDown { remaining: 5 }))
    );
}

#[tokio::test]
async fn delete_follows_location_and_knows_missing_resources() {
    let mock = MockArm::start().await;
    let id = ws_id();
    mock.script(
        "DELETE",
        &id,
        vec![
            Reply::empty(202)
                .header("location", &mock.url("/ops/del"))
                .header("retry-after", "0"),
        ],
    );
    mock.script(
        "GET",
        "/ops/del",
        vec![
            Reply::empty(202).header("retry-after", "0"),
            Reply::empty(204),
        ],
    );
    let c = client(&mock);
    assert_eq!(
        c.delete(&id, API, &OpContext::new()).await.unwrap(),
        DeleteOutcome::Deleted
    );
    mock.script("DELETE", &id, vec![Reply::empty(204)]);
    assert_eq!(
        c.delete(&id, API, &OpContext::new()).await.unwrap(),
        DeleteOutcome::AlreadyGone
    );
    mock.script(
        "DELETE",
        &id,
        vec![Reply::error(404, "ResourceNotFound", "gone")],
    );
    assert_eq!(
        c.delete(&id, API, &OpContext::new()).await.unwrap(),
        DeleteOutcome::AlreadyGone
    );
    // Extra query parameters in the id are kept.
    mock.script("DELETE", &id, vec![Reply::empty(200)]);
    c.delete(&format!("{id}?force=true"), API, &OpContext::new())
        .await
        .unwrap();
    let last = mock.requests_to("DELETE", &id).pop().unwrap();
    assert!(
        last.query.contains("force=true") && last.query.contains(&format!("api-version={API}"))
    );
    assert_eq!(c.stats().delete, 4);
}

#[tokio::test]
async fn delete_via_async_operation() {
    let mock = MockArm::start().await;
    let id = RG.to_string();
    mock.script(
        "DELETE",
        &id,
        vec![
            Reply::empty(202)
                .header("azure-asyncoperation", &mock.url("/ops/rgdel"))
                .header("retry-after", "0"),
        ],
    );
    mock.script(
        "GET",
        "/ops/rgdel",
        vec![
            Reply::json(200, json!({"status": "Deleting"})),
            Reply::json(200, json!({"status": "Succeeded"})),
        ],
    );
    let c = client(&mock);
    assert_eq!(
        c.delete(&id, "2025-04-01", &OpContext::new())
            .await
            .unwrap(),
        DeleteOutcome::Deleted
    );
}

#[tokio::test]
async fn get_post_head_and_wait_until_settled() {
    let mock = MockArm::start().await;
    let id = ws_id();
    let c = client(&mock);
    // Unscripted: 404.
    assert!(c.get(&id, API).await.unwrap().is_none());

    mock.script(
        "POST",
        &format!("{id}/sharedKeys"),
        vec![Reply::json(200, json!({"primarySharedKey": "k1"}))],
    );
    let keys = c
        .post(&format!("{id}/sharedKeys"), API, None)
        .await
        .unwrap();
    assert_eq!(keys["primarySharedKey"], "k1");

    mock.script("HEAD", RG, vec![Reply::empty(204)]);
    assert!(c.head_resource_group(RG, "2025-04-01").await.unwrap());
    assert!(!c.head_resource_group(RG, "2025-04-01").await.unwrap());

    mock.script(
        "GET",
        &id,
        vec![
            Reply::json(
                200,
                json!({"properties": {"provisioningState": "Creating"}}),
            )
            .header("retry-after", "0"),
            Reply::json(
                200,
                json!({"properties": {"provisioningState": "Updating"}}),
            )
            .header("retry-after", "0"),
            Reply::json(200, succeeded("ws1")),
        ],
    );
    let events = Events::default();
    let settled = c
        .wait_until_settled(&id, API, &events.context())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(settled["properties"]["provisioningState"], "Succeeded");
    let statuses: Vec<String> = events
        .all()
        .into_iter()
        .filter_map(|e| match e {
            ArmEvent::Polling { status, .. } => Some(status),
            _ => None,
        })
        .collect();
    assert_eq!(statuses, vec!["Creating", "Updating"]);
    assert!(
        c.wait_until_settled(&id, API, &OpContext::new())
            .await
            .unwrap()
            .is_none()
    );

    let s = c.stats();
    assert_eq!((s.get, s.post, s.head, s.writes()), (5, 1, 2, 1));
}

#[tokio::test]
async fn polling_urls_on_other_hosts_never_get_the_token() {
    let mock = MockArm::start().await;
    let id = ws_id();
    mock.script(
        "PUT",
        &id,
        vec![
            Reply::json(201, json!({}))
                .header("azure-asyncoperation", "https://attacker.example/ops/1"),
        ],
    );
    let err = client(&mock)
        .put(&id, API, &json!({}), &OpContext::new())
        .await
        .unwrap_err();
    assert!(matches!(err, ArmError::InvalidResponse { .. }), "{err:?}");
}

#[tokio::test]
async fn plain_http_endpoint_is_refused() {
    let mut config = azlift::arm::ArmConfig::default();
    config.endpoint = azure_core::http::Url::parse("http://127.0.0.1:1").unwrap();
    let err = ArmClient::new(config).unwrap_err();
    assert!(matches!(err, ArmError::Config(_)));
}

#[tokio::test]
async fn operations_can_be_spawned_on_the_multi_threaded_runtime() {
    // The engine runs operations with tokio::spawn: their futures must be Send.
    fn send<T: Send>(_: T) {}
    let mock = MockArm::start().await;
    let c = client(&mock);
    let ctx = OpContext::new();
    let body = json!({});
    let id = ws_id();
    send(c.get(&id, API));
    send(c.put(&id, API, &body, &ctx));
    send(c.patch(&id, API, &body, &ctx));
    send(c.delete(&id, API, &ctx));
    send(c.post(&id, API, None));
    send(c.head_resource_group(RG, API));
    send(c.wait_until_settled(&id, API, &ctx));
    let handle = tokio::spawn(async move { c.get(&ws_id(), API).await });
    assert!(handle.await.unwrap().unwrap().is_none());
}
