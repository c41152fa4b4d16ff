//! arm: the ARM REST client on azure_core: requests by id, long-running operations, retries,
//! throttling, credentials.
//!
//! ```text
//! ArmClient::put/patch/delete/get/post ──▶ execute (pacer, retries) ──▶ azure_core Pipeline
//!        │                                                        (bearer token, one reqwest client)
//!        └──▶ lro: Azure-AsyncOperation / Location / provisioningState polling
//! ```

mod client;
pub mod config;
pub mod credentials;
pub mod error;
pub mod events;
pub mod ids;
pub mod lro;
mod ops;
mod retry;
pub mod stats;
mod throttle;

pub use client::ArmClient;
pub use config::{ArmConfig, Bucket, Cloud, PollPolicy, RetryPolicy, ThrottlePolicy, Timeouts};
pub use credentials::{Credential, CredentialKind, CredentialSource, Env, ProcessEnv};
pub use error::{ArmError, ErrorDetail, OperationStatus};
pub use events::{ArmEvent, EventSink, OpContext};
pub use ops::DeleteOutcome;
pub use stats::RequestStats;
