//! Plans people and policy tools can review (issue 16), through the binary against the
//! embedded emulator (`--local`):
//! - the human plan of a create lists every planned attribute (snapshots of a create of the
//!   production example, an update, a replace and a delete; `--compact` keeps one line per
//!   create), and no secret appears in any of them;
//! - the JSON plan of every example validates against the published schema
//!   (`docs/schemas/plan.schema.json`), saved plans too, and a create's `after` is the
//!   rendered body with secrets masked;
//! - `verify --plan FILE` and `plan --verify` catch each rule's breaking manifest edit on the
//!   plan, before any ARM write (client request counts, the local cloud unchanged, and a
//!   standalone emulator's request log); their SARIF validates;
//! - `plan --format mermaid` draws every resource, dependency and action class;
//! - `up` ends with one summary line and prints the plan's total once.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use common::{Project, Run};
use serde_json::Value;

/// A secret variable the production example's alert email is switched to.
const SECRET_EMAIL: &str = "pager-7f3a9c@example.com";
const SECRET_ENV: (&str, &str) = ("AZLIFT_VAR_alert_email", SECRET_EMAIL);

/// Make the production example's alert email a secret variable.
fn secret_email(p: &Project) {
    p.edit(
        "alert_email = { default = \"ops@example.com\", description = \"Where alert emails go\" }",
        "alert_email = { secret = true, description = \"Where alert emails go\" }",
    );
}

/// The production example with a secret alert email, converged once with `-e prod`.
fn production() -> &'static Project {
    static BASE: OnceLock<Project> = OnceLock::new();
    BASE.get_or_init(|| Project::converged("production", &env(), secret_email))
}

/// The variables every run against [`production`] gets: the secret and `-e prod`.
fn env() -> [(&'static str, &'static str); 2] {
    [SECRET_ENV, ("AZLIFT_ENV", "prod")]
}

/// Fail if `text` holds any secret: the secret variable, or a secret the local cloud holds.
#[track_caller]
fn assert_no_secret(p: &Project, text: &str) {
    assert!(
        !text.contains(SECRET_EMAIL),
        "the secret variable leaked:\n{text}"
    );
    if p.cloud_path().exists() {
        for secret in common::cloud_secrets(&p.cloud_text()) {
            assert!(!text.contains(&secret), "a cloud secret leaked:\n{text}");
        }
    }
}

fn schema() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let path = common::repo_root().join("docs/schemas/plan.schema.json");
        let schema: Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).expect("schema JSON");
        jsonschema::validator_for(&schema).expect("the plan schema compiles")
    })
}

#[track_caller]
fn assert_valid_plan(doc: &Value) {
    let errors: Vec<String> = schema()
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema errors: {errors:#?}\n{doc:#}");
}

// ---------------------------------------------------------------------------------------
// The human plan

#[test]
fn human_plan_of_a_create_shows_every_attribute_and_compact_one_line() {
    let p = Project::example("production");
    secret_email(&p);
    let run = p.run_env(&["plan"], &env());
    run.ok();
    assert_no_secret(&p, &run.all());
    // The secret variable is used in the action group's receiver and APIM's publisher email.
    assert!(
        run.stdout
            .lines()
            .any(|l| l.trim_start().starts_with("+ emailAddress") && l.ends_with("= (sensitive)")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("(known after apply)"), "{}", run.stdout);
    insta::assert_snapshot!("create_production", run.stdout);

    let compact = p.run_env(&["plan", "--compact"], &env());
    compact.ok();
    let creates = compact
        .stdout
        .lines()
        .filter(|l| l.contains("will be created"))
        .count();
    assert_eq!(creates, 17, "{}", compact.stdout);
    // One id line per create, nothing else.
    assert_eq!(
        compact
            .stdout
            .lines()
            .filter(|l| l.starts_with("   + /subscriptions/"))
            .count(),
        17
    );
    insta::assert_snapshot!("create_production_compact", compact.stdout);
}

/// A copy of [`production`] edited by `edit`; its human plan (exit 2), scanned for secrets.
#[track_caller]
fn human_plan(edit: impl FnOnce(&Project)) -> String {
    let p = production().copy();
    edit(&p);
    let run = p.run_env(&["plan", "--detailed-exitcode"], &env());
    run.expect_code(2);
    assert_no_secret(&p, &run.all());
    run.stdout
}

#[test]
fn human_plan_of_an_update_a_replace_and_a_delete() {
    let update = human_plan(|p| p.edit("threshold = 10\n", "threshold = 20\n"));
    assert!(
        update.contains("   ~ properties.criteria.allOf[name=Metric1].threshold: 10 -> 20\n"),
        "{update}"
    );
    insta::assert_snapshot!("update", update);

    let replace =
        human_plan(|p| p.edit("application_type = \"web\"", "application_type = \"other\""));
    assert!(
        replace.contains(" -/+ kind: \"web\" -> \"other\"   # forces replacement"),
        "{replace}"
    );
    insta::assert_snapshot!("replace", replace);

    let delete = human_plan(|p| p.remove_section("[alert.slow-response]"));
    assert!(delete.contains("   - /subscriptions/"), "{delete}");
    insta::assert_snapshot!("delete", delete);
}

// ---------------------------------------------------------------------------------------
// The JSON plan

/// `render --output json`'s masked bodies by address.
fn rendered_bodies(p: &Project, env: &[(&str, &str)]) -> BTreeMap<String, Value> {
    let run = p.run_env(&["render", "--output", "json"], env);
    run.ok();
    let list: Value = serde_json::from_str(&run.stdout).expect("render JSON");
    list.as_array()
        .expect("an array")
        .iter()
        .map(|r| {
            (
                r["address"].as_str().unwrap().to_string(),
                r["body"].clone(),
            )
        })
        .collect()
}

#[test]
fn the_json_plan_of_every_example_validates_and_after_is_the_masked_render() {
    for name in ["minimal", "production", "custom"] {
        let p = Project::example(name);
        let env: &[(&str, &str)] = if name == "production" {
            &[SECRET_ENV]
        } else {
            &[]
        };
        if name == "production" {
            secret_email(&p);
        }
        let run = p.run_env(&["plan", "--output", "json", "--out", "saved.plan"], env);
        run.ok();
        assert!(
            !run.all().contains("change-me-please"),
            "{name}: {}",
            run.all()
        );
        assert_no_secret(&p, &run.all());
        let doc: Value = serde_json::from_str(run.stdout.trim()).expect("one JSON document");
        assert_valid_plan(&doc);
        assert_eq!(doc["format_version"], 1);

        let saved_text = std::fs::read_to_string(p.path().join("saved.plan")).unwrap();
        assert!(!saved_text.contains("change-me-please"), "{name}");
        assert_no_secret(&p, &saved_text);
        let saved: Value = serde_json::from_str(&saved_text).unwrap();
        assert_valid_plan(&saved);
        assert_eq!(saved["plan"]["changes"], doc["changes"], "{name}");

        let rendered = rendered_bodies(&p, env);
        let changes = doc["changes"].as_array().unwrap();
        assert_eq!(changes.len(), rendered.len(), "{name}");
        for c in changes {
            let address = c["address"].as_str().unwrap();
            if c["action"] == "read" {
                continue;
            }
            assert_eq!(c["action"], "create", "{name}: {address}");
            assert!(c.get("before").is_none(), "{name}: {address}");
            assert_eq!(&c["after"], &rendered[address], "{name}: {address}");
        }
    }
}

#[test]
fn the_json_plan_of_an_update_has_before_and_after_and_validates() {
    let p = production().copy();
    p.edit("threshold = 10\n", "threshold = 20\n");
    let run = p.run_env(&["plan", "--output", "json"], &env());
    run.ok();
    assert_no_secret(&p, &run.all());
    let doc: Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_valid_plan(&doc);
    let alert = doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "alert.high-error-rate")
        .expect("the alert");
    assert_eq!(alert["action"], "update");
    let threshold = "/properties/criteria/allOf/0/threshold";
    assert_eq!(
        alert["before"].pointer(threshold).and_then(Value::as_f64),
        Some(10.0)
    );
    assert_eq!(
        alert["after"].pointer(threshold).and_then(Value::as_f64),
        Some(20.0)
    );
    // App Insights' connection string is in its GET answer: `before` masks it.
    let insights = doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "monitoring.app_insights")
        .expect("App Insights");
    assert_eq!(
        insights["before"]["properties"]["ConnectionString"],
        "(sensitive)"
    );
}

#[test]
fn the_schema_rejects_what_is_not_a_plan() {
    // The check can fail: a wrong action, a missing `after` on a create, an unknown field.
    let good = serde_json::json!({
        "format_version": 1,
        "changes": [{
            "address": "resource_group", "id": "/subscriptions/s/resourceGroups/rg",
            "type": "Microsoft.Resources/resourceGroups", "api_version": "2024-03-01",
            "action": "create", "reason": "does not exist yet", "after": { "location": "eastus" }
        }],
        "summary": { "create": 1, "update": 0, "replace": 0, "delete": 0, "no_op": 0 }
    });
    assert_valid_plan(&good);
    let mut bad = good.clone();
    bad["changes"][0]["action"] = "destroy".into();
    assert!(!schema().is_valid(&bad));
    let mut bad = good.clone();
    bad["changes"][0].as_object_mut().unwrap().remove("after");
    assert!(!schema().is_valid(&bad));
    let mut bad = good.clone();
    bad["surprise"] = true.into();
    assert!(!schema().is_valid(&bad));
    let mut bad = good;
    bad["format_version"] = 2.into();
    assert!(!schema().is_valid(&bad));
}

// ---------------------------------------------------------------------------------------
// verify on the plan

/// A copy of [`production`] edited by `edit`: `plan --verify --out` and `verify --plan`
/// must both exit 1 naming `rule` and `resource`, and neither may write to ARM.
#[track_caller]
fn caught_on_the_plan(rule: &str, resource: &str, edit: impl FnOnce(&Project)) -> Project {
    let p = production().copy();
    edit(&p);
    let cloud_before = p.cloud_text();
    let planned = p.run_env(&["plan", "--verify", "--out", "pr.plan", "-v"], &env());
    planned.expect_code(1);
    assert_eq!(planned.requests().writes(), 0, "{:?}", planned.requests());
    assert!(
        fails(&planned, rule, resource),
        "plan --verify:\n{}",
        planned.stdout
    );
    let verified = p.run_env(&["verify", "--plan", "pr.plan"], &env());
    verified.expect_code(1);
    assert!(
        fails(&verified, rule, resource),
        "verify --plan:\n{}",
        verified.stdout
    );
    let failing = verified
        .stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("FAIL"))
        .count();
    assert_eq!(failing, 1, "only {rule} fails:\n{}", verified.stdout);
    assert!(verified.stdout.starts_with("Verifying the plan for "));
    assert_no_secret(&p, &planned.all());
    assert_no_secret(&p, &verified.all());
    // Nothing was written: the emulator's cloud is as it was.
    assert_eq!(p.cloud_text(), cloud_before, "the local cloud changed");
    p
}

/// A FAIL line of the human report naming `rule` and `resource:`.
fn fails(run: &Run, rule: &str, resource: &str) -> bool {
    run.stdout.lines().any(|l| {
        l.trim_start().starts_with("FAIL")
            && l.contains(rule)
            && l.contains(&format!("{resource}:"))
    })
}

/// `METHOD /_emulator/requests` on a running emulator (its request log), trusting its CA.
fn request_log(emu: &common::StandaloneEmulator, method: reqwest::Method) -> Value {
    let pem = std::fs::read(&emu.ca_file).expect("the emulator's CA");
    let mut builder = reqwest::Client::builder();
    for cert in reqwest::Certificate::from_pem_bundle(&pem).expect("PEM") {
        builder = builder.add_root_certificate(cert);
    }
    let client = builder.build().expect("a client");
    let url = format!("{}/_emulator/requests", emu.url);
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    rt.block_on(async {
        let resp = client
            .request(method, &url)
            .send()
            .await
            .expect("admin API");
        assert!(resp.status().is_success(), "{}", resp.status());
        resp.json::<Value>().await.unwrap_or(Value::Null)
    })
}

#[test]
fn the_emulator_request_log_shows_no_write_while_a_plan_is_verified() {
    let emu = common::StandaloneEmulator::start(&[]);
    let p = Project::example("production");
    let prod = [("AZLIFT_ENV", "prod")];
    p.run_remote(&emu, &["up", "--yes"], &prod).ok();
    p.edit_in(
        "[app.audit-svc]",
        "ingress = \"internal\"",
        "ingress = \"external\"",
    );
    request_log(&emu, reqwest::Method::DELETE);
    let planned = p.run_remote(&emu, &["plan", "--verify", "--out", "pr.plan"], &prod);
    planned.expect_code(1);
    assert!(
        fails(&planned, "AZL-V002", "app.audit-svc"),
        "{}",
        planned.stdout
    );
    let verified = p.run_remote(&emu, &["verify", "--plan", "pr.plan"], &prod);
    verified.expect_code(1);
    assert!(
        fails(&verified, "AZL-V002", "app.audit-svc"),
        "{}",
        verified.stdout
    );
    let log = request_log(&emu, reqwest::Method::GET);
    let log = log.as_array().expect("the request log");
    let methods: BTreeSet<&str> = log.iter().filter_map(|r| r["method"].as_str()).collect();
    assert!(methods.contains("GET"), "the plan read ARM: {log:#?}");
    for write in ["PUT", "PATCH", "DELETE"] {
        assert!(!methods.contains(write), "{write} sent: {log:#?}");
    }
}

#[test]
fn the_converged_production_plan_passes_verify() {
    let p = production().copy();
    let run = p.run_env(
        &[
            "plan",
            "--verify",
            "--detailed-exitcode",
            "--out",
            "ok.plan",
        ],
        &env(),
    );
    run.ok();
    assert!(run.stdout.contains("Verify passed."), "{}", run.stdout);
    let run = p.run_env(&["verify", "--plan", "ok.plan", "--output", "json"], &env());
    run.ok();
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["subject"], "plan");
    assert_eq!(v["counts"]["passed"], 8, "{v:#}");
    // In the JSON plan, the report is the document's `verify`.
    let run = p.run_env(&["plan", "--verify", "--output", "json"], &env());
    run.ok();
    let doc: Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_valid_plan(&doc);
    assert_eq!(doc["verify"]["passed"], true, "{doc:#}");
    assert_eq!(doc["verify"]["counts"], v["counts"]);
}

#[test]
fn v000_an_existing_resource_that_is_missing_is_caught_on_the_plan() {
    caught_on_the_plan("AZL-V000", "apim.service", |p| {
        p.edit(
            "sku = \"Developer\"\ncapacity = 1\n",
            "name = \"nobody-has-this-apim\"\nexisting = true\n",
        );
        p.edit(
            "publisher_email = \"${var.alert_email}\"\npublisher_name = \"Blog 08\"\n",
            "",
        );
    });
}

#[test]
fn v001_an_app_without_probes_is_caught_on_the_plan() {
    caught_on_the_plan("AZL-V001", "app.worker", |p| {
        p.append(
            "[app.worker]\nimage = \"${var.registry}/worker:${var.image_tag}\"\ncpu = 0.25\nmemory = \"0.5Gi\"\ningress = \"none\"\nreplicas = { min = 1, max = 1 }\n",
        )
    });
}

#[test]
fn v002_making_an_internal_app_external_is_caught_on_the_plan() {
    let p = caught_on_the_plan("AZL-V002", "app.audit-svc", |p| {
        p.edit_in(
            "[app.audit-svc]",
            "ingress = \"internal\"",
            "ingress = \"external\"",
        )
    });
    // Intended: a silence with its reason lets it pass.
    p.append(
        "[[verify.silence]]\nrule = \"AZL-V002\"\nresource = \"app.audit-svc\"\nreason = \"the audit API goes public in this release\"\n",
    );
    let run = p.run_env(&["plan", "--verify"], &env());
    run.ok();
    assert!(
        run.stdout.contains("the audit API goes public"),
        "{}",
        run.stdout
    );
}

#[test]
fn v003_scale_to_zero_in_production_is_caught_on_the_plan() {
    caught_on_the_plan("AZL-V003", "app.frontend", |p| {
        p.edit_in(
            "[app.frontend]",
            "replicas = { min = 1",
            "replicas = { min = 0",
        )
    });
}

#[test]
fn v004_a_disabled_alert_is_caught_on_the_plan() {
    caught_on_the_plan("AZL-V004", "alert.slow-response", |p| {
        p.edit_in(
            "[alert.slow-response]",
            "notify = [\"ops\"]",
            "notify = [\"ops\"]\nenabled = false",
        )
    });
}

#[test]
fn v005_a_plain_connection_string_is_caught_on_the_plan_and_never_printed() {
    let value = "InstrumentationKey=11111111-2222-3333-4444-555555555555;IngestionEndpoint=https://eastus-8.in.applicationinsights.azure.com/";
    let p = caught_on_the_plan("AZL-V005", "app.audit-svc", |p| {
        p.edit_in("[app.audit-svc]", "telemetry = true", "telemetry = false");
        p.edit_in(
            "[app.audit-svc]",
            "env = { TRUST_GATEWAY = \"true\" }",
            &format!("env = {{ TRUST_GATEWAY = \"true\", APPLICATIONINSIGHTS_CONNECTION_STRING = \"{value}\" }}"),
        );
    });
    let run = p.run_env(
        &["verify", "--plan", "pr.plan", "--format", "sarif"],
        &env(),
    );
    run.expect_code(1);
    assert!(!run.all().contains("11111111-2222"), "{}", run.all());
}

#[test]
fn v006_legacy_correlation_is_caught_on_the_plan_and_its_sarif_validates() {
    let p = caught_on_the_plan("AZL-V006", "apim.diagnostic", |p| {
        p.edit("correlation = \"W3C\"", "correlation = \"Legacy\"")
    });
    let run = p.run_env(
        &["verify", "--plan", "pr.plan", "--format", "sarif"],
        &env(),
    );
    run.expect_code(1);
    let log = common::assert_valid_sarif(&run.stdout);
    assert_eq!(
        log["runs"][0]["results"][0]["ruleId"], "AZL-V006",
        "{log:#}"
    );
}

#[test]
fn v007_sampling_below_100_warns_on_the_plan_and_passes() {
    let p = production().copy();
    p.edit("sampling = 100", "sampling = 25");
    let run = p.run_env(&["plan", "--verify"], &env());
    run.ok();
    assert!(
        run.stdout
            .lines()
            .any(|l| l.trim_start().starts_with("warn") && l.contains("AZL-V007")),
        "{}",
        run.stdout
    );
}

#[test]
fn verify_plan_refuses_a_plan_of_another_environment_and_a_file_that_is_no_plan() {
    let p = production().copy();
    p.run_env(&["plan", "--out", "prod.plan"], &env()).ok();
    let run = p.run_env(
        &["-e", "dev", "verify", "--plan", "prod.plan"],
        &[SECRET_ENV],
    );
    run.expect_code(1);
    assert!(
        run.flat_stderr().contains("made for environment `prod`"),
        "{}",
        run.stderr
    );
    std::fs::write(p.path().join("junk.plan"), "{\"not\": \"a plan\"}").unwrap();
    let run = p.run_env(&["verify", "--plan", "junk.plan"], &env());
    run.expect_code(1);
    assert!(
        run.flat_stderr().contains("is not a saved azlift plan"),
        "{}",
        run.stderr
    );
}

// ---------------------------------------------------------------------------------------
// The picture

/// A Mermaid flowchart as written by `plan --format mermaid`: nodes (id -> (label, class)),
/// edges and class styles. Panics on a line it does not know.
struct Flowchart {
    nodes: BTreeMap<String, (String, String)>,
    edges: BTreeSet<(String, String)>,
    classes: BTreeMap<String, String>,
}

fn parse_flowchart(text: &str) -> Flowchart {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("flowchart LR"), "{text}");
    let mut f = Flowchart {
        nodes: BTreeMap::new(),
        edges: BTreeSet::new(),
        classes: BTreeMap::new(),
    };
    for line in lines {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("classDef ") {
            let (name, style) = rest.split_once(' ').expect("classDef NAME STYLE");
            assert!(
                f.classes.insert(name.into(), style.into()).is_none(),
                "{line}"
            );
        } else if let Some((from, to)) = line.split_once(" --> ") {
            assert!(
                f.edges.insert((from.into(), to.into())),
                "duplicate edge {line}"
            );
        } else if let Some((id, rest)) = line.split_once("[\"") {
            let (label, class) = rest.split_once("\"]:::").expect("a node with a class");
            assert!(
                f.nodes
                    .insert(id.into(), (label.into(), class.into()))
                    .is_none(),
                "{line}"
            );
        } else {
            panic!("unknown line `{line}` in\n{text}");
        }
    }
    f
}

#[test]
fn mermaid_draws_every_resource_edge_and_action() {
    let p = production().copy();
    // One of each action: update, replace (and what lives on App Insights' values), delete,
    // create; the rest unchanged.
    p.edit("threshold = 10\n", "threshold = 20\n");
    p.edit("application_type = \"web\"", "application_type = \"other\"");
    p.remove_section("[alert.slow-response]");
    p.append(
        "[app.worker]\nimage = \"${var.registry}/worker:${var.image_tag}\"\ncpu = 0.25\nmemory = \"0.5Gi\"\nport = 9000\ningress = \"none\"\nprobes = { path = \"/health\", liveness = { interval = 30 }, readiness = { interval = 10 } }\nreplicas = { min = 1, max = 1 }\n",
    );
    let run = p.run_env(&["plan", "--format", "mermaid"], &env());
    run.ok();
    let chart = parse_flowchart(&run.stdout);
    let json = p.run_env(&["plan", "--output", "json"], &env());
    let plan: Value = serde_json::from_str(json.stdout.trim()).unwrap();
    let actions: BTreeMap<String, String> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap().into(),
                c["action"].as_str().unwrap().into(),
            )
        })
        .collect();
    let class_of = |action: &str| match action {
        "no_op" => "unchanged".to_string(),
        other => other.to_string(),
    };
    // Every resource is one node, with its action's class.
    let by_address: BTreeMap<String, (String, String)> = chart
        .nodes
        .iter()
        .map(|(id, (label, class))| {
            let address = label
                .split("<br/>")
                .next()
                .unwrap()
                .trim_start_matches(['+', '~', '-', '/', ' '])
                .to_string();
            (address, (id.clone(), class.clone()))
        })
        .collect();
    assert_eq!(by_address.len(), chart.nodes.len(), "one node per address");
    assert_eq!(
        by_address.keys().collect::<BTreeSet<_>>(),
        actions.keys().collect::<BTreeSet<_>>()
    );
    for (address, action) in &actions {
        assert_eq!(by_address[address].1, class_of(action), "{address}");
    }
    let used: BTreeSet<&str> = chart.nodes.values().map(|(_, c)| c.as_str()).collect();
    for class in ["create", "update", "replace", "delete", "unchanged"] {
        assert!(used.contains(class), "no {class} node:\n{}", run.stdout);
    }
    // Every class used is defined, and each colours its nodes differently.
    for class in &used {
        assert!(chart.classes.contains_key(*class), "{class} undefined");
    }
    let fills: BTreeSet<&str> = chart
        .classes
        .values()
        .map(|s| {
            s.split(',')
                .find(|x| x.starts_with("fill:"))
                .expect("a fill")
        })
        .collect();
    assert_eq!(fills.len(), chart.classes.len(), "{:?}", chart.classes);
    // Every dependency is an edge, from the dependency to what needs it, and nothing else.
    let rendered = p.run_env(&["render", "--output", "json"], &env());
    let resources: Value = serde_json::from_str(&rendered.stdout).unwrap();
    let mut want = BTreeSet::new();
    for r in resources.as_array().unwrap() {
        let to = &by_address[r["address"].as_str().unwrap()].0;
        for dep in r["depends_on"].as_array().unwrap() {
            want.insert((by_address[dep.as_str().unwrap()].0.clone(), to.clone()));
        }
    }
    assert_eq!(chart.edges, want);
    assert_no_secret(&p, &run.all());
}

#[test]
fn graph_draws_a_saved_plan_without_arm() {
    let p = production().copy();
    p.edit("threshold = 10\n", "threshold = 20\n");
    p.run_env(&["plan", "--out", "pr.plan"], &env()).ok();
    // graph reads the manifest and the file only: it never connects.
    let drawn = p.run_env(
        &["graph", "--format", "mermaid", "--plan", "pr.plan"],
        &env(),
    );
    drawn.ok();
    let from_plan = p.run_env(&["plan", "--format", "mermaid"], &env());
    assert_eq!(drawn.stdout, from_plan.stdout);
    assert!(drawn.stdout.contains(":::update"), "{}", drawn.stdout);
}

// ---------------------------------------------------------------------------------------
// up

#[test]
fn up_prints_the_total_once_and_ends_with_one_summary_line() {
    let p = Project::example("minimal");
    let run = p.run(&["up", "--yes", "--compact"]);
    run.ok();
    // `--compact`: one id line per create, no attribute tree.
    assert!(
        run.stderr.contains("   + /subscriptions/"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("   + id "), "{}", run.stderr);
    let plan_lines = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("Plan:"))
        .count();
    assert_eq!(plan_lines, 1, "{}", run.stderr);
    let last = run
        .stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap();
    assert!(last.starts_with("Finished in "), "{}", run.stderr);
    assert_eq!(
        run.stderr
            .lines()
            .filter(|l| l.starts_with("Finished"))
            .count(),
        1
    );
}
