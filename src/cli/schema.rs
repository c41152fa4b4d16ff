//! `azlift schema`: print the JSON Schema of `azlift.toml` (every key with its doc text), for
//! editors and CI checks; `azlift init` writes it beside the manifest.

use std::process::ExitCode;

use clap::Args;
use miette::IntoDiagnostic;

use super::CmdResult;

#[derive(Debug, Args)]
pub struct SchemaArgs {}

/// The schema as pretty JSON text.
pub fn text() -> miette::Result<String> {
    serde_json::to_string_pretty(&azlift::manifest::schema::schema()).into_diagnostic()
}

pub fn run(_args: SchemaArgs) -> CmdResult {
    println!("{}", text()?);
    Ok(ExitCode::SUCCESS)
}
