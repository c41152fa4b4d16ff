//! The state document: what azlift manages in one environment, with the serial and lineage
//! that let a writer (and a saved plan) detect that the world moved on.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::resource::{Pointer, ResourceAddress};

/// The format version this azlift writes (and the highest it reads).
pub const FORMAT_VERSION: u32 = 1;

/// One environment's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateDocument {
    /// Format version, [`FORMAT_VERSION`].
    pub version: u32,
    /// Incremented by every successful write; a writer whose document's serial is not the
    /// stored one is refused.
    pub serial: u64,
    /// Made once when the state is created and kept for its whole life (also across
    /// backends): a document of another lineage is never overwritten.
    pub lineage: Uuid,
    /// The project this state belongs to (`[project] name`). `None` only in a state written
    /// before azlift recorded it: the first run that opens it claims it for its project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    pub environment: String,
    #[serde(default)]
    pub resources: BTreeMap<ResourceAddress, StateEntry>,
    /// The project's declared outputs (`[output.NAME]`) as of the last `up`: values of the
    /// plain ones; secret ones are listed without a value.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub outputs: BTreeMap<String, OutputEntry>,
}

/// One declared output in state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputEntry {
    /// `None` for a secret (never stored), `null` when a referenced value is not known yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sensitive: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl StateDocument {
    /// An empty document of a new lineage, serial 0 (never written).
    pub fn new(environment: impl Into<String>) -> Self {
        StateDocument {
            version: FORMAT_VERSION,
            serial: 0,
            lineage: Uuid::new_v4(),
            project: None,
            environment: environment.into(),
            resources: BTreeMap::new(),
            outputs: BTreeMap::new(),
        }
    }

    /// An empty document of a new lineage for `project`'s `environment`.
    pub fn for_project(project: &str, environment: impl Into<String>) -> Self {
        StateDocument {
            project: Some(project.to_string()),
            ..StateDocument::new(environment)
        }
    }

    /// Refuse a document of another project; a document that records no project (written
    /// before azlift recorded it) is claimed for `project`. Returns whether it was claimed.
    pub fn claim(&mut self, project: &str, location: &str) -> Result<bool, super::StateError> {
        match &self.project {
            Some(p) if p == project => Ok(false),
            Some(p) => Err(super::StateError::ProjectMismatch {
                location: location.to_string(),
                expected: project.to_string(),
                found: p.clone(),
            }),
            None => {
                self.project = Some(project.to_string());
                Ok(true)
            }
        }
    }

    pub fn get(&self, address: &ResourceAddress) -> Option<&StateEntry> {
        self.resources.get(address)
    }
}

/// What azlift knows about one resource it manages (or reads).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateEntry {
    pub address: ResourceAddress,
    /// Full ARM id.
    pub id: String,
    #[serde(rename = "type")]
    pub arm_type: String,
    pub api_version: String,
    /// SHA-256 of the canonical JSON of the body as last sent (`plan::canonical_hash`), so
    /// plan can tell drift from a manifest change. Empty when unknown (an imported resource).
    pub applied_hash: String,
    /// SHA-256 of each write-only value as last sent, by JSON pointer.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub write_only_hashes: BTreeMap<Pointer, String>,
    /// Non-secret values read back after apply: `fqdn`, `customer_id`...
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub outputs: BTreeMap<String, Value>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub depends_on: BTreeSet<ResourceAddress>,
    /// `false` for resources azlift only reads (an existing APIM service).
    pub managed: bool,
    /// The create (or update) ended `Failed` in ARM: the resource exists, holds its name and
    /// is this project's, but is not usable. Plan tries it again; `down` deletes it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub failed: bool,
    /// The SKU (`/sku/name` of the body last sent), so durations are learned per SKU (an
    /// APIM Developer service takes 40 minutes, a Consumption one 90 seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// How long the last create/update took, for ETAs of later runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_duration_secs: Option<f64>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// Now, in UTC, to the second.
pub(crate) fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(0).unwrap_or(t)
}
