//! Microsoft.Insights/metricAlerts in the emulator: fixed durations, frequency <= window,
//! scopes and action groups that exist.

use serde_json::{Map, Value, json};

use crate::emulator::common::{get_str, now_rfc3339, obj_mut, set_default};
use crate::emulator::errors::{invalid, must_exist};
use crate::emulator::{ArmError, Kind, PutRequest, World};

const METRIC_ALERTS: &str = "Microsoft.Insights/metricAlerts";

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
