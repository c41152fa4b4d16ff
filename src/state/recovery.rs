//! Recovery and moves, on any backend: `state push` (store a document from a file),
//! restoring an earlier version (`state pull --restore`), and `state migrate` between two
//! backends. Each takes the lock like a run does and stores through the backend's normal,
//! checked write; the secret guard applies to every document stored.

use std::time::Duration;

use crate::events::Redactor;

use super::backend::{LockInfo, StateBackend};
use super::document::StateDocument;
use super::error::StateError;
use super::guard::check_document;
use super::session::lock_waiting;

/// Store `doc` as the current state of `backend` (`azlift state push FILE`). Refused when
/// the stored state is of another lineage or environment, or when `doc.serial` is not newer
/// than the stored serial (unless `force`, which lifts the serial check only). Returns the
/// serial stored.
pub async fn push(
    backend: &dyn StateBackend,
    doc: StateDocument,
    who: &LockInfo,
    wait: Duration,
    force: bool,
) -> Result<u64, StateError> {
    check_document(&doc, &Redactor::new())?;
    let lock = lock_waiting(backend, who, wait).await?;
    let result = async {
        match backend.read().await? {
            None => {
                backend.create(&doc, &lock).await?;
                Ok(doc.serial)
            }
            Some(stored) => {
                if stored.lineage != doc.lineage {
                    return Err(StateError::Refused {
                        message: format!(
                            "refusing to push: {} holds lineage {}, the file has {}",
                            backend.location(),
                            stored.lineage,
                            doc.lineage
                        ),
                        help: "the file is the state of another project or environment; `azlift state pull` shows what is stored".to_string(),
                    });
                }
                if stored.environment != doc.environment {
                    return Err(StateError::EnvironmentMismatch {
                        location: backend.location(),
                        expected: stored.environment,
                        found: doc.environment,
                    });
                }
                if doc.serial <= stored.serial && !force {
                    return Err(StateError::Refused {
                        message: format!(
                            "refusing to push serial {} over the stored serial {}: the stored state is as new or newer",
                            doc.serial, stored.serial
                        ),
                        help: "to go back to an earlier version use `azlift state pull --version ID --restore`; `--force` pushes anyway".to_string(),
                    });
                }
                let mut next = doc;
                next.serial = stored.serial;
                backend.write(&mut next, &lock).await?;
                Ok(next.serial)
            }
        }
    }
    .await;
    let unlocked = backend.unlock(lock).await;
    let serial = result?;
    unlocked?;
    Ok(serial)
}

/// Make version `id` (from `history`) the current state again, as a normal write under the
/// lock: the restored document gets the next serial, so nothing is lost (the version it
/// replaces stays in the history). Returns the document stored.
pub async fn restore(
    backend: &dyn StateBackend,
    id: &str,
    who: &LockInfo,
    wait: Duration,
) -> Result<StateDocument, StateError> {
    // Read first: versions are immutable, except the local backup, which taking the lock
    // refreshes (it is the version the user saw in `history`).
    let old = backend.read_version(id).await?;
    check_document(&old, &Redactor::new())?;
    let lock = lock_waiting(backend, who, wait).await?;
    let result = async {
        let mut next = old;
        match backend.read().await? {
            None => {
                backend.create(&next, &lock).await?;
            }
            Some(current) => {
                if current.lineage != next.lineage {
                    return Err(StateError::LineageMismatch {
                        expected: current.lineage,
                        found: next.lineage,
                    });
                }
                next.serial = current.serial;
                backend.write(&mut next, &lock).await?;
            }
        }
        Ok(next)
    }
    .await;
    let unlocked = backend.unlock(lock).await;
    let doc = result?;
    unlocked?;
    Ok(doc)
}

/// What `migrate` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MigrateOutcome {
    /// The document was stored in the target with this serial.
    Copied { serial: u64, resources: usize },
    /// The target already held this very document.
    AlreadyThere { serial: u64 },
}

/// Copy the state of `from` into `to` (`azlift state migrate`), keeping its lineage and
/// every resource. Both are locked for the move. An empty target gets the document with its
/// serial; a target of the same lineage is updated when it is older; a target of another
/// lineage, or a newer one, is never overwritten. `from` is left as it was.
pub async fn migrate(
    from: &dyn StateBackend,
    to: &dyn StateBackend,
    who: &LockInfo,
    wait: Duration,
) -> Result<MigrateOutcome, StateError> {
    if from.location() == to.location() {
        return Err(StateError::Refused {
            message: format!("the source and the target are both {}", from.location()),
            help: "configure the other backend ([state] in the manifest or --state-url) and name it with --to".to_string(),
        });
    }
    let from_lock = lock_waiting(from, who, wait).await?;
    let to_lock = match lock_waiting(to, who, wait).await {
        Ok(l) => l,
        Err(e) => {
            from.unlock(from_lock).await?;
            return Err(e);
        }
    };
    let result = async {
        let Some(doc) = from.read().await? else {
            return Err(StateError::Refused {
                message: format!("there is no state at {} to migrate", from.location()),
                help: "run `azlift up` first, or check -e and the backend settings".to_string(),
            });
        };
        check_document(&doc, &Redactor::new())?;
        match to.read().await? {
            None => {
                to.create(&doc, &to_lock).await?;
                Ok(MigrateOutcome::Copied {
                    serial: doc.serial,
                    resources: doc.resources.len(),
                })
            }
            Some(target) if target.lineage != doc.lineage => Err(StateError::Refused {
                message: format!(
                    "refusing to migrate: {} already holds state of another lineage ({}, not {})",
                    to.location(),
                    target.lineage,
                    doc.lineage
                ),
                help: "that state belongs to another project or environment; choose another key, or remove it if it is really unused".to_string(),
            }),
            Some(target) if target.serial == doc.serial && target.resources == doc.resources => {
                Ok(MigrateOutcome::AlreadyThere {
                    serial: target.serial,
                })
            }
            Some(target) if target.serial >= doc.serial => Err(StateError::Refused {
                message: format!(
                    "refusing to migrate: {} holds serial {}, as new as or newer than the source's {}",
                    to.location(),
                    target.serial,
                    doc.serial
                ),
                help: "the target was changed after the last migration; migrate the other way, or push a chosen version with `azlift state push`".to_string(),
            }),
            Some(target) => {
                let mut next = doc;
                next.serial = target.serial;
                let resources = next.resources.len();
                to.write(&mut next, &to_lock).await?;
                Ok(MigrateOutcome::Copied {
                    serial: next.serial,
                    resources,
                })
            }
        }
    }
    .await;
    let a = to.unlock(to_lock).await;
    let b = from.unlock(from_lock).await;
    let outcome = result?;
    a?;
    b?;
    Ok(outcome)
}
