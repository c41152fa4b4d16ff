//! Choosing the Entra ID credential for ARM, the way DefaultAzureCredential-style tools do,
//! from `azure_identity` 1.x credentials (order documented in `docs/credentials.md`).
//!
//! Every credential gets the same reqwest client (and so the same trust store and connection
//! pool) as the ARM pipeline, through `ClientOptions.transport`.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
use azure_core::credentials::{Secret, TokenCredential};
use azure_core::error::ErrorKind;
use azure_core::http::{
    ClientMethodOptions, ClientOptions, ExponentialRetryOptions, RetryOptions, Transport, Url,
};
use azure_identity::{
    AzureCliCredential, AzureCliCredentialOptions, AzureDeveloperCliCredential,
    AzureDeveloperCliCredentialOptions, AzurePipelinesCredential, AzurePipelinesCredentialOptions,
    ClientAssertion, ClientAssertionCredential, ClientAssertionCredentialOptions,
    ClientSecretCredential, ClientSecretCredentialOptions, DeveloperToolsCredential,
    ManagedIdentityCredential, ManagedIdentityCredentialOptions, UserAssignedId,
    WorkloadIdentityCredential, WorkloadIdentityCredentialOptions,
};

use super::config::Cloud;
use super::error::ArmError;

/// Tenant of the emulator's fixed local identity (`--local`).
pub const LOCAL_TENANT_ID: &str = "azlift-local";
/// Client id of the emulator's fixed local identity.
pub const LOCAL_CLIENT_ID: &str = "azlift-local-client";
/// Client secret of the emulator's fixed local identity. Not a secret: the emulator only.
pub const LOCAL_CLIENT_SECRET: &str = "azlift-local-secret";
/// Audience GitHub's OIDC token must carry for Entra ID workload identity federation.
pub const GITHUB_OIDC_AUDIENCE: &str = "api://AzureADTokenExchange";

/// The audience a federated token must carry for Entra ID in `cloud`: the sovereign clouds
/// have their own (custom clouds are taken to use the public one).
pub fn federation_audience(cloud: &Cloud) -> &'static str {
    match cloud {
        Cloud::China => "api://AzureADTokenExchangeChina",
        Cloud::UsGov => "api://AzureADTokenExchangeUSGov",
        Cloud::Public | Cloud::Custom { .. } => GITHUB_OIDC_AUDIENCE,
    }
}

/// Where the credential comes from.
#[derive(Clone, Default)]
pub enum CredentialSource {
    /// Pick from the environment, in the documented order.
    #[default]
    Environment,
    /// `--local`: a client secret against the emulator's own token endpoint (authority host
    /// = the ARM endpoint), with the fixed local identity. The real azure_identity flow runs.
    Local,
    /// An explicit service principal secret.
    ClientSecret {
        tenant_id: String,
        client_id: String,
        secret: Secret,
    },
    /// A credential built by the caller.
    Custom {
        credential: Arc<dyn TokenCredential>,
        description: String,
    },
}

impl fmt::Debug for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialSource::Environment => f.write_str("Environment"),
            CredentialSource::Local => f.write_str("Local"),
            CredentialSource::ClientSecret {
                tenant_id,
                client_id,
                ..
            } => f
                .debug_struct("ClientSecret")
                .field("tenant_id", tenant_id)
                .field("client_id", client_id)
                .finish_non_exhaustive(),
            CredentialSource::Custom { description, .. } => {
                f.debug_tuple("Custom").field(description).finish()
            }
        }
    }
}

/// Which kind of credential was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    Local,
    ClientSecret,
    WorkloadIdentity,
    GitHubOidc,
    AzurePipelines,
    ManagedIdentity,
    DeveloperTools,
    Custom,
}

/// Environment variables, abstracted so that tests need not change the process environment.
pub trait Env: Send + Sync {
    fn var(&self, key: &str) -> Option<String>;
}

/// The process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, key: &str) -> Option<String> {
        std::env::var(key).ok()
    }
}

impl Env for HashMap<String, String> {
    fn var(&self, key: &str) -> Option<String> {
        self.get(key).cloned()
    }
}

/// A non-empty variable.
fn var(env: &dyn Env, key: &str) -> Option<String> {
    env.var(key).filter(|v| !v.trim().is_empty())
}

/// The chosen credential.
#[derive(Clone)]
pub struct Credential {
    token: Arc<dyn TokenCredential>,
    kind: CredentialKind,
    description: String,
    hint: String,
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("kind", &self.kind)
            .field("description", &self.description)
            .finish_non_exhaustive()
    }
}

impl Credential {
    /// Which credential is used, for `-v` ("client secret from AZURE_CLIENT_SECRET (client
    /// id ...)"). Never contains a secret.
    pub fn describe(&self) -> &str {
        &self.description
    }

    pub fn kind(&self) -> CredentialKind {
        self.kind
    }

    /// What to fix when this credential fails, naming the environment variables involved.
    pub fn hint(&self) -> &str {
        &self.hint
    }

    /// The azure_core credential (for other Azure clients, such as blob storage).
    pub fn token_credential(&self) -> Arc<dyn TokenCredential> {
        self.token.clone()
    }

    /// Wraps an azure_core error from the credential into [`ArmError::Auth`].
    pub(crate) fn auth_error(&self, err: &azure_core::Error) -> ArmError {
        let message = err.to_string();
        let hint = entra_hint(self.kind, &message)
            .or_else(|| pipelines_oidc_hint(self.kind, &message))
            .unwrap_or_else(|| self.hint.clone());
        ArmError::Auth {
            credential: self.description.clone(),
            message,
            hint,
        }
    }

    fn new(
        token: Arc<dyn TokenCredential>,
        kind: CredentialKind,
        description: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Credential {
            token,
            kind,
            description: description.into(),
            hint: hint.into(),
        }
    }
}

fn cfg_err(what: &str, e: azure_core::Error) -> ArmError {
    ArmError::Config(format!("{what}: {e}"))
}

fn missing(credential: &str, message: &str, hint: &str) -> ArmError {
    ArmError::Auth {
        credential: credential.to_string(),
        message: message.to_string(),
        hint: hint.to_string(),
    }
}

/// The azure_core cloud configuration for a cloud, with `AZURE_AUTHORITY_HOST` honoured.
fn cloud_configuration(cloud: &Cloud, env: &dyn Env) -> CloudConfiguration {
    if let Some(host) = var(env, "AZURE_AUTHORITY_HOST") {
        return custom(host);
    }
    match cloud {
        Cloud::Public => CloudConfiguration::AzurePublic,
        Cloud::China => CloudConfiguration::AzureChina,
        Cloud::UsGov => CloudConfiguration::AzureGovernment,
        Cloud::Custom { authority_host, .. } => custom(authority_host.to_string()),
    }
}

fn custom(authority_host: String) -> CloudConfiguration {
    let mut c = CustomConfiguration::default();
    c.authority_host = authority_host;
    CloudConfiguration::Custom(c)
}

fn client_options(http: &reqwest::Client, cloud: CloudConfiguration) -> ClientOptions {
    ClientOptions {
        transport: Some(Transport::new(Arc::new(http.clone()))),
        cloud: Some(Arc::new(cloud)),
        retry: quick_retries(),
        ..Default::default()
    }
}

/// A few quick retries for a service's hiccup (at most 3, within 10 s). The SDK's default
/// (8 retries over up to a minute and more) makes an unreachable endpoint — a token service,
/// a state storage account —, usually a wrong variable, look like a hang before it is
/// reported.
pub(crate) fn quick_retries() -> RetryOptions {
    RetryOptions::exponential(ExponentialRetryOptions {
        initial_delay: azure_core::time::Duration::milliseconds(200),
        max_retries: 3,
        max_total_elapsed: azure_core::time::Duration::seconds(10),
        max_delay: azure_core::time::Duration::seconds(4),
    })
}

const HINT_SECRET: &str = "check AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET (an expired or mistyped secret is the usual cause)";
const HINT_WORKLOAD: &str = "check AZURE_FEDERATED_TOKEN_FILE (readable, token not expired), AZURE_CLIENT_ID and AZURE_TENANT_ID, and the federated credential's issuer, subject and audience";
const HINT_GITHUB: &str = "check AZURE_CLIENT_ID and AZURE_TENANT_ID, that the workflow grants `permissions: id-token: write` (which sets ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN), and that the federated credential's subject matches the repository, branch or environment";
const HINT_PIPELINES: &str = "check AZURESUBSCRIPTION_SERVICE_CONNECTION_ID, AZURESUBSCRIPTION_CLIENT_ID and AZURESUBSCRIPTION_TENANT_ID (set by the AzureCLI@2 task for its service connection), that SYSTEM_OIDCREQUESTURI is reachable, and that the step maps `SYSTEM_ACCESSTOKEN: $(System.AccessToken)` into its env";
const HINT_MANAGED: &str = "check IDENTITY_ENDPOINT/IDENTITY_HEADER (or MSI_ENDPOINT) and, for a user-assigned identity, AZURE_CLIENT_ID";
const HINT_DEVTOOLS: &str = "run `az login` (or `azd auth login`), or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET";

/// The AADSTS code of an Entra ID error message ("... AADSTS700024: Client assertion ...").
pub fn aadsts_code(message: &str) -> Option<u32> {
    let rest = &message[message.find("AADSTS")? + "AADSTS".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Where a federated credential's assertion came from, for hints: the variable to fix.
fn assertion_source(kind: CredentialKind) -> Option<&'static str> {
    match kind {
        CredentialKind::GitHubOidc => Some(
            "the GitHub OIDC token (fetched from ACTIONS_ID_TOKEN_REQUEST_URL with ACTIONS_ID_TOKEN_REQUEST_TOKEN)",
        ),
        CredentialKind::WorkloadIdentity => Some("the token in AZURE_FEDERATED_TOKEN_FILE"),
        CredentialKind::AzurePipelines => Some(
            "the Azure Pipelines OIDC token (from SYSTEM_OIDCREQUESTURI with SYSTEM_ACCESSTOKEN)",
        ),
        _ => None,
    }
}

/// A hint for the Entra ID errors federated credentials meet in CI, naming the variable or
/// setting to fix; `None` keeps the credential's general hint.
fn entra_hint(kind: CredentialKind, message: &str) -> Option<String> {
    let code = aadsts_code(message)?;
    let source = assertion_source(kind)?;
    let fix = match kind {
        CredentialKind::GitHubOidc => {
            "request a fresh one: ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are set by the runner for the running job only (do not copy them between jobs), and check the runner's clock"
        }
        CredentialKind::WorkloadIdentity => {
            "point AZURE_FEDERATED_TOKEN_FILE at a token that is renewed (a projected service account token, or one your CI writes at the start of the step), and check the clock"
        }
        CredentialKind::AzurePipelines => {
            "the credential asks SYSTEM_OIDCREQUESTURI for a fresh token on every sign-in, so check the agent's clock and that SYSTEM_OIDCREQUESTURI is this job's endpoint (`$(System.OidcRequestUri)`, not a value copied from another run)"
        }
        _ => "run the step again (the token is issued per job) and check the agent's clock",
    };
    // The variables naming the app and tenant, which differ for Azure Pipelines.
    let (client_var, tenant_var) = if kind == CredentialKind::AzurePipelines {
        ("AZURESUBSCRIPTION_CLIENT_ID", "AZURESUBSCRIPTION_TENANT_ID")
    } else {
        ("AZURE_CLIENT_ID", "AZURE_TENANT_ID")
    };
    let subjects = if kind == CredentialKind::AzurePipelines {
        "issuer `https://vstoken.dev.azure.com/<organization id>`, subject `sc://<organization>/<project>/<service connection name>` (case-sensitive)"
    } else {
        "issuer, subject (case-sensitive, e.g. `repo:OWNER/REPO:ref:refs/heads/main`, `repo:OWNER/REPO:pull_request`, `repo:OWNER/REPO:environment:NAME`)"
    };
    match code {
        // Expired / not yet valid assertion.
        700024 => Some(format!("{source} has expired or is not yet valid: {fix}")),
        // Audience mismatch.
        700212 => {
            let issuer = if kind == CredentialKind::GitHubOidc {
                "; the token comes from ACTIONS_ID_TOKEN_REQUEST_URL: check that it is GitHub's token service"
            } else {
                ""
            };
            Some(format!(
                "{source} carries the wrong audience: it must be `{GITHUB_OIDC_AUDIENCE}` (in Azure China `api://AzureADTokenExchangeChina`, in Azure US Government `api://AzureADTokenExchangeUSGov`), like the federated credential's (`az ad app federated-credential list --id ${client_var}`){issuer}"
            ))
        }
        // Subject / issuer mismatch.
        700213 | 70021 | 7002137 | 7002138 => Some(format!(
            "no federated credential of the app {client_var} matches {source}: compare its {subjects} and audience with the token's; `azlift pipeline init` prints the commands that create them"
        )),
        // Unknown application in the tenant.
        700016 => Some(format!(
            "{client_var} names no application in tenant {tenant_var}: check both"
        )),
        // Unknown tenant.
        90002 | 900023 => Some(format!("{tenant_var} names no tenant: check it")),
        _ => None,
    }
}

/// A hint for an Azure DevOps OIDC endpoint that refused to issue a token (azure_identity's
/// "`STATUS` response from the OIDC endpoint"), naming the variable to fix; `None` keeps the
/// credential's general hint.
fn pipelines_oidc_hint(kind: CredentialKind, message: &str) -> Option<String> {
    if kind != CredentialKind::AzurePipelines {
        return None;
    }
    let before = &message[..message.find(" response from the OIDC endpoint")?];
    let status: u16 = before
        .rsplit(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()?;
    match status {
        401 => Some(format!(
            "the OIDC endpoint in SYSTEM_OIDCREQUESTURI refused SYSTEM_ACCESSTOKEN ({status}): map the job's token into the step with `env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)` (scripts do not see it otherwise; a token from another job or run is refused)"
        )),
        403 => Some(format!(
            "the OIDC endpoint in SYSTEM_OIDCREQUESTURI denied SYSTEM_ACCESSTOKEN the service connection in AZURESUBSCRIPTION_SERVICE_CONNECTION_ID ({status}): authorize this pipeline to use the service connection (Project settings > Service connections > Security)"
        )),
        400 | 404 => Some(format!(
            "the OIDC endpoint in SYSTEM_OIDCREQUESTURI knows no service connection AZURESUBSCRIPTION_SERVICE_CONNECTION_ID ({status}): use the `resourceId` of the service connection's page (the AzureCLI@2 task sets it for its `azureSubscription`), and check that it uses workload identity federation"
        )),
        _ => None,
    }
}

/// Chooses and builds the credential.
///
/// `endpoint` is the ARM endpoint (the authority host for [`CredentialSource::Local`]);
/// `http` is the one reqwest client of the ARM client.
pub fn select(
    source: &CredentialSource,
    env: &dyn Env,
    cloud: &Cloud,
    endpoint: &Url,
    http: &reqwest::Client,
) -> Result<Credential, ArmError> {
    match source {
        CredentialSource::Custom {
            credential,
            description,
        } => Ok(Credential::new(
            credential.clone(),
            CredentialKind::Custom,
            description.clone(),
            "check the credential given to the ARM client",
        )),
        CredentialSource::Local => {
            let authority = endpoint.as_str().trim_end_matches('/').to_string();
            let options = ClientSecretCredentialOptions {
                client_options: client_options(http, custom(authority.clone())),
            };
            let cred = ClientSecretCredential::new(
                LOCAL_TENANT_ID,
                LOCAL_CLIENT_ID.to_string(),
                Secret::new(LOCAL_CLIENT_SECRET),
                Some(options),
            )
            .map_err(|e| cfg_err("local credential", e))?;
            Ok(Credential::new(
                cred,
                CredentialKind::Local,
                format!("emulator client secret (--local, token endpoint at {authority})"),
                format!(
                    "the emulator at {authority} issued no token: is it running, and is its certificate the one azlift trusts?"
                ),
            ))
        }
        CredentialSource::ClientSecret {
            tenant_id,
            client_id,
            secret,
        } => client_secret(
            tenant_id,
            client_id,
            secret.clone(),
            cloud_configuration(cloud, env),
            http,
            "explicit client secret",
        ),
        CredentialSource::Environment => from_environment(env, cloud, http),
    }
}

fn client_secret(
    tenant_id: &str,
    client_id: &str,
    secret: Secret,
    cloud: CloudConfiguration,
    http: &reqwest::Client,
    origin: &str,
) -> Result<Credential, ArmError> {
    let options = ClientSecretCredentialOptions {
        client_options: client_options(http, cloud),
    };
    let cred = ClientSecretCredential::new(tenant_id, client_id.to_string(), secret, Some(options))
        .map_err(|e| missing("ClientSecretCredential", &e.to_string(), HINT_SECRET))?;
    Ok(Credential::new(
        cred,
        CredentialKind::ClientSecret,
        format!("client secret ({origin}; client id {client_id}, tenant {tenant_id})"),
        HINT_SECRET,
    ))
}

fn from_environment(
    env: &dyn Env,
    cloud: &Cloud,
    http: &reqwest::Client,
) -> Result<Credential, ArmError> {
    let cloud_cfg = cloud_configuration(cloud, env);
    let client_id = var(env, "AZURE_CLIENT_ID");
    let tenant_id = var(env, "AZURE_TENANT_ID");

    // 0. An explicit choice of a credential the environment cannot reveal (IMDS on a VM, one
    // particular developer tool).
    if let Some(choice) = var(env, "AZLIFT_CREDENTIAL") {
        return forced(&choice, client_id, tenant_id, cloud_cfg, http);
    }

    // 1. A service principal secret.
    if let Some(secret) = var(env, "AZURE_CLIENT_SECRET") {
        let (Some(c), Some(t)) = (&client_id, &tenant_id) else {
            return Err(missing(
                "ClientSecretCredential",
                "AZURE_CLIENT_SECRET is set but AZURE_CLIENT_ID or AZURE_TENANT_ID is not",
                "set AZURE_CLIENT_ID and AZURE_TENANT_ID next to AZURE_CLIENT_SECRET",
            ));
        };
        return client_secret(
            t,
            c,
            Secret::new(secret),
            cloud_cfg,
            http,
            "AZURE_CLIENT_SECRET",
        );
    }

    // 2. Workload identity: a federated token in a file (Kubernetes, any CI).
    if let Some(file) = var(env, "AZURE_FEDERATED_TOKEN_FILE") {
        let (Some(c), Some(t)) = (&client_id, &tenant_id) else {
            return Err(missing(
                "WorkloadIdentityCredential",
                "AZURE_FEDERATED_TOKEN_FILE is set but AZURE_CLIENT_ID or AZURE_TENANT_ID is not",
                "set AZURE_CLIENT_ID and AZURE_TENANT_ID next to AZURE_FEDERATED_TOKEN_FILE",
            ));
        };
        let options = WorkloadIdentityCredentialOptions {
            credential_options: ClientAssertionCredentialOptions {
                client_options: client_options(http, cloud_cfg),
            },
            client_id: Some(c.clone()),
            tenant_id: Some(t.clone()),
            token_file_path: Some(PathBuf::from(&file)),
        };
        let cred = WorkloadIdentityCredential::new(Some(options))
            .map_err(|e| missing("WorkloadIdentityCredential", &e.to_string(), HINT_WORKLOAD))?;
        return Ok(Credential::new(
            cred,
            CredentialKind::WorkloadIdentity,
            format!("workload identity from AZURE_FEDERATED_TOKEN_FILE ({file}; client id {c})"),
            HINT_WORKLOAD,
        ));
    }

    // 3. GitHub Actions OIDC (needs `permissions: id-token: write`).
    if let (Some(url), Some(token), Some(c), Some(t)) = (
        var(env, "ACTIONS_ID_TOKEN_REQUEST_URL"),
        var(env, "ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
        &client_id,
        &tenant_id,
    ) {
        let assertion = GitHubOidcAssertion {
            request_url: url,
            audience: federation_audience(cloud),
            request_token: Secret::new(token),
            http: http.clone(),
        };
        let cred = ClientAssertionCredential::new(
            t.clone(),
            c.clone(),
            assertion,
            Some(ClientAssertionCredentialOptions {
                client_options: client_options(http, cloud_cfg),
            }),
        )
        .map_err(|e| missing("ClientAssertionCredential", &e.to_string(), HINT_GITHUB))?;
        return Ok(Credential::new(
            cred,
            CredentialKind::GitHubOidc,
            format!("GitHub Actions OIDC federation (client id {c}, tenant {t})"),
            HINT_GITHUB,
        ));
    }

    // 4. Azure Pipelines OIDC through a service connection.
    if let (Some(conn), Some(access), Some(_)) = (
        var(env, "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"),
        var(env, "SYSTEM_ACCESSTOKEN"),
        var(env, "SYSTEM_OIDCREQUESTURI"),
    ) {
        let c = var(env, "AZURESUBSCRIPTION_CLIENT_ID").or(client_id.clone());
        let t = var(env, "AZURESUBSCRIPTION_TENANT_ID").or(tenant_id.clone());
        let (Some(c), Some(t)) = (c, t) else {
            return Err(missing(
                "AzurePipelinesCredential",
                "an Azure Pipelines service connection is set but no client or tenant id",
                "set AZURESUBSCRIPTION_CLIENT_ID and AZURESUBSCRIPTION_TENANT_ID (or AZURE_CLIENT_ID and AZURE_TENANT_ID)",
            ));
        };
        let options = AzurePipelinesCredentialOptions {
            credential_options: ClientAssertionCredentialOptions {
                client_options: client_options(http, cloud_cfg),
            },
        };
        let cred =
            AzurePipelinesCredential::new(t.clone(), c.clone(), &conn, access, Some(options))
                .map_err(|e| missing("AzurePipelinesCredential", &e.to_string(), HINT_PIPELINES))?;
        return Ok(Credential::new(
            cred,
            CredentialKind::AzurePipelines,
            format!("Azure Pipelines OIDC (service connection {conn}; client id {c})"),
            HINT_PIPELINES,
        ));
    }

    // 5. Managed identity (App Service, Functions, Container Apps; MSI_ENDPOINT hosts).
    if var(env, "IDENTITY_ENDPOINT").is_some() || var(env, "MSI_ENDPOINT").is_some() {
        return managed_identity(client_id, cloud_cfg, http);
    }

    // 6. A developer's own login: Azure CLI, then Azure Developer CLI.
    let cred = DeveloperToolsCredential::new(None)
        .map_err(|e| missing("DeveloperToolsCredential", &e.to_string(), HINT_DEVTOOLS))?;
    Ok(Credential::new(
        cred,
        CredentialKind::DeveloperTools,
        "developer tools (Azure CLI `az`, then Azure Developer CLI `azd`)",
        HINT_DEVTOOLS,
    ))
}

fn managed_identity(
    client_id: Option<String>,
    cloud_cfg: CloudConfiguration,
    http: &reqwest::Client,
) -> Result<Credential, ArmError> {
    let which = match &client_id {
        Some(c) => format!("user-assigned, client id {c}"),
        None => "system-assigned".to_string(),
    };
    let options = ManagedIdentityCredentialOptions {
        user_assigned_id: client_id.map(UserAssignedId::ClientId),
        client_options: client_options(http, cloud_cfg),
    };
    let cred = ManagedIdentityCredential::new(Some(options))
        .map_err(|e| missing("ManagedIdentityCredential", &e.to_string(), HINT_MANAGED))?;
    Ok(Credential::new(
        cred,
        CredentialKind::ManagedIdentity,
        format!("managed identity ({which})"),
        HINT_MANAGED,
    ))
}

/// `AZLIFT_CREDENTIAL=managed-identity|azure-cli|azd|developer-tools`.
fn forced(
    choice: &str,
    client_id: Option<String>,
    tenant_id: Option<String>,
    cloud_cfg: CloudConfiguration,
    http: &reqwest::Client,
) -> Result<Credential, ArmError> {
    let build_err = |name: &str, hint: &str| {
        let name = name.to_string();
        let hint = hint.to_string();
        move |e: azure_core::Error| missing(&name, &e.to_string(), &hint)
    };
    match choice.trim().to_ascii_lowercase().as_str() {
        "managed-identity" => managed_identity(client_id, cloud_cfg, http),
        "azure-cli" => {
            let options = AzureCliCredentialOptions {
                tenant_id,
                ..Default::default()
            };
            let cred = AzureCliCredential::new(Some(options))
                .map_err(build_err("AzureCliCredential", HINT_DEVTOOLS))?;
            Ok(Credential::new(
                cred,
                CredentialKind::DeveloperTools,
                "Azure CLI (`az`, chosen by AZLIFT_CREDENTIAL)",
                "run `az login`",
            ))
        }
        "azd" => {
            let options = AzureDeveloperCliCredentialOptions {
                tenant_id,
                ..Default::default()
            };
            let cred = AzureDeveloperCliCredential::new(Some(options))
                .map_err(build_err("AzureDeveloperCliCredential", HINT_DEVTOOLS))?;
            Ok(Credential::new(
                cred,
                CredentialKind::DeveloperTools,
                "Azure Developer CLI (`azd`, chosen by AZLIFT_CREDENTIAL)",
                "run `azd auth login`",
            ))
        }
        "developer-tools" => {
            let cred = DeveloperToolsCredential::new(None)
                .map_err(build_err("DeveloperToolsCredential", HINT_DEVTOOLS))?;
            Ok(Credential::new(
                cred,
                CredentialKind::DeveloperTools,
                "developer tools (Azure CLI `az`, then Azure Developer CLI `azd`; chosen by AZLIFT_CREDENTIAL)",
                HINT_DEVTOOLS,
            ))
        }
        other => Err(missing(
            "AZLIFT_CREDENTIAL",
            &format!("unknown credential `{other}`"),
            "set AZLIFT_CREDENTIAL to managed-identity, azure-cli, azd or developer-tools, or unset it",
        )),
    }
}

/// A GitHub Actions OIDC token fetched from `ACTIONS_ID_TOKEN_REQUEST_URL`, used as the
/// client assertion. Fetched anew whenever Entra ID needs one (GitHub's tokens are short-lived).
struct GitHubOidcAssertion {
    request_url: String,
    audience: &'static str,
    request_token: Secret,
    http: reqwest::Client,
}

impl fmt::Debug for GitHubOidcAssertion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GitHubOidcAssertion")
            .finish_non_exhaustive()
    }
}

fn credential_error(message: String) -> azure_core::Error {
    azure_core::Error::with_message(ErrorKind::Credential, message)
}

#[async_trait::async_trait]
impl ClientAssertion for GitHubOidcAssertion {
    async fn secret(
        &self,
        _options: Option<ClientMethodOptions<'_>>,
    ) -> azure_core::Result<String> {
        let mut url = Url::parse(&self.request_url).map_err(|e| {
            credential_error(format!("ACTIONS_ID_TOKEN_REQUEST_URL is not a URL: {e}"))
        })?;
        // GitHub's URL comes with `api-version`; any `audience` of its own is replaced, since
        // Entra ID accepts only this one.
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| k != "audience")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        url.query_pairs_mut()
            .clear()
            .extend_pairs(kept)
            .append_pair("audience", self.audience);
        let response = self
            .http
            .get(url)
            .bearer_auth(self.request_token.secret())
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| {
                credential_error(format!(
                    "could not reach GitHub's OIDC token service (ACTIONS_ID_TOKEN_REQUEST_URL): {e}"
                ))
            })?;
        let status = response.status();
        if !status.is_success() {
            return Err(credential_error(format!(
                "GitHub's OIDC token service answered {status} (check ACTIONS_ID_TOKEN_REQUEST_TOKEN and `permissions: id-token: write`)"
            )));
        }
        let body: serde_json::Value = response.json().await.map_err(|e| {
            credential_error(format!("GitHub's OIDC token service sent no JSON: {e}"))
        })?;
        body.get("value")
            .and_then(serde_json::Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| {
                credential_error("GitHub's OIDC token service sent no `value`".to_string())
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn pick(pairs: &[(&str, &str)]) -> Result<Credential, ArmError> {
        let endpoint = Url::parse("https://management.azure.com").unwrap();
        select(
            &CredentialSource::Environment,
            &env(pairs),
            &Cloud::Public,
            &endpoint,
            &reqwest::Client::new(),
        )
    }

    const IDS: [(&str, &str); 2] = [("AZURE_CLIENT_ID", "cid"), ("AZURE_TENANT_ID", "tid")];

    #[test]
    fn client_secret_wins_over_everything_else() {
        let mut p = IDS.to_vec();
        p.extend([
            ("AZURE_CLIENT_SECRET", "s3cret-value"),
            ("AZURE_FEDERATED_TOKEN_FILE", "/tmp/x"),
            ("IDENTITY_ENDPOINT", "http://localhost"),
        ]);
        let c = pick(&p).unwrap();
        assert_eq!(c.kind(), CredentialKind::ClientSecret);
        assert!(c.describe().contains("AZURE_CLIENT_SECRET"));
        assert!(!c.describe().contains("s3cret-value"));
        assert!(!format!("{c:?}").contains("s3cret-value"));
    }

    #[test]
    fn incomplete_secret_names_the_missing_variables() {
        let e = pick(&[("AZURE_CLIENT_SECRET", "x")]).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("AZURE_TENANT_ID"), "{text}");
    }

    #[test]
    fn federated_token_file_then_github_then_managed_identity() {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), "federated-token").unwrap();
        let path = file.path().to_string_lossy().to_string();
        let mut p = IDS.to_vec();
        p.push(("AZURE_FEDERATED_TOKEN_FILE", path.as_str()));
        p.push(("ACTIONS_ID_TOKEN_REQUEST_URL", "https://gh.example/token"));
        p.push(("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "t"));
        assert_eq!(pick(&p).unwrap().kind(), CredentialKind::WorkloadIdentity);
        p.retain(|(k, _)| *k != "AZURE_FEDERATED_TOKEN_FILE");
        assert_eq!(pick(&p).unwrap().kind(), CredentialKind::GitHubOidc);
        let mi = pick(&[
            ("IDENTITY_ENDPOINT", "http://localhost:1"),
            ("IDENTITY_HEADER", "h"),
        ]);
        assert_eq!(mi.unwrap().kind(), CredentialKind::ManagedIdentity);
    }

    #[test]
    fn explicit_choice_overrides_detection_and_unknown_values_are_named() {
        let mut p = IDS.to_vec();
        p.push(("AZURE_CLIENT_SECRET", "s"));
        p.push(("AZLIFT_CREDENTIAL", "managed-identity"));
        let c = pick(&p).unwrap();
        assert_eq!(c.kind(), CredentialKind::ManagedIdentity);
        assert!(c.describe().contains("user-assigned, client id cid"));
        assert!(
            pick(&[("AZLIFT_CREDENTIAL", "azure-cli")])
                .unwrap()
                .describe()
                .contains("Azure CLI")
        );
        let e = pick(&[("AZLIFT_CREDENTIAL", "magic")])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("AZLIFT_CREDENTIAL") && e.contains("magic"),
            "{e}"
        );
    }

    #[test]
    fn github_without_client_id_falls_through_to_developer_tools() {
        let c = pick(&[
            ("ACTIONS_ID_TOKEN_REQUEST_URL", "https://gh.example/token"),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "t"),
        ])
        .unwrap();
        assert_eq!(c.kind(), CredentialKind::DeveloperTools);
        assert!(c.hint().contains("az login"));
    }

    #[test]
    fn entra_errors_of_federated_credentials_name_the_variable_to_fix() {
        assert_eq!(
            aadsts_code("x failed. AADSTS700024: Client assertion"),
            Some(700024)
        );
        assert_eq!(aadsts_code("no code here"), None);
        let expired = entra_hint(
            CredentialKind::GitHubOidc,
            "ClientAssertionCredential authentication failed. AADSTS700024: Client assertion is not within its valid time range.",
        )
        .unwrap();
        assert!(expired.contains("expired"), "{expired}");
        assert!(
            expired.contains("ACTIONS_ID_TOKEN_REQUEST_URL"),
            "{expired}"
        );
        let audience = entra_hint(
            CredentialKind::WorkloadIdentity,
            "AADSTS700212: No matching federated identity record found for presented assertion audience 'api://x'.",
        )
        .unwrap();
        assert!(
            audience.contains("AZURE_FEDERATED_TOKEN_FILE"),
            "{audience}"
        );
        assert!(audience.contains(GITHUB_OIDC_AUDIENCE), "{audience}");
        let subject = entra_hint(CredentialKind::GitHubOidc, "AADSTS700213: No matching").unwrap();
        assert!(
            subject.contains("repo:OWNER/REPO:pull_request"),
            "{subject}"
        );
        let pipelines = entra_hint(
            CredentialKind::AzurePipelines,
            "AADSTS700024: Client assertion is not within its valid time range.",
        )
        .unwrap();
        assert!(pipelines.contains("SYSTEM_OIDCREQUESTURI"), "{pipelines}");
        let pipelines = entra_hint(CredentialKind::AzurePipelines, "AADSTS700213: x").unwrap();
        assert!(
            pipelines.contains("AZURESUBSCRIPTION_CLIENT_ID"),
            "{pipelines}"
        );
        assert!(pipelines.contains("sc://"), "{pipelines}");
        // A client secret's failure keeps the general hint, as does an unknown code.
        assert_eq!(
            entra_hint(CredentialKind::ClientSecret, "AADSTS700024: x"),
            None
        );
        assert_eq!(entra_hint(CredentialKind::GitHubOidc, "AADSTS1: x"), None);
    }

    #[test]
    fn azure_pipelines_without_ids_names_the_variables() {
        // (Building the credential itself reads SYSTEM_OIDCREQUESTURI from the process
        // environment inside azure_identity, so only the refusal is tested here.)
        let e = pick(&[
            ("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID", "conn"),
            ("SYSTEM_ACCESSTOKEN", "vss-token-value"),
            (
                "SYSTEM_OIDCREQUESTURI",
                "https://dev.azure.com/o/_apis/oidc",
            ),
        ])
        .unwrap_err()
        .to_string();
        assert!(e.contains("AZURESUBSCRIPTION_CLIENT_ID"), "{e}");
        assert!(!e.contains("vss-token-value"), "{e}");
        // Without SYSTEM_ACCESSTOKEN mapped into the step, the step is skipped.
        let c = pick(&[
            ("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID", "conn"),
            (
                "SYSTEM_OIDCREQUESTURI",
                "https://dev.azure.com/o/_apis/oidc",
            ),
            ("AZURESUBSCRIPTION_CLIENT_ID", "cid"),
            ("AZURESUBSCRIPTION_TENANT_ID", "tid"),
        ])
        .unwrap();
        assert_eq!(c.kind(), CredentialKind::DeveloperTools);
    }

    #[test]
    fn azure_pipelines_oidc_endpoint_refusals_name_the_variable_to_fix() {
        let msg = |status: u16| {
            format!(
                "AzurePipelinesCredential authentication failed. {status} response from the OIDC endpoint. Check service connection ID and pipeline configuration. Headers {{ }}"
            )
        };
        let refused = pipelines_oidc_hint(CredentialKind::AzurePipelines, &msg(401)).unwrap();
        assert!(refused.contains("SYSTEM_ACCESSTOKEN"), "{refused}");
        assert!(refused.contains("$(System.AccessToken)"), "{refused}");
        let unknown = pipelines_oidc_hint(CredentialKind::AzurePipelines, &msg(404)).unwrap();
        assert!(
            unknown.contains("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"),
            "{unknown}"
        );
        let denied = pipelines_oidc_hint(CredentialKind::AzurePipelines, &msg(403)).unwrap();
        assert!(denied.contains("authorize this pipeline"), "{denied}");
        // Other statuses, other credentials and other messages keep the general hint.
        assert_eq!(
            pipelines_oidc_hint(CredentialKind::AzurePipelines, &msg(500)),
            None
        );
        assert_eq!(
            pipelines_oidc_hint(CredentialKind::GitHubOidc, &msg(401)),
            None
        );
        assert_eq!(
            pipelines_oidc_hint(CredentialKind::AzurePipelines, "AADSTS700024: x"),
            None
        );
    }

    #[test]
    fn sovereign_clouds_have_their_own_federation_audience() {
        assert_eq!(
            federation_audience(&Cloud::Public),
            "api://AzureADTokenExchange"
        );
        assert_eq!(
            federation_audience(&Cloud::China),
            "api://AzureADTokenExchangeChina"
        );
        assert_eq!(
            federation_audience(&Cloud::UsGov),
            "api://AzureADTokenExchangeUSGov"
        );
    }

    #[test]
    fn authority_host_variable_overrides_the_cloud() {
        let e = env(&[("AZURE_AUTHORITY_HOST", "https://login.example")]);
        match cloud_configuration(&Cloud::China, &e) {
            CloudConfiguration::Custom(c) => assert_eq!(c.authority_host, "https://login.example"),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            cloud_configuration(&Cloud::China, &env(&[])),
            CloudConfiguration::AzureChina
        );
    }
}
