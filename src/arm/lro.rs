//! Long-running operations: following `Azure-AsyncOperation` or `Location` to the end,
//! honouring `Retry-After`, and waiting for a resource's `provisioningState` to settle.

use std::time::Duration;

use azure_core::http::{Method, Url};
use serde_json::Value;

use super::client::{ArmClient, ArmResponse, Op};
use super::config::PollPolicy;
use super::error::{ArmError, ErrorBody, OperationStatus};
use super::events::ArmEvent;
use super::retry::{self, Expect};

/// `properties.provisioningState` of a resource body.
pub fn provisioning_state(body: &Value) -> Option<&str> {
    body.get("properties")?.get("provisioningState")?.as_str()
}

/// Whether a provisioning or operation status is final: `Succeeded`, `Failed`, `Canceled`
/// (and `Deleted`, or any `...Failed` such as `UpgradeFailed`).
pub fn is_terminal(state: &str) -> bool {
    let s = state.to_ascii_lowercase();
    matches!(
        s.as_str(),
        "succeeded" | "failed" | "canceled" | "cancelled" | "deleted"
    ) || s.ends_with("failed")
}

/// How long to wait before the next poll.
pub(crate) fn poll_interval(
    policy: &PollPolicy,
    retry_after: Option<Duration>,
    elapsed: Duration,
) -> Duration {
    let d = match retry_after {
        Some(ra) => ra,
        // Scale with the time already spent: a 40-minute APIM create is not polled every 3 s.
        None => (elapsed / 10).max(policy.default_interval),
    };
    d.max(policy.min_interval).min(policy.max_interval)
}

/// What the operation being followed is, which decides what a finished `Location` poll means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LroKind {
    Write,
    Delete,
    Action,
}

fn operation_failed(
    op: &Op<'_>,
    status: OperationStatus,
    body: &Value,
    request_id: Option<String>,
) -> ArmError {
    let parsed = ErrorBody::parse(body).unwrap_or_default();
    let code = if parsed.top.code.is_empty() {
        format!("Operation{status}")
    } else {
        parsed.top.code
    };
    ArmError::OperationFailed {
        resource: op.resource.to_string(),
        status,
        code,
        message: parsed.top.message,
        target: parsed.top.target,
        details: parsed.details,
        request_id,
    }
}

fn status_of(s: &str) -> Option<OperationStatus> {
    match s.to_ascii_lowercase().as_str() {
        "failed" => Some(OperationStatus::Failed),
        "canceled" | "cancelled" => Some(OperationStatus::Canceled),
        _ => None,
    }
}

impl ArmClient {
    /// Follows the long-running operation a write, delete or action answered with, if any.
    /// Returns the last poll's answer (`None` when there was nothing to follow).
    pub(crate) async fn follow(
        &self,
        first: &ArmResponse,
        op: &Op<'_>,
        kind: LroKind,
    ) -> Result<Option<ArmResponse>, ArmError> {
        let initial_status = provisioning_state(&first.body)
            .unwrap_or(if first.status == 202 {
                "Accepted"
            } else {
                "InProgress"
            })
            .to_string();
        let first_wait = retry::retry_after(&first.headers);
        if let Some(raw) = first.header("azure-asyncoperation") {
            let url = self.trusted_poll_url(raw, op.resource)?;
            let done = self
                .poll_async_operation(&url, op, first_wait, initial_status.clone())
                .await?;
            // An action's result (and some deletes' confirmation) is at `Location`.
            if kind == LroKind::Action {
                if let Some(loc) = first.header("location") {
                    let url = self.trusted_poll_url(loc, op.resource)?;
                    return self
                        .poll_location(&url, op, None, kind, initial_status)
                        .await
                        .map(Some);
                }
            }
            return Ok(Some(done));
        }
        if matches!(first.status, 201 | 202) {
            if let Some(raw) = first.header("location") {
                let url = self.trusted_poll_url(raw, op.resource)?;
                return self
                    .poll_location(&url, op, first_wait, kind, initial_status)
                    .await
                    .map(Some);
            }
        }
        Ok(None)
    }

    /// Polls an `Azure-AsyncOperation` URL until `Succeeded` (returns its answer), `Failed`
    /// or `Canceled` (returns [`ArmError::OperationFailed`] with the operation's error).
    async fn poll_async_operation(
        &self,
        url: &Url,
        op: &Op<'_>,
        mut retry_after: Option<Duration>,
        mut status: String,
    ) -> Result<ArmResponse, ArmError> {
        loop {
            let delay = poll_interval(self.poll_policy(), retry_after, op.elapsed());
            op.ctx.emit(ArmEvent::Polling {
                status: status.clone(),
                elapsed: op.elapsed(),
                next_poll: delay,
            });
            op.wait(delay).await?;
            let r = self
                .execute(Method::Get, url, None, Expect::default(), op)
                .await?;
            if !r.is_success() {
                return Err(r.into_error(Method::Get, op.resource));
            }
            status = r
                .body
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or("InProgress")
                .to_string();
            if status.eq_ignore_ascii_case("succeeded") {
                return Ok(r);
            }
            if let Some(s) = status_of(&status) {
                return Err(operation_failed(op, s, &r.body, r.request_id()));
            }
            retry_after = retry::retry_after(&r.headers);
        }
    }

    /// Polls a `Location` URL: 202 while running; 200/201/204 when done (and 404 for a
    /// delete: the resource is gone); anything else is the operation's failure.
    async fn poll_location(
        &self,
        url: &Url,
        op: &Op<'_>,
        mut retry_after: Option<Duration>,
        kind: LroKind,
        status: String,
    ) -> Result<ArmResponse, ArmError> {
        loop {
            let delay = poll_interval(self.poll_policy(), retry_after, op.elapsed());
            op.ctx.emit(ArmEvent::Polling {
                status: status.clone(),
                elapsed: op.elapsed(),
                next_poll: delay,
            });
            op.wait(delay).await?;
            let r = self
                .execute(Method::Get, url, None, Expect::default(), op)
                .await?;
            match r.status {
                202 => retry_after = retry::retry_after(&r.headers),
                200 | 201 | 204 => return Ok(r),
                404 if kind == LroKind::Delete => return Ok(r),
                _ => {
                    if ErrorBody::parse(&r.body).is_some() {
                        let rid = r.request_id();
                        return Err(operation_failed(op, OperationStatus::Failed, &r.body, rid));
                    }
                    return Err(r.into_error(Method::Get, op.resource));
                }
            }
        }
    }

    /// GETs `id` until its `provisioningState` is terminal (or absent). `None` when the
    /// resource does not exist. With `after_write`, a 404 is first retried (eventual
    /// consistency) and then an error.
    pub(crate) async fn read_settled(
        &self,
        id: &str,
        api_version: &str,
        op: &Op<'_>,
        after_write: bool,
    ) -> Result<Option<Value>, ArmError> {
        let url = self.url(id, api_version)?;
        let expect = Expect {
            after_write,
            ..Default::default()
        };
        loop {
            let r = self.execute(Method::Get, &url, None, expect, op).await?;
            if r.status == 404 && !after_write {
                return Ok(None);
            }
            if !r.is_success() {
                return Err(r.into_error(Method::Get, id));
            }
            let state = provisioning_state(&r.body).map(str::to_string);
            match state {
                Some(s) if !is_terminal(&s) => {
                    let delay = poll_interval(
                        self.poll_policy(),
                        retry::retry_after(&r.headers),
                        op.elapsed(),
                    );
                    op.ctx.emit(ArmEvent::Polling {
                        status: s,
                        elapsed: op.elapsed(),
                        next_poll: delay,
                    });
                    op.wait(delay).await?;
                }
                _ => return Ok(Some(r.body)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn terminal_states() {
        for s in ["Succeeded", "failed", "Canceled", "UpgradeFailed"] {
            assert!(is_terminal(s), "{s}");
        }
        for s in [
            "Creating",
            "Updating",
            "InProgress",
            "Accepted",
            "Deleting",
            "Activating",
        ] {
            assert!(!is_terminal(s), "{s}");
        }
        assert_eq!(
            provisioning_state(&json!({"properties": {"provisioningState": "Creating"}})),
            Some("Creating")
        );
    }

    #[test]
    fn poll_interval_honours_retry_after_within_bounds_and_scales_without_it() {
        let p = PollPolicy::default();
        let s = Duration::from_secs;
        assert_eq!(poll_interval(&p, Some(s(15)), s(0)), s(15));
        assert_eq!(poll_interval(&p, Some(s(0)), s(0)), p.min_interval);
        assert_eq!(poll_interval(&p, Some(s(3600)), s(0)), p.max_interval);
        assert_eq!(poll_interval(&p, None, s(5)), p.default_interval);
        assert_eq!(poll_interval(&p, None, s(300)), s(30));
    }
}
