//! Persistence: the whole cloud (resources, soft-deleted items, running operations with
//! their deadlines) survives a restart from the same state file.

mod common;

use std::time::Duration;

use azlift_emulator::{EmulatorConfig, Profile};
use common::*;
use serde_json::json;

#[tokio::test]
async fn the_cloud_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("cloud.json");
    let config = || EmulatorConfig {
        state_file: Some(state.clone()),
        profile: Profile::Scaled(0.01), // widget: 0.6 s create
        ..EmulatorConfig::default()
    };

    let e = start(config()).await;
    e.put_rg("rg").await;
    let kv = format!(
        "{}/providers/Microsoft.KeyVault/vaults/kv?api-version=2023-07-01",
        e.rg_path("rg")
    );
    e.send(
        "PUT",
        &kv,
        Some(json!({"location": "eastus", "properties": {"x": 1}})),
    )
    .await;
    let w = e.widget_path("rg", "w");
    let created = e.send("PUT", &w, Some(json!({"location": "eastus"}))).await;
    let op = created.header("azure-asyncoperation").unwrap();
    let path_of = |url: &str| {
        url.split_once("://")
            .unwrap()
            .1
            .split_once('/')
            .map(|(_, p)| format!("/{p}"))
            .unwrap()
    };
    let op_path = path_of(&op);
    e.emu.shutdown().await;
    assert!(state.exists());

    let e = start(config()).await;
    assert_eq!(e.send("GET", &kv, None).await.body["properties"]["x"], 1);
    let s = e.send("GET", &op_path, None).await;
    assert_eq!(s.status, 200, "the pending operation survived");
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        e.send("GET", &op_path, None).await.body["status"],
        "Succeeded"
    );
    assert_eq!(
        e.send("GET", &w, None).await.body["properties"]["provisioningState"],
        "Succeeded"
    );

    // A token issued before a restart is still accepted in strict mode (the key persists).
    let token = e
        .emu
        .issue_token("t", "c", "https://management.azure.com/.default");
    e.emu.shutdown().await;
    let e = start(EmulatorConfig {
        strict_auth: true,
        ..config()
    })
    .await;
    let r = e
        .client
        .get(format!("{}{kv}", e.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}
