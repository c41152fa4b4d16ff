//! `plan` observes by list: resources of one type in one group are read with that type's
//! list operation (paged, 100 per page in the emulator), and the plan is the same as with one
//! GET per resource (`--observe get`), drift and "deleted outside azlift" included.

mod common;

use std::fmt::Write as _;

use common::Project;
use serde_json::Value;

/// Group, workspace, Application Insights, one action group and `alerts` metric alerts.
fn alerts_project(alerts: usize) -> Project {
    let mut t = String::from(
        "[project]\nname = \"listed\"\nlocation = \"eastus\"\n\n[monitoring]\n\n[action_group.pager]\nshort_name = \"pager\"\nemail = { oncall = \"oncall@example.com\" }\n",
    );
    for a in 0..alerts {
        let _ = writeln!(
            t,
            "\n[alert.a{a}]\nmetric = \"requests/failed\"\nnamespace = \"microsoft.insights/components\"\naggregation = \"Count\"\noperator = \"GreaterThan\"\nthreshold = {}\nfrequency = \"PT1M\"\nwindow = \"PT5M\"\nnotify = [\"pager\"]",
            a + 1
        );
    }
    Project::from_toml(&t)
}

/// Edit the emulator's persisted cloud between runs ("someone changed Azure").
fn edit_cloud(p: &Project, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) {
    let mut cloud: Value = serde_json::from_str(&p.cloud_text()).unwrap();
    edit(cloud["resources"].as_object_mut().unwrap());
    std::fs::write(p.cloud_path(), serde_json::to_string(&cloud).unwrap()).unwrap();
}

/// The plan as JSON, without what depends on the run (timings).
fn plan_json(p: &Project, observe: &str) -> (Value, common::Requests) {
    let r = p.run(&["plan", "-v", "--output", "json", "--observe", observe]);
    r.ok();
    let plan = r
        .events()
        .into_iter()
        .chain(common::ndjson(&r.stderr))
        .find(|v| v.get("changes").is_some())
        .unwrap_or_else(|| serde_json::from_str(&r.stdout).expect("a JSON plan"));
    (plan, r.requests())
}

#[test]
fn plan_lists_each_type_with_few_requests_and_agrees_with_single_gets() {
    let p = alerts_project(150);
    p.up();

    let (listed, by_list) = plan_json(&p, "list");
    let (single, by_get) = plan_json(&p, "get");
    // Group, workspace, Application Insights and the action group: one GET each (alone in
    // their collection); 150 alerts: two pages of one list.
    assert_eq!(by_list.get, 6, "{by_list:?}");
    assert_eq!(by_get.get, 154, "{by_get:?}");
    assert_eq!(listed, single, "the same plan either way");
    p.assert_no_changes();

    // Drift on one alert, another deleted outside azlift: both ways see exactly that.
    edit_cloud(&p, |resources| {
        let key = |name: &str| {
            resources
                .keys()
                .find(|k| k.ends_with(&format!("/metricalerts/listed-{name}")))
                .cloned()
                .unwrap_or_else(|| panic!("alert {name} in the cloud"))
        };
        let (drifted, gone) = (key("a7"), key("a120"));
        resources[&drifted]["body"]["properties"]["criteria"]["allOf"][0]["threshold"] =
            Value::from(999);
        resources.remove(&gone);
    });
    let (listed, _) = plan_json(&p, "list");
    let (single, _) = plan_json(&p, "get");
    assert_eq!(listed, single, "the same plan either way");
    let text = listed.to_string();
    assert!(
        text.contains("alert.a7") && text.contains("alert.a120"),
        "{text}"
    );
    let changed: Vec<(String, String)> = listed["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["action"] != "no_op" && c["action"] != "read")
        .map(|c| {
            (
                c["address"].as_str().unwrap_or_default().to_string(),
                c["action"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        changed,
        [
            ("alert.a120".to_string(), "create".to_string()),
            ("alert.a7".to_string(), "update".to_string())
        ],
        "{text}"
    );
}
