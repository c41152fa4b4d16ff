//! `[registry]` end to end with the real binary against the embedded emulator: the apps pull
//! through a user-assigned identity whose `AcrPull` grant on the registry is created before
//! any app (the emulator refuses an app whose registry identity holds no such grant), the
//! plan after `up` is empty, `down` leaves nothing; and a wrong `registry` is a clear error.

mod common;

use common::*;

const MANIFEST: &str = r#"
[project]
name = "pulltest"
location = "eastus"

[registry]
name = "pulltestacr"

[app.api]
image = "pulltestacr.azurecr.io/api:1"
port = 8080
ingress = "external"
registry = "pulltestacr.azurecr.io"

[app.worker]
image = "pulltestacr.azurecr.io/worker:1"
registry = "pulltestacr.azurecr.io"
"#;

#[test]
fn apps_pull_through_a_grant_created_before_them() {
    let p = Project::from_toml(MANIFEST);
    let up = p.run(&["up", "--yes", "--output", "json"]);
    up.ok();
    let events = up.events();
    let position = |event: &str, address: &str| {
        events
            .iter()
            .position(|e| e["event"] == event && e["address"] == address)
            .unwrap_or_else(|| panic!("no {event} for {address}:\n{}", up.stdout))
    };
    let granted = position("resource_done", "registry.acr_pull");
    assert!(
        position("resource_done", "registry.pull_identity")
            < position("resource_started", "registry.acr_pull")
    );
    for app in ["app.api", "app.worker"] {
        assert!(
            granted < position("resource_started", app),
            "{app} started before the grant"
        );
    }
    let cloud = p.cloud_text();
    assert!(
        cloud.contains("7f951dda-4ed3-4680-a7ca-43fe172d538d"),
        "no AcrPull grant"
    );
    assert!(cloud.contains("pulltestacr.azurecr.io"));
    p.assert_no_changes();
    p.down_leaves_nothing();
}

#[test]
fn a_registry_that_is_not_the_projects_is_an_error_with_a_hint() {
    let p = Project::from_toml(&MANIFEST.replace(
        "registry = \"pulltestacr.azurecr.io\"\n\n[app.worker]",
        "registry = \"other.azurecr.io\"\n\n[app.worker]",
    ));
    let r = p.run(&["validate"]);
    r.expect_code(1);
    let text = r.flat_all();
    assert!(
        text.contains("app.api.registry `other.azurecr.io` is not this project's registry"),
        "{text}"
    );
    assert!(
        text.contains("registry = \"pulltestacr.azurecr.io\""),
        "{text}"
    );
    assert!(
        text.contains("azlift.toml:13:"),
        "points at the line: {text}"
    );

    let p = Project::from_toml(&MANIFEST.replace("[registry]\nname = \"pulltestacr\"\n", ""));
    let r = p.run(&["validate"]);
    r.expect_code(1);
    assert!(
        r.flat_all().contains("there is no [registry]"),
        "{}",
        r.flat_all()
    );
}
