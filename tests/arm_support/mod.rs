//! A small scripted HTTPS mock of ARM (and of an Entra ID token endpoint) for the ARM client
//! tests: per (method, path) queues of replies, a record of every request with its arrival
//! time, and replies that drop the connection.

#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum_server::tls_rustls::RustlsConfig;
use azlift::arm::{ArmConfig, PollPolicy, RetryPolicy, Timeouts};
use azure_core::http::Url;
use serde_json::{Value, json};

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Reply {
    Json {
        status: u16,
        headers: Vec<(String, String)>,
        body: Value,
    },
    Empty {
        status: u16,
        headers: Vec<(String, String)>,
    },
    /// Close the connection without answering.
    Drop,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply::Json {
            status,
            headers: Vec::new(),
            body,
        }
    }
    pub fn empty(status: u16) -> Reply {
        Reply::Empty {
            status,
            headers: Vec::new(),
        }
    }
    pub fn error(status: u16, code: &str, message: &str) -> Reply {
        Reply::json(status, json!({"error": {"code": code, "message": message}}))
    }
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        match &mut self {
            Reply::Json { headers, .. } | Reply::Empty { headers, .. } => {
                headers.push((name.to_string(), value.to_string()))
            }
            Reply::Drop => {}
        }
        self
    }
}

/// A request the mock received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
    pub authorization: Option<String>,
    pub body: String,
    pub at: Instant,
}

#[derive(Default)]
struct MockState {
    scripts: Mutex<HashMap<(String, String), VecDeque<Reply>>>,
    always: Mutex<HashMap<(String, String), Reply>>,
    log: Mutex<Vec<Recorded>>,
    tokens: AtomicUsize,
}

fn key(method: &str, path: &str) -> (String, String) {
    (method.to_ascii_uppercase(), path.to_ascii_lowercase())
}

/// The running mock.
pub struct MockArm {
    pub base: String,
    pub pem: String,
    state: Arc<MockState>,
    handle: axum_server::Handle,
}

impl Drop for MockArm {
    fn drop(&mut self) {
        self.handle.shutdown();
    }
}

impl MockArm {
    pub async fn start() -> MockArm {
        let cert = rcgen::generate_simple_self_signed(vec![
            "localhost".to_string(),
            "127.0.0.1".to_string(),
        ])
        .unwrap();
        let pem = cert.cert.pem();
        let key = cert.signing_key.serialize_pem();
        let tls = RustlsConfig::from_pem(pem.clone().into_bytes(), key.into_bytes())
            .await
            .unwrap();
        // HTTP/1.1 only, so that a dropped connection is really dropped (one request per
        // connection at a time).
        let mut server_config = (*tls.get_inner()).clone();
        server_config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let tls = RustlsConfig::from_config(Arc::new(server_config));

        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let state = Arc::new(MockState::default());
        let app = Router::new().fallback(handle).with_state(state.clone());
        let handle = axum_server::Handle::new();
        let server = axum_server::from_tcp_rustls(listener, tls).handle(handle.clone());
        tokio::spawn(async move {
            let _ = server.serve(app.into_make_service()).await;
        });
        MockArm {
            base: format!("https://127.0.0.1:{}", addr.port()),
            pem,
            state,
            handle,
        }
    }

    /// Answers the next requests to (method, path) with `replies`, in order.
    pub fn script(&self, method: &str, path: &str, replies: Vec<Reply>) {
        self.state
            .scripts
            .lock()
            .unwrap()
            .entry(key(method, path))
            .or_default()
            .extend(replies);
    }

    /// Answers (method, path) with `reply` once its script is used up.
    pub fn always(&self, method: &str, path: &str, reply: Reply) {
        self.state
            .always
            .lock()
            .unwrap()
            .insert(key(method, path), reply);
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.log.lock().unwrap().clone()
    }

    pub fn requests_to(&self, method: &str, path: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.method.eq_ignore_ascii_case(method) && r.path.eq_ignore_ascii_case(path))
            .collect()
    }

    /// Requests other than token requests, as "METHOD path".
    pub fn arm_calls(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .filter(|r| !r.path.ends_with("/oauth2/v2.0/token"))
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }

    /// A `--local`-style config for this mock, with fast retry and polling policies.
    pub fn config(&self) -> ArmConfig {
        let mut c = ArmConfig::local(Url::parse(&self.base).unwrap(), self.pem.clone());
        c.retry = RetryPolicy {
            max_retries: 4,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
            max_retry_after: Duration::from_secs(10),
            consistency_retries: 3,
        };
        c.poll = PollPolicy {
            default_interval: Duration::from_millis(5),
            min_interval: Duration::from_millis(1),
            max_interval: Duration::from_secs(2),
        };
        c.timeouts = Timeouts::uniform(Duration::from_secs(60));
        c.request_timeout = Duration::from_secs(20);
        c
    }
}

async fn handle(
    State(state): State<Arc<MockState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    state.log.lock().unwrap().push(Recorded {
        method: method.to_string(),
        path: path.clone(),
        query: uri.query().unwrap_or_default().to_string(),
        authorization: headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        body: String::from_utf8_lossy(&body).to_string(),
        at: Instant::now(),
    });
    let k = key(method.as_str(), &path);
    let scripted = state
        .scripts
        .lock()
        .unwrap()
        .get_mut(&k)
        .and_then(VecDeque::pop_front);
    let reply = scripted.or_else(|| state.always.lock().unwrap().get(&k).cloned());
    let reply = match reply {
        Some(r) => r,
        None if method == Method::POST && path.ends_with("/oauth2/v2.0/token") => {
            let n = state.tokens.fetch_add(1, Ordering::SeqCst) + 1;
            Reply::json(
                200,
                json!({"token_type": "Bearer", "expires_in": 3600, "ext_expires_in": 3600,
                       "access_token": format!("mock-token-{n}")}),
            )
        }
        None => Reply::error(404, "ResourceNotFound", "nothing scripted for this request"),
    };
    match reply {
        // Unwinding out of the handler ends the connection's task: the client sees the
        // connection close with no answer. `resume_unwind` skips the panic hook (no noise).
        Reply::Drop => std::panic::resume_unwind(Box::new("drop the connection")),
        Reply::Json {
            status,
            headers,
            body,
        } => with_headers(
            (
                StatusCode::from_u16(status).unwrap(),
                [("content-type", "application/json")],
                body.to_string(),
            )
                .into_response(),
            &headers,
        ),
        Reply::Empty { status, headers } => with_headers(
            StatusCode::from_u16(status).unwrap().into_response(),
            &headers,
        ),
    }
}

fn with_headers(mut r: Response, headers: &[(String, String)]) -> Response {
    for (k, v) in headers {
        r.headers_mut().insert(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    r
}

/// Collects events for assertions.
#[derive(Clone, Default)]
pub struct Events(pub Arc<Mutex<Vec<azlift::arm::ArmEvent>>>);

impl Events {
    pub fn context(&self) -> azlift::arm::OpContext {
        let sink = self.0.clone();
        azlift::arm::OpContext::new().with_events(move |e| sink.lock().unwrap().push(e))
    }
    pub fn all(&self) -> Vec<azlift::arm::ArmEvent> {
        self.0.lock().unwrap().clone()
    }
}

pub const RG: &str = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg1";
