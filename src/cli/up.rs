//! `azlift up`.

use clap::Args;

use super::{CmdResult, GlobalArgs, not_built};

#[derive(Debug, Args)]
pub struct UpArgs {}

pub fn run(_args: UpArgs, _global: &GlobalArgs) -> CmdResult {
    not_built("azlift up")
}
