//! The `azlift` binary: parse the command line and hand over to `cli`.

fn main() -> std::process::ExitCode {
    azlift_cli::main()
}

#[path = "cli/mod.rs"]
mod azlift_cli;
