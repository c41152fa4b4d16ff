//! The emulator's clock: wall time in production, a hand-driven clock in tests, so that
//! long-running operations can be finished without waiting for them.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, as the emulator sees them.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    manual: Option<Arc<AtomicU64>>,
}

impl Clock {
    /// The real wall clock.
    pub fn system() -> Self {
        Clock { manual: None }
    }

    /// A clock that only moves when [`Clock::advance`] is called, starting at the current
    /// wall time. Clones share the same time.
    pub fn manual() -> Self {
        Clock {
            manual: Some(Arc::new(AtomicU64::new(wall_ms()))),
        }
    }

    pub fn is_manual(&self) -> bool {
        self.manual.is_some()
    }

    /// Now, in milliseconds since the epoch.
    pub fn now_ms(&self) -> u64 {
        match &self.manual {
            Some(t) => t.load(Ordering::SeqCst),
            None => wall_ms(),
        }
    }

    /// Move a manual clock forward; no effect on the system clock.
    pub fn advance(&self, by: Duration) {
        if let Some(t) = &self.manual {
            t.fetch_add(by.as_millis() as u64, Ordering::SeqCst);
        }
    }

    /// Wait for `d` of emulated time: a real sleep on the system clock, an advance of the
    /// manual clock (so a synchronous operation "takes" its time without blocking a test).
    pub async fn sleep(&self, d: Duration) {
        if d.is_zero() {
            return;
        }
        match &self.manual {
            Some(_) => self.advance(d),
            None => tokio::time::sleep(d).await,
        }
    }
}

/// Real wall time in milliseconds since the epoch.
pub fn wall_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// An RFC 3339 timestamp of a millisecond time, as ARM writes them.
pub fn rfc3339(ms: u64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = Clock::manual();
        let t0 = c.now_ms();
        c.advance(Duration::from_secs(2));
        assert_eq!(c.now_ms(), t0 + 2000);
        let c2 = c.clone();
        c2.advance(Duration::from_millis(5));
        assert_eq!(c.now_ms(), t0 + 2005);
    }

    #[test]
    fn rfc3339_formats_epoch() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    }
}
