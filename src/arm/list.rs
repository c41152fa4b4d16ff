//! ARM list operations: `GET {scope}/providers/{ns}/{type}` and its `nextLink` pages, the
//! way plan observes many resources of one type with few requests.

use azure_core::http::Method;
use serde_json::Value;

use super::client::ArmClient;
use super::error::ArmError;
use super::retry::Expect;

/// What a list returned.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    /// The items of the pages read, in order.
    pub items: Vec<Value>,
    /// `true` when the last page was read (no `nextLink` left); `false` when the page budget
    /// ran out first, so resources not among `items` may still exist.
    pub complete: bool,
    /// Requests sent (pages read).
    pub pages: usize,
}

impl ArmClient {
    /// List the collection `collection` (`/subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}/{type}`),
    /// following `nextLink` for at most `max_pages` pages (at least one). `Ok(None)` when
    /// the scope does not exist (404: the group is gone, so is everything in it). A
    /// `nextLink` must point at the ARM endpoint (as polling URLs must) before it gets the
    /// bearer token.
    pub async fn list(
        &self,
        collection: &str,
        api_version: &str,
        max_pages: usize,
    ) -> Result<Option<Listing>, ArmError> {
        let ctx = self.default_ctx().clone();
        let op = self.op(collection, &ctx);
        let mut url = self.url(collection, api_version)?;
        let mut listing = Listing {
            items: Vec::new(),
            complete: false,
            pages: 0,
        };
        loop {
            let r = self
                .execute(Method::Get, &url, None, Expect::default(), &op)
                .await?;
            listing.pages += 1;
            match r.status {
                404 if listing.pages == 1 => return Ok(None),
                _ if r.is_success() => {}
                _ => return Err(r.into_error(Method::Get, collection)),
            }
            let mut body = r.body;
            match body.get_mut("value").map(Value::take) {
                Some(Value::Array(items)) => listing.items.extend(items),
                Some(Value::Null) | None => {}
                Some(other) => {
                    return Err(ArmError::InvalidResponse {
                        resource: collection.to_string(),
                        message: format!("a list's `value` is not an array: {other}"),
                    });
                }
            }
            let next = body
                .get("nextLink")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty());
            match next {
                None => {
                    listing.complete = true;
                    return Ok(Some(listing));
                }
                Some(_) if listing.pages >= max_pages.max(1) => return Ok(Some(listing)),
                Some(link) => url = self.trusted_poll_url(link, collection)?,
            }
        }
    }
}
