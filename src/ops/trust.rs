//! Nothing is written or deleted on the word of state alone, and nothing is taken over:
//! - every id state records must be a well-formed ARM id of the recorded type, inside the
//!   project's subscription and resource groups;
//! - a live resource azlift is about to update, replace or delete must carry this project's
//!   and environment's ownership tags (children without tags are owned through their parent);
//! - a resource that exists in Azure but not in this state is written to only when its tags
//!   name this project and environment (an interrupted run); anything else is refused before
//!   any change, naming the owner and the way out.

use std::collections::HashSet;

use serde_json::Value;

use crate::ownership::{Owner, Ownership, is_child_type, read_owner};
use crate::render::ids::ArmId;
use crate::resource::{DesiredResource, ResourceAddress};
use crate::state::StateDocument;

use super::OpsError;

/// What a run trusts: this project and environment, in this subscription and these groups.
pub(super) struct Trust {
    pub me: Owner,
    /// The state recorded no project (written before ownership tags): the resources it
    /// records may carry no tags yet, and the next `up` adds them.
    pub legacy: bool,
    subscription: String,
    /// Resource groups (lower case) of the manifest and of the groups state records.
    groups: HashSet<String>,
    /// Addresses recorded by `state import` and not applied since (no applied hash): the
    /// user adopted them explicitly, so they may carry no ownership tags yet (the next `up`
    /// adds them).
    imported: HashSet<ResourceAddress>,
    /// Ids (lower case) of resources the manifest declares outside any resource group
    /// (`scope = "subscription"`): trusted without a group.
    subscription_scoped: HashSet<String>,
    /// Addresses whose rendered body writes no ownership tags (a custom template of a type
    /// without tags): owned through the manifest that declares them, like children.
    untagged: HashSet<ResourceAddress>,
}

impl Trust {
    pub fn new(
        project: &str,
        environment: &str,
        subscription: &str,
        legacy: bool,
        desired: &[DesiredResource],
        doc: &StateDocument,
    ) -> Trust {
        let mut groups: HashSet<String> = desired
            .iter()
            .filter_map(|d| ArmId::parse(&d.id))
            .filter_map(|id| id.resource_group)
            .map(|g| g.to_ascii_lowercase())
            .collect();
        for e in doc.resources.values() {
            if e.managed
                && e.arm_type
                    .eq_ignore_ascii_case("Microsoft.Resources/resourceGroups")
                && let Some(g) = ArmId::parse(&e.id).and_then(|id| id.resource_group)
            {
                groups.insert(g.to_ascii_lowercase());
            }
        }
        let subscription_scoped = desired
            .iter()
            .filter(|d| ArmId::parse(&d.id).is_some_and(|id| id.resource_group.is_none()))
            .map(|d| d.id.to_ascii_lowercase())
            .collect();
        let untagged = desired
            .iter()
            .filter(|d| d.body.pointer("/tags/azlift-project").is_none())
            .map(|d| d.address.clone())
            .collect();
        Trust {
            subscription_scoped,
            untagged,
            me: Owner {
                project: project.to_string(),
                environment: environment.to_string(),
                address: None,
            },
            legacy,
            subscription: subscription.to_string(),
            groups,
            imported: doc
                .resources
                .values()
                .filter(|e| e.applied_hash.is_empty())
                .map(|e| e.address.clone())
                .collect(),
        }
    }

    /// Every id state records: well formed, of the recorded type, in the project's
    /// subscription and groups. The first that is not is refused, naming the resource.
    pub fn check_recorded(&self, doc: &StateDocument) -> Result<(), OpsError> {
        for e in doc.resources.values() {
            if let Some(why) = self.recorded_problem(&e.id, &e.arm_type, e.managed) {
                return Err(OpsError::Untrusted {
                    address: e.address.to_string(),
                    id: e.id.clone(),
                    why,
                });
            }
        }
        Ok(())
    }

    /// What is wrong with a recorded id, if anything. A resource azlift only reads (never
    /// writes or deletes) needs a well-formed id of its type, wherever it lives.
    fn recorded_problem(&self, id: &str, arm_type: &str, managed: bool) -> Option<String> {
        let Some(parsed) = ArmId::parse(id).filter(|p| !p.names.iter().any(String::is_empty))
        else {
            return Some("it is not a well-formed ARM resource id".to_string());
        };
        let named = parsed.named_type(id);
        if !named.eq_ignore_ascii_case(arm_type) {
            return Some(format!(
                "it names a `{named}`, but state records a `{arm_type}`"
            ));
        }
        if !managed {
            return None;
        }
        if !parsed.subscription.eq_ignore_ascii_case(&self.subscription) {
            return Some(format!(
                "it is in subscription {}, not the project's {}",
                parsed.subscription, self.subscription
            ));
        }
        match parsed.resource_group {
            Some(g) if self.groups.contains(&g.to_ascii_lowercase()) => None,
            Some(g) => Some(format!(
                "it is in resource group `{g}`, which is not one of the project's"
            )),
            None if self.subscription_scoped.contains(&id.to_ascii_lowercase()) => None,
            None => Some("it is not inside a resource group".to_string()),
        }
    }

    /// A resource state records, about to be updated, replaced or deleted: its live body
    /// (`None`: gone, nothing to refuse) must carry this environment's ownership tags.
    pub fn check_recorded_live(
        &self,
        address: &ResourceAddress,
        id: &str,
        arm_type: &str,
        live: Option<&Value>,
    ) -> Result<(), OpsError> {
        let Some(body) = live else {
            return Ok(());
        };
        match read_owner(body) {
            Ownership::Owned(o) if o.same_environment(&self.me) => Ok(()),
            Ownership::Owned(o) => Err(OpsError::Untrusted {
                address: address.to_string(),
                id: id.to_string(),
                why: format!("the live resource belongs to {o}"),
            }),
            Ownership::Untagged if is_child_type(arm_type) || self.untagged.contains(address) => {
                Ok(())
            }
            _ if self.legacy || self.imported.contains(address) => Ok(()),
            _ => Err(OpsError::Untrusted {
                address: address.to_string(),
                id: id.to_string(),
                why: format!(
                    "the live resource does not carry the ownership tags of {}",
                    self.me
                ),
            }),
        }
    }

    /// A resource that exists in Azure but that this state does not record at `address`,
    /// about to be written: only an earlier run of this project and environment may have
    /// made it. `tagged`: whether azlift writes tags on this resource (children and custom
    /// types without tags are owned through their parent).
    pub fn check_unrecorded_live(
        &self,
        address: &ResourceAddress,
        id: &str,
        tagged: bool,
        live: &Value,
    ) -> Result<(), OpsError> {
        let owner = match read_owner(live) {
            Ownership::Owned(o) if o.same_environment(&self.me) => return Ok(()),
            Ownership::Untagged if !tagged => return Ok(()),
            Ownership::Owned(o) => o.to_string(),
            Ownership::NoOwner | Ownership::Untagged => {
                "no azlift project (it has no azlift ownership tags)".to_string()
            }
        };
        Err(OpsError::NotOwned {
            address: address.to_string(),
            id: id.to_string(),
            owner,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SUB: &str = "00000000-0000-0000-0000-000000000000";

    fn doc_with(address: &str, id: &str, arm_type: &str) -> StateDocument {
        let mut doc = StateDocument::for_project("blog", "default");
        doc.resources.insert(
            ResourceAddress::new(address),
            crate::state::StateEntry {
                address: ResourceAddress::new(address),
                id: id.to_string(),
                arm_type: arm_type.to_string(),
                api_version: "2025-02-01".into(),
                applied_hash: String::new(),
                write_only_hashes: Default::default(),
                outputs: Default::default(),
                depends_on: Default::default(),
                managed: true,
                last_duration_secs: None,
                failed: false,
                sku: None,
                updated_at: time::OffsetDateTime::UNIX_EPOCH,
            },
        );
        doc
    }

    fn trust(doc: &StateDocument) -> Trust {
        let mut t = Trust::new("blog", "default", SUB, false, &[], doc);
        t.groups.insert("rg-blog".into());
        t
    }

    const WS: &str = "Microsoft.OperationalInsights/workspaces";

    #[test]
    fn recorded_ids_must_be_well_formed_typed_and_in_scope() {
        let ok = doc_with(
            "monitoring.workspace",
            &format!("/subscriptions/{SUB}/resourceGroups/rg-blog/providers/{WS}/blog-logs"),
            WS,
        );
        assert!(trust(&ok).check_recorded(&ok).is_ok());
        for (id, why) in [
            ("garbage".to_string(), "not a well-formed"),
            (
                format!(
                    "/subscriptions/{SUB}/resourceGroups/rg-blog/providers/Microsoft.App/containerApps/x"
                ),
                "names a `Microsoft.App/containerApps`",
            ),
            (
                format!("/subscriptions/other/resourceGroups/rg-blog/providers/{WS}/x"),
                "subscription other",
            ),
            (
                format!("/subscriptions/{SUB}/resourceGroups/rg-bbb/providers/{WS}/x"),
                "resource group `rg-bbb`",
            ),
        ] {
            let doc = doc_with("monitoring.workspace", &id, WS);
            match trust(&doc).check_recorded(&doc) {
                Err(OpsError::Untrusted {
                    address, why: w, ..
                }) => {
                    assert_eq!(address, "monitoring.workspace");
                    assert!(w.contains(why), "{w} should say {why}");
                }
                other => panic!("{id} should be refused, got {other:?}"),
            }
        }
        // A resource azlift only reads (an existing APIM service elsewhere) is never written
        // or deleted: its group need not be the project's.
        let mut read_only = doc_with(
            "apim.service",
            &format!(
                "/subscriptions/{SUB}/resourceGroups/rg-shared/providers/Microsoft.ApiManagement/service/gw"
            ),
            "Microsoft.ApiManagement/service",
        );
        for e in read_only.resources.values_mut() {
            e.managed = false;
        }
        assert!(trust(&read_only).check_recorded(&read_only).is_ok());
    }

    #[test]
    fn live_resources_must_carry_this_environments_tags() {
        let doc = StateDocument::for_project("blog", "default");
        let t = trust(&doc);
        let a = ResourceAddress::new("monitoring.workspace");
        let mine = json!({"tags": {"azlift-project": "blog", "azlift-env": "default"}});
        let theirs = json!({"tags": {"azlift-project": "bbb", "azlift-env": "default"}});
        let dev = json!({"tags": {"azlift-project": "blog", "azlift-env": "dev"}});
        let nobody = json!({"tags": {"team": "ops"}});
        assert!(t.check_recorded_live(&a, "id", WS, Some(&mine)).is_ok());
        assert!(t.check_recorded_live(&a, "id", WS, None).is_ok());
        assert!(t.check_recorded_live(&a, "id", WS, Some(&theirs)).is_err());
        assert!(t.check_recorded_live(&a, "id", WS, Some(&dev)).is_err());
        assert!(t.check_recorded_live(&a, "id", WS, Some(&nobody)).is_err());
        let child = "Microsoft.ApiManagement/service/loggers";
        assert!(
            t.check_recorded_live(&a, "id", child, Some(&json!({})))
                .is_ok()
        );
        let legacy = Trust {
            legacy: true,
            ..trust(&doc)
        };
        assert!(
            legacy
                .check_recorded_live(&a, "id", WS, Some(&nobody))
                .is_ok()
        );
        assert!(
            legacy
                .check_recorded_live(&a, "id", WS, Some(&theirs))
                .is_err()
        );

        assert!(t.check_unrecorded_live(&a, "id", true, &mine).is_ok());
        assert!(t.check_unrecorded_live(&a, "id", false, &json!({})).is_ok());
        match t.check_unrecorded_live(&a, "id", true, &theirs) {
            Err(OpsError::NotOwned { owner, .. }) => {
                assert_eq!(owner, "project `bbb`, environment `default`")
            }
            other => panic!("should be refused, got {other:?}"),
        }
        match t.check_unrecorded_live(&a, "id", true, &nobody) {
            Err(OpsError::NotOwned { owner, .. }) => assert!(owner.contains("no azlift project")),
            other => panic!("should be refused, got {other:?}"),
        }
    }
}
