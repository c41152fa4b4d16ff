//! `azlift state list|show|rm|import|history|pull|push|migrate|force-unlock`: inspect, edit,
//! recover and move what azlift manages, without touching Azure resources. Reads need no
//! lock; commands that store state take it like `up` does. The work is in `azlift::state`
//! and `azlift::ops`; this file parses flags, asks for consent and prints.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Subcommand, ValueEnum};
use miette::{IntoDiagnostic, miette};

use azlift::events::Redactor;
use azlift::ops::{OpenedState, Session, StateOptions};
use azlift::resource::ResourceAddress;
use azlift::state::{
    LockInfo, MigrateOutcome, StateBackend, StateDocument, StateEntry, StateSession, arm_type_of_id,
};
use azlift::ui::{Interactivity, confirm};

use super::{CmdResult, GlobalArgs, OutputFormat};

#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// List the addresses of the resources azlift manages.
    List,
    /// Show everything state holds about one resource.
    Show {
        /// A resource address, e.g. `app.task-api`.
        address: String,
    },
    /// Forget resources without deleting them: azlift stops managing them.
    Rm {
        /// Resource addresses.
        #[arg(required = true)]
        addresses: Vec<String>,
    },
    /// Start managing an existing resource: read it from Azure, tag it as this project's and
    /// record it in state under ADDRESS.
    Import {
        /// The address the manifest gives it, e.g. `app.task-api`.
        address: String,
        /// Its full ARM id (default: the id the manifest gives ADDRESS).
        id: Option<String>,
        /// The api-version to read it with (needed for types azlift has no built-in for).
        #[arg(long)]
        api_version: Option<String>,
    },
    /// List the stored versions of the state, newest first.
    History,
    /// Print (or write) the current state or an earlier version; `--restore` makes that
    /// version current again.
    #[command(disable_version_flag = true)]
    Pull {
        /// A version id from `azlift state history` (default: the current one).
        #[arg(long = "version", value_name = "ID")]
        version_id: Option<String>,
        /// Write the document to FILE instead of printing it.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Store that version as the current state (a normal write under the lock).
        #[arg(long, requires = "version_id")]
        restore: bool,
    },
    /// Store a state document from FILE as the current state (refused when the stored state
    /// is newer or of another lineage).
    Push {
        /// A state document, e.g. written by `azlift state pull --out`.
        file: PathBuf,
        /// Push even when the stored serial is as new or newer (never across lineages).
        #[arg(long)]
        force: bool,
    },
    /// Move state between the local backend and the configured Azure Blob backend, keeping
    /// its lineage and every resource.
    Migrate {
        /// Where to move state to.
        #[arg(long, value_enum)]
        to: BackendKind,
    },
    /// Break the state lock of a run that did not release it (killed, crashed).
    ForceUnlock {
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

/// The kinds of state backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BackendKind {
    Local,
    Azblob,
}

pub fn run(cmd: StateCommand, global: &GlobalArgs) -> CmdResult {
    // Import reads Azure: it opens the whole project (manifest, target, state).
    if let StateCommand::Import {
        address,
        id,
        api_version,
    } = cmd
    {
        return import(global, address, id, api_version);
    }
    let rt = runtime()?;
    rt.block_on(async move {
        if let StateCommand::Migrate { to } = cmd {
            return migrate(global, to).await;
        }

        let opened = open(global).await?;
        let backend = opened.backend.clone();
        let result = match cmd {
            StateCommand::List => list(backend.as_ref(), global).await,
            StateCommand::Show { address } => show(backend.as_ref(), global, &address).await,
            StateCommand::Rm { addresses } => rm(backend.clone(), global, addresses).await,
            StateCommand::Import { .. } => Ok(ExitCode::SUCCESS),
            StateCommand::History => history(backend.as_ref(), global).await,
            StateCommand::Pull {
                version_id,
                out,
                restore,
            } => pull(backend.as_ref(), global, version_id, out, restore).await,
            StateCommand::Push { file, force } => push(backend.as_ref(), global, file, force).await,
            StateCommand::ForceUnlock { yes } => force_unlock(backend.as_ref(), yes).await,
            StateCommand::Migrate { .. } => Ok(ExitCode::SUCCESS),
        };
        drop(backend);
        opened.close().await;
        result
    })
}

/// The environment selected with `-e`, `default` without.
pub(super) fn environment(global: &GlobalArgs) -> String {
    global.env.clone().unwrap_or_else(|| "default".to_string())
}

fn state_options(global: &GlobalArgs) -> miette::Result<StateOptions> {
    Ok(StateOptions {
        manifest: global.manifest.clone(),
        load: azlift::manifest::LoadOptions::from_flags(global.env.clone(), &global.vars)?,
        environment: environment(global),
        state_url: global.state_url.clone(),
        local: global.local,
    })
}

/// The configured backend of the selected manifest and environment.
pub(super) async fn open(global: &GlobalArgs) -> miette::Result<OpenedState> {
    let opened = azlift::ops::open_configured_state(&state_options(global)?).await?;
    if global.verbose > 0 {
        eprintln!("state: {}", opened.backend.location());
        if let Some(c) = &opened.credential {
            eprintln!("state credential: {c}");
        }
    }
    Ok(opened)
}

/// A small runtime for the state backend's async calls.
pub(super) fn runtime() -> miette::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .into_diagnostic()
}

/// The stored document, or an empty one when there is none yet.
pub(super) async fn read_or_empty(
    backend: &dyn StateBackend,
    global: &GlobalArgs,
) -> miette::Result<StateDocument> {
    Ok(backend
        .read()
        .await?
        .unwrap_or_else(|| StateDocument::new(environment(global))))
}

async fn list(backend: &dyn StateBackend, global: &GlobalArgs) -> CmdResult {
    let doc = read_or_empty(backend, global).await?;
    match global.output {
        OutputFormat::Json => {
            let rows: Vec<serde_json::Value> = doc
                .resources
                .values()
                .map(|e| {
                    serde_json::json!({
                        "address": e.address,
                        "id": e.id,
                        "type": e.arm_type,
                        "managed": e.managed,
                    })
                })
                .collect();
            println!("{}", serde_json::Value::Array(rows));
        }
        OutputFormat::Human => {
            for address in doc.resources.keys() {
                println!("{address}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn show(backend: &dyn StateBackend, global: &GlobalArgs, address: &str) -> CmdResult {
    let doc = read_or_empty(backend, global).await?;
    let entry = find(&doc, address)?;
    match global.output {
        OutputFormat::Json => {
            println!("{}", serde_json::to_string_pretty(entry).into_diagnostic()?)
        }
        OutputFormat::Human => print!("{}", describe(entry)),
    }
    Ok(ExitCode::SUCCESS)
}

async fn rm(
    backend: Arc<dyn StateBackend>,
    global: &GlobalArgs,
    addresses: Vec<String>,
) -> CmdResult {
    let session = open_session(backend, "azlift state rm", global).await?;
    let doc = session.document().await;
    let mut missing = Vec::new();
    for a in &addresses {
        if find(&doc, a).is_err() {
            missing.push(a.clone());
        }
    }
    if !missing.is_empty() {
        session.close().await?;
        return Err(not_in_state(&doc, &missing[0]));
    }
    for a in addresses {
        let address = ResourceAddress::new(a);
        if session.forget(&address).await?.is_some() {
            eprintln!(
                "Removed {address} from state. The resource itself still exists; azlift no longer manages it."
            );
        }
    }
    session.close().await?;
    Ok(ExitCode::SUCCESS)
}

fn import(
    global: &GlobalArgs,
    address: String,
    id: Option<String>,
    api_version: Option<String>,
) -> CmdResult {
    if address.trim().is_empty() || address.chars().any(char::is_whitespace) {
        return Err(miette!("`{address}` is not a resource address"));
    }
    // A malformed id is refused before connecting.
    if let Some(id) = &id
        && arm_type_of_id(id).is_none()
    {
        return Err(miette!(
            help = "an id looks like /subscriptions/SUB/resourceGroups/GROUP/providers/NAMESPACE/TYPE/NAME",
            "`{id}` is not an ARM resource id azlift can import"
        ));
    }
    let opts = super::session::open_options(global, "azlift state import")?;
    let imported = super::session::runtime()?.block_on(async {
        let session = Session::open(&opts, super::session::interrupt_signal()).await?;
        let result = session
            .import(&address, id.as_deref(), api_version.as_deref())
            .await;
        session.close().await?;
        result
    })?;
    let tags = if imported.tagged {
        " and tagged it as this project's"
    } else {
        ""
    };
    eprintln!(
        "Imported {} ({}){tags}. Run `azlift plan` to see how it differs from the manifest.",
        imported.address, imported.arm_type
    );
    Ok(ExitCode::SUCCESS)
}

async fn open_session(
    backend: Arc<dyn StateBackend>,
    command: &str,
    global: &GlobalArgs,
) -> miette::Result<StateSession> {
    Ok(StateSession::open_waiting(
        backend,
        &LockInfo::current(command),
        &environment(global),
        Arc::new(Redactor::new()),
        global.lock_timeout,
    )
    .await?)
}

async fn history(backend: &dyn StateBackend, global: &GlobalArgs) -> CmdResult {
    let versions = backend.history().await?;
    match global.output {
        OutputFormat::Json => {
            println!("{}", serde_json::to_string(&versions).into_diagnostic()?);
        }
        OutputFormat::Human => {
            if versions.is_empty() {
                eprintln!("No state stored at {}.", backend.location());
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "{:<32} {:>7}  {:<20}  LINEAGE",
                "VERSION", "SERIAL", "WRITTEN"
            );
            for v in &versions {
                let time = v
                    .time
                    .and_then(|t| {
                        t.format(&time::format_description::well_known::Rfc3339)
                            .ok()
                    })
                    .unwrap_or_else(|| "-".to_string());
                let serial = v.serial.map_or("-".to_string(), |s| s.to_string());
                let lineage = v.lineage.map_or("-".to_string(), |l| l.to_string());
                println!("{:<32} {serial:>7}  {time:<20}  {lineage}", v.id);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn pull(
    backend: &dyn StateBackend,
    global: &GlobalArgs,
    version_id: Option<String>,
    out: Option<PathBuf>,
    restore: bool,
) -> CmdResult {
    if restore {
        let id = version_id.unwrap_or_default();
        let doc = azlift::state::restore(
            backend,
            &id,
            &LockInfo::current("azlift state pull --restore"),
            global.lock_timeout,
        )
        .await?;
        eprintln!(
            "Restored version {id} as the current state (serial {}, {} resource(s)). Run `azlift plan` to see how Azure differs from it.",
            doc.serial,
            doc.resources.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let doc = match &version_id {
        Some(id) => backend.read_version(id).await?,
        None => backend.read().await?.ok_or_else(|| {
            miette!(
                help = "run `azlift up` first, or check -e and the backend settings",
                "no state stored at {}",
                backend.location()
            )
        })?,
    };
    let mut text = serde_json::to_string_pretty(&doc).into_diagnostic()?;
    text.push('\n');
    match out {
        Some(path) => {
            std::fs::write(&path, text)
                .map_err(|e| miette!("cannot write {}: {e}", path.display()))?;
            eprintln!(
                "Wrote serial {} ({} resource(s)) to {}.",
                doc.serial,
                doc.resources.len(),
                path.display()
            );
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

async fn push(
    backend: &dyn StateBackend,
    global: &GlobalArgs,
    file: PathBuf,
    force: bool,
) -> CmdResult {
    let text = std::fs::read(&file).map_err(|e| miette!("cannot read {}: {e}", file.display()))?;
    let doc: StateDocument = serde_json::from_slice(&text).map_err(|e| {
        miette!(
            help = "give a state document, e.g. one written by `azlift state pull --out FILE`",
            "{} is not a state document: {e}",
            file.display()
        )
    })?;
    if doc.version > azlift::state::FORMAT_VERSION {
        return Err(miette!(
            help = "upgrade azlift",
            "{} has format version {}; this azlift writes up to {}",
            file.display(),
            doc.version,
            azlift::state::FORMAT_VERSION
        ));
    }
    let serial = azlift::state::push(
        backend,
        doc,
        &LockInfo::current("azlift state push"),
        global.lock_timeout,
        force,
    )
    .await?;
    eprintln!(
        "Pushed {} to {} (stored serial {serial}).",
        file.display(),
        backend.location()
    );
    Ok(ExitCode::SUCCESS)
}

async fn migrate(global: &GlobalArgs, to: BackendKind) -> CmdResult {
    let (from, target) =
        azlift::ops::open_migration(&state_options(global)?, to == BackendKind::Azblob).await?;
    let outcome = azlift::state::migrate(
        from.backend.as_ref(),
        target.backend.as_ref(),
        &LockInfo::current("azlift state migrate"),
        global.lock_timeout,
    )
    .await;
    let (from_location, to_location) = (from.backend.location(), target.backend.location());
    from.close().await;
    target.close().await;
    match outcome? {
        MigrateOutcome::Copied { serial, resources } => eprintln!(
            "Copied state ({resources} resource(s), serial {serial}) from {from_location} to {to_location}. {from_location} is left as it was; {}",
            match to {
                BackendKind::Azblob =>
                    "from now on azlift uses the blob while [state] (or --state-url) points at it.",
                BackendKind::Local =>
                    "remove [state] from the manifest (and --state-url) so azlift uses the local file.",
            }
        ),
        MigrateOutcome::AlreadyThere { serial } => {
            eprintln!("{to_location} already holds this state (serial {serial}); nothing to do.")
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn force_unlock(backend: &dyn StateBackend, yes: bool) -> CmdResult {
    let Some(holder) = backend.holder().await? else {
        eprintln!("{} is not locked; nothing to do.", backend.location());
        return Ok(ExitCode::SUCCESS);
    };
    let state = if holder.active {
        "holds"
    } else {
        "held (and never released)"
    };
    eprintln!(
        "{} {state} the lock on {}.",
        holder.info,
        backend.location()
    );
    if !yes {
        if let Some(reason) = Interactivity::detect().refusal() {
            return Err(miette!(
                code = "azlift::non_interactive",
                help = "check that run is really gone, then pass --yes",
                "refusing to break a lock without --yes in a non-interactive run ({reason})"
            ));
        }
        let question = if holder.active {
            "Break it? A run that is still going would then lose its lock."
        } else {
            "Clear it?"
        };
        if !confirm(question)? {
            eprintln!("Left the lock as it is.");
            return Ok(ExitCode::FAILURE);
        }
    }
    match backend.force_unlock().await? {
        Some(info) => eprintln!("Broke the lock held by {info}."),
        None => eprintln!("The lock was released meanwhile; nothing to do."),
    }
    Ok(ExitCode::SUCCESS)
}

fn find<'d>(doc: &'d StateDocument, address: &str) -> miette::Result<&'d StateEntry> {
    doc.get(&ResourceAddress::new(address))
        .ok_or_else(|| not_in_state(doc, address))
}

fn not_in_state(doc: &StateDocument, address: &str) -> miette::Report {
    let near = doc
        .resources
        .keys()
        .map(|a| (strsim::jaro_winkler(a.as_str(), address), a))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, a)| a.to_string());
    match near {
        Some(near) => miette!(
            help = format!("did you mean `{near}`?"),
            "{address} is not in state"
        ),
        None => miette!(
            help = "`azlift state list` shows what is",
            "{address} is not in state"
        ),
    }
}

fn describe(e: &StateEntry) -> String {
    let mut s = format!("# {}\n", e.address);
    let mut row = |k: &str, v: String| s.push_str(&format!("{k:<14}= {v}\n"));
    row("id", e.id.clone());
    row("type", e.arm_type.clone());
    row("api_version", e.api_version.clone());
    row("managed", e.managed.to_string());
    if e.failed {
        row(
            "failed",
            "true (its last ARM operation ended Failed; plan retries it)".to_string(),
        );
    }
    let deps: Vec<&str> = e.depends_on.iter().map(|a| a.as_str()).collect();
    row("depends_on", format!("[{}]", deps.join(", ")));
    row(
        "applied_hash",
        if e.applied_hash.is_empty() {
            "(unknown: imported or failed)".to_string()
        } else {
            e.applied_hash.clone()
        },
    );
    row(
        "write_only",
        format!("{} value(s) tracked by hash", e.write_only_hashes.len()),
    );
    if let Some(d) = e.last_duration_secs {
        row("last_duration", format!("{d:.1}s"));
    }
    row(
        "updated_at",
        e.updated_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
    );
    if !e.outputs.is_empty() {
        s.push_str("outputs:\n");
        for (k, v) in &e.outputs {
            s.push_str(&format!("  {k} = {v}\n"));
        }
    }
    s
}
