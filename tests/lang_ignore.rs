//! Fields owned elsewhere (issue 12), through the binary against the emulator: with
//! `ignore = ["properties.template.containers[name=api].image"]`, the image a deploy step
//! sets is neither reported by `plan` nor reverted by `up`, while the app's other fields
//! still converge to the manifest.

mod common;

use common::{Project, compact_plan};
use serde_json::Value;

const MANIFEST: &str = r#"[project]
name = "own"
location = "westeurope"

[app.api]
image = "example.azurecr.io/api:1"
cpu = 0.25
memory = "0.5Gi"
port = 8000
ingress = "external"
ignore = ["properties.template.containers[name=api].image"]
"#;

fn app_body(p: &Project) -> Value {
    let cloud: Value = serde_json::from_str(&p.cloud_text()).unwrap();
    fn find(v: &Value) -> Option<&Value> {
        match v {
            Value::Object(m) => {
                if m.get("type").and_then(Value::as_str) == Some("Microsoft.App/containerApps") {
                    return Some(v);
                }
                m.values().find_map(find)
            }
            Value::Array(items) => items.iter().find_map(find),
            _ => None,
        }
    }
    find(&cloud)
        .cloned()
        .expect("the app is in the local cloud")
}

#[test]
fn an_ignored_path_is_left_alone_after_the_create() {
    let p = Project::from_toml(MANIFEST);
    p.up();
    p.assert_no_changes();

    // The deploy step moved the image on; the manifest still says api:1 (or anything).
    p.edit("api:1", "api:2");
    p.assert_no_changes();

    // Other fields still converge, and `up` does not revert the image.
    p.edit(
        "cpu = 0.25\nmemory = \"0.5Gi\"",
        "cpu = 0.5\nmemory = \"1Gi\"",
    );
    let plan = p.run(&["plan", "--output", "json", "--detailed-exitcode"]);
    plan.expect_code(2);
    let doc: Value = serde_json::from_str(plan.stdout.trim()).unwrap();
    let compact = compact_plan(&doc).join("\n");
    assert!(compact.contains("app.api update"), "{compact}");
    assert!(compact.contains("cpu"), "{compact}");
    assert!(!compact.contains("image"), "{compact}");
    p.up();
    let body = app_body(&p).to_string();
    assert!(body.contains("example.azurecr.io/api:1"), "kept: {body}");
    assert!(!body.contains("api:2"), "{body}");
    p.assert_no_changes();
}
