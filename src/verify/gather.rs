//! Reading what is deployed: every resource state records, fetched fresh through
//! `ops::Session`'s observe path, plus the action groups and loggers those resources point at
//! that state does not hold.

use std::collections::BTreeSet;

use crate::kinds::ResourceKind;
use crate::ops::Session;

use super::{Deployed, DeployedResource, Intent, VerifyError};

/// Everything the rules need, read from state and ARM.
pub async fn gather(session: &Session) -> Result<Deployed, VerifyError> {
    let (doc, mut observed) = session.observe_state().await?;
    if doc.resources.is_empty() {
        return Err(VerifyError::NothingDeployed {
            environment: doc.environment.clone(),
        });
    }
    let mut deployed = Deployed {
        intent: Intent::from_model(&session.project.loaded.model),
        resources: doc
            .resources
            .values()
            .map(|e| DeployedResource {
                address: e.address.clone(),
                id: e.id.clone(),
                arm_type: e.arm_type.clone(),
                body: observed.remove(&e.address).flatten().map(|o| o.body),
            })
            .collect(),
        referenced: Default::default(),
        subject: super::Subject::Deployed,
    };
    let known: BTreeSet<String> = deployed
        .resources
        .iter()
        .map(|r| r.id.to_ascii_lowercase())
        .collect();
    let wanted = super::rules::referenced_action_groups(&deployed)
        .into_iter()
        .map(|id| (id, ResourceKind::ActionGroup))
        .chain(
            super::rules::referenced_loggers(&deployed)
                .into_iter()
                .map(|id| (id, ResourceKind::ApimLogger)),
        );
    for (id, kind) in wanted {
        let lower = id.to_ascii_lowercase();
        if known.contains(&lower) || deployed.referenced.contains_key(&lower) {
            continue;
        }
        let api = kind.info().map(|k| k.api_version).unwrap_or("2023-01-01");
        let got = session
            .target
            .client
            .get(&id, api)
            .await
            .map_err(|e| VerifyError::Read {
                id: id.clone(),
                message: e.to_string(),
            })?;
        if let Some(body) = got {
            deployed.referenced.insert(lower, body);
        }
    }
    Ok(deployed)
}
