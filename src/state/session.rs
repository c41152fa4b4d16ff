//! A run's hold on state: the lock for the whole run, the document in memory, and an atomic
//! write after every recorded resource. Shared by the scheduler's tasks through `&self`.
//!
//! Writes are group-committed: a record returns once a write that includes it is durable.
//! When several tasks finish while a write is under way, the next write carries all of
//! them, so state never costs more than one write (two fsyncs) per burst of finished
//! resources, however high the parallelism.

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

pub struct StateSession {
    backend: Arc<dyn StateBackend>,
    lock: StateLock,
    /// The latest document (with changes maybe not yet written) and its change count.
    doc: Mutex<(StateDocument, u64)>,
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
            doc: Mutex::new((doc, 0)),
            written: Mutex::new(0),
            secrets,
        })
    }

    /// A copy of the document as it is now (including changes being written).
    pub async fn document(&self) -> StateDocument {
        self.doc.lock().await.0.clone()
    }

    /// Give a state that was never written the lineage `lineage` (a saved plan of a first
    /// deployment fixed it when it was made). Returns `false`, changing nothing, when the
    /// state was already written: its lineage is its own for life.
    pub async fn adopt_lineage(&self, lineage: uuid::Uuid) -> bool {
        let mut doc = self.doc.lock().await;
        if doc.0.serial != 0 || !doc.0.resources.is_empty() {
            return false;
        }
        doc.0.lineage = lineage;
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
            let mut doc = self.doc.lock().await;
            doc.0.resources.insert(entry.address.clone(), entry);
            doc.1 += 1;
            doc.1
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
            let mut doc = self.doc.lock().await;
            let Some(removed) = doc.0.resources.remove(address) else {
                return Ok(None);
            };
            doc.1 += 1;
            (removed, doc.1)
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
            let mut doc = self.doc.lock().await;
            if doc.0.outputs == outputs {
                return Ok(());
            }
            let before = std::mem::replace(&mut doc.0.outputs, outputs);
            if let Err(e) = check_document(&doc.0, &self.secrets) {
                doc.0.outputs = before;
                return Err(e);
            }
            doc.1 += 1;
            doc.1
        };
        self.commit(change).await
    }

    /// Write the document as it is (for a run that changed nothing but wants the state
    /// created), after checking it holds no secret.
    pub async fn save(&self) -> Result<(), StateError> {
        let change = {
            let mut doc = self.doc.lock().await;
            check_document(&doc.0, &self.secrets)?;
            doc.1 += 1;
            doc.1
        };
        self.commit(change).await
    }

    /// Make change number `change` durable: return at once if a write since included it,
    /// otherwise write the latest document (which includes every change so far).
    async fn commit(&self, change: u64) -> Result<(), StateError> {
        let mut written = self.written.lock().await;
        if *written >= change {
            return Ok(());
        }
        let (mut snapshot, upto) = {
            let doc = self.doc.lock().await;
            (doc.0.clone(), doc.1)
        };
        self.backend.write(&mut snapshot, &self.lock).await?;
        // Writes are serialised by `written`, so the stored serial is this one.
        self.doc.lock().await.0.serial = snapshot.serial;
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
