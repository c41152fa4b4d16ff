//! Microsoft.OperationalInsights/workspaces: the workspace `customerId` (stable for the
//! workspace's life), timestamps, SKU/retention/capping defaults, and the shared keys that
//! only `POST .../sharedKeys` reveals (kept in the private field).

use serde_json::{Map, Value, json};

use crate::emulator::common::{
    PRIVATE, get_path, keep, keep_str, new_guid, now_rfc3339, obj_mut, random_base64, set_default,
};
use crate::emulator::errors::invalid;
use crate::emulator::{ArmError, Kind, PutRequest, World};

pub struct Workspaces;

const TYPE: &str = "Microsoft.OperationalInsights/workspaces";

impl Kind for Workspaces {
    fn validate(&self, req: &PutRequest<'_>, _world: &dyn World) -> Result<(), ArmError> {
        let props = req.body.get("properties");
        let sku = props
            .and_then(|p| get_path(p, &["sku", "name"]))
            .and_then(Value::as_str)
            .unwrap_or("PerGB2018");
        if let Some(days) = props
            .and_then(|p| p.get("retentionInDays"))
            .and_then(Value::as_i64)
        {
            // Free keeps 7 days; every other SKU takes 30..=730.
            let ok = if sku.eq_ignore_ascii_case("Free") {
                days == 7
            } else {
                (30..=730).contains(&days)
            };
            if !ok {
                return Err(invalid(
                    TYPE,
                    "properties.retentionInDays",
                    format!(
                        "Retention of {days} days is not valid for SKU '{sku}': it must be between 30 and 730 days."
                    ),
                ));
            }
        }
        if let Some(q) = props
            .and_then(|p| get_path(p, &["workspaceCapping", "dailyQuotaGb"]))
            .and_then(Value::as_f64)
            && q != -1.0
            && q < 0.023
        {
            return Err(invalid(
                TYPE,
                "properties.workspaceCapping.dailyQuotaGb",
                format!("Daily quota {q} GB is invalid: use -1 (no cap) or at least 0.023 GB."),
            ));
        }
        Ok(())
    }

    fn complete(
        &self,
        _req: &PutRequest<'_>,
        out: &mut Map<String, Value>,
        previous: Option<&Value>,
        _world: &dyn World,
    ) -> Result<(), ArmError> {
        let now = now_rfc3339();
        let props = obj_mut(out, "properties");
        props.insert(
            "customerId".into(),
            json!(keep_str(previous, &["properties", "customerId"], new_guid)),
        );
        props.insert(
            "createdDate".into(),
            keep(previous, &["properties", "createdDate"], || json!(now)),
        );
        props.insert("modifiedDate".into(), json!(now));
        let sku = obj_mut(props, "sku");
        set_default(sku, "name", json!("PerGB2018"));
        sku.insert(
            "lastSkuUpdate".into(),
            keep(previous, &["properties", "sku", "lastSkuUpdate"], || {
                json!(now)
            }),
        );
        set_default(props, "retentionInDays", json!(30));
        let features = obj_mut(props, "features");
        set_default(
            features,
            "enableLogAccessUsingOnlyResourcePermissions",
            json!(true),
        );
        let capping = obj_mut(props, "workspaceCapping");
        set_default(capping, "dailyQuotaGb", json!(-1.0));
        capping.insert("quotaNextResetTime".into(), json!(now));
        capping.insert("dataIngestionStatus".into(), json!("RespectQuota"));
        set_default(props, "publicNetworkAccessForIngestion", json!("Enabled"));
        set_default(props, "publicNetworkAccessForQuery", json!("Enabled"));

        let private = obj_mut(out, PRIVATE);
        for k in ["primarySharedKey", "secondarySharedKey"] {
            let v = keep_str(previous, &[PRIVATE, k], || random_base64(64));
            private.insert(k.into(), json!(v));
        }
        Ok(())
    }

    fn action(&self, action: &str, stored: &Value) -> Option<Result<Value, ArmError>> {
        if !action.eq_ignore_ascii_case("sharedKeys") {
            return None;
        }
        let key = |k: &str| {
            get_path(stored, &[PRIVATE, k])
                .cloned()
                .unwrap_or(Value::Null)
        };
        Some(Ok(json!({
            "primarySharedKey": key("primarySharedKey"),
            "secondarySharedKey": key("secondarySharedKey"),
        })))
    }
}

/// The stored workspace whose `customerId` is `customer_id`, if any.
pub fn find_by_customer_id(world: &dyn World, customer_id: &str) -> Option<Value> {
    world
        .all_ids()
        .into_iter()
        .filter(|id| crate::emulator::common::id_has_type(id, TYPE))
        .filter_map(|id| world.get(&id))
        .find(|w| {
            crate::emulator::common::get_str(w, &["properties", "customerId"])
                .is_some_and(|c| c.eq_ignore_ascii_case(customer_id))
        })
}
