//! What the ARM client tells its caller while it works (retries, throttling, polling), and
//! the per-operation context that carries the event sink and a cancel signal.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

/// Something worth showing while an operation runs.
#[derive(Debug, Clone, PartialEq)]
pub enum ArmEvent {
    /// A request failed transiently and will be sent again after `delay`.
    Retrying {
        reason: String,
        /// 1 for the first retry.
        attempt: u32,
        delay: Duration,
    },
    /// ARM answered 429; nothing of this class is sent before `retry_after` passes.
    Throttled { retry_after: Duration },
    /// A long-running operation is still running.
    Polling {
        /// What the service says (`InProgress`, `Creating`, `Accepted`...).
        status: String,
        elapsed: Duration,
        /// When the next poll goes out.
        next_poll: Duration,
    },
    /// The rate-limit headers say the subscription's budget is low: requests are paced.
    SlowingDown { remaining: u32 },
}

impl fmt::Display for ArmEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArmEvent::Retrying {
                reason,
                attempt,
                delay,
            } => write!(
                f,
                "retrying ({reason}; attempt {attempt}, in {:.1}s)",
                delay.as_secs_f64()
            ),
            ArmEvent::Throttled { retry_after } => {
                write!(f, "throttled by ARM, waiting {}s", retry_after.as_secs())
            }
            ArmEvent::Polling {
                status,
                elapsed,
                next_poll,
            } => write!(
                f,
                "{}, {} elapsed, polls every {}s",
                status.to_lowercase(),
                human(*elapsed),
                next_poll.as_secs().max(1)
            ),
            ArmEvent::SlowingDown { remaining } => {
                write!(
                    f,
                    "slowing down ({remaining} requests left in ARM's budget)"
                )
            }
        }
    }
}

fn human(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

/// Receives events. Called from the task doing the request; keep it quick.
pub type EventSink = Arc<dyn Fn(ArmEvent) + Send + Sync>;

/// Per-operation context: an optional event sink and an optional cancel signal.
///
/// Cancel stops *waiting* (backoff sleeps and LRO polls) with [`super::ArmError::Canceled`];
/// a request already sent is not taken back, and the operation may finish in Azure.
#[derive(Clone, Default)]
pub struct OpContext {
    sink: Option<EventSink>,
    cancel: Option<watch::Receiver<bool>>,
}

impl fmt::Debug for OpContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpContext")
            .field("sink", &self.sink.is_some())
            .field("cancel", &self.cancel.is_some())
            .finish()
    }
}

impl OpContext {
    /// A context that reports nothing and is never canceled.
    pub fn new() -> Self {
        OpContext::default()
    }

    /// Sends events to `sink`.
    pub fn with_events(mut self, sink: impl Fn(ArmEvent) + Send + Sync + 'static) -> Self {
        self.sink = Some(Arc::new(sink));
        self
    }

    /// Sends events to an already shared sink.
    pub fn with_sink(mut self, sink: EventSink) -> Self {
        self.sink = Some(sink);
        self
    }

    /// Stops waiting once the watched value becomes `true`.
    pub fn with_cancel(mut self, cancel: watch::Receiver<bool>) -> Self {
        self.cancel = Some(cancel);
        self
    }

    pub(crate) fn emit(&self, event: ArmEvent) {
        if let Some(sink) = &self.sink {
            sink(event);
        }
    }

    pub(crate) fn is_canceled(&self) -> bool {
        self.cancel.as_ref().is_some_and(|c| *c.borrow())
    }

    /// Sleeps for `d`; returns `false` when canceled first.
    pub(crate) async fn sleep(&self, d: Duration) -> bool {
        if self.is_canceled() {
            return false;
        }
        match &self.cancel {
            None => {
                tokio::time::sleep(d).await;
                true
            }
            Some(rx) => {
                let mut rx = rx.clone();
                let sleep = tokio::time::sleep(d);
                tokio::pin!(sleep);
                let canceled = tokio::select! {
                    _ = &mut sleep => return true,
                    // Err: the sender is gone, nobody can cancel any more.
                    r = rx.wait_for(|c| *c) => r.is_ok(),
                };
                if canceled {
                    return false;
                }
                sleep.await;
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polling_event_reads_like_the_ui_line() {
        let e = ArmEvent::Polling {
            status: "Creating".into(),
            elapsed: Duration::from_secs(12 * 60 + 5),
            next_poll: Duration::from_secs(30),
        };
        assert_eq!(e.to_string(), "creating, 12m elapsed, polls every 30s");
    }

    #[tokio::test]
    async fn cancel_interrupts_sleep() {
        let (tx, rx) = watch::channel(false);
        let ctx = OpContext::new().with_cancel(rx);
        let t = tokio::spawn(async move { ctx.sleep(Duration::from_secs(3600)).await });
        tokio::time::sleep(Duration::from_millis(10)).await;
        tx.send(true).unwrap();
        assert!(!t.await.unwrap());
    }

    #[tokio::test]
    async fn uncanceled_sleep_completes_even_when_the_sender_is_gone() {
        let (tx, rx) = watch::channel(false);
        let ctx = OpContext::new().with_cancel(rx);
        assert!(ctx.sleep(Duration::from_millis(5)).await);
        drop(tx);
        assert!(ctx.sleep(Duration::from_millis(5)).await);
    }
}
