//! Library kinds (`[resource.X] template = "lib:NAME"`) end to end with the real binary
//! against the embedded emulator: a library resource renders the kind's verified template at
//! the kind's api-version, repeats with `for_each`, feeds references and outputs, converges
//! (the plan after `up` is empty), and `down` leaves nothing; a misspelt library name or
//! value is a clear error pointing at the line; and docs/manifest.md lists every library kind
//! and every value it reads.

mod common;

use common::*;

const MANIFEST: &str = r#"
[project]
name = "libtest"
location = "westeurope"

[resource.api-id]
template = "lib:user_identity"

[resource.ids]
template = "lib:user_identity"
for_each = ["a", "b"]
values = { name = "libtest-${each.key}", location = "northeurope" }

[output.api_principal]
value = "${ref.resource.api-id.properties.principalId}"
"#;

#[test]
fn a_library_resource_converges_repeats_and_feeds_outputs() {
    let p = Project::from_toml(MANIFEST);
    p.run(&["validate"]).ok();
    let render = p.run(&["render", "--output", "json"]);
    render.ok();
    let text = render.stdout.clone();
    assert!(
        text.contains("Microsoft.ManagedIdentity/userAssignedIdentities"),
        "{text}"
    );
    assert!(
        text.contains("2024-11-30"),
        "the kind's api-version: {text}"
    );
    p.up().ok();
    let cloud = p.cloud_text();
    for name in ["api-id", "libtest-a", "libtest-b"] {
        assert!(
            cloud.contains(&format!("userAssignedIdentities/{name}")),
            "{name} not in the cloud"
        );
    }
    assert!(cloud.contains("northeurope"));
    p.assert_no_changes();
    let out = p.run(&["output", "api_principal"]);
    out.ok();
    let principal = out.stdout.trim().trim_matches('"').to_string();
    assert_eq!(principal.len(), 36, "a principal id: {}", out.stdout);
    // The kind's outputs (client_id) are recorded for library resources too.
    let all = p.run(&["output"]);
    all.ok();
    assert!(
        all.stdout.contains("resource.ids[\"a\"].client_id"),
        "{}",
        all.stdout
    );
    p.down_leaves_nothing();
}

#[test]
fn a_misspelt_library_name_or_value_is_an_error_with_a_hint() {
    let p = Project::from_toml(&MANIFEST.replace(
        "lib:user_identity\"\n\n[resource.ids]",
        "lib:user_idenity\"\n\n[resource.ids]",
    ));
    let r = p.run(&["validate"]);
    r.expect_code(1);
    let text = r.flat_all();
    assert!(
        text.contains("uses `lib:user_idenity`, which is not in azlift's library"),
        "{text}"
    );
    assert!(text.contains("did you mean `lib:user_identity`?"), "{text}");
    assert!(
        text.contains("azlift.toml:7:"),
        "points at the line: {text}"
    );

    let p = Project::from_toml(&MANIFEST.replace("values = { name =", "values = { nmae ="));
    let r = p.run(&["validate"]);
    r.expect_code(1);
    let text = r.flat_all();
    assert!(
        text.contains("`lib:user_identity` has no value `nmae`"),
        "{text}"
    );
    assert!(text.contains("did you mean `name`?"), "{text}");
}

#[test]
fn the_manifest_reference_lists_every_library_kind_and_value() {
    let doc = std::fs::read_to_string(repo_root().join("docs/manifest.md")).unwrap();
    let mut names = 0;
    for spec in azlift::kinds::KINDS {
        let Some(lib) = spec.library else { continue };
        names += 1;
        let heading = format!("#### `lib:{}`", lib.name);
        let Some(at) = doc.find(&heading) else {
            panic!("docs/manifest.md has no `{heading}`");
        };
        let section = &doc[at + heading.len()..];
        let section = &section[..section.find("\n#### ").unwrap_or(section.len())];
        assert!(section.contains(spec.arm_type), "{heading}: the ARM type");
        assert!(
            section.contains(spec.api_version),
            "{heading}: the api-version"
        );
        for v in lib.values {
            assert!(
                section.contains(&format!("`{}`", v.name)),
                "{heading} does not document value `{}`",
                v.name
            );
        }
    }
    assert!(names > 0, "no library kind at all");
}

/// Every library kind, rendered with the sample of each of its values, gives a body the
/// kind's official schema accepts (exact mode: no unknown property, required ones present,
/// right types, known enum values), at the kind's type and api-version.
#[test]
fn every_library_kind_renders_a_body_its_official_schema_accepts() {
    use azlift::model::CustomResource;
    use azlift::render::{RenderContext, fixtures, render};
    use azlift_emulator::kinds::Schemas;

    let schemas = Schemas::shared();
    let mut checked = 0;
    for spec in azlift::kinds::KINDS {
        let Some(lib) = spec.library else { continue };
        let mut model = fixtures::production_model();
        let values = lib
            .values
            .iter()
            .map(|v| {
                let sample: serde_json::Value = serde_json::from_str(v.example)
                    .unwrap_or_else(|e| panic!("lib:{}.{}: {e}", lib.name, v.name));
                (v.name.to_string(), sample)
            })
            .collect();
        model.custom.insert(
            "sample".into(),
            CustomResource {
                template: format!("lib:{}", lib.name).into(),
                template_text: lib.template_text.into(),
                values,
                depends_on: Vec::new(),
                instance: None,
                placement: Default::default(),
                kind: Some(spec.kind),
            },
        );
        let rendered = render(&model, &RenderContext::default())
            .unwrap_or_else(|e| panic!("lib:{} does not render: {e:?}", lib.name));
        let d = rendered
            .iter()
            .find(|d| d.address.as_str() == "resource.sample")
            .expect("the sample resource");
        assert_eq!(d.kind, spec.kind);
        assert!(
            d.arm_type.eq_ignore_ascii_case(spec.arm_type),
            "lib:{}",
            lib.name
        );
        assert_eq!(d.api_version, spec.api_version, "lib:{}", lib.name);
        let mut body = d.body.clone();
        for p in &d.pending {
            if let Some(slot) = body.pointer_mut(&p.pointer) {
                *slot = serde_json::Value::String("resolved-at-apply".into());
            }
        }
        let violations = schemas.validate_body_exact(&d.arm_type, &body);
        assert!(
            violations.is_empty(),
            "lib:{} ({}) does not validate: {violations:#?}\n{body:#}",
            lib.name,
            d.arm_type
        );
        checked += 1;
    }
    assert!(checked > 0);
}
