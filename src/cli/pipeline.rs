//! `azlift pipeline init github|azure-devops`: flags only; the workflow templates and the
//! setup commands live in `azlift::pipeline`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};

use azlift::manifest::LoadOptions;
use azlift::pipeline::{self, PipelineOptions, PipelineState, Platform};
use azlift::state::{BackendChoice, StateSettings, default_key};

use super::{CmdResult, GlobalArgs};

#[derive(Debug, Subcommand)]
pub enum PipelineCommand {
    /// Write a CI workflow: plan on pull requests, apply on the main branch, keyless sign-in;
    /// print the `az` commands that create the identity it signs in as.
    Init(InitArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlatformArg {
    /// GitHub Actions: .github/workflows/azlift.yml
    Github,
    /// Azure Pipelines: azure-pipelines.yml
    AzureDevops,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The CI system.
    #[arg(value_enum)]
    pub platform: PlatformArg,
    /// OWNER/REPO (GitHub) or ORGANIZATION/PROJECT (Azure DevOps); default: from the git
    /// remote `origin`.
    #[arg(long)]
    pub repo: Option<String>,
    /// The branch whose pushes apply; pull requests against it plan.
    #[arg(long, default_value = "main")]
    pub branch: String,
    /// Azure DevOps: the name of the Azure Resource Manager service connection.
    #[arg(long, default_value = "azlift")]
    pub service_connection: String,
    /// The repository root the workflow is written under.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// Overwrite an existing workflow file.
    #[arg(long)]
    pub force: bool,
    /// Print the workflow on stdout instead of writing it (the setup commands go to stderr).
    #[arg(long)]
    pub stdout: bool,
}

pub fn run(cmd: PipelineCommand, global: &GlobalArgs) -> CmdResult {
    match cmd {
        PipelineCommand::Init(args) => init(args, global),
    }
}

fn init(args: InitArgs, global: &GlobalArgs) -> CmdResult {
    let platform = match args.platform {
        PlatformArg::Github => Platform::GitHub,
        PlatformArg::AzureDevops => Platform::AzureDevOps,
    };
    let repo = args
        .repo
        .clone()
        .or_else(|| pipeline::repo_from_git(&args.dir, platform));
    let state = pipeline_state(global, repo.as_deref());
    if let PipelineState::Unset { .. } = state {
        eprintln!(
            "note: the manifest keeps state in a local file, which a CI runner discards after every job;\n      the workflow reads AZLIFT_STATE_URL instead: run the state commands below, or add\n      [state] backend = \"azblob\" to the manifest (docs/state.md)"
        );
    }
    let opts = PipelineOptions {
        platform,
        repo,
        branch: args.branch.clone(),
        manifest: global.manifest.to_string_lossy().replace('\\', "/"),
        env: global.env.clone(),
        service_connection: args.service_connection.clone(),
        state,
    };
    let setup = pipeline::setup_commands(&opts);
    if args.stdout {
        print!("{}", pipeline::render(&opts)?);
        eprint!("{setup}");
    } else {
        let path = pipeline::write(&args.dir, &opts, args.force)?;
        println!("Wrote {}.\n", path.display());
        print!("{setup}");
    }
    if opts.repo.is_none() {
        eprintln!(
            "note: no repository found (no --repo, no git remote `origin`): replace the placeholders above"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Where the pipeline's runs will keep state: `--state-url` (written into the workflow), the
/// manifest's `[state]`, or nothing yet (a CI variable). A manifest that cannot be read here
/// (say, a secret variable only CI has) counts as nothing yet.
fn pipeline_state(global: &GlobalArgs, repo: Option<&str>) -> PipelineState {
    if let Some(url) = global.state_url.clone().filter(|u| !u.trim().is_empty()) {
        return PipelineState::Url { url };
    }
    let environment = global.env.clone().unwrap_or_else(|| "default".to_string());
    let settings = LoadOptions::from_flags(global.env.clone(), &global.vars)
        .ok()
        .and_then(|load| {
            azlift::ops::state_settings(&global.manifest, &load, &environment, None).ok()
        });
    // The manifest's own choice: the caller's AZLIFT_STATE_URL / _SAS do not go into CI.
    let manifest_blob = settings.clone().and_then(|s| {
        let manifest_only = StateSettings {
            state_url: None,
            sas: None,
            ..s
        };
        match manifest_only.resolve() {
            Ok(BackendChoice::Azblob(loc)) => Some(loc.display_url()),
            _ => None,
        }
    });
    if let Some(url) = manifest_blob {
        return PipelineState::Manifest { url };
    }
    let (project, environment) = settings
        .map(|s| (s.project, s.environment))
        .unwrap_or_else(|| ("project".to_string(), environment));
    PipelineState::Unset {
        suggested_url: pipeline::suggested_state_url(repo, &default_key(&project, &environment)),
    }
}
