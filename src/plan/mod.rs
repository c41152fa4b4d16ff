//! plan: compare what the manifest wants with what ARM has and what state remembers, and
//! produce a [`Plan`]: one [`Change`] per resource, each with its action, its reason and the
//! exact attribute paths that differ (old -> new, secrets masked).
//!
//! Pure: no I/O. Observing ARM (GETs, POST actions for references) happens before, in
//! `apply::observe`; carrying the plan out happens after, in `apply`.

mod diff;
mod failed;
mod identity;
pub mod ignore;
mod model;
mod normalize;
mod rules;
mod scope;
#[cfg(test)]
mod tests;
mod write_only;

pub use diff::{Prior, ResolvedValues, diff_resource};
pub use failed::{is_failed, retry_failed};
pub use identity::identity_change;
pub use model::{Action, AttributeChange, Change, Plan, PlanSummary};
pub use normalize::{canonical_hash, normalize_location, values_equal};
pub use rules::{ArrayRule, array_rule, replace_reason};
pub use scope::{Direction, Scope, UnknownAddress, matches as address_matches};
pub use write_only::{migrate_keys, stable_key};

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
    /// Where to purge the resource after deleting it, for types that keep a soft-deleted
    /// copy holding the name (an APIM service: `.../locations/{loc}/deletedservices/{name}`).
    pub purge_id: Option<String>,
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
        let mut change = diff_resource(d, observed, &resolved, prior);
        replace_if_moved(&mut change, d, prior, inputs.desired);
        if matches!(change.action, Action::Create | Action::Replace) {
            recreated.insert(d.address.clone(), ());
        }
        changes.push(change);
    }
    force_children_of_replaced(&mut changes);
    retry_failed(&mut changes, inputs.observed);
    for o in inputs.orphans.iter().rev() {
        if !o.managed {
            continue;
        }
        let mut change = Change::deletion_of(o);
        change.before = inputs
            .observed
            .get(&o.address)
            .and_then(|x| x.as_ref())
            .map(|x| diff::masked_observed(&x.body, &[]));
        changes.push(change);
    }
    Plan::new(changes)
}

/// Identity is the ARM id: when state recorded another id at this address (a name, the
/// group or a parent's name changed), the resource is replaced — the recorded one deleted,
/// the new one created — unless another desired resource now has the recorded id (then
/// nothing is deleted: the id moved between addresses).
fn replace_if_moved(
    change: &mut Change,
    d: &DesiredResource,
    prior: Option<&Prior>,
    desired: &[DesiredResource],
) {
    if !d.managed {
        return;
    }
    let Some(old) = prior.and_then(|p| p.id.as_deref()) else {
        return;
    };
    let Some(reason) = identity_change(old, &d.id) else {
        return;
    };
    if desired.iter().any(|o| o.id.eq_ignore_ascii_case(old)) {
        return;
    }
    change.action = Action::Replace;
    change.reason = reason;
    change.replaces = Some(old.to_string());
}

/// A resource inside a replaced one (its id extends the parent's: a group's resources, a
/// service's loggers) goes with it: ARM deletes children with their parent, so they must be
/// created again too.
fn force_children_of_replaced(changes: &mut [Change]) {
    let replaced: Vec<(String, ResourceAddress)> = changes
        .iter()
        .filter(|c| c.action == Action::Replace)
        .map(|c| (format!("{}/", c.id.to_ascii_lowercase()), c.address.clone()))
        .collect();
    if replaced.is_empty() {
        return;
    }
    for c in changes.iter_mut() {
        if !matches!(c.action, Action::Update | Action::NoOp) {
            continue;
        }
        let id = c.id.to_ascii_lowercase();
        if let Some((_, parent)) = replaced.iter().find(|(prefix, _)| id.starts_with(prefix)) {
            c.action = Action::Replace;
            c.reason = format!("inside `{parent}`, which is replaced");
        }
    }
}
