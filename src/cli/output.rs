//! `azlift output [NAME] [--show-secrets]`: the outputs recorded in state (resource ids,
//! FQDNs, workspace customer id...). Secret outputs are never in state: they are listed as
//! `(sensitive)`, and showing them needs a live read from Azure.

use std::collections::BTreeMap;
use std::process::ExitCode;

use clap::Args;
use miette::miette;
use serde_json::{Value, json};

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
    if args.show_secrets {
        return Err(miette!(
            code = "azlift::output::secrets",
            help = "secrets are never kept in state; `--show-secrets` needs a live read from Azure (or the emulator with --local), which `azlift output` does not do yet",
            "secret outputs are not available in this version"
        ));
    }
    let doc = runtime()?.block_on(async {
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
    let all = collect(&doc);
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
                .map(|(k, v)| (k, json!({ "sensitive": v.is_none(), "value": v })))
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

/// Every output of every resource, named `<address>.<output>`, ids included.
fn collect(doc: &StateDocument) -> Outputs {
    let mut out = Outputs::new();
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
            help = "secrets are never kept in state; `--show-secrets` (not available yet) would read it from Azure",
            "`{name}` is a secret"
        ));
    };
    match (global.output, v) {
        (OutputFormat::Human, Value::String(s)) => println!("{s}"),
        _ => println!("{v}"),
    }
    Ok(ExitCode::SUCCESS)
}

fn shown(v: Option<&Value>) -> String {
    match v {
        None => SENSITIVE.to_string(),
        Some(v) => v.to_string(),
    }
}
