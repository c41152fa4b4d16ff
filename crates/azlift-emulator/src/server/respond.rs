//! Building HTTP responses: JSON bodies, ARM errors, and the marker that makes the
//! connection layer drop a connection without answering.

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::Value;

use crate::error::ArmError;

/// Put into a response's extensions: the connection is closed instead of answering.
#[derive(Debug, Clone, Copy)]
pub struct DropConnection;

/// A response with a JSON body.
pub fn json(status: u16, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut r = Response::new(Body::from(bytes));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

/// A response without a body.
pub fn empty(status: u16) -> Response {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r
}

/// ARM's error response.
pub fn error(err: &ArmError) -> Response {
    let mut r = json(err.status, &err.body());
    header(&mut r, "x-ms-failure-cause", "gateway");
    r
}

/// A response that is never sent: the connection is closed.
pub fn dropped() -> Response {
    let mut r = empty(599);
    r.extensions_mut().insert(DropConnection);
    r
}

/// Set a header (values that are not valid header text are skipped, never a panic).
pub fn header(r: &mut Response, name: &'static str, value: impl AsRef<str>) {
    if let Ok(v) = HeaderValue::from_str(value.as_ref()) {
        r.headers_mut().insert(HeaderName::from_static(name), v);
    }
}
