//! Microsoft.Insights/actionGroups in the emulator: short name and receiver status.

use serde_json::{Map, Value, json};

use crate::emulator::common::{obj_mut, set_default};
use crate::emulator::errors::invalid;
use crate::emulator::{ArmError, Kind, PutRequest, World};

const ACTION_GROUPS: &str = "Microsoft.Insights/actionGroups";

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
