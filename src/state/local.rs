//! The local backend: `.azlift/<project>/<env>/state.json` beside the manifest (so two
//! manifests in one folder keep apart), locked through an OS advisory lock on `state.lock` in
//! the same folder (which also holds the holder's info). A state of the earlier layout
//! (`.azlift/<env>/`) is moved to the new one by the first project that opens it.
//!
//! During a run each write appends one record to `state.journal` in that folder (and fsyncs
//! it), so its cost is the size of what changed; reading replays the journal onto
//! `state.json`. A whole-document write (the first one, `state push`...) and the compaction
//! when a run releases its lock (or the next run takes it) replace `state.json` atomically
//! (temp file in the same folder, fsync, rename, fsync of the folder) and remove the journal.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use async_trait::async_trait;
use uuid::Uuid;

use super::backend::{
    LockHolder, LockInfo, StateBackend, StateLock, StateVersion, holder_once_written,
};
use super::document::{FORMAT_VERSION, StateDocument};
use super::error::StateError;
use super::journal::{JournalRecord, StateChange, replay};
use crate::emulator::private_fs;

const STATE_FILE: &str = "state.json";
const LOCK_FILE: &str = "state.lock";
const BACKUP_FILE: &str = "state.backup.json";
const JOURNAL_FILE: &str = "state.journal";
const TEMP_PREFIX: &str = ".state.json.";
const TEMP_SUFFIX: &str = ".tmp";

/// State in a folder on this machine.
#[derive(Debug)]
pub struct LocalBackend {
    dir: PathBuf,
    /// What this backend last wrote or read, to skip re-reading an unchanged file.
    last: Mutex<Option<Seen>>,
}

/// A stored document's identity and the files' sizes and time when it had it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Seen {
    len: u64,
    modified: Option<SystemTime>,
    journal_len: u64,
    lineage: Uuid,
    serial: u64,
}

impl LocalBackend {
    /// State kept in `dir` (the `.azlift/<project>/<env>` folder).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        LocalBackend {
            dir: dir.into(),
            last: Mutex::new(None),
        }
    }

    /// The backend of `environment` in the earlier layout, shared by every manifest of the
    /// folder: `<manifest's folder>/.azlift/<environment>`. Only read to migrate from it.
    pub fn for_manifest(manifest: &Path, environment: &str) -> Result<Self, StateError> {
        check_segment(environment)?;
        Ok(LocalBackend::new(azlift_folder(manifest).join(environment)))
    }

    /// The backend of `project`'s `environment` for the manifest at `manifest`:
    /// `<manifest's folder>/.azlift/<project>/<environment>`. When that holds no state but
    /// the earlier layout's `.azlift/<environment>` does, and that state records no project
    /// or this one, its files are moved here first (a state of another project stays).
    pub fn for_project(
        manifest: &Path,
        project: &str,
        environment: &str,
    ) -> Result<Self, StateError> {
        check_segment(environment)?;
        check_segment(project)?;
        let backend = LocalBackend::new(LocalBackend::folder_for(manifest, project, environment));
        let legacy = LocalBackend::for_manifest(manifest, environment)?;
        if !backend.state_path().exists() && legacy.state_path().exists() {
            let owner = private_fs::read_private(&legacy.state_path())
                .ok()
                .and_then(|text| parse(&legacy.state_path(), &text).ok())
                .map(|doc| doc.project);
            match owner {
                Some(None) => backend.take_files_of(&legacy)?,
                Some(Some(p)) if p == project => backend.take_files_of(&legacy)?,
                _ => {}
            }
        }
        Ok(backend)
    }

    /// The folder of `project`'s `environment` for the manifest at `manifest` (no check, no
    /// migration): `<manifest's folder>/.azlift/<project>/<environment>`.
    pub fn folder_for(manifest: &Path, project: &str, environment: &str) -> PathBuf {
        azlift_folder(manifest).join(project).join(environment)
    }

    /// Move the files (state, backup, lock) of `legacy`'s folder into this one.
    fn take_files_of(&self, legacy: &LocalBackend) -> Result<(), StateError> {
        self.ensure_dir()?;
        for path in [
            legacy.state_path(),
            legacy.backup_path(),
            legacy.lock_path(),
        ] {
            let Some(name) = path.file_name() else {
                continue;
            };
            match fs::rename(&path, self.dir.join(name)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io("move", &path, e)),
            }
        }
        Ok(())
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn state_path(&self) -> PathBuf {
        self.dir.join(STATE_FILE)
    }

    pub fn lock_path(&self) -> PathBuf {
        self.dir.join(LOCK_FILE)
    }

    /// The changes written since `state.json` was last written whole.
    pub fn journal_path(&self) -> PathBuf {
        self.dir.join(JOURNAL_FILE)
    }

    /// The state as it was when the last lock was taken (kept for recovery).
    pub fn backup_path(&self) -> PathBuf {
        self.dir.join(BACKUP_FILE)
    }

    /// Create the state folder and the folders between it and `.azlift/` (`.azlift/` and
    /// `.azlift/<project>/` included) private to the user: 0700, never a symlink.
    fn ensure_dir(&self) -> Result<(), StateError> {
        let chain: Vec<&Path> = self.dir.ancestors().take(3).collect();
        if let Some(top) = chain
            .iter()
            .position(|p| p.file_name().is_some_and(|n| n == ".azlift"))
        {
            for dir in chain[..=top].iter().rev() {
                private_fs::ensure_private_dir(dir).map_err(|e| io("create", dir, e))?;
            }
            return Ok(());
        }
        private_fs::ensure_private_dir(&self.dir).map_err(|e| io("create", &self.dir, e))
    }

    /// Read the stored document (`state.json` with the journal replayed onto it), if any,
    /// remembering what was seen.
    fn read_now(&self) -> Result<Option<StateDocument>, StateError> {
        let path = self.state_path();
        let text = match private_fs::read_private(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(io("read", &path, source)),
        };
        let mut doc = parse(&path, &text)?;
        let meta = fs::metadata(&path).ok();
        let journal_path = self.journal_path();
        let journal = match private_fs::read_private(&journal_path) {
            Ok(j) => j,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => return Err(io("read", &journal_path, source)),
        };
        replay(&mut doc, &journal).map_err(|source| StateError::JournalCorrupt {
            path: journal_path,
            source,
        })?;
        self.remember(meta.as_ref(), journal.len() as u64, &doc);
        Ok(Some(doc))
    }

    fn remember(&self, meta: Option<&fs::Metadata>, journal_len: u64, doc: &StateDocument) {
        if let (Some(meta), Ok(mut last)) = (meta, self.last.lock()) {
            *last = Some(Seen {
                len: meta.len(),
                modified: meta.modified().ok(),
                journal_len,
                lineage: doc.lineage,
                serial: doc.serial,
            });
        }
    }

    /// The journal's length, 0 when there is none.
    fn journal_len(&self) -> Result<u64, StateError> {
        match fs::metadata(self.journal_path()) {
            Ok(m) => Ok(m.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(source) => Err(io("inspect", &self.journal_path(), source)),
        }
    }

    /// Lineage and serial of the stored document, from memory when the file is unchanged
    /// since this backend last saw it.
    fn stored_identity(&self) -> Result<Option<(Uuid, u64)>, StateError> {
        let meta = match fs::metadata(self.state_path()) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(io("inspect", &self.state_path(), source)),
        };
        let journal_len = self.journal_len()?;
        if let Ok(last) = self.last.lock()
            && let Some(seen) = *last
            && seen.len == meta.len()
            && seen.modified.is_some()
            && seen.modified == meta.modified().ok()
            && seen.journal_len == journal_len
        {
            return Ok(Some((seen.lineage, seen.serial)));
        }
        Ok(self.read_now()?.map(|d| (d.lineage, d.serial)))
    }

    /// Remove temp files a crashed writer left behind. Only called while holding the lock.
    fn remove_stale_temps(&self) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        for e in entries.flatten() {
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX) {
                let _ = fs::remove_file(e.path());
            }
        }
    }

    /// Refuse a lock taken on another state.
    fn check_lock(&self, lock: &StateLock) -> Result<(), StateError> {
        if lock.location() != self.location() {
            return Err(StateError::WrongLock {
                location: self.location(),
            });
        }
        Ok(())
    }

    /// Stamp `doc` with the current format version, replace the state file with it
    /// atomically, drop the journal it includes, and remember what was written (so the next
    /// write need not re-read it). A crash between the two leaves a journal whose records
    /// the new file already holds: replay skips them by serial.
    fn store(&self, doc: &mut StateDocument) -> Result<(), StateError> {
        doc.version = FORMAT_VERSION;
        let mut bytes = serde_json::to_vec_pretty(doc).map_err(StateError::Serialise)?;
        bytes.push(b'\n');
        self.write_atomically(&bytes)?;
        let journal = self.journal_path();
        match fs::remove_file(&journal) {
            Ok(()) => sync_dir(&self.dir)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(io("remove", &journal, source)),
        }
        self.remember(fs::metadata(self.state_path()).ok().as_ref(), 0, doc);
        Ok(())
    }

    /// Fold the journal into `state.json` (when there is one). Only called while holding the
    /// lock.
    fn compact(&self) -> Result<(), StateError> {
        if !self.journal_path().exists() {
            return Ok(());
        }
        match self.read_now()? {
            Some(mut doc) => self.store(&mut doc),
            None => Ok(()),
        }
    }

    /// Refuse a write unless the stored document is `doc`'s lineage at `doc.serial` (or
    /// nothing is stored and `doc.serial` is 0). Returns whether a document is stored.
    fn check_stored(&self, doc: &StateDocument) -> Result<bool, StateError> {
        match self.stored_identity()? {
            None if doc.serial != 0 => Err(StateError::Conflict {
                expected: doc.serial,
                found: 0,
            }),
            None => Ok(false),
            Some((lineage, _)) if lineage != doc.lineage => Err(StateError::LineageMismatch {
                expected: doc.lineage,
                found: lineage,
            }),
            Some((_, serial)) if serial != doc.serial => Err(StateError::Conflict {
                expected: doc.serial,
                found: serial,
            }),
            Some(_) => Ok(true),
        }
    }

    fn write_atomically(&self, bytes: &[u8]) -> Result<(), StateError> {
        let path = self.state_path();
        let mut tmp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .suffix(TEMP_SUFFIX)
            .tempfile_in(&self.dir)
            .map_err(|e| io("create a temporary file in", &self.dir, e))?;
        tmp.write_all(bytes)
            .and_then(|()| tmp.as_file().sync_all())
            .map_err(|e| io("write", tmp.path(), e))?;
        tmp.persist(&path)
            .map_err(|e| io("replace", &path, e.error))?;
        sync_dir(&self.dir)
    }
}

#[async_trait]
impl StateBackend for LocalBackend {
    fn location(&self) -> String {
        self.state_path().display().to_string()
    }

    async fn lock(&self, who: &LockInfo) -> Result<StateLock, StateError> {
        self.ensure_dir()?;
        let path = self.lock_path();
        // Never truncate on open: the file holds the current holder's info. Never through a
        // symlink either: a linked lock's target would be emptied.
        let mut file = private_fs::open_private(
            &path,
            OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false),
        )
        .map_err(|e| io("open", &path, e))?;
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(fs4::TryLockError::WouldBlock) => {
                // The file may still be empty or half written by the holder.
                let holder = holder_once_written(|| {
                    let mut text = String::new();
                    let read = file
                        .seek(SeekFrom::Start(0))
                        .and_then(|_| file.read_to_string(&mut text));
                    let holder = read
                        .ok()
                        .and_then(|_| serde_json::from_str::<LockInfo>(&text).ok());
                    std::future::ready(Ok::<_, std::convert::Infallible>(holder))
                })
                .await
                .unwrap_or_else(|never| match never {});
                return Err(StateError::Locked {
                    holder: holder.map(Box::new),
                    location: path.display().to_string(),
                    help: "wait for that run to finish; a lock held by a process that died is released by the OS, so re-running is always safe".to_string(),
                });
            }
            Err(fs4::TryLockError::Error(e)) => return Err(io("lock", &path, e)),
        }
        let info = serde_json::to_vec_pretty(who).map_err(StateError::Serialise)?;
        file.set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)).map(|_| ()))
            .and_then(|()| file.write_all(&info))
            .and_then(|()| file.sync_all())
            .map_err(|e| io("write", &path, e))?;
        self.remove_stale_temps();
        // A run killed mid-way left its journal: fold it in so the backup is whole.
        if let Err(e) = self.compact() {
            drop(HeldFile(file));
            return Err(e);
        }
        let state = self.state_path();
        if state.exists() {
            private_fs::read_private(&state)
                .and_then(|bytes| private_fs::write_private_atomically(&self.backup_path(), &bytes))
                .map_err(|e| io("back up", &self.backup_path(), e))?;
        }
        Ok(StateLock::new(
            who.clone(),
            self.location(),
            Box::new(HeldFile(file)),
        ))
    }

    async fn read(&self) -> Result<Option<StateDocument>, StateError> {
        self.read_now()
    }

    async fn write(&self, doc: &mut StateDocument, lock: &StateLock) -> Result<(), StateError> {
        self.check_lock(lock)?;
        self.check_stored(doc)?;
        let mut next = doc.clone();
        next.serial = doc.serial + 1;
        self.store(&mut next)?;
        *doc = next;
        Ok(())
    }

    /// One journal record per write; the first write of a new state is a whole file.
    async fn append(
        &self,
        doc: &mut StateDocument,
        changes: &[StateChange],
        lock: &StateLock,
    ) -> Result<(), StateError> {
        self.check_lock(lock)?;
        if !self.check_stored(doc)? {
            doc.serial += 1;
            if let Err(e) = self.store(doc) {
                doc.serial -= 1;
                return Err(e);
            }
            return Ok(());
        }
        let record = JournalRecord {
            lineage: doc.lineage,
            serial: doc.serial + 1,
            changes: changes.to_vec(),
        };
        let line = record.encode().map_err(StateError::Serialise)?;
        let journal_len = append_journal(&self.journal_path(), &line)?;
        doc.serial = record.serial;
        self.remember(
            fs::metadata(self.state_path()).ok().as_ref(),
            journal_len,
            doc,
        );
        Ok(())
    }

    /// Compacts the journal into `state.json`, then releases the lock.
    async fn unlock(&self, lock: StateLock) -> Result<(), StateError> {
        self.check_lock(&lock)?;
        let compacted = self.compact();
        drop(lock);
        compacted
    }

    async fn create(&self, doc: &StateDocument, lock: &StateLock) -> Result<(), StateError> {
        self.check_lock(lock)?;
        if let Some((_, serial)) = self.stored_identity()? {
            return Err(StateError::Conflict {
                expected: 0,
                found: serial,
            });
        }
        self.store(&mut doc.clone())
    }

    /// The local backend keeps two versions: `current` (`state.json`) and `backup`
    /// (`state.backup.json`, the state when the last lock was taken).
    async fn history(&self) -> Result<Vec<StateVersion>, StateError> {
        let mut out = Vec::new();
        for (id, path, current) in [
            (CURRENT, self.state_path(), true),
            (BACKUP, self.backup_path(), false),
        ] {
            let text = match private_fs::read_private(&path) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(source) => return Err(io("read", &path, source)),
            };
            let doc = if current {
                self.read_now().ok().flatten()
            } else {
                parse(&path, &text).ok()
            };
            let time = fs::metadata(&path)
                .and_then(|m| m.modified())
                .ok()
                .map(time::OffsetDateTime::from);
            out.push(StateVersion {
                id: id.to_string(),
                serial: doc.as_ref().map(|d| d.serial),
                lineage: doc.as_ref().map(|d| d.lineage),
                time,
                current,
            });
        }
        Ok(out)
    }

    async fn read_version(&self, id: &str) -> Result<StateDocument, StateError> {
        let path = match id {
            CURRENT => {
                return self.read_now()?.ok_or_else(|| StateError::VersionNotFound {
                    id: id.to_string(),
                    location: self.location(),
                });
            }
            BACKUP => self.backup_path(),
            _ => {
                return Err(StateError::VersionNotFound {
                    id: id.to_string(),
                    location: self.location(),
                });
            }
        };
        match private_fs::read_private(&path) {
            Ok(text) => parse(&path, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(StateError::VersionNotFound {
                    id: id.to_string(),
                    location: self.location(),
                })
            }
            Err(source) => Err(io("read", &path, source)),
        }
    }

    async fn holder(&self) -> Result<Option<LockHolder>, StateError> {
        let path = self.lock_path();
        let mut file =
            match private_fs::open_private(&path, OpenOptions::new().read(true).write(true)) {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(source) => return Err(io("open", &path, source)),
            };
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => {
                let _ = fs4::FileExt::unlock(&file);
                Ok(None)
            }
            Err(fs4::TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                Ok(serde_json::from_str::<LockInfo>(&text)
                    .ok()
                    .map(|info| LockHolder { info, active: true }))
            }
            Err(fs4::TryLockError::Error(e)) => Err(io("lock", &path, e)),
        }
    }

    /// The OS releases a local lock when its process ends, so there is never a stale one to
    /// break; a live holder cannot be broken either (its process still owns the file lock).
    async fn force_unlock(&self) -> Result<Option<LockInfo>, StateError> {
        match self.holder().await? {
            None => Ok(None),
            Some(h) => Err(StateError::Locked {
                holder: Some(Box::new(h.info)),
                location: self.lock_path().display().to_string(),
                help: "a local lock is held by a running process (the OS releases it when that process ends); stop that process instead".to_string(),
            }),
        }
    }
}

/// Version ids of the local backend.
const CURRENT: &str = "current";
const BACKUP: &str = "backup";

/// The open, locked lock file. Dropping it clears the holder info and releases the lock
/// (closing the file would release it too; the OS does the same for a dead process).
struct HeldFile(File);

impl Drop for HeldFile {
    fn drop(&mut self) {
        let _ = self.0.set_len(0);
        let _ = fs4::FileExt::unlock(&self.0);
    }
}

/// Parse a stored document (`path` names it in errors), refusing newer format versions.
/// `<manifest's folder>/.azlift`.
fn azlift_folder(manifest: &Path) -> PathBuf {
    let folder = match manifest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    folder.join(".azlift")
}

/// A project or environment name used as a folder name: letters, digits, `-`, `_`, `.`.
fn check_segment(name: &str) -> Result<(), StateError> {
    let valid = !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(())
    } else {
        Err(StateError::InvalidEnvironment(name.to_string()))
    }
}

pub(super) fn parse(path: &Path, text: &[u8]) -> Result<StateDocument, StateError> {
    #[derive(serde::Deserialize)]
    struct Version {
        version: u32,
    }
    if let Ok(v) = serde_json::from_slice::<Version>(text)
        && v.version > FORMAT_VERSION
    {
        return Err(StateError::UnsupportedVersion {
            path: path.to_path_buf(),
            found: v.version,
            supported: FORMAT_VERSION,
        });
    }
    serde_json::from_slice(text).map_err(|source| StateError::Corrupt {
        path: path.to_path_buf(),
        source,
    })
}

/// Append `line` to the journal at `path` (created when missing) and make it durable.
/// Returns the journal's new length. Every journal write goes through here.
fn append_journal(path: &Path, line: &[u8]) -> Result<u64, StateError> {
    let created = !path.exists();
    // Private (0600) and never through a symlink, like the state file itself.
    let mut file = private_fs::open_private(path, OpenOptions::new().create(true).append(true))
        .map_err(|e| io("open", path, e))?;
    file.write_all(line)
        .and_then(|()| file.sync_data())
        .map_err(|e| io("append to", path, e))?;
    if created && let Some(dir) = path.parent() {
        sync_dir(dir)?;
    }
    file.metadata()
        .map(|m| m.len())
        .map_err(|e| io("inspect", path, e))
}

fn io(action: &'static str, path: &Path, source: std::io::Error) -> StateError {
    StateError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Make the rename durable: fsync the folder (a no-op where folders cannot be opened).
fn sync_dir(dir: &Path) -> Result<(), StateError> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io("sync", dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}
