//! `[state]`: where the environment's state lives (`backend = "local"` or `"azblob"` with
//! `account`, `container`, optional `key`, `endpoint` and `keep_versions`).

use crate::state::{StateConfig, check_account, check_container, check_key};

use super::super::diagnostic::code;
use super::super::node::Entry;
use super::super::reader::Section;
use super::Ctx;

pub(crate) const STATE_KEYS: &[&str] = &[
    "backend",
    "account",
    "container",
    "key",
    "endpoint",
    "keep_versions",
];
const BACKENDS: &[&str] = &["local", "azblob"];
const AZBLOB_ONLY: &[&str] = &["account", "container", "key", "endpoint", "keep_versions"];

pub(crate) fn state(entry: Option<&Entry>, ctx: &mut Ctx<'_>) -> StateConfig {
    let Some(entry) = entry else {
        return StateConfig::Local;
    };
    let Some(s) = Section::open(
        &entry.node,
        entry.key_span.clone(),
        "state",
        STATE_KEYS,
        ctx.d,
    ) else {
        return StateConfig::Local;
    };
    let backend = match s.get("backend") {
        Some(_) => s.one_of("backend", BACKENDS, ctx.d),
        None => {
            s.missing("backend", "\"azblob\"", ctx.d);
            None
        }
    };
    match backend {
        Some("azblob") => {}
        Some(_) => {
            for key in AZBLOB_ONLY {
                if let Some(e) = s.entry(key) {
                    ctx.d.error(
                        code::CONFLICT,
                        Some(e.key_span.clone()),
                        format!("`state.{key}` applies only to `backend = \"azblob\"`"),
                        Some("remove it, or set `backend = \"azblob\"`".into()),
                    );
                }
            }
            return StateConfig::Local;
        }
        None => return StateConfig::Local,
    }
    // Each value is checked where it is written, with Azure's rule as the hint.
    let mut checked =
        |key: &str,
         example: &str,
         required: bool,
         check: fn(&str) -> Result<(), crate::state::StateError>| {
            let value = if required {
                s.require_str(key, example, ctx.d)
            } else {
                s.str(key, ctx.d)
            }?;
            if let Err(e) = check(&value) {
                let help = match &e {
                    crate::state::StateError::Config { help, .. } => Some(help.clone()),
                    _ => None,
                };
                ctx.d.error(
                    code::INVALID_VALUE,
                    s.get(key).map(|n| n.span.clone()),
                    format!("state.{key}: {e}"),
                    help,
                );
                return None;
            }
            Some(value)
        };
    let account = checked("account", "\"mystateacct\"", true, check_account);
    let container = checked("container", "\"azlift-state\"", true, check_container);
    let key = checked("key", "\"my-app/prod.json\"", false, check_key);
    let endpoint = checked(
        "endpoint",
        "\"http://127.0.0.1:10000/devstoreaccount1\"",
        false,
        check_endpoint,
    );
    // 0 keeps every version; the cap only stops a typo from meaning "forever".
    let keep_versions = s
        .int_in("keep_versions", 0..=100_000, ctx.d)
        .and_then(|n| u32::try_from(n).ok());
    match (account, container) {
        (Some(account), Some(container)) => StateConfig::Azblob {
            account,
            container,
            key,
            endpoint,
            keep_versions,
        },
        _ => StateConfig::Local,
    }
}

fn check_endpoint(text: &str) -> Result<(), crate::state::StateError> {
    let ok = azure_core::http::Url::parse(text).is_ok_and(|u| {
        matches!(u.scheme(), "http" | "https") && u.host_str().is_some() && u.query().is_none()
    });
    if ok {
        Ok(())
    } else {
        Err(crate::state::StateError::Config {
            message: format!("`{text}` is not a blob service URL"),
            help: "write e.g. `https://acct.blob.core.windows.net` or `http://127.0.0.1:10000/devstoreaccount1`, without a query string (a SAS goes in AZLIFT_STATE_SAS)".into(),
        })
    }
}
