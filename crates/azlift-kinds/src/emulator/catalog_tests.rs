//! Tests of the catalog against an in-memory world: a whole system created in dependency
//! order, each class of invalid body rejected with its code, the GET view and actions,
//! stable server values across re-PUTs, and delete rules.

use std::cell::RefCell;
use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::ArmError;
use super::{Catalog, PutRequest, Schemas, World};

const SUB: &str = "00000000-0000-0000-0000-000000000001";

#[derive(Default)]
struct Cloud {
    items: RefCell<BTreeMap<String, Value>>,
}

impl World for Cloud {
    fn get(&self, id: &str) -> Option<Value> {
        self.items.borrow().get(&id.to_ascii_lowercase()).cloned()
    }
    fn all_ids(&self) -> Vec<String> {
        self.items
            .borrow()
            .values()
            .filter_map(|v| v["id"].as_str().map(str::to_string))
            .collect()
    }
}

fn rg_id(rg: &str) -> String {
    format!("/subscriptions/{SUB}/resourceGroups/{rg}")
}

fn id(rg: &str, ty: &str, name: &str) -> String {
    format!("{}/providers/{ty}/{name}", rg_id(rg))
}

fn arm_type_of(id: &str) -> String {
    super::common::type_of_id(id).unwrap()
}

impl Cloud {
    fn req<'a>(&self, id: &'a str, arm_type: &'a str, body: &'a Value) -> PutRequest<'a> {
        let segs: Vec<&str> = id.split('/').collect();
        PutRequest {
            id,
            subscription: SUB,
            resource_group: segs.get(4).copied().unwrap_or_default(),
            arm_type,
            name: segs.last().copied().unwrap_or_default(),
            api_version: "x",
            body,
        }
    }

    /// Validate, complete and store, as the server does.
    fn put(&self, cat: &Catalog, id: &str, body: Value) -> Result<Value, ArmError> {
        let t = arm_type_of(id);
        let req = self.req(id, &t, &body);
        cat.validate_put(&req, self)?;
        let prev = self.get(id);
        let stored = cat.complete(&req, prev.as_ref(), self)?;
        self.items
            .borrow_mut()
            .insert(id.to_ascii_lowercase(), stored.clone());
        Ok(stored)
    }

    fn delete(&self, id: &str) {
        self.items.borrow_mut().remove(&id.to_ascii_lowercase());
    }
}

struct System {
    cloud: Cloud,
    cat: Catalog,
    ws: String,
    ai: String,
    ag: String,
    env: String,
    app: String,
    apim: String,
}

fn app_body(env: &str, external: bool) -> Value {
    json!({
        "location": "East US",
        "properties": {
            "environmentId": env,
            "configuration": {
                "secrets": [{"name": "appinsights-connection-string", "value": "InstrumentationKey=abc"}],
                "ingress": {"external": external, "targetPort": 8001, "transport": "http"}
            },
            "template": {
                "containers": [{
                    "name": "notify", "image": "repo/notify:1",
                    "env": [{"name": "APPLICATIONINSIGHTS_CONNECTION_STRING", "secretRef": "appinsights-connection-string"}],
                    "resources": {"cpu": 0.5, "memory": "1Gi"},
                    "probes": [
                        {"type": "Liveness", "httpGet": {"path": "/health", "port": 8001}, "initialDelaySeconds": 10, "periodSeconds": 30, "failureThreshold": 3},
                        {"type": "Readiness", "httpGet": {"path": "/health", "port": 8001}, "periodSeconds": 10, "failureThreshold": 3}
                    ]
                }],
                "scale": {"minReplicas": 1, "maxReplicas": 3}
            }
        }
    })
}

/// The blog system of the seeds: rg, workspace, App Insights, action group, alert,
/// environment, an internal app, APIM with logger and diagnostic.
fn system() -> System {
    let cloud = Cloud::default();
    let cat = Catalog::builtin();
    let rg = rg_id("blog");
    cloud
        .put(&cat, &rg, json!({"location": "East US"}))
        .unwrap();
    let ws = id(
        "blog",
        "Microsoft.OperationalInsights/workspaces",
        "blog-logs",
    );
    cloud
        .put(&cat, &ws, json!({"location": "eastus", "properties": {"sku": {"name": "PerGB2018"}, "retentionInDays": 30}}))
        .unwrap();
    let ai = id("blog", "Microsoft.Insights/components", "blog-appinsights");
    cloud
        .put(&cat, &ai, json!({"location": "eastus", "kind": "web", "properties": {"Application_Type": "web", "WorkspaceResourceId": ws}}))
        .unwrap();
    let ag = id("blog", "Microsoft.Insights/actionGroups", "blog-alerts");
    cloud
        .put(&cat, &ag, json!({"location": "global", "properties": {"groupShortName": "blog08alert", "enabled": true,
            "emailReceivers": [{"name": "admin", "emailAddress": "admin@example.com"}]}}))
        .unwrap();
    let alert = id(
        "blog",
        "Microsoft.Insights/metricAlerts",
        "blog-high-error-rate",
    );
    cloud.put(&cat, &alert, alert_body(&ai, &ag)).unwrap();

    let keys = cat
        .action(
            "Microsoft.OperationalInsights/workspaces",
            "sharedKeys",
            &cloud.get(&ws).unwrap(),
        )
        .unwrap();
    let customer = cloud.get(&ws).unwrap()["properties"]["customerId"].clone();
    let env = id("blog", "Microsoft.App/managedEnvironments", "blog-env");
    cloud
        .put(&cat, &env, json!({"location": "eastus", "properties": {"appLogsConfiguration": {"destination": "log-analytics",
            "logAnalyticsConfiguration": {"customerId": customer, "sharedKey": keys["primarySharedKey"]}}}}))
        .unwrap();
    let app = id("blog", "Microsoft.App/containerApps", "notification");
    cloud.put(&cat, &app, app_body(&env, false)).unwrap();

    let apim = id("blog", "Microsoft.ApiManagement/service", "blog08-apim");
    cloud
        .put(
            &cat,
            &apim,
            json!({"location": "eastus", "sku": {"name": "Developer", "capacity": 1},
            "properties": {"publisherEmail": "admin@example.com", "publisherName": "Blog"}}),
        )
        .unwrap();
    let conn = cloud.get(&ai).unwrap()["properties"]["ConnectionString"].clone();
    cloud
        .put(
            &cat,
            &format!("{apim}/loggers/appinsights-logger"),
            json!({"properties": {"loggerType": "applicationInsights",
            "credentials": {"connectionString": conn}, "resourceId": ai}}),
        )
        .unwrap();
    cloud
        .put(&cat, &format!("{apim}/diagnostics/applicationinsights"), json!({"properties": {
            "loggerId": format!("{apim}/loggers/appinsights-logger"), "httpCorrelationProtocol": "W3C",
            "alwaysLog": "allErrors", "logClientIp": true, "verbosity": "information",
            "sampling": {"samplingType": "fixed", "percentage": 100},
            "frontend": {"request": {"headers": ["X-User-OID", "X-Tenant-ID"], "body": {"bytes": 0}}, "response": {"body": {"bytes": 0}}}}}))
        .unwrap();
    System {
        cloud,
        cat,
        ws,
        ai,
        ag,
        env,
        app,
        apim,
    }
}

fn alert_body(scope: &str, ag: &str) -> Value {
    json!({"location": "global", "properties": {
        "description": "Fires when more than 10 failed requests occur within 5 minutes",
        "severity": 2, "enabled": true, "scopes": [scope],
        "evaluationFrequency": "PT1M", "windowSize": "PT5M",
        "criteria": {"odata.type": "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
            "allOf": [{"criterionType": "StaticThresholdCriterion", "name": "failed", "metricName": "requests/failed",
                "metricNamespace": "microsoft.insights/components", "operator": "GreaterThan", "threshold": 10, "timeAggregation": "Count"}]},
        "actions": [{"actionGroupId": ag}]}})
}

fn rejected(s: &System, id: &str, body: Value) -> ArmError {
    s.cloud
        .put(&s.cat, id, body)
        .expect_err("should be rejected")
}

#[test]
fn type_table() {
    let cat = Catalog::builtin();
    assert_eq!(cat.types().count(), 10);
    let app = cat.type_info("microsoft.app/containerapps").unwrap();
    assert!(app.api_versions.contains(&"2026-07-01") && app.api_versions.contains(&"2025-07-01"));
    assert!(app.long_running_put);
    let rg = cat.type_info("Microsoft.Resources/resourceGroups").unwrap();
    assert!(!rg.long_running_put && cat.long_running_delete(rg.arm_type));
    for t in cat.types() {
        assert_eq!(
            Some(t.api_versions[0]),
            cat.schemas().api_version(t.arm_type),
            "{}",
            t.arm_type
        );
        assert!(t.realistic_create_secs > 0.0 && t.realistic_delete_secs > 0.0);
    }
    let env = cat.type_info("Microsoft.App/managedEnvironments").unwrap();
    assert!((120.0..=360.0).contains(&env.realistic_create_secs));
    let apim = cat.type_info("Microsoft.ApiManagement/service").unwrap();
    assert!((1800.0..=2700.0).contains(&apim.realistic_create_secs));
    assert_eq!(
        cat.create_secs(apim.arm_type, &json!({"sku": {"name": "Consumption"}})),
        90.0
    );
    assert!(cat.soft_delete("Microsoft.OperationalInsights/workspaces"));
    assert!(cat.soft_delete("Microsoft.ApiManagement/service"));
    assert!(!cat.soft_delete("Microsoft.App/containerApps"));
    assert!(cat.type_info("Microsoft.Foo/bars").is_none());
}

#[test]
fn whole_system_is_accepted_and_every_view_matches_the_schema() {
    let s = system();
    let ids = s.cloud.all_ids();
    assert_eq!(ids.len(), 10);
    for id in ids {
        let stored = s.cloud.get(&id).unwrap();
        let t = arm_type_of(&id);
        let view = s.cat.get_view(&t, &stored);
        assert!(view.get("_emulator").is_none(), "{id}");
        assert_eq!(
            Schemas::shared().validate_body(&t, &view),
            vec![],
            "GET view of {id}"
        );
        // A PATCH is merged onto the stored body: the stored body must pass validation again.
        let req = s.cloud.req(&id, &t, &stored);
        s.cat
            .validate_put(&req, &s.cloud)
            .unwrap_or_else(|e| panic!("{id}: {e:?}"));
    }
}

#[test]
fn container_app_secrets_are_write_only_and_listed_by_action() {
    let s = system();
    let t = "Microsoft.App/containerApps";
    let stored = s.cloud.get(&s.app).unwrap();
    let view = s.cat.get_view(t, &stored);
    let secret = &view["properties"]["configuration"]["secrets"][0];
    assert_eq!(secret["name"], "appinsights-connection-string");
    assert!(secret.get("value").is_none());
    assert!(!view.to_string().contains("InstrumentationKey=abc"));
    let listed = s.cat.action(t, "listSecrets", &stored).unwrap();
    assert_eq!(
        listed,
        json!({"value": [{"name": "appinsights-connection-string", "value": "InstrumentationKey=abc"}]})
    );
    let e = s.cat.action(t, "restart2", &stored).unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (400, "InvalidResourceType"));
}

#[test]
fn container_app_read_only_values() {
    let s = system();
    let app = s.cloud.get(&s.app).unwrap();
    let env = s.cloud.get(&s.env).unwrap();
    let domain = env["properties"]["defaultDomain"].as_str().unwrap();
    assert!(
        domain.ends_with(".eastus.azurecontainerapps.io"),
        "{domain}"
    );
    let p = &app["properties"];
    assert_eq!(app["location"], "eastus");
    assert_eq!(p["provisioningState"], "Succeeded");
    assert_eq!(p["managedEnvironmentId"], json!(s.env));
    assert_eq!(p["environmentId"], json!(s.env));
    let ing = &p["configuration"]["ingress"];
    assert_eq!(
        ing["fqdn"],
        json!(format!("notification.internal.{domain}"))
    );
    assert_eq!(ing["allowInsecure"], false);
    assert_eq!(
        ing["traffic"],
        json!([{"weight": 100, "latestRevision": true}])
    );
    let rev = p["latestRevisionName"].as_str().unwrap();
    assert!(rev.starts_with("notification--"), "{rev}");
    assert_eq!(p["latestReadyRevisionName"], json!(rev));
    assert_eq!(
        p["latestRevisionFqdn"],
        json!(format!("{rev}.internal.{domain}"))
    );
    assert_eq!(
        p["template"]["containers"][0]["resources"]["ephemeralStorage"],
        "2Gi"
    );
    assert_eq!(p["outboundIpAddresses"].as_array().unwrap().len(), 2);
    assert_eq!(p["customDomainVerificationId"].as_str().unwrap().len(), 64);
    assert_eq!(p["runningStatus"], "Running");

    // External ingress: no `.internal.`.
    let ext = id("blog", "Microsoft.App/containerApps", "task-api");
    let stored = s.cloud.put(&s.cat, &ext, app_body(&s.env, true)).unwrap();
    assert_eq!(
        stored["properties"]["configuration"]["ingress"]["fqdn"],
        json!(format!("task-api.{domain}"))
    );
}

#[test]
fn revision_changes_only_with_the_template() {
    let s = system();
    let before = s.cloud.get(&s.app).unwrap();
    let again = s
        .cloud
        .put(&s.cat, &s.app, app_body(&s.env, false))
        .unwrap();
    assert_eq!(
        again["properties"]["latestRevisionName"],
        before["properties"]["latestRevisionName"]
    );
    let mut changed = app_body(&s.env, false);
    changed["properties"]["template"]["containers"][0]["image"] = json!("repo/notify:2");
    let after = s.cloud.put(&s.cat, &s.app, changed).unwrap();
    assert_ne!(
        after["properties"]["latestRevisionName"],
        before["properties"]["latestRevisionName"]
    );
    // Ingress-only changes keep the revision.
    let mut ing = app_body(&s.env, false);
    ing["properties"]["configuration"]["ingress"]["allowInsecure"] = json!(true);
    let r2 = s.cloud.put(&s.cat, &s.app, ing.clone()).unwrap();
    let r3 = s.cloud.put(&s.cat, &s.app, ing).unwrap();
    assert_eq!(
        r2["properties"]["latestRevisionName"],
        r3["properties"]["latestRevisionName"]
    );
}

/// The probes stored for an external app whose main container was sent with `probes`
/// (`None`: no `probes` key at all).
fn stored_probes(probes: Option<Value>) -> Vec<Value> {
    let s = system();
    let mut b = app_body(&s.env, true);
    let container = b["properties"]["template"]["containers"][0]
        .as_object_mut()
        .unwrap();
    match probes {
        Some(p) => container.insert("probes".into(), p),
        None => container.remove("probes"),
    };
    let stored = s
        .cloud
        .put(
            &s.cat,
            &id("blog", "Microsoft.App/containerApps", "audit"),
            b,
        )
        .unwrap();
    stored["properties"]["template"]["containers"][0]["probes"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn default_probes_are_injected_under_ingress_when_none_are_given() {
    let probes = stored_probes(None);
    let types: Vec<&str> = probes.iter().map(|p| p["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["Liveness", "Readiness", "Startup"]);
    assert!(probes.iter().all(|p| p["tcpSocket"]["port"] == 8001));
    assert_eq!(probes[1]["initialDelaySeconds"], 3);
    assert_eq!(probes[2]["failureThreshold"], 240);
}

#[test]
fn default_probes_fill_only_the_types_a_container_lacks() {
    let probes = stored_probes(Some(json!([
        {"type": "Liveness", "httpGet": {"path": "/healthz", "port": 8001}},
        {"type": "readiness", "httpGet": {"path": "/ready", "port": 8001}}
    ])));
    let types: Vec<&str> = probes.iter().map(|p| p["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["Liveness", "readiness", "Startup"]);
    assert_eq!(probes[0]["httpGet"]["path"], "/healthz");
    assert_eq!(probes[2]["tcpSocket"]["port"], 8001);
}

#[test]
fn workspace_values_are_stable_and_keys_hidden() {
    let s = system();
    let t = "Microsoft.OperationalInsights/workspaces";
    let first = s.cloud.get(&s.ws).unwrap();
    let keys = s.cat.action(t, "sharedKeys", &first).unwrap();
    let primary = keys["primarySharedKey"].as_str().unwrap();
    assert_eq!(primary.len(), 88);
    assert_ne!(keys["primarySharedKey"], keys["secondarySharedKey"]);
    let view = s.cat.get_view(t, &first);
    assert!(!view.to_string().contains(primary));
    let p = &first["properties"];
    assert_eq!(p["retentionInDays"], 30);
    assert_eq!(p["publicNetworkAccessForIngestion"], "Enabled");
    assert!(uuid::Uuid::parse_str(p["customerId"].as_str().unwrap()).is_ok());

    // A re-PUT (with a client-sent customerId, which is read-only and ignored) keeps it all.
    let again = s
        .cloud
        .put(&s.cat, &s.ws, json!({"location": "eastus", "properties": {"customerId": "bogus", "retentionInDays": 60}}))
        .unwrap();
    assert_eq!(again["properties"]["customerId"], p["customerId"]);
    assert_eq!(again["properties"]["createdDate"], p["createdDate"]);
    assert_eq!(again["properties"]["retentionInDays"], 60);
    assert_eq!(s.cat.action(t, "sharedKeys", &again).unwrap(), keys);
    // A client cannot plant keys through the private field.
    let planted = s
        .cloud
        .put(
            &s.cat,
            &s.ws,
            json!({"location": "eastus", "_emulator": {"primarySharedKey": "mine"}, "systemData": {"createdBy": "me"}}),
        )
        .unwrap();
    assert_eq!(s.cat.action(t, "sharedKeys", &planted).unwrap(), keys);
    assert!(planted.get("systemData").is_none());
}

#[test]
fn app_insights_values() {
    let s = system();
    let c = s.cloud.get(&s.ai).unwrap();
    let p = &c["properties"];
    let ikey = p["InstrumentationKey"].as_str().unwrap();
    let app_id = p["AppId"].as_str().unwrap();
    assert_eq!(
        p["ConnectionString"],
        json!(format!(
            "InstrumentationKey={ikey};IngestionEndpoint=https://eastus-8.in.applicationinsights.azure.com/;LiveEndpoint=https://eastus.livediagnostics.monitor.azure.com/;ApplicationId={app_id}"
        ))
    );
    assert_eq!(p["IngestionMode"], "LogAnalytics");
    assert_eq!(p["TenantId"], SUB);
    let again = s
        .cloud
        .put(&s.cat, &s.ai, json!({"location": "eastus", "kind": "web", "properties": {"Application_Type": "web", "WorkspaceResourceId": s.ws}}))
        .unwrap();
    assert_eq!(
        again["properties"]["InstrumentationKey"],
        p["InstrumentationKey"]
    );
    assert_eq!(again["properties"]["AppId"], p["AppId"]);
    assert_eq!(again["properties"]["CreationDate"], p["CreationDate"]);
}

#[test]
fn locations_come_back_as_arm_returns_them() {
    let s = system();
    assert_eq!(s.cloud.get(&rg_id("blog")).unwrap()["location"], "eastus");
    assert_eq!(s.cloud.get(&s.ag).unwrap()["location"], "Global");
    let alert = s
        .cloud
        .get(&id(
            "blog",
            "Microsoft.Insights/metricAlerts",
            "blog-high-error-rate",
        ))
        .unwrap();
    assert_eq!(alert["location"], "global");
    let mut b = alert_body(&s.ai, &s.ag);
    b["location"] = json!("eastus");
    let e = rejected(&s, &id("blog", "Microsoft.Insights/metricAlerts", "x"), b);
    assert_eq!(
        (e.status, e.code.as_str()),
        (400, "LocationNotAvailableForResourceType")
    );
    let e = rejected(&s, &rg_id("blog"), json!({"location": "westeurope"}));
    assert_eq!(
        (e.status, e.code.as_str()),
        (409, "InvalidResourceGroupLocation")
    );
    let e = rejected(&s, &s.ws, json!({"location": "westeurope"}));
    assert_eq!(
        (e.status, e.code.as_str()),
        (409, "InvalidResourceLocation")
    );
    let e = rejected(&s, &rg_id("other"), json!({"location": "Middle Earth"}));
    assert_eq!(e.code, "LocationNotAvailableForResourceType");
    let e = rejected(&s, &rg_id("other"), json!({"tags": {}}));
    assert_eq!((e.status, e.code.as_str()), (400, "LocationRequired"));
}

#[test]
fn schema_violations_map_to_arm_errors_with_details() {
    let s = system();
    let app = id("blog", "Microsoft.App/containerApps", "bad");
    // Unknown property.
    let mut b = app_body(&s.env, true);
    b["properties"]["configuration"]["ingress"]["externalEnabled"] = json!(true);
    let e = rejected(&s, &app, b);
    assert_eq!((e.status, e.code.as_str()), (400, "InvalidRequestContent"));
    assert_eq!(e.details.len(), 1);
    assert_eq!(
        e.details[0].target.as_deref(),
        Some("properties.configuration.ingress.externalEnabled")
    );
    // Wrong type.
    let mut b = app_body(&s.env, true);
    b["properties"]["template"]["scale"]["maxReplicas"] = json!("3");
    let e = rejected(&s, &app, b);
    assert_eq!(e.code, "InvalidRequestContent");
    assert_eq!(
        e.target.as_deref(),
        Some("properties.template.scale.maxReplicas")
    );
    // Unknown enum value: the provider's own code, detail says which.
    let mut b = app_body(&s.env, true);
    b["properties"]["configuration"]["ingress"]["transport"] = json!("udp");
    let e = rejected(&s, &app, b);
    assert_eq!(
        (e.status, e.code.as_str()),
        (400, "ContainerAppInvalidSchema")
    );
    assert_eq!(e.details[0].code, "InvalidEnumValue");
    // Missing required (APIM's ValidationError style).
    let e = rejected(
        &s,
        &id("blog", "Microsoft.ApiManagement/service", "other-apim"),
        json!({"location": "eastus", "sku": {"name": "Developer", "capacity": 1}, "properties": {"publisherName": "x"}}),
    );
    assert_eq!((e.status, e.code.as_str()), (400, "ValidationError"));
    assert_eq!(e.details[0].code, "ValidationError");
    assert_eq!(
        e.details[0].target.as_deref(),
        Some("properties.publisherEmail")
    );
    // Several violations: one detail each.
    let e = rejected(
        &s,
        &id("blog", "Microsoft.OperationalInsights/workspaces", "ws2"),
        json!({"location": "eastus", "properties": {"sku": {"name": "Gold"}, "retentionInDays": "30", "x": 1}}),
    );
    assert_eq!(e.code, "InvalidRequestContent");
    assert_eq!(e.details.len(), 3);
    let body = e.body();
    assert_eq!(body["error"]["details"][2]["target"], "properties.x");
}

#[test]
fn bad_names_are_rejected() {
    let s = system();
    let e = rejected(
        &s,
        &id("blog", "Microsoft.App/containerApps", "Task_API"),
        app_body(&s.env, true),
    );
    assert_eq!((e.status, e.code.as_str()), (400, "InvalidResourceName"));
    let e = rejected(
        &s,
        &id("blog", "Microsoft.OperationalInsights/workspaces", "ws"),
        json!({"location": "eastus"}),
    );
    assert_eq!(e.code, "InvalidResourceName");
    let e = rejected(&s, &rg_id("bad*name."), json!({"location": "eastus"}));
    assert_eq!(e.code, "InvalidResourceGroupName");
    let mut ag = json!({"location": "Global", "properties": {"groupShortName": "thirteen-char", "enabled": true}});
    let e = rejected(
        &s,
        &id("blog", "Microsoft.Insights/actionGroups", "ag2"),
        ag.clone(),
    );
    assert_eq!(
        (e.status, e.code.as_str(), e.target.as_deref()),
        (400, "BadRequest", Some("properties.groupShortName"))
    );
    ag["properties"]["groupShortName"] = json!("twelve-chars");
    s.cloud
        .put(
            &s.cat,
            &id("blog", "Microsoft.Insights/actionGroups", "ag2"),
            ag,
        )
        .unwrap();
}

#[test]
fn dangling_references_are_rejected() {
    let s = system();
    let missing_env = id("blog", "Microsoft.App/managedEnvironments", "nope");
    let e = rejected(
        &s,
        &id("blog", "Microsoft.App/containerApps", "a1"),
        app_body(&missing_env, true),
    );
    assert_eq!(
        (e.status, e.code.as_str()),
        (404, "ManagedEnvironmentNotFound")
    );
    let e = rejected(
        &s,
        &id("blog", "Microsoft.App/containerApps", "a1"),
        app_body("not-an-id", true),
    );
    assert_eq!(
        (e.status, e.code.as_str()),
        (400, "LinkedInvalidPropertyId")
    );

    let mut b = app_body(&s.env, true);
    b["properties"]["template"]["containers"][0]["env"][0]["secretRef"] = json!("nope");
    let e = rejected(&s, &id("blog", "Microsoft.App/containerApps", "a1"), b);
    assert_eq!(e.code, "ContainerAppSecretRefNotFound");
    assert_eq!(
        e.target.as_deref(),
        Some("properties.template.containers[0].env[0].secretRef")
    );

    let alert = id("blog", "Microsoft.Insights/metricAlerts", "a2");
    let e = rejected(
        &s,
        &alert,
        alert_body(&id("blog", "Microsoft.Insights/components", "nope"), &s.ag),
    );
    assert_eq!(
        (e.code.as_str(), e.target.as_deref()),
        ("BadRequest", Some("properties.scopes[0]"))
    );
    let e = rejected(
        &s,
        &alert,
        alert_body(
            &s.ai,
            &id("blog", "Microsoft.Insights/actionGroups", "nope"),
        ),
    );
    assert_eq!(
        e.target.as_deref(),
        Some("properties.actions[0].actionGroupId")
    );

    let env2 = id("blog", "Microsoft.App/managedEnvironments", "env2");
    let la = |c: Value, k: Value| json!({"location": "eastus", "properties": {"appLogsConfiguration": {"logAnalyticsConfiguration": {"customerId": c, "sharedKey": k}}}});
    let e = rejected(
        &s,
        &env2,
        la(json!("00000000-0000-0000-0000-00000000abcd"), json!("k")),
    );
    assert_eq!(
        e.target.as_deref(),
        Some("properties.appLogsConfiguration.logAnalyticsConfiguration.customerId")
    );
    let customer = s.cloud.get(&s.ws).unwrap()["properties"]["customerId"].clone();
    let e = rejected(&s, &env2, la(customer.clone(), Value::Null));
    assert_eq!(
        e.target.as_deref(),
        Some("properties.appLogsConfiguration.logAnalyticsConfiguration.sharedKey")
    );
    let e = rejected(&s, &env2, la(customer, json!("wrong-key")));
    assert_eq!(e.code, "ManagedEnvironmentInvalidRequest");

    let e = rejected(
        &s,
        &format!(
            "{}/loggers/l2",
            id("blog", "Microsoft.ApiManagement/service", "ghost")
        ),
        json!({"properties": {"loggerType": "applicationInsights", "credentials": {"instrumentationKey": "k"}}}),
    );
    assert_eq!((e.status, e.code.as_str()), (404, "ParentResourceNotFound"));
    let e = rejected(
        &s,
        &format!("{}/diagnostics/applicationinsights", s.apim),
        json!({"properties": {"loggerId": "/loggers/nope"}}),
    );
    assert_eq!(
        (e.code.as_str(), e.target.as_deref()),
        ("ValidationError", Some("properties.loggerId"))
    );
    // A service-relative logger id that exists is fine.
    s.cloud
        .put(
            &s.cat,
            &format!("{}/diagnostics/applicationinsights", s.apim),
            json!({"properties": {"loggerId": "/loggers/appinsights-logger"}}),
        )
        .unwrap();
    let e = rejected(
        &s,
        &s.ai,
        json!({"location": "eastus", "kind": "web", "properties": {"Application_Type": "web",
        "WorkspaceResourceId": id("blog", "Microsoft.OperationalInsights/workspaces", "gone")}}),
    );
    assert_eq!(e.target.as_deref(), Some("properties.WorkspaceResourceId"));
}

#[test]
fn cross_field_rules() {
    let s = system();
    let app = id("blog", "Microsoft.App/containerApps", "a3");
    let mut b = app_body(&s.env, true);
    b["properties"]["configuration"]["ingress"]["targetPort"] = json!(70000);
    assert_eq!(rejected(&s, &app, b).code, "ContainerAppInvalidIngressPort");
    let mut b = app_body(&s.env, true);
    b["properties"]["template"]["containers"][0]["resources"] =
        json!({"cpu": 0.5, "memory": "3Gi"});
    assert_eq!(
        rejected(&s, &app, b).code,
        "ContainerAppInvalidResourceTotal"
    );
    let mut b = app_body(&s.env, true);
    b["properties"]["template"]["scale"] = json!({"minReplicas": 4, "maxReplicas": 3});
    assert_eq!(
        rejected(&s, &app, b).target.as_deref(),
        Some("properties.template.scale.minReplicas")
    );
    let mut b = app_body(&s.env, true);
    b["location"] = json!("westeurope");
    assert_eq!(rejected(&s, &app, b).target.as_deref(), Some("location"));
    let mut b = app_body(&s.env, true);
    b["properties"]["configuration"]["secrets"][0] =
        json!({"name": "appinsights-connection-string"});
    assert_eq!(rejected(&s, &app, b).code, "ContainerAppSecretInvalid");

    let alert = id("blog", "Microsoft.Insights/metricAlerts", "a4");
    let mut b = alert_body(&s.ai, &s.ag);
    b["properties"]["evaluationFrequency"] = json!("PT15M");
    let e = rejected(&s, &alert, b);
    assert_eq!(
        (e.code.as_str(), e.target.as_deref()),
        ("BadRequest", Some("properties.evaluationFrequency"))
    );
    let mut b = alert_body(&s.ai, &s.ag);
    b["properties"]["windowSize"] = json!("PT2M");
    assert_eq!(
        rejected(&s, &alert, b).target.as_deref(),
        Some("properties.windowSize")
    );
    // Durations are case-insensitive and stored upper case, as the service answers them.
    let mut b = alert_body(&s.ai, &s.ag);
    b["properties"]["evaluationFrequency"] = json!("Pt1m");
    b["properties"]["windowSize"] = json!("Pt15m");
    let stored = s.cloud.put(&s.cat, &alert, b).unwrap();
    assert_eq!(stored["properties"]["windowSize"], "PT15M");

    let e = rejected(
        &s,
        &format!("{}/loggers/l3", s.apim),
        json!({"properties": {"loggerType": "applicationInsights", "credentials": {}}}),
    );
    assert_eq!(
        (e.code.as_str(), e.target.as_deref()),
        ("ValidationError", Some("properties.credentials"))
    );
    let e = rejected(
        &s,
        &id("blog", "Microsoft.ApiManagement/service", "cheap"),
        json!({"location": "eastus",
        "sku": {"name": "Consumption", "capacity": 1}, "properties": {"publisherEmail": "a@b.co", "publisherName": "x"}}),
    );
    assert_eq!(e.target.as_deref(), Some("sku.capacity"));
    // APIM names are global.
    let e = rejected(
        &s,
        &format!(
            "{}/providers/Microsoft.ApiManagement/service/BLOG08-APIM",
            rg_id("other")
        ),
        json!({"location": "eastus",
        "sku": {"name": "Developer", "capacity": 1}, "properties": {"publisherEmail": "a@b.co", "publisherName": "x"}}),
    );
    assert_eq!((e.status, e.code.as_str()), (409, "ServiceAlreadyExists"));
}

#[test]
fn apim_values_and_logger_credentials() {
    let s = system();
    let svc = s.cloud.get(&s.apim).unwrap();
    let p = &svc["properties"];
    assert_eq!(p["gatewayUrl"], "https://blog08-apim.azure-api.net");
    assert_eq!(p["portalUrl"], "https://blog08-apim.portal.azure-api.net");
    assert_eq!(
        p["managementApiUrl"],
        "https://blog08-apim.management.azure-api.net"
    );
    assert_eq!(p["publicIPAddresses"].as_array().unwrap().len(), 1);
    assert_eq!(p["platformVersion"], "stv2");
    let again = s
        .cloud
        .put(
            &s.cat,
            &s.apim,
            json!({"location": "eastus", "sku": {"name": "Developer", "capacity": 1},
            "properties": {"publisherEmail": "admin@example.com", "publisherName": "Blog"}}),
        )
        .unwrap();
    assert_eq!(again["properties"]["createdAtUtc"], p["createdAtUtc"]);
    assert_eq!(
        again["properties"]["publicIPAddresses"],
        p["publicIPAddresses"]
    );

    let t = "Microsoft.ApiManagement/service/loggers";
    let lid = format!("{}/loggers/appinsights-logger", s.apim);
    let stored = s.cloud.get(&lid).unwrap();
    let view = s.cat.get_view(t, &stored);
    let r1 = view["properties"]["credentials"]["connectionString"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        r1.starts_with("{{Logger-Credentials--") && r1.ends_with("}}"),
        "{r1}"
    );
    assert!(!view.to_string().contains("InstrumentationKey="));
    assert_eq!(view["properties"]["isBuffered"], true);
    // Sending the reference back keeps it; sending raw credentials makes a new named value.
    let kept = s
        .cloud
        .put(&s.cat, &lid, json!({"properties": {"loggerType": "applicationInsights", "credentials": {"connectionString": r1}}}))
        .unwrap();
    assert_eq!(
        kept["properties"]["credentials"]["connectionString"],
        json!(r1)
    );
    let fresh = s
        .cloud
        .put(&s.cat, &lid, json!({"properties": {"loggerType": "applicationInsights", "credentials": {"connectionString": "InstrumentationKey=x"}}}))
        .unwrap();
    assert_ne!(
        fresh["properties"]["credentials"]["connectionString"],
        json!(r1)
    );
}

#[test]
fn delete_rules() {
    let s = system();
    let e = s
        .cat
        .check_delete(&s.env, "Microsoft.App/managedEnvironments", &s.cloud)
        .unwrap_err();
    assert_eq!(
        (e.status, e.code.as_str()),
        (409, "ManagedEnvironmentHasContainerApps")
    );
    assert!(e.message.contains("notification"));
    // An action group referenced by an alert can be deleted.
    s.cat
        .check_delete(&s.ag, "Microsoft.Insights/actionGroups", &s.cloud)
        .unwrap();
    s.cloud.delete(&s.app);
    s.cat
        .check_delete(&s.env, "Microsoft.App/managedEnvironments", &s.cloud)
        .unwrap();
}

#[test]
fn pass_through_types_are_echoed_with_their_envelope() {
    let cloud = Cloud::default();
    let cat = Catalog::builtin();
    let rid = id("blog", "Microsoft.Storage/storageAccounts", "blogsa");
    let body = json!({"location": "East US", "kind": "StorageV2", "properties": {"anything": 1}});
    let t = "Microsoft.Storage/storageAccounts";
    let req = cloud.req(&rid, t, &body);
    cat.validate_put(&req, &cloud).unwrap();
    let stored = cat.complete(&req, None, &cloud).unwrap();
    assert_eq!(stored["id"], json!(rid));
    assert_eq!(stored["type"], t);
    assert_eq!(stored["location"], "eastus");
    assert_eq!(stored["properties"]["anything"], 1);
    let bad = json!([1]);
    let e = cat
        .validate_put(&cloud.req(&rid, t, &bad), &cloud)
        .unwrap_err();
    assert_eq!(e.code, "InvalidRequestContent");
}

/// The spec examples' api-versions are accepted and their resource names pass the name rules.
#[test]
fn spec_example_versions_and_names_are_accepted() {
    let Some(root) = super::test_support::examples_dir() else {
        eprintln!(
            "NOTE: shared/azure/examples not found beside the repository; spec example check skipped"
        );
        return;
    };
    let cat = Catalog::builtin();
    let dirs = [
        (
            "resourceGroups",
            "Microsoft.Resources/resourceGroups",
            "resourceGroupName",
        ),
        (
            "workspaces",
            "Microsoft.OperationalInsights/workspaces",
            "workspaceName",
        ),
        (
            "components",
            "Microsoft.Insights/components",
            "resourceName",
        ),
        (
            "actionGroups",
            "Microsoft.Insights/actionGroups",
            "actionGroupName",
        ),
        (
            "metricAlerts",
            "Microsoft.Insights/metricAlerts",
            "ruleName",
        ),
        (
            "managedEnvironments",
            "Microsoft.App/managedEnvironments",
            "environmentName",
        ),
        (
            "containerApps",
            "Microsoft.App/containerApps",
            "containerAppName",
        ),
        (
            "apimService",
            "Microsoft.ApiManagement/service",
            "serviceName",
        ),
        (
            "apimLoggers",
            "Microsoft.ApiManagement/service/loggers",
            "loggerId",
        ),
        (
            "apimDiagnostics",
            "Microsoft.ApiManagement/service/diagnostics",
            "diagnosticId",
        ),
    ];
    let mut checked = 0;
    for (dir, t, name_param) in dirs {
        let info = cat.type_info(t).unwrap();
        for ver in std::fs::read_dir(root.join(dir)).unwrap() {
            for f in std::fs::read_dir(ver.unwrap().path()).unwrap() {
                let f = f.unwrap().path();
                let doc: Value =
                    serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
                let params = &doc["parameters"];
                let v = params["api-version"].as_str().unwrap();
                assert!(info.api_versions.contains(&v), "{}: {v}", f.display());
                if let Some(name) = params[name_param].as_str() {
                    super::names::check(t, name)
                        .unwrap_or_else(|e| panic!("{}: {e:?}", f.display()));
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 20, "{checked}");
}

/// Every JSON pointer below `v` (objects and arrays).
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(x, p, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(x, p, out);
            }
        }
        _ => {}
    }
}

/// Replace every node of every resource's body by odd values: validation never panics, and
/// whatever it accepts completes into a representation whose GET view matches the schema.
#[test]
fn odd_bodies_never_panic_and_accepted_ones_complete_cleanly() {
    let s = system();
    let odd = [
        Value::Null,
        json!(0),
        json!(-1),
        json!(1e308),
        json!("x"),
        json!(""),
        json!(true),
        json!([]),
        json!({}),
        json!([{}]),
    ];
    let mut accepted = 0;
    let mut rejected = 0;
    for id in s.cloud.all_ids() {
        let t = arm_type_of(&id);
        let mut base = s.cloud.get(&id).unwrap();
        base.as_object_mut().unwrap().remove("_emulator");
        let mut ptrs = Vec::new();
        pointers(&base, String::new(), &mut ptrs);
        for p in &ptrs {
            for o in &odd {
                let mut body = base.clone();
                *body.pointer_mut(p).unwrap() = o.clone();
                let req = s.cloud.req(&id, &t, &body);
                match s.cat.validate_put(&req, &s.cloud) {
                    Err(e) => {
                        assert!(e.status >= 400 && !e.code.is_empty(), "{id} {p}");
                        rejected += 1;
                    }
                    Ok(()) => {
                        let prev = s.cloud.get(&id);
                        let stored = s
                            .cat
                            .complete(&req, prev.as_ref(), &s.cloud)
                            .unwrap_or_else(|e| panic!("{id} {p} = {o}: {e:?}"));
                        let view = s.cat.get_view(&t, &stored);
                        assert_eq!(
                            Schemas::shared().validate_body(&t, &view),
                            vec![],
                            "{id} {p} = {o}"
                        );
                        accepted += 1;
                    }
                }
            }
        }
    }
    assert!(
        accepted > 100 && rejected > 100,
        "accepted {accepted}, rejected {rejected}"
    );
}

#[test]
fn identities_get_principals() {
    let s = system();
    let uid = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/me";
    let mut b = app_body(&s.env, true);
    b["identity"] =
        json!({"type": "SystemAssigned,UserAssigned", "userAssignedIdentities": {uid: {}}});
    let a = s.cloud.put(&s.cat, &s.app, b.clone()).unwrap();
    let principal = a["identity"]["principalId"].as_str().unwrap().to_string();
    assert!(uuid::Uuid::parse_str(&principal).is_ok());
    assert!(
        uuid::Uuid::parse_str(
            a["identity"]["userAssignedIdentities"][uid]["clientId"]
                .as_str()
                .unwrap()
        )
        .is_ok()
    );
    let again = s.cloud.put(&s.cat, &s.app, b).unwrap();
    assert_eq!(again["identity"]["principalId"], json!(principal));
    assert_eq!(
        again["identity"]["userAssignedIdentities"],
        a["identity"]["userAssignedIdentities"]
    );
    let view = s.cat.get_view("Microsoft.App/containerApps", &again);
    assert_eq!(
        Schemas::shared().validate_body("Microsoft.App/containerApps", &view),
        vec![]
    );
}
