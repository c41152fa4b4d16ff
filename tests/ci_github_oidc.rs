//! Keyless CI sign-in, end to end through the real binary: GitHub Actions' OIDC flow.
//!
//! A stand-in for GitHub's OIDC token service (an axum server in this test) hands out JWTs
//! when called with the job's request token; a standalone `azlift emulator --strict-auth`
//! plays Entra ID (its token endpoint checks the client assertion's audience and expiry and
//! answers like Entra ID) and ARM. `azlift plan` runs with a clean environment holding only
//! the variables a GitHub job has, plus where the emulator is.

use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::json;

mod common;

use common::{Run, StandaloneEmulator};

const REQUEST_TOKEN: &str = "gh-request-token-7f3a";
const CLIENT_ID: &str = "9a8b7c6d-0000-4000-8000-00000000c1d0";
const TENANT_ID: &str = "66666666-7777-8888-9999-000000000000";
const SUBSCRIPTION_ID: &str = common::REMOTE_SUBSCRIPTION;

/// What the stand-in saw: one `(audience, bearer ok)` per request.
type Seen = Arc<Mutex<Vec<(String, bool)>>>;

/// `GET /{mode}/token?api-version=2.0&audience=...` with `Authorization: bearer REQUEST_TOKEN`
/// answers `{"value": "<jwt>"}` as GitHub does. `mode` picks what the token is like: `ok`,
/// `expired` (an hour past), `wrong-audience` (ignores the requested audience).
async fn oidc_token(
    State(seen): State<Seen>,
    Path(mode): Path<String>,
    Query(q): Query<std::collections::HashMap<String, String>>,
    headers: HeaderMap,
) -> axum::response::Response {
    let audience = q.get("audience").cloned().unwrap_or_default();
    let bearer_ok = headers
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| h.eq_ignore_ascii_case(&format!("bearer {REQUEST_TOKEN}")));
    seen.lock()
        .expect("lock")
        .push((audience.clone(), bearer_ok));
    if !bearer_ok {
        return (StatusCode::UNAUTHORIZED, "Unauthorized").into_response();
    }
    let t = common::unix_now();
    let (aud, iat) = match mode.as_str() {
        "expired" => (audience, t - 3600),
        "wrong-audience" => ("https://github.com/contoso".to_string(), t),
        _ => (audience, t),
    };
    let claims = json!({
        "iss": "https://token.actions.githubusercontent.com",
        "sub": "repo:contoso/shop:ref:refs/heads/main",
        "aud": aud,
        "ref": "refs/heads/main",
        "repository": "contoso/shop",
        "iat": iat,
        "nbf": iat,
        "exp": iat + 300,
    });
    let jwt = azlift::emulator::auth::sign(b"github-stand-in", &claims);
    axum::Json(json!({ "count": 1, "value": jwt })).into_response()
}

/// The stand-in for GitHub's OIDC token service, on a free port; returns its base URL.
async fn oidc_stand_in(seen: Seen) -> String {
    let app = axum::Router::new()
        .route("/{mode}/token", get(oidc_token))
        .with_state(seen);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let addr = listener.local_addr().expect("bound");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

/// `azlift -v plan` in a clean environment: only what a GitHub job with
/// `permissions: id-token: write` and the three repository variables has, plus the
/// endpoint variables that point azlift at the emulator.
async fn plan(
    project: &common::Project,
    emu: &StandaloneEmulator,
    request_url: &str,
    token: &str,
) -> Run {
    let env = [
        ("AZURE_CLIENT_ID", CLIENT_ID),
        ("AZURE_TENANT_ID", TENANT_ID),
        ("AZURE_SUBSCRIPTION_ID", SUBSCRIPTION_ID),
        ("ACTIONS_ID_TOKEN_REQUEST_URL", request_url),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", token),
        ("AZLIFT_ARM_ENDPOINT", &emu.url),
        ("AZURE_AUTHORITY_HOST", &emu.url),
        ("AZLIFT_CA_CERT", &emu.ca_file.to_string_lossy()),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .to_vec();
    common::run_clean(project, env, &["-v", "plan"]).await
}

#[tokio::test(flavor = "multi_thread")]
async fn github_oidc_token_signs_azlift_plan_in_and_bad_tokens_name_the_variable_to_fix() {
    let project = common::Project::example("minimal");
    let emu = StandaloneEmulator::start(&["--strict-auth"]);
    let seen: Seen = Arc::default();
    let gh = oidc_stand_in(seen.clone()).await;

    // The happy path: GitHub's token becomes the client assertion; the plan is made.
    let ok = plan(
        &project,
        &emu,
        &format!("{gh}/ok/token?api-version=2.0"),
        REQUEST_TOKEN,
    )
    .await;
    assert_eq!(ok.code, 0, "stdout:\n{}\nstderr:\n{}", ok.stdout, ok.stderr);
    assert!(ok.stdout.contains("create"), "{}", ok.stdout);
    assert!(
        ok.stderr
            .contains("credential: GitHub Actions OIDC federation"),
        "-v names the credential: {}",
        ok.stderr
    );
    assert!(!ok.stderr.contains(REQUEST_TOKEN) && !ok.stdout.contains(REQUEST_TOKEN));
    {
        let seen = seen.lock().expect("lock");
        assert!(!seen.is_empty(), "the OIDC stand-in was asked for a token");
        assert!(
            seen.iter()
                .all(|(aud, bearer)| aud == "api://AzureADTokenExchange" && *bearer),
            "{seen:?}"
        );
    }

    // An expired assertion: Entra ID's AADSTS700024, explained.
    let expired = plan(
        &project,
        &emu,
        &format!("{gh}/expired/token?api-version=2.0"),
        REQUEST_TOKEN,
    )
    .await;
    assert_eq!(expired.code, 1, "{}", expired.stderr);
    let text = expired.stderr.replace('\n', " ");
    assert!(text.contains("AADSTS700024"), "{text}");
    assert!(text.contains("has expired"), "{text}");
    assert!(text.contains("ACTIONS_ID_TOKEN_REQUEST_URL"), "{text}");

    // An assertion for another audience: AADSTS700212, naming the audience to use.
    let wrong = plan(
        &project,
        &emu,
        &format!("{gh}/wrong-audience/token?api-version=2.0"),
        REQUEST_TOKEN,
    )
    .await;
    assert_eq!(wrong.code, 1, "{}", wrong.stderr);
    let text = wrong.stderr.replace('\n', " ");
    assert!(text.contains("AADSTS700212"), "{text}");
    assert!(text.contains("wrong audience"), "{text}");
    assert!(text.contains("api://AzureADTokenExchange"), "{text}");
    assert!(text.contains("ACTIONS_ID_TOKEN_REQUEST_URL"), "{text}");

    // A request token GitHub refuses: the variable and the workflow permission are named.
    let refused = plan(
        &project,
        &emu,
        &format!("{gh}/ok/token?api-version=2.0"),
        "not-the-token",
    )
    .await;
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    let text = refused.stderr.replace('\n', " ");
    assert!(text.contains("ACTIONS_ID_TOKEN_REQUEST_TOKEN"), "{text}");
    assert!(text.contains("id-token: write"), "{text}");
    assert!(!text.contains("not-the-token"), "{text}");
}

#[test]
fn verbose_runs_name_their_target_and_credential() {
    let project = common::Project::example("minimal");
    let run = project.run(&["-v", "plan"]);
    run.ok();
    let first = run.stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("target: local emulator at https://127.0.0.1:"),
        "{}",
        run.stderr
    );
    assert!(
        first.contains("credential: emulator client secret (--local"),
        "{first}"
    );
    let second = run.stderr.lines().nth(1).unwrap_or_default();
    assert!(
        second.starts_with("state: ")
            && second.contains(".azlift")
            && second.ends_with("(locked by this run)"),
        "{}",
        run.stderr
    );
    // Without -v nothing is said.
    let quiet = project.run(&["plan"]);
    quiet.ok();
    assert!(!quiet.stderr.contains("target:"), "{}", quiet.stderr);
}
