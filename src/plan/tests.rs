//! Unit tests of the diff: quiet after apply, exact paths on change, secrets masked.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Value, json};

use super::*;
use crate::kinds::ResourceKind;
use crate::resource::{
    DesiredResource, KNOWN_AFTER_APPLY, ObservedResource, PendingValue, Reference, ResourceAddress,
    SENSITIVE,
};

const SECRET: &str = "InstrumentationKey=00000000-1111;IngestionEndpoint=https://x";

fn app() -> DesiredResource {
    DesiredResource {
        address: ResourceAddress::new("app.task-api"),
        kind: ResourceKind::ContainerApp,
        arm_type: "Microsoft.App/containerApps".into(),
        api_version: "2026-07-01".into(),
        id: "/subscriptions/s/resourceGroups/rg-x/providers/Microsoft.App/containerApps/task-api"
            .into(),
        name: "task-api".into(),
        body: json!({
            "location": "eastus",
            "tags": {"env": "prod"},
            "properties": {
                "environmentId": "/subscriptions/s/resourceGroups/rg-x/providers/Microsoft.App/managedEnvironments/x-env",
                "configuration": {
                    "ingress": {"external": false, "targetPort": 8000, "transport": "auto"},
                    "secrets": [{"name": "appinsights-connection-string", "value": null}]
                },
                "template": {
                    "containers": [{
                        "name": "task-api",
                        "image": "nginx:1",
                        "resources": {"cpu": 0.25, "memory": "0.5Gi"},
                        "env": [{"name": "APPLICATIONINSIGHTS_CONNECTION_STRING", "secretRef": "appinsights-connection-string"}],
                        "probes": [
                            {"type": "Liveness", "httpGet": {"path": "/health", "port": 8000}, "periodSeconds": 30},
                            {"type": "Readiness", "httpGet": {"path": "/health", "port": 8000}, "periodSeconds": 10}
                        ]
                    }],
                    "scale": {"minReplicas": 1, "maxReplicas": 3}
                }
            }
        }),
        pending: vec![PendingValue {
            pointer: "/properties/configuration/secrets/0/value".into(),
            reference: Reference::Property {
                address: ResourceAddress::new("monitoring.app_insights"),
                pointer: "/properties/ConnectionString".into(),
            },
            format: None,
        }],
        sensitive: vec!["/properties/configuration/secrets/0/value".into()],
        write_only: vec!["/properties/configuration/secrets/0/value".into()],
        depends_on: BTreeSet::new(),
        managed: true,
        ignore: Vec::new(),
    }
}

/// What ARM returns for `app()`: casing changed, defaults added, secrets withheld,
/// arrays reordered.
fn observed() -> ObservedResource {
    ObservedResource {
        id: "/subscriptions/s/resourcegroups/rg-x/providers/Microsoft.App/containerapps/task-api"
            .into(),
        body: json!({
            "id": "/subscriptions/s/resourcegroups/rg-x/providers/Microsoft.App/containerapps/task-api",
            "name": "task-api",
            "type": "Microsoft.App/containerApps",
            "location": "East US",
            "tags": {"env": "prod", "hidden-link:/x": "Resource"},
            "properties": {
                "provisioningState": "Succeeded",
                "environmentId": "/subscriptions/s/resourceGroups/RG-X/providers/Microsoft.App/managedEnvironments/x-env",
                "managedEnvironmentId": "/subscriptions/s/resourceGroups/RG-X/providers/Microsoft.App/managedEnvironments/x-env",
                "configuration": {
                    "activeRevisionsMode": "Single",
                    "ingress": {"external": false, "targetPort": 8000, "transport": "Auto", "fqdn": "task-api.internal.x.io", "allowInsecure": false},
                    "secrets": [{"name": "appinsights-connection-string"}]
                },
                "template": {
                    "containers": [{
                        "name": "task-api",
                        "image": "nginx:1",
                        "resources": {"cpu": 0.25, "memory": "0.5Gi", "ephemeralStorage": "1Gi"},
                        "env": [{"name": "APPLICATIONINSIGHTS_CONNECTION_STRING", "secretRef": "appinsights-connection-string"}],
                        "probes": [
                            {"type": "Readiness", "httpGet": {"path": "/health", "port": 8000, "scheme": "HTTP"}, "periodSeconds": 10, "failureThreshold": 3},
                            {"type": "Liveness", "httpGet": {"path": "/health", "port": 8000, "scheme": "HTTP"}, "periodSeconds": 30, "failureThreshold": 3}
                        ]
                    }],
                    "scale": {"minReplicas": 1, "maxReplicas": 3}
                }
            }
        }),
    }
}

fn resolved(value: &str) -> ResolvedValues {
    let mut r = ResolvedValues::default();
    r.values.insert(
        "/properties/configuration/secrets/0/value".into(),
        Value::String(value.into()),
    );
    r
}

fn prior_for(d: &DesiredResource, r: &ResolvedValues) -> Prior {
    let body = r.complete_body(d).unwrap();
    let mut wo = BTreeMap::new();
    for p in &d.write_only {
        wo.insert(
            crate::plan::stable_key(d.kind, &body, p),
            canonical_hash(body.pointer(p).unwrap()),
        );
    }
    Prior {
        id: Some(d.id.clone()),
        applied_hash: Some(canonical_hash(&body)),
        write_only_hashes: wo,
    }
}

#[test]
fn no_changes_after_apply_despite_arm_noise() {
    let d = app();
    let r = resolved(SECRET);
    let c = diff_resource(&d, Some(&observed()), &r, Some(&prior_for(&d, &r)));
    assert_eq!(c.action, Action::NoOp, "{:#?}", c.attributes);
    assert!(c.attributes.is_empty());
}

#[test]
fn missing_resource_is_a_create() {
    let c = diff_resource(&app(), None, &ResolvedValues::default(), None);
    assert_eq!(c.action, Action::Create);
    assert_eq!(c.reason, "does not exist yet");
}

#[test]
fn a_scalar_edit_names_the_exact_path() {
    let mut d = app();
    d.body["properties"]["configuration"]["ingress"]["external"] = json!(true);
    let r = resolved(SECRET);
    let prior = prior_for(&app(), &r);
    let c = diff_resource(&d, Some(&observed()), &r, Some(&prior));
    assert_eq!(c.action, Action::Update);
    assert_eq!(c.attributes.len(), 1);
    let a = &c.attributes[0];
    assert_eq!(a.path, "properties.configuration.ingress.external");
    assert_eq!(a.old, Some(json!(false)));
    assert_eq!(a.new, Some(json!(true)));
}

#[test]
fn keyed_array_elements_are_named_by_key() {
    let mut d = app();
    d.body["properties"]["template"]["containers"][0]["probes"][0]["periodSeconds"] = json!(60);
    d.body["properties"]["template"]["containers"][0]["env"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "LOG_LEVEL", "value": "debug"}));
    let r = resolved(SECRET);
    let prior = prior_for(&app(), &r);
    let c = diff_resource(&d, Some(&observed()), &r, Some(&prior));
    let paths: Vec<&str> = c.attributes.iter().map(|a| a.path.as_str()).collect();
    assert_eq!(
        paths,
        vec![
            "properties.template.containers[name=task-api].env[name=LOG_LEVEL]",
            "properties.template.containers[name=task-api].probes[type=Liveness].periodSeconds",
        ]
    );
}

#[test]
fn removed_env_var_is_a_removal() {
    let mut d = app();
    d.body["properties"]["template"]["containers"][0]["env"] = json!([]);
    let r = resolved(SECRET);
    let c = diff_resource(&d, Some(&observed()), &r, Some(&prior_for(&app(), &r)));
    assert_eq!(c.attributes.len(), 1);
    assert_eq!(
        c.attributes[0].path,
        "properties.template.containers[name=task-api].env[name=APPLICATIONINSIGHTS_CONNECTION_STRING]"
    );
    assert!(c.attributes[0].new.is_none());
}

#[test]
fn changed_secret_value_is_detected_by_hash_and_masked() {
    let d = app();
    let old = resolved(SECRET);
    let prior = prior_for(&d, &old);
    let new_secret = "InstrumentationKey=99999999;IngestionEndpoint=https://y";
    let c = diff_resource(&d, Some(&observed()), &resolved(new_secret), Some(&prior));
    assert_eq!(c.action, Action::Update);
    assert_eq!(c.attributes.len(), 1);
    let a = &c.attributes[0];
    assert_eq!(
        a.path,
        "properties.configuration.secrets[name=appinsights-connection-string].value"
    );
    assert_eq!(a.old, Some(json!(SENSITIVE)));
    assert_eq!(a.new, Some(json!(SENSITIVE)));
    let text = serde_json::to_string(&c).unwrap();
    assert!(!text.contains(new_secret) && !text.contains(SECRET));
}

#[test]
fn unresolved_reference_is_known_after_apply() {
    let d = app();
    let c = diff_resource(&d, Some(&observed()), &ResolvedValues::default(), None);
    let a = c
        .attributes
        .iter()
        .find(|a| {
            a.path
                .ends_with("secrets[name=appinsights-connection-string].value")
        })
        .unwrap();
    assert_eq!(a.new, Some(json!(KNOWN_AFTER_APPLY)));
}

#[test]
fn location_change_is_a_replace_with_reason() {
    let mut d = app();
    d.body["location"] = json!("westeurope");
    let r = resolved(SECRET);
    let c = diff_resource(&d, Some(&observed()), &r, Some(&prior_for(&app(), &r)));
    assert_eq!(c.action, Action::Replace);
    assert!(c.reason.contains("another location"), "{}", c.reason);
}

#[test]
fn tags_are_owned_but_hidden_links_are_not() {
    let mut d = app();
    d.body["tags"] = json!({});
    let r = resolved(SECRET);
    let c = diff_resource(&d, Some(&observed()), &r, Some(&prior_for(&app(), &r)));
    let paths: Vec<&str> = c.attributes.iter().map(|a| a.path.as_str()).collect();
    assert_eq!(paths, vec!["tags.env"]);
}

#[test]
fn out_of_band_change_is_reported_as_drift() {
    let d = app();
    let r = resolved(SECRET);
    let prior = prior_for(&d, &r);
    let mut o = observed();
    o.body["properties"]["template"]["scale"]["maxReplicas"] = json!(10);
    let c = diff_resource(&d, Some(&o), &r, Some(&prior));
    assert_eq!(c.action, Action::Update);
    assert!(c.reason.contains("drift"), "{}", c.reason);
}

#[test]
fn build_orders_deletes_after_desired_and_reversed() {
    let d = vec![app()];
    let mut observed_map = HashMap::new();
    observed_map.insert(d[0].address.clone(), Some(observed()));
    let mut res = HashMap::new();
    res.insert(d[0].address.clone(), resolved(SECRET));
    let mut prior = HashMap::new();
    prior.insert(d[0].address.clone(), prior_for(&d[0], &resolved(SECRET)));
    let orphan = |a: &str| Orphan {
        address: ResourceAddress::new(a),
        id: format!("/subscriptions/s/x/{a}"),
        arm_type: "Microsoft.Insights/metricAlerts".into(),
        api_version: "2018-03-01".into(),
        depends_on: vec![],
        managed: true,
        purge_id: None,
    };
    let orphans = vec![orphan("action_group.ops"), orphan("alert.slow")];
    let plan = build(&PlanInputs {
        desired: &d,
        observed: &observed_map,
        resolved: &res,
        prior: &prior,
        orphans: &orphans,
    });
    let order: Vec<(&str, Action)> = plan
        .changes
        .iter()
        .map(|c| (c.address.as_str(), c.action))
        .collect();
    assert_eq!(
        order,
        vec![
            ("app.task-api", Action::NoOp),
            ("alert.slow", Action::Delete),
            ("action_group.ops", Action::Delete)
        ]
    );
    assert_eq!(plan.summary.delete, 2);
    assert!(plan.has_changes());
}

#[test]
fn dropping_ingress_is_a_removal_of_the_block() {
    let mut d = app();
    d.body["properties"]["configuration"]
        .as_object_mut()
        .unwrap()
        .remove("ingress");
    let r = resolved(SECRET);
    let prior = prior_for(&app(), &r);
    let c = diff_resource(&d, Some(&observed()), &r, Some(&prior));
    assert_eq!(c.action, Action::Update, "{:#?}", c.attributes);
    let paths: Vec<&str> = c.attributes.iter().map(|a| a.path.as_str()).collect();
    assert_eq!(paths, ["properties.configuration.ingress"]);
    assert_eq!(c.attributes[0].new, None);
}

#[test]
fn default_tcp_probes_arm_adds_are_not_drift_but_declared_ones_are() {
    let mut d = app();
    d.body["properties"]["template"]["containers"][0]["probes"] = json!([]);
    let mut o = observed();
    o.body["properties"]["template"]["containers"][0]["probes"] = json!([
        {"type": "Liveness", "tcpSocket": {"port": 8000}, "periodSeconds": 10},
        {"type": "Startup", "tcpSocket": {"port": 8000}, "periodSeconds": 1},
    ]);
    let r = resolved(SECRET);
    let prior = prior_for(&d, &r);
    let c = diff_resource(&d, Some(&o), &r, Some(&prior));
    assert_eq!(c.action, Action::NoOp, "{:#?}", c.attributes);
    // Removing declared (HTTP) probes is still a change.
    let c = diff_resource(&d, Some(&observed()), &r, Some(&prior));
    assert_eq!(c.action, Action::Update, "{:#?}", c.attributes);
}

#[test]
fn replace_reason_does_not_repeat_the_verb() {
    let mut d = app();
    d.body["location"] = json!("westus");
    let r = resolved(SECRET);
    let c = diff_resource(&d, Some(&observed()), &r, Some(&prior_for(&app(), &r)));
    assert_eq!(c.action, Action::Replace);
    assert!(!c.reason.starts_with("must be replaced"), "{}", c.reason);
}
