//! The plan value that joins the plan and apply phases: changes, their reasons, the
//! attribute-level differences, and a summary.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::resource::ResourceAddress;

use super::Orphan;

/// What apply will do to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    /// Delete then create: ARM cannot make the change in place. Needs consent.
    Replace,
    Delete,
    NoOp,
    /// Read only (a resource the manifest points at but does not own).
    Read,
}

impl Action {
    /// Terraform's symbols: `+`, `~`, `-/+`, `-`.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Delete => "-",
            Action::NoOp | Action::Read => " ",
        }
    }
    pub fn is_change(self) -> bool {
        matches!(
            self,
            Action::Create | Action::Update | Action::Replace | Action::Delete
        )
    }
}

/// One attribute that differs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributeChange {
    /// Dotted path, array elements by key where they have one:
    /// `properties.template.containers[name=task-api].env[name=LOG_LEVEL].value`.
    pub path: String,
    /// `None`: absent before (added). Secrets appear as `(sensitive)`, values not known
    /// yet as `(known after apply)`; never a secret in clear.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<Value>,
    /// `None`: absent after (removed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<Value>,
    /// This path forces a replace, with the reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forces_replace: Option<String>,
}

/// What will happen to one resource, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub address: ResourceAddress,
    pub id: String,
    #[serde(rename = "type")]
    pub arm_type: String,
    pub api_version: String,
    pub action: Action,
    /// One sentence: why this action.
    pub reason: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<AttributeChange>,
    /// Fingerprint of the observed body the plan was made from (`None`: not found), so a
    /// saved plan can tell that the world moved on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_hash: Option<String>,
    /// The body as ARM has it now (the GET answer), secrets masked; absent when the resource
    /// does not exist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    /// The body azlift will send (or keeps, for no-op), as ARM will see it: secrets
    /// `(sensitive)`, values not known yet `(known after apply)`; absent for a delete and for
    /// a resource azlift only reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
    /// A replace whose id changed (a name, the resource group or a parent's name): the id
    /// state recorded, which apply deletes before creating `id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
}

impl Change {
    pub fn deletion_of(o: &Orphan) -> Change {
        Change {
            address: o.address.clone(),
            id: o.id.clone(),
            arm_type: o.arm_type.clone(),
            api_version: o.api_version.clone(),
            action: Action::Delete,
            reason: "no longer in the manifest".to_string(),
            attributes: Vec::new(),
            observed_hash: None,
            before: None,
            after: None,
            replaces: None,
        }
    }

    /// The id apply deletes for this replace: the recorded one when the id changed,
    /// otherwise the resource's own.
    pub fn old_id(&self) -> &str {
        self.replaces.as_deref().unwrap_or(&self.id)
    }
}

/// Counts per action.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanSummary {
    pub create: usize,
    pub update: usize,
    pub replace: usize,
    pub delete: usize,
    pub no_op: usize,
}

impl PlanSummary {
    pub fn has_changes(&self) -> bool {
        self.create + self.update + self.replace + self.delete > 0
    }
}

/// The plan: every resource's change, desired ones in dependency order then deletions in
/// reverse dependency order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub changes: Vec<Change>,
    pub summary: PlanSummary,
    /// Set when the plan was limited with `--target`/`--exclude` (a partial plan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<super::Scope>,
}

impl Plan {
    pub fn new(changes: Vec<Change>) -> Plan {
        let mut s = PlanSummary::default();
        for c in &changes {
            match c.action {
                Action::Create => s.create += 1,
                Action::Update => s.update += 1,
                Action::Replace => s.replace += 1,
                Action::Delete => s.delete += 1,
                Action::NoOp | Action::Read => s.no_op += 1,
            }
        }
        Plan {
            changes,
            summary: s,
            scope: None,
        }
    }

    pub fn has_changes(&self) -> bool {
        self.summary.has_changes()
    }

    /// Only the changes to `chosen` (the rest is left out of the plan, untouched), with the
    /// scope recorded so that the plan says it is partial.
    pub fn limited_to(
        self,
        chosen: &std::collections::BTreeSet<ResourceAddress>,
        scope: &super::Scope,
    ) -> Plan {
        if scope.is_all() {
            return self;
        }
        let kept = self
            .changes
            .into_iter()
            .filter(|c| chosen.contains(&c.address))
            .collect();
        let mut plan = Plan::new(kept);
        plan.scope = Some(scope.clone());
        plan
    }

    /// Changes that need explicit consent (replaces).
    pub fn replaces(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.action == Action::Replace)
    }
}
