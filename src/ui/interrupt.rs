//! SIGINT (Ctrl-C) and SIGTERM (what CI runners send on cancel) as the run sees them: the
//! first signal asks the run to stop starting new work while operations in flight finish and
//! are recorded; the second exits at once. The exit code says which signal stopped the run
//! (130 for SIGINT, 143 for SIGTERM, as shells report them). State stays consistent either
//! way, since every state write is an atomic rename.

use std::sync::atomic::{AtomicU8, Ordering};

use tokio::sync::watch;

/// The exit code of a run stopped by SIGINT (128 + 2).
pub const EXIT_INTERRUPTED: u8 = 130;

/// The exit code of a run stopped by SIGTERM (128 + 15).
pub const EXIT_TERMINATED: u8 = 143;

/// The exit code of the first signal received, 0 while there has been none.
static FIRST_SIGNAL: AtomicU8 = AtomicU8::new(0);

/// The exit code for a run stopped by a signal: that of the first signal received
/// ([`EXIT_INTERRUPTED`] when none was, e.g. a test cancelling by hand).
pub fn exit_code() -> u8 {
    match FIRST_SIGNAL.load(Ordering::SeqCst) {
        0 => EXIT_INTERRUPTED,
        code => code,
    }
}

/// Which signal, by its exit code, in words.
fn name(code: u8) -> &'static str {
    if code == EXIT_TERMINATED {
        "terminated (SIGTERM)"
    } else {
        "interrupted (Ctrl-C)"
    }
}

/// Record one signal; returns `true` for the first.
fn record(code: u8) -> bool {
    FIRST_SIGNAL
        .compare_exchange(0, code, Ordering::SeqCst, Ordering::SeqCst)
        .is_ok()
}

/// Listen for SIGINT and SIGTERM on the current tokio runtime. The first turns the returned
/// receiver `true` (stop starting new work) and says so on stderr; the second exits the
/// process at once with the first signal's code.
pub fn listen() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        let mut signals = match Signals::new() {
            Ok(s) => s,
            Err(e) => {
                eprintln!("warning: cannot listen for interrupts: {e}");
                return;
            }
        };
        while let Some(code) = signals.next().await {
            if record(code) {
                eprintln!(
                    "\n{}: starting nothing new, waiting for the operations in flight (a second signal exits at once)",
                    name(code)
                );
                let _ = tx.send(true);
            } else {
                eprintln!(
                    "{} again: exiting now; state holds what finished, run again to converge",
                    name(code)
                );
                std::process::exit(i32::from(exit_code()));
            }
        }
    });
    rx
}

/// The two signals, as one stream of exit codes.
struct Signals {
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

impl Signals {
    #[cfg(unix)]
    fn new() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            int: signal(SignalKind::interrupt())?,
            term: signal(SignalKind::terminate())?,
        })
    }

    #[cfg(not(unix))]
    fn new() -> std::io::Result<Self> {
        Ok(Signals {})
    }

    #[cfg(unix)]
    async fn next(&mut self) -> Option<u8> {
        tokio::select! {
            Some(()) = self.int.recv() => Some(EXIT_INTERRUPTED),
            Some(()) = self.term.recv() => Some(EXIT_TERMINATED),
            else => None,
        }
    }

    #[cfg(not(unix))]
    async fn next(&mut self) -> Option<u8> {
        tokio::signal::ctrl_c()
            .await
            .ok()
            .map(|()| EXIT_INTERRUPTED)
    }
}

/// Resolves once `cancel` turns `true`; never when its sender is gone without doing so.
pub async fn cancelled(mut cancel: watch::Receiver<bool>) {
    loop {
        if *cancel.borrow_and_update() {
            return;
        }
        if cancel.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn cancelled_resolves_when_the_flag_turns() {
        let (tx, rx) = watch::channel(false);
        let waiter = tokio::spawn(cancelled(rx));
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        tx.send(true).unwrap();
        waiter.await.unwrap();
        assert_eq!(name(EXIT_TERMINATED), "terminated (SIGTERM)");
        assert_eq!(name(EXIT_INTERRUPTED), "interrupted (Ctrl-C)");
    }
}
