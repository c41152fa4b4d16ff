//! Naming rules per resource type (length and characters, from the Azure resource naming
//! rules and each provider's name pattern), checked on every PUT.

use crate::error::ArmError;

use super::errors::{INVALID_RESOURCE_GROUP_NAME, INVALID_RESOURCE_NAME, coded};

/// One type's rule.
struct Rule {
    arm_type: &'static str,
    min: usize,
    max: usize,
    check: fn(&str) -> bool,
    says: &'static str,
}

fn lower_alnum_hyphen_letter_first(s: &str) -> bool {
    let b = s.as_bytes();
    b.first().is_some_and(u8::is_ascii_lowercase)
        && b.last()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && !s.contains("--")
}

fn alnum_hyphen_alnum_ends(s: &str) -> bool {
    let b = s.as_bytes();
    b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

fn apim_service(s: &str) -> bool {
    let b = s.as_bytes();
    b.first().is_some_and(u8::is_ascii_alphabetic)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

fn resource_group(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '(' | ')'))
        && !s.ends_with('.')
}

fn no_chars(s: &str, bad: &str) -> bool {
    !s.chars().any(|c| c.is_control() || bad.contains(c)) && !s.ends_with(' ') && !s.ends_with('.')
}

fn insights_component(s: &str) -> bool {
    no_chars(s, "%&\\?/")
}

fn insights_rule(s: &str) -> bool {
    no_chars(s, "*#&+:<>?@%{}\\/")
}

fn apim_child(s: &str) -> bool {
    !s.chars().any(|c| c.is_control() || "*#&+:<>?/".contains(c))
}

fn apim_diagnostic(s: &str) -> bool {
    ["applicationinsights", "azuremonitor", "local"]
        .iter()
        .any(|n| n.eq_ignore_ascii_case(s))
}

const RULES: &[Rule] = &[
    Rule {
        arm_type: "Microsoft.Resources/resourceGroups",
        min: 1,
        max: 90,
        check: resource_group,
        says: "Resource group names may contain letters, digits, underscores, hyphens, periods and parentheses, and may not end in a period",
    },
    Rule {
        arm_type: "Microsoft.OperationalInsights/workspaces",
        min: 4,
        max: 63,
        check: alnum_hyphen_alnum_ends,
        says: "Workspace names may contain only letters, digits and hyphens, and must start and end with a letter or digit",
    },
    Rule {
        arm_type: "Microsoft.Insights/components",
        min: 1,
        max: 260,
        check: insights_component,
        says: "Component names may not contain %&\\?/ or control characters, nor end with a space or period",
    },
    Rule {
        arm_type: "Microsoft.Insights/actionGroups",
        min: 1,
        max: 260,
        check: insights_rule,
        says: "Action group names may not contain *#&+:<>?@%{}\\/ or control characters, nor end with a space or period",
    },
    Rule {
        arm_type: "Microsoft.Insights/metricAlerts",
        min: 1,
        max: 260,
        check: insights_rule,
        says: "Metric alert names may not contain *#&+:<>?@%{}\\/ or control characters, nor end with a space or period",
    },
    Rule {
        arm_type: "Microsoft.App/managedEnvironments",
        min: 2,
        max: 60,
        check: lower_alnum_hyphen_letter_first,
        says: "A managed environment name must consist of lower case alphanumeric characters or '-', start with a letter, end with an alphanumeric character and cannot have '--'",
    },
    Rule {
        arm_type: "Microsoft.App/containerApps",
        min: 2,
        max: 32,
        check: lower_alnum_hyphen_letter_first,
        says: "A container app name must consist of lower case alphanumeric characters or '-', start with a letter, end with an alphanumeric character and cannot have '--'",
    },
    Rule {
        arm_type: "Microsoft.ApiManagement/service",
        min: 1,
        max: 50,
        check: apim_service,
        says: "An API Management service name may contain only letters, digits and hyphens, must start with a letter and end with a letter or digit",
    },
    Rule {
        arm_type: "Microsoft.ApiManagement/service/loggers",
        min: 1,
        max: 256,
        check: apim_child,
        says: "A logger id may not contain *#&+:<>?/",
    },
    Rule {
        arm_type: "Microsoft.ApiManagement/service/diagnostics",
        min: 1,
        max: 256,
        check: apim_diagnostic,
        says: "A service-level diagnostic must be named applicationinsights, azuremonitor or local",
    },
];

/// Check a resource name against its type's rule; types without a rule accept any name.
pub fn check(arm_type: &str, name: &str) -> Result<(), ArmError> {
    let Some(rule) = RULES
        .iter()
        .find(|r| r.arm_type.eq_ignore_ascii_case(arm_type))
    else {
        return Ok(());
    };
    let len = name.chars().count();
    if len >= rule.min && len <= rule.max && (rule.check)(name) {
        return Ok(());
    }
    let code = if rule.arm_type == "Microsoft.Resources/resourceGroups" {
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
