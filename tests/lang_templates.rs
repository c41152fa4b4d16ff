//! Template correctness (issue 12), through the binary against the emulator: `validate`
//! renders every template and reports every problem in one run; a filter after a join keeps
//! the reference inside (no placeholder text reaches ARM); a resource may use its own id; an
//! id written out as a plain string (an alert scope) is a dependency; a failing action fails
//! only its resource and what depends on it.

mod common;

use common::Project;
use serde_json::Value;

const HEAD: &str = r#"[project]
name = "lang"
location = "westeurope"

[resource.vault]
template = "templates/vault.json"
"#;

const VAULT: &str = r#"{
  "type": "Microsoft.KeyVault/vaults",
  "apiVersion": "2023-07-01",
  "name": "lang-kv",
  "location": {{ location }},
  "properties": {
    "tenantId": "00000000-0000-0000-0000-000000000000",
    "sku": { "family": "A", "name": "standard" },
    "self": {{ id("resource.vault") ~ "/secrets/first" }}
  }
}"#;

fn secret_template(value: &str) -> String {
    format!(
        r#"{{
  "type": "Microsoft.KeyVault/vaults/secrets",
  "apiVersion": "2023-07-01",
  "name": "lang-kv/s",
  "properties": {{ "value": {value} }}
}}"#
    )
}

fn project(extra_toml: &str, templates: &[(&str, &str)]) -> Project {
    let p = Project::from_toml(&format!("{HEAD}{extra_toml}"));
    let dir = p.path().join("templates");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("vault.json"), VAULT).unwrap();
    for (name, text) in templates {
        std::fs::write(dir.join(name), text).unwrap();
    }
    p
}

fn rendered(p: &Project) -> Vec<Value> {
    let r = p.run(&["render", "--output", "json"]);
    r.ok();
    serde_json::from_str(&r.stdout).unwrap()
}

fn resource<'a>(all: &'a [Value], address: &str) -> &'a Value {
    all.iter()
        .find(|r| r["address"] == address)
        .unwrap_or_else(|| panic!("{address} rendered"))
}

#[test]
fn validate_renders_every_template_and_reports_every_problem() {
    let p = project(
        r#"
[resource.a]
template = "templates/a.json"

[resource.b]
template = "templates/b.json"
"#,
        &[
            (
                "a.json",
                r#"{"type": "X.Y/z", "apiVersion": "2023-01-01", "name": {{ values.missing }}}"#,
            ),
            (
                "b.json",
                r#"{"type": "X.Y/z", "apiVersion": "2023-01-01", "name": "b" "oops": 1}"#,
            ),
        ],
    );
    let r = p.run(&["validate"]);
    r.expect_code(1);
    let all = r.flat_stderr();
    assert!(all.contains("templates/a.json"), "{all}");
    assert!(all.contains("undefined"), "{all}");
    assert!(all.contains("templates/b.json"), "{all}");
    assert!(all.contains("does not produce JSON"), "{all}");
    assert!(all.contains("2 errors found"), "{all}");

    let json = p.run(&["validate", "--output", "json"]);
    json.expect_code(1);
    let doc: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc["valid"], false);
    let codes: Vec<&str> = doc["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["azlift::render::template", "azlift::render::json"]);

    // `render` reports both as well, not only the first.
    let r = p.run(&["render"]);
    assert_ne!(r.code, 0);
    let all = r.flat_stderr();
    assert!(all.contains("a.json") && all.contains("b.json"), "{all}");
}

#[test]
fn validate_reports_a_dependency_cycle_between_templates() {
    let p = project(
        r#"
[resource.a]
template = "templates/a.json"

[resource.b]
template = "templates/b.json"
"#,
        &[
            (
                "a.json",
                r#"{"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2024-05-01", "name": "a", "properties": {"peer": {{ id("resource.b") }}}}"#,
            ),
            (
                "b.json",
                r#"{"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2024-05-01", "name": "b", "properties": {"peer": {{ id("resource.a") }}}}"#,
            ),
        ],
    );
    let r = p.run(&["validate"]);
    r.expect_code(1);
    assert!(
        r.flat_stderr()
            .contains("dependency cycle: resource.a -> resource.b -> resource.a"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_filter_after_a_join_keeps_the_reference_and_the_secret() {
    let value = r#"{{ ("tenant=" ~ ref("resource.vault", "/properties/tenantId")) | sensitive }}"#;
    let secret = secret_template(value);
    let p = project(
        "\n[resource.secret]\ntemplate = \"templates/secret.json\"\n",
        &[("secret.json", &secret)],
    );
    let all = rendered(&p);
    let s = resource(&all, "resource.secret");
    assert!(
        !s.to_string().contains('\u{E000}'),
        "no placeholder text: {s}"
    );
    let deps = s["depends_on"].as_array().unwrap();
    assert!(deps.iter().any(|d| d == "resource.vault"), "{s}");

    p.up();
    let cloud = p.cloud_text();
    assert!(!cloud.contains('\u{E000}') && !cloud.contains("\\ue000"));
    assert!(
        cloud.contains("tenant=00000000-0000-0000-0000-000000000000"),
        "the joined value reached ARM"
    );
    let plan = p.assert_no_changes();
    assert!(!plan.stdout.contains("tenant="), "the secret stays masked");
}

#[test]
fn a_resource_may_use_its_own_id() {
    let p = project("", &[]);
    let all = rendered(&p);
    let vault = resource(&all, "resource.vault");
    assert!(
        vault["body"]["properties"]["self"]
            .as_str()
            .unwrap()
            .ends_with("/providers/Microsoft.KeyVault/vaults/lang-kv/secrets/first"),
        "{vault}"
    );
    p.up();
    p.assert_no_changes();
}

#[test]
fn an_alert_scoped_to_a_custom_resource_by_id_depends_on_it() {
    let vault_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-lang/providers/Microsoft.KeyVault/vaults/lang-kv";
    let p = project(
        &format!(
            r#"
[alert.vault-latency]
scope = "{vault_id}"
namespace = "Microsoft.KeyVault/vaults"
metric = "ServiceApiLatency"
aggregation = "Average"
operator = "GreaterThan"
threshold = 1000
"#
        ),
        &[],
    );
    let all = rendered(&p);
    let alert = resource(&all, "alert.vault-latency");
    let deps = alert["depends_on"].as_array().unwrap();
    assert!(deps.iter().any(|d| d == "resource.vault"), "{alert}");
    let graph = p.run(&["graph"]);
    graph.ok();
    assert!(
        graph.stdout.contains("resource.vault"),
        "graph: {}",
        graph.stdout
    );
}

#[test]
fn a_failing_action_fails_only_its_resource_and_its_dependents() {
    let secret =
        secret_template(r#"{{ action("resource.vault", "listNothing", "/no/such/value") }}"#);
    let p = project(
        r#"
[resource.secret]
template = "templates/secret.json"

[resource.after-secret]
template = "templates/after.json"
depends_on = ["resource.secret"]

[resource.other]
template = "templates/other.json"
"#,
        &[
            ("secret.json", &secret),
            (
                "after.json",
                r#"{"type": "Microsoft.KeyVault/vaults/secrets", "apiVersion": "2023-07-01", "name": "lang-kv/after", "properties": {"value": "x"}}"#,
            ),
            (
                "other.json",
                r#"{"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": "lang-other", "location": "westeurope", "properties": {"tenantId": "00000000-0000-0000-0000-000000000000", "sku": {"family": "A", "name": "standard"}}}"#,
            ),
        ],
    );
    let first = p.run(&["up", "--yes"]);
    assert_ne!(first.code, 0, "the failing action fails the run");
    let state = p.state("default");
    let managed = state["resources"].as_object().unwrap();
    assert!(managed.contains_key("resource.vault"));
    assert!(managed.contains_key("resource.other"));
    assert!(!managed.contains_key("resource.secret"));
    assert!(!managed.contains_key("resource.after-secret"));

    // The vault exists now, so the plan calls the action: it still plans everything, and
    // only the resources that need the action are left to do.
    let plan = p.run(&["plan", "--detailed-exitcode"]);
    plan.expect_code(2);
    assert!(plan.stdout.contains("resource.secret"), "{}", plan.stdout);
    assert!(
        plan.stdout.contains("resource.after-secret"),
        "{}",
        plan.stdout
    );
    assert!(!plan.stdout.contains("resource.other"), "{}", plan.stdout);
}

#[test]
fn generated_names_are_arm_compatible_and_refuse_placeholders() {
    let p = project(
        r#"
[resource.store]
template = "templates/store.json"

[resource.bad]
template = "templates/bad.json"
"#,
        &[
            (
                "store.json",
                r#"{"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-05-01",
                    "name": {{ "st" ~ unique_string(resource_group_id) }},
                    "properties": {"tag": {{ guid("hello", "world") }}}}"#,
            ),
            (
                "bad.json",
                r#"{"type": "X.Y/z", "apiVersion": "2023-01-01", "name": {{ unique_string(id("resource.vault")) }}}"#,
            ),
        ],
    );
    let r = p.run(&["validate"]);
    r.expect_code(1);
    let err = r.flat_stderr();
    assert!(err.contains("unique_string() takes plain text"), "{err}");
    assert!(err.contains("1 error found"), "only bad.json fails: {err}");

    std::fs::write(
        p.path().join("templates/bad.json"),
        r#"{"type": "X.Y/z", "apiVersion": "2023-01-01", "name": "fine"}"#,
    )
    .unwrap();
    let all = rendered(&p);
    let store = resource(&all, "resource.store");
    // uniqueString('/subscriptions/0000…/resourceGroups/rg-lang') as ARM computes it (the
    // algorithm is checked against ARM's values in `render::generated`).
    assert_eq!(store["name"], "styr27rnc3xlsoa");
    assert_eq!(
        store["body"]["properties"]["tag"],
        "a5b868f8-11fe-567a-ace0-e77cc87f104e"
    );
}
