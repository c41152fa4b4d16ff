//! The core seed's post-deploy "monitoring summary" (Application Insights, alert rules and
//! where they go, internal-only services, probes and scaling), taken from what is deployed.

use serde::Serialize;
use serde_json::Value;

use super::Deployed;

/// The seed's summary.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Overview {
    /// Names of the deployed Application Insights components.
    pub app_insights: Vec<String>,
    pub alerts: Vec<AlertLine>,
    /// Email addresses of the action groups the alerts notify.
    pub alerts_sent_to: Vec<String>,
    pub apps: Vec<AppLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlertLine {
    pub resource: String,
    pub name: String,
    pub description: String,
    pub severity: Option<u64>,
    pub enabled: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct AppLine {
    pub resource: String,
    pub name: String,
    /// `external`, `internal` or `none`.
    pub ingress: &'static str,
    pub liveness: bool,
    pub readiness: bool,
    pub min_replicas: u64,
    pub max_replicas: Option<u64>,
}

fn last_segment(id: &str) -> String {
    id.rsplit('/').next().unwrap_or(id).to_string()
}

pub(super) fn overview(d: &Deployed) -> Overview {
    let mut o = Overview::default();
    for r in d.resources.iter().filter(|r| r.body.is_some()) {
        let Some(body) = &r.body else { continue };
        if r.is("Microsoft.Insights/components") {
            o.app_insights.push(last_segment(&r.id));
        } else if r.is("Microsoft.Insights/metricAlerts") {
            o.alerts.push(AlertLine {
                resource: r.address.to_string(),
                name: last_segment(&r.id),
                description: body
                    .pointer("/properties/description")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                severity: body.pointer("/properties/severity").and_then(Value::as_u64),
                enabled: body
                    .pointer("/properties/enabled")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            });
        } else if r.is("Microsoft.App/containerApps") {
            let kinds: Vec<String> = body
                .pointer("/properties/template/containers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|c| c.get("probes").and_then(Value::as_array))
                .flatten()
                .filter_map(|p| p.get("type").and_then(Value::as_str))
                .map(str::to_ascii_lowercase)
                .collect();
            let ingress = match body.pointer("/properties/configuration/ingress") {
                Some(i) if !i.is_null() => {
                    if i.get("external").and_then(Value::as_bool) == Some(false) {
                        "internal"
                    } else {
                        "external"
                    }
                }
                _ => "none",
            };
            o.apps.push(AppLine {
                resource: r.address.to_string(),
                name: last_segment(&r.id),
                ingress,
                liveness: kinds.iter().any(|k| k == "liveness"),
                readiness: kinds.iter().any(|k| k == "readiness"),
                min_replicas: body
                    .pointer("/properties/template/scale/minReplicas")
                    .and_then(Value::as_u64)
                    .unwrap_or(0),
                max_replicas: body
                    .pointer("/properties/template/scale/maxReplicas")
                    .and_then(Value::as_u64),
            });
        }
    }
    for id in super::rules::referenced_action_groups(d) {
        let Some(group) = d.body_by_id(&id) else {
            continue;
        };
        for r in group
            .pointer("/properties/emailReceivers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(a) = r.get("emailAddress").and_then(Value::as_str)
                && !o.alerts_sent_to.iter().any(|x| x == a)
            {
                o.alerts_sent_to.push(a.to_string());
            }
        }
    }
    o
}
