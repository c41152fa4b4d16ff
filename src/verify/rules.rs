//! The checks behind the rule catalogue, each on the deployed ARM bodies (never on the
//! manifest's wishes, except for which apps are meant to be internal and whether the
//! environment is production).

use serde_json::Value;

use super::{Check, Deployed, DeployedResource};

const CONTAINER_APP: &str = "Microsoft.App/containerApps";
const METRIC_ALERT: &str = "Microsoft.Insights/metricAlerts";
const QUERY_ALERT: &str = "Microsoft.Insights/scheduledQueryRules";
const APIM_SERVICE: &str = "Microsoft.ApiManagement/service";
const APIM_DIAGNOSTIC: &str = "Microsoft.ApiManagement/service/diagnostics";
const APP_INSIGHTS: &str = "Microsoft.Insights/components";

/// Env var names that carry Application Insights credentials.
const CONNECTION_STRING_VARS: &[&str] = &[
    "APPLICATIONINSIGHTS_CONNECTION_STRING",
    "APPINSIGHTS_INSTRUMENTATIONKEY",
];

/// Run the rule `id`.
pub(super) fn run(id: &str, d: &Deployed) -> Check {
    match id {
        "AZL-V000" => exists(d),
        "AZL-V001" => probes(d),
        "AZL-V002" => internal_ingress(d),
        "AZL-V003" => min_replicas(d),
        "AZL-V004" => alerts(d),
        "AZL-V005" => connection_string(d),
        "AZL-V006" => apim_diagnostics(d),
        "AZL-V007" => apim_sampling(d),
        _ => Check::default(),
    }
}

fn deployed_apps(d: &Deployed) -> impl Iterator<Item = (&DeployedResource, &Value)> {
    d.of_type(CONTAINER_APP)
        .filter_map(|r| r.body.as_ref().map(|b| (r, b)))
}

fn containers(body: &Value) -> &[Value] {
    body.pointer("/properties/template/containers")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn name_of(v: &Value) -> &str {
    v.get("name").and_then(Value::as_str).unwrap_or("(unnamed)")
}

fn none_applies(what: &str) -> Check {
    Check {
        not_applicable: Some(what.to_string()),
        ..Check::default()
    }
}

/// AZL-V000: every resource state records answers a GET (on a plan: every existing
/// resource the manifest points at was found).
fn exists(d: &Deployed) -> Check {
    let missing = match d.subject {
        super::Subject::Deployed => {
            "state records it, but Azure does not have it (deleted out of band?)"
        }
        super::Subject::Plan => {
            "the manifest points at it as an existing resource, but Azure does not have it"
        }
    };
    Check {
        checked: d.resources.len(),
        findings: d
            .resources
            .iter()
            .filter(|r| r.body.is_none())
            .map(|r| (r.address.clone(), missing.into()))
            .collect(),
        not_applicable: None,
    }
}

/// AZL-V001: every container of every app has a liveness and a readiness probe.
fn probes(d: &Deployed) -> Check {
    let mut c = Check::default();
    for (r, body) in deployed_apps(d) {
        c.checked += 1;
        let list = containers(body);
        if list.is_empty() {
            c.findings
                .push((r.address.clone(), "the app has no containers".into()));
        }
        for container in list {
            let kinds: Vec<&str> = container
                .get("probes")
                .and_then(Value::as_array)
                .map(|ps| {
                    ps.iter()
                        .filter_map(|p| p.get("type").and_then(Value::as_str))
                        .collect()
                })
                .unwrap_or_default();
            let missing: Vec<&str> = ["Liveness", "Readiness"]
                .into_iter()
                .filter(|k| !kinds.iter().any(|x| x.eq_ignore_ascii_case(k)))
                .collect();
            if !missing.is_empty() {
                c.findings.push((
                    r.address.clone(),
                    format!(
                        "container `{}` has no {} probe",
                        name_of(container),
                        missing
                            .iter()
                            .map(|m| m.to_ascii_lowercase())
                            .collect::<Vec<_>>()
                            .join(" or ")
                    ),
                ));
            }
        }
    }
    if c.checked == 0 {
        return none_applies("no container apps are deployed");
    }
    c
}

/// AZL-V002: apps declared internal have external ingress off and an internal FQDN; on a
/// plan, an app that is internal now does not become external.
fn internal_ingress(d: &Deployed) -> Check {
    let mut c = Check::default();
    let watched = |r: &DeployedResource| {
        d.intent.internal_apps.contains(&r.address) || d.intent.made_external.contains(&r.address)
    };
    for (r, body) in deployed_apps(d).filter(|(r, _)| watched(r)) {
        c.checked += 1;
        if !d.intent.internal_apps.contains(&r.address) {
            c.findings.push((
                r.address.clone(),
                "the plan makes this internal app external (ingress.external: false -> true): it becomes reachable from the internet".into(),
            ));
            continue;
        }
        let Some(ingress) = body
            .pointer("/properties/configuration/ingress")
            .filter(|i| !i.is_null())
        else {
            // No ingress at all: not reachable from anywhere, which is stricter still.
            continue;
        };
        if ingress.get("external").and_then(Value::as_bool) != Some(false) {
            c.findings.push((
                r.address.clone(),
                "ingress is external: the app is reachable from the internet, but the manifest declares it internal".into(),
            ));
            continue;
        }
        match ingress.get("fqdn").and_then(Value::as_str) {
            Some(fqdn) if !fqdn.to_ascii_lowercase().contains(".internal.") => {
                c.findings.push((
                    r.address.clone(),
                    format!("FQDN `{fqdn}` is not an internal one (`<app>.internal.<domain>`)"),
                ));
            }
            _ => {}
        }
    }
    if c.checked == 0 {
        return none_applies("no app is declared `ingress = \"internal\"`");
    }
    c
}

/// AZL-V003: min replicas >= 1 when the environment is production.
fn min_replicas(d: &Deployed) -> Check {
    if !d.intent.production {
        return none_applies(&format!(
            "environment `{}` is not marked `production = true`",
            d.intent.environment
        ));
    }
    let mut c = Check::default();
    for (r, body) in deployed_apps(d) {
        c.checked += 1;
        let min = body
            .pointer("/properties/template/scale/minReplicas")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        if min < 1 {
            c.findings.push((
                r.address.clone(),
                format!(
                    "min replicas is {min} in production environment `{}`: the app scales to zero",
                    d.intent.environment
                ),
            ));
        }
    }
    if c.checked == 0 {
        return none_applies("no container apps are deployed");
    }
    c
}

/// The action group ids an alert notifies (metric alerts: `actions[].actionGroupId`;
/// log alerts: `actions.actionGroups[]`).
fn action_group_ids(body: &Value) -> Vec<String> {
    let actions = body.pointer("/properties/actions");
    let mut ids: Vec<String> = Vec::new();
    if let Some(list) = actions.and_then(Value::as_array) {
        ids.extend(
            list.iter()
                .filter_map(|a| a.get("actionGroupId").and_then(Value::as_str))
                .map(String::from),
        );
    }
    if let Some(list) = actions
        .and_then(|a| a.get("actionGroups"))
        .and_then(Value::as_array)
    {
        ids.extend(list.iter().filter_map(Value::as_str).map(String::from));
    }
    ids
}

pub(super) fn referenced_action_groups(d: &Deployed) -> Vec<String> {
    d.resources
        .iter()
        .filter(|r| r.is(METRIC_ALERT) || r.is(QUERY_ALERT))
        .filter_map(|r| r.body.as_ref())
        .flat_map(action_group_ids)
        .collect()
}

/// How many receivers an action group has (any `*Receivers` array).
fn receivers(group: &Value) -> usize {
    group
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| {
            p.iter()
                .filter(|(k, _)| k.ends_with("Receivers"))
                .filter_map(|(_, v)| v.as_array())
                .map(Vec::len)
                .sum()
        })
        .unwrap_or(0)
}

/// AZL-V004: every alert is enabled and reaches an enabled action group with a receiver.
fn alerts(d: &Deployed) -> Check {
    let mut c = Check::default();
    for r in d
        .resources
        .iter()
        .filter(|r| r.is(METRIC_ALERT) || r.is(QUERY_ALERT))
    {
        let Some(body) = &r.body else { continue };
        c.checked += 1;
        if body.pointer("/properties/enabled").and_then(Value::as_bool) != Some(true) {
            c.findings
                .push((r.address.clone(), "the alert is disabled".into()));
        }
        let ids = action_group_ids(body);
        if ids.is_empty() {
            c.findings.push((
                r.address.clone(),
                "the alert notifies no action group: nobody is told when it fires".into(),
            ));
            continue;
        }
        let mut problems = Vec::new();
        let mut reaches = false;
        for id in &ids {
            let shown = d
                .address_of(id)
                .map(|a| a.to_string())
                .unwrap_or_else(|| id.rsplit('/').next().unwrap_or(id).to_string());
            match d.body_by_id(id) {
                None => problems.push(format!("action group `{shown}` does not exist")),
                Some(g)
                    if g.pointer("/properties/enabled").and_then(Value::as_bool) == Some(false) =>
                {
                    problems.push(format!("action group `{shown}` is disabled"))
                }
                Some(g) if receivers(g) == 0 => {
                    problems.push(format!("action group `{shown}` has no receivers"))
                }
                Some(_) => reaches = true,
            }
        }
        if !reaches {
            c.findings.push((
                r.address.clone(),
                format!("the alert reaches nobody: {}", problems.join("; ")),
            ));
        }
    }
    if c.checked == 0 {
        return none_applies("no alerts are deployed");
    }
    c
}

/// AZL-V005: no env var carries the App Insights connection string as a plain value.
fn connection_string(d: &Deployed) -> Check {
    let mut c = Check::default();
    for (r, body) in deployed_apps(d) {
        c.checked += 1;
        for container in containers(body) {
            let env = container
                .get("env")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            for var in env {
                let name = name_of(var);
                let Some(value) = var.get("value").and_then(Value::as_str) else {
                    continue;
                };
                let by_name = CONNECTION_STRING_VARS
                    .iter()
                    .any(|n| n.eq_ignore_ascii_case(name));
                let by_value = value.contains("InstrumentationKey=");
                if (by_name && !value.is_empty()) || by_value {
                    // Never print the value: it is the credential.
                    c.findings.push((
                        r.address.clone(),
                        format!(
                            "env var `{name}` of container `{}` holds the App Insights connection string as a plain value, not a secret reference",
                            name_of(container)
                        ),
                    ));
                }
            }
        }
    }
    if c.checked == 0 {
        return none_applies("no container apps are deployed");
    }
    c
}

fn diagnostics(d: &Deployed) -> impl Iterator<Item = (&DeployedResource, &Value)> {
    d.of_type(APIM_DIAGNOSTIC)
        .filter_map(|r| r.body.as_ref().map(|b| (r, b)))
}

/// The project's Application Insights ids (lower case).
fn app_insights_ids(d: &Deployed) -> Vec<String> {
    d.of_type(APP_INSIGHTS)
        .map(|r| r.id.to_ascii_lowercase())
        .collect()
}

pub(super) fn referenced_loggers(d: &Deployed) -> Vec<String> {
    diagnostics(d)
        .filter_map(|(_, b)| b.pointer("/properties/loggerId").and_then(Value::as_str))
        .map(String::from)
        .collect()
}

/// AZL-V006: each APIM service has a diagnostic whose logger writes to the project's App
/// Insights, with W3C correlation.
fn apim_diagnostics(d: &Deployed) -> Check {
    let services: Vec<&DeployedResource> = d.of_type(APIM_SERVICE).collect();
    let diags: Vec<(&DeployedResource, &Value)> = diagnostics(d).collect();
    if services.is_empty() && diags.is_empty() {
        return none_applies("no API Management service is deployed");
    }
    let mut c = Check::default();
    let insights = app_insights_ids(d);
    if diags.is_empty() {
        for s in services {
            c.checked += 1;
            c.findings.push((
                s.address.clone(),
                "the API Management service has no diagnostic: gateway requests are not logged"
                    .into(),
            ));
        }
        return c;
    }
    for (r, body) in diags {
        c.checked += 1;
        let correlation = body
            .pointer("/properties/httpCorrelationProtocol")
            .and_then(Value::as_str)
            .unwrap_or("None");
        if !correlation.eq_ignore_ascii_case("W3C") {
            c.findings.push((
                r.address.clone(),
                format!("correlation is `{correlation}`, not W3C: gateway traces do not join the services' traces"),
            ));
        }
        let logger_id = body.pointer("/properties/loggerId").and_then(Value::as_str);
        let logger = logger_id.and_then(|id| d.body_by_id(id));
        let target = logger
            .and_then(|l| l.pointer("/properties/resourceId"))
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase);
        let kind = logger
            .and_then(|l| l.pointer("/properties/loggerType"))
            .and_then(Value::as_str)
            .unwrap_or("");
        match (logger_id, logger) {
            (None, _) => c
                .findings
                .push((r.address.clone(), "the diagnostic has no logger".into())),
            (Some(id), None) => c.findings.push((
                r.address.clone(),
                format!(
                    "its logger `{}` does not exist",
                    id.rsplit('/').next().unwrap_or(id)
                ),
            )),
            (Some(_), Some(_)) if !kind.eq_ignore_ascii_case("applicationInsights") => {
                c.findings.push((
                    r.address.clone(),
                    format!("its logger is of type `{kind}`, not Application Insights"),
                ))
            }
            (Some(_), Some(_)) => {
                if insights.is_empty() {
                    c.findings.push((
                        r.address.clone(),
                        "the project deploys no Application Insights for the logger to write to"
                            .into(),
                    ));
                } else if !target.as_ref().is_some_and(|t| insights.contains(t)) {
                    c.findings.push((
                        r.address.clone(),
                        "its logger writes to an Application Insights that is not the project's"
                            .into(),
                    ));
                }
            }
        }
    }
    c
}

/// AZL-V007: sampling below 100% (a warning).
fn apim_sampling(d: &Deployed) -> Check {
    let mut c = Check::default();
    for (r, body) in diagnostics(d) {
        c.checked += 1;
        let pct = body
            .pointer("/properties/sampling/percentage")
            .and_then(Value::as_f64)
            .unwrap_or(100.0);
        if pct < 100.0 {
            let errors = body
                .pointer("/properties/alwaysLog")
                .and_then(Value::as_str)
                .is_some_and(|a| a.eq_ignore_ascii_case("allErrors"));
            c.findings.push((
                r.address.clone(),
                format!(
                    "sampling is {pct}%: only that share of requests is traced{}",
                    if errors {
                        " (errors are always logged)"
                    } else {
                        "; errors outside the sample are lost too (set `always_log_errors = true`)"
                    }
                ),
            ));
        }
    }
    if c.checked == 0 {
        return none_applies("no APIM diagnostics are deployed");
    }
    c
}
