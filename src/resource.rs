//! The values that flow between the stages: addresses, desired resources with their
//! references to values only known after apply, and observed resources read back from ARM.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::kinds::ResourceKind;

/// The stable, human name of a resource in a project: `resource_group`, `monitoring.workspace`,
/// `monitoring.app_insights`, `action_group.ops`, `alert.high-error-rate`, `environment`,
/// `app.task-api`, `apim.service`, `apim.logger`, `apim.diagnostic`, `resource.NAME`.
///
/// Addresses are what plans, state and events speak in; ARM ids are derived from them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ResourceAddress(pub String);

impl ResourceAddress {
    pub fn new(s: impl Into<String>) -> Self {
        ResourceAddress(s.into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ResourceAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A JSON pointer (RFC 6901) into a resource body, e.g. `/properties/configuration/secrets/0/value`.
pub type Pointer = String;

/// Where a value that is only known after apply comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum Reference {
    /// A property of another resource's GET body, e.g. `/properties/customerId` of the
    /// workspace, or `/properties/ConnectionString` of App Insights.
    Property {
        address: ResourceAddress,
        pointer: Pointer,
    },
    /// A value returned by a POST action on another resource, e.g. `sharedKeys` of a
    /// workspace (`/primarySharedKey`). Such values are secrets.
    Action {
        address: ResourceAddress,
        action: String,
        pointer: Pointer,
    },
}

impl Reference {
    pub fn address(&self) -> &ResourceAddress {
        match self {
            Reference::Property { address, .. } | Reference::Action { address, .. } => address,
        }
    }
}

/// A place in a desired body whose value is filled in at apply time from a [`Reference`].
/// Until then the body holds `null` there and plans show "(known after apply)".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingValue {
    pub pointer: Pointer,
    pub reference: Reference,
    /// When set, the resolved value is embedded in this template at `{}` (for example a
    /// connection string inside a larger string); plain substitution otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

/// One ARM resource as the manifest wants it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesiredResource {
    pub address: ResourceAddress,
    pub kind: ResourceKind,
    /// ARM type, e.g. `Microsoft.App/containerApps`.
    #[serde(rename = "type")]
    pub arm_type: String,
    pub api_version: String,
    /// Full ARM id. Ids are deterministic (subscription, group, type, name), so they are
    /// known at render time; what is not known is carried in `pending`.
    pub id: String,
    pub name: String,
    /// The PUT body (`location`, `tags`, `sku`, `kind`, `properties`...).
    pub body: Value,
    /// Values filled in at apply time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<PendingValue>,
    /// Pointers of secret values in `body`: masked in every output, hashed in state.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sensitive: Vec<Pointer>,
    /// Pointers of values ARM accepts but never returns on GET; compared by hash in state.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub write_only: Vec<Pointer>,
    /// Resources that must exist before this one: parents, references, `depends_on`.
    pub depends_on: BTreeSet<ResourceAddress>,
    /// `false` for resources the manifest only points at (an existing APIM service):
    /// read, never written or deleted.
    #[serde(default = "yes")]
    pub managed: bool,
    /// Paths owned by another tool (`properties.template.containers[name=api].image`): once
    /// the resource exists, plan and apply take them from what ARM has (`plan::ignore`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<String>,
}

fn yes() -> bool {
    true
}

/// One ARM resource as ARM returned it on GET.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservedResource {
    pub id: String,
    pub body: Value,
}

/// Fixed placeholder shown wherever a secret would be.
pub const SENSITIVE: &str = "(sensitive)";
/// Placeholder shown wherever a value is only known after apply.
pub const KNOWN_AFTER_APPLY: &str = "(known after apply)";
