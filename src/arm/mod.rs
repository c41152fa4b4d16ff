//! arm: the ARM REST client on azure_core: requests by id, long-running operations, retries,
//! throttling, credentials.
//!
//! ```text
//! ArmClient::put/patch/delete/get/post ──▶ execute (pacer, retries) ──▶ azure_core Pipeline
//!        │                                                        (bearer token, one reqwest client)
//!        └──▶ lro: Azure-AsyncOperation / Location / provisioningState polling
//! ```
//!
//! Behaviour, in one place:
//! - **Requests** go through one azure_core `Pipeline` (bearer token policy, the SDK's retry
//!   policy off) over one reqwest 0.13 client that the credential shares. https only.
//! - **Retries** (`RetryPolicy`, per request, each LRO poll being its own request): 429
//!   waits at least `Retry-After` and blocks that throttling class for every task; 408/5xx and
//!   connection failures back off exponentially with full jitter (never below a sent
//!   `Retry-After`); 409 "another operation in progress" (and 429
//!   `RetryableErrorDueToAnotherOperation`) wait and retry; a 404 right after a write, or a
//!   PUT's `ParentResourceNotFound`/`ResourceGroupNotFound`, is retried a few times
//!   (`consistency_retries`). 400, 401, 403 and other 404/409s are final.
//! - **Pacing**: `x-ms-ratelimit-remaining-subscription-{reads,writes,deletes}` below 10% of
//!   the bucket spaces that class's requests slightly slower than the bucket refills.
//! - **LROs**: `Azure-AsyncOperation` (status `Succeeded`/`Failed`/`Canceled`), else
//!   `Location` (202 running; 200/201/204 done), else `provisioningState` on GET; poll
//!   interval = `Retry-After` within `PollPolicy` bounds, else a tenth of the elapsed time.
//!   PUT/PATCH end with a GET of the resource. A per-type limit (`Timeouts`) bounds the whole
//!   operation.
//! - **Lists** (`list`): a collection GET follows `nextLink` (which, like a polling URL, must
//!   point at the ARM endpoint) up to a page budget.
//! - **Events** (`ArmEvent`) go to the `OpContext` sink; a cancel signal in the context stops
//!   waiting (not a request already sent).

mod client;
pub mod config;
pub mod credentials;
pub mod error;
pub mod events;
pub mod ids;
mod list;
pub mod lro;
mod ops;
mod retry;
pub mod stats;
mod throttle;

pub use client::{ArmClient, http_client};
pub use config::{ArmConfig, Bucket, Cloud, PollPolicy, RetryPolicy, ThrottlePolicy, Timeouts};
pub use credentials::{Credential, CredentialKind, CredentialSource, Env, ProcessEnv};
pub use error::{ArmError, ErrorDetail, HttpFailure, OperationFailure, OperationStatus};
pub use events::{ArmEvent, EventSink, OpContext};
pub use list::Listing;
pub use ops::DeleteOutcome;
pub use stats::RequestStats;
