//! Per-kind tests of rendered bodies, custom resources, template overrides and render
//! errors, on fixture models changed one setting at a time.

use std::collections::BTreeMap;
use std::path::PathBuf;

use azlift::kinds::ResourceKind;
use azlift::model::{
    AlertScope, ApimService, CustomResource, EnvValue, Ingress, Model, Probe, ProbeKind, Secret,
};
use azlift::render::{RenderContext, RenderError, TemplateSet, fixtures, render};
use azlift::resource::{DesiredResource, Reference, ResourceAddress};
use serde_json::json;

fn render_ok(model: &Model) -> Vec<DesiredResource> {
    render(model, &RenderContext::default()).expect("renders")
}

fn find<'a>(resources: &'a [DesiredResource], address: &str) -> &'a DesiredResource {
    resources
        .iter()
        .find(|r| r.address.as_str() == address)
        .unwrap_or_else(|| panic!("no {address}"))
}

fn deps(r: &DesiredResource) -> Vec<&str> {
    r.depends_on.iter().map(|a| a.as_str()).collect()
}

const SUB: &str = "/subscriptions/00000000-0000-0000-0000-000000000000";
const RG: &str =
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-blog08-prod";

#[test]
fn addresses_come_in_a_stable_order() {
    let resources = render_ok(&fixtures::production_model());
    let addresses: Vec<&str> = resources.iter().map(|r| r.address.as_str()).collect();
    assert_eq!(
        addresses,
        [
            "resource_group",
            "monitoring.workspace",
            "monitoring.app_insights",
            "action_group.ops",
            "alert.high-error-rate",
            "alert.slow-response",
            "environment",
            "app.audit-svc",
            "app.frontend",
            "app.notification-svc",
            "app.task-api",
            "apim.service",
            "apim.logger",
            "apim.diagnostic",
        ]
    );
    assert_eq!(
        resources,
        render_ok(&fixtures::production_model()),
        "rendering is deterministic"
    );
}

#[test]
fn api_versions_and_types_come_from_the_kinds_table() {
    for r in render_ok(&fixtures::production_model()) {
        let info = r.kind.info().unwrap();
        assert_eq!(r.arm_type, info.arm_type);
        assert_eq!(r.api_version, info.api_version);
        assert!(r.id.starts_with(SUB), "{}", r.id);
    }
}

#[test]
fn resource_group_and_workspace() {
    let resources = render_ok(&fixtures::production_model());
    let rg = find(&resources, "resource_group");
    assert_eq!(rg.id, RG);
    assert_eq!(
        rg.body,
        json!({"location": "eastus", "tags": {
            "env": "prod",
            "azlift-project": "blog08-prod",
            "azlift-env": "default",
            "azlift-address": "resource_group",
        }})
    );
    assert!(rg.depends_on.is_empty());
    let ws = find(&resources, "monitoring.workspace");
    assert_eq!(
        ws.id,
        format!("{RG}/providers/Microsoft.OperationalInsights/workspaces/blog08-prod-logs")
    );
    assert_eq!(
        ws.body["properties"],
        json!({"sku": {"name": "PerGB2018"}, "retentionInDays": 30})
    );
    assert_eq!(deps(ws), ["resource_group"]);
}

#[test]
fn app_insights_is_workspace_based_with_pascal_case() {
    let resources = render_ok(&fixtures::production_model());
    let ai = find(&resources, "monitoring.app_insights");
    assert_eq!(ai.body["kind"], "web");
    assert_eq!(ai.body["properties"]["Application_Type"], "web");
    assert_eq!(
        ai.body["properties"]["WorkspaceResourceId"],
        json!(find(&resources, "monitoring.workspace").id)
    );
    assert_eq!(deps(ai), ["monitoring.workspace", "resource_group"]);
}

#[test]
fn action_group_is_global_with_email_receivers() {
    let resources = render_ok(&fixtures::production_model());
    let ag = find(&resources, "action_group.ops");
    assert_eq!(ag.name, "blog08-prod-alerts");
    assert_eq!(ag.body["location"], "Global");
    assert_eq!(ag.body["properties"]["groupShortName"], "blog08alert");
    assert_eq!(
        ag.body["properties"]["emailReceivers"],
        json!([{"name": "admin", "emailAddress": fixtures::ALERT_EMAIL, "useCommonAlertSchema": true}])
    );
}

#[test]
fn metric_alerts_are_global_static_thresholds_on_app_insights() {
    let resources = render_ok(&fixtures::production_model());
    let alert = find(&resources, "alert.high-error-rate");
    let p = &alert.body["properties"];
    assert_eq!(alert.body["location"], "global");
    assert_eq!(p["severity"], 2);
    assert_eq!(p["evaluationFrequency"], "PT1M");
    assert_eq!(p["windowSize"], "PT5M");
    assert_eq!(
        p["scopes"],
        json!([find(&resources, "monitoring.app_insights").id])
    );
    assert_eq!(
        p["criteria"]["odata.type"],
        "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria"
    );
    let c = &p["criteria"]["allOf"][0];
    assert_eq!(c["criterionType"], "StaticThresholdCriterion");
    assert_eq!(c["metricName"], "requests/failed");
    assert_eq!(c["timeAggregation"], "Count");
    assert_eq!(c["operator"], "GreaterThan");
    assert_eq!(c["threshold"], 10.0);
    assert_eq!(
        p["actions"],
        json!([{"actionGroupId": find(&resources, "action_group.ops").id}])
    );
    let slow = find(&resources, "alert.slow-response");
    assert_eq!(slow.body["properties"]["severity"], 3);
    assert_eq!(
        slow.body["properties"]["criteria"]["allOf"][0]["threshold"],
        5000.0
    );
    assert!(
        slow.body["properties"].get("description").is_none(),
        "the seed gives it none"
    );
}

#[test]
fn alert_scoped_to_an_app_or_an_id() {
    let mut model = fixtures::production_model();
    model.alerts.get_mut("high-error-rate").unwrap().scope = AlertScope::App("task-api".into());
    model.alerts.get_mut("slow-response").unwrap().scope =
        AlertScope::Id("/subscriptions/x/elsewhere".into());
    let resources = render_ok(&model);
    let a = find(&resources, "alert.high-error-rate");
    assert_eq!(
        a.body["properties"]["scopes"],
        json!([find(&resources, "app.task-api").id])
    );
    assert!(deps(a).contains(&"app.task-api"));
    let b = find(&resources, "alert.slow-response");
    assert_eq!(
        b.body["properties"]["scopes"],
        json!(["/subscriptions/x/elsewhere"])
    );
    assert!(!deps(b).contains(&"monitoring.app_insights"));
}

#[test]
fn environment_logs_to_the_workspace_through_pending_values() {
    let resources = render_ok(&fixtures::production_model());
    let env = find(&resources, "environment");
    let logs = &env.body["properties"]["appLogsConfiguration"];
    assert_eq!(logs["destination"], "log-analytics");
    assert!(logs["logAnalyticsConfiguration"]["customerId"].is_null());
    assert!(logs["logAnalyticsConfiguration"]["sharedKey"].is_null());
    let ws = ResourceAddress::new("monitoring.workspace");
    assert_eq!(env.pending.len(), 2);
    assert_eq!(
        env.pending[0].reference,
        Reference::Property {
            address: ws.clone(),
            pointer: "/properties/customerId".into()
        }
    );
    assert_eq!(
        env.pending[1].reference,
        Reference::Action {
            address: ws,
            action: "sharedKeys".into(),
            pointer: "/primarySharedKey".into()
        }
    );
    let key = "/properties/appLogsConfiguration/logAnalyticsConfiguration/sharedKey";
    assert_eq!(env.sensitive, [key]);
    assert_eq!(env.write_only, [key]);
}

#[test]
fn environment_without_workspace_logs() {
    let mut model = fixtures::production_model();
    model.environment.as_mut().unwrap().logs_to_workspace = false;
    let resources = render_ok(&model);
    let env = find(&resources, "environment");
    assert_eq!(env.body["properties"], json!({}));
    assert!(env.pending.is_empty());
    assert_eq!(deps(env), ["resource_group"]);
}

#[test]
fn container_apps_ingress_probes_scale_and_telemetry() {
    let resources = render_ok(&fixtures::production_model());
    for (name, external, port) in [
        ("frontend", true, 3000),
        ("task-api", true, 8000),
        ("notification-svc", false, 8001),
        ("audit-svc", false, 8002),
    ] {
        let app = find(&resources, &format!("app.{name}"));
        let p = &app.body["properties"];
        assert_eq!(
            p["environmentId"],
            json!(find(&resources, "environment").id)
        );
        assert_eq!(
            p["configuration"]["ingress"],
            json!({"external": external, "targetPort": port, "transport": "http"})
        );
        let c = &p["template"]["containers"][0];
        assert_eq!(c["name"], name);
        assert_eq!(c["resources"], json!({"cpu": 0.25, "memory": "0.5Gi"}));
        assert_eq!(
            c["probes"],
            json!([
                {"type": "Liveness", "httpGet": {"path": "/health", "port": port},
                 "initialDelaySeconds": 10, "periodSeconds": 30, "failureThreshold": 3},
                {"type": "Readiness", "httpGet": {"path": "/health", "port": port},
                 "periodSeconds": 10, "failureThreshold": 3}
            ])
        );
        assert_eq!(
            p["template"]["scale"],
            json!({"minReplicas": 1, "maxReplicas": 3})
        );
        // Telemetry: a secret filled after apply, and an env var that only references it.
        assert_eq!(
            p["configuration"]["secrets"],
            json!([{"name": "appinsights-connection-string", "value": null}])
        );
        assert_eq!(
            c["env"],
            json!([{"name": "APPLICATIONINSIGHTS_CONNECTION_STRING", "secretRef": "appinsights-connection-string"}])
        );
        let secret = "/properties/configuration/secrets/0/value";
        assert_eq!(app.pending.len(), 1);
        assert_eq!(app.pending[0].pointer, secret);
        assert_eq!(
            app.pending[0].reference,
            Reference::Property {
                address: ResourceAddress::new("monitoring.app_insights"),
                pointer: "/properties/ConnectionString".into()
            }
        );
        assert_eq!(app.sensitive, [secret]);
        assert_eq!(app.write_only, [secret]);
        assert_eq!(
            deps(app),
            ["environment", "monitoring.app_insights", "resource_group"]
        );
    }
}

#[test]
fn container_app_secrets_env_tcp_probes_and_no_ingress() {
    let mut model = fixtures::production_model();
    let app = model.apps.get_mut("audit-svc").unwrap();
    app.ingress = Ingress::None;
    app.telemetry = false;
    app.secrets
        .insert("db-password".into(), Secret::new("pa55word"));
    app.env.insert(
        "DB_PASSWORD".into(),
        EnvValue::SecretRef("db-password".into()),
    );
    app.env
        .insert("LOG_LEVEL".into(), EnvValue::Plain("debug".into()));
    app.probes = vec![Probe {
        kind: ProbeKind::Startup,
        transport: "TCP".into(),
        path: None,
        port: 8002,
        initial_delay: None,
        interval: Some(5),
        timeout: Some(2),
        failures: None,
    }];
    let resources = render_ok(&model);
    let app = find(&resources, "app.audit-svc");
    let p = &app.body["properties"];
    assert!(p["configuration"].get("ingress").is_none());
    assert_eq!(
        p["configuration"]["secrets"],
        json!([{"name": "db-password", "value": "pa55word"}])
    );
    assert_eq!(app.sensitive, ["/properties/configuration/secrets/0/value"]);
    assert_eq!(
        app.write_only,
        ["/properties/configuration/secrets/0/value"]
    );
    assert!(app.pending.is_empty());
    let c = &p["template"]["containers"][0];
    assert_eq!(
        c["env"],
        json!([{"name": "DB_PASSWORD", "secretRef": "db-password"}, {"name": "LOG_LEVEL", "value": "debug"}])
    );
    assert_eq!(
        c["probes"],
        json!([{"type": "Startup", "tcpSocket": {"port": 8002}, "periodSeconds": 5, "timeoutSeconds": 2}])
    );
    assert_eq!(deps(app), ["environment", "resource_group"]);
}

#[test]
fn apim_service_logger_and_diagnostic() {
    let resources = render_ok(&fixtures::production_model());
    let svc = find(&resources, "apim.service");
    assert!(svc.managed);
    assert_eq!(svc.body["sku"], json!({"name": "Developer", "capacity": 1}));
    assert_eq!(
        svc.body["properties"]["publisherEmail"],
        "admin@example.com"
    );
    let logger = find(&resources, "apim.logger");
    assert_eq!(logger.id, format!("{}/loggers/appinsights-logger", svc.id));
    assert_eq!(logger.name, "appinsights-logger");
    assert_eq!(
        logger.body["properties"]["loggerType"],
        "applicationInsights"
    );
    assert_eq!(
        logger.body["properties"]["resourceId"],
        json!(find(&resources, "monitoring.app_insights").id)
    );
    assert!(logger.body["properties"]["credentials"]["connectionString"].is_null());
    assert_eq!(
        logger.sensitive,
        ["/properties/credentials/connectionString"]
    );
    assert_eq!(
        logger.write_only,
        ["/properties/credentials/connectionString"]
    );
    assert_eq!(
        deps(logger),
        ["apim.service", "monitoring.app_insights", "resource_group"]
    );
    let diag = find(&resources, "apim.diagnostic");
    assert_eq!(diag.name, "applicationinsights");
    let p = &diag.body["properties"];
    assert_eq!(p["loggerId"], json!(logger.id));
    assert_eq!(
        p["sampling"],
        json!({"samplingType": "fixed", "percentage": 100.0})
    );
    assert_eq!(p["alwaysLog"], "allErrors");
    assert_eq!(p["logClientIp"], true);
    assert_eq!(p["verbosity"], "information");
    assert_eq!(p["httpCorrelationProtocol"], "W3C");
    assert_eq!(
        p["frontend"]["request"]["headers"],
        json!(["X-User-OID", "X-Tenant-ID"])
    );
    for side in ["frontend", "backend"] {
        for dir in ["request", "response"] {
            assert_eq!(p[side][dir]["body"]["bytes"], 0, "{side}.{dir}");
        }
    }
}

#[test]
fn an_existing_apim_service_is_read_only_and_hosts_the_children() {
    let mut model = fixtures::production_model();
    model.apim.as_mut().unwrap().service = ApimService::Existing {
        name: "shared-apim".into(),
        resource_group: "rg-shared".into(),
    };
    let resources = render_ok(&model);
    let svc = find(&resources, "apim.service");
    assert!(!svc.managed);
    assert_eq!(svc.body, json!({}));
    assert_eq!(
        svc.id,
        format!(
            "{SUB}/resourceGroups/rg-shared/providers/Microsoft.ApiManagement/service/shared-apim"
        )
    );
    let logger = find(&resources, "apim.logger");
    assert!(logger.id.starts_with(&svc.id));
    assert_eq!(deps(logger), ["apim.service", "monitoring.app_insights"]);
}

#[test]
fn the_subscription_goes_into_every_id() {
    let ctx = RenderContext {
        subscription_id: "1111".into(),
        templates: TemplateSet::embedded(),
    };
    let resources = render(&fixtures::production_model(), &ctx).unwrap();
    assert!(
        resources
            .iter()
            .all(|r| r.id.starts_with("/subscriptions/1111/"))
    );
}

fn with_custom(key: &str, text: &str, values: serde_json::Value, depends_on: &[&str]) -> Model {
    let mut model = fixtures::production_model();
    model.custom.insert(
        key.into(),
        CustomResource {
            template: PathBuf::from(format!("templates/{key}.json")),
            template_text: text.into(),
            values: serde_json::from_value::<BTreeMap<String, serde_json::Value>>(values).unwrap(),
            depends_on: depends_on.iter().map(|s| s.to_string()).collect(),
            instance: None,
            placement: Default::default(),
            kind: None,
        },
    );
    model
}

const VAULT: &str = r#"{
  "type": "Microsoft.KeyVault/vaults",
  "apiVersion": "2023-07-01",
  "name": {{ project ~ "-kv" }},
  "location": {{ location }},
  "properties": {
    "tenantId": {{ values.tenant }},
    "sku": { "family": "A", "name": "standard" },
    "accessPolicies": [],
  }
}"#;

const VAULT_SECRET: &str = r#"{
  "type": "Microsoft.KeyVault/vaults/secrets",
  "apiVersion": "2023-07-01",
  "name": {{ project ~ "-kv/appinsights" }},
  "properties": {
    "value": {{ ref("monitoring.app_insights", "/properties/ConnectionString") | sensitive }},
    "contentType": {{ "vault " ~ id("resource.vault") }},
    "attributes": { "enabled": true },
    "tags": {{ secret(values.password) }}
  }
}"#;

#[test]
fn custom_resources_render_from_their_templates() {
    let mut model = with_custom("vault", VAULT, json!({"tenant": "t-1"}), &["monitoring"]);
    model.custom.insert(
        "vault-secret".into(),
        CustomResource {
            template: PathBuf::from("templates/secret.json"),
            template_text: VAULT_SECRET.into(),
            values: BTreeMap::from([("password".to_string(), json!("s3cr3t"))]),
            depends_on: vec![],
            instance: None,
            placement: Default::default(),
            kind: None,
        },
    );
    let resources = render_ok(&model);
    let vault = find(&resources, "resource.vault");
    assert_eq!(vault.kind, ResourceKind::Custom);
    assert_eq!(vault.arm_type, "Microsoft.KeyVault/vaults");
    assert_eq!(vault.api_version, "2023-07-01");
    assert_eq!(vault.name, "blog08-prod-kv");
    assert_eq!(
        vault.id,
        format!("{RG}/providers/Microsoft.KeyVault/vaults/blog08-prod-kv")
    );
    assert_eq!(vault.body["properties"]["tenantId"], "t-1");
    assert!(vault.body.get("type").is_none() && vault.body.get("name").is_none());
    assert_eq!(
        deps(vault),
        [
            "monitoring.app_insights",
            "monitoring.workspace",
            "resource_group"
        ]
    );

    let secret = find(&resources, "resource.vault-secret");
    assert_eq!(secret.id, format!("{}/secrets/appinsights", vault.id));
    assert_eq!(secret.name, "appinsights");
    assert!(secret.body["properties"]["value"].is_null());
    assert_eq!(
        secret.body["properties"]["contentType"],
        json!(format!("vault {}", vault.id))
    );
    assert_eq!(secret.body["properties"]["tags"], "s3cr3t");
    assert_eq!(secret.sensitive, ["/properties/value", "/properties/tags"]);
    assert_eq!(
        deps(secret),
        [
            "monitoring.app_insights",
            "resource.vault",
            "resource_group"
        ]
    );
}

#[test]
fn custom_resource_errors_name_the_resource() {
    let cases: &[(&str, &str, &[&str], &str)] = &[
        (
            r#"{"apiVersion": "2023-01-01", "name": "x"}"#,
            "{}",
            &[],
            "the template must set `type`",
        ),
        (
            r#"{"type": "A.B/c", "apiVersion": "2023-01-01", "name": "x/y"}"#,
            "{}",
            &[],
            "needs a name with 1 segment",
        ),
        (
            r#"{"type": "A.B/c", "apiVersion": "2023-01-01", "name": "x", "dependsOn": []}"#,
            "{}",
            &[],
            "`dependsOn` belongs",
        ),
        (
            r#"{"type": "A.B/c", "apiVersion": "2023-01-01", "name": "x", "p": {{ id("app.nope") }}}"#,
            "{}",
            &[],
            "`app.nope`",
        ),
        (
            r#"{"type": "A.B/c", "apiVersion": "2023-01-01", "name": "x"}"#,
            "{}",
            &["nothing"],
            "`nothing`",
        ),
        (
            r#"{"type": "A.B/c", "apiVersion": "2023-01-01", "name": {{ values.missing }}}"#,
            "{}",
            &[],
            "template",
        ),
        (
            r#"{"type": "A.B/c", "apiVersion": "2023-01-01", "name": "x" "#,
            "{}",
            &[],
            "does not produce JSON",
        ),
        (
            r#"{"type": "A.B/c", "apiVersion": "2023-01-01", "name": "x", "k": {{ action("monitoring.workspace", "regenerate", "/k") }}}"#,
            "{}",
            &[],
            "not supported",
        ),
        (
            r#"{"type": "A.B/c", "apiVersion": "2023-01-01", "name": "x", "k": {{ ref("monitoring.workspace", "customerId") }}}"#,
            "{}",
            &[],
            "JSON pointer",
        ),
    ];
    for (text, _, depends_on, expected) in cases {
        let model = with_custom("bad", text, json!({}), depends_on);
        let err = render(&model, &RenderContext::default()).expect_err(text);
        let message = err.to_string();
        assert!(
            message.contains(expected),
            "{text}\n  gave: {message}\n  wanted: {expected}"
        );
    }
}

#[test]
fn missing_monitoring_or_action_group_is_an_error_not_a_panic() {
    let mut model = fixtures::production_model();
    model.monitoring = None;
    // Every resource that needs monitoring is reported, in one run.
    let errors = render(&model, &RenderContext::default())
        .unwrap_err()
        .into_list();
    assert!(errors.len() > 1, "{errors:?}");
    for err in &errors {
        assert!(
            matches!(err, RenderError::UnknownAddress { to, .. } if to.starts_with("monitoring.")),
            "{err}"
        );
    }
    let mut model = fixtures::production_model();
    model.alerts.get_mut("slow-response").unwrap().notify = vec!["pager".into()];
    let err = render(&model, &RenderContext::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "alert.slow-response refers to `action_group.pager`, which is not a resource of this project"
    );
}

#[test]
fn a_project_template_overrides_the_builtin() {
    let dir = tempfile::tempdir().unwrap();
    let res = dir.path().join("templates/resources");
    std::fs::create_dir_all(&res).unwrap();
    std::fs::write(
        res.join("workspace.json"),
        r#"{"location": {{ location }}, "properties": {"sku": {"name": "PerGB2018"}, "retentionInDays": 90}}"#,
    )
    .unwrap();
    let ctx = RenderContext {
        subscription_id: "s".into(),
        templates: TemplateSet::with_overrides(dir.path()).unwrap(),
    };
    let resources = render(&fixtures::minimal_model(), &ctx).unwrap();
    let ws = resources
        .iter()
        .find(|r| r.address.as_str() == "monitoring.workspace")
        .unwrap();
    assert_eq!(ws.body["properties"]["retentionInDays"], 90);
    assert!(ws.body.get("tags").is_none());
}

#[test]
fn a_broken_override_reports_the_template() {
    let mut templates = TemplateSet::embedded();
    templates.set("action_group.json", "{ {{ nope }} }");
    let ctx = RenderContext {
        subscription_id: "s".into(),
        templates,
    };
    let err = render(&fixtures::production_model(), &ctx).unwrap_err();
    assert!(err.to_string().contains("action_group.json"), "{err}");
}
