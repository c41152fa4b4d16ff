//! Observe: one GET per desired resource and per orphan, in parallel (bounded), then the
//! values that pending references can already take from resources that exist. The result is
//! everything `plan::build` needs besides state.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::plan::{Orphan, ResolvedValues};
use crate::resource::{DesiredResource, ObservedResource, ResourceAddress};

use super::cloud::{Cloud, CloudError};
use super::resolve::Known;

/// What ARM has, as far as the plan is concerned.
pub struct Observation {
    pub observed: HashMap<ResourceAddress, Option<ObservedResource>>,
    pub resolved: HashMap<ResourceAddress, ResolvedValues>,
    /// References that could not be read (an action ARM refused), by the resource that
    /// needs them: the plan still covers everything, and apply fails only these resources
    /// (and their dependents).
    pub unresolved: HashMap<ResourceAddress, Vec<CloudError>>,
    /// Bodies and action results gathered, reused by apply.
    pub known: Arc<Known>,
}

/// GET every desired resource and every orphan, then resolve pending values.
pub async fn observe<C: Cloud>(
    cloud: Arc<C>,
    desired: &[DesiredResource],
    orphans: &[Orphan],
    parallelism: usize,
) -> Result<Observation, CloudError> {
    let gate = Arc::new(Semaphore::new(parallelism.max(1)));
    let mut tasks = JoinSet::new();
    let targets = desired
        .iter()
        .map(|d| (d.address.clone(), d.id.clone(), d.api_version.clone()))
        .chain(
            orphans
                .iter()
                .map(|o| (o.address.clone(), o.id.clone(), o.api_version.clone())),
        );
    for (address, id, api_version) in targets {
        let cloud = cloud.clone();
        let gate = gate.clone();
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await;
            let got = cloud.get(&id, &api_version).await;
            (address, id, got)
        });
    }
    let mut observed = HashMap::new();
    while let Some(joined) = tasks.join_next().await {
        let (address, id, got) = match joined {
            Ok(x) => x,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        };
        let found = got?.map(|body| ObservedResource { id, body });
        observed.insert(address, found);
    }

    let known = Arc::new(Known::new(Known::targets_of(desired)));
    for d in desired {
        if let Some(Some(o)) = observed.get(&d.address) {
            known.set_body(&d.address, o.body.clone());
        }
    }
    let mut resolved = HashMap::new();
    let mut unresolved = HashMap::new();
    for d in desired.iter().filter(|d| !d.pending.is_empty()) {
        let (values, failed) = known.resolve_available(cloud.as_ref(), d).await;
        resolved.insert(d.address.clone(), values);
        if !failed.is_empty() {
            unresolved.insert(d.address.clone(), failed);
        }
    }
    Ok(Observation {
        observed,
        resolved,
        unresolved,
        known,
    })
}
