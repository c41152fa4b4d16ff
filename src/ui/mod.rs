//! ui: everything that talks to a terminal or writes events for machines. Fed by
//! [`crate::events::Event`]s from the core; the core itself never prints.
//!
//! - [`ProgressUi`]: live progress lines (indicatif) on a terminal;
//! - [`plan_view`] / [`plan_json`]: the plan for people (text) and for tools (a versioned
//!   JSON document);
//! - [`LineUi`]: one plain line per event when stderr is not a terminal or colour is off;
//! - [`JsonEvents`]: NDJSON on stdout for CI (`--output json`);
//! - [`confirm`]: the apply/destroy question, refused in non-interactive runs;
//! - [`DurationModel`]: the ETAs;
//! - [`interrupt`]: SIGINT/SIGTERM handling (first: start nothing new; second: exit 130/143).

mod confirm;
mod eta;
pub mod format;
pub mod interrupt;
mod json;
mod lines;
pub mod plan_json;
pub mod plan_view;
mod progress;

use std::io::IsTerminal;
use std::sync::Arc;

pub use confirm::{ConfirmError, Interactivity, confirm, confirm_with};
pub use eta::DurationModel;
pub use interrupt::{EXIT_INTERRUPTED, EXIT_TERMINATED};
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

/// Which kind of sink a run gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SinkKind {
    /// NDJSON on stdout.
    Json,
    /// Live progress lines on stderr.
    Progress,
    /// One plain line per event on stderr.
    Lines,
}

impl UiChoice {
    /// NDJSON for `--output json`; live progress on a terminal with colour; plain lines
    /// otherwise.
    pub fn kind(&self, stderr_is_terminal: bool) -> SinkKind {
        if self.json {
            SinkKind::Json
        } else if !self.no_color && stderr_is_terminal {
            SinkKind::Progress
        } else {
            SinkKind::Lines
        }
    }
}

/// The sink for a run (see [`UiChoice::kind`]).
pub fn sink_for(
    choice: UiChoice,
    redactor: Arc<Redactor>,
    model: DurationModel,
) -> Arc<dyn EventSink> {
    match choice.kind(std::io::stderr().is_terminal()) {
        SinkKind::Json => Arc::new(JsonEvents::stdout(redactor).with_model(model)),
        SinkKind::Progress => Arc::new(ProgressUi::stderr(redactor, model)),
        SinkKind::Lines => Arc::new(LineUi::stderr(redactor, model)),
    }
}
