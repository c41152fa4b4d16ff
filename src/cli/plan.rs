//! `azlift plan`: show exactly what `up` would change (text, a versioned JSON document, or a
//! Mermaid picture), optionally saving it for `up FILE` and checking it with the verify rules.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use miette::IntoDiagnostic;

use azlift::graph::DependencyGraph;
use azlift::ops::{SavedPlan, Session};
use azlift::ui::plan_json::plan_document;
use azlift::ui::plan_view::{Detail, render_plan_with};
use azlift::verify::{self, report};

use super::session::{
    interrupt_signal, open_options, report_requests, report_session, runtime, unless_interrupted,
};
use super::{CmdResult, GlobalArgs, OutputFormat};

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Save the plan to FILE; `azlift up FILE` applies exactly it (or refuses if stale).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 0 when there are no changes, 2 when there are, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// How to show the plan; overrides `--output` (`mermaid`: the dependency graph with each
    /// resource coloured by its action).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<PlanFormat>,
    /// One line per created resource instead of every attribute it will have.
    #[arg(long)]
    pub compact: bool,
    /// Check the planned resources with the `azlift verify` rules; exit 1 on a failure.
    #[arg(long)]
    pub verify: bool,
    #[command(flatten)]
    pub scope: super::ScopeArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    Human,
    Json,
    Mermaid,
}

pub fn run(args: PlanArgs, global: &GlobalArgs) -> CmdResult {
    let opts = open_options(global, "azlift plan")?;
    let color = !global.no_color && std::env::var_os("NO_COLOR").is_none();
    let format = args.format.unwrap_or(match global.output {
        OutputFormat::Human => PlanFormat::Human,
        OutputFormat::Json => PlanFormat::Json,
    });
    let detail = if args.compact {
        Detail::Compact
    } else {
        Detail::Full
    };
    runtime()?.block_on(async move {
        let session = Session::open(&opts, interrupt_signal()).await?;
        report_session(&session, global);
        let planned =
            match unless_interrupted(&session.cancel, session.plan_scoped(&args.scope.scope()))
                .await
            {
                Ok(planned) => planned,
                Err(code) => {
                    report_requests(session.target.client.stats(), global, false);
                    session.close().await.ok();
                    return Ok(code);
                }
            };
        let planned = match planned {
            Ok(p) => p,
            Err(e) => {
                report_requests(session.target.client.stats(), global, false);
                session.close().await.ok();
                return Err(e.into());
            }
        };
        let plan = &planned.plan;
        let verified = args.verify.then(|| {
            let model = &session.project.loaded.model;
            verify::check(&verify::from_plan(plan, model), &model.silences)
        });
        let text = match format {
            PlanFormat::Json => {
                let mut doc = plan_document(plan);
                if let (Some(r), Some(fields)) = (&verified, doc.as_object_mut()) {
                    fields.insert("verify".into(), report::to_json(r));
                }
                serde_json::to_string(&doc).into_diagnostic()? + "\n"
            }
            PlanFormat::Human => {
                let mut text = render_plan_with(plan, color, detail);
                if let Some(r) = &verified {
                    text.push('\n');
                    text.push_str(&report::render_human(r));
                }
                text
            }
            PlanFormat::Mermaid => {
                let graph = DependencyGraph::build(&session.project.desired)?;
                if let Some(r) = &verified {
                    // stdout holds only the drawing.
                    eprint!("{}", session.redactor.redact(&report::render_human(r)));
                }
                graph.to_mermaid_plan(plan)
            }
        };
        // Plans are masked when made; a secret variable's value must not slip through a
        // value the manifest did not mark either.
        print!("{}", session.redactor.redact(&text));
        if let Some(path) = &args.out {
            SavedPlan::new(plan, &session.project.desired, &planned.state)
                .write(path)
                .into_diagnostic()?;
            if format == PlanFormat::Human {
                println!(
                    "Saved the plan to {}: apply it with `azlift up {}`.",
                    path.display(),
                    path.display()
                );
            }
        }
        let changes = plan.has_changes();
        report_requests(session.target.client.stats(), global, false);
        session.close().await?;
        Ok(if verified.is_some_and(|r| !r.passed) {
            ExitCode::FAILURE
        } else if args.detailed_exitcode && changes {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        })
    })
}
