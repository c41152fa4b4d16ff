//! A run's hold on state: the lock for the whole run, the document in memory, and a durable
//! write after every recorded resource. Shared by the scheduler's tasks through `&self`.
//!
//! Writes are group-committed and incremental: a record returns once a write that includes
//! it is durable; when several tasks finish while a write is under way, the next write
//! carries all of them, and a write hands the backend only the changes since the last one
//! ([`StateBackend::append`]), so its cost does not grow with the number of resources.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use crate::events::Redactor;
use crate::resource::ResourceAddress;

use super::backend::{LockInfo, StateBackend, StateLock};
use super::document::{OutputEntry, StateDocument, StateEntry};
use super::error::StateError;
use super::guard::{check_document, check_entry};
use super::journal::StateChange;

/// The document in memory and what is not yet durable.
struct Pending {
    /// The latest document (with changes maybe not yet written); its serial is the stored one.
    doc: StateDocument,
    /// Changes made since the last durable write, in order.
    changes: Vec<StateChange>,
    /// How many changes were ever made.
    count: u64,
}

pub struct StateSession {
    backend: Arc<dyn StateBackend>,
    lock: StateLock,
    doc: Mutex<Pending>,
    /// Held while writing; holds the change count of the last durable write.
    written: Mutex<u64>,
    secrets: Arc<Redactor>,
}

impl StateSession {
    /// Lock `backend` (failing at once if another run holds it) and read its document, or
    /// start a new one for `environment`.
    pub async fn open(
        backend: Arc<dyn StateBackend>,
        who: &LockInfo,
        environment: &str,
        secrets: Arc<Redactor>,
    ) -> Result<Self, StateError> {
        Self::open_waiting(backend, who, environment, secrets, Duration::ZERO).await
    }

    /// [`StateSession::open`], but while another run holds the lock, try again for up to
    /// `wait` (`--lock-timeout`) before failing with that holder named.
    pub async fn open_waiting(
        backend: Arc<dyn StateBackend>,
        who: &LockInfo,
        environment: &str,
        secrets: Arc<Redactor>,
        wait: Duration,
    ) -> Result<Self, StateError> {
        let lock = lock_waiting(backend.as_ref(), who, wait).await?;
        let doc = match backend.read().await {
            Ok(Some(doc)) if doc.environment != environment => {
                let err = StateError::EnvironmentMismatch {
                    location: backend.location(),
                    expected: environment.to_string(),
                    found: doc.environment,
                };
                backend.unlock(lock).await?;
                return Err(err);
            }
            Ok(Some(doc)) => doc,
            Ok(None) => StateDocument::new(environment),
            Err(e) => {
                backend.unlock(lock).await?;
                return Err(e);
            }
        };
        Ok(StateSession {
            backend,
            lock,
            doc: Mutex::new(Pending {
                doc,
                changes: Vec::new(),
                count: 0,
            }),
            written: Mutex::new(0),
            secrets,
        })
    }

    /// Bind this state to `project`: refuse (and release the lock) when it belongs to
    /// another project; a state that records none (written before azlift recorded it) is
    /// claimed, written at the next write. Returns whether the state had no project
    /// recorded (its resources may predate ownership tags).
    pub async fn bind_project(&self, project: &str) -> Result<bool, StateError> {
        let mut p = self.doc.lock().await;
        if p.doc.serial == 0 && p.doc.resources.is_empty() && p.doc.project.is_none() {
            // A new state: it is this project's from its first write.
            p.doc.project = Some(project.to_string());
            return Ok(false);
        }
        let location = self.backend.location();
        p.doc.claim(project, &location)
    }

    /// A copy of the document as it is now (including changes being written).
    pub async fn document(&self) -> StateDocument {
        self.doc.lock().await.doc.clone()
    }

    /// Give a state that was never written the lineage `lineage` (a saved plan of a first
    /// deployment fixed it when it was made). Returns `false`, changing nothing, when the
    /// state was already written: its lineage is its own for life.
    pub async fn adopt_lineage(&self, lineage: uuid::Uuid) -> bool {
        let mut p = self.doc.lock().await;
        if p.doc.serial != 0 || !p.doc.resources.is_empty() {
            return false;
        }
        p.doc.lineage = lineage;
        true
    }

    /// Where the state is (see [`StateBackend::location`]; never carries a SAS).
    pub fn location(&self) -> String {
        self.backend.location()
    }

    /// Who holds the lock (this run).
    pub fn lock_info(&self) -> &LockInfo {
        self.lock.info()
    }

    /// Record (insert or replace) one entry and return once it is written. An entry that
    /// holds a secret is refused and never enters the document. If the write fails, the
    /// entry stays in the document in memory (the resource exists) and the next write
    /// carries it.
    pub async fn record(&self, entry: StateEntry) -> Result<(), StateError> {
        check_entry(&entry, &self.secrets)?;
        let change = {
            let mut p = self.doc.lock().await;
            let change = StateChange::Record(Box::new(entry));
            change.apply(&mut p.doc);
            p.changes.push(change);
            p.count += 1;
            p.count
        };
        self.commit(change).await
    }

    /// Forget one entry (the resource itself is not touched) and return once that is
    /// written. Returns the entry, `None` (and no write) when it was not there.
    pub async fn forget(
        &self,
        address: &ResourceAddress,
    ) -> Result<Option<StateEntry>, StateError> {
        let (removed, change) = {
            let mut p = self.doc.lock().await;
            let Some(removed) = p.doc.resources.remove(address) else {
                return Ok(None);
            };
            p.changes.push(StateChange::Forget(address.clone()));
            p.count += 1;
            (removed, p.count)
        };
        self.commit(change).await?;
        Ok(Some(removed))
    }

    /// Replace the declared outputs and write them when they changed. Refused (and not
    /// written) if a value holds a secret.
    pub async fn record_outputs(
        &self,
        outputs: BTreeMap<String, OutputEntry>,
    ) -> Result<(), StateError> {
        let change = {
            let mut p = self.doc.lock().await;
            if p.doc.outputs == outputs {
                return Ok(());
            }
            let before = std::mem::replace(&mut p.doc.outputs, outputs.clone());
            if let Err(e) = check_document(&p.doc, &self.secrets) {
                p.doc.outputs = before;
                return Err(e);
            }
            // Journalled like an entry, so a run killed before compaction keeps them.
            p.changes.push(StateChange::Outputs(outputs));
            p.count += 1;
            p.count
        };
        self.commit(change).await
    }

    /// Write the document as it is (for a run that changed nothing but wants the state
    /// created), after checking it holds no secret.
    pub async fn save(&self) -> Result<(), StateError> {
        let change = {
            let mut p = self.doc.lock().await;
            check_document(&p.doc, &self.secrets)?;
            p.count += 1;
            p.count
        };
        self.commit(change).await
    }

    /// Make change number `change` durable: return at once if a write since included it,
    /// otherwise write every change not yet written. The document stays locked during the
    /// write (the backend reads it, and no change may slip in between), so tasks finishing
    /// meanwhile queue up and share the next write.
    async fn commit(&self, change: u64) -> Result<(), StateError> {
        let mut written = self.written.lock().await;
        if *written >= change {
            return Ok(());
        }
        let mut p = self.doc.lock().await;
        let upto = p.count;
        let changes = std::mem::take(&mut p.changes);
        if let Err(e) = self.backend.append(&mut p.doc, &changes, &self.lock).await {
            // Not durable: the next write carries them (the document still holds them).
            let later = std::mem::replace(&mut p.changes, changes);
            p.changes.extend(later);
            return Err(e);
        }
        *written = upto;
        Ok(())
    }

    /// Release the lock.
    pub async fn close(self) -> Result<(), StateError> {
        self.backend.unlock(self.lock).await
    }
}

/// Take `backend`'s lock, retrying every half second (or less) for up to `wait` while another
/// run holds it. With a zero `wait` this is one attempt.
pub async fn lock_waiting(
    backend: &dyn StateBackend,
    who: &LockInfo,
    wait: Duration,
) -> Result<StateLock, StateError> {
    let deadline = Instant::now() + wait;
    loop {
        match backend.lock(who).await {
            Err(StateError::Locked { .. }) if Instant::now() < deadline => {
                let left = deadline.saturating_duration_since(Instant::now());
                tokio::time::sleep(left.min(Duration::from_millis(500))).await;
            }
            other => return other,
        }
    }
}
