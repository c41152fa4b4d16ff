//! Repetition of custom resources (issue 12), through the binary against the emulator:
//! `for_each` (a table or a list) and `count` make one resource per element, addressed
//! `resource.KEY["k"]` / `resource.KEY[0]`, with `each.key` / `each.value` / `count.index` in
//! values and templates; `up` converges, and adding or removing one element plans exactly it.

mod common;

use common::{Project, compact_plan};
use serde_json::Value;

const VAULT: &str = r#"{
  "type": "Microsoft.KeyVault/vaults",
  "apiVersion": "2023-07-01",
  "name": "rep-kv",
  "location": {{ location }},
  "properties": {
    "tenantId": "00000000-0000-0000-0000-000000000000",
    "sku": { "family": "A", "name": "standard" }
  }
}"#;

/// One secret per copy, named after its key; its value from the copy's values.
const SECRET: &str = r#"{
  "type": "Microsoft.KeyVault/vaults/secrets",
  "apiVersion": "2023-07-01",
  "name": {{ "rep-kv/" ~ name ~ "-" ~ (each.key if each is defined else (count.index if count is defined else "one")) }},
  "properties": {
    "value": {{ values.value }},
    "contentType": {{ id("resource.vault") }}
  }
}"#;

const MANIFEST: &str = r#"[project]
name = "rep"
location = "westeurope"

[resource.vault]
template = "templates/vault.json"

[resource.op]
template = "templates/secret.json"
for_each = { get = { method = "GET" }, post = { method = "POST" } }
values = { value = "${each.key}:${each.value.method}" }

[resource.tag]
template = "templates/secret.json"
for_each = ["blue", "green"]
values = { value = "${each.value}" }

[resource.replica]
template = "templates/secret.json"
count = 2
values = { value = "replica-${count.index}" }

[resource.after-ops]
template = "templates/secret.json"
values = { value = "last" }
depends_on = ["resource.op"]

[output.get_id]
value = "${ref.resource.op[\"get\"].id}"
"#;

fn project() -> Project {
    let p = Project::from_toml(MANIFEST);
    let dir = p.path().join("templates");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("vault.json"), VAULT).unwrap();
    std::fs::write(dir.join("secret.json"), SECRET).unwrap();
    p
}

fn plan_changes(p: &Project) -> Vec<String> {
    let plan = p.run(&["plan", "--output", "json", "--detailed-exitcode"]);
    plan.expect_code(2);
    let doc: Value = serde_json::from_str(plan.stdout.trim()).unwrap();
    compact_plan(&doc)
        .into_iter()
        .filter(|l| !l.starts_with(' '))
        .collect()
}

#[test]
fn copies_render_converge_and_change_one_by_one() {
    let p = project();
    let r = p.run(&["render", "--output", "json"]);
    r.ok();
    let all: Vec<Value> = serde_json::from_str(&r.stdout).unwrap();
    let by = |a: &str| {
        all.iter()
            .find(|r| r["address"] == a)
            .unwrap_or_else(|| panic!("{a} rendered: {}", r.stdout))
    };
    assert_eq!(by("resource.op[\"get\"]")["name"], "op-get");
    assert_eq!(
        by("resource.op[\"post\"]")["body"]["properties"]["value"],
        "post:POST"
    );
    assert_eq!(by("resource.tag[\"green\"]")["name"], "tag-green");
    assert_eq!(by("resource.replica[1]")["name"], "replica-1");
    let after = by("resource.after-ops")["depends_on"].to_string();
    assert!(
        after.contains("resource.op[\\\"get\\\"]") && after.contains("resource.op[\\\"post\\\"]"),
        "depending on `resource.op` depends on every copy: {after}"
    );

    p.up();
    let cloud = p.cloud_text();
    assert!(cloud.contains("post:POST") && cloud.contains("replica-1"));
    p.assert_no_changes();
    let out = p.run(&["output", "get_id"]);
    out.ok();
    assert!(
        out.stdout.trim().ends_with("/vaults/rep-kv/secrets/op-get"),
        "{}",
        out.stdout
    );

    // Removing one element deletes exactly that copy.
    p.edit("for_each = [\"blue\", \"green\"]", "for_each = [\"green\"]");
    assert_eq!(plan_changes(&p), ["resource.tag[\"blue\"] delete"]);
    p.up();
    p.assert_no_changes();

    // Adding one creates exactly that copy; a higher count adds the next index.
    p.edit(
        "post = { method = \"POST\" } }",
        "post = { method = \"POST\" }, put = { method = \"PUT\" } }",
    );
    p.edit("count = 2", "count = 3");
    assert_eq!(
        plan_changes(&p),
        ["resource.op[\"put\"] create", "resource.replica[2] create"]
    );
    p.up();
    p.assert_no_changes();
}

#[test]
fn repetition_errors_point_at_the_manifest() {
    let p = Project::from_toml(
        r#"[project]
name = "rep"
location = "westeurope"

[resource.a]
template = "t.json"
count = 2
for_each = ["x"]

[resource.b]
template = "t.json"
count = 2
values = { v = "${each.key}" }

[app.api]
image = "example.azurecr.io/api:1"
env = { K = "${count.index}" }
"#,
    );
    std::fs::write(p.path().join("t.json"), "{}").unwrap();
    let r = p.run(&["validate"]);
    r.expect_code(1);
    let err = r.flat_stderr();
    assert!(err.contains("sets both `for_each` and `count`"), "{err}");
    assert!(
        err.contains("`${each.key}` means nothing for a copy of [resource.b]"),
        "{err}"
    );
    assert!(
        err.contains("are only known in a `[resource.KEY]` with `for_each` or `count`"),
        "{err}"
    );
}
