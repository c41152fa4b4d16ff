//! `azlift validate` and `azlift init` through the real binary: exit codes, `file:line:col`
//! in the output, JSON shape, and no panics.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

fn azlift() -> Command {
    let mut cmd = Command::cargo_bin("azlift").unwrap();
    cmd.env_remove("AZLIFT_ENV").env("NO_COLOR", "1");
    cmd
}

fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
        .join("azlift.toml")
        .display()
        .to_string()
}

#[test]
fn the_examples_are_valid() {
    for ex in ["production", "minimal", "custom"] {
        azlift()
            .args(["validate", "-f", &example(ex)])
            .assert()
            .success()
            .stdout(predicate::str::contains("is valid"));
    }
    azlift()
        .args(["validate", "-f", &example("production"), "-e", "dev"])
        .assert()
        .success()
        .stdout(predicate::str::contains("4 apps, 2 alerts, 1 action group"));
}

#[test]
fn a_broken_manifest_exits_1_with_every_location() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("azlift.toml");
    std::fs::write(
        &path,
        "[project]\nname = \"demo\"\nlocation = \"eastus\"\n\n[monitoring]\nretention_days = 5\n\n[app.api]\nimage = \"x\"\nreplica = 2\n",
    )
    .unwrap();
    let shown = path.display().to_string();
    azlift()
        .args(["validate", "-f", &shown])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!("{shown}:6:18")))
        .stderr(predicate::str::contains(format!("{shown}:10:1")))
        .stderr(predicate::str::contains("did you mean `replicas`?"))
        .stderr(predicate::str::contains("2 errors found"))
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn bad_syntax_exits_1_without_panicking() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("azlift.toml");
    std::fs::write(&path, "[project\nname = = \"x\"\n\u{0}\n").unwrap();
    azlift()
        .args(["validate", "-f", &path.display().to_string()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(":1:"))
        .stderr(predicate::str::contains("syntax"))
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn json_output_lists_errors_with_places() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("azlift.toml");
    std::fs::write(
        &path,
        "[project]\nname = \"demo\"\nlocation = \"eastus\"\n[alert.a]\nseverity = 7\n",
    )
    .unwrap();
    let out = azlift()
        .args([
            "validate",
            "--output",
            "json",
            "-f",
            &path.display().to_string(),
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(doc["valid"], false);
    let errors = doc["errors"].as_array().unwrap();
    let sev = errors
        .iter()
        .find(|e| e["code"] == "azlift::manifest::out_of_range")
        .unwrap();
    assert_eq!(
        (sev["line"].as_u64(), sev["column"].as_u64()),
        (Some(5), Some(12))
    );
    assert!(sev["message"].as_str().unwrap().contains("severity"));
    assert!(sev["file"].as_str().unwrap().ends_with("azlift.toml"));
    assert!(doc["warnings"].is_array());
}

#[test]
fn missing_variable_names_how_to_set_it_and_var_flags_fix_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("azlift.toml");
    std::fs::write(
        &path,
        "[project]\nname = \"demo\"\nlocation = \"eastus\"\n[variables]\ntoken = { secret = true }\n[monitoring]\n[app.api]\nimage = \"x\"\nsecrets = { t = \"${var.token}\" }\n",
    )
    .unwrap();
    let shown = path.display().to_string();
    azlift()
        .args(["validate", "-f", &shown])
        .env_remove("AZLIFT_VAR_token")
        .env_remove("AZLIFT_VAR_TOKEN")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--var token=VALUE"))
        .stderr(predicate::str::contains("AZLIFT_VAR_token"));
    azlift()
        .args(["validate", "-f", &shown, "--var", "token=hunter2-secret"])
        .assert()
        .success()
        .stdout(predicate::str::contains("hunter2-secret").not())
        .stderr(predicate::str::contains("hunter2-secret").not());
    azlift()
        .args(["validate", "-f", &shown])
        .env("AZLIFT_VAR_TOKEN", "from-env")
        .assert()
        .success();
}

#[test]
fn init_writes_a_valid_manifest_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("azlift.toml");
    let shown = path.display().to_string();
    azlift()
        .args(["init", "--name", "shop", "-f", &shown])
        .assert()
        .success();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("name = \"shop\""));
    azlift().args(["validate", "-f", &shown]).assert().success();
    azlift()
        .args(["init", "--name", "shop", "-f", &shown])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("already exists"));
    azlift()
        .args(["init", "--force", "--name", "shop2", "-f", &shown])
        .assert()
        .success();
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("name = \"shop2\"")
    );
    azlift()
        .args(["init", "--force", "--name", "Bad_Name", "-f", &shown])
        .assert()
        .code(1);
}

#[test]
fn secret_variables_in_custom_resources_are_never_rendered() {
    for extra in [&[][..], &["--output", "json"][..], &["--arm-template"][..]] {
        azlift()
            .args(["render", "-f", &example("custom")])
            .args(extra)
            .env("AZLIFT_VAR_db_password", "s3cret-from-env")
            .assert()
            .success()
            .stdout(predicate::str::contains("s3cret-from-env").not())
            .stdout(predicate::str::contains("Microsoft.KeyVault/vaults"));
    }
}
