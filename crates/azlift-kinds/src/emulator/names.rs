//! Name checks: the character predicates the kinds' name rules use (each kind's rule, with
//! its lengths and wording, is in its folder), and the check run on every PUT.

use super::ArmError;

use super::errors::{INVALID_RESOURCE_GROUP_NAME, INVALID_RESOURCE_NAME, coded};
use crate::ResourceKind;

pub fn lower_alnum_hyphen_letter_first(s: &str) -> bool {
    let b = s.as_bytes();
    b.first().is_some_and(u8::is_ascii_lowercase)
        && b.last()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && !s.contains("--")
}

pub fn alnum_hyphen_alnum_ends(s: &str) -> bool {
    let b = s.as_bytes();
    b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

pub fn apim_service(s: &str) -> bool {
    let b = s.as_bytes();
    b.first().is_some_and(u8::is_ascii_alphabetic)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

pub fn resource_group(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '(' | ')'))
        && !s.ends_with('.')
}

pub fn no_chars(s: &str, bad: &str) -> bool {
    !s.chars().any(|c| c.is_control() || bad.contains(c)) && !s.ends_with(' ') && !s.ends_with('.')
}

pub fn insights_component(s: &str) -> bool {
    no_chars(s, "%&\\?/")
}

pub fn insights_rule(s: &str) -> bool {
    no_chars(s, "*#&+:<>?@%{}\\/")
}

pub fn apim_child(s: &str) -> bool {
    !s.chars().any(|c| c.is_control() || "*#&+:<>?/".contains(c))
}

pub fn apim_diagnostic(s: &str) -> bool {
    ["applicationinsights", "azuremonitor", "local"]
        .iter()
        .any(|n| n.eq_ignore_ascii_case(s))
}

/// Check a resource name against its kind's rule; types without a kind accept any name.
pub fn check(arm_type: &str, name: &str) -> Result<(), ArmError> {
    let Some(spec) = crate::by_arm_type(arm_type) else {
        return Ok(());
    };
    let rule = &spec.emulator.name;
    let len = name.chars().count();
    if len >= rule.min && len <= rule.max && (rule.check)(name) {
        return Ok(());
    }
    let code = if spec.kind == ResourceKind::ResourceGroup {
        INVALID_RESOURCE_GROUP_NAME
    } else {
        INVALID_RESOURCE_NAME
    };
    Err(coded(
        code,
        "name",
        format!(
            "The resource name '{name}' is invalid. It must be {}-{} characters long. {}.",
            rule.min, rule.max, rule.says
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::check;

    fn ok(t: &str, n: &str) -> bool {
        check(t, n).is_ok()
    }

    #[test]
    fn container_app_names() {
        let t = "Microsoft.App/containerApps";
        assert!(ok(t, "api"));
        assert!(ok(t, "task-api-2"));
        for bad in [
            "A",
            "a",
            "Api",
            "1api",
            "api-",
            "a--b",
            "a_b",
            &"a".repeat(33),
        ] {
            let e = check(t, bad).unwrap_err();
            assert_eq!(
                (e.status, e.code.as_str()),
                (400, "InvalidResourceName"),
                "{bad}"
            );
            assert_eq!(e.target.as_deref(), Some("name"));
        }
        assert!(ok(t, &"a".repeat(32)));
    }

    #[test]
    fn other_names() {
        assert!(ok("Microsoft.OperationalInsights/workspaces", "blog-logs"));
        assert!(!ok("Microsoft.OperationalInsights/workspaces", "abc"));
        assert!(!ok("Microsoft.OperationalInsights/workspaces", "-abcd"));
        assert!(ok("Microsoft.ApiManagement/service", "Blog08-apim"));
        assert!(!ok("Microsoft.ApiManagement/service", "8apim"));
        assert!(!ok("Microsoft.ApiManagement/service", &"a".repeat(51)));
        assert!(ok("Microsoft.Resources/resourceGroups", "rg_(blog).08"));
        assert!(!ok("Microsoft.Resources/resourceGroups", "rg."));
        assert!(!ok("Microsoft.Resources/resourceGroups", ""));
        assert!(!ok("Microsoft.Resources/resourceGroups", &"r".repeat(91)));
        assert_eq!(
            check("Microsoft.Resources/resourceGroups", "a/b")
                .unwrap_err()
                .code,
            "InvalidResourceGroupName"
        );
        assert!(ok(
            "Microsoft.ApiManagement/service/diagnostics",
            "applicationinsights"
        ));
        assert!(!ok("Microsoft.ApiManagement/service/diagnostics", "mine"));
        assert!(ok(
            "Microsoft.Insights/metricAlerts",
            "blog-high-error-rate"
        ));
        assert!(!ok("Microsoft.Insights/metricAlerts", "a/b"));
        assert!(ok("Microsoft.Custom/things", "Anything At All"));
    }
}
