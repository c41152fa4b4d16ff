//! No secret of the model appears in what users see: the human and JSON render output and
//! the exported ARM template (which takes them as `securestring` parameters instead).

use azlift::model::{EnvValue, Secret};
use azlift::render::{RenderContext, arm_template, display, fixtures, render};
use azlift::resource::SENSITIVE;

const SECRETS: [&str; 2] = ["pa55-w0rd-for-db", "tok_live_1234567890"];

fn model_with_secrets() -> azlift::model::Model {
    let mut model = fixtures::production_model();
    let app = model.apps.get_mut("task-api").unwrap();
    app.secrets
        .insert("db-password".into(), Secret::new(SECRETS[0]));
    app.env.insert(
        "DB_PASSWORD".into(),
        EnvValue::SecretRef("db-password".into()),
    );
    let other = model.apps.get_mut("audit-svc").unwrap();
    other
        .secrets
        .insert("api-token".into(), Secret::new(SECRETS[1]));
    model
}

#[test]
fn secrets_reach_the_body_sent_to_arm() {
    let resources = render(&model_with_secrets(), &RenderContext::default()).unwrap();
    let raw =
        serde_json::to_string(&resources.iter().map(|r| &r.body).collect::<Vec<_>>()).unwrap();
    for secret in SECRETS {
        assert!(raw.contains(secret), "the PUT body carries {secret}");
    }
}

#[test]
fn secrets_never_appear_in_render_output_or_arm_template() {
    let resources = render(&model_with_secrets(), &RenderContext::default()).unwrap();
    let human = display::human(&resources);
    let json = serde_json::to_string(&display::masked_json(&resources)).unwrap();
    let template = serde_json::to_string(&arm_template(&resources)).unwrap();
    let debug = format!("{:?}", model_with_secrets());
    for secret in SECRETS {
        assert!(!human.contains(secret), "human output leaks {secret}");
        assert!(!json.contains(secret), "json output leaks {secret}");
        assert!(!template.contains(secret), "ARM template leaks {secret}");
        assert!(!debug.contains(secret), "model Debug leaks {secret}");
    }
    assert!(human.contains(SENSITIVE) && json.contains(SENSITIVE));
}

#[test]
fn every_plain_secret_is_a_securestring_parameter() {
    let resources = render(&model_with_secrets(), &RenderContext::default()).unwrap();
    let template = arm_template(&resources);
    let params = template["parameters"].as_object().unwrap();
    assert_eq!(params.len(), 2, "{params:?}");
    for (name, def) in params {
        assert_eq!(def["type"], "securestring", "{name}");
        assert!(def.get("defaultValue").is_none());
    }
    assert!(params.contains_key("app_task_api_properties_configuration_secrets_0_value"));
    let text = serde_json::to_string(&template).unwrap();
    assert!(text.contains("[parameters('app_task_api_properties_configuration_secrets_0_value')]"));
}

#[test]
fn pending_secrets_are_masked_too() {
    let resources = render(&fixtures::production_model(), &RenderContext::default()).unwrap();
    let masked = display::masked_json(&resources);
    let env = masked
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == "environment")
        .unwrap();
    let logs = &env["body"]["properties"]["appLogsConfiguration"]["logAnalyticsConfiguration"];
    assert_eq!(logs["sharedKey"], SENSITIVE);
    assert_eq!(logs["customerId"], azlift::resource::KNOWN_AFTER_APPLY);
}
