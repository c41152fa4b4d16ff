//! Benchmark of the remote state write (docs/benchmarks.md, "Remote state on Azurite"): the
//! `StateBackend::write` that `up` does after each finished resource, against a real Azurite
//! over plain HTTP with a SAS and over HTTPS with an Entra token from the embedded emulator.
//!
//! ```text
//! cargo run --example bench_state_azblob -- [WRITES] [MODES]
//! ```
//!
//! WRITES defaults to 200 timed writes per mode; MODES is `http`, `https` or both in the
//! order given, comma-separated (default `http,https`).
//!
//! Needs `npm install` in tests/azurite. Prints, per mode, the median, 90th percentile and
//! mean of WRITES timed writes of a 14-resource document (the production example's size),
//! after 50 untimed warm-up writes (Azurite runs on Node, whose JIT needs them), all under one held lease as in a run.

#[path = "../tests/azurite_support/mod.rs"]
mod azurite_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use azlift::arm::credentials::{CredentialSource, ProcessEnv, select};
use azlift::arm::{Cloud, http_client};
use azlift::state::{AzBlobBackend, LockInfo, Sas, StateBackend, StateDocument, parse_state_url};
use azurite_support::{Azurite, Mode, Raw};
use serde_json::json;

const CONTAINER: &str = "bench";

/// A document shaped like the production example's state: 14 entries with ids, hashes,
/// outputs and dependencies.
fn document() -> StateDocument {
    let mut resources = serde_json::Map::new();
    for i in 0..14 {
        let address = format!("app.service-{i:02}");
        resources.insert(
            address.clone(),
            json!({
                "address": address,
                "id": format!("/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-bench/providers/Microsoft.App/containerApps/service-{i:02}"),
                "type": "Microsoft.App/containerApps",
                "api_version": "2026-07-01",
                "applied_hash": format!("{:064x}", i + 1),
                "write_only_hashes": {"/properties/configuration/secrets/0/value": format!("{:064x}", i + 100)},
                "outputs": {"fqdn": format!("service-{i:02}.nicesky-1234.eastus.azurecontainerapps.io")},
                "depends_on": ["environment", "monitoring.app_insights"],
                "managed": true,
                "last_duration_secs": 41.2,
                "updated_at": "2026-11-25T16:44:03Z"
            }),
        );
    }
    let doc = json!({
        "version": 1,
        "serial": 0,
        "lineage": uuid::Uuid::new_v4(),
        "environment": "default",
        "resources": resources,
    });
    serde_json::from_value(doc).expect("a state document")
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn bench(mode: Mode, writes: usize) {
    let azurite = Azurite::start(mode);
    let r = Raw::sas(&azurite).create_container(&azurite, CONTAINER);
    assert_eq!(r.status, 201, "create container: {}", r.text());
    // HTTPS: tokens from an embedded emulator's token endpoint, as `--local` gets them.
    let emulator = match mode {
        Mode::HttpsOAuth => Some(
            azlift_emulator::start_blocking(azlift_emulator::EmulatorConfig::default())
                .expect("emulator"),
        ),
        Mode::HttpSas => None,
    };
    let mut pem = String::new();
    if let Some(ca) = &azurite.ca_pem {
        pem.push_str(ca);
    }
    if let Some(e) = &emulator {
        pem.push('\n');
        pem.push_str(&e.ca_certificate_pem());
    }
    let http = http_client(
        (!pem.is_empty()).then_some(pem.as_str()),
        Duration::from_secs(30),
        4,
    )
    .expect("http client");
    let sas = match mode {
        Mode::HttpSas => Some(Sas::parse(&azurite_support::full_sas()).expect("a SAS")),
        Mode::HttpsOAuth => None,
    };
    let loc = parse_state_url(&azurite.blob_url(CONTAINER, "bench/default.json"), sas)
        .expect("a state URL");
    let credential = emulator.as_ref().map(|e| {
        let url = azure_core::http::Url::parse(&e.https_url()).expect("emulator URL");
        select(
            &CredentialSource::Local,
            &ProcessEnv,
            &Cloud::Public,
            &url,
            &http,
        )
        .expect("local credential")
        .token_credential()
    });
    let backend: Arc<dyn StateBackend> =
        Arc::new(AzBlobBackend::new(loc, credential, http).expect("backend"));

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut times = rt.block_on(async {
        let lock = backend
            .lock(&LockInfo::current("azlift bench"))
            .await
            .expect("lock");
        let mut doc = document();
        for _ in 0..50 {
            backend.write(&mut doc, &lock).await.expect("warm-up write");
        }
        let mut times = Vec::with_capacity(writes);
        for _ in 0..writes {
            let t = Instant::now();
            backend.write(&mut doc, &lock).await.expect("write");
            times.push(t.elapsed());
        }
        backend.unlock(lock).await.expect("unlock");
        times
    });
    times.sort();
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    println!(
        "{:<12} writes={writes:<5} median={}  p90={}  mean={}  min={}  max={}",
        mode.name(),
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.9)),
        ms(mean),
        ms(times[0]),
        ms(times[times.len() - 1]),
    );
    if let Some(e) = emulator {
        e.shutdown();
    }
}

fn main() {
    let writes: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("WRITES is a number"))
        .unwrap_or(200)
        .max(1);
    let modes = std::env::args()
        .nth(2)
        .unwrap_or_else(|| "http,https".to_string());
    for name in modes.split(',') {
        let mode = match name.trim() {
            "http" => Mode::HttpSas,
            "https" => Mode::HttpsOAuth,
            other => {
                eprintln!("unknown mode `{other}`: use http, https or both (`http,https`)");
                std::process::exit(2);
            }
        };
        bench(mode, writes);
    }
}
