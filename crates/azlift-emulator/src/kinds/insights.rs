//! Microsoft.Insights: Application Insights components (AppId, InstrumentationKey,
//! ConnectionString...), action groups (short name, receiver status) and metric alerts
//! (fixed durations, frequency <= window, scopes and action groups that exist).

use serde_json::{Map, Value, json};

use crate::error::ArmError;

use super::common::{
    get_ci, get_str, is_arm_id, keep, keep_str, new_guid, normalize_location, now_rfc3339, obj_mut,
    set_default,
};
use super::errors::{invalid, linked_invalid};
use super::kind::Kind;
use super::{PutRequest, World};

const COMPONENTS: &str = "Microsoft.Insights/components";
const ACTION_GROUPS: &str = "Microsoft.Insights/actionGroups";
const METRIC_ALERTS: &str = "Microsoft.Insights/metricAlerts";

/// A referenced resource must be a resource id and must exist.
pub fn must_exist(
    world: &dyn World,
    arm_type: &str,
    target: &str,
    id: &str,
) -> Result<(), ArmError> {
    if !is_arm_id(id) {
        return Err(linked_invalid(target, id));
    }
    if world.get(id).is_none() {
        return Err(invalid(
            arm_type,
            target,
            format!("The resource '{id}' referenced by '{target}' was not found."),
        ));
    }
    Ok(())
}

pub struct Components;

impl Kind for Components {
    fn validate(&self, req: &PutRequest<'_>, world: &dyn World) -> Result<(), ArmError> {
        let Some(props) = req.body.get("properties").and_then(Value::as_object) else {
            return Ok(());
        };
        if let Some(ws) = get_ci(props, "WorkspaceResourceId").and_then(Value::as_str) {
            must_exist(world, COMPONENTS, "properties.WorkspaceResourceId", ws)?;
        }
        if let Some(days) = get_ci(props, "RetentionInDays").and_then(Value::as_i64)
            && ![30, 60, 90, 120, 180, 270, 365, 550, 730].contains(&days)
        {
            return Err(invalid(
                COMPONENTS,
                "properties.RetentionInDays",
                format!(
                    "RetentionInDays {days} is not one of 30, 60, 90, 120, 180, 270, 365, 550, 730."
                ),
            ));
        }
        if let Some(p) = get_ci(props, "SamplingPercentage").and_then(Value::as_f64)
            && !(0.0..=100.0).contains(&p)
        {
            return Err(invalid(
                COMPONENTS,
                "properties.SamplingPercentage",
                "SamplingPercentage must be between 0 and 100.",
            ));
        }
        Ok(())
    }

    fn complete(
        &self,
        req: &PutRequest<'_>,
        out: &mut Map<String, Value>,
        previous: Option<&Value>,
        _world: &dyn World,
    ) -> Result<(), ArmError> {
        let region = out
            .get("location")
            .and_then(Value::as_str)
            .map(normalize_location)
            .unwrap_or_else(|| "eastus".into());
        let p = |k: &str| keep_str(previous, &["properties", k], new_guid);
        let app_id = p("AppId");
        let ikey = p("InstrumentationKey");
        let created = keep(previous, &["properties", "CreationDate"], || {
            json!(now_rfc3339())
        });
        let props = obj_mut(out, "properties");
        let workspace_based = get_ci(props, "WorkspaceResourceId").is_some_and(|v| v.is_string());
        props.insert("AppId".into(), json!(app_id));
        props.insert("ApplicationId".into(), json!(req.name));
        props.insert("Name".into(), json!(req.name));
        props.insert("InstrumentationKey".into(), json!(ikey));
        props.insert(
            "ConnectionString".into(),
            json!(format!(
                "InstrumentationKey={ikey};IngestionEndpoint=https://{region}-8.in.applicationinsights.azure.com/;LiveEndpoint=https://{region}.livediagnostics.monitor.azure.com/;ApplicationId={app_id}"
            )),
        );
        props.insert("CreationDate".into(), created);
        props.insert("TenantId".into(), json!(req.subscription));
        props.insert("HockeyAppToken".into(), json!(""));
        set_default(props, "HockeyAppId", json!(""));
        set_default(props, "Application_Type", json!("web"));
        set_default(props, "RetentionInDays", json!(90));
        set_default(props, "SamplingPercentage", json!(100));
        set_default(props, "DisableIpMasking", json!(false));
        set_default(
            props,
            "IngestionMode",
            json!(if workspace_based {
                "LogAnalytics"
            } else {
                "ApplicationInsights"
            }),
        );
        set_default(props, "publicNetworkAccessForIngestion", json!("Enabled"));
        set_default(props, "publicNetworkAccessForQuery", json!("Enabled"));
        Ok(())
    }
}

pub struct ActionGroups;

impl Kind for ActionGroups {
    fn validate(&self, req: &PutRequest<'_>, _world: &dyn World) -> Result<(), ArmError> {
        let short = req
            .body
            .get("properties")
            .and_then(|p| p.get("groupShortName"));
        match short.and_then(Value::as_str) {
            None => Err(invalid(
                ACTION_GROUPS,
                "properties.groupShortName",
                "The required property 'groupShortName' is missing.",
            )),
            Some(s) if s.is_empty() || s.chars().count() > 12 => Err(invalid(
                ACTION_GROUPS,
                "properties.groupShortName",
                format!("The group short name '{s}' must be 1 to 12 characters long."),
            )),
            Some(_) => Ok(()),
        }
    }

    fn complete(
        &self,
        _req: &PutRequest<'_>,
        out: &mut Map<String, Value>,
        _previous: Option<&Value>,
        _world: &dyn World,
    ) -> Result<(), ArmError> {
        let props = obj_mut(out, "properties");
        set_default(props, "enabled", json!(true));
        for list in ["emailReceivers", "smsReceivers"] {
            if let Some(Value::Array(rs)) = props.get_mut(list) {
                for r in rs.iter_mut().filter_map(Value::as_object_mut) {
                    r.insert("status".into(), json!("Enabled"));
                }
            }
        }
        // useCommonAlertSchema defaults to false where the receiver has it (the example
        // response adds it to the event hub receiver).
        for list in [
            "emailReceivers",
            "webhookReceivers",
            "automationRunbookReceivers",
            "logicAppReceivers",
            "azureFunctionReceivers",
            "armRoleReceivers",
            "eventHubReceivers",
        ] {
            if let Some(Value::Array(rs)) = props.get_mut(list) {
                for r in rs.iter_mut().filter_map(Value::as_object_mut) {
                    set_default(r, "useCommonAlertSchema", json!(false));
                }
            }
        }
        for list in [
            "emailReceivers",
            "smsReceivers",
            "webhookReceivers",
            "itsmReceivers",
            "azureAppPushReceivers",
            "automationRunbookReceivers",
            "voiceReceivers",
            "logicAppReceivers",
            "azureFunctionReceivers",
            "armRoleReceivers",
            "eventHubReceivers",
        ] {
            set_default(props, list, json!([]));
        }
        Ok(())
    }
}

pub struct MetricAlerts;

/// The durations the service accepts for `windowSize` and `evaluationFrequency`, in minutes.
const DURATIONS: &[(&str, u32)] = &[
    ("PT1M", 1),
    ("PT5M", 5),
    ("PT15M", 15),
    ("PT30M", 30),
    ("PT1H", 60),
    ("PT6H", 360),
    ("PT12H", 720),
    ("P1D", 1440),
];

fn minutes(s: &str) -> Option<u32> {
    DURATIONS
        .iter()
        .find(|(d, _)| d.eq_ignore_ascii_case(s))
        .map(|(_, m)| *m)
}

impl Kind for MetricAlerts {
    fn validate(&self, req: &PutRequest<'_>, world: &dyn World) -> Result<(), ArmError> {
        let Some(props) = req.body.get("properties") else {
            return Ok(());
        };
        let allowed = DURATIONS
            .iter()
            .map(|(d, _)| *d)
            .collect::<Vec<_>>()
            .join(", ");
        let dur = |k: &str| -> Result<Option<u32>, ArmError> {
            match get_str(props, &[k]) {
                None => Ok(None),
                Some(s) => minutes(s).map(Some).ok_or_else(|| {
                    invalid(
                        METRIC_ALERTS,
                        &format!("properties.{k}"),
                        format!("'{s}' is not a supported {k}; use one of {allowed}."),
                    )
                }),
            }
        };
        let freq = dur("evaluationFrequency")?;
        let window = dur("windowSize")?;
        if let (Some(f), Some(w)) = (freq, window)
            && f > w
        {
            return Err(invalid(
                METRIC_ALERTS,
                "properties.evaluationFrequency",
                "The evaluation frequency must be less than or equal to the window size.",
            ));
        }
        if let Some(sev) = props.get("severity").and_then(Value::as_i64)
            && !(0..=4).contains(&sev)
        {
            return Err(invalid(
                METRIC_ALERTS,
                "properties.severity",
                format!("Severity {sev} is invalid; it must be between 0 and 4."),
            ));
        }
        let scopes = props
            .get("scopes")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if scopes.is_empty() {
            return Err(invalid(
                METRIC_ALERTS,
                "properties.scopes",
                "At least one scope is required.",
            ));
        }
        let single = get_str(props, &["criteria", "odata.type"]).is_some_and(|t| {
            t.eq_ignore_ascii_case("Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria")
        });
        if single && scopes.len() != 1 {
            return Err(invalid(
                METRIC_ALERTS,
                "properties.scopes",
                "SingleResourceMultipleMetricCriteria alerts take exactly one scope.",
            ));
        }
        for (i, s) in scopes.iter().enumerate() {
            let s = s.as_str().unwrap_or_default();
            must_exist(world, METRIC_ALERTS, &format!("properties.scopes[{i}]"), s)?;
        }
        if let Some(all) = props
            .get("criteria")
            .and_then(|c| c.get("allOf"))
            .and_then(Value::as_array)
            && (all.is_empty() || all.len() > 5)
        {
            return Err(invalid(
                METRIC_ALERTS,
                "properties.criteria.allOf",
                "Between 1 and 5 criteria are required.",
            ));
        }
        if let Some(actions) = props.get("actions").and_then(Value::as_array) {
            for (i, a) in actions.iter().enumerate() {
                if let Some(ag) = get_str(a, &["actionGroupId"]) {
                    must_exist(
                        world,
                        METRIC_ALERTS,
                        &format!("properties.actions[{i}].actionGroupId"),
                        ag,
                    )?;
                }
            }
        }
        Ok(())
    }

    fn complete(
        &self,
        _req: &PutRequest<'_>,
        out: &mut Map<String, Value>,
        _previous: Option<&Value>,
        _world: &dyn World,
    ) -> Result<(), ArmError> {
        let props = obj_mut(out, "properties");
        // The service answers durations in upper case (the create example sends Pt1m).
        for k in ["evaluationFrequency", "windowSize"] {
            if let Some(Value::String(s)) = props.get_mut(k) {
                *s = s.to_ascii_uppercase();
            }
        }
        set_default(props, "description", json!(""));
        set_default(props, "autoMitigate", json!(true));
        set_default(props, "actions", json!([]));
        props.insert("lastUpdatedTime".into(), json!(now_rfc3339()));
        props.insert("isMigrated".into(), json!(false));
        Ok(())
    }
}
