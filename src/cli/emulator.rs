//! `azlift emulator`: run the local ARM-compatible emulator in the foreground until Ctrl-C.
//!
//! Prints the HTTPS URL (as one JSON line with `--output json`, for test harnesses), writes
//! the CA certificate clients must trust, and with `-v` logs every request to stderr.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use azlift_emulator::{EmulatorConfig, FaultSpec, Profile};
use clap::Args;
use miette::{IntoDiagnostic, WrapErr};

use super::{CmdResult, GlobalArgs, OutputFormat};

#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// HTTPS port (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Also serve plain HTTP on this port (for curl; the Azure SDKs need HTTPS).
    #[arg(long)]
    pub http_port: Option<u16>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Persist the emulated cloud to this JSON file (separate runs then see one cloud).
    #[arg(long = "state", value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Operation durations: instant, realistic, or scaled:FACTOR (e.g. scaled:0.01).
    #[arg(long, default_value = "instant")]
    pub profile: String,
    /// Faults to inject, e.g. `429:0.2,500:0.1@PUT,drop:0.05,nth:7=503` (see docs/emulator.md).
    #[arg(long, default_value = "")]
    pub faults: String,
    /// Accept only bearer tokens issued by this emulator's token endpoint.
    #[arg(long)]
    pub strict_auth: bool,
    /// Where to write the CA certificate (PEM) clients must trust.
    #[arg(long, value_name = "PATH")]
    pub cert_out: Option<PathBuf>,
}

pub fn run(args: EmulatorArgs, global: &GlobalArgs) -> CmdResult {
    let profile: Profile = args.profile.parse().into_diagnostic()?;
    let faults: FaultSpec = args.faults.parse().into_diagnostic()?;
    let config = EmulatorConfig {
        bind: args.bind,
        port: args.port,
        http_port: args.http_port,
        state_file: args.state.clone(),
        profile,
        faults: faults.clone(),
        strict_auth: args.strict_auth,
        ..EmulatorConfig::default()
    };
    let emu = azlift_emulator::start_blocking(config)
        .into_diagnostic()
        .wrap_err("could not start the emulator")?;

    let cert_path = args.cert_out.clone().unwrap_or_else(|| match &args.state {
        Some(s) => s.with_extension("ca.pem"),
        None => std::env::temp_dir().join(format!("azlift-emulator-{}-ca.pem", emu.port())),
    });
    if let Some(dir) = cert_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).into_diagnostic()?;
    }
    std::fs::write(&cert_path, emu.ca_certificate_pem())
        .into_diagnostic()
        .wrap_err_with(|| format!("could not write {}", cert_path.display()))?;

    match global.output {
        OutputFormat::Json => {
            let line = serde_json::json!({
                "event": "listening",
                "url": emu.https_url(),
                "http_url": emu.http_url(),
                "ca_certificate": cert_path,
                "state_file": args.state,
                "profile": profile.to_string(),
                "faults": faults.to_string(),
                "strict_auth": args.strict_auth,
                "pid": std::process::id(),
            });
            println!("{line}");
        }
        OutputFormat::Human => {
            println!("azlift emulator listening on {}", emu.https_url());
            if let Some(h) = emu.http_url() {
                println!("  plain HTTP (curl only): {h}");
            }
            println!("  CA certificate: {}", cert_path.display());
            match &args.state {
                Some(s) => println!("  state: {}", s.display()),
                None => println!("  state: in memory"),
            }
            let f = faults.to_string();
            println!(
                "  profile: {profile}; faults: {}; auth: {}",
                if f.is_empty() { "none" } else { f.as_str() },
                if args.strict_auth {
                    "strict"
                } else {
                    "any bearer token"
                }
            );
            println!("Press Ctrl-C to stop.");
        }
    }
    use std::io::Write;
    std::io::stdout().flush().ok();

    let verbose = global.verbose > 0;
    let json = global.output == OutputFormat::Json;
    let mut requests = emu.subscribe_requests();
    emu.block_on(async {
        let printer = async {
            loop {
                match requests.recv().await {
                    Ok(r) if verbose => {
                        if json {
                            eprintln!(
                                "{}",
                                serde_json::json!({"event": "request", "method": r.method, "path": r.path, "status": r.status, "duration_ms": r.duration.as_secs_f64() * 1000.0})
                            );
                        } else {
                            eprintln!(
                                "{} {} {} {:.1}ms",
                                r.method,
                                r.path,
                                r.status,
                                r.duration.as_secs_f64() * 1000.0
                            );
                        }
                    }
                    Ok(_) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                        std::future::pending::<()>().await
                    }
                }
            }
        };
        tokio::select! {
            _ = printer => {}
            _ = stop_signal() => {}
        }
    });
    if !json {
        println!("stopping");
    }
    emu.shutdown();
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C, or SIGTERM on Unix (how test harnesses stop a child).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
