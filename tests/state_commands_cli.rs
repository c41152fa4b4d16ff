//! The recovery commands through the binary, on the local backend (issue 6): `state history`,
//! `state pull`/`push`, `state force-unlock`, `state migrate` without a remote backend, and
//! the errors of `--state-url`, `AZLIFT_STATE_SAS` and `--lock-timeout`.

mod state_support;

use predicates::prelude::*;
use state_support::{assert_lists, azlift, block_on, local_backend, store};

/// A folder without a manifest whose default state was written twice (two locks, so
/// `state.backup.json` holds serial 1).
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let b = local_backend(dir.path(), "default");
    block_on(async {
        store(&b, "default", &["app.a"]).await;
        store(&b, "default", &["app.b"]).await;
    });
    dir
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
    assert_lists(dir.path(), "app.a\n");
}

#[test]
fn restore_makes_the_backup_current() {
    let dir = project();
    azlift(dir.path())
        .args(["state", "pull", "--version", "backup", "--restore"])
        .assert()
        .success()
        .stderr(predicate::str::contains("Restored version backup"));
    assert_lists(dir.path(), "app.a\n");
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
