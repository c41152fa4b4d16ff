//! Long-running operations: starting them, finishing them when their deadline passes
//! (lazily, on the next request — no background task, so a persisted cloud resumes where it
//! stopped), and the two polling endpoints (`Azure-AsyncOperation` status, `Location` result).

use serde_json::{Value, json};

use super::respond;
use super::{App, Req};
use axum::response::Response;

use crate::clock::rfc3339;
use crate::error::ArmError;
use crate::ids;
use crate::provider_bridge::Provider;
use crate::store::{Cloud, OpKind, OpStatus, Operation, Record, SoftDeleted};

/// Soft-deleted items stay this long before they would be purged automatically.
pub const SOFT_DELETE_RETENTION_MS: u64 = 14 * 24 * 3600 * 1000;
/// Finished operations are kept this long for late polls.
const KEEP_FINISHED_MS: u64 = 3600 * 1000;

/// The key under which a soft-deleted resource keeps its name reserved. APIM service
/// names are global; other types are reserved by id.
pub fn soft_key(arm_type: &str, id: &str, name: &str) -> String {
    if arm_type.eq_ignore_ascii_case("Microsoft.ApiManagement/service") {
        format!(
            "microsoft.apimanagement/service|{}",
            name.to_ascii_lowercase()
        )
    } else {
        format!("{}|{}", arm_type.to_ascii_lowercase(), ids::key(id))
    }
}

/// Set `properties.provisioningState` when the body has (or should have) properties.
pub fn set_state(body: &mut Value, state: &str) {
    if let Some(o) = body.as_object_mut() {
        let props = o
            .entry("properties")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Some(p) = props.as_object_mut() {
            p.insert("provisioningState".into(), json!(state));
        }
    }
}

/// Finish every operation whose deadline has passed.
pub fn settle(cloud: &mut Cloud, provider: &dyn Provider, now: u64) -> bool {
    let due = cloud.due(now);
    if due.is_empty() {
        return false;
    }
    for id in due {
        finish(cloud, provider, &id);
    }
    cloud.prune_operations(now, KEEP_FINISHED_MS);
    true
}

fn finish(cloud: &mut Cloud, provider: &dyn Provider, op_id: &str) {
    let Some(op) = cloud.operations.get(op_id).cloned() else {
        return;
    };
    cloud.pending.remove(&(op.deadline_ms, op.id.clone()));
    let failed = op.failure.is_some();
    if let Some(o) = cloud.operation_mut(op_id) {
        o.status = if failed {
            OpStatus::Failed
        } else {
            OpStatus::Succeeded
        };
        o.ended_ms = Some(op.deadline_ms);
    }
    let owns = |r: &Record| r.operation.as_deref() == Some(op_id);
    match op.kind {
        OpKind::Create | OpKind::Update => {
            if let Some(r) = cloud.get_mut(&op.target)
                && owns(r)
            {
                r.operation = None;
                set_state(&mut r.body, if failed { "Failed" } else { "Succeeded" });
            }
        }
        OpKind::Delete | OpKind::ForceDelete => {
            let mine = cloud.resources.get(&op.target).is_some_and(owns);
            if mine {
                if failed {
                    if let Some(r) = cloud.get_mut(&op.target) {
                        r.operation = None;
                        set_state(&mut r.body, "Succeeded");
                    }
                } else {
                    remove_tree(
                        cloud,
                        provider,
                        &op.target,
                        op.kind == OpKind::Delete,
                        op.deadline_ms,
                    );
                }
            }
        }
        OpKind::DeleteGroup => {
            if cloud.resources.get(&op.target).is_some_and(owns) {
                remove_tree(cloud, provider, &op.target, true, op.deadline_ms);
            }
        }
        OpKind::Purge => {
            cloud.remove_soft_deleted(&op.target);
        }
    }
}

/// Remove a resource and everything inside it; soft-deletable types go to the soft-deleted
/// list when `soft`.
pub fn remove_tree(cloud: &mut Cloud, provider: &dyn Provider, key: &str, soft: bool, now: u64) {
    let mut keys = cloud.keys_under(key);
    keys.push(key.to_string());
    for k in keys {
        let Some(r) = cloud.remove(&k) else {
            continue;
        };
        if soft
            && !r
                .arm_type
                .eq_ignore_ascii_case("Microsoft.Resources/resourceGroups")
            && provider.soft_delete(&r.arm_type)
        {
            let name = r.id.rsplit('/').next().unwrap_or_default().to_string();
            let location = r
                .body
                .get("location")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let mut body = r.body.clone();
            set_state(&mut body, "Deleted");
            cloud.insert_soft_deleted(
                soft_key(&r.arm_type, &r.id, &name),
                SoftDeleted {
                    id: r.id.clone(),
                    arm_type: r.arm_type.clone(),
                    name,
                    location,
                    body,
                    deleted_ms: now,
                    purge_ms: now + SOFT_DELETE_RETENTION_MS,
                },
            );
        }
    }
}

/// Start an operation; returns its id.
pub fn begin(
    cloud: &mut Cloud,
    kind: OpKind,
    target: &str,
    arm_type: &str,
    now: u64,
    duration_ms: u64,
    failure: Option<Value>,
) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    cloud.add_operation(Operation {
        id: id.clone(),
        kind,
        target: target.to_string(),
        arm_type: arm_type.to_string(),
        started_ms: now,
        deadline_ms: now + duration_ms,
        status: OpStatus::InProgress,
        failure,
        ended_ms: None,
    });
    id
}

/// `Retry-After` seconds: time left rounded up, at most 15, 0 when done.
pub fn retry_after(deadline: u64, now: u64) -> u64 {
    let left = deadline.saturating_sub(now);
    if left == 0 {
        0
    } else {
        left.div_ceil(1000).clamp(1, 15)
    }
}

/// Lower-case location without spaces, as ARM puts it in operation URLs.
pub fn op_location(location: &str) -> String {
    let l: String = location.chars().filter(|c| !c.is_whitespace()).collect();
    if l.is_empty() {
        "global".into()
    } else {
        l.to_ascii_lowercase()
    }
}

/// The polling URLs of an operation.
pub struct OpUrls {
    pub status: String,
    pub result: String,
}

pub fn urls(
    app: &App,
    sub: &str,
    namespace: Option<&str>,
    location: &str,
    op: &str,
    api_version: &str,
) -> OpUrls {
    let base = match namespace {
        Some(ns) => format!(
            "{}/subscriptions/{sub}/providers/{ns}/locations/{}",
            app.base_url,
            op_location(location)
        ),
        None => format!("{}/subscriptions/{sub}", app.base_url),
    };
    OpUrls {
        status: format!("{base}/operationStatuses/{op}?api-version={api_version}"),
        result: format!("{base}/operationResults/{op}?api-version={api_version}"),
    }
}

/// Headers telling a client how to poll.
pub fn poll_headers(
    r: &mut Response,
    urls: &OpUrls,
    retry_secs: u64,
    left_ms: u64,
    async_op: bool,
) {
    if async_op {
        respond::header(r, "azure-asyncoperation", &urls.status);
    }
    respond::header(r, "location", &urls.result);
    respond::header(r, "retry-after", retry_secs.to_string());
    respond::header(r, "x-ms-emulator-retry-after-ms", left_ms.to_string());
}

fn op_not_found(id: &str) -> Response {
    respond::error(&ArmError::not_found(
        "OperationNotFound",
        format!("The operation '{id}' could not be found."),
    ))
}

/// `GET .../operationStatuses/{id}`: `{"status": "InProgress" | "Succeeded" | "Failed"}`.
pub fn status(app: &App, id: &str) -> Response {
    let mut cloud = app.cloud();
    let changed = app.settle(&mut cloud);
    let now = app.clock.now_ms();
    let Some(op) = cloud.operations.get(id).cloned() else {
        drop(cloud);
        return op_not_found(id);
    };
    if changed {
        app.commit(cloud);
    } else {
        drop(cloud);
    }
    let mut body = json!({
        "id": id,
        "name": id,
        "status": op.status.as_str(),
        "startTime": rfc3339(op.started_ms),
    });
    if let Some(end) = op.ended_ms {
        body["endTime"] = json!(rfc3339(end));
    }
    if op.status == OpStatus::Failed
        && let Some(f) = &op.failure
    {
        body["error"] = f.clone();
    }
    let mut r = respond::json(200, &body);
    if op.status == OpStatus::InProgress {
        respond::header(
            &mut r,
            "retry-after",
            retry_after(op.deadline_ms, now).to_string(),
        );
        respond::header(
            &mut r,
            "x-ms-emulator-retry-after-ms",
            op.deadline_ms.saturating_sub(now).to_string(),
        );
    }
    r
}

/// `GET .../operationResults/{id}`: 202 while running; then 200 with the resource (PUT),
/// 200 (group delete) or 204 (resource delete, purge); a failure answers its error.
pub fn result(app: &App, id: &str, req: &Req) -> Response {
    let mut cloud = app.cloud();
    let changed = app.settle(&mut cloud);
    let now = app.clock.now_ms();
    let Some(op) = cloud.operations.get(id).cloned() else {
        drop(cloud);
        return op_not_found(id);
    };
    let resource = cloud.resources.get(&op.target).cloned();
    if changed {
        app.commit(cloud);
    } else {
        drop(cloud);
    }
    match op.status {
        OpStatus::InProgress => {
            let mut r = respond::empty(202);
            let url = format!(
                "{}{}{}",
                app.base_url,
                req.path,
                req.api_version()
                    .map(|v| format!("?api-version={v}"))
                    .unwrap_or_default()
            );
            respond::header(&mut r, "location", url);
            respond::header(
                &mut r,
                "retry-after",
                retry_after(op.deadline_ms, now).to_string(),
            );
            respond::header(
                &mut r,
                "x-ms-emulator-retry-after-ms",
                op.deadline_ms.saturating_sub(now).to_string(),
            );
            r
        }
        OpStatus::Failed => {
            let f = op
                .failure
                .unwrap_or_else(|| json!({"code": "Failed", "message": "The operation failed."}));
            respond::json(400, &json!({ "error": f }))
        }
        OpStatus::Succeeded => match op.kind {
            OpKind::Create | OpKind::Update => match resource {
                Some(r) => respond::json(200, &app.provider_view(&r)),
                None => respond::empty(204),
            },
            OpKind::DeleteGroup => respond::empty(200),
            _ => respond::empty(204),
        },
    }
}
