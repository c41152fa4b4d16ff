//! The emulator's generic machinery over the kinds: what it knows of each resource type
//! comes from the kind's folder (its [`crate::KindSpec`]: the official REST API definition,
//! the emulator facts and a [`Kind`] behaviour): accepted api-versions, request validation,
//! the stored representation (read-only properties and server defaults added), the GET view
//! (write-only values withheld), POST actions (`listSecrets`, `sharedKeys`) and delete rules.
//!
//! CONTRACT between the server (`server`, `store`, `lro`) and this module. The server owns
//! HTTP, ids, storage, LROs, faults; this module owns per-type behaviour and never does I/O.

use serde_json::Value;

mod catalog;
pub(crate) mod common;
mod error;
pub(crate) mod errors;
mod kind;
pub(crate) mod names;
mod schema;

#[cfg(test)]
mod catalog_tests;
#[cfg(test)]
mod example_tests;
#[cfg(test)]
mod schema_tests;
#[cfg(test)]
mod test_support;

pub use catalog::Catalog;
pub use error::ArmError;
pub use kind::Kind;
pub use schema::{Schemas, TypeSchema, Violation, ViolationKind};

/// A PUT (or PATCH, already merged onto the stored body by the server) of one resource.
#[derive(Debug, Clone)]
pub struct PutRequest<'a> {
    /// Canonical id as the client sent it (the server compares ids case-insensitively).
    pub id: &'a str,
    pub subscription: &'a str,
    pub resource_group: &'a str,
    /// ARM type, e.g. `Microsoft.App/containerApps`, `Microsoft.ApiManagement/service/loggers`.
    pub arm_type: &'a str,
    /// Last segment of the id.
    pub name: &'a str,
    pub api_version: &'a str,
    pub body: &'a Value,
}

/// Read access to the rest of the emulated cloud, for cross-resource rules
/// (a container app's environment must exist, an alert's scopes must exist...).
pub trait World {
    /// The stored representation of a resource by id (case-insensitive), if it exists.
    fn get(&self, id: &str) -> Option<Value>;
    /// Ids of the resources whose `properties.managedEnvironmentId` / parent / scopes point at
    /// `id` — used for delete rules. Implementations may return every resource id in the
    /// subscription; the caller filters.
    fn all_ids(&self) -> Vec<String>;
}

/// Static facts about a type.
#[derive(Debug, Clone)]
pub struct TypeInfo {
    pub arm_type: &'static str,
    /// Every api-version the emulator accepts for the type.
    pub api_versions: Vec<&'static str>,
    /// How long a create takes in the `realistic` profile, in seconds (the server's LRO
    /// scheduler scales this by the profile factor).
    pub realistic_create_secs: f64,
    pub realistic_delete_secs: f64,
    /// Whether a PUT is long-running (201 + Azure-AsyncOperation) or answers 200/201 at once.
    pub long_running_put: bool,
}
