//! Microsoft.Authorization/roleAssignments: a grant of a built-in role to a principal at a
//! scope (an extension resource: its id is `{scope}/providers/Microsoft.Authorization/
//! roleAssignments/{guid}`), such as an app identity's `AcrPull` on the registry.
//!
//! Its schema (`microsoft.authorization.roleassignments.json`, exported from the official
//! Python SDK models by `scripts/export_schema.py`), body template (`template.json`) and the
//! built-in role ids (`roles.rs`) live beside this file; `emulator.rs` is its behaviour in
//! the emulator.

pub(crate) mod emulator;
mod roles;

pub use roles::{BUILTIN_ROLES, assignment_name, role_definition_id, role_id};

use crate::emulator::names;
use crate::spec::*;

/// Role assignment: everything azlift and its emulator know about it.
pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::RoleAssignment,
    arm_type: "Microsoft.Authorization/roleAssignments",
    api_version: "2022-04-01",
    schema: "microsoft.authorization.roleassignments.json",
    schema_text: include_str!("microsoft.authorization.roleassignments.json"),
    template: "role_assignment.json",
    template_text: include_str!("template.json"),
    diff: DiffRules {
        arrays: &[],
        replace: &[
            (
                "properties.principalId",
                "a role assignment's principal cannot be updated",
            ),
            (
                "properties.roleDefinitionId",
                "a role assignment's role cannot be updated",
            ),
        ],
        owned_when_absent: &[],
        server_default: None,
    },
    outputs: &[],
    secret_outputs: &[],
    estimate: Estimate {
        secs: 3,
        by_sku: &[],
        delete_secs: None,
    },
    emulator: EmulatorSpec {
        // RoleAssignments_Create and _Delete answer at once (no LRO).
        other_versions: &["2020-10-01", "2020-04-01-preview", "2015-07-01"],
        create_secs: 2.0,
        create_secs_by_sku: &[],
        delete_secs: 2.0,
        long_running_put: false,
        long_running_delete: false,
        soft_delete: false,
        location: Location::None,
        provisioning_state: false,
        name: NameRule {
            min: 36,
            max: 36,
            check: names::guid,
            says: "A role assignment name must be a GUID",
        },
        behaviour: &emulator::RoleAssignments,
    },
    library: None,
};
