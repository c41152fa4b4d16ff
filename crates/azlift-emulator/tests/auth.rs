//! Auth: the token endpoint issues JWTs with Entra ID's claims; strict mode accepts only
//! those; client assertions are checked for audience and expiry in strict mode.

mod common;

use azlift_emulator::EmulatorConfig;
use base64::Engine;
use common::*;

trait FormExt {
    fn form_body(self, pairs: &[(&str, &str)]) -> Self;
}

impl FormExt for reqwest::RequestBuilder {
    fn form_body(self, pairs: &[(&str, &str)]) -> Self {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        self.header("content-type", "application/x-www-form-urlencoded")
            .body(body)
    }
}

fn claims(token: &str) -> serde_json::Value {
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn token_endpoint_issues_entra_shaped_jwts_and_strict_mode_checks_them() {
    let e = start(EmulatorConfig {
        strict_auth: true,
        ..Default::default()
    })
    .await;
    let url = format!("{}/my-tenant/oauth2/v2.0/token", e.base);
    let r = e
        .client
        .post(&url)
        .form_body(&[
            ("grant_type", "client_credentials"),
            ("client_id", "app-1"),
            ("client_secret", "s3cret"),
            ("scope", "https://storage.azure.com/.default"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    let token = body["access_token"].as_str().unwrap().to_string();
    let c = claims(&token);
    assert_eq!(c["aud"], "https://storage.azure.com");
    assert_eq!(c["iss"], "https://sts.windows.net/my-tenant/");
    assert_eq!(c["tid"], "my-tenant");
    assert!(c["oid"].is_string() && c["exp"].as_u64().unwrap() > c["iat"].as_u64().unwrap());

    let rg = format!("{}{}?api-version={V_RG}", e.base, e.rg_path("rg"));
    // A storage token is refused on ARM, as ARM refuses it: wrong audience.
    let storage = e.client.get(&rg).bearer_auth(&token).send().await.unwrap();
    assert_eq!(storage.status().as_u16(), 401);
    let v: serde_json::Value = storage.json().await.unwrap();
    assert_eq!(v["error"]["code"], "InvalidAuthenticationTokenAudience");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("'https://storage.azure.com'"),
        "{v}"
    );
    // The same endpoint's ARM token is accepted.
    let arm: serde_json::Value = e
        .client
        .post(&url)
        .form_body(&[
            ("grant_type", "client_credentials"),
            ("client_id", "app-1"),
            ("client_secret", "s3cret"),
            ("scope", "https://management.azure.com/.default"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let arm_token = arm["access_token"].as_str().unwrap();
    let ok = e
        .client
        .get(&rg)
        .bearer_auth(arm_token)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 404, "issued ARM token accepted");
    for scope in [
        "https://graph.microsoft.com/.default",
        "https://vault.azure.net/.default",
    ] {
        let other = e.emu.issue_token("my-tenant", "app-1", scope);
        let r = e.client.get(&rg).bearer_auth(&other).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 401, "{scope}");
    }
    let forged = e
        .client
        .get(&rg)
        .bearer_auth("eyJhbGciOiJub25lIn0.e30.")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 401);
    let v: serde_json::Value = forged.json().await.unwrap();
    assert_eq!(v["error"]["code"], "InvalidAuthenticationToken");

    let no_secret = e
        .client
        .post(&url)
        .form_body(&[
            ("grant_type", "client_credentials"),
            ("client_id", "a"),
            ("scope", "x/.default"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(no_secret.status().as_u16(), 401);
    let v: serde_json::Value = no_secret.json().await.unwrap();
    assert_eq!(v["error"], "invalid_client");
    let wrong_grant = e
        .client
        .post(&url)
        .form_body(&[
            ("grant_type", "password"),
            ("client_id", "a"),
            ("scope", "x/.default"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_grant.status().as_u16(), 400);
}

#[tokio::test]
async fn client_assertions_are_checked_in_strict_mode() {
    let e = start(EmulatorConfig {
        strict_auth: true,
        ..Default::default()
    })
    .await;
    let url = format!("{}/t1/oauth2/v2.0/token", e.base);
    let b64 = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let assertion = |aud: &str, exp: u64| {
        format!(
            "{}.{}.sig",
            b64(serde_json::json!({"alg": "RS256"})),
            b64(
                serde_json::json!({"aud": aud, "exp": exp, "iss": "https://token.actions.githubusercontent.com", "sub": "repo:x"})
            )
        )
    };
    let ask = |a: String| {
        e.client.post(&url).form_body(&[
            ("grant_type", "client_credentials"),
            ("client_id", "app"),
            ("scope", "https://management.azure.com/.default"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", a.as_str()),
        ])
    };
    let good = ask(assertion("api://AzureADTokenExchange", now + 600))
        .send()
        .await
        .unwrap();
    assert_eq!(good.status().as_u16(), 200);
    let wrong_aud = ask(assertion("https://elsewhere", now + 600))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_aud.status().as_u16(), 401);
    // Entra ID's OAuth error body: `invalid_client` with the AADSTS code in the description.
    let body: serde_json::Value = wrong_aud.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    assert_eq!(body["error_codes"][0], 700212);
    let text = body["error_description"].as_str().unwrap();
    assert!(
        text.starts_with("AADSTS700212: No matching federated identity record found for presented assertion audience 'https://elsewhere'."),
        "{text}"
    );
    let expired = ask(assertion("api://AzureADTokenExchange", now - 3600))
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status().as_u16(), 401);
    let body: serde_json::Value = expired.json().await.unwrap();
    assert_eq!(body["error_codes"][0], 700024);
    let text = body["error_description"].as_str().unwrap();
    assert!(
        text.starts_with(
            "AADSTS700024: Client assertion is not within its valid time range. Current time: "
        ),
        "{text}"
    );
    assert!(text.contains("expiry time of assertion"), "{text}");
}

#[tokio::test]
async fn identity_metadata_endpoints_answer() {
    let e = start(Default::default()).await;
    let oidc: serde_json::Value = e
        .client
        .get(format!(
            "{}/t1/v2.0/.well-known/openid-configuration",
            e.base
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        oidc["token_endpoint"],
        format!("{}/t1/oauth2/v2.0/token", e.base)
    );
    let disc = e
        .client
        .get(format!(
            "{}/common/discovery/instance?api-version=1.1",
            e.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(disc.status().as_u16(), 200);
}
