//! `azlift validate`.

use clap::Args;

use super::{CmdResult, GlobalArgs, not_built};

#[derive(Debug, Args)]
pub struct ValidateArgs {}

pub fn run(_args: ValidateArgs, _global: &GlobalArgs) -> CmdResult {
    not_built("azlift validate")
}
