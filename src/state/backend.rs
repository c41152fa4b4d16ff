//! The storage contract every state backend meets (local file, Azure Blob): an exclusive
//! lock held for a whole run, reads, writes with optimistic concurrency on the document's
//! serial and lineage, and the recovery operations (history, versions, force-unlock).

use std::any::Any;
use std::fmt;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::document::{StateDocument, now};
use super::error::StateError;
use super::journal::StateChange;

/// Who holds a lock: shown to the run that finds the state locked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    /// A fresh id per lock, for `force-unlock`-style tools.
    pub id: String,
    pub user: String,
    pub host: String,
    pub pid: u32,
    /// The command line that took the lock, e.g. `azlift up`.
    pub command: String,
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
}

impl LockInfo {
    /// This process, running `command`, now.
    pub fn current(command: impl Into<String>) -> Self {
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            user: whoami::username()
                .ok()
                .or_else(|| std::env::var("USER").ok())
                .unwrap_or_else(|| "unknown".to_string()),
            host: whoami::hostname().unwrap_or_else(|_| "unknown-host".to_string()),
            pid: std::process::id(),
            command: command.into(),
            since: now(),
        }
    }
}

impl fmt::Display for LockInfo {
    /// `user@host (pid 42, `azlift up`) since 2026-11-25T15:56:07Z`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let since = self
            .since
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|_| self.since.to_string());
        write!(
            f,
            "{}@{} (pid {}, `{}`) since {}",
            self.user, self.host, self.pid, self.command, since
        )
    }
}

/// A held lock. Dropping it releases the lock (best effort); [`StateBackend::unlock`]
/// releases it and reports errors.
pub struct StateLock {
    info: LockInfo,
    location: String,
    /// Whatever keeps the lock held: an open locked file, a lease renewer...
    _guard: Box<dyn Any + Send + Sync>,
}

impl StateLock {
    /// For backends: a lock on `location` kept alive by `guard`.
    pub fn new(info: LockInfo, location: String, guard: Box<dyn Any + Send + Sync>) -> Self {
        StateLock {
            info,
            location,
            _guard: guard,
        }
    }

    pub fn info(&self) -> &LockInfo {
        &self.info
    }

    /// The backend location this lock was taken on (see [`StateBackend::location`]).
    pub fn location(&self) -> &str {
        &self.location
    }

    /// For backends: the guard they gave [`StateLock::new`], if it is a `T`.
    pub fn guard<T: 'static>(&self) -> Option<&T> {
        self._guard.downcast_ref::<T>()
    }
}

/// One stored version of the state, for `azlift state history`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StateVersion {
    /// What `azlift state pull --version` takes: `current`, or the snapshot time of an earlier
    /// version (Azure Blob), or `backup` (local).
    pub id: String,
    pub serial: Option<u64>,
    pub lineage: Option<uuid::Uuid>,
    /// When this version was written.
    #[serde(with = "time::serde::rfc3339::option")]
    pub time: Option<OffsetDateTime>,
    /// `true` for the version in force.
    pub current: bool,
}

/// Who holds (or last held without releasing) a backend's lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockHolder {
    pub info: LockInfo,
    /// `true` while the lock is held (a live lease, a locked file); `false` when the holder
    /// ended without releasing it (a stale lock).
    pub active: bool,
}

impl fmt::Debug for StateLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StateLock")
            .field("info", &self.info)
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

/// Where state lives. A remote backend (Azure Blob with a lease) implements the same
/// operations; callers never look past this trait.
#[async_trait]
pub trait StateBackend: Send + Sync {
    /// A human description of where the state is (`.azlift/blog08/dev/state.json`,
    /// `https://acct.blob.../state/dev.json`), also used to match locks to backends.
    fn location(&self) -> String;

    /// Take the exclusive lock at once or fail with [`StateError::Locked`] naming the holder.
    /// A holder that died must not block (the OS or the lease expiry releases it).
    async fn lock(&self, who: &LockInfo) -> Result<StateLock, StateError>;

    /// The stored document, `None` when there is none yet. Needs no lock.
    async fn read(&self) -> Result<Option<StateDocument>, StateError>;

    /// Store `doc` atomically. Refused unless the stored document has `doc.serial` and
    /// `doc.lineage` (or nothing is stored and `doc.serial` is 0). On success `doc.serial`
    /// is incremented to the stored serial.
    async fn write(&self, doc: &mut StateDocument, lock: &StateLock) -> Result<(), StateError>;

    /// Store `changes`, which took the stored document (serial `doc.serial`) to `doc`, with
    /// the same checks and result as [`StateBackend::write`]. A backend with a journal appends
    /// only the changes, so the cost does not grow with the document; the default writes `doc`
    /// whole.
    async fn append(
        &self,
        doc: &mut StateDocument,
        changes: &[StateChange],
        lock: &StateLock,
    ) -> Result<(), StateError> {
        let _ = changes;
        self.write(doc, lock).await
    }

    /// Release the lock.
    async fn unlock(&self, lock: StateLock) -> Result<(), StateError>;

    /// Store `doc` as it is, serial included, where nothing is stored yet (`state migrate`).
    /// Refused with [`StateError::Conflict`] when a document is already stored.
    async fn create(&self, doc: &StateDocument, lock: &StateLock) -> Result<(), StateError>;

    /// The versions kept, newest first (the current one included when there is one).
    async fn history(&self) -> Result<Vec<StateVersion>, StateError>;

    /// One version from [`StateBackend::history`], by id.
    async fn read_version(&self, id: &str) -> Result<StateDocument, StateError>;

    /// Who holds the lock, or held it and never released it; `None` when it is free.
    async fn holder(&self) -> Result<Option<LockHolder>, StateError>;

    /// Break the lock whoever holds it and clear its holder info (`state force-unlock`).
    /// Returns the holder it cleared, `None` when there was nothing to break.
    async fn force_unlock(&self) -> Result<Option<LockInfo>, StateError>;
}

/// How often, and how far apart, a run refused the lock looks for the holder's info.
const HOLDER_READS: u32 = 20;
const HOLDER_READ_PAUSE: std::time::Duration = std::time::Duration::from_millis(100);

/// The holder's info, as `read` finds it. A holder records its info just after it takes the
/// lock, so a run that lost the race by milliseconds can find none yet: `read` is tried up to
/// 20 times, 100 ms apart (2 s at most), before the holder goes unnamed.
pub(super) async fn holder_once_written<F, Fut, E>(mut read: F) -> Result<Option<LockInfo>, E>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<LockInfo>, E>>,
{
    for attempt in 0..HOLDER_READS {
        if attempt > 0 {
            tokio::time::sleep(HOLDER_READ_PAUSE).await;
        }
        if let Some(holder) = read().await? {
            return Ok(Some(holder));
        }
    }
    Ok(None)
}
