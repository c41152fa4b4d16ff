//! `azlift verify`: production-readiness checks of what is deployed. Parses flags, opens the
//! session, and prints the report `azlift::verify` makes (human, JSON or SARIF).

use std::process::ExitCode;

use clap::{Args, ValueEnum};
use miette::IntoDiagnostic;

use azlift::ops::Session;
use azlift::verify::{self, report, sarif};

use super::session::{interrupt_signal, open_options, report_requests, report_session, runtime};
use super::{CmdResult, GlobalArgs, OutputFormat};

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Report format; overrides `--output` (`sarif`: SARIF 2.1.0 for code-scanning UIs).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<VerifyFormat>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerifyFormat {
    Human,
    Json,
    Sarif,
}

pub fn run(args: VerifyArgs, global: &GlobalArgs) -> CmdResult {
    let format = args.format.unwrap_or(match global.output {
        OutputFormat::Human => VerifyFormat::Human,
        OutputFormat::Json => VerifyFormat::Json,
    });
    let opts = open_options(global, "azlift verify")?;
    runtime()?.block_on(async move {
        let session = Session::open(&opts, interrupt_signal()).await?;
        report_session(&session, global);
        if format == VerifyFormat::Human {
            eprintln!(
                "Reading what state records from {}...",
                session.target.describe
            );
        }
        let deployed = match verify::gather(&session).await {
            Ok(d) => d,
            Err(e) => {
                report_requests(session.target.client.stats(), global, false);
                session.close().await.ok();
                return Err(e.into());
            }
        };
        let report = verify::check(&deployed, &session.project.loaded.model.silences);
        let text = match format {
            VerifyFormat::Human => report::render_human(&report),
            VerifyFormat::Json => {
                serde_json::to_string(&report::to_json(&report)).into_diagnostic()? + "\n"
            }
            VerifyFormat::Sarif => {
                let manifest =
                    std::fs::read_to_string(&session.project.manifest).unwrap_or_default();
                // Code scanning resolves paths from the repository root: show the manifest
                // relative to the working directory when it lies inside it.
                let path = &session.project.manifest;
                let shown = std::env::current_dir()
                    .ok()
                    .and_then(|cwd| path.strip_prefix(cwd).ok().map(|p| p.to_path_buf()))
                    .unwrap_or_else(|| path.clone());
                let log = sarif::to_sarif(&report, &shown.display().to_string(), &manifest);
                serde_json::to_string_pretty(&log).into_diagnostic()? + "\n"
            }
        };
        // Deployed values shown (alert receivers, descriptions) may hold a secret variable.
        print!("{}", session.redactor.redact(&text));
        report_requests(session.target.client.stats(), global, false);
        session.close().await?;
        Ok(if report.passed {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    })
}
