//! `azlift render`: the ARM resources azlift would send (human or `--output json`, secrets
//! masked), or one deployable ARM template (`--arm-template`). Also home of the CLI's one
//! entry to the manifest, [`load_model`], shared by `graph`.

use std::path::Path;
use std::process::ExitCode;

use azlift::model::Model;
use azlift::render::{
    DEFAULT_SUBSCRIPTION, RenderContext, TemplateSet, arm_template, display, render,
};
use azlift::resource::DesiredResource;
use clap::Args;
use miette::IntoDiagnostic;

use super::{CmdResult, GlobalArgs, OutputFormat};

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Print one deployable ARM template (subscription scope, secrets as `securestring`
    /// parameters) instead of the list of resources.
    #[arg(long)]
    pub arm_template: bool,
}

pub fn run(args: RenderArgs, global: &GlobalArgs) -> CmdResult {
    let resources = render_project(global)?;
    if args.arm_template {
        let text = serde_json::to_string_pretty(&arm_template(&resources)).into_diagnostic()?;
        println!("{text}");
        return Ok(ExitCode::SUCCESS);
    }
    match global.output {
        OutputFormat::Human => print!("{}", display::human(&resources)),
        OutputFormat::Json => {
            let text = serde_json::to_string_pretty(&display::masked_json(&resources))
                .into_diagnostic()?;
            println!("{text}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// THE place where the CLI turns the manifest into a [`Model`]. Until the manifest parser
/// (`azlift::manifest::load`) is merged it says so; at merge it becomes
/// `azlift::manifest::load(&global.manifest, &options).map(|l| l.model)`.
pub fn load_model(global: &GlobalArgs) -> miette::Result<Model> {
    Err(miette::miette!(
        code = "azlift::not_built",
        help = "the manifest parser is being built on another branch",
        "cannot read {}: manifest parser not merged yet",
        global.manifest.display()
    ))
}

/// Subscription from `--subscription` (or `AZURE_SUBSCRIPTION_ID`), else the all-zero id;
/// templates: the built-ins with the project's `templates/resources/` overrides.
pub fn render_context(global: &GlobalArgs) -> miette::Result<RenderContext> {
    let project_dir = match global.manifest.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    Ok(RenderContext {
        subscription_id: global
            .subscription
            .clone()
            .unwrap_or_else(|| DEFAULT_SUBSCRIPTION.to_string()),
        templates: TemplateSet::with_overrides(project_dir)?,
    })
}

/// Loads the manifest and renders it.
pub fn render_project(global: &GlobalArgs) -> miette::Result<Vec<DesiredResource>> {
    let model = load_model(global)?;
    let ctx = render_context(global)?;
    Ok(render(&model, &ctx)?)
}
