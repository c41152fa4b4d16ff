//! `azlift graph`.

use clap::Args;

use super::{CmdResult, GlobalArgs, not_built};

#[derive(Debug, Args)]
pub struct GraphArgs {}

pub fn run(_args: GraphArgs, _global: &GlobalArgs) -> CmdResult {
    not_built("azlift graph")
}
