//! Keyless CI sign-in, end to end through the real binary: Azure Pipelines' OIDC flow.
//!
//! A stand-in for Azure DevOps' OIDC token endpoint (an axum server over https in this test,
//! its certificate trusted only through `AZLIFT_CA_CERT`) answers the request
//! `azure_identity`'s `AzurePipelinesCredential` sends: `POST SYSTEM_OIDCREQUESTURI
//! ?api-version=7.1&serviceConnectionId=...` with `Authorization: Bearer SYSTEM_ACCESSTOKEN`
//! and `X-TFS-FedAuthRedirect: Suppress`, answered with `{"oidcToken": "<jwt>"}`. A standalone
//! `azlift emulator --strict-auth` plays Entra ID (its token endpoint checks the client
//! assertion's audience and expiry and answers like Entra ID) and ARM. `azlift -v plan` runs
//! with a clean environment holding only what an `AzureCLI@2` step with
//! `SYSTEM_ACCESSTOKEN: $(System.AccessToken)` has, plus where the emulator is.

use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum_server::tls_rustls::RustlsConfig;
use serde_json::json;

mod common;

use common::{Run, StandaloneEmulator};

const ACCESS_TOKEN: &str = "ado-system-access-token-5e1c9b";
const SERVICE_CONNECTION_ID: &str = "3f2a7c1e-0000-4000-8000-00000000a5c0";
const CLIENT_ID: &str = "9a8b7c6d-0000-4000-8000-00000000ad01";
const TENANT_ID: &str = "66666666-7777-8888-9999-000000000000";
const SUBSCRIPTION_ID: &str = common::REMOTE_SUBSCRIPTION;
/// The path of a job's OIDC token endpoint below the organization, as Azure DevOps sets it
/// in `System.OidcRequestUri`.
const OIDC_PATH: &str = "contoso/0b1d3e5f-project/_apis/distributedtask/hubs/build/plans/7c0ffee0-plan/jobs/12345678-job/oidctoken";

/// One request the stand-in saw.
#[derive(Debug, Clone)]
struct Seen {
    api_version: Option<String>,
    service_connection: Option<String>,
    bearer_ok: bool,
    fed_auth_suppressed: bool,
}

#[derive(Clone, Default)]
struct StandIn {
    seen: Arc<Mutex<Vec<Seen>>>,
    /// Every assertion handed out, to check none is ever printed.
    issued: Arc<Mutex<Vec<String>>>,
}

/// `POST /{mode}/<org>/<project>/_apis/.../oidctoken?api-version=7.1&serviceConnectionId=ID`
/// with `Authorization: Bearer ACCESS_TOKEN` answers `{"oidcToken": "<jwt>"}` as Azure DevOps
/// does. A wrong bearer gets 401, an unknown service connection 404. `mode` picks the token:
/// `ok` or `expired` (an hour past).
async fn oidc_token(
    State(stand_in): State<StandIn>,
    Path((mode, _rest)): Path<(String, String)>,
    Query(q): Query<std::collections::HashMap<String, String>>,
    headers: HeaderMap,
) -> axum::response::Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|h| h.to_str().ok())
            .map(str::to_string)
    };
    let bearer_ok = header("authorization")
        .is_some_and(|h| h.eq_ignore_ascii_case(&format!("bearer {ACCESS_TOKEN}")));
    let seen = Seen {
        api_version: q.get("api-version").cloned(),
        service_connection: q.get("serviceConnectionId").cloned(),
        bearer_ok,
        fed_auth_suppressed: header("x-tfs-fedauthredirect").as_deref() == Some("Suppress"),
    };
    stand_in.seen.lock().expect("lock").push(seen.clone());
    if !bearer_ok {
        return (
            StatusCode::UNAUTHORIZED,
            [("x-vss-e2eid", "e2e-0001")],
            "TF400813: The user '' is not authorized to access this resource.",
        )
            .into_response();
    }
    if seen.service_connection.as_deref() != Some(SERVICE_CONNECTION_ID) {
        return (
            StatusCode::NOT_FOUND,
            "The service connection does not exist or has not been authorized for use.",
        )
            .into_response();
    }
    let t = common::unix_now();
    let iat = if mode == "expired" { t - 3600 } else { t };
    let claims = json!({
        "iss": "https://vstoken.dev.azure.com/0b1d3e5f-organization",
        "sub": "sc://contoso/shop/azure-prod",
        "aud": "api://AzureADTokenExchange",
        "iat": iat,
        "nbf": iat,
        "exp": iat + 600,
    });
    let jwt = azlift::emulator::auth::sign(b"azure-devops-stand-in", &claims);
    stand_in.issued.lock().expect("lock").push(jwt.clone());
    axum::Json(json!({ "oidcToken": jwt })).into_response()
}

/// The stand-in over https with a fresh self-signed certificate; returns its base URL and
/// the certificate (PEM).
async fn start_stand_in(stand_in: StandIn) -> (String, String) {
    let cert =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .expect("a certificate");
    let pem = cert.cert.pem();
    let tls = RustlsConfig::from_pem(
        pem.clone().into_bytes(),
        cert.signing_key.serialize_pem().into_bytes(),
    )
    .await
    .expect("TLS config");
    let app = axum::Router::new()
        .route("/{mode}/{*rest}", post(oidc_token))
        .with_state(stand_in);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.set_nonblocking(true).expect("non-blocking");
    let addr = listener.local_addr().expect("bound");
    let server = axum_server::from_tcp_rustls(listener, tls);
    tokio::spawn(async move {
        let _ = server.serve(app.into_make_service()).await;
    });
    (format!("https://127.0.0.1:{}", addr.port()), pem)
}

/// `azlift -v plan` in a clean environment: only what an `AzureCLI@2` step of a pipeline
/// whose service connection uses workload identity federation has, plus the endpoint
/// variables that point azlift at the emulator (and trust both certificates).
async fn plan(
    project: &common::Project,
    emu: &StandaloneEmulator,
    ca_bundle: &std::path::Path,
    oidc_request_uri: &str,
    access_token: &str,
    service_connection: &str,
) -> Run {
    let env = [
        (
            "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID",
            service_connection,
        ),
        ("AZURESUBSCRIPTION_CLIENT_ID", CLIENT_ID),
        ("AZURESUBSCRIPTION_TENANT_ID", TENANT_ID),
        ("SYSTEM_OIDCREQUESTURI", oidc_request_uri),
        ("SYSTEM_ACCESSTOKEN", access_token),
        ("AZURE_SUBSCRIPTION_ID", SUBSCRIPTION_ID),
        ("AZLIFT_ARM_ENDPOINT", &emu.url),
        ("AZURE_AUTHORITY_HOST", &emu.url),
        ("AZLIFT_CA_CERT", &ca_bundle.to_string_lossy()),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .to_vec();
    common::run_clean(project, env, &["-v", "plan"]).await
}

#[tokio::test(flavor = "multi_thread")]
async fn azure_pipelines_oidc_token_signs_azlift_plan_in_and_failures_name_the_variable_to_fix() {
    let project = common::Project::example("minimal");
    let emu = StandaloneEmulator::start(&["--strict-auth"]);
    let stand_in = StandIn::default();
    let (ado, stand_in_pem) = start_stand_in(stand_in.clone()).await;

    // One bundle: the emulator's CA and the stand-in's certificate. The stand-in is reached
    // only if the credential uses azlift's HTTP client (which trusts AZLIFT_CA_CERT).
    let dir = tempfile::tempdir().expect("temp dir");
    let ca_bundle = dir.path().join("ca-bundle.pem");
    let emu_pem = std::fs::read_to_string(&emu.ca_file).expect("emulator CA");
    std::fs::write(&ca_bundle, format!("{emu_pem}\n{stand_in_pem}")).expect("bundle written");

    let uri = |mode: &str| format!("{ado}/{mode}/{OIDC_PATH}");

    // The happy path: the job's OIDC token becomes the client assertion; the plan is made.
    let ok = plan(
        &project,
        &emu,
        &ca_bundle,
        &uri("ok"),
        ACCESS_TOKEN,
        SERVICE_CONNECTION_ID,
    )
    .await;
    assert_eq!(ok.code, 0, "stdout:\n{}\nstderr:\n{}", ok.stdout, ok.stderr);
    assert!(ok.stdout.contains("create"), "{}", ok.stdout);
    assert!(
        ok.stderr.contains(&format!(
            "credential: Azure Pipelines OIDC (service connection {SERVICE_CONNECTION_ID}; client id {CLIENT_ID})"
        )),
        "-v names the credential: {}",
        ok.stderr
    );
    {
        let seen = stand_in.seen.lock().expect("lock");
        assert!(!seen.is_empty(), "the OIDC stand-in was asked for a token");
        for s in seen.iter() {
            assert_eq!(s.api_version.as_deref(), Some("7.1"), "{s:?}");
            assert_eq!(
                s.service_connection.as_deref(),
                Some(SERVICE_CONNECTION_ID),
                "{s:?}"
            );
            assert!(s.bearer_ok, "SYSTEM_ACCESSTOKEN sent as the bearer: {s:?}");
            assert!(s.fed_auth_suppressed, "{s:?}");
        }
    }

    // An expired assertion: Entra ID's AADSTS700024, explained with the variables involved.
    let expired = plan(
        &project,
        &emu,
        &ca_bundle,
        &uri("expired"),
        ACCESS_TOKEN,
        SERVICE_CONNECTION_ID,
    )
    .await;
    assert_eq!(expired.code, 1, "{}", expired.stderr);
    let text = expired.flat_all();
    assert!(text.contains("AADSTS700024"), "{text}");
    assert!(text.contains("has expired"), "{text}");
    assert!(text.contains("SYSTEM_OIDCREQUESTURI"), "{text}");
    assert!(!text.contains("panicked"), "{text}");

    // A SYSTEM_ACCESSTOKEN the endpoint refuses (401): the variable and its mapping are named.
    let refused = plan(
        &project,
        &emu,
        &ca_bundle,
        &uri("ok"),
        "not-the-job-token",
        SERVICE_CONNECTION_ID,
    )
    .await;
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    let text = refused.flat_all();
    assert!(text.contains("401"), "{text}");
    assert!(text.contains("SYSTEM_ACCESSTOKEN"), "{text}");
    assert!(text.contains("$(System.AccessToken)"), "{text}");
    assert!(!text.contains("not-the-job-token"), "{text}");

    // A service connection the endpoint does not know (404): the id variable is named.
    let unknown = plan(
        &project,
        &emu,
        &ca_bundle,
        &uri("ok"),
        ACCESS_TOKEN,
        "00000000-0000-4000-8000-000000000000",
    )
    .await;
    assert_eq!(unknown.code, 1, "{}", unknown.stderr);
    let text = unknown.flat_all();
    assert!(text.contains("404"), "{text}");
    assert!(
        text.contains("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"),
        "{text}"
    );

    // No secret in any output: neither the job's access token nor an issued assertion.
    let issued = stand_in.issued.lock().expect("lock").clone();
    assert!(issued.len() >= 2, "tokens were issued: {}", issued.len());
    for out in [&ok, &expired, &refused, &unknown] {
        let all = format!("{}\n{}", out.stdout, out.stderr);
        assert!(
            !all.contains(ACCESS_TOKEN),
            "SYSTEM_ACCESSTOKEN printed: {all}"
        );
        for jwt in &issued {
            assert!(!all.contains(jwt.as_str()), "an assertion printed: {all}");
            // Nor its signature alone (the part that makes it usable).
            let sig = jwt.rsplit('.').next().unwrap_or_default();
            assert!(
                !all.contains(sig),
                "an assertion's signature printed: {all}"
            );
        }
    }
}
