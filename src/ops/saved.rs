//! Saved plans (`plan --out FILE`, `up FILE`): the plan plus fingerprints of everything it
//! was made from, so `up` applies exactly that plan or refuses, saying what moved on.
//! A saved plan holds no secret: attribute values and the `before`/`after` bodies were masked
//! when the plan was made, and the fingerprint of the desired resources hashes their bodies.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::plan::{Plan, canonical_hash};
use crate::resource::DesiredResource;
use crate::state::StateDocument;

pub const SAVED_PLAN_FORMAT: u32 = 1;

/// The file `plan --out` writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedPlan {
    pub format_version: u32,
    pub azlift_version: String,
    pub environment: String,
    pub state_lineage: String,
    pub state_serial: u64,
    /// Hash of every desired resource (bodies hashed, so secrets stay out of the file).
    pub desired_hash: String,
    pub plan: Plan,
}

/// Why a saved plan no longer applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StalePlan(pub String);

fn desired_hash(desired: &[DesiredResource]) -> String {
    let parts: Vec<serde_json::Value> = desired
        .iter()
        .map(|d| {
            serde_json::json!({
                "address": d.address,
                "id": d.id.to_lowercase(),
                "api_version": d.api_version,
                "body": canonical_hash(&d.body),
                "depends_on": d.depends_on,
            })
        })
        .collect();
    canonical_hash(&serde_json::Value::Array(parts))
}

impl SavedPlan {
    pub fn new(plan: &Plan, desired: &[DesiredResource], state: &StateDocument) -> SavedPlan {
        SavedPlan {
            format_version: SAVED_PLAN_FORMAT,
            azlift_version: env!("CARGO_PKG_VERSION").to_string(),
            environment: state.environment.clone(),
            state_lineage: state.lineage.to_string(),
            state_serial: state.serial,
            desired_hash: desired_hash(desired),
            plan: plan.clone(),
        }
    }

    pub fn read(path: &Path) -> Result<SavedPlan, StalePlan> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| StalePlan(format!("cannot read {}: {e}", path.display())))?;
        let saved: SavedPlan = serde_json::from_str(&text).map_err(|e| {
            StalePlan(format!(
                "{} is not a saved azlift plan: {e}",
                path.display()
            ))
        })?;
        if saved.format_version != SAVED_PLAN_FORMAT {
            return Err(StalePlan(format!(
                "{} has plan format {}, this azlift reads {SAVED_PLAN_FORMAT}",
                path.display(),
                saved.format_version
            )));
        }
        Ok(saved)
    }

    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(path, text + "\n")
    }

    /// The lineage a plan of a first deployment (made without state) fixed for the state its
    /// apply creates; `None` for a plan made against existing state.
    pub fn first_deployment_lineage(&self) -> Option<uuid::Uuid> {
        if self.state_serial != 0 {
            return None;
        }
        self.state_lineage.parse().ok()
    }

    /// Check that this plan still describes what `up` would do now: same state, same
    /// manifest, and a fresh plan with the same changes on the same observed resources.
    pub fn check(
        &self,
        desired: &[DesiredResource],
        state: &StateDocument,
        fresh: &Plan,
    ) -> Result<(), StalePlan> {
        if self.state_lineage != state.lineage.to_string() && self.state_serial == 0 {
            return Err(StalePlan(
                "the plan was made before the first deployment, and another run has deployed since"
                    .into(),
            ));
        }
        if self.state_lineage != state.lineage.to_string() {
            return Err(StalePlan(
                "the state belongs to another lineage than the plan's (was it re-created?)".into(),
            ));
        }
        if self.state_serial != state.serial {
            return Err(StalePlan(format!(
                "the state changed since the plan was made (serial {} then, {} now): another run applied changes",
                self.state_serial, state.serial
            )));
        }
        if self.desired_hash != desired_hash(desired) {
            return Err(StalePlan(
                "the manifest (or a variable, template or environment) changed since the plan was made".into(),
            ));
        }
        for (old, new) in self.plan.changes.iter().zip(&fresh.changes) {
            if old.address != new.address || old.action != new.action {
                return Err(StalePlan(format!(
                    "`{}` would now be {:?} instead of {:?}",
                    new.address, new.action, old.action
                )));
            }
            if old.observed_hash != new.observed_hash || old.attributes != new.attributes {
                return Err(StalePlan(format!(
                    "`{}` changed in Azure since the plan was made (out-of-band change)",
                    new.address
                )));
            }
        }
        if self.plan.changes.len() != fresh.changes.len() {
            return Err(StalePlan(
                "the set of resources changed since the plan was made".into(),
            ));
        }
        Ok(())
    }
}
