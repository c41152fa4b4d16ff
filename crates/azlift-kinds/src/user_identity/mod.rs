//! Microsoft.ManagedIdentity/userAssignedIdentities: a user-assigned managed identity (the
//! identity an app pulls its images with, `[registry]`), created before what it is granted.
//!
//! Its schema (`microsoft.managedidentity.userassignedidentities.json`, exported from the
//! official Python SDK models by `scripts/export_schema.py`) and body template
//! (`template.json`) live beside this file; `emulator.rs` is its behaviour in the emulator.

pub(crate) mod emulator;

use crate::emulator::names;
use crate::spec::*;

/// User-assigned identity: everything azlift and its emulator know about it.
pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::UserIdentity,
    arm_type: "Microsoft.ManagedIdentity/userAssignedIdentities",
    api_version: "2024-11-30",
    schema: "microsoft.managedidentity.userassignedidentities.json",
    schema_text: include_str!("microsoft.managedidentity.userassignedidentities.json"),
    template: "user_identity.json",
    template_text: include_str!("template.json"),
    diff: DiffRules {
        arrays: &[],
        replace: &[("location", LOCATION_IS_FIXED)],
        owned_when_absent: &[],
        server_default: None,
    },
    outputs: &[
        ("principal_id", "/properties/principalId"),
        ("client_id", "/properties/clientId"),
    ],
    secret_outputs: &[],
    estimate: Estimate {
        secs: 3,
        by_sku: &[],
        delete_secs: None,
    },
    emulator: EmulatorSpec {
        // UserAssignedIdentities_CreateOrUpdate and _Delete answer at once (no LRO).
        other_versions: &["2023-01-31", "2018-11-30"],
        create_secs: 2.0,
        create_secs_by_sku: &[],
        delete_secs: 2.0,
        long_running_put: false,
        long_running_delete: false,
        soft_delete: false,
        location: Location::Regional,
        provisioning_state: false,
        name: NameRule {
            min: 3,
            max: 128,
            check: names::alnum_first_then_alnum_hyphen_underscore,
            says: "An identity name must start with a letter or digit and may contain only letters, digits, hyphens and underscores",
        },
        behaviour: &emulator::UserIdentities,
    },
    library: Some(Library {
        name: "user_identity",
        summary: "a user-assigned managed identity (its principal and client ids are outputs)",
        template_text: include_str!("library.json"),
        values: &[
            LibValue {
                name: "name",
                required: false,
                doc: "the identity's name (default: the resource's key)",
                example: r#""api-identity""#,
            },
            LibValue {
                name: "location",
                required: false,
                doc: "its region (default: the project's location)",
                example: r#""northeurope""#,
            },
        ],
    }),
};
