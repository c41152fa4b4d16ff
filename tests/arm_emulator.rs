//! The ARM client against the real emulator: its token endpoint with strict auth, real
//! long-running operations, and injected faults (429, 5xx, dropped connections, 409
//! conflicts, delayed visibility) that every operation must survive without duplicates.

use std::str::FromStr;
use std::time::Duration;

use azlift::arm::{ArmClient, ArmConfig, DeleteOutcome, OpContext, PollPolicy, RetryPolicy};
use azlift::emulator::{EmulatorConfig, FaultSpec, Profile, RunningEmulator};
use azure_core::http::Url;
use serde_json::json;

const SUB: &str = "/subscriptions/00000000-0000-0000-0000-000000000000";
const RG_API: &str = "2025-04-01";
const WS_API: &str = "2025-07-01";

async fn emulator(faults: &str) -> RunningEmulator {
    azlift::emulator::start(EmulatorConfig {
        strict_auth: true,
        profile: Profile::Scaled(0.002),
        faults: FaultSpec::from_str(faults).unwrap(),
        ..EmulatorConfig::default()
    })
    .await
    .unwrap()
}

fn client(emu: &RunningEmulator) -> ArmClient {
    let mut config = ArmConfig::local(
        Url::parse(&emu.https_url()).unwrap(),
        emu.ca_certificate_pem(),
    );
    config.retry = RetryPolicy {
        max_retries: 12,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(100),
        max_retry_after: Duration::from_secs(2),
        consistency_retries: 8,
    };
    config.poll = PollPolicy {
        default_interval: Duration::from_millis(20),
        min_interval: Duration::from_millis(5),
        max_interval: Duration::from_millis(200),
    };
    ArmClient::new(config).unwrap()
}

fn rg(name: &str) -> String {
    format!("{SUB}/resourceGroups/{name}")
}

fn ws(group: &str, name: &str) -> String {
    format!(
        "{}/providers/Microsoft.OperationalInsights/workspaces/{name}",
        rg(group)
    )
}

fn ws_body() -> serde_json::Value {
    json!({"location": "eastus", "properties": {"sku": {"name": "PerGB2018"}, "retentionInDays": 30}})
}

#[tokio::test]
async fn lifecycle_against_the_emulator_with_strict_auth() {
    let emu = emulator("").await;
    let c = client(&emu);
    let ctx = OpContext::new();
    c.put(&rg("rg-life"), RG_API, &json!({"location": "eastus"}), &ctx)
        .await
        .unwrap();
    assert!(c.head_resource_group(&rg("rg-life"), RG_API).await.unwrap());
    let id = ws("rg-life", "ws-life");
    let body = c.put(&id, WS_API, &ws_body(), &ctx).await.unwrap();
    assert_eq!(body["properties"]["provisioningState"], "Succeeded");
    assert!(body["properties"]["customerId"].is_string());
    let keys = c
        .post(&format!("{id}/sharedKeys"), WS_API, None)
        .await
        .unwrap();
    assert!(keys["primarySharedKey"].is_string());
    assert_eq!(
        c.get(&id, WS_API).await.unwrap().unwrap()["properties"]["customerId"],
        body["properties"]["customerId"]
    );
    assert_eq!(
        c.delete(&format!("{id}?force=true"), WS_API, &ctx)
            .await
            .unwrap(),
        DeleteOutcome::Deleted
    );
    assert_eq!(
        c.delete(&id, WS_API, &ctx).await.unwrap(),
        DeleteOutcome::AlreadyGone
    );
    assert!(c.get(&id, WS_API).await.unwrap().is_none());
    assert_eq!(
        c.delete(&rg("rg-life"), RG_API, &ctx).await.unwrap(),
        DeleteOutcome::Deleted
    );
    let s = c.stats();
    assert_eq!((s.put, s.post, s.retries), (2, 1, 0));
    emu.shutdown().await;
}

#[tokio::test]
async fn every_operation_survives_injected_faults_without_duplicates() {
    let emu = emulator(
        "seed:11,retry-after:0,429:0.15,503:0.1,500:0.05,drop:0.1,drop-after:0.05,409:0.1,visibility:30ms",
    )
    .await;
    let c = client(&emu);
    let ctx = OpContext::new();
    c.put(
        &rg("rg-faults"),
        RG_API,
        &json!({"location": "eastus"}),
        &ctx,
    )
    .await
    .unwrap();
    let ids: Vec<String> = (0..6)
        .map(|i| ws("rg-faults", &format!("ws-{i}")))
        .collect();
    let creates: Vec<_> = ids
        .iter()
        .map(|id| {
            let c = c.clone();
            let id = id.clone();
            tokio::spawn(async move { c.put(&id, WS_API, &ws_body(), &OpContext::new()).await })
        })
        .collect();
    for t in creates {
        let body = t.await.unwrap().unwrap();
        assert_eq!(body["properties"]["provisioningState"], "Succeeded");
    }
    for id in &ids {
        assert!(c.get(id, WS_API).await.unwrap().is_some(), "{id}");
    }
    // One resource group and six workspaces: retried PUTs created nothing twice.
    assert_eq!(emu.resource_count(), 7);
    let deletes: Vec<_> = ids
        .iter()
        .map(|id| {
            let c = c.clone();
            let id = format!("{id}?force=true");
            tokio::spawn(async move { c.delete(&id, WS_API, &OpContext::new()).await })
        })
        .collect();
    for t in deletes {
        // A delete whose first answer was lost after the work was done finds nothing left.
        t.await.unwrap().unwrap();
    }
    for id in &ids {
        assert!(c.get(id, WS_API).await.unwrap().is_none(), "{id}");
    }
    assert!(c.stats().retries > 0, "{:?}", c.stats());
    emu.shutdown().await;
}
