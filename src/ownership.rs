//! Ownership tags: every resource azlift creates carries tags naming its project, environment
//! and address, and azlift reads them back before it writes to or deletes a resource, so it
//! never takes over (or destroys) a resource another project, another environment or a
//! person made. Pure: the tags written and the owner read from a body.

use std::collections::BTreeMap;

use serde_json::Value;

/// The tag naming the project that owns a resource.
pub const PROJECT_TAG: &str = "azlift-project";
/// The tag naming the environment that owns a resource.
pub const ENV_TAG: &str = "azlift-env";
/// The tag naming the address of the resource in its project.
pub const ADDRESS_TAG: &str = "azlift-address";

/// Who owns a resource, as its tags say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub project: String,
    pub environment: String,
    /// `None` when the address tag is missing (a hand-made copy of the tags).
    pub address: Option<String>,
}

impl Owner {
    pub fn new(project: &str, environment: &str, address: &str) -> Owner {
        Owner {
            project: project.to_string(),
            environment: environment.to_string(),
            address: Some(address.to_string()),
        }
    }

    /// Same project and environment (the address may differ: a resource moved between
    /// addresses of one project is still this environment's).
    pub fn same_environment(&self, other: &Owner) -> bool {
        self.project == other.project && self.environment == other.environment
    }

    /// `project `p`, environment `e``, for messages.
    pub fn describe(&self) -> String {
        format!(
            "project `{}`, environment `{}`",
            self.project, self.environment
        )
    }
}

impl std::fmt::Display for Owner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// The tags a resource of `owner` is written with: the user's `tags`, then the ownership
/// tags (which win over a user tag of the same name).
pub fn tags_with_owner(tags: &BTreeMap<String, String>, owner: &Owner) -> BTreeMap<String, String> {
    let mut out = tags.clone();
    out.insert(PROJECT_TAG.to_string(), owner.project.clone());
    out.insert(ENV_TAG.to_string(), owner.environment.clone());
    if let Some(a) = &owner.address {
        out.insert(ADDRESS_TAG.to_string(), a.clone());
    }
    out
}

/// What a resource body's tags say about its owner. Tag names compare case-insensitively
/// (ARM keeps their case but matches them without it).
pub fn read_owner(body: &Value) -> Ownership {
    let Some(tags) = body.get("tags").and_then(Value::as_object) else {
        return Ownership::Untagged;
    };
    let tag = |name: &str| {
        tags.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.as_str())
            .map(str::to_string)
    };
    match (tag(PROJECT_TAG), tag(ENV_TAG)) {
        (Some(project), Some(environment)) => Ownership::Owned(Owner {
            project,
            environment,
            address: tag(ADDRESS_TAG),
        }),
        _ => Ownership::NoOwner,
    }
}

/// What the tags of a live resource say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ownership {
    /// Tagged by azlift.
    Owned(Owner),
    /// Has tags (or an empty tag map) but no azlift owner.
    NoOwner,
    /// Carries no `tags` at all: a child resource (owned through its parent) or a type
    /// without tags.
    Untagged,
}

/// Whether an ARM type is a child type (`service/loggers`): children carry no tags of their
/// own and are owned through their parent.
pub fn is_child_type(arm_type: &str) -> bool {
    arm_type.split('/').count() > 2 || is_untaggable_extension(arm_type)
}

/// Extension resources that take no tags (role assignments): owned through their scope,
/// like children through their parent.
pub fn is_untaggable_extension(arm_type: &str) -> bool {
    arm_type.eq_ignore_ascii_case("Microsoft.Authorization/roleAssignments")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn owner_tags_join_the_user_tags_and_win_over_them() {
        let user = BTreeMap::from([
            ("team".to_string(), "ops".to_string()),
            (PROJECT_TAG.to_string(), "spoofed".to_string()),
        ]);
        let t = tags_with_owner(&user, &Owner::new("blog", "dev", "monitoring.workspace"));
        assert_eq!(t["team"], "ops");
        assert_eq!(t[PROJECT_TAG], "blog");
        assert_eq!(t[ENV_TAG], "dev");
        assert_eq!(t[ADDRESS_TAG], "monitoring.workspace");
    }

    #[test]
    fn the_owner_is_read_back_from_a_live_body() {
        let body = json!({"tags": {"AZLIFT-PROJECT": "blog", "azlift-env": "default", "azlift-address": "environment"}});
        assert_eq!(
            read_owner(&body),
            Ownership::Owned(Owner::new("blog", "default", "environment"))
        );
        assert_eq!(
            read_owner(&json!({"tags": {"team": "ops"}})),
            Ownership::NoOwner
        );
        assert_eq!(
            read_owner(&json!({"tags": {"azlift-project": "blog"}})),
            Ownership::NoOwner
        );
        assert_eq!(read_owner(&json!({"properties": {}})), Ownership::Untagged);
    }

    #[test]
    fn children_are_types_under_a_parent_type() {
        assert!(is_child_type("Microsoft.ApiManagement/service/loggers"));
        assert!(!is_child_type("Microsoft.ApiManagement/service"));
        assert!(!is_child_type("Microsoft.Resources/resourceGroups"));
    }
}
