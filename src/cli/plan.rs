//! `azlift plan`.

use clap::Args;

use super::{CmdResult, GlobalArgs, not_built};

#[derive(Debug, Args)]
pub struct PlanArgs {}

pub fn run(_args: PlanArgs, _global: &GlobalArgs) -> CmdResult {
    not_built("azlift plan")
}
