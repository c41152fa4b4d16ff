//! Which backend holds state: the manifest's `[state]` table, overridden by `--state-url` /
//! `AZLIFT_STATE_URL`, with `AZLIFT_STATE_SAS` for CI systems without an identity. Pure: it
//! turns settings into a [`BackendChoice`] and never touches the network.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::TokenCredential;
use azure_core::http::Url;

use super::azblob::AzBlobBackend;
use super::backend::StateBackend;
use super::error::StateError;
use super::local::LocalBackend;

/// Environment variable holding a full blob URL that overrides `[state]` (also `--state-url`).
pub const STATE_URL_ENV: &str = "AZLIFT_STATE_URL";
/// Environment variable holding a SAS (query string) for the state container.
pub const STATE_SAS_ENV: &str = "AZLIFT_STATE_SAS";

/// The manifest's `[state]` table, as written.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "backend", rename_all = "lowercase")]
pub enum StateConfig {
    /// `.azlift/<project>/<env>/state.json` beside the manifest (the default).
    #[default]
    Local,
    /// A block blob in Azure Storage.
    Azblob {
        account: String,
        container: String,
        /// Blob name; `None` means `<project>/<env>.json`.
        key: Option<String>,
        /// Blob service URL (`http://127.0.0.1:10000/devstoreaccount1` for Azurite); `None`
        /// means `https://<account>.blob.core.windows.net`.
        endpoint: Option<String>,
        /// How many earlier versions (snapshots) to keep; `None` means
        /// [`DEFAULT_KEEP_VERSIONS`], `Some(0)` keeps them all.
        keep_versions: Option<u32>,
    },
}

/// Where one environment's state lives, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendChoice {
    Local,
    Azblob(BlobLocation),
}

/// A state blob: the blob service, the container and the blob name, plus how to authenticate.
#[derive(Clone, PartialEq, Eq)]
pub struct BlobLocation {
    /// The blob service URL without a trailing slash or query
    /// (`https://acct.blob.core.windows.net`, `http://127.0.0.1:10000/devstoreaccount1`).
    pub service: Url,
    pub container: String,
    pub key: String,
    /// A SAS query string (no leading `?`); `None` means an Entra ID token.
    pub sas: Option<Sas>,
    /// How many earlier versions to keep when a run releases its lock (0: all).
    pub keep_versions: u32,
}

/// Earlier versions of the state blob kept by default: every write snapshots the version it
/// replaces, so a run of N resources adds N; older ones are deleted when a run unlocks.
pub const DEFAULT_KEEP_VERSIONS: u32 = 100;

impl std::fmt::Debug for BlobLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobLocation")
            .field("url", &self.display_url())
            .field("sas", &self.sas.is_some())
            .finish()
    }
}

/// A shared access signature. Its value never appears in `Debug`, messages or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Sas(String);

impl Sas {
    /// Parse a SAS query string (leading `?` optional). It must carry a signature (`sig=`).
    pub fn parse(text: &str) -> Result<Sas, StateError> {
        let t = text.trim().trim_start_matches('?');
        if t.is_empty() {
            return Err(config_error(
                format!("{STATE_SAS_ENV} is empty"),
                format!("unset {STATE_SAS_ENV} to use Entra ID, or set it to a SAS query string"),
            ));
        }
        let has_sig = t.split('&').any(|pair| {
            pair.split_once('=')
                .is_some_and(|(k, v)| k == "sig" && !v.is_empty())
        });
        if !has_sig || t.contains(char::is_whitespace) || t.contains('#') {
            return Err(config_error(
                format!("{STATE_SAS_ENV} is not a SAS query string (no `sig=` parameter)"),
                "give the SAS token as issued, e.g. `sv=2022-11-02&ss=b&srt=co&sp=rwdlac&se=...&sig=...` (a leading `?` is fine)".to_string(),
            ));
        }
        Ok(Sas(t.to_string()))
    }

    /// The query string (no leading `?`). Only for building request URLs.
    pub fn query(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Sas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sas(***)")
    }
}

impl BlobLocation {
    /// `https://acct.blob.core.windows.net/container/key`, never with the SAS.
    pub fn display_url(&self) -> String {
        format!(
            "{}/{}/{}",
            crate::text::url_for_display(self.service.as_str()).trim_end_matches('/'),
            self.container,
            self.key
        )
    }

    /// The URL of blob `name` in the container, with the SAS when there is one.
    pub fn blob_url(&self, name: &str) -> Result<Url, StateError> {
        let encoded: Vec<String> = name.split('/').map(encode_segment).collect();
        let text = format!(
            "{}/{}/{}",
            self.service.as_str().trim_end_matches('/'),
            self.container,
            encoded.join("/")
        );
        self.with_sas(&text)
    }

    /// The container URL, with the SAS when there is one.
    pub fn container_url(&self) -> Result<Url, StateError> {
        let text = format!(
            "{}/{}",
            self.service.as_str().trim_end_matches('/'),
            self.container
        );
        self.with_sas(&text)
    }

    fn with_sas(&self, text: &str) -> Result<Url, StateError> {
        let mut url = Url::parse(text).map_err(|e| {
            config_error(
                format!("`{text}` is not a valid URL: {e}"),
                "check [state] endpoint, container and key".to_string(),
            )
        })?;
        if let Some(sas) = &self.sas {
            url.set_query(Some(sas.query()));
        }
        Ok(url)
    }

    /// The name of the append blob holding the changes since the document was last written
    /// whole: `<key>.journal`.
    pub fn journal_key(&self) -> String {
        format!("{}.journal", self.key)
    }

    /// The name of the blob that carries the lease and the holder info: `<key>.lock`.
    pub fn lock_key(&self) -> String {
        format!("{}.lock", self.key)
    }
}

/// Percent-encode one path segment of a blob name (the checked names need none today, but
/// an endpoint-given key may).
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What decides the backend, gathered by the caller (flags, environment, manifest).
#[derive(Debug, Clone, Default)]
pub struct StateSettings {
    /// `[state]` from the manifest.
    pub config: StateConfig,
    /// `--state-url` or `AZLIFT_STATE_URL`.
    pub state_url: Option<String>,
    /// `AZLIFT_STATE_SAS` (raw text; parsed here so it is never echoed).
    pub sas: Option<String>,
    pub project: String,
    pub environment: String,
}

impl StateSettings {
    /// `--state-url` (already merged with `AZLIFT_STATE_URL` by the CLI) and
    /// `AZLIFT_STATE_SAS` from the process environment, over `config`.
    pub fn from_process(
        config: StateConfig,
        state_url: Option<String>,
        project: &str,
        environment: &str,
    ) -> Self {
        let nonempty = |v: String| (!v.trim().is_empty()).then_some(v);
        StateSettings {
            config,
            state_url: state_url
                .and_then(nonempty)
                .or_else(|| std::env::var(STATE_URL_ENV).ok().and_then(nonempty)),
            sas: std::env::var(STATE_SAS_ENV).ok().and_then(nonempty),
            project: project.to_string(),
            environment: environment.to_string(),
        }
    }

    /// Decide the backend.
    pub fn resolve(&self) -> Result<BackendChoice, StateError> {
        let sas = self.sas.as_deref().map(Sas::parse).transpose()?;
        let location = if let Some(url) = &self.state_url {
            parse_state_url(url, sas)?
        } else {
            match &self.config {
                StateConfig::Local => return Ok(BackendChoice::Local),
                StateConfig::Azblob {
                    account,
                    container,
                    key,
                    endpoint,
                    keep_versions,
                } => {
                    check_account(account)?;
                    check_container(container)?;
                    let key = match key {
                        Some(k) => k.clone(),
                        None => default_key(&self.project, &self.environment),
                    };
                    check_key(&key)?;
                    let service = match endpoint {
                        Some(e) => parse_service(e)?,
                        None => parse_service(&format!("https://{account}.blob.core.windows.net"))?,
                    };
                    BlobLocation {
                        service,
                        container: container.clone(),
                        key,
                        sas,
                        keep_versions: keep_versions.unwrap_or(DEFAULT_KEEP_VERSIONS),
                    }
                }
            }
        };
        if location.sas.is_none() && location.service.scheme() != "https" {
            return Err(config_error(
                format!(
                    "the state endpoint {} is not https, and Entra ID tokens are only sent over https",
                    location.service
                ),
                format!(
                    "use an https endpoint, or set {STATE_SAS_ENV} to a SAS for the container (a SAS may be used over http, e.g. with Azurite)"
                ),
            ));
        }
        Ok(BackendChoice::Azblob(location))
    }
}

impl BackendChoice {
    /// Whether opening this backend needs an Entra ID credential (Azure Blob without a SAS).
    pub fn needs_credential(&self) -> bool {
        matches!(self, BackendChoice::Azblob(loc) if loc.sas.is_none())
    }
}

/// Open the chosen backend for `project`'s `environment` of the manifest at `manifest`. Azure Blob
/// without a SAS authenticates with `credential`; its transport trusts the system roots, the
/// PEM file named by `AZLIFT_CA_CERT` and `extra_root_pem` (the local emulator's certificate).
pub fn open_backend(
    choice: &BackendChoice,
    manifest: &Path,
    project: &str,
    environment: &str,
    credential: Option<Arc<dyn TokenCredential>>,
    extra_root_pem: Option<&str>,
) -> Result<Arc<dyn StateBackend>, StateError> {
    match choice {
        BackendChoice::Local => Ok(Arc::new(LocalBackend::for_project(
            manifest,
            project,
            environment,
        )?)),
        BackendChoice::Azblob(loc) => {
            let arm = |e: crate::arm::ArmError| StateError::Config {
                message: e.to_string(),
                help: format!(
                    "{} must name a readable PEM file of CA certificates",
                    crate::arm::config::CA_CERT_ENV
                ),
            };
            let mut pem = crate::arm::config::extra_roots_from_env(&crate::arm::ProcessEnv)
                .map_err(arm)?
                .unwrap_or_default();
            if let Some(extra) = extra_root_pem {
                pem.push('\n');
                pem.push_str(extra);
            }
            let pem = (!pem.trim().is_empty()).then_some(pem);
            let http =
                crate::arm::http_client(pem.as_deref(), Duration::from_secs(30), 4).map_err(arm)?;
            Ok(Arc::new(AzBlobBackend::new(loc.clone(), credential, http)?))
        }
    }
}

/// A duration as `--lock-timeout` takes it: a number with `ms`, `s`, `m` or `h` (`60s`,
/// `2m`, `1h`); a bare number is seconds; `0` is zero.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let bad = || format!("`{text}` is not a duration: write e.g. `30s`, `2m` or `1h`");
    let n: u64 = num.parse().map_err(|_| bad())?;
    let secs = |mult: u64| n.checked_mul(mult).map(Duration::from_secs).ok_or_else(bad);
    match unit.trim() {
        "ms" => Ok(Duration::from_millis(n)),
        "" | "s" => secs(1),
        "m" => secs(60),
        "h" => secs(3600),
        _ => Err(bad()),
    }
}

/// The default blob name: `<project>/<env>.json`.
pub fn default_key(project: &str, environment: &str) -> String {
    format!("{project}/{environment}.json")
}

fn parse_service(text: &str) -> Result<Url, StateError> {
    let url = Url::parse(text.trim()).map_err(|e| {
        config_error(
            format!("the state endpoint `{text}` is not a URL: {e}"),
            "write the blob service URL, e.g. `https://acct.blob.core.windows.net` or `http://127.0.0.1:10000/devstoreaccount1`".to_string(),
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(config_error(
            format!("the state endpoint `{text}` is not an http(s) URL"),
            "write the blob service URL, e.g. `https://acct.blob.core.windows.net`".to_string(),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(config_error(
            format!(
                "the state endpoint `{}` has a query string",
                strip_query(text)
            ),
            format!(
                "never put a SAS in the manifest or on the command line; set {STATE_SAS_ENV} instead"
            ),
        ));
    }
    let mut url = url;
    let path = url.path().trim_end_matches('/').to_string();
    url.set_path(&path);
    Ok(url)
}

/// Split a full blob URL into service, container and key. Hosts that are IP addresses or
/// `localhost` use path-style addressing (Azurite: `http://127.0.0.1:10000/ACCOUNT/CONTAINER/KEY`);
/// others carry the account in the host name (`https://ACCOUNT.blob.core.windows.net/CONTAINER/KEY`).
pub fn parse_state_url(text: &str, sas: Option<Sas>) -> Result<BlobLocation, StateError> {
    let hint = "write a full blob URL: `https://ACCOUNT.blob.core.windows.net/CONTAINER/KEY`, or for Azurite `http://127.0.0.1:10000/devstoreaccount1/CONTAINER/KEY`";
    let url = Url::parse(text.trim()).map_err(|e| {
        config_error(
            format!("--state-url `{}` is not a URL: {e}", strip_query(text)),
            hint.to_string(),
        )
    })?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(config_error(
            format!("--state-url `{}` has a query string", strip_query(text)),
            format!("never put a SAS in a URL on the command line; set {STATE_SAS_ENV} instead"),
        ));
    }
    if !matches!(url.scheme(), "http" | "https") {
        return Err(config_error(
            format!("--state-url `{text}` is not an http(s) URL"),
            hint.to_string(),
        ));
    }
    let Some(host) = url.host_str() else {
        return Err(config_error(
            format!("--state-url `{text}` has no host"),
            hint.to_string(),
        ));
    };
    let path_style = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok();
    let segments: Vec<&str> = url.path().trim_start_matches('/').split('/').collect();
    let skip = usize::from(path_style);
    if segments.len() < skip + 2 || segments.iter().any(|s| s.is_empty()) {
        return Err(config_error(
            format!("--state-url `{text}` does not name a container and a blob"),
            hint.to_string(),
        ));
    }
    let container = segments[skip].to_string();
    let key = segments[skip + 1..].join("/");
    check_container(&container)?;
    check_key(&key)?;
    let mut service = url.clone();
    service.set_path(&segments[..skip].join("/"));
    let service_text = service.as_str().trim_end_matches('/').to_string();
    let service = parse_service(&service_text)?;
    Ok(BlobLocation {
        service,
        container,
        key,
        sas,
        keep_versions: DEFAULT_KEEP_VERSIONS,
    })
}

fn strip_query(text: &str) -> &str {
    text.split(['?', '#']).next().unwrap_or(text)
}

/// Storage account names: 3-24 lower-case letters and digits.
pub fn check_account(name: &str) -> Result<(), StateError> {
    let ok = (3..=24).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(config_error(
            format!("`{name}` is not a storage account name"),
            "storage account names are 3-24 lower-case letters and digits".to_string(),
        ))
    }
}

/// Container names: 3-63 lower-case letters, digits and single hyphens, starting and ending
/// with a letter or digit.
pub fn check_container(name: &str) -> Result<(), StateError> {
    let ok = (3..=63).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--");
    if ok {
        Ok(())
    } else {
        Err(config_error(
            format!("`{name}` is not a blob container name"),
            "container names are 3-63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit".to_string(),
        ))
    }
}

/// State keys: `/`-separated segments of letters, digits, `-`, `_` and `.`; no empty, `.` or
/// `..` segment; at most 1024 characters.
pub fn check_key(key: &str) -> Result<(), StateError> {
    let ok = !key.is_empty()
        && key.len() <= 1024
        && key.split('/').all(|s| {
            !s.is_empty()
                && s != "."
                && s != ".."
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        });
    if ok {
        Ok(())
    } else {
        Err(config_error(
            format!("`{key}` is not a state key azlift accepts"),
            "use `/`-separated segments of letters, digits, `-`, `_` and `.`, e.g. `my-app/prod.json`".to_string(),
        ))
    }
}

fn config_error(message: String, help: String) -> StateError {
    StateError::Config { message, help }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(config: StateConfig) -> StateSettings {
        StateSettings {
            config,
            state_url: None,
            sas: None,
            project: "shop".into(),
            environment: "prod".into(),
        }
    }

    fn azblob(endpoint: Option<&str>, key: Option<&str>) -> StateConfig {
        StateConfig::Azblob {
            account: "acct1".into(),
            container: "tfstate".into(),
            key: key.map(String::from),
            endpoint: endpoint.map(String::from),
            keep_versions: None,
        }
    }

    const SAS: &str = "?sv=2022-11-02&ss=b&srt=co&sp=rwdlac&se=2030-01-01T00:00:00Z&sig=abc%2Bdef";

    #[test]
    fn local_is_the_default() {
        assert_eq!(
            settings(StateConfig::default()).resolve().unwrap(),
            BackendChoice::Local
        );
    }

    #[test]
    fn azblob_defaults_to_the_public_endpoint_and_project_env_key() {
        let BackendChoice::Azblob(loc) = settings(azblob(None, None)).resolve().unwrap() else {
            panic!("expected azblob");
        };
        assert_eq!(
            loc.display_url(),
            "https://acct1.blob.core.windows.net/tfstate/shop/prod.json"
        );
        assert_eq!(loc.lock_key(), "shop/prod.json.lock");
        assert!(loc.sas.is_none());
    }

    #[test]
    fn an_http_endpoint_needs_a_sas() {
        let mut s = settings(azblob(
            Some("http://127.0.0.1:10000/devstoreaccount1/"),
            Some("a/b.json"),
        ));
        let err = s.resolve().unwrap_err();
        assert!(err.to_string().contains("not https"), "{err}");
        s.sas = Some(SAS.into());
        let BackendChoice::Azblob(loc) = s.resolve().unwrap() else {
            panic!("expected azblob");
        };
        assert_eq!(
            loc.display_url(),
            "http://127.0.0.1:10000/devstoreaccount1/tfstate/a/b.json"
        );
        let url = loc.blob_url(&loc.key).unwrap();
        assert_eq!(url.path(), "/devstoreaccount1/tfstate/a/b.json");
        assert_eq!(url.query(), Some(&SAS[1..]));
        assert_eq!(
            loc.container_url().unwrap().path(),
            "/devstoreaccount1/tfstate"
        );
    }

    #[test]
    fn the_sas_never_shows_in_debug_or_display_url() {
        let mut s = settings(azblob(
            Some("http://127.0.0.1:10000/devstoreaccount1"),
            None,
        ));
        s.sas = Some(SAS.into());
        let BackendChoice::Azblob(loc) = s.resolve().unwrap() else {
            panic!("expected azblob");
        };
        assert!(!format!("{loc:?}").contains("abc%2Bdef"));
        assert!(!loc.display_url().contains("sig"));
    }

    #[test]
    fn sas_without_signature_is_refused_without_echoing_it() {
        let err = Sas::parse("sv=2022&sp=rw&secretish=zzz").unwrap_err();
        assert!(err.to_string().contains("no `sig=`"), "{err}");
        assert!(!err.to_string().contains("zzz"));
        assert!(Sas::parse("  ").is_err());
        assert_eq!(Sas::parse("?a=1&sig=x").unwrap().query(), "a=1&sig=x");
    }

    #[test]
    fn state_url_overrides_the_manifest_and_splits_by_host_style() {
        let mut s = settings(azblob(None, None));
        s.state_url = Some("https://other.blob.core.windows.net/states/team/app.json".into());
        let BackendChoice::Azblob(loc) = s.resolve().unwrap() else {
            panic!("expected azblob");
        };
        assert_eq!(loc.service.as_str(), "https://other.blob.core.windows.net/");
        assert_eq!(loc.container, "states");
        assert_eq!(loc.key, "team/app.json");

        let loc = parse_state_url(
            "http://127.0.0.1:10000/devstoreaccount1/states/dev.json",
            None,
        )
        .unwrap();
        assert_eq!(loc.service.path(), "/devstoreaccount1");
        assert_eq!(loc.container, "states");
        assert_eq!(loc.key, "dev.json");

        let loc = parse_state_url("https://localhost:10000/acct/c1x/k.json", None).unwrap();
        assert_eq!(loc.container, "c1x");
    }

    #[test]
    fn bad_state_urls_are_named() {
        for (url, why) in [
            ("ftp://acct.blob.core.windows.net/c/k", "not an http(s) URL"),
            ("https://acct.blob.core.windows.net/states", "does not name"),
            ("http://127.0.0.1:10000/acct/states", "does not name"),
            ("not a url", "is not a URL"),
        ] {
            let err = parse_state_url(url, None).unwrap_err();
            assert!(err.to_string().contains(why), "{url}: {err}");
        }
        let err =
            parse_state_url("https://a.blob.core.windows.net/c1x/k?sig=SECRET", None).unwrap_err();
        assert!(err.to_string().contains("query string"), "{err}");
        assert!(!err.to_string().contains("SECRET"), "{err}");
    }

    #[test]
    fn lock_timeouts_parse_with_units() {
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("60s"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        for bad in ["", "s", "1d", "-1s", "1.5m", "99999999999999999999h"] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_follow_azure_rules() {
        assert!(check_account("devstoreaccount1").is_ok());
        assert!(check_account("Dev").is_err());
        assert!(check_account("ab").is_err());
        assert!(check_container("tf-state").is_ok());
        assert!(check_container("tf--state").is_err());
        assert!(check_container("-tf").is_err());
        assert!(check_container("TF").is_err());
        assert!(check_key("shop/prod.json").is_ok());
        for bad in ["", "/a", "a//b", "a/../b", "a b", "a?b"] {
            assert!(check_key(bad).is_err(), "{bad:?}");
        }
    }
}
