//! Persistence of the whole cloud to one JSON file: loaded at start, rewritten atomically
//! (temporary file in the same directory, then rename) after every change. The file is
//! private (0600, folder 0700, no symlink followed; see [`crate::private_fs`]).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::config::EmulatorError;
use crate::store::Cloud;

/// Writes snapshots of the cloud; a snapshot older than the last one written is skipped, so
/// concurrent requests never put an older state on disk after a newer one.
#[derive(Debug)]
pub struct Persister {
    path: PathBuf,
    written: Mutex<u64>,
}

fn state_err(path: &Path, message: impl Into<String>) -> EmulatorError {
    EmulatorError::State {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

impl Persister {
    pub fn new(path: PathBuf) -> Self {
        Persister {
            path,
            written: Mutex::new(0),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The cloud stored in the file; an empty cloud when the file does not exist yet.
    pub fn load(&self) -> Result<Cloud, EmulatorError> {
        let bytes = match crate::private_fs::read_private(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Cloud::default()),
            Err(e) => return Err(state_err(&self.path, e.to_string())),
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Cloud::default());
        }
        let mut cloud: Cloud = serde_json::from_slice(&bytes)
            .map_err(|e| state_err(&self.path, format!("not an emulator state file: {e}")))?;
        cloud.reindex();
        Ok(cloud)
    }

    /// Write snapshot number `generation` (serialised JSON) unless a newer one is on disk.
    pub fn write(&self, generation: u64, bytes: &[u8]) -> Result<(), EmulatorError> {
        let mut last = self.written.lock().unwrap_or_else(|p| p.into_inner());
        if generation <= *last {
            return Ok(());
        }
        let dir = self
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        // The file holds secret values and the token-signing key: 0600 in a 0700 folder, and
        // never written through a symlink.
        crate::private_fs::create_private_dir(dir)
            .and_then(|()| crate::private_fs::write_private_atomically(&self.path, bytes))
            .map_err(|e| state_err(&self.path, e.to_string()))?;
        *last = generation;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_is_an_empty_cloud_and_writes_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let p = Persister::new(dir.path().join("sub/state.json"));
        assert!(p.load().unwrap().resources.is_empty());
        let c = Cloud {
            token_key: "abc".into(),
            ..Cloud::default()
        };
        p.write(1, &serde_json::to_vec(&c).unwrap()).unwrap();
        // an older snapshot does not overwrite a newer one
        p.write(1, b"{}").unwrap();
        assert_eq!(p.load().unwrap().token_key, "abc");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        std::fs::write(&path, "not json").unwrap();
        assert!(Persister::new(path).load().is_err());
    }
}
