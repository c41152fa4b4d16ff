//! The invariants of the kinds table: each kind is complete (schema, api-version, template,
//! estimate, name rule) and known to the emulator.

use super::*;
use crate::emulator::Catalog;

/// Every variant but `Custom` must have a folder; the match makes a new variant fail to
/// compile here until it is listed.
fn builtin(kind: ResourceKind) -> bool {
    match kind {
        ResourceKind::ResourceGroup
        | ResourceKind::Workspace
        | ResourceKind::AppInsights
        | ResourceKind::ActionGroup
        | ResourceKind::MetricAlert
        | ResourceKind::ContainerRegistry
        | ResourceKind::UserIdentity
        | ResourceKind::RoleAssignment
        | ResourceKind::ManagedEnvironment
        | ResourceKind::ContainerApp
        | ResourceKind::ApimService
        | ResourceKind::ApimLogger
        | ResourceKind::ApimDiagnostic => true,
        ResourceKind::Custom => false,
    }
}

const ALL: &[ResourceKind] = &[
    ResourceKind::ResourceGroup,
    ResourceKind::Workspace,
    ResourceKind::AppInsights,
    ResourceKind::ActionGroup,
    ResourceKind::MetricAlert,
    ResourceKind::ContainerRegistry,
    ResourceKind::UserIdentity,
    ResourceKind::RoleAssignment,
    ResourceKind::ManagedEnvironment,
    ResourceKind::ContainerApp,
    ResourceKind::ApimService,
    ResourceKind::ApimLogger,
    ResourceKind::ApimDiagnostic,
    ResourceKind::Custom,
];

#[test]
fn every_builtin_kind_has_one_row() {
    for k in KINDS {
        assert_eq!(KINDS.iter().filter(|o| o.kind == k.kind).count(), 1);
        assert_eq!(
            ResourceKind::from_arm_type(&k.arm_type.to_lowercase()),
            Some(k.kind)
        );
    }
    for k in ALL {
        assert_eq!(k.info().is_some(), builtin(*k), "{k:?}");
    }
    assert!(ResourceKind::Custom.info().is_none());
}

#[test]
fn api_versions_match_the_schemas() {
    for k in KINDS {
        let schema: serde_json::Value =
            serde_json::from_str(k.schema_text).expect("schema is JSON");
        assert_eq!(schema["x-api-version"], k.api_version, "{}", k.schema);
    }
}

/// The schema in a kind's folder is the official one, byte for byte. Kinds added after the
/// shared set was made carry a schema exported the same way (`scripts/export_schema.py`):
/// it must name its SDK package and api-version.
#[test]
fn schemas_are_copies_of_the_shared_definitions() {
    let Some(dir) = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|a| a.join("shared/azure/schemas"))
        .find(|p| p.is_dir())
    else {
        eprintln!("NOTE: shared/azure/schemas not found beside the repository; check skipped");
        return;
    };
    for k in KINDS {
        let Ok(official) = std::fs::read_to_string(dir.join(k.schema)) else {
            let schema: serde_json::Value =
                serde_json::from_str(k.schema_text).expect("schema is JSON");
            assert!(
                schema["x-sdk"]
                    .as_str()
                    .is_some_and(|s| s.starts_with("azure-mgmt-")),
                "{} names no official SDK package",
                k.schema
            );
            continue;
        };
        assert!(
            official == k.schema_text,
            "{} differs from {}",
            k.schema,
            dir.display()
        );
    }
}

#[test]
fn every_kind_has_a_template_an_estimate_and_a_name_rule() {
    for k in KINDS {
        assert!(k.template.ends_with(".json"), "{}", k.template);
        assert_eq!(
            KINDS.iter().filter(|o| o.template == k.template).count(),
            1,
            "{} is the template of two kinds",
            k.template
        );
        assert!(
            k.template_text.trim_start().starts_with('{'),
            "{}: a template renders one JSON object",
            k.template
        );
        assert!(k.estimate.secs > 0, "{:?} has no duration estimate", k.kind);
        let rule = &k.emulator.name;
        assert!(rule.min >= 1 && rule.min <= rule.max, "{:?}", k.kind);
        assert!(!rule.says.is_empty());
    }
}

#[test]
fn every_kind_is_known_to_the_emulator_at_its_api_version() {
    let catalog = Catalog::builtin();
    for k in KINDS {
        let info = catalog
            .type_info(k.arm_type)
            .unwrap_or_else(|| panic!("the emulator does not know {}", k.arm_type));
        assert!(
            info.api_versions.contains(&k.api_version),
            "the emulator refuses {} at {}",
            k.arm_type,
            k.api_version
        );
        assert!(info.realistic_create_secs > 0.0, "{}", k.arm_type);
        assert!(
            catalog.schemas().api_version(k.arm_type) == Some(k.api_version),
            "{}",
            k.arm_type
        );
    }
    assert_eq!(catalog.types().count(), KINDS.len());
}

/// Diff rules name paths that exist: every keyed or set array, replace trigger and owned
/// property is a property of the kind's schema (a misspelt path would silently compare
/// nothing). `location` is ARM's envelope, listed by every kind that cannot move.
#[test]
fn diff_rule_paths_are_in_the_schema() {
    let schemas = crate::emulator::Schemas::shared();
    for k in KINDS {
        let paths = k
            .diff
            .arrays
            .iter()
            .map(|(p, _)| *p)
            .chain(k.diff.replace.iter().map(|(p, _)| *p))
            .chain(k.diff.owned_when_absent.iter().copied())
            .filter(|p| *p != "location");
        for p in paths {
            assert!(
                schemas.has_path(k.arm_type, p),
                "{}: `{p}` is not a property of its schema",
                k.arm_type
            );
        }
    }
}

/// A library template names its kind's type and api-version, reads exactly the values its
/// table lists, and library names are unique.
#[test]
fn library_templates_match_their_kind() {
    let mut names = std::collections::BTreeSet::new();
    for k in KINDS {
        let Some(lib) = k.library else { continue };
        assert!(names.insert(lib.name), "library name `{}` twice", lib.name);
        assert_eq!(library(lib.name).map(|s| s.kind), Some(k.kind));
        let text = lib.template_text;
        assert!(
            text.contains(&format!("\"type\": \"{}\"", k.arm_type)),
            "lib:{} must name type {}",
            lib.name,
            k.arm_type
        );
        assert!(
            text.contains(&format!("\"apiVersion\": \"{}\"", k.api_version)),
            "lib:{} must send api-version {}",
            lib.name,
            k.api_version
        );
        // Every `values.X` the template reads is in the table, and every listed value is read.
        let read: std::collections::BTreeSet<&str> = text
            .match_indices("values.")
            .map(|(i, m)| {
                let rest = &text[i + m.len()..];
                let end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                &rest[..end]
            })
            .collect();
        let listed: std::collections::BTreeSet<&str> = lib.values.iter().map(|v| v.name).collect();
        assert_eq!(read, listed, "lib:{}: values read vs listed", lib.name);
        for v in lib.values {
            assert!(!v.doc.is_empty(), "lib:{}.{} has no doc", lib.name, v.name);
            assert!(
                serde_json::from_str::<serde_json::Value>(v.example).is_ok(),
                "lib:{}.{}: the example is not JSON",
                lib.name,
                v.name
            );
        }
    }
    assert!(library("no_such_kind").is_none());
    assert_eq!(library_names().count(), names.len());
}
