//! The identity side: the bearer check on ARM requests (401 as ARM answers it), and the
//! Entra ID endpoints a client-credentials flow uses: the v2.0 token endpoint, the OpenID
//! configuration and instance discovery (MSAL-based clients fetch the last two).

use axum::response::Response;
use serde_json::{Value, json};

use super::{App, Req, respond};
use crate::auth::{self, TOKEN_LIFETIME_SECS, TokenError};
use crate::clock::wall_ms;
use crate::error::ArmError;
use crate::ids::Route;

/// Issue a token as the token endpoint does.
pub fn issue(app: &App, tenant: &str, client_id: &str, scope: &str) -> String {
    let claims = auth::claims(tenant, client_id, scope, wall_ms() / 1000);
    auth::sign(&app.token_key, &claims)
}

fn unauthorized(app: &App, code: &str, message: &str, description: &str) -> Box<Response> {
    let mut r = respond::error(&ArmError::new(401, code, message));
    respond::header(
        &mut r,
        "www-authenticate",
        format!(
            "Bearer authorization_uri=\"{}/common\", error=\"invalid_token\", error_description=\"{description}\"",
            app.base_url
        ),
    );
    Box::new(r)
}

/// Accept the request's bearer token, or the 401 ARM would send.
pub fn check_bearer(app: &App, req: &Req) -> Result<(), Box<Response>> {
    let Some(h) = req.header("authorization") else {
        return Err(unauthorized(
            app,
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
            "The authentication failed because of missing 'Authorization' header.",
        ));
    };
    let token = match h.split_once(' ') {
        Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") && !t.trim().is_empty() => {
            t.trim()
        }
        _ => {
            return Err(unauthorized(
                app,
                "AuthenticationFailedInvalidHeader",
                "Authentication failed. The 'Authorization' header is provided in an invalid format.",
                "The authentication failed because of an invalid 'Authorization' header.",
            ));
        }
    };
    if !app.strict_auth {
        return Ok(());
    }
    let checked = auth::verify(&app.token_key, token, wall_ms() / 1000)
        .and_then(|claims| auth::check_arm_claims(&claims, &app.base_url));
    match checked {
        Ok(()) => Ok(()),
        Err(e @ TokenError::WrongAudience(_)) => Err(unauthorized(
            app,
            "InvalidAuthenticationTokenAudience",
            &e.to_string(),
            "The access token has been obtained for the wrong audience.",
        )),
        Err(e @ TokenError::WrongIssuer(_)) => Err(unauthorized(
            app,
            "InvalidAuthenticationTokenTenant",
            &e.to_string(),
            "The access token is from the wrong issuer.",
        )),
        Err(TokenError::Expired) => Err(unauthorized(
            app,
            "ExpiredAuthenticationToken",
            "The access token expiry UTC time is earlier than current UTC time.",
            "The access token has expired.",
        )),
        Err(e) => Err(unauthorized(
            app,
            "InvalidAuthenticationToken",
            &e.to_string(),
            "The access token is invalid.",
        )),
    }
}

fn aad_error(status: u16, error: &str, code: u32, description: &str) -> Response {
    respond::json(
        status,
        &json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {description}"),
            "error_codes": [code],
            "timestamp": crate::clock::rfc3339(wall_ms()),
            "trace_id": uuid::Uuid::new_v4().to_string(),
            "correlation_id": uuid::Uuid::new_v4().to_string(),
        }),
    )
}

/// Answer an identity endpoint.
pub fn handle(app: &App, route: &Route, req: &Req) -> Response {
    match route {
        Route::Token { tenant } if req.method == "POST" => token(app, tenant, req),
        Route::OpenIdConfiguration { tenant } => {
            let b = &app.base_url;
            respond::json(
                200,
                &json!({
                    "token_endpoint": format!("{b}/{tenant}/oauth2/v2.0/token"),
                    "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
                    "jwks_uri": format!("{b}/{tenant}/discovery/v2.0/keys"),
                    "response_modes_supported": ["query", "fragment", "form_post"],
                    "subject_types_supported": ["pairwise"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                    "scopes_supported": ["openid", "profile", "email", "offline_access"],
                    "issuer": format!("{b}/{tenant}/v2.0"),
                    "request_uri_parameter_supported": false,
                    "userinfo_endpoint": format!("{b}/oidc/userinfo"),
                    "authorization_endpoint": format!("{b}/{tenant}/oauth2/v2.0/authorize"),
                    "device_authorization_endpoint": format!("{b}/{tenant}/oauth2/v2.0/devicecode"),
                    "http_logout_supported": true,
                    "frontchannel_logout_supported": true,
                    "end_session_endpoint": format!("{b}/{tenant}/oauth2/v2.0/logout"),
                    "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "tid", "oid"],
                    "tenant_region_scope": "NA",
                    "cloud_instance_name": "microsoftonline.com",
                    "cloud_graph_host_name": "graph.windows.net",
                    "msgraph_host": "graph.microsoft.com",
                }),
            )
        }
        Route::InstanceDiscovery => {
            let host = app.base_url.trim_start_matches("https://").to_string();
            let tenant = req
                .query
                .get("authorization_endpoint")
                .and_then(|a| a.split('/').nth(3))
                .unwrap_or("common")
                .to_string();
            respond::json(
                200,
                &json!({
                    "tenant_discovery_endpoint": format!("{}/{tenant}/v2.0/.well-known/openid-configuration", app.base_url),
                    "api-version": "1.1",
                    "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
                }),
            )
        }
        _ => aad_error(
            405,
            "invalid_request",
            900561,
            "The endpoint only accepts POST requests.",
        ),
    }
}

fn token(app: &App, tenant: &str, req: &Req) -> Response {
    let form: std::collections::BTreeMap<String, String> = form_urlencoded::parse(&req.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let get = |k: &str| form.get(k).map(String::as_str).filter(|v| !v.is_empty());
    match get("grant_type") {
        Some("client_credentials") => {}
        Some(other) => {
            return aad_error(
                400,
                "unsupported_grant_type",
                70003,
                &format!("The app requested an unsupported grant type '{other}'."),
            );
        }
        None => {
            return aad_error(
                400,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'grant_type'.",
            );
        }
    }
    let Some(client_id) = get("client_id") else {
        return aad_error(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        );
    };
    // v2.0 uses `scope`; the v1 endpoint uses `resource`.
    let scope = match (get("scope"), get("resource")) {
        (Some(s), _) => s.to_string(),
        (None, Some(r)) => format!("{}/.default", r.trim_end_matches('/')),
        (None, None) => {
            return aad_error(
                400,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'scope'.",
            );
        }
    };
    match (get("client_secret"), get("client_assertion")) {
        (Some(_), _) => {}
        (None, Some(assertion)) => {
            if get("client_assertion_type")
                != Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
            {
                return aad_error(
                    400,
                    "invalid_request",
                    700010,
                    "Invalid client assertion type.",
                );
            }
            if app.strict_auth {
                let endpoint = format!("{}/{tenant}/oauth2/v2.0/token", app.base_url);
                let Some(claims) = auth::payload(assertion) else {
                    return aad_error(
                        401,
                        "invalid_client",
                        50027,
                        "Invalid JWT token. The token is malformed.",
                    );
                };
                let now_ms = wall_ms();
                if auth::check_times(&claims, now_ms / 1000).is_err() {
                    let at = |claim: &str| {
                        let secs = claims.get(claim).and_then(Value::as_u64).unwrap_or(0);
                        crate::clock::rfc3339(secs.saturating_mul(1000))
                    };
                    return aad_error(
                        401,
                        "invalid_client",
                        700024,
                        &format!(
                            "Client assertion is not within its valid time range. Current time: {}, assertion valid from {}, expiry time of assertion {}. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .",
                            crate::clock::rfc3339(now_ms),
                            at("nbf"),
                            at("exp"),
                        ),
                    );
                }
                if !auth::assertion_audience_ok(&claims, &endpoint) {
                    return aad_error(
                        401,
                        "invalid_client",
                        700212,
                        &format!(
                            "No matching federated identity record found for presented assertion audience '{}'. Please note that the matching is done using exact and case-sensitive comparison. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation",
                            match claims.get("aud") {
                                Some(Value::String(a)) => a.clone(),
                                Some(other) => other.to_string(),
                                None => String::new(),
                            }
                        ),
                    );
                }
            }
        }
        (None, None) => {
            return aad_error(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. The request body must contain 'client_secret' or 'client_assertion'.",
            );
        }
    }
    let token = issue(app, tenant, client_id, &scope);
    respond::json(
        200,
        &json!({
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_SECS,
            "ext_expires_in": TOKEN_LIFETIME_SECS,
            "access_token": token,
        }),
    )
}
