//! The Azure Blob Storage backend (`[state] backend = "azblob"`), on the official
//! `azure_storage_blob` crate over azlift's one reqwest client.
//!
//! - The document is the block blob `<key>`. Every write is conditional on the ETag this
//!   backend last read or wrote (`If-Match`; `If-None-Match: *` for the first), so a write that
//!   lost a race is refused, never silently overwritten.
//! - During a run each write appends one record to the append blob `<key>.journal`
//!   (conditional on the journal's ETag), so it costs what changed, not the document's size;
//!   reading replays the journal onto the document. When the run releases its lock (or the
//!   next run takes it) the journal is compacted into `<key>` and deleted.
//! - Before each overwrite the current version is kept as a blob snapshot (taken with the
//!   same `If-Match`), so there is one version per run; `history` lists the snapshots, each
//!   tagged with its serial and lineage in metadata.
//! - The lock is a finite lease (60 s by default) on a separate blob `<key>.lock`, renewed
//!   in the background by a task the [`StateLock`] owns; the holder's info is that blob's
//!   metadata. A lease on a separate blob keeps lease renewals and holder metadata from
//!   changing the state blob's ETag, and leaves the state blob writable by ETag alone (the
//!   protection that also catches a writer that ignores the lock).
//! - A holder that ended without releasing (killed) leaves its info behind: once its lease
//!   has expired, or at once when it ran on this host and its pid is gone, the next run
//!   reports a stale lock and `azlift state force-unlock` clears it.

mod holder;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use azure_core::credentials::TokenCredential;
use azure_core::error::ErrorKind;
use azure_core::http::{ClientOptions, Etag, RequestContent, StatusCode, Transport};
use azure_storage_blob::models::{
    AppendBlobClientAppendBlockOptions, AppendBlobClientAppendBlockResultHeaders,
    AppendBlobClientCreateOptions, AppendBlobClientCreateResultHeaders,
    BlobClientAcquireLeaseOptions, BlobClientAcquireLeaseResultHeaders,
    BlobClientBreakLeaseOptions, BlobClientDownloadOptions, BlobClientGetPropertiesResultHeaders,
    BlobClientReleaseLeaseOptions, BlobClientRenewLeaseOptions, BlobClientSetMetadataOptions,
    BlobContainerClientListBlobsOptions, BlockBlobClientUploadOptions, LeaseState,
    ListBlobsIncludeItem,
};
use azure_storage_blob::models::{BlobClientCreateSnapshotOptions, BlobClientDeleteOptions};
use azure_storage_blob::{
    BlobClient, BlobClientOptions, BlobContainerClient, BlobContainerClientOptions,
};
use futures::StreamExt;
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::backend::{
    LockHolder, LockInfo, StateBackend, StateLock, StateVersion, holder_once_written,
};
use super::config::BlobLocation;
use super::document::{FORMAT_VERSION, StateDocument};
use super::error::StateError;
use super::journal::{JournalRecord, StateChange, replay};
use super::local::parse;

/// How long a lease lasts unless renewed. Azure allows 15 to 60 seconds.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);

/// The version id of the blob in force.
const CURRENT: &str = "current";

/// The largest journal record appended as one block (Azure's smallest block limit is
/// 4 MiB); a larger write stores the whole document instead.
const MAX_APPEND: usize = 4 * 1024 * 1024;

/// State in a block blob.
pub struct AzBlobBackend {
    loc: BlobLocation,
    state: BlobClient,
    /// The append blob `<key>.journal`.
    journal: BlobClient,
    lock_blob: Arc<BlobClient>,
    container: BlobContainerClient,
    /// Kept to make snapshot clients.
    credential: Option<Arc<dyn TokenCredential>>,
    options: BlobClientOptions,
    lease: Duration,
    /// The stored document's ETag, serial and lineage as this backend last read or wrote it.
    seen: Mutex<Option<Seen>>,
}

#[derive(Debug, Clone)]
struct Seen {
    etag: Etag,
    serial: u64,
    lineage: Uuid,
    /// The journal's ETag, `None` when there is no journal.
    journal: Option<Etag>,
}

impl std::fmt::Debug for AzBlobBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AzBlobBackend")
            .field("location", &self.loc)
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

impl AzBlobBackend {
    /// A backend for `loc`. Without a SAS in `loc`, `credential` (an Entra ID credential, used
    /// with scope `https://storage.azure.com/.default`) is required and the endpoint must be
    /// https. `http` is the transport (trusting `AZLIFT_CA_CERT` and, locally, the emulator).
    pub fn new(
        loc: BlobLocation,
        credential: Option<Arc<dyn TokenCredential>>,
        http: reqwest::Client,
    ) -> Result<Self, StateError> {
        let credential = if loc.sas.is_some() { None } else { credential };
        if loc.sas.is_none() && credential.is_none() {
            return Err(StateError::Config {
                message: format!("no credential for the state blob {}", loc.display_url()),
                help: "set AZLIFT_STATE_SAS, or give azlift an Entra ID credential (see docs/credentials.md)".to_string(),
            });
        }
        let options = BlobClientOptions {
            client_options: ClientOptions {
                transport: Some(Transport::new(Arc::new(http))),
                // A dead endpoint fails within seconds, with its cause.
                retry: crate::arm::credentials::quick_retries(),
                ..Default::default()
            },
            ..Default::default()
        };
        let remote = |e: azure_core::Error| StateError::Remote {
            action: "connect to",
            location: loc.display_url(),
            message: redact_signatures(&e.to_string()),
            help: "check [state] endpoint, container and key (or --state-url)".to_string(),
        };
        let state = BlobClient::new(
            loc.blob_url(&loc.key)?,
            credential.clone(),
            Some(options.clone()),
        )
        .map_err(remote)?;
        let journal = BlobClient::new(
            loc.blob_url(&loc.journal_key())?,
            credential.clone(),
            Some(options.clone()),
        )
        .map_err(remote)?;
        let lock_blob = BlobClient::new(
            loc.blob_url(&loc.lock_key())?,
            credential.clone(),
            Some(options.clone()),
        )
        .map_err(remote)?;
        let container_options = BlobContainerClientOptions {
            client_options: options.client_options.clone(),
            ..Default::default()
        };
        let container = BlobContainerClient::new(
            loc.container_url()?,
            credential.clone(),
            Some(container_options),
        )
        .map_err(remote)?;
        Ok(AzBlobBackend {
            loc,
            state,
            journal,
            lock_blob: Arc::new(lock_blob),
            container,
            credential,
            options,
            lease: DEFAULT_LEASE,
            seen: Mutex::new(None),
        })
    }

    /// Use leases of `lease` (clamped to Azure's 15 to 60 seconds).
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease.clamp(Duration::from_secs(15), Duration::from_secs(60));
        self
    }

    pub fn blob_location(&self) -> &BlobLocation {
        &self.loc
    }

    fn lock_location(&self) -> String {
        format!(
            "{}/{}/{}",
            self.loc.service.as_str().trim_end_matches('/'),
            self.loc.container,
            self.loc.lock_key()
        )
    }

    fn remote(&self, action: &'static str, e: &azure_core::Error) -> StateError {
        remote_error(action, &self.loc.display_url(), e, self.loc.sas.is_some())
    }

    fn set_seen(&self, seen: Option<Seen>) {
        if let Ok(mut s) = self.seen.lock() {
            *s = seen;
        }
    }

    fn seen(&self) -> Option<Seen> {
        self.seen.lock().ok().and_then(|s| s.clone())
    }

    /// Download `client`'s blob: its bytes and ETag, `None` when there is no such blob.
    async fn download(
        &self,
        client: &BlobClient,
    ) -> Result<Option<(Vec<u8>, Option<Etag>)>, StateError> {
        let options = BlobClientDownloadOptions {
            parallel: std::num::NonZero::new(1),
            ..Default::default()
        };
        let result = match client.download(Some(options)).await {
            Ok(r) => r,
            Err(e) if is_not_found(&e) && !is_container_missing(&e) => return Ok(None),
            Err(e) => return Err(self.remote("read", &e)),
        };
        let etag = result.properties.etag.clone();
        let bytes = result
            .body
            .collect()
            .await
            .map_err(|e| self.remote("read", &e))?;
        Ok(Some((bytes.to_vec(), etag)))
    }

    fn parse(&self, bytes: &[u8]) -> Result<StateDocument, StateError> {
        parse(std::path::Path::new(&self.loc.display_url()), bytes)
    }

    /// Why a conditional write was refused: the stored document is of another lineage, or
    /// it changed behind this run's back.
    async fn diagnose(&self, doc: &StateDocument) -> StateError {
        match self.download(&self.state).await {
            Ok(Some((bytes, _))) => match self.parse(&bytes) {
                Ok(stored) if stored.lineage != doc.lineage => StateError::LineageMismatch {
                    expected: doc.lineage,
                    found: stored.lineage,
                },
                _ => StateError::ConcurrentWrite {
                    location: self.loc.display_url(),
                },
            },
            Ok(None) => StateError::Conflict {
                expected: doc.serial,
                found: 0,
            },
            Err(e) => e,
        }
    }

    /// Upload `doc` (serialised) with the given precondition; on success remember its ETag.
    async fn upload(
        &self,
        doc: &StateDocument,
        precondition: Precondition,
    ) -> Result<(), StateError> {
        let mut bytes = serde_json::to_vec_pretty(doc).map_err(StateError::Serialise)?;
        bytes.push(b'\n');
        let mut options = BlockBlobClientUploadOptions {
            blob_content_type: Some("application/json".to_string()),
            metadata: Some(HashMap::from([
                (holder::SERIAL.to_string(), doc.serial.to_string()),
                (holder::LINEAGE.to_string(), doc.lineage.to_string()),
            ])),
            ..Default::default()
        };
        match &precondition {
            Precondition::Match(etag) => options.if_match = Some(etag.clone()),
            Precondition::Absent => options.if_none_match = Some(Etag::from("*")),
        }
        let result = self
            .state
            .upload(RequestContent::from(bytes), Some(options))
            .await;
        match result {
            Ok(r) => {
                let etag = r.etag.ok_or_else(|| StateError::Remote {
                    action: "write",
                    location: self.loc.display_url(),
                    message: "the storage service returned no ETag".to_string(),
                    help: "this storage endpoint does not behave like Azure Blob Storage"
                        .to_string(),
                })?;
                let journal = self.seen().and_then(|s| s.journal);
                self.set_seen(Some(Seen {
                    etag,
                    serial: doc.serial,
                    lineage: doc.lineage,
                    journal,
                }));
                Ok(())
            }
            Err(e) if is_precondition_failure(&e) => Err(self.diagnose(doc).await),
            Err(e) => Err(self.remote("write", &e)),
        }
    }

    /// Read the lock blob's holder and lease state; `None` when the lock blob does not exist.
    async fn lock_properties(&self) -> Result<Option<(Option<LockInfo>, bool)>, StateError> {
        match self.lock_blob.get_properties(None).await {
            Ok(props) => {
                let meta = props.metadata().unwrap_or_default();
                let leased = matches!(props.lease_state(), Ok(Some(LeaseState::Leased)));
                Ok(Some((holder::from_metadata(&meta), leased)))
            }
            Err(e) if is_not_found(&e) && !is_container_missing(&e) => Ok(None),
            Err(e) => Err(self.remote("read the lock of", &e)),
        }
    }

    /// Create the (empty) lock blob unless it exists.
    async fn ensure_lock_blob(&self) -> Result<(), StateError> {
        let options = BlockBlobClientUploadOptions {
            if_none_match: Some(Etag::from("*")),
            ..Default::default()
        };
        match self
            .lock_blob
            .upload(RequestContent::from(Vec::new()), Some(options))
            .await
        {
            Ok(_) => Ok(()),
            Err(e)
                if is_precondition_failure(&e) || e.http_status() == Some(StatusCode::Conflict) =>
            {
                Ok(())
            }
            Err(e) => Err(self.remote("create the lock of", &e)),
        }
    }

    /// The error for a lock someone else holds: stale when the holder ran on this host and
    /// is gone.
    fn held_by(&self, holder: Option<LockInfo>) -> StateError {
        if let Some(h) = &holder
            && h.host == this_host()
            && holder::process_alive(h.pid) == Some(false)
        {
            return StateError::StaleLock {
                holder: Box::new(h.clone()),
                reason: format!(
                    "its process (pid {}) is no longer running on this host",
                    h.pid
                ),
                location: self.lock_location(),
            };
        }
        StateError::Locked {
            holder: holder.map(Box::new),
            location: self.lock_location(),
            help: format!(
                "wait for that run to finish (or pass --lock-timeout 5m to wait for it); if it was killed, its lease runs out within {} s and the next run reports a stale lock",
                self.lease.as_secs()
            ),
        }
    }

    /// Delete the snapshots beyond the newest `keep_versions` (0 keeps all). Snapshot ids
    /// are ISO 8601 times of fixed width, so their text order is their age. Returns how
    /// many were deleted.
    pub async fn prune(&self) -> Result<usize, StateError> {
        let keep = self.loc.keep_versions as usize;
        if keep == 0 {
            return Ok(0);
        }
        let mut snapshots: Vec<String> = self
            .history()
            .await?
            .into_iter()
            .filter(|v| !v.current)
            .map(|v| v.id)
            .collect();
        snapshots.sort_unstable_by(|a, b| b.cmp(a));
        let mut deleted = 0;
        for id in snapshots.iter().skip(keep) {
            let options = BlobClientDeleteOptions {
                snapshot: Some(id.clone()),
                ..Default::default()
            };
            match self.state.delete(Some(options)).await {
                Ok(_) => deleted += 1,
                Err(e) if is_not_found(&e) => {}
                Err(e) => return Err(self.remote("delete an old version of", &e)),
            }
        }
        Ok(deleted)
    }

    fn snapshot_client(&self, id: &str) -> Result<BlobClient, StateError> {
        let mut url = self.loc.blob_url(&self.loc.key)?;
        url.query_pairs_mut().append_pair("snapshot", id);
        BlobClient::new(url, self.credential.clone(), Some(self.options.clone()))
            .map_err(|e| self.remote("read", &e))
    }
}

enum Precondition {
    Match(Etag),
    Absent,
}

/// What keeps a lease alive: the renewing task (stopped when this is dropped), the lease id,
/// and whether renewing failed (then writes are refused).
struct LeaseGuard {
    lease_id: String,
    renewer: JoinHandle<()>,
    lost: Arc<Mutex<Option<String>>>,
    released: AtomicBool,
    client: Arc<BlobClient>,
}

impl LeaseGuard {
    fn lost(&self) -> Option<String> {
        self.lost.lock().ok().and_then(|l| l.clone())
    }
}

impl Drop for LeaseGuard {
    /// Stop renewing. A lock dropped without `unlock` (an error path) is still released, so
    /// that the next run does not find a stale lock: at once on a multi-threaded runtime, in
    /// the background on a single-threaded one; without a runtime its lease runs out.
    fn drop(&mut self) {
        self.renewer.abort();
        if self.released.load(Ordering::SeqCst) {
            return;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let client = self.client.clone();
        let lease_id = self.lease_id.clone();
        let work = async move {
            let _ =
                tokio::time::timeout(Duration::from_secs(10), release(&client, &lease_id)).await;
        };
        match handle.runtime_flavor() {
            tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(|| handle.block_on(work));
            }
            _ => {
                handle.spawn(work);
            }
        }
    }
}

/// Clear the holder info and release the lease.
async fn release(client: &BlobClient, lease_id: &str) -> Result<(), azure_core::Error> {
    let options = BlobClientSetMetadataOptions {
        lease_id: Some(lease_id.to_string()),
        ..Default::default()
    };
    client.set_metadata(&HashMap::new(), Some(options)).await?;
    client
        .release_lease(
            lease_id.to_string(),
            Some(BlobClientReleaseLeaseOptions::default()),
        )
        .await?;
    Ok(())
}

fn this_host() -> String {
    LockInfo::current("").host
}

#[async_trait]
impl StateBackend for AzBlobBackend {
    fn location(&self) -> String {
        self.loc.display_url()
    }

    async fn lock(&self, who: &LockInfo) -> Result<StateLock, StateError> {
        let seconds = i32::try_from(self.lease.as_secs()).unwrap_or(60);
        let acquire = || {
            let options = BlobClientAcquireLeaseOptions {
                proposed_lease_id: Some(who.id.clone()),
                ..Default::default()
            };
            self.lock_blob.acquire_lease(seconds, Some(options))
        };
        let mut attempt = acquire().await;
        if let Err(e) = &attempt
            && is_not_found(e)
            && !is_container_missing(e)
        {
            self.ensure_lock_blob().await?;
            attempt = acquire().await;
        }
        let lease_id = match attempt {
            Ok(r) => r
                .lease_id()
                .ok()
                .flatten()
                .unwrap_or_else(|| who.id.clone()),
            Err(e) if e.http_status() == Some(StatusCode::Conflict) => {
                // The lease may be taken before its holder's info is written.
                let holder = holder_once_written(|| async {
                    Ok::<_, StateError>(self.lock_properties().await?.and_then(|(h, _)| h))
                })
                .await?;
                return Err(self.held_by(holder));
            }
            Err(e) => return Err(self.remote("lock", &e)),
        };
        // Holder info left behind means the last holder never released: report it as stale
        // rather than silently carrying on after a run that died half-way.
        if let Some((Some(previous), _)) = self.lock_properties().await? {
            let _ = self.lock_blob.release_lease(lease_id.clone(), None).await;
            return Err(StateError::StaleLock {
                holder: Box::new(previous),
                reason: "its lease ran out without being released (the run was killed or lost its connection)".to_string(),
                location: self.lock_location(),
            });
        }
        let options = BlobClientSetMetadataOptions {
            lease_id: Some(lease_id.clone()),
            ..Default::default()
        };
        if let Err(e) = self
            .lock_blob
            .set_metadata(&holder::to_metadata(who), Some(options))
            .await
        {
            let _ = self.lock_blob.release_lease(lease_id.clone(), None).await;
            return Err(self.remote("record the lock holder on", &e));
        }
        let lost = Arc::new(Mutex::new(None));
        let renewer = tokio::spawn(renew(
            self.lock_blob.clone(),
            lease_id.clone(),
            self.lease,
            lost.clone(),
        ));
        let guard = LeaseGuard {
            lease_id,
            renewer,
            lost,
            released: AtomicBool::new(false),
            client: self.lock_blob.clone(),
        };
        let lock = StateLock::new(who.clone(), self.location(), Box::new(guard));
        // A journal left by a run that ended without compacting (force-unlocked after a kill).
        if let Err(e) = self.compact().await {
            let _ = self.unlock(lock).await;
            return Err(e);
        }
        Ok(lock)
    }

    async fn read(&self) -> Result<Option<StateDocument>, StateError> {
        match self.download(&self.state).await? {
            None => {
                self.set_seen(None);
                Ok(None)
            }
            Some((bytes, etag)) => {
                let mut doc = self.parse(&bytes)?;
                let journal = match self.download(&self.journal).await? {
                    Some((text, journal_etag)) => {
                        replay(&mut doc, &text).map_err(|source| StateError::JournalCorrupt {
                            path: std::path::PathBuf::from(self.journal_url()),
                            source,
                        })?;
                        journal_etag
                    }
                    None => None,
                };
                self.set_seen(etag.map(|etag| Seen {
                    etag,
                    serial: doc.serial,
                    lineage: doc.lineage,
                    journal,
                }));
                Ok(Some(doc))
            }
        }
    }

    async fn write(&self, doc: &mut StateDocument, lock: &StateLock) -> Result<(), StateError> {
        let guard = self.check_lock(lock)?;
        if let Some(reason) = guard.lost() {
            return Err(StateError::LockLost {
                location: self.location(),
                reason,
            });
        }
        let seen = match self.seen() {
            Some(s) => Some(s),
            None => {
                // Never read by this backend: learn the stored ETag first.
                self.read().await?;
                self.seen()
            }
        };
        let precondition = match seen {
            None if doc.serial != 0 => {
                return Err(StateError::Conflict {
                    expected: doc.serial,
                    found: 0,
                });
            }
            None => Precondition::Absent,
            Some(s) if s.lineage != doc.lineage => {
                return Err(StateError::LineageMismatch {
                    expected: doc.lineage,
                    found: s.lineage,
                });
            }
            Some(s) if s.serial != doc.serial => {
                return Err(StateError::Conflict {
                    expected: doc.serial,
                    found: s.serial,
                });
            }
            Some(s) => {
                // Keep the version being replaced; the same ETag condition refuses a blob
                // changed behind this run's back before anything is written.
                let options = BlobClientCreateSnapshotOptions {
                    if_match: Some(s.etag.clone()),
                    ..Default::default()
                };
                match self.state.create_snapshot(Some(options)).await {
                    Ok(_) => {}
                    Err(e) if is_precondition_failure(&e) || is_not_found(&e) => {
                        return Err(self.diagnose(doc).await);
                    }
                    Err(e) => return Err(self.remote("keep the previous version of", &e)),
                }
                Precondition::Match(s.etag)
            }
        };
        let mut next = doc.clone();
        next.serial = doc.serial + 1;
        next.version = FORMAT_VERSION;
        self.upload(&next, precondition).await?;
        *doc = next;
        // The document now holds every journal record (replay skips them by serial).
        self.drop_journal().await;
        Ok(())
    }

    async fn append(
        &self,
        doc: &mut StateDocument,
        changes: &[StateChange],
        lock: &StateLock,
    ) -> Result<(), StateError> {
        let guard = self.check_lock(lock)?;
        if let Some(reason) = guard.lost() {
            return Err(StateError::LockLost {
                location: self.location(),
                reason,
            });
        }
        let seen = match self.seen() {
            Some(s) => Some(s),
            None => {
                self.read().await?;
                self.seen()
            }
        };
        let record = JournalRecord {
            lineage: doc.lineage,
            serial: doc.serial + 1,
            changes: changes.to_vec(),
        };
        let line = record.encode().map_err(StateError::Serialise)?;
        let seen = match seen {
            // Nothing stored yet (or a record too big for one block): the whole document.
            None => return self.write(doc, lock).await,
            Some(_) if line.len() > MAX_APPEND => return self.write(doc, lock).await,
            Some(s) if s.lineage != doc.lineage => {
                return Err(StateError::LineageMismatch {
                    expected: doc.lineage,
                    found: s.lineage,
                });
            }
            Some(s) if s.serial != doc.serial => {
                return Err(StateError::Conflict {
                    expected: doc.serial,
                    found: s.serial,
                });
            }
            Some(s) => s,
        };
        // The document itself must be the one this run read: a write behind its back (by
        // something ignoring the lock) is refused here, before the journal grows.
        match self.state.get_properties(None).await {
            Ok(props) if props.etag().ok().flatten().as_ref() == Some(&seen.etag) => {}
            Ok(_) => return Err(self.diagnose(doc).await),
            Err(e) if is_not_found(&e) && !is_container_missing(&e) => {
                return Err(self.diagnose(doc).await);
            }
            Err(e) => return Err(self.remote("read", &e)),
        }
        let appender = self.journal.append_blob_client();
        let journal_etag = match seen.journal.clone() {
            Some(e) => e,
            None => {
                let options = AppendBlobClientCreateOptions {
                    if_none_match: Some(Etag::from("*")),
                    blob_content_type: Some("application/x-ndjson".to_string()),
                    ..Default::default()
                };
                match appender.create(Some(options)).await {
                    Ok(r) => r.etag().ok().flatten().ok_or_else(|| self.no_etag())?,
                    Err(e) if is_precondition_failure(&e) || is_conflict(&e) => {
                        return Err(StateError::ConcurrentWrite {
                            location: self.loc.display_url(),
                        });
                    }
                    Err(e) => return Err(self.remote("start the journal of", &e)),
                }
            }
        };
        let options = AppendBlobClientAppendBlockOptions {
            if_match: Some(journal_etag),
            ..Default::default()
        };
        let length = line.len() as u64;
        let etag = match appender
            .append_block(RequestContent::from(line), length, Some(options))
            .await
        {
            Ok(r) => r.etag().ok().flatten().ok_or_else(|| self.no_etag())?,
            Err(e) if is_precondition_failure(&e) || is_not_found(&e) => {
                return Err(StateError::ConcurrentWrite {
                    location: self.loc.display_url(),
                });
            }
            Err(e) => return Err(self.remote("write", &e)),
        };
        doc.serial = record.serial;
        self.set_seen(Some(Seen {
            serial: record.serial,
            journal: Some(etag),
            ..seen
        }));
        Ok(())
    }

    async fn unlock(&self, lock: StateLock) -> Result<(), StateError> {
        let guard = self.check_lock(&lock)?;
        // Still under the lease: fold the run's journal into the document. On failure the
        // journal stays (nothing is lost: reads replay it, the next run compacts it).
        let compacted = self.compact().await;
        // Best effort: a failure here costs storage, never state, so it does not fail the run.
        if let Err(e) = self.prune().await {
            tracing::warn!("could not delete old state versions: {e}");
        }
        guard.renewer.abort();
        guard.released.store(true, Ordering::SeqCst);
        let result = release(&self.lock_blob, &guard.lease_id).await;
        drop(lock);
        compacted?;
        result.map_err(|e| StateError::Remote {
            action: "release the lock on",
            location: self.lock_location(),
            message: redact_signatures(&e.to_string()),
            help: "the lease runs out by itself; the next run then reports a stale lock that `azlift state force-unlock` clears".to_string(),
        })
    }

    async fn create(&self, doc: &StateDocument, lock: &StateLock) -> Result<(), StateError> {
        self.check_lock(lock)?;
        let mut next = doc.clone();
        next.version = FORMAT_VERSION;
        match self.upload(&next, Precondition::Absent).await {
            Err(StateError::ConcurrentWrite { .. }) | Err(StateError::LineageMismatch { .. }) => {
                let found = self.read().await?.map(|d| d.serial).unwrap_or(0);
                Err(StateError::Conflict { expected: 0, found })
            }
            other => other,
        }
    }

    async fn history(&self) -> Result<Vec<StateVersion>, StateError> {
        let options = BlobContainerClientListBlobsOptions {
            prefix: Some(self.loc.key.clone()),
            include: Some(vec![
                ListBlobsIncludeItem::Snapshots,
                ListBlobsIncludeItem::Metadata,
            ]),
            ..Default::default()
        };
        let mut pager = self
            .container
            .list_blobs(Some(options))
            .map_err(|e| self.remote("list the versions of", &e))?;
        let mut out = Vec::new();
        while let Some(item) = pager.next().await {
            let item = item.map_err(|e| self.remote("list the versions of", &e))?;
            if item.name.as_deref() != Some(self.loc.key.as_str()) {
                continue;
            }
            let meta = item
                .metadata
                .as_ref()
                .and_then(|m| m.values.clone())
                .unwrap_or_default();
            let get = |k: &str| {
                meta.iter()
                    .find(|(key, _)| key.eq_ignore_ascii_case(k))
                    .map(|(_, v)| v.clone())
            };
            let current = item.snapshot.is_none();
            let time = item.properties.as_ref().and_then(|p| p.last_modified);
            out.push(StateVersion {
                id: item.snapshot.clone().unwrap_or_else(|| CURRENT.to_string()),
                serial: get(holder::SERIAL).and_then(|s| s.parse().ok()),
                lineage: get(holder::LINEAGE).and_then(|s| s.parse().ok()),
                time,
                current,
            });
        }
        sort_versions(&mut out);
        Ok(out)
    }

    async fn read_version(&self, id: &str) -> Result<StateDocument, StateError> {
        if id == CURRENT {
            return self
                .read()
                .await?
                .ok_or_else(|| StateError::VersionNotFound {
                    id: id.to_string(),
                    location: self.location(),
                });
        }
        let client = self.snapshot_client(id)?;
        match self.download(&client).await? {
            Some((bytes, _)) => self.parse(&bytes),
            None => Err(StateError::VersionNotFound {
                id: id.to_string(),
                location: self.location(),
            }),
        }
    }

    async fn holder(&self) -> Result<Option<LockHolder>, StateError> {
        Ok(match self.lock_properties().await? {
            Some((Some(info), active)) => Some(LockHolder { info, active }),
            _ => None,
        })
    }

    async fn force_unlock(&self) -> Result<Option<LockInfo>, StateError> {
        let Some((previous, leased)) = self.lock_properties().await? else {
            return Ok(None);
        };
        if leased {
            let options = BlobClientBreakLeaseOptions {
                break_period: Some(0),
                ..Default::default()
            };
            match self.lock_blob.break_lease(Some(options)).await {
                Ok(_) => {}
                // Expired between the two calls: nothing to break.
                Err(e) if e.http_status() == Some(StatusCode::Conflict) => {}
                Err(e) => return Err(self.remote("break the lock on", &e)),
            }
        }
        if previous.is_some() {
            self.lock_blob
                .set_metadata(&HashMap::new(), None)
                .await
                .map_err(|e| self.remote("clear the lock holder on", &e))?;
        }
        Ok(previous)
    }
}

impl AzBlobBackend {
    fn journal_url(&self) -> String {
        format!(
            "{}/{}/{}",
            self.loc.service.as_str().trim_end_matches('/'),
            self.loc.container,
            self.loc.journal_key()
        )
    }

    fn no_etag(&self) -> StateError {
        StateError::Remote {
            action: "write",
            location: self.loc.display_url(),
            message: "the storage service returned no ETag".to_string(),
            help: "this storage endpoint does not behave like Azure Blob Storage".to_string(),
        }
    }

    /// Fold the journal into the document blob (same serial; the version replaced is kept as
    /// a snapshot) and delete it. Nothing to do without a journal. Called under the lease.
    async fn compact(&self) -> Result<(), StateError> {
        let before = self.seen();
        let Some(doc) = self.read().await? else {
            return Ok(());
        };
        let Some(seen) = self.seen() else {
            return Ok(());
        };
        if seen.journal.is_none() {
            return Ok(());
        }
        // In a run, the document must still be the one it read (never fold this run's
        // journal into a document someone else wrote).
        if let Some(b) = before
            && (b.etag != seen.etag || b.lineage != doc.lineage)
        {
            return Err(StateError::ConcurrentWrite {
                location: self.loc.display_url(),
            });
        }
        let options = BlobClientCreateSnapshotOptions {
            if_match: Some(seen.etag.clone()),
            ..Default::default()
        };
        match self.state.create_snapshot(Some(options)).await {
            Ok(_) => {}
            Err(e) if is_precondition_failure(&e) || is_not_found(&e) => {
                return Err(self.diagnose(&doc).await);
            }
            Err(e) => return Err(self.remote("keep the previous version of", &e)),
        }
        let mut doc = doc;
        doc.version = FORMAT_VERSION;
        self.upload(&doc, Precondition::Match(seen.etag)).await?;
        self.drop_journal().await;
        Ok(())
    }

    /// Delete the journal this backend last saw (its records are all in the document now).
    /// Best effort: a journal left behind is skipped by serial on replay.
    async fn drop_journal(&self) {
        let Some(seen) = self.seen() else { return };
        let Some(etag) = seen.journal.clone() else {
            return;
        };
        let options = BlobClientDeleteOptions {
            if_match: Some(etag),
            ..Default::default()
        };
        match self.journal.delete(Some(options)).await {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => {}
            Err(e) => {
                tracing::warn!("could not delete the state journal: {e}");
                return;
            }
        }
        self.set_seen(Some(Seen {
            journal: None,
            ..seen
        }));
    }

    fn check_lock<'l>(&self, lock: &'l StateLock) -> Result<&'l LeaseGuard, StateError> {
        match lock.guard::<LeaseGuard>() {
            Some(g) if lock.location() == self.location() => Ok(g),
            _ => Err(StateError::WrongLock {
                location: self.location(),
            }),
        }
    }
}

/// Renew the lease every third of its duration until stopped. A renewal that fails (the
/// lease was broken, or storage was unreachable until it ran out) marks the lock lost, and
/// the next write is refused instead of racing whoever locks next.
async fn renew(
    client: Arc<BlobClient>,
    lease_id: String,
    lease: Duration,
    lost: Arc<Mutex<Option<String>>>,
) {
    let every = lease / 3;
    let mut failing_since: Option<tokio::time::Instant> = None;
    loop {
        tokio::time::sleep(if failing_since.is_some() {
            Duration::from_secs(2)
        } else {
            every
        })
        .await;
        match client
            .renew_lease(
                lease_id.clone(),
                Some(BlobClientRenewLeaseOptions::default()),
            )
            .await
        {
            Ok(_) => failing_since = None,
            Err(e) => {
                let definite = e.http_status().is_some_and(|s| {
                    s == StatusCode::Conflict || s == StatusCode::PreconditionFailed
                });
                let since = *failing_since.get_or_insert_with(tokio::time::Instant::now);
                if definite || since.elapsed() + every >= lease {
                    if let Ok(mut l) = lost.lock() {
                        *l = Some(redact_signatures(&format!(
                            "renewing the lease failed: {e}"
                        )));
                    }
                    return;
                }
            }
        }
    }
}

/// Newest first: the current version, then by serial (unknown last), then by time.
pub fn sort_versions(versions: &mut [StateVersion]) {
    versions.sort_by(|a, b| {
        b.current
            .cmp(&a.current)
            .then_with(|| b.serial.cmp(&a.serial))
            .then_with(|| b.time.cmp(&a.time))
            .then_with(|| b.id.cmp(&a.id))
    });
}

fn error_code(e: &azure_core::Error) -> Option<&str> {
    match e.kind() {
        ErrorKind::HttpResponse { error_code, .. } => error_code.as_deref(),
        _ => None,
    }
}

fn is_not_found(e: &azure_core::Error) -> bool {
    e.http_status() == Some(StatusCode::NotFound)
}

fn is_conflict(e: &azure_core::Error) -> bool {
    e.http_status() == Some(StatusCode::Conflict)
}

fn is_container_missing(e: &azure_core::Error) -> bool {
    error_code(e) == Some("ContainerNotFound")
}

fn is_precondition_failure(e: &azure_core::Error) -> bool {
    e.http_status() == Some(StatusCode::PreconditionFailed)
        || error_code(e) == Some("ConditionNotMet")
}

/// A storage failure as a [`StateError::Remote`] with what to check.
fn remote_error(
    action: &'static str,
    location: &str,
    e: &azure_core::Error,
    sas: bool,
) -> StateError {
    let status = e.http_status();
    let help = match (status, error_code(e)) {
        (_, Some("ContainerNotFound")) => {
            "the container does not exist: create it (`az storage container create --name CONTAINER --account-name ACCOUNT --auth-mode login`)".to_string()
        }
        (Some(StatusCode::Unauthorized), _) | (Some(StatusCode::Forbidden), _) if sas => {
            "the SAS in AZLIFT_STATE_SAS was refused: it must be a container (or account) SAS, not expired, with read, add, create, write, delete and list permissions".to_string()
        }
        (Some(StatusCode::Unauthorized), _) | (Some(StatusCode::Forbidden), _) => {
            "the identity azlift uses needs the `Storage Blob Data Contributor` role on the container (run with -v to see which credential is used)".to_string()
        }
        _ if matches!(e.kind(), ErrorKind::Credential) => {
            "no Entra ID token for storage: check the credential (run with -v to see which one is used), or set AZLIFT_STATE_SAS".to_string()
        }
        _ if matches!(e.kind(), ErrorKind::Connection | ErrorKind::Io) => {
            "check the endpoint and the network; a private endpoint needs its certificate trusted through AZLIFT_CA_CERT".to_string()
        }
        _ => "check [state] (or --state-url) and the storage account".to_string(),
    };
    StateError::Remote {
        action,
        location: location.to_string(),
        message: redact_signatures(&short_message(e)),
        help,
    }
}

/// Replace the value of every `sig=` parameter (a SAS signature, which transport errors may
/// quote inside a request URL) with `***`.
fn redact_signatures(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.to_ascii_lowercase().find("sig=") {
        out.push_str(&rest[..i + 4]);
        out.push_str("***");
        let after = &rest[i + 4..];
        let end = after
            .find(|c: char| c == '&' || c == ')' || c == '"' || c == '\'' || c.is_whitespace())
            .unwrap_or(after.len());
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// The storage error in one line: status and error code when there are, else the message.
fn short_message(e: &azure_core::Error) -> String {
    match e.kind() {
        ErrorKind::HttpResponse {
            status, error_code, ..
        } => match error_code {
            Some(code) => format!("HTTP {} {code}", u16::from(*status)),
            None => format!("HTTP {}", u16::from(*status)),
        },
        // The SDK's top message ("retry policy expired") hides the cause (a TLS or
        // connection error): append the chain of sources.
        _ => crate::text::with_causes(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(id: &str, serial: Option<u64>, current: bool) -> StateVersion {
        StateVersion {
            id: id.into(),
            serial,
            lineage: None,
            time: None,
            current,
        }
    }

    #[test]
    fn versions_sort_current_first_then_by_serial_descending() {
        let mut v = vec![
            version("2026-11-29T07:00:01.0000000Z", Some(3), false),
            version("2026-11-29T07:00:03.0000000Z", None, false),
            version("current", Some(5), true),
            version("2026-11-29T07:00:02.0000000Z", Some(4), false),
        ];
        sort_versions(&mut v);
        let ids: Vec<(&str, Option<u64>)> = v.iter().map(|v| (v.id.as_str(), v.serial)).collect();
        assert_eq!(
            ids,
            vec![
                ("current", Some(5)),
                ("2026-11-29T07:00:02.0000000Z", Some(4)),
                ("2026-11-29T07:00:01.0000000Z", Some(3)),
                ("2026-11-29T07:00:03.0000000Z", None),
            ]
        );
    }

    #[test]
    fn sas_signatures_are_redacted_from_error_text() {
        let text =
            "error sending request for url (http://h/c/k?sv=1&SIG=abc%2B%3D&sp=r): boom, sig=zz";
        let out = redact_signatures(text);
        assert_eq!(
            out,
            "error sending request for url (http://h/c/k?sv=1&SIG=***&sp=r): boom, sig=***"
        );
        assert!(!out.contains("abc"));
        assert_eq!(redact_signatures("no secret here"), "no secret here");
    }

    #[test]
    fn lease_is_clamped_to_what_azure_allows() {
        let loc = super::super::config::parse_state_url(
            "http://127.0.0.1:10000/devstoreaccount1/states/a.json",
            Some(super::super::config::Sas::parse("sig=x").unwrap()),
        )
        .unwrap();
        let b = AzBlobBackend::new(loc, None, reqwest::Client::new()).unwrap();
        assert_eq!(
            b.with_lease(Duration::from_secs(5)).lease,
            Duration::from_secs(15)
        );
    }

    #[test]
    fn without_sas_or_credential_the_backend_says_what_to_set() {
        let loc = super::super::config::parse_state_url(
            "https://acct.blob.core.windows.net/states/a.json",
            None,
        )
        .unwrap();
        let err = AzBlobBackend::new(loc, None, reqwest::Client::new()).unwrap_err();
        assert!(err.to_string().contains("no credential"), "{err}");
    }
}
