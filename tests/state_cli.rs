//! `azlift state list|show|rm|import` and `azlift output` against a state file on disk,
//! including a run that finds the state locked by another process.

mod state_support;

use std::collections::BTreeMap;
use std::sync::Arc;

use azlift::events::Redactor;
use azlift::state::{LockInfo, StateBackend, StateSession};
use predicates::prelude::*;
use serde_json::json;
use state_support::{SUB, assert_lists, azlift, block_on, entry_of, local_backend, state_json};

/// A project folder with a state holding an app, a workspace and App Insights.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    block_on(async {
        let backend = local_backend(dir.path(), "default");
        let s = StateSession::open(
            Arc::new(backend),
            &LockInfo::current("test"),
            "default",
            Arc::new(Redactor::new()),
        )
        .await
        .unwrap();
        s.record(entry_of(
            "app.task-api",
            "Microsoft.App/containerApps",
            "task-api",
            BTreeMap::from([(
                "fqdn".to_string(),
                json!("task-api.nicesky-1234.eastus.azurecontainerapps.io"),
            )]),
        ))
        .await
        .unwrap();
        s.record(entry_of(
            "monitoring.workspace",
            "Microsoft.OperationalInsights/workspaces",
            "blog-logs",
            BTreeMap::from([(
                "customer_id".to_string(),
                json!("9f1c0000-0000-4000-8000-000000000001"),
            )]),
        ))
        .await
        .unwrap();
        s.record(entry_of(
            "monitoring.app_insights",
            "Microsoft.Insights/components",
            "blog-ai",
            BTreeMap::new(),
        ))
        .await
        .unwrap();
        s.close().await.unwrap();
    });
    dir
}

#[test]
fn list_and_show() {
    let dir = project();
    assert_lists(
        dir.path(),
        "app.task-api\nmonitoring.app_insights\nmonitoring.workspace\n",
    );
    azlift(dir.path())
        .args(["state", "show", "app.task-api"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "type          = Microsoft.App/containerApps",
        ))
        .stdout(predicate::str::contains(
            "fqdn = \"task-api.nicesky-1234.eastus.azurecontainerapps.io\"",
        ));
    let out = azlift(dir.path())
        .args(["--output", "json", "state", "show", "app.task-api"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["id"],
        format!("{SUB}/providers/Microsoft.App/containerApps/task-api")
    );
    azlift(dir.path())
        .args(["state", "show", "app.task-apj"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("app.task-apj is not in state"))
        .stderr(predicate::str::contains("did you mean `app.task-api`?"));
}

#[test]
fn an_empty_or_missing_state_lists_nothing() {
    let dir = tempfile::tempdir().unwrap();
    assert_lists(dir.path(), "");
    azlift(dir.path())
        .arg("output")
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "no state for environment `default`",
        ));
}

#[test]
fn rm_forgets_and_bumps_the_serial() {
    let dir = project();
    let before = state_json(dir.path());
    azlift(dir.path())
        .args(["state", "rm", "app.task-api"])
        .assert()
        .success()
        .stderr(predicate::str::contains("The resource itself still exists"));
    let after = state_json(dir.path());
    assert_eq!(after["serial"], before["serial"].as_u64().unwrap() + 1);
    assert_eq!(after["lineage"], before["lineage"]);
    assert!(after["resources"].get("app.task-api").is_none());
    azlift(dir.path())
        .args(["state", "rm", "app.nope"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("app.nope is not in state"));
}

/// `state import` reads Azure (tests/lifecycle_edges.rs runs it against the emulator); a
/// malformed id is refused before anything is opened.
#[test]
fn import_refuses_a_malformed_id_before_connecting() {
    let dir = project();
    azlift(dir.path())
        .args(["state", "import", "x.y", "/not/an/id"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("is not an ARM resource id"));
    assert_lists(
        dir.path(),
        "app.task-api\nmonitoring.app_insights\nmonitoring.workspace\n",
    );
}

#[test]
fn outputs_come_from_state_and_secrets_stay_masked() {
    let dir = project();
    azlift(dir.path())
        .arg("output")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "app.task-api.fqdn = \"task-api.nicesky-1234.eastus.azurecontainerapps.io\"",
        ))
        .stdout(predicate::str::contains(
            "monitoring.workspace.customer_id = \"9f1c0000-0000-4000-8000-000000000001\"",
        ))
        .stdout(predicate::str::contains(
            "monitoring.app_insights.connection_string = (sensitive)",
        ))
        .stdout(predicate::str::contains(
            "monitoring.workspace.primary_shared_key = (sensitive)",
        ));
    azlift(dir.path())
        .args(["output", "app.task-api.fqdn"])
        .assert()
        .success()
        .stdout("task-api.nicesky-1234.eastus.azurecontainerapps.io\n");
    azlift(dir.path())
        .args(["output", "monitoring.app_insights.connection_string"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("is a secret"))
        .stderr(predicate::str::contains("--show-secrets"));
    let out = azlift(dir.path())
        .args(["--output", "json", "output", "monitoring.app_insights"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["monitoring.app_insights.connection_string"],
        json!({"sensitive": true, "value": null})
    );
    assert_eq!(v["monitoring.app_insights.id"]["sensitive"], false);
}

#[test]
fn a_command_that_needs_the_lock_fails_at_once_naming_the_holder() {
    let dir = project();
    let backend = local_backend(dir.path(), "default");
    let lock = block_on(backend.lock(&LockInfo::current("azlift up"))).unwrap();
    let started = std::time::Instant::now();
    azlift(dir.path())
        .args(["state", "rm", "app.task-api"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(format!(
            "state is locked by {}@",
            lock.info().user
        )))
        .stderr(predicate::str::contains(format!(
            "(pid {}, `azlift up`) since 20",
            std::process::id()
        )));
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    // Reading needs no lock.
    azlift(dir.path())
        .args(["state", "list"])
        .assert()
        .success();
    drop(lock);
    azlift(dir.path())
        .args(["state", "rm", "app.task-api"])
        .assert()
        .success();
}

#[test]
fn environments_have_their_own_state() {
    let dir = project();
    azlift(dir.path())
        .args(["-e", "dev", "state", "list"])
        .assert()
        .success()
        .stdout("");
    azlift(dir.path())
        .args(["-e", "../x", "state", "list"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("not a valid environment name"));
}
