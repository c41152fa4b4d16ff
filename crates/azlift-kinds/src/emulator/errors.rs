//! How each resource provider reports a bad request: schema violations turned into one ARM
//! error (400) with one `details` entry per violation (`target` = the property path), and the
//! helpers the per-type rules use for their own errors. All error codes live here.

use super::ArmError;

use serde_json::Value;

use super::common::{is_arm_id, parent_id};
use super::schema::{Violation, ViolationKind};
use super::{PutRequest, World};

/// ARM's code when the body cannot be deserialized (unknown member, wrong JSON type).
pub const INVALID_REQUEST_CONTENT: &str = "InvalidRequestContent";
/// ARM's code for a tracked resource sent without `location`.
pub const LOCATION_REQUIRED: &str = "LocationRequired";
/// ARM's code for a property holding something that is not a resource id.
pub const LINKED_INVALID_PROPERTY_ID: &str = "LinkedInvalidPropertyId";
/// ARM's code for a child resource whose parent does not exist.
pub const PARENT_NOT_FOUND: &str = "ParentResourceNotFound";
/// Name rules (resource providers) and the resource-group name rule (ARM).
pub const INVALID_RESOURCE_NAME: &str = "InvalidResourceName";
pub const INVALID_RESOURCE_GROUP_NAME: &str = "InvalidResourceGroupName";
/// A region the type is not offered in.
pub const LOCATION_NOT_AVAILABLE: &str = "LocationNotAvailableForResourceType";

/// The code a provider answers for a semantically invalid body (missing required property,
/// value outside the allowed set or range).
pub fn provider_code(arm_type: &str) -> &'static str {
    let ns = arm_type.split('/').next().unwrap_or_default();
    if ns.eq_ignore_ascii_case("Microsoft.ApiManagement") {
        // API Management: {"code":"ValidationError","details":[{"code":"ValidationError",...}]}
        "ValidationError"
    } else if ns.eq_ignore_ascii_case("Microsoft.App") {
        if arm_type
            .to_ascii_lowercase()
            .ends_with("/managedenvironments")
        {
            "ManagedEnvironmentInvalidRequest"
        } else {
            "ContainerAppInvalidSchema"
        }
    } else if ns.eq_ignore_ascii_case("Microsoft.Insights") {
        "BadRequest"
    } else {
        "InvalidParameter"
    }
}

/// The `details[].code` of one violation.
fn detail_code(arm_type: &str, kind: ViolationKind) -> &'static str {
    if provider_code(arm_type) == "ValidationError" {
        return "ValidationError";
    }
    match kind {
        ViolationKind::UnknownProperty | ViolationKind::WrongType => INVALID_REQUEST_CONTENT,
        ViolationKind::MissingRequired => "MissingRequiredProperty",
        ViolationKind::UnknownEnumValue => "InvalidEnumValue",
        ViolationKind::OutOfRange => "ValueOutOfRange",
        ViolationKind::Other => "InvalidParameter",
    }
}

/// One 400 for a non-empty list of schema violations.
pub fn from_violations(arm_type: &str, vs: &[Violation]) -> ArmError {
    let location_missing = vs
        .iter()
        .any(|v| v.kind == ViolationKind::MissingRequired && v.path == "location");
    let undeserializable = vs.iter().any(|v| {
        matches!(
            v.kind,
            ViolationKind::UnknownProperty | ViolationKind::WrongType
        )
    });
    let (code, message) = if location_missing {
        (
            LOCATION_REQUIRED,
            "The location property is required for this definition.".to_string(),
        )
    } else if undeserializable {
        (
            INVALID_REQUEST_CONTENT,
            format!(
                "The request content was invalid and could not be deserialized: {}",
                vs.iter()
                    .find(|v| matches!(
                        v.kind,
                        ViolationKind::UnknownProperty | ViolationKind::WrongType
                    ))
                    .map(|v| v.message.as_str())
                    .unwrap_or_default()
            ),
        )
    } else {
        let first = vs.first().map(|v| v.message.as_str()).unwrap_or_default();
        let msg = if vs.len() > 1 {
            format!(
                "One or more fields contain incorrect values: {first} (and {} more)",
                vs.len() - 1
            )
        } else {
            format!("One or more fields contain incorrect values: {first}")
        };
        (provider_code(arm_type), msg)
    };
    let details = vs
        .iter()
        .map(|v| {
            ArmError::bad_request(detail_code(arm_type, v.kind), v.message.clone())
                .with_target(v.path.clone())
        })
        .collect();
    let mut e = ArmError::bad_request(code, message).with_details(details);
    if let [only] = vs {
        e = e.with_target(only.path.clone());
    }
    e
}

/// A 400 about one property, in the provider's style.
pub fn invalid(arm_type: &str, target: &str, message: impl Into<String>) -> ArmError {
    coded(provider_code(arm_type), target, message)
}

/// A 400 with a given code about one property (also listed in `details`).
pub fn coded(code: &str, target: &str, message: impl Into<String>) -> ArmError {
    let message = message.into();
    ArmError::bad_request(code, message.clone())
        .with_target(target)
        .with_details(vec![
            ArmError::bad_request(code, message).with_target(target),
        ])
}

/// A property that should hold a resource id but does not.
pub fn linked_invalid(target: &str, value: &str) -> ArmError {
    coded(
        LINKED_INVALID_PROPERTY_ID,
        target,
        format!(
            "Property id '{value}' at path '{target}' is invalid. Expect fully qualified resource Id that start with '/subscriptions/{{subscriptionId}}' or '/providers/{{resourceProviderNamespace}}/'."
        ),
    )
}

/// The parent service of a child resource must exist (ARM's `ParentResourceNotFound`).
pub fn parent(req: &PutRequest<'_>, world: &dyn World) -> Result<Value, ArmError> {
    let pid = parent_id(req.id).unwrap_or_default();
    world.get(pid).ok_or_else(|| {
        ArmError::not_found(
            PARENT_NOT_FOUND,
            format!(
                "Can not perform requested operation on nested resource. Parent resource '{}' not found.",
                pid.rsplit('/').next().unwrap_or(pid)
            ),
        )
    })
}

/// A referenced resource must be a resource id and must exist.
pub fn must_exist(
    world: &dyn World,
    arm_type: &str,
    target: &str,
    id: &str,
) -> Result<(), ArmError> {
    if !is_arm_id(id) {
        return Err(linked_invalid(target, id));
    }
    if world.get(id).is_none() {
        return Err(invalid(
            arm_type,
            target,
            format!("The resource '{id}' referenced by '{target}' was not found."),
        ));
    }
    Ok(())
}
