//! The emulated cloud: resource groups and resources by lower-case id, soft-deleted
//! resources, and long-running operations with their deadlines. Plain data, serialisable as
//! a whole (see `persist`); every change goes through a method that notes what it touched
//! ([`Dirty`]), so persistence can append only the changed records.

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
    /// Number of the last commit this cloud includes (persistence skips journal records up
    /// to it).
    #[serde(default)]
    pub seq: u64,
    /// Operations still running, by deadline (rebuilt on load).
    #[serde(skip)]
    pub pending: BTreeSet<(u64, String)>,
    /// What changed since the last commit.
    #[serde(skip)]
    pub dirty: Dirty,
}

/// The keys changed since the last commit, per map; `all` when the whole cloud was replaced.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Dirty {
    pub all: bool,
    pub resources: BTreeSet<String>,
    pub soft_deleted: BTreeSet<String>,
    pub operations: BTreeSet<String>,
}

impl Dirty {
    pub fn is_empty(&self) -> bool {
        !self.all
            && self.resources.is_empty()
            && self.soft_deleted.is_empty()
            && self.operations.is_empty()
    }
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

    /// A stored record, to change.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Record> {
        let r = self.resources.get_mut(key)?;
        self.dirty.resources.insert(key.to_string());
        Some(r)
    }

    pub fn insert(&mut self, key: String, record: Record) {
        self.dirty.resources.insert(key.clone());
        self.resources.insert(key, record);
    }

    pub fn remove(&mut self, key: &str) -> Option<Record> {
        let r = self.resources.remove(key)?;
        self.dirty.resources.insert(key.to_string());
        Some(r)
    }

    pub fn insert_soft_deleted(&mut self, key: String, sd: SoftDeleted) {
        self.dirty.soft_deleted.insert(key.clone());
        self.soft_deleted.insert(key, sd);
    }

    pub fn remove_soft_deleted(&mut self, key: &str) -> Option<SoftDeleted> {
        let sd = self.soft_deleted.remove(key)?;
        self.dirty.soft_deleted.insert(key.to_string());
        Some(sd)
    }

    pub fn operation_mut(&mut self, id: &str) -> Option<&mut Operation> {
        let o = self.operations.get_mut(id)?;
        self.dirty.operations.insert(id.to_string());
        Some(o)
    }

    /// Replace everything (the admin reset), keeping the token key.
    pub fn reset(&mut self) {
        let token_key = std::mem::take(&mut self.token_key);
        *self = Cloud {
            token_key,
            ..Cloud::default()
        };
        self.dirty.all = true;
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
        self.dirty.operations.insert(op.id.clone());
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
        let dirty = &mut self.dirty.operations;
        self.operations.retain(|id, o| {
            let keep = match o.ended_ms {
                Some(e) => e + keep_ms > now,
                None => true,
            };
            if !keep {
                dirty.insert(id.clone());
            }
            keep
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
