//! The bridge between the server and the per-type knowledge in `kinds` (the contract in
//! `kinds/mod.rs`). The server only talks to a [`Provider`]; [`Catalog`] is the real one
//! (`crate::default_provider`), and tests can wrap it to add test-only types.

use serde_json::Value;

use crate::error::ArmError;
use crate::kinds::{Catalog, PutRequest, TypeInfo, World};

/// Per-type behaviour, as the contract in `kinds/mod.rs` describes it. Type lookups are
/// case-insensitive. Types for which `type_info` is `None` are handled by the server's
/// generic pass-through and never reach the other methods.
pub trait Provider: Send + Sync {
    fn type_info(&self, arm_type: &str) -> Option<TypeInfo>;
    fn validate_put(&self, req: &PutRequest<'_>, world: &dyn World) -> Result<(), ArmError>;
    /// The stored representation (write-only values kept, read-only ones and defaults
    /// added, `provisioningState: Succeeded`).
    fn complete(
        &self,
        req: &PutRequest<'_>,
        previous: Option<&Value>,
        world: &dyn World,
    ) -> Result<Value, ArmError>;
    /// What GET shows: the stored representation without write-only values.
    fn get_view(&self, arm_type: &str, stored: &Value) -> Value;
    /// A POST action (`listSecrets`, `sharedKeys`).
    fn action(&self, arm_type: &str, action: &str, stored: &Value) -> Result<Value, ArmError>;
    fn check_delete(&self, id: &str, arm_type: &str, world: &dyn World) -> Result<(), ArmError>;
    /// Whether a delete of this type is a soft delete (name kept reserved until purged).
    fn soft_delete(&self, arm_type: &str) -> bool;
    /// Whether a DELETE is long-running (202 + `Location`). Default: like the PUT.
    fn long_running_delete(&self, arm_type: &str) -> bool {
        self.type_info(arm_type).is_some_and(|i| i.long_running_put)
    }
    /// Realistic seconds a create (or update) of this body takes. Default: the type's figure.
    fn create_secs(&self, arm_type: &str, _body: &Value) -> f64 {
        self.type_info(arm_type)
            .map(|i| i.realistic_create_secs)
            .unwrap_or(0.0)
    }
}

impl Provider for Catalog {
    fn type_info(&self, arm_type: &str) -> Option<TypeInfo> {
        Catalog::type_info(self, arm_type).cloned()
    }
    fn validate_put(&self, req: &PutRequest<'_>, world: &dyn World) -> Result<(), ArmError> {
        Catalog::validate_put(self, req, world)
    }
    fn complete(
        &self,
        req: &PutRequest<'_>,
        previous: Option<&Value>,
        world: &dyn World,
    ) -> Result<Value, ArmError> {
        Catalog::complete(self, req, previous, world)
    }
    fn get_view(&self, arm_type: &str, stored: &Value) -> Value {
        Catalog::get_view(self, arm_type, stored)
    }
    fn action(&self, arm_type: &str, action: &str, stored: &Value) -> Result<Value, ArmError> {
        Catalog::action(self, arm_type, action, stored)
    }
    fn check_delete(&self, id: &str, arm_type: &str, world: &dyn World) -> Result<(), ArmError> {
        Catalog::check_delete(self, id, arm_type, world)
    }
    fn soft_delete(&self, arm_type: &str) -> bool {
        Catalog::soft_delete(self, arm_type)
    }
    fn long_running_delete(&self, arm_type: &str) -> bool {
        Catalog::long_running_delete(self, arm_type)
    }
    fn create_secs(&self, arm_type: &str, body: &Value) -> f64 {
        Catalog::create_secs(self, arm_type, body)
    }
}
