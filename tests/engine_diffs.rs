//! Exact diffs (issue 4): after a converged `up` of the production example, one edit of the
//! manifest at a time; `plan --output json --detailed-exitcode` exits 2 and lists exactly the
//! expected resources and attribute paths (pinned by insta snapshots of a compact form, plus
//! explicit asserts for a few); then `up --yes` applies it and the next plan is empty.

mod common;

use std::sync::OnceLock;

use common::{Project, compact_plan};
use serde_json::Value;

/// The production example, converged once per test binary; every case works on a copy.
fn production() -> &'static Project {
    static BASE: OnceLock<Project> = OnceLock::new();
    BASE.get_or_init(|| Project::converged("production", &[], |_| {}))
}

/// The secret variable and app secret the secret cases add to the production example.
const SECRET_APP: &str = r#"
[app.payments]
image = "${var.registry}/payments:${var.image_tag}"
cpu = 0.25
memory = "0.5Gi"
port = 8080
ingress = "internal"
secrets = { api-key = "${var.payments_key}" }
env = { API_KEY = { secret = "api-key" }, MODE = "live" }
"#;

const SECRET_VAR: (&str, &str) = ("AZLIFT_VAR_payments_key", "first-Secret-value-1");

fn with_secret() -> &'static Project {
    static BASE: OnceLock<Project> = OnceLock::new();
    BASE.get_or_init(|| {
        Project::converged("production", &[SECRET_VAR], |p| {
            p.edit(
                "[variables]\n",
                "[variables]\npayments_key = { secret = true }\n",
            );
            p.edit("[apim]", &format!("{}\n[apim]", SECRET_APP.trim_start()));
        })
    })
}

/// Apply `edit` to a copy of `base`, check the plan (exit 2, snapshot `name`), apply it with
/// `up --yes` plus `up_args`, and check that the next plan is empty. Returns the compact plan.
#[track_caller]
fn case(
    base: &Project,
    name: &str,
    env: &[(&str, &str)],
    up_args: &[&str],
    edit: impl FnOnce(&Project),
) -> Vec<String> {
    let p = base.copy();
    edit(&p);
    let plan = p.run_env(&["plan", "--output", "json", "--detailed-exitcode"], env);
    plan.expect_code(2);
    let doc: Value = serde_json::from_str(plan.stdout.trim()).expect("plan JSON");
    let compact = compact_plan(&doc);
    insta::assert_yaml_snapshot!(name, compact);

    let mut args = vec!["up", "--yes"];
    args.extend_from_slice(up_args);
    p.run_env(&args, env).ok();
    let after = p.run_env(&["plan", "--detailed-exitcode"], env);
    after.expect_code(0);
    assert!(after.stdout.contains("No changes"), "{}", after.stdout);
    compact
}

fn prod_case(name: &str, edit: impl FnOnce(&Project)) -> Vec<String> {
    case(production(), name, &[], &[], edit)
}

#[test]
fn alert_threshold_10_to_20() {
    let c = prod_case("alert_threshold", |p| {
        p.edit("threshold = 10\n", "threshold = 20\n")
    });
    assert_eq!(
        c,
        [
            "alert.high-error-rate update",
            "    properties.criteria.allOf[name=Metric1].threshold: 10.0 -> 20.0",
        ]
    );
}

#[test]
fn human_plan_shows_paths_as_the_manifest_writes_them() {
    let p = production().copy();
    p.edit("threshold = 10\n", "threshold = 20\n");
    let plan = p.run(&["plan", "--detailed-exitcode"]);
    plan.expect_code(2);
    assert!(
        plan.stdout.contains(
            "  # alert.high-error-rate (Microsoft.Insights/metricAlerts) will be updated in place: 1 attribute differs\n   ~ properties.criteria.allOf[name=Metric1].threshold: 10 -> 20\n"
        ),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy."),
        "{}",
        plan.stdout
    );
}

#[test]
fn notification_ingress_internal_to_external() {
    let c = prod_case("ingress_external", |p| {
        p.edit_in(
            "[app.notification-svc]",
            r#"ingress = "internal""#,
            r#"ingress = "external""#,
        )
    });
    assert_eq!(
        c,
        [
            "app.notification-svc update",
            "    properties.configuration.ingress.external: false -> true",
        ]
    );
}

#[test]
fn add_a_logged_header() {
    prod_case("add_header", |p| {
        p.edit(
            r#"headers = ["X-User-OID", "X-Tenant-ID"]"#,
            r#"headers = ["X-User-OID", "X-Tenant-ID", "X-Request-ID"]"#,
        )
    });
}

#[test]
fn remove_a_logged_header() {
    prod_case("remove_header", |p| {
        p.edit(
            r#"headers = ["X-User-OID", "X-Tenant-ID"]"#,
            r#"headers = ["X-User-OID"]"#,
        )
    });
}

#[test]
fn add_an_env_var_to_task_api() {
    let c = prod_case("add_env", |p| {
        p.edit(
            r#"AUDIT_URL = "http://audit-svc" }"#,
            r#"AUDIT_URL = "http://audit-svc", LOG_LEVEL = "debug" }"#,
        )
    });
    assert_eq!(c.len(), 2, "{c:?}");
    assert!(c[1].contains("env[name=LOG_LEVEL]: (absent) -> "), "{c:?}");
}

#[test]
fn remove_an_env_var_from_task_api() {
    prod_case("remove_env", |p| {
        p.edit(r#", AUDIT_URL = "http://audit-svc" }"#, " }")
    });
}

#[test]
fn change_liveness_probe_interval() {
    prod_case("liveness_interval", |p| {
        p.edit_in("[app.task-api]", "interval = 30", "interval = 15")
    });
}

#[test]
fn change_readiness_failures() {
    prod_case("readiness_failures", |p| {
        p.edit_in("[app.frontend]", "failures = 3 } }", "failures = 5 } }")
    });
}

#[test]
fn add_an_app() {
    let c = prod_case("add_app", |p| {
        p.edit(
            "[apim]",
            "[app.worker]\nimage = \"${var.registry}/worker:${var.image_tag}\"\ncpu = 0.5\nmemory = \"1Gi\"\ningress = \"none\"\n\n[apim]",
        )
    });
    assert_eq!(c, ["app.worker create"]);
}

#[test]
fn remove_an_alert() {
    let c = prod_case("remove_alert", |p| {
        p.remove_section("[alert.slow-response]")
    });
    assert_eq!(c, ["alert.slow-response delete"]);
}

#[test]
fn replicas_max_3_to_5() {
    prod_case("replicas_max", |p| {
        p.edit_in("[app.audit-svc]", "max = 3", "max = 5")
    });
}

#[test]
fn change_one_image() {
    prod_case("image", |p| {
        p.edit(
            r#""${var.registry}/frontend:${var.image_tag}""#,
            r#""${var.registry}/frontend:v2""#,
        )
    });
}

#[test]
fn change_the_image_tag_variable_updates_every_app() {
    prod_case("image_tag_variable", |p| {
        p.edit(r#"image_tag = "latest""#, r#"image_tag = "v2""#)
    });
}

#[test]
fn change_alert_severity() {
    prod_case("alert_severity", |p| {
        p.edit_in("[alert.high-error-rate]", "severity = 2", "severity = 1")
    });
}

#[test]
fn change_retention_days() {
    prod_case("retention_days", |p| {
        p.edit_in("[monitoring]", "retention_days = 30", "retention_days = 90")
    });
}

#[test]
fn change_sampling() {
    prod_case("sampling", |p| p.edit("sampling = 100", "sampling = 50"));
}

#[test]
fn add_a_tag_updates_every_tagged_resource() {
    let c = prod_case("add_tag", |p| {
        p.edit(
            r#"tags = { project = "blog08", env = "prod" }"#,
            r#"tags = { project = "blog08", env = "prod", owner = "ops" }"#,
        )
    });
    assert!(
        c.iter()
            .all(|l| l.ends_with(" update") || l.contains("tags.owner: (absent) -> \"ops\"")),
        "{c:?}"
    );
}

#[test]
fn change_the_alert_email_variable() {
    prod_case("alert_email_variable", |p| {
        p.edit(
            r#"default = "ops@example.com""#,
            r#"default = "oncall@example.com""#,
        )
    });
}

#[test]
fn change_cpu_and_memory() {
    prod_case("cpu_memory", |p| {
        p.edit_in("[app.task-api]", "cpu = 0.25", "cpu = 0.5");
        p.edit_in("[app.task-api]", r#"memory = "0.5Gi""#, r#"memory = "1Gi""#);
    });
}

#[test]
fn turn_telemetry_off_for_one_app() {
    prod_case("telemetry_off", |p| {
        p.edit_in("[app.audit-svc]", "telemetry = true", "telemetry = false")
    });
}

#[test]
fn turn_always_log_errors_off() {
    prod_case("always_log_errors_off", |p| {
        p.edit("always_log_errors = true", "always_log_errors = false")
    });
}

#[test]
fn remove_an_alert_description() {
    prod_case("remove_alert_description", |p| {
        p.edit_in(
            "[alert.slow-response]",
            "description = \"Fires when the average response time is above 5 seconds over 5 minutes\"\n",
            "",
        )
    });
}

#[test]
fn remove_all_probes_of_an_app() {
    prod_case("remove_probes", |p| {
        p.edit_in(
            "[app.audit-svc]",
            "probes = { path = \"/health\", liveness = { initial_delay = 10, interval = 30, failures = 3 }, readiness = { interval = 10, failures = 3 } }\n",
            "",
        )
    });
}

#[test]
fn ingress_internal_to_none() {
    prod_case("ingress_none", |p| {
        p.edit_in(
            "[app.audit-svc]",
            r#"ingress = "internal""#,
            r#"ingress = "none""#,
        );
        p.edit_in("[app.audit-svc]", "transport = \"http\"\n", "");
    });
}

#[test]
fn change_a_secret_value() {
    let c = case(
        with_secret(),
        "secret_value",
        &[("AZLIFT_VAR_payments_key", "second-Secret-value-2")],
        &[],
        |_| {},
    );
    assert_eq!(
        c,
        [
            "app.payments update",
            r#"    properties.configuration.secrets[name=api-key].value: "(sensitive)" -> "(sensitive)""#,
        ]
    );
}

#[test]
fn change_application_type_is_a_replace_needing_consent() {
    let p = production().copy();
    p.edit(
        r#"application_type = "web""#,
        r#"application_type = "other""#,
    );
    let refused = p.run(&["up", "--yes"]);
    refused.expect_code(1);
    assert!(
        refused.flat_stderr().contains("monitoring.app_insights")
            && refused.flat_stderr().contains("--allow-replace"),
        "{}",
        refused.stderr
    );
    p.run(&["plan", "--detailed-exitcode"]).expect_code(2);
    case(
        &p,
        "application_type_replace",
        &[],
        &["--allow-replace"],
        |_| {},
    );
}

/// Location on the minimal example (group, workspace, App Insights): a replace of each,
/// refused without consent, applied with `--allow-replace`.
#[test]
fn change_location_is_a_replace_needing_consent() {
    let base = Project::converged("minimal", &[], |_| {});
    base.edit(r#"location = "eastus""#, r#"location = "westus""#);
    let refused = base.run(&["up", "--yes"]);
    refused.expect_code(1);
    assert!(
        refused.flat_stderr().contains("replaces")
            && refused.flat_stderr().contains("resource_group"),
        "the refusal names the replaced resources:\n{}",
        refused.stderr
    );
    let plan = base.run(&["plan", "--detailed-exitcode"]);
    plan.expect_code(2);
    assert!(
        plan.stdout
            .contains("-/+ location: \"eastus\" -> \"westus\"   # forces replacement"),
        "{}",
        plan.stdout
    );
    let c = case(&base, "location_minimal", &[], &["--allow-replace"], |_| {});
    assert_eq!(
        c.iter().filter(|l| l.ends_with(" replace")).count(),
        3,
        "{c:?}"
    );
}

#[test]
fn change_location_of_production() {
    let p = production().copy();
    p.edit(r#"location = "eastus""#, r#"location = "westus""#);
    p.run(&["up", "--yes"]).expect_code(1);
    case(&p, "location_production", &[], &["--allow-replace"], |_| {});
}
