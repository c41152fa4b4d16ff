//! Emulator benchmark: GET and PUT requests per second with the server on ONE core (a
//! current-thread runtime on its own OS thread), over HTTPS and plain HTTP on loopback, and
//! the memory held per 10,000 stored resources. Prints figures; run with
//! `cargo run --release -p azlift-emulator --example bench [-- SECONDS CONCURRENCY]`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use azlift_emulator::{EmulatorConfig, RunningEmulator, start};
use serde_json::json;

const SUB: &str = "00000000-0000-0000-0000-0000000000be";

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// CPU time (user + system, in clock ticks of 1/100 s) of the calling thread.
fn thread_cpu_ticks() -> u64 {
    std::fs::read_to_string("/proc/thread-self/stat")
        .ok()
        .and_then(|s| {
            let after = s.rsplit_once(')')?.1.to_string();
            let f: Vec<&str> = after.split_whitespace().collect();
            Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0)
}

enum Cmd {
    CpuTicks(tokio::sync::oneshot::Sender<u64>),
    Stop,
}

/// Start the emulator on a dedicated thread with a current-thread runtime (one core); the
/// command channel reads that thread's CPU time.
fn start_on_one_core(
    config: EmulatorConfig,
) -> (
    RunningEmulator,
    std::thread::JoinHandle<()>,
    tokio::sync::mpsc::UnboundedSender<Cmd>,
) {
    let (tx, rx) = std::sync::mpsc::channel();
    let (cmd_tx, mut cmd_rx) = tokio::sync::mpsc::unbounded_channel::<Cmd>();
    let t = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let emu = start(config).await.unwrap();
            tx.send(emu).unwrap();
            while let Some(cmd) = cmd_rx.recv().await {
                match cmd {
                    Cmd::CpuTicks(reply) => {
                        let _ = reply.send(thread_cpu_ticks());
                    }
                    Cmd::Stop => break,
                }
            }
        });
    });
    let emu = rx.recv().unwrap();
    (emu, t, cmd_tx)
}

async fn server_ticks(cmd: &tokio::sync::mpsc::UnboundedSender<Cmd>) -> u64 {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let _ = cmd.send(Cmd::CpuTicks(tx));
    rx.await.unwrap_or(0)
}

async fn hammer(
    client: &reqwest::Client,
    urls: Arc<Vec<(reqwest::Method, String, Option<serde_json::Value>)>>,
    secs: f64,
    concurrency: usize,
) -> (f64, u64, u64) {
    let done = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let client = client.clone();
        let urls = urls.clone();
        let done = done.clone();
        let errors = errors.clone();
        tasks.push(tokio::spawn(async move {
            let mut i = w;
            while Instant::now() < deadline {
                let (m, u, b) = &urls[i % urls.len()];
                let mut rb = client.request(m.clone(), u).bearer_auth("bench");
                if let Some(b) = b {
                    rb = rb.json(b);
                }
                match rb.send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                i += concurrency;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let n = done.load(Ordering::Relaxed);
    (
        n as f64 / started.elapsed().as_secs_f64(),
        n,
        errors.load(Ordering::Relaxed),
    )
}

fn component_body(i: usize) -> serde_json::Value {
    json!({"location": "eastus", "kind": "web", "tags": {"n": i.to_string()}, "properties": {"Application_Type": "web"}})
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let secs: f64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5.0);
    let concurrency: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(32);

    let rss0 = rss_kib();
    let (emu, thread, cmd) = start_on_one_core(EmulatorConfig {
        http_port: Some(0),
        request_log_capacity: 1000,
        ..EmulatorConfig::default()
    });
    let ca = reqwest::Certificate::from_pem(emu.ca_certificate_pem().as_bytes()).unwrap();
    let https = reqwest::Client::builder()
        .add_root_certificate(ca)
        .http1_only()
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();
    let http = reqwest::Client::builder()
        .http1_only()
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();
    let base_s = emu.https_url();
    let base_h = emu.http_url().unwrap();

    // Seed: one group, 100 components.
    let rg = format!("/subscriptions/{SUB}/resourceGroups/bench");
    https
        .put(format!("{base_s}{rg}?api-version=2025-04-01"))
        .bearer_auth("b")
        .json(&json!({"location": "eastus"}))
        .send()
        .await
        .unwrap();
    let comp = |i: usize| {
        format!("{rg}/providers/Microsoft.Insights/components/ai-{i}?api-version=2020-02-02")
    };
    for i in 0..100 {
        let r = https
            .put(format!("{base_s}{}", comp(i)))
            .bearer_auth("b")
            .json(&component_body(i))
            .send()
            .await
            .unwrap();
        assert!(
            r.status().is_success(),
            "seed PUT failed: {}",
            r.text().await.unwrap_or_default()
        );
    }

    println!(
        "emulator benchmark: server on one core (current-thread runtime), client: {concurrency} concurrent keep-alive connections on 2 threads, {secs} s per figure"
    );
    for (label, client, base) in [("HTTPS", &https, &base_s), ("HTTP", &http, &base_h)] {
        let gets: Vec<_> = (0..100)
            .map(|i| (reqwest::Method::GET, format!("{base}{}", comp(i)), None))
            .collect();
        let t0 = server_ticks(&cmd).await;
        let (rps, n, err) = hammer(client, Arc::new(gets), secs, concurrency).await;
        let cpu = (server_ticks(&cmd).await - t0) as f64 / 100.0;
        println!(
            "GET  {label:5}: {rps:>9.0} req/s wall ({err} errors); server thread CPU {cpu:.2} s -> {:>9.0} req per server CPU-second",
            n as f64 / cpu.max(0.01)
        );
        let puts: Vec<_> = (0..100)
            .map(|i| {
                (
                    reqwest::Method::PUT,
                    format!("{base}{}", comp(i)),
                    Some(component_body(i)),
                )
            })
            .collect();
        let t0 = server_ticks(&cmd).await;
        let (rps, n, err) = hammer(client, Arc::new(puts), secs, concurrency).await;
        let cpu = (server_ticks(&cmd).await - t0) as f64 / 100.0;
        println!(
            "PUT  {label:5}: {rps:>9.0} req/s wall ({err} errors); server thread CPU {cpu:.2} s -> {:>9.0} req per server CPU-second (update of an App Insights component: validation + completion)",
            n as f64 / cpu.max(0.01)
        );
    }

    // Memory per 10,000 stored resources.
    let before = rss_kib();
    let n0 = emu.resource_count();
    let puts: Vec<_> = (100..10_100)
        .map(|i| {
            (
                reqwest::Method::PUT,
                format!("{base_h}{}", comp(i)),
                Some(component_body(i)),
            )
        })
        .collect();
    let started = Instant::now();
    let mut tasks = Vec::new();
    let puts = Arc::new(puts);
    for w in 0..concurrency {
        let client = http.clone();
        let puts = puts.clone();
        tasks.push(tokio::spawn(async move {
            let mut i = w;
            while i < puts.len() {
                let (m, u, b) = &puts[i];
                let _ = client
                    .request(m.clone(), u)
                    .bearer_auth("b")
                    .json(b.as_ref().unwrap())
                    .send()
                    .await
                    .map(|r| r.status());
                i += concurrency;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let created = emu.resource_count() - n0;
    let after = rss_kib();
    println!(
        "created {created} App Insights components in {:.2} s ({:.0} creates/s)",
        started.elapsed().as_secs_f64(),
        created as f64 / started.elapsed().as_secs_f64()
    );
    println!(
        "memory: process RSS {} KiB at start, {before} KiB before, {after} KiB after the 10,000 creates: {:.1} MiB per 10,000 resources ({:.2} KiB each)",
        rss0,
        (after.saturating_sub(before)) as f64 / 1024.0 * 10_000.0 / created.max(1) as f64,
        (after.saturating_sub(before)) as f64 / created.max(1) as f64
    );
    let _ = cmd.send(Cmd::Stop);
    let _ = thread.join();
}
