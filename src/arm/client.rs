//! The ARM client: one reqwest client as the transport of an azure_core `Pipeline` (bearer
//! token policy, no SDK retry), and the retry loop around `pipeline.send` that every ARM
//! request goes through.
//!
//! Why retries live around `pipeline.send` and not in an azure_core retry policy: the
//! decision needs what only the caller knows (a 404 is transient right after a create and
//! final otherwise), it must emit events into the caller's [`OpContext`], count into
//! [`RequestStats`], share the pacer across tasks and stop on cancel. The SDK's own retry
//! policy is therefore switched off (`RetryOptions::none()`) so that the two never multiply
//! (8 SDK retries inside each of ours would mean 64 attempts and hammering a throttled ARM).

use std::sync::Arc;
use std::time::Duration;

use azure_core::error::ErrorKind;
use azure_core::http::headers::{HeaderName, Headers};
use azure_core::http::policies::Policy;
use azure_core::http::policies::auth::BearerTokenAuthorizationPolicy;
use azure_core::http::{
    ClientOptions, Context, Method, Pipeline, PipelineSendOptions, Request, RetryOptions,
    Transport, Url,
};
use serde_json::Value;
use tokio::time::Instant;

use super::config::ArmConfig;
use super::credentials::{self, Credential, Env, ProcessEnv};
use super::error::{ArmError, ErrorBody};
use super::events::{ArmEvent, OpContext};
use super::ids::arm_type_of;
use super::retry::{self, Expect, Transient};
use super::stats::{Counters, RequestStats};
use super::throttle::{Class, Pacer};

/// An ARM answer that ended the retry loop: a success, or an error the caller interprets.
#[derive(Debug, Clone)]
pub(crate) struct ArmResponse {
    pub status: u16,
    pub headers: Headers,
    /// Parsed JSON body; `Null` when empty; a JSON string when the body was not JSON.
    pub body: Value,
}

impl ArmResponse {
    pub(crate) fn header(&self, name: &'static str) -> Option<&str> {
        self.headers
            .get_optional_str(&HeaderName::from_static(name))
            .filter(|v| !v.trim().is_empty())
    }

    pub(crate) fn request_id(&self) -> Option<String> {
        self.header("x-ms-request-id")
            .or_else(|| self.header("x-ms-correlation-request-id"))
            .map(str::to_string)
    }

    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub(crate) fn into_error(self, method: Method, resource: &str) -> ArmError {
        let request_id = self.request_id();
        ArmError::from_response(
            method.as_ref(),
            resource,
            self.status,
            &self.body,
            request_id,
        )
    }
}

/// One operation's bookkeeping: what it is about, when it started, its time limit.
#[derive(Debug, Clone)]
pub(crate) struct Op<'a> {
    /// The ARM id (for messages and the type).
    pub resource: &'a str,
    pub arm_type: String,
    pub started: Instant,
    pub limit: Duration,
    pub ctx: &'a OpContext,
}

impl Op<'_> {
    pub(crate) fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    pub(crate) fn timeout(&self) -> ArmError {
        ArmError::Timeout {
            resource: self.resource.to_string(),
            arm_type: self.arm_type.clone(),
            elapsed: self.elapsed(),
            limit: self.limit,
        }
    }

    /// Sleeps `d` unless that would pass the time limit (then `Timeout`) or the context is
    /// canceled (then `Canceled`).
    pub(crate) async fn wait(&self, d: Duration) -> Result<(), ArmError> {
        if self.elapsed() + d > self.limit {
            // Sleep what is left so that the timeout is reported at the limit, not early.
            let left = self.limit.saturating_sub(self.elapsed());
            if !self.ctx.sleep(left).await {
                return Err(self.canceled());
            }
            return Err(self.timeout());
        }
        if !self.ctx.sleep(d).await {
            return Err(self.canceled());
        }
        Ok(())
    }

    pub(crate) fn canceled(&self) -> ArmError {
        ArmError::Canceled {
            resource: self.resource.to_string(),
        }
    }
}

struct Inner {
    config: ArmConfig,
    pipeline: Pipeline,
    credential: Credential,
    http: reqwest::Client,
    pacer: Pacer,
    counters: Counters,
}

/// A client for Azure Resource Manager (or the emulator). Cheap to clone; clones share the
/// connection pool, the token cache, the pacer and the request counters.
#[derive(Clone)]
pub struct ArmClient {
    inner: Arc<Inner>,
    default_ctx: OpContext,
}

impl std::fmt::Debug for ArmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArmClient")
            .field("endpoint", &self.inner.config.endpoint.as_str())
            .field("credential", &self.inner.credential.describe())
            .finish_non_exhaustive()
    }
}

impl ArmClient {
    /// Builds the client, choosing the credential from the process environment when the
    /// config says [`credentials::CredentialSource::Environment`].
    pub fn new(config: ArmConfig) -> Result<Self, ArmError> {
        ArmClient::with_env(config, &ProcessEnv)
    }

    /// Like [`ArmClient::new`] with the environment variables given.
    pub fn with_env(config: ArmConfig, env: &dyn Env) -> Result<Self, ArmError> {
        if config.endpoint.scheme() != "https" {
            return Err(ArmError::Config(format!(
                "the ARM endpoint must be https (bearer tokens are never sent in clear): {}",
                config.endpoint
            )));
        }
        let http = build_http(&config)?;
        let credential = credentials::select(
            &config.credential,
            env,
            &config.cloud,
            &config.endpoint,
            &http,
        )?;
        let auth: Arc<dyn Policy> = Arc::new(BearerTokenAuthorizationPolicy::new(
            credential.token_credential(),
            [config.cloud.scope()],
        ));
        let options = ClientOptions {
            transport: Some(Transport::new(Arc::new(http.clone()))),
            retry: RetryOptions::none(),
            ..Default::default()
        };
        let pipeline = Pipeline::new(
            Some(env!("CARGO_PKG_NAME")),
            Some(env!("CARGO_PKG_VERSION")),
            options,
            Vec::new(),
            vec![auth],
            None,
        );
        Ok(ArmClient {
            inner: Arc::new(Inner {
                pacer: Pacer::new(config.throttle.clone()),
                config,
                pipeline,
                credential,
                http,
                counters: Counters::default(),
            }),
            default_ctx: OpContext::new(),
        })
    }

    /// The context used by calls that take none (`get`, `post`, `head_resource_group`).
    pub fn with_default_context(mut self, ctx: OpContext) -> Self {
        self.default_ctx = ctx;
        self
    }

    pub(crate) fn default_ctx(&self) -> &OpContext {
        &self.default_ctx
    }

    pub fn config(&self) -> &ArmConfig {
        &self.inner.config
    }

    /// The credential in use.
    pub fn credential(&self) -> &Credential {
        &self.inner.credential
    }

    /// Which credential is used, for `-v`.
    pub fn describe(&self) -> &str {
        self.inner.credential.describe()
    }

    /// The one HTTP client (for other Azure clients that should share trust and pool).
    pub fn http_client(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// Requests sent so far by this client and its clones.
    pub fn stats(&self) -> RequestStats {
        self.inner.counters.snapshot()
    }

    /// `endpoint + id` with `api-version` set. An id may carry extra query parameters
    /// (`...?force=true`); they are kept.
    pub(crate) fn url(&self, id: &str, api_version: &str) -> Result<Url, ArmError> {
        let base = self.inner.config.endpoint.as_str().trim_end_matches('/');
        let path = if id.starts_with('/') {
            id.to_string()
        } else {
            format!("/{id}")
        };
        let mut url = Url::parse(&format!("{base}{path}"))
            .map_err(|e| ArmError::Config(format!("bad resource id {id}: {e}")))?;
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| k != "api-version")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        {
            let mut q = url.query_pairs_mut();
            q.clear();
            q.append_pair("api-version", api_version);
            for (k, v) in &kept {
                q.append_pair(k, v);
            }
        }
        Ok(url)
    }

    /// Starts an operation on `id` with its per-type limit.
    pub(crate) fn op<'a>(&self, id: &'a str, ctx: &'a OpContext) -> Op<'a> {
        let arm_type = arm_type_of(id);
        let limit = self.inner.config.timeouts.for_type(&arm_type);
        Op {
            resource: id,
            arm_type,
            started: Instant::now(),
            limit,
            ctx,
        }
    }

    pub(crate) fn poll_policy(&self) -> &super::config::PollPolicy {
        &self.inner.config.poll
    }

    /// Checks that a URL from a response (`Azure-AsyncOperation`, `Location`) may receive
    /// our bearer token: https, and the ARM endpoint's host (or both on loopback).
    pub(crate) fn trusted_poll_url(&self, raw: &str, resource: &str) -> Result<Url, ArmError> {
        let invalid = |message: String| ArmError::InvalidResponse {
            resource: resource.to_string(),
            message,
        };
        let base = &self.inner.config.endpoint;
        let url = base
            .join(raw)
            .map_err(|e| invalid(format!("bad polling URL {raw}: {e}")))?;
        let loopback = |u: &Url| {
            matches!(
                u.host_str(),
                Some("localhost") | Some("127.0.0.1") | Some("[::1]") | Some("::1")
            )
        };
        let same_host = url.host_str().map(str::to_ascii_lowercase)
            == base.host_str().map(str::to_ascii_lowercase);
        if url.scheme() != "https" || !(same_host || (loopback(&url) && loopback(base))) {
            return Err(invalid(format!(
                "refusing to send credentials to polling URL {} (not the ARM endpoint's host)",
                url.origin().ascii_serialization()
            )));
        }
        Ok(url)
    }

    /// Sends one logical request, retrying transient failures. Returns the final answer,
    /// success or not (the caller interprets non-success statuses), or an error when no
    /// answer came (transport), the credential failed, the limit passed, or the context was
    /// canceled.
    pub(crate) async fn execute(
        &self,
        method: Method,
        url: &Url,
        body: Option<&Value>,
        expect: Expect,
        op: &Op<'_>,
    ) -> Result<ArmResponse, ArmError> {
        let policy = &self.inner.config.retry;
        let class = Class::of(method);
        let payload = match body {
            Some(v) => Some(serde_json::to_vec(v).map_err(|e| {
                ArmError::Config(format!("request body for {} is not JSON: {e}", op.resource))
            })?),
            None => None,
        };
        let mut retries = 0u32;
        let mut consistency_retries = 0u32;
        loop {
            if op.ctx.is_canceled() {
                return Err(op.canceled());
            }
            let slot = self.inner.pacer.reserve(class);
            if !slot.wait.is_zero() {
                if let Some(remaining) = slot.paced {
                    self.inner.counters.paced();
                    op.ctx.emit(ArmEvent::SlowingDown { remaining });
                }
                op.wait(slot.wait).await?;
            }

            let mut request = Request::new(url.clone(), method);
            request.insert_header("accept", "application/json");
            if let Some(p) = &payload {
                request.insert_header("content-type", "application/json");
                request.set_body(p.clone());
            }
            self.inner.counters.sent(method);
            let sent = self
                .inner
                .pipeline
                .send(
                    &Context::new(),
                    &mut request,
                    Some(PipelineSendOptions {
                        skip_checks: true,
                        ..Default::default()
                    }),
                )
                .await;

            let (kind, status, code, retry_after, last) = match sent {
                Ok(raw) => {
                    let (status, headers, body) = raw.deconstruct();
                    self.inner.pacer.observe(&headers);
                    let status = u16::from(status);
                    let body = parse_body(body.as_ref());
                    let response = ArmResponse {
                        status,
                        headers,
                        body,
                    };
                    if response.is_success() {
                        return Ok(response);
                    }
                    let err = ErrorBody::parse(&response.body);
                    let Some(kind) = retry::classify(status, err.as_ref(), expect) else {
                        return Ok(response);
                    };
                    let code = err.map(|e| e.top.code).unwrap_or_default();
                    let ra = retry::retry_after(&response.headers);
                    (kind, Some(status), code, ra, Ok(response))
                }
                Err(e) => match e.kind() {
                    ErrorKind::Credential => return Err(self.inner.credential.auth_error(&e)),
                    ErrorKind::Io | ErrorKind::Connection => (
                        Transient::Transport,
                        None,
                        String::new(),
                        None,
                        Err(crate::text::with_causes(&e)),
                    ),
                    _ => {
                        return Err(ArmError::Transport {
                            method: method.to_string(),
                            resource: op.resource.to_string(),
                            message: e.to_string(),
                            attempts: retries + 1,
                        });
                    }
                },
            };

            // Nothing answers at all (refused, unresolvable): a dead endpoint, usually a wrong
            // setting. A couple of quick retries, then the cause, within seconds.
            let unreachable = matches!(&last, Err(m) if retry::never_connected(m));
            let within_budget = if unreachable {
                retries < retry::UNREACHABLE_RETRIES
            } else if kind == Transient::NotYetVisible {
                consistency_retries += 1;
                consistency_retries <= policy.consistency_retries
            } else {
                retries < policy.max_retries
            };
            if !within_budget {
                return match last {
                    Ok(response) => Ok(response),
                    Err(message) => Err(ArmError::Transport {
                        method: method.to_string(),
                        resource: op.resource.to_string(),
                        message,
                        attempts: retries + 1,
                    }),
                };
            }
            if kind != Transient::NotYetVisible {
                retries += 1;
            }
            let n = if kind == Transient::NotYetVisible {
                consistency_retries
            } else {
                retries
            };
            let mut delay = retry::delay(policy, kind, n, retry_after);
            if unreachable {
                delay = delay.min(retry::UNREACHABLE_DELAY);
            }
            if kind == Transient::Throttled {
                self.inner.counters.throttled();
                let wait = retry_after.unwrap_or(delay);
                self.inner.pacer.block(class, Instant::now() + wait);
                op.ctx.emit(ArmEvent::Throttled { retry_after: wait });
            }
            let reason = kind.describe(status, &code);
            tracing::debug!(
                method = %method,
                resource = op.resource,
                %reason,
                delay_ms = delay.as_millis() as u64,
                "retrying ARM request"
            );
            op.ctx.emit(ArmEvent::Retrying {
                reason,
                attempt: n,
                delay,
            });
            self.inner.counters.retried();
            op.wait(delay).await?;
        }
    }
}

/// Parses a response body: JSON, `Null` when empty, a JSON string when it is not JSON.
fn parse_body(bytes: &[u8]) -> Value {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Value::Null;
    }
    serde_json::from_slice(bytes).unwrap_or_else(|_| {
        Value::String(String::from_utf8_lossy(bytes).chars().take(2000).collect())
    })
}

fn build_http(config: &ArmConfig) -> Result<reqwest::Client, ArmError> {
    http_client(
        config.extra_root_certificate_pem.as_deref(),
        config.request_timeout,
        config.parallelism,
    )
}

/// The one way azlift builds a reqwest client for Azure: no redirects, bounded timeouts, and
/// `extra_root_pem` (one or more PEM certificates) trusted beside the system roots. Shared by
/// the ARM client and the Azure Blob state backend.
pub fn http_client(
    extra_root_pem: Option<&str>,
    request_timeout: Duration,
    pool_max_idle_per_host: usize,
) -> Result<reqwest::Client, ArmError> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(20))
        .timeout(request_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(pool_max_idle_per_host.max(1));
    if let Some(pem) = extra_root_pem {
        let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
            .map_err(|e| ArmError::Config(format!("extra root certificate: {e}")))?;
        if certs.is_empty() {
            return Err(ArmError::Config(
                "extra root certificate: no certificate in the PEM text".to_string(),
            ));
        }
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder
        .build()
        .map_err(|e| ArmError::Config(format!("HTTP client: {e}")))
}
