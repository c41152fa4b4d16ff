//! Observe: read what ARM has of every desired resource and every orphan, then the values
//! that pending references can already take from resources that exist. The result is
//! everything `plan::build` needs besides state.
//!
//! Reads fit ARM's read budget (a bucket of 250 refilled at 25 per second): by default
//! ([`ObserveMode::List`]) the resources of one type in one resource group are read with
//! that type's list operation, page by page, when its list returns what a GET returns
//! (`emulator::listing`) and there are at least two of them. Everything else is read with
//! one GET each: resource groups, child resources, types whose list leaves properties out or
//! is not known, single resources (a list would cost as much), a resource found mid-operation
//! (the GET waits for it to settle), and the rest of a list that would cost more pages than
//! GETs. A listed collection read to its end is exact: a resource missing from it does not
//! exist. [`ObserveMode::Get`] reads everything with one GET each.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::emulator::listing;
use crate::plan::{Orphan, ResolvedValues};
use crate::resource::{DesiredResource, ObservedResource, ResourceAddress};

use super::cloud::{Cloud, CloudError};
use super::resolve::Known;

/// How observe reads ARM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ObserveMode {
    /// List operations per (group, type) where they observe exactly, GET for the rest.
    #[default]
    List,
    /// One GET per resource.
    Get,
}

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

/// One resource to read.
#[derive(Debug, Clone)]
struct Target {
    address: ResourceAddress,
    id: String,
    api_version: String,
}

/// The list collection of a resource in a resource group whose type lists completely:
/// `/subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{type}`.
fn collection_of(id: &str) -> Option<String> {
    let segs: Vec<&str> = id.trim_start_matches('/').split('/').collect();
    let shaped = segs.len() == 8
        && segs[0].eq_ignore_ascii_case("subscriptions")
        && segs[2].eq_ignore_ascii_case("resourceGroups")
        && segs[4].eq_ignore_ascii_case("providers")
        && segs.iter().all(|s| !s.is_empty());
    if !shaped || !listing::lists_completely(&format!("{}/{}", segs[5], segs[6])) {
        return None;
    }
    Some(format!("/{}", segs[..7].join("/")))
}

fn is_settled(body: &Value) -> bool {
    crate::arm::lro::provisioning_state(body).is_none_or(crate::arm::lro::is_terminal)
}

/// What a list settled: members with what it found of them (`None`: absent), and the
/// members left to a GET.
type Split = (Vec<(Target, Option<Value>)>, Vec<Target>);

/// How one read ended.
enum Read {
    Got(Target, Result<Option<Value>, CloudError>),
    Listed(Result<Split, CloudError>),
}

/// Read every desired resource and every orphan, then resolve pending values.
pub async fn observe<C: Cloud>(
    cloud: Arc<C>,
    desired: &[DesiredResource],
    orphans: &[Orphan],
    parallelism: usize,
    mode: ObserveMode,
) -> Result<Observation, CloudError> {
    let targets: Vec<Target> = desired
        .iter()
        .map(|d| (&d.address, &d.id, &d.api_version))
        .chain(orphans.iter().map(|o| (&o.address, &o.id, &o.api_version)))
        .map(|(address, id, api_version)| Target {
            address: address.clone(),
            id: id.clone(),
            api_version: api_version.clone(),
        })
        .collect();

    // (collection, api-version) -> members; a collection with one member is read by GET.
    let mut lists: BTreeMap<(String, String), Vec<Target>> = BTreeMap::new();
    let mut gets = Vec::new();
    for t in targets {
        match collection_of(&t.id).filter(|_| mode == ObserveMode::List) {
            Some(c) => lists
                .entry((c.to_ascii_lowercase(), t.api_version.clone()))
                .or_default()
                .push(t),
            None => gets.push(t),
        }
    }
    let lists: Vec<_> = lists
        .into_iter()
        .filter_map(|(key, members)| {
            if members.len() < 2 {
                gets.extend(members);
                None
            } else {
                Some((key, members))
            }
        })
        .collect();

    let gate = Arc::new(Semaphore::new(parallelism.max(1)));
    let mut tasks = JoinSet::new();
    for ((collection, api_version), members) in lists {
        let (cloud, gate) = (cloud.clone(), gate.clone());
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await;
            // More pages than members would cost more than a GET each.
            let max_pages = members.len() - 1;
            let listed = cloud.list(&collection, &api_version, max_pages).await;
            Read::Listed(listed.map(|l| match l {
                Some(l) => split_listed(members, l.items, l.complete),
                None => (Vec::new(), members),
            }))
        });
    }
    let spawn_get = |tasks: &mut JoinSet<Read>, t: Target| {
        let (cloud, gate) = (cloud.clone(), gate.clone());
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await;
            let got = cloud.get(&t.id, &t.api_version).await;
            Read::Got(t, got)
        });
    };
    for t in gets {
        spawn_get(&mut tasks, t);
    }

    let mut observed = HashMap::new();
    let mut found = |t: Target, body: Option<Value>| {
        let o = body.map(|body| ObservedResource { id: t.id, body });
        observed.insert(t.address, o);
    };
    while let Some(joined) = tasks.join_next().await {
        let read = match joined {
            Ok(x) => x,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        };
        match read {
            Read::Got(t, got) => found(t, got?),
            Read::Listed(listed) => {
                let (bodies, left) = listed?;
                for (t, body) in bodies {
                    found(t, body);
                }
                for t in left {
                    spawn_get(&mut tasks, t);
                }
            }
        }
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

/// Match a list's items to the members by id (case-insensitively). A member found settled
/// takes its item; one found mid-operation is left to a GET (which waits for it); one not
/// found is absent when the list was read to its end, and left to a GET otherwise.
fn split_listed(members: Vec<Target>, items: Vec<Value>, complete: bool) -> Split {
    let mut by_id: HashMap<String, Value> = items
        .into_iter()
        .filter_map(|item| {
            let id = item.get("id")?.as_str()?.to_ascii_lowercase();
            Some((id, item))
        })
        .collect();
    let mut bodies = Vec::new();
    let mut left = Vec::new();
    for t in members {
        match by_id.remove(&t.id.to_ascii_lowercase()) {
            Some(item) if is_settled(&item) => bodies.push((t, Some(item))),
            Some(_) => left.push(t),
            None if complete => bodies.push((t, None)),
            None => left.push(t),
        }
    }
    (bodies, left)
}

#[cfg(test)]
mod unit {
    use super::*;
    use serde_json::json;

    const RG: &str = "/subscriptions/s/resourceGroups/rg/providers";

    fn target(id: &str) -> Target {
        Target {
            address: ResourceAddress::new(id.rsplit('/').next().unwrap_or(id)),
            id: id.to_string(),
            api_version: "v".into(),
        }
    }

    #[test]
    fn only_top_level_resources_of_completely_listed_types_have_a_collection() {
        assert_eq!(
            collection_of(&format!("{RG}/Microsoft.App/containerApps/a")).as_deref(),
            Some("/subscriptions/s/resourceGroups/rg/providers/Microsoft.App/containerApps")
        );
        assert_eq!(collection_of("/subscriptions/s/resourceGroups/rg"), None);
        assert_eq!(
            collection_of(&format!("{RG}/Microsoft.ApiManagement/service/s/loggers/l")),
            None
        );
        assert_eq!(collection_of(&format!("{RG}/Microsoft.Web/sites/w")), None);
        assert_eq!(
            collection_of(&format!("{RG}/Microsoft.KeyVault/vaults/k")),
            None
        );
    }

    #[test]
    fn listed_members_are_found_absent_or_left_to_a_get() {
        let a = target(&format!("{RG}/Microsoft.App/containerApps/a"));
        let b = target(&format!("{RG}/Microsoft.App/containerApps/b"));
        let c = target(&format!("{RG}/Microsoft.App/containerApps/c"));
        let items = vec![
            json!({"id": a.id.to_uppercase(), "properties": {"provisioningState": "Succeeded"}}),
            json!({"id": b.id, "properties": {"provisioningState": "InProgress"}}),
            json!({"id": format!("{RG}/Microsoft.App/containerApps/foreign")}),
        ];
        let (bodies, left) =
            split_listed(vec![a.clone(), b.clone(), c.clone()], items.clone(), true);
        let found: Vec<(&str, bool)> = bodies
            .iter()
            .map(|(t, body)| (t.address.as_str(), body.is_some()))
            .collect();
        assert_eq!(found, [("a", true), ("c", false)]);
        assert_eq!(
            left.iter().map(|t| t.address.as_str()).collect::<Vec<_>>(),
            ["b"]
        );

        // A list cut short says nothing of what it did not reach.
        let (bodies, left) = split_listed(vec![a, b, c], items, false);
        assert_eq!(bodies.len(), 1);
        assert_eq!(
            left.iter().map(|t| t.address.as_str()).collect::<Vec<_>>(),
            ["b", "c"]
        );
    }
}
