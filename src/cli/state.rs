//! `azlift state list|show|rm|import`.

use clap::Subcommand;

use super::{CmdResult, GlobalArgs, not_built};

#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// List the resources azlift manages.
    List,
}

pub fn run(_cmd: StateCommand, _global: &GlobalArgs) -> CmdResult {
    not_built("azlift state")
}
