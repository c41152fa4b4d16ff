//! ARM's request limits, always on: per subscription and principal (reads 250 / 25 per s,
//! writes and deletes 200 / 10 per s), a global subscription bucket for all principals at
//! 15 times those figures, and per tenant and principal for requests without a
//! subscription. Each answer carries the countdown headers of the buckets it drew from; an
//! empty bucket is 429 with `Retry-After`.

use std::collections::HashMap;

use crate::faults::{BucketLimit, ThrottleLimits};
use crate::throttle::{BucketKind, Take, Throttle};

/// The global subscription limit is this many times the per-principal one (ARM's docs:
/// "a global subscription limit that is 15 times the individual service principal limit").
pub const GLOBAL_FACTOR: f64 = 15.0;

/// What a request drew: the headers to send, or how long to wait.
#[derive(Debug, Clone, PartialEq)]
pub enum Drawn {
    Allowed(Vec<(&'static str, u64)>),
    Throttled {
        retry_after_secs: u64,
        headers: Vec<(&'static str, u64)>,
    },
}

fn header(scope: &str, kind: BucketKind) -> &'static str {
    match (scope, kind) {
        ("global", BucketKind::Reads) => "x-ms-ratelimit-remaining-subscription-global-reads",
        ("global", BucketKind::Writes) => "x-ms-ratelimit-remaining-subscription-global-writes",
        ("global", BucketKind::Deletes) => "x-ms-ratelimit-remaining-subscription-global-deletes",
        ("tenant", BucketKind::Reads) => "x-ms-ratelimit-remaining-tenant-reads",
        ("tenant", BucketKind::Writes) => "x-ms-ratelimit-remaining-tenant-writes",
        ("tenant", BucketKind::Deletes) => "x-ms-ratelimit-remaining-tenant-deletes",
        (_, k) => k.header(),
    }
}

fn scaled(l: BucketLimit) -> BucketLimit {
    BucketLimit {
        capacity: (l.capacity as f64 * GLOBAL_FACTOR).round() as u32,
        refill_per_sec: l.refill_per_sec * GLOBAL_FACTOR,
    }
}

/// Every bucket of one emulator.
#[derive(Debug, Default)]
pub struct RateLimits {
    limits: Option<ThrottleLimits>,
    principal: HashMap<(String, String), Throttle>,
    global: HashMap<String, Throttle>,
    tenant: HashMap<(String, String), Throttle>,
}

impl RateLimits {
    /// Take a token for a request by `principal` in `subscription` (or, without one, in
    /// `tenant`). `limits` are the per-principal figures; a change empties the memory.
    pub fn draw(
        &mut self,
        limits: ThrottleLimits,
        kind: BucketKind,
        subscription: Option<&str>,
        tenant: &str,
        principal: &str,
        now: u64,
    ) -> Drawn {
        if self.limits != Some(limits) {
            *self = RateLimits {
                limits: Some(limits),
                ..Default::default()
            };
        }
        let global_limits = ThrottleLimits {
            reads: scaled(limits.reads),
            writes: scaled(limits.writes),
            deletes: scaled(limits.deletes),
        };
        let mut takes: Vec<(&'static str, Take)> = Vec::new();
        match subscription {
            Some(sub) => {
                let sub = sub.to_ascii_lowercase();
                let p = self
                    .principal
                    .entry((sub.clone(), principal.to_string()))
                    .or_insert_with(|| Throttle::new(limits, now));
                takes.push((header("subscription", kind), p.take(kind, now)));
                let g = self
                    .global
                    .entry(sub)
                    .or_insert_with(|| Throttle::new(global_limits, now));
                takes.push((header("global", kind), g.take(kind, now)));
            }
            None => {
                let t = self
                    .tenant
                    .entry((tenant.to_ascii_lowercase(), principal.to_string()))
                    .or_insert_with(|| Throttle::new(limits, now));
                takes.push((header("tenant", kind), t.take(kind, now)));
            }
        }
        let mut headers = Vec::new();
        let mut wait: Option<u64> = None;
        for (h, t) in takes {
            match t {
                Take::Allowed { remaining } => headers.push((h, remaining)),
                Take::Throttled { retry_after_secs } => {
                    headers.push((h, 0));
                    wait = Some(wait.unwrap_or(0).max(retry_after_secs));
                }
            }
        }
        match wait {
            None => Drawn::Allowed(headers),
            Some(retry_after_secs) => Drawn::Throttled {
                retry_after_secs,
                headers,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> ThrottleLimits {
        ThrottleLimits {
            reads: BucketLimit {
                capacity: 2,
                refill_per_sec: 1.0,
            },
            ..ThrottleLimits::default()
        }
    }

    #[test]
    fn headers_count_down_for_the_principal_and_the_subscription() {
        let mut r = RateLimits::default();
        let d = r.draw(
            ThrottleLimits::default(),
            BucketKind::Reads,
            Some("S"),
            "t",
            "p",
            0,
        );
        assert_eq!(
            d,
            Drawn::Allowed(vec![
                ("x-ms-ratelimit-remaining-subscription-reads", 249),
                ("x-ms-ratelimit-remaining-subscription-global-reads", 3749),
            ])
        );
        let d = r.draw(
            ThrottleLimits::default(),
            BucketKind::Writes,
            Some("s"),
            "t",
            "p",
            0,
        );
        assert_eq!(
            d,
            Drawn::Allowed(vec![
                ("x-ms-ratelimit-remaining-subscription-writes", 199),
                ("x-ms-ratelimit-remaining-subscription-global-writes", 2999),
            ])
        );
        // Another principal has its own bucket but shares the global one.
        let d = r.draw(
            ThrottleLimits::default(),
            BucketKind::Reads,
            Some("s"),
            "t",
            "q",
            0,
        );
        assert_eq!(
            d,
            Drawn::Allowed(vec![
                ("x-ms-ratelimit-remaining-subscription-reads", 249),
                ("x-ms-ratelimit-remaining-subscription-global-reads", 3748),
            ])
        );
    }

    #[test]
    fn an_empty_bucket_throttles_until_it_refills() {
        let mut r = RateLimits::default();
        let mut draw = |now| r.draw(small(), BucketKind::Reads, Some("s"), "t", "p", now);
        assert!(matches!(draw(0), Drawn::Allowed(_)));
        assert!(matches!(draw(0), Drawn::Allowed(_)));
        let Drawn::Throttled {
            retry_after_secs,
            headers,
        } = draw(0)
        else {
            panic!("the third read within a second is throttled")
        };
        assert_eq!(retry_after_secs, 1);
        assert_eq!(
            headers[0],
            ("x-ms-ratelimit-remaining-subscription-reads", 0)
        );
        assert!(matches!(draw(1000), Drawn::Allowed(_)));
    }

    #[test]
    fn tenant_requests_use_tenant_buckets() {
        let mut r = RateLimits::default();
        let d = r.draw(
            ThrottleLimits::default(),
            BucketKind::Reads,
            None,
            "t",
            "p",
            0,
        );
        assert_eq!(
            d,
            Drawn::Allowed(vec![("x-ms-ratelimit-remaining-tenant-reads", 249)])
        );
    }
}
