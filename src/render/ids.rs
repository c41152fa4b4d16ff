//! ARM resource ids: built deterministically from subscription, group, type and names, and
//! taken apart again (for the ARM template export, which speaks `resourceId(...)`).

/// The id of a resource group.
pub fn resource_group_id(subscription: &str, resource_group: &str) -> String {
    format!("/subscriptions/{subscription}/resourceGroups/{resource_group}")
}

/// The id of a resource in a resource group. `arm_type` is the full type
/// (`Microsoft.ApiManagement/service/loggers`) and `names` has one name per type segment
/// after the namespace (`["my-apim", "appinsights-logger"]`).
pub fn resource_id(
    subscription: &str,
    resource_group: &str,
    arm_type: &str,
    names: &[&str],
) -> String {
    let mut id = resource_group_id(subscription, resource_group);
    let mut segments = arm_type.split('/');
    let namespace = segments.next().unwrap_or_default();
    id.push_str("/providers/");
    id.push_str(namespace);
    for (segment, name) in segments.zip(names) {
        id.push('/');
        id.push_str(segment);
        id.push('/');
        id.push_str(name);
    }
    id
}

/// The id of a resource at subscription scope (no resource group).
pub fn subscription_resource_id(subscription: &str, arm_type: &str, names: &[&str]) -> String {
    let in_group = resource_id(subscription, "-", arm_type, names);
    let prefix = resource_group_id(subscription, "-");
    format!("/subscriptions/{subscription}{}", &in_group[prefix.len()..])
}

/// Number of names a type needs: one per segment after the namespace.
pub fn name_count(arm_type: &str) -> usize {
    arm_type.split('/').count().saturating_sub(1)
}

/// An ARM id taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArmId {
    pub subscription: String,
    /// `None` for subscription-level resources.
    pub resource_group: Option<String>,
    /// `Microsoft.Resources/resourceGroups` for a group, the full type otherwise.
    pub arm_type: String,
    /// One name per type segment after the namespace.
    pub names: Vec<String>,
}

impl ArmId {
    /// Parses `/subscriptions/{s}/resourceGroups/{g}[/providers/{ns}/{t}/{n}...]`.
    /// Segment names are matched case-insensitively, as ARM does.
    pub fn parse(id: &str) -> Option<ArmId> {
        let parts: Vec<&str> = id.trim_start_matches('/').split('/').collect();
        if parts.len() < 2 || !parts[0].eq_ignore_ascii_case("subscriptions") || parts[1].is_empty()
        {
            return None;
        }
        let subscription = parts[1].to_string();
        if parts.len() == 4 && parts[2].eq_ignore_ascii_case("resourceGroups") {
            return Some(ArmId {
                subscription,
                resource_group: Some(parts[3].to_string()),
                arm_type: "Microsoft.Resources/resourceGroups".to_string(),
                names: vec![parts[3].to_string()],
            });
        }
        let (resource_group, rest) =
            if parts.len() > 4 && parts[2].eq_ignore_ascii_case("resourceGroups") {
                (Some(parts[3].to_string()), &parts[4..])
            } else {
                (None, &parts[2..])
            };
        if rest.len() < 4 || !rest[0].eq_ignore_ascii_case("providers") || rest.len() % 2 != 0 {
            return None;
        }
        let mut arm_type = rest[1].to_string();
        let mut names = Vec::new();
        for pair in rest[2..].chunks(2) {
            if pair[0].is_empty() || pair[1].is_empty() {
                return None;
            }
            arm_type.push('/');
            arm_type.push_str(pair[0]);
            names.push(pair[1].to_string());
        }
        Some(ArmId {
            subscription,
            resource_group,
            arm_type,
            names,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_ids_interleave_types_and_names() {
        let id = resource_id(
            "s",
            "rg",
            "Microsoft.ApiManagement/service/loggers",
            &["apim", "log"],
        );
        assert_eq!(
            id,
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/apim/loggers/log"
        );
        let parsed = ArmId::parse(&id).unwrap();
        assert_eq!(parsed.arm_type, "Microsoft.ApiManagement/service/loggers");
        assert_eq!(parsed.names, vec!["apim", "log"]);
        assert_eq!(parsed.resource_group.as_deref(), Some("rg"));
    }

    #[test]
    fn subscription_scope_ids_have_no_group() {
        let id = subscription_resource_id("s", "Microsoft.Authorization/policyDefinitions", &["p"]);
        assert_eq!(
            id,
            "/subscriptions/s/providers/Microsoft.Authorization/policyDefinitions/p"
        );
        let parsed = ArmId::parse(&id).unwrap();
        assert_eq!(parsed.resource_group, None);
        assert_eq!(parsed.names, vec!["p"]);
    }

    #[test]
    fn group_ids_parse_as_groups() {
        let parsed = ArmId::parse(&resource_group_id("s", "rg-x")).unwrap();
        assert_eq!(parsed.arm_type, "Microsoft.Resources/resourceGroups");
        assert_eq!(parsed.names, vec!["rg-x"]);
    }

    #[test]
    fn malformed_ids_do_not_parse() {
        for bad in [
            "",
            "/",
            "/subscriptions",
            "/subscriptions/s/resourceGroups/rg/providers/X",
            "/foo/bar",
        ] {
            assert_eq!(ArmId::parse(bad), None, "{bad}");
        }
    }
}
