//! The bridge between the server and the per-type knowledge in `kinds` (the contract in
//! `kinds/mod.rs`). The server only talks to a [`Provider`]; `kinds::Catalog` implements it
//! once it lands. Until then [`FallbackCatalog`] stands in: a minimal, clearly partial
//! adapter (type table, api-versions, durations, a few read-only values, write-only values
//! withheld, `sharedKeys`/`listSecrets`) that does NO schema validation.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::error::ArmError;
use crate::kinds::{PutRequest, TypeInfo, World};

/// Per-type behaviour, as the contract in `kinds/mod.rs` describes it. Type lookups must be
/// case-insensitive. Types for which `type_info` is `None` are handled by the server's
/// generic pass-through and never reach the other methods.
pub trait Provider: Send + Sync {
    fn type_info(&self, arm_type: &str) -> Option<TypeInfo>;
    fn validate_put(&self, req: &PutRequest<'_>, world: &dyn World) -> Result<(), ArmError>;
    /// The stored representation (write-only values kept, read-only ones and defaults
    /// added, `provisioningState: Succeeded`).
    fn complete(
        &self,
        req: &PutRequest<'_>,
        previous: Option<&Value>,
        world: &dyn World,
    ) -> Result<Value, ArmError>;
    /// What GET shows: the stored representation without write-only values.
    fn get_view(&self, arm_type: &str, stored: &Value) -> Value;
    /// A POST action (`listSecrets`, `sharedKeys`).
    fn action(&self, arm_type: &str, action: &str, stored: &Value) -> Result<Value, ArmError>;
    fn check_delete(&self, id: &str, arm_type: &str, world: &dyn World) -> Result<(), ArmError>;
    /// Whether a delete of this type is a soft delete (name kept reserved until purged).
    fn soft_delete(&self, arm_type: &str) -> bool;
}

/// The stand-in until `kinds::Catalog` exists. Partial on purpose; see the module comment.
#[derive(Debug, Clone)]
pub struct FallbackCatalog {
    infos: Vec<TypeInfo>,
}

fn info(
    arm_type: &'static str,
    api_versions: &[&'static str],
    create: f64,
    delete: f64,
    lro: bool,
) -> TypeInfo {
    TypeInfo {
        arm_type,
        api_versions: api_versions.to_vec(),
        realistic_create_secs: create,
        realistic_delete_secs: delete,
        long_running_put: lro,
    }
}

impl Default for FallbackCatalog {
    fn default() -> Self {
        Self::new()
    }
}

impl FallbackCatalog {
    pub fn new() -> Self {
        let app = &["2025-07-01", "2026-07-01", "2025-01-01", "2024-03-01"];
        let apim = &["2024-05-01", "2023-05-01-preview", "2022-08-01", "2021-08-01"];
        FallbackCatalog {
            infos: vec![
                info("Microsoft.OperationalInsights/workspaces", &["2025-07-01", "2023-09-01", "2022-10-01", "2020-08-01"], 10.0, 5.0, true),
                info("Microsoft.Insights/components", &["2020-02-02", "2015-05-01"], 8.0, 3.0, false),
                info("Microsoft.Insights/actionGroups", &["2023-01-01", "2024-10-01-preview", "2022-06-01", "2021-09-01"], 3.0, 2.0, false),
                info("Microsoft.Insights/metricAlerts", &["2018-03-01"], 10.0, 3.0, false),
                info("Microsoft.App/managedEnvironments", app, 240.0, 120.0, true),
                info("Microsoft.App/containerApps", app, 45.0, 20.0, true),
                info("Microsoft.ApiManagement/service", apim, 2400.0, 600.0, true),
                info("Microsoft.ApiManagement/service/loggers", apim, 5.0, 2.0, false),
                info("Microsoft.ApiManagement/service/diagnostics", apim, 5.0, 2.0, false),
            ],
        }
    }
}

fn is(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// A stable value derived from an id (so a restart or a re-create yields the same keys).
fn derived(id: &str, salt: &str) -> [u8; 32] {
    Sha256::new()
        .chain_update(salt.as_bytes())
        .chain_update(id.to_ascii_lowercase().as_bytes())
        .finalize()
        .into()
}

fn derived_uuid(id: &str, salt: &str) -> String {
    let b = derived(id, salt);
    let mut u = [0u8; 16];
    u.copy_from_slice(&b[..16]);
    uuid::Builder::from_random_bytes(u).into_uuid().to_string()
}

fn derived_key(id: &str, salt: &str) -> String {
    use base64::Engine;
    let mut k = derived(id, salt).to_vec();
    k.extend_from_slice(&derived(id, &format!("{salt}2")));
    base64::engine::general_purpose::STANDARD.encode(k)
}

fn keep_or(prev: Option<&Value>, pointer: &str, make: impl FnOnce() -> Value) -> Value {
    prev.and_then(|p| p.pointer(pointer))
        .cloned()
        .unwrap_or_else(make)
}

impl Provider for FallbackCatalog {
    fn type_info(&self, arm_type: &str) -> Option<TypeInfo> {
        self.infos.iter().find(|i| is(i.arm_type, arm_type)).cloned()
    }

    fn validate_put(&self, _req: &PutRequest<'_>, _world: &dyn World) -> Result<(), ArmError> {
        Ok(())
    }

    fn complete(
        &self,
        req: &PutRequest<'_>,
        previous: Option<&Value>,
        _world: &dyn World,
    ) -> Result<Value, ArmError> {
        let mut v = req.body.clone();
        if !v.is_object() {
            return Err(ArmError::bad_request(
                "InvalidRequestContent",
                "The request content was invalid and could not be deserialized.",
            ));
        }
        if !v.get("properties").is_some_and(Value::is_object) {
            v["properties"] = json!({});
        }
        let t = req.arm_type;
        let p = &mut v["properties"];
        if is(t, "Microsoft.OperationalInsights/workspaces") {
            p["customerId"] = keep_or(previous, "/properties/customerId", || {
                json!(derived_uuid(req.id, "customerId"))
            });
        } else if is(t, "Microsoft.Insights/components") {
            let ikey = keep_or(previous, "/properties/InstrumentationKey", || {
                json!(derived_uuid(req.id, "ikey"))
            });
            p["AppId"] = keep_or(previous, "/properties/AppId", || {
                json!(derived_uuid(req.id, "appid"))
            });
            p["ConnectionString"] = json!(format!(
                "InstrumentationKey={};IngestionEndpoint=https://eastus-8.in.applicationinsights.azure.com/",
                ikey.as_str().unwrap_or_default()
            ));
            p["InstrumentationKey"] = ikey;
        }
        p["provisioningState"] = json!("Succeeded");
        Ok(v)
    }

    fn get_view(&self, arm_type: &str, stored: &Value) -> Value {
        let mut v = stored.clone();
        if is(arm_type, "Microsoft.App/containerApps") {
            if let Some(secrets) = v
                .pointer_mut("/properties/configuration/secrets")
                .and_then(Value::as_array_mut)
            {
                for s in secrets {
                    if let Some(o) = s.as_object_mut() {
                        o.remove("value");
                    }
                }
            }
        } else if is(arm_type, "Microsoft.App/managedEnvironments") {
            if let Some(o) = v
                .pointer_mut("/properties/appLogsConfiguration/logAnalyticsConfiguration")
                .and_then(Value::as_object_mut)
            {
                o.remove("sharedKey");
            }
        } else if is(arm_type, "Microsoft.ApiManagement/service/loggers") {
            if let Some(o) = v
                .pointer_mut("/properties/credentials")
                .and_then(Value::as_object_mut)
            {
                for val in o.values_mut() {
                    *val = json!("{{Logger-Credentials}}");
                }
            }
        }
        v
    }

    fn action(&self, arm_type: &str, action: &str, stored: &Value) -> Result<Value, ArmError> {
        let id = stored.get("id").and_then(Value::as_str).unwrap_or_default();
        if is(arm_type, "Microsoft.OperationalInsights/workspaces") && is(action, "sharedKeys") {
            return Ok(json!({
                "primarySharedKey": derived_key(id, "primary"),
                "secondarySharedKey": derived_key(id, "secondary"),
            }));
        }
        if is(arm_type, "Microsoft.App/containerApps") && is(action, "listSecrets") {
            let secrets = stored
                .pointer("/properties/configuration/secrets")
                .cloned()
                .unwrap_or_else(|| json!([]));
            return Ok(json!({ "value": secrets }));
        }
        Err(ArmError::not_found(
            "ActionNotFound",
            format!("The action '{action}' is not supported on resource type '{arm_type}'."),
        ))
    }

    fn check_delete(&self, id: &str, arm_type: &str, world: &dyn World) -> Result<(), ArmError> {
        if is(arm_type, "Microsoft.App/managedEnvironments") {
            let in_use = world.all_ids().into_iter().any(|other| {
                world.get(&other).is_some_and(|v| {
                    v.pointer("/properties/managedEnvironmentId")
                        .or_else(|| v.pointer("/properties/environmentId"))
                        .and_then(Value::as_str)
                        .is_some_and(|e| e.eq_ignore_ascii_case(id))
                })
            });
            if in_use {
                return Err(ArmError::conflict(
                    "ManagedEnvironmentHasContainerApps",
                    "Cannot delete a managed environment that still has container apps.",
                ));
            }
        }
        Ok(())
    }

    fn soft_delete(&self, arm_type: &str) -> bool {
        is(arm_type, "Microsoft.OperationalInsights/workspaces")
            || is(arm_type, "Microsoft.ApiManagement/service")
    }
}
