//! Microsoft.ApiManagement/service/loggers in the emulator: the parent service must exist;
//! credentials are required and returned as `{{Logger-Credentials--<hex>}}` named-value
//! references.

use serde_json::{Map, Value, json};

use crate::emulator::common::{PRIVATE, get_ci, get_path, obj_mut, random_hex, set_default};
use crate::emulator::errors::{coded, parent};
use crate::emulator::{ArmError, Kind, PutRequest, World};

/// A credential value that is already a named-value reference (`{{...}}`).
fn is_reference(s: &str) -> bool {
    s.starts_with("{{") && s.ends_with("}}")
}

pub struct Loggers;

impl Kind for Loggers {
    fn validate(&self, req: &PutRequest<'_>, world: &dyn World) -> Result<(), ArmError> {
        parent(req, world)?;
        let props = req.body.get("properties");
        let Some(kind) = props
            .and_then(|p| p.get("loggerType"))
            .and_then(Value::as_str)
        else {
            return Err(coded(
                "ValidationError",
                "properties.loggerType",
                "LoggerType is required.",
            ));
        };
        let creds = props
            .and_then(|p| p.get("credentials"))
            .and_then(Value::as_object);
        if kind.eq_ignore_ascii_case("applicationInsights") {
            let has = |k: &str| {
                creds
                    .and_then(|c| get_ci(c, k))
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.is_empty())
            };
            if !has("connectionString") && !has("instrumentationKey") {
                return Err(coded(
                    "ValidationError",
                    "properties.credentials",
                    "An applicationInsights logger needs credentials with 'connectionString' or 'instrumentationKey'.",
                ));
            }
        } else if kind.eq_ignore_ascii_case("azureEventHub") {
            let ok = creds.is_some_and(|c| {
                get_ci(c, "connectionString").is_some() || get_ci(c, "endpointAddress").is_some()
            });
            if !ok {
                return Err(coded(
                    "ValidationError",
                    "properties.credentials",
                    "An azureEventHub logger needs credentials with 'connectionString' or 'endpointAddress'.",
                ));
            }
        }
        Ok(())
    }

    fn complete(
        &self,
        _req: &PutRequest<'_>,
        out: &mut Map<String, Value>,
        previous: Option<&Value>,
        _world: &dyn World,
    ) -> Result<(), ArmError> {
        // Each raw credential becomes a new named value (as the service does on every PUT
        // with raw credentials); references sent back are kept as they are.
        let mut raw = previous
            .and_then(|p| get_path(p, &[PRIVATE, "credentials"]))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let props = obj_mut(out, "properties");
        set_default(props, "isBuffered", json!(true));
        set_default(props, "description", Value::Null);
        if let Some(Value::Object(creds)) = props.get_mut("credentials") {
            for (k, v) in creds.iter_mut() {
                let Some(s) = v.as_str() else { continue };
                if is_reference(s) {
                    continue;
                }
                let reference = format!("{{{{Logger-Credentials--{}}}}}", random_hex(24));
                raw.insert(reference.clone(), json!({ "name": k, "value": s }));
                *v = json!(reference);
            }
        }
        obj_mut(out, PRIVATE).insert("credentials".into(), Value::Object(raw));
        Ok(())
    }
}
