//! The kinds azlift manages, as the engine sees them: the one table of `azlift-kinds`
//! (`crates/azlift-kinds/src/<kind>/`, one folder per ARM type with its schema, template,
//! api-version, diff rules, outputs, estimate and emulator knowledge), re-exported here so the
//! engine's modules say `crate::kinds::...`.
//!
//! Every api-version azlift sends is written in its kind's folder and nowhere else. Each is
//! the version of the official schema beside it (copied byte for byte from
//! `../shared/azure/schemas/`), so a rendered body can be checked against exactly the
//! definition ARM will judge it by.

pub use azlift_kinds::{
    ArrayRule, DiffRules, Estimate, KINDS, KindSpec, LOCATION_IS_FIXED, LibValue, Library,
    ResourceKind, SecretSource, by_arm_type, library, library_names,
};

/// Built-in role ids and deterministic assignment names (`[registry]`'s `AcrPull` grant).
pub use azlift_kinds::role_assignment;

/// The row of one built-in kind (the name the engine used before kinds had folders).
pub type KindInfo = KindSpec;
