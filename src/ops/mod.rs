//! ops: the commands' work as library calls — open a project against a target with its state
//! locked, plan, apply, destroy. The CLI only parses flags, asks for consent and prints; this
//! module never touches the terminal (progress goes out as events).

mod adapters;
mod cloud_lock;
mod gitignore;
mod import;
mod in_flight;
mod project;
mod saved;
mod secrets;
mod soft_delete;
mod state;
mod target;
mod trust;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::watch;

pub use adapters::{ArmCloud, SessionRecorder, SinkReporter, event_action};
pub use cloud_lock::{CloudLock, cloud_lock_file};
pub use gitignore::ensure_gitignore;
pub use import::{ADDRESS_TAG, ENV_TAG, Imported, PROJECT_TAG, owned_tags};
pub use project::{Project, check_ids};
pub use saved::{SavedPlan, StalePlan};
pub use secrets::read_secret_outputs;
pub use soft_delete::{SoftDeleteChoice, SoftDeleted};
pub use state::{
    OpenedState, StateOptions, local_state_path, open_configured_state, open_migration, open_state,
    state_settings,
};
pub use target::{FAULTS_ENV, LOCAL_SUBSCRIPTION, PROFILE_ENV, Target, local_cloud_file};

use crate::apply::{Cloud, Engine, Observation, ObserveMode, RunReport, observe};
use crate::events::{Event, EventSink, PlanCounts, Redactor};
use crate::manifest::{LoadOptions, ManifestErrors};
use crate::plan::{self, Action, Orphan, Plan, PlanInputs, Prior};
use crate::resource::ResourceAddress;
use crate::state::{
    LockInfo, StateBackend, StateDocument, StateError, StateSession, StateSettings, open_backend,
};
use crate::ui::DurationModel;

/// Everything that can stop a command, each with what to do about it.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum OpsError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Manifest(ManifestErrors),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Render(crate::render::RenderError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Graph(crate::graph::GraphError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    State(StateError),
    #[error("{0}")]
    #[diagnostic(code(azlift::arm))]
    Arm(crate::arm::ArmError),
    #[error("{0}")]
    #[diagnostic(code(azlift::config))]
    Config(String),
    #[error("the saved plan cannot be applied: {0}")]
    #[diagnostic(
        code(azlift::stale_plan),
        help("run `azlift plan --out FILE` again and review the new plan")
    )]
    StalePlan(String),
    #[error("refusing to touch `{address}` on the word of state: {id}: {why}")]
    #[diagnostic(
        code(azlift::state::untrusted),
        help(
            "azlift updates and deletes only resources whose state record is a well-formed id inside the project and whose live tags name this project and environment; if the record is wrong, `azlift state rm {address}` forgets it without touching any resource"
        )
    )]
    Untrusted {
        address: String,
        id: String,
        why: String,
    },
    #[error(
        "`{address}` already exists in Azure ({id}) and belongs to {owner}; azlift does not take over a resource it does not own"
    )]
    #[diagnostic(
        code(azlift::not_owned),
        help(
            "adopt it with `azlift state import {address} {id}`, or give this resource another name in the manifest"
        )
    )]
    NotOwned {
        address: String,
        id: String,
        owner: String,
    },
    #[error("a soft-deleted service blocks a create; {message}")]
    #[diagnostic(
        code(azlift::soft_deleted),
        help(
            "`azlift up --recover-soft-deleted` brings it back (APIM restore; a workspace where it was), `--purge-soft-deleted` deletes it for good so a new one is made"
        )
    )]
    SoftDeleted { message: String },
    #[error("{0}")]
    #[diagnostic(
        code(azlift::state::import),
        help(
            "`azlift state import ADDRESS [ID]`: ADDRESS as the manifest names it; ID defaults to the id the manifest gives it"
        )
    )]
    Import(String),
    #[error("{message}")]
    #[diagnostic(
        code(azlift::scope),
        help(
            "an address or a prefix of one (`app`, `alert.high-error-rate`); some addresses: {known}"
        )
    )]
    Scope { message: String, known: String },
    #[error("reading ARM failed: {code}: {message}")]
    #[diagnostic(code(azlift::observe))]
    Observe { code: String, message: String },
}

/// How a command reaches its project.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    pub manifest: std::path::PathBuf,
    pub load: LoadOptions,
    pub subscription: Option<String>,
    pub local: bool,
    pub parallelism: usize,
    /// Shown in the lock (`azlift up`).
    pub command: String,
    /// `--state-url` (or `AZLIFT_STATE_URL`): a state blob that overrides `[state]`.
    pub state_url: Option<String>,
    /// `--lock-timeout`: how long to wait for another run's lock (zero: fail at once).
    pub lock_timeout: std::time::Duration,
    /// `--observe`: list operations per (group, type), or one GET per resource.
    pub observe: ObserveMode,
}

/// A project opened against its target with its state locked for the whole run.
pub struct Session {
    pub project: Project,
    pub target: Target,
    pub state: Arc<StateSession>,
    /// The state recorded no project when opened (written before azlift recorded it): its
    /// resources may predate ownership tags.
    pub legacy_state: bool,
    pub redactor: Arc<Redactor>,
    pub parallelism: usize,
    pub observe: ObserveMode,
    pub cancel: watch::Receiver<bool>,
}

/// A plan together with what it was made from.
pub struct Planned {
    pub plan: Plan,
    pub observation: Observation,
    pub orphans: Vec<Orphan>,
    /// State as it was when planned (for saved plans).
    pub state: StateDocument,
    /// Soft-deleted services that hold the name of a resource the plan creates.
    pub soft_deleted: Vec<SoftDeleted>,
    /// What `apply` does about them (set by `up` from its flags, after
    /// [`Session::settle_soft_deleted`]).
    pub soft_delete_choice: SoftDeleteChoice,
}

impl Session {
    /// Load, render, connect, and lock state (failing at once if another run holds it).
    pub async fn open(
        opts: &OpenOptions,
        cancel: watch::Receiver<bool>,
    ) -> Result<Session, OpsError> {
        let dir = opts
            .manifest
            .parent()
            .map(std::path::Path::to_path_buf)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| std::path::PathBuf::from("."));
        // Validate before connecting: a typo should not cost a TLS handshake.
        let probe_subscription = if opts.local {
            LOCAL_SUBSCRIPTION.to_string()
        } else {
            opts.subscription
                .clone()
                .unwrap_or_else(|| LOCAL_SUBSCRIPTION.to_string())
        };
        let project = Project::load(&opts.manifest, &opts.load, &probe_subscription)?;
        let redactor = Redactor::process();
        for secret in &project.loaded.secrets {
            redactor.add(secret.clone());
        }
        let choice = StateSettings::from_process(
            project.loaded.model.state.clone(),
            opts.state_url.clone(),
            &project.loaded.model.project.name,
            project.environment(),
        )
        .resolve()
        .map_err(OpsError::State)?;
        let who = LockInfo::current(opts.command.clone());
        let connect = || async {
            if opts.local {
                Target::local_locked(&dir, opts.parallelism, &who, opts.lock_timeout).await
            } else {
                Target::azure(opts.subscription.clone(), opts.parallelism)
            }
        };
        // Azure Blob with Entra ID needs the ARM target's credential (locally: the emulator's
        // token endpoint), so the target comes first; otherwise the lock is taken before any
        // connection is made.
        let mut early_target = None;
        let backend: Arc<dyn StateBackend> = if choice.needs_credential() {
            let target = connect().await?;
            let credential = target.client.credential().token_credential();
            let pem = target.emulator.as_ref().map(|e| e.ca_certificate_pem());
            let backend = open_backend(
                &choice,
                &opts.manifest,
                &project.loaded.model.project.name,
                project.environment(),
                Some(credential),
                pem.as_deref(),
            );
            early_target = Some(target);
            match backend {
                Ok(b) => b,
                Err(e) => {
                    if let Some(t) = early_target {
                        t.close().await;
                    }
                    return Err(OpsError::State(e));
                }
            }
        } else {
            open_backend(
                &choice,
                &opts.manifest,
                &project.loaded.model.project.name,
                project.environment(),
                None,
                None,
            )
            .map_err(OpsError::State)?
        };
        let state = match StateSession::open_waiting(
            backend,
            &who,
            project.environment(),
            redactor.clone(),
            opts.lock_timeout,
        )
        .await
        {
            Ok(s) => s,
            Err(e) => {
                if let Some(t) = early_target {
                    t.close().await;
                }
                return Err(OpsError::State(e));
            }
        };
        // A state of another project is refused before anything else happens.
        let legacy_state = match state.bind_project(&project.loaded.model.project.name).await {
            Ok(legacy) => legacy,
            Err(e) => {
                let _ = state.close().await;
                if let Some(t) = early_target {
                    t.close().await;
                }
                return Err(OpsError::State(e));
            }
        };
        let target = match early_target {
            Some(t) => t,
            None => match connect().await {
                Ok(t) => t,
                Err(e) => {
                    let _ = state.close().await;
                    return Err(e);
                }
            },
        };
        Ok(Session {
            project,
            target,
            state: Arc::new(state),
            legacy_state,
            redactor,
            parallelism: opts.parallelism,
            observe: opts.observe,
            cancel,
        })
    }

    fn cloud(&self) -> Arc<ArmCloud> {
        Arc::new(ArmCloud {
            client: self.target.client.clone(),
        })
    }

    /// Every resource state records, read fresh from ARM through the same observe path as
    /// `plan` (`None`: state records it but ARM no longer has it). Used by `azlift verify`.
    pub async fn observe_state(
        &self,
    ) -> Result<
        (
            StateDocument,
            HashMap<ResourceAddress, Option<crate::resource::ObservedResource>>,
        ),
        OpsError,
    > {
        let doc = self.state.document().await;
        let recorded = orphans_of(&doc, |_| true);
        let observation = observe(self.cloud(), &[], &recorded, self.parallelism, self.observe)
            .await
            .map_err(|e| OpsError::Observe {
                code: e.code,
                message: e.message,
            })?;
        Ok((doc, observation.observed))
    }

    /// What this run trusts (see `trust`): this project and environment, its subscription
    /// and groups.
    fn trust(&self, doc: &StateDocument) -> trust::Trust {
        trust::Trust::new(
            &self.project.loaded.model.project.name,
            self.project.environment(),
            &self.target.subscription_id,
            self.legacy_state,
            &self.project.desired,
            doc,
        )
    }

    /// Before applying `saved`: a plan made without state (a first deployment) fixed the
    /// lineage of the state this apply creates, so a state never written takes it. Once
    /// written, the serial moved on and the same plan is refused as stale.
    pub async fn prepare_saved(&self, saved: &SavedPlan) {
        if let Some(lineage) = saved.first_deployment_lineage() {
            self.state.adopt_lineage(lineage).await;
        }
    }

    /// Observe ARM and make the plan. Refused before any change when state records an id
    /// that cannot be trusted, or when a resource to write or delete is not this
    /// environment's (see `trust`).
    pub async fn plan(&self) -> Result<Planned, OpsError> {
        self.plan_scoped(&plan::Scope::default()).await
    }

    /// [`Session::plan`] limited to `scope` (`--target`/`--exclude`): changes outside it are
    /// left out of the plan, which records the scope.
    pub async fn plan_scoped(&self, scope: &plan::Scope) -> Result<Planned, OpsError> {
        let mut planned = self.plan_whole().await?;
        if !scope.is_all() {
            let chosen = scope
                .select(
                    &apply_graph(&self.project.desired, &planned.state),
                    plan::Direction::Apply,
                )
                .map_err(scope_error)?;
            planned.plan = planned.plan.limited_to(&chosen, scope);
            planned.orphans.retain(|o| chosen.contains(&o.address));
        }
        planned.soft_deleted = self.find_soft_deleted(&planned.plan).await?;
        soft_delete::annotate(&mut planned.plan, &planned.soft_deleted);
        Ok(planned)
    }

    async fn plan_whole(&self) -> Result<Planned, OpsError> {
        let doc = self.state.document().await;
        let trust = self.trust(&doc);
        trust.check_recorded(&doc)?;
        let desired = &self.project.desired;
        let wanted: BTreeSet<&ResourceAddress> = desired.iter().map(|d| &d.address).collect();
        let orphans = orphans_of(&doc, |a| !wanted.contains(a));
        // Identity is the id: a recorded resource whose id a desired resource now has (its
        // address changed, not its name) is that resource, never deleted: forget the old
        // address; the new one records it.
        let desired_ids: std::collections::HashSet<String> =
            desired.iter().map(|d| d.id.to_ascii_lowercase()).collect();
        let (moved, orphans): (Vec<Orphan>, Vec<Orphan>) = orphans
            .into_iter()
            .partition(|o| desired_ids.contains(&o.id.to_ascii_lowercase()));
        for m in &moved {
            self.state
                .forget(&m.address)
                .await
                .map_err(OpsError::State)?;
        }
        let observation = observe(
            self.cloud(),
            desired,
            &orphans,
            self.parallelism,
            self.observe,
        )
        .await
        .map_err(|e| OpsError::Observe {
            code: e.code,
            message: e.message,
        })?;
        let prior = prior_of(&doc, desired, &observation.observed);
        let plan = plan::build(&PlanInputs {
            desired,
            observed: &observation.observed,
            resolved: &observation.resolved,
            prior: &prior,
            orphans: &orphans,
        });
        // An orphan already gone from Azure needs no delete: drop it from state quietly.
        let mut plan = plan;
        let gone: Vec<ResourceAddress> = orphans
            .iter()
            .filter(|o| matches!(observation.observed.get(&o.address), Some(None)))
            .map(|o| o.address.clone())
            .collect();
        if !gone.is_empty() {
            for a in &gone {
                self.state.forget(a).await.map_err(OpsError::State)?;
            }
            plan = Plan::new(
                plan.changes
                    .into_iter()
                    .filter(|c| !(c.action == Action::Delete && gone.contains(&c.address)))
                    .collect(),
            );
        }
        // A managed resource that exists and matches but that state does not hold (a run killed
        // or interrupted while creating it): PUT it again (idempotent) so that state records it,
        // instead of a no-op that would leave it unmanaged (and orphaned by `down`).
        let untracked = |c: &crate::plan::Change| {
            c.action == Action::NoOp
                && !prior.contains_key(&c.address)
                && desired.iter().any(|d| d.address == c.address && d.managed)
        };
        if plan.changes.iter().any(untracked) {
            plan = Plan::new(
                plan.changes
                    .into_iter()
                    .map(|mut c| {
                        if untracked(&c) {
                            c.action = Action::Update;
                            c.reason = "exists in Azure but state does not record it (an interrupted run?): azlift records it".to_string();
                        }
                        c
                    })
                    .collect(),
            );
        }
        self.check_ownership(&trust, &plan, &observation, &doc)
            .await?;
        Ok(Planned {
            plan,
            observation,
            orphans,
            // As it is now: planning may have forgotten entries (gone, or moved to another
            // address), and a saved plan must name the state it leaves.
            state: self.state.document().await,
            soft_deleted: Vec::new(),
            soft_delete_choice: SoftDeleteChoice::default(),
        })
    }

    /// Before any change: every resource the plan writes or deletes is this environment's.
    /// A recorded one must carry its ownership tags (the old id of a rename is read for
    /// that); one that exists but is not recorded must have been made by this environment.
    async fn check_ownership(
        &self,
        trust: &trust::Trust,
        plan: &Plan,
        observation: &Observation,
        doc: &StateDocument,
    ) -> Result<(), OpsError> {
        let live = |a: &ResourceAddress| {
            observation
                .observed
                .get(a)
                .and_then(|o| o.as_ref())
                .map(|o| &o.body)
        };
        for c in plan.changes.iter().filter(|c| c.action.is_change()) {
            let recorded = doc.get(&c.address);
            if c.action == Action::Delete {
                trust.check_recorded_live(&c.address, &c.id, &c.arm_type, live(&c.address))?;
                continue;
            }
            let Some(d) = self
                .project
                .desired
                .iter()
                .find(|d| d.address == c.address && d.managed)
            else {
                continue;
            };
            if let Some(old) = &c.replaces {
                let old_body =
                    self.cloud()
                        .get(old, &c.api_version)
                        .await
                        .map_err(|e| OpsError::Observe {
                            code: e.code,
                            message: e.message,
                        })?;
                trust.check_recorded_live(&c.address, old, &c.arm_type, old_body.as_ref())?;
            }
            let same_id = recorded.is_some_and(|e| e.id.eq_ignore_ascii_case(&d.id));
            match live(&c.address) {
                Some(body) if same_id => {
                    trust.check_recorded_live(&c.address, &d.id, &d.arm_type, Some(body))?
                }
                Some(body) => trust.check_unrecorded_live(
                    &c.address,
                    &d.id,
                    d.body.get("tags").is_some(),
                    body,
                )?,
                None => {}
            }
        }
        Ok(())
    }

    async fn engine(
        &self,
        sink: Arc<dyn EventSink>,
    ) -> Engine<ArmCloud, SessionRecorder, SinkReporter> {
        // Durations recorded on earlier runs refine the per-type defaults.
        let model = Arc::new(DurationModel::from_state(&self.state.document().await));
        Engine {
            cloud: self.cloud(),
            recorder: Arc::new(SessionRecorder(self.state.clone())),
            reporter: Arc::new(SinkReporter(sink)),
            parallelism: self.parallelism,
            estimate: Arc::new(move |arm_type, sku, action| {
                model
                    .estimate_for(arm_type, sku, event_action(action))
                    .map(|d| d.as_secs_f64())
                    .unwrap_or(5.0)
            }),
        }
    }

    /// Carry out `planned`, reporting through `sink`.
    pub async fn apply(&self, planned: Planned, sink: Arc<dyn EventSink>) -> RunReport {
        let started = Instant::now();
        let tracker = in_flight::InFlight::wrap(sink, self.cancel.clone());
        let sink: Arc<dyn EventSink> = tracker.clone();
        sink.emit(Event::PlanReady {
            counts: counts(&planned.plan),
        });
        if let Err(e) = self.migrate_write_only_keys(&planned).await {
            sink.emit(Event::Warning {
                message: format!("could not store secret hashes by name yet: {e}"),
            });
        }
        let engine = self.engine(sink.clone()).await;
        let recovered;
        let desired = if planned.soft_delete_choice == SoftDeleteChoice::Recover {
            recovered = soft_delete::with_recovery(&self.project.desired, &planned.soft_deleted);
            &recovered
        } else {
            &self.project.desired
        };
        let report = engine
            .apply(
                &planned.plan,
                desired,
                &planned.orphans,
                planned.observation.known.clone(),
                self.cancel.clone(),
            )
            .await;
        emit_summary(
            &sink,
            &planned.plan,
            &report,
            started,
            tracker.at_interrupt(),
        );
        report
    }

    /// Store write-only hashes that an older azlift keyed by position under their name keys
    /// (read through the live bodies `planned` observed), for resources this run does not
    /// write anyway.
    async fn migrate_write_only_keys(&self, planned: &Planned) -> Result<(), StateError> {
        let doc = self.state.document().await;
        let prior = prior_of(&doc, &self.project.desired, &planned.observation.observed);
        for e in doc.resources.values() {
            let Some(p) = prior.get(&e.address) else {
                continue;
            };
            if p.write_only_hashes != e.write_only_hashes {
                let mut migrated = e.clone();
                migrated.write_only_hashes = p.write_only_hashes.clone();
                self.state.record(migrated).await?;
            }
        }
        Ok(())
    }

    /// Evaluate the declared outputs (`[output.NAME]`) from what is known after a run (the
    /// bodies observed and applied) and record them in state; secret ones without a value.
    pub async fn record_outputs(&self, known: &crate::apply::Known) -> Result<(), OpsError> {
        let outputs = crate::state::outputs::evaluate_declared(
            &self.project.loaded.model.outputs,
            &self.project.desired,
            &|address| known.body(address),
        );
        self.state
            .record_outputs(outputs)
            .await
            .map_err(OpsError::State)
    }

    /// Delete everything state manages, dependents first. With `purge`, workspaces are
    /// deleted for good (`force=true`) and the project's soft-deleted APIM service is purged,
    /// so the names are free at once.
    pub async fn destroy(
        &self,
        sink: Arc<dyn EventSink>,
        purge: bool,
    ) -> Result<RunReport, OpsError> {
        self.destroy_scoped(sink, purge, &plan::Scope::default())
            .await
    }

    /// [`Session::destroy`] limited to `scope`: a target goes with what depends on it, an
    /// exclusion keeps what it depends on (`plan::Scope`).
    pub async fn destroy_scoped(
        &self,
        sink: Arc<dyn EventSink>,
        purge: bool,
        scope: &plan::Scope,
    ) -> Result<RunReport, OpsError> {
        let started = Instant::now();
        let tracker = in_flight::InFlight::wrap(sink, self.cancel.clone());
        let sink: Arc<dyn EventSink> = tracker.clone();
        let doc = self.state.document().await;
        self.check_destroy(&doc).await?;
        let chosen = self.destroy_selection(&doc, scope)?;
        if chosen.is_none()
            && let Some(report) = self
                .destroy_whole_group(&doc, &sink, purge, started)
                .await?
        {
            return Ok(report);
        }
        let in_scope = |a: &ResourceAddress| chosen.as_ref().is_none_or(|c| c.contains(a));
        let mut orphans = orphans_of(&doc, in_scope);
        // A group is deleted only if nothing kept (foreign, or left out of a partial run) is
        // inside it.
        let mut deleted_doc = doc.clone();
        deleted_doc.resources.retain(|a, _| in_scope(a));
        let mut kept: Vec<ResourceAddress> = Vec::new();
        let location = self.project.loaded.model.project.location.clone();
        for o in orphans.iter_mut() {
            if purge
                && o.arm_type
                    .eq_ignore_ascii_case("Microsoft.OperationalInsights/workspaces")
            {
                o.id = format!("{}?force=true", o.id);
            }
            if purge {
                o.purge_id =
                    crate::apply::execute::purge_id_for(&o.arm_type, &o.id, Some(location.clone()));
            }
            // Never cascade a group delete over resources azlift does not manage.
            if o.managed
                && o.arm_type
                    .eq_ignore_ascii_case("Microsoft.Resources/resourceGroups")
            {
                let foreign = self.foreign_in_group(&o.id, &deleted_doc).await?;
                if !foreign.is_empty() {
                    sink.emit(Event::Warning {
                        message: format!(
                            "kept resource group `{}`: it holds {} resource(s) azlift does not manage (first: {}); it stays in state",
                            o.address,
                            foreign.len(),
                            foreign[0]
                        ),
                    });
                    kept.push(o.address.clone());
                }
            }
        }
        orphans.retain(|o| !kept.contains(&o.address));
        let plan = Plan::new(
            orphans
                .iter()
                .rev()
                .filter(|o| o.managed)
                .map(plan::Change::deletion_of)
                .collect(),
        );
        sink.emit(Event::PlanReady {
            counts: counts(&plan),
        });
        let changes: HashMap<ResourceAddress, plan::Change> = plan
            .changes
            .iter()
            .map(|c| (c.address.clone(), c.clone()))
            .collect();
        let doomed: Vec<&Orphan> = orphans.iter().filter(|o| o.managed).collect();
        let engine = self.engine(sink.clone()).await;
        let outcomes = engine
            .delete_walk(&doomed, &changes, self.cancel.clone())
            .await;
        // Resources azlift only read are forgotten, never deleted.
        for o in orphans.iter().filter(|o| !o.managed) {
            self.state
                .forget(&o.address)
                .await
                .map_err(OpsError::State)?;
        }
        let report = RunReport {
            outcomes,
            cancelled: *self.cancel.borrow(),
        };
        let apim_in_scope = chosen
            .as_ref()
            .is_none_or(|c| c.iter().any(|a| a.as_str() == "apim.service"));
        if purge && report.ok() && apim_in_scope {
            self.purge_apim(&sink).await?;
        }
        emit_summary(&sink, &plan, &report, started, tracker.at_interrupt());
        Ok(report)
    }

    /// `down` deletes only what this environment's state owns: every recorded id is
    /// trusted, and every live resource it names carries this environment's tags.
    async fn check_destroy(&self, doc: &StateDocument) -> Result<(), OpsError> {
        let trust = self.trust(doc);
        trust.check_recorded(doc)?;
        let (_, observed) = self.observe_state().await?;
        for e in doc.resources.values().filter(|e| e.managed) {
            let live = observed
                .get(&e.address)
                .and_then(|o| o.as_ref())
                .map(|o| &o.body);
            trust.check_recorded_live(&e.address, &e.id, &e.arm_type, live)?;
        }
        Ok(())
    }

    /// The state addresses a scoped `down` deletes; `None` for all of them.
    pub fn destroy_selection(
        &self,
        doc: &StateDocument,
        scope: &plan::Scope,
    ) -> Result<Option<BTreeSet<ResourceAddress>>, OpsError> {
        if scope.is_all() {
            return Ok(None);
        }
        let graph = doc
            .resources
            .values()
            .map(|e| (e.address.clone(), e.depends_on.clone()))
            .collect();
        scope
            .select(&graph, plan::Direction::Destroy)
            .map(Some)
            .map_err(scope_error)
    }

    /// Resources in the group `group_id` that state does not know (top-level ids, lower case).
    async fn foreign_in_group(
        &self,
        group_id: &str,
        doc: &StateDocument,
    ) -> Result<Vec<String>, OpsError> {
        let api = crate::kinds::ResourceKind::ResourceGroup
            .info()
            .map(|k| k.api_version)
            .unwrap_or("2025-04-01");
        let known: std::collections::HashSet<String> = doc
            .resources
            .values()
            .map(|e| e.id.to_ascii_lowercase())
            .collect();
        crate::apply::execute::foreign_in_group(self.cloud().as_ref(), group_id, api, &known)
            .await
            .map(|ids| ids.into_iter().map(|id| id.to_ascii_lowercase()).collect())
            .map_err(|e| OpsError::Observe {
                code: e.code,
                message: e.message,
            })
    }

    /// When azlift created the resource group and nothing foreign lives in it, delete it in one
    /// operation (ARM cascades to everything inside) instead of resource by resource.
    /// `None` when that does not apply.
    async fn destroy_whole_group(
        &self,
        doc: &StateDocument,
        sink: &Arc<dyn EventSink>,
        purge: bool,
        started: Instant,
    ) -> Result<Option<RunReport>, OpsError> {
        use crate::apply::Outcome;
        let Some(group) = doc.resources.values().find(|e| {
            e.managed
                && e.arm_type
                    .eq_ignore_ascii_case("Microsoft.Resources/resourceGroups")
        }) else {
            return Ok(None);
        };
        let group_prefix = format!("{}/", group.id.to_ascii_lowercase());
        // Everything azlift manages must live in that group (an existing APIM elsewhere, or a
        // custom resource in another group, needs the resource-by-resource path).
        let all_inside = doc.resources.values().all(|e| {
            e.address == group.address || e.id.to_ascii_lowercase().starts_with(&group_prefix)
        });
        let any_unmanaged = doc.resources.values().any(|e| !e.managed);
        if !all_inside || any_unmanaged || !self.foreign_in_group(&group.id, doc).await?.is_empty()
        {
            return Ok(None);
        }
        let deletions: Vec<plan::Change> = orphans_of(doc, |_| true)
            .iter()
            .rev()
            .map(plan::Change::deletion_of)
            .collect();
        let plan = Plan::new(deletions);
        sink.emit(Event::PlanReady {
            counts: counts(&plan),
        });
        let group_change = plan::Change::deletion_of(&Orphan {
            address: group.address.clone(),
            id: group.id.clone(),
            arm_type: group.arm_type.clone(),
            api_version: group.api_version.clone(),
            depends_on: Vec::new(),
            managed: true,
            purge_id: None,
        });
        let reporter = SinkReporter(sink.clone());
        use crate::apply::Reporter;
        reporter.started(&group_change, None);
        reporter.progress(
            &group.address,
            &format!(
                "deleting the group with the {} resources inside it in one operation",
                doc.resources.len() - 1
            ),
        );
        let sink_for_progress = sink.clone();
        let address = group.address.clone();
        // In flight once sent: an interrupt waits for it (see `ArmCloud`).
        let ctx = crate::arm::OpContext::new().with_events(move |e| {
            sink_for_progress.emit(Event::ResourceProgress {
                address: address.clone(),
                message: e.to_string(),
            })
        });
        let mut report = RunReport::default();
        match self
            .target
            .client
            .delete(&group.id, &group.api_version, &ctx)
            .await
        {
            Ok(_) => {
                reporter.done(&group_change, started.elapsed());
                for e in doc.resources.values() {
                    self.state
                        .forget(&e.address)
                        .await
                        .map_err(OpsError::State)?;
                    report.outcomes.insert(e.address.clone(), Outcome::Done);
                }
                if purge {
                    self.purge_apim(sink).await?;
                }
            }
            Err(e) => {
                let err = adapters::cloud_error(e);
                reporter.failed(&group.address, &err);
                report
                    .outcomes
                    .insert(group.address.clone(), Outcome::Failed(err));
            }
        }
        report.cancelled = *self.cancel.borrow();
        // The one delete was in flight when a signal came: it was waited for.
        let in_flight = if report.cancelled {
            vec![group.address.clone()]
        } else {
            Vec::new()
        };
        emit_summary(sink, &plan, &report, started, in_flight);
        Ok(Some(report))
    }

    /// Purge the project's soft-deleted APIM service, if there is one.
    async fn purge_apim(&self, sink: &Arc<dyn EventSink>) -> Result<(), OpsError> {
        let model = &self.project.loaded.model;
        let Some(crate::model::Apim {
            service: crate::model::ApimService::Managed { name, .. },
            ..
        }) = &model.apim
        else {
            return Ok(());
        };
        let service_id = format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.ApiManagement/service/{name}",
            self.target.subscription_id, model.project.resource_group
        );
        let Some(id) = crate::apply::execute::purge_id_for(
            "Microsoft.ApiManagement/service",
            &service_id,
            Some(model.project.location.clone()),
        ) else {
            return Ok(());
        };
        let api = crate::kinds::ResourceKind::ApimService
            .info()
            .map(|k| k.api_version)
            .unwrap_or("2024-05-01");
        if self
            .target
            .client
            .get(&id, api)
            .await
            .map_err(OpsError::Arm)?
            .is_some()
        {
            self.target
                .client
                .delete(&id, api, &crate::arm::OpContext::new())
                .await
                .map_err(OpsError::Arm)?;
            sink.emit(Event::Warning {
                message: format!("purged the soft-deleted API Management service {name}"),
            });
        }
        Ok(())
    }

    /// Release the lock and stop the local emulator.
    pub async fn close(self) -> Result<(), OpsError> {
        let Session { state, target, .. } = self;
        if let Ok(state) = Arc::try_unwrap(state) {
            state.close().await.map_err(OpsError::State)?;
        }
        target.close().await;
        Ok(())
    }
}

/// State entries selected by `pick`, as orphans in dependency order (dependencies first).
fn orphans_of(doc: &StateDocument, pick: impl Fn(&ResourceAddress) -> bool) -> Vec<Orphan> {
    let chosen: Vec<Orphan> = doc
        .resources
        .values()
        .filter(|e| pick(&e.address))
        .map(|e| Orphan {
            address: e.address.clone(),
            id: e.id.clone(),
            arm_type: e.arm_type.clone(),
            api_version: e.api_version.clone(),
            depends_on: e.depends_on.iter().cloned().collect(),
            managed: e.managed,
            purge_id: None,
        })
        .collect();
    // Order dependencies first (Kahn's algorithm over the recorded dependencies; entries in
    // a cycle, which state never records, keep their order at the end).
    let mut remaining = chosen;
    let mut ordered: Vec<Orphan> = Vec::with_capacity(remaining.len());
    while !remaining.is_empty() {
        let names: BTreeSet<ResourceAddress> =
            remaining.iter().map(|o| o.address.clone()).collect();
        let (ready, rest): (Vec<Orphan>, Vec<Orphan>) = remaining
            .into_iter()
            .partition(|o| o.depends_on.iter().all(|d| !names.contains(d)));
        if ready.is_empty() {
            ordered.extend(rest);
            break;
        }
        ordered.extend(ready);
        remaining = rest;
    }
    ordered
}

/// What state remembers per address, for plan. Write-only hashes recorded by position (an
/// older azlift) are re-keyed by name through the live body (`plan::migrate_keys`).
fn prior_of(
    doc: &StateDocument,
    desired: &[crate::resource::DesiredResource],
    observed: &HashMap<ResourceAddress, Option<crate::resource::ObservedResource>>,
) -> HashMap<ResourceAddress, Prior> {
    doc.resources
        .values()
        .map(|e| {
            let kind = desired
                .iter()
                .find(|d| d.address == e.address)
                .map(|d| d.kind);
            let live = observed.get(&e.address).and_then(Option::as_ref);
            let write_only_hashes = match (kind, live) {
                (Some(kind), Some(live)) => {
                    plan::migrate_keys(kind, &live.body, &e.write_only_hashes)
                }
                _ => e.write_only_hashes.clone(),
            };
            (
                e.address.clone(),
                Prior {
                    id: Some(e.id.clone()),
                    applied_hash: Some(e.applied_hash.clone()),
                    write_only_hashes,
                },
            )
        })
        .collect()
}

/// Every address of the project and its state with what it depends on: the desired graph,
/// plus what state recorded for resources the manifest no longer has.
fn apply_graph(
    desired: &[crate::resource::DesiredResource],
    doc: &StateDocument,
) -> std::collections::BTreeMap<ResourceAddress, BTreeSet<ResourceAddress>> {
    let mut graph: std::collections::BTreeMap<ResourceAddress, BTreeSet<ResourceAddress>> = doc
        .resources
        .values()
        .map(|e| (e.address.clone(), e.depends_on.clone()))
        .collect();
    for d in desired {
        graph.insert(d.address.clone(), d.depends_on.iter().cloned().collect());
    }
    graph
}

fn scope_error(e: plan::UnknownAddress) -> OpsError {
    OpsError::Scope {
        message: e.to_string(),
        known: e.known.join(", "),
    }
}

/// The plan's counts as the event vocabulary has them.
pub fn counts(plan: &Plan) -> PlanCounts {
    PlanCounts {
        create: plan.summary.create,
        update: plan.summary.update,
        replace: plan.summary.replace,
        delete: plan.summary.delete,
        unchanged: plan.summary.no_op,
    }
}

fn emit_summary(
    sink: &Arc<dyn EventSink>,
    plan: &Plan,
    report: &RunReport,
    started: Instant,
    in_flight: Vec<ResourceAddress>,
) {
    use crate::apply::Outcome;
    if report.cancelled {
        sink.emit(Event::Interrupted {
            // The operations running when the signal came, all waited for.
            in_flight,
            not_started: report.count(|o| matches!(o, Outcome::Cancelled)),
            forced: false,
        });
    }
    let done_with = |a: Action| {
        plan.changes
            .iter()
            .filter(|c| c.action == a)
            .filter(|c| matches!(report.outcomes.get(&c.address), Some(Outcome::Done)))
            .count()
    };
    sink.emit(Event::Summary {
        created: done_with(Action::Create),
        updated: done_with(Action::Update),
        replaced: done_with(Action::Replace),
        deleted: done_with(Action::Delete),
        failed: report.count(|o| matches!(o, Outcome::Failed(_))),
        skipped: report.count(|o| matches!(o, Outcome::Skipped { .. })),
        elapsed: started.elapsed(),
    });
}
