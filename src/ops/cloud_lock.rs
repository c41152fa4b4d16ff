//! One embedded emulator per local cloud: a `--local` run holds an OS lock on
//! `.azlift/local-cloud.lock` (with its holder's info) for as long as its emulator runs, so a
//! second run in the same folder waits for it or is refused with the holder named, instead of
//! both rewriting `local-cloud.json` and one losing the other's resources.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::emulator::private_fs;
use crate::state::LockInfo;

use super::OpsError;

/// How often a waiting run tries the lock again.
const RETRY_EVERY: Duration = Duration::from_millis(200);

/// The lock file of the local cloud of a project.
pub fn cloud_lock_file(project_dir: &Path) -> PathBuf {
    project_dir.join(".azlift").join("local-cloud.lock")
}

/// The held lock of one local cloud; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct CloudLock {
    file: File,
}

impl Drop for CloudLock {
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
        let _ = fs4::FileExt::unlock(&self.file);
    }
}

impl CloudLock {
    /// Take the lock of the local cloud of `project_dir` for `who`, waiting up to `wait` for
    /// another run to release it.
    pub async fn acquire(
        project_dir: &Path,
        who: &LockInfo,
        wait: Duration,
    ) -> Result<CloudLock, OpsError> {
        let dir = project_dir.join(".azlift");
        let path = cloud_lock_file(project_dir);
        let io = |what: &str, e: std::io::Error| {
            OpsError::Config(format!("cannot {what} {}: {e}", path.display()))
        };
        private_fs::ensure_private_dir(&dir).map_err(|e| io("create the folder of", e))?;
        let mut file = private_fs::open_private(
            &path,
            OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false),
        )
        .map_err(|e| io("open", e))?;
        let deadline = Instant::now() + wait;
        loop {
            match fs4::FileExt::try_lock(&file) {
                Ok(()) => break,
                Err(fs4::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    tokio::time::sleep(RETRY_EVERY).await;
                }
                Err(fs4::TryLockError::WouldBlock) => {
                    let holder = read_holder(&mut file)
                        .map(|h| h.to_string())
                        .unwrap_or_else(|| "another process".to_string());
                    return Err(OpsError::Config(format!(
                        "the local cloud of this folder is in use by {holder}: only one `--local` run at a time may serve it (lock: {}). Wait for that run to finish, or pass `--lock-timeout 5m` to wait for it",
                        path.display()
                    )));
                }
                Err(fs4::TryLockError::Error(e)) => return Err(io("lock", e)),
            }
        }
        let info = serde_json::to_vec_pretty(who)
            .map_err(|e| OpsError::Config(format!("lock info: {e}")))?;
        file.set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)).map(|_| ()))
            .and_then(|()| file.write_all(&info))
            .and_then(|()| file.sync_all())
            .map_err(|e| io("write", e))?;
        Ok(CloudLock { file })
    }
}

/// The holder's info, when it has written it.
fn read_holder(file: &mut File) -> Option<LockInfo> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    serde_json::from_str(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_holder_is_refused_with_the_first_named_then_gets_it() {
        let dir = tempfile::tempdir().unwrap();
        let first = LockInfo::current("azlift up --local");
        let held = CloudLock::acquire(dir.path(), &first, Duration::ZERO)
            .await
            .unwrap();
        let err = CloudLock::acquire(
            dir.path(),
            &LockInfo::current("azlift plan"),
            Duration::ZERO,
        )
        .await
        .unwrap_err()
        .to_string();
        assert!(err.contains("azlift up --local"), "{err}");
        assert!(
            err.contains(&format!("pid {}", std::process::id())),
            "{err}"
        );
        drop(held);
        CloudLock::acquire(
            dir.path(),
            &LockInfo::current("azlift plan"),
            Duration::ZERO,
        )
        .await
        .unwrap();
    }
}
