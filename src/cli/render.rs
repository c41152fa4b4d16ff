//! `azlift render`: the ARM resources azlift would send (human or `--output json`, secrets
//! masked), or one deployable ARM template (`--arm-template`). Also home of the CLI's one
//! entry to the manifest, [`load_project`], shared by `graph`.

use std::path::Path;
use std::process::ExitCode;

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

/// THE place where the CLI reads the manifest (`-e`, `--var`, the process environment):
/// the validated model with its secret values (for masking).
pub fn load_project(global: &GlobalArgs) -> miette::Result<azlift::manifest::Loaded> {
    let opts = azlift::manifest::LoadOptions::from_flags(global.env.clone(), &global.vars)?;
    Ok(azlift::manifest::load(&global.manifest, &opts)?)
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
    let loaded = load_project(global)?;
    let ctx = render_context(global)?;
    let mut resources = render(&loaded.model, &ctx)?;
    azlift::ops::check_ids(&global.manifest, &resources)?;
    azlift::render::protect_secrets(&mut resources, &loaded.secrets)?;
    Ok(resources)
}
