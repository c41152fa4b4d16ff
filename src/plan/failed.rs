//! Resources whose last ARM operation ended `Failed` (an APIM service whose create failed):
//! they exist and hold their names, so plan never calls them "up to date" — it sends them
//! again (ARM retries a failed resource on PUT), and `down` deletes them like any other.

use std::collections::HashMap;

use serde_json::Value;

use crate::resource::{ObservedResource, ResourceAddress};

use super::model::{Action, Change};

/// Whether ARM reports the resource's last operation as failed
/// (`properties.provisioningState` = `Failed`).
pub fn is_failed(body: &Value) -> bool {
    body.pointer("/properties/provisioningState")
        .and_then(Value::as_str)
        .is_some_and(|s| s.eq_ignore_ascii_case("Failed"))
}

/// Turn every unchanged or updated resource that ARM holds as `Failed` into a retry.
pub fn retry_failed(
    changes: &mut [Change],
    observed: &HashMap<ResourceAddress, Option<ObservedResource>>,
) {
    for c in changes.iter_mut() {
        if !matches!(c.action, Action::NoOp | Action::Update) {
            continue;
        }
        let failed = observed
            .get(&c.address)
            .and_then(Option::as_ref)
            .is_some_and(|o| is_failed(&o.body));
        if failed {
            c.action = Action::Update;
            c.reason = "its last operation ended Failed in Azure: azlift sends it again".into();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change(address: &str, action: Action) -> Change {
        Change {
            address: ResourceAddress::new(address),
            id: format!("/x/{address}"),
            arm_type: "T".into(),
            api_version: "v".into(),
            action,
            reason: "up to date".into(),
            attributes: Vec::new(),
            observed_hash: None,
            replaces: None,
            before: None,
            after: None,
        }
    }

    #[test]
    fn a_failed_resource_is_retried_and_others_are_left_alone() {
        let mut changes = vec![
            change("apim.service", Action::NoOp),
            change("app.a", Action::NoOp),
            change("gone", Action::Create),
        ];
        let observed: HashMap<ResourceAddress, Option<ObservedResource>> = [
            (
                ResourceAddress::new("apim.service"),
                Some(ObservedResource {
                    id: "/x/apim.service".into(),
                    body: json!({"properties": {"provisioningState": "failed"}}),
                }),
            ),
            (
                ResourceAddress::new("app.a"),
                Some(ObservedResource {
                    id: "/x/app.a".into(),
                    body: json!({"properties": {"provisioningState": "Succeeded"}}),
                }),
            ),
            (ResourceAddress::new("gone"), None),
        ]
        .into();
        retry_failed(&mut changes, &observed);
        assert_eq!(changes[0].action, Action::Update);
        assert!(changes[0].reason.contains("Failed"));
        assert_eq!(changes[1].action, Action::NoOp);
        assert_eq!(changes[2].action, Action::Create);
    }
}
