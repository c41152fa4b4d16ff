//! Microsoft.ManagedIdentity/userAssignedIdentities: the principal, client and tenant ids
//! Entra ID assigns, stable for the identity's life and derived from its id, so the same
//! identity shows the same ids on itself and on every resource it is assigned to.

use serde_json::{Map, Value, json};

use crate::emulator::common::{obj_mut, tenant_of, user_identity_ids};
use crate::emulator::{ArmError, Kind, PutRequest, World};

pub struct UserIdentities;

impl Kind for UserIdentities {
    fn complete(
        &self,
        req: &PutRequest<'_>,
        out: &mut Map<String, Value>,
        _previous: Option<&Value>,
        _world: &dyn World,
    ) -> Result<(), ArmError> {
        let (principal, client) = user_identity_ids(req.id);
        let props = obj_mut(out, "properties");
        props.insert("principalId".into(), json!(principal));
        props.insert("clientId".into(), json!(client));
        props.insert("tenantId".into(), json!(tenant_of(req.subscription)));
        props
            .entry("isolationScope")
            .or_insert_with(|| json!("None"));
        Ok(())
    }
}
