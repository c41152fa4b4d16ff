//! Shared set-up of the state tests (`state_backend`, `state_recovery`, `state_cli`,
//! `state_commands_cli`): state entries, a local backend in a temporary project, documents
//! stored through normal locked writes, and the `azlift` binary run in that project.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use assert_cmd::Command;
use azlift::plan::canonical_hash;
use azlift::resource::ResourceAddress;
use azlift::state::{LocalBackend, LockInfo, StateBackend, StateDocument, StateEntry};
use serde_json::{Value, json};

/// The resource group every fixture resource lives in.
pub const SUB: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-blog";

/// A managed resource of `arm_type` named `name` in [`SUB`], with `outputs`.
pub fn entry_of(
    address: &str,
    arm_type: &str,
    name: &str,
    outputs: BTreeMap<String, Value>,
) -> StateEntry {
    StateEntry {
        address: ResourceAddress::new(address),
        id: format!("{SUB}/providers/{arm_type}/{name}"),
        arm_type: arm_type.into(),
        api_version: "2026-07-01".into(),
        applied_hash: "ab".repeat(32),
        write_only_hashes: BTreeMap::new(),
        outputs,
        depends_on: BTreeSet::new(),
        managed: true,
        sku: None,
        failed: false,
        last_duration_secs: Some(31.0),
        updated_at: time::macros::datetime!(2026-11-25 12:00:00 UTC),
    }
}

/// A container app named after `address`, with an `fqdn` output, the hash of a write-only
/// secret (`s3cret-value`, never the value) and a dependency on `environment`.
pub fn entry(address: &str) -> StateEntry {
    let mut e = entry_of(
        address,
        "Microsoft.App/containerApps",
        address,
        BTreeMap::from([("fqdn".to_string(), json!(format!("{address}.example.io")))]),
    );
    e.applied_hash = canonical_hash(&json!({"a": 1}));
    e.write_only_hashes = BTreeMap::from([(
        "/properties/configuration/secrets/0/value".to_string(),
        canonical_hash(&json!("s3cret-value")),
    )]);
    e.depends_on = BTreeSet::from([ResourceAddress::new("environment")]);
    e
}

/// The local backend of `environment` for a manifest in `dir`: `.azlift/<project>/<env>`
/// (the project is `project` when there is no manifest, as for the state commands).
pub fn local_backend(dir: &Path, environment: &str) -> LocalBackend {
    let state = azlift::ops::local_state_path(&dir.join("azlift.toml"), environment).unwrap();
    LocalBackend::new(state.parent().unwrap())
}

/// Who the tests say holds a lock.
pub fn who() -> LockInfo {
    LockInfo::current("azlift test")
}

/// Store [`entry`] of each of `addresses` in `b` (whose state belongs to `environment`)
/// under one lock, one normal write per address; returns the document as written.
pub async fn store(b: &LocalBackend, environment: &str, addresses: &[&str]) -> StateDocument {
    let lock = b.lock(&who()).await.unwrap();
    let mut doc = b
        .read()
        .await
        .unwrap()
        .unwrap_or_else(|| StateDocument::new(environment));
    for a in addresses {
        doc.resources.insert(ResourceAddress::new(*a), entry(a));
        b.write(&mut doc, &lock).await.unwrap();
    }
    b.unlock(lock).await.unwrap();
    doc
}

/// Run a future on a fresh current-thread runtime (for synchronous tests).
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// The `azlift` binary run in `dir`, with no environment, state URL or SAS from the
/// calling shell and no colour.
pub fn azlift(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("azlift").unwrap();
    c.current_dir(dir)
        .env_remove("AZLIFT_ENV")
        .env_remove("AZLIFT_STATE_URL")
        .env_remove("AZLIFT_STATE_SAS")
        .env("NO_COLOR", "1");
    c
}

/// Assert that `azlift state list` in `dir` succeeds and prints `expected`.
#[track_caller]
pub fn assert_lists(dir: &Path, expected: &str) {
    azlift(dir)
        .args(["state", "list"])
        .assert()
        .success()
        .stdout(expected.to_string());
}

/// The default environment's local state file in `dir`, as JSON.
pub fn state_json(dir: &Path) -> Value {
    let path = azlift::ops::local_state_path(&dir.join("azlift.toml"), "default").unwrap();
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}
