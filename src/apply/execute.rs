//! Execute a plan: walk the dependency graph with the scheduler, and for each change resolve
//! its pending values from what finished before it, call ARM, and record state at once.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::watch;

use crate::kinds::ResourceKind;
use crate::plan::{Action, Change, Orphan, Plan, canonical_hash};
use crate::resource::{DesiredResource, ResourceAddress};
use crate::state::outputs;

use super::cloud::{Cloud, CloudError, ProgressFn};
use super::resolve::Known;
use super::scheduler::{Node, Outcome, walk};

/// Estimated seconds for a change of this action to a resource of this ARM type and SKU
/// (`/sku/name` of its body, when it has one).
pub type EstimateFn = Arc<dyn Fn(&str, Option<&str>, Action) -> f64 + Send + Sync>;

/// The SKU name of a desired resource (`/sku/name`), which estimates depend on.
pub fn sku_of(d: &DesiredResource) -> Option<&str> {
    d.body.pointer("/sku/name").and_then(Value::as_str)
}

/// What state should remember of a resource just applied. Write-only values appear only as
/// hashes; the body itself is never recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct AppliedResource {
    pub address: ResourceAddress,
    pub id: String,
    pub kind: ResourceKind,
    pub arm_type: String,
    pub api_version: String,
    pub applied_hash: String,
    pub write_only_hashes: BTreeMap<String, String>,
    pub outputs: BTreeMap<String, Value>,
    pub depends_on: Vec<ResourceAddress>,
    pub managed: bool,
    /// `/sku/name` of the body sent.
    pub sku: Option<String>,
    /// ARM ended the operation `Failed` but the resource exists: recorded so that it stays
    /// owned (plan retries it, `down` deletes it).
    pub failed: bool,
    pub duration: Duration,
}

/// Where the engine records state, after every resource.
pub trait Recorder: Send + Sync + 'static {
    fn applied(
        &self,
        resource: AppliedResource,
    ) -> impl std::future::Future<Output = Result<(), String>> + Send;
    fn deleted(
        &self,
        address: &ResourceAddress,
    ) -> impl std::future::Future<Output = Result<(), String>> + Send;
}

/// Where the engine reports what it does (the UI turns this into progress or NDJSON).
pub trait Reporter: Send + Sync + 'static {
    fn started(&self, change: &Change, estimate: Option<Duration>);
    fn progress(&self, address: &ResourceAddress, message: &str);
    fn done(&self, change: &Change, elapsed: Duration);
    fn failed(&self, address: &ResourceAddress, error: &CloudError);
    fn skipped(&self, address: &ResourceAddress, because: &ResourceAddress);
}

/// How a run ended, per resource.
#[derive(Debug, Default)]
pub struct RunReport {
    pub outcomes: BTreeMap<ResourceAddress, Outcome<ResourceAddress, CloudError>>,
    pub cancelled: bool,
}

impl RunReport {
    pub fn failures(&self) -> impl Iterator<Item = (&ResourceAddress, &CloudError)> {
        self.outcomes.iter().filter_map(|(a, o)| match o {
            Outcome::Failed(e) => Some((a, e)),
            _ => None,
        })
    }
    pub fn ok(&self) -> bool {
        !self.cancelled && self.outcomes.values().all(|o| matches!(o, Outcome::Done))
    }
    pub fn count(&self, pred: impl Fn(&Outcome<ResourceAddress, CloudError>) -> bool) -> usize {
        self.outcomes.values().filter(|o| pred(o)).count()
    }
}

/// The pieces a run shares with every task.
pub struct Engine<C: Cloud, R: Recorder, P: Reporter> {
    pub cloud: Arc<C>,
    pub recorder: Arc<R>,
    pub reporter: Arc<P>,
    pub parallelism: usize,
    /// Estimated seconds for a change to a resource of this ARM type (ETAs, priorities).
    pub estimate: EstimateFn,
}

impl<C: Cloud, R: Recorder, P: Reporter> Engine<C, R, P> {
    /// Apply `plan`: desired changes in dependency order, then deletions of orphans in
    /// reverse dependency order.
    pub async fn apply(
        &self,
        plan: &Plan,
        desired: &[DesiredResource],
        orphans: &[Orphan],
        known: Arc<Known>,
        cancel: watch::Receiver<bool>,
    ) -> RunReport {
        let by_address: HashMap<ResourceAddress, DesiredResource> = desired
            .iter()
            .map(|d| (d.address.clone(), d.clone()))
            .collect();
        let changes: HashMap<ResourceAddress, Change> = plan
            .changes
            .iter()
            .map(|c| (c.address.clone(), c.clone()))
            .collect();
        let by_address = Arc::new(by_address);
        let changes = Arc::new(changes);

        let mut report = RunReport::default();

        // Replacements first delete the old resources, dependents first (an environment
        // cannot be deleted while its apps live), then the forward walk creates them anew.
        let replaced: Vec<Orphan> = desired
            .iter()
            .filter_map(|d| {
                let c = changes.get(&d.address)?;
                // The old resource: the recorded id when the id changed (a rename), which
                // may be in the desired location when it was never observed.
                let location = known_location(&known, &d.address).or_else(|| {
                    d.body
                        .get("location")
                        .and_then(Value::as_str)
                        .map(crate::plan::normalize_location)
                });
                // A workspace is deleted for good (`force=true`): a soft-deleted one keeps
                // its name and would block the new one (the user consented to the replace).
                let id = if d
                    .arm_type
                    .eq_ignore_ascii_case("Microsoft.OperationalInsights/workspaces")
                {
                    format!("{}?force=true", c.old_id())
                } else {
                    c.old_id().to_string()
                };
                (c.action == Action::Replace).then(|| Orphan {
                    address: d.address.clone(),
                    id,
                    arm_type: d.arm_type.clone(),
                    api_version: d.api_version.clone(),
                    depends_on: d.depends_on.iter().cloned().collect(),
                    managed: true,
                    purge_id: purge_id_for(&d.arm_type, c.old_id(), location),
                })
            })
            .collect();
        let mut failed_deletes: Vec<ResourceAddress> = Vec::new();
        // Deleting a resource group deletes everything in it: never do that to replace one
        // that holds resources this project does not declare.
        // Ours: what the project declares, and what state recorded that this run replaces or
        // deletes (a renamed group still holds the old resources until they are deleted).
        let ours: std::collections::HashSet<String> = desired
            .iter()
            .map(|d| d.id.to_ascii_lowercase())
            .chain(replaced.iter().map(|o| o.id.to_ascii_lowercase()))
            .chain(orphans.iter().map(|o| o.id.to_ascii_lowercase()))
            // A workspace deleted for good carries `?force=true`: its id is the part before.
            .map(|id| match id.split_once('?') {
                Some((path, _)) => path.to_string(),
                None => id,
            })
            .collect();
        let mut replaced = replaced;
        let mut refused: Vec<(ResourceAddress, CloudError)> = Vec::new();
        for o in &replaced {
            if !o
                .arm_type
                .eq_ignore_ascii_case("Microsoft.Resources/resourceGroups")
            {
                continue;
            }
            // An unreadable listing refuses nothing: the delete itself then reports the error.
            let foreign = foreign_in_group(self.cloud.as_ref(), &o.id, &o.api_version, &ours)
                .await
                .unwrap_or_default();
            if let Some(first) = foreign.first() {
                let err = CloudError::new(
                    "ResourceGroupHoldsForeignResources",
                    format!(
                        "replacing `{}` would delete {} resource(s) this project does not declare (first: {first}); move or delete them first",
                        o.address,
                        foreign.len()
                    ),
                );
                self.reporter.failed(&o.address, &err);
                refused.push((o.address.clone(), err));
            }
        }
        if !refused.is_empty() {
            let refused_addresses: Vec<ResourceAddress> =
                refused.iter().map(|(a, _)| a.clone()).collect();
            // Nothing inside a refused group is deleted either.
            let prefixes: Vec<String> = replaced
                .iter()
                .filter(|o| refused_addresses.contains(&o.address))
                .map(|o| format!("{}/", o.id.to_ascii_lowercase()))
                .collect();
            replaced.retain(|o| {
                let inside = prefixes
                    .iter()
                    .any(|p| o.id.to_ascii_lowercase().starts_with(p));
                if inside || refused_addresses.contains(&o.address) {
                    failed_deletes.push(o.address.clone());
                    false
                } else {
                    true
                }
            });
            for (address, err) in refused {
                report.outcomes.insert(address, Outcome::Failed(err));
            }
        }
        if !replaced.is_empty() {
            let refs: Vec<&Orphan> = replaced.iter().collect();
            let outcomes = self.delete_walk(&refs, &changes, cancel.clone()).await;
            for (address, outcome) in &outcomes {
                known.forget(address).await;
                if !matches!(outcome, Outcome::Done) {
                    failed_deletes.push(address.clone());
                }
            }
            self.report_skips(&outcomes);
            report.outcomes.extend(
                outcomes
                    .into_iter()
                    .filter(|(_, o)| !matches!(o, Outcome::Done)),
            );
        }
        let failed_deletes = Arc::new(failed_deletes);

        // Forward walk over every desired resource (no-ops finish at once, so their
        // dependents start right away).
        let nodes: Vec<Node<ResourceAddress>> = desired
            .iter()
            .map(|d| {
                let action = changes
                    .get(&d.address)
                    .map(|c| c.action)
                    .unwrap_or(Action::NoOp);
                Node {
                    key: d.address.clone(),
                    deps: d.depends_on.iter().cloned().collect(),
                    estimate: if action.is_change() {
                        (self.estimate)(&d.arm_type, sku_of(d), action)
                    } else {
                        0.0
                    },
                }
            })
            .collect();
        let outcomes = {
            let ctx = self.task_context(known.clone());
            let by_address = by_address.clone();
            let changes = changes.clone();
            let failed_deletes = failed_deletes.clone();
            walk(nodes, self.parallelism, cancel.clone(), move |address| {
                let ctx = ctx.clone();
                let d = by_address.get(&address).cloned();
                let change = changes.get(&address).cloned();
                let old_still_there = failed_deletes.contains(&address);
                async move {
                    if old_still_there {
                        return Err(CloudError::new(
                            "ReplaceDeleteFailed",
                            format!("`{address}` could not be deleted for its replacement"),
                        ));
                    }
                    match (d, change) {
                        (Some(d), Some(change)) => ctx.apply_one(&d, &change).await,
                        _ => Ok(()),
                    }
                }
            })
            .await
        };
        self.report_skips(&outcomes);
        for (address, outcome) in outcomes {
            // A failed delete of a replacement is the outcome that explains the rest.
            report.outcomes.entry(address).or_insert(outcome);
        }

        // Deletions: reverse dependency order among the orphans.
        let doomed: Vec<&Orphan> = orphans
            .iter()
            .filter(|o| {
                changes
                    .get(&o.address)
                    .is_some_and(|c| c.action == Action::Delete)
            })
            .collect();
        if !doomed.is_empty() {
            let outcomes = self.delete_walk(&doomed, &changes, cancel.clone()).await;
            self.report_skips(&outcomes);
            report.outcomes.extend(outcomes);
        }
        report.cancelled = *cancel.borrow();
        report
    }

    /// Delete `doomed` in reverse dependency order (dependents first).
    pub async fn delete_walk(
        &self,
        doomed: &[&Orphan],
        changes: &HashMap<ResourceAddress, Change>,
        cancel: watch::Receiver<bool>,
    ) -> BTreeMap<ResourceAddress, Outcome<ResourceAddress, CloudError>> {
        let mut reverse: HashMap<ResourceAddress, Vec<ResourceAddress>> = HashMap::new();
        for o in doomed {
            for dep in &o.depends_on {
                reverse
                    .entry(dep.clone())
                    .or_default()
                    .push(o.address.clone());
            }
        }
        let nodes: Vec<Node<ResourceAddress>> = doomed
            .iter()
            .map(|o| Node {
                key: o.address.clone(),
                deps: reverse.remove(&o.address).unwrap_or_default(),
                estimate: (self.estimate)(&o.arm_type, None, Action::Delete),
            })
            .collect();
        let info: Arc<HashMap<ResourceAddress, (Orphan, Change)>> = Arc::new(
            doomed
                .iter()
                .map(|o| {
                    let change = changes
                        .get(&o.address)
                        .cloned()
                        .unwrap_or_else(|| Change::deletion_of(o));
                    (o.address.clone(), ((*o).clone(), change))
                })
                .collect(),
        );
        let ctx = self.task_context(Arc::new(Known::new(HashMap::new())));
        walk(nodes, self.parallelism, cancel, move |address| {
            let ctx = ctx.clone();
            let item = info.get(&address).cloned();
            async move {
                match item {
                    Some((orphan, change)) => ctx.delete_one(&orphan, &change).await,
                    None => Ok(()),
                }
            }
        })
        .await
    }

    fn report_skips(
        &self,
        outcomes: &BTreeMap<ResourceAddress, Outcome<ResourceAddress, CloudError>>,
    ) {
        for (address, o) in outcomes {
            if let Outcome::Skipped { because } = o {
                self.reporter.skipped(address, because);
            }
        }
    }

    fn task_context(&self, known: Arc<Known>) -> Arc<TaskContext<C, R, P>> {
        Arc::new(TaskContext {
            cloud: self.cloud.clone(),
            recorder: self.recorder.clone(),
            reporter: self.reporter.clone(),
            known,
            estimate: self.estimate.clone(),
        })
    }
}

struct TaskContext<C, R, P> {
    cloud: Arc<C>,
    recorder: Arc<R>,
    reporter: Arc<P>,
    known: Arc<Known>,
    estimate: EstimateFn,
}

impl<C: Cloud, R: Recorder, P: Reporter> TaskContext<C, R, P> {
    fn progress_fn(&self, address: &ResourceAddress) -> ProgressFn {
        let reporter = self.reporter.clone();
        let address = address.clone();
        Arc::new(move |m: String| reporter.progress(&address, &m))
    }

    fn eta(&self, arm_type: &str, sku: Option<&str>, action: Action) -> Option<Duration> {
        let secs = (self.estimate)(arm_type, sku, action);
        (secs > 0.0).then(|| Duration::from_secs_f64(secs))
    }

    async fn apply_one(&self, d: &DesiredResource, change: &Change) -> Result<(), CloudError> {
        match change.action {
            Action::NoOp | Action::Read => {
                if self.known.body(&d.address).is_none() {
                    if !d.managed {
                        return Err(CloudError::new(
                            "ResourceNotFound",
                            format!(
                                "`{}` ({}) must exist: azlift only reads it",
                                d.address, d.id
                            ),
                        ));
                    }
                    // Planned as unchanged but unseen (should not happen): read it now.
                    if let Some(body) = self.cloud.get(&d.id, &d.api_version).await? {
                        self.known.set_body(&d.address, body);
                    }
                }
                Ok(())
            }
            Action::Create | Action::Update | Action::Replace => {
                let started = Instant::now();
                self.reporter
                    .started(change, self.eta(&d.arm_type, sku_of(d), change.action));
                let result = self.put(d, change, started).await;
                match &result {
                    Ok(()) => self.reporter.done(change, started.elapsed()),
                    Err(e) => self.reporter.failed(&d.address, e),
                }
                result
            }
            Action::Delete => Ok(()),
        }
    }

    async fn put(
        &self,
        d: &DesiredResource,
        _change: &Change,
        started: Instant,
    ) -> Result<(), CloudError> {
        // A replacement's old resource was deleted before the forward walk began.
        let progress = self.progress_fn(&d.address);
        let resolved = self.known.resolve(self.cloud.as_ref(), d).await?;
        let mut body = resolved.complete_body(d).ok_or_else(|| {
            let missing: Vec<String> = d
                .pending
                .iter()
                .filter(|p| !resolved.values.contains_key(&p.pointer))
                .map(|p| format!("{} from {}", p.pointer, p.reference.address()))
                .collect();
            CloudError::new(
                "UnresolvedReference",
                format!("values not available: {}", missing.join(", ")),
            )
        })?;
        // Once the resource exists, paths owned by another tool keep what ARM has.
        if !d.ignore.is_empty()
            && let Some(existing) = self.known.body(&d.address)
        {
            crate::plan::ignore::overlay(&mut body, &existing, &d.ignore);
        }
        let returned = match self.cloud.put(&d.id, &d.api_version, &body, progress).await {
            Ok(r) => r,
            Err(e) => {
                self.record_failed(d, started).await;
                return Err(e);
            }
        };
        let mut write_only_hashes = BTreeMap::new();
        for p in &d.write_only {
            if let Some(v) = body.pointer(p) {
                let key = crate::plan::stable_key(d.kind, &body, p);
                write_only_hashes.insert(key, canonical_hash(v));
            }
        }
        let applied = AppliedResource {
            address: d.address.clone(),
            id: d.id.clone(),
            kind: d.kind,
            arm_type: d.arm_type.clone(),
            api_version: d.api_version.clone(),
            applied_hash: canonical_hash(&body),
            write_only_hashes,
            outputs: outputs::extract(d.kind, &returned),
            depends_on: d.depends_on.iter().cloned().collect(),
            managed: d.managed,
            sku: sku_of(d).map(str::to_string),
            failed: false,
            duration: started.elapsed(),
        };
        self.known.set_body(&d.address, returned);
        self.recorder
            .applied(applied)
            .await
            .map_err(|e| CloudError::new("StateWriteFailed", e))
    }

    /// After a failed PUT: if ARM holds the resource in the `Failed` state (a create whose
    /// long-running operation failed), record it as failed so it stays owned. Nothing is
    /// recorded when it does not exist or cannot be read.
    async fn record_failed(&self, d: &DesiredResource, started: Instant) {
        let Ok(Some(live)) = self.cloud.get(&d.id, &d.api_version).await else {
            return;
        };
        if !crate::plan::is_failed(&live) {
            return;
        }
        let failed = AppliedResource {
            address: d.address.clone(),
            id: d.id.clone(),
            kind: d.kind,
            arm_type: d.arm_type.clone(),
            api_version: d.api_version.clone(),
            // Unknown: the next plan compares the live resource with the manifest.
            applied_hash: String::new(),
            write_only_hashes: BTreeMap::new(),
            outputs: BTreeMap::new(),
            depends_on: d.depends_on.iter().cloned().collect(),
            managed: d.managed,
            sku: sku_of(d).map(str::to_string),
            failed: true,
            duration: started.elapsed(),
        };
        if let Err(e) = self.recorder.applied(failed).await {
            self.reporter.progress(
                &d.address,
                &format!("could not record the failed resource: {e}"),
            );
        }
    }

    async fn delete_one(&self, o: &Orphan, change: &Change) -> Result<(), CloudError> {
        let started = Instant::now();
        self.reporter
            .started(change, self.eta(&o.arm_type, None, Action::Delete));
        let result = async {
            self.cloud
                .delete(&o.id, &o.api_version, self.progress_fn(&o.address))
                .await?;
            if let Some(purge) = &o.purge_id {
                self.reporter
                    .progress(&o.address, "purging the soft-deleted copy");
                self.cloud
                    .delete(purge, &o.api_version, self.progress_fn(&o.address))
                    .await?;
            }
            self.recorder
                .deleted(&o.address)
                .await
                .map_err(|e| CloudError::new("StateWriteFailed", e))
        }
        .await;
        match &result {
            Ok(()) => self.reporter.done(change, started.elapsed()),
            Err(e) => self.reporter.failed(&o.address, e),
        }
        result
    }
}

/// The location a resource was observed in (for purge ids), normalised.
fn known_location(known: &Known, address: &ResourceAddress) -> Option<String> {
    let body = known.body(address)?;
    let loc = body.get("location")?.as_str()?;
    Some(crate::plan::normalize_location(loc))
}

/// Where a soft-deleted copy of a resource of this type is purged, if the type keeps one that
/// blocks re-creation (APIM services do; workspaces are deleted with `force=true` instead).
pub fn purge_id_for(arm_type: &str, id: &str, location: Option<String>) -> Option<String> {
    if !arm_type.eq_ignore_ascii_case("Microsoft.ApiManagement/service") {
        return None;
    }
    let location = location?;
    let mut parts = id.trim_start_matches('/').split('/');
    let subscription = parts.nth(1)?;
    let name = id.rsplit('/').next()?;
    Some(format!(
        "/subscriptions/{subscription}/providers/Microsoft.ApiManagement/locations/{location}/deletedservices/{name}"
    ))
}

/// The resources ARM lists in the group `group_id` whose ids (lower case) are not in `ours`.
/// Only top-level resources are listed, as ARM does.
pub async fn foreign_in_group<C: Cloud>(
    cloud: &C,
    group_id: &str,
    api_version: &str,
    ours: &std::collections::HashSet<String>,
) -> Result<Vec<String>, CloudError> {
    let listed = cloud
        .get(&format!("{group_id}/resources"), api_version)
        .await?;
    Ok(listed
        .as_ref()
        .and_then(|l| l.get("value"))
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|r| r.get("id").and_then(Value::as_str))
                .filter(|id| !ours.contains(&id.to_ascii_lowercase()))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default())
}
