//! The ARM surface: resource groups, resources under providers (PUT/PATCH/GET/HEAD/DELETE,
//! POST actions, child collections), lists, and the soft-delete endpoints. Per-type
//! behaviour comes from the [`Provider`](crate::provider_bridge::Provider); types it does not
//! know are stored and echoed as a generic pass-through.

use std::sync::Arc;
use std::time::Duration;

use axum::response::Response;
use serde_json::{Map, Value, json};

use super::ops::{self, poll_headers, set_state, soft_key};
use super::{App, Req, generic, platform, respond, shapes, shaping};
use crate::clock::rfc3339;
use crate::error::ArmError;
use crate::faults::LroShape;
use crate::ids::{self, ResourcePath, Route, group_id};
use crate::kinds::{PutRequest, TypeInfo};
use crate::listing;
use crate::registry;

use crate::store::{Cloud, CloudWorld, OpKind, Record};

pub const GROUP_TYPE: &str = "Microsoft.Resources/resourceGroups";

/// Types whose names are unique across all subscriptions (DNS names).
const GLOBALLY_UNIQUE: &[&str] = &["Microsoft.ApiManagement/service"];

type Outcome = Result<(Response, Duration), ArmError>;

fn err(e: ArmError) -> Response {
    respond::error(&e)
}

fn method_not_allowed(req: &Req) -> Response {
    err(ArmError::new(
        405,
        "MethodNotAllowed",
        format!(
            "The requested resource does not support http method '{}'.",
            req.method
        ),
    ))
}

fn rg_not_found(rg: &str) -> ArmError {
    ArmError::not_found(
        "ResourceGroupNotFound",
        format!("Resource group '{rg}' could not be found."),
    )
}

fn type_path(p: &ResourcePath) -> String {
    let mut s = p.namespace.clone();
    for (t, n) in p.types.iter().zip(&p.names) {
        s.push_str(&format!("/{t}/{n}"));
    }
    s
}

fn resource_not_found(p: &ResourcePath) -> ArmError {
    ArmError::not_found(
        "ResourceNotFound",
        format!(
            "The Resource '{}' under resource group '{}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
            type_path(p),
            p.resource_group
        ),
    )
}

fn parent_not_found(p: &ResourcePath) -> ArmError {
    let parent: Vec<&str> = p.names[..p.names.len().saturating_sub(1)]
        .iter()
        .map(String::as_str)
        .collect();
    ArmError::not_found(
        "ParentResourceNotFound",
        format!(
            "Can not perform requested operation on nested resource. Parent resource '{}' not found.",
            parent.join("/")
        ),
    )
}

fn invalid_content(detail: impl std::fmt::Display) -> ArmError {
    ArmError::bad_request(
        "InvalidRequestContent",
        format!("The request content was invalid and could not be deserialized: '{detail}'."),
    )
}

/// `YYYY-MM-DD` with an optional `-preview`-style suffix.
fn well_formed_version(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() >= 10
        && b[..10].iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
        && (b.len() == 10
            || (b[10] == b'-' && b.len() > 11 && b[11..].iter().all(u8::is_ascii_alphanumeric)))
}

fn no_registered_provider(arm_type: &str, v: &str, supported: &[&str], location: &str) -> ArmError {
    ArmError::bad_request(
        "NoRegisteredProviderFound",
        format!(
            "No registered resource provider found for location '{location}' and API version '{v}' for type '{}'. The supported api-versions are '{}'.",
            arm_type.split_once('/').map(|(_, t)| t).unwrap_or(arm_type),
            supported.join(", ")
        ),
    )
}

/// The location as ARM stores most of them: lower case, no spaces.
pub fn normalize_location(l: &str) -> String {
    l.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// `id`, `name`, `type` first, then the rest of the body.
fn envelope(id: &str, name: &str, arm_type: &str, body: Value) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(id));
    m.insert("name".into(), json!(name));
    m.insert("type".into(), json!(arm_type));
    if let Value::Object(o) = body {
        for (k, v) in o {
            if k != "id" && k != "name" && k != "type" {
                m.insert(k, v);
            }
        }
    }
    Value::Object(m)
}

impl App {
    /// What GET shows of a stored record.
    pub fn provider_view(&self, r: &Record) -> Value {
        if r.arm_type.eq_ignore_ascii_case(GROUP_TYPE)
            || self.provider.type_info(&r.arm_type).is_none()
        {
            r.body.clone()
        } else {
            shaping::shape(&r.arm_type, self.provider.get_view(&r.arm_type, &r.body))
        }
    }

    fn realistic(&self, secs: f64) -> Duration {
        self.profile.scale(secs)
    }
}

fn visible(r: &Record, now: u64) -> bool {
    r.visible_at_ms <= now
}

/// Answer one ARM request (after auth, throttling and faults).
pub async fn handle(app: &Arc<App>, route: &Route, req: &Req) -> Response {
    match route {
        Route::OperationStatus { id } => return ops::status(app, id),
        Route::OperationResult { id } => return ops::result(app, id, req),
        _ => {}
    }
    if let Some((code, message)) = route.invalid_name() {
        return err(ArmError::bad_request(code, message));
    }
    let Some(v) = req.api_version().map(str::to_string) else {
        return err(ArmError::bad_request(
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        ));
    };
    let platform_versions: Option<Vec<&str>> = match route {
        Route::ResourceGroups { .. }
        | Route::ResourceGroup { .. }
        | Route::GroupResources { .. }
        | Route::SubscriptionResources { .. }
        | Route::Providers { .. }
        | Route::Provider { .. } => Some(registry::RESOURCES_VERSIONS.to_vec()),
        Route::Subscriptions | Route::Tenants | Route::Subscription { .. } => Some(
            registry::SUBSCRIPTIONS_VERSIONS
                .iter()
                .chain(registry::RESOURCES_VERSIONS)
                .copied()
                .collect(),
        ),
        _ => None,
    };
    let known = platform_versions
        .as_ref()
        .is_none_or(|vs| vs.iter().any(|x| x.eq_ignore_ascii_case(&v)));
    if !well_formed_version(&v) || !known {
        let supported = platform_versions.unwrap_or_else(|| registry::RESOURCES_VERSIONS.to_vec());
        return err(ArmError::bad_request(
            "InvalidApiVersionParameter",
            format!(
                "The api-version '{v}' is invalid. The supported versions are '{}'.",
                supported.join(",")
            ),
        ));
    }
    if let Some(sub) = route.subscription()
        && let Err(e) = platform::check_subscription(sub)
    {
        return err(e);
    }
    let outcome: Outcome = match route {
        Route::Subscription { sub } if req.method == "GET" => {
            done(platform::subscription(req, sub))
        }
        Route::Subscriptions if req.method == "GET" => done(platform::subscriptions(app, req)),
        Route::Tenants if req.method == "GET" => done(platform::tenants(req)),
        Route::Providers { sub } if req.method == "GET" => done(platform::providers(sub)),
        Route::Provider { sub, ns } if req.method == "GET" => {
            platform::provider(app, sub, ns).and_then(done)
        }
        Route::SubscriptionResources { sub } if req.method == "GET" => {
            platform::list_resources(app, sub, None, req).and_then(done)
        }
        Route::ResourceGroups { sub } if req.method == "GET" => list_groups(app, sub),
        Route::ResourceGroup { sub, rg } => match req.method.as_str() {
            "PUT" | "PATCH" => put_group(app, sub, rg, req, &v),
            "GET" | "HEAD" => get_group(app, sub, rg, req),
            "DELETE" => delete_group(app, sub, rg, &v),
            _ => return method_not_allowed(req),
        },
        Route::GroupResources { sub, rg } if req.method == "GET" => {
            platform::list_resources(app, sub, Some(rg), req).and_then(done)
        }
        Route::TypeCollection { sub, rg, arm_type } if req.method == "GET" => {
            list_type(app, sub, rg.as_deref(), arm_type, req, &v)
        }
        Route::Resource(p) => resource(app, p, req, &v),
        Route::DeletedApimService {
            sub,
            location,
            name,
        } => match req.method.as_str() {
            "GET" => get_deleted_apim(app, sub, location, name),
            "DELETE" => purge_apim(app, sub, location, name, &v),
            _ => return method_not_allowed(req),
        },
        Route::DeletedApimServices { sub } if req.method == "GET" => list_deleted_apim(app, sub),
        Route::DeletedWorkspaces { sub, rg } if req.method == "GET" => {
            list_deleted_workspaces(app, sub, rg.as_deref())
        }
        Route::ResourceGroups { .. }
        | Route::Subscription { .. }
        | Route::Subscriptions
        | Route::Tenants
        | Route::Providers { .. }
        | Route::Provider { .. }
        | Route::SubscriptionResources { .. }
        | Route::GroupResources { .. }
        | Route::TypeCollection { .. }
        | Route::DeletedApimServices { .. }
        | Route::DeletedWorkspaces { .. } => return method_not_allowed(req),
        _ => Err(ArmError::not_found(
            "NotFound",
            format!(
                "No HTTP resource was found that matches the request URI '{}'.",
                req.path
            ),
        )),
    };
    match outcome {
        Ok((r, wait)) => {
            app.clock.sleep(wait).await;
            r
        }
        Err(e) => err(e),
    }
}

fn done(r: Response) -> Outcome {
    Ok((r, Duration::ZERO))
}

/// Lock, settle due operations, run `f`, and persist when anything changed.
fn with_cloud<T>(
    app: &App,
    f: impl FnOnce(&mut Cloud, u64) -> Result<(T, bool), ArmError>,
) -> Result<T, ArmError> {
    let mut cloud = app.cloud();
    let settled = app.settle(&mut cloud);
    let now = app.clock.now_ms();
    let result = f(&mut cloud, now);
    let changed = settled || matches!(&result, Ok((_, true)));
    if changed {
        app.commit(cloud);
    }
    result.map(|(t, _)| t)
}

fn group_record<'a>(
    cloud: &'a Cloud,
    sub: &str,
    rg: &str,
    now: u64,
) -> Result<&'a Record, ArmError> {
    cloud
        .get(&ids::key(&group_id(sub, rg)))
        .filter(|r| visible(r, now))
        .ok_or_else(|| rg_not_found(rg))
}

// ---------------------------------------------------------------- resource groups

fn valid_group_name(rg: &str) -> bool {
    !rg.is_empty()
        && rg.chars().count() <= 90
        && !rg.ends_with('.')
        && rg
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '(' | ')'))
}

fn parse_object(req: &Req) -> Result<Value, ArmError> {
    if req.body.is_empty() {
        return Err(invalid_content("the request body is empty"));
    }
    let v: Value = serde_json::from_slice(&req.body).map_err(invalid_content)?;
    if !v.is_object() {
        return Err(invalid_content("the request body must be a JSON object"));
    }
    Ok(v)
}

fn put_group(app: &App, sub: &str, rg: &str, req: &Req, v: &str) -> Outcome {
    if !valid_group_name(rg) {
        return Err(ArmError::bad_request(
            "InvalidResourceGroupName",
            format!(
                "Resource group name '{rg}' is invalid. It can contain alphanumeric characters, periods, underscores, hyphens and parentheses, up to 90 characters, and cannot end in a period."
            ),
        ));
    }
    let body = parse_object(req)?;
    let patch = req.method == "PATCH";
    let delay = app
        .visibility_delay
        .or_else(|| app.faults.visibility_delay());
    let secs = app
        .provider
        .type_info(GROUP_TYPE)
        .map(|i| i.realistic_create_secs)
        .unwrap_or(1.0);
    let (status, view) = with_cloud(app, |cloud, now| {
        let key = ids::key(&group_id(sub, rg));
        let existing = cloud.get(&key).cloned();
        if let Some(e) = &existing {
            if e.operation.is_some() {
                return Err(ArmError::conflict(
                    "ResourceGroupBeingDeleted",
                    format!(
                        "The resource group '{rg}' is in deprovisioning state and cannot perform this operation."
                    ),
                ));
            }
        } else if patch {
            return Err(rg_not_found(rg));
        }
        if !patch && app.provider.type_info(GROUP_TYPE).is_some() {
            let id = group_id(sub, rg);
            let preq = PutRequest {
                id: &id,
                subscription: sub,
                resource_group: rg,
                arm_type: GROUP_TYPE,
                name: rg,
                api_version: v,
                body: &body,
            };
            app.provider.validate_put(&preq, &CloudWorld(cloud))?;
        }
        let location = match (body.get("location").and_then(Value::as_str), &existing) {
            (Some(l), Some(e)) => {
                let old = e
                    .body
                    .get("location")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if normalize_location(l) != old {
                    return Err(ArmError::conflict(
                        "InvalidResourceGroupLocation",
                        format!(
                            "Invalid resource group location '{l}'. The Resource group already exists in location '{old}'."
                        ),
                    ));
                }
                old.to_string()
            }
            (Some(l), None) => normalize_location(l),
            (None, Some(e)) if patch => e
                .body
                .get("location")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            (None, _) => {
                return Err(ArmError::bad_request(
                    "LocationRequired",
                    "The location property is required for this definition.",
                ));
            }
        };
        let (id, name) = match &existing {
            Some(e) => (
                e.id.clone(),
                e.body
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or(rg)
                    .to_string(),
            ),
            None => (group_id(sub, rg), rg.to_string()),
        };
        let mut stored = json!({ "location": location });
        let tags = if patch && body.get("tags").is_none() {
            existing.as_ref().and_then(|e| e.body.get("tags").cloned())
        } else {
            body.get("tags").cloned()
        };
        if let Some(t) = tags {
            stored["tags"] = t;
        }
        if let Some(m) = body.get("managedBy") {
            stored["managedBy"] = m.clone();
        }
        stored["properties"] = json!({"provisioningState": "Succeeded"});
        let stored = envelope(&id, &name, GROUP_TYPE, stored);
        let visible_at = match &existing {
            Some(e) => e.visible_at_ms,
            None => delay.map(|d| now + d.as_millis() as u64).unwrap_or(0),
        };
        cloud.insert(
            key,
            Record {
                id,
                arm_type: GROUP_TYPE.into(),
                api_version: v.to_string(),
                body: stored.clone(),
                visible_at_ms: visible_at,
                operation: None,
            },
        );
        Ok(((if existing.is_some() { 200 } else { 201 }, stored), true))
    })?;
    Ok((respond::json(status, &view), app.realistic(secs)))
}

fn get_group(app: &App, sub: &str, rg: &str, req: &Req) -> Outcome {
    let found = with_cloud(app, |cloud, now| {
        Ok((
            group_record(cloud, sub, rg, now)
                .ok()
                .map(|r| r.body.clone()),
            false,
        ))
    })?;
    match (found, req.method.as_str()) {
        (Some(_), "HEAD") => done(respond::empty(204)),
        (None, "HEAD") => done(respond::empty(404)),
        (Some(b), _) => done(respond::json(200, &b)),
        (None, _) => Err(rg_not_found(rg)),
    }
}

fn delete_group(app: &App, sub: &str, rg: &str, v: &str) -> Outcome {
    let provider = app.provider.clone();
    let factor_secs = |t: &str| {
        provider
            .type_info(t)
            .map(|i| i.realistic_delete_secs)
            .unwrap_or(0.0)
    };
    let (op, location, left) = with_cloud(app, |cloud, now| {
        let key = ids::key(&group_id(sub, rg));
        let Some(group) = cloud.get(&key).cloned() else {
            return Err(rg_not_found(rg));
        };
        let location = group
            .body
            .get("location")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if let Some(op) = &group.operation {
            let left = cloud
                .operations
                .get(op)
                .map(|o| o.deadline_ms.saturating_sub(now))
                .unwrap_or(0);
            return Ok(((op.clone(), location, left), false));
        }
        let slowest = cloud
            .records_under(&key)
            .map(|r| factor_secs(&r.arm_type))
            .fold(factor_secs(GROUP_TYPE).max(1.0), f64::max);
        let ms = app.realistic(slowest).as_millis() as u64;
        let op = ops::begin(cloud, OpKind::DeleteGroup, &key, GROUP_TYPE, now, ms, None);
        if let Some(g) = cloud.get_mut(&key) {
            g.operation = Some(op.clone());
            set_state(&mut g.body, "Deleting");
        }
        Ok(((op, location, ms), true))
    })?;
    let urls = ops::urls(app, sub, None, &location, &op, v);
    let mut r = respond::empty(202);
    poll_headers(&mut r, &urls, ops::retry_after(left, 0), left, false);
    done(r)
}

fn list_groups(app: &App, sub: &str) -> Outcome {
    let prefix = format!(
        "/subscriptions/{}/resourcegroups/",
        sub.to_ascii_lowercase()
    );
    let value = with_cloud(app, |cloud, now| {
        let v: Vec<Value> = cloud
            .resources
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(k, r)| !k[prefix.len()..].contains('/') && visible(r, now))
            .map(|(_, r)| r.body.clone())
            .collect();
        Ok((v, false))
    })?;
    done(respond::json(200, &json!({ "value": value })))
}

/// A type's list in a group (or the subscription), paged: [`listing::PAGE_SIZE`] items per
/// page from `$skiptoken`, a `nextLink` while more follow; each item as the type's list shows
/// it ([`listing::as_listed`]).
fn list_type(
    app: &App,
    sub: &str,
    rg: Option<&str>,
    arm_type: &str,
    req: &Req,
    v: &str,
) -> Outcome {
    let skip = match req.query.get("$skiptoken") {
        Some(t) => t.parse::<usize>().map_err(|_| {
            ArmError::bad_request(
                "InvalidSkipToken",
                format!("The skip token '{t}' is not valid."),
            )
        })?,
        None => 0,
    };
    let (value, more) = with_cloud(app, |cloud, now| {
        let prefix = match rg {
            Some(rg) => {
                group_record(cloud, sub, rg, now)?;
                format!("{}/", ids::key(&group_id(sub, rg)))
            }
            None => format!("/subscriptions/{}/", sub.to_ascii_lowercase()),
        };
        let mut matching = cloud
            .resources
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(_, r)| r)
            .filter(|r| visible(r, now) && r.arm_type.eq_ignore_ascii_case(arm_type))
            .skip(skip);
        let page: Vec<Value> = matching
            .by_ref()
            .take(listing::PAGE_SIZE)
            .map(|r| listing::as_listed(arm_type, app.provider_view(r)))
            .collect();
        let more = matching.next().is_some();
        Ok(((page, more), false))
    })?;
    let mut body = json!({ "value": value });
    if more {
        let next = skip + listing::PAGE_SIZE;
        let mut url = format!("{}{}", app.base_url, req.path);
        url.push_str("?api-version=");
        url.extend(form_urlencoded::byte_serialize(v.as_bytes()));
        url.push_str(&format!("&%24skiptoken={next}"));
        body["nextLink"] = json!(url);
    }
    done(respond::json(200, &body))
}

// ---------------------------------------------------------------- resources

fn resource(app: &App, p: &ResourcePath, req: &Req, v: &str) -> Outcome {
    if p.names.is_empty() {
        return Err(ArmError::not_found(
            "NotFound",
            format!(
                "No HTTP resource was found that matches the request URI '{}'.",
                req.path
            ),
        ));
    }
    let arm_type = p.arm_type();
    let info = app.provider.type_info(&arm_type);
    let registered = registry::registered(&arm_type);
    let mut supported: Vec<&str> = registered
        .map(|r| r.api_versions.to_vec())
        .unwrap_or_default();
    if let Some(i) = &info {
        for x in &i.api_versions {
            if !supported.iter().any(|s| s.eq_ignore_ascii_case(x)) {
                supported.push(x);
            }
        }
    }
    if (info.is_some() || registered.is_some())
        && !supported.iter().any(|x| x.eq_ignore_ascii_case(v))
    {
        let loc = serde_json::from_slice::<Value>(&req.body)
            .ok()
            .and_then(|b| {
                b.get("location")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .unwrap_or_default();
        return Err(no_registered_provider(&arm_type, v, &supported, &loc));
    }
    if let Some(action) = &p.action {
        return match req.method.as_str() {
            "POST" => post_action(app, p, action),
            "GET" => list_children(app, p, action),
            _ => done(method_not_allowed(req)),
        };
    }
    match req.method.as_str() {
        "GET" | "HEAD" => get_resource(app, p, req),
        "PUT" => {
            let body = parse_object(req)?;
            put_inner(app, p, req, v, info, Ok(body))
        }
        "PATCH" => {
            let patch = parse_object(req)?;
            put_inner(app, p, req, v, info, Err(patch))
        }
        "DELETE" => delete_resource(app, p, req, info),
        _ => done(method_not_allowed(req)),
    }
}

fn resource_key(p: &ResourcePath) -> String {
    ids::key(&p.id_with_type(&p.resource_group, &p.arm_type()))
}

/// The group must exist; a nested resource's parent too (visible ones, when `visible_only`).
fn check_parents(
    cloud: &Cloud,
    p: &ResourcePath,
    key: &str,
    now: u64,
    visible_only: bool,
) -> Result<(), ArmError> {
    let g = cloud
        .get(&ids::key(&group_id(&p.subscription, &p.resource_group)))
        .filter(|r| !visible_only || visible(r, now));
    if g.is_none() {
        return Err(rg_not_found(&p.resource_group));
    }
    if let Some(scope) = &p.scope
        && !cloud
            .get(&ids::key(scope))
            .is_some_and(|r| !visible_only || visible(r, now))
    {
        return Err(ArmError::not_found(
            "ResourceNotFound",
            format!(
                "The Resource '{}' under resource group '{}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
                scope
                    .split_once("/providers/")
                    .map(|(_, t)| t)
                    .unwrap_or(scope),
                p.resource_group
            ),
        ));
    }
    if p.is_nested() {
        let parent = ResourcePath::parent_of(key).unwrap_or_default();
        if !cloud
            .get(&parent)
            .is_some_and(|r| !visible_only || visible(r, now))
        {
            return Err(parent_not_found(p));
        }
    }
    Ok(())
}

fn get_resource(app: &App, p: &ResourcePath, req: &Req) -> Outcome {
    let key = resource_key(p);
    let found = with_cloud(app, |cloud, now| {
        check_parents(cloud, p, &key, now, true)?;
        Ok((
            cloud
                .get(&key)
                .filter(|r| visible(r, now))
                .map(|r| app.provider_view(r)),
            false,
        ))
    });
    match (found, req.method.as_str()) {
        (Ok(Some(_)), "HEAD") => done(respond::empty(204)),
        (Ok(None), "HEAD") | (Err(_), "HEAD") => done(respond::empty(404)),
        (Ok(Some(v)), _) => done(respond::json(200, &v)),
        (Ok(None), _) => Err(resource_not_found(p)),
        (Err(e), _) => Err(e),
    }
}

fn transitional_state(arm_type: &str, create: bool) -> &'static str {
    if arm_type.eq_ignore_ascii_case("Microsoft.App/containerApps") {
        "InProgress"
    } else if arm_type.eq_ignore_ascii_case("Microsoft.App/managedEnvironments") && create {
        "InitializationInProgress"
    } else if create {
        "Creating"
    } else {
        "Updating"
    }
}

/// RFC 7396 JSON merge patch.
fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            if let Value::Object(t) = target {
                for (k, v) in p {
                    if v.is_null() {
                        t.remove(k);
                    } else {
                        merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                    }
                }
            }
        }
        other => *target = other.clone(),
    }
}

/// PUT (`Ok(body)`) or PATCH (`Err(patch)`, merged onto the stored body).
fn put_inner(
    app: &App,
    p: &ResourcePath,
    req: &Req,
    v: &str,
    info: Option<TypeInfo>,
    body: Result<Value, Value>,
) -> Outcome {
    let key = resource_key(p);
    let request_type = p.arm_type();
    let who = platform::caller(req);
    let principal = who.principal.clone();
    let delay = app
        .visibility_delay
        .or_else(|| app.faults.visibility_delay());
    let (status, view, lro, wait) = with_cloud(app, |cloud, now| {
        check_parents(cloud, p, &key, now, true)?;
        let group = cloud
            .get(&ids::key(&group_id(&p.subscription, &p.resource_group)))
            .cloned()
            .ok_or_else(|| rg_not_found(&p.resource_group))?;
        if group.operation.is_some() {
            return Err(ArmError::conflict(
                "ResourceGroupBeingDeleted",
                format!(
                    "The resource group '{}' is in deprovisioning state and cannot perform this operation.",
                    p.resource_group
                ),
            ));
        }
        let existing = cloud.get(&key).cloned();
        if let Some(e) = &existing
            && e.operation.is_some()
        {
            return Err(ArmError::conflict(
                "AnotherOperationInProgress",
                format!(
                    "Operation '{}' on resource '{}' is not allowed because another operation is in progress on it. Retry after the current operation completes.",
                    req.method, e.id
                ),
            ));
        }
        let body = match body {
            Ok(b) => b,
            Err(patch) => {
                let Some(e) = &existing else {
                    return Err(resource_not_found(p));
                };
                let mut merged = e.body.clone();
                merge_patch(&mut merged, &patch);
                merged
            }
        };
        let canonical_type = match (&info, &existing) {
            (Some(i), _) => i.arm_type.to_string(),
            (None, Some(e)) => e.arm_type.clone(),
            (None, None) => request_type.clone(),
        };
        let rg_name = group
            .body
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or(&p.resource_group)
            .to_string();
        let id = existing
            .as_ref()
            .map(|e| e.id.clone())
            .unwrap_or_else(|| p.id_with_type(&rg_name, &canonical_type));
        let name = id.rsplit('/').next().unwrap_or_default().to_string();

        // Soft-deleted names and global names.
        let mut previous = existing.as_ref().map(|e| e.body.clone());
        if existing.is_none() && info.is_some() {
            let sk = soft_key(&canonical_type, &id, &name);
            if let Some(sd) = cloud.soft_deleted.get(&sk).cloned() {
                let restore =
                    body.pointer("/properties/restore").and_then(Value::as_bool) == Some(true);
                if canonical_type.eq_ignore_ascii_case("Microsoft.ApiManagement/service")
                    && !restore
                {
                    return Err(ArmError::conflict(
                        "ServiceAlreadyExistsInSoftDeletedState",
                        format!(
                            "Api service {name} was soft-deleted. In order to create the new service with the same name, you have to either undelete the service or purge it. See https://aka.ms/apimsoftdelete."
                        ),
                    ));
                }
                // Workspaces (and APIM with `restore: true`) come back, keeping what the
                // deleted one had (a workspace keeps its customerId).
                previous = Some(sd.body.clone());
                cloud.remove_soft_deleted(&sk);
            }
            if GLOBALLY_UNIQUE
                .iter()
                .any(|t| t.eq_ignore_ascii_case(&canonical_type))
            {
                let taken = cloud.resources.values().any(|r| {
                    r.arm_type.eq_ignore_ascii_case(&canonical_type)
                        && r.id
                            .rsplit('/')
                            .next()
                            .is_some_and(|n| n.eq_ignore_ascii_case(&name))
                });
                if taken {
                    return Err(ArmError::conflict(
                        "ServiceAlreadyExists",
                        format!(
                            "The name '{name}' is already in use; the service name must be globally unique."
                        ),
                    ));
                }
            }
        }

        let stored = match &info {
            Some(_) => {
                let preq = PutRequest {
                    id: &id,
                    subscription: &p.subscription,
                    resource_group: &rg_name,
                    arm_type: &canonical_type,
                    name: &name,
                    api_version: v,
                    body: &body,
                };
                let world = CloudWorld(cloud);
                app.provider.validate_put(&preq, &world)?;
                app.provider.complete(&preq, previous.as_ref(), &world)?
            }
            None => {
                if canonical_type.eq_ignore_ascii_case(generic::ROLE_ASSIGNMENT) {
                    generic::check_role_assignment(&body, cloud, &who.principal, &who.tenant)?;
                }
                let mut b = body.clone();
                if b.get("properties").is_some_and(Value::is_object) {
                    set_state(&mut b, "Succeeded");
                }
                let preq = PutRequest {
                    id: &id,
                    subscription: &p.subscription,
                    resource_group: &rg_name,
                    arm_type: &canonical_type,
                    name: &name,
                    api_version: v,
                    body: &body,
                };
                generic::complete(&preq, &mut b, previous.as_ref());
                b
            }
        };
        let mut stored = envelope(&id, &name, &canonical_type, stored);
        if let Some(o) = stored.as_object_mut() {
            o.insert(
                "systemData".into(),
                shaping::system_data(existing.as_ref().map(|e| &e.body), &principal, now),
            );
        }
        let create = existing.is_none();
        let visible_at = match &existing {
            Some(e) => e.visible_at_ms,
            None => delay.map(|d| now + d.as_millis() as u64).unwrap_or(0),
        };
        let status = if create {
            created_status(&canonical_type)
        } else {
            200
        };
        let shape = info
            .as_ref()
            .filter(|i| i.long_running_put)
            .map(|i| shapes::write_shape(app, &req.method, i.arm_type))
            .unwrap_or(LroShape::Synchronous);
        match &info {
            Some(i) if shape != LroShape::Synchronous => {
                let ms = app
                    .realistic(app.provider.create_secs(i.arm_type, &stored))
                    .as_millis() as u64;
                let failure = app.faults.fail_lro(&req.method, &canonical_type).then(|| {
                    json!({
                        "code": "ProvisioningFailed",
                        "message": format!("The operation on '{id}' failed (injected by the emulator's fail-lro fault)."),
                    })
                });
                let kind = if create {
                    OpKind::Create
                } else {
                    OpKind::Update
                };
                let op = ops::begin(cloud, kind, &key, &canonical_type, now, ms, failure);
                set_state(&mut stored, transitional_state(&canonical_type, create));
                let location = stored
                    .get("location")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                let record = Record {
                    id,
                    arm_type: canonical_type.clone(),
                    api_version: v.to_string(),
                    body: stored,
                    visible_at_ms: visible_at,
                    operation: Some(op.clone()),
                };
                let view = app.provider_view(&record);
                cloud.insert(key.clone(), record);
                let status = shapes::write_status(shape, &req.method, status);
                Ok((
                    (
                        status,
                        view,
                        Some((op, location, ms, shape)),
                        Duration::ZERO,
                    ),
                    true,
                ))
            }
            _ => {
                let wait = info
                    .as_ref()
                    .map(|i| app.realistic(app.provider.create_secs(i.arm_type, &stored)))
                    .unwrap_or_default();
                let record = Record {
                    id,
                    arm_type: canonical_type,
                    api_version: v.to_string(),
                    body: stored,
                    visible_at_ms: visible_at,
                    operation: None,
                };
                let view = app.provider_view(&record);
                cloud.insert(key.clone(), record);
                Ok(((status, view, None, wait), true))
            }
        }
    })?;
    let mut r = respond::json(status, &view);
    if let Some((op, location, ms, shape)) = lro
        && shape != LroShape::ProvisioningState
    {
        let urls = ops::urls(app, &p.subscription, Some(&p.namespace), &location, &op, v);
        poll_headers(
            &mut r,
            &urls,
            ops::retry_after(ms, 0),
            ms,
            shape == LroShape::AsyncOperation,
        );
    }
    Ok((r, wait))
}

fn delete_resource(app: &App, p: &ResourcePath, req: &Req, info: Option<TypeInfo>) -> Outcome {
    let key = resource_key(p);
    let force = req
        .query
        .get("force")
        .is_some_and(|f| f.eq_ignore_ascii_case("true"));
    let provider = app.provider.clone();
    let v = req.api_version().unwrap_or_default().to_string();
    let shape = info
        .as_ref()
        .filter(|i| provider.long_running_delete(i.arm_type))
        .map(|_| shapes::delete_shape(app))
        .unwrap_or(LroShape::Synchronous);
    let outcome = with_cloud(app, |cloud, now| {
        check_parents(cloud, p, &key, now, false)?;
        let Some(rec) = cloud.get(&key).cloned() else {
            return Ok((None, false));
        };
        if rec.operation.is_some() {
            return Err(ArmError::conflict(
                "AnotherOperationInProgress",
                format!(
                    "Operation 'DELETE' on resource '{}' is not allowed because another operation is in progress on it. Retry after the current operation completes.",
                    rec.id
                ),
            ));
        }
        let soft = info.is_some() && provider.soft_delete(&rec.arm_type) && !force;
        if let Some(i) = &info {
            provider.check_delete(&rec.id, &rec.arm_type, &CloudWorld(cloud))?;
            if provider.long_running_delete(i.arm_type) && shape != LroShape::Synchronous {
                let ms = app.realistic(i.realistic_delete_secs).as_millis() as u64;
                let kind = if soft {
                    OpKind::Delete
                } else {
                    OpKind::ForceDelete
                };
                let op = ops::begin(cloud, kind, &key, &rec.arm_type, now, ms, None);
                if let Some(r) = cloud.get_mut(&key) {
                    r.operation = Some(op.clone());
                    set_state(&mut r.body, "Deleting");
                }
                let location = rec
                    .body
                    .get("location")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                return Ok((
                    Some((Some((op, location, ms, shape)), Duration::ZERO)),
                    true,
                ));
            }
        }
        ops::remove_tree(cloud, provider.as_ref(), &key, soft, now);
        let wait = info
            .as_ref()
            .map(|i| app.realistic(i.realistic_delete_secs))
            .unwrap_or_default();
        Ok((Some((None, wait)), true))
    })?;
    match outcome {
        None => done(respond::empty(204)),
        Some((None, wait)) => Ok((respond::empty(200), wait)),
        Some((Some((op, location, ms, shape)), _)) => {
            let urls = ops::urls(app, &p.subscription, Some(&p.namespace), &location, &op, &v);
            let mut r = respond::empty(202);
            poll_headers(
                &mut r,
                &urls,
                ops::retry_after(ms, 0),
                ms,
                shape == LroShape::AsyncOperation,
            );
            done(r)
        }
    }
}

fn post_action(app: &App, p: &ResourcePath, action: &str) -> Outcome {
    let key = resource_key(p);
    let (rec, parent) = with_cloud(app, |cloud, now| {
        check_parents(cloud, p, &key, now, true)?;
        let rec = cloud.get(&key).filter(|r| visible(r, now)).cloned();
        // A sub-path of a resource (`sites/{app}/host/default/listKeys`).
        let parent = match (&rec, p.is_nested()) {
            (None, true) => ResourcePath::parent_of(&key)
                .and_then(|k| cloud.get(&k))
                .filter(|r| visible(r, now))
                .cloned(),
            _ => None,
        };
        Ok(((rec, parent), false))
    })?;
    let no_action = |arm_type: &str| {
        ArmError::not_found(
            "ActionNotFound",
            format!("The action '{action}' is not supported on resource type '{arm_type}'."),
        )
    };
    match (rec, parent) {
        (Some(rec), _) if app.provider.type_info(&rec.arm_type).is_some() => {
            let out = app.provider.action(&rec.arm_type, action, &rec.body)?;
            done(respond::json(200, &out))
        }
        (Some(rec), _) => generic::list_action(&rec.id, "", action)
            .map(|out| respond::json(200, &out))
            .ok_or_else(|| no_action(&rec.arm_type))
            .and_then(done),
        (None, Some(parent)) if app.provider.type_info(&parent.arm_type).is_none() => {
            let sub_path = format!(
                "{}/{}",
                p.types.last().map(String::as_str).unwrap_or_default(),
                p.name()
            );
            generic::list_action(&parent.id, &sub_path, action)
                .map(|out| respond::json(200, &out))
                .ok_or_else(|| no_action(&parent.arm_type))
                .and_then(done)
        }
        _ => Err(resource_not_found(p)),
    }
}

fn list_children(app: &App, p: &ResourcePath, child: &str) -> Outcome {
    let key = resource_key(p);
    let child_type = format!("{}/{child}", p.arm_type());
    let value = with_cloud(app, |cloud, now| {
        check_parents(cloud, p, &key, now, true)?;
        if !cloud.get(&key).is_some_and(|r| visible(r, now)) {
            return Err(resource_not_found(p));
        }
        let depth = key.split('/').count() + 2;
        let v: Vec<Value> = cloud
            .records_under(&key)
            .filter(|r| {
                visible(r, now)
                    && r.arm_type.eq_ignore_ascii_case(&child_type)
                    && r.id.split('/').count() == depth
            })
            .map(|r| app.provider_view(r))
            .collect();
        Ok((v, false))
    })?;
    done(respond::json(200, &json!({ "value": value })))
}

// ---------------------------------------------------------------- soft delete

fn deleted_apim_json(sub: &str, sd: &crate::store::SoftDeleted) -> Value {
    json!({
        "id": format!("/subscriptions/{sub}/providers/Microsoft.ApiManagement/locations/{}/deletedservices/{}", ops::op_location(&sd.location), sd.name),
        "name": sd.name,
        "type": "Microsoft.ApiManagement/deletedservices",
        "location": sd.location,
        "properties": {
            "serviceId": sd.id,
            "scheduledPurgeDate": rfc3339(sd.purge_ms),
            "deletionDate": rfc3339(sd.deleted_ms),
        }
    })
}

fn in_subscription(id: &str, sub: &str) -> bool {
    ids::key(id).starts_with(&format!("/subscriptions/{}/", sub.to_ascii_lowercase()))
}

fn find_deleted_apim(
    cloud: &Cloud,
    sub: &str,
    location: &str,
    name: &str,
) -> Option<(String, crate::store::SoftDeleted)> {
    let sk = soft_key("Microsoft.ApiManagement/service", "", name);
    cloud
        .soft_deleted
        .get(&sk)
        .filter(|sd| {
            in_subscription(&sd.id, sub)
                && ops::op_location(&sd.location) == ops::op_location(location)
        })
        .map(|sd| (sk, sd.clone()))
}

fn deleted_not_found(name: &str) -> ArmError {
    ArmError::not_found(
        "ResourceNotFound",
        format!("The deleted service '{name}' was not found."),
    )
}

fn get_deleted_apim(app: &App, sub: &str, location: &str, name: &str) -> Outcome {
    let sd = with_cloud(app, |cloud, _| {
        Ok((find_deleted_apim(cloud, sub, location, name), false))
    })?;
    match sd {
        Some((_, sd)) => done(respond::json(200, &deleted_apim_json(sub, &sd))),
        None => Err(deleted_not_found(name)),
    }
}

fn purge_apim(app: &App, sub: &str, location: &str, name: &str, v: &str) -> Outcome {
    let secs = 10.0;
    let (op, body, ms) = with_cloud(app, |cloud, now| {
        let Some((sk, sd)) = find_deleted_apim(cloud, sub, location, name) else {
            return Err(deleted_not_found(name));
        };
        if let Some(op) = cloud.operations.values().find(|o| {
            o.kind == OpKind::Purge
                && o.target == sk
                && o.status == crate::store::OpStatus::InProgress
        }) {
            let left = op.deadline_ms.saturating_sub(now);
            return Ok(((op.id.clone(), deleted_apim_json(sub, &sd), left), false));
        }
        let ms = app.realistic(secs).as_millis() as u64;
        let op = ops::begin(
            cloud,
            OpKind::Purge,
            &sk,
            "Microsoft.ApiManagement/deletedservices",
            now,
            ms,
            None,
        );
        Ok(((op, deleted_apim_json(sub, &sd), ms), true))
    })?;
    let urls = ops::urls(app, sub, Some("Microsoft.ApiManagement"), location, &op, v);
    let mut r = respond::json(202, &body);
    poll_headers(&mut r, &urls, ops::retry_after(ms, 0), ms, false);
    done(r)
}

fn list_deleted_apim(app: &App, sub: &str) -> Outcome {
    let value = with_cloud(app, |cloud, _| {
        let v: Vec<Value> = cloud
            .soft_deleted
            .values()
            .filter(|sd| {
                sd.arm_type
                    .eq_ignore_ascii_case("Microsoft.ApiManagement/service")
                    && in_subscription(&sd.id, sub)
            })
            .map(|sd| deleted_apim_json(sub, sd))
            .collect();
        Ok((v, false))
    })?;
    done(respond::json(200, &json!({ "value": value })))
}

fn list_deleted_workspaces(app: &App, sub: &str, rg: Option<&str>) -> Outcome {
    let prefix = match rg {
        Some(rg) => format!("{}/", ids::key(&group_id(sub, rg))),
        None => format!("/subscriptions/{}/", sub.to_ascii_lowercase()),
    };
    let value = with_cloud(app, |cloud, _| {
        let v: Vec<Value> = cloud
            .soft_deleted
            .values()
            .filter(|sd| {
                sd.arm_type
                    .eq_ignore_ascii_case("Microsoft.OperationalInsights/workspaces")
                    && ids::key(&sd.id).starts_with(&prefix)
            })
            .map(|sd| app.provider.get_view(&sd.arm_type, &sd.body))
            .collect();
        Ok((v, false))
    })?;
    done(respond::json(200, &json!({ "value": value })))
}

/// The status of a PUT that creates a resource. Most providers answer 201; the REST
/// definitions of Application Insights components (2020-02-02) and metric alerts (2018-03-01)
/// list only 200 for CreateOrUpdate, and the official clients reject anything else.
fn created_status(arm_type: &str) -> u16 {
    const ONLY_200: &[&str] = &[
        "Microsoft.Insights/components",
        "Microsoft.Insights/metricAlerts",
    ];
    if ONLY_200.iter().any(|t| t.eq_ignore_ascii_case(arm_type)) {
        200
    } else {
        201
    }
}
