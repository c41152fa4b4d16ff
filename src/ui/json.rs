//! NDJSON events for CI (`--output json`): one JSON object per line on stdout, each with the
//! `event` name first and the time (`ts`, RFC 3339, UTC) second. Redacted before writing.

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::events::{Event, EventSink, Redactor};

/// Writes each event as one line of JSON.
pub struct JsonEvents {
    out: Mutex<Box<dyn Write + Send>>,
    redactor: Arc<Redactor>,
}

impl JsonEvents {
    /// NDJSON on this process's stdout.
    pub fn stdout(redactor: Arc<Redactor>) -> Self {
        JsonEvents::new(Box::new(std::io::stdout()), redactor)
    }

    pub fn new(out: Box<dyn Write + Send>, redactor: Arc<Redactor>) -> Self {
        JsonEvents {
            out: Mutex::new(out),
            redactor,
        }
    }
}

impl EventSink for JsonEvents {
    fn emit(&self, e: Event) {
        let line = render_line(&e, OffsetDateTime::now_utc(), &self.redactor);
        if let Ok(mut out) = self.out.lock() {
            // A closed stdout (a pipe to `head`) must not stop the run.
            let _ = writeln!(out, "{line}").and_then(|()| out.flush());
        }
    }
}

/// The NDJSON line of `e` at time `ts` (without the newline), redacted.
pub fn render_line(e: &Event, ts: OffsetDateTime, redactor: &Redactor) -> String {
    let e = e.redacted(redactor);
    let ts = ts.format(&Rfc3339).unwrap_or_default();
    let mut line = Map::new();
    match serde_json::to_value(&e) {
        Ok(Value::Object(fields)) => {
            if let Some(name) = fields.get("event") {
                line.insert("event".to_string(), name.clone());
            }
            line.insert("ts".to_string(), Value::String(ts));
            for (k, v) in fields {
                if k != "event" {
                    line.insert(k, v);
                }
            }
        }
        // Every variant serialises to an object; say so rather than print nothing.
        _ => {
            line.insert("event".to_string(), Value::String("unserialisable".into()));
            line.insert("ts".to_string(), Value::String(ts));
        }
    }
    Value::Object(line).to_string()
}
