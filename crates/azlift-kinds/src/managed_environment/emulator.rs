//! Microsoft.App/managedEnvironments: the Log Analytics link (customerId of an existing
//! workspace plus its shared key, write-only), the default domain, static IP and event
//! stream endpoint, and the rule that an environment with apps cannot be deleted.

use serde_json::{Map, Value, json};

use crate::emulator::common::{
    get_path, get_str, hash_hex, id_has_type, keep_str, normalize_location, obj_mut, random_hex,
    random_ip, same_id, set_default,
};
use crate::emulator::errors::invalid;
use crate::emulator::{ArmError, Kind, PutRequest, World};
use crate::workspace::emulator::find_by_customer_id;

const TYPE: &str = "Microsoft.App/managedEnvironments";
const CONTAINER_APPS: &str = "Microsoft.App/containerApps";

/// Words the default domains are made of (`<adjective><noun>-<hash>`).
const ADJECTIVES: &[&str] = &[
    "happy", "calm", "brave", "proud", "kind", "wise", "bold", "quiet", "gentle", "lively",
    "polite", "witty",
];
const NOUNS: &[&str] = &[
    "river", "pond", "hill", "stone", "field", "forest", "meadow", "island", "desert", "ocean",
    "sky", "dune",
];

pub struct ManagedEnvironments;

impl Kind for ManagedEnvironments {
    fn validate(&self, req: &PutRequest<'_>, world: &dyn World) -> Result<(), ArmError> {
        let Some(la) = get_path(
            req.body,
            &[
                "properties",
                "appLogsConfiguration",
                "logAnalyticsConfiguration",
            ],
        ) else {
            return Ok(());
        };
        let target = "properties.appLogsConfiguration.logAnalyticsConfiguration";
        let Some(customer_id) = get_str(la, &["customerId"]) else {
            return Ok(());
        };
        let Some(key) = get_str(la, &["sharedKey"]).filter(|k| !k.is_empty()) else {
            return Err(invalid(
                TYPE,
                &format!("{target}.sharedKey"),
                "A Log Analytics shared key is required when a customerId is given.",
            ));
        };
        let Some(ws) = find_by_customer_id(world, customer_id) else {
            return Err(invalid(
                TYPE,
                &format!("{target}.customerId"),
                format!("No Log Analytics workspace with customer id '{customer_id}' was found."),
            ));
        };
        let known = ["primarySharedKey", "secondarySharedKey"]
            .iter()
            .filter_map(|k| get_str(&ws, &[crate::emulator::common::PRIVATE, k]))
            .any(|k| k == key);
        if !known {
            return Err(invalid(
                TYPE,
                &format!("{target}.sharedKey"),
                "The Log Analytics shared key is not valid for the workspace with that customer id.",
            ));
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
        let region = out
            .get("location")
            .and_then(Value::as_str)
            .map(normalize_location)
            .unwrap_or_else(|| "eastus".into());
        let domain = keep_str(previous, &["properties", "defaultDomain"], || {
            let h = hash_hex(
                &format!("{}{}", req.id.to_ascii_lowercase(), random_hex(8)),
                8,
            );
            let pick = |list: &[&'static str], i: usize| {
                list[usize::from_str_radix(&h[i..i + 2], 16).unwrap_or(0) % list.len()]
            };
            format!(
                "{}{}-{h}.{region}.azurecontainerapps.io",
                pick(ADJECTIVES, 0),
                pick(NOUNS, 2)
            )
        });
        let ip = keep_str(previous, &["properties", "staticIp"], random_ip);
        let verification = keep_str(
            previous,
            &[
                "properties",
                "customDomainConfiguration",
                "customDomainVerificationId",
            ],
            || {
                hash_hex(
                    &format!("cdv:{}", req.subscription.to_ascii_lowercase()),
                    64,
                )
                .to_ascii_uppercase()
            },
        );
        let props = obj_mut(out, "properties");
        props.insert("defaultDomain".into(), json!(domain));
        props.insert("staticIp".into(), json!(ip));
        props.insert(
            "eventStreamEndpoint".into(),
            json!(format!(
                "https://{region}.azurecontainerapps.dev/subscriptions/{}/resourceGroups/{}/managedEnvironments/{}/eventstream",
                req.subscription, req.resource_group, req.name
            )),
        );
        props.insert("deploymentErrors".into(), Value::Null);
        props.insert("kedaConfiguration".into(), json!({ "version": "2.17.1" }));
        props.insert(
            "daprConfiguration".into(),
            json!({ "version": "1.13.6-msft.4" }),
        );
        obj_mut(props, "customDomainConfiguration")
            .insert("customDomainVerificationId".into(), json!(verification));
        set_default(props, "zoneRedundant", json!(false));
        set_default(props, "publicNetworkAccess", json!("Enabled"));
        if let Some(la) = props
            .get_mut("appLogsConfiguration")
            .and_then(Value::as_object_mut)
            && la
                .get("logAnalyticsConfiguration")
                .is_some_and(Value::is_object)
        {
            set_default(la, "destination", json!("log-analytics"));
        }
        Ok(())
    }

    fn get_view(&self, view: &mut Value) {
        let Some(props) = view.get_mut("properties").and_then(Value::as_object_mut) else {
            return;
        };
        // Write-only: the example responses never carry these.
        props.remove("daprAIConnectionString");
        props.remove("daprAIInstrumentationKey");
        if let Some(la) = props
            .get_mut("appLogsConfiguration")
            .and_then(|a| a.get_mut("logAnalyticsConfiguration"))
            .and_then(Value::as_object_mut)
        {
            la.remove("sharedKey");
        }
        if let Some(cd) = props
            .get_mut("customDomainConfiguration")
            .and_then(Value::as_object_mut)
        {
            cd.remove("certificateValue");
            cd.remove("certificatePassword");
        }
    }

    fn check_delete(&self, id: &str, world: &dyn World) -> Result<(), ArmError> {
        let apps: Vec<String> = world
            .all_ids()
            .into_iter()
            .filter(|a| id_has_type(a, CONTAINER_APPS))
            .filter(|a| {
                world.get(a).is_some_and(|app| {
                    ["managedEnvironmentId", "environmentId"]
                        .iter()
                        .filter_map(|k| get_str(&app, &["properties", k]))
                        .any(|e| same_id(e, id))
                })
            })
            .collect();
        if apps.is_empty() {
            return Ok(());
        }
        let names: Vec<&str> = apps.iter().filter_map(|a| a.rsplit('/').next()).collect();
        Err(ArmError::conflict(
            "ManagedEnvironmentHasContainerApps",
            format!(
                "Cannot delete managed environment '{}' because it has {} container app(s): {}. Delete the container apps first.",
                id.rsplit('/').next().unwrap_or(id),
                apps.len(),
                names.join(", ")
            ),
        ))
    }
}
