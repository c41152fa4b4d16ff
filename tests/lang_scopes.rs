//! Scopes (issue 12), through the binary against the emulator: `[resource_group.KEY]`
//! declares another resource group (own name, location, tags), `resource_group = "KEY"`
//! places a custom resource in it, and `scope = "subscription"` puts one at subscription
//! scope; each gets the right id and parent, `up` converges and `down` removes them (the
//! subscription-scope resource is checked as rendered: the emulator does not host that
//! scope yet).

mod common;

use common::Project;
use serde_json::Value;

const MANIFEST: &str = r#"[project]
name = "scp"
location = "westeurope"

[resource_group.data]
location = "northeurope"
tags = { tier = "data" }

[resource.vault]
template = "templates/vault.json"
resource_group = "data"

[resource.policy]
template = "templates/policy.json"
scope = "subscription"

[output.vault_group]
value = "${ref.resource_group.data.name}"
"#;

const VAULT: &str = r#"{
  "type": "Microsoft.KeyVault/vaults",
  "apiVersion": "2023-07-01",
  "name": "scp-kv",
  "location": "northeurope",
  "properties": {
    "tenantId": "00000000-0000-0000-0000-000000000000",
    "sku": { "family": "A", "name": "standard" }
  }
}"#;

const POLICY: &str = r#"{
  "type": "Microsoft.Authorization/policyDefinitions",
  "apiVersion": "2023-04-01",
  "name": "scp-tags",
  "properties": { "policyType": "Custom", "mode": "All", "displayName": "scp tags" }
}"#;

fn project() -> Project {
    let p = Project::from_toml(MANIFEST);
    let dir = p.path().join("templates");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("vault.json"), VAULT).unwrap();
    std::fs::write(dir.join("policy.json"), POLICY).unwrap();
    p
}

#[test]
fn resources_go_to_their_group_or_the_subscription() {
    let p = project();
    let r = p.run(&["render", "--output", "json"]);
    r.ok();
    let all: Vec<Value> = serde_json::from_str(&r.stdout).unwrap();
    let by = |a: &str| all.iter().find(|r| r["address"] == a).unwrap();
    let group = by("resource_group.data");
    assert_eq!(
        group["id"],
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-scp-data"
    );
    assert_eq!(group["body"]["location"], "northeurope");
    assert_eq!(group["body"]["tags"]["tier"], "data");
    let vault = by("resource.vault");
    assert!(
        vault["id"]
            .as_str()
            .unwrap()
            .starts_with("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-scp-data/providers/"),
        "{vault}"
    );
    assert_eq!(
        vault["depends_on"],
        serde_json::json!(["resource_group.data"])
    );
    let policy = by("resource.policy");
    assert_eq!(
        policy["id"],
        "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/policyDefinitions/scp-tags"
    );
    assert_eq!(policy["depends_on"], serde_json::json!([]));

    // The emulator does not host subscription-scope resources yet (a PUT answers 404), so
    // the run itself covers the second group only.
    p.edit(
        "[resource.policy]\ntemplate = \"templates/policy.json\"\nscope = \"subscription\"\n",
        "",
    );
    p.up();
    p.assert_no_changes();
    let out = p.run(&["output", "vault_group"]);
    out.ok();
    assert_eq!(out.stdout.trim(), "rg-scp-data");

    p.run(&["down", "--yes"]).ok();
    let state = p.state("default");
    assert!(
        state["resources"].as_object().is_none_or(|r| r.is_empty()),
        "{state}"
    );
}

#[test]
fn a_resource_in_an_undeclared_group_is_an_error() {
    let p = Project::from_toml(
        "[project]\nname = \"scp\"\nlocation = \"westeurope\"\n\n[resource.vault]\ntemplate = \"t.json\"\nresource_group = \"dta\"\n\n[resource_group.data]\n",
    );
    std::fs::write(p.path().join("t.json"), "{}").unwrap();
    let r = p.run(&["validate"]);
    r.expect_code(1);
    let err = r.flat_stderr();
    assert!(
        err.contains("[resource.vault] is placed in resource group `dta`, which is not declared"),
        "{err}"
    );
    assert!(err.contains("did you mean `data`?"), "{err}");
}

#[test]
fn the_arm_template_export_deploys_every_group_and_the_subscription_scope() {
    let p = project();
    let r = p.run(&["render", "--arm-template"]);
    r.ok();
    let template: Value = serde_json::from_str(&r.stdout).unwrap();
    let outer = template["resources"].as_array().unwrap();
    let named = |ty: &str, name: &str| {
        outer
            .iter()
            .find(|x| x["type"] == ty && x["name"] == name)
            .unwrap_or_else(|| panic!("{ty} {name} in {outer:#?}"))
    };
    named("Microsoft.Resources/resourceGroups", "rg-scp");
    let data = named("Microsoft.Resources/resourceGroups", "rg-scp-data");
    assert_eq!(data["location"], "northeurope");
    named("Microsoft.Authorization/policyDefinitions", "scp-tags");
    let deployment = outer
        .iter()
        .find(|x| x["resourceGroup"] == "rg-scp-data")
        .expect("a deployment into the data group");
    let inner = deployment["properties"]["template"]["resources"].to_string();
    assert!(inner.contains("Microsoft.KeyVault/vaults"), "{inner}");
}
