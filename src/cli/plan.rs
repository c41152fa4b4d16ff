//! `azlift plan`: show exactly what `up` would change, optionally saving it for `up FILE`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use miette::IntoDiagnostic;

use azlift::ops::{SavedPlan, Session};
use azlift::ui::plan_view::render_plan;

use super::session::{interrupt_signal, open_options, report_requests, report_session, runtime};
use super::{CmdResult, GlobalArgs, OutputFormat};

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Save the plan to FILE; `azlift up FILE` applies exactly it (or refuses if stale).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 0 when there are no changes, 2 when there are, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    #[command(flatten)]
    pub scope: super::ScopeArgs,
}

pub fn run(args: PlanArgs, global: &GlobalArgs) -> CmdResult {
    let opts = open_options(global, "azlift plan")?;
    let color = !global.no_color && std::env::var_os("NO_COLOR").is_none();
    runtime()?.block_on(async move {
        let session = Session::open(&opts, interrupt_signal()).await?;
        report_session(&session, global);
        let planned = session.plan_scoped(&args.scope.scope()).await;
        let planned = match planned {
            Ok(p) => p,
            Err(e) => {
                report_requests(session.target.client.stats(), global, false);
                session.close().await.ok();
                return Err(e.into());
            }
        };
        let plan = &planned.plan;
        match global.output {
            OutputFormat::Json => {
                println!("{}", serde_json::to_string(plan).into_diagnostic()?);
            }
            OutputFormat::Human => print!("{}", render_plan(plan, color)),
        }
        if let Some(path) = &args.out {
            SavedPlan::new(plan, &session.project.desired, &planned.state)
                .write(path)
                .into_diagnostic()?;
            if global.output == OutputFormat::Human {
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
        Ok(if args.detailed_exitcode && changes {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        })
    })
}
