//! Microsoft.Insights/components in the emulator: AppId, InstrumentationKey,
//! ConnectionString and the workspace link.

use serde_json::{Map, Value, json};

use crate::emulator::common::{
    get_ci, keep, keep_str, new_guid, normalize_location, now_rfc3339, obj_mut, set_default,
};
use crate::emulator::errors::{invalid, must_exist};
use crate::emulator::{ArmError, Kind, PutRequest, World};

const COMPONENTS: &str = "Microsoft.Insights/components";

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
