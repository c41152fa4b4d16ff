//! azlift's kinds: one folder per ARM resource type azlift manages, holding everything azlift
//! and its emulator know about it — the official schema, the body template, the api-version,
//! diff rules (keyed arrays, replace triggers, server defaults), outputs, duration estimate,
//! and the emulator's knowledge (accepted versions, name rule, location rule, LRO shape,
//! durations, soft delete) and behaviour (validation, read-only values and defaults, GET
//! view, actions, delete rules). [`KINDS`] is the one table the generic machinery of both
//! the engine (`azlift`) and the emulator (`azlift-emulator`, through [`emulator`]) reads.

pub mod emulator;
mod spec;

pub mod action_group;
pub mod apim_diagnostic;
pub mod apim_logger;
pub mod apim_service;
pub mod app_insights;
pub mod container_app;
pub mod container_registry;
pub mod managed_environment;
pub mod metric_alert;
pub mod resource_group;
pub mod role_assignment;
pub mod user_identity;
pub mod workspace;

pub use spec::{
    ArrayRule, DiffRules, EmulatorSpec, Estimate, KindSpec, LOCATION_IS_FIXED, LibValue, Library,
    Location, NameRule, ResourceKind, SecretSource, ServerDefault,
};

/// THE table: every built-in kind, in render order.
pub const KINDS: &[KindSpec] = &[
    resource_group::SPEC,
    workspace::SPEC,
    app_insights::SPEC,
    action_group::SPEC,
    metric_alert::SPEC,
    container_registry::SPEC,
    user_identity::SPEC,
    role_assignment::SPEC,
    managed_environment::SPEC,
    container_app::SPEC,
    apim_service::SPEC,
    apim_logger::SPEC,
    apim_diagnostic::SPEC,
];

impl ResourceKind {
    /// The spec of a built-in kind; `None` for [`ResourceKind::Custom`].
    pub fn info(self) -> Option<&'static KindSpec> {
        KINDS.iter().find(|k| k.kind == self)
    }

    /// The built-in kind of an ARM type, compared case-insensitively as ARM does.
    pub fn from_arm_type(arm_type: &str) -> Option<ResourceKind> {
        by_arm_type(arm_type).map(|k| k.kind)
    }
}

/// The spec of a built-in ARM type, compared case-insensitively as ARM does.
pub fn by_arm_type(arm_type: &str) -> Option<&'static KindSpec> {
    KINDS
        .iter()
        .find(|k| k.arm_type.eq_ignore_ascii_case(arm_type))
}

/// The kind a manifest names as `template = "lib:NAME"`.
pub fn library(name: &str) -> Option<&'static KindSpec> {
    KINDS
        .iter()
        .find(|k| k.library.is_some_and(|l| l.name == name))
}

/// Every library kind's name, in table order (for "did you mean" and the docs).
pub fn library_names() -> impl Iterator<Item = &'static str> {
    KINDS.iter().filter_map(|k| k.library.map(|l| l.name))
}

#[cfg(test)]
mod tests;
