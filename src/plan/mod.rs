//! plan: compare what the manifest wants with what ARM has and what state remembers, and
//! produce a [`Plan`]: one [`Change`] per resource, each with its action, its reason and the
//! exact attribute paths that differ (old -> new, secrets masked).
//!
//! Pure: no I/O. Observing ARM (GETs, POST actions for references) happens before, in
//! `apply::observe`; carrying the plan out happens after, in `apply`.

mod diff;
mod model;
mod normalize;
mod rules;
#[cfg(test)]
mod tests;

pub use diff::{Prior, ResolvedValues, diff_resource};
pub use model::{Action, AttributeChange, Change, Plan, PlanSummary};
pub use normalize::{canonical_hash, normalize_location, values_equal};
pub use rules::{ArrayRule, array_rule, replace_reason};

use std::collections::{BTreeMap, HashMap};

use crate::resource::{DesiredResource, ObservedResource, ResourceAddress};

/// What is known about one resource that state remembers but the manifest no longer has.
#[derive(Debug, Clone)]
pub struct Orphan {
    pub address: ResourceAddress,
    pub id: String,
    pub arm_type: String,
    pub api_version: String,
    pub depends_on: Vec<ResourceAddress>,
    /// `false` for resources azlift only read (never deleted).
    pub managed: bool,
}

/// Everything `build` needs, gathered by observation.
pub struct PlanInputs<'a> {
    /// Desired resources in dependency order (dependencies first).
    pub desired: &'a [DesiredResource],
    /// GET result per address (`None`: not found).
    pub observed: &'a HashMap<ResourceAddress, Option<ObservedResource>>,
    /// Values of pending references that could be resolved from existing resources.
    pub resolved: &'a HashMap<ResourceAddress, ResolvedValues>,
    /// What state remembers per address.
    pub prior: &'a HashMap<ResourceAddress, Prior>,
    /// In state but gone from the manifest, in dependency order (dependencies first).
    pub orphans: &'a [Orphan],
}

/// Build the plan: desired resources in dependency order, then orphans to delete in reverse
/// dependency order. A resource whose dependency is being created or replaced sees its
/// pending values as "known after apply".
pub fn build(inputs: &PlanInputs<'_>) -> Plan {
    let mut changes = Vec::with_capacity(inputs.desired.len() + inputs.orphans.len());
    let empty = ResolvedValues::default();
    let mut recreated: BTreeMap<ResourceAddress, ()> = BTreeMap::new();
    for d in inputs.desired {
        let observed = inputs.observed.get(&d.address).and_then(|o| o.as_ref());
        let mut resolved = inputs.resolved.get(&d.address).unwrap_or(&empty).clone();
        // A value read from a resource that is about to be created or replaced is stale.
        for p in &d.pending {
            if recreated.contains_key(p.reference.address()) {
                resolved.values.remove(&p.pointer);
            }
        }
        let prior = inputs.prior.get(&d.address);
        let change = diff_resource(d, observed, &resolved, prior);
        if matches!(change.action, Action::Create | Action::Replace) {
            recreated.insert(d.address.clone(), ());
        }
        changes.push(change);
    }
    for o in inputs.orphans.iter().rev() {
        if !o.managed {
            continue;
        }
        changes.push(Change::deletion_of(o));
    }
    Plan::new(changes)
}
