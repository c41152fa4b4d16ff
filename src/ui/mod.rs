//! ui: everything that talks to a terminal or writes events for machines. Fed by
//! [`crate::events::Event`]s from the core; the core itself never prints.
//!
//! - [`ProgressUi`]: live progress lines (indicatif) on a terminal;
//! - [`LineUi`]: one plain line per event when stderr is not a terminal or colour is off;
//! - [`JsonEvents`]: NDJSON on stdout for CI (`--output json`);
//! - [`confirm`]: the apply/destroy question, refused in non-interactive runs;
//! - [`DurationModel`]: the ETAs.

mod confirm;
mod eta;
pub mod format;
mod json;
mod lines;
pub mod plan_view;
mod progress;

use std::io::IsTerminal;
use std::sync::Arc;

pub use confirm::{ConfirmError, Interactivity, confirm, confirm_with};
pub use eta::DurationModel;
pub use json::{JsonEvents, render_line};
pub use lines::LineUi;
pub use progress::{ProgressUi, eta_left};

use crate::events::{EventSink, Redactor};

/// How the user asked to see a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UiChoice {
    /// `--output json`.
    pub json: bool,
    /// `--no-color` or `NO_COLOR` set.
    pub no_color: bool,
}

impl UiChoice {
    /// `NO_COLOR` (any value) counts as `--no-color`.
    pub fn new(json: bool, no_color_flag: bool) -> Self {
        UiChoice {
            json,
            no_color: no_color_flag || std::env::var_os("NO_COLOR").is_some(),
        }
    }
}

/// The sink for a run: NDJSON on stdout for `--output json`; live progress on a colour
/// terminal; plain lines on stderr otherwise.
pub fn sink_for(
    choice: UiChoice,
    redactor: Arc<Redactor>,
    model: DurationModel,
) -> Arc<dyn EventSink> {
    if choice.json {
        Arc::new(JsonEvents::stdout(redactor))
    } else if !choice.no_color && std::io::stderr().is_terminal() {
        Arc::new(ProgressUi::stderr(redactor, model))
    } else {
        Arc::new(LineUi::stderr(redactor, model))
    }
}
