//! azlift on a real terminal: `script` (util-linux) gives the binary a pseudo-terminal, so
//! the live progress display and the confirmation prompt run as a user at a keyboard sees
//! them, not through the plain-lines fallback that pipes get.

mod common;

use std::process::{Command, Stdio};

use common::Project;

/// Run `azlift -f <manifest> --local ARGS` on a pseudo-terminal with `answer` typed at it;
/// returns the exit code and everything the terminal showed.
fn on_a_terminal(project: &Project, args: &str, answer: &str) -> (i32, String) {
    let bin = assert_cmd::cargo::cargo_bin("azlift");
    let inner = format!(
        "{} -f {} --local {args}",
        bin.display(),
        project.manifest.display()
    );
    let mut child = Command::new("script")
        .args(["--quiet", "--return", "--command", &inner, "/dev/null"])
        .current_dir(project.path())
        .env_remove("CI")
        .env_remove("NO_COLOR")
        .env("TERM", "xterm-256color")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("`script` (util-linux) is needed for this test: {e}"));
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("piped stdin");
        stdin.write_all(answer.as_bytes()).expect("typed");
    }
    let out = child.wait_with_output().expect("script ran");
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), shown)
}

#[test]
fn up_asks_on_a_terminal_and_no_applies_nothing() {
    let project = Project::example("minimal");
    let (code, shown) = on_a_terminal(&project, "up", "no\n");
    assert_eq!(code, 1, "{shown}");
    assert!(shown.contains("Apply these changes?"), "{shown}");
    assert!(shown.contains("Nothing applied."), "{shown}");
    // Nothing was created: a plan still wants every resource.
    let plan = project.run(&["plan", "--detailed-exitcode"]);
    plan.expect_code(2);
}

#[test]
fn up_on_a_terminal_shows_live_progress_then_the_summary() {
    let project = Project::example("production");
    let (code, shown) = on_a_terminal(&project, "up", "yes\n");
    assert_eq!(code, 0, "{shown}");
    // The live display: an overall bar (`N/17 changes`) redrawn in place with erase-line
    // sequences, which the plain-lines output never writes.
    assert!(shown.contains("/17 changes"), "no overall bar: {shown}");
    assert!(shown.contains("\u{1b}[2K"), "no in-place redraw: {shown}");
    assert!(shown.contains("17 created"), "{shown}");
    assert!(
        !shown.contains("panicked"),
        "the progress display panicked: {shown}"
    );
    project.assert_no_changes();
}
