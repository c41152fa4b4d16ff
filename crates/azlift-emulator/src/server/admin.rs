//! The emulator's own control API under `/_emulator/` (no auth; for test harnesses):
//! faults, request log, stats, health, CA certificate, reset.

use axum::response::Response;
use serde_json::{Value, json};

use super::{App, Req, lock, respond};
use crate::faults::FaultSpec;

fn bad(message: String) -> Response {
    respond::json(
        400,
        &json!({"error": {"code": "InvalidFaultSpec", "message": message}}),
    )
}

pub fn handle(app: &App, rest: &str, req: &Req) -> Response {
    match (req.method.as_str(), rest) {
        ("GET", "health") => respond::json(200, &json!({"status": "ok", "url": app.base_url})),
        ("GET", "ca") | ("GET", "ca.pem") => {
            let mut r = respond::empty(200);
            *r.body_mut() = axum::body::Body::from(app.ca_pem.clone());
            respond::header(&mut r, "content-type", "application/x-pem-file");
            r
        }
        ("GET", "faults") => respond::json(200, &json!({"spec": app.faults.spec().to_string()})),
        ("PUT" | "POST", "faults") => {
            let text = String::from_utf8_lossy(&req.body).into_owned();
            let spec_text = match serde_json::from_str::<Value>(&text) {
                Ok(Value::Object(o)) => o
                    .get("spec")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                Ok(Value::String(s)) => s,
                _ => text,
            };
            match spec_text.parse::<FaultSpec>() {
                Ok(spec) => {
                    app.faults.set(spec);
                    respond::json(200, &json!({"spec": app.faults.spec().to_string()}))
                }
                Err(e) => bad(e.to_string()),
            }
        }
        ("DELETE", "faults") => {
            app.faults.clear();
            respond::json(200, &json!({"spec": ""}))
        }
        ("GET", "requests") => {
            let log: Vec<Value> = lock(&app.log)
                .iter()
                .map(|l| {
                    json!({
                        "method": l.method,
                        "path": l.path,
                        "status": l.status,
                        "duration_ms": l.duration.as_secs_f64() * 1000.0,
                    })
                })
                .collect();
            respond::json(200, &Value::Array(log))
        }
        ("DELETE", "requests") => {
            lock(&app.log).clear();
            respond::empty(204)
        }
        ("GET", "stats") => {
            let s = lock(&app.stats).clone();
            respond::json(
                200,
                &json!({"by_method": s, "total": s.values().sum::<u64>()}),
            )
        }
        ("DELETE", "stats") => {
            lock(&app.stats).clear();
            respond::empty(204)
        }
        ("POST", "reset") => {
            let mut cloud = app.cloud();
            cloud.reset();
            app.commit(cloud);
            respond::empty(204)
        }
        _ => respond::json(
            404,
            &json!({"error": {"code": "NotFound", "message": format!("no emulator endpoint {} /_emulator/{rest}", req.method)}}),
        ),
    }
}
