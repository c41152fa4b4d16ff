//! Snapshot tests pinning what azlift renders for the fixture models: the desired
//! resources of the production and minimal systems, the masked JSON users see, and the
//! exported ARM template.

use azlift::render::{RenderContext, arm_template, display, fixtures, render};

fn rendered(model: &azlift::model::Model) -> Vec<azlift::resource::DesiredResource> {
    render(model, &RenderContext::default()).expect("fixture renders")
}

#[test]
fn production_resources() {
    let resources = rendered(&fixtures::production_model());
    insta::assert_json_snapshot!("production_resources", resources);
}

#[test]
fn minimal_resources() {
    let resources = rendered(&fixtures::minimal_model());
    insta::assert_json_snapshot!("minimal_resources", resources);
}

#[test]
fn production_masked_json() {
    let resources = rendered(&fixtures::production_model());
    insta::assert_json_snapshot!("production_masked", display::masked_json(&resources));
}

#[test]
fn production_human() {
    let resources = rendered(&fixtures::production_model());
    insta::assert_snapshot!("production_human", display::human(&resources));
}

#[test]
fn production_arm_template() {
    let resources = rendered(&fixtures::production_model());
    insta::assert_json_snapshot!("production_arm_template", arm_template(&resources));
}

#[test]
fn minimal_arm_template() {
    let resources = rendered(&fixtures::minimal_model());
    insta::assert_json_snapshot!("minimal_arm_template", arm_template(&resources));
}

#[test]
fn existing_apim_arm_template_uses_a_second_deployment() {
    let mut model = fixtures::production_model();
    model.apim.as_mut().expect("fixture has APIM").service = azlift::model::ApimService::Existing {
        name: "shared-apim".into(),
        resource_group: "rg-shared".into(),
    };
    let template = arm_template(&rendered(&model));
    let resources = template["resources"].as_array().expect("resources");
    assert_eq!(resources.len(), 3, "group + two nested deployments");
    assert_eq!(resources[2]["resourceGroup"], "rg-shared");
    assert_eq!(
        resources[2]["dependsOn"],
        serde_json::json!(["azlift-rg-blog08-prod"])
    );
    insta::assert_json_snapshot!("existing_apim_arm_template_shared_group", resources[2]);
}
