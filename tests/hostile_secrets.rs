//! No secret in any output or file (issue 15): each way a secret leaked — a secret variable in
//! a validation error (human and JSON), a secret variable in a custom resource's name (with the
//! PUT that used to go out before the state guard refused), a literal app secret on a line shown
//! around a diagnostic, a secret variable in a custom resource's values on a full `plan --out`
//! and `up` — is run through the real binary, and every output stream, the state, the saved
//! plan and the local cloud are searched for the secret; none may hold it.
#![cfg(unix)]

mod common;

use std::path::Path;

use common::{Project, Run};

/// Every file under `dir` whose text contains `secret`.
fn files_holding(dir: &Path, secret: &str, skip: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.file_type().unwrap().is_dir() {
                stack.push(path);
            } else if !skip.contains(&name.as_str())
                && std::fs::read(&path)
                    .map(|b| String::from_utf8_lossy(&b).contains(secret))
                    .unwrap_or(false)
            {
                out.push(path.display().to_string());
            }
        }
    }
    out
}

#[track_caller]
fn assert_hidden(run: &Run, secret: &str) {
    assert!(
        !run.all().contains(secret),
        "`azlift {}` printed the secret:\n{}",
        run.args,
        run.all()
    );
}

const SECRET_IN_ERROR: &str = "Hunter2-Secret-In-Error";

#[test]
fn a_secret_variable_in_a_validation_error_is_masked_in_human_and_json_output() {
    let p = Project::from_toml(&format!(
        "[variables]\npw = {{ secret = true, default = \"{SECRET_IN_ERROR}\" }}\n\n[project]\nname = \"${{var.pw}}\"\nlocation = \"eastus\"\n"
    ));
    for args in [
        &["validate"][..],
        &["validate", "--output", "json"],
        &["plan"],
    ] {
        let r = p.run(args);
        assert_ne!(r.code, 0, "{}", r.all());
        assert!(r.flat_all().contains("project name"), "{}", r.all());
        assert_hidden(&r, SECRET_IN_ERROR);
    }
    assert_eq!(
        files_holding(p.path(), SECRET_IN_ERROR, &["azlift.toml"]),
        Vec::<String>::new()
    );
}

const SECRET_IN_CONTEXT: &str = "Literal-App-Secret-In-Context";

#[test]
fn a_literal_app_secret_is_masked_in_the_lines_shown_around_an_error() {
    let p = Project::from_toml(&format!(
        "[project]\nname = \"ctx\"\nlocation = \"eastus\"\n\n[monitoring]\n\n[app.api]\nimage = \"nginx:1\"\nsecrets = {{ db = \"{SECRET_IN_CONTEXT}\" }}\nbogus_key = 1\n"
    ));
    let r = p.run(&["validate"]);
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(r.flat_all().contains("bogus_key"), "{}", r.all());
    assert!(
        r.stderr.contains(&"*".repeat(SECRET_IN_CONTEXT.len())),
        "the secret's line is shown masked:\n{}",
        r.stderr
    );
    assert_hidden(&r, SECRET_IN_CONTEXT);
}

const SECRET_IN_NAME: &str = "secret-in-the-name-42";

#[test]
fn a_secret_in_a_resource_name_is_refused_before_anything_is_sent() {
    let p = Project::from_toml(&format!(
        "[variables]\nvault = {{ secret = true, default = \"{SECRET_IN_NAME}\" }}\n\n[project]\nname = \"named\"\nlocation = \"eastus\"\n\n[resource.kv]\ntemplate = \"kv.json\"\nvalues = {{ name = \"${{var.vault}}\" }}\n"
    ));
    std::fs::write(
        p.path().join("kv.json"),
        r#"{ "type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": {{ values.name }}, "location": "eastus", "properties": {} }"#,
    )
    .unwrap();
    for args in [
        &["render"][..],
        &["render", "--output", "json"],
        &["plan", "--out", "plan.json"],
        &["up", "--yes", "-v"],
        &["up", "--yes", "--output", "json"],
    ] {
        let r = p.run(args);
        assert_ne!(r.code, 0, "{}", r.all());
        assert!(
            r.flat_all().contains("holds a secret value"),
            "`{}`:\n{}",
            r.args,
            r.all()
        );
        assert_hidden(&r, SECRET_IN_NAME);
    }
    assert!(
        !p.path().join(".azlift").join("local-cloud.json").exists(),
        "nothing may reach the cloud"
    );
    assert_eq!(
        files_holding(p.path(), SECRET_IN_NAME, &["azlift.toml"]),
        Vec::<String>::new()
    );
}

#[test]
fn a_secret_in_values_stays_out_of_outputs_state_and_the_saved_plan() {
    let secret = "change-me-please";
    let p = Project::example("custom");
    let plan = p.run(&["plan", "--out", "plan.json"]);
    plan.ok();
    assert_hidden(&plan, secret);
    let json = p.run(&["plan", "--output", "json"]);
    json.ok();
    assert_hidden(&json, secret);
    let up = p.run(&["up", "--yes", "-v", "--output", "json"]);
    up.ok();
    assert_hidden(&up, secret);
    let out = p.run(&["output"]);
    assert_hidden(&out, secret);
    // The local cloud is the cloud: it holds the secret's value as Azure would. Nothing else.
    assert_eq!(
        files_holding(p.path(), secret, &["azlift.toml", "local-cloud.json"]),
        Vec::<String>::new()
    );
}
