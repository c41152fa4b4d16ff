//! Lifecycle edge cases (issue 10, part B), through the real binary against the emulator:
//! secrets compared by name, duplicate ARM ids, failed creates kept and removed by `down`, a
//! first deployment's saved plan, SKU-aware estimates, soft-deleted services found by plan,
//! partial runs (`--target`/`--exclude`) and `state import`.

mod common;

use common::{Project, compact_plan};
use serde_json::Value;

/// One app with three secrets and nothing referencing them, so a change to the list is the
/// only change a plan can show.
const SECRETS: &str = r#"
[project]
name = "secrets-demo"
location = "eastus"

[app.web]
image = "nginx:1.27"
port = 80
ingress = "external"
secrets = { alpha = "value-Alpha-1", client-secret = "value-Client-2", zulu = "value-Zulu-3" }
"#;

fn plan_json(p: &Project, extra: &[&str]) -> Value {
    let mut args = vec!["plan", "--output", "json"];
    args.extend_from_slice(extra);
    let r = p.run(&args);
    r.ok();
    serde_json::from_str(r.stdout.trim()).expect("plan JSON")
}

#[test]
fn adding_and_removing_one_secret_plans_only_that_secret() {
    let p = Project::from_toml(SECRETS);
    p.up();
    p.assert_no_changes();

    // `beta` sorts between `alpha` and `client-secret`: the list shifts under it.
    p.edit(
        "alpha = \"value-Alpha-1\",",
        "alpha = \"value-Alpha-1\", beta = \"value-Beta-4\",",
    );
    let lines = compact_plan(&plan_json(&p, &[]));
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert_eq!(lines[0], "app.web update");
    assert!(
        lines[1].contains("secrets[name=beta]") && lines[1].contains("(absent) ->"),
        "{lines:#?}"
    );
    p.up();
    p.assert_no_changes();

    // Removing the first one shifts every other secret down by one.
    p.edit("alpha = \"value-Alpha-1\", ", "");
    let lines = compact_plan(&plan_json(&p, &[]));
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(
        lines[1].contains("secrets[name=alpha]") && lines[1].ends_with("-> (absent)"),
        "{lines:#?}"
    );
    p.up();
    p.assert_no_changes();

    // State keys the hashes by name, never by position.
    let state = p.state("default");
    let keys: Vec<&String> = state["resources"]["app.web"]["write_only_hashes"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(
        keys,
        [
            "/properties/configuration/secrets/[name=beta]/value",
            "/properties/configuration/secrets/[name=client-secret]/value",
            "/properties/configuration/secrets/[name=zulu]/value",
        ]
    );
}

#[test]
fn state_written_by_position_is_read_by_name() {
    let p = Project::from_toml(SECRETS);
    p.up();
    // Rewrite the hashes as an older azlift keyed them: by position in the list sent.
    let path = p.state_path("default");
    let mut state = p.state("default");
    let cloud: Value = serde_json::from_str(&p.cloud_text()).unwrap();
    let live = cloud["resources"]
        .as_object()
        .unwrap()
        .values()
        .find(|r| r["id"].as_str().unwrap().ends_with("/containerApps/web"))
        .expect("the app in the cloud");
    let order: Vec<String> = live["body"]["properties"]["configuration"]["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    let hashes = state["resources"]["app.web"]["write_only_hashes"]
        .as_object_mut()
        .unwrap();
    let by_name = std::mem::take(hashes);
    for (key, hash) in by_name {
        let name = key
            .split("[name=")
            .nth(1)
            .and_then(|r| r.split(']').next())
            .unwrap();
        let i = order.iter().position(|n| n == name).unwrap();
        hashes.insert(format!("/properties/configuration/secrets/{i}/value"), hash);
    }
    std::fs::write(&path, serde_json::to_string_pretty(&state).unwrap()).unwrap();

    p.assert_no_changes();

    // The next `up` that writes anything stores the untouched app's hashes by name too.
    p.append("[app.other]\nimage = \"nginx:1.27\"\n");
    p.up();
    let state = p.state("default");
    let keys: Vec<&String> = state["resources"]["app.web"]["write_only_hashes"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert!(keys.iter().all(|k| k.contains("[name=")), "{keys:?}");
    assert_eq!(keys.len(), 3, "{keys:?}");

    p.edit("alpha = \"value-Alpha-1\", ", "");
    let lines = compact_plan(&plan_json(&p, &[]));
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(lines[1].contains("secrets[name=alpha]"), "{lines:#?}");
}

#[test]
fn duplicate_ids_are_a_validation_error_naming_both() {
    let p = Project::from_toml(
        r#"[project]
name = "dup-demo"
location = "eastus"

[action_group.ops]
name = "dup-demo-alerts"
short_name = "dupops"
email = { admin = "ops@example.com" }

[resource.copy]
template = "ag.json"

[resource.again]
template = "ag.json"
"#,
    );
    std::fs::write(
        p.path().join("ag.json"),
        r#"{"type": "Microsoft.Insights/actionGroups", "apiVersion": "2023-01-01",
            "name": "DUP-DEMO-ALERTS", "location": "global",
            "properties": {"groupShortName": "x", "enabled": true}}"#,
    )
    .unwrap();
    let r = p.run(&["validate"]);
    r.expect_code(1);
    let err = r.flat_stderr();
    // Custom against built-in, then custom against custom; ids compare case-insensitively.
    assert!(
        err.contains("`resource.copy` and `action_group.ops` (")
            && err.contains("azlift.toml:5:15)"),
        "{err}"
    );
    assert!(err.contains("`resource.again` and "), "{err}");
    assert!(err.contains("azlift.toml:13:11"), "{err}");
    // plan refuses the same way, before connecting.
    let plan = p.run(&["plan"]);
    plan.expect_code(1);
    assert!(
        plan.flat_stderr().contains("have the same ARM id"),
        "{}",
        plan.stderr
    );
}

const APIM: &str = r#"
[project]
name = "fail-demo"
location = "eastus"

[monitoring]

[apim]
name = "fail-demo-apim"
sku = "Consumption"
publisher_email = "ops@example.com"
publisher_name = "Ops"
"#;

#[test]
fn a_failed_create_is_recorded_retried_by_plan_and_removed_by_down() {
    let p = Project::from_toml(APIM);
    let fault = [(
        "AZLIFT_EMULATOR_FAULTS",
        "fail-lro:Microsoft.ApiManagement/service",
    )];
    let up = p.run_env(&["up", "--yes"], &fault);
    up.expect_code(1);
    assert!(up.stderr.contains("apim.service"), "{}", up.stderr);

    let state = p.state("default");
    let entry = &state["resources"]["apim.service"];
    assert_eq!(entry["failed"], true, "{state:#}");
    assert!(
        p.cloud_text().contains("fail-demo-apim"),
        "the failed service exists in Azure"
    );

    let plan = plan_json(&p, &[]);
    let change = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "apim.service")
        .unwrap();
    assert_eq!(change["action"], "update", "{change:#}");
    assert!(
        change["reason"].as_str().unwrap().contains("ended Failed"),
        "{change:#}"
    );

    p.run(&["down", "--yes", "--purge"]).ok();
    let cloud: Value = serde_json::from_str(&p.cloud_text()).unwrap();
    let left: Vec<&String> = cloud["resources"].as_object().unwrap().keys().collect();
    assert!(left.is_empty(), "down left {left:?}");
    assert!(
        p.state("default")["resources"]
            .as_object()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_first_deployments_saved_plan_applies_once_and_only_once() {
    let p = Project::example("minimal");
    let file = p.path().join("first.plan.json");
    let file = file.to_str().unwrap();
    let other = p.path().join("other.plan.json");
    let other = other.to_str().unwrap();
    p.run(&["plan", "--out", file]).ok();
    p.run(&["plan", "--out", other]).ok();
    assert!(!p.state_path("default").exists(), "plan wrote no state");
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();

    p.run(&["up", file]).ok();
    p.assert_no_changes();
    assert_eq!(p.state("default")["lineage"], saved["state_lineage"]);

    let again = p.run(&["up", file]);
    again.expect_code(1);
    assert!(
        again
            .flat_stderr()
            .contains("the state changed since the plan was made"),
        "{}",
        again.stderr
    );
    // A second plan of the same first deployment is stale once the first was applied.
    let second = p.run(&["up", other]);
    second.expect_code(1);
    assert!(
        second
            .flat_stderr()
            .contains("made before the first deployment, and another run has deployed since"),
        "{}",
        second.stderr
    );
}

#[test]
fn the_eta_of_an_apim_developer_service_is_tens_of_minutes() {
    let p = Project::from_toml(&APIM.replace("Consumption", "Developer"));
    let r = p.run(&["up", "--yes", "--output", "json"]);
    r.ok();
    let eta = |address: &str| {
        r.events()
            .iter()
            .find(|e| e["event"] == "resource_started" && e["address"] == address)
            .and_then(|e| e["eta_secs"].as_f64())
            .unwrap_or_else(|| panic!("no eta for {address}: {}", r.stdout))
    };
    assert!(
        (30.0 * 60.0..=45.0 * 60.0).contains(&eta("apim.service")),
        "{}",
        eta("apim.service")
    );
    assert!(eta("monitoring.workspace") < 60.0);
}

/// The production example's partial runs: the plan names only the closure, says it is
/// partial, and state records exactly what was applied.
#[test]
fn target_and_exclude_limit_a_run_to_their_closures() {
    let p = Project::example("production");
    let plan = plan_json(&p, &["--target", "alert.high-error-rate"]);
    let mut addresses: Vec<&str> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["address"].as_str().unwrap())
        .collect();
    addresses.sort();
    assert_eq!(
        addresses,
        [
            "action_group.ops",
            "alert.high-error-rate",
            "monitoring.app_insights",
            "monitoring.workspace",
            "resource_group"
        ]
    );
    assert_eq!(plan["scope"]["targets"][0], "alert.high-error-rate");
    let human = p.run(&["plan", "--target", "alert.high-error-rate"]);
    assert!(
        human
            .stdout
            .contains("This is a partial plan (--target alert.high-error-rate)")
    );

    // Everything but the apps and what needs them (APIM's logger does not).
    p.run(&["up", "--yes", "--exclude", "app", "--exclude", "apim"])
        .ok();
    let state = p.state("default");
    let recorded: Vec<&String> = state["resources"].as_object().unwrap().keys().collect();
    assert!(
        recorded
            .iter()
            .all(|a| !a.starts_with("app.") && !a.starts_with("apim.")),
        "{recorded:?}"
    );
    assert!(recorded.iter().any(|a| *a == "environment"), "{recorded:?}");

    // Then only the apps: they need what exists already.
    p.run(&["up", "--yes", "--target", "app"]).ok();
    let plan = plan_json(&p, &[]);
    let pending: Vec<&str> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] != "no_op" && c["action"] != "read")
        .map(|c| c["address"].as_str().unwrap())
        .collect();
    assert!(
        pending.iter().all(|a| a.starts_with("apim.")),
        "{pending:?}"
    );
    assert!(!pending.is_empty());

    // down --target takes what depends on it along: the environment goes with its apps.
    p.run(&["down", "--yes", "--target", "environment"]).ok();
    let state = p.state("default");
    let recorded: Vec<&String> = state["resources"].as_object().unwrap().keys().collect();
    assert!(
        recorded
            .iter()
            .all(|a| !a.starts_with("app.") && *a != "environment"),
        "{recorded:?}"
    );
    assert!(
        recorded.iter().any(|a| *a == "monitoring.workspace"),
        "{recorded:?}"
    );

    let bad = p.run(&["plan", "--target", "app.nope"]);
    bad.expect_code(1);
    assert!(
        bad.flat_stderr()
            .contains("`--target app.nope` names no resource"),
        "{}",
        bad.stderr
    );
}

#[test]
fn state_import_adopts_a_live_resource_and_plan_shows_the_exact_drift() {
    let p = Project::example("minimal");
    p.up();
    // Forget the workspace, then change it in Azure (retention 30 -> 60 days).
    p.run(&["state", "rm", "monitoring.workspace"]).ok();
    let path = p.cloud_path();
    let mut cloud: Value = serde_json::from_str(&p.cloud_text()).unwrap();
    let mut edited = false;
    for (id, r) in cloud["resources"].as_object_mut().unwrap() {
        if id.ends_with("/workspaces/minimal-demo-logs") {
            r["body"]["properties"]["retentionInDays"] = Value::from(60);
            edited = true;
        }
    }
    assert!(edited, "{}", p.cloud_text());
    std::fs::write(&path, serde_json::to_string(&cloud).unwrap()).unwrap();

    let r = p.run(&["state", "import", "monitoring.workspace"]);
    r.ok();
    assert!(
        r.stderr.contains("tagged it as this project's"),
        "{}",
        r.stderr
    );
    let entry = &p.state("default")["resources"]["monitoring.workspace"];
    assert!(
        entry["id"]
            .as_str()
            .unwrap()
            .ends_with("/workspaces/minimal-demo-logs")
    );
    assert!(entry["outputs"]["customer_id"].is_string(), "{entry:#}");
    let cloud: Value = serde_json::from_str(&p.cloud_text()).unwrap();
    let tags = cloud["resources"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(id, _)| id.ends_with("/workspaces/minimal-demo-logs"))
        .map(|(_, r)| r["body"]["tags"].clone())
        .unwrap();
    assert_eq!(tags["azlift-project"], "minimal-demo", "{tags}");
    assert_eq!(tags["azlift-env"], "default", "{tags}");
    assert_eq!(tags["azlift-address"], "monitoring.workspace", "{tags}");

    // Exactly the one value that differs, and nothing else.
    let lines = compact_plan(&plan_json(&p, &[]));
    assert_eq!(
        lines,
        [
            "monitoring.workspace update",
            "    properties.retentionInDays: 60 -> 30"
        ],
        "{lines:#?}"
    );
    p.up();
    p.assert_no_changes();

    let twice = p.run(&["state", "import", "monitoring.workspace"]);
    twice.expect_code(1);
    assert!(
        twice.flat_stderr().contains("already in state"),
        "{}",
        twice.stderr
    );
}

/// Delete a resource group the way a person would outside azlift: one ARM DELETE (here through
/// the emulator over the project's local cloud), which soft-deletes the APIM service and the
/// workspace inside it.
fn delete_group_outside_azlift(p: &Project, group: &str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let target = azlift::ops::Target::local(p.path(), 4).await.unwrap();
        let id = format!(
            "/subscriptions/{}/resourceGroups/{group}",
            target.subscription_id
        );
        let api = azlift::kinds::ResourceKind::ResourceGroup
            .info()
            .unwrap()
            .api_version;
        target
            .client
            .delete(&id, api, &azlift::arm::OpContext::new())
            .await
            .unwrap();
        target.close().await;
    });
}

fn live_resources(p: &Project) -> Vec<String> {
    let cloud: Value = serde_json::from_str(&p.cloud_text()).unwrap();
    cloud["resources"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

#[test]
fn a_soft_deleted_apim_is_named_by_plan_and_up_needs_a_choice() {
    let base = Project::from_toml(APIM);
    base.up();
    delete_group_outside_azlift(&base, "rg-fail-demo");
    assert!(
        live_resources(&base).is_empty(),
        "{:?}",
        live_resources(&base)
    );

    let plan = plan_json(&base, &[]);
    let reason = |address: &str| {
        plan["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["address"] == address)
            .map(|c| c["reason"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert!(
        reason("apim.service").contains(
            "a soft-deleted API Management service `fail-demo-apim` (eastus) holds this name"
        ),
        "{plan:#}"
    );
    assert!(
        reason("monitoring.workspace").contains(
            "creating it recovers the soft-deleted Log Analytics workspace `fail-demo-logs`"
        ),
        "{plan:#}"
    );

    // No choice: refused before the first write.
    let up = base.run(&["up", "--yes"]);
    up.expect_code(1);
    assert!(
        up.flat_stderr().contains("nothing was changed"),
        "{}",
        up.stderr
    );
    assert!(
        live_resources(&base).is_empty(),
        "{:?}",
        live_resources(&base)
    );

    // A workspace wanted in another group can only come back where it was: it blocks, a
    // recovery is refused, a purge makes a new one.
    let moved = base.copy();
    moved.edit(
        "location = \"eastus\"\n",
        "location = \"eastus\"\nresource_group = \"rg-moved\"\n",
    );
    let plan = plan_json(&moved, &[]);
    let workspace = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "monitoring.workspace")
        .unwrap();
    assert!(
        workspace["reason"].as_str().unwrap().contains(
            "a soft-deleted Log Analytics workspace `fail-demo-logs` (eastus) holds this name"
        ),
        "{workspace:#}"
    );
    let up = moved.run(&["up", "--yes", "--allow-replace", "--recover-soft-deleted"]);
    up.expect_code(1);
    assert!(
        up.flat_stderr()
            .contains("can only be recovered where it was"),
        "{}",
        up.stderr
    );
    // The group changed: a replace (issue 10), so the move needs consent too.
    moved
        .run(&["up", "--yes", "--allow-replace", "--purge-soft-deleted"])
        .ok();
    moved.assert_no_changes();
    // The old group, made again only to purge the workspace, is gone again.
    assert!(
        live_resources(&moved)
            .iter()
            .all(|id| !id.contains("/resourcegroups/rg-fail-demo")),
        "{:?}",
        live_resources(&moved)
    );

    for flag in ["--recover-soft-deleted", "--purge-soft-deleted"] {
        let p = base.copy();
        let up = p.run(&["up", "--yes", flag]);
        up.ok();
        p.assert_no_changes();
        assert!(
            live_resources(&p)
                .iter()
                .any(|id| id.ends_with("/service/fail-demo-apim")),
            "{flag}: {:?}",
            live_resources(&p)
        );
    }
}
