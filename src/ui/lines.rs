//! Quiet output for logs and dumb terminals: one plain line per event, no colour, no
//! redraws (stderr not a terminal, `--no-color`, `NO_COLOR`).

use std::io::Write;
use std::sync::{Arc, Mutex};

use crate::events::{Event, EventSink, Redactor};
use crate::ui::eta::DurationModel;
use crate::ui::format;

/// Writes [`format::line`] of each event.
pub struct LineUi {
    out: Mutex<Box<dyn Write + Send>>,
    redactor: Arc<Redactor>,
    model: DurationModel,
}

impl LineUi {
    /// Lines on this process's stderr.
    pub fn stderr(redactor: Arc<Redactor>, model: DurationModel) -> Self {
        LineUi::new(Box::new(std::io::stderr()), redactor, model)
    }

    pub fn new(out: Box<dyn Write + Send>, redactor: Arc<Redactor>, model: DurationModel) -> Self {
        LineUi {
            out: Mutex::new(out),
            redactor,
            model,
        }
    }
}

impl EventSink for LineUi {
    fn emit(&self, e: Event) {
        // The plan's total was printed with the plan itself; the run ends with one summary.
        if matches!(e, Event::PlanReady { .. }) {
            return;
        }
        let mut e = e.redacted(&self.redactor);
        fill_eta(&mut e, &self.model);
        let line = format::line(&e);
        if let Ok(mut out) = self.out.lock() {
            let _ = writeln!(out, "{line}").and_then(|()| out.flush());
        }
    }
}

/// Give a started event the model's ETA when it has none.
pub(crate) fn fill_eta(e: &mut Event, model: &DurationModel) {
    if let Event::ResourceStarted {
        arm_type,
        action,
        eta,
        ..
    } = e
        && eta.is_none()
    {
        *eta = model.estimate(arm_type, *action);
    }
}
