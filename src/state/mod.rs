//! state: what azlift manages, per environment: the state document, its storage behind the
//! [`StateBackend`] trait (a local file, or a blob in Azure Storage with a lease as its lock),
//! the choice between them (`[state]`, `--state-url`), the recovery operations (history,
//! push, migrate) and the guard that keeps secrets out of it.
//!
//! The scheduler talks to a [`StateSession`]: it holds the lock for the whole run and makes
//! every recorded resource durable by appending its change to the backend's journal (the
//! document is compacted when the run ends), so a write costs what changed, not the project.

mod arm_id;
pub mod azblob;
mod backend;
mod config;
mod document;
mod error;
mod guard;
mod journal;
mod local;
pub mod outputs;
mod recovery;
mod session;

pub use arm_id::arm_type_of_id;
pub use azblob::AzBlobBackend;
pub use backend::{LockHolder, LockInfo, StateBackend, StateLock, StateVersion};
pub use config::{
    BackendChoice, BlobLocation, STATE_SAS_ENV, STATE_URL_ENV, Sas, StateConfig, StateSettings,
    check_account, check_container, check_key, default_key, open_backend, parse_duration,
    parse_state_url,
};
pub(crate) use document::now;
pub use document::{FORMAT_VERSION, OutputEntry, StateDocument, StateEntry};
pub use error::StateError;
pub use guard::{check_document, check_entry};
pub use journal::{JournalError, JournalRecord, StateChange, replay};
pub use local::LocalBackend;
pub use recovery::{MigrateOutcome, migrate, push, restore};
pub use session::{StateSession, lock_waiting};
