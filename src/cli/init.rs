//! `azlift init`.

use clap::Args;

use super::{CmdResult, GlobalArgs, not_built};

#[derive(Debug, Args)]
pub struct InitArgs {}

pub fn run(_args: InitArgs, _global: &GlobalArgs) -> CmdResult {
    not_built("azlift init")
}
