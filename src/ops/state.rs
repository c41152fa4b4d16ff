//! Choosing and opening the state backend for a command: `[state]` from the manifest,
//! `--state-url`/`AZLIFT_STATE_URL`, `AZLIFT_STATE_SAS`, and — for Azure Blob without a SAS —
//! an Entra ID credential from the same chain as ARM (locally, the embedded emulator's token
//! endpoint).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::arm::{ArmClient, ArmConfig, ProcessEnv};
use crate::manifest::LoadOptions;
use crate::state::{BackendChoice, StateBackend, StateConfig, StateSettings, open_backend};

use super::{OpsError, Target};

/// How a state command reaches its backend.
#[derive(Debug, Clone)]
pub struct StateOptions {
    pub manifest: PathBuf,
    pub load: LoadOptions,
    /// `-e NAME`, for when there is no manifest to read it from.
    pub environment: String,
    /// `--state-url` (or `AZLIFT_STATE_URL`).
    pub state_url: Option<String>,
    pub local: bool,
}

/// A backend opened for a state command, with what keeps it usable.
pub struct OpenedState {
    pub backend: Arc<dyn StateBackend>,
    /// The project the state belongs to (`project` when there is no manifest).
    pub project: String,
    pub environment: String,
    pub choice: BackendChoice,
    /// The emulator issuing storage tokens (`--local` with Azure Blob and no SAS).
    pub target: Option<Target>,
    /// Which credential the backend uses (for `-v`), `None` for local files and SAS.
    pub credential: Option<String>,
}

impl OpenedState {
    /// Stop the emulator, if one was started for tokens.
    pub async fn close(self) {
        if let Some(t) = self.target {
            t.close().await;
        }
    }
}

/// The `[state]` table, project name and environment of the manifest at `manifest`; the
/// defaults when there is no manifest file (state commands work without one).
pub fn state_settings(
    manifest: &Path,
    load: &LoadOptions,
    environment: &str,
    state_url: Option<String>,
) -> Result<StateSettings, OpsError> {
    if !manifest.exists() {
        return Ok(StateSettings::from_process(
            StateConfig::Local,
            state_url,
            "project",
            environment,
        ));
    }
    // Only [project] and [state] are read: values the resources need may be missing here.
    let load = LoadOptions {
        lenient_values: true,
        ..load.clone()
    };
    let loaded = crate::manifest::load(manifest, &load).map_err(OpsError::Manifest)?;
    let model = &loaded.model;
    Ok(StateSettings::from_process(
        model.state.clone(),
        state_url,
        &model.project.name,
        &model.project.environment,
    ))
}

/// Where the local backend keeps the state of the manifest at `manifest` in `environment`
/// (`.azlift/<project>/<environment>/state.json` beside it). Reads only `[project]`.
pub fn local_state_path(manifest: &Path, environment: &str) -> Result<PathBuf, OpsError> {
    let settings = state_settings(manifest, &LoadOptions::default(), environment, None)?;
    Ok(
        crate::state::LocalBackend::folder_for(manifest, &settings.project, environment)
            .join("state.json"),
    )
}

/// Open `choice` for a command without an ARM target of its own.
pub async fn open_state(
    opts: &StateOptions,
    choice: BackendChoice,
    project: &str,
    environment: &str,
) -> Result<OpenedState, OpsError> {
    let mut target = None;
    let mut credential = None;
    let mut extra_pem = None;
    let mut describe = None;
    if choice.needs_credential() {
        if opts.local {
            let dir = project_dir(&opts.manifest);
            let t = Target::local(&dir, 1).await?;
            credential = Some(t.client.credential().token_credential());
            describe = Some(t.client.describe().to_string());
            extra_pem = t.emulator.as_ref().map(|e| e.ca_certificate_pem());
            target = Some(t);
        } else {
            // The same credential chain, authority host and trusted roots as ARM.
            let config = ArmConfig::from_environment(&ProcessEnv).map_err(OpsError::Arm)?;
            let client = ArmClient::new(config).map_err(OpsError::Arm)?;
            let cred = client.credential().clone();
            describe = Some(cred.describe().to_string());
            credential = Some(cred.token_credential());
        }
    }
    let backend = open_backend(
        &choice,
        &opts.manifest,
        project,
        environment,
        credential,
        extra_pem.as_deref(),
    )
    .map_err(OpsError::State)?;
    Ok(OpenedState {
        backend,
        project: project.to_string(),
        environment: environment.to_string(),
        choice,
        target,
        credential: describe,
    })
}

/// The configured backend choice of `opts`, its project and environment, not yet opened.
fn configured_choice(opts: &StateOptions) -> Result<(BackendChoice, String, String), OpsError> {
    let settings = state_settings(
        &opts.manifest,
        &opts.load,
        &opts.environment,
        opts.state_url.clone(),
    )?;
    let choice = settings.resolve().map_err(OpsError::State)?;
    Ok((choice, settings.project, settings.environment))
}

/// The backend a state command works on: the configured one.
pub async fn open_configured_state(opts: &StateOptions) -> Result<OpenedState, OpsError> {
    let (choice, project, environment) = configured_choice(opts)?;
    let opened = open_state(opts, choice, &project, &environment).await?;
    // A state of another project is refused (without a manifest there is no project to
    // compare with). An unreadable state is left for the command to report.
    if opts.manifest.exists()
        && let Ok(Some(mut doc)) = opened.backend.read().await
        && let Err(e) = doc.claim(&project, &opened.backend.location())
    {
        opened.close().await;
        return Err(OpsError::State(e));
    }
    Ok(opened)
}

/// Where `state migrate --to KIND` moves state from and to: the configured Azure Blob
/// backend and the local one, in the asked direction. Returns `(from, to)`.
pub async fn open_migration(
    opts: &StateOptions,
    to_azblob: bool,
) -> Result<(OpenedState, OpenedState), OpsError> {
    let (remote, project, env) = configured_choice(opts)?;
    if remote == BackendChoice::Local {
        return Err(OpsError::Config(
            "state migrate moves state between the local backend and Azure Blob, but no Azure Blob backend is configured: add `[state] backend = \"azblob\"` (with account and container) to the manifest, or pass --state-url".to_string(),
        ));
    }
    let remote = open_state(opts, remote, &project, &env).await?;
    let local = open_state(opts, BackendChoice::Local, &project, &env).await?;
    Ok(if to_azblob {
        (local, remote)
    } else {
        (remote, local)
    })
}

/// The folder of the manifest (state and the local cloud live beside it).
pub(super) fn project_dir(manifest: &Path) -> PathBuf {
    manifest
        .parent()
        .map(Path::to_path_buf)
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."))
}
