//! Convergence (issue 4): `up --local --yes` on each example succeeds, the next
//! `plan --detailed-exitcode` exits 0 saying "No changes", and a second `up` sends no PUT,
//! PATCH or DELETE (counted through the `-v` "ARM requests" line and the NDJSON event).

mod common;

use common::Project;

/// Up, plan (no changes), and a second up that only reads.
fn converges(example: &str) {
    let p = Project::example(example);
    let first = p.run(&["up", "--yes", "-v"]);
    first.ok();
    let created = first.requests();
    assert!(
        created.put > 0,
        "the first up of {example} should create resources: {created:?}"
    );

    let plan = p.run(&["plan", "--detailed-exitcode", "-v"]);
    plan.ok();
    assert!(
        plan.stdout.contains("No changes"),
        "plan after up of {example}:\n{}",
        plan.stdout
    );
    let planned = plan.requests();
    assert_eq!(
        (planned.put, planned.patch, planned.delete),
        (0, 0, 0),
        "plan must only read"
    );

    let second = p.run(&["up", "--yes", "-v"]);
    second.ok();
    let again = second.requests();
    assert_eq!(
        again.writes(),
        0,
        "a second up of {example} must send no PUT/PATCH/DELETE: {again:?}\n{}",
        second.stderr
    );
    assert!(again.get > 0, "a second up still reads: {again:?}");
    assert!(
        second.stderr.contains("No changes"),
        "second up of {example} should show an empty plan:\n{}",
        second.stderr
    );
}

#[test]
fn production_example_converges_and_a_second_up_sends_no_writes() {
    converges("production");
}

#[test]
fn minimal_example_converges_and_a_second_up_sends_no_writes() {
    converges("minimal");
}

#[test]
fn custom_example_converges_and_a_second_up_sends_no_writes() {
    converges("custom");
}

#[test]
fn second_up_in_json_reports_zero_writes_as_an_event() {
    let p = Project::example("production");
    p.up();
    let run = p.run(&["up", "--yes", "-v", "--output", "json"]);
    run.ok();
    let events = run.events();
    let counts = events
        .iter()
        .find(|e| e["event"] == "arm_requests")
        .unwrap_or_else(|| panic!("no arm_requests event in:\n{}", run.stdout));
    for method in ["put", "patch", "delete"] {
        assert_eq!(counts[method], 0, "{method} in {counts}");
    }
    assert!(counts["get"].as_u64().unwrap() > 0, "{counts}");
    // Every stdout line is one JSON object (NDJSON), the counts included.
    for line in run.stdout.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(v.get("event").is_some(), "an event without `event`: {line}");
    }
}

#[test]
fn plan_json_with_verbose_keeps_stdout_one_document() {
    let p = Project::example("minimal");
    p.up();
    let run = p.run(&["plan", "--output", "json", "-v", "--detailed-exitcode"]);
    run.ok();
    let plan: serde_json::Value = serde_json::from_str(run.stdout.trim())
        .unwrap_or_else(|e| panic!("plan --output json is one document ({e}):\n{}", run.stdout));
    assert_eq!(plan["summary"]["create"], 0);
    assert_eq!(run.requests().writes(), 0);
}

#[test]
fn without_verbose_no_request_counts_are_printed() {
    let p = Project::example("minimal");
    let run = p.up();
    assert!(!run.all().contains("ARM requests:"), "{}", run.all());
    assert!(!run.all().contains("arm_requests"), "{}", run.all());
}

#[test]
fn down_reports_its_deletes_and_a_later_up_recreates() {
    let p = Project::example("minimal");
    p.up();
    let down = p.run(&["down", "--yes", "-v"]);
    down.ok();
    let r = down.requests();
    assert!(r.delete > 0, "down deletes: {r:?}");
    assert_eq!(r.put + r.patch, 0, "down never writes: {r:?}");
    p.up();
    p.assert_no_changes();
}

/// Non-interactive: `up` without `--yes` under `CI=true` (and without a terminal) refuses
/// with a clear message, exit 1, and changes nothing.
#[test]
fn up_without_yes_in_ci_refuses_and_changes_nothing() {
    let p = Project::example("minimal");
    let run = p.run_env(&["up", "-v"], &[("CI", "true")]);
    run.expect_code(1);
    let err = run.flat_stderr();
    assert!(
        err.contains("--yes"),
        "the refusal says how to consent:\n{err}"
    );
    let r = run.requests();
    assert_eq!(r.writes() + r.post, 0, "nothing was changed: {r:?}");
    assert!(
        !p.cloud_path().exists() || !p.cloud_text().contains("minimal-demo-logs"),
        "no resource was created"
    );

    // The same after a converged up with a pending change: nothing applied.
    p.up();
    p.edit("[monitoring]", "[monitoring]\nretention_days = 60");
    p.run_env(&["up"], &[("CI", "true")]).expect_code(1);
    p.run(&["plan", "--detailed-exitcode"]).expect_code(2);
}
