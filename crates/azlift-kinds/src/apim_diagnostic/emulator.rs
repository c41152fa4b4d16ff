//! Microsoft.ApiManagement/service/diagnostics in the emulator: the parent service and its
//! logger must exist; defaults.

use serde_json::{Map, Value, json};

use crate::emulator::common::{get_str, id_has_type, obj_mut, parent_id, same_id, set_default};
use crate::emulator::errors::{coded, parent};
use crate::emulator::{ArmError, Kind, PutRequest, World};

const LOGGERS: &str = "Microsoft.ApiManagement/service/loggers";

pub struct Diagnostics;

impl Kind for Diagnostics {
    fn validate(&self, req: &PutRequest<'_>, world: &dyn World) -> Result<(), ArmError> {
        parent(req, world)?;
        let Some(logger) = get_str(req.body, &["properties", "loggerId"]).filter(|s| !s.is_empty())
        else {
            return Err(coded(
                "ValidationError",
                "properties.loggerId",
                "LoggerId is required.",
            ));
        };
        let service = parent_id(req.id).unwrap_or_default();
        let full = if logger.to_ascii_lowercase().starts_with("/loggers/") {
            format!("{service}{logger}")
        } else {
            logger.to_string()
        };
        let in_service = parent_id(&full).is_some_and(|p| same_id(p, service));
        if !id_has_type(&full, LOGGERS) || !in_service || world.get(&full).is_none() {
            return Err(coded(
                "ValidationError",
                "properties.loggerId",
                format!(
                    "Logger '{logger}' was not found in service '{}'.",
                    service.rsplit('/').next().unwrap_or(service)
                ),
            ));
        }
        Ok(())
    }

    fn complete(
        &self,
        _req: &PutRequest<'_>,
        out: &mut Map<String, Value>,
        _previous: Option<&Value>,
        _world: &dyn World,
    ) -> Result<(), ArmError> {
        let props = obj_mut(out, "properties");
        set_default(props, "httpCorrelationProtocol", json!("Legacy"));
        set_default(props, "verbosity", json!("information"));
        set_default(props, "operationNameFormat", json!("Name"));
        set_default(props, "logClientIp", json!(false));
        Ok(())
    }
}
