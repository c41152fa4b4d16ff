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

/// The id of an extension resource (a role assignment) at `scope`:
/// `{scope}/providers/{namespace}/{type}/{name}`.
pub fn extension_id(scope: &str, arm_type: &str, name: &str) -> String {
    format!(
        "{}/providers/{arm_type}/{name}",
        scope.trim_end_matches('/')
    )
}

/// The id of a resource at subscription scope (no resource group).
pub fn subscription_resource_id(subscription: &str, arm_type: &str, names: &[&str]) -> String {
    let in_group = resource_id(subscription, "-", arm_type, names);
    let prefix = resource_group_id(subscription, "-");
    format!("/subscriptions/{subscription}{}", &in_group[prefix.len()..])
}

/// Characters ARM refuses in resource names (the general rule of the ARM naming
/// documentation; kinds have stricter rules of their own), besides control characters.
const NAME_FORBIDDEN: &str = "<>*%&:\\?/#";

/// Longest resource name segment ARM accepts for any kind.
const MAX_NAME_CHARS: usize = 260;

/// Check a resource type written by a template: `Namespace/type[/child]...`, the namespace
/// dotted words (`Microsoft.KeyVault`), every part letters, digits and dots only, no empty
/// part, no `.`/`..` part. It goes into a URL path, so nothing else may pass.
pub fn check_type(arm_type: &str) -> Result<(), String> {
    let parts: Vec<&str> = arm_type.split('/').collect();
    if parts.len() < 2 || parts.len() > 6 {
        return Err(format!(
            "type `{}` must look like `Namespace.Provider/type[/child]`",
            crate::text::quoted(arm_type)
        ));
    }
    for (i, part) in parts.iter().enumerate() {
        let ok = !part.is_empty()
            && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
            && !part.starts_with('.')
            && !part.ends_with('.')
            && !part.contains("..");
        if !ok {
            return Err(format!(
                "type `{}`: `{}` may hold only letters, digits and single dots inside",
                crate::text::quoted(arm_type),
                crate::text::quoted(part)
            ));
        }
        if i == 0 && !part.contains('.') {
            return Err(format!(
                "type `{}`: the namespace `{part}` must be dotted, as in `Microsoft.KeyVault`",
                crate::text::quoted(arm_type)
            ));
        }
    }
    Ok(())
}

/// Check one name segment of an ARM id: not empty, at most 260 characters, no control
/// character, none of `< > * % & : \ ? / #` (so no percent-encoding trick), no `..`, not
/// ending in a period or a space, no leading space.
pub fn check_name(name: &str) -> Result<(), String> {
    let shown = crate::text::quoted(name);
    if name.is_empty() {
        return Err("a name segment is empty".into());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!(
            "name `{shown}` is longer than {MAX_NAME_CHARS} characters"
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| c.is_control() || NAME_FORBIDDEN.contains(*c))
    {
        return Err(format!(
            "name `{shown}` must not contain `{}`",
            bad.escape_default()
        ));
    }
    if name.contains("..") {
        return Err(format!("name `{shown}` must not contain `..`"));
    }
    if name.ends_with('.') || name.ends_with(' ') || name.starts_with(' ') {
        return Err(format!(
            "name `{shown}` must not start with a space or end with a period or a space"
        ));
    }
    Ok(())
}

/// Check an api-version written by a template: `YYYY-MM-DD` with an optional `-preview`
/// style suffix of letters and digits.
pub fn check_api_version(v: &str) -> Result<(), String> {
    let b = v.as_bytes();
    let date = b.len() >= 10
        && b[..10].iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        });
    // `get`, not slicing: byte 10 may fall inside a character of a hostile value.
    let suffix = v.get(10..).unwrap_or("");
    let suffix_ok = suffix.is_empty()
        || (suffix.len() <= 32
            && suffix.starts_with('-')
            && suffix.len() > 1
            && suffix[1..].chars().all(|c| c.is_ascii_alphanumeric()));
    if date && suffix_ok {
        Ok(())
    } else {
        Err(format!(
            "apiVersion `{}` must look like `2023-07-01` or `2023-07-01-preview`",
            crate::text::quoted(v)
        ))
    }
}

/// Check a subscription id that goes into every ARM id: letters, digits and hyphens.
pub fn check_subscription(sub: &str) -> Result<(), String> {
    if !sub.is_empty()
        && sub.len() <= 64
        && sub.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        Ok(())
    } else {
        Err(format!(
            "subscription `{}` must be a subscription id (a GUID)",
            crate::text::quoted(sub)
        ))
    }
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
    /// The type an id names: for an extension resource
    /// (`{scope}/providers/Microsoft.Authorization/roleAssignments/{name}`) the extension's
    /// type, otherwise the parsed id's.
    pub fn named_type(&self, id: &str) -> String {
        let lower = id.to_ascii_lowercase();
        if let Some(at) = lower.rfind("/providers/")
            && lower[..at].contains("/providers/")
        {
            let segs: Vec<&str> = id[at + "/providers/".len()..].split('/').collect();
            if let [ns, ty, _name] = segs.as_slice() {
                return format!("{ns}/{ty}");
            }
        }
        self.arm_type.clone()
    }

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
    fn hostile_segments_are_refused() {
        for t in [
            "Microsoft.Foo/../..",
            "Microsoft.Foo",
            "Foo/bar",
            "Microsoft.Foo/bar%2F",
            "Microsoft.Foo//bar",
            "Microsoft..Foo/bar",
            "Microsoft.Foo/bar baz",
            "Microsoft.Foo/bar\u{0}",
            "",
        ] {
            assert!(check_type(t).is_err(), "{t:?}");
        }
        for t in ["Microsoft.KeyVault/vaults/secrets", "Microsoft.Web/sites"] {
            assert!(check_type(t).is_ok(), "{t:?}");
        }
        for n in [
            "..",
            ".",
            "../rg-victim",
            "a%2Fb",
            "a\\b",
            "a?b",
            "a#b",
            "a\u{1b}[31m",
            "name.",
            "name ",
            "",
            &"a".repeat(261),
        ] {
            assert!(check_name(n).is_err(), "{n:?}");
        }
        for n in ["kv-prod", "my_vault.v2", "appinsights"] {
            assert!(check_name(n).is_ok(), "{n:?}");
        }
        for v in [
            "../../x",
            "2023-07-01/..",
            "latest",
            "2023-7-1",
            "2023-07-01-",
            "",
        ] {
            assert!(check_api_version(v).is_err(), "{v:?}");
        }
        for v in ["2023-07-01", "2024-02-02-preview", "2015-05-01"] {
            assert!(check_api_version(v).is_ok(), "{v:?}");
        }
        assert!(check_subscription("../x").is_err());
        assert!(check_subscription("00000000-0000-0000-0000-000000000000").is_ok());
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
