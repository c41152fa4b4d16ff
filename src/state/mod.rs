//! state: what azlift manages, per environment: the state document, its storage behind the
//! [`StateBackend`] trait (local file today, Azure Blob later), its lock, and the guard that
//! keeps secrets out of it.
//!
//! The scheduler talks to a [`StateSession`]: it holds the lock for the whole run and writes
//! the document atomically after every resource.

mod arm_id;
mod backend;
mod document;
mod error;
mod guard;
mod hash;
mod local;
pub mod outputs;
mod session;

pub use arm_id::arm_type_of_id;
pub use backend::{LockInfo, StateBackend, StateLock};
pub use document::{FORMAT_VERSION, StateDocument, StateEntry};
pub use error::StateError;
pub use guard::{check_document, check_entry};
pub use hash::{applied_hash, canonical_json, hash_value, write_only_hashes};
pub use local::LocalBackend;
pub use session::StateSession;
