//! Glue between the engine's narrow traits and the real pieces: `ArmClient` as the engine's
//! `Cloud`, a `StateSession` as its `Recorder`, an `EventSink` as its `Reporter`.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::apply::{AppliedResource, Cloud, CloudError, ProgressFn, Recorder, Reporter};
use crate::arm::{ArmClient, ArmError, OpContext};
use crate::events::{self, Event, EventSink};
use crate::plan::{Action, Change};
use crate::resource::ResourceAddress;
use crate::state::{StateEntry, StateSession};

/// `ArmClient` seen as the engine's `Cloud`. Its operations are never cancelled by an
/// interrupt: the first signal only stops new starts, and an operation in flight is waited
/// for and recorded (cutting it off would leave a resource that the next run PUTs again).
pub struct ArmCloud {
    pub client: ArmClient,
}

pub(crate) fn cloud_error(e: ArmError) -> CloudError {
    let fallback = match &e {
        // No token: say so instead of a bare "Error" (the message names the credential).
        ArmError::Auth { .. } => "AuthenticationFailed",
        _ => "Error",
    };
    let code = e
        .deepest_code()
        .or_else(|| e.code())
        .unwrap_or(fallback)
        .to_string();
    // ArmError's Display already leads with the code; reports add it once themselves.
    let text = e.to_string();
    let message = text
        .strip_prefix(&format!("{code}: "))
        .map(str::to_string)
        .unwrap_or(text);
    CloudError {
        status: e.status(),
        code,
        message,
    }
}

impl ArmCloud {
    fn ctx(&self, progress: Option<ProgressFn>) -> OpContext {
        let ctx = OpContext::new();
        match progress {
            Some(p) => ctx.with_events(move |e| p(e.to_string())),
            None => ctx,
        }
    }
}

impl Cloud for ArmCloud {
    async fn list(
        &self,
        collection: &str,
        api_version: &str,
        max_pages: usize,
    ) -> Result<Option<crate::arm::Listing>, CloudError> {
        let listed = self
            .client
            .list(collection, api_version, max_pages)
            .await
            .map_err(cloud_error)?;
        // No group, nothing in it: an empty, complete list.
        Ok(Some(listed.unwrap_or(crate::arm::Listing {
            items: Vec::new(),
            complete: true,
            pages: 1,
        })))
    }

    async fn get(&self, id: &str, api_version: &str) -> Result<Option<Value>, CloudError> {
        let found = self
            .client
            .get(id, api_version)
            .await
            .map_err(cloud_error)?;
        // A resource still being created or updated (an earlier run was interrupted, or
        // someone else is at it) is waited for, never planned against half-made.
        match found {
            Some(body)
                if crate::arm::lro::provisioning_state(&body)
                    .is_some_and(|state| !crate::arm::lro::is_terminal(state)) =>
            {
                self.client
                    .wait_until_settled(id, api_version, &self.ctx(None))
                    .await
                    .map_err(cloud_error)
            }
            other => Ok(other),
        }
    }

    async fn put(
        &self,
        id: &str,
        api_version: &str,
        body: &Value,
        progress: ProgressFn,
    ) -> Result<Value, CloudError> {
        let ctx = self.ctx(Some(progress));
        self.client
            .put(id, api_version, body, &ctx)
            .await
            .map_err(cloud_error)
    }

    async fn delete(
        &self,
        id: &str,
        api_version: &str,
        progress: ProgressFn,
    ) -> Result<(), CloudError> {
        let ctx = self.ctx(Some(progress));
        self.client
            .delete(id, api_version, &ctx)
            .await
            .map(|_| ())
            .map_err(cloud_error)
    }

    async fn post(&self, id: &str, action: &str, api_version: &str) -> Result<Value, CloudError> {
        let target = format!("{}/{}", id.trim_end_matches('/'), action);
        self.client
            .post(&target, api_version, None)
            .await
            .map_err(cloud_error)
    }
}

/// A `StateSession` as the engine's `Recorder`.
pub struct SessionRecorder(pub Arc<StateSession>);

impl Recorder for SessionRecorder {
    async fn applied(&self, r: AppliedResource) -> Result<(), String> {
        let entry = StateEntry {
            address: r.address,
            id: r.id,
            arm_type: r.arm_type,
            api_version: r.api_version,
            applied_hash: r.applied_hash,
            write_only_hashes: r.write_only_hashes,
            outputs: r.outputs,
            depends_on: r.depends_on.into_iter().collect(),
            managed: r.managed,
            sku: r.sku,
            failed: r.failed,
            last_duration_secs: Some(r.duration.as_secs_f64()),
            updated_at: time::OffsetDateTime::now_utc(),
        };
        self.0.record(entry).await.map_err(|e| e.to_string())
    }

    async fn deleted(&self, address: &ResourceAddress) -> Result<(), String> {
        self.0
            .forget(address)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// The engine's reports as events.
pub struct SinkReporter(pub Arc<dyn EventSink>);

pub fn event_action(a: Action) -> events::Action {
    match a {
        Action::Create => events::Action::Create,
        Action::Update => events::Action::Update,
        Action::Replace => events::Action::Replace,
        Action::Delete => events::Action::Delete,
        Action::NoOp | Action::Read => events::Action::Read,
    }
}

impl Reporter for SinkReporter {
    fn started(&self, change: &Change, estimate: Option<Duration>) {
        self.0.emit(Event::ResourceStarted {
            address: change.address.clone(),
            action: event_action(change.action),
            arm_type: change.arm_type.clone(),
            eta: estimate,
        });
    }
    fn progress(&self, address: &ResourceAddress, message: &str) {
        self.0.emit(Event::ResourceProgress {
            address: address.clone(),
            message: message.to_string(),
        });
    }
    fn done(&self, change: &Change, elapsed: Duration) {
        self.0.emit(Event::ResourceDone {
            address: change.address.clone(),
            action: event_action(change.action),
            elapsed,
        });
    }
    fn failed(&self, address: &ResourceAddress, error: &CloudError) {
        self.0.emit(Event::ResourceFailed {
            address: address.clone(),
            code: error.code.clone(),
            message: error.message.clone(),
        });
    }
    fn skipped(&self, address: &ResourceAddress, because: &ResourceAddress) {
        self.0.emit(Event::ResourceSkipped {
            address: address.clone(),
            because: because.clone(),
        });
    }
}
