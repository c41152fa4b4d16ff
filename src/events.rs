//! The event vocabulary the core (plan, apply, down) emits while it works, the [`EventSink`]
//! trait every consumer implements (terminal progress, NDJSON for CI, test collectors), and
//! the [`Redactor`] that scrubs secret values from every string before it leaves the process.
//!
//! Nothing here knows about terminals: rendering lives in `ui`.

use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::resource::{ResourceAddress, SENSITIVE};

/// What is being done to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    Replace,
    Delete,
    Read,
}

impl Action {
    /// The plan symbol, as Terraform users know them: `+`, `~`, `-/+`, `-`, `<=`.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Delete => "-",
            Action::Read => "<=",
        }
    }

    /// Present participle shown while the action runs: `creating`, `updating`...
    pub fn doing(self) -> &'static str {
        match self {
            Action::Create => "creating",
            Action::Update => "updating",
            Action::Replace => "replacing",
            Action::Delete => "deleting",
            Action::Read => "reading",
        }
    }

    /// Past participle shown once the action is done: `created`, `updated`...
    pub fn done(self) -> &'static str {
        match self {
            Action::Create => "created",
            Action::Update => "updated",
            Action::Replace => "replaced",
            Action::Delete => "deleted",
            Action::Read => "read",
        }
    }
}

/// How many changes of each kind a plan holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanCounts {
    pub create: usize,
    pub update: usize,
    pub replace: usize,
    pub delete: usize,
    pub unchanged: usize,
}

impl PlanCounts {
    /// `true` when the plan changes nothing.
    pub fn is_empty(&self) -> bool {
        self.create + self.update + self.replace + self.delete == 0
    }
}

/// One thing that happened during a run. Serialised (NDJSON, `--output json`) as an object
/// whose `event` field names the variant in snake_case; durations are seconds (`*_secs`).
/// The time of the event is added by the sink that writes it (`ts`, RFC 3339).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The plan is known; apply starts next.
    PlanReady {
        counts: PlanCounts,
    },
    /// Work on one resource began.
    ResourceStarted {
        address: ResourceAddress,
        action: Action,
        arm_type: String,
        /// Expected duration, when the duration model has one. `None` lets the UI estimate.
        #[serde(rename = "eta_secs", with = "secs_opt", default)]
        eta: Option<Duration>,
    },
    /// Something worth telling while a resource is in flight ("waiting for the operation",
    /// "throttled, retrying in 5s").
    ResourceProgress {
        address: ResourceAddress,
        message: String,
    },
    /// The resource is done.
    ResourceDone {
        address: ResourceAddress,
        action: Action,
        #[serde(rename = "elapsed_secs", with = "secs")]
        elapsed: Duration,
    },
    /// The resource failed; `code` is ARM's error code (or azlift's own).
    ResourceFailed {
        address: ResourceAddress,
        code: String,
        message: String,
    },
    /// The resource was not attempted because a dependency failed.
    ResourceSkipped {
        address: ResourceAddress,
        because: ResourceAddress,
    },
    Warning {
        message: String,
    },
    /// The run is over.
    Summary {
        created: usize,
        updated: usize,
        replaced: usize,
        deleted: usize,
        failed: usize,
        skipped: usize,
        #[serde(rename = "elapsed_secs", with = "secs")]
        elapsed: Duration,
    },
    /// The run was interrupted (Ctrl-C): nothing new was started after it.
    Interrupted {
        /// Operations that were still running; their outcome is settled by the next run.
        in_flight: Vec<ResourceAddress>,
        /// Changes that were never started.
        not_started: usize,
        /// `true` after a second interrupt: in-flight operations were detached from.
        forced: bool,
    },
}

impl Event {
    /// A copy with every string passed through `redactor`.
    pub fn redacted(&self, redactor: &Redactor) -> Event {
        let r = |s: &str| redactor.redact(s);
        let a = |x: &ResourceAddress| ResourceAddress(redactor.redact(x.as_str()));
        match self {
            Event::PlanReady { counts } => Event::PlanReady { counts: *counts },
            Event::ResourceStarted {
                address,
                action,
                arm_type,
                eta,
            } => Event::ResourceStarted {
                address: a(address),
                action: *action,
                arm_type: r(arm_type),
                eta: *eta,
            },
            Event::ResourceProgress { address, message } => Event::ResourceProgress {
                address: a(address),
                message: r(message),
            },
            Event::ResourceDone {
                address,
                action,
                elapsed,
            } => Event::ResourceDone {
                address: a(address),
                action: *action,
                elapsed: *elapsed,
            },
            Event::ResourceFailed {
                address,
                code,
                message,
            } => Event::ResourceFailed {
                address: a(address),
                code: r(code),
                message: r(message),
            },
            Event::ResourceSkipped { address, because } => Event::ResourceSkipped {
                address: a(address),
                because: a(because),
            },
            Event::Warning { message } => Event::Warning {
                message: r(message),
            },
            Event::Summary { .. } => self.clone(),
            Event::Interrupted {
                in_flight,
                not_started,
                forced,
            } => Event::Interrupted {
                in_flight: in_flight.iter().map(a).collect(),
                not_started: *not_started,
                forced: *forced,
            },
        }
    }
}

/// Where events go. Implementations redact with a [`Redactor`] before anything leaves the
/// process, and never block the core for long.
pub trait EventSink: Send + Sync {
    fn emit(&self, e: Event);
}

/// Drops every event.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullSink;

impl EventSink for NullSink {
    fn emit(&self, _e: Event) {}
}

/// Keeps every event (redacted) in memory: for tests and for callers that summarise later.
#[derive(Debug, Default)]
pub struct MemorySink {
    events: Mutex<Vec<Event>>,
    redactor: Arc<Redactor>,
}

impl MemorySink {
    pub fn new(redactor: Arc<Redactor>) -> Self {
        MemorySink {
            events: Mutex::new(Vec::new()),
            redactor,
        }
    }

    /// The events emitted so far.
    pub fn events(&self) -> Vec<Event> {
        self.events.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

impl EventSink for MemorySink {
    fn emit(&self, e: Event) {
        let e = e.redacted(&self.redactor);
        if let Ok(mut v) = self.events.lock() {
            v.push(e);
        }
    }
}

/// Sends each event to several sinks, in order.
#[derive(Default)]
pub struct FanOut(pub Vec<Arc<dyn EventSink>>);

impl EventSink for FanOut {
    fn emit(&self, e: Event) {
        for s in &self.0 {
            s.emit(e.clone());
        }
    }
}

/// The marker an Application Insights connection string starts with.
const CONNECTION_STRING_MARKER: &str = "InstrumentationKey=";

/// Secrets shorter than this are not searched for in free text: they would match ordinary
/// words and numbers. They are still masked where they are known to be (plan diffs, state).
pub const MIN_REDACTED_LEN: usize = 4;

/// Removes every known secret value, and anything that looks like an Application Insights
/// connection string (`InstrumentationKey=...`), from strings before they leave the process.
///
/// Secrets learnt during a run (keys fetched from ARM, connection strings read back) are
/// added with [`Redactor::add`]; every sink sharing the `Arc` sees them at once.
#[derive(Debug, Default)]
pub struct Redactor {
    secrets: RwLock<Vec<String>>,
}

/// The redactor of the whole process; see [`Redactor::process`].
static PROCESS: std::sync::OnceLock<Arc<Redactor>> = std::sync::OnceLock::new();

impl Redactor {
    pub fn new() -> Self {
        Redactor::default()
    }

    /// The one redactor of the process: the manifest loader teaches it every secret it
    /// meets, a session adds what it learns from ARM, and everything printed on the way out
    /// (progress, events, the final error report) goes through it.
    pub fn process() -> Arc<Redactor> {
        PROCESS.get_or_init(|| Arc::new(Redactor::new())).clone()
    }

    /// A redactor that already knows `secrets`.
    pub fn with_secrets<I, S>(secrets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let r = Redactor::new();
        for s in secrets {
            r.add(s);
        }
        r
    }

    /// Learn one more secret value. Empty values are ignored. Its JSON-escaped form (a secret
    /// with quotes or backslashes, echoed inside an ARM error body) is learnt too.
    pub fn add(&self, secret: impl Into<String>) {
        let secret = secret.into();
        if secret.is_empty() {
            return;
        }
        let escaped = serde_json::to_string(&secret)
            .ok()
            .map(|q| q[1..q.len() - 1].to_string())
            .filter(|e| *e != secret);
        if let Ok(mut v) = self.secrets.write() {
            for s in std::iter::once(secret).chain(escaped) {
                if !v.contains(&s) {
                    v.push(s);
                }
            }
            // Longest first, so a secret containing another is removed whole.
            v.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// Learn every secret of the project model (app secrets).
    pub fn learn_model(&self, model: &crate::model::Model) {
        for app in model.apps.values() {
            for secret in app.secrets.values() {
                self.add(secret.expose());
            }
        }
    }

    /// Learn the values at the sensitive pointers of a desired resource (strings only;
    /// values still pending are learnt when resolved, through [`Redactor::add`]).
    pub fn learn_desired(&self, desired: &crate::resource::DesiredResource) {
        for p in &desired.sensitive {
            if let Some(serde_json::Value::String(s)) = desired.body.pointer(p) {
                self.add(s.clone());
            }
        }
    }

    /// How many values are searched for (secrets and their JSON-escaped forms).
    pub fn len(&self) -> usize {
        self.secrets.read().map(|v| v.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `true` when `text` equals a known secret, contains one that is long enough to search
    /// for, or contains a connection string.
    pub fn leaks(&self, text: &str) -> bool {
        if text.contains(CONNECTION_STRING_MARKER) {
            return true;
        }
        let Ok(secrets) = self.secrets.read() else {
            return true;
        };
        secrets
            .iter()
            .any(|s| text == s || (s.len() >= MIN_REDACTED_LEN && text.contains(s.as_str())))
    }

    /// `text` with every known secret (and every connection string) replaced by
    /// `(sensitive)`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = match self.secrets.read() {
            Ok(secrets) => {
                let mut out = text.to_string();
                for s in secrets.iter() {
                    if out == *s {
                        return SENSITIVE.to_string();
                    }
                    if s.len() >= MIN_REDACTED_LEN && out.contains(s.as_str()) {
                        out = out.replace(s.as_str(), SENSITIVE);
                    }
                }
                out
            }
            // A poisoned lock means a panic elsewhere; print nothing we cannot vouch for.
            Err(_) => return SENSITIVE.to_string(),
        };
        if out.contains(CONNECTION_STRING_MARKER) {
            out = redact_connection_strings(&out);
        }
        out
    }
}

/// Replaces each `InstrumentationKey=...` run (up to whitespace or a quote) by `(sensitive)`.
fn redact_connection_strings(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find(CONNECTION_STRING_MARKER) {
        out.push_str(&rest[..pos]);
        out.push_str(SENSITIVE);
        let tail = &rest[pos..];
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | ','))
            .unwrap_or(tail.len());
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Serde for a `Duration` as seconds (f64, millisecond precision).
mod secs {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64((d.as_millis() as f64) / 1000.0)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let v = f64::deserialize(d)?;
        Duration::try_from_secs_f64(v).map_err(serde::de::Error::custom)
    }
}

/// Serde for an `Option<Duration>` as seconds or `null`.
mod secs_opt {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => super::secs::serialize(d, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        match Option::<f64>::deserialize(d)? {
            Some(v) => Duration::try_from_secs_f64(v)
                .map(Some)
                .map_err(serde::de::Error::custom),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_string_is_cut_at_whitespace_and_quotes() {
        let r = Redactor::new();
        let s = "env=\"InstrumentationKey=abc;IngestionEndpoint=https://x/\" ok";
        assert_eq!(r.redact(s), "env=\"(sensitive)\" ok");
    }

    #[test]
    fn json_escaped_forms_of_secrets_are_removed_too() {
        let r = Redactor::with_secrets([r#"pa"ss\word"#]);
        assert_eq!(
            r.redact(r#"{"value":"pa\"ss\\word"}"#),
            r#"{"value":"(sensitive)"}"#
        );
        assert_eq!(r.redact(r#"raw pa"ss\word"#), "raw (sensitive)");
    }

    #[test]
    fn short_secrets_only_match_whole_strings() {
        let r = Redactor::with_secrets(["ab"]);
        assert_eq!(r.redact("ab"), SENSITIVE);
        assert_eq!(r.redact("abc"), "abc");
    }
}
