//! Editor support (issue 12), through the binary: `azlift schema` prints a JSON Schema that
//! every example manifest satisfies and that refuses a misspelt key; `azlift init` writes the
//! `#:schema` line and the schema beside the manifest; `azlift completions SHELL` prints a
//! completion script.

mod common;

use std::path::Path;

use serde_json::Value;

fn azlift() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("azlift").unwrap()
}

fn schema() -> Value {
    let out = azlift().arg("schema").output().unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).expect("the schema is JSON")
}

/// A manifest as the JSON value the schema describes.
fn manifest_json(text: &str) -> Value {
    let table: toml::Table = toml::from_str(text).unwrap();
    serde_json::to_value(table).unwrap()
}

#[test]
fn the_schema_accepts_every_example_and_refuses_a_misspelt_key() {
    let schema = schema();
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let examples = common::repo_root().join("examples");
    let mut checked = 0;
    for entry in std::fs::read_dir(&examples).unwrap() {
        let manifest = entry.unwrap().path().join("azlift.toml");
        if !manifest.is_file() {
            continue;
        }
        let doc = manifest_json(&std::fs::read_to_string(&manifest).unwrap());
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", manifest.display());
        checked += 1;
    }
    assert!(checked >= 3, "the examples were found");

    let production = std::fs::read_to_string(examples.join("production/azlift.toml")).unwrap();
    let misspelt = production.replacen("port = ", "prot = ", 1);
    assert_ne!(misspelt, production);
    assert!(!validator.is_valid(&manifest_json(&misspelt)));
    let misspelt_section = format!("{production}\n[monitor]\n");
    assert!(!validator.is_valid(&manifest_json(&misspelt_section)));

    // Every key carries its doc text.
    let app = &schema["properties"]["app"]["additionalProperties"]["properties"];
    assert!(
        app["image"]["description"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
}

#[test]
fn init_writes_the_schema_line_and_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("azlift.toml");
    azlift()
        .args(["init", "--name", "shop", "-f"])
        .arg(&path)
        .assert()
        .success();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().next(), Some("#:schema ./azlift.schema.json"));
    let written: Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(dir.path()).join("azlift.schema.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(written, schema());
    azlift()
        .arg("validate")
        .arg("-f")
        .arg(&path)
        .assert()
        .success();
}

#[test]
fn completions_are_printed_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = azlift().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("azlift") && text.contains("validate"),
            "{shell}: {text}"
        );
    }
    azlift().args(["completions", "tcsh"]).assert().code(2);
}
