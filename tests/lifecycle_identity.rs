//! Issue 10, part A, through the binary against the emulator: identity is the ARM id (a
//! renamed resource is replaced, never leaked), environments are isolated and owned, two
//! manifests in one folder keep apart, and a tampered state is refused.

mod common;
mod support_resilience;

use std::collections::BTreeMap;
use std::process::Output;

use support_resilience::*;

/// Every built-in kind, each with an explicit name that the tests rename.
const ALL_KINDS: &str = r#"
[project]
name = "life"
location = "eastus"
resource_group = "rg-life"

[monitoring]
workspace_name = "life-logs"
app_insights_name = "life-ai"

[action_group.ops]
name = "life-ops"
short_name = "lifeops"
email = { admin = "ops@example.com" }

[alert.errors]
name = "life-errors"
metric = "requests/failed"
namespace = "microsoft.insights/components"
aggregation = "Count"
operator = "GreaterThan"
threshold = 10
severity = 2
frequency = "PT1M"
window = "PT5M"
notify = ["ops"]

[environment]
name = "life-env"

[app.api]
image = "mcr.microsoft.com/k8se/quickstart:latest"
port = 80
ingress = "external"

[apim]
name = "life-apim"
sku = "Developer"
publisher_email = "ops@example.com"
logger_name = "life-logger"
"#;

fn edit(p: &Project, from: &str, to: &str) {
    let text = std::fs::read_to_string(p.manifest()).unwrap();
    assert_eq!(
        text.matches(from).count(),
        1,
        "`{from}` once in the manifest"
    );
    std::fs::write(p.manifest(), text.replacen(from, to, 1)).unwrap();
}

/// Everything a run printed, miette's wrapping undone.
fn all(o: &Output) -> String {
    common::flatten(&format!("{}\n{}", stdout(o), stderr(o)))
}

/// The ARM type segment of an id, lower case (`workspaces`, `resourcegroups`).
fn ids_of_type(ids: &[String], segment: &str) -> Vec<String> {
    let seg = format!("/{}/", segment.to_ascii_lowercase());
    ids.iter()
        .filter(|i| {
            let last_type = i.rsplit('/').nth(1).map(|t| format!("/{t}/"));
            last_type.as_deref() == Some(seg.as_str())
        })
        .cloned()
        .collect()
}

/// Rename one name key: plan shows the replace with `reason` at `address`; after
/// `up --allow-replace` the cloud holds exactly one resource of `type_segment`, under
/// `new_name`, and exactly what state records; plan is quiet; `down` leaves nothing.
fn rename_converges(
    from: &str,
    to: &str,
    address: &str,
    reason: &str,
    type_segment: &str,
    new_name: &str,
) {
    let p = Project::new(ALL_KINDS);
    assert_exit(&p.up(""), 0, "first up");
    let before = p.state_resources();
    edit(&p, from, to);

    let plan = p.run(&["plan", "--detailed-exitcode"], "");
    assert_exit(&plan, 2, "plan after the rename");
    let text = all(&plan);
    assert!(
        text.contains(&format!("# {address} (")) && text.contains(reason),
        "the plan names the replace of {address} with `{reason}`:\n{text}"
    );
    assert!(text.contains("must be replaced"), "{text}");

    let refused = p.run(&["up", "--yes"], "");
    assert_exit(&refused, 1, "up without --allow-replace");
    assert_eq!(p.state_resources(), before, "a refused up changes nothing");

    assert_exit(
        &p.run(&["up", "--yes", "--allow-replace"], ""),
        0,
        "up --allow-replace",
    );
    let state = p.state_resources();
    assert_cloud_matches_state(&p, &state, "after the replace");
    let kind = ids_of_type(&p.cloud_ids(), type_segment);
    assert_eq!(kind.len(), 1, "exactly one {type_segment}: {kind:?}");
    assert!(
        kind[0].ends_with(&format!("/{}", new_name.to_ascii_lowercase())),
        "the {type_segment} has the new name: {kind:?}"
    );
    assert_no_changes(&p, "plan after the replace");

    assert_exit(&p.down(""), 0, "down");
    assert!(p.state_resources().is_empty(), "state is empty after down");
    assert_eq!(p.cloud_ids(), Vec::<String>::new(), "down leaves nothing");
}

#[test]
fn renaming_the_resource_group_replaces_everything_in_it() {
    rename_converges(
        "resource_group = \"rg-life\"",
        "resource_group = \"rg-life2\"",
        "resource_group",
        "resource group changed: rg-life -> rg-life2",
        "resourceGroups",
        "rg-life2",
    );
}

#[test]
fn renaming_the_workspace_replaces_it() {
    rename_converges(
        "workspace_name = \"life-logs\"",
        "workspace_name = \"ops-logs\"",
        "monitoring.workspace",
        "name changed: life-logs -> ops-logs",
        "workspaces",
        "ops-logs",
    );
}

#[test]
fn renaming_app_insights_replaces_it() {
    rename_converges(
        "app_insights_name = \"life-ai\"",
        "app_insights_name = \"ops-ai\"",
        "monitoring.app_insights",
        "name changed: life-ai -> ops-ai",
        "components",
        "ops-ai",
    );
}

#[test]
fn renaming_an_action_group_replaces_it() {
    rename_converges(
        "name = \"life-ops\"",
        "name = \"ops-pager\"",
        "action_group.ops",
        "name changed: life-ops -> ops-pager",
        "actionGroups",
        "ops-pager",
    );
}

#[test]
fn renaming_an_alert_replaces_it() {
    rename_converges(
        "name = \"life-errors\"",
        "name = \"ops-errors\"",
        "alert.errors",
        "name changed: life-errors -> ops-errors",
        "metricAlerts",
        "ops-errors",
    );
}

#[test]
fn renaming_the_container_apps_environment_replaces_it_and_its_apps() {
    rename_converges(
        "name = \"life-env\"",
        "name = \"ops-env\"",
        "environment",
        "name changed: life-env -> ops-env",
        "managedEnvironments",
        "ops-env",
    );
}

#[test]
fn renaming_apim_replaces_it_and_moves_its_children() {
    rename_converges(
        "name = \"life-apim\"",
        "name = \"ops-apim\"",
        "apim.service",
        "name changed: life-apim -> ops-apim",
        "service",
        "ops-apim",
    );
}

#[test]
fn renaming_the_apim_logger_replaces_it() {
    rename_converges(
        "logger_name = \"life-logger\"",
        "logger_name = \"ops-logger\"",
        "apim.logger",
        "name changed: life-logger -> ops-logger",
        "loggers",
        "ops-logger",
    );
}

#[test]
fn a_resource_moved_to_another_address_with_its_id_is_kept_not_deleted() {
    let p = Project::new(ALL_KINDS);
    assert_exit(&p.up(""), 0, "first up");
    let alert = p.state_resources()["alert.errors"].clone();
    edit(&p, "[alert.errors]", "[alert.failures]");
    // Through a saved plan: planning forgets the old address, and the plan names that state.
    let saved = p.path().join("moved.json");
    let saved = saved.to_str().unwrap();
    assert_exit(&p.run(&["plan", "--out", saved], ""), 0, "plan --out");
    assert_exit(
        &p.run(&["up", saved, "--yes"], ""),
        0,
        "up of the saved plan",
    );
    let state = p.state_resources();
    assert!(!state.contains_key("alert.errors"), "{state:?}");
    assert!(
        state["alert.failures"].eq_ignore_ascii_case(&alert),
        "{state:?}"
    );
    assert_cloud_matches_state(&p, &state, "after the move");
    assert_no_changes(&p, "plan after the move");
}

const ISOLATED: &str = r#"
[project]
name = "iso"
location = "eastus"

[monitoring]

[action_group.ops]
short_name = "isoops"
email = { admin = "ops@example.com" }

[app.api]
image = "mcr.microsoft.com/k8se/quickstart:latest"
port = 80
ingress = "external"

[env.dev]
app.api.replicas = { min = 0, max = 1 }
"#;

#[test]
fn environments_are_isolated_and_never_take_each_other_over() {
    let p = Project::new(ISOLATED);
    assert_exit(&p.up(""), 0, "up of the default environment");
    assert_exit(&p.run(&["up", "--yes", "-e", "dev"], ""), 0, "up -e dev");
    let default = p.resources_of(&p.manifest(), "default");
    let dev = p.resources_of(&p.manifest(), "dev");
    assert_eq!(default.len(), dev.len(), "the same resources in each");
    let lower = |m: &BTreeMap<String, String>| -> Vec<String> {
        m.values().map(|i| i.to_ascii_lowercase()).collect()
    };
    for id in lower(&dev) {
        assert!(
            !lower(&default).contains(&id),
            "{id} is in both environments"
        );
    }
    assert_eq!(default["resource_group"].rsplit('/').next(), Some("rg-iso"));
    assert_eq!(dev["resource_group"].rsplit('/').next(), Some("rg-iso-dev"));
    assert!(
        dev["monitoring.workspace"].ends_with("/iso-dev-logs"),
        "{dev:?}"
    );

    assert_exit(
        &p.run(&["down", "--yes", "-e", "dev"], ""),
        0,
        "down -e dev",
    );
    let mut cloud = p.cloud_ids();
    cloud.sort();
    let mut left = lower(&default);
    left.sort();
    assert_eq!(
        cloud, left,
        "down -e dev leaves the default environment whole"
    );
    assert_no_changes(&p, "the default environment after down -e dev");

    // A name both environments write the same way: dev is refused, naming the owner.
    let text = std::fs::read_to_string(p.manifest()).unwrap();
    std::fs::write(
        p.manifest(),
        text.replace(
            "[env.dev]\n",
            "[env.dev]\nproject.resource_group = \"rg-iso\"\n",
        ),
    )
    .unwrap();
    let before = p.cloud();
    for cmd in [&["plan"][..], &["up", "--yes", "-e", "dev"][..]] {
        let mut args = cmd.to_vec();
        if !args.contains(&"-e") {
            args.extend(["-e", "dev"]);
        }
        let o = p.run(&args, "");
        assert_exit(&o, 1, "a forced collision");
        let text = all(&o);
        assert!(
            text.contains("belongs to project `iso`, environment `default`")
                && text.contains("azlift state import"),
            "the refusal names the owner and the way out:\n{text}"
        );
    }
    assert_eq!(
        p.cloud()["resources"],
        before["resources"],
        "nothing was touched"
    );
}

#[test]
fn the_production_example_runs_dev_beside_default() {
    let p = Project::production();
    assert_exit(&p.up(""), 0, "up");
    assert_exit(&p.run(&["up", "--yes", "-e", "dev"], ""), 0, "up -e dev");
    let default = p.state_resources();
    let dev = p.resources_of(&p.manifest(), "dev");
    assert_eq!(default.len(), 17);
    assert_eq!(dev.len(), 17);
    let mut cloud = p.cloud_ids();
    cloud.sort();
    let mut both: Vec<String> = default
        .values()
        .chain(dev.values())
        .map(|i| i.to_ascii_lowercase())
        .collect();
    both.sort();
    assert_eq!(cloud, both, "28 resources, none shared");
    assert!(
        dev["apim.service"].ends_with("/blog08-prod-dev-apim"),
        "{dev:?}"
    );
}

fn minimal(name: &str) -> String {
    format!("[project]\nname = \"{name}\"\nlocation = \"eastus\"\n\n[monitoring]\n")
}

#[test]
fn two_manifests_in_one_folder_keep_their_own_state() {
    let p = Project::new(&minimal("aaa"));
    let b = p.path().join("b.toml");
    std::fs::write(&b, minimal("bbb")).unwrap();
    let run_b = |args: &[&str]| p.cmd_with(&b, args).output().expect("run azlift");
    assert_exit(&p.up(""), 0, "up a");
    assert_exit(&run_b(&["up", "--yes"]), 0, "up b");
    let a_ids = p.state_resources();
    let b_ids = p.resources_of(&b, "default");
    assert_eq!(a_ids.len(), 3);
    assert_eq!(b_ids.len(), 3);
    assert_eq!(p.state_of(&b, "default")["project"], "bbb");
    assert_eq!(p.state()["project"], "aaa");

    assert_exit(&p.down(""), 0, "down a");
    let mut cloud = p.cloud_ids();
    cloud.sort();
    let mut wanted: Vec<String> = b_ids.values().map(|i| i.to_ascii_lowercase()).collect();
    wanted.sort();
    assert_eq!(cloud, wanted, "down of aaa leaves bbb whole");
    let o = run_b(&["plan", "--detailed-exitcode"]);
    assert_exit(&o, 0, "bbb has no changes");
}

#[test]
fn another_projects_state_is_refused() {
    let p = Project::new(&minimal("aaa"));
    assert_exit(&p.up(""), 0, "up a");
    let a_state = azlift::ops::local_state_path(&p.manifest(), "default").unwrap();
    let b = p.path().join("b.toml");
    std::fs::write(&b, minimal("bbb")).unwrap();
    let b_state = azlift::ops::local_state_path(&b, "default").unwrap();
    std::fs::create_dir_all(b_state.parent().unwrap()).unwrap();
    std::fs::copy(&a_state, &b_state).unwrap();
    let o = p.cmd_with(&b, &["plan"]).output().unwrap();
    assert_exit(&o, 1, "plan of bbb over aaa's state");
    assert!(
        all(&o).contains("belongs to project `aaa`, not `bbb`"),
        "{}",
        show(&o)
    );
}

#[test]
fn a_state_of_the_earlier_layout_is_moved_and_claimed() {
    let p = Project::new(&minimal("aaa"));
    assert_exit(&p.up(""), 0, "up");
    let now = azlift::ops::local_state_path(&p.manifest(), "default").unwrap();
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&now).unwrap()).unwrap();
    doc.as_object_mut().unwrap().remove("project");
    let legacy = p.path().join(".azlift/default/state.json");
    std::fs::create_dir_all(legacy.parent().unwrap()).unwrap();
    std::fs::write(&legacy, serde_json::to_vec(&doc).unwrap()).unwrap();
    std::fs::remove_file(&now).unwrap();

    assert_no_changes(&p, "plan over the moved state");
    assert!(!legacy.exists(), "the earlier layout's file was moved");
    assert_eq!(p.state_resources().len(), 3);
}

/// Edit the id state records for `address` to `id`.
fn tamper(p: &Project, address: &str, id: &str) {
    let path = azlift::ops::local_state_path(&p.manifest(), "default").unwrap();
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    doc["resources"][address]["id"] = serde_json::Value::String(id.to_string());
    std::fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
}

#[test]
fn a_tampered_state_id_is_refused_by_plan_and_down() {
    let p = Project::new(&minimal("aaa"));
    let b = p.path().join("b.toml");
    std::fs::write(&b, minimal("bbb")).unwrap();
    assert_exit(&p.up(""), 0, "up a");
    assert_exit(
        &p.cmd_with(&b, &["up", "--yes"]).output().unwrap(),
        0,
        "up b",
    );
    let theirs = p.resources_of(&b, "default")["monitoring.workspace"].clone();
    let before = p.cloud();

    for bad in [theirs.as_str(), "garbage"] {
        tamper(&p, "monitoring.workspace", bad);
        for args in [&["plan"][..], &["down", "--yes"][..]] {
            let o = p.run(args, "");
            assert_exit(&o, 1, &format!("{args:?} over the id {bad}"));
            let text = all(&o);
            assert!(
                text.contains("refusing to touch `monitoring.workspace` on the word of state")
                    && text.contains("azlift state rm monitoring.workspace"),
                "{args:?} names the resource and the way out:\n{text}"
            );
        }
        assert_eq!(
            p.cloud()["resources"],
            before["resources"],
            "nothing was touched"
        );
    }
}

#[test]
fn a_resource_made_outside_azlift_is_not_taken_over() {
    let p = Project::new(&minimal("aaa"));
    assert_exit(&p.up(""), 0, "up");
    // Forget the workspace (state rm), strip its tags in the emulator's cloud: azlift must
    // not write to it, naming that nobody owns it.
    let rm = p.run(&["state", "rm", "monitoring.workspace"], "");
    assert_exit(&rm, 0, "state rm");
    let cloud_path = p.path().join(".azlift/local-cloud.json");
    let mut cloud = p.cloud();
    for r in cloud["resources"].as_object_mut().unwrap().values_mut() {
        let id = r["id"].as_str().unwrap_or_default().to_ascii_lowercase();
        if id.contains("/workspaces/") {
            r["body"]["tags"] = serde_json::json!({"team": "data"});
        }
    }
    std::fs::write(&cloud_path, serde_json::to_vec(&cloud).unwrap()).unwrap();
    let o = p.run(&["up", "--yes"], "");
    assert_exit(&o, 1, "up over an unowned workspace");
    assert!(
        all(&o).contains("`monitoring.workspace` already exists in Azure")
            && all(&o).contains("no azlift project"),
        "{}",
        show(&o)
    );
}
