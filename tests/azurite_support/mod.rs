//! Test support for the remote-state tests: a real Azurite blob service (from
//! `tests/azurite/node_modules`) on a free port in a temp folder, in one of two modes —
//! HTTPS with basic OAuth (bearer tokens from the azlift emulator's token endpoint) or plain
//! HTTP with an account SAS — plus a small raw blob client to look at (and tamper with) what
//! azlift stored, and calls to a running emulator's token endpoint and request stats.
//!
//! Use it with `mod azurite_support;` (the emulator process itself is
//! `common::StandaloneEmulator`). Azurite is killed when its handle drops.

#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use tempfile::TempDir;

/// The well-known Azurite account and its key (public; the same in every Azurite).
pub const ACCOUNT: &str = "devstoreaccount1";
pub const ACCOUNT_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// The storage service version this support sends and signs SAS tokens for. Azurite 3.35
/// knows versions up to 2025-11-05; azure_storage_blob 1.1 sends 2026-04-06, which is why
/// Azurite runs with `--skipApiVersionCheck`.
pub const STORAGE_VERSION: &str = "2025-11-05";

/// How Azurite is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// HTTPS with `--oauth basic`: azlift authenticates with an Entra-style bearer token.
    HttpsOAuth,
    /// Plain HTTP: azlift authenticates with a SAS from `AZLIFT_STATE_SAS`.
    HttpSas,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::HttpsOAuth => "https+oauth",
            Mode::HttpSas => "http+sas",
        }
    }
}

/// Where the pinned Azurite lives.
pub fn azurite_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/azurite")
}

fn azurite_bin() -> PathBuf {
    let bin = azurite_dir().join("node_modules/.bin/azurite-blob");
    assert!(
        bin.exists(),
        "Azurite is not installed ({} is missing): run `npm install` in tests/azurite \
         (.ci/run does this before the tests)",
        bin.display()
    );
    bin
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A running `azurite-blob`.
pub struct Azurite {
    child: Child,
    dir: TempDir,
    pub mode: Mode,
    pub port: u16,
    /// PEM of the CA that signed Azurite's certificate (HTTPS mode only).
    pub ca_pem: Option<String>,
    log: PathBuf,
}

impl Drop for Azurite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Azurite {
    /// Start Azurite in `mode` and wait until it accepts connections.
    ///
    /// Flags: `--inMemoryPersistence` (nothing to clean up, no disk latency in the
    /// benchmark; Azurite refuses it together with `--location`, so it runs with the temp
    /// folder as its working directory instead), `--skipApiVersionCheck` (see
    /// [`STORAGE_VERSION`]), `--disableTelemetry`, and no `--loose` (strict header checks, as
    /// Azure does).
    pub fn start(mode: Mode) -> Azurite {
        let bin = azurite_bin();
        let dir = tempfile::Builder::new()
            .prefix("azlift-azurite-")
            .tempdir()
            .expect("a temp dir");
        let mut ca_pem = None;
        let mut tls_args: Vec<String> = Vec::new();
        if mode == Mode::HttpsOAuth {
            let id = azlift_emulator::tls::make_identity().expect("a TLS identity");
            let cert = dir.path().join("cert.pem");
            let key = dir.path().join("key.pem");
            std::fs::write(&cert, &id.cert_pem).unwrap();
            std::fs::write(&key, &id.key_pem).unwrap();
            tls_args = vec![
                "--oauth".into(),
                "basic".into(),
                "--cert".into(),
                cert.display().to_string(),
                "--key".into(),
                key.display().to_string(),
            ];
            ca_pem = Some(id.ca_pem);
        }
        let log = dir.path().join("azurite.out");
        // A port picked here can be taken before Azurite binds it; try a few.
        let mut last_output = String::new();
        for _ in 0..4 {
            let port = free_port();
            let out = std::fs::File::create(&log).unwrap();
            let err = out.try_clone().unwrap();
            let mut child = Command::new(&bin)
                .arg("--blobHost")
                .arg("127.0.0.1")
                .arg("--blobPort")
                .arg(port.to_string())
                .args([
                    "--disableTelemetry",
                    "--inMemoryPersistence",
                    "--skipApiVersionCheck",
                ])
                .args(&tls_args)
                .current_dir(dir.path())
                .stdin(Stdio::null())
                .stdout(out)
                .stderr(err)
                .spawn()
                .unwrap_or_else(|e| panic!("could not start {}: {e}", bin.display()));
            let deadline = Instant::now() + Duration::from_secs(60);
            let mut up = false;
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                let listening = std::fs::read_to_string(&log)
                    .map(|t| t.contains("successfully listens"))
                    .unwrap_or(false);
                if listening && TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    up = true;
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            if up {
                return Azurite {
                    child,
                    dir,
                    mode,
                    port,
                    ca_pem,
                    log,
                };
            }
            let _ = child.kill();
            let _ = child.wait();
            last_output = std::fs::read_to_string(&log).unwrap_or_default();
        }
        panic!(
            "Azurite did not start in {} mode:\n{last_output}",
            mode.name()
        );
    }

    /// The blob service URL of the well-known account (path-style, as Azurite serves it).
    pub fn endpoint(&self) -> String {
        let scheme = match self.mode {
            Mode::HttpsOAuth => "https",
            Mode::HttpSas => "http",
        };
        format!("{scheme}://127.0.0.1:{}/{ACCOUNT}", self.port)
    }

    /// The URL of blob `key` in `container`.
    pub fn blob_url(&self, container: &str, key: &str) -> String {
        format!("{}/{container}/{key}", self.endpoint())
    }

    /// Everything Azurite printed so far (for failure messages).
    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The temp folder Azurite runs in (also a place for test files).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

/// An account SAS (service `b`, resource types service/container/object) for the well-known
/// key, valid for a day, signed as the Storage docs describe for versions from 2020-12-06:
/// HMAC-SHA256 with the decoded account key over
/// `account\npermissions\nservices\nresourcetypes\nstart\nexpiry\nip\nprotocol\nversion\nencryptionscope\n`.
/// azure_storage_blob 1.1 has no shared-key credential and cannot sign SAS tokens (the
/// separate SAS crate signs only user-delegation SAS, which needs Entra ID), hence this.
/// Returns the query string without a leading `?`.
pub fn account_sas(permissions: &str) -> String {
    let expiry = time::OffsetDateTime::now_utc() + time::Duration::days(1);
    let expiry = expiry
        .replace_nanosecond(0)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let protocol = "https,http";
    let string_to_sign = format!(
        "{ACCOUNT}\n{permissions}\nb\nsco\n\n{expiry}\n\n{protocol}\n{STORAGE_VERSION}\n\n"
    );
    let key = B64.decode(ACCOUNT_KEY).unwrap();
    let sig = B64.encode(azlift_emulator::auth::hmac_sha256(
        &key,
        string_to_sign.as_bytes(),
    ));
    let enc =
        |s: &str| -> String { form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>() };
    format!(
        "sv={STORAGE_VERSION}&ss=b&srt=sco&sp={permissions}&se={}&spr={}&sig={}",
        enc(&expiry),
        enc(protocol),
        enc(&sig)
    )
}

/// The SAS the tests give azlift: read, write, delete, list, add, create (leases and
/// snapshots need write/create).
pub fn full_sas() -> String {
    account_sas("rwdlac")
}

/// The tenant and client the support asks the emulator's token endpoint for tokens with
/// (the emulator accepts any client secret).
pub const TENANT: &str = "azlift-test-tenant";
pub const CLIENT_ID: &str = "azlift-test-client";
pub const CLIENT_SECRET: &str = "azlift-test-secret";

/// A token for `scope` from the token endpoint of the emulator at `url` (whose CA is the PEM
/// file `ca_file`), by client credentials with a secret, as azlift's credential chain gets one.
pub fn emulator_token(url: &str, ca_file: &Path, scope: &str) -> String {
    let ca = std::fs::read(ca_file).expect("the emulator's CA file");
    let client = client_trusting(&[&ca]);
    let url = format!("{}/{TENANT}/oauth2/v2.0/token", url.trim_end_matches('/'));
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("scope", scope),
        ])
        .finish();
    block_on(async move {
        let v: serde_json::Value = client
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("token request")
            .json()
            .await
            .expect("token JSON");
        v["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no access_token in {v}"))
            .to_string()
    })
}

/// `GET /_emulator/stats` of the emulator at `url`: ARM requests served, by method.
pub fn emulator_requests(url: &str, ca_file: &Path, method: &str) -> u64 {
    let ca = std::fs::read(ca_file).expect("the emulator's CA file");
    let client = client_trusting(&[&ca]);
    let url = format!("{}/_emulator/stats", url.trim_end_matches('/'));
    let v: serde_json::Value = block_on(async move {
        client
            .get(url)
            .send()
            .await
            .expect("stats")
            .json()
            .await
            .expect("stats JSON")
    });
    v["by_method"][method].as_u64().unwrap_or(0)
}

/// Run a future on a fresh current-thread runtime (the tests are synchronous).
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(f)
}

/// A reqwest client trusting the given PEM CAs besides the system roots.
pub fn client_trusting(cas: &[&[u8]]) -> reqwest::Client {
    let mut b = reqwest::Client::builder().timeout(Duration::from_secs(30));
    for pem in cas {
        b = b.add_root_certificate(reqwest::Certificate::from_pem(pem).expect("a PEM CA"));
    }
    b.build().expect("a client")
}

/// One raw response.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
}

/// How a raw request authenticates.
#[derive(Debug, Clone)]
pub enum Auth {
    None,
    Sas(String),
    Bearer(String),
}

/// A raw blob-REST client for the tests' own looks and tampering (never used by azlift).
pub struct Raw {
    client: reqwest::Client,
    pub auth: Auth,
}

impl Raw {
    /// A raw client for `azurite` that signs with a full account SAS (works in both modes).
    pub fn sas(azurite: &Azurite) -> Raw {
        let cas: Vec<&[u8]> = azurite.ca_pem.iter().map(|p| p.as_bytes()).collect();
        Raw {
            client: client_trusting(&cas),
            auth: Auth::Sas(full_sas()),
        }
    }

    pub fn with_auth(azurite: &Azurite, auth: Auth) -> Raw {
        let cas: Vec<&[u8]> = azurite.ca_pem.iter().map(|p| p.as_bytes()).collect();
        Raw {
            client: client_trusting(&cas),
            auth,
        }
    }

    /// Send `method url` (the query may already hold parameters) with `headers` and `body`.
    pub fn send(&self, method: &str, url: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        let mut url = url.to_string();
        if let Auth::Sas(sas) = &self.auth {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(sas.trim_start_matches('?'));
        }
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut req = self
            .client
            .request(method, url)
            .header("x-ms-version", STORAGE_VERSION)
            .body(body.to_vec());
        if let Auth::Bearer(t) = &self.auth {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        block_on(async move {
            let r = req.send().await.expect("a response from Azurite");
            let status = r.status().as_u16();
            let headers = r.headers().clone();
            let body = r.bytes().await.expect("a body").to_vec();
            Resp {
                status,
                headers,
                body,
            }
        })
    }

    /// Create `container` (201, or 409 when it exists).
    pub fn create_container(&self, azurite: &Azurite, container: &str) -> Resp {
        self.send(
            "PUT",
            &format!("{}/{container}?restype=container", azurite.endpoint()),
            &[],
            b"",
        )
    }

    /// GET a blob.
    pub fn get_blob(&self, azurite: &Azurite, container: &str, key: &str) -> Resp {
        self.send("GET", &azurite.blob_url(container, key), &[], b"")
    }

    /// PUT a block blob with `extra` headers (say `If-Match`).
    pub fn put_blob(
        &self,
        azurite: &Azurite,
        container: &str,
        key: &str,
        body: &[u8],
        extra: &[(&str, &str)],
    ) -> Resp {
        let mut headers = vec![
            ("x-ms-blob-type", "BlockBlob"),
            ("content-type", "application/json"),
        ];
        headers.extend_from_slice(extra);
        self.send("PUT", &azurite.blob_url(container, key), &headers, body)
    }

    /// The blob's properties (HEAD).
    pub fn head_blob(&self, azurite: &Azurite, container: &str, key: &str) -> Resp {
        self.send("HEAD", &azurite.blob_url(container, key), &[], b"")
    }

    /// The names listed in `container` (with snapshots when `snapshots`), as
    /// `(name, snapshot)` pairs in the service's order.
    pub fn list(
        &self,
        azurite: &Azurite,
        container: &str,
        snapshots: bool,
    ) -> Vec<(String, Option<String>)> {
        let mut url = format!(
            "{}/{container}?restype=container&comp=list",
            azurite.endpoint()
        );
        if snapshots {
            url.push_str("&include=snapshots");
        }
        let r = self.send("GET", &url, &[], b"");
        assert_eq!(r.status, 200, "list {container}: {}", r.text());
        let text = r.text();
        let mut out = Vec::new();
        for blob in text.split("<Blob>").skip(1) {
            let tag = |t: &str| {
                let open = format!("<{t}>");
                let close = format!("</{t}>");
                blob.split_once(&open)
                    .and_then(|(_, rest)| rest.split_once(&close))
                    .map(|(v, _)| v.to_string())
            };
            if let Some(name) = tag("Name") {
                out.push((name, tag("Snapshot")));
            }
        }
        out
    }
}

/// Write `pems` into one bundle file at `path` (for `AZLIFT_CA_CERT`) and return the path.
pub fn write_ca_bundle(path: &Path, pems: &[&str]) -> PathBuf {
    let mut text = String::new();
    for p in pems {
        text.push_str(p.trim_end());
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
    path.to_path_buf()
}
