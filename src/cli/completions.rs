//! `azlift completions SHELL`: print the shell completion script (clap_complete) for bash,
//! zsh, fish, PowerShell or elvish.

use std::process::ExitCode;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::{Cli, CmdResult};

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, powershell, elvish.
    pub shell: Shell,
}

pub fn run(args: CompletionsArgs) -> CmdResult {
    let mut cmd = Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "azlift", &mut std::io::stdout());
    Ok(ExitCode::SUCCESS)
}
