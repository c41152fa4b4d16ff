//! Declared outputs and `${ref.ADDRESS.PATH}` references (issue 12), through the binary
//! against the emulator: `[output.NAME]` values are recorded in state after `up` (secret
//! ones never) and printed by `azlift output`; a built-in field (an app's env var, an
//! alert's scope) fed by another resource's value is known after apply, carries the
//! dependency, and converges (`plan` says "No changes" after `up`).

mod common;

use common::Project;
use serde_json::Value;

const VAULT: &str = r#"{
  "type": "Microsoft.KeyVault/vaults",
  "apiVersion": "2023-07-01",
  "name": "refs-kv",
  "location": {{ location }},
  "properties": {
    "tenantId": "11111111-2222-3333-4444-555555555555",
    "sku": { "family": "A", "name": "standard" }
  }
}"#;

const TOKEN: &str = "tok-Outputs-93ac1f";

fn project(toml: &str) -> Project {
    let p = Project::from_toml(toml);
    let dir = p.path().join("templates");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("vault.json"), VAULT).unwrap();
    p
}

const OUTPUTS: &str = r#"[project]
name = "refs"
location = "westeurope"

[variables]
token = { secret = true }

[resource.vault]
template = "templates/vault.json"

[output.vault_id]
value = "${ref.resource.vault.id}"
description = "The vault, for the deploy step"

[output.vault_name]
value = "${ref.resource.vault.name}"

[output.tenant]
value = "tenant=${ref.resource.vault.properties.tenantId}"

[output.token]
value = "Bearer ${var.token}"

[output.hidden]
value = "${ref.resource.vault.properties.tenantId}"
sensitive = true
"#;

#[test]
fn declared_outputs_are_recorded_and_printed_and_secrets_never() {
    let p = project(OUTPUTS);
    let env = [("AZLIFT_VAR_token", TOKEN)];
    p.run_env(&["up", "--yes"], &env).ok();

    let state = std::fs::read_to_string(p.state_path("default")).unwrap();
    assert!(!state.contains(TOKEN), "no secret in state");
    let doc: Value = serde_json::from_str(&state).unwrap();
    assert_eq!(
        doc["outputs"]["hidden"],
        serde_json::json!({"sensitive": true}),
        "the output declared sensitive has no value in state"
    );
    assert_eq!(
        doc["outputs"]["tenant"]["value"],
        "tenant=11111111-2222-3333-4444-555555555555"
    );

    let id = p.run_env(&["output", "vault_id"], &env);
    id.ok();
    assert_eq!(
        id.stdout.trim(),
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-refs/providers/Microsoft.KeyVault/vaults/refs-kv"
    );
    let name = p.run_env(&["output", "vault_name"], &env);
    name.ok();
    assert_eq!(name.stdout.trim(), "refs-kv");

    let all = p.run_env(&["output", "--output", "json"], &env);
    all.ok();
    assert!(!all.stdout.contains(TOKEN));
    let json: Value = serde_json::from_str(&all.stdout).unwrap();
    assert_eq!(json["token"]["sensitive"], true);
    assert_eq!(json["token"]["value"], Value::Null);
    assert_eq!(json["hidden"]["sensitive"], true);
    assert_eq!(json["vault_name"]["value"], "refs-kv");

    let human = p.run_env(&["output"], &env);
    human.ok();
    assert!(
        human.stdout.contains("token = (sensitive)"),
        "{}",
        human.stdout
    );
    assert!(!human.all().contains(TOKEN));

    let secret = p.run_env(&["output", "token"], &env);
    assert_ne!(secret.code, 0, "a secret output is not printed bare");

    let plan = p.run_env(&["plan", "--detailed-exitcode"], &env);
    plan.expect_code(0);
}

#[test]
fn an_output_added_later_is_recorded_by_an_up_with_no_changes() {
    let p = project(
        "[project]\nname = \"refs\"\nlocation = \"westeurope\"\n\n[resource.vault]\ntemplate = \"templates/vault.json\"\n",
    );
    p.up();
    p.append("\n[output.vault_name]\nvalue = \"${ref.resource.vault.name}\"\n");
    p.up();
    let r = p.run(&["output", "vault_name"]);
    r.ok();
    assert_eq!(r.stdout.trim(), "refs-kv");
}

#[test]
fn a_built_in_field_fed_by_another_resource_converges() {
    let p = project(
        r#"[project]
name = "refs"
location = "westeurope"

[resource.vault]
template = "templates/vault.json"

[app.api]
image = "example.azurecr.io/api:1"
port = 8000
ingress = "external"

[app.web]
image = "example.azurecr.io/web:1"
port = 8080
ingress = "external"
env = { API_URL = "https://${ref.app.api.fqdn}/v1", VAULT = "${ref.resource.vault.id}" }

[alert.vault-latency]
scope = "${ref.resource.vault.id}"
namespace = "Microsoft.KeyVault/vaults"
metric = "ServiceApiLatency"
aggregation = "Average"
operator = "GreaterThan"
threshold = 1000
"#,
    );
    let r = p.run(&["render", "--output", "json"]);
    r.ok();
    let all: Vec<Value> = serde_json::from_str(&r.stdout).unwrap();
    let web = all.iter().find(|r| r["address"] == "app.web").unwrap();
    let deps: Vec<&str> = web["depends_on"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert!(deps.contains(&"app.api"), "{deps:?}");
    assert!(deps.contains(&"resource.vault"), "{deps:?}");
    let alert = all
        .iter()
        .find(|r| r["address"] == "alert.vault-latency")
        .unwrap();
    assert!(
        alert["depends_on"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d == "resource.vault"),
        "{alert}"
    );
    let shown = p.run(&["render"]);
    shown.ok();
    assert!(
        shown.stdout.contains("known after apply"),
        "{}",
        shown.stdout
    );

    p.up();
    let cloud = p.cloud_text();
    assert!(
        cloud.contains("/v1") && cloud.contains("https://api."),
        "the env var got the other app's FQDN"
    );
    p.assert_no_changes();
}

#[test]
fn a_reference_to_a_secret_stays_secret() {
    let p = Project::from_toml(
        r#"[project]
name = "refs"
location = "westeurope"

[monitoring]

[app.api]
image = "example.azurecr.io/api:1"
port = 8000
ingress = "external"
env = { AI = "${ref.monitoring.app_insights.connection_string}" }
"#,
    );
    p.up();
    let plan = p.assert_no_changes();
    assert!(!plan.stdout.contains("InstrumentationKey="));
    let shown = p.run(&["render"]);
    shown.ok();
    assert!(!shown.stdout.contains("InstrumentationKey="));
    let state = std::fs::read_to_string(p.state_path("default")).unwrap();
    assert!(!state.contains("InstrumentationKey="));
}
