//! The ARM type of a resource id (`Microsoft.ApiManagement/service/loggers` from
//! `/subscriptions/../providers/Microsoft.ApiManagement/service/a/loggers/b`), used to pick
//! the per-type operation limit and to name resources in messages.

/// The ARM resource type an id addresses. A trailing action segment (`/listSecrets`) and a
/// query string are ignored.
pub fn arm_type_of(id: &str) -> String {
    let path = id.split('?').next().unwrap_or(id);
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if let Some(p) = segs
        .iter()
        .rposition(|s| s.eq_ignore_ascii_case("providers"))
        .filter(|p| p + 1 < segs.len())
    {
        let namespace = segs[p + 1];
        let types: Vec<&str> = segs[p + 2..].iter().step_by(2).copied().collect();
        let types = if segs[p + 2..].len() % 2 == 1 {
            // `.../type/name/action`: the last "type" is an action.
            &types[..types.len().saturating_sub(1)]
        } else {
            &types[..]
        };
        if types.is_empty() {
            return namespace.to_string();
        }
        return format!("{namespace}/{}", types.join("/"));
    }
    match segs.len() {
        0..=2 => "Microsoft.Resources/subscriptions".to_string(),
        _ => "Microsoft.Resources/resourceGroups".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_of_ids() {
        let rg = "/subscriptions/s/resourceGroups/rg";
        assert_eq!(arm_type_of(rg), "Microsoft.Resources/resourceGroups");
        assert_eq!(
            arm_type_of(&format!("{rg}/providers/Microsoft.ApiManagement/service/a")),
            "Microsoft.ApiManagement/service"
        );
        assert_eq!(
            arm_type_of(&format!(
                "{rg}/providers/Microsoft.ApiManagement/service/a/loggers/b?x=1"
            )),
            "Microsoft.ApiManagement/service/loggers"
        );
        assert_eq!(
            arm_type_of(&format!(
                "{rg}/providers/Microsoft.App/containerApps/x/listSecrets"
            )),
            "Microsoft.App/containerApps"
        );
        assert_eq!(
            arm_type_of(
                "/subscriptions/s/providers/Microsoft.ApiManagement/locations/eastus/deletedservices/n"
            ),
            "Microsoft.ApiManagement/locations/deletedservices"
        );
        assert_eq!(
            arm_type_of("/subscriptions/s"),
            "Microsoft.Resources/subscriptions"
        );
    }
}
