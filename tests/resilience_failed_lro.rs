//! A failed long-running operation: with every `Microsoft.App/managedEnvironments` LRO ending
//! `Failed`, `up` of the production example exits 1 naming the resource (`environment`) and
//! ARM's error code; the apps, which need the environment, are reported skipped; independent
//! branches (monitoring, action group, alerts, APIM) are done and in state, and the failed
//! environment is recorded as failed (it exists in Azure). Re-running without
//! the fault converges and the next plan is empty.

mod support_resilience;

use support_resilience::*;

const FAULT: &str = "fail-lro:Microsoft.App/managedEnvironments";
const APPS: &[&str] = &[
    "app.frontend",
    "app.task-api",
    "app.notification-svc",
    "app.audit-svc",
];

#[test]
fn failed_environment_skips_apps_finishes_the_rest_and_recovers() {
    let expected = reference(&production_manifest());
    assert!(expected.contains_key("environment"), "{expected:?}");
    let p = Project::production();

    let o = p.up(FAULT);
    assert_exit(&o, 1, "up with a failed environment LRO");
    let err = stderr(&o);
    assert!(err.contains("environment"), "{}", show(&o));
    assert!(err.contains("ProvisioningFailed"), "{}", show(&o));
    // The summary of failures names the address and the code on one line.
    assert!(
        err.lines()
            .any(|l| l.contains("environment") && l.contains("ProvisioningFailed")),
        "{}",
        show(&o)
    );

    let state = p.state_resources();
    // The failed environment exists in Azure: it is recorded, marked failed, so it stays
    // owned (the next plan sends it again, `down` deletes it).
    assert!(state.contains_key("environment"), "{state:?}");
    assert_eq!(
        p.state()["resources"]["environment"]["failed"],
        true,
        "{state:?}"
    );
    for app in APPS {
        assert!(!state.contains_key(*app), "{app} applied: {state:?}");
    }
    // Everything that does not need the environment was done.
    for (address, _) in expected
        .iter()
        .filter(|(a, _)| *a != "environment" && !APPS.contains(&a.as_str()))
    {
        assert!(state.contains_key(address), "{address} missing: {state:?}");
    }
    for must in [
        "action_group.ops",
        "alert.high-error-rate",
        "alert.slow-response",
    ] {
        assert!(state.contains_key(must), "{must} missing: {state:?}");
    }
    assert!(
        state.keys().any(|a| a.starts_with("apim")),
        "APIM missing: {state:?}"
    );

    // The same run in NDJSON says which resources were skipped and because of what.
    let p2 = Project::production();
    let o = p2.run(&["up", "--yes", "--output", "json"], FAULT);
    assert_exit(&o, 1, "up --output json with a failed environment LRO");
    let events = events(&stdout(&o));
    let failed: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["event"] == "resource_failed")
        .collect();
    assert_eq!(failed.len(), 1, "{}", show(&o));
    assert_eq!(failed[0]["address"], "environment");
    assert_eq!(failed[0]["code"], "ProvisioningFailed");
    for app in APPS {
        assert!(
            events
                .iter()
                .any(|e| e["event"] == "resource_skipped" && e["address"] == *app),
            "{app} not reported skipped: {}",
            show(&o)
        );
    }
    let summary = events
        .iter()
        .find(|e| e["event"] == "summary")
        .expect("a summary event");
    assert_eq!(summary["failed"], 1, "{summary}");
    assert_eq!(summary["skipped"], APPS.len(), "{summary}");

    // Fix the cause (no more fault) and run again: it converges.
    let o = p.up("");
    assert_exit(&o, 0, "up after the fault is gone");
    assert_cloud_matches_state(&p, &expected, "after the second up");
    assert_no_changes(&p, "plan after recovery");
}
