//! `azlift state import ADDRESS [ID]`: adopt a resource that exists in Azure. The live resource
//! is read from ARM (its id defaults to the one the manifest renders for ADDRESS), tagged as
//! this project's and environment's (`azlift-project`, `azlift-env`, `azlift-address`; child
//! resources have no tags and are owned through their parent) and recorded in state with an
//! unknown applied hash, so the next plan shows exactly where the manifest and Azure differ.

use std::collections::BTreeMap;

pub use crate::ownership::{ADDRESS_TAG, ENV_TAG, PROJECT_TAG};
use serde_json::{Map, Value};

use crate::kinds::ResourceKind;
use crate::resource::ResourceAddress;
use crate::state::{StateEntry, arm_type_of_id, outputs};

use super::{OpsError, Session};

/// What `import` recorded.
#[derive(Debug, Clone)]
pub struct Imported {
    pub address: ResourceAddress,
    pub id: String,
    pub arm_type: String,
    /// Whether the ownership tags were written (child resources have no tags).
    pub tagged: bool,
}

impl Session {
    /// Adopt the live resource `id` (default: the id the manifest renders for `address`) under
    /// `address`: read it, tag it as owned, record it.
    pub async fn import(
        &self,
        address: &str,
        id: Option<&str>,
        api_version: Option<&str>,
    ) -> Result<Imported, OpsError> {
        let address = ResourceAddress::new(address);
        let desired = self.project.desired.iter().find(|d| d.address == address);
        let id = match (id, desired) {
            (Some(id), _) => id.to_string(),
            (None, Some(d)) => d.id.clone(),
            (None, None) => {
                return Err(import_error(format!(
                    "`{address}` is not a resource of this manifest: give the ARM id to import"
                )));
            }
        };
        let arm_type = arm_type_of_id(&id).ok_or_else(|| {
            import_error(format!(
                "`{id}` is not an ARM resource id azlift can import"
            ))
        })?;
        let same_type = desired.filter(|d| d.arm_type.eq_ignore_ascii_case(&arm_type));
        let api_version = api_version
            .map(str::to_string)
            .or_else(|| same_type.map(|d| d.api_version.clone()))
            .or_else(|| {
                ResourceKind::from_arm_type(&arm_type)
                    .and_then(ResourceKind::info)
                    .map(|k| k.api_version.to_string())
            })
            .ok_or_else(|| import_error(format!("azlift has no api-version for {arm_type}")))?;
        if self.state.document().await.get(&address).is_some() {
            return Err(import_error(format!("{address} is already in state")));
        }
        let live = self
            .target
            .client
            .get(&id, &api_version)
            .await
            .map_err(OpsError::Arm)?
            .ok_or_else(|| import_error(format!("there is no resource at {id} to import")))?;
        let managed = same_type.is_none_or(|d| d.managed);
        let tagged = managed && !is_child_type(&arm_type);
        let live = if tagged {
            let tags = owned_tags(
                &live,
                &self.project.loaded.model.project.name,
                self.project.environment(),
                address.as_str(),
            );
            self.target
                .client
                .patch(
                    &id,
                    &api_version,
                    &serde_json::json!({ "tags": tags }),
                    &crate::arm::OpContext::new().with_cancel(self.cancel.clone()),
                )
                .await
                .map_err(OpsError::Arm)?
        } else {
            live
        };
        let kind = same_type
            .map(|d| d.kind)
            .or_else(|| ResourceKind::from_arm_type(&arm_type))
            .unwrap_or(ResourceKind::Custom);
        let entry = StateEntry {
            address: address.clone(),
            id: id.clone(),
            arm_type: arm_type.clone(),
            api_version,
            // Unknown: the next plan compares the live resource with the manifest.
            applied_hash: String::new(),
            write_only_hashes: BTreeMap::new(),
            outputs: outputs::extract(kind, &live),
            depends_on: same_type.map(|d| d.depends_on.clone()).unwrap_or_default(),
            managed,
            failed: false,
            sku: live
                .pointer("/sku/name")
                .and_then(Value::as_str)
                .map(str::to_string),
            last_duration_secs: None,
            updated_at: crate::state::now(),
        };
        self.state.record(entry).await.map_err(OpsError::State)?;
        Ok(Imported {
            address,
            id,
            arm_type,
            tagged,
        })
    }
}

/// The live resource's tags with this project's ownership tags added (they win over a tag of
/// the same name in any letter case).
pub fn owned_tags(live: &Value, project: &str, environment: &str, address: &str) -> Value {
    let mut tags: Map<String, Value> = live
        .get("tags")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (name, value) in [
        (PROJECT_TAG, project),
        (ENV_TAG, environment),
        (ADDRESS_TAG, address),
    ] {
        tags.retain(|k, _| !k.eq_ignore_ascii_case(name));
        tags.insert(name.to_string(), Value::String(value.to_string()));
    }
    Value::Object(tags)
}

/// Child types (`service/loggers`) carry no tags: they are owned through their parent.
fn is_child_type(arm_type: &str) -> bool {
    arm_type.split('/').count() > 2
}

fn import_error(message: String) -> OpsError {
    OpsError::Import(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ownership_tags_join_the_live_ones_and_replace_any_casing() {
        let live = json!({"tags": {"team": "ops", "AZLIFT-PROJECT": "other"}});
        let t = owned_tags(&live, "blog", "dev", "monitoring.workspace");
        assert_eq!(
            t,
            json!({"team": "ops", "azlift-project": "blog", "azlift-env": "dev", "azlift-address": "monitoring.workspace"})
        );
        assert_eq!(owned_tags(&json!({}), "p", "e", "a")["azlift-env"], "e");
    }

    #[test]
    fn children_are_not_tagged() {
        assert!(is_child_type("Microsoft.ApiManagement/service/loggers"));
        assert!(!is_child_type("Microsoft.ApiManagement/service"));
    }
}
