//! State commands read only `[project]` and `[state]`: a secret variable that only CI sets
//! does not stop `state list`, `state history` or `output` on a developer's machine, while
//! `plan` (which renders resources) still asks for it.

mod common;

use common::Project;

const MANIFEST: &str = r#"
[project]
name = "lenient-demo"
location = "eastus"

[variables]
alert_email = { secret = true }

[monitoring]

[action_group.ops]
name = "lenient-demo-alerts"
short_name = "lenientops"
email = { admin = "${var.alert_email}" }
"#;

#[test]
fn state_commands_work_without_values_only_resources_need() {
    let project = Project::from_toml(MANIFEST);
    project
        .run(&["up", "--yes", "--var", "alert_email=ops@example.com"])
        .ok();

    let list = project.run(&["state", "list"]);
    list.ok();
    assert!(list.stdout.contains("action_group.ops"), "{}", list.stdout);
    project.run(&["state", "history"]).ok();
    project.run(&["output"]).ok();

    let plan = project.run(&["plan"]);
    plan.expect_code(1);
    assert!(
        plan.flat_stderr()
            .contains("variable `alert_email` has no value"),
        "{}",
        plan.stderr
    );
}
