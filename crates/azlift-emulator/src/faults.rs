//! Fault injection: what goes wrong, when, and for which requests.
//!
//! SPEC syntax (items separated by commas; see docs/emulator.md):
//!
//! ```text
//! 429:0.2              429 + Retry-After on 20% of requests
//! 500:0.1@PUT          500 on 10% of PUTs          503:RATE   the same with 503
//! drop:0.05            close the connection without answering, before doing anything
//! drop-after:0.05      do the work, then close the connection without answering
//! 409:0.1              409 AnotherOperationInProgress (writes only unless a method is given)
//! fail-lro:Microsoft.App/containerApps   every LRO of that type ends Failed (= fail-lro:1@TYPE)
//! fail-lro:0.2         20% of long-running PUTs end Failed
//! visibility:500ms     GET answers 404 for 500 ms after every create; visibility:500ms:0.2 on 20%
//! nth:7=503            the 7th matching request gets 503 (kinds: 429 500 503 409 drop drop-after)
//! every:5=429          every 5th matching request
//! throttle             ARM's token buckets (reads 250/25 per s, writes 200/10, deletes 200/10)
//! throttle-reads:100/5 one bucket: capacity/refill per second (turns throttling on)
//! retry-after:2        Retry-After seconds of injected 429/503 (default 1)
//! seed:42              seed of the random generator (default 1), so runs are reproducible
//! latency:20ms         every ARM request waits this long before it is answered (benchmarks)
//! lro-shape:random     long-running operations answer in a shape picked at random among the
//!                      ones the specs allow for the operation (or one fixed shape: async,
//!                      location, state, sync; `spec` = the spec's choice, the default)
//! ```
//!
//! Filters follow any rule: `@METHOD` (GET, PUT, PATCH, DELETE, POST, HEAD) and `@Namespace/type`
//! (case-insensitive, exact type); several filters must all match (methods among themselves OR).

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::config::EmulatorError;

/// What an injected fault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// 429 with `Retry-After`.
    TooManyRequests,
    InternalServerError,
    ServiceUnavailable,
    /// Close the connection without a response, before the request is processed.
    Drop,
    /// Process the request, then close the connection without a response.
    DropAfter,
    /// 409 `AnotherOperationInProgress`.
    Conflict,
    /// A long-running operation that ends `Failed`.
    FailLro,
}

impl FaultKind {
    fn parse(s: &str) -> Option<FaultKind> {
        Some(match s.to_ascii_lowercase().as_str() {
            "429" => FaultKind::TooManyRequests,
            "500" => FaultKind::InternalServerError,
            "503" => FaultKind::ServiceUnavailable,
            "drop" => FaultKind::Drop,
            "drop-after" => FaultKind::DropAfter,
            "409" => FaultKind::Conflict,
            "fail-lro" => FaultKind::FailLro,
            _ => return None,
        })
    }
    fn token(&self) -> &'static str {
        match self {
            FaultKind::TooManyRequests => "429",
            FaultKind::InternalServerError => "500",
            FaultKind::ServiceUnavailable => "503",
            FaultKind::Drop => "drop",
            FaultKind::DropAfter => "drop-after",
            FaultKind::Conflict => "409",
            FaultKind::FailLro => "fail-lro",
        }
    }
}

/// When a rule fires.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trigger {
    /// With this probability (0..=1) per matching request.
    Rate(f64),
    /// On the n-th matching request (1-based), once.
    Nth(u64),
    /// On every n-th matching request.
    Every(u64),
}

/// One fault rule.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    pub kind: FaultKind,
    pub trigger: Trigger,
    /// Upper-case HTTP methods; empty = any (for 409: any write).
    pub methods: Vec<String>,
    /// ARM types, compared case-insensitively; empty = any.
    pub types: Vec<String>,
}

/// One token bucket: `capacity` tokens, refilled at `refill_per_sec`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BucketLimit {
    pub capacity: u32,
    pub refill_per_sec: f64,
}

/// ARM's subscription-level buckets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThrottleLimits {
    pub reads: BucketLimit,
    pub writes: BucketLimit,
    pub deletes: BucketLimit,
}

impl Default for ThrottleLimits {
    fn default() -> Self {
        ThrottleLimits {
            reads: BucketLimit {
                capacity: 250,
                refill_per_sec: 25.0,
            },
            writes: BucketLimit {
                capacity: 200,
                refill_per_sec: 10.0,
            },
            deletes: BucketLimit {
                capacity: 200,
                refill_per_sec: 10.0,
            },
        }
    }
}

/// How a long-running operation answers (see docs/emulator.md, "Long-running operations").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LroShape {
    /// 201/202 (200 for a PUT update) with `Azure-AsyncOperation` and `Location`.
    AsyncOperation,
    /// 202 with `Location` only (final state read from the `Location` URL).
    Location,
    /// 200/201 with a transitional `provisioningState` and no polling header: the client
    /// polls the resource itself until the state is terminal.
    ProvisioningState,
    /// Done before the answer: 200/201 `Succeeded` (DELETE: 200).
    Synchronous,
}

impl LroShape {
    pub const ALL: [LroShape; 4] = [
        LroShape::AsyncOperation,
        LroShape::Location,
        LroShape::ProvisioningState,
        LroShape::Synchronous,
    ];
    pub fn token(&self) -> &'static str {
        match self {
            LroShape::AsyncOperation => "async",
            LroShape::Location => "location",
            LroShape::ProvisioningState => "state",
            LroShape::Synchronous => "sync",
        }
    }
    pub fn parse(s: &str) -> Option<LroShape> {
        LroShape::ALL
            .into_iter()
            .find(|k| k.token().eq_ignore_ascii_case(s.trim()))
    }
}

/// Which shape long-running operations take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LroShapeChoice {
    /// The shape the REST spec gives the operation.
    #[default]
    Spec,
    /// This shape wherever the operation allows it (else the spec's).
    Fixed(LroShape),
    /// A shape picked at random per request among those the operation allows.
    Random,
}

/// Delayed visibility after creates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Visibility {
    pub delay: Duration,
    /// Share of creates affected (1.0 = all).
    pub rate: f64,
}

/// A parsed fault specification. `FaultSpec::default()` injects nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultSpec {
    pub rules: Vec<FaultRule>,
    pub seed: u64,
    pub retry_after_secs: u64,
    /// `Some`: ARM's throttle is enforced with these limits.
    pub throttle: Option<ThrottleLimits>,
    pub visibility: Option<Visibility>,
    /// Added to every ARM request before it is answered.
    pub latency: Option<Duration>,
    pub lro_shape: LroShapeChoice,
}

impl Default for FaultSpec {
    fn default() -> Self {
        FaultSpec {
            rules: Vec::new(),
            seed: 1,
            retry_after_secs: 1,
            throttle: None,
            visibility: None,
            latency: None,
            lro_shape: LroShapeChoice::Spec,
        }
    }
}

impl FaultSpec {
    /// No faults at all.
    pub fn none() -> Self {
        Self::default()
    }
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
            && self.throttle.is_none()
            && self.visibility.is_none()
            && self.latency.is_none()
            && self.lro_shape == LroShapeChoice::Spec
    }
}

fn spec_err(msg: impl Into<String>) -> EmulatorError {
    EmulatorError::FaultSpec(msg.into())
}

fn parse_rate(s: &str) -> Result<f64, EmulatorError> {
    let r: f64 = s
        .parse()
        .map_err(|_| spec_err(format!("`{s}` is not a rate between 0 and 1")))?;
    if !(0.0..=1.0).contains(&r) {
        return Err(spec_err(format!("rate {r} is not between 0 and 1")));
    }
    Ok(r)
}

/// `500ms`, `2s`, `1.5s`, `1m`, or a bare number of milliseconds.
pub fn parse_duration(s: &str) -> Result<Duration, EmulatorError> {
    let s = s.trim();
    let bad = || spec_err(format!("`{s}` is not a duration (e.g. 500ms, 2s)"));
    let (num, mult) = if let Some(n) = s.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60.0)
    } else {
        (s, 0.001)
    };
    let v: f64 = num.trim().parse().map_err(|_| bad())?;
    if !v.is_finite() || v < 0.0 {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(v * mult))
}

fn parse_bucket(s: &str) -> Result<BucketLimit, EmulatorError> {
    let (cap, refill) = s
        .split_once('/')
        .ok_or_else(|| spec_err(format!("`{s}`: a bucket is CAPACITY/REFILL_PER_SECOND")))?;
    let capacity: u32 = cap
        .parse()
        .map_err(|_| spec_err(format!("`{cap}` is not a bucket capacity")))?;
    let refill_per_sec: f64 = refill
        .parse()
        .map_err(|_| spec_err(format!("`{refill}` is not a refill rate")))?;
    if !refill_per_sec.is_finite() || refill_per_sec < 0.0 {
        return Err(spec_err(format!("`{refill}` is not a refill rate")));
    }
    Ok(BucketLimit {
        capacity,
        refill_per_sec,
    })
}

const METHODS: &[&str] = &["GET", "PUT", "PATCH", "DELETE", "POST", "HEAD"];

impl FromStr for FaultSpec {
    type Err = EmulatorError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut spec = FaultSpec::default();
        for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let mut parts = item.split('@');
            let head = parts.next().unwrap_or_default();
            let mut methods = Vec::new();
            let mut types = Vec::new();
            for f in parts {
                let up = f.to_ascii_uppercase();
                if METHODS.contains(&up.as_str()) {
                    methods.push(up);
                } else if f.contains('/') {
                    types.push(f.to_string());
                } else {
                    return Err(spec_err(format!(
                        "filter `@{f}` in `{item}` is neither a method nor a Namespace/type"
                    )));
                }
            }
            let (name, arg) = match head.split_once(':') {
                Some((n, a)) => (n.trim().to_ascii_lowercase(), Some(a.trim())),
                None => (head.trim().to_ascii_lowercase(), None),
            };
            let need = |what: &str| {
                arg.ok_or_else(|| spec_err(format!("`{item}` needs a value ({what})")))
            };
            match name.as_str() {
                "seed" => {
                    spec.seed = need("a number")?
                        .parse()
                        .map_err(|_| spec_err(format!("`{item}`: seed is a number")))?
                }
                "retry-after" => {
                    spec.retry_after_secs = need("seconds")?
                        .parse()
                        .map_err(|_| spec_err(format!("`{item}`: retry-after is whole seconds")))?
                }
                "throttle" => {
                    spec.throttle.get_or_insert_with(ThrottleLimits::default);
                }
                "throttle-reads" | "throttle-writes" | "throttle-deletes" => {
                    let b = parse_bucket(need("CAPACITY/REFILL")?)?;
                    let t = spec.throttle.get_or_insert_with(ThrottleLimits::default);
                    match name.as_str() {
                        "throttle-reads" => t.reads = b,
                        "throttle-writes" => t.writes = b,
                        _ => t.deletes = b,
                    }
                }
                "latency" => {
                    spec.latency = Some(parse_duration(need("a duration, e.g. 20ms")?)?);
                }
                "lro-shape" => {
                    let a = need("spec, random, async, location, state or sync")?;
                    spec.lro_shape = match a.to_ascii_lowercase().as_str() {
                        "spec" => LroShapeChoice::Spec,
                        "random" => LroShapeChoice::Random,
                        other => LroShapeChoice::Fixed(LroShape::parse(other).ok_or_else(|| {
                            spec_err(format!(
                                "`{item}`: the shape is spec, random, async, location, state or sync"
                            ))
                        })?),
                    };
                }
                "visibility" => {
                    let a = need("a duration, e.g. 500ms")?;
                    let (d, rate) = match a.split_once(':') {
                        Some((d, r)) => (d, parse_rate(r)?),
                        None => (a, 1.0),
                    };
                    spec.visibility = Some(Visibility {
                        delay: parse_duration(d)?,
                        rate,
                    });
                }
                "nth" | "every" => {
                    let a = need("N=KIND")?;
                    let (n, k) = a
                        .split_once('=')
                        .ok_or_else(|| spec_err(format!("`{item}`: expected {name}:N=KIND")))?;
                    let n: u64 = n
                        .parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| spec_err(format!("`{item}`: N is a positive number")))?;
                    let kind = FaultKind::parse(k)
                        .ok_or_else(|| spec_err(format!("`{item}`: unknown fault kind `{k}`")))?;
                    let trigger = if name == "nth" {
                        Trigger::Nth(n)
                    } else {
                        Trigger::Every(n)
                    };
                    spec.rules.push(FaultRule {
                        kind,
                        trigger,
                        methods,
                        types,
                    });
                }
                other => {
                    let kind = FaultKind::parse(other)
                        .ok_or_else(|| spec_err(format!("unknown fault `{other}` in `{item}`")))?;
                    let a = need("a rate between 0 and 1")?;
                    let rate = if kind == FaultKind::FailLro && a.contains('/') {
                        types.push(a.to_string());
                        1.0
                    } else {
                        parse_rate(a)?
                    };
                    spec.rules.push(FaultRule {
                        kind,
                        trigger: Trigger::Rate(rate),
                        methods,
                        types,
                    });
                }
            }
        }
        Ok(spec)
    }
}

impl fmt::Display for FaultSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut items: Vec<String> = Vec::new();
        for r in &self.rules {
            let mut s = match r.trigger {
                Trigger::Rate(x) => format!("{}:{x}", r.kind.token()),
                Trigger::Nth(n) => format!("nth:{n}={}", r.kind.token()),
                Trigger::Every(n) => format!("every:{n}={}", r.kind.token()),
            };
            for m in &r.methods {
                s.push('@');
                s.push_str(m);
            }
            for t in &r.types {
                s.push('@');
                s.push_str(t);
            }
            items.push(s);
        }
        if let Some(v) = &self.visibility {
            items.push(format!("visibility:{}ms:{}", v.delay.as_millis(), v.rate));
        }
        if let Some(t) = &self.throttle {
            for (n, b) in [
                ("reads", t.reads),
                ("writes", t.writes),
                ("deletes", t.deletes),
            ] {
                items.push(format!("throttle-{n}:{}/{}", b.capacity, b.refill_per_sec));
            }
        }
        if let Some(l) = self.latency {
            items.push(format!("latency:{}ms", l.as_millis()));
        }
        match self.lro_shape {
            LroShapeChoice::Spec => {}
            LroShapeChoice::Random => items.push("lro-shape:random".into()),
            LroShapeChoice::Fixed(k) => items.push(format!("lro-shape:{}", k.token())),
        }
        if self.retry_after_secs != 1 {
            items.push(format!("retry-after:{}", self.retry_after_secs));
        }
        if self.seed != 1 {
            items.push(format!("seed:{}", self.seed));
        }
        write!(f, "{}", items.join(","))
    }
}

struct FaultState {
    spec: FaultSpec,
    rng: StdRng,
    counters: Vec<u64>,
}

impl FaultState {
    fn new(spec: FaultSpec) -> Self {
        FaultState {
            rng: StdRng::seed_from_u64(spec.seed),
            counters: vec![0; spec.rules.len()],
            spec,
        }
    }
}

/// The live fault configuration of a running emulator; clones share it.
#[derive(Clone)]
pub struct FaultHandle {
    inner: Arc<Mutex<FaultState>>,
}

impl fmt::Debug for FaultHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FaultHandle({})", self.spec())
    }
}

fn rule_matches(rule: &FaultRule, method: &str, arm_type: Option<&str>) -> bool {
    let method_ok = if rule.methods.is_empty() {
        rule.kind != FaultKind::Conflict || method != "GET" && method != "HEAD"
    } else {
        rule.methods.iter().any(|m| m == method)
    };
    let type_ok = rule.types.is_empty()
        || arm_type.is_some_and(|t| rule.types.iter().any(|r| r.eq_ignore_ascii_case(t)));
    method_ok && type_ok
}

impl FaultHandle {
    pub fn new(spec: FaultSpec) -> Self {
        FaultHandle {
            inner: Arc::new(Mutex::new(FaultState::new(spec))),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FaultState> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Replace the faults (counters and random generator start again).
    pub fn set(&self, spec: FaultSpec) {
        *self.lock() = FaultState::new(spec);
    }

    /// Parse and replace.
    pub fn set_str(&self, spec: &str) -> Result<(), EmulatorError> {
        self.set(spec.parse()?);
        Ok(())
    }

    /// No more faults.
    pub fn clear(&self) {
        self.set(FaultSpec::default());
    }

    pub fn spec(&self) -> FaultSpec {
        self.lock().spec.clone()
    }

    /// The fault (other than `fail-lro`) to inject into this request, if any. Every matching
    /// rule counts the request; the first one that fires wins.
    pub fn decide(&self, method: &str, arm_type: Option<&str>) -> Option<FaultKind> {
        let mut st = self.lock();
        let st = &mut *st;
        if st.spec.rules.is_empty() {
            return None;
        }
        let mut chosen = None;
        for (i, rule) in st.spec.rules.iter().enumerate() {
            if rule.kind == FaultKind::FailLro || !rule_matches(rule, method, arm_type) {
                continue;
            }
            st.counters[i] += 1;
            let n = st.counters[i];
            let fires = match rule.trigger {
                Trigger::Rate(r) => r > 0.0 && st.rng.random::<f64>() < r,
                Trigger::Nth(k) => n == k,
                Trigger::Every(k) => n.is_multiple_of(k),
            };
            if fires && chosen.is_none() {
                chosen = Some(rule.kind);
            }
        }
        chosen
    }

    /// Whether a long-running operation now starting on `arm_type` is to fail.
    pub fn fail_lro(&self, method: &str, arm_type: &str) -> bool {
        let mut st = self.lock();
        let st = &mut *st;
        let mut fail = false;
        for (i, rule) in st.spec.rules.iter().enumerate() {
            if rule.kind != FaultKind::FailLro || !rule_matches(rule, method, Some(arm_type)) {
                continue;
            }
            st.counters[i] += 1;
            let n = st.counters[i];
            fail |= match rule.trigger {
                Trigger::Rate(r) => r > 0.0 && st.rng.random::<f64>() < r,
                Trigger::Nth(k) => n == k,
                Trigger::Every(k) => n.is_multiple_of(k),
            };
        }
        fail
    }

    /// How long a resource created now stays invisible to GET.
    pub fn visibility_delay(&self) -> Option<Duration> {
        let mut st = self.lock();
        let v = st.spec.visibility?;
        if v.rate >= 1.0 || st.rng.random::<f64>() < v.rate {
            Some(v.delay)
        } else {
            None
        }
    }

    pub fn throttle(&self) -> Option<ThrottleLimits> {
        self.lock().spec.throttle
    }

    /// The latency added to every ARM request, if any.
    pub fn latency(&self) -> Option<Duration> {
        self.lock().spec.latency
    }

    pub fn retry_after_secs(&self) -> u64 {
        self.lock().spec.retry_after_secs
    }

    /// The shape of one long-running operation: `spec_shape` unless the configuration picks
    /// another among `allowed`.
    pub fn lro_shape(&self, allowed: &[LroShape], spec_shape: LroShape) -> LroShape {
        let mut st = self.lock();
        match st.spec.lro_shape {
            LroShapeChoice::Spec => spec_shape,
            LroShapeChoice::Fixed(k) if allowed.contains(&k) => k,
            LroShapeChoice::Fixed(_) => spec_shape,
            LroShapeChoice::Random if allowed.is_empty() => spec_shape,
            LroShapeChoice::Random => allowed[st.rng.random_range(0..allowed.len())],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lro_shapes_parse_print_and_pick_among_the_allowed() {
        let s: FaultSpec = "lro-shape:location".parse().unwrap();
        assert_eq!(s.lro_shape, LroShapeChoice::Fixed(LroShape::Location));
        assert_eq!(s.to_string(), "lro-shape:location");
        assert!("lro-shape:sideways".parse::<FaultSpec>().is_err());
        let h = FaultHandle::new(s);
        let delete_shapes = [LroShape::Location, LroShape::Synchronous];
        assert_eq!(
            h.lro_shape(&delete_shapes, LroShape::Synchronous),
            LroShape::Location
        );
        assert_eq!(
            h.lro_shape(&[LroShape::Synchronous], LroShape::Synchronous),
            LroShape::Synchronous,
            "a shape the operation does not allow falls back to the spec's"
        );
        let r = FaultHandle::new("lro-shape:random,seed:7".parse().unwrap());
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200 {
            let k = r.lro_shape(&LroShape::ALL, LroShape::AsyncOperation);
            seen.insert(k.token());
        }
        assert_eq!(
            seen.len(),
            4,
            "random reaches every allowed shape: {seen:?}"
        );
        let d = FaultHandle::new(FaultSpec::default());
        assert_eq!(
            d.lro_shape(&LroShape::ALL, LroShape::Location),
            LroShape::Location
        );
    }

    #[test]
    fn parses_the_documented_example() {
        let s: FaultSpec = "429:0.2,500:0.1@PUT,drop:0.05,fail-lro:Microsoft.App/containerApps,visibility:500ms,nth:7=503"
            .parse()
            .unwrap();
        assert_eq!(s.rules.len(), 5);
        assert_eq!(s.rules[1].methods, vec!["PUT".to_string()]);
        assert_eq!(s.rules[3].kind, FaultKind::FailLro);
        assert_eq!(
            s.rules[3].types,
            vec!["Microsoft.App/containerApps".to_string()]
        );
        assert_eq!(s.rules[4].trigger, Trigger::Nth(7));
        assert_eq!(s.visibility.unwrap().delay, Duration::from_millis(500));
        let l: FaultSpec = "latency:20ms".parse().unwrap();
        assert_eq!(l.latency, Some(Duration::from_millis(20)));
        assert_eq!(l.to_string().parse::<FaultSpec>().unwrap(), l);
        let again: FaultSpec = s.to_string().parse().unwrap();
        assert_eq!(again, s);
    }

    #[test]
    fn rejects_nonsense() {
        for bad in [
            "429",
            "429:2",
            "boom:0.1",
            "nth:0=503",
            "nth:3=boom",
            "500:0.1@nope",
            "throttle-reads:5",
        ] {
            assert!(bad.parse::<FaultSpec>().is_err(), "{bad}");
        }
    }

    #[test]
    fn nth_fires_once_on_the_nth_match() {
        let h = FaultHandle::new("nth:3=503@PUT".parse().unwrap());
        let got: Vec<_> = (0..5).map(|_| h.decide("PUT", None)).collect();
        assert_eq!(got[2], Some(FaultKind::ServiceUnavailable));
        assert_eq!(got.iter().filter(|g| g.is_some()).count(), 1);
        assert_eq!(h.decide("GET", None), None);
    }

    #[test]
    fn rates_are_reproducible_with_a_seed() {
        let run = || {
            let h = FaultHandle::new("500:0.3,seed:7".parse().unwrap());
            (0..200)
                .map(|_| h.decide("GET", None).is_some())
                .collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        let hits = a.iter().filter(|x| **x).count();
        assert!((30..=90).contains(&hits), "{hits}");
    }

    #[test]
    fn conflicts_spare_reads_and_types_filter() {
        let h = FaultHandle::new("409:1@Microsoft.App/containerApps".parse().unwrap());
        assert_eq!(h.decide("GET", Some("Microsoft.App/containerApps")), None);
        assert_eq!(
            h.decide("PUT", Some("microsoft.app/containerapps")),
            Some(FaultKind::Conflict)
        );
        assert_eq!(h.decide("PUT", Some("Microsoft.Insights/components")), None);
    }
}
