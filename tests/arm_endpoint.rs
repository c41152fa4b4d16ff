//! `AZLIFT_ARM_ENDPOINT`, `AZURE_AUTHORITY_HOST` and `AZLIFT_CA_CERT` point azlift at any ARM
//! endpoint without `--local`: here a running `azlift emulator`, reached with a client secret
//! through its token endpoint, as CI runners reach Azure.

mod common;

use common::{Project, StandaloneEmulator};

#[test]
fn up_then_plan_against_a_running_emulator_converges() {
    let emulator = StandaloneEmulator::start(&["--strict-auth"]);
    let project = Project::example("minimal");

    let up = project.run_remote(&emulator, &["up", "--yes", "--output", "json"], &[]);
    up.ok();
    assert!(
        up.events().iter().any(|e| e["event"] == "resource_done"),
        "up applied resources:\n{}",
        up.stdout
    );

    let plan = project.run_remote(&emulator, &["plan", "--detailed-exitcode"], &[]);
    // 0: no changes (2 would be changes), so the second look at the same emulator agrees.
    plan.expect_code(0);
}

#[test]
fn a_plain_http_endpoint_is_refused_naming_the_variable() {
    let emulator = StandaloneEmulator::start(&[]);
    let project = Project::example("minimal");
    let run = project.run_remote(
        &emulator,
        &["plan"],
        &[("AZLIFT_ARM_ENDPOINT", "http://127.0.0.1:9")],
    );
    run.expect_code(1);
    let text = run.flat_stderr();
    assert!(
        text.contains("AZLIFT_ARM_ENDPOINT") && text.contains("https"),
        "{text}"
    );
}

#[test]
fn an_unreadable_ca_file_is_named() {
    let emulator = StandaloneEmulator::start(&[]);
    let project = Project::example("minimal");
    let run = project.run_remote(
        &emulator,
        &["plan"],
        &[("AZLIFT_CA_CERT", "/nonexistent/azlift-ca.pem")],
    );
    run.expect_code(1);
    let text = run.flat_stderr();
    assert!(
        text.contains("AZLIFT_CA_CERT") && text.contains("/nonexistent/azlift-ca.pem"),
        "{text}"
    );
}
