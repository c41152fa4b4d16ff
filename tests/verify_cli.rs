//! `azlift verify` through the binary against the embedded emulator (`--local`): the production
//! example, once deployed with `-e prod`, passes every rule and prints the seed's summary; for
//! each rule a manifest that breaks it, applied with `up`, makes verify exit 1 naming the
//! resource and the rule; a silenced failure passes with its reason shown; `--output json` has
//! the documented shape; `--format sarif` validates against the official SARIF 2.1.0 schema.

mod common;

use common::{Project, Run, assert_valid_sarif};
use serde_json::Value;

/// The production example in its own folder, deployed with `-e prod` (an `up` against the
/// embedded emulator takes well under a second).
fn deployed() -> Project {
    let p = Project::example("production");
    p.run(&["-e", "prod", "up", "--yes"]).ok();
    p
}

fn verify(p: &Project, extra: &[&str]) -> Run {
    let mut args = vec!["-e", "prod", "verify"];
    args.extend_from_slice(extra);
    p.run(&args)
}

/// `up` the edited copy, then verify it.
fn up_and_verify(p: &Project) -> Run {
    p.run(&["-e", "prod", "up", "--yes"]).ok();
    verify(p, &[])
}

/// Whether one line of the human report starts with `level` (`FAIL`, `warn`) and names
/// `rule` and each of `parts` (`<resource>: <what>`, `<resource>:`...).
fn reports(run: &Run, level: &str, rule: &str, parts: &[&str]) -> bool {
    run.stdout.lines().any(|l| {
        l.trim_start().starts_with(level)
            && l.contains(rule)
            && parts.iter().all(|part| l.contains(part))
    })
}

/// `up` the edited copy, then expect verify to fail with `rule` on `resource`.
#[track_caller]
fn breaks(p: &Project, rule: &str, resource: &str) -> Run {
    let run = up_and_verify(p);
    run.expect_code(1);
    let line = run
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("FAIL"))
        .unwrap_or_else(|| panic!("no FAIL line:\n{}", run.stdout));
    assert!(
        line.contains(rule) && line.contains(&format!("{resource}:")),
        "the failure should name {rule} and {resource}: {line}"
    );
    let failing: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("FAIL"))
        .collect();
    assert_eq!(
        failing.len(),
        1,
        "only the broken rule fails:\n{}",
        run.stdout
    );
    run
}

#[test]
fn production_example_passes_every_rule_and_prints_the_summary() {
    let p = deployed();
    let run = verify(&p, &["-v"]);
    run.ok();
    assert!(run.stdout.contains("Verify passed."), "{}", run.stdout);
    // Reads only: fewer requests than resources (the apps and the action groups of the group
    // are listed, one request per type), one GET per resource with `--observe get`.
    let requests = run.requests();
    assert_eq!(requests.writes() + requests.post, 0, "{requests:?}");
    let recorded = p.state("prod")["resources"].as_object().unwrap().len() as u64;
    assert!(requests.get < recorded, "{requests:?} for {recorded}");
    let single = verify(&p, &["-v", "--observe", "get"]);
    single.ok();
    assert_eq!(single.requests().get, recorded, "{:?}", single.requests());
    assert_eq!(single.stdout, run.stdout, "the same report either way");
    insta::assert_snapshot!("production_passes", run.stdout);
}

#[test]
fn json_output_has_the_documented_shape() {
    let p = deployed();
    let run = verify(&p, &["--output", "json"]);
    run.ok();
    let v: Value = serde_json::from_str(&run.stdout).expect("one JSON document");
    assert_eq!(v["version"], 1);
    assert_eq!(v["passed"], true);
    assert_eq!(v["environment"], "prod");
    assert_eq!(v["production"], true);
    assert_eq!(v["counts"]["rules"], 8);
    assert_eq!(v["counts"]["passed"], 8);
    let rules = v["rules"].as_array().unwrap();
    assert!(rules.iter().all(|r| r["status"] == "pass"), "{rules:#?}");
    assert_eq!(v["findings"].as_array().unwrap().len(), 0);
    assert_eq!(v["overview"]["apps"].as_array().unwrap().len(), 4);
    assert_eq!(v["overview"]["alerts_sent_to"][0], "ops@example.com");
}

#[test]
fn sarif_of_a_passing_run_validates() {
    let p = deployed();
    let run = verify(&p, &["--format", "sarif"]);
    run.ok();
    let log = assert_valid_sarif(&run.stdout);
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 0);
    assert_eq!(
        log["runs"][0]["tool"]["driver"]["rules"][1]["id"],
        "AZL-V001"
    );
}

#[test]
fn v001_a_worker_without_probes_fails() {
    // A worker without ingress and without probes. (An app with ingress gets Azure's default
    // TCP probe for every probe type it does not declare — the emulator adds them too — so
    // it always has liveness and readiness: verify judges what is deployed.)
    let p = deployed();
    p.append(
        "[app.worker]\nimage = \"${var.registry}/worker:${var.image_tag}\"\ncpu = 0.25\nmemory = \"0.5Gi\"\ningress = \"none\"\nreplicas = { min = 1, max = 1 }\n",
    );
    let run = breaks(&p, "AZL-V001", "app.worker");
    assert!(
        run.stdout
            .contains("container `worker` has no liveness or readiness probe"),
        "{}",
        run.stdout
    );
}

#[test]
fn v002_an_internal_app_deployed_external_fails() {
    // The deployed app drifted from the manifest: it was made external by an earlier `up`,
    // and the manifest now declares it internal without that having been applied.
    let p = deployed();
    p.edit_in(
        "[app.audit-svc]",
        "ingress = \"internal\"",
        "ingress = \"external\"",
    );
    p.run(&["-e", "prod", "up", "--yes"]).ok();
    p.edit_in(
        "[app.audit-svc]",
        "ingress = \"external\"",
        "ingress = \"internal\"",
    );
    let run = verify(&p, &[]);
    run.expect_code(1);
    assert!(
        reports(
            &run,
            "FAIL",
            "AZL-V002",
            &["app.audit-svc: ingress is external"]
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn v003_scale_to_zero_in_production_fails() {
    let p = deployed();
    p.edit_in(
        "[app.frontend]",
        "replicas = { min = 1",
        "replicas = { min = 0",
    );
    let run = breaks(&p, "AZL-V003", "app.frontend");
    assert!(run.stdout.contains("min replicas is 0"), "{}", run.stdout);
}

#[test]
fn v004_a_disabled_alert_fails() {
    let p = deployed();
    p.edit_in(
        "[alert.slow-response]",
        "notify = [\"ops\"]",
        "notify = [\"ops\"]\nenabled = false",
    );
    breaks(&p, "AZL-V004", "alert.slow-response");
}

#[test]
fn v004_an_alert_to_an_action_group_without_receivers_fails() {
    let p = deployed();
    p.edit("email = { admin = \"${var.alert_email}\" }", "");
    let run = up_and_verify(&p);
    run.expect_code(1);
    for alert in ["alert.high-error-rate", "alert.slow-response"] {
        assert!(
            reports(
                &run,
                "FAIL",
                "AZL-V004",
                &[&format!("{alert}:"), "has no receivers"]
            ),
            "{alert}:\n{}",
            run.stdout
        );
    }
}

#[test]
fn v005_a_plain_connection_string_fails_and_is_never_printed() {
    let p = deployed();
    let value = "InstrumentationKey=11111111-2222-3333-4444-555555555555;IngestionEndpoint=https://eastus-8.in.applicationinsights.azure.com/";
    p.edit_in("[app.audit-svc]", "telemetry = true", "telemetry = false");
    p.edit_in(
        "[app.audit-svc]",
        "env = { TRUST_GATEWAY = \"true\" }",
        &format!("env = {{ TRUST_GATEWAY = \"true\", APPLICATIONINSIGHTS_CONNECTION_STRING = \"{value}\" }}"),
    );
    let run = breaks(&p, "AZL-V005", "app.audit-svc");
    assert!(!run.all().contains("11111111-2222"), "{}", run.all());
    let json = verify(&p, &["--output", "json"]);
    json.expect_code(1);
    assert!(!json.all().contains("11111111-2222"));
}

#[test]
fn v006_legacy_correlation_fails() {
    let p = deployed();
    p.edit("correlation = \"W3C\"", "correlation = \"Legacy\"");
    let run = breaks(&p, "AZL-V006", "apim.diagnostic");
    assert!(run.stdout.contains("not W3C"), "{}", run.stdout);
}

#[test]
fn v007_sampling_below_100_warns_and_passes() {
    let p = deployed();
    p.edit("sampling = 100", "sampling = 25");
    let run = up_and_verify(&p);
    run.ok();
    assert!(
        reports(&run, "warn", "AZL-V007", &["apim.diagnostic:"]),
        "{}",
        run.stdout
    );
    let sarif = verify(&p, &["--format", "sarif"]);
    sarif.ok();
    let log = assert_valid_sarif(&sarif.stdout);
    assert_eq!(log["runs"][0]["results"][0]["level"], "warning");
}

#[test]
fn a_silenced_failure_passes_with_the_reason_shown() {
    let p = deployed();
    p.edit_in(
        "[app.frontend]",
        "replicas = { min = 1",
        "replicas = { min = 0",
    );
    p.append(
        "[[verify.silence]]\nrule = \"AZL-V003\"\nresource = \"app.frontend\"\nreason = \"the frontend is a static site; a cold start is fine\"\n",
    );
    p.run(&["-e", "prod", "up", "--yes"]).ok();
    let run = verify(&p, &[]);
    run.ok();
    assert!(
        run.stdout.contains("silenced  AZL-V003  app.frontend:"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("reason: the frontend is a static site; a cold start is fine"),
        "{}",
        run.stdout
    );
    let sarif = verify(&p, &["--format", "sarif"]);
    sarif.ok();
    let log = assert_valid_sarif(&sarif.stdout);
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "AZL-V003");
    assert_eq!(result["suppressions"][0]["kind"], "inSource");
    // The finding points at the manifest line of `[app.frontend]`.
    let text = std::fs::read_to_string(&p.manifest).unwrap();
    let line = text
        .lines()
        .position(|l| l.starts_with("[app.frontend]"))
        .unwrap()
        + 1;
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        line
    );
    assert_eq!(
        result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "app.frontend"
    );
    // The manifest lies in the working directory: the URI is relative, as code scanning wants.
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "azlift.toml"
    );
}

#[test]
fn sarif_of_a_failing_run_validates_and_names_the_rule() {
    let p = deployed();
    p.edit("correlation = \"W3C\"", "correlation = \"Legacy\"");
    p.run(&["-e", "prod", "up", "--yes"]).ok();
    let run = verify(&p, &["--format", "sarif"]);
    run.expect_code(1);
    let log = assert_valid_sarif(&run.stdout);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{results:#?}");
    assert_eq!(results[0]["ruleId"], "AZL-V006");
    assert_eq!(results[0]["level"], "error");
    assert!(
        results[0]["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("apim.diagnostic:")
    );
}

#[test]
fn silencing_an_unknown_rule_or_resource_is_a_manifest_error_with_its_place() {
    let p = Project::example("production");
    p.append(
        "[[verify.silence]]\nrule = \"AZL-V030\"\nresource = \"app.fronted\"\nreason = \"typo\"\n",
    );
    let run = p.run(&["validate"]);
    run.expect_code(1);
    let text = std::fs::read_to_string(&p.manifest).unwrap();
    let rule_line = text
        .lines()
        .position(|l| l.starts_with("rule = \"AZL-V030\""))
        .unwrap()
        + 1;
    let flat = run.flat_stderr();
    assert!(
        flat.contains("there is no verify rule `AZL-V030`"),
        "{flat}"
    );
    assert!(
        flat.contains("the manifest has no resource `app.fronted`"),
        "{flat}"
    );
    assert!(flat.contains("app.frontend"), "did-you-mean: {flat}");
    assert!(
        run.stderr.contains(&format!("azlift.toml:{rule_line}:")),
        "file:line:col for the rule: {}",
        run.stderr
    );
}

#[test]
fn verify_before_up_says_to_run_up_first() {
    let p = Project::example("production");
    let run = verify(&p, &[]);
    run.expect_code(1);
    let flat = run.flat_stderr();
    assert!(
        flat.contains("nothing is deployed for environment `prod`"),
        "{flat}"
    );
    assert!(flat.contains("run `azlift up` first"), "{flat}");
}

#[test]
fn verify_works_without_local_against_a_running_arm_endpoint() {
    // The path verify takes against Azure: `AZLIFT_ARM_ENDPOINT` and a client secret through
    // the authority host, here a running `azlift emulator` with strict auth.
    let emulator = common::StandaloneEmulator::start(&["--strict-auth"]);
    let p = Project::example("production");
    p.run_remote(&emulator, &["-e", "prod", "up", "--yes"], &[])
        .ok();
    let run = p.run_remote(
        &emulator,
        &["-e", "prod", "verify", "--output", "json"],
        &[],
    );
    run.ok();
    let v: Value = serde_json::from_str(&run.stdout).expect("one JSON document");
    assert_eq!(v["passed"], true, "{v:#}");
    assert_eq!(v["counts"]["passed"], 8, "{v:#}");

    p.edit_in(
        "[app.frontend]",
        "replicas = { min = 1",
        "replicas = { min = 0",
    );
    p.run_remote(&emulator, &["-e", "prod", "up", "--yes"], &[])
        .ok();
    let run = p.run_remote(
        &emulator,
        &["-e", "prod", "verify", "--output", "json"],
        &[],
    );
    run.expect_code(1);
    let v: Value = serde_json::from_str(&run.stdout).expect("one JSON document");
    assert_eq!(v["findings"][0]["rule"], "AZL-V003", "{v:#}");
    assert_eq!(v["findings"][0]["resource"], "app.frontend", "{v:#}");
}

#[test]
fn a_secret_variable_shown_by_the_summary_is_masked() {
    let p = Project::example("production");
    p.edit(
        "alert_email = { default = \"ops@example.com\", description = \"Where alert emails go\" }",
        "alert_email = { secret = true, description = \"Where alert emails go\" }",
    );
    let env = [("AZLIFT_VAR_alert_email", "pager-7f3a9c@example.com")];
    p.run_env(&["-e", "prod", "up", "--yes"], &env).ok();
    for format in [
        &["verify"][..],
        &["verify", "--output", "json"],
        &["verify", "--format", "sarif"],
    ] {
        let mut args = vec!["-e", "prod"];
        args.extend_from_slice(format);
        let run = p.run_env(&args, &env);
        run.ok();
        assert!(!run.all().contains("pager-7f3a9c"), "{}", run.all());
    }
    let run = p.run_env(&["-e", "prod", "verify"], &env);
    assert!(
        run.stdout.contains("Alerts sent to: (sensitive)"),
        "{}",
        run.stdout
    );
}

#[test]
fn an_alert_deleted_behind_azlifts_back_fails_v000() {
    // Delete the alert from the emulator's persisted cloud, as someone would in the portal.
    let p = deployed();
    let mut cloud: Value = serde_json::from_str(&p.cloud_text()).unwrap();
    let resources = cloud["resources"].as_object_mut().unwrap();
    let before = resources.len();
    resources.retain(|id, _| !id.ends_with("/metricalerts/blog08-prod-prod-slow-response"));
    assert_eq!(
        resources.len(),
        before - 1,
        "the alert was in the cloud file"
    );
    std::fs::write(p.cloud_path(), serde_json::to_string(&cloud).unwrap()).unwrap();

    let run = verify(&p, &[]);
    run.expect_code(1);
    assert!(
        reports(
            &run,
            "FAIL",
            "AZL-V000",
            &["alert.slow-response: state records it, but Azure does not have it"]
        ),
        "{}",
        run.stdout
    );
}
