//! Resolving pending values (`PendingValue`) from resources that exist: a property of their
//! GET body, or the result of a POST action (`sharedKeys`, `listSecrets`). Used by plan (from
//! what already exists) and by apply (from what just finished). Action results are secrets:
//! they live in memory only.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::Mutex;

use crate::plan::ResolvedValues;
use crate::resource::{DesiredResource, Reference, ResourceAddress};

use super::cloud::{Cloud, CloudError};

/// Where a referenced resource lives, to call its actions.
#[derive(Debug, Clone)]
pub struct Target {
    pub id: String,
    pub api_version: String,
}

/// Shared, in-memory knowledge of what exists: bodies by address and cached action results.
pub struct Known {
    bodies: std::sync::Mutex<HashMap<ResourceAddress, Value>>,
    actions: Mutex<HashMap<(ResourceAddress, String), Value>>,
    targets: HashMap<ResourceAddress, Target>,
}

impl Known {
    pub fn new(targets: HashMap<ResourceAddress, Target>) -> Self {
        Known {
            bodies: std::sync::Mutex::new(HashMap::new()),
            actions: Mutex::new(HashMap::new()),
            targets,
        }
    }

    pub fn targets_of(desired: &[DesiredResource]) -> HashMap<ResourceAddress, Target> {
        desired
            .iter()
            .map(|d| {
                (
                    d.address.clone(),
                    Target {
                        id: d.id.clone(),
                        api_version: d.api_version.clone(),
                    },
                )
            })
            .collect()
    }

    pub fn set_body(&self, address: &ResourceAddress, body: Value) {
        if let Ok(mut b) = self.bodies.lock() {
            b.insert(address.clone(), body);
        }
    }

    pub fn body(&self, address: &ResourceAddress) -> Option<Value> {
        self.bodies.lock().ok()?.get(address).cloned()
    }

    /// Forget a resource's body and action results (it is about to be replaced).
    pub async fn forget(&self, address: &ResourceAddress) {
        if let Ok(mut b) = self.bodies.lock() {
            b.remove(address);
        }
        self.actions.lock().await.retain(|(a, _), _| a != address);
    }

    /// Resolve what can be resolved of `d`'s pending values. Missing sources are skipped
    /// (the caller decides whether that is "known after apply" or an error).
    pub async fn resolve<C: Cloud>(
        &self,
        cloud: &C,
        d: &DesiredResource,
    ) -> Result<ResolvedValues, CloudError> {
        let mut out = ResolvedValues::default();
        for p in &d.pending {
            let address = p.reference.address();
            let Some(body) = self.body(address) else {
                continue;
            };
            let value = match &p.reference {
                Reference::Property { pointer, .. } => body.pointer(pointer).cloned(),
                Reference::Action {
                    action, pointer, ..
                } => {
                    let result = self.action(cloud, address, action).await?;
                    result.pointer(pointer).cloned()
                }
            };
            if let Some(v) = value.filter(|v| !v.is_null()) {
                out.values.insert(p.pointer.clone(), v);
            }
        }
        Ok(out)
    }

    /// Like [`Known::resolve`], but a reference that fails (an action ARM refuses) is left
    /// unresolved and its error returned beside the rest, so planning goes on: the value
    /// stays "known after apply", and apply fails that resource alone (and what depends
    /// on it) with this error.
    pub async fn resolve_available<C: Cloud>(
        &self,
        cloud: &C,
        d: &DesiredResource,
    ) -> (ResolvedValues, Vec<CloudError>) {
        let mut out = ResolvedValues::default();
        let mut failed = Vec::new();
        for p in &d.pending {
            let address = p.reference.address();
            let Some(body) = self.body(address) else {
                continue;
            };
            let value = match &p.reference {
                Reference::Property { pointer, .. } => body.pointer(pointer).cloned(),
                Reference::Action {
                    action, pointer, ..
                } => match self.action(cloud, address, action).await {
                    Ok(result) => result.pointer(pointer).cloned(),
                    Err(e) => {
                        failed.push(e);
                        continue;
                    }
                },
            };
            if let Some(v) = value.filter(|v| !v.is_null()) {
                out.values.insert(p.pointer.clone(), v);
            }
        }
        (out, failed)
    }

    async fn action<C: Cloud>(
        &self,
        cloud: &C,
        address: &ResourceAddress,
        action: &str,
    ) -> Result<Value, CloudError> {
        let key = (address.clone(), action.to_string());
        let mut cache = self.actions.lock().await;
        if let Some(v) = cache.get(&key) {
            return Ok(v.clone());
        }
        let target = self.targets.get(address).ok_or_else(|| {
            CloudError::new(
                "UnknownReference",
                format!("reference to `{address}`, which is not a resource of this project"),
            )
        })?;
        let v = cloud.post(&target.id, action, &target.api_version).await?;
        cache.insert(key, v.clone());
        Ok(v)
    }
}

/// Convenience for sharing.
pub type SharedKnown = Arc<Known>;
