//! `azlift down`.

use clap::Args;

use super::{CmdResult, GlobalArgs, not_built};

#[derive(Debug, Args)]
pub struct DownArgs {}

pub fn run(_args: DownArgs, _global: &GlobalArgs) -> CmdResult {
    not_built("azlift down")
}
