//! Identity is the ARM id: a resource whose id changed at the same address (a name, the
//! resource group, a parent's name) is another resource, so the plan replaces it — the new
//! one is created and the one state recorded is deleted — instead of creating the new one and
//! forgetting the old.

use crate::render::ids::ArmId;

/// Why `new` is not the resource `old` names, in words (`name changed: a -> b`); `None` when
/// both name the same resource (ARM ids compare without case).
pub fn identity_change(old: &str, new: &str) -> Option<String> {
    if old.eq_ignore_ascii_case(new) {
        return None;
    }
    let (Some(o), Some(n)) = (ArmId::parse(old), ArmId::parse(new)) else {
        return Some(format!("id changed: {old} -> {new}"));
    };
    if !o.subscription.eq_ignore_ascii_case(&n.subscription) {
        return Some(format!(
            "subscription changed: {} -> {}",
            o.subscription, n.subscription
        ));
    }
    let group = |g: &Option<String>| g.clone().unwrap_or_default();
    if !group(&o.resource_group).eq_ignore_ascii_case(&group(&n.resource_group)) {
        return Some(format!(
            "resource group changed: {} -> {}",
            group(&o.resource_group),
            group(&n.resource_group)
        ));
    }
    if !o.arm_type.eq_ignore_ascii_case(&n.arm_type) {
        return Some(format!("type changed: {} -> {}", o.arm_type, n.arm_type));
    }
    let last = n.names.len().saturating_sub(1);
    for (i, (a, b)) in o.names.iter().zip(&n.names).enumerate() {
        if !a.eq_ignore_ascii_case(b) {
            let what = if i == last || n.arm_type.contains("resourceGroups") {
                "name"
            } else {
                "parent name"
            };
            return Some(format!("{what} changed: {a} -> {b}"));
        }
    }
    Some(format!("id changed: {old} -> {new}"))
}

#[cfg(test)]
mod tests {
    use super::identity_change;

    const RG: &str = "/subscriptions/s/resourceGroups";

    #[test]
    fn the_same_id_in_another_case_is_the_same_resource() {
        let id = format!("{RG}/rg-a/providers/Microsoft.OperationalInsights/workspaces/logs");
        assert_eq!(identity_change(&id, &id.to_uppercase()), None);
    }

    #[test]
    fn each_part_of_an_id_names_its_change() {
        let ws = |g: &str, n: &str| {
            format!("{RG}/{g}/providers/Microsoft.OperationalInsights/workspaces/{n}")
        };
        assert_eq!(
            identity_change(&ws("rg", "blog08-prod-logs"), &ws("rg", "ops-logs")).as_deref(),
            Some("name changed: blog08-prod-logs -> ops-logs")
        );
        assert_eq!(
            identity_change(&ws("rg-a", "logs"), &ws("rg-b", "logs")).as_deref(),
            Some("resource group changed: rg-a -> rg-b")
        );
        assert_eq!(
            identity_change(&format!("{RG}/rg-a"), &format!("{RG}/rg-b")).as_deref(),
            Some("resource group changed: rg-a -> rg-b")
        );
        let logger = |s: &str| {
            format!("{RG}/rg/providers/Microsoft.ApiManagement/service/{s}/loggers/appinsights")
        };
        assert_eq!(
            identity_change(&logger("apim-a"), &logger("apim-b")).as_deref(),
            Some("parent name changed: apim-a -> apim-b")
        );
        assert_eq!(
            identity_change("garbage", &ws("rg", "logs")).as_deref(),
            Some(format!("id changed: garbage -> {}", ws("rg", "logs")).as_str())
        );
    }
}
