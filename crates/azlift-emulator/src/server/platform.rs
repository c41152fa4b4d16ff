//! ARM's platform endpoints, which belong to no resource provider: subscriptions and tenants
//! (what `az login` lists), the anonymous cloud metadata (what `az cloud register` reads),
//! provider registrations (resource types, api-versions, locations: what `az resource show`
//! without `--api-version` reads), and the generic resource lists with `$filter`.

use axum::response::Response;
use serde_json::{Value, json};

use super::{App, Req, respond};
use crate::auth;
use crate::error::ArmError;
use crate::ids;
use crate::registry::{self, Where};
use crate::store::Record;

/// The subscription every emulator lists (azlift's `--local` subscription).
pub const EMULATOR_SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";
/// The tenant of callers whose token names none.
pub const EMULATOR_TENANT: &str = "11111111-1111-1111-1111-111111111111";

/// Who sent a request, read from the bearer token's claims (not verified here: the auth
/// check has already run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub tenant: String,
    /// The principal's object id (`oid`), else its app id, else the raw token's hash.
    pub principal: String,
}

pub fn caller(req: &Req) -> Caller {
    let token = req
        .header("authorization")
        .and_then(|h| h.split_once(' '))
        .map(|(_, t)| t.trim())
        .unwrap_or_default();
    let claims = auth::payload(token).unwrap_or(Value::Null);
    let claim = |k: &str| {
        claims
            .get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    Caller {
        tenant: claim("tid").unwrap_or_else(|| EMULATOR_TENANT.to_string()),
        principal: claim("oid")
            .or_else(|| claim("appid"))
            .unwrap_or_else(|| hex::encode(&auth::hmac_sha256(b"caller", token.as_bytes())[..8])),
    }
}

/// 400 `InvalidSubscriptionId` for an id that is not a GUID, as ARM answers.
pub fn check_subscription(sub: &str) -> Result<(), ArmError> {
    if registry::valid_subscription_id(sub) {
        Ok(())
    } else {
        Err(ArmError::bad_request(
            "InvalidSubscriptionId",
            format!("The provided subscription identifier '{sub}' is malformed or invalid."),
        ))
    }
}

/// `GET /metadata/endpoints`: this cloud's endpoints in the shape of ARM's current metadata
/// (api-version 2022-09-01): login and ARM are the emulator itself.
pub fn metadata(app: &App) -> Response {
    let b = &app.base_url;
    respond::json(
        200,
        &json!({
            "portal": "https://portal.azure.com",
            "authentication": {
                "loginEndpoint": format!("{b}/"),
                "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
                "tenant": "common",
                "identityProvider": "AAD",
            },
            "media": "https://rest.media.azure.net",
            "graphAudience": "https://graph.windows.net/",
            "graph": "https://graph.windows.net/",
            "name": "AzliftEmulator",
            "suffixes": {
                "azureDataLakeStoreFileSystem": "azuredatalakestore.net",
                "acrLoginServer": "azurecr.io",
                "sqlServerHostname": "database.windows.net",
                "azureDataLakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
                "keyVaultDns": "vault.azure.net",
                "storage": "core.windows.net",
                "azureFrontDoorEndpointSuffix": "azurefd.net",
                "storageSyncEndpointSuffix": "afs.azure.net",
                "mhsmDns": "managedhsm.azure.net",
                "mysqlServerEndpoint": "mysql.database.azure.com",
                "postgresqlServerEndpoint": "postgres.database.azure.com",
                "mariadbServerEndpoint": "mariadb.database.azure.com",
                "synapseAnalytics": "dev.azuresynapse.net",
                "attestationEndpoint": "attest.azure.net",
            },
            "batch": "https://batch.core.windows.net/",
            "resourceManager": format!("{b}/"),
            "vmImageAliasDoc": format!("{b}/metadata/vm-image-aliases"),
            "activeDirectoryDataLake": "https://datalake.azure.net/",
            "sqlManagement": "https://management.core.windows.net:8443/",
            "microsoftGraphResourceId": "https://graph.microsoft.com/",
            "appInsightsResourceId": "https://api.applicationinsights.io",
            "appInsightsTelemetryChannelResourceId": "https://dc.applicationinsights.azure.com/v2/track",
            "attestationResourceId": "https://attest.azure.net",
            "synapseAnalyticsResourceId": "https://dev.azuresynapse.net",
            "logAnalyticsResourceId": "https://api.loganalytics.io",
            "ossrDbmsResourceId": "https://ossrdbms-aad.database.windows.net",
        }),
    )
}

fn subscription_json(sub: &str, tenant: &str) -> Value {
    json!({
        "id": format!("/subscriptions/{sub}"),
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "subscriptionId": sub,
        "tenantId": tenant,
        "displayName": "azlift emulator",
        "state": "Enabled",
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01",
            "quotaId": "PayAsYouGo_2014-09-01",
            "spendingLimit": "Off",
        },
    })
}

/// `GET /subscriptions/{sub}`.
pub fn subscription(req: &Req, sub: &str) -> Response {
    respond::json(200, &subscription_json(sub, &caller(req).tenant))
}

/// `GET /subscriptions`: the emulator's subscription and every subscription that holds
/// resources, all in the caller's tenant.
pub fn subscriptions(app: &App, req: &Req) -> Response {
    let tenant = caller(req).tenant;
    let mut subs: Vec<String> = vec![EMULATOR_SUBSCRIPTION.to_string()];
    for r in app.cloud().resources.values() {
        if let Some(s) = r.id.split('/').nth(2)
            && !subs.iter().any(|x| x.eq_ignore_ascii_case(s))
        {
            subs.push(s.to_string());
        }
    }
    let value: Vec<Value> = subs.iter().map(|s| subscription_json(s, &tenant)).collect();
    respond::json(
        200,
        &json!({ "count": {"type": "Total", "value": value.len()}, "value": value }),
    )
}

/// `GET /tenants`: the caller's tenant.
pub fn tenants(req: &Req) -> Response {
    let t = caller(req).tenant;
    respond::json(
        200,
        &json!({"value": [{
            "id": format!("/tenants/{t}"),
            "tenantId": t,
            "countryCode": "US",
            "displayName": "azlift emulator",
            "domains": ["azlift.example"],
            "tenantCategory": "Home",
            "defaultDomain": "azlift.example",
            "tenantType": "AAD",
        }]}),
    )
}

fn provider_json(sub: &str, ns: &str, types: Vec<Value>) -> Value {
    json!({
        "id": format!("/subscriptions/{sub}/providers/{ns}"),
        "namespace": ns,
        "registrationState": "Registered",
        "registrationPolicy": "RegistrationRequired",
        "resourceTypes": types,
    })
}

fn type_json(t: &registry::RegisteredType) -> Value {
    let (_, rt) = t.arm_type.split_once('/').unwrap_or(("", t.arm_type));
    let locations: Vec<&str> = match t.locations {
        Where::Regions => registry::REGIONS.iter().map(|r| r.display).collect(),
        Where::Global => vec!["Global"],
        Where::None => vec![],
    };
    json!({
        "resourceType": rt,
        "locations": locations,
        "apiVersions": t.api_versions,
        "capabilities": if t.locations == Where::None { "None" } else { "SupportsTags, SupportsLocation" },
    })
}

/// Types of `ns` the registry does not know, as the stored resources show them (their
/// api-version is the one they were written with).
fn stored_types(app: &App, ns: &str) -> Vec<Value> {
    let mut seen: Vec<(String, String)> = Vec::new();
    for r in app.cloud().resources.values() {
        let Some((n, rt)) = r.arm_type.split_once('/') else {
            continue;
        };
        if n.eq_ignore_ascii_case(ns)
            && registry::registered(&r.arm_type).is_none()
            && !seen.iter().any(|(t, _)| t.eq_ignore_ascii_case(rt))
        {
            seen.push((rt.to_string(), r.api_version.clone()));
        }
    }
    seen.into_iter()
        .map(|(rt, v)| {
            json!({
                "resourceType": rt,
                "locations": registry::REGIONS.iter().map(|r| r.display).collect::<Vec<_>>(),
                "apiVersions": [v],
                "capabilities": "SupportsTags, SupportsLocation",
            })
        })
        .collect()
}

/// `GET /subscriptions/{sub}/providers/{ns}`: registered types, their api-versions (newest
/// first) and locations; a namespace the registry does not know shows the types stored
/// under it, and one with none is 404 as in ARM.
pub fn provider(app: &App, sub: &str, ns: &str) -> Result<Response, ArmError> {
    let canonical = registry::namespace(ns);
    let mut types: Vec<Value> = registry::types_of(ns).map(type_json).collect();
    types.extend(stored_types(app, ns));
    if canonical.is_none() && types.is_empty() {
        return Err(ArmError::not_found(
            "InvalidResourceNamespace",
            format!("The resource namespace '{ns}' is invalid."),
        ));
    }
    Ok(respond::json(
        200,
        &provider_json(sub, canonical.unwrap_or(ns), types),
    ))
}

/// `GET /subscriptions/{sub}/providers`: every registered namespace.
pub fn providers(sub: &str) -> Response {
    let mut namespaces: Vec<&str> = Vec::new();
    for t in registry::TYPES {
        if let Some((n, _)) = t.arm_type.split_once('/')
            && !namespaces.contains(&n)
        {
            namespaces.push(n);
        }
    }
    let value: Vec<Value> = namespaces
        .iter()
        .map(|n| provider_json(sub, n, registry::types_of(n).map(type_json).collect()))
        .collect();
    respond::json(200, &json!({ "value": value }))
}

// ---------------------------------------------------------------- resource lists

/// One clause of an OData `$filter` as ARM's resource list accepts it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Clause {
    /// `field eq 'value'` (case-insensitive).
    Eq(String, String),
    /// `substringof('value', field)`.
    Contains(String, String),
}

fn filter_error(filter: &str, why: &str) -> ArmError {
    ArmError::bad_request(
        "InvalidFilterInQueryString",
        format!("The $filter '{filter}' is invalid: {why}."),
    )
}

/// A quoted OData string at the start of `s` (`'it''s'`): the value and the rest.
fn quoted(s: &str) -> Option<(String, &str)> {
    let s = s.trim_start().strip_prefix('\'')?;
    let mut out = String::new();
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\'' {
            if chars.peek().map(|(_, c)| *c) == Some('\'') {
                out.push('\'');
                chars.next();
            } else {
                return Some((out, &s[i + 1..]));
            }
        } else {
            out.push(c);
        }
    }
    None
}

const FIELDS: &[&str] = &[
    "resourceType",
    "name",
    "location",
    "resourceGroup",
    "tagName",
    "tagValue",
];

fn field(s: &str) -> Option<String> {
    FIELDS
        .iter()
        .find(|f| f.eq_ignore_ascii_case(s.trim()))
        .map(|f| f.to_string())
}

/// Parse `clause [and clause]...`.
fn parse_filter(filter: &str) -> Result<Vec<Clause>, ArmError> {
    let mut clauses = Vec::new();
    let mut rest = filter.trim();
    loop {
        let lower = rest.to_ascii_lowercase();
        if lower.starts_with("substringof(") {
            let (value, after) = quoted(&rest["substringof(".len()..])
                .ok_or_else(|| filter_error(filter, "substringof needs a quoted value"))?;
            let after = after
                .trim_start()
                .strip_prefix(',')
                .ok_or_else(|| filter_error(filter, "substringof takes two arguments"))?;
            let close = after
                .find(')')
                .ok_or_else(|| filter_error(filter, "unclosed substringof"))?;
            let f = field(&after[..close])
                .ok_or_else(|| filter_error(filter, "unknown property in substringof"))?;
            clauses.push(Clause::Contains(f, value));
            rest = after[close + 1..].trim_start();
        } else {
            let (name, after) = rest
                .split_once(char::is_whitespace)
                .ok_or_else(|| filter_error(filter, "expected `property eq 'value'`"))?;
            let f = field(name).ok_or_else(|| {
                filter_error(
                    filter,
                    &format!(
                        "unknown property '{name}' (supported: {})",
                        FIELDS.join(", ")
                    ),
                )
            })?;
            let after = after.trim_start();
            if !after.to_ascii_lowercase().starts_with("eq ") {
                return Err(filter_error(filter, "only the eq operator is supported"));
            }
            let (value, after) = quoted(&after[3..])
                .ok_or_else(|| filter_error(filter, "eq needs a quoted value"))?;
            clauses.push(Clause::Eq(f, value));
            rest = after.trim_start();
        }
        if rest.is_empty() {
            return Ok(clauses);
        }
        if !rest.to_ascii_lowercase().starts_with("and ") {
            return Err(filter_error(filter, "clauses are joined with `and`"));
        }
        rest = rest[4..].trim_start();
    }
}

/// The resource group segment of an id.
fn group_of(id: &str) -> &str {
    id.split('/').nth(4).unwrap_or_default()
}

fn matches(r: &Record, clauses: &[Clause]) -> bool {
    let name = r.id.rsplit('/').next().unwrap_or_default();
    let location = r
        .body
        .get("location")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let tags = r.body.get("tags").and_then(Value::as_object);
    let tag_name = clauses.iter().find_map(|c| match c {
        Clause::Eq(f, v) if f == "tagName" => Some(v.as_str()),
        _ => None,
    });
    let value_of = |f: &str| -> String {
        match f {
            "resourceType" => r.arm_type.clone(),
            "name" => name.to_string(),
            "location" => location.to_string(),
            "resourceGroup" => group_of(&r.id).to_string(),
            _ => String::new(),
        }
    };
    clauses.iter().all(|c| match c {
        Clause::Eq(f, v) if f == "tagName" => {
            tags.is_some_and(|t| t.keys().any(|k| k.eq_ignore_ascii_case(v)))
        }
        Clause::Eq(f, v) if f == "tagValue" => tags.is_some_and(|t| {
            t.iter().any(|(k, x)| {
                tag_name.is_none_or(|n| k.eq_ignore_ascii_case(n))
                    && x.as_str().is_some_and(|x| x == v)
            })
        }),
        Clause::Eq(f, v) if f == "location" => {
            super::arm::normalize_location(&value_of(f)) == super::arm::normalize_location(v)
        }
        Clause::Eq(f, v) => value_of(f).eq_ignore_ascii_case(v),
        Clause::Contains(f, v) => value_of(f)
            .to_ascii_lowercase()
            .contains(&v.to_ascii_lowercase()),
    })
}

/// ARM's generic shape of a resource in a list (`id, name, type, location, kind, sku,
/// tags, ...`), with the `$expand`ed extras.
fn generic(r: &Record, expand: &str) -> Value {
    let mut o = json!({ "id": r.id, "name": r.body.get("name"), "type": r.arm_type });
    for k in [
        "location",
        "kind",
        "sku",
        "tags",
        "managedBy",
        "identity",
        "plan",
    ] {
        if let Some(x) = r.body.get(k) {
            o[k] = x.clone();
        }
    }
    let expand = expand.to_ascii_lowercase();
    for (key, pointer) in [
        ("createdTime", "/systemData/createdAt"),
        ("changedTime", "/systemData/lastModifiedAt"),
        ("provisioningState", "/properties/provisioningState"),
    ] {
        if expand.contains(&key.to_ascii_lowercase()) {
            // Every resource has a provisioning state in ARM's list, `Succeeded` when the
            // provider keeps none.
            let fallback = (key == "provisioningState").then(|| json!("Succeeded"));
            if let Some(x) = r.body.pointer(pointer).cloned().or(fallback) {
                o[key] = x;
            }
        }
    }
    o
}

/// `GET /subscriptions/{sub}[/resourceGroups/{rg}]/resources[?$filter=...&$expand=...]`:
/// top-level resources in the generic shape.
pub fn list_resources(
    app: &App,
    sub: &str,
    rg: Option<&str>,
    req: &Req,
) -> Result<Response, ArmError> {
    let clauses = match req.query.get("$filter") {
        Some(f) if !f.trim().is_empty() => parse_filter(f)?,
        _ => Vec::new(),
    };
    let expand = req.query.get("$expand").cloned().unwrap_or_default();
    let mut cloud = app.cloud();
    if app.settle(&mut cloud) {
        app.commit(cloud);
        cloud = app.cloud();
    }
    let now = app.clock.now_ms();
    let prefix = match rg {
        Some(rg) => {
            let key = ids::key(&ids::group_id(sub, rg));
            if cloud.get(&key).is_none_or(|g| g.visible_at_ms > now) {
                return Err(ArmError::not_found(
                    "ResourceGroupNotFound",
                    format!("Resource group '{rg}' could not be found."),
                ));
            }
            format!("{key}/")
        }
        None => format!("/subscriptions/{}/", sub.to_ascii_lowercase()),
    };
    let value: Vec<Value> = cloud
        .resources
        .range(prefix.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
        .map(|(_, r)| r)
        .filter(|r| {
            r.visible_at_ms <= now
                && r.id.split('/').count() == 9
                && r.id
                    .split('/')
                    .nth(5)
                    .is_some_and(|p| p.eq_ignore_ascii_case("providers"))
                && matches(r, &clauses)
        })
        .map(|r| generic(r, &expand))
        .collect();
    Ok(respond::json(200, &json!({ "value": value })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_as_the_azure_cli_writes_them() {
        assert_eq!(
            parse_filter(
                "resourceGroup eq 'rg-1' and resourceType eq 'Microsoft.App/containerApps'"
            )
            .unwrap(),
            vec![
                Clause::Eq("resourceGroup".into(), "rg-1".into()),
                Clause::Eq("resourceType".into(), "Microsoft.App/containerApps".into()),
            ]
        );
        assert_eq!(
            parse_filter("tagName eq 'env' and tagValue eq 'it''s'").unwrap(),
            vec![
                Clause::Eq("tagName".into(), "env".into()),
                Clause::Eq("tagValue".into(), "it's".into()),
            ]
        );
        assert_eq!(
            parse_filter("substringof('api', name)").unwrap(),
            vec![Clause::Contains("name".into(), "api".into())]
        );
    }

    #[test]
    fn bad_filters_are_400_naming_the_problem() {
        for f in [
            "color eq 'red'",
            "name ne 'x'",
            "name eq x",
            "name eq 'x' or name eq 'y'",
            "substringof('x' name)",
        ] {
            let e = parse_filter(f).unwrap_err();
            assert_eq!(e.status, 400, "{f}");
            assert_eq!(e.code, "InvalidFilterInQueryString", "{f}");
        }
    }

    #[test]
    fn clauses_match_case_insensitively() {
        let r = Record {
            id: "/subscriptions/s/resourceGroups/RG-One/providers/Microsoft.Insights/components/ai"
                .into(),
            arm_type: "Microsoft.Insights/components".into(),
            api_version: "2020-02-02".into(),
            body: json!({"name": "ai", "location": "eastus", "tags": {"env": "prod"}}),
            visible_at_ms: 0,
            operation: None,
        };
        let f = |s: &str| parse_filter(s).unwrap();
        assert!(matches(&r, &f("resourcegroup eq 'rg-one'")));
        assert!(matches(
            &r,
            &f("resourceType eq 'microsoft.insights/components'")
        ));
        assert!(matches(&r, &f("location eq 'East US'")));
        assert!(matches(&r, &f("tagName eq 'env' and tagValue eq 'prod'")));
        assert!(!matches(&r, &f("tagName eq 'env' and tagValue eq 'dev'")));
        assert!(matches(&r, &f("substringof('A', name)")));
        assert!(!matches(&r, &f("name eq 'other'")));
    }

    #[test]
    fn subscription_ids_are_checked() {
        assert!(check_subscription(EMULATOR_SUBSCRIPTION).is_ok());
        let e = check_subscription("my-sub").unwrap_err();
        assert_eq!((e.status, e.code.as_str()), (400, "InvalidSubscriptionId"));
    }
}
