//! Live progress on a terminal (indicatif): one line per resource in flight with its action
//! symbol, address, status, elapsed time and what is left of its ETA; finished resources
//! scroll up as plain lines, so hundreds of resources never overflow the screen.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::events::{Action, Event, EventSink, Redactor};
use crate::resource::ResourceAddress;
use crate::ui::eta::DurationModel;
use crate::ui::format;
use crate::ui::lines::fill_eta;

const TICK: Duration = Duration::from_millis(120);

/// The progress display of `up` and `down` on a terminal (stderr).
pub struct ProgressUi {
    multi: MultiProgress,
    redactor: Arc<Redactor>,
    inner: Mutex<Inner>,
}

struct Inner {
    model: DurationModel,
    bars: HashMap<ResourceAddress, Running>,
    /// The overall line (`[00:01:12] ====>---- 3/12 changes`), once the plan is known.
    overall: Option<ProgressBar>,
}

struct Running {
    bar: ProgressBar,
    action: Action,
    arm_type: String,
}

impl ProgressUi {
    /// Progress drawn on stderr.
    pub fn stderr(redactor: Arc<Redactor>, model: DurationModel) -> Self {
        ProgressUi::with_target(ProgressDrawTarget::stderr(), redactor, model)
    }

    /// Progress drawn on `target` (a hidden target in tests).
    pub fn with_target(
        target: ProgressDrawTarget,
        redactor: Arc<Redactor>,
        model: DurationModel,
    ) -> Self {
        ProgressUi {
            multi: MultiProgress::with_draw_target(target),
            redactor,
            inner: Mutex::new(Inner {
                model,
                bars: HashMap::new(),
                overall: None,
            }),
        }
    }

    /// How many resources are in flight.
    pub fn in_flight(&self) -> usize {
        self.inner.lock().map(|i| i.bars.len()).unwrap_or(0)
    }

    fn println(&self, line: &str) {
        if self.multi.is_hidden() {
            return;
        }
        let _ = self.multi.println(line);
    }

    fn finish(&self, inner: &mut Inner, address: &ResourceAddress) -> Option<Running> {
        let running = inner.bars.remove(address)?;
        running.bar.finish_and_clear();
        self.multi.remove(&running.bar);
        Some(running)
    }
}

impl EventSink for ProgressUi {
    fn emit(&self, e: Event) {
        let mut e = e.redacted(&self.redactor);
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        fill_eta(&mut e, &inner.model);
        if let (
            Some(o),
            Event::ResourceDone { .. }
            | Event::ResourceFailed { .. }
            | Event::ResourceSkipped { .. },
        ) = (&inner.overall, &e)
        {
            o.inc(1);
        }
        match &e {
            Event::PlanReady { counts } => {
                let total = counts.create + counts.update + counts.replace + counts.delete;
                if total > 0 && inner.overall.is_none() {
                    let bar = self.multi.add(ProgressBar::new(total as u64));
                    bar.set_style(overall_style());
                    bar.enable_steady_tick(TICK * 4);
                    inner.overall = Some(bar);
                }
                // The plan's total was printed with the plan itself: only the bar counts it.
            }
            Event::Summary { .. } | Event::Interrupted { .. } => {
                if let Some(o) = inner.overall.take() {
                    o.finish_and_clear();
                    self.multi.remove(&o);
                }
                self.println(&format::line(&e));
            }
            Event::ResourceStarted {
                address,
                action,
                arm_type,
                eta,
            } => {
                let bar = self.multi.add(ProgressBar::new_spinner());
                bar.set_style(running_style(*eta));
                bar.set_prefix(format!("{} {address}", action.symbol()));
                bar.set_message(action.doing());
                bar.enable_steady_tick(TICK);
                inner.bars.insert(
                    address.clone(),
                    Running {
                        bar,
                        action: *action,
                        arm_type: arm_type.clone(),
                    },
                );
            }
            Event::ResourceProgress { address, message } => {
                if let Some(r) = inner.bars.get(address) {
                    r.bar
                        .set_message(format!("{}: {message}", r.action.doing()));
                }
            }
            Event::ResourceDone {
                address,
                action,
                elapsed,
            } => {
                if let Some(r) = self.finish(&mut inner, address)
                    && !matches!(action, Action::Delete | Action::Read)
                {
                    inner.model.record(&r.arm_type, *elapsed);
                }
                self.println(&format::line(&e));
            }
            Event::ResourceFailed { address, .. } => {
                self.finish(&mut inner, address);
                self.println(&format::line(&e));
            }
            _ => self.println(&format::line(&e)),
        }
    }
}

fn overall_style() -> ProgressStyle {
    ProgressStyle::with_template("[{elapsed_precise}] {bar:30.cyan/blue} {pos}/{len} changes")
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
}

fn running_style(eta: Option<Duration>) -> ProgressStyle {
    let template = "{spinner:.cyan} {prefix:.bold} {wide_msg} {elapsed:>5} {eta_left:.dim}";
    let style =
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_spinner());
    style.with_key(
        "eta_left",
        move |state: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{}", eta_left(eta, state.elapsed()));
        },
    )
}

/// What the progress line says about the time left: `~40s left`, `(longer than usual)`, or
/// nothing when there is no estimate.
pub fn eta_left(eta: Option<Duration>, elapsed: Duration) -> String {
    match eta {
        None => String::new(),
        Some(eta) if elapsed < eta => format!("~{} left", format::duration(eta - elapsed)),
        Some(_) => "(longer than usual)".to_string(),
    }
}
