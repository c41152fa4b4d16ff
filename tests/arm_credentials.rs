//! The real azure_identity flows against a mock token endpoint on the mock ARM server: the
//! bearer token the credential obtains is the one on the ARM requests.

mod arm_support;

use std::collections::HashMap;

use arm_support::{MockArm, RG, Reply};
use azlift::arm::{ArmClient, ArmError, CredentialKind, CredentialSource};
use serde_json::json;

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn rg_get(mock: &MockArm, client: &ArmClient) {
    mock.script("GET", RG, vec![Reply::json(200, json!({"name": "rg1"}))]);
    let got = client.get(RG, "2025-04-01").await.unwrap().unwrap();
    assert_eq!(got["name"], "rg1");
}

#[tokio::test]
async fn local_credential_runs_the_client_secret_flow_against_the_emulator_endpoint() {
    let mock = MockArm::start().await;
    let client = ArmClient::new(mock.config()).unwrap();
    assert_eq!(client.credential().kind(), CredentialKind::Local);
    assert!(client.describe().contains("emulator"));
    rg_get(&mock, &client).await;

    let token = mock.requests_to("POST", "/azlift-local/oauth2/v2.0/token");
    assert_eq!(token.len(), 1);
    assert!(token[0].body.contains("grant_type=client_credentials"));
    assert!(token[0].body.contains("client_id=azlift-local-client"));
    assert!(
        token[0]
            .body
            .contains("scope=https%3A%2F%2Fmanagement.azure.com%2F.default")
    );
    let arm = mock.requests_to("GET", RG);
    assert_eq!(arm[0].authorization.as_deref(), Some("Bearer mock-token-1"));

    // The token is cached: a second request asks for no new one.
    rg_get(&mock, &client).await;
    assert_eq!(
        mock.requests_to("POST", "/azlift-local/oauth2/v2.0/token")
            .len(),
        1
    );
    assert_eq!(client.stats().get, 2);
}

#[tokio::test]
async fn client_secret_from_the_environment_with_a_custom_authority_host() {
    let mock = MockArm::start().await;
    let mut config = mock.config();
    config.credential = CredentialSource::Environment;
    let vars = env(&[
        ("AZURE_CLIENT_ID", "app-1"),
        ("AZURE_TENANT_ID", "tenant-1"),
        ("AZURE_CLIENT_SECRET", "very-secret"),
        ("AZURE_AUTHORITY_HOST", &mock.base),
    ]);
    let client = ArmClient::with_env(config, &vars).unwrap();
    assert_eq!(client.credential().kind(), CredentialKind::ClientSecret);
    assert!(!client.describe().contains("very-secret"));
    rg_get(&mock, &client).await;
    let token = mock.requests_to("POST", "/tenant-1/oauth2/v2.0/token");
    assert_eq!(token.len(), 1);
    assert!(token[0].body.contains("client_secret=very-secret"));
    assert_eq!(
        mock.requests_to("GET", RG)[0].authorization.as_deref(),
        Some("Bearer mock-token-1")
    );
}

#[tokio::test]
async fn rejected_secret_is_an_auth_error_naming_the_variables() {
    let mock = MockArm::start().await;
    mock.always(
        "POST",
        "/tenant-1/oauth2/v2.0/token",
        Reply::json(
            401,
            json!({"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided.",
                   "error_codes": [7000215]}),
        ),
    );
    let mut config = mock.config();
    config.credential = CredentialSource::Environment;
    let vars = env(&[
        ("AZURE_CLIENT_ID", "app-1"),
        ("AZURE_TENANT_ID", "tenant-1"),
        ("AZURE_CLIENT_SECRET", "wrong-secret"),
        ("AZURE_AUTHORITY_HOST", &mock.base),
    ]);
    let client = ArmClient::with_env(config, &vars).unwrap();
    let err = client.get(RG, "2025-04-01").await.unwrap_err();
    match &err {
        ArmError::Auth { hint, .. } => assert!(hint.contains("AZURE_CLIENT_SECRET")),
        other => panic!("{other:?}"),
    }
    assert!(!err.to_string().contains("wrong-secret"));
    // Nothing reached ARM without a token.
    assert!(mock.requests_to("GET", RG).is_empty());
}

#[tokio::test]
async fn github_actions_oidc_token_becomes_the_client_assertion() {
    let mock = MockArm::start().await;
    mock.always(
        "GET",
        "/_apis/pipelines/idtoken",
        Reply::json(200, json!({"count": 1, "value": "gh-oidc-jwt"})),
    );
    let mut config = mock.config();
    config.credential = CredentialSource::Environment;
    let request_url = mock.url("/_apis/pipelines/idtoken?api-version=2.0");
    let vars = env(&[
        ("AZURE_CLIENT_ID", "app-2"),
        ("AZURE_TENANT_ID", "tenant-2"),
        ("AZURE_AUTHORITY_HOST", &mock.base),
        ("ACTIONS_ID_TOKEN_REQUEST_URL", &request_url),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "gh-request-token"),
    ]);
    let client = ArmClient::with_env(config, &vars).unwrap();
    assert_eq!(client.credential().kind(), CredentialKind::GitHubOidc);
    rg_get(&mock, &client).await;

    let gh = mock.requests_to("GET", "/_apis/pipelines/idtoken");
    assert_eq!(gh.len(), 1);
    assert_eq!(
        gh[0].authorization.as_deref(),
        Some("Bearer gh-request-token")
    );
    assert!(gh[0].query.contains("api-version=2.0"));
    assert!(
        gh[0]
            .query
            .contains("audience=api%3A%2F%2FAzureADTokenExchange")
    );
    let token = mock.requests_to("POST", "/tenant-2/oauth2/v2.0/token");
    assert!(token[0].body.contains("client_assertion=gh-oidc-jwt"));
    assert!(token[0].body.contains(
        "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
    ));
    assert!(token[0].body.contains("client_id=app-2"));
    assert_eq!(
        mock.requests_to("GET", RG)[0].authorization.as_deref(),
        Some("Bearer mock-token-1")
    );
}

#[tokio::test]
async fn github_oidc_service_refusal_names_the_workflow_permission() {
    let mock = MockArm::start().await;
    mock.always(
        "GET",
        "/gh",
        Reply::error(403, "Forbidden", "no id-token permission"),
    );
    let mut config = mock.config();
    config.credential = CredentialSource::Environment;
    let request_url = mock.url("/gh");
    let vars = env(&[
        ("AZURE_CLIENT_ID", "app-2"),
        ("AZURE_TENANT_ID", "tenant-2"),
        ("AZURE_AUTHORITY_HOST", &mock.base),
        ("ACTIONS_ID_TOKEN_REQUEST_URL", &request_url),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "gh-request-token"),
    ]);
    let client = ArmClient::with_env(config, &vars).unwrap();
    let err = client.get(RG, "2025-04-01").await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, ArmError::Auth { .. }), "{text}");
    assert!(text.contains("id-token: write"), "{text}");
}

#[tokio::test]
async fn workload_identity_reads_the_federated_token_file() {
    let mock = MockArm::start().await;
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), "federated-jwt").unwrap();
    let path = file.path().to_string_lossy().to_string();
    let mut config = mock.config();
    config.credential = CredentialSource::Environment;
    let vars = env(&[
        ("AZURE_CLIENT_ID", "app-3"),
        ("AZURE_TENANT_ID", "tenant-3"),
        ("AZURE_AUTHORITY_HOST", &mock.base),
        ("AZURE_FEDERATED_TOKEN_FILE", &path),
    ]);
    let client = ArmClient::with_env(config, &vars).unwrap();
    assert_eq!(client.credential().kind(), CredentialKind::WorkloadIdentity);
    rg_get(&mock, &client).await;
    let token = mock.requests_to("POST", "/tenant-3/oauth2/v2.0/token");
    assert!(token[0].body.contains("client_assertion=federated-jwt"));
}
