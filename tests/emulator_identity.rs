//! The REAL `azure_identity::ClientSecretCredential` gets a token from the emulator's token
//! endpoint (authority host = the emulator's HTTPS URL, through `CloudConfiguration::Custom`,
//! with a reqwest 0.13 client trusting the emulator's CA as the transport), and an
//! `azure_core` pipeline with the bearer-token policy then reads a resource group.

use std::sync::Arc;

use azlift::emulator::{EmulatorConfig, start};
use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
use azure_core::credentials::{Secret, TokenCredential};
use azure_core::http::policies::Policy;
use azure_core::http::policies::auth::BearerTokenAuthorizationPolicy;
use azure_core::http::{ClientOptions, Context, Method, Pipeline, Request, Transport, Url};
use azure_identity::{ClientSecretCredential, ClientSecretCredentialOptions};

#[tokio::test]
async fn client_secret_credential_gets_a_token_the_strict_emulator_accepts() {
    let emu = start(EmulatorConfig {
        strict_auth: true,
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let ca = reqwest::Certificate::from_pem(emu.ca_certificate_pem().as_bytes()).unwrap();
    let http = reqwest::Client::builder()
        .add_root_certificate(ca)
        .build()
        .unwrap();

    let mut custom = CustomConfiguration::default();
    custom.authority_host = emu.https_url();
    let cloud: CloudConfiguration = custom.into();
    let options = ClientSecretCredentialOptions {
        client_options: ClientOptions {
            cloud: Some(Arc::new(cloud)),
            transport: Some(Transport::new(Arc::new(http.clone()))),
            ..Default::default()
        },
    };
    let credential = ClientSecretCredential::new(
        "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "00000000-1111-2222-3333-444444444444".to_string(),
        Secret::new("not-a-real-secret"),
        Some(options),
    )
    .unwrap();
    let token = credential
        .get_token(&["https://management.azure.com/.default"], None)
        .await
        .unwrap();
    let jwt = token.token.secret().to_string();
    assert_eq!(jwt.split('.').count(), 3, "a JWT");

    // The strict emulator accepts it on ARM requests...
    let url = format!(
        "{}/subscriptions/00000000-0000-0000-0000-0000000000c1/resourcegroups?api-version=2025-04-01",
        emu.https_url()
    );
    let ok = http.get(&url).bearer_auth(&jwt).send().await.unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    // ...and refuses a token it did not issue.
    let forged = http
        .get(&url)
        .bearer_auth("abc.def.ghi")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 401);

    // The SDK's own pipeline with its bearer-token policy (HTTPS only) works against it too.
    let credential: Arc<dyn TokenCredential> = credential;
    let auth: Arc<dyn Policy> = Arc::new(BearerTokenAuthorizationPolicy::new(
        credential,
        ["https://management.azure.com/.default"],
    ));
    let pipeline = Pipeline::new(
        Some("azlift-test"),
        Some("0"),
        ClientOptions {
            transport: Some(Transport::new(Arc::new(http.clone()))),
            ..Default::default()
        },
        Vec::new(),
        vec![auth],
        None,
    );
    let mut request = Request::new(Url::parse(&url).unwrap(), Method::Get);
    let response = pipeline
        .send(&Context::new(), &mut request, None)
        .await
        .unwrap();
    assert_eq!(u16::from(response.status()), 200);

    let log = emu.request_log();
    assert!(
        log.iter().any(|l| l.method == "POST"
            && l.path.ends_with("/oauth2/v2.0/token")
            && l.status == 200)
    );
    emu.shutdown().await;
}
