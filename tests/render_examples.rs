//! The examples as a user runs them: `azlift validate` and `azlift render --output json` on
//! `examples/production` and `examples/minimal` through the real binary, the production
//! system's content checked item by item (the foundation issue's acceptance), and the rendered
//! resources and ARM template of both examples pinned as snapshots.

use assert_cmd::Command;
use serde_json::Value;

fn azlift() -> Command {
    Command::cargo_bin("azlift").expect("binary built")
}

fn example(name: &str) -> String {
    format!("{}/examples/{name}/azlift.toml", env!("CARGO_MANIFEST_DIR"))
}

fn render_json(name: &str, extra: &[&str]) -> Value {
    let out = azlift()
        .args(["render", "--output", "json", "-f", &example(name)])
        .args(extra)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn of_type<'a>(all: &'a [Value], t: &str) -> Vec<&'a Value> {
    all.iter().filter(|r| r["type"] == t).collect()
}

#[test]
fn both_examples_validate() {
    for name in ["production", "minimal", "custom"] {
        azlift()
            .args(["validate", "-f", &example(name)])
            .assert()
            .success();
    }
}

#[test]
fn production_renders_the_seed_system() {
    let all = render_json("production", &[]);
    let all = all.as_array().expect("an array");
    let count = |t: &str| of_type(all, t).len();
    assert_eq!(count("Microsoft.Resources/resourceGroups"), 1);
    assert_eq!(count("Microsoft.OperationalInsights/workspaces"), 1);
    assert_eq!(count("Microsoft.Insights/components"), 1);
    assert_eq!(count("Microsoft.Insights/actionGroups"), 1);
    assert_eq!(count("Microsoft.App/managedEnvironments"), 1);
    assert_eq!(count("Microsoft.ApiManagement/service/loggers"), 1);
    assert_eq!(count("Microsoft.ApiManagement/service/diagnostics"), 1);

    let alerts = of_type(all, "Microsoft.Insights/metricAlerts");
    assert_eq!(alerts.len(), 2);
    assert!(alerts.iter().all(|a| a["body"]["location"] == "global"));

    let apps = of_type(all, "Microsoft.App/containerApps");
    assert_eq!(apps.len(), 4);
    let internal = apps
        .iter()
        .filter(|a| a["body"]["properties"]["configuration"]["ingress"]["external"] == false)
        .count();
    assert_eq!(internal, 2);
    for app in &apps {
        let props = &app["body"]["properties"];
        let container = &props["template"]["containers"][0];
        let mut probes: Vec<&str> = container["probes"]
            .as_array()
            .expect("probes")
            .iter()
            .filter_map(|p| p["type"].as_str())
            .collect();
        probes.sort();
        assert_eq!(probes, ["Liveness", "Readiness"], "{}", app["address"]);
        assert_eq!(props["template"]["scale"]["minReplicas"], 1);
        assert_eq!(props["template"]["scale"]["maxReplicas"], 3);
        // The connection string reaches the app only as a secret reference.
        let env = container["env"].as_array().expect("env");
        let conn = env
            .iter()
            .find(|e| e["name"] == "APPLICATIONINSIGHTS_CONNECTION_STRING")
            .expect("telemetry env var");
        assert_eq!(conn["secretRef"], "appinsights-connection-string");
        assert!(conn.get("value").is_none());
        let secret = props["configuration"]["secrets"]
            .as_array()
            .expect("secrets")
            .iter()
            .find(|s| s["name"] == "appinsights-connection-string")
            .expect("the secret");
        assert_eq!(secret["value"], "(sensitive)");
    }

    let diag = of_type(all, "Microsoft.ApiManagement/service/diagnostics")[0];
    let p = &diag["body"]["properties"];
    assert_eq!(p["httpCorrelationProtocol"], "W3C");
    assert_eq!(p["sampling"]["percentage"], 100.0);
    assert_eq!(
        p["frontend"]["request"]["headers"],
        serde_json::json!(["X-User-OID", "X-Tenant-ID"])
    );
}

#[test]
fn example_renders_are_pinned() {
    insta::assert_json_snapshot!(
        "example_production_resources",
        render_json("production", &[])
    );
    insta::assert_json_snapshot!("example_minimal_resources", render_json("minimal", &[]));
    for name in ["production", "minimal"] {
        let out = azlift()
            .args(["render", "--arm-template", "-f", &example(name)])
            .output()
            .expect("runs");
        assert!(out.status.success());
        let template: Value = serde_json::from_slice(&out.stdout).expect("a JSON template");
        insta::assert_json_snapshot!(format!("example_{name}_arm_template"), template);
    }
}
