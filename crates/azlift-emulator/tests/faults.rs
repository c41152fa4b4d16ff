//! Fault injection: 429/500/503, dropped connections (before and after the work), injected
//! 409s, n-th request selection, delayed visibility, the token-bucket throttle, runtime
//! changes through the handle and the admin API.

mod common;

use std::time::Duration;

use azlift_emulator::{EmulatorConfig, FaultSpec};
use common::*;
use serde_json::json;

fn rg_get(e: &Emu, rg: &str) -> String {
    format!("{}?api-version={V_RG}", e.rg_path(rg))
}

#[tokio::test]
async fn status_faults_carry_arm_bodies_and_retry_after() {
    let e = start(Default::default()).await;
    e.put_rg("rg").await;
    let f = e.emu.faults();

    f.set_str("429:1,retry-after:3").unwrap();
    let r = e.send("GET", &rg_get(&e, "rg"), None).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after").as_deref(), Some("3"));

    f.set_str("500:1").unwrap();
    let r = e.send("GET", &rg_get(&e, "rg"), None).await;
    assert_eq!((r.status, r.code()), (500, "InternalServerError"));

    f.set_str("503:1@PUT").unwrap();
    assert_eq!(
        e.send("GET", &rg_get(&e, "rg"), None).await.status,
        200,
        "filtered by method"
    );
    let r = e
        .send(
            "PUT",
            &rg_get(&e, "rg"),
            Some(json!({"location": "eastus"})),
        )
        .await;
    assert_eq!(r.status, 503);
    assert!(r.header("retry-after").is_some());

    f.set_str("409:1").unwrap();
    assert_eq!(
        e.send("GET", &rg_get(&e, "rg"), None).await.status,
        200,
        "409s spare reads"
    );
    let r = e
        .send(
            "PUT",
            &rg_get(&e, "rg"),
            Some(json!({"location": "eastus"})),
        )
        .await;
    assert_eq!((r.status, r.code()), (409, "AnotherOperationInProgress"));

    f.clear();
    assert_eq!(e.send("GET", &rg_get(&e, "rg"), None).await.status, 200);
}

#[tokio::test]
async fn dropped_connections_are_closed_without_a_response() {
    let e = start(Default::default()).await;
    e.emu.faults().set_str("drop:1@PUT").unwrap();
    let r = e
        .try_send(
            "PUT",
            &rg_get(&e, "rg"),
            Some(json!({"location": "eastus"})),
        )
        .await;
    assert!(r.is_err(), "expected a connection error");
    e.emu.faults().clear();
    assert_eq!(
        e.send("GET", &rg_get(&e, "rg"), None).await.status,
        404,
        "drop happens before the work"
    );

    e.emu.faults().set_str("drop-after:1@PUT").unwrap();
    let r = e
        .try_send(
            "PUT",
            &rg_get(&e, "rg"),
            Some(json!({"location": "eastus"})),
        )
        .await;
    assert!(r.is_err());
    e.emu.faults().clear();
    assert_eq!(
        e.send("GET", &rg_get(&e, "rg"), None).await.status,
        200,
        "drop-after did the work"
    );
    assert!(e.emu.request_log().iter().any(|l| l.status == 0));
}

#[tokio::test]
async fn nth_request_and_seeded_rates_are_reproducible() {
    let e = start(Default::default()).await;
    e.put_rg("rg").await;
    e.emu.faults().set_str("nth:3=503@GET").unwrap();
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(e.send("GET", &rg_get(&e, "rg"), None).await.status);
    }
    assert_eq!(statuses, vec![200, 200, 503, 200, 200]);

    let run = || async {
        e.emu.faults().set_str("500:0.5,seed:9").unwrap();
        let mut s = Vec::new();
        for _ in 0..20 {
            s.push(e.send("GET", &rg_get(&e, "rg"), None).await.status);
        }
        s
    };
    let a = run().await;
    let b = run().await;
    assert_eq!(a, b);
    assert!(a.contains(&500) && a.contains(&200));
}

#[tokio::test]
async fn delayed_visibility_hides_new_resources_for_a_while() {
    let e = manual().await;
    // (a synchronous create "takes" its realistic second on the manual clock)
    e.emu.faults().set_str("visibility:5s").unwrap();
    let created = e
        .send(
            "PUT",
            &rg_get(&e, "rg"),
            Some(json!({"location": "eastus"})),
        )
        .await;
    assert_eq!(created.status, 201);
    let r = e.send("GET", &rg_get(&e, "rg"), None).await;
    assert_eq!(r.code(), "ResourceGroupNotFound");
    e.advance(Duration::from_secs(4));
    assert_eq!(e.send("GET", &rg_get(&e, "rg"), None).await.status, 200);
}

#[tokio::test]
async fn token_bucket_throttles_with_remaining_headers() {
    let e = manual().await;
    e.emu.faults().set_str("throttle-reads:3/1").unwrap();
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let r = e.send("GET", &rg_get(&e, "x"), None).await;
        remaining.push(
            r.header("x-ms-ratelimit-remaining-subscription-reads")
                .unwrap(),
        );
    }
    assert_eq!(remaining, vec!["2", "1", "0"]);
    let r = e.send("GET", &rg_get(&e, "x"), None).await;
    assert_eq!((r.status, r.code()), (429, "SubscriptionRequestsThrottled"));
    assert_eq!(r.header("retry-after").as_deref(), Some("1"));
    // Writes have their own bucket (ARM default 200/10).
    let w = e
        .send("PUT", &rg_get(&e, "x"), Some(json!({"location": "eastus"})))
        .await;
    assert_eq!(
        w.header("x-ms-ratelimit-remaining-subscription-writes")
            .as_deref(),
        Some("199")
    );
    e.advance(Duration::from_secs(1));
    assert_eq!(e.send("GET", &rg_get(&e, "x"), None).await.status, 200);
}

#[tokio::test]
async fn faults_from_config_and_admin_api() {
    let e = start(EmulatorConfig {
        faults: "429:1@DELETE".parse::<FaultSpec>().unwrap(),
        ..Default::default()
    })
    .await;
    let admin = format!("{}/_emulator/faults", e.base);
    let got: serde_json::Value = e
        .client
        .get(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["spec"], "429:1@DELETE");
    let set = e.client.put(&admin).body("500:1@GET").send().await.unwrap();
    assert_eq!(set.status().as_u16(), 200);
    assert_eq!(e.send("GET", &rg_get(&e, "rg"), None).await.status, 500);
    let bad = e
        .client
        .put(&admin)
        .body("nonsense:1")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
    e.client.delete(&admin).send().await.unwrap();
    assert_eq!(e.send("GET", &rg_get(&e, "rg"), None).await.status, 404);
}
