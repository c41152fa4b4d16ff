//! Microsoft.Authorization/roleAssignments: the scope (the id before
//! `/providers/Microsoft.Authorization/roleAssignments/`) must exist, the role must be a
//! built-in role of the subscription, the principal must exist in the directory (a
//! user-assigned identity or a resource's system-assigned identity), one principal holds a
//! role at a scope once, and principal and role cannot change on an existing assignment.

use serde_json::{Map, Value, json};

use super::roles::BUILTIN_ROLES;
use crate::emulator::common::{
    get_str, keep, now_rfc3339, obj_mut, same_id, set_default, tenant_of,
};
use crate::emulator::{ArmError, Kind, PutRequest, World};

pub struct RoleAssignments;

const SEGMENT: &str = "/providers/microsoft.authorization/roleassignments/";

/// The scope of an assignment id (`/subscriptions/s/...` before the extension segment).
pub(crate) fn scope_of(id: &str) -> Option<&str> {
    let at = id.to_ascii_lowercase().rfind(SEGMENT)?;
    Some(&id[..at])
}

/// Whether some identity in the world has this principal id.
fn principal_exists(world: &dyn World, principal: &str) -> bool {
    world
        .all_ids()
        .iter()
        .filter_map(|id| world.get(id))
        .any(|r| {
            [
                get_str(&r, &["properties", "principalId"]),
                get_str(&r, &["identity", "principalId"]),
            ]
            .into_iter()
            .flatten()
            .any(|p| p.eq_ignore_ascii_case(principal))
                || r.get("identity")
                    .and_then(|i| i.get("userAssignedIdentities"))
                    .and_then(Value::as_object)
                    .is_some_and(|users| {
                        users.values().any(|u| {
                            get_str(u, &["principalId"])
                                .is_some_and(|p| p.eq_ignore_ascii_case(principal))
                        })
                    })
        })
}

impl Kind for RoleAssignments {
    fn validate(&self, req: &PutRequest<'_>, world: &dyn World) -> Result<(), ArmError> {
        let scope = scope_of(req.id).unwrap_or_default();
        let is_subscription = scope.trim_matches('/').split('/').count() == 2;
        if !is_subscription && world.get(scope).is_none() {
            return Err(ArmError::not_found(
                "ResourceNotFound",
                format!("The scope '{scope}' of the role assignment was not found."),
            ));
        }
        let role = get_str(req.body, &["properties", "roleDefinitionId"]).unwrap_or_default();
        let expected_prefix = format!(
            "/subscriptions/{}/providers/microsoft.authorization/roledefinitions/",
            req.subscription
        );
        let role_guid = role
            .to_ascii_lowercase()
            .strip_prefix(&expected_prefix)
            .map(str::to_string);
        if !role_guid
            .as_deref()
            .is_some_and(|g| BUILTIN_ROLES.iter().any(|(_, id)| *id == g))
        {
            return Err(ArmError::bad_request(
                "RoleDefinitionDoesNotExist",
                format!("The specified role definition with ID '{role}' does not exist."),
            ));
        }
        let principal = get_str(req.body, &["properties", "principalId"]).unwrap_or_default();
        if !principal_exists(world, principal) {
            return Err(ArmError::bad_request(
                "PrincipalNotFound",
                format!(
                    "Principal {principal} does not exist in the directory {}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay.",
                    tenant_of(req.subscription)
                ),
            ));
        }
        if let Some(prev) = world.get(req.id) {
            let same = |k: &str, v: &str| {
                get_str(&prev, &["properties", k]).is_some_and(|p| p.eq_ignore_ascii_case(v))
            };
            if !same("principalId", principal) || !same("roleDefinitionId", role) {
                return Err(ArmError::bad_request(
                    "RoleAssignmentUpdateNotPermitted",
                    "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
                ));
            }
        }
        let duplicate = world.all_ids().into_iter().any(|other| {
            !same_id(&other, req.id)
                && scope_of(&other).is_some_and(|s| same_id(s, scope))
                && world.get(&other).is_some_and(|o| {
                    get_str(&o, &["properties", "principalId"])
                        .is_some_and(|p| p.eq_ignore_ascii_case(principal))
                        && get_str(&o, &["properties", "roleDefinitionId"])
                            .is_some_and(|r| r.eq_ignore_ascii_case(role))
                })
        });
        if duplicate {
            return Err(ArmError::conflict(
                "RoleAssignmentExists",
                "The role assignment already exists.",
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
        let now = now_rfc3339();
        let scope = scope_of(req.id).unwrap_or_default().to_string();
        let props = obj_mut(out, "properties");
        props.insert("scope".into(), json!(scope));
        set_default(props, "principalType", json!("ServicePrincipal"));
        props.insert(
            "createdOn".into(),
            keep(previous, &["properties", "createdOn"], || json!(now)),
        );
        props.insert("updatedOn".into(), json!(now));
        Ok(())
    }
}
