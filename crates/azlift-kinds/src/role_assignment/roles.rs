//! Built-in Azure roles by name (their ids are the same in every tenant), and the
//! deterministic name of an assignment.

use crate::emulator::common::derived_guid;

/// Built-in role definitions: (role name, role definition GUID).
pub const BUILTIN_ROLES: &[(&str, &str)] = &[
    ("AcrPull", "7f951dda-4ed3-4680-a7ca-43fe172d538d"),
    ("AcrPush", "8311e382-0749-4cb8-b61a-304f252e45ec"),
    ("Contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c"),
    (
        "Key Vault Secrets User",
        "4633458b-17de-408a-b874-0445c86b69e6",
    ),
    ("Monitoring Reader", "43d0d8ad-25c7-4714-9337-8ba259a9fe05"),
    ("Owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"),
    ("Reader", "acdd72a7-3385-48ef-bd42-f606fba81ae7"),
    (
        "Storage Blob Data Contributor",
        "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    ),
    (
        "Storage Blob Data Reader",
        "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    ),
];

/// The GUID of a built-in role, by name (case-insensitive).
pub fn role_id(name: &str) -> Option<&'static str> {
    BUILTIN_ROLES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, id)| *id)
}

/// The role definition id ARM expects in a subscription.
pub fn role_definition_id(subscription: &str, role_guid: &str) -> String {
    format!(
        "/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{role_guid}"
    )
}

/// The name of the assignment of `role_guid` to `principal` at `scope`: a GUID derived from
/// the three (ids compared case-insensitively), so a re-run finds the assignment it made.
pub fn assignment_name(scope: &str, principal: &str, role_guid: &str) -> String {
    derived_guid(&format!(
        "role-assignment:{}|{}|{}",
        scope.trim_end_matches('/').to_ascii_lowercase(),
        principal.to_ascii_lowercase(),
        role_guid.to_ascii_lowercase()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::names::guid;

    #[test]
    fn acr_pull_is_the_documented_id() {
        assert_eq!(
            role_id("acrpull"),
            Some("7f951dda-4ed3-4680-a7ca-43fe172d538d")
        );
        assert_eq!(role_id("No Such Role"), None);
        for (_, id) in BUILTIN_ROLES {
            assert!(guid(id), "{id}");
        }
    }

    #[test]
    fn assignment_names_are_guids_stable_and_distinct() {
        let scope = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr";
        let a = assignment_name(scope, "p1", "r1");
        assert!(guid(&a));
        assert_eq!(a, assignment_name(&scope.to_uppercase(), "P1", "R1"));
        assert_ne!(a, assignment_name(scope, "p2", "r1"));
        assert_ne!(a, assignment_name(scope, "p1", "r2"));
        assert_ne!(a, assignment_name("/subscriptions/s", "p1", "r1"));
    }
}
