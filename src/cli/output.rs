//! `azlift output [NAME] [--show-secrets]`: the outputs recorded in state (the project's
//! declared `[output.NAME]` values, resource ids, FQDNs, workspace customer id...). Secret
//! outputs are never in state: they are listed as `(sensitive)`; `--show-secrets` reads the
//! built-in ones live from Azure (or the emulator with `--local`).

use std::collections::BTreeMap;
use std::process::ExitCode;

use clap::Args;
use miette::miette;
use serde_json::{Value, json};

use azlift::ops::{Target, read_secret_outputs};
use azlift::resource::SENSITIVE;
use azlift::state::{StateDocument, outputs::secret_outputs};

use super::state::{environment, open, runtime};
use super::{CmdResult, GlobalArgs, OutputFormat};

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// One output (`app.task-api.fqdn`, printed bare for scripts) or every output of one
    /// resource (`app.task-api`). All outputs without it.
    pub name: Option<String>,
    /// Show secret outputs (connection strings, keys) by reading them from Azure.
    #[arg(long)]
    pub show_secrets: bool,
}

/// One output: its value, or `None` for a secret (never kept in state).
type Outputs = BTreeMap<String, Option<Value>>;

pub fn run(args: OutputArgs, global: &GlobalArgs) -> CmdResult {
    let rt = runtime()?;
    let doc = rt.block_on(async {
        let opened = open(global).await?;
        let read = opened.backend.read().await;
        let location = opened.backend.location();
        opened.close().await;
        read?.ok_or_else(|| {
            miette!(
                help = "run `azlift up` first",
                "no state for environment `{}` at {}",
                environment(global),
                location
            )
        })
    })?;
    let mut all = collect(&doc);
    let sensitive: std::collections::BTreeSet<String> = all
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(k, _)| k.clone())
        .collect();
    if args.show_secrets {
        for (name, value) in rt.block_on(read_secrets(&doc, global))? {
            all.insert(name, value);
        }
    }
    let selected: Outputs = match &args.name {
        None => all,
        Some(name) => {
            if let Some(v) = all.get(name) {
                return print_one(name, v.as_ref(), global);
            }
            let prefix = format!("{name}.");
            let some: Outputs = all
                .into_iter()
                .filter(|(k, _)| k.starts_with(&prefix))
                .collect();
            if some.is_empty() {
                return Err(miette!(
                    help = "`azlift output` lists every output",
                    "no output named `{name}`"
                ));
            }
            some
        }
    };
    match global.output {
        OutputFormat::Json => {
            let map: serde_json::Map<String, Value> = selected
                .into_iter()
                .map(|(k, v)| {
                    let secret = sensitive.contains(&k);
                    (k, json!({ "sensitive": secret, "value": v }))
                })
                .collect();
            println!("{}", Value::Object(map));
        }
        OutputFormat::Human => {
            for (k, v) in selected {
                println!("{k} = {}", shown(v.as_ref()));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Every output of every resource, named `<address>.<output>`, ids included, and the
/// project's declared outputs (`[output.NAME]`) by their name.
fn collect(doc: &StateDocument) -> Outputs {
    let mut out = Outputs::new();
    for (name, o) in &doc.outputs {
        out.insert(name.clone(), o.value.clone());
    }
    for e in doc.resources.values() {
        out.insert(
            format!("{}.id", e.address),
            Some(Value::String(e.id.clone())),
        );
        for (k, v) in &e.outputs {
            out.insert(format!("{}.{k}", e.address), Some(v.clone()));
        }
        for k in secret_outputs(&e.arm_type) {
            out.insert(format!("{}.{k}", e.address), None);
        }
    }
    out
}

fn print_one(name: &str, v: Option<&Value>, global: &GlobalArgs) -> CmdResult {
    let Some(v) = v else {
        return Err(miette!(
            code = "azlift::output::secret",
            help = "secrets are never kept in state; add `--show-secrets` to read it from Azure",
            "`{name}` is a secret"
        ));
    };
    match (global.output, v) {
        (OutputFormat::Human, Value::String(s)) => println!("{s}"),
        _ => println!("{v}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// The secret outputs, read live from where the resources are (Azure, or the embedded
/// emulator with `--local`).
async fn read_secrets(doc: &StateDocument, global: &GlobalArgs) -> miette::Result<Outputs> {
    let target = if global.local {
        Target::local(&project_dir(global), 1).await?
    } else {
        Target::azure(global.subscription.clone(), 1)?
    };
    super::session::report_target(&target, global);
    let read = read_secret_outputs(&target.client, doc).await;
    target.close().await;
    Ok(read?.into_iter().map(|(k, v)| (k, Some(v))).collect())
}

fn project_dir(global: &GlobalArgs) -> std::path::PathBuf {
    global
        .manifest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(std::path::Path::to_path_buf)
        .unwrap_or_else(|| std::path::PathBuf::from("."))
}

fn shown(v: Option<&Value>) -> String {
    match v {
        None => SENSITIVE.to_string(),
        Some(v) => v.to_string(),
    }
}
