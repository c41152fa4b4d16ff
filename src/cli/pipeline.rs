//! `azlift pipeline init github|azure-devops`: flags only; the workflow templates and the
//! setup commands live in `azlift::pipeline`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};

use azlift::pipeline::{self, PipelineOptions, Platform};

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
    let opts = PipelineOptions {
        platform,
        repo,
        branch: args.branch.clone(),
        manifest: global.manifest.to_string_lossy().replace('\\', "/"),
        env: global.env.clone(),
        service_connection: args.service_connection.clone(),
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
