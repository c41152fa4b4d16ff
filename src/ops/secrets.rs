//! Secret outputs (connection strings, shared keys) read live from ARM for
//! `azlift output --show-secrets`. They are never kept in state, so each is fetched from the
//! resource (its GET body or a POST action) when a user asks for it.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::arm::ArmClient;
use crate::state::StateDocument;
use crate::state::outputs::{SecretSource, secret_sources};

use super::OpsError;

/// Every secret output of the resources in `doc`, named `<address>.<output>`. A resource that
/// is gone, or a value the service does not return, is left out.
pub async fn read_secret_outputs(
    client: &ArmClient,
    doc: &StateDocument,
) -> Result<BTreeMap<String, Value>, OpsError> {
    let mut out = BTreeMap::new();
    for entry in doc.resources.values() {
        let sources = secret_sources(&entry.arm_type);
        if sources.is_empty() {
            continue;
        }
        // One GET per resource, however many of its outputs come from the body.
        let mut body: Option<Option<Value>> = None;
        for (name, source) in sources {
            let value = match source {
                SecretSource::Get(pointer) => {
                    if body.is_none() {
                        body = Some(
                            client
                                .get(&entry.id, &entry.api_version)
                                .await
                                .map_err(OpsError::Arm)?,
                        );
                    }
                    body.as_ref()
                        .and_then(Option::as_ref)
                        .and_then(|b| b.pointer(pointer))
                        .cloned()
                }
                SecretSource::Action(action, pointer) => {
                    let result = client
                        .post(&format!("{}/{action}", entry.id), &entry.api_version, None)
                        .await
                        .map_err(OpsError::Arm)?;
                    result.pointer(pointer).cloned()
                }
            };
            if let Some(v) = value.filter(|v| !v.is_null() && v.as_str() != Some("")) {
                out.insert(format!("{}.{name}", entry.address), v);
            }
        }
    }
    Ok(out)
}
