//! `azlift down`: destroy everything azlift manages for this environment.

use std::process::ExitCode;

use clap::Args;

use azlift::ops::Session;
use azlift::ui::{UiChoice, confirm, sink_for};

use super::session::{
    interrupt_signal, interrupted_exit, open_options, report_requests, report_session, runtime,
};
use super::{CmdResult, GlobalArgs, OutputFormat};

#[derive(Debug, Args)]
pub struct DownArgs {
    /// Destroy without asking (required when not interactive, e.g. CI=true).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Free the names for good: delete workspaces without soft delete and purge the
    /// project's soft-deleted API Management service.
    #[arg(long)]
    pub purge: bool,
    #[command(flatten)]
    pub scope: super::ScopeArgs,
}

pub fn run(args: DownArgs, global: &GlobalArgs) -> CmdResult {
    let opts = open_options(global, "azlift down")?;
    let choice = UiChoice::new(global.output == OutputFormat::Json, global.no_color);
    runtime()?.block_on(async move {
        let session = Session::open(&opts, interrupt_signal()).await?;
        report_session(&session, global);
        let result = down(&session, &args, choice).await;
        report_requests(session.target.client.stats(), global, true);
        session.close().await?;
        result
    })
}

async fn down(session: &Session, args: &DownArgs, choice: UiChoice) -> super::CmdResult {
    let doc = session.state.document().await;
    let scope = args.scope.scope();
    let chosen = session.destroy_selection(&doc, &scope)?;
    let managed: Vec<String> = doc
        .resources
        .values()
        .filter(|e| e.managed)
        .filter(|e| chosen.as_ref().is_none_or(|c| c.contains(&e.address)))
        .map(|e| e.address.to_string())
        .collect();
    if doc.resources.is_empty() && !args.purge {
        if !choice.json {
            eprintln!("Nothing to destroy: state holds no resources.");
        }
        return Ok(ExitCode::SUCCESS);
    }
    if !choice.json {
        eprintln!("azlift will destroy {} resource(s):", managed.len());
        for a in &managed {
            eprintln!("  - {a}");
        }
    }
    if !args.yes && !confirm("Destroy all of these?")? {
        eprintln!("Nothing destroyed.");
        return Ok(ExitCode::FAILURE);
    }
    let model = azlift::ui::DurationModel::from_state(&doc);
    let sink = sink_for(choice, session.redactor.clone(), model);
    let report = session.destroy_scoped(sink, args.purge, &scope).await?;
    if report.cancelled {
        return Ok(interrupted_exit());
    }
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
