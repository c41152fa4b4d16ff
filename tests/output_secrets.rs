//! `azlift output --show-secrets` reads secret outputs live (here from the embedded
//! emulator): they are never in state, plain `output` masks them, and the values shown are
//! the ones the cloud holds.

mod common;

use common::Project;
use serde_json::Value;

#[test]
fn show_secrets_reads_the_connection_string_and_shared_key_live() {
    let project = Project::example("minimal");
    project.up();

    let masked = project.run(&["output"]);
    masked.ok();
    assert!(
        masked
            .stdout
            .contains("monitoring.app_insights.connection_string = (sensitive)"),
        "{}",
        masked.stdout
    );

    let shown = project.run(&["--output", "json", "output", "--show-secrets"]);
    shown.ok();
    let v: Value = serde_json::from_str(&shown.stdout).expect("one JSON document");
    let conn = v["monitoring.app_insights.connection_string"]["value"]
        .as_str()
        .unwrap_or_else(|| panic!("connection string shown: {v}"));
    assert!(conn.contains("InstrumentationKey="), "{conn}");
    assert_eq!(
        v["monitoring.app_insights.connection_string"]["sensitive"],
        true
    );
    let key = v["monitoring.workspace.primary_shared_key"]["value"]
        .as_str()
        .unwrap_or_else(|| panic!("shared key shown: {v}"));
    assert!(!key.is_empty());

    // The values are the cloud's, and state still holds neither.
    let cloud = project.cloud_text();
    assert!(
        cloud.contains(conn),
        "the emulator's stored component has {conn}"
    );
    let state = serde_json::to_string(&project.state("default")).unwrap();
    assert!(!state.contains(conn) && !state.contains(key));

    // One output by name, bare for scripts.
    let one = project.run(&[
        "output",
        "--show-secrets",
        "monitoring.app_insights.connection_string",
    ]);
    one.ok();
    assert_eq!(one.stdout.trim(), conn);
}
