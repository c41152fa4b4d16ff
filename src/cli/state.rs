//! `azlift state list|show|rm|import`: inspect and edit what azlift manages, without touching
//! Azure. Reads need no lock; `rm` and `import` take it like `up` does.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Subcommand;
use miette::{IntoDiagnostic, miette};

use azlift::events::Redactor;
use azlift::kinds::ResourceKind;
use azlift::resource::ResourceAddress;
use azlift::state::{
    LocalBackend, LockInfo, StateBackend, StateDocument, StateEntry, StateSession, arm_type_of_id,
};

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
    /// Start managing an existing resource: record it in state under ADDRESS.
    Import {
        /// The address the manifest gives it, e.g. `app.task-api`.
        address: String,
        /// Its full ARM id.
        id: String,
        /// The api-version to read it with (needed for types azlift has no built-in for).
        #[arg(long)]
        api_version: Option<String>,
    },
}

pub fn run(cmd: StateCommand, global: &GlobalArgs) -> CmdResult {
    let backend = backend_for(global)?;
    let rt = runtime()?;
    rt.block_on(async move {
        match cmd {
            StateCommand::List => list(&backend, global).await,
            StateCommand::Show { address } => show(&backend, global, &address).await,
            StateCommand::Rm { addresses } => rm(backend, global, addresses).await,
            StateCommand::Import {
                address,
                id,
                api_version,
            } => import(backend, global, address, id, api_version).await,
        }
    })
}

/// The environment selected with `-e`, `default` without.
pub(super) fn environment(global: &GlobalArgs) -> String {
    global.env.clone().unwrap_or_else(|| "default".to_string())
}

/// The local backend of the selected manifest and environment.
pub(super) fn backend_for(global: &GlobalArgs) -> miette::Result<LocalBackend> {
    Ok(LocalBackend::for_manifest(
        &global.manifest,
        &environment(global),
    )?)
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
    backend: &LocalBackend,
    global: &GlobalArgs,
) -> miette::Result<StateDocument> {
    Ok(backend
        .read()
        .await?
        .unwrap_or_else(|| StateDocument::new(environment(global))))
}

async fn list(backend: &LocalBackend, global: &GlobalArgs) -> CmdResult {
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

async fn show(backend: &LocalBackend, global: &GlobalArgs, address: &str) -> CmdResult {
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

async fn rm(backend: LocalBackend, global: &GlobalArgs, addresses: Vec<String>) -> CmdResult {
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

async fn import(
    backend: LocalBackend,
    global: &GlobalArgs,
    address: String,
    id: String,
    api_version: Option<String>,
) -> CmdResult {
    if address.trim().is_empty() || address.chars().any(char::is_whitespace) {
        return Err(miette!("`{address}` is not a resource address"));
    }
    let arm_type = arm_type_of_id(&id).ok_or_else(|| {
        miette!(
            help = "an id looks like /subscriptions/SUB/resourceGroups/GROUP/providers/NAMESPACE/TYPE/NAME",
            "`{id}` is not an ARM resource id azlift can import"
        )
    })?;
    let api_version = match api_version {
        Some(v) => v,
        None => ResourceKind::from_arm_type(&arm_type)
            .and_then(ResourceKind::info)
            .map(|k| k.api_version.to_string())
            .ok_or_else(|| {
                miette!(
                    help = "pass --api-version for resource types azlift has no built-in for",
                    "azlift has no api-version for {arm_type}"
                )
            })?,
    };
    let session = open_session(backend, "azlift state import", global).await?;
    let address = ResourceAddress::new(address);
    if session.document().await.get(&address).is_some() {
        session.close().await?;
        return Err(miette!(
            help = "`azlift state rm` it first to import another resource under that address",
            "{address} is already in state"
        ));
    }
    let entry = StateEntry {
        address: address.clone(),
        id,
        arm_type: arm_type.clone(),
        api_version,
        // Unknown: the next plan compares the resource with the manifest and sends
        // write-only values once.
        applied_hash: String::new(),
        write_only_hashes: BTreeMap::new(),
        outputs: BTreeMap::new(),
        depends_on: Default::default(),
        managed: true,
        last_duration_secs: None,
        updated_at: time::OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .into_diagnostic()?,
    };
    session.record(entry).await?;
    session.close().await?;
    eprintln!(
        "Imported {address} ({arm_type}). Run `azlift plan` to see how it differs from the manifest."
    );
    Ok(ExitCode::SUCCESS)
}

async fn open_session(
    backend: LocalBackend,
    command: &str,
    global: &GlobalArgs,
) -> miette::Result<StateSession> {
    Ok(StateSession::open(
        Arc::new(backend),
        &LockInfo::current(command),
        &environment(global),
        Arc::new(Redactor::new()),
    )
    .await?)
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
    let deps: Vec<&str> = e.depends_on.iter().map(|a| a.as_str()).collect();
    row("depends_on", format!("[{}]", deps.join(", ")));
    row(
        "applied_hash",
        if e.applied_hash.is_empty() {
            "(unknown: imported)".to_string()
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
