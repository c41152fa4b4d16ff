//! Configuration of the ARM client: endpoint and cloud, trust, credential source, retry,
//! long-running-operation polling, throttling and per-type operation timeouts.

use std::time::Duration;

use azure_core::http::Url;

use super::credentials::{CredentialSource, Env};
use super::error::ArmError;

/// The ARM endpoint of the public cloud.
pub const PUBLIC_ENDPOINT: &str = "https://management.azure.com";

/// Which Azure cloud azlift talks to: decides the token audience and the Entra ID authority.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Cloud {
    #[default]
    Public,
    China,
    UsGov,
    /// Any other cloud (Azure Stack, a national cloud not listed, a test server).
    Custom {
        /// ARM endpoint, e.g. `https://management.example.net`.
        resource_manager: Url,
        /// Entra ID authority host, e.g. `https://login.example.net`. Must be https.
        authority_host: Url,
        /// Token audience for ARM, e.g. `https://management.example.net`; the scope asked
        /// for is `{audience}/.default`.
        audience: String,
    },
}

impl Cloud {
    /// The ARM endpoint of this cloud.
    pub fn resource_manager(&self) -> Url {
        let s = match self {
            Cloud::Public => PUBLIC_ENDPOINT,
            Cloud::China => "https://management.chinacloudapi.cn",
            Cloud::UsGov => "https://management.usgovcloudapi.net",
            Cloud::Custom {
                resource_manager, ..
            } => return resource_manager.clone(),
        };
        parse_static(s)
    }

    /// The Entra ID authority host of this cloud (before `AZURE_AUTHORITY_HOST` is applied).
    pub fn authority_host(&self) -> Url {
        let s = match self {
            Cloud::Public => "https://login.microsoftonline.com",
            Cloud::China => "https://login.chinacloudapi.cn",
            Cloud::UsGov => "https://login.microsoftonline.us",
            Cloud::Custom { authority_host, .. } => return authority_host.clone(),
        };
        parse_static(s)
    }

    /// The token audience for ARM in this cloud.
    pub fn audience(&self) -> String {
        match self {
            Cloud::Public => PUBLIC_ENDPOINT.to_string(),
            Cloud::China => "https://management.chinacloudapi.cn".to_string(),
            Cloud::UsGov => "https://management.usgovcloudapi.net".to_string(),
            Cloud::Custom { audience, .. } => audience.trim_end_matches('/').to_string(),
        }
    }

    /// The OAuth2 scope asked for when getting an ARM token.
    pub fn scope(&self) -> String {
        format!("{}/.default", self.audience())
    }
}

/// Names the ARM endpoint to use instead of the cloud's (see [`ArmConfig::from_environment`]).
pub const ENDPOINT_ENV: &str = "AZLIFT_ARM_ENDPOINT";
/// The token audience for [`ENDPOINT_ENV`].
pub const AUDIENCE_ENV: &str = "AZLIFT_ARM_AUDIENCE";
/// A PEM file of extra trusted roots, for ARM, the authority host and state storage.
pub const CA_CERT_ENV: &str = "AZLIFT_CA_CERT";

fn env_var(env: &dyn Env, key: &str) -> Option<String> {
    env.var(key).filter(|v| !v.trim().is_empty())
}

/// The PEM text of `AZLIFT_CA_CERT`, if set: read once, checked to hold a certificate.
pub fn extra_roots_from_env(env: &dyn Env) -> Result<Option<String>, ArmError> {
    let Some(path) = env_var(env, CA_CERT_ENV) else {
        return Ok(None);
    };
    let pem = std::fs::read_to_string(&path).map_err(|e| {
        ArmError::Config(format!(
            "{CA_CERT_ENV} names {path}, which could not be read ({e}): point it at a PEM certificate file"
        ))
    })?;
    if !pem.contains("-----BEGIN CERTIFICATE-----") {
        return Err(ArmError::Config(format!(
            "{CA_CERT_ENV} names {path}, which holds no PEM certificate"
        )));
    }
    Ok(Some(pem))
}

fn parse_static(s: &'static str) -> Url {
    // These literals are valid URLs; a failure here is a typo caught by the unit tests.
    Url::parse(s).unwrap_or_else(|_| unreachable!("invalid built-in URL {s}"))
}

/// How requests that fail transiently are retried.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt, per request (each LRO poll is its own request).
    pub max_retries: u32,
    /// First backoff ceiling; doubles on each retry.
    pub base_delay: Duration,
    /// Backoff ceiling cap.
    pub max_delay: Duration,
    /// Longest `Retry-After` honoured; larger values are capped to this.
    pub max_retry_after: Duration,
    /// Retries of a 404 that eventual consistency explains (a GET right after a create, a
    /// child PUT right after its parent's create). Bounded separately and small.
    pub consistency_retries: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 8,
            base_delay: Duration::from_millis(800),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(300),
            consistency_retries: 6,
        }
    }
}

/// How long-running operations are polled.
#[derive(Debug, Clone, PartialEq)]
pub struct PollPolicy {
    /// Interval when the service sends no `Retry-After`, early in the operation. It grows
    /// with the elapsed time (a tenth of it) up to `max_interval`.
    pub default_interval: Duration,
    /// Shortest interval, even when `Retry-After: 0`.
    pub min_interval: Duration,
    /// Longest interval, even when `Retry-After` asks for more.
    pub max_interval: Duration,
}

impl Default for PollPolicy {
    fn default() -> Self {
        PollPolicy {
            default_interval: Duration::from_secs(3),
            min_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(60),
        }
    }
}

/// Size and refill rate of one of ARM's throttling token buckets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    pub capacity: u32,
    pub refill_per_sec: f64,
}

/// Slow-down before ARM answers 429, from the `x-ms-ratelimit-remaining-subscription-*`
/// headers. Defaults are ARM's documented per-subscription, per-region buckets.
#[derive(Debug, Clone, PartialEq)]
pub struct ThrottlePolicy {
    pub enabled: bool,
    /// Pacing starts when the remaining count falls below this fraction of the bucket.
    pub low_water_fraction: f64,
    pub reads: Bucket,
    pub writes: Bucket,
    pub deletes: Bucket,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            enabled: true,
            low_water_fraction: 0.10,
            reads: Bucket {
                capacity: 250,
                refill_per_sec: 25.0,
            },
            writes: Bucket {
                capacity: 200,
                refill_per_sec: 10.0,
            },
            deletes: Bucket {
                capacity: 200,
                refill_per_sec: 10.0,
            },
        }
    }
}

/// Overall time limit of one operation (request, LRO polling and the final GET), per ARM type.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeouts {
    pub default: Duration,
    /// `(ARM type, limit)`; types compare case-insensitively and exactly (a child type such
    /// as `Microsoft.ApiManagement/service/loggers` has its own row or the default).
    pub per_type: Vec<(String, Duration)>,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            default: Duration::from_secs(10 * 60),
            per_type: vec![
                (
                    "Microsoft.ApiManagement/service".to_string(),
                    Duration::from_secs(60 * 60),
                ),
                (
                    "Microsoft.App/managedEnvironments".to_string(),
                    Duration::from_secs(20 * 60),
                ),
            ],
        }
    }
}

impl Timeouts {
    /// The limit for an ARM type.
    pub fn for_type(&self, arm_type: &str) -> Duration {
        self.per_type
            .iter()
            .find(|(t, _)| t.eq_ignore_ascii_case(arm_type))
            .map(|(_, d)| *d)
            .unwrap_or(self.default)
    }

    /// Every limit the same (tests).
    pub fn uniform(limit: Duration) -> Self {
        Timeouts {
            default: limit,
            per_type: Vec::new(),
        }
    }
}

/// Everything the ARM client needs to know.
#[derive(Debug, Clone)]
pub struct ArmConfig {
    /// ARM endpoint; defaults to the cloud's (public: `https://management.azure.com`).
    pub endpoint: Url,
    pub cloud: Cloud,
    /// A PEM certificate to trust in addition to the system roots (the emulator's, for
    /// `--local`).
    pub extra_root_certificate_pem: Option<String>,
    pub credential: CredentialSource,
    /// How many requests the caller expects to have in flight at once: sizes the connection
    /// pool.
    pub parallelism: usize,
    pub retry: RetryPolicy,
    pub poll: PollPolicy,
    pub throttle: ThrottlePolicy,
    pub timeouts: Timeouts,
    /// Per-request timeout of the HTTP transport (connect + response).
    pub request_timeout: Duration,
}

impl Default for ArmConfig {
    fn default() -> Self {
        ArmConfig::for_cloud(Cloud::Public)
    }
}

impl ArmConfig {
    /// Defaults for a cloud, with credentials picked from the environment.
    pub fn for_cloud(cloud: Cloud) -> Self {
        ArmConfig {
            endpoint: cloud.resource_manager(),
            cloud,
            extra_root_certificate_pem: None,
            credential: CredentialSource::Environment,
            parallelism: 16,
            retry: RetryPolicy::default(),
            poll: PollPolicy::default(),
            throttle: ThrottlePolicy::default(),
            timeouts: Timeouts::default(),
            request_timeout: Duration::from_secs(120),
        }
    }

    /// Azure, or any ARM endpoint named by the environment:
    /// - `AZLIFT_ARM_ENDPOINT`: an ARM base URL (Azure Stack, a sovereign cloud not built in, a
    ///   running `azlift emulator`). Tokens are then asked of `AZURE_AUTHORITY_HOST` (default:
    ///   the public authority) for the audience `AZLIFT_ARM_AUDIENCE` (default:
    ///   `https://management.azure.com`).
    /// - `AZLIFT_CA_CERT`: a PEM file trusted in addition to the system roots (for a private
    ///   endpoint or the emulator; the same file is trusted for the state storage endpoint).
    pub fn from_environment(env: &dyn Env) -> Result<Self, ArmError> {
        let mut config = match env_var(env, ENDPOINT_ENV) {
            None => ArmConfig::default(),
            Some(raw) => {
                let endpoint = Url::parse(raw.trim()).map_err(|e| {
                    ArmError::Config(format!(
                        "{ENDPOINT_ENV} is not a URL ({e}): set it to the ARM base URL, e.g. https://management.azure.com"
                    ))
                })?;
                if endpoint.scheme() != "https" {
                    return Err(ArmError::Config(format!(
                        "{ENDPOINT_ENV} must be an https URL: ARM clients send bearer tokens over TLS only"
                    )));
                }
                let authority_host = match env_var(env, "AZURE_AUTHORITY_HOST") {
                    Some(a) => Url::parse(a.trim()).map_err(|e| {
                        ArmError::Config(format!("AZURE_AUTHORITY_HOST is not a URL: {e}"))
                    })?,
                    None => Cloud::Public.authority_host(),
                };
                let audience =
                    env_var(env, AUDIENCE_ENV).unwrap_or_else(|| PUBLIC_ENDPOINT.to_string());
                ArmConfig::for_cloud(Cloud::Custom {
                    resource_manager: endpoint,
                    authority_host,
                    audience,
                })
            }
        };
        config.extra_root_certificate_pem = extra_roots_from_env(env)?;
        Ok(config)
    }

    /// `--local`: the emulator at `endpoint` (https), trusted through its certificate, with
    /// the emulator's fixed client-secret identity from its own token endpoint.
    pub fn local(endpoint: Url, certificate_pem: impl Into<String>) -> Self {
        ArmConfig {
            endpoint,
            extra_root_certificate_pem: Some(certificate_pem.into()),
            credential: CredentialSource::Local,
            ..ArmConfig::for_cloud(Cloud::Public)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clouds_have_distinct_endpoints_and_scopes() {
        for c in [Cloud::Public, Cloud::China, Cloud::UsGov] {
            assert_eq!(c.resource_manager().scheme(), "https");
            assert_eq!(c.authority_host().scheme(), "https");
            assert!(c.scope().ends_with("/.default"));
        }
        assert_eq!(
            Cloud::Public.scope(),
            "https://management.azure.com/.default"
        );
        assert_ne!(Cloud::China.scope(), Cloud::UsGov.scope());
    }

    fn env(pairs: &[(&str, &str)]) -> std::collections::HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn environment_without_overrides_is_public_azure() {
        let c = ArmConfig::from_environment(&env(&[])).unwrap();
        assert_eq!(c.endpoint.as_str(), "https://management.azure.com/");
        assert_eq!(c.cloud, Cloud::Public);
        assert!(c.extra_root_certificate_pem.is_none());
    }

    #[test]
    fn arm_endpoint_override_makes_a_custom_cloud() {
        let c = ArmConfig::from_environment(&env(&[
            (ENDPOINT_ENV, "https://127.0.0.1:8443"),
            ("AZURE_AUTHORITY_HOST", "https://127.0.0.1:8443/"),
        ]))
        .unwrap();
        assert_eq!(c.endpoint.as_str(), "https://127.0.0.1:8443/");
        assert_eq!(c.cloud.scope(), "https://management.azure.com/.default");
        assert_eq!(c.cloud.authority_host().as_str(), "https://127.0.0.1:8443/");
    }

    #[test]
    fn bad_overrides_name_the_variable() {
        let e = ArmConfig::from_environment(&env(&[(ENDPOINT_ENV, "http://127.0.0.1:80")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains(ENDPOINT_ENV) && e.contains("https"), "{e}");
        let e = ArmConfig::from_environment(&env(&[(ENDPOINT_ENV, "not a url")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains(ENDPOINT_ENV), "{e}");
        let e = ArmConfig::from_environment(&env(&[(CA_CERT_ENV, "/nonexistent/ca.pem")]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(CA_CERT_ENV) && e.contains("/nonexistent/ca.pem"),
            "{e}"
        );
    }

    #[test]
    fn ca_cert_file_must_hold_a_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "hello").unwrap();
        let p = path.to_string_lossy().to_string();
        let e = ArmConfig::from_environment(&env(&[(CA_CERT_ENV, &p)]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("no PEM certificate"), "{e}");
        std::fs::write(
            &path,
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let c = ArmConfig::from_environment(&env(&[(CA_CERT_ENV, &p)])).unwrap();
        assert!(c.extra_root_certificate_pem.is_some());
    }

    #[test]
    fn timeouts_by_type_ignore_case() {
        let t = Timeouts::default();
        assert_eq!(
            t.for_type("microsoft.apimanagement/SERVICE"),
            Duration::from_secs(3600)
        );
        assert_eq!(
            t.for_type("Microsoft.App/managedEnvironments"),
            Duration::from_secs(1200)
        );
        assert_eq!(
            t.for_type("Microsoft.ApiManagement/service/loggers"),
            Duration::from_secs(600)
        );
    }
}
