//! `azlift render`.

use clap::Args;

use super::{CmdResult, GlobalArgs, not_built};

#[derive(Debug, Args)]
pub struct RenderArgs {}

pub fn run(_args: RenderArgs, _global: &GlobalArgs) -> CmdResult {
    not_built("azlift render")
}
