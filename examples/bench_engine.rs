//! Engine benchmarks against the embedded emulator (docs/benchmarks.md, "Engine"):
//!
//! ```text
//! cargo run --release --example bench_engine -- critical [FACTOR] [RUNS]   # (a) up / critical path
//! cargo run --release --example bench_engine -- plan1000 [DIR] [RUNS]      # (b) plan of 1,000 resources, 20 ms latency, buckets on
//! cargo run --release --example bench_engine -- noop                       # (c) requests of a no-op up
//! cargo run --release --example bench_engine -- scale [RUNS] [SIZES...]    # (d) up of 250..4,000 resources, time per resource
//! cargo run --release --example bench_engine -- up1000                     # (e) up of 1,000 creates with the buckets on
//! ```
//!
//! (a) `up` of the production example with `AZLIFT_EMULATOR_PROFILE=scaled:FACTOR`: wall time of
//! the apply divided by the graph's critical path computed from the emulator's realistic
//! durations times FACTOR. (b) `plan` of a generated manifest of 1,000 resources with
//! `AZLIFT_EMULATOR_FAULTS=latency:20ms,throttle` (ARM's token buckets on): wall time,
//! requests by method and 429s, observing by list (the default) and, side by side, with one
//! GET per resource (`--observe get`), whose time the read bucket bounds; with DIR the
//! project is left there for a `/usr/bin/time -v` run of the binary. (c) a second `up` of
//! the production example: requests by method. (d) `up` (open, plan, apply, close: state and
//! the emulator's cloud compacted) of generated manifests of each size against the instant
//! emulator: wall time and time per resource, medians over RUNS. (e) `up` of the
//! 1,000-resource manifest with the buckets on: 429s answered.
//! Each phase runs in its own Tokio runtime so the emulator knobs (environment variables read
//! when a session opens) are set while no other thread runs.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use azlift::apply::ObserveMode;
use azlift::arm::RequestStats;
use azlift::emulator::kinds::Catalog;
use azlift::events::NullSink;
use azlift::manifest::LoadOptions;
use azlift::ops::{OpenOptions, Session};

const PARALLELISM: usize = 10;

fn production() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/production/azlift.toml"),
    )
    .expect("the production example")
}

fn set_knobs(profile: Option<&str>, faults: Option<&str>) {
    // SAFETY: called between phases, when no runtime (and no other thread) is running.
    unsafe {
        match profile {
            Some(p) => std::env::set_var("AZLIFT_EMULATOR_PROFILE", p),
            None => std::env::remove_var("AZLIFT_EMULATOR_PROFILE"),
        }
        match faults {
            Some(f) => std::env::set_var("AZLIFT_EMULATOR_FAULTS", f),
            None => std::env::remove_var("AZLIFT_EMULATOR_FAULTS"),
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn options(manifest: &Path, command: &str) -> OpenOptions {
    options_observing(manifest, command, ObserveMode::List)
}

fn options_observing(manifest: &Path, command: &str, observe: ObserveMode) -> OpenOptions {
    OpenOptions {
        manifest: manifest.to_path_buf(),
        load: LoadOptions::from_flags(None, &[]).expect("no flags"),
        subscription: None,
        local: true,
        parallelism: PARALLELISM,
        command: command.to_string(),
        state_url: None,
        lock_timeout: Duration::ZERO,
        observe,
    }
}

/// What one `up` took and sent.
struct UpRun {
    /// Open, plan, apply and close.
    total: Duration,
    plan: Duration,
    apply: Duration,
    stats: RequestStats,
    critical_secs: f64,
    failed: usize,
}

/// `up` of `manifest` (open, plan, apply) in a fresh runtime. `factor` scales the critical path.
fn up(manifest: &Path, factor: f64) -> UpRun {
    runtime().block_on(async {
        let start = Instant::now();
        let (_tx, rx) = tokio::sync::watch::channel(false);
        let session = Session::open(&options(manifest, "bench up"), rx)
            .await
            .expect("open");
        let catalog = Catalog::builtin();
        let (critical, _) = session
            .project
            .graph
            .critical_path(&|d| catalog.create_secs(&d.arm_type, &d.body) * factor);
        let t0 = Instant::now();
        let planned = session.plan().await.expect("plan");
        let plan = t0.elapsed();
        let t1 = Instant::now();
        let report = session.apply(planned, Arc::new(NullSink)).await;
        let apply = t1.elapsed();
        let stats = session.target.client.stats();
        let failed = report.failures().count();
        session.close().await.expect("close");
        UpRun {
            total: start.elapsed(),
            plan,
            apply,
            stats,
            critical_secs: critical,
            failed,
        }
    })
}

/// `plan` of `manifest`: wall time and requests.
fn plan(manifest: &Path, observe: ObserveMode) -> (Duration, RequestStats, usize) {
    runtime().block_on(async {
        let (_tx, rx) = tokio::sync::watch::channel(false);
        let session = Session::open(&options_observing(manifest, "bench plan", observe), rx)
            .await
            .expect("open");
        let t0 = Instant::now();
        let planned = session.plan().await.expect("plan");
        let took = t0.elapsed();
        let stats = session.target.client.stats();
        let changes = planned
            .plan
            .changes
            .iter()
            .filter(|c| {
                !matches!(
                    c.action,
                    azlift::plan::Action::NoOp | azlift::plan::Action::Read
                )
            })
            .count();
        session.close().await.expect("close");
        (took, stats, changes)
    })
}

fn project(dir: &Path, text: &str) -> PathBuf {
    std::fs::create_dir_all(dir).expect("mkdir");
    let m = dir.join("azlift.toml");
    std::fs::write(&m, text).expect("write manifest");
    m
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn by_method(s: &RequestStats) -> String {
    format!(
        "GET {}, PUT {}, PATCH {}, DELETE {}, POST {}, HEAD {} (retries {}, throttled {})",
        s.get, s.put, s.patch, s.delete, s.post, s.head, s.retries, s.throttled
    )
}

fn critical(factor: f64, runs: usize) {
    let mut ratios = Vec::new();
    for i in 0..runs {
        let dir = tempfile::tempdir().expect("tempdir");
        let m = project(dir.path(), &production());
        set_knobs(Some(&format!("scaled:{factor}")), None);
        let r = up(&m, factor);
        assert_eq!(r.failed, 0, "up failed");
        let ratio = r.apply.as_secs_f64() / r.critical_secs;
        println!(
            "(a) run {}: plan {:.3}s, apply {:.3}s, critical path {:.3}s, ratio {:.3}",
            i + 1,
            r.plan.as_secs_f64(),
            r.apply.as_secs_f64(),
            r.critical_secs,
            ratio
        );
        ratios.push(ratio);
    }
    println!(
        "(a) median apply / critical path over {runs} runs: {:.3}",
        median(&mut ratios)
    );
}

/// A manifest of exactly 1,000 resources: group, workspace, Application Insights, environment,
/// 3 action groups, 330 apps and 663 alerts.
fn thousand() -> String {
    generated(1000)
}

/// A manifest of exactly `n` (at least 10) resources: group, workspace, Application Insights,
/// environment, 3 action groups, a third of the rest apps and two thirds alerts.
fn generated(n: usize) -> String {
    let rest = n.max(10) - 7;
    let apps = rest / 3;
    let alerts = rest - apps;
    let mut t =
        String::from("[project]\nname = \"bench1k\"\nlocation = \"eastus\"\n\n[monitoring]\n");
    for g in 0..3 {
        let _ = writeln!(
            t,
            "\n[action_group.g{g}]\nshort_name = \"grp{g}\"\nemail = {{ oncall = \"oncall{g}@example.com\" }}"
        );
    }
    for a in 0..apps {
        let _ = writeln!(
            t,
            "\n[app.svc{a}]\nimage = \"example.azurecr.io/svc{a}:1.0\"\nport = 8080\ningress = \"internal\"\ntelemetry = true\nenv = {{ INDEX = \"{a}\" }}"
        );
    }
    for a in 0..alerts {
        let _ = writeln!(
            t,
            "\n[alert.a{a}]\nmetric = \"requests/failed\"\nnamespace = \"microsoft.insights/components\"\naggregation = \"Count\"\noperator = \"GreaterThan\"\nthreshold = {}\nfrequency = \"PT1M\"\nwindow = \"PT5M\"\nnotify = [\"g{}\"]",
            a + 1,
            a % 3
        );
    }
    t
}

fn plan1000(keep: Option<PathBuf>, runs: usize) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = keep.unwrap_or_else(|| tmp.path().to_path_buf());
    let m = project(&dir, &thousand());
    set_knobs(None, None);
    let r = up(&m, 0.0);
    assert_eq!(r.failed, 0, "setup up failed");
    println!(
        "(b) setup: up of 1,000 resources (instant profile): plan {:.2}s + apply {:.2}s",
        r.plan.as_secs_f64(),
        r.apply.as_secs_f64()
    );
    for (mode, name, n) in [
        (ObserveMode::List, "list", runs),
        (ObserveMode::Get, "get", runs.min(3)),
    ] {
        let mut walls = Vec::new();
        for i in 0..n {
            set_knobs(None, Some("latency:20ms,throttle"));
            let (took, stats, changes) = plan(&m, mode);
            println!(
                "(b) --observe {name} run {}: plan {:.3}s, {} changes, requests {} = {}",
                i + 1,
                took.as_secs_f64(),
                changes,
                stats.total(),
                by_method(&stats),
            );
            walls.push(took.as_secs_f64());
        }
        println!(
            "(b) --observe {name}: median plan over {n} runs: {:.3}s",
            median(&mut walls)
        );
    }
    set_knobs(None, None);
    println!("(b) project left in {}", dir.display());
}

/// (d) `up` of generated manifests of each size against the instant emulator.
fn scale(runs: usize, sizes: &[usize]) {
    set_knobs(None, None);
    let mut per_resource = Vec::new();
    for &n in sizes {
        let mut walls = Vec::new();
        for i in 0..runs {
            let dir = tempfile::tempdir().expect("tempdir");
            let m = project(dir.path(), &generated(n));
            let r = up(&m, 0.0);
            assert_eq!(r.failed, 0, "up of {n} failed");
            let wall = r.total.as_secs_f64();
            println!(
                "(d) {n} resources, run {}: up {wall:.3}s (plan {:.3}s, apply {:.3}s), {:.3} ms per resource, requests {}",
                i + 1,
                r.plan.as_secs_f64(),
                r.apply.as_secs_f64(),
                wall * 1000.0 / n as f64,
                r.stats.total()
            );
            walls.push(wall);
        }
        let m = median(&mut walls);
        per_resource.push(m * 1000.0 / n as f64);
        println!(
            "(d) {n} resources: median up {m:.3}s over {runs} runs, {:.3} ms per resource",
            m * 1000.0 / n as f64
        );
    }
    let lo = per_resource.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = per_resource.iter().copied().fold(0.0, f64::max);
    println!(
        "(d) time per resource from {lo:.3} to {hi:.3} ms: max / min {:.2}",
        hi / lo
    );
}

/// (e) `up` of 1,000 creates with ARM's token buckets on.
fn up1000() {
    let dir = tempfile::tempdir().expect("tempdir");
    let m = project(dir.path(), &thousand());
    set_knobs(None, Some("throttle"));
    let r = up(&m, 0.0);
    set_knobs(None, None);
    println!(
        "(e) up of 1,000 creates, buckets on: {:.2}s (plan {:.2}s, apply {:.2}s), {} failed, requests {} = {}",
        r.total.as_secs_f64(),
        r.plan.as_secs_f64(),
        r.apply.as_secs_f64(),
        r.failed,
        r.stats.total(),
        by_method(&r.stats)
    );
}

fn noop() {
    let dir = tempfile::tempdir().expect("tempdir");
    let m = project(dir.path(), &production());
    set_knobs(None, None);
    let first = up(&m, 0.0);
    assert_eq!(first.failed, 0, "first up failed");
    println!("(c) first up: {}", by_method(&first.stats));
    let second = up(&m, 0.0);
    println!("(c) no-op up: {}", by_method(&second.stats));
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str);
    match arg(0).unwrap_or("all") {
        "critical" => critical(
            arg(1).and_then(|f| f.parse().ok()).unwrap_or(0.005),
            arg(2).and_then(|n| n.parse().ok()).unwrap_or(5),
        ),
        "plan1000" => plan1000(
            arg(1).filter(|d| *d != "-").map(PathBuf::from),
            arg(2).and_then(|n| n.parse().ok()).unwrap_or(5),
        ),
        "noop" => noop(),
        "scale" => {
            let runs = arg(1).and_then(|n| n.parse().ok()).unwrap_or(3);
            let sizes: Vec<usize> = args.iter().skip(2).filter_map(|a| a.parse().ok()).collect();
            let sizes = if sizes.is_empty() {
                vec![250, 500, 1000, 2000, 4000]
            } else {
                sizes
            };
            scale(runs, &sizes);
        }
        "up1000" => up1000(),
        "all" => {
            critical(0.005, 5);
            plan1000(None, 5);
            noop();
        }
        other => {
            eprintln!(
                "unknown benchmark `{other}`: critical, plan1000, noop, scale, up1000 or all"
            );
            std::process::exit(2);
        }
    }
}
