//! A run's hold on state: the lock for the whole run, the document in memory, and an atomic
//! write after every recorded resource. Shared by the scheduler's tasks through `&self`.

use std::sync::Arc;

use tokio::sync::Mutex;

use crate::events::Redactor;
use crate::resource::ResourceAddress;

use super::backend::{LockInfo, StateBackend, StateLock};
use super::document::{StateDocument, StateEntry};
use super::error::StateError;
use super::guard::{check_document, check_entry};

pub struct StateSession {
    backend: Arc<dyn StateBackend>,
    lock: StateLock,
    doc: Mutex<StateDocument>,
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
        let lock = backend.lock(who).await?;
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
            doc: Mutex::new(doc),
            secrets,
        })
    }

    /// A copy of the document as it is now.
    pub async fn document(&self) -> StateDocument {
        self.doc.lock().await.clone()
    }

    /// Who holds the lock (this run).
    pub fn lock_info(&self) -> &LockInfo {
        self.lock.info()
    }

    /// Record (insert or replace) one entry and write the document. A refused entry (it
    /// holds a secret) or a failed write leaves the document as it was.
    pub async fn record(&self, entry: StateEntry) -> Result<(), StateError> {
        check_entry(&entry, &self.secrets)?;
        let mut doc = self.doc.lock().await;
        let mut next = doc.clone();
        next.resources.insert(entry.address.clone(), entry);
        self.backend.write(&mut next, &self.lock).await?;
        *doc = next;
        Ok(())
    }

    /// Forget one entry (the resource itself is not touched) and write the document.
    /// Returns the entry, `None` (and no write) when it was not there.
    pub async fn forget(
        &self,
        address: &ResourceAddress,
    ) -> Result<Option<StateEntry>, StateError> {
        let mut doc = self.doc.lock().await;
        if !doc.resources.contains_key(address) {
            return Ok(None);
        }
        let mut next = doc.clone();
        let removed = next.resources.remove(address);
        self.backend.write(&mut next, &self.lock).await?;
        *doc = next;
        Ok(removed)
    }

    /// Write the document as it is (for a run that changed nothing but wants the state
    /// created, or after a batch of in-memory edits), after checking it holds no secret.
    pub async fn save(&self) -> Result<(), StateError> {
        let mut doc = self.doc.lock().await;
        check_document(&doc, &self.secrets)?;
        let mut next = doc.clone();
        self.backend.write(&mut next, &self.lock).await?;
        *doc = next;
        Ok(())
    }

    /// Release the lock.
    pub async fn close(self) -> Result<(), StateError> {
        self.backend.unlock(self.lock).await
    }
}
