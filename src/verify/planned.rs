//! A plan's outcome as the verify rules see it: every resource's `after` body (what `up` will
//! send; secrets masked, values known only after apply marked), so the production-readiness
//! rules judge a pull request before anything is written to ARM (`verify --plan`,
//! `plan --verify`).

use serde_json::Value;

use crate::model::Model;
use crate::plan::{Action, Change, Plan};

use super::{Deployed, DeployedResource, Intent, Subject};

/// Why a plan cannot be verified against this manifest.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum PlanVerifyError {
    #[error("the plan was made for environment `{plan}`, the manifest is read for `{manifest}`")]
    #[diagnostic(
        code(azlift::verify::environment),
        help("pass the `-e` the plan was made with: `-e {plan}`")
    )]
    OtherEnvironment { plan: String, manifest: String },
}

/// `ingress.external` of a body, when it has ingress.
fn external(body: Option<&Value>) -> Option<bool> {
    body?
        .pointer("/properties/configuration/ingress/external")
        .and_then(Value::as_bool)
}

/// Internal now, external after the plan.
fn makes_external(c: &Change) -> bool {
    external(c.before.as_ref()) == Some(false) && external(c.after.as_ref()) == Some(true)
}

/// The system as it will be once `plan` is applied, with the manifest's intent. Deleted
/// resources are gone; resources azlift only reads keep the body they have now.
pub fn from_plan(plan: &Plan, model: &Model) -> Deployed {
    with_intent(plan, Intent::from_model(model))
}

/// [`from_plan`] with the intent given.
pub(super) fn with_intent(plan: &Plan, mut intent: Intent) -> Deployed {
    intent.made_external = plan
        .changes
        .iter()
        .filter(|c| makes_external(c))
        .map(|c| c.address.clone())
        .collect();
    let resources = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::Delete)
        .map(|c| DeployedResource {
            address: c.address.clone(),
            id: c.id.clone(),
            arm_type: c.arm_type.clone(),
            body: c.after.clone().or_else(|| c.before.clone()),
        })
        .collect();
    Deployed {
        intent,
        resources,
        referenced: Default::default(),
        subject: Subject::Plan,
    }
}

/// Refuse a plan made for another environment than the manifest is read for.
pub fn same_environment(plan_environment: &str, model: &Model) -> Result<(), PlanVerifyError> {
    if plan_environment == model.project.environment {
        Ok(())
    } else {
        Err(PlanVerifyError::OtherEnvironment {
            plan: plan_environment.to_string(),
            manifest: model.project.environment.clone(),
        })
    }
}
