//! The emulated cloud: resource groups and resources by lower-case id, soft-deleted
//! resources, and long-running operations with their deadlines. Plain data, serialisable as
//! a whole (see `persist`).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::kinds::World;

/// One stored resource (or resource group).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    /// Canonical id, as ARM returns it.
    pub id: String,
    /// Canonical type (`Microsoft.Resources/resourceGroups` for groups).
    pub arm_type: String,
    pub api_version: String,
    /// Stored representation, write-only values included.
    pub body: Value,
    /// GET answers 404 before this time (ms since epoch); 0 = visible.
    #[serde(default)]
    pub visible_at_ms: u64,
    /// The operation in progress on this resource, if any.
    #[serde(default)]
    pub operation: Option<String>,
}

/// A soft-deleted resource: its name stays reserved until purged.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SoftDeleted {
    pub id: String,
    pub arm_type: String,
    pub name: String,
    pub location: String,
    pub body: Value,
    pub deleted_ms: u64,
    pub purge_ms: u64,
}

/// What an operation does when it completes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OpKind {
    Create,
    Update,
    Delete,
    /// Delete with the soft delete skipped (`?force=true`).
    ForceDelete,
    DeleteGroup,
    Purge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OpStatus {
    InProgress,
    Succeeded,
    Failed,
}

impl OpStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            OpStatus::InProgress => "InProgress",
            OpStatus::Succeeded => "Succeeded",
            OpStatus::Failed => "Failed",
        }
    }
}

/// A long-running operation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Operation {
    pub id: String,
    pub kind: OpKind,
    /// Key of the resource it works on (for `Purge`: the soft-delete key).
    pub target: String,
    pub arm_type: String,
    pub started_ms: u64,
    pub deadline_ms: u64,
    pub status: OpStatus,
    /// The error it ends with, when it is to fail (`{"code","message"}`).
    pub failure: Option<Value>,
    pub ended_ms: Option<u64>,
}

/// The whole emulated cloud.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Cloud {
    pub resources: BTreeMap<String, Record>,
    #[serde(default)]
    pub soft_deleted: BTreeMap<String, SoftDeleted>,
    #[serde(default)]
    pub operations: BTreeMap<String, Operation>,
    /// Key the emulator signs its tokens with (hex), kept so tokens survive a restart.
    #[serde(default)]
    pub token_key: String,
    /// Operations still running, by deadline (rebuilt on load).
    #[serde(skip)]
    pub pending: BTreeSet<(u64, String)>,
}

impl Cloud {
    /// Rebuild derived indexes after a load.
    pub fn reindex(&mut self) {
        self.pending = self
            .operations
            .values()
            .filter(|o| o.status == OpStatus::InProgress)
            .map(|o| (o.deadline_ms, o.id.clone()))
            .collect();
    }

    pub fn get(&self, key: &str) -> Option<&Record> {
        self.resources.get(key)
    }

    /// Keys strictly inside `key` (children, or everything in a group).
    pub fn keys_under(&self, key: &str) -> Vec<String> {
        let prefix = format!("{key}/");
        self.resources
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// Records inside `key`.
    pub fn records_under<'a>(&'a self, key: &str) -> impl Iterator<Item = &'a Record> + 'a {
        let prefix = format!("{key}/");
        self.resources
            .range(prefix.clone()..)
            .take_while(move |(k, _)| k.starts_with(&prefix))
            .map(|(_, r)| r)
    }

    pub fn add_operation(&mut self, op: Operation) {
        self.pending.insert((op.deadline_ms, op.id.clone()));
        self.operations.insert(op.id.clone(), op);
    }

    /// Ids of the operations whose deadline has passed.
    pub fn due(&self, now: u64) -> Vec<String> {
        self.pending
            .iter()
            .take_while(|(d, _)| *d <= now)
            .map(|(_, id)| id.clone())
            .collect()
    }

    /// Forget finished operations that ended more than `keep_ms` ago.
    pub fn prune_operations(&mut self, now: u64, keep_ms: u64) {
        self.operations.retain(|_, o| match o.ended_ms {
            Some(e) => e + keep_ms > now,
            None => true,
        });
    }
}

/// The cloud as the per-type rules see it (everything stored, visible or not).
pub struct CloudWorld<'a>(pub &'a Cloud);

impl World for CloudWorld<'_> {
    fn get(&self, id: &str) -> Option<Value> {
        self.0
            .resources
            .get(&crate::ids::key(id))
            .map(|r| r.body.clone())
    }
    fn all_ids(&self) -> Vec<String> {
        self.0.resources.values().map(|r| r.id.clone()).collect()
    }
}
