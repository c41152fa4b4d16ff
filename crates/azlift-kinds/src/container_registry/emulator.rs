//! Microsoft.ContainerRegistry/registries: the login server (`<name>.azurecr.io`, lower
//! case), the SKU's tier, the creation date kept across re-PUTs, and the service's defaults
//! (admin user off, public network access on, no zone redundancy, anonymous pull off).

use serde_json::{Map, Value, json};

use crate::emulator::common::{keep, now_rfc3339, obj_mut, set_default};
use crate::emulator::{ArmError, Kind, PutRequest, World};

pub struct Registries;

impl Kind for Registries {
    fn complete(
        &self,
        req: &PutRequest<'_>,
        out: &mut Map<String, Value>,
        previous: Option<&Value>,
        _world: &dyn World,
    ) -> Result<(), ArmError> {
        let sku = obj_mut(out, "sku");
        if let Some(name) = sku.get("name").cloned() {
            sku.insert("tier".into(), name);
        }
        let props = obj_mut(out, "properties");
        props.insert(
            "loginServer".into(),
            json!(format!("{}.azurecr.io", req.name.to_ascii_lowercase())),
        );
        props.insert(
            "creationDate".into(),
            keep(previous, &["properties", "creationDate"], || {
                json!(now_rfc3339())
            }),
        );
        set_default(props, "adminUserEnabled", json!(false));
        set_default(props, "publicNetworkAccess", json!("Enabled"));
        set_default(props, "networkRuleBypassOptions", json!("AzureServices"));
        set_default(props, "zoneRedundancy", json!("Disabled"));
        set_default(props, "anonymousPullEnabled", json!(false));
        set_default(props, "dataEndpointEnabled", json!(false));
        set_default(props, "dataEndpointHostNames", json!([]));
        set_default(props, "privateEndpointConnections", json!([]));
        Ok(())
    }
}
