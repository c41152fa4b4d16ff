//! ARM's error shape: an HTTP status and `{"error": {"code", "message", "details"}}`.

use serde_json::{Value, json};

/// An error as ARM reports it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct ArmError {
    pub status: u16,
    pub code: String,
    pub message: String,
    /// Property path the error is about (`properties.configuration.ingress.targetPort`).
    pub target: Option<String>,
    pub details: Vec<ArmError>,
}

impl ArmError {
    pub fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        ArmError {
            status,
            code: code.into(),
            message: message.into(),
            target: None,
            details: Vec::new(),
        }
    }
    pub fn bad_request(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(400, code, message)
    }
    pub fn not_found(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(404, code, message)
    }
    pub fn conflict(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(409, code, message)
    }
    pub fn with_target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }
    pub fn with_details(mut self, details: Vec<ArmError>) -> Self {
        self.details = details;
        self
    }

    /// The `error` object (without the outer `{"error": ...}`).
    pub fn inner_json(&self) -> Value {
        let mut v = json!({ "code": self.code, "message": self.message });
        if let Some(t) = &self.target {
            v["target"] = json!(t);
        }
        if !self.details.is_empty() {
            v["details"] = Value::Array(self.details.iter().map(|d| d.inner_json()).collect());
        }
        v
    }

    /// The full response body.
    pub fn body(&self) -> Value {
        json!({ "error": self.inner_json() })
    }
}
