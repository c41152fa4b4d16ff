//! Soft-delete foresight: before `up` creates an API Management service or a Log Analytics
//! workspace, plan looks for a soft-deleted one holding the name (APIM `deletedservices`, the
//! subscription's `deletedWorkspaces`) and says so on the resource. `up` then refuses before
//! its first write unless the user chose what to do with it:
//!
//! - `--recover-soft-deleted`: bring it back — APIM with `restore: true` on the create. A
//!   workspace comes back by being created where it was (same group and location: ARM
//!   recovers it with its data), which needs no choice; one the manifest wants elsewhere
//!   blocks the create and can only be purged;
//! - `--purge-soft-deleted`: free the name for a new one — purge the APIM service; recover the
//!   workspace where it was, then delete it for good (`force=true`).

use serde_json::{Value, json};

use crate::kinds::ResourceKind;
use crate::plan::{Action, Plan, normalize_location};
use crate::resource::{DesiredResource, ResourceAddress};

use super::{OpsError, Session};

const APIM_TYPE: &str = "Microsoft.ApiManagement/service";
const WORKSPACE_TYPE: &str = "Microsoft.OperationalInsights/workspaces";

/// What to do with soft-deleted services that block a create.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SoftDeleteChoice {
    /// No choice made: refuse before the first write.
    #[default]
    Refuse,
    Recover,
    Purge,
}

/// A soft-deleted service holding the name of a resource the plan creates.
#[derive(Debug, Clone, PartialEq)]
pub struct SoftDeleted {
    pub address: ResourceAddress,
    pub arm_type: String,
    pub name: String,
    /// Where the deleted one lived (normalised location).
    pub location: String,
    /// The deleted resource's own id (where a workspace is recovered).
    pub original_id: String,
    /// APIM: the `deletedservices` id to purge.
    pub purge_id: Option<String>,
    /// The deleted workspace as listed (to recover it where it was).
    pub body: Value,
    /// Whether it stops the create. An APIM service always does; a workspace only when the
    /// manifest wants it elsewhere (creating it where it was recovers it, as Azure does).
    pub blocks: bool,
}

impl SoftDeleted {
    fn what(&self) -> &'static str {
        if self.arm_type.eq_ignore_ascii_case(APIM_TYPE) {
            "API Management service"
        } else {
            "Log Analytics workspace"
        }
    }

    /// One sentence for the plan and the refusal.
    pub fn describe(&self) -> String {
        format!(
            "a soft-deleted {} `{}` ({}) holds this name",
            self.what(),
            self.name,
            self.location
        )
    }

    /// Whether recovering brings it back where the manifest wants it (a workspace comes back
    /// only in its own group and location).
    fn recoverable_as(&self, d: &DesiredResource) -> bool {
        if self.arm_type.eq_ignore_ascii_case(APIM_TYPE) {
            return true;
        }
        let location = d
            .body
            .get("location")
            .and_then(Value::as_str)
            .map(normalize_location);
        self.original_id.eq_ignore_ascii_case(&d.id) && location.as_deref() == Some(&self.location)
    }
}

/// Add the soft-deleted service to the reason of each change it concerns.
pub fn annotate(plan: &mut Plan, found: &[SoftDeleted]) {
    for c in plan.changes.iter_mut() {
        let Some(s) = found.iter().find(|s| s.address == c.address) else {
            continue;
        };
        c.reason = if s.blocks {
            format!(
                "{}; {}: `up` needs --recover-soft-deleted or --purge-soft-deleted",
                c.reason,
                s.describe()
            )
        } else {
            format!(
                "{}; creating it recovers the soft-deleted {} `{}` with its data (--purge-soft-deleted makes a new one)",
                c.reason,
                s.what(),
                s.name
            )
        };
    }
}

/// The desired resources with what recovering needs (APIM: `properties.restore = true`).
pub fn with_recovery(desired: &[DesiredResource], found: &[SoftDeleted]) -> Vec<DesiredResource> {
    desired
        .iter()
        .map(|d| {
            let mut d = d.clone();
            let apim = found
                .iter()
                .any(|s| s.address == d.address && s.arm_type.eq_ignore_ascii_case(APIM_TYPE));
            if apim && let Some(props) = d.body.get_mut("properties").and_then(Value::as_object_mut)
            {
                props.insert("restore".into(), Value::Bool(true));
            }
            d
        })
        .collect()
}

fn api_version(kind: ResourceKind, fallback: &'static str) -> &'static str {
    kind.info().map(|k| k.api_version).unwrap_or(fallback)
}

impl Session {
    /// The soft-deleted services that block a create (or a replace's re-create) of `plan`.
    pub async fn find_soft_deleted(&self, plan: &Plan) -> Result<Vec<SoftDeleted>, OpsError> {
        let creates: Vec<&DesiredResource> = plan
            .changes
            .iter()
            .filter(|c| matches!(c.action, Action::Create | Action::Replace))
            .filter_map(|c| self.project.desired.iter().find(|d| d.address == c.address))
            .collect();
        let mut found = Vec::new();
        let sub = &self.target.subscription_id;
        let mut deleted_workspaces: Option<Vec<Value>> = None;
        for d in creates {
            if d.arm_type.eq_ignore_ascii_case(APIM_TYPE) {
                let Some(location) = d.body.get("location").and_then(Value::as_str) else {
                    continue;
                };
                let location = normalize_location(location);
                let id = format!(
                    "/subscriptions/{sub}/providers/Microsoft.ApiManagement/locations/{location}/deletedservices/{}",
                    d.name
                );
                let api = api_version(ResourceKind::ApimService, "2024-05-01");
                if let Some(v) = self
                    .target
                    .client
                    .get(&id, api)
                    .await
                    .map_err(OpsError::Arm)?
                {
                    let original_id = v
                        .pointer("/properties/serviceId")
                        .and_then(Value::as_str)
                        .unwrap_or(&d.id)
                        .to_string();
                    found.push(SoftDeleted {
                        address: d.address.clone(),
                        arm_type: APIM_TYPE.into(),
                        name: d.name.clone(),
                        location,
                        original_id,
                        purge_id: Some(id),
                        body: v,
                        blocks: true,
                    });
                }
            } else if d.arm_type.eq_ignore_ascii_case(WORKSPACE_TYPE) {
                let api = api_version(ResourceKind::Workspace, "2025-02-01");
                if deleted_workspaces.is_none() {
                    let list = format!(
                        "/subscriptions/{sub}/providers/Microsoft.OperationalInsights/deletedWorkspaces"
                    );
                    let listed = self
                        .target
                        .client
                        .get(&list, api)
                        .await
                        .map_err(OpsError::Arm)?;
                    deleted_workspaces = Some(
                        listed
                            .as_ref()
                            .and_then(|l| l.get("value"))
                            .and_then(Value::as_array)
                            .cloned()
                            .unwrap_or_default(),
                    );
                }
                let hit = deleted_workspaces.iter().flatten().find(|w| {
                    w.get("name")
                        .and_then(Value::as_str)
                        .is_some_and(|n| n.eq_ignore_ascii_case(&d.name))
                });
                if let Some(w) = hit {
                    let mut s = SoftDeleted {
                        address: d.address.clone(),
                        arm_type: WORKSPACE_TYPE.into(),
                        name: d.name.clone(),
                        location: w
                            .get("location")
                            .and_then(Value::as_str)
                            .map(normalize_location)
                            .unwrap_or_default(),
                        original_id: w
                            .get("id")
                            .and_then(Value::as_str)
                            .unwrap_or(&d.id)
                            .to_string(),
                        purge_id: None,
                        body: w.clone(),
                        blocks: true,
                    };
                    s.blocks = !s.recoverable_as(d);
                    found.push(s);
                }
            }
        }
        Ok(found)
    }

    /// Before `up` writes anything: refuse when one of `found` blocks its create and no
    /// choice was made, or when the choice is to recover a workspace the manifest wants
    /// elsewhere; with `Purge`, purge each one now (the ones a create would recover too).
    pub async fn settle_soft_deleted(
        &self,
        found: &[SoftDeleted],
        choice: SoftDeleteChoice,
    ) -> Result<(), OpsError> {
        let blocking: Vec<&SoftDeleted> = found.iter().filter(|s| s.blocks).collect();
        let names: Vec<String> = blocking
            .iter()
            .map(|s| format!("`{}`: {}", s.address, s.describe()))
            .collect();
        match choice {
            _ if blocking.is_empty() && choice != SoftDeleteChoice::Purge => Ok(()),
            SoftDeleteChoice::Refuse => Err(OpsError::SoftDeleted {
                message: format!("nothing was changed: {}", names.join("; ")),
            }),
            SoftDeleteChoice::Recover => {
                for s in blocking {
                    let Some(d) = self.project.desired.iter().find(|d| d.address == s.address)
                    else {
                        continue;
                    };
                    if !s.recoverable_as(d) {
                        return Err(OpsError::SoftDeleted {
                            message: format!(
                                "nothing was changed: the soft-deleted workspace `{}` can only be recovered where it was ({}, {}), not at {}; use --purge-soft-deleted or put the manifest back",
                                s.name, s.original_id, s.location, d.id
                            ),
                        });
                    }
                }
                Ok(())
            }
            SoftDeleteChoice::Purge => {
                for s in found {
                    self.purge_soft_deleted(s).await?;
                }
                Ok(())
            }
        }
    }

    async fn purge_soft_deleted(&self, s: &SoftDeleted) -> Result<(), OpsError> {
        let ctx = crate::arm::OpContext::new().with_cancel(self.cancel.clone());
        let client = &self.target.client;
        if let Some(purge) = &s.purge_id {
            let api = api_version(ResourceKind::ApimService, "2024-05-01");
            client
                .delete(purge, api, &ctx)
                .await
                .map_err(OpsError::Arm)?;
            return Ok(());
        }
        // A workspace is purged by recovering it where it was, then deleting it for good.
        let api = api_version(ResourceKind::Workspace, "2025-02-01");
        let group = group_of(&s.original_id).ok_or_else(|| OpsError::SoftDeleted {
            message: format!("`{}` is not a workspace id", s.original_id),
        })?;
        let group_api = api_version(ResourceKind::ResourceGroup, "2025-04-01");
        let group_gone = client
            .get(&group, group_api)
            .await
            .map_err(OpsError::Arm)?
            .is_none();
        if group_gone {
            // The group went with it (deleted outside azlift): make it again so the workspace
            // can be recovered and purged.
            client
                .put(&group, group_api, &json!({ "location": s.location }), &ctx)
                .await
                .map_err(OpsError::Arm)?;
        }
        let mut recover = json!({ "location": s.location });
        if let Some(props) = s.body.get("properties").and_then(Value::as_object) {
            let keep: serde_json::Map<String, Value> = props
                .iter()
                .filter(|(k, _)| matches!(k.as_str(), "sku" | "retentionInDays"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            recover["properties"] = Value::Object(keep);
        }
        client
            .put(&s.original_id, api, &recover, &ctx)
            .await
            .map_err(OpsError::Arm)?;
        client
            .delete(&format!("{}?force=true", s.original_id), api, &ctx)
            .await
            .map_err(OpsError::Arm)?;
        // A group made only for the purge goes again, unless the manifest wants it (then `up`
        // manages it as planned).
        let wanted = self
            .project
            .desired
            .iter()
            .any(|d| d.id.eq_ignore_ascii_case(&group));
        if group_gone && !wanted {
            client
                .delete(&group, group_api, &ctx)
                .await
                .map_err(OpsError::Arm)?;
        }
        Ok(())
    }
}

/// `/subscriptions/S/resourceGroups/G` of a resource id.
fn group_of(id: &str) -> Option<String> {
    let parts: Vec<&str> = id.trim_start_matches('/').splitn(5, '/').collect();
    (parts.len() >= 4 && parts[2].eq_ignore_ascii_case("resourceGroups"))
        .then(|| format!("/{}/{}/{}/{}", parts[0], parts[1], parts[2], parts[3]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Change;

    fn found(address: &str, arm_type: &str) -> SoftDeleted {
        SoftDeleted {
            address: ResourceAddress::new(address),
            arm_type: arm_type.into(),
            name: "blog-apim".into(),
            location: "eastus".into(),
            original_id: "/subscriptions/s/resourceGroups/rg/providers/T/t/blog-apim".into(),
            purge_id: None,
            body: Value::Null,
            blocks: true,
        }
    }

    #[test]
    fn the_plan_names_the_soft_deleted_service_on_its_resource() {
        let mut plan = Plan::new(vec![Change {
            address: ResourceAddress::new("apim.service"),
            id: "/x".into(),
            arm_type: APIM_TYPE.into(),
            api_version: "v".into(),
            action: Action::Create,
            reason: "does not exist yet".into(),
            attributes: Vec::new(),
            observed_hash: None,
            replaces: None,
            before: None,
            after: None,
        }]);
        annotate(&mut plan, &[found("apim.service", APIM_TYPE)]);
        assert_eq!(
            plan.changes[0].reason,
            "does not exist yet; a soft-deleted API Management service `blog-apim` (eastus) holds this name: `up` needs --recover-soft-deleted or --purge-soft-deleted"
        );
    }

    #[test]
    fn group_of_cuts_a_resource_id() {
        assert_eq!(
            group_of("/subscriptions/s/resourceGroups/rg/providers/A/b/c").as_deref(),
            Some("/subscriptions/s/resourceGroups/rg")
        );
        assert_eq!(group_of("/subscriptions/s"), None);
    }
}
