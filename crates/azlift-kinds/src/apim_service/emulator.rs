//! Microsoft.ApiManagement/service in the emulator: SKU capacity rules, a globally unique
//! name, the `*.azure-api.net` URLs, public IP, platform version.

use serde_json::{Map, Value, json};

use crate::emulator::common::{
    get_path, get_str, id_has_type, keep, normalize_location, now_rfc3339, obj_mut, random_ip,
    same_id, set_default,
};
use crate::emulator::errors::invalid;
use crate::emulator::{ArmError, Kind, PutRequest, World};

const SERVICE: &str = "Microsoft.ApiManagement/service";

fn sku_name(v: &Value) -> String {
    get_str(v, &["sku", "name"])
        .unwrap_or("Developer")
        .to_string()
}
pub struct Service;

impl Kind for Service {
    fn validate(&self, req: &PutRequest<'_>, world: &dyn World) -> Result<(), ArmError> {
        let sku = sku_name(req.body);
        if let Some(cap) = get_path(req.body, &["sku", "capacity"]).and_then(Value::as_i64) {
            let (ok, rule) = match sku.to_ascii_lowercase().as_str() {
                "consumption" => (cap == 0, "must be 0 for the Consumption SKU"),
                "developer" => (cap == 1, "must be 1 for the Developer SKU"),
                _ => ((1..=31).contains(&cap), "must be between 1 and 31"),
            };
            if !ok {
                return Err(invalid(
                    SERVICE,
                    "sku.capacity",
                    format!("Capacity {cap} is invalid: it {rule}."),
                ));
            }
        }
        if let Some(email) = get_str(req.body, &["properties", "publisherEmail"]) {
            let ok = email
                .split_once('@')
                .is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !b.ends_with('.'));
            if !ok || email.len() > 100 {
                return Err(invalid(
                    SERVICE,
                    "properties.publisherEmail",
                    format!("Email '{email}' is not a valid email address."),
                ));
            }
        }
        // The name is a DNS label under azure-api.net: unique across every subscription.
        let taken = world.all_ids().into_iter().any(|other| {
            id_has_type(&other, SERVICE)
                && !same_id(&other, req.id)
                && other
                    .rsplit('/')
                    .next()
                    .is_some_and(|n| n.eq_ignore_ascii_case(req.name))
        });
        if taken {
            return Err(ArmError::conflict(
                "ServiceAlreadyExists",
                format!("Api service already exists: {}.azure-api.net. The service name must be globally unique.", req.name),
            )
            .with_target("name"));
        }
        Ok(())
    }

    fn complete(
        &self,
        req: &PutRequest<'_>,
        out: &mut Map<String, Value>,
        previous: Option<&Value>,
        _world: &dyn World,
    ) -> Result<(), ArmError> {
        let name = req.name;
        let host = name.to_ascii_lowercase();
        let region = out
            .get("location")
            .and_then(Value::as_str)
            .map(normalize_location)
            .unwrap_or_else(|| "eastus".into());
        let consumption = sku_name(&Value::Object(out.clone())).eq_ignore_ascii_case("Consumption");
        let created = keep(previous, &["properties", "createdAtUtc"], || {
            json!(now_rfc3339())
        });
        let ip = previous
            .and_then(|p| get_path(p, &["properties", "publicIPAddresses"]))
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(random_ip);
        let props = obj_mut(out, "properties");
        props.insert("createdAtUtc".into(), created);
        props.insert(
            "gatewayUrl".into(),
            json!(format!("https://{host}.azure-api.net")),
        );
        props.insert("targetProvisioningState".into(), json!(""));
        if consumption {
            props.insert("platformVersion".into(), json!("mtv1"));
        } else {
            props.insert(
                "gatewayRegionalUrl".into(),
                json!(format!("https://{host}-{region}-01.regional.azure-api.net")),
            );
            props.insert(
                "portalUrl".into(),
                json!(format!("https://{host}.portal.azure-api.net")),
            );
            props.insert(
                "developerPortalUrl".into(),
                json!(format!("https://{host}.developer.azure-api.net")),
            );
            props.insert(
                "managementApiUrl".into(),
                json!(format!("https://{host}.management.azure-api.net")),
            );
            props.insert(
                "scmUrl".into(),
                json!(format!("https://{host}.scm.azure-api.net")),
            );
            props.insert("publicIPAddresses".into(), json!([ip]));
            props.insert("platformVersion".into(), json!("stv2"));
        }
        set_default(
            props,
            "notificationSenderEmail",
            json!("apimgmt-noreply@mail.windowsazure.com"),
        );
        set_default(
            props,
            "hostnameConfigurations",
            json!([{
                "type": "Proxy", "hostName": format!("{host}.azure-api.net"),
                "negotiateClientCertificate": false, "defaultSslBinding": true, "certificateSource": "BuiltIn"
            }]),
        );
        set_default(props, "virtualNetworkType", json!("None"));
        set_default(props, "disableGateway", json!(false));
        set_default(props, "publicNetworkAccess", json!("Enabled"));
        set_default(props, "natGatewayState", json!("Disabled"));
        if !consumption {
            set_default(props, "developerPortalStatus", json!("Enabled"));
            set_default(props, "legacyPortalStatus", json!("Disabled"));
            let custom = obj_mut(props, "customProperties");
            for k in [
                "Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls10",
                "Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls11",
                "Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Ssl30",
                "Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Ciphers.TripleDes168",
                "Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls10",
                "Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls11",
                "Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Ssl30",
                "Microsoft.WindowsAzure.ApiManagement.Gateway.Protocols.Server.Http2",
            ] {
                set_default(custom, k, json!("False"));
            }
        }
        Ok(())
    }
}
