//! Counters of the HTTP requests the ARM client sent, so benchmarks and tests can say
//! "a no-op up sent only GETs".

use std::sync::atomic::{AtomicU64, Ordering};

use azure_core::http::Method;

/// A snapshot of the counters. Every request sent counts once, including retries and LRO
/// polls (polls are GETs); token requests to Entra ID are not counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestStats {
    pub get: u64,
    pub head: u64,
    pub put: u64,
    pub patch: u64,
    pub delete: u64,
    pub post: u64,
    /// Requests that were repeats of a failed attempt (included in the per-method counts).
    pub retries: u64,
    /// 429 answers received.
    pub throttled: u64,
    /// Requests delayed by the rate-limit pacer.
    pub paced: u64,
}

impl RequestStats {
    /// All requests sent.
    pub fn total(&self) -> u64 {
        self.get + self.head + self.put + self.patch + self.delete + self.post
    }

    /// Requests that can change something in Azure (PUT, PATCH, DELETE, POST).
    pub fn writes(&self) -> u64 {
        self.put + self.patch + self.delete + self.post
    }
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    get: AtomicU64,
    head: AtomicU64,
    put: AtomicU64,
    patch: AtomicU64,
    delete: AtomicU64,
    post: AtomicU64,
    retries: AtomicU64,
    throttled: AtomicU64,
    paced: AtomicU64,
}

impl Counters {
    pub(crate) fn sent(&self, method: Method) {
        let c = match method {
            Method::Get => &self.get,
            Method::Head => &self.head,
            Method::Put => &self.put,
            Method::Patch => &self.patch,
            Method::Delete => &self.delete,
            // POST, and any method a later azure_core adds.
            _ => &self.post,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn retried(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn throttled(&self) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn paced(&self) {
        self.paced.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> RequestStats {
        let l = |c: &AtomicU64| c.load(Ordering::Relaxed);
        RequestStats {
            get: l(&self.get),
            head: l(&self.head),
            put: l(&self.put),
            patch: l(&self.patch),
            delete: l(&self.delete),
            post: l(&self.post),
            retries: l(&self.retries),
            throttled: l(&self.throttled),
            paced: l(&self.paced),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_method() {
        let c = Counters::default();
        c.sent(Method::Get);
        c.sent(Method::Get);
        c.sent(Method::Put);
        c.retried();
        let s = c.snapshot();
        assert_eq!(
            (s.get, s.put, s.retries, s.total(), s.writes()),
            (2, 1, 1, 3, 1)
        );
    }
}
