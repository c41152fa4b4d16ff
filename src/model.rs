//! The project model: what the manifest means once parsed, validated, with variables
//! substituted and the selected environment's overrides applied.
//!
//! `manifest` produces a [`Model`]; `render` turns it into desired ARM resources. Every
//! default is already filled in here (names, SKUs, probe settings), so the renderer makes no
//! decisions of its own beyond the shape of ARM bodies.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// A secret value (secret variable, app secret, credentials). Its `Debug`/`Display` never
/// show the value; serialising it writes `(sensitive)`. Use [`Secret::expose`] only where
/// the value is sent to ARM.
#[derive(Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(crate::resource::SENSITIVE)
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(crate::resource::SENSITIVE)
    }
}

/// The whole project.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Model {
    pub project: Project,
    pub monitoring: Option<Monitoring>,
    /// Keyed by the manifest key (`[action_group.ops]` -> `ops`).
    pub action_groups: BTreeMap<String, ActionGroup>,
    /// Keyed by the manifest key (`[alert.high-error-rate]`).
    pub alerts: BTreeMap<String, Alert>,
    /// Present whenever there is at least one app (or `[environment]` is written).
    pub environment: Option<ContainerEnvironment>,
    /// Keyed by the app name (`[app.task-api]`), which is also its ARM name.
    pub apps: BTreeMap<String, App>,
    pub apim: Option<Apim>,
    /// `[registry]`: the private container registry the apps pull from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<Registry>,
    /// Keyed by the manifest key (`[resource.vault]`).
    pub custom: BTreeMap<String, CustomResource>,
    /// `[resource_group.KEY]`: more resource groups, by key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub resource_groups: BTreeMap<String, ResourceGroup>,
    /// `[[verify.silence]]`: verify findings accepted on purpose, each with its reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub silences: Vec<Silence>,
    /// `[state]`: where state lives (local unless configured).
    pub state: crate::state::StateConfig,
    /// `[output.NAME]`: values the project declares for `azlift output` and the deploy
    /// steps after it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub outputs: BTreeMap<String, DeclaredOutput>,
    /// `ignore = [...]` by resource address: paths another tool owns (`plan::ignore`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ignore: BTreeMap<String, Vec<String>>,
}

/// One `[resource_group.KEY]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResourceGroup {
    /// Default `{project resource group}-{KEY}`.
    pub name: String,
    /// Default: the project's.
    pub location: String,
    /// The project's tags, then the group's own.
    pub tags: BTreeMap<String, String>,
}

/// Where a custom resource lives.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "in", content = "key")]
pub enum Placement {
    /// The project's resource group.
    #[default]
    Project,
    /// A `[resource_group.KEY]`.
    Group(String),
    /// The subscription itself (`scope = "subscription"`).
    Subscription,
}

/// One `[output.NAME]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeclaredOutput {
    /// The text, with `${ref.ADDRESS.PATH}` references kept as markers (`render::refs`).
    pub value: String,
    /// Never recorded in state, masked everywhere (also when the value is built from a
    /// secret variable or references a secret).
    pub sensitive: bool,
    pub description: Option<String>,
}

/// One `[[verify.silence]]` entry: `azlift verify` still lists the finding, as silenced with
/// `reason`, but it no longer fails the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Silence {
    /// A verify rule id (`AZL-V003`).
    pub rule: String,
    /// A resource address of the manifest (`app.worker`).
    pub resource: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Project {
    pub name: String,
    /// Normalised ARM location (`eastus`).
    pub location: String,
    pub tags: BTreeMap<String, String>,
    /// Default `rg-{name}`.
    pub resource_group: String,
    /// The selected environment (`-e NAME`), `default` when none.
    pub environment: String,
    /// `true` when the environment is marked production (`production = true`), used by verify.
    pub production: bool,
}

/// Log Analytics workspace + workspace-based Application Insights.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Monitoring {
    /// Default `{project}-logs`.
    pub workspace_name: String,
    /// Default `PerGB2018`.
    pub workspace_sku: String,
    /// 30..=730, default 30.
    pub retention_days: u32,
    /// Default `{project}-appinsights`.
    pub app_insights_name: String,
    /// Default `web`.
    pub application_type: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionGroup {
    /// ARM name, default `{project}-{key}`.
    pub name: String,
    /// At most 12 characters.
    pub short_name: String,
    pub enabled: bool,
    /// Receiver name -> email address.
    pub emails: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// ARM name, default `{project}-{key}`.
    pub name: String,
    pub description: String,
    /// 0..=4.
    pub severity: u8,
    pub enabled: bool,
    /// ISO 8601 duration from ARM's fixed set, upper case (`PT1M`).
    pub frequency: String,
    pub window: String,
    /// Default `microsoft.insights/components`.
    pub metric_namespace: String,
    pub metric: String,
    /// `Average`, `Count`, `Maximum`, `Minimum`, `Total`.
    pub aggregation: String,
    /// `Equals`, `GreaterThan`, `GreaterThanOrEqual`, `LessThan`, `LessThanOrEqual`.
    pub operator: String,
    pub threshold: f64,
    /// Action group keys.
    pub notify: Vec<String>,
    pub scope: AlertScope,
    pub auto_mitigate: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum AlertScope {
    /// The project's Application Insights component (the default).
    AppInsights,
    /// An app of the project, by name.
    App(String),
    /// A full ARM resource id.
    Id(String),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContainerEnvironment {
    /// Default `{project}-env`.
    pub name: String,
    /// Send app logs to the project's workspace (default true when `[monitoring]` exists).
    pub logs_to_workspace: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ingress {
    External,
    Internal,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeKind {
    Liveness,
    Readiness,
    Startup,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Probe {
    pub kind: ProbeKind,
    /// `HTTP`, `HTTPS` or `TCP`.
    pub transport: String,
    /// For HTTP(S) probes.
    pub path: Option<String>,
    pub port: u16,
    pub initial_delay: Option<u32>,
    pub interval: Option<u32>,
    pub timeout: Option<u32>,
    pub failures: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum EnvValue {
    Plain(String),
    /// Name of one of the app's secrets.
    SecretRef(String),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct App {
    pub name: String,
    pub image: String,
    /// One of the combinations Azure accepts (0.25/0.5Gi ... 4.0/8Gi).
    pub cpu: f64,
    /// `0.5Gi`, `1Gi`, ...
    pub memory: String,
    pub port: Option<u16>,
    pub ingress: Ingress,
    /// `auto`, `http`, `http2`, `tcp`.
    pub transport: String,
    pub probes: Vec<Probe>,
    pub min_replicas: u32,
    pub max_replicas: u32,
    pub env: BTreeMap<String, EnvValue>,
    /// Secret name -> value.
    pub secrets: BTreeMap<String, Secret>,
    /// Wire the App Insights connection string in as the secret
    /// `appinsights-connection-string` and the env var `APPLICATIONINSIGHTS_CONNECTION_STRING`.
    pub telemetry: bool,
    /// `registry = "NAME.azurecr.io"`: pull the image from the project's `[registry]` with
    /// its pull identity (which holds `AcrPull` on the registry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<String>,
}

/// `[registry]`: an Azure Container Registry, created by azlift or an existing one, and the
/// user-assigned identity apps pull from it with (granted `AcrPull` on it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Registry {
    /// The registry's ARM name (5-50 letters and digits).
    pub name: String,
    /// `Basic`, `Standard` or `Premium`.
    pub sku: String,
    /// `Some(group)` when the registry exists already (azlift only reads it).
    pub existing_resource_group: Option<String>,
    /// `NAME.azurecr.io` (lower case).
    pub login_server: String,
    /// The pull identity's name, in the project's group.
    pub identity_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Apim {
    pub service: ApimService,
    /// Default `appinsights-logger`.
    pub logger_name: String,
    pub diagnostics: ApimDiagnostics,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "mode")]
pub enum ApimService {
    /// azlift creates and owns the service.
    Managed {
        name: String,
        /// `Consumption`, `Developer`, `Basic`, `Standard`, `Premium`, `BasicV2`, `StandardV2`.
        sku: String,
        capacity: u32,
        publisher_email: String,
        publisher_name: String,
    },
    /// An existing service: azlift adds the logger and diagnostic to it, never changes or
    /// deletes the service itself.
    Existing {
        name: String,
        /// Default: the project's resource group.
        resource_group: String,
    },
}

impl ApimService {
    pub fn name(&self) -> &str {
        match self {
            ApimService::Managed { name, .. } | ApimService::Existing { name, .. } => name,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApimDiagnostics {
    /// 0..=100 percent.
    pub sampling: f64,
    pub always_log_errors: bool,
    pub log_client_ip: bool,
    /// `verbose`, `information`, `error`.
    pub verbosity: String,
    /// `None`, `Legacy`, `W3C`.
    pub correlation: String,
    pub headers: Vec<String>,
    pub body_bytes: u32,
}

/// A resource of a kind azlift has no built-in for, rendered from a template file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomResource {
    pub template: PathBuf,
    /// The template file's text (read by `manifest`, so rendering does no I/O).
    pub template_text: String,
    /// Values the template can use.
    pub values: BTreeMap<String, serde_json::Value>,
    /// Addresses of other resources (`resource.vault`, `app.task-api`, `monitoring`...).
    pub depends_on: Vec<String>,
    /// For one copy of a repeated resource (`for_each`, `count`): what it sees as `each`
    /// and `count`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<Instance>,
    /// `resource_group = "KEY"` or `scope = "subscription"`.
    #[serde(default)]
    pub placement: Placement,
    /// The library kind of `template = "lib:NAME"` (its diff rules, outputs and estimate
    /// apply); `None` for a template file of the project's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<crate::kinds::ResourceKind>,
}

/// One copy of a repeated custom resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Instance {
    /// `each.key`: the list item or table key (`for_each`); the index (`count`).
    pub key: serde_json::Value,
    /// `each.value`: the table's value, or the key again for a list (`for_each`).
    pub value: serde_json::Value,
    /// `count.index` (`count` only).
    pub index: Option<usize>,
}
