//! The `azlift` binary: parse the command line and hand over to `cli`.

fn main() -> std::process::ExitCode {
    azlift_cli::main()
}

/// Rust ignores SIGPIPE, so `azlift render | head` would panic on the closed pipe. For the
/// commands that only print (no sockets: a network peer closing a connection must stay an
/// error, never a signal that kills a run mid-apply), restore the default, as command-line
/// tools expect: the process ends quietly when its reader goes away.
#[cfg(unix)]
pub(crate) fn restore_sigpipe() {
    // SAFETY: called once at start-up, before any thread exists; SIG_DFL is a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
pub(crate) fn restore_sigpipe() {}

#[path = "cli/mod.rs"]
mod azlift_cli;
