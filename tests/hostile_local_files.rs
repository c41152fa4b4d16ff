//! azlift's local files under hostile conditions (issue 15): modes under umask 000, a
//! symlinked lock, `azlift init`'s `.gitignore`, and two `--local` runs of one folder at once.
#![cfg(unix)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::time::{Duration, Instant};

use common::{Project, Run};

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn local_files_are_private_under_umask_000() {
    let p = Project::example("minimal");
    let mut cmd = p.std_command(&["up", "--yes"], &[]);
    // SAFETY: umask is async-signal-safe and touches only the child's own process state.
    unsafe {
        cmd.pre_exec(|| {
            libc::umask(0);
            Ok(())
        });
    }
    let out = cmd.output().expect("azlift ran");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A second run writes the backup too.
    let mut again = p.std_command(&["up", "--yes"], &[]);
    // SAFETY: as above.
    unsafe {
        again.pre_exec(|| {
            libc::umask(0);
            Ok(())
        });
    }
    assert!(again.output().unwrap().status.success());
    let azlift = p.path().join(".azlift");
    let env_dir = p.state_path("default").parent().unwrap().to_path_buf();
    let project_dir = env_dir.parent().unwrap().to_path_buf();
    assert_eq!(mode(&azlift), 0o700, ".azlift/");
    assert_eq!(mode(&project_dir), 0o700, ".azlift/<project>/");
    assert_eq!(mode(&env_dir), 0o700, ".azlift/<project>/default/");
    for file in ["local-cloud.json", "local-cloud.lock"] {
        assert_eq!(mode(&azlift.join(file)), 0o600, "{file}");
    }
    for file in ["state.json", "state.lock", "state.backup.json"] {
        assert_eq!(mode(&env_dir.join(file)), 0o600, "{file}");
    }
}

#[test]
fn a_symlinked_lock_is_refused_and_its_target_left_alone() {
    let p = Project::example("minimal");
    let dir = p.state_path("default").parent().unwrap().to_path_buf();
    std::fs::create_dir_all(&dir).unwrap();
    let victim = p.path().join("precious.txt");
    std::fs::write(&victim, "keep me").unwrap();
    std::os::unix::fs::symlink(&victim, dir.join("state.lock")).unwrap();
    let r = p.run(&["plan"]);
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(r.flat_all().contains("symbolic link"), "{}", r.all());
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
}

#[test]
fn a_symlinked_local_cloud_is_refused() {
    let p = Project::example("minimal");
    let azlift = p.path().join(".azlift");
    std::fs::create_dir_all(&azlift).unwrap();
    let victim = p.path().join("elsewhere.json");
    std::fs::write(&victim, "{}").unwrap();
    std::os::unix::fs::symlink(&victim, azlift.join("local-cloud.json")).unwrap();
    let r = p.run(&["plan"]);
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(r.flat_all().contains("symbolic link"), "{}", r.all());
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "{}");
}

#[test]
fn init_lists_the_local_folder_in_gitignore() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("azlift"))
        .current_dir(dir.path())
        .args(["init", "--name", "demo"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ignore = std::fs::read_to_string(dir.path().join(".gitignore")).unwrap();
    assert!(ignore.lines().any(|l| l == ".azlift/"), "{ignore}");
}

/// Two environments of one folder share the local cloud. While one `up --local` runs, a second
/// is refused naming the first; with `--lock-timeout` it waits and both converge.
#[test]
fn two_local_runs_of_one_folder_take_turns_on_the_local_cloud() {
    let p = Project::example("minimal");
    p.append("[env.a]\n\n[env.b]\n");
    let slow = [("AZLIFT_EMULATOR_PROFILE", "scaled:0.1")];
    let mut first = p
        .std_command(&["up", "--yes", "-e", "a"], &slow)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The holder's info is in the lock file once it holds it.
    let lock = p.path().join(".azlift").join("local-cloud.lock");
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::fs::read_to_string(&lock).map_or(true, |t| t.is_empty()) {
        assert!(
            Instant::now() < deadline,
            "the first run never took the cloud"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let refused: Run = p.run(&["up", "--yes", "-e", "b"]);
    let pid = format!("pid {}", first.id());
    assert_ne!(refused.code, 0, "{}", refused.all());
    assert!(
        refused.flat_all().contains("in use by") && refused.flat_all().contains(&pid),
        "the holder is named:\n{}",
        refused.all()
    );
    let waited = p.run(&["up", "--yes", "-e", "b", "--lock-timeout", "120s"]);
    waited.ok();
    assert!(first.wait().unwrap().success());
    for env in ["a", "b"] {
        let plan = p.run(&["plan", "-e", env, "--detailed-exitcode"]);
        plan.expect_code(0);
    }
}
