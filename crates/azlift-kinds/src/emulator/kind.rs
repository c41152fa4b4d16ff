//! The per-type behaviour interface the catalog dispatches to: extra validation beyond the
//! schema, the values the service adds when it stores a resource, the GET view, POST
//! actions and delete rules. Every method has a do-nothing default.

use serde_json::{Map, Value};

use super::ArmError;

use super::{PutRequest, World};

pub trait Kind: Sync {
    /// Rules beyond the schema (cross-field and cross-resource). The body has passed the
    /// schema check and the name rule.
    fn validate(&self, _req: &PutRequest<'_>, _world: &dyn World) -> Result<(), ArmError> {
        Ok(())
    }

    /// Add read-only values and server defaults to `out` (the request body with read-only
    /// properties removed, envelope set, location normalised, the private field carried over
    /// from `previous`). Values that exist once per resource are read from `previous`.
    fn complete(
        &self,
        _req: &PutRequest<'_>,
        _out: &mut Map<String, Value>,
        _previous: Option<&Value>,
        _world: &dyn World,
    ) -> Result<(), ArmError> {
        Ok(())
    }

    /// Remove write-only values from a copy of the stored representation (the private field
    /// is already gone).
    fn get_view(&self, _view: &mut Value) {}

    /// A POST action on the resource; `None` when the type has no such action.
    fn action(&self, _action: &str, _stored: &Value) -> Option<Result<Value, ArmError>> {
        None
    }

    /// Whether the resource `id` may be deleted now.
    fn check_delete(&self, _id: &str, _world: &dyn World) -> Result<(), ArmError> {
        Ok(())
    }
}
