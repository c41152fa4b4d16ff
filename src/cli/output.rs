//! `azlift output`.

use clap::Args;

use super::{CmdResult, GlobalArgs, not_built};

#[derive(Debug, Args)]
pub struct OutputArgs {}

pub fn run(_args: OutputArgs, _global: &GlobalArgs) -> CmdResult {
    not_built("azlift output")
}
