//! ARM client errors, and the parsing of ARM's error bodies (`{"error": {code, message,
//! target, details}}`) with the deepest code first, as users want it.

use std::fmt;
use std::time::Duration;

use serde_json::Value;

/// One ARM error or one of its nested details.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    pub target: Option<String>,
}

impl fmt::Display for ErrorDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if let Some(t) = &self.target {
            write!(f, " (target {t})")?;
        }
        Ok(())
    }
}

/// A parsed ARM error body: the top-level error and every nested detail, deepest first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ErrorBody {
    pub top: ErrorDetail,
    /// Nested details, ordered by depth, deepest first (ties in document order).
    pub details: Vec<ErrorDetail>,
}

impl ErrorBody {
    /// Parses `{"error": {...}}`, a bare `{code, message}` object, or the `error` member of an
    /// `Azure-AsyncOperation` status body. `None` when there is no recognisable error.
    pub fn parse(body: &Value) -> Option<ErrorBody> {
        let err = match body.get("error") {
            Some(e) if e.is_object() => e,
            _ if body.get("code").is_some() => body,
            _ => return None,
        };
        let top = detail_of(err);
        let mut found: Vec<(usize, ErrorDetail)> = Vec::new();
        collect(err, 1, &mut found);
        // Stable sort keeps document order among equal depths.
        found.sort_by(|a, b| b.0.cmp(&a.0));
        Some(ErrorBody {
            top,
            details: found.into_iter().map(|(_, d)| d).collect(),
        })
    }

    /// The error a user should read first: the deepest detail, else the top-level error.
    pub fn primary(&self) -> &ErrorDetail {
        self.details.first().unwrap_or(&self.top)
    }
}

fn detail_of(v: &Value) -> ErrorDetail {
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    ErrorDetail {
        code: s("code").unwrap_or_default(),
        message: s("message").unwrap_or_default(),
        target: s("target").filter(|t| !t.is_empty()),
    }
}

fn collect(v: &Value, depth: usize, out: &mut Vec<(usize, ErrorDetail)>) {
    if depth > 16 {
        return;
    }
    if let Some(details) = v.get("details").and_then(Value::as_array) {
        for d in details {
            out.push((depth, detail_of(d)));
            collect(d, depth + 1, out);
        }
    }
}

/// Whether a long-running operation ended as failed or canceled by the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationStatus {
    Failed,
    Canceled,
}

impl fmt::Display for OperationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OperationStatus::Failed => "Failed",
            OperationStatus::Canceled => "Canceled",
        })
    }
}

/// Everything that can go wrong talking to ARM.
#[derive(Debug, thiserror::Error)]
pub enum ArmError {
    /// ARM (or a resource provider) answered with an error status that is not retried, or
    /// still failed after the retries.
    #[error(
        "{} (HTTP {status} on {method} {resource}{})",
        primary(code, message, details),
        request_suffix(request_id)
    )]
    Http {
        method: String,
        /// The ARM id (or URL path) the request was for.
        resource: String,
        status: u16,
        /// Top-level ARM error code (`InvalidRequestContent`...); the status text if none.
        code: String,
        message: String,
        target: Option<String>,
        /// Nested details, deepest first.
        details: Vec<ErrorDetail>,
        /// `x-ms-request-id` (or `x-ms-correlation-request-id`) for support tickets.
        request_id: Option<String>,
    },

    /// A long-running operation finished as `Failed` or `Canceled`.
    #[error(
        "{} (operation {status} for {resource}{})",
        primary(code, message, details),
        request_suffix(request_id)
    )]
    OperationFailed {
        resource: String,
        status: OperationStatus,
        code: String,
        message: String,
        target: Option<String>,
        details: Vec<ErrorDetail>,
        request_id: Option<String>,
    },

    /// The per-type operation limit passed while waiting.
    #[error("timed out after {} waiting for {resource} ({arm_type}; limit {})", mins(*elapsed), mins(*limit))]
    Timeout {
        resource: String,
        arm_type: String,
        elapsed: Duration,
        limit: Duration,
    },

    /// The request never got an HTTP answer (connection refused or dropped, TLS, timeout),
    /// after the retries.
    #[error("{method} {resource}: {message} (after {attempts} attempts)")]
    Transport {
        method: String,
        resource: String,
        message: String,
        attempts: u32,
    },

    /// No token could be had from the credential.
    #[error("authentication with {credential} failed: {message}\nhint: {hint}")]
    Auth {
        credential: String,
        message: String,
        hint: String,
    },

    /// The caller asked to stop waiting (Ctrl-C). The operation may continue in Azure; a
    /// later run finds it and waits for it.
    #[error("stopped waiting for {resource}: canceled")]
    Canceled { resource: String },

    /// ARM answered something azlift cannot read (bad JSON, a poll URL on another host).
    #[error("unexpected response for {resource}: {message}")]
    InvalidResponse { resource: String, message: String },

    /// The client could not be set up (bad endpoint, bad certificate, bad credential setup).
    #[error("ARM client configuration: {0}")]
    Config(String),
}

fn primary(code: &str, message: &str, details: &[ErrorDetail]) -> String {
    match details.first() {
        Some(d) if d.code != code || d.message != message => {
            format!("{d} [{code}: {message}]")
        }
        _ if message.is_empty() => code.to_string(),
        _ => format!("{code}: {message}"),
    }
}

fn request_suffix(id: &Option<String>) -> String {
    id.as_ref()
        .map(|id| format!("; request id {id}"))
        .unwrap_or_default()
}

fn mins(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

impl ArmError {
    /// The top-level ARM error code, for errors that carry one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ArmError::Http { code, .. } | ArmError::OperationFailed { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The deepest ARM error code (the most specific), else the top-level one.
    pub fn deepest_code(&self) -> Option<&str> {
        match self {
            ArmError::Http { code, details, .. }
            | ArmError::OperationFailed { code, details, .. } => {
                Some(details.first().map(|d| d.code.as_str()).unwrap_or(code))
            }
            _ => None,
        }
    }

    /// The HTTP status of an [`ArmError::Http`].
    pub fn status(&self) -> Option<u16> {
        match self {
            ArmError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Builds an [`ArmError::Http`] from a response.
    pub(crate) fn from_response(
        method: &str,
        resource: &str,
        status: u16,
        body: &Value,
        request_id: Option<String>,
    ) -> ArmError {
        let parsed = ErrorBody::parse(body).unwrap_or_default();
        let code = if parsed.top.code.is_empty() {
            reason(status).to_string()
        } else {
            parsed.top.code
        };
        ArmError::Http {
            method: method.to_string(),
            resource: resource.to_string(),
            status,
            code,
            message: parsed.top.message,
            target: parsed.top.target,
            details: parsed.details,
            request_id,
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        409 => "Conflict",
        412 => "PreconditionFailed",
        429 => "TooManyRequests",
        500 => "InternalServerError",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        _ => "HttpError",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deepest_detail_comes_first() {
        let body = json!({"error": {
        "code": "DeploymentFailed", "message": "At least one resource deployment operation failed.",
        "details": [
            {"code": "Conflict", "message": "outer", "details": [
                {"code": "InvalidParameter", "message": "groupShortName too long", "target": "groupShortName"}
            ]},
            {"code": "Other", "message": "sibling"}
        ]}});
        let e = ArmError::from_response("PUT", "/x", 400, &body, Some("rid".into()));
        assert_eq!(e.code(), Some("DeploymentFailed"));
        assert_eq!(e.deepest_code(), Some("InvalidParameter"));
        let text = e.to_string();
        assert!(
            text.starts_with("InvalidParameter: groupShortName too long (target groupShortName)"),
            "{text}"
        );
        assert!(text.contains("DeploymentFailed"), "{text}");
        assert!(text.contains("request id rid"), "{text}");
    }

    #[test]
    fn missing_body_uses_status_reason() {
        let e = ArmError::from_response("GET", "/x", 503, &Value::Null, None);
        assert_eq!(e.code(), Some("ServiceUnavailable"));
        assert_eq!(e.status(), Some(503));
    }

    #[test]
    fn bare_error_object_parses() {
        let b = ErrorBody::parse(&json!({"code": "A", "message": "m"})).unwrap();
        assert_eq!(b.primary().code, "A");
        assert!(ErrorBody::parse(&json!({"status": "Succeeded"})).is_none());
    }
}
