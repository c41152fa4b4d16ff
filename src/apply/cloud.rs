//! The narrow view of ARM the engine needs. `arm::ArmClient` implements it for Azure and the
//! emulator; tests implement it in memory. Keeping it narrow keeps the engine testable with
//! plain values.

use std::future::Future;
use std::sync::Arc;

use serde_json::Value;

pub use crate::arm::Listing;

/// An ARM failure as the engine reports it: the deepest ARM error code first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct CloudError {
    /// HTTP status, when there was a response.
    pub status: Option<u16>,
    /// ARM error code (`InvalidRequestContent`, `Conflict`...) or an azlift code
    /// (`Timeout`, `Transport`, `Canceled`).
    pub code: String,
    pub message: String,
}

impl CloudError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        CloudError {
            status: None,
            code: code.into(),
            message: message.into(),
        }
    }
}

/// Progress messages from long operations ("creating, 3m elapsed").
pub type ProgressFn = Arc<dyn Fn(String) + Send + Sync>;

/// ARM by id. Every call retries what is worth retrying and follows long-running operations
/// to their end before it returns.
pub trait Cloud: Send + Sync + 'static {
    /// GET; `Ok(None)` when the resource does not exist.
    fn get(
        &self,
        id: &str,
        api_version: &str,
    ) -> impl Future<Output = Result<Option<Value>, CloudError>> + Send;

    /// PUT and wait for the operation; returns the resource as a GET then shows it.
    fn put(
        &self,
        id: &str,
        api_version: &str,
        body: &Value,
        progress: ProgressFn,
    ) -> impl Future<Output = Result<Value, CloudError>> + Send;

    /// DELETE and wait; a resource already gone is success.
    fn delete(
        &self,
        id: &str,
        api_version: &str,
        progress: ProgressFn,
    ) -> impl Future<Output = Result<(), CloudError>> + Send;

    /// List the collection `collection` (`{group}/providers/{ns}/{type}`), reading at most
    /// `max_pages` pages. `Ok(None)` when this cloud cannot list: the caller reads each
    /// resource with [`Cloud::get`] instead. A collection whose group does not exist is an
    /// empty, complete listing.
    fn list(
        &self,
        collection: &str,
        api_version: &str,
        max_pages: usize,
    ) -> impl Future<Output = Result<Option<Listing>, CloudError>> + Send {
        let _ = (collection, api_version, max_pages);
        async { Ok(None) }
    }

    /// POST an action on a resource (`{id}/{action}`), e.g. `listSecrets`, `sharedKeys`.
    fn post(
        &self,
        id: &str,
        action: &str,
        api_version: &str,
    ) -> impl Future<Output = Result<Value, CloudError>> + Send;
}
