//! Which ARM answers are worth repeating, and how long to wait before repeating them:
//! capped exponential backoff with jitter, `Retry-After` honoured and never undercut.

use std::time::Duration;

use azure_core::http::headers::{HeaderName, Headers};
use rand::Rng;

use super::config::RetryPolicy;
use super::error::ErrorBody;

/// Why a failed attempt may succeed if repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transient {
    /// 429: ARM or a resource provider throttled us.
    Throttled,
    /// 408, 500, 502, 503, 504.
    Server,
    /// 409 (or 429 `RetryableErrorDueToAnotherOperation`): another operation on the resource
    /// is running; it will end.
    OperationInProgress,
    /// 404 explained by eventual consistency.
    NotYetVisible,
    /// No HTTP answer: refused, dropped or timed-out connection.
    Transport,
}

impl Transient {
    pub(crate) fn describe(self, status: Option<u16>, code: &str) -> String {
        let what = match self {
            Transient::Throttled => "throttled",
            Transient::Server => "server error",
            Transient::OperationInProgress => "another operation in progress",
            Transient::NotYetVisible => "not visible yet",
            Transient::Transport => return "connection failed".to_string(),
        };
        match (status, code.is_empty()) {
            (Some(s), false) => format!("{what}: HTTP {s} {code}"),
            (Some(s), true) => format!("{what}: HTTP {s}"),
            (None, _) => what.to_string(),
        }
    }
}

/// Retries of a request that found nothing listening (the endpoint is dead or wrong).
pub(crate) const UNREACHABLE_RETRIES: u32 = 2;

/// Longest wait before retrying an unreachable endpoint.
pub(crate) const UNREACHABLE_DELAY: Duration = Duration::from_millis(500);

/// Whether a transport error says the connection was never made (refused, no route, the
/// name does not resolve), as opposed to one dropped mid-request, which is worth more tries.
pub(crate) fn never_connected(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "connection refused",
        "dns error",
        "failed to lookup address",
        "no route to host",
        "network is unreachable",
        "name or service not known",
    ]
    .iter()
    .any(|p| m.contains(p))
}

/// What the request expects, which decides whether a 404 is transient.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Expect {
    /// A GET right after this client created or updated the resource.
    pub after_write: bool,
    /// A PUT whose parent may have just been created.
    pub parent_may_lag: bool,
}

const IN_PROGRESS_CODES: &[&str] = &[
    "AnotherOperationInProgress",
    "OperationInProgress",
    "ConflictingOperationInProgress",
    "RetryableErrorDueToAnotherOperation",
    "ResourceGroupBeingDeleted",
];

const IN_PROGRESS_PHRASES: &[&str] = &[
    "in progress",
    "another operation",
    "being deleted",
    "being updated",
    "being provisioned",
    "is busy",
];

const PARENT_CODES: &[&str] = &["ParentResourceNotFound", "ResourceGroupNotFound"];

fn any_code(err: &ErrorBody, codes: &[&str]) -> bool {
    std::iter::once(&err.top)
        .chain(err.details.iter())
        .any(|d| codes.iter().any(|c| c.eq_ignore_ascii_case(&d.code)))
}

fn in_progress(err: &ErrorBody) -> bool {
    if any_code(err, IN_PROGRESS_CODES) {
        return true;
    }
    std::iter::once(&err.top)
        .chain(err.details.iter())
        .any(|d| {
            let m = d.message.to_ascii_lowercase();
            IN_PROGRESS_PHRASES.iter().any(|p| m.contains(p))
        })
}

/// Classifies an HTTP answer; `None` means final (success, or an error not worth repeating:
/// 400, 401, 403, other 404s and 409s...).
pub(crate) fn classify(status: u16, err: Option<&ErrorBody>, expect: Expect) -> Option<Transient> {
    let empty = ErrorBody::default();
    let err = err.unwrap_or(&empty);
    match status {
        429 if any_code(err, &["RetryableErrorDueToAnotherOperation"]) => {
            Some(Transient::OperationInProgress)
        }
        429 => Some(Transient::Throttled),
        408 | 500 | 502 | 503 | 504 => Some(Transient::Server),
        409 if in_progress(err) => Some(Transient::OperationInProgress),
        404 if expect.after_write => Some(Transient::NotYetVisible),
        404 if expect.parent_may_lag && any_code(err, PARENT_CODES) => {
            Some(Transient::NotYetVisible)
        }
        _ => None,
    }
}

/// `Retry-After` (seconds), or `retry-after-ms` / `x-ms-retry-after-ms`.
pub(crate) fn retry_after(headers: &Headers) -> Option<Duration> {
    let ms = |name: &'static str| {
        headers
            .get_optional_str(&HeaderName::from_static(name))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|v| v.is_finite() && *v >= 0.0)
            .map(|v| Duration::from_secs_f64(v / 1000.0))
    };
    ms("x-ms-retry-after-ms")
        .or_else(|| ms("retry-after-ms"))
        .or_else(|| {
            headers
                .get_optional_str(&HeaderName::from_static("retry-after"))
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|v| v.is_finite() && *v >= 0.0)
                .map(Duration::from_secs_f64)
        })
}

/// Backoff ceiling before retry number `retry` (1 for the first retry).
pub(crate) fn ceiling(policy: &RetryPolicy, retry: u32) -> Duration {
    let exp = retry.saturating_sub(1).min(20);
    policy
        .base_delay
        .saturating_mul(1u32 << exp)
        .min(policy.max_delay)
}

fn random_up_to(d: Duration) -> Duration {
    if d.is_zero() {
        return d;
    }
    let nanos = rand::rng().random_range(0..=d.as_nanos().min(u64::MAX as u128) as u64);
    Duration::from_nanos(nanos)
}

/// How long to wait before retry number `retry`.
///
/// - 429: at least `Retry-After` (capped), plus a little jitter so that tasks do not all
///   return at once; without the header, the full ceiling (never a short, hammering wait).
/// - 5xx and connection failures: full jitter in `[0, ceiling]`, but never less than a
///   `Retry-After` the server sent.
/// - operation in progress and not-yet-visible: half the ceiling plus jitter over the other
///   half, or `Retry-After` when sent.
pub(crate) fn delay(
    policy: &RetryPolicy,
    kind: Transient,
    retry: u32,
    retry_after: Option<Duration>,
) -> Duration {
    let cap = |d: Duration| d.min(policy.max_retry_after);
    let c = ceiling(policy, retry);
    match kind {
        Transient::Throttled => match retry_after {
            Some(ra) => cap(ra) + random_up_to(policy.base_delay / 4),
            None => c.max(policy.base_delay * 2),
        },
        Transient::Server | Transient::Transport => {
            let j = random_up_to(c);
            retry_after.map_or(j, |ra| cap(ra).max(j))
        }
        Transient::OperationInProgress | Transient::NotYetVisible => {
            let j = c / 2 + random_up_to(c / 2);
            retry_after.map_or(j, |ra| cap(ra).max(j))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use azure_core::http::headers::HeaderValue;
    use serde_json::json;

    fn err(code: &str, message: &str) -> ErrorBody {
        ErrorBody::parse(&json!({"error": {"code": code, "message": message}})).unwrap()
    }

    #[test]
    fn only_connections_never_made_count_as_unreachable() {
        assert!(never_connected(
            "error sending request: client error (Connect): tcp connect error: Connection refused (os error 111)"
        ));
        assert!(never_connected(
            "dns error: failed to lookup address information"
        ));
        assert!(!never_connected(
            "connection closed before message completed"
        ));
    }

    #[test]
    fn what_is_retried() {
        let e = Expect::default();
        assert_eq!(classify(429, None, e), Some(Transient::Throttled));
        for s in [500, 502, 503, 504] {
            assert_eq!(classify(s, None, e), Some(Transient::Server));
        }
        assert_eq!(
            classify(409, Some(&err("AnotherOperationInProgress", "x")), e),
            Some(Transient::OperationInProgress)
        );
        assert_eq!(
            classify(
                409,
                Some(&err(
                    "Conflict",
                    "An operation is in progress on the resource"
                )),
                e
            ),
            Some(Transient::OperationInProgress)
        );
        assert_eq!(
            classify(
                429,
                Some(&err("RetryableErrorDueToAnotherOperation", "x")),
                e
            ),
            Some(Transient::OperationInProgress)
        );
        for s in [400, 401, 403, 404] {
            assert_eq!(classify(s, Some(&err("X", "y")), e), None, "{s}");
        }
        assert_eq!(
            classify(409, Some(&err("Conflict", "name already taken")), e),
            None
        );
        assert_eq!(classify(200, None, e), None);
    }

    #[test]
    fn not_found_is_retried_only_when_consistency_explains_it() {
        let after = Expect {
            after_write: true,
            ..Default::default()
        };
        let parent = Expect {
            parent_may_lag: true,
            ..Default::default()
        };
        assert_eq!(classify(404, None, after), Some(Transient::NotYetVisible));
        assert_eq!(
            classify(404, Some(&err("ParentResourceNotFound", "p")), parent),
            Some(Transient::NotYetVisible)
        );
        assert_eq!(
            classify(404, Some(&err("ResourceNotFound", "p")), parent),
            None
        );
    }

    #[test]
    fn retry_after_is_never_undercut() {
        let p = RetryPolicy::default();
        for r in 1..6 {
            let d = delay(&p, Transient::Throttled, r, Some(Duration::from_secs(7)));
            assert!(d >= Duration::from_secs(7));
            let d = delay(&p, Transient::Server, r, Some(Duration::from_secs(3)));
            assert!(d >= Duration::from_secs(3));
        }
        let huge = delay(
            &p,
            Transient::Throttled,
            1,
            Some(Duration::from_secs(100_000)),
        );
        assert!(huge <= p.max_retry_after + p.base_delay);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy::default();
        assert_eq!(ceiling(&p, 1), p.base_delay);
        assert_eq!(ceiling(&p, 2), p.base_delay * 2);
        assert_eq!(ceiling(&p, 30), p.max_delay);
        for r in 1..10 {
            assert!(delay(&p, Transient::Server, r, None) <= ceiling(&p, r));
            assert!(delay(&p, Transient::OperationInProgress, r, None) >= ceiling(&p, r) / 2);
        }
    }

    #[test]
    fn retry_after_headers() {
        let mut h = Headers::new();
        h.insert(
            HeaderName::from_static("retry-after"),
            HeaderValue::from_static("2"),
        );
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert(
            HeaderName::from_static("retry-after-ms"),
            HeaderValue::from_static("1500"),
        );
        assert_eq!(retry_after(&h), Some(Duration::from_millis(1500)));
        assert_eq!(retry_after(&Headers::new()), None);
    }
}
