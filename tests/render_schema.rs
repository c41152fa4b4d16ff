//! Every body azlift renders for the examples validates against the official REST API
//! definition of its api-version (the JSON Schemas in the kinds' folders, walked by the emulator's
//! validator in exact mode: no unknown properties, required ones present, right JSON types,
//! enum values among `x-known-values`, property names in the schema's own case).

use std::path::Path;

use azlift::kinds::ResourceKind;
use azlift::manifest::{LoadOptions, load};
use azlift::render::{RenderContext, render};
use azlift_emulator::kinds::Schemas;
use serde_json::Value;

fn rendered(example: &str) -> Vec<azlift::resource::DesiredResource> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(example)
        .join("azlift.toml");
    let opts = LoadOptions::default();
    let loaded = load(&path, &opts).unwrap_or_else(|e| panic!("{example}: {e:?}"));
    render(&loaded.model, &RenderContext::default()).expect("renders")
}

/// Pending values are `null` until apply; give them a string, as apply will.
fn with_pending_filled(d: &azlift::resource::DesiredResource) -> Value {
    let mut body = d.body.clone();
    for p in &d.pending {
        if let Some(slot) = body.pointer_mut(&p.pointer) {
            *slot = Value::String("resolved-at-apply".into());
        }
    }
    body
}

fn check(example: &str) -> usize {
    let schemas = Schemas::shared();
    let mut checked = 0;
    for d in rendered(example) {
        if d.kind == ResourceKind::Custom {
            continue;
        }
        let schema = schemas
            .get(&d.arm_type)
            .unwrap_or_else(|| panic!("no schema for {}", d.arm_type));
        assert_eq!(
            schema.api_version, d.api_version,
            "{}: rendered for another api-version than the schema's",
            d.address
        );
        let violations = schemas.validate_body_exact(&d.arm_type, &with_pending_filled(&d));
        assert!(
            violations.is_empty(),
            "{} ({}) does not validate: {:#?}",
            d.address,
            d.arm_type,
            violations
        );
        checked += 1;
    }
    checked
}

#[test]
fn production_bodies_validate_against_the_official_schemas() {
    assert_eq!(check("production"), 14);
}

#[test]
fn minimal_bodies_validate_against_the_official_schemas() {
    assert_eq!(check("minimal"), 3);
}

#[test]
fn the_validator_is_not_a_rubber_stamp() {
    // The same walk must reject a body with a typo'd property and a wrong type.
    let schemas = Schemas::shared();
    let mut d = rendered("production")
        .into_iter()
        .find(|d| d.kind == ResourceKind::ContainerApp)
        .expect("an app");
    d.body["properties"]["configuration"]["ingres"] = serde_json::json!({});
    d.body["properties"]["template"]["scale"]["minReplicas"] = serde_json::json!("one");
    let v = schemas.validate_body_exact(&d.arm_type, &with_pending_filled(&d));
    assert!(v.iter().any(|x| x.path.contains("ingres")), "{v:#?}");
    assert!(v.iter().any(|x| x.path.contains("minReplicas")), "{v:#?}");
}
