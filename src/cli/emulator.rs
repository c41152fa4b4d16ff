//! `azlift emulator`: run the local ARM-compatible emulator in the foreground.

use clap::Args;

use super::{CmdResult, GlobalArgs, not_built};

#[derive(Debug, Args)]
pub struct EmulatorArgs {}

pub fn run(_args: EmulatorArgs, _global: &GlobalArgs) -> CmdResult {
    not_built("azlift emulator")
}
