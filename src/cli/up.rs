//! `azlift up [PLANFILE]`: make Azure match the manifest, or apply exactly a saved plan.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use miette::miette;

use azlift::ops::{OpsError, SavedPlan, Session, SoftDeleteChoice};
use azlift::ui::plan_json::plan_document;
use azlift::ui::plan_view::{Detail, render_plan_with};
use azlift::ui::{UiChoice, confirm, sink_for};

use super::session::{
    interrupt_signal, interrupted_exit, open_options, report_requests, report_session, runtime,
    unless_interrupted,
};
use super::{CmdResult, GlobalArgs, OutputFormat};

#[derive(Debug, Args)]
pub struct UpArgs {
    /// A plan saved with `azlift plan --out FILE`: apply exactly it, or refuse if stale.
    pub plan: Option<PathBuf>,
    /// Apply without asking (required when not interactive, e.g. CI=true).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Consent to replacing resources (delete then create) when not asked interactively.
    #[arg(long)]
    pub allow_replace: bool,
    /// Show the plan with one line per created resource instead of every attribute.
    #[arg(long)]
    pub compact: bool,
    #[command(flatten)]
    pub scope: super::ScopeArgs,
    /// A soft-deleted service holds a name the plan creates: bring it back (APIM
    /// `restore`; a workspace where it was).
    #[arg(long, conflicts_with = "purge_soft_deleted")]
    pub recover_soft_deleted: bool,
    /// A soft-deleted service holds a name the plan creates: delete it for good first.
    #[arg(long)]
    pub purge_soft_deleted: bool,
}

pub fn run(args: UpArgs, global: &GlobalArgs) -> CmdResult {
    let opts = open_options(global, "azlift up")?;
    let choice = UiChoice::new(global.output == OutputFormat::Json, global.no_color);
    let saved = match &args.plan {
        Some(p) => Some(SavedPlan::read(p).map_err(|e| OpsError::StalePlan(e.0))?),
        None => None,
    };
    runtime()?.block_on(async move {
        let session = Session::open(&opts, interrupt_signal()).await?;
        report_session(&session, global);
        let result = up(&session, &args, global, choice, saved.as_ref()).await;
        report_requests(session.target.client.stats(), global, true);
        session.close().await?;
        result
    })
}

async fn up(
    session: &Session,
    args: &UpArgs,
    global: &GlobalArgs,
    choice: UiChoice,
    saved: Option<&SavedPlan>,
) -> CmdResult {
    if let Some(saved) = saved {
        session.prepare_saved(saved).await;
    }
    let scope = run_scope(args, saved)?;
    let planned = match unless_interrupted(&session.cancel, session.plan_scoped(&scope)).await {
        Ok(planned) => planned?,
        Err(code) => return Ok(code),
    };
    if let Some(saved) = saved {
        saved
            .check(&session.project.desired, &planned.state, &planned.plan)
            .map_err(|e| OpsError::StalePlan(e.0))?;
    }
    let plan = &planned.plan;
    if choice.json {
        let line = serde_json::json!({"event": "plan", "plan": plan_document(plan)});
        println!("{}", session.redactor.redact(&line.to_string()));
    } else {
        let detail = if args.compact {
            Detail::Compact
        } else {
            Detail::Full
        };
        let text = render_plan_with(plan, !choice.no_color, detail);
        eprint!("{}", session.redactor.redact(&text));
    }
    if !plan.has_changes() {
        session.record_outputs(&planned.observation.known).await?;
        return Ok(ExitCode::SUCCESS);
    }
    let choice_soft = if args.recover_soft_deleted {
        SoftDeleteChoice::Recover
    } else if args.purge_soft_deleted {
        SoftDeleteChoice::Purge
    } else {
        SoftDeleteChoice::Refuse
    };
    // A soft-deleted service blocking a create is refused before anything is asked or
    // written; a purge waits for consent.
    if choice_soft != SoftDeleteChoice::Purge {
        session
            .settle_soft_deleted(&planned.soft_deleted, choice_soft)
            .await?;
    }
    let replaces: Vec<String> = plan.replaces().map(|c| c.address.to_string()).collect();
    // A saved plan was reviewed when it was made; applying it is the consent.
    let consented = args.yes || saved.is_some();
    if consented {
        if !replaces.is_empty() && !args.allow_replace {
            return Err(miette!(
                code = "azlift::replace_needs_consent",
                help = "review why in the plan above, then re-run with --allow-replace",
                "the plan replaces (deletes and re-creates) {}",
                replaces.join(", ")
            ));
        }
    } else {
        let question = if replaces.is_empty() {
            "Apply these changes?".to_string()
        } else {
            format!(
                "Apply these changes? {} will be DELETED and re-created.",
                replaces.join(", ")
            )
        };
        if !confirm(&question)? {
            eprintln!("Nothing applied.");
            return Ok(ExitCode::FAILURE);
        }
    }
    if choice_soft == SoftDeleteChoice::Purge {
        session
            .settle_soft_deleted(&planned.soft_deleted, choice_soft)
            .await?;
    }
    let mut planned = planned;
    planned.soft_delete_choice = choice_soft;
    let doc = session.state.document().await;
    let model = azlift::ui::DurationModel::from_state(&doc);
    let sink = sink_for(choice, session.redactor.clone(), model);
    let known = planned.observation.known.clone();
    let report = session.apply(planned, sink).await;
    let _ = global;
    if report.cancelled {
        return Ok(interrupted_exit());
    }
    session.record_outputs(&known).await?;
    let failures: Vec<String> = report
        .failures()
        .map(|(a, e)| {
            let mut line = format!("  {a}: {}: {}", e.code, session.redactor.redact(&e.message));
            if let Some(h) = hint(&e.code) {
                line.push_str(&format!("\n    hint: {h}"));
            }
            line
        })
        .collect();
    if failures.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        if !choice.json {
            eprintln!(
                "\nError: {} resource(s) failed:\n{}",
                failures.len(),
                failures.join("\n")
            );
            eprintln!("Fix the cause and run `azlift up` again: finished resources are kept.");
        }
        Ok(ExitCode::FAILURE)
    }
}

/// The scope of this run: the flags', or a saved plan's (which was reviewed with it).
fn run_scope(args: &UpArgs, saved: Option<&SavedPlan>) -> miette::Result<azlift::plan::Scope> {
    let flags = args.scope.scope();
    let Some(saved) = saved else {
        return Ok(flags);
    };
    let recorded = saved.plan.scope.clone().unwrap_or_default();
    if !flags.is_all() && flags != recorded {
        return Err(miette!(
            help =
                "a saved plan applies with the --target/--exclude it was made with; leave them off",
            "--target/--exclude differ from the saved plan's"
        ));
    }
    Ok(recorded)
}

/// What to do about the ARM errors users meet most.
fn hint(code: &str) -> Option<&'static str> {
    Some(match code {
        "ServiceAlreadyExistsInSoftDeletedState" => {
            "a soft-deleted API Management service holds this name: `azlift down --purge` purges it (or pick another name)"
        }
        "AuthorizationFailed" => {
            "the identity lacks a role on the subscription or resource group (Contributor is enough)"
        }
        "InvalidAuthenticationToken" | "ExpiredAuthenticationToken" => {
            "the credential is wrong or expired: see docs/credentials.md for the variables azlift reads"
        }
        "MissingSubscriptionRegistration" => {
            "register the resource provider: `az provider register --namespace <namespace>`"
        }
        "ResourceGroupNotFound" => {
            "the resource group is gone: run `azlift up` again to re-create it"
        }
        "AnotherOperationInProgress" | "Conflict" => {
            "another operation holds the resource: run `azlift up` again once it finishes"
        }
        _ => return None,
    })
}
