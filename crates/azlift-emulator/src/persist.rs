//! Persistence of the cloud: a base file (the whole cloud as JSON) and a journal beside it
//! (`<file>.journal`), one line per commit holding only the records that commit changed
//! (`null` for a removed one). A commit costs what it changed, not the size of the cloud.
//!
//! Loading reads the base and replays the journal lines numbered after it. The base is
//! rewritten atomically (temporary file in the same directory, fsync, rename) at start-up, at
//! shutdown and whenever the journal has grown past twice the base (so the total written
//! stays linear in the number of changes); the journal is then removed. A crash between the
//! rename and the removal leaves lines the base already holds: their numbers say so. A torn
//! last line (the process killed mid-append) is ignored. Appends are not fsynced: they
//! survive the emulator being killed (the page cache belongs to the OS), which is the crash
//! the emulator models; the base is.
//!
//! Both files are private (0600, folder 0700, no symlink followed; see
//! [`crate::private_fs`]): they hold secret values and the token-signing key.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use crate::config::EmulatorError;
use crate::store::{Cloud, Operation, Record, SoftDeleted};

/// The journal is folded into the base once it is larger than twice this or the base.
const MIN_COMPACT_BYTES: u64 = 1024 * 1024;

/// Writes the cloud. Commits hand over in order: [`Persister::writer`] is taken while the
/// cloud is still locked, so lines reach the journal in commit order.
#[derive(Debug)]
pub struct Persister {
    path: PathBuf,
    journal: PathBuf,
    sizes: Mutex<Sizes>,
}

/// Bytes in the base and in the journal.
#[derive(Debug, Default, Clone, Copy)]
pub struct Sizes {
    base: u64,
    journal: u64,
}

/// One journal line, written from borrowed records.
#[derive(Serialize)]
struct LineOut<'a> {
    seq: u64,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    resources: BTreeMap<&'a str, Option<&'a Record>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    soft_deleted: BTreeMap<&'a str, Option<&'a SoftDeleted>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    operations: BTreeMap<&'a str, Option<&'a Operation>>,
}

/// One journal line, read back.
#[derive(Deserialize)]
struct LineIn {
    seq: u64,
    #[serde(default)]
    resources: BTreeMap<String, Option<Record>>,
    #[serde(default)]
    soft_deleted: BTreeMap<String, Option<SoftDeleted>>,
    #[serde(default)]
    operations: BTreeMap<String, Option<Operation>>,
}

fn state_err(path: &Path, message: impl Into<String>) -> EmulatorError {
    EmulatorError::State {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Upsert or remove each key of `changes` in `map`.
fn apply<V>(map: &mut BTreeMap<String, V>, changes: BTreeMap<String, Option<V>>) {
    for (k, v) in changes {
        match v {
            Some(v) => {
                map.insert(k, v);
            }
            None => {
                map.remove(&k);
            }
        }
    }
}

/// The journal line of `cloud`'s changes since the last commit (numbered `cloud.seq`), with
/// its newline; empty when nothing changed.
pub fn journal_line(cloud: &Cloud) -> Result<Vec<u8>, serde_json::Error> {
    let d = &cloud.dirty;
    if d.is_empty() {
        return Ok(Vec::new());
    }
    let line = LineOut {
        seq: cloud.seq,
        resources: d
            .resources
            .iter()
            .map(|k| (k.as_str(), cloud.resources.get(k)))
            .collect(),
        soft_deleted: d
            .soft_deleted
            .iter()
            .map(|k| (k.as_str(), cloud.soft_deleted.get(k)))
            .collect(),
        operations: d
            .operations
            .iter()
            .map(|k| (k.as_str(), cloud.operations.get(k)))
            .collect(),
    };
    let mut bytes = serde_json::to_vec(&line)?;
    bytes.push(b'\n');
    Ok(bytes)
}

impl Persister {
    pub fn new(path: PathBuf) -> Self {
        let mut journal = path.clone().into_os_string();
        journal.push(".journal");
        Persister {
            path,
            journal: PathBuf::from(journal),
            sizes: Mutex::new(Sizes::default()),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn journal_path(&self) -> &Path {
        &self.journal
    }

    /// The cloud stored in the base file with its journal replayed; an empty cloud when the
    /// file does not exist yet.
    pub fn load(&self) -> Result<Cloud, EmulatorError> {
        let bytes = match crate::private_fs::read_private(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(state_err(&self.path, e.to_string())),
        };
        let mut cloud: Cloud = if bytes.iter().all(u8::is_ascii_whitespace) {
            Cloud::default()
        } else {
            serde_json::from_slice(&bytes)
                .map_err(|e| state_err(&self.path, format!("not an emulator state file: {e}")))?
        };
        let journal = match crate::private_fs::read_private(&self.journal) {
            Ok(j) => j,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(state_err(&self.journal, e.to_string())),
        };
        self.replay(&mut cloud, &journal)?;
        cloud.reindex();
        let mut sizes = self.sizes();
        sizes.base = bytes.len() as u64;
        sizes.journal = journal.len() as u64;
        Ok(cloud)
    }

    fn replay(&self, cloud: &mut Cloud, journal: &[u8]) -> Result<(), EmulatorError> {
        let mut lines = journal
            .split_inclusive(|b| *b == b'\n')
            .enumerate()
            .peekable();
        while let Some((i, line)) = lines.next() {
            let complete = line.ends_with(b"\n");
            let body = line.strip_suffix(b"\n").unwrap_or(line);
            if body.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let change: LineIn = match serde_json::from_slice(body) {
                Ok(c) => c,
                Err(_) if !complete && lines.peek().is_none() => break,
                Err(e) => {
                    return Err(state_err(
                        &self.journal,
                        format!("line {} is not an emulator journal record: {e}", i + 1),
                    ));
                }
            };
            if change.seq <= cloud.seq {
                continue;
            }
            cloud.seq = change.seq;
            apply(&mut cloud.resources, change.resources);
            apply(&mut cloud.soft_deleted, change.soft_deleted);
            apply(&mut cloud.operations, change.operations);
        }
        Ok(())
    }

    fn sizes(&self) -> MutexGuard<'_, Sizes> {
        self.sizes.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Bytes in the journal since the base was last written: zero when the base alone holds
    /// the cloud (nothing to fold in).
    pub fn journal_len(&self) -> u64 {
        self.sizes().journal
    }

    /// The writer, held from a commit's serialisation to its write (see the type's comment).
    pub fn writer(&self) -> Writer<'_> {
        Writer {
            persister: self,
            sizes: self.sizes(),
        }
    }
}

/// The right to write, in commit order.
pub struct Writer<'a> {
    persister: &'a Persister,
    sizes: MutexGuard<'a, Sizes>,
}

impl Writer<'_> {
    /// Whether the next commit should rewrite the base instead of appending.
    pub fn wants_full(&self) -> bool {
        self.sizes.journal > 2 * self.sizes.base.max(MIN_COMPACT_BYTES)
    }

    /// Replace the base with `bytes` (the whole cloud) atomically, then drop the journal.
    pub fn write_full(&mut self, bytes: &[u8]) -> Result<(), EmulatorError> {
        let path = &self.persister.path;
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        // The files hold secret values and the token-signing key: 0600 in a 0700 folder, and
        // never written through a symlink.
        crate::private_fs::create_private_dir(dir)
            .and_then(|()| crate::private_fs::write_private_atomically(path, bytes))
            .map_err(|e| state_err(path, e.to_string()))?;
        self.sizes.base = bytes.len() as u64;
        match std::fs::remove_file(&self.persister.journal) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(state_err(&self.persister.journal, e.to_string())),
        }
        self.sizes.journal = 0;
        Ok(())
    }

    /// Append one journal line (see [`journal_line`]). Every journal write goes through here.
    pub fn append(&mut self, line: &[u8]) -> Result<(), EmulatorError> {
        if line.is_empty() {
            return Ok(());
        }
        let journal = &self.persister.journal;
        let mut f = crate::private_fs::open_private(
            journal,
            std::fs::OpenOptions::new().create(true).append(true),
        )
        .map_err(|e| state_err(journal, e.to_string()))?;
        f.write_all(line)
            .map_err(|e| state_err(journal, e.to_string()))?;
        self.sizes.journal += line.len() as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Record;

    fn record(id: &str, v: u64) -> Record {
        Record {
            id: id.into(),
            arm_type: "N/t".into(),
            api_version: "1".into(),
            body: serde_json::json!({ "v": v }),
            visible_at_ms: 0,
            operation: None,
        }
    }

    /// Commit as the server does: number it, write the line (or the whole cloud), clear.
    fn commit(p: &Persister, cloud: &mut Cloud, full: bool) {
        cloud.seq += 1;
        let mut w = p.writer();
        if full || cloud.dirty.all {
            w.write_full(&serde_json::to_vec(&*cloud).unwrap()).unwrap();
        } else {
            w.append(&journal_line(cloud).unwrap()).unwrap();
        }
        cloud.dirty = Default::default();
    }

    #[test]
    fn missing_file_is_an_empty_cloud_and_writes_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let p = Persister::new(dir.path().join("sub/state.json"));
        let mut c = p.load().unwrap();
        assert!(c.resources.is_empty());
        c.token_key = "abc".into();
        commit(&p, &mut c, true);
        c.insert("a".into(), record("/a", 1));
        c.insert("b".into(), record("/b", 1));
        commit(&p, &mut c, false);
        c.remove("a");
        c.get_mut("b").unwrap().body["v"] = 2.into();
        commit(&p, &mut c, false);
        let back = Persister::new(dir.path().join("sub/state.json"))
            .load()
            .unwrap();
        assert_eq!(back.token_key, "abc");
        assert_eq!(back.resources.keys().collect::<Vec<_>>(), ["b"]);
        assert_eq!(back.resources["b"].body["v"], 2);
        assert_eq!(back.seq, 3);
    }

    #[test]
    fn a_line_costs_what_changed_not_the_cloud() {
        let dir = tempfile::tempdir().unwrap();
        let p = Persister::new(dir.path().join("s.json"));
        let mut c = p.load().unwrap();
        let mut sizes = Vec::new();
        for n in 0..200 {
            c.insert(format!("k{n:04}"), record(&format!("/k{n:04}"), n));
            c.seq += 1;
            sizes.push(journal_line(&c).unwrap().len());
            c.dirty = Default::default();
        }
        assert!(
            sizes
                .iter()
                .all(|s| *s == sizes[0] || s.abs_diff(sizes[0]) <= 8)
        );
    }

    #[test]
    fn lines_the_base_holds_are_skipped_and_a_torn_last_line_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        let p = Persister::new(path.clone());
        let mut c = p.load().unwrap();
        c.insert("a".into(), record("/a", 1));
        commit(&p, &mut c, false);
        let stale = std::fs::read(p.journal_path()).unwrap();
        c.get_mut("a").unwrap().body["v"] = 2.into();
        // The base now holds v = 2; a crash left the journal of v = 1 behind it.
        commit(&p, &mut c, true);
        let mut journal = stale;
        journal.extend_from_slice(br#"{"seq": 9, "resources": {"a": nu"#);
        std::fs::write(p.journal_path(), journal).unwrap();
        let back = Persister::new(path).load().unwrap();
        assert_eq!(back.resources["a"].body["v"], 2);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        std::fs::write(&path, "not json").unwrap();
        assert!(Persister::new(path.clone()).load().is_err());
        std::fs::write(&path, "{}").unwrap();
        let p = Persister::new(path);
        std::fs::write(p.journal_path(), "garbage\n{\"seq\": 1}\n").unwrap();
        assert!(p.load().is_err());
    }
}
