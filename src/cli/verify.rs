//! `azlift verify`.

use clap::Args;

use super::{CmdResult, GlobalArgs, not_built};

#[derive(Debug, Args)]
pub struct VerifyArgs {}

pub fn run(_args: VerifyArgs, _global: &GlobalArgs) -> CmdResult {
    not_built("azlift verify")
}
