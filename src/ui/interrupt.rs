//! Ctrl-C as the run sees it: the first interrupt asks the run to stop starting new work
//! (in-flight operations finish and are recorded); the second exits at once with 130. State
//! stays consistent either way, since every state write is an atomic rename.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use tokio::sync::Notify;

/// The exit code of an interrupted run.
pub const EXIT_INTERRUPTED: u8 = 130;

/// A shareable interrupt flag. The scheduler checks [`Interrupt::requested`] before starting
/// each change, or awaits [`Interrupt::wait`] alongside its work.
#[derive(Debug, Clone, Default)]
pub struct Interrupt {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    count: AtomicU32,
    notify: Notify,
}

impl Interrupt {
    pub fn new() -> Self {
        Interrupt::default()
    }

    /// Record one interrupt; returns how many there have been.
    pub fn trigger(&self) -> u32 {
        let n = self.inner.count.fetch_add(1, Ordering::SeqCst) + 1;
        self.inner.notify.notify_waiters();
        n
    }

    /// At least one interrupt: start nothing new.
    pub fn requested(&self) -> bool {
        self.inner.count.load(Ordering::SeqCst) > 0
    }

    /// Two or more interrupts: the user wants out now.
    pub fn forced(&self) -> bool {
        self.inner.count.load(Ordering::SeqCst) > 1
    }

    /// Resolves once an interrupt has been requested.
    pub async fn wait(&self) {
        loop {
            let notified = self.inner.notify.notified();
            if self.requested() {
                return;
            }
            notified.await;
        }
    }

    /// Listen for Ctrl-C on the current tokio runtime: the first one calls
    /// [`Interrupt::trigger`] and prints a note on stderr; the second exits the process with
    /// [`EXIT_INTERRUPTED`] at once.
    pub fn listen_ctrl_c(&self) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                if me.trigger() > 1 {
                    eprintln!(
                        "\nInterrupted again: exiting now. State is consistent; run again to converge."
                    );
                    std::process::exit(i32::from(EXIT_INTERRUPTED));
                }
                eprintln!(
                    "\nInterrupted: starting nothing new, waiting for operations in flight (Ctrl-C again to exit at once)."
                );
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn first_interrupt_requests_second_forces() {
        let i = Interrupt::new();
        assert!(!i.requested());
        let waiter = {
            let i = i.clone();
            tokio::spawn(async move { i.wait().await })
        };
        tokio::task::yield_now().await;
        assert_eq!(i.trigger(), 1);
        waiter.await.unwrap();
        assert!(i.requested() && !i.forced());
        assert_eq!(i.trigger(), 2);
        assert!(i.forced());
        // Waiting after the fact returns at once.
        i.wait().await;
    }
}
