//! Tests of the schema validator: each violation kind on several types, read-only handling,
//! case rules, discriminated criteria, and every request example of the REST specs.

use serde_json::{Value, json};

use super::schema::{Schemas, Violation, ViolationKind};

fn v(arm_type: &str, body: &Value) -> Vec<Violation> {
    Schemas::shared().validate_body(arm_type, body)
}

fn kinds_at(vs: &[Violation]) -> Vec<(ViolationKind, &str)> {
    vs.iter().map(|x| (x.kind, x.path.as_str())).collect()
}

const APP: &str = "Microsoft.App/containerApps";
const ENV: &str = "Microsoft.App/managedEnvironments";
const WS: &str = "Microsoft.OperationalInsights/workspaces";
const ALERT: &str = "Microsoft.Insights/metricAlerts";
const APIM: &str = "Microsoft.ApiManagement/service";

fn app() -> Value {
    json!({
        "location": "eastus",
        "properties": {
            "environmentId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.App/managedEnvironments/env",
            "configuration": {
                "secrets": [{"name": "conn", "value": "x"}],
                "ingress": {"external": true, "targetPort": 8000, "transport": "http"}
            },
            "template": {
                "containers": [{
                    "name": "api", "image": "repo/api:1",
                    "env": [{"name": "CONN", "secretRef": "conn"}],
                    "resources": {"cpu": 0.5, "memory": "1Gi"},
                    "probes": [{"type": "Liveness", "httpGet": {"path": "/health", "port": 8000}}]
                }],
                "scale": {"minReplicas": 1, "maxReplicas": 3}
            }
        }
    })
}

fn alert() -> Value {
    json!({
        "location": "global",
        "properties": {
            "severity": 2, "enabled": true,
            "scopes": ["/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/components/ai"],
            "evaluationFrequency": "PT1M", "windowSize": "PT5M",
            "criteria": {
                "odata.type": "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
                "allOf": [{
                    "criterionType": "StaticThresholdCriterion", "name": "c1",
                    "metricName": "requests/failed", "metricNamespace": "microsoft.insights/components",
                    "operator": "GreaterThan", "threshold": 10, "timeAggregation": "Count"
                }]
            },
            "actions": [{"actionGroupId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/actionGroups/ag"}]
        }
    })
}

#[test]
fn builtin_has_all_ten_types_with_versions() {
    let s = Schemas::builtin();
    let types = s.arm_types();
    assert_eq!(types.len(), 10);
    assert_eq!(
        s.api_version("microsoft.app/CONTAINERAPPS"),
        Some("2026-07-01")
    );
    assert_eq!(
        s.api_version("Microsoft.Insights/metricAlerts"),
        Some("2018-03-01")
    );
    assert_eq!(
        s.api_version("Microsoft.Resources/resourceGroups"),
        Some("2025-04-01")
    );
    assert_eq!(
        s.api_version("Microsoft.ApiManagement/service/loggers"),
        Some("2024-05-01")
    );
    assert!(s.get("Microsoft.Foo/bars").is_none());
    for t in types {
        let ts = s.get(t).unwrap();
        assert!(!ts.api_version.is_empty(), "{t}");
        assert!(ts.sdk.starts_with("azure-mgmt-"), "{t}: {}", ts.sdk);
    }
}

#[test]
fn valid_bodies_pass() {
    assert_eq!(v(APP, &app()), vec![]);
    assert_eq!(v(ALERT, &alert()), vec![]);
    assert_eq!(
        v(
            WS,
            &json!({"location": "eastus", "properties": {"sku": {"name": "PerGB2018"}, "retentionInDays": 30}})
        ),
        vec![]
    );
    assert_eq!(
        v(
            APIM,
            &json!({"location": "eastus", "sku": {"name": "Consumption", "capacity": 0},
            "properties": {"publisherEmail": "a@b.c", "publisherName": "me"}})
        ),
        vec![]
    );
}

#[test]
fn unknown_property_is_reported_with_its_path() {
    let mut b = app();
    b["properties"]["configuration"]["ingress"]["externalEnabled"] = json!(true);
    b["bogus"] = json!(1);
    let vs = v(APP, &b);
    assert_eq!(
        kinds_at(&vs),
        vec![
            (
                ViolationKind::UnknownProperty,
                "properties.configuration.ingress.externalEnabled"
            ),
            (ViolationKind::UnknownProperty, "bogus"),
        ]
    );
    let vs = v(
        WS,
        &json!({"location": "eastus", "properties": {"retention": 30}}),
    );
    assert_eq!(
        kinds_at(&vs),
        vec![(ViolationKind::UnknownProperty, "properties.retention")]
    );
}

#[test]
fn missing_required_is_reported() {
    let vs = v(WS, &json!({"properties": {}}));
    assert_eq!(
        kinds_at(&vs),
        vec![(ViolationKind::MissingRequired, "location")]
    );

    let vs = v(
        APIM,
        &json!({"location": "eastus", "sku": {"name": "Developer", "capacity": 1},
        "properties": {"publisherName": "me"}}),
    );
    assert_eq!(
        kinds_at(&vs),
        vec![(ViolationKind::MissingRequired, "properties.publisherEmail")]
    );

    let vs = v(
        "Microsoft.Insights/actionGroups",
        &json!({"location": "Global",
        "properties": {"groupShortName": "ops", "enabled": true, "emailReceivers": [{"name": "me"}]}}),
    );
    assert_eq!(
        kinds_at(&vs),
        vec![(
            ViolationKind::MissingRequired,
            "properties.emailReceivers[0].emailAddress"
        )]
    );

    // kind is required on components; an explicit null counts as absent.
    let vs = v(
        "Microsoft.Insights/components",
        &json!({"location": "eastus", "kind": null,
        "properties": {"Application_Type": "web"}}),
    );
    assert_eq!(
        kinds_at(&vs),
        vec![(ViolationKind::MissingRequired, "kind")]
    );
}

#[test]
fn wrong_type_is_reported() {
    let mut b = app();
    b["properties"]["configuration"]["ingress"]["external"] = json!("yes");
    b["properties"]["configuration"]["ingress"]["targetPort"] = json!(80.5);
    b["tags"] = json!({"team": 7});
    let vs = v(APP, &b);
    assert_eq!(
        kinds_at(&vs),
        vec![
            (
                ViolationKind::WrongType,
                "properties.configuration.ingress.external"
            ),
            (
                ViolationKind::WrongType,
                "properties.configuration.ingress.targetPort"
            ),
            (ViolationKind::WrongType, "tags.team"),
        ]
    );
    // integer accepts a whole number written as a float; number accepts integers.
    let mut b = app();
    b["properties"]["configuration"]["ingress"]["targetPort"] = json!(8000.0);
    b["properties"]["template"]["containers"][0]["resources"]["cpu"] = json!(1);
    assert_eq!(v(APP, &b), vec![]);

    let mut a = alert();
    a["properties"]["severity"] = json!("2");
    assert_eq!(
        kinds_at(&v(ALERT, &a)),
        vec![(ViolationKind::WrongType, "properties.severity")]
    );

    let vs = v(WS, &json!("not an object"));
    assert_eq!(kinds_at(&vs), vec![(ViolationKind::WrongType, "")]);
}

#[test]
fn enum_values_are_case_insensitive_but_checked() {
    let mut b = app();
    b["properties"]["configuration"]["ingress"]["transport"] = json!("HTTP2");
    b["properties"]["template"]["containers"][0]["probes"][0]["type"] = json!("liveness");
    assert_eq!(v(APP, &b), vec![]);

    b["properties"]["configuration"]["ingress"]["transport"] = json!("udp");
    let vs = v(APP, &b);
    assert_eq!(
        kinds_at(&vs),
        vec![(
            ViolationKind::UnknownEnumValue,
            "properties.configuration.ingress.transport"
        )]
    );
    assert!(vs[0].message.contains("http2"), "{}", vs[0].message);

    let vs = v(
        WS,
        &json!({"location": "eastus", "properties": {"sku": {"name": "Gold"}}}),
    );
    assert_eq!(
        kinds_at(&vs),
        vec![(ViolationKind::UnknownEnumValue, "properties.sku.name")]
    );

    // Flag enums: blanks around the comma do not matter (the managed environment example).
    let e = json!({"location": "eastus", "identity": {"type": "SystemAssigned, UserAssigned"}});
    assert_eq!(v(ENV, &e), vec![]);

    // Open enums: Application Insights accepts legacy application types.
    let c =
        json!({"location": "eastus", "kind": "java", "properties": {"Application_Type": "java"}});
    assert_eq!(v("Microsoft.Insights/components", &c), vec![]);
}

#[test]
fn discriminated_criteria_pick_their_model() {
    let mut a = alert();
    a["properties"]["criteria"]["odata.type"] = json!("Microsoft.Azure.Monitor.Bogus");
    assert_eq!(
        kinds_at(&v(ALERT, &a)),
        vec![(
            ViolationKind::UnknownEnumValue,
            "properties.criteria.odata.type"
        )]
    );

    let mut a = alert();
    a["properties"]["criteria"]
        .as_object_mut()
        .unwrap()
        .remove("odata.type");
    assert_eq!(
        kinds_at(&v(ALERT, &a)),
        vec![(
            ViolationKind::MissingRequired,
            "properties.criteria.odata.type"
        )]
    );

    // A static criterion needs a threshold...
    let mut a = alert();
    a["properties"]["criteria"]["allOf"][0]
        .as_object_mut()
        .unwrap()
        .remove("threshold");
    assert_eq!(
        kinds_at(&v(ALERT, &a)),
        vec![(
            ViolationKind::MissingRequired,
            "properties.criteria.allOf[0].threshold"
        )]
    );

    // ...a dynamic one needs alertSensitivity and failingPeriods instead.
    let mut a = alert();
    a["properties"]["criteria"]["allOf"][0]["criterionType"] = json!("DynamicThresholdCriterion");
    a["properties"]["criteria"]["allOf"][0]["operator"] = json!("GreaterOrLessThan");
    assert_eq!(
        kinds_at(&v(ALERT, &a)),
        vec![
            (
                ViolationKind::MissingRequired,
                "properties.criteria.allOf[0].alertSensitivity"
            ),
            (
                ViolationKind::MissingRequired,
                "properties.criteria.allOf[0].failingPeriods"
            ),
        ]
    );

    // The static criterion's operator set is its own: GreaterOrLessThan is dynamic-only.
    let mut a = alert();
    a["properties"]["criteria"]["allOf"][0]["operator"] = json!("GreaterOrLessThan");
    assert_eq!(
        kinds_at(&v(ALERT, &a)),
        vec![(
            ViolationKind::UnknownEnumValue,
            "properties.criteria.allOf[0].operator"
        )]
    );

    let mut a = alert();
    a["properties"]["criteria"]["allOf"][0]["criterionType"] = json!("Nope");
    assert_eq!(
        kinds_at(&v(ALERT, &a)),
        vec![(
            ViolationKind::UnknownEnumValue,
            "properties.criteria.allOf[0].criterionType"
        )]
    );
}

#[test]
fn read_only_properties_sent_are_ignored() {
    let mut b = app();
    b["properties"]["provisioningState"] = json!("Succeeded");
    b["properties"]["configuration"]["ingress"]["fqdn"] = json!(42); // even with a wrong type
    b["properties"]["outboundIpAddresses"] = json!(["1.2.3.4"]);
    b["id"] = json!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.App/containerApps/a");
    b["name"] = json!("a");
    b["type"] = json!("Microsoft.App/containerApps");
    b["systemData"] = json!({"createdBy": "me"});
    assert_eq!(v(APP, &b), vec![]);

    // Envelope fields are allowed even where the schema does not list them.
    let d = json!({"id": "x", "name": "applicationinsights", "type": "t", "systemData": {},
        "properties": {"loggerId": "/loggers/l", "httpCorrelationProtocol": "W3C"}});
    assert_eq!(v("Microsoft.ApiManagement/service/diagnostics", &d), vec![]);
    // ...but only at the top.
    let d = json!({"properties": {"loggerId": "/loggers/l", "systemData": {}}});
    assert_eq!(
        kinds_at(&v("Microsoft.ApiManagement/service/diagnostics", &d)),
        vec![(ViolationKind::UnknownProperty, "properties.systemData")]
    );
}

#[test]
fn property_names_match_case_insensitively_unless_exact() {
    let mut a = alert();
    a["properties"]["actions"][0]["webhookProperties"] = json!({"k": "v"});
    assert_eq!(v(ALERT, &a), vec![]);
    let vs = Schemas::shared().validate_body_exact(ALERT, &a);
    assert_eq!(
        kinds_at(&vs),
        vec![(
            ViolationKind::UnknownProperty,
            "properties.actions[0].webhookProperties"
        )]
    );
    assert!(
        vs[0].message.contains("webHookProperties"),
        "{}",
        vs[0].message
    );
    assert_eq!(
        Schemas::shared().validate_body_exact(ALERT, &alert()),
        vec![]
    );
}

#[test]
fn maps_validate_their_values() {
    let mut a = alert();
    a["properties"]["actions"][0]["webHookProperties"] = json!({"k": "v", "n": 1});
    assert_eq!(
        kinds_at(&v(ALERT, &a)),
        vec![(
            ViolationKind::WrongType,
            "properties.actions[0].webHookProperties.n"
        )]
    );
    let e = json!({"location": "eastus", "identity": {"type": "UserAssigned",
        "userAssignedIdentities": {"/x/id": {"bogus": 1}}}});
    assert_eq!(
        kinds_at(&v(ENV, &e)),
        vec![(
            ViolationKind::UnknownProperty,
            "identity.userAssignedIdentities./x/id.bogus"
        )]
    );
}

#[test]
fn unknown_type_is_reported() {
    let vs = v("Microsoft.Foo/bars", &json!({}));
    assert_eq!(kinds_at(&vs), vec![(ViolationKind::Other, "")]);
}

#[test]
fn strip_read_only_removes_only_server_values() {
    let mut b = app();
    b["id"] = json!("x");
    b["properties"]["provisioningState"] = json!("Succeeded");
    b["properties"]["configuration"]["ingress"]["fqdn"] = json!("a.b");
    b["properties"]["template"]["containers"][0]["resources"]["ephemeralStorage"] = json!("2Gi");
    Schemas::shared().strip_read_only(APP, &mut b);
    let mut want = app();
    want["id"] = json!("x");
    assert_eq!(b, want);
}

/// Every request body of the REST specs' examples, for the api-versions the emulator accepts,
/// is valid; so is every documented response body (read-only values are allowed there).
#[test]
fn spec_examples_are_valid() {
    let Some(root) = super::test_support::examples_dir() else {
        eprintln!(
            "NOTE: shared/azure/examples not found beside the repository; spec example check skipped"
        );
        return;
    };
    let dirs = [
        ("resourceGroups", "Microsoft.Resources/resourceGroups"),
        ("workspaces", WS),
        ("components", "Microsoft.Insights/components"),
        ("actionGroups", "Microsoft.Insights/actionGroups"),
        ("metricAlerts", ALERT),
        ("managedEnvironments", ENV),
        ("containerApps", APP),
        ("apimService", APIM),
        ("apimLoggers", "Microsoft.ApiManagement/service/loggers"),
        (
            "apimDiagnostics",
            "Microsoft.ApiManagement/service/diagnostics",
        ),
    ];
    let mut requests = 0;
    let mut responses = 0;
    for (dir, arm_type) in dirs {
        for ver in std::fs::read_dir(root.join(dir)).unwrap() {
            let ver = ver.unwrap().path();
            for f in std::fs::read_dir(&ver).unwrap() {
                let f = f.unwrap().path();
                let doc: Value =
                    serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
                let params = doc["parameters"].as_object().unwrap();
                for (k, body) in params.iter().filter(|(_, b)| b.is_object()) {
                    let vs = Schemas::shared().validate_body(arm_type, body);
                    assert_eq!(vs, vec![], "{} parameter {k}", f.display());
                    requests += 1;
                }
                for (code, resp) in doc["responses"].as_object().unwrap() {
                    let Some(body) = resp.get("body") else {
                        continue;
                    };
                    // ListSecrets/SharedKeys bodies are action results and the purge example answers a
                    // deleted-service contract: none is the resource itself.
                    if f.to_string_lossy().contains("DeletedServices")
                        || f.to_string_lossy().contains("ListSecrets")
                        || f.to_string_lossy().contains("SharedKeys")
                    {
                        continue;
                    }
                    let vs = Schemas::shared().validate_body(arm_type, body);
                    assert_eq!(vs, vec![], "{} response {code}", f.display());
                    responses += 1;
                }
            }
        }
    }
    assert!(requests >= 10, "only {requests} request bodies found");
    assert!(responses >= 15, "only {responses} response bodies found");
}
