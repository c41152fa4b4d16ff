//! The shape of one kind: everything azlift and its emulator know about one ARM type, as one
//! constant ([`KindSpec`]) that each kind's folder defines and the generic machinery reads.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::emulator::Kind;

/// A kind of ARM resource that azlift renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    ResourceGroup,
    Workspace,
    AppInsights,
    ActionGroup,
    MetricAlert,
    ContainerRegistry,
    UserIdentity,
    RoleAssignment,
    ManagedEnvironment,
    ContainerApp,
    ApimService,
    ApimLogger,
    ApimDiagnostic,
    /// A resource rendered from a user's template (`[resource.NAME]`): type and api-version
    /// come from the template itself.
    Custom,
}

/// Everything known about one built-in kind. Each kind's folder defines one as `SPEC`;
/// [`crate::KINDS`] lists them all.
#[derive(Clone, Copy)]
pub struct KindSpec {
    pub kind: ResourceKind,
    /// ARM type, canonical case (`Microsoft.App/containerApps`).
    pub arm_type: &'static str,
    /// The api-version azlift sends: the `x-api-version` of [`KindSpec::schema_text`].
    pub api_version: &'static str,
    /// File name of the official schema in the kind's folder (a byte copy of the file of
    /// that name in `../shared/azure/schemas/`).
    pub schema: &'static str,
    /// That schema's text.
    pub schema_text: &'static str,
    /// The name the body template is known by (and overridden by, in a project's
    /// `templates/resources/`): `container_app.json`.
    pub template: &'static str,
    /// The built-in template's text (`template.json` in the kind's folder).
    pub template_text: &'static str,
    /// How plans compare this kind.
    pub diff: DiffRules,
    /// Non-secret outputs kept in state: (name, JSON pointer into the GET body).
    pub outputs: &'static [(&'static str, &'static str)],
    /// Secret outputs, read live only: (name, where from).
    pub secret_outputs: &'static [(&'static str, SecretSource)],
    /// How long Azure takes, for ETAs and the scheduler's priorities.
    pub estimate: Estimate,
    /// What the emulator knows and does.
    pub emulator: EmulatorSpec,
    /// How a manifest declares this kind as a library resource (`[resource.X] template =
    /// "lib:NAME"`); `None` for kinds reached only through their own manifest section.
    pub library: Option<Library>,
}

/// A kind a manifest declares as `[resource.KEY] template = "lib:NAME"` with `values`: a
/// verified template shipped in the binary, checked against the kind's official schema,
/// with the kind's diff rules, outputs, estimate and emulator knowledge. It rides the custom
/// resource path (`for_each`/`count`, `depends_on`, `ignore`, `resource_group`, references).
#[derive(Debug, Clone, Copy)]
pub struct Library {
    /// The name after `lib:` (`key_vault`).
    pub name: &'static str,
    /// One line for the docs and for errors.
    pub summary: &'static str,
    /// The template, in the custom-resource form: `type`, `apiVersion` and `name` in the body
    /// (the kind's type and api-version, checked by the crate's tests), reading `values.*`,
    /// `location`, `tags`, `each`/`count` like any custom template.
    pub template_text: &'static str,
    /// The values it reads; any other key in `values` is an error.
    pub values: &'static [LibValue],
}

/// One value a library template reads.
#[derive(Debug, Clone, Copy)]
pub struct LibValue {
    pub name: &'static str,
    /// Whether `values` must set it (otherwise the template has a default).
    pub required: bool,
    /// What it is, for the docs (`docs/manifest.md` lists every value, checked by a test).
    pub doc: &'static str,
    /// A sample value as JSON text (`"\"standard\""`, `"7"`, `"[\"10.0.0.0/16\"]"`): every
    /// library kind is rendered with its samples and the body checked against the kind's
    /// official schema (`tests/lib_kinds.rs`).
    pub example: &'static str,
}

impl std::fmt::Debug for KindSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KindSpec")
            .field("kind", &self.kind)
            .field("arm_type", &self.arm_type)
            .field("api_version", &self.api_version)
            .finish_non_exhaustive()
    }
}

/// How to compare an array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrayRule {
    /// Elements are objects matched by this key (order does not matter).
    Keyed(&'static str),
    /// Elements are scalars compared as a set (ARM may reorder them).
    Set,
    /// Position matters.
    Ordered,
}

/// Whether an element ARM added to an array on its own is a server default:
/// `(array pattern, desired elements, observed element)`.
pub type ServerDefault = fn(&str, &[Value], &Value) -> bool;

/// The diff rules of a kind. Paths are written with `[]` for "any element":
/// `properties.template.containers[].env`.
#[derive(Clone, Copy)]
pub struct DiffRules {
    /// Arrays not compared by position (every other array is [`ArrayRule::Ordered`]).
    pub arrays: &'static [(&'static str, ArrayRule)],
    /// Changes ARM cannot make in place: (path, why). `location` is listed by every kind
    /// that cannot move ([`LOCATION_IS_FIXED`]).
    pub replace: &'static [(&'static str, &'static str)],
    /// Optional properties the manifest owns even when it leaves them out: the templates omit
    /// them when a setting is off, so a value ARM still has there is a change to remove it.
    pub owned_when_absent: &'static [&'static str],
    /// Elements ARM adds to arrays on its own that are not drift.
    pub server_default: Option<ServerDefault>,
}

/// Why a location change is a replace.
pub const LOCATION_IS_FIXED: &str = "ARM cannot move a resource to another location";

/// Where a secret output is read from when a user asks for it (`output --show-secrets`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretSource {
    /// A JSON pointer into the resource's GET body.
    Get(&'static str),
    /// A POST action on the resource (`{id}/{action}`) and a pointer into its result.
    Action(&'static str, &'static str),
}

/// Typical durations of a kind in Azure, seconds (middle of the ranges Azure shows).
#[derive(Debug, Clone, Copy)]
pub struct Estimate {
    /// A create or update.
    pub secs: u64,
    /// SKUs (`sku.name`, case-insensitive) that take another time, used before any duration
    /// was recorded.
    pub by_sku: &'static [(&'static str, u64)],
    /// A delete, when it differs from `secs` whatever was recorded (a group with content).
    pub delete_secs: Option<u64>,
}

/// Where a type may live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// A public region, stored normalised (`East US` -> `eastus`).
    Regional,
    /// Only `global` (metric alerts), stored `global`.
    Global,
    /// `Global` or a region (action groups), stored `Global` or normalised.
    GlobalOrRegional,
    /// No location (child resources).
    None,
}

/// A name rule (length and characters, from the Azure resource naming rules and the
/// provider's name pattern).
#[derive(Debug, Clone, Copy)]
pub struct NameRule {
    pub min: usize,
    pub max: usize,
    pub check: fn(&str) -> bool,
    /// The rule in words, for the error message.
    pub says: &'static str,
}

/// What the emulator knows of a kind. Durations: the middle of the ranges in
/// `../shared/azure/README.md` ("Durations seen in practice"); long-running flags: the
/// operations the REST specs mark `x-ms-long-running-operation`.
#[derive(Clone, Copy)]
pub struct EmulatorSpec {
    /// Accepted besides the schema's `x-api-version` (stable versions of the same shape).
    pub other_versions: &'static [&'static str],
    /// How long a create takes in the `realistic` profile, seconds.
    pub create_secs: f64,
    /// SKUs (`sku.name`, case-insensitive) whose create takes another time.
    pub create_secs_by_sku: &'static [(&'static str, f64)],
    pub delete_secs: f64,
    /// Whether a PUT is long-running (201 + Azure-AsyncOperation) or answers at once.
    pub long_running_put: bool,
    /// Whether a DELETE is long-running (202 + `Location`).
    pub long_running_delete: bool,
    /// Whether a delete is a soft delete (the name stays reserved until purged).
    pub soft_delete: bool,
    pub location: Location,
    /// Whether the model has `properties.provisioningState`.
    pub provisioning_state: bool,
    pub name: NameRule,
    /// Validation, stored representation, GET view, actions and delete rules.
    pub behaviour: &'static dyn Kind,
}
