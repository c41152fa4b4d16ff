//! The ARM type named by a resource id, for `state import`.

/// `Microsoft.App/containerApps` for
/// `/subscriptions/S/resourceGroups/G/providers/Microsoft.App/containerApps/N`, child types
/// joined (`Microsoft.ApiManagement/service/loggers`), `Microsoft.Resources/resourceGroups`
/// for a group's id. `None` for anything else (subscriptions, extension resources, junk).
pub fn arm_type_of_id(id: &str) -> Option<String> {
    let segs: Vec<&str> = id.trim_matches('/').split('/').collect();
    if segs.len() < 4
        || !segs[0].eq_ignore_ascii_case("subscriptions")
        || !segs[2].eq_ignore_ascii_case("resourceGroups")
        || segs.iter().any(|s| s.is_empty())
    {
        return None;
    }
    if segs.len() == 4 {
        return Some("Microsoft.Resources/resourceGroups".to_string());
    }
    if !segs[4].eq_ignore_ascii_case("providers") || segs.len() < 8 {
        return None;
    }
    let namespace = segs[5];
    let rest = &segs[6..];
    if rest.len() % 2 != 0 || rest.iter().any(|s| s.eq_ignore_ascii_case("providers")) {
        return None;
    }
    let types: Vec<&str> = rest.iter().step_by(2).copied().collect();
    Some(format!("{namespace}/{}", types.join("/")))
}

#[cfg(test)]
mod tests {
    use super::arm_type_of_id;

    #[test]
    fn types_of_ids() {
        let base = "/subscriptions/s/resourceGroups/g";
        assert_eq!(
            arm_type_of_id(base).as_deref(),
            Some("Microsoft.Resources/resourceGroups")
        );
        assert_eq!(
            arm_type_of_id(&format!("{base}/providers/Microsoft.App/containerApps/a")).as_deref(),
            Some("Microsoft.App/containerApps")
        );
        assert_eq!(
            arm_type_of_id(&format!(
                "{base}/providers/Microsoft.ApiManagement/service/s/loggers/l"
            ))
            .as_deref(),
            Some("Microsoft.ApiManagement/service/loggers")
        );
        assert_eq!(arm_type_of_id("/subscriptions/s"), None);
        assert_eq!(
            arm_type_of_id(&format!("{base}/providers/Microsoft.App/containerApps")),
            None
        );
        assert_eq!(arm_type_of_id("junk"), None);
    }
}
