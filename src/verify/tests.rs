//! Unit tests of each verify rule on hand-made deployed bodies: the core seed's system passes,
//! and one edit per rule makes exactly that rule fail (or warn), naming the resource.

use serde_json::{Value, json};

use super::*;

const SUB: &str = "/subscriptions/0/resourceGroups/rg";

fn res(address: &str, id: &str, arm_type: &str, body: Value) -> DeployedResource {
    DeployedResource {
        address: ResourceAddress::new(address),
        id: format!("{SUB}/providers/{id}"),
        arm_type: arm_type.to_string(),
        body: Some(body),
    }
}

fn app(name: &str, external: bool) -> DeployedResource {
    let fqdn = if external {
        format!("{name}.nicesky.eastus.azurecontainerapps.io")
    } else {
        format!("{name}.internal.nicesky.eastus.azurecontainerapps.io")
    };
    res(
        &format!("app.{name}"),
        &format!("Microsoft.App/containerApps/{name}"),
        "Microsoft.App/containerApps",
        json!({ "properties": {
            "configuration": {
                "ingress": { "external": external, "targetPort": 8000, "fqdn": fqdn },
                "secrets": [{ "name": "appinsights-connection-string" }]
            },
            "template": {
                "containers": [{
                    "name": name,
                    "env": [
                        { "name": "TRUST_GATEWAY", "value": "true" },
                        { "name": "APPLICATIONINSIGHTS_CONNECTION_STRING", "secretRef": "appinsights-connection-string" }
                    ],
                    "probes": [
                        { "type": "Liveness", "httpGet": { "path": "/health", "port": 8000 } },
                        { "type": "Readiness", "httpGet": { "path": "/health", "port": 8000 } }
                    ]
                }],
                "scale": { "minReplicas": 1, "maxReplicas": 3 }
            }
        }}),
    )
}

fn insights_id() -> String {
    format!("{SUB}/providers/Microsoft.Insights/components/ai")
}

fn group_id() -> String {
    format!("{SUB}/providers/Microsoft.Insights/actionGroups/ops")
}

fn logger_id() -> String {
    format!("{SUB}/providers/Microsoft.ApiManagement/service/apim/loggers/ai-logger")
}

/// The seed's system as deployed: everything passes.
fn seed() -> Deployed {
    let mut resources = vec![
        res(
            "monitoring.app_insights",
            "Microsoft.Insights/components/ai",
            "Microsoft.Insights/components",
            json!({ "properties": { "ConnectionString": "InstrumentationKey=x" } }),
        ),
        res(
            "action_group.ops",
            "Microsoft.Insights/actionGroups/ops",
            "Microsoft.Insights/actionGroups",
            json!({ "properties": { "enabled": true, "emailReceivers": [{ "name": "admin", "emailAddress": "ops@example.com" }], "smsReceivers": [] } }),
        ),
        res(
            "alert.high-error-rate",
            "Microsoft.Insights/metricAlerts/high",
            "Microsoft.Insights/metricAlerts",
            json!({ "properties": { "enabled": true, "severity": 2, "description": "errors", "actions": [{ "actionGroupId": group_id() }] } }),
        ),
        res(
            "apim.service",
            "Microsoft.ApiManagement/service/apim",
            "Microsoft.ApiManagement/service",
            json!({ "properties": {} }),
        ),
        res(
            "apim.logger",
            "Microsoft.ApiManagement/service/apim/loggers/ai-logger",
            "Microsoft.ApiManagement/service/loggers",
            json!({ "properties": { "loggerType": "applicationInsights", "resourceId": insights_id() } }),
        ),
        res(
            "apim.diagnostic",
            "Microsoft.ApiManagement/service/apim/diagnostics/applicationinsights",
            "Microsoft.ApiManagement/service/diagnostics",
            json!({ "properties": { "loggerId": logger_id(), "httpCorrelationProtocol": "W3C", "alwaysLog": "allErrors", "sampling": { "samplingType": "fixed", "percentage": 100 } } }),
        ),
    ];
    resources.push(app("task-api", true));
    resources.push(app("audit-svc", false));
    Deployed {
        intent: Intent {
            project: "p".into(),
            environment: "prod".into(),
            production: true,
            internal_apps: [ResourceAddress::new("app.audit-svc")]
                .into_iter()
                .collect(),
            ..Default::default()
        },
        resources,
        ..Default::default()
    }
}

fn body_mut<'a>(d: &'a mut Deployed, address: &str) -> &'a mut Value {
    d.resources
        .iter_mut()
        .find(|r| r.address.as_str() == address)
        .and_then(|r| r.body.as_mut())
        .expect("resource in the fixture")
}

fn status(report: &Report, id: &str) -> Status {
    report
        .rules
        .iter()
        .find(|r| r.id == id)
        .map(|r| r.status)
        .expect("rule in report")
}

/// Exactly one failing rule, `id`, with one finding on `address` whose message holds `words`.
#[track_caller]
fn only_fails(d: &Deployed, id: &str, address: &str, words: &str) {
    let report = check(d, &[]);
    let failing: Vec<&str> = report
        .rules
        .iter()
        .filter(|r| matches!(r.status, Status::Fail | Status::Warn))
        .map(|r| r.id)
        .collect();
    assert_eq!(failing, vec![id], "{:#?}", report.findings);
    let f = &report.findings;
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].resource.as_str(), address);
    assert!(f[0].message.contains(words), "{}", f[0].message);
}

#[test]
fn the_seed_system_passes_every_rule() {
    let report = check(&seed(), &[]);
    assert!(report.passed);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(report.counts.passed, RULES.len());
    assert_eq!(report.overview.alerts_sent_to, vec!["ops@example.com"]);
    assert_eq!(report.overview.apps.len(), 2);
}

#[test]
fn rule_ids_are_unique_and_stable() {
    let ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
    assert_eq!(
        ids,
        [
            "AZL-V000", "AZL-V001", "AZL-V002", "AZL-V003", "AZL-V004", "AZL-V005", "AZL-V006",
            "AZL-V007"
        ]
    );
}

#[test]
fn v001_a_missing_readiness_probe_fails() {
    let mut d = seed();
    body_mut(&mut d, "app.task-api")["properties"]["template"]["containers"][0]["probes"] =
        json!([{ "type": "Liveness" }]);
    only_fails(&d, "AZL-V001", "app.task-api", "no readiness probe");
}

#[test]
fn v002_an_internal_app_with_external_ingress_fails() {
    let mut d = seed();
    body_mut(&mut d, "app.audit-svc")["properties"]["configuration"]["ingress"]["external"] =
        json!(true);
    only_fails(&d, "AZL-V002", "app.audit-svc", "ingress is external");
}

#[test]
fn v002_an_internal_app_with_a_public_fqdn_fails() {
    let mut d = seed();
    body_mut(&mut d, "app.audit-svc")["properties"]["configuration"]["ingress"]["fqdn"] =
        json!("audit-svc.nicesky.eastus.azurecontainerapps.io");
    only_fails(&d, "AZL-V002", "app.audit-svc", "not an internal one");
}

#[test]
fn v003_scale_to_zero_fails_only_in_production() {
    let mut d = seed();
    body_mut(&mut d, "app.task-api")["properties"]["template"]["scale"]["minReplicas"] = json!(0);
    only_fails(&d, "AZL-V003", "app.task-api", "min replicas is 0");
    d.intent.production = false;
    let report = check(&d, &[]);
    assert!(report.passed);
    assert_eq!(status(&report, "AZL-V003"), Status::NotApplicable);
}

#[test]
fn v004_a_disabled_alert_fails() {
    let mut d = seed();
    body_mut(&mut d, "alert.high-error-rate")["properties"]["enabled"] = json!(false);
    only_fails(&d, "AZL-V004", "alert.high-error-rate", "disabled");
}

#[test]
fn v004_an_action_group_without_receivers_fails() {
    let mut d = seed();
    body_mut(&mut d, "action_group.ops")["properties"]["emailReceivers"] = json!([]);
    only_fails(
        &d,
        "AZL-V004",
        "alert.high-error-rate",
        "action group `action_group.ops` has no receivers",
    );
}

#[test]
fn v004_an_alert_without_actions_fails_and_a_foreign_group_counts() {
    let mut d = seed();
    body_mut(&mut d, "alert.high-error-rate")["properties"]["actions"] = json!([]);
    only_fails(&d, "AZL-V004", "alert.high-error-rate", "no action group");

    // A group outside state, read by id, with a receiver: the alert reaches someone.
    let mut d = seed();
    let foreign =
        "/subscriptions/0/resourceGroups/shared/providers/Microsoft.Insights/actionGroups/oncall";
    body_mut(&mut d, "alert.high-error-rate")["properties"]["actions"] =
        json!([{ "actionGroupId": foreign }]);
    assert!(!check(&d, &[]).passed, "an unknown group reaches nobody");
    d.referenced.insert(
        foreign.to_ascii_lowercase(),
        json!({ "properties": { "webhookReceivers": [{ "name": "pager" }] } }),
    );
    assert!(check(&d, &[]).passed);
}

#[test]
fn v005_a_plain_connection_string_fails_without_printing_it() {
    let mut d = seed();
    body_mut(&mut d, "app.task-api")["properties"]["template"]["containers"][0]["env"][1] = json!({
        "name": "APPLICATIONINSIGHTS_CONNECTION_STRING",
        "value": "InstrumentationKey=secret-key-1234"
    });
    only_fails(&d, "AZL-V005", "app.task-api", "as a plain value");
    let report = check(&d, &[]);
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains("secret-key-1234"), "{json}");
}

#[test]
fn v005_a_connection_string_under_another_name_fails() {
    let mut d = seed();
    body_mut(&mut d, "app.task-api")["properties"]["template"]["containers"][0]["env"][0] =
        json!({ "name": "AI_CONN", "value": "InstrumentationKey=abc;IngestionEndpoint=https://x" });
    only_fails(&d, "AZL-V005", "app.task-api", "`AI_CONN`");
}

#[test]
fn v006_legacy_correlation_fails() {
    let mut d = seed();
    body_mut(&mut d, "apim.diagnostic")["properties"]["httpCorrelationProtocol"] = json!("Legacy");
    only_fails(&d, "AZL-V006", "apim.diagnostic", "`Legacy`, not W3C");
}

#[test]
fn v006_a_logger_to_another_app_insights_fails() {
    let mut d = seed();
    body_mut(&mut d, "apim.logger")["properties"]["resourceId"] =
        json!("/subscriptions/0/resourceGroups/x/providers/Microsoft.Insights/components/other");
    only_fails(&d, "AZL-V006", "apim.diagnostic", "not the project's");
}

#[test]
fn v006_apim_without_a_diagnostic_fails_on_the_service() {
    let mut d = seed();
    d.resources
        .retain(|r| !r.address.as_str().starts_with("apim.diagnostic"));
    let report = check(&d, &[]);
    assert_eq!(status(&report, "AZL-V006"), Status::Fail);
    assert_eq!(report.findings[0].resource.as_str(), "apim.service");
    assert_eq!(status(&report, "AZL-V007"), Status::NotApplicable);
}

#[test]
fn v007_sampling_below_100_warns_but_passes() {
    let mut d = seed();
    body_mut(&mut d, "apim.diagnostic")["properties"]["sampling"]["percentage"] = json!(25);
    only_fails(&d, "AZL-V007", "apim.diagnostic", "sampling is 25%");
    let report = check(&d, &[]);
    assert!(report.passed, "a warning never fails the run");
    assert_eq!(status(&report, "AZL-V007"), Status::Warn);
}

#[test]
fn a_silenced_finding_passes_and_keeps_its_reason() {
    let mut d = seed();
    body_mut(&mut d, "app.task-api")["properties"]["template"]["scale"]["minReplicas"] = json!(0);
    let silence = Silence {
        rule: "AZL-V003".into(),
        resource: "app.task-api".into(),
        reason: "batch worker".into(),
    };
    let report = check(&d, std::slice::from_ref(&silence));
    assert!(report.passed);
    assert_eq!(status(&report, "AZL-V003"), Status::Silenced);
    assert_eq!(report.findings[0].silenced.as_deref(), Some("batch worker"));
    // Silencing another resource does not help.
    let other = Silence {
        resource: "app.audit-svc".into(),
        ..silence
    };
    assert!(!check(&d, &[other]).passed);
}

#[test]
fn a_resource_gone_from_azure_is_listed_as_missing() {
    let mut d = seed();
    d.resources[0].body = None;
    let report = check(&d, &[]);
    assert_eq!(
        report.missing,
        vec![ResourceAddress::new("monitoring.app_insights")]
    );
}

#[test]
fn sarif_uris_are_relative_or_file_uris_and_encoded() {
    let uri = sarif::artifact_uri;
    assert_eq!(uri("./infra/azlift.toml"), "infra/azlift.toml");
    assert_eq!(
        uri("/srv/my app/azlift.toml"),
        "file:///srv/my%20app/azlift.toml"
    );
    assert_eq!(uri("C:\\work\\azlift.toml"), "file:///C:/work/azlift.toml");
}

#[test]
fn sarif_points_at_the_section_line() {
    let text = "[project]\nname = \"p\"\n\n[app.task-api]  # api\nport = 1\n[apim]\n";
    assert_eq!(sarif::section_line(text, "app.task-api"), Some(4));
    assert_eq!(sarif::section_line(text, "apim.diagnostic"), Some(6));
    assert_eq!(sarif::section_line(text, "resource_group"), Some(1));
    assert_eq!(sarif::section_line(text, "alert.none"), None);
    let mut d = seed();
    body_mut(&mut d, "app.task-api")["properties"]["template"]["scale"]["minReplicas"] = json!(0);
    let log = sarif::to_sarif(&check(&d, &[]), "azlift.toml", text);
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "AZL-V003");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        4
    );
    assert_eq!(
        result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "app.task-api"
    );
    assert_eq!(
        log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .len(),
        RULES.len()
    );
}

#[test]
fn the_human_report_has_the_seed_summary_and_one_line_per_rule() {
    let text = report::render_human(&check(&seed(), &[]));
    assert!(text.contains("==> Application Insights: ai"), "{text}");
    assert!(
        text.contains("    - audit-svc: internal ingress only"),
        "{text}"
    );
    assert!(
        text.contains("All services: auto-scaling min=1, max=3"),
        "{text}"
    );
    for r in RULES {
        assert!(text.contains(r.id), "{text}");
    }
    assert!(text.contains("Verify passed."), "{text}");
}

const SILENCED: &str = r#"
[project]
name = "demo"
location = "eastus"

[app.worker]
image = "worker:1"

[[verify.silence]]
rule = "azl-v003"
resource = "app.worker"
reason = "  a queue-driven batch worker  "
"#;

fn parse(text: &str) -> Result<crate::manifest::Loaded, crate::manifest::ManifestErrors> {
    crate::manifest::parse_str(
        "azlift.toml",
        text,
        std::path::Path::new("."),
        &crate::manifest::LoadOptions::default(),
    )
}

#[test]
fn the_manifest_reads_silences_with_the_rule_id_in_canonical_case() {
    let loaded = parse(SILENCED).expect("valid manifest");
    assert_eq!(
        loaded.model.silences,
        vec![Silence {
            rule: "AZL-V003".into(),
            resource: "app.worker".into(),
            reason: "a queue-driven batch worker".into(),
        }]
    );
}

#[test]
fn a_silence_without_a_reason_or_with_an_empty_one_is_an_error_at_its_place() {
    let text = SILENCED.replace(
        "reason = \"  a queue-driven batch worker  \"",
        "reason = \" \"",
    );
    let err = parse(&text).expect_err("empty reason");
    let d = &err.errors()[0];
    assert!(d.message().contains("reason` is empty"), "{}", d.message());
    assert_eq!(d.line, Some(12));

    let text = SILENCED.replace("reason = \"  a queue-driven batch worker  \"\n", "");
    let err = parse(&text).expect_err("missing reason");
    assert!(
        err.errors()[0].message().contains("needs `reason`"),
        "{}",
        err.errors()[0].message()
    );
}

/// A plan of `seed()`: every resource unchanged (its body as `after` and `before`), then
/// `edit` applied to the plan.
fn planned(edit: impl FnOnce(&mut Vec<crate::plan::Change>)) -> Deployed {
    use crate::plan::{Action, Change, Plan};
    let seed = seed();
    let mut changes: Vec<Change> = seed
        .resources
        .iter()
        .map(|r| Change {
            address: r.address.clone(),
            id: r.id.clone(),
            arm_type: r.arm_type.clone(),
            api_version: "2024-01-01".into(),
            action: Action::NoOp,
            reason: "up to date".into(),
            attributes: Vec::new(),
            observed_hash: None,
            before: r.body.clone(),
            after: r.body.clone(),
            replaces: None,
        })
        .collect();
    edit(&mut changes);
    super::planned::with_intent(&Plan::new(changes), seed.intent)
}

fn change_mut<'a>(
    changes: &'a mut [crate::plan::Change],
    address: &str,
) -> &'a mut crate::plan::Change {
    changes
        .iter_mut()
        .find(|c| c.address.as_str() == address)
        .expect("a change of the fixture")
}

#[test]
fn an_unchanged_plan_of_the_seed_passes() {
    let report = check(&planned(|_| {}), &[]);
    assert!(report.passed, "{report:#?}");
    assert_eq!(report.subject, Subject::Plan);
    assert!(report::render_human(&report).starts_with("Verifying the plan for p "));
}

#[test]
fn a_plan_that_makes_an_internal_app_external_fails_v002() {
    // The manifest declares task-api external now; it is internal in Azure.
    let d = planned(|changes| {
        let c = change_mut(changes, "app.task-api");
        c.action = crate::plan::Action::Update;
        if let Some(b) = c.before.as_mut() {
            b["properties"]["configuration"]["ingress"]["external"] = json!(false);
        }
    });
    only_fails(
        &d,
        "AZL-V002",
        "app.task-api",
        "makes this internal app external",
    );
}

#[test]
fn a_planned_body_that_breaks_a_rule_fails_it_and_deletions_are_gone() {
    let d = planned(|changes| {
        let c = change_mut(changes, "app.task-api");
        c.action = crate::plan::Action::Update;
        if let Some(b) = c.after.as_mut() {
            b["properties"]["template"]["scale"]["minReplicas"] = json!(0);
        }
    });
    only_fails(&d, "AZL-V003", "app.task-api", "min replicas is 0");
    // Deleting the action group leaves the alerts reaching nobody.
    let d = planned(|changes| {
        change_mut(changes, "action_group.ops").action = crate::plan::Action::Delete;
    });
    assert!(
        d.resources
            .iter()
            .all(|r| r.address.as_str() != "action_group.ops")
    );
    let report = check(&d, &[]);
    assert_eq!(status(&report, "AZL-V004"), Status::Fail, "{report:#?}");
}
