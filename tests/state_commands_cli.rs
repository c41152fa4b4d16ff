//! The recovery commands through the binary, on the local backend (issue 6): `state history`,
//! `state pull`/`push`, `state force-unlock`, `state migrate` without a remote backend, and
//! the errors of `--state-url`, `AZLIFT_STATE_SAS` and `--lock-timeout`.

use std::collections::BTreeMap;
use std::path::Path;

use assert_cmd::Command;
use azlift::resource::ResourceAddress;
use azlift::state::{LocalBackend, LockInfo, StateBackend, StateDocument, StateEntry};
use predicates::prelude::*;

fn entry(address: &str) -> StateEntry {
    StateEntry {
        address: ResourceAddress::new(address),
        id: format!(
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.App/containerApps/{address}"
        ),
        arm_type: "Microsoft.App/containerApps".into(),
        api_version: "2026-07-01".into(),
        applied_hash: "ab".repeat(32),
        write_only_hashes: BTreeMap::new(),
        outputs: BTreeMap::new(),
        depends_on: Default::default(),
        managed: true,
        last_duration_secs: None,
        updated_at: time::macros::datetime!(2026-11-25 12:00:00 UTC),
    }
}

/// A folder without a manifest whose default state was written twice (two locks, so
/// `state.backup.json` holds serial 1).
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let b = LocalBackend::for_manifest(&dir.path().join("azlift.toml"), "default").unwrap();
        let mut doc = StateDocument::new("default");
        for a in ["app.a", "app.b"] {
            let lock = b.lock(&LockInfo::current("test")).await.unwrap();
            doc.resources.insert(ResourceAddress::new(a), entry(a));
            b.write(&mut doc, &lock).await.unwrap();
            b.unlock(lock).await.unwrap();
        }
    });
    dir
}

fn azlift(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("azlift").unwrap();
    c.current_dir(dir)
        .env_remove("AZLIFT_ENV")
        .env_remove("AZLIFT_STATE_URL")
        .env_remove("AZLIFT_STATE_SAS")
        .env("NO_COLOR", "1");
    c
}

#[test]
fn history_lists_current_and_backup_as_json() {
    let dir = project();
    let out = azlift(dir.path())
        .args(["state", "history", "--output", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows: Vec<(String, u64, bool)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["serial"].as_u64().unwrap(),
                r["current"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![("current".into(), 2, true), ("backup".into(), 1, false)]
    );
}

#[test]
fn pull_then_push_refuses_the_same_serial_and_force_stores_it() {
    let dir = project();
    let file = dir.path().join("old.json");
    azlift(dir.path())
        .args(["state", "pull", "--version", "backup", "--out"])
        .arg(&file)
        .assert()
        .success()
        .stderr(predicate::str::contains("Wrote serial 1 (1 resource(s))"));
    azlift(dir.path())
        .args(["state", "push"])
        .arg(&file)
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "refusing to push serial 1 over the stored serial 2",
        ));
    azlift(dir.path())
        .args(["state", "push", "--force"])
        .arg(&file)
        .assert()
        .success()
        .stderr(predicate::str::contains("stored serial 3"));
    azlift(dir.path())
        .args(["state", "list"])
        .assert()
        .success()
        .stdout("app.a\n");
}

#[test]
fn restore_makes_the_backup_current() {
    let dir = project();
    azlift(dir.path())
        .args(["state", "pull", "--version", "backup", "--restore"])
        .assert()
        .success()
        .stderr(predicate::str::contains("Restored version backup"));
    azlift(dir.path())
        .args(["state", "list"])
        .assert()
        .success()
        .stdout("app.a\n");
}

#[test]
fn force_unlock_of_a_free_lock_does_nothing() {
    let dir = project();
    azlift(dir.path())
        .args(["state", "force-unlock"])
        .assert()
        .success()
        .stderr(predicate::str::contains("is not locked; nothing to do"));
}

#[test]
fn migrate_without_a_remote_backend_says_how_to_configure_one() {
    let dir = project();
    azlift(dir.path())
        .args(["state", "migrate", "--to", "azblob"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("[state] backend = \"azblob\""));
}

#[test]
fn a_sas_in_the_state_url_is_refused_without_echoing_it() {
    let dir = project();
    let out = azlift(dir.path())
        .args([
            "--state-url",
            "https://acct.blob.core.windows.net/states/a.json?sv=1&sig=TOPSECRET",
            "state",
            "list",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("AZLIFT_STATE_SAS"), "{err}");
    assert!(!err.contains("TOPSECRET"), "{err}");
}

#[test]
fn an_http_state_url_without_a_sas_is_refused_and_a_bad_sas_is_named() {
    let dir = project();
    let url = "http://127.0.0.1:9/devstoreaccount1/states/a.json";
    azlift(dir.path())
        .args(["--state-url", url, "state", "list"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("not https"));
    azlift(dir.path())
        .env("AZLIFT_STATE_SAS", "sv=2022&sp=rw")
        .args(["--state-url", url, "state", "list"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no `sig=`"));
}

#[test]
fn lock_timeout_must_be_a_duration() {
    let dir = project();
    azlift(dir.path())
        .args(["--lock-timeout", "soon", "state", "list"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("is not a duration"));
}
