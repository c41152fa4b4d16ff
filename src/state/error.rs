//! The errors of reading, writing and locking state.

use std::path::PathBuf;

use super::backend::LockInfo;

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum StateError {
    #[error("{}", locked_message(.holder))]
    #[diagnostic(
        code(azlift::state::locked),
        help(
            "wait for that run to finish; a lock held by a process that died is released by the OS, so re-running is always safe (lock file: {})",
            .path.display()
        )
    )]
    Locked {
        holder: Option<LockInfo>,
        path: PathBuf,
    },

    #[error("cannot {action} {}: {source}", .path.display())]
    #[diagnostic(code(azlift::state::io))]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("the state file {} is not valid: {source}", .path.display())]
    #[diagnostic(
        code(azlift::state::corrupt),
        help(
            "the state as it was before the last run that changed it is kept beside it as state.backup.json"
        )
    )]
    Corrupt {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },

    #[error("the state file {} has format version {found}; this azlift reads up to {supported}", .path.display())]
    #[diagnostic(code(azlift::state::version), help("upgrade azlift"))]
    UnsupportedVersion {
        path: PathBuf,
        found: u32,
        supported: u32,
    },

    #[error("state changed behind azlift's back: expected serial {expected}, found {found}")]
    #[diagnostic(
        code(azlift::state::conflict),
        help(
            "another writer changed the state without holding the lock; re-run to start from the current state"
        )
    )]
    Conflict { expected: u64, found: u64 },

    #[error("the stored state belongs to another lineage ({found}), not {expected}")]
    #[diagnostic(
        code(azlift::state::lineage),
        help(
            "the state file was replaced by one from another project or environment; azlift refuses to overwrite it"
        )
    )]
    LineageMismatch {
        expected: uuid::Uuid,
        found: uuid::Uuid,
    },

    #[error("the state at {location} is for environment `{found}`, not `{expected}`")]
    #[diagnostic(code(azlift::state::environment))]
    EnvironmentMismatch {
        location: String,
        expected: String,
        found: String,
    },

    #[error("refusing to store a secret in state: {address} {field} holds a secret value")]
    #[diagnostic(
        code(azlift::state::secret),
        help(
            "secrets are kept in state only as hashes; this is a bug in azlift, please report it"
        )
    )]
    SecretInState { address: String, field: String },

    #[error("this lock was not taken on {location}")]
    #[diagnostic(code(azlift::state::wrong_lock))]
    WrongLock { location: String },

    #[error("`{0}` is not a valid environment name (letters, digits, `-`, `_` and `.` only)")]
    #[diagnostic(code(azlift::state::environment_name))]
    InvalidEnvironment(String),

    #[error("state could not be serialised: {0}")]
    #[diagnostic(code(azlift::state::serialise))]
    Serialise(#[source] serde_json::Error),
}

fn locked_message(holder: &Option<LockInfo>) -> String {
    match holder {
        Some(h) => format!("state is locked by {h}"),
        None => "state is locked by another azlift process (its holder info is not readable yet)"
            .to_string(),
    }
}
