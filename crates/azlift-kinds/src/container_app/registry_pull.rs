//! The cross-resource rule of a container app pulling from an Azure Container Registry of
//! this cloud with a managed identity (`configuration.registries[].identity`): the identity
//! must be one of the app's, and its principal must hold a role that can pull (`AcrPull`,
//! `AcrPush`, `Contributor`, `Owner`) on the registry or a scope above it — otherwise the
//! first revision cannot pull its image, which is why the grant must exist before the app.

use serde_json::Value;

use crate::emulator::common::{get_str, id_has_type, tenant_of, user_identity_ids};
use crate::emulator::errors::coded;
use crate::emulator::{ArmError, PutRequest, World};
use crate::role_assignment::role_id;

const REGISTRIES: &str = "Microsoft.ContainerRegistry/registries";
const ROLE_ASSIGNMENTS: &str = "Microsoft.Authorization/roleAssignments";
/// Built-in roles whose permissions include pulling images.
const PULL_ROLES: &[&str] = &["AcrPull", "AcrPush", "Contributor", "Owner"];
/// The code the emulator answers with (**emulator choice**: Azure reports the failed pull on
/// the revision; refusing the PUT makes a missing grant visible at once).
pub const CODE: &str = "ContainerAppRegistryPullUnauthorized";

/// The stored registry of this cloud whose login server is `server`.
fn registry_by_server(world: &dyn World, server: &str) -> Option<String> {
    world
        .all_ids()
        .into_iter()
        .filter(|id| id_has_type(id, REGISTRIES))
        .find(|id| {
            world.get(id).is_some_and(|r| {
                get_str(&r, &["properties", "loginServer"])
                    .is_some_and(|s| s.eq_ignore_ascii_case(server))
            })
        })
}

/// Whether `principal` holds a pull role on `registry_id` or a scope that contains it.
fn can_pull(world: &dyn World, subscription: &str, principal: &str, registry_id: &str) -> bool {
    let registry = registry_id.to_ascii_lowercase();
    let roles: Vec<String> = PULL_ROLES
        .iter()
        .filter_map(|n| role_id(n))
        .map(|g| crate::role_assignment::role_definition_id(subscription, g).to_ascii_lowercase())
        .collect();
    world
        .all_ids()
        .into_iter()
        .filter(|id| id_has_type(id, ROLE_ASSIGNMENTS))
        .filter_map(|id| world.get(&id))
        .any(|a| {
            let scope = get_str(&a, &["properties", "scope"])
                .unwrap_or_default()
                .trim_end_matches('/')
                .to_ascii_lowercase();
            let covers = registry == scope || registry.starts_with(&format!("{scope}/"));
            covers
                && get_str(&a, &["properties", "principalId"])
                    .is_some_and(|p| p.eq_ignore_ascii_case(principal))
                && get_str(&a, &["properties", "roleDefinitionId"])
                    .is_some_and(|r| roles.contains(&r.to_ascii_lowercase()))
        })
}

/// The rule, for every registry entry with an identity.
pub fn check(req: &PutRequest<'_>, world: &dyn World) -> Result<(), ArmError> {
    let registries = req
        .body
        .pointer("/properties/configuration/registries")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let assigned = req
        .body
        .pointer("/identity/userAssignedIdentities")
        .and_then(Value::as_object);
    for (i, entry) in registries.iter().enumerate() {
        let Some(identity) = get_str(entry, &["identity"]) else {
            continue;
        };
        let target = format!("properties.configuration.registries[{i}].identity");
        let principal = if identity.eq_ignore_ascii_case("system") {
            world
                .get(req.id)
                .and_then(|prev| get_str(&prev, &["identity", "principalId"]).map(str::to_string))
                .ok_or_else(|| {
                    coded(
                        CODE,
                        &target,
                        "The app's system-assigned identity does not exist before the app does, so its first revision cannot pull with it: use a user-assigned identity granted AcrPull on the registry.",
                    )
                })?
        } else {
            let listed =
                assigned.is_some_and(|m| m.keys().any(|k| k.eq_ignore_ascii_case(identity)));
            if !listed {
                return Err(coded(
                    CODE,
                    &target,
                    format!(
                        "The registry identity '{identity}' is not assigned to the container app: list it in identity.userAssignedIdentities."
                    ),
                ));
            }
            user_identity_ids(identity).0
        };
        let server = get_str(entry, &["server"]).unwrap_or_default();
        let Some(registry_id) = registry_by_server(world, server) else {
            continue; // a registry outside this cloud: nothing to check against
        };
        if !can_pull(world, req.subscription, &principal, &registry_id) {
            return Err(coded(
                CODE,
                &target,
                format!(
                    "The identity '{identity}' (principal {principal} in tenant {}) has no AcrPull role assignment on registry '{server}', so the revision cannot pull its image. Grant AcrPull on the registry before creating the app.",
                    tenant_of(req.subscription)
                ),
            ));
        }
    }
    Ok(())
}
