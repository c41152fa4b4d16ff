//! Command-line definitions (clap) and dispatch. Each command lives in its own file and only
//! turns flags into calls of the library; the work is done in `azlift::*`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod completions;
mod down;
mod emulator;
mod graph;
mod init;
mod output;
mod pipeline;
mod plan;
mod render;
mod schema;
mod session;
mod state;
mod up;
mod validate;
mod verify;

/// azlift: provision Azure systems from a short manifest and keep them in line with it.
#[derive(Debug, Parser)]
#[command(name = "azlift", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// The manifest to read.
    #[arg(
        short = 'f',
        long = "manifest",
        global = true,
        default_value = "azlift.toml"
    )]
    pub manifest: PathBuf,
    /// The environment whose `[env.NAME]` overrides apply.
    #[arg(short = 'e', long = "env", global = true, env = "AZLIFT_ENV")]
    pub env: Option<String>,
    /// Set a variable: `--var NAME=VALUE` (repeatable).
    #[arg(long = "var", global = true, value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Azure subscription id.
    #[arg(long, global = true, env = "AZURE_SUBSCRIPTION_ID")]
    pub subscription: Option<String>,
    /// Target the embedded emulator instead of Azure.
    #[arg(long, global = true)]
    pub local: bool,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Human)]
    pub output: OutputFormat,
    /// Never use colour (also: NO_COLOR).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// More detail (-v, -vv).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// How many ARM operations run at once.
    #[arg(long, global = true, default_value_t = 10)]
    pub parallelism: usize,
    /// State in a blob, overriding `[state]`: `https://ACCOUNT.blob.core.windows.net/CONTAINER/KEY`
    /// (a SAS goes in AZLIFT_STATE_SAS, never in the URL).
    #[arg(long, global = true, env = "AZLIFT_STATE_URL", value_name = "URL")]
    pub state_url: Option<String>,
    /// How long to wait for another run's state lock (`60s`, `2m`); 0 fails at once, naming
    /// the holder.
    #[arg(long, global = true, value_name = "DURATION", default_value = "0", value_parser = parse_lock_timeout)]
    pub lock_timeout: std::time::Duration,
    /// How plan reads Azure: `list` (a list operation per resource group and type where it
    /// returns what a GET does; GET for the rest) or `get` (one GET per resource).
    #[arg(long, global = true, value_enum, env = "AZLIFT_OBSERVE", default_value_t = ObserveArg::List)]
    pub observe: ObserveArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ObserveArg {
    List,
    Get,
}

impl From<ObserveArg> for azlift::apply::ObserveMode {
    fn from(a: ObserveArg) -> Self {
        match a {
            ObserveArg::List => azlift::apply::ObserveMode::List,
            ObserveArg::Get => azlift::apply::ObserveMode::Get,
        }
    }
}

fn parse_lock_timeout(text: &str) -> Result<std::time::Duration, String> {
    azlift::state::parse_duration(text)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a starter azlift.toml.
    Init(init::InitArgs),
    /// Parse and check the manifest; errors point at file:line:col.
    Validate(validate::ValidateArgs),
    /// Show the ARM resources azlift would send, or one deployable ARM template.
    Render(render::RenderArgs),
    /// Show exactly what `up` would change.
    Plan(plan::PlanArgs),
    /// Make Azure match the manifest (or apply a saved plan).
    Up(up::UpArgs),
    /// Destroy everything azlift manages for this environment.
    Down(down::DownArgs),
    /// Show outputs: FQDNs, resource ids, connection strings (masked unless asked).
    Output(output::OutputArgs),
    /// Show the dependency graph.
    Graph(graph::GraphArgs),
    /// Inspect and edit what azlift manages.
    #[command(subcommand)]
    State(state::StateCommand),
    /// Production-readiness checks of the deployed system.
    Verify(verify::VerifyArgs),
    /// Run the local ARM-compatible emulator.
    Emulator(emulator::EmulatorArgs),
    /// CI scaffolding: `pipeline init github|azure-devops`.
    #[command(subcommand)]
    Pipeline(pipeline::PipelineCommand),
    /// Print the JSON Schema of azlift.toml (for editors).
    Schema(schema::SchemaArgs),
    /// Print the shell completion script: `azlift completions bash > ...`.
    Completions(completions::CompletionsArgs),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.global.no_color || std::env::var_os("NO_COLOR").is_some() {
        // miette and indicatif read this through the hook below.
        miette::set_hook(Box::new(|_| {
            Box::new(miette::MietteHandlerOpts::new().color(false).build())
        }))
        .ok();
    }
    if matches!(
        cli.command,
        Command::Validate(_)
            | Command::Render(_)
            | Command::Graph(_)
            | Command::Init(_)
            | Command::Pipeline(_)
            | Command::Schema(_)
            | Command::Completions(_)
    ) {
        crate::restore_sigpipe();
    }
    let result = match cli.command {
        Command::Init(a) => init::run(a, &cli.global),
        Command::Validate(a) => validate::run(a, &cli.global),
        Command::Render(a) => render::run(a, &cli.global),
        Command::Plan(a) => plan::run(a, &cli.global),
        Command::Up(a) => up::run(a, &cli.global),
        Command::Down(a) => down::run(a, &cli.global),
        Command::Output(a) => output::run(a, &cli.global),
        Command::Graph(a) => graph::run(a, &cli.global),
        Command::State(c) => state::run(c, &cli.global),
        Command::Verify(a) => verify::run(a, &cli.global),
        Command::Emulator(a) => emulator::run(a, &cli.global),
        Command::Pipeline(c) => pipeline::run(c, &cli.global),
        Command::Schema(a) => schema::run(a),
        Command::Completions(a) => completions::run(a),
    };
    match result {
        Ok(code) => code,
        Err(report) => {
            // Every secret the run met is masked, whatever the error carries.
            let text = format!("{report:?}");
            eprintln!("{}", azlift::events::Redactor::process().redact(&text));
            ExitCode::FAILURE
        }
    }
}

/// What every command returns: an exit code, or an error report printed by `main`.
pub type CmdResult = miette::Result<ExitCode>;

/// The error of a command that is not built yet. It says so plainly instead of pretending.
/// (Unused while every command is built; kept for the next one on the roadmap.)
#[allow(dead_code)]
pub fn not_built(what: &str) -> CmdResult {
    Err(miette::miette!(
        code = "azlift::not_built",
        help = "this command is on the roadmap; see the project's open issues",
        "`{what}` is not built yet"
    ))
}

/// `--target` / `--exclude` of `plan`, `up` and `down` (`azlift::plan::Scope`).
#[derive(Debug, Clone, Default, Args)]
pub struct ScopeArgs {
    /// Limit the run to ADDRESS (repeatable; a prefix such as `app` names every address under
    /// it): `plan`/`up` add what it depends on, `down` what depends on it.
    #[arg(long = "target", value_name = "ADDRESS")]
    pub targets: Vec<String>,
    /// Leave ADDRESS out of the run (repeatable; prefixes allowed): `plan`/`up` also leave out
    /// what depends on it, `down` keeps what it depends on.
    #[arg(long = "exclude", value_name = "ADDRESS")]
    pub excludes: Vec<String>,
}

impl ScopeArgs {
    pub fn scope(&self) -> azlift::plan::Scope {
        azlift::plan::Scope::new(self.targets.clone(), self.excludes.clone())
    }
}
