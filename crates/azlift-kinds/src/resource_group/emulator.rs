//! Microsoft.Resources/resourceGroups: a synchronous PUT; the stored group carries only
//! `properties.provisioningState` (the location rules are the catalog's, shared by all types).

use serde_json::{Map, Value, json};

use crate::emulator::{ArmError, Kind, PutRequest, World};

pub struct ResourceGroups;

impl Kind for ResourceGroups {
    fn complete(
        &self,
        _req: &PutRequest<'_>,
        out: &mut Map<String, Value>,
        _previous: Option<&Value>,
        _world: &dyn World,
    ) -> Result<(), ArmError> {
        out.insert(
            "properties".into(),
            json!({ "provisioningState": "Succeeded" }),
        );
        Ok(())
    }
}
