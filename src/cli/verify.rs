//! `azlift verify`: production-readiness checks of what is deployed, or with `--plan FILE` of
//! what a saved plan will deploy (no ARM request at all). Parses flags, gathers, and prints
//! the report `azlift::verify` makes (human, JSON or SARIF).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use miette::{IntoDiagnostic, miette};

use azlift::events::Redactor;
use azlift::model::Model;
use azlift::ops::{SavedPlan, Session};
use azlift::verify::{self, Report, report, sarif};

use super::render::load_project;
use super::session::{interrupt_signal, open_options, report_requests, report_session, runtime};
use super::{CmdResult, GlobalArgs, OutputFormat};

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Report format; overrides `--output` (`sarif`: SARIF 2.1.0 for code-scanning UIs).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<VerifyFormat>,
    /// Check what a plan saved with `azlift plan --out FILE` will deploy instead of what is
    /// deployed: reads the manifest and FILE only, sends no ARM request.
    #[arg(long, value_name = "PLANFILE")]
    pub plan: Option<PathBuf>,
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
    if let Some(path) = &args.plan {
        return verify_plan(path, format, global);
    }
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
        let text = render(&report, format, &session.project.manifest)?;
        // Deployed values shown (alert receivers, descriptions) may hold a secret variable.
        print!("{}", session.redactor.redact(&text));
        report_requests(session.target.client.stats(), global, false);
        session.close().await?;
        Ok(exit_code(&report))
    })
}

/// `verify --plan FILE`: the rules on the plan's `after` bodies, with the manifest's intent
/// and silences.
fn verify_plan(path: &Path, format: VerifyFormat, global: &GlobalArgs) -> CmdResult {
    let loaded = load_project(global)?;
    let saved = read_saved_plan(path, &loaded.model)?;
    let planned = verify::from_plan(&saved.plan, &loaded.model);
    let report = verify::check(&planned, &loaded.model.silences);
    let text = render(&report, format, &global.manifest)?;
    print!("{}", Redactor::with_secrets(loaded.secrets).redact(&text));
    Ok(exit_code(&report))
}

/// The plan saved at `path` (`plan --out`), refused unless it was made for the environment
/// `model` is read for.
pub(super) fn read_saved_plan(path: &Path, model: &Model) -> miette::Result<SavedPlan> {
    let saved = SavedPlan::read(path).map_err(|e| {
        miette!(
            code = "azlift::plan_file",
            help = "make one with `azlift plan --out FILE`",
            "{}",
            e.0
        )
    })?;
    verify::same_environment(&saved.environment, model)?;
    Ok(saved)
}

fn exit_code(report: &Report) -> ExitCode {
    if report.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The report in `format`; SARIF locates findings in the manifest at `manifest`.
fn render(report: &Report, format: VerifyFormat, manifest: &Path) -> miette::Result<String> {
    Ok(match format {
        VerifyFormat::Human => report::render_human(report),
        VerifyFormat::Json => {
            serde_json::to_string(&report::to_json(report)).into_diagnostic()? + "\n"
        }
        VerifyFormat::Sarif => {
            let text = std::fs::read_to_string(manifest).unwrap_or_default();
            // Code scanning resolves paths from the repository root: show the manifest
            // relative to the working directory when it lies inside it.
            let shown = std::env::current_dir()
                .ok()
                .and_then(|cwd| manifest.strip_prefix(cwd).ok().map(Path::to_path_buf))
                .unwrap_or_else(|| manifest.to_path_buf());
            let log = sarif::to_sarif(report, &shown.display().to_string(), &text);
            serde_json::to_string_pretty(&log).into_diagnostic()? + "\n"
        }
    })
}
