//! The errors of reading, writing and locking state.

use std::path::PathBuf;

use super::backend::LockInfo;

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum StateError {
    #[error("{}", locked_message(.holder))]
    #[diagnostic(code(azlift::state::locked), help("{help} (lock: {location})"))]
    Locked {
        holder: Option<Box<LockInfo>>,
        /// The lock file or lock blob.
        location: String,
        /// What to do, which differs by backend.
        help: String,
    },

    #[error("stale lock held by {holder}: {reason}")]
    #[diagnostic(
        code(azlift::state::stale_lock),
        help(
            "that run ended without releasing the lock, so state may be missing what it did last (the next plan finds and adopts it). Check that it is not still running, then run `azlift state force-unlock` (lock: {location})"
        )
    )]
    StaleLock {
        holder: Box<LockInfo>,
        reason: String,
        location: String,
    },

    #[error("the state at {location} changed since this run read it (its ETag no longer matches)")]
    #[diagnostic(
        code(azlift::state::changed),
        help(
            "something wrote the state blob without holding azlift's lock; azlift refuses to overwrite it. Inspect it with `azlift state history` and `azlift state pull`, then re-run"
        )
    )]
    ConcurrentWrite { location: String },

    #[error("this run lost its lock on {location}: {reason}")]
    #[diagnostic(
        code(azlift::state::lock_lost),
        help(
            "the lease could not be renewed (was `azlift state force-unlock` run, or was the storage unreachable for a minute?); re-run to continue from the stored state"
        )
    )]
    LockLost { location: String, reason: String },

    #[error("cannot {action} {location}: {message}")]
    #[diagnostic(code(azlift::state::remote), help("{help}"))]
    Remote {
        action: &'static str,
        location: String,
        message: String,
        help: String,
    },

    #[error("{message}")]
    #[diagnostic(code(azlift::state::config), help("{help}"))]
    Config { message: String, help: String },

    #[error("{message}")]
    #[diagnostic(code(azlift::state::refused), help("{help}"))]
    Refused { message: String, help: String },

    #[error("{location} has no version `{id}`")]
    #[diagnostic(
        code(azlift::state::no_version),
        help("`azlift state history` lists the versions there are")
    )]
    VersionNotFound { id: String, location: String },

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
            "restore an earlier version: `azlift state history` lists them (the local backend keeps the state before the last run as state.backup.json)"
        )
    )]
    Corrupt {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },

    #[error("the state journal {} is not valid: {source}", .path.display())]
    #[diagnostic(
        code(azlift::state::journal),
        help(
            "the journal holds the changes of a run since the state file was last written in full; restore an earlier version (`azlift state history`), or move the journal aside to fall back to the state file alone"
        )
    )]
    JournalCorrupt {
        path: PathBuf,
        #[source]
        source: super::journal::JournalError,
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

    #[error("the state at {location} belongs to project `{found}`, not `{expected}`")]
    #[diagnostic(
        code(azlift::state::project),
        help(
            "two manifests share this state; give this project its own state (`[state]`, `--state-url`), or run it with the manifest of project `{found}`"
        )
    )]
    ProjectMismatch {
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

fn locked_message(holder: &Option<Box<LockInfo>>) -> String {
    match holder {
        Some(h) => format!("state is locked by {h}"),
        None => "state is locked by another process (its holder info is not readable)".to_string(),
    }
}
