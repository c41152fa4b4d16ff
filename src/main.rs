//! The `azlift` binary: parse the command line and hand over to `cli`.

fn main() -> std::process::ExitCode {
    restore_sigpipe();
    azlift_cli::main()
}

/// Rust ignores SIGPIPE, so `azlift render | head` would panic on the closed pipe. Restore the
/// default, as command-line tools expect: the process ends quietly when its reader goes away.
#[cfg(unix)]
fn restore_sigpipe() {
    // SAFETY: called once at start-up, before any thread exists; SIG_DFL is a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn restore_sigpipe() {}

#[path = "cli/mod.rs"]
mod azlift_cli;
