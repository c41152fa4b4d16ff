//! What the emulator does for resource types it has no kind for, so a project with custom
//! resources runs locally as written: managed identities get their principal, tenant and
//! client ids; `list*` POST actions answer deterministic values in a documented generic
//! shape; role assignments check that their principal exists.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::error::ArmError;
use crate::kinds::{PutRequest, complete_identity, derived_guid};
use crate::store::Cloud;

pub const USER_ASSIGNED_IDENTITY: &str = "Microsoft.ManagedIdentity/userAssignedIdentities";
pub const ROLE_ASSIGNMENT: &str = "Microsoft.Authorization/roleAssignments";

/// Complete the stored body of a resource of a type without a kind: its `identity`
/// (system-assigned principal, user-assigned ids: the same derivation as the built-in
/// kinds), and a user-assigned identity's own `principalId`/`clientId`/`tenantId` (equal to
/// what a resource that uses it shows).
pub fn complete(req: &PutRequest<'_>, body: &mut Value, previous: Option<&Value>) {
    let Some(out) = body.as_object_mut() else {
        return;
    };
    complete_identity(req, out, previous);
    if req.arm_type.eq_ignore_ascii_case(USER_ASSIGNED_IDENTITY) {
        let key = req.id.to_ascii_lowercase();
        let props = out
            .entry("properties")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(p) = props.as_object_mut() {
            p.insert(
                "principalId".into(),
                json!(derived_guid(&format!("principal:{key}"))),
            );
            p.insert(
                "clientId".into(),
                json!(derived_guid(&format!("client:{key}"))),
            );
            p.insert(
                "tenantId".into(),
                json!(derived_guid(&format!("tenant:{}", req.subscription))),
            );
        }
    }
}

/// Every principal id the emulated directory knows: the identities of stored resources
/// (system- and user-assigned) and user-assigned identities themselves.
fn known_principals(cloud: &Cloud) -> Vec<String> {
    let mut out = Vec::new();
    for r in cloud.resources.values() {
        let b = &r.body;
        for p in [
            b.pointer("/identity/principalId"),
            b.pointer("/properties/principalId")
                .filter(|_| r.arm_type.eq_ignore_ascii_case(USER_ASSIGNED_IDENTITY)),
        ]
        .into_iter()
        .flatten()
        {
            if let Some(s) = p.as_str() {
                out.push(s.to_ascii_lowercase());
            }
        }
        if let Some(users) = b
            .pointer("/identity/userAssignedIdentities")
            .and_then(Value::as_object)
        {
            for u in users.values() {
                if let Some(s) = u.get("principalId").and_then(Value::as_str) {
                    out.push(s.to_ascii_lowercase());
                }
            }
        }
    }
    out
}

/// A role assignment's principal must exist (an identity in the cloud, or the caller).
pub fn check_role_assignment(
    body: &Value,
    cloud: &Cloud,
    caller_principal: &str,
    tenant: &str,
) -> Result<(), ArmError> {
    let Some(pid) = body
        .pointer("/properties/principalId")
        .and_then(Value::as_str)
    else {
        return Err(ArmError::bad_request(
            "InvalidRoleAssignmentRequest",
            "The request is missing the required property 'properties.principalId'.",
        )
        .with_target("properties.principalId"));
    };
    let lower = pid.to_ascii_lowercase();
    if lower == caller_principal.to_ascii_lowercase() || known_principals(cloud).contains(&lower) {
        return Ok(());
    }
    Err(ArmError::bad_request(
        "PrincipalNotFound",
        format!(
            "Principal {pid} does not exist in the directory {tenant}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group. See https://aka.ms/docs-principaltype"
        ),
    ))
}

/// A deterministic secret-looking value for `seed` (base64 of a hash, 44 characters).
fn secret(seed: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(seed.as_bytes()))
}

/// The answer of a `list*` POST action on a resource of a type without a kind, or `None`
/// for an action that is not a `list*` one. `id` is the resource's id, `sub_path` what lies
/// between it and the action (`host/default` for a function app's host keys).
pub fn list_action(id: &str, sub_path: &str, action: &str) -> Option<Value> {
    let lower = action.to_ascii_lowercase();
    if !lower.starts_with("list") {
        return None;
    }
    let seed = |n: &str| {
        secret(&format!(
            "{}|{}|{lower}|{n}",
            id.to_ascii_lowercase(),
            sub_path.to_ascii_lowercase()
        ))
    };
    let name = id.rsplit('/').next().unwrap_or_default();
    Some(match lower.as_str() {
        "listkeys" if sub_path.eq_ignore_ascii_case("host/default") => json!({
            "masterKey": seed("master"),
            "functionKeys": {"default": seed("default")},
            "systemKeys": {},
        }),
        "listkeys" => json!({
            "keys": [
                {"keyName": "key1", "value": seed("key1"), "permissions": "FULL"},
                {"keyName": "key2", "value": seed("key2"), "permissions": "FULL"},
            ]
        }),
        "listcredentials" => json!({
            "username": name,
            "passwords": [
                {"name": "password", "value": seed("password")},
                {"name": "password2", "value": seed("password2")},
            ]
        }),
        "listconnectionstrings" => json!({
            "connectionStrings": [
                {"connectionString": format!("Endpoint={name};Key={}", seed("connection")), "type": "Primary"},
            ]
        }),
        _ => json!({ "value": [] }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Record;

    const UAI: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1";

    fn req<'a>(id: &'a str, arm_type: &'a str, body: &'a Value) -> PutRequest<'a> {
        PutRequest {
            id,
            subscription: "00000000-0000-0000-0000-000000000000",
            resource_group: "rg",
            arm_type,
            name: "x",
            api_version: "2023-01-31",
            body,
        }
    }

    #[test]
    fn a_user_assigned_identity_shows_the_ids_its_users_see() {
        let sent = json!({"location": "eastus"});
        let mut uai = sent.clone();
        complete(&req(UAI, USER_ASSIGNED_IDENTITY, &sent), &mut uai, None);
        let principal = uai["properties"]["principalId"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(principal.len(), 36);

        let vault = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Contoso.Stuff/vaults/v";
        let sent = json!({"identity": {"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": {UAI: {}}}});
        let mut body = sent.clone();
        complete(&req(vault, "Contoso.Stuff/vaults", &sent), &mut body, None);
        assert_eq!(
            body["identity"]["userAssignedIdentities"][UAI]["principalId"],
            json!(principal)
        );
        assert_eq!(
            body["identity"]["userAssignedIdentities"][UAI]["clientId"],
            uai["properties"]["clientId"]
        );
        let system = body["identity"]["principalId"]
            .as_str()
            .unwrap()
            .to_string();
        // Kept across a re-PUT.
        let mut again = sent.clone();
        complete(
            &req(vault, "Contoso.Stuff/vaults", &sent),
            &mut again,
            Some(&body),
        );
        assert_eq!(again["identity"]["principalId"], json!(system));
    }

    #[test]
    fn role_assignments_need_a_known_principal() {
        let mut cloud = Cloud::default();
        let mut uai = json!({"location": "eastus"});
        let sent = uai.clone();
        complete(&req(UAI, USER_ASSIGNED_IDENTITY, &sent), &mut uai, None);
        let principal = uai["properties"]["principalId"]
            .as_str()
            .unwrap()
            .to_string();
        cloud.resources.insert(
            UAI.to_ascii_lowercase(),
            Record {
                id: UAI.into(),
                arm_type: USER_ASSIGNED_IDENTITY.into(),
                api_version: "2023-01-31".into(),
                body: uai,
                visible_at_ms: 0,
                operation: None,
            },
        );
        let ok = json!({"properties": {"principalId": principal.to_uppercase(), "roleDefinitionId": "/x"}});
        assert!(check_role_assignment(&ok, &cloud, "me", "t").is_ok());
        let me = json!({"properties": {"principalId": "ME"}});
        assert!(check_role_assignment(&me, &cloud, "me", "t").is_ok());
        let ghost = json!({"properties": {"principalId": "11111111-2222-3333-4444-555555555555"}});
        let e = check_role_assignment(&ghost, &cloud, "me", "t").unwrap_err();
        assert_eq!((e.status, e.code.as_str()), (400, "PrincipalNotFound"));
        assert!(e.message.contains("11111111-2222-3333-4444-555555555555"));
        let e = check_role_assignment(&json!({}), &cloud, "me", "t").unwrap_err();
        assert_eq!(e.code, "InvalidRoleAssignmentRequest");
    }

    #[test]
    fn list_actions_answer_deterministic_generic_shapes() {
        let id = "/subscriptions/s/resourceGroups/rg/providers/Contoso.Stuff/accounts/a";
        let keys = list_action(id, "", "listKeys").unwrap();
        assert_eq!(keys["keys"][0]["keyName"], "key1");
        assert_ne!(keys["keys"][0]["value"], keys["keys"][1]["value"]);
        assert_eq!(
            list_action(id, "", "LISTKEYS"),
            Some(keys.clone()),
            "deterministic"
        );
        let other = list_action(&id.replace("/a", "/b"), "", "listKeys").unwrap();
        assert_ne!(other["keys"][0]["value"], keys["keys"][0]["value"]);
        let host = list_action(id, "host/default", "listKeys").unwrap();
        assert!(host["masterKey"].is_string() && host["functionKeys"]["default"].is_string());
        let creds = list_action(id, "", "listCredentials").unwrap();
        assert_eq!(creds["username"], "a");
        assert_eq!(
            list_action(id, "", "listUsages"),
            Some(json!({"value": []}))
        );
        assert_eq!(list_action(id, "", "regenerateKey"), None);
    }
}
