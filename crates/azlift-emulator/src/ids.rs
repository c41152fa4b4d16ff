//! ARM paths: which endpoint a request path names, compared case-insensitively as ARM does.

use percent_encoding::percent_decode_str;

/// A resource under a resource group: `/subscriptions/{sub}/resourceGroups/{rg}/providers/
/// {ns}/{type}/{name}[/{childType}/{childName}]...`, possibly followed by `/{action}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePath {
    pub subscription: String,
    pub resource_group: String,
    pub namespace: String,
    /// Type segments (`service`, `loggers`).
    pub types: Vec<String>,
    /// Name segments, one per type segment.
    pub names: Vec<String>,
    /// A trailing POST action (`listSecrets`), if any.
    pub action: Option<String>,
    /// For an extension resource (`{scope}/providers/{ns}/{type}/{name}`, e.g. a role
    /// assignment on a container app): the id of the resource it extends, as sent.
    pub scope: Option<String>,
}

impl ResourcePath {
    /// `Namespace/type[/childType]` as the client wrote it.
    pub fn arm_type(&self) -> String {
        let mut t = self.namespace.clone();
        for s in &self.types {
            t.push('/');
            t.push_str(s);
        }
        t
    }

    pub fn name(&self) -> &str {
        self.names.last().map(String::as_str).unwrap_or_default()
    }

    pub fn is_nested(&self) -> bool {
        self.types.len() > 1
    }

    /// The id built with the given type casing (`Namespace/type/child` as registered).
    pub fn id_with_type(&self, rg_name: &str, canonical_type: &str) -> String {
        let mut segs = canonical_type.split('/');
        let ns = segs.next().unwrap_or(&self.namespace).to_string();
        let tys: Vec<&str> = segs.collect();
        let base = match &self.scope {
            Some(scope) => scope.clone(),
            None => group_id(&self.subscription, rg_name),
        };
        let mut id = format!("{base}/providers/{ns}");
        for (i, n) in self.names.iter().enumerate() {
            let t = tys.get(i).copied().unwrap_or(self.types[i].as_str());
            id.push('/');
            id.push_str(t);
            id.push('/');
            id.push_str(n);
        }
        id
    }

    /// The parent's id (for nested resources), in the same casing as `id`.
    pub fn parent_of(id: &str) -> Option<String> {
        let mut parts: Vec<&str> = id.split('/').collect();
        if parts.len() < 2 {
            return None;
        }
        parts.truncate(parts.len() - 2);
        Some(parts.join("/"))
    }
}

/// `/subscriptions/{sub}/resourceGroups/{rg}`.
pub fn group_id(sub: &str, rg: &str) -> String {
    format!("/subscriptions/{sub}/resourceGroups/{rg}")
}

/// The lower-case key of an id.
pub fn key(id: &str) -> String {
    id.trim_end_matches('/').to_ascii_lowercase()
}

/// Which endpoint a path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `POST /{tenant}/oauth2/v2.0/token` (and the v1 `/{tenant}/oauth2/token`).
    Token {
        tenant: String,
    },
    /// `GET /{tenant}/v2.0/.well-known/openid-configuration`
    OpenIdConfiguration {
        tenant: String,
    },
    /// `GET /common/discovery/instance`
    InstanceDiscovery,
    /// `/_emulator/...`
    Admin(String),
    /// `GET /subscriptions`
    Subscriptions,
    /// `GET /tenants`
    Tenants,
    /// `GET /metadata/endpoints` (anonymous: the cloud's endpoints, for `az cloud register`)
    Metadata,
    Subscription {
        sub: String,
    },
    /// `GET /subscriptions/{sub}/providers`
    Providers {
        sub: String,
    },
    /// `GET /subscriptions/{sub}/providers/{ns}`
    Provider {
        sub: String,
        ns: String,
    },
    /// `GET /subscriptions/{sub}/resources` (with `$filter`)
    SubscriptionResources {
        sub: String,
    },
    ResourceGroups {
        sub: String,
    },
    ResourceGroup {
        sub: String,
        rg: String,
    },
    GroupResources {
        sub: String,
        rg: String,
    },
    /// `GET /subscriptions/{sub}[/resourceGroups/{rg}]/providers/{ns}/{type}`: list by type.
    TypeCollection {
        sub: String,
        rg: Option<String>,
        arm_type: String,
    },
    Resource(ResourcePath),
    /// `.../operationStatuses/{id}` (Azure-AsyncOperation)
    OperationStatus {
        id: String,
    },
    /// `.../operationResults/{id}` (Location)
    OperationResult {
        id: String,
    },
    /// `/subscriptions/{sub}/providers/Microsoft.ApiManagement/locations/{loc}/deletedservices/{name}`
    DeletedApimService {
        sub: String,
        location: String,
        name: String,
    },
    /// `/subscriptions/{sub}/providers/Microsoft.ApiManagement/deletedservices`
    DeletedApimServices {
        sub: String,
    },
    /// `/subscriptions/{sub}[/resourceGroups/{rg}]/providers/Microsoft.OperationalInsights/deletedWorkspaces`
    DeletedWorkspaces {
        sub: String,
        rg: Option<String>,
    },
    Unknown,
}

impl Route {
    /// The subscription id the route names, if any.
    pub fn subscription(&self) -> Option<&str> {
        match self {
            Route::Subscription { sub }
            | Route::Providers { sub }
            | Route::Provider { sub, .. }
            | Route::SubscriptionResources { sub }
            | Route::ResourceGroups { sub }
            | Route::ResourceGroup { sub, .. }
            | Route::GroupResources { sub, .. }
            | Route::TypeCollection { sub, .. }
            | Route::DeletedApimService { sub, .. }
            | Route::DeletedApimServices { sub }
            | Route::DeletedWorkspaces { sub, .. } => Some(sub),
            Route::Resource(p) => Some(&p.subscription),
            _ => None,
        }
    }
}

/// Characters ARM refuses in any resource or group name (after percent-decoding: a `%2F`
/// that decodes to `/` is refused, not taken as a path separator).
const NAME_FORBIDDEN: &str = "/\\%?#<>*&:";

/// Why a name segment of a request path is not a name ARM accepts: control characters,
/// `/ \ % ? # < > * & :`, or a `.`/`..` segment.
pub fn bad_name(name: &str) -> Option<String> {
    if name == "." || name == ".." {
        return Some(format!("The resource name '{name}' is invalid."));
    }
    let bad = name
        .chars()
        .find(|c| c.is_control() || NAME_FORBIDDEN.contains(*c))?;
    Some(format!(
        "The resource name '{}' has the invalid character '{}'.",
        name.escape_default(),
        bad.escape_default()
    ))
}

impl Route {
    /// The first name in the route that ARM would refuse, with the error code and message
    /// (`InvalidResourceGroup` for a group, `InvalidResourceName` otherwise).
    pub fn invalid_name(&self) -> Option<(&'static str, String)> {
        match self {
            Route::ResourceGroup { rg, .. } | Route::GroupResources { rg, .. } => {
                bad_name(rg).map(|m| ("InvalidResourceGroup", m))
            }
            Route::TypeCollection { rg: Some(rg), .. } => {
                bad_name(rg).map(|m| ("InvalidResourceGroup", m))
            }
            Route::Resource(p) => bad_name(&p.resource_group)
                .map(|m| ("InvalidResourceGroup", m))
                .or_else(|| {
                    p.names
                        .iter()
                        .chain(p.types.iter())
                        .chain(std::iter::once(&p.namespace))
                        .find_map(|n| bad_name(n))
                        .map(|m| ("InvalidResourceName", m))
                }),
            _ => None,
        }
    }
}

fn decode(seg: &str) -> String {
    percent_decode_str(seg).decode_utf8_lossy().into_owned()
}

fn eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Parse a request path (without the query).
pub fn route(path: &str) -> Route {
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(decode)
        .collect();
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    if s.is_empty() {
        return Route::Unknown;
    }
    if eq(s[0], "_emulator") {
        return Route::Admin(s[1..].join("/").to_ascii_lowercase());
    }
    if !eq(s[0], "subscriptions") {
        return match s.as_slice() {
            [tenant, o, v, t] if eq(o, "oauth2") && eq(v, "v2.0") && eq(t, "token") => {
                Route::Token {
                    tenant: tenant.to_string(),
                }
            }
            [tenant, o, t] if eq(o, "oauth2") && eq(t, "token") => Route::Token {
                tenant: tenant.to_string(),
            },
            [tenant, v, w, o]
                if eq(v, "v2.0") && eq(w, ".well-known") && eq(o, "openid-configuration") =>
            {
                Route::OpenIdConfiguration {
                    tenant: tenant.to_string(),
                }
            }
            [c, d, i] if eq(c, "common") && eq(d, "discovery") && eq(i, "instance") => {
                Route::InstanceDiscovery
            }
            [t] if eq(t, "tenants") => Route::Tenants,
            [m, e] if eq(m, "metadata") && eq(e, "endpoints") => Route::Metadata,
            _ => Route::Unknown,
        };
    }
    if s.len() < 2 {
        return Route::Subscriptions;
    }
    let sub = s[1].to_string();
    let rest = &s[2..];
    match rest {
        [] => Route::Subscription { sub },
        [p] if eq(p, "providers") => Route::Providers { sub },
        [r] if eq(r, "resources") => Route::SubscriptionResources { sub },
        [rgs] if eq(rgs, "resourcegroups") => Route::ResourceGroups { sub },
        [rgs, rg] if eq(rgs, "resourcegroups") => Route::ResourceGroup {
            sub,
            rg: rg.to_string(),
        },
        [rgs, rg, r] if eq(rgs, "resourcegroups") && eq(r, "resources") => Route::GroupResources {
            sub,
            rg: rg.to_string(),
        },
        [ops, id] if eq(ops, "operationresults") => Route::OperationResult { id: id.to_string() },
        [ops, id] if eq(ops, "operationstatuses") => Route::OperationStatus { id: id.to_string() },
        [p, ns, tail @ ..] if eq(p, "providers") => subscription_provider(sub, ns, tail),
        [rgs, rg, p, ns, tail @ ..] if eq(rgs, "resourcegroups") && eq(p, "providers") => {
            group_provider(sub, rg, ns, tail)
        }
        _ => Route::Unknown,
    }
}

fn subscription_provider(sub: String, ns: &str, tail: &[&str]) -> Route {
    match tail {
        [] => Route::Provider {
            sub,
            ns: ns.to_string(),
        },
        [l, _loc, o, id] if eq(l, "locations") && eq(o, "operationstatuses") => {
            Route::OperationStatus { id: id.to_string() }
        }
        [l, _loc, o, id] if eq(l, "locations") && eq(o, "operationresults") => {
            Route::OperationResult { id: id.to_string() }
        }
        [l, loc, d, name]
            if eq(ns, "Microsoft.ApiManagement")
                && eq(l, "locations")
                && eq(d, "deletedservices") =>
        {
            Route::DeletedApimService {
                sub,
                location: loc.to_string(),
                name: name.to_string(),
            }
        }
        [d] if eq(ns, "Microsoft.ApiManagement") && eq(d, "deletedservices") => {
            Route::DeletedApimServices { sub }
        }
        [d] if eq(ns, "Microsoft.OperationalInsights") && eq(d, "deletedworkspaces") => {
            Route::DeletedWorkspaces { sub, rg: None }
        }
        [t] => Route::TypeCollection {
            sub,
            rg: None,
            arm_type: format!("{ns}/{t}"),
        },
        _ => Route::Unknown,
    }
}

fn group_provider(sub: String, rg: &str, ns: &str, tail: &[&str]) -> Route {
    if tail.is_empty() {
        return Route::Unknown;
    }
    if let [d] = tail {
        if eq(ns, "Microsoft.OperationalInsights") && eq(d, "deletedworkspaces") {
            return Route::DeletedWorkspaces {
                sub,
                rg: Some(rg.to_string()),
            };
        }
        return Route::TypeCollection {
            sub,
            rg: Some(rg.to_string()),
            arm_type: format!("{ns}/{d}"),
        };
    }
    // An extension resource: `.../{type}/{name}/providers/{ns2}/{type2}/{name2}`.
    if let Some(at) = (2..tail.len())
        .step_by(2)
        .find(|&i| eq(tail[i], "providers"))
    {
        let scope = format!(
            "{}/providers/{ns}/{}",
            group_id(&sub, rg),
            tail[..at].join("/")
        );
        let (Some(ns2), rest) = (tail.get(at + 1), tail.get(at + 2..).unwrap_or_default()) else {
            return Route::Unknown;
        };
        if rest.len() < 2 {
            return Route::Unknown;
        }
        return match group_provider(sub, rg, ns2, rest) {
            Route::Resource(mut p) => {
                p.scope = Some(scope);
                Route::Resource(p)
            }
            _ => Route::Unknown,
        };
    }
    let mut types = Vec::new();
    let mut names = Vec::new();
    let mut i = 0;
    while i + 1 < tail.len() {
        types.push(tail[i].to_string());
        names.push(tail[i + 1].to_string());
        i += 2;
    }
    let action = (i < tail.len()).then(|| tail[i].to_string());
    Route::Resource(ResourcePath {
        subscription: sub,
        resource_group: rg.to_string(),
        namespace: ns.to_string(),
        types,
        names,
        action,
        scope: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_case_insensitive() {
        assert_eq!(
            route("/SUBSCRIPTIONS/s1/ResourceGroups/rg1"),
            Route::ResourceGroup {
                sub: "s1".into(),
                rg: "rg1".into()
            }
        );
        let Route::Resource(p) = route(
            "/subscriptions/s/resourcegroups/r/PROVIDERS/Microsoft.ApiManagement/service/a1/loggers/l1",
        ) else {
            panic!("not a resource")
        };
        assert_eq!(p.arm_type(), "Microsoft.ApiManagement/service/loggers");
        assert_eq!(p.name(), "l1");
        assert!(p.action.is_none());
        assert_eq!(
            p.id_with_type("R", "Microsoft.ApiManagement/service/loggers"),
            "/subscriptions/s/resourceGroups/R/providers/Microsoft.ApiManagement/service/a1/loggers/l1"
        );
    }

    #[test]
    fn encoded_separators_and_dot_segments_are_invalid_names() {
        for path in [
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Foo/bars/a%2Fb",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Foo/bars/..",
            "/subscriptions/s/resourceGroups/../providers/Microsoft.Foo/bars/x",
            "/subscriptions/s/resourceGroups/rg%2F..",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Foo/bars/a%00b",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Foo/bars/a%252Fb",
        ] {
            assert!(route(path).invalid_name().is_some(), "{path}");
        }
        assert!(
            route("/subscriptions/s/resourceGroups/rg-x.y/providers/Microsoft.Foo/bars/a-b_c.d")
                .invalid_name()
                .is_none()
        );
    }

    #[test]
    fn actions_and_special_endpoints() {
        let Route::Resource(p) = route(
            "/subscriptions/s/resourceGroups/r/providers/Microsoft.App/containerApps/a/listSecrets",
        ) else {
            panic!()
        };
        assert_eq!(p.action.as_deref(), Some("listSecrets"));
        assert!(matches!(
            route(
                "/subscriptions/s/providers/Microsoft.ApiManagement/locations/eastus/deletedservices/x"
            ),
            Route::DeletedApimService { .. }
        ));
        assert!(matches!(
            route("/subscriptions/s/providers/Microsoft.OperationalInsights/deletedWorkspaces"),
            Route::DeletedWorkspaces { rg: None, .. }
        ));
        assert!(matches!(
            route("/tenant1/oauth2/v2.0/token"),
            Route::Token { .. }
        ));
        assert!(matches!(
            route(
                "/subscriptions/s/providers/Microsoft.App/locations/eastus/operationStatuses/abc"
            ),
            Route::OperationStatus { .. }
        ));
        assert_eq!(ResourcePath::parent_of("/a/b/c/d").as_deref(), Some("/a/b"));
    }

    #[test]
    fn extension_resources_keep_their_scope() {
        let Route::Resource(p) = route(
            "/subscriptions/s/resourceGroups/r/providers/Microsoft.App/containerApps/a/providers/Microsoft.Authorization/roleAssignments/g1",
        ) else {
            panic!("an extension resource")
        };
        assert_eq!(p.arm_type(), "Microsoft.Authorization/roleAssignments");
        assert_eq!(
            p.scope.as_deref(),
            Some("/subscriptions/s/resourceGroups/r/providers/Microsoft.App/containerApps/a")
        );
        assert_eq!(
            p.id_with_type("R", "Microsoft.Authorization/roleAssignments"),
            "/subscriptions/s/resourceGroups/r/providers/Microsoft.App/containerApps/a/providers/Microsoft.Authorization/roleAssignments/g1"
        );
        assert!(!p.is_nested());
        let Route::Resource(p) = route(
            "/subscriptions/s/resourceGroups/r/providers/Microsoft.ApiManagement/service/a/loggers/l/providers/Microsoft.Insights/diagnosticSettings/d/listThings",
        ) else {
            panic!("an extension resource on a child")
        };
        assert_eq!(p.arm_type(), "Microsoft.Insights/diagnosticSettings");
        assert_eq!(p.action.as_deref(), Some("listThings"));
        assert!(p.scope.is_some_and(|s| s.ends_with("/loggers/l")));
    }
}
