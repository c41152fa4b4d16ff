//! Validation under a flood of diagnostics (docs/benchmarks.md, "Manifest validation"):
//!
//! ```text
//! cargo run --release --example bench_validate -- [KEYS] [RUNS]
//! ```
//!
//! Builds a manifest of `[project]` plus KEYS (default 20,000) unknown top-level keys, each an
//! error, and times `azlift::manifest::parse_str` on it RUNS times (default 5), printing every
//! time, the median, and the number of errors found (kept and omitted). Line and column of each
//! diagnostic come from a line index, so the time grows linearly with KEYS.

use std::path::Path;
use std::time::{Duration, Instant};

use azlift::manifest::{LoadOptions, parse_str};

fn main() {
    let mut args = std::env::args().skip(1);
    let keys: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let mut text = String::from("[project]\nname = \"bench\"\nlocation = \"eastus\"\n");
    for i in 0..keys {
        text.push_str(&format!("unknown_key_{i} = {i}\n"));
    }
    println!(
        "validate: {keys} unknown keys, {} bytes, {runs} runs",
        text.len()
    );
    let opts = LoadOptions::default();
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    for run in 1..=runs.max(1) {
        let start = Instant::now();
        let result = parse_str("azlift.toml", &text, Path::new("."), &opts);
        let took = start.elapsed();
        let Err(errors) = result else {
            eprintln!("the manifest validated, which it must not");
            std::process::exit(1);
        };
        let found = errors.errors().len() + errors.omitted_errors();
        println!(
            "run {run}: {:.1} ms ({found} errors: {} shown, {} omitted)",
            took.as_secs_f64() * 1e3,
            errors.errors().len(),
            errors.omitted_errors()
        );
        times.push(took);
    }
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "median: {:.1} ms for {keys} unknown keys ({:.2} µs per key)",
        median.as_secs_f64() * 1e3,
        median.as_secs_f64() * 1e6 / keys.max(1) as f64
    );
}
