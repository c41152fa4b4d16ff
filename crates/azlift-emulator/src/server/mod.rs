//! The HTTP side of the emulator: start-up (TLS identity, listeners), the running handle,
//! and the request pipeline every request goes through (auth, throttle, faults, dispatch,
//! common ARM headers, request log).

mod admin;
mod arm;
mod generic;
mod oauth;
mod ops;
mod platform;
mod ratelimit;
pub(crate) mod respond;
mod shapes;
mod shaping;

use std::collections::{BTreeMap, VecDeque};
use std::convert::Infallible;
use std::future::Future;
use std::net::{SocketAddr, TcpListener};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum_server::Handle;
use axum_server::tls_rustls::RustlsConfig;
use tokio::sync::broadcast;

use crate::clock::Clock;
use crate::config::{EmulatorConfig, EmulatorError, Profile};
use crate::error::ArmError;
use crate::faults::{FaultHandle, FaultKind};
use crate::ids::{self, Route};
use crate::persist::{self, Persister};
use crate::provider_bridge::Provider;
use crate::store::{Cloud, Dirty};
use crate::throttle::BucketKind;
use crate::tls::{TlsIdentity, make_identity};
use ratelimit::{Drawn, RateLimits};

/// One line of the request log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    pub method: String,
    /// Path without the query string.
    pub path: String,
    /// HTTP status; 0 when the connection was dropped on purpose.
    pub status: u16,
    pub duration: Duration,
}

/// Requests counted by method (ARM endpoints only: `/subscriptions/...`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestStats {
    pub by_method: BTreeMap<String, u64>,
}

impl RequestStats {
    pub fn count(&self, method: &str) -> u64 {
        self.by_method
            .get(&method.to_ascii_uppercase())
            .copied()
            .unwrap_or(0)
    }
    pub fn total(&self) -> u64 {
        self.by_method.values().sum()
    }
}

/// Shared state of a running emulator.
pub(crate) struct App {
    pub cloud: Mutex<Cloud>,
    pub provider: Arc<dyn Provider>,
    pub clock: Clock,
    pub profile: Profile,
    pub faults: FaultHandle,
    rate: Mutex<RateLimits>,
    persist: Option<Persister>,
    pub base_url: String,
    pub token_key: Vec<u8>,
    pub strict_auth: bool,
    pub visibility_delay: Option<Duration>,
    log: Mutex<VecDeque<LoggedRequest>>,
    log_capacity: usize,
    stats: Mutex<BTreeMap<String, u64>>,
    events: broadcast::Sender<LoggedRequest>,
    pub ca_pem: String,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl App {
    pub fn cloud(&self) -> MutexGuard<'_, Cloud> {
        lock(&self.cloud)
    }

    /// Persist what changed (if a state file is configured): a journal line with the
    /// changed records, or the whole cloud when it was replaced or the journal has grown
    /// (see `persist`). The writer is taken before the cloud is released, so commits are
    /// written in order; the cloud is released before the file is written.
    pub fn commit(&self, mut cloud: MutexGuard<'_, Cloud>) {
        let Some(p) = &self.persist else {
            cloud.dirty = Dirty::default();
            return;
        };
        if cloud.dirty.is_empty() {
            return;
        }
        cloud.seq += 1;
        let mut writer = p.writer();
        let full = cloud.dirty.all || writer.wants_full();
        let bytes = if full {
            serde_json::to_vec(&*cloud)
        } else {
            persist::journal_line(&cloud)
        };
        cloud.dirty = Dirty::default();
        drop(cloud);
        let written = match bytes {
            Ok(b) if full => writer.write_full(&b),
            Ok(b) => writer.append(&b),
            Err(e) => {
                tracing::warn!("emulator state not serialised: {e}");
                return;
            }
        };
        if let Err(e) = written {
            tracing::warn!("emulator state not saved: {e}");
        }
    }

    /// Fold the journal into the base file (at shutdown). A run that changed nothing (a
    /// plan) leaves the file as it was, byte for byte.
    fn compact(&self) {
        let mut cloud = self.cloud();
        let journal = self.persist.as_ref().is_some_and(|p| p.journal_len() > 0);
        if !journal && cloud.dirty.is_empty() {
            return;
        }
        cloud.dirty.all = true;
        self.commit(cloud);
    }

    /// Finish the operations whose time has come; true when anything changed.
    pub fn settle(&self, cloud: &mut Cloud) -> bool {
        ops::settle(cloud, self.provider.as_ref(), self.clock.now_ms())
    }

    fn record(&self, entry: LoggedRequest, count: bool) {
        if count {
            *lock(&self.stats).entry(entry.method.clone()).or_insert(0) += 1;
        }
        if self.events.receiver_count() > 0 {
            let _ = self.events.send(entry.clone());
        }
        let mut log = lock(&self.log);
        if log.len() >= self.log_capacity {
            log.pop_front();
        }
        log.push_back(entry);
    }

    /// Draw a token from ARM's buckets (always on; the fault spec's `throttle-*` items
    /// change the figures).
    fn throttle_draw(&self, kind: BucketKind, route: &Route, req: &Req) -> Drawn {
        let limits = self.faults.throttle().unwrap_or_default();
        let who = platform::caller(req);
        let now = self.clock.now_ms();
        lock(&self.rate).draw(
            limits,
            kind,
            route.subscription(),
            &who.tenant,
            &who.principal,
            now,
        )
    }
}

/// A running emulator. Dropping it without [`RunningEmulator::shutdown`] leaves the server
/// running until the runtime ends.
pub struct RunningEmulator {
    app: Arc<App>,
    handles: Vec<Handle>,
    tasks: Vec<tokio::task::JoinHandle<std::io::Result<()>>>,
    https_port: u16,
    http_port: Option<u16>,
    host: String,
}

impl std::fmt::Debug for RunningEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningEmulator")
            .field("https_url", &self.https_url())
            .finish_non_exhaustive()
    }
}

impl RunningEmulator {
    /// `https://127.0.0.1:PORT` (no trailing slash): the ARM endpoint and authority host.
    pub fn https_url(&self) -> String {
        format!("https://{}:{}", self.host, self.https_port)
    }
    /// The plain-HTTP listener's URL, when one was asked for.
    pub fn http_url(&self) -> Option<String> {
        self.http_port.map(|p| format!("http://{}:{p}", self.host))
    }
    pub fn port(&self) -> u16 {
        self.https_port
    }
    /// PEM of the CA that signed the server certificate (made at start-up): what clients
    /// must trust (`reqwest::Certificate::from_pem`, `REQUESTS_CA_BUNDLE`).
    pub fn ca_certificate_pem(&self) -> String {
        self.app.ca_pem.clone()
    }
    /// A copy of the request log (oldest first).
    pub fn request_log(&self) -> Vec<LoggedRequest> {
        lock(&self.app.log).iter().cloned().collect()
    }
    pub fn clear_request_log(&self) {
        lock(&self.app.log).clear();
    }
    /// Every request as it completes (for `-v`).
    pub fn subscribe_requests(&self) -> broadcast::Receiver<LoggedRequest> {
        self.app.events.subscribe()
    }
    /// The live fault configuration.
    pub fn faults(&self) -> FaultHandle {
        self.app.faults.clone()
    }
    /// ARM requests counted by method.
    pub fn stats(&self) -> RequestStats {
        RequestStats {
            by_method: lock(&self.app.stats).clone(),
        }
    }
    pub fn reset_stats(&self) {
        lock(&self.app.stats).clear();
    }
    /// The emulator's clock (advance it when started with [`Clock::manual`]).
    pub fn clock(&self) -> Clock {
        self.app.clock.clone()
    }
    /// A token this emulator accepts even with `strict_auth` (as its token endpoint issues).
    pub fn issue_token(&self, tenant: &str, client_id: &str, scope: &str) -> String {
        oauth::issue(&self.app, tenant, client_id, scope)
    }
    /// Number of resources (groups included) currently stored.
    pub fn resource_count(&self) -> usize {
        self.app.cloud().resources.len()
    }

    /// Stop listening, let in-flight requests finish (at most 2 s), and wait for the server.
    pub async fn shutdown(self) {
        for h in &self.handles {
            h.graceful_shutdown(Some(Duration::from_secs(2)));
        }
        for t in self.tasks {
            let _ = t.await;
        }
        self.app.compact();
    }
}

/// Start an emulator on the current tokio runtime.
pub async fn start(config: EmulatorConfig) -> Result<RunningEmulator, EmulatorError> {
    start_with_provider(config, crate::default_provider()).await
}

/// Start an emulator with the given per-type provider.
pub async fn start_with_provider(
    config: EmulatorConfig,
    provider: Arc<dyn Provider>,
) -> Result<RunningEmulator, EmulatorError> {
    // Only aws-lc-rs is compiled in today; installing it explicitly keeps start-up working if
    // another crate ever enables rustls' ring provider too.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();

    let identity: TlsIdentity = make_identity()?;
    let bind = |port: u16| {
        let addr = SocketAddr::new(config.bind, port);
        TcpListener::bind(addr).map_err(|source| EmulatorError::Bind {
            addr: addr.to_string(),
            source,
        })
    };
    let https_listener = bind(config.port)?;
    let https_port = https_listener
        .local_addr()
        .map_err(|e| EmulatorError::Runtime(e.to_string()))?
        .port();
    let http_listener = config.http_port.map(bind).transpose()?;
    let http_port = match &http_listener {
        Some(l) => Some(
            l.local_addr()
                .map_err(|e| EmulatorError::Runtime(e.to_string()))?
                .port(),
        ),
        None => None,
    };
    let host = if config.bind.is_unspecified() || config.bind.is_loopback() {
        if config.bind.is_ipv6() {
            "[::1]".to_string()
        } else {
            "127.0.0.1".to_string()
        }
    } else if config.bind.is_ipv6() {
        format!("[{}]", config.bind)
    } else {
        config.bind.to_string()
    };
    let base_url = format!("https://{host}:{https_port}");

    let persist = config.state_file.clone().map(Persister::new);
    let mut cloud = match &persist {
        Some(p) => p.load()?,
        None => Cloud::default(),
    };
    let mut fresh = false;
    if cloud.token_key.is_empty() {
        cloud.token_key = hex::encode(rand::random::<[u8; 32]>());
        fresh = true;
    }
    // The first commit writes the whole cloud when there is something to write: a new cloud
    // (its signing key), or a journal left by a crash to fold in. Otherwise the file is left
    // alone until something changes, so a read-only run (a plan) does not rewrite it.
    if fresh || persist.as_ref().is_some_and(|p| p.journal_len() > 0) {
        cloud.dirty.all = true;
    }
    let token_key =
        hex::decode(&cloud.token_key).unwrap_or_else(|_| cloud.token_key.clone().into_bytes());

    let (events, _) = broadcast::channel(1024);
    let app = Arc::new(App {
        cloud: Mutex::new(cloud),
        provider,
        clock: config.clock.clone(),
        profile: config.profile,
        faults: FaultHandle::new(config.faults.clone()),
        rate: Mutex::new(RateLimits::default()),
        persist,
        base_url,
        token_key,
        strict_auth: config.strict_auth,
        visibility_delay: config.visibility_delay,
        log: Mutex::new(VecDeque::new()),
        log_capacity: config.request_log_capacity.max(1),
        stats: Mutex::new(BTreeMap::new()),
        events,
        ca_pem: identity.ca_pem.clone(),
    });
    // Write the (possibly new) state once so the file exists from the start.
    app.commit(app.cloud());

    let router = Router::new().fallback(dispatch).with_state(app.clone());
    let make = MakeDropService(DropService { router });

    let mut chain = identity.cert_pem.clone().into_bytes();
    chain.extend_from_slice(identity.ca_pem.as_bytes());
    let tls = RustlsConfig::from_pem(chain, identity.key_pem.clone().into_bytes())
        .await
        .map_err(|e| EmulatorError::Certificate(e.to_string()))?;

    let mut handles = Vec::new();
    let mut tasks = Vec::new();
    let h = Handle::new();
    handles.push(h.clone());
    let server = axum_server::from_tcp_rustls(https_listener, tls).handle(h);
    let m = make.clone();
    tasks.push(tokio::spawn(async move { server.serve(m).await }));
    if let Some(l) = http_listener {
        let h = Handle::new();
        handles.push(h.clone());
        let server = axum_server::from_tcp(l).handle(h);
        tasks.push(tokio::spawn(async move { server.serve(make).await }));
    }
    Ok(RunningEmulator {
        app,
        handles,
        tasks,
        https_port,
        http_port,
        host,
    })
}

/// The error a service returns to make hyper close the connection without a response.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by fault injection")]
pub struct DroppedConnection;

/// Wraps the router: a response marked [`respond::DropConnection`] becomes an error, and
/// hyper closes the connection without writing anything.
#[derive(Clone)]
struct DropService {
    router: Router,
}

impl<B> tower_service::Service<axum::http::Request<B>> for DropService
where
    Router: tower_service::Service<axum::http::Request<B>, Response = Response, Error = Infallible>,
    <Router as tower_service::Service<axum::http::Request<B>>>::Future: Send + 'static,
{
    type Response = Response;
    type Error = DroppedConnection;
    type Future = Pin<Box<dyn Future<Output = Result<Response, DroppedConnection>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: axum::http::Request<B>) -> Self::Future {
        let fut = tower_service::Service::call(&mut self.router, req);
        Box::pin(async move {
            let resp = match fut.await {
                Ok(r) => r,
                Err(never) => match never {},
            };
            if resp.extensions().get::<respond::DropConnection>().is_some() {
                Err(DroppedConnection)
            } else {
                Ok(resp)
            }
        })
    }
}

#[derive(Clone)]
struct MakeDropService(DropService);

impl<T> tower_service::Service<T> for MakeDropService {
    type Response = DropService;
    type Error = Infallible;
    type Future = std::future::Ready<Result<DropService, Infallible>>;
    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }
    fn call(&mut self, _target: T) -> Self::Future {
        std::future::ready(Ok(self.0.clone()))
    }
}

/// What a handler sees of a request.
pub(crate) struct Req {
    pub method: String,
    pub path: String,
    pub query: BTreeMap<String, String>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Req {
    pub fn api_version(&self) -> Option<&str> {
        self.query.get("api-version").map(String::as_str)
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

async fn dispatch(State(app): State<Arc<App>>, request: Request) -> Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, 16 * 1024 * 1024).await {
        Ok(b) => b,
        Err(_) => {
            return respond::error(&ArmError::bad_request(
                "InvalidRequestContent",
                "The request content could not be read.",
            ));
        }
    };
    let query: BTreeMap<String, String> = parts
        .uri
        .query()
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.to_ascii_lowercase(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    let req = Req {
        method: parts.method.as_str().to_ascii_uppercase(),
        path: parts.uri.path().to_string(),
        query,
        headers: parts.headers,
        body,
    };
    let route = ids::route(&req.path);
    let (response, is_arm) = match &route {
        Route::Admin(rest) => return admin::handle(&app, rest, &req),
        Route::Metadata => (platform::metadata(&app), false),
        Route::Token { .. } | Route::OpenIdConfiguration { .. } | Route::InstanceDiscovery => {
            (oauth::handle(&app, &route, &req), false)
        }
        _ => (arm_pipeline(&app, &route, &req).await, true),
    };
    let status = if response
        .extensions()
        .get::<respond::DropConnection>()
        .is_some()
    {
        0
    } else {
        response.status().as_u16()
    };
    app.record(
        LoggedRequest {
            method: req.method.clone(),
            path: req.path.clone(),
            status,
            duration: started.elapsed(),
        },
        is_arm,
    );
    response
}

/// The ARM type a route is about, for fault filters.
fn route_type(route: &Route) -> Option<String> {
    match route {
        Route::Resource(p) => Some(p.arm_type()),
        Route::ResourceGroup { .. } | Route::ResourceGroups { .. } => {
            Some("Microsoft.Resources/resourceGroups".into())
        }
        Route::TypeCollection { arm_type, .. } => Some(arm_type.clone()),
        _ => None,
    }
}

async fn arm_pipeline(app: &Arc<App>, route: &Route, req: &Req) -> Response {
    if let Some(latency) = app.faults.latency() {
        tokio::time::sleep(latency).await;
    }
    if let Err(resp) = oauth::check_bearer(app, req) {
        return *resp;
    }
    let bucket = BucketKind::of_method(&req.method);
    let remaining = match app.throttle_draw(bucket, route, req) {
        Drawn::Throttled {
            retry_after_secs,
            headers,
        } => {
            let mut r = respond::error(&ArmError::new(
                429,
                "SubscriptionRequestsThrottled",
                format!(
                    "Number of '{}' requests for subscription exceeded the limit. Please try again after '{retry_after_secs}' seconds.",
                    bucket.word()
                ),
            ));
            respond::header(&mut r, "retry-after", retry_after_secs.to_string());
            for (h, n) in headers {
                respond::header(&mut r, h, n.to_string());
            }
            return finish_headers(r, req);
        }
        Drawn::Allowed(headers) => headers,
    };
    let arm_type = route_type(route);
    let fault = app.faults.decide(&req.method, arm_type.as_deref());
    let mut response = match fault {
        Some(FaultKind::Drop) => return respond::dropped(),
        Some(FaultKind::TooManyRequests) => {
            let secs = app.faults.retry_after_secs();
            let mut r = respond::error(&ArmError::new(
                429,
                "TooManyRequests",
                format!(
                    "The request is being throttled (injected by the emulator). Retry after {secs} seconds."
                ),
            ));
            respond::header(&mut r, "retry-after", secs.to_string());
            r
        }
        Some(FaultKind::InternalServerError) => respond::error(&ArmError::new(
            500,
            "InternalServerError",
            "Encountered internal server error (injected by the emulator).",
        )),
        Some(FaultKind::ServiceUnavailable) => {
            let mut r = respond::error(&ArmError::new(
                503,
                "ServiceUnavailable",
                "The service is temporarily unavailable (injected by the emulator).",
            ));
            respond::header(
                &mut r,
                "retry-after",
                app.faults.retry_after_secs().to_string(),
            );
            r
        }
        Some(FaultKind::Conflict) => respond::error(&ArmError::conflict(
            "AnotherOperationInProgress",
            "Another operation is in progress on this resource (injected by the emulator). Retry later.",
        )),
        Some(FaultKind::DropAfter) => {
            let _ = arm::handle(app, route, req).await;
            return respond::dropped();
        }
        Some(FaultKind::FailLro) | None => arm::handle(app, route, req).await,
    };
    for (h, n) in remaining {
        respond::header(&mut response, h, n.to_string());
    }
    finish_headers(response, req)
}

fn finish_headers(mut r: Response, req: &Req) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let correlation = req
        .header("x-ms-correlation-request-id")
        .map(str::to_string)
        .unwrap_or_else(|| request_id.clone());
    respond::header(&mut r, "x-ms-request-id", &request_id);
    respond::header(&mut r, "x-ms-correlation-request-id", correlation);
    respond::header(
        &mut r,
        "x-ms-routing-request-id",
        format!("LOCAL:{request_id}"),
    );
    if let Some(id) = req.header("x-ms-client-request-id") {
        respond::header(&mut r, "x-ms-client-request-id", id);
    }
    r
}
