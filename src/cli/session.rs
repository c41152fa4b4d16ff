//! What `plan`, `up` and `down` share on the command line: the runtime, signal handling, and
//! turning global flags into `ops::OpenOptions`.

use miette::IntoDiagnostic;
use tokio::sync::watch;

use azlift::manifest::LoadOptions;
use azlift::ops::OpenOptions;

use super::GlobalArgs;

pub fn runtime() -> miette::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .into_diagnostic()
}

/// A cancellation signal fed by SIGINT and SIGTERM: the first stops new work (running
/// operations finish and state is saved after each); the second exits at once — state is
/// already consistent, because it is written after every resource.
pub fn interrupt_signal() -> watch::Receiver<bool> {
    azlift::ui::interrupt::listen()
}

/// The exit code of a run a signal stopped: 130 (SIGINT) or 143 (SIGTERM).
pub fn interrupted_exit() -> std::process::ExitCode {
    std::process::ExitCode::from(azlift::ui::interrupt::exit_code())
}

/// Run `work` (reading ARM: nothing changes) unless a signal stops it first: then say so and
/// end with the signal's exit code.
pub async fn unless_interrupted<T>(
    cancel: &watch::Receiver<bool>,
    work: impl std::future::Future<Output = T>,
) -> Result<T, std::process::ExitCode> {
    tokio::select! {
        r = work => Ok(r),
        () = azlift::ui::interrupt::cancelled(cancel.clone()) => {
            eprintln!("Stopped while reading ARM: nothing was changed.");
            Err(interrupted_exit())
        }
    }
}

pub fn open_options(global: &GlobalArgs, command: &str) -> miette::Result<OpenOptions> {
    let load = LoadOptions::from_flags(global.env.clone(), &global.vars)?;
    Ok(OpenOptions {
        manifest: global.manifest.clone(),
        load,
        subscription: global.subscription.clone(),
        local: global.local,
        parallelism: global.parallelism.max(1),
        command: command.to_string(),
        state_url: global.state_url.clone(),
        lock_timeout: global.lock_timeout,
        observe: global.observe.into(),
    })
}

/// With `-v`: which ARM target and which credential this run uses, one line on stderr
/// (`target: Azure subscription ..., credential: GitHub Actions OIDC federation (...)`).
pub fn report_target(target: &azlift::ops::Target, global: &GlobalArgs) {
    if global.verbose > 0 {
        eprintln!("target: {}", target.describe);
    }
}

/// With `-v`: where this run's state is and that it holds its lock, on stderr.
pub fn report_session(session: &azlift::ops::Session, global: &GlobalArgs) {
    report_target(&session.target, global);
    if global.verbose > 0 {
        eprintln!("state: {} (locked by this run)", session.state.location());
    }
}

/// With `-v`: the ARM requests this run sent, as the last line on stderr
/// (`ARM requests: GET n, PUT n, PATCH n, DELETE n, POST n`), or with `--output json` as one
/// NDJSON event `{"event":"arm_requests",...}` — on stdout for `up`/`down` (their NDJSON
/// stream), on stderr for `plan` (whose stdout is one JSON document).
pub fn report_requests(
    stats: azlift::arm::RequestStats,
    global: &GlobalArgs,
    json_on_stdout: bool,
) {
    if global.verbose == 0 {
        return;
    }
    if global.output == super::OutputFormat::Json {
        let line = serde_json::json!({
            "event": "arm_requests",
            "get": stats.get,
            "put": stats.put,
            "patch": stats.patch,
            "delete": stats.delete,
            "post": stats.post,
            "retries": stats.retries,
            "throttled": stats.throttled,
        });
        if json_on_stdout {
            println!("{line}");
        } else {
            eprintln!("{line}");
        }
    } else {
        eprintln!(
            "ARM requests: GET {}, PUT {}, PATCH {}, DELETE {}, POST {}",
            stats.get, stats.put, stats.patch, stats.delete, stats.post
        );
    }
}
