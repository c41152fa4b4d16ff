//! Engine benchmarks against the embedded emulator (docs/benchmarks.md, "Engine"):
//!
//! ```text
//! cargo run --release --example bench_engine -- critical [FACTOR] [RUNS]   # (a) up / critical path
//! cargo run --release --example bench_engine -- plan1000 [DIR] [RUNS]      # (b) plan of 1,000 resources, 20 ms latency
//! cargo run --release --example bench_engine -- noop                       # (c) requests of a no-op up
//! ```
//!
//! (a) `up` of the production example with `AZLIFT_EMULATOR_PROFILE=scaled:FACTOR`: wall time of
//! the apply divided by the graph's critical path computed from the emulator's realistic
//! durations times FACTOR. (b) `plan` of a generated manifest of 1,000 resources with
//! `AZLIFT_EMULATOR_FAULTS=latency:20ms`: wall time divided by requests x 20 ms / parallelism,
//! and the requests by method; with DIR the project is left there for a `/usr/bin/time -v`
//! run of the binary. (c) a second `up` of the production example: requests by method.
//! Each phase runs in its own Tokio runtime so the emulator knobs (environment variables read
//! when a session opens) are set while no other thread runs.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    OpenOptions {
        manifest: manifest.to_path_buf(),
        load: LoadOptions::from_flags(None, &[]).expect("no flags"),
        subscription: None,
        local: true,
        parallelism: PARALLELISM,
        command: command.to_string(),
        state_url: None,
        lock_timeout: Duration::ZERO,
    }
}

/// What one `up` took and sent.
struct UpRun {
    plan: Duration,
    apply: Duration,
    stats: RequestStats,
    critical_secs: f64,
    failed: usize,
}

/// `up` of `manifest` (open, plan, apply) in a fresh runtime. `factor` scales the critical path.
fn up(manifest: &Path, factor: f64) -> UpRun {
    runtime().block_on(async {
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
            plan,
            apply,
            stats,
            critical_secs: critical,
            failed,
        }
    })
}

/// `plan` of `manifest`: wall time and requests.
fn plan(manifest: &Path) -> (Duration, RequestStats, usize) {
    runtime().block_on(async {
        let (_tx, rx) = tokio::sync::watch::channel(false);
        let session = Session::open(&options(manifest, "bench plan"), rx)
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
    let mut t =
        String::from("[project]\nname = \"bench1k\"\nlocation = \"eastus\"\n\n[monitoring]\n");
    for g in 0..3 {
        let _ = writeln!(
            t,
            "\n[action_group.g{g}]\nshort_name = \"grp{g}\"\nemail = {{ oncall = \"oncall{g}@example.com\" }}"
        );
    }
    for a in 0..330 {
        let _ = writeln!(
            t,
            "\n[app.svc{a}]\nimage = \"example.azurecr.io/svc{a}:1.0\"\nport = 8080\ningress = \"internal\"\ntelemetry = true\nenv = {{ INDEX = \"{a}\" }}"
        );
    }
    for a in 0..663 {
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
    let latency = 0.020;
    let mut ratios = Vec::new();
    for i in 0..runs {
        set_knobs(None, Some("latency:20ms"));
        let (took, stats, changes) = plan(&m);
        let ideal = stats.total() as f64 * latency / PARALLELISM as f64;
        let ratio = took.as_secs_f64() / ideal;
        println!(
            "(b) run {}: plan {:.3}s, {} changes, requests {} = {}, ideal {:.3}s, ratio {:.3}",
            i + 1,
            took.as_secs_f64(),
            changes,
            stats.total(),
            by_method(&stats),
            ideal,
            ratio
        );
        ratios.push(ratio);
    }
    set_knobs(None, None);
    println!(
        "(b) median plan / ideal over {runs} runs: {:.3}",
        median(&mut ratios)
    );
    println!("(b) project left in {}", dir.display());
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
        "all" => {
            critical(0.005, 5);
            plan1000(None, 5);
            noop();
        }
        other => {
            eprintln!("unknown benchmark `{other}`: critical, plan1000, noop or all");
            std::process::exit(2);
        }
    }
}
