//! Slowing down before ARM says 429: a pacer shared by every task of one client.
//!
//! ARM reports what is left of the subscription's token buckets in
//! `x-ms-ratelimit-remaining-subscription-{reads,writes,deletes}` (and `-global-` variants).
//! While the last value seen for a class is below the low-water mark, requests of that class
//! are spaced a little slower than the bucket refills (and slower still as it nears empty),
//! so the budget recovers instead of running out. After a 429, nothing of that class is sent
//! before its `Retry-After` has passed, by any task.

use std::sync::Mutex;
use std::time::Duration;

use azure_core::http::Method;
use azure_core::http::headers::{HeaderName, Headers};
use tokio::time::Instant;

use super::config::{Bucket, ThrottlePolicy};

/// ARM's three throttling classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    Reads,
    Writes,
    Deletes,
}

impl Class {
    pub(crate) fn of(method: Method) -> Class {
        match method {
            Method::Get | Method::Head => Class::Reads,
            Method::Delete => Class::Deletes,
            // ARM counts POST actions as writes; PUT and PATCH are writes.
            _ => Class::Writes,
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    fn headers(self) -> [HeaderName; 2] {
        match self {
            Class::Reads => [
                HeaderName::from_static("x-ms-ratelimit-remaining-subscription-reads"),
                HeaderName::from_static("x-ms-ratelimit-remaining-subscription-global-reads"),
            ],
            Class::Writes => [
                HeaderName::from_static("x-ms-ratelimit-remaining-subscription-writes"),
                HeaderName::from_static("x-ms-ratelimit-remaining-subscription-global-writes"),
            ],
            Class::Deletes => [
                HeaderName::from_static("x-ms-ratelimit-remaining-subscription-deletes"),
                HeaderName::from_static("x-ms-ratelimit-remaining-subscription-global-deletes"),
            ],
        }
    }
}

const CLASSES: [Class; 3] = [Class::Reads, Class::Writes, Class::Deletes];
/// Longest spacing between two paced requests of one class.
const MAX_INTERVAL: Duration = Duration::from_secs(2);

#[derive(Debug, Default, Clone, Copy)]
struct ClassState {
    remaining: Option<u32>,
    next_slot: Option<Instant>,
    blocked_until: Option<Instant>,
}

/// What [`Pacer::reserve`] decided for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reservation {
    /// How long to wait before sending.
    pub wait: Duration,
    /// `Some(remaining)` when the wait comes from pacing on a low budget.
    pub paced: Option<u32>,
}

#[derive(Debug)]
pub(crate) struct Pacer {
    policy: ThrottlePolicy,
    state: Mutex<[ClassState; 3]>,
}

impl Pacer {
    pub(crate) fn new(policy: ThrottlePolicy) -> Self {
        Pacer {
            policy,
            state: Mutex::new([ClassState::default(); 3]),
        }
    }

    fn bucket(&self, class: Class) -> Bucket {
        match class {
            Class::Reads => self.policy.reads,
            Class::Writes => self.policy.writes,
            Class::Deletes => self.policy.deletes,
        }
    }

    fn low_water(&self, class: Class) -> u32 {
        let b = self.bucket(class);
        ((b.capacity as f64 * self.policy.low_water_fraction).ceil() as u32).max(1)
    }

    /// Spacing at a given remaining count: 25% slower than the refill at the low-water mark,
    /// proportionally slower as the budget empties.
    fn interval(&self, class: Class, remaining: u32) -> Duration {
        let b = self.bucket(class);
        let refill = if b.refill_per_sec > 0.0 {
            b.refill_per_sec
        } else {
            1.0
        };
        let base = 1.25 / refill;
        let factor = self.low_water(class) as f64 / remaining.max(1) as f64;
        Duration::from_secs_f64(base * factor.max(1.0)).min(MAX_INTERVAL)
    }

    /// Takes a slot for one request of `class`.
    pub(crate) fn reserve(&self, class: Class) -> Reservation {
        self.reserve_at(class, Instant::now())
    }

    fn reserve_at(&self, class: Class, now: Instant) -> Reservation {
        let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let st = &mut guard[class.index()];
        let mut start = now;
        if let Some(b) = st.blocked_until {
            if b > now {
                start = b;
            } else {
                st.blocked_until = None;
            }
        }
        let mut paced = None;
        if self.policy.enabled {
            if let Some(rem) = st.remaining.filter(|r| *r < self.low_water(class)) {
                let slot = st.next_slot.map_or(start, |s| s.max(start));
                st.next_slot = Some(slot + self.interval(class, rem));
                start = slot;
                paced = Some(rem);
            }
        }
        let wait = start.saturating_duration_since(now);
        Reservation {
            wait,
            paced: paced.filter(|_| !wait.is_zero()),
        }
    }

    /// Reads the rate-limit headers of a response.
    pub(crate) fn observe(&self, headers: &Headers) {
        let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        for class in CLASSES {
            let seen = class
                .headers()
                .iter()
                .filter_map(|h| headers.get_optional_str(h))
                .filter_map(|v| v.trim().parse::<u32>().ok())
                .min();
            if let Some(rem) = seen {
                let st = &mut guard[class.index()];
                st.remaining = Some(rem);
                if rem >= self.low_water(class) {
                    st.next_slot = None;
                }
            }
        }
    }

    /// After a 429: nothing of `class` goes out before `until`.
    pub(crate) fn block(&self, class: Class, until: Instant) {
        let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let st = &mut guard[class.index()];
        st.blocked_until = Some(st.blocked_until.map_or(until, |b| b.max(until)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use azure_core::http::headers::HeaderValue;

    fn headers(name: &'static str, v: &'static str) -> Headers {
        let mut h = Headers::new();
        h.insert(HeaderName::from_static(name), HeaderValue::from_static(v));
        h
    }

    #[test]
    fn plenty_of_budget_means_no_wait() {
        let p = Pacer::new(ThrottlePolicy::default());
        p.observe(&headers(
            "x-ms-ratelimit-remaining-subscription-writes",
            "150",
        ));
        let now = Instant::now();
        for _ in 0..5 {
            assert_eq!(p.reserve_at(Class::Writes, now).wait, Duration::ZERO);
        }
    }

    #[test]
    fn low_budget_spaces_requests_of_that_class_only() {
        let p = Pacer::new(ThrottlePolicy::default());
        // writes: low water 20; at 10 remaining the spacing is 1.25/10 * 2 = 250 ms.
        p.observe(&headers(
            "x-ms-ratelimit-remaining-subscription-writes",
            "10",
        ));
        let now = Instant::now();
        let waits: Vec<_> = (0..3)
            .map(|_| p.reserve_at(Class::Writes, now).wait)
            .collect();
        assert_eq!(waits[0], Duration::ZERO);
        assert_eq!(waits[1], Duration::from_millis(250));
        assert_eq!(waits[2], Duration::from_millis(500));
        assert_eq!(p.reserve_at(Class::Writes, now).paced, Some(10));
        assert_eq!(p.reserve_at(Class::Reads, now).wait, Duration::ZERO);
        // Recovery ends pacing.
        p.observe(&headers(
            "x-ms-ratelimit-remaining-subscription-writes",
            "199",
        ));
        assert_eq!(p.reserve_at(Class::Writes, now).wait, Duration::ZERO);
    }

    #[test]
    fn global_header_counts_too_and_spacing_is_capped() {
        let p = Pacer::new(ThrottlePolicy::default());
        p.observe(&headers(
            "x-ms-ratelimit-remaining-subscription-global-reads",
            "0",
        ));
        let now = Instant::now();
        p.reserve_at(Class::Reads, now);
        assert_eq!(
            p.reserve_at(Class::Reads, now).wait,
            MAX_INTERVAL.min(Duration::from_millis(1250))
        );
    }

    #[test]
    fn a_429_blocks_the_class_for_everyone() {
        let p = Pacer::new(ThrottlePolicy::default());
        let now = Instant::now();
        p.block(Class::Writes, now + Duration::from_secs(7));
        assert_eq!(
            p.reserve_at(Class::Writes, now).wait,
            Duration::from_secs(7)
        );
        assert_eq!(p.reserve_at(Class::Deletes, now).wait, Duration::ZERO);
        let later = now + Duration::from_secs(8);
        assert_eq!(p.reserve_at(Class::Writes, later).wait, Duration::ZERO);
    }
}
