//! Saved plans (issue 4): `plan --out p` then `up p` applies exactly p; a plan made stale by
//! a manifest edit, by an out-of-band change in "Azure" (the emulator's persisted cloud
//! edited between runs) or by another `up` (state serial moved) is refused, saying why.

mod common;

use common::Project;
use serde_json::Value;

/// A converged minimal-or-production project with one pending edit, and its saved plan.
fn with_saved_plan() -> (Project, std::path::PathBuf) {
    let p = Project::example("production");
    p.up();
    p.edit_in("[app.task-api]", "max = 3", "max = 5");
    let plan_file = p.path().join("p.plan");
    let plan = p.run(&[
        "plan",
        "--out",
        plan_file.to_str().unwrap(),
        "--detailed-exitcode",
    ]);
    plan.expect_code(2);
    assert!(plan_file.exists(), "plan --out writes the file");
    (p, plan_file)
}

#[test]
fn up_applies_exactly_the_saved_plan() {
    let (p, plan_file) = with_saved_plan();
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&plan_file).unwrap()).unwrap();
    let planned: Vec<(String, String)> = saved["plan"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] != "no_op")
        .map(|c| {
            (
                c["address"].as_str().unwrap().to_string(),
                c["action"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        planned,
        [("app.task-api".to_string(), "update".to_string())]
    );

    // No --yes: applying a saved plan is the consent.
    let up = p.run(&["up", plan_file.to_str().unwrap(), "--output", "json", "-v"]);
    up.ok();
    let events = up.events();
    let done: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"] == "resource_done")
        .collect();
    let addresses: Vec<&str> = done.iter().filter_map(|e| e["address"].as_str()).collect();
    assert_eq!(addresses, ["app.task-api"], "{}", up.stdout);
    let r = up.requests();
    assert_eq!((r.put + r.patch, r.delete), (1, 0), "{r:?}");
    p.assert_no_changes();
}

#[test]
fn a_manifest_edit_makes_the_plan_stale() {
    let (p, plan_file) = with_saved_plan();
    p.edit_in("[app.frontend]", "max = 3", "max = 4");
    let up = p.run(&["up", plan_file.to_str().unwrap()]);
    up.expect_code(1);
    assert!(
        up.flat_stderr().contains("the manifest")
            && up.flat_stderr().contains("changed since the plan was made"),
        "{}",
        up.stderr
    );
    // Nothing was applied: the old pending change is still pending, and frontend too.
    let plan = p.run(&["plan", "--output", "json", "--detailed-exitcode"]);
    plan.expect_code(2);
    let doc: Value = serde_json::from_str(plan.stdout.trim()).unwrap();
    assert_eq!(doc["summary"]["update"], 2, "{}", plan.stdout);
}

#[test]
fn an_out_of_band_change_makes_the_plan_stale_naming_the_resource() {
    let (p, plan_file) = with_saved_plan();
    // Someone changes task-api in "Azure" (the emulator's persisted cloud) between runs.
    let path = p.cloud_path();
    let mut cloud: Value = serde_json::from_str(&p.cloud_text()).unwrap();
    let mut edited = false;
    for (id, r) in cloud["resources"].as_object_mut().unwrap() {
        if id.ends_with("/containerapps/task-api") {
            r["body"]["properties"]["template"]["scale"]["maxReplicas"] = Value::from(7);
            edited = true;
        }
    }
    assert!(edited, "task-api is in the local cloud");
    std::fs::write(&path, serde_json::to_string(&cloud).unwrap()).unwrap();

    let up = p.run(&["up", plan_file.to_str().unwrap()]);
    up.expect_code(1);
    assert!(
        up.flat_stderr()
            .contains("`app.task-api` changed in Azure since the plan was made"),
        "{}",
        up.stderr
    );
    // The out-of-band value is still there: nothing was applied.
    let cloud: Value = serde_json::from_str(&p.cloud_text()).unwrap();
    let max = cloud["resources"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(id, _)| id.ends_with("/containerapps/task-api"))
        .map(|(_, r)| r["body"]["properties"]["template"]["scale"]["maxReplicas"].clone());
    assert_eq!(max, Some(Value::from(7)));
}

#[test]
fn another_up_makes_the_plan_stale() {
    let (p, plan_file) = with_saved_plan();
    let serial_before = p.state("default")["serial"].as_u64().unwrap();
    p.up();
    assert!(p.state("default")["serial"].as_u64().unwrap() > serial_before);
    let up = p.run(&["up", plan_file.to_str().unwrap()]);
    up.expect_code(1);
    assert!(
        up.flat_stderr()
            .contains("the state changed since the plan was made"),
        "{}",
        up.stderr
    );
}

#[test]
fn a_saved_plan_holds_no_secret() {
    let p = Project::example("production");
    p.up();
    let plan_file = p.path().join("p.plan");
    p.run(&["plan", "--out", plan_file.to_str().unwrap()]).ok();
    let text = std::fs::read_to_string(&plan_file).unwrap();
    let cloud = p.cloud_text();
    for secret in common::cloud_secrets(&cloud) {
        assert!(!text.contains(&secret), "the saved plan holds a secret");
    }
}
