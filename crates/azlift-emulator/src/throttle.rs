//! ARM's subscription token buckets: reads, writes and deletes each have a capacity and a
//! refill rate; a request takes one token, and an empty bucket means 429.

use crate::faults::{BucketLimit, ThrottleLimits};

/// Which bucket a request draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketKind {
    Reads,
    Writes,
    Deletes,
}

impl BucketKind {
    pub fn of_method(method: &str) -> BucketKind {
        match method {
            "GET" | "HEAD" => BucketKind::Reads,
            "DELETE" => BucketKind::Deletes,
            _ => BucketKind::Writes,
        }
    }
    /// Suffix of the `x-ms-ratelimit-remaining-subscription-*` header.
    pub fn header(&self) -> &'static str {
        match self {
            BucketKind::Reads => "x-ms-ratelimit-remaining-subscription-reads",
            BucketKind::Writes => "x-ms-ratelimit-remaining-subscription-writes",
            BucketKind::Deletes => "x-ms-ratelimit-remaining-subscription-deletes",
        }
    }
    pub fn word(&self) -> &'static str {
        match self {
            BucketKind::Reads => "read",
            BucketKind::Writes => "write",
            BucketKind::Deletes => "delete",
        }
    }
}

#[derive(Debug, Clone)]
struct Bucket {
    limit: BucketLimit,
    tokens: f64,
    at_ms: u64,
}

impl Bucket {
    fn new(limit: BucketLimit, now: u64) -> Self {
        Bucket {
            limit,
            tokens: limit.capacity as f64,
            at_ms: now,
        }
    }
    fn refill(&mut self, now: u64) {
        let dt = now.saturating_sub(self.at_ms) as f64 / 1000.0;
        self.tokens =
            (self.tokens + dt * self.limit.refill_per_sec).min(self.limit.capacity as f64);
        self.at_ms = now;
    }
}

/// The outcome of taking a token.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Take {
    /// Allowed; this many whole tokens remain.
    Allowed { remaining: u64 },
    /// Throttled; retry after this many whole seconds.
    Throttled { retry_after_secs: u64 },
}

/// Three buckets (per emulator; the emulator has one subscription's worth of limits).
#[derive(Debug, Clone)]
pub struct Throttle {
    limits: ThrottleLimits,
    buckets: [Bucket; 3],
}

impl Throttle {
    pub fn new(limits: ThrottleLimits, now: u64) -> Self {
        Throttle {
            limits,
            buckets: [
                Bucket::new(limits.reads, now),
                Bucket::new(limits.writes, now),
                Bucket::new(limits.deletes, now),
            ],
        }
    }

    pub fn limits(&self) -> ThrottleLimits {
        self.limits
    }

    fn bucket(&mut self, kind: BucketKind) -> &mut Bucket {
        match kind {
            BucketKind::Reads => &mut self.buckets[0],
            BucketKind::Writes => &mut self.buckets[1],
            BucketKind::Deletes => &mut self.buckets[2],
        }
    }

    /// Take one token from the bucket of `kind`.
    pub fn take(&mut self, kind: BucketKind, now: u64) -> Take {
        let b = self.bucket(kind);
        b.refill(now);
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Take::Allowed {
                remaining: b.tokens.floor() as u64,
            }
        } else {
            let missing = 1.0 - b.tokens;
            let secs = if b.limit.refill_per_sec > 0.0 {
                (missing / b.limit.refill_per_sec).ceil().max(1.0)
            } else {
                60.0
            };
            Take::Throttled {
                retry_after_secs: secs as u64,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_empties_then_refills() {
        let limits = ThrottleLimits {
            reads: BucketLimit {
                capacity: 3,
                refill_per_sec: 2.0,
            },
            ..ThrottleLimits::default()
        };
        let mut t = Throttle::new(limits, 0);
        assert_eq!(t.take(BucketKind::Reads, 0), Take::Allowed { remaining: 2 });
        assert_eq!(t.take(BucketKind::Reads, 0), Take::Allowed { remaining: 1 });
        assert_eq!(t.take(BucketKind::Reads, 0), Take::Allowed { remaining: 0 });
        assert_eq!(
            t.take(BucketKind::Reads, 0),
            Take::Throttled {
                retry_after_secs: 1
            }
        );
        // writes are a separate bucket
        assert_eq!(
            t.take(BucketKind::Writes, 0),
            Take::Allowed { remaining: 199 }
        );
        // half a second refills one read token
        assert_eq!(
            t.take(BucketKind::Reads, 500),
            Take::Allowed { remaining: 0 }
        );
        // never beyond capacity
        assert_eq!(
            t.take(BucketKind::Reads, 100_000),
            Take::Allowed { remaining: 2 }
        );
    }
}
