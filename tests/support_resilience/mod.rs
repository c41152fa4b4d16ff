//! Helpers shared by the resilience and property tests: a throw-away project directory, the
//! real `azlift` binary run against the embedded emulator (`--local`), and readers for the
//! state file and the emulator's persisted cloud.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

/// The environment variables that tune the embedded emulator.
pub const PROFILE_ENV: &str = "AZLIFT_EMULATOR_PROFILE";
pub const FAULTS_ENV: &str = "AZLIFT_EMULATOR_FAULTS";

/// No run of the production example should take longer than this, even with faults: it only
/// stops a hang from blocking the suite.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(240);

/// The production example's manifest text.
pub fn production_manifest() -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/production/azlift.toml");
    std::fs::read_to_string(p).expect("read examples/production/azlift.toml")
}

/// A project in a temporary directory: `azlift.toml`, and the `.azlift/` azlift writes.
pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    pub fn new(manifest: &str) -> Project {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("azlift.toml"), manifest).expect("write manifest");
        Project { dir }
    }

    pub fn production() -> Project {
        Project::new(&production_manifest())
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn manifest(&self) -> PathBuf {
        self.path().join("azlift.toml")
    }

    /// `azlift <args> --local -f azlift.toml` with no emulator knob inherited from the caller.
    pub fn cmd(&self, args: &[&str]) -> Command {
        self.cmd_with(&self.manifest(), args)
    }

    /// [`Project::cmd`] with another manifest of the same folder (sharing its local cloud).
    pub fn cmd_with(&self, manifest: &Path, args: &[&str]) -> Command {
        let mut c = Command::cargo_bin("azlift").expect("the azlift binary");
        c.current_dir(self.path())
            .args(args)
            .arg("--local")
            .arg("-f")
            .arg(manifest)
            .env_remove(PROFILE_ENV)
            .env_remove(FAULTS_ENV)
            .env_remove("AZLIFT_ENV")
            .env("CI", "true")
            .env("NO_COLOR", "1")
            .timeout(RUN_TIMEOUT);
        c
    }

    /// Run `args` with the emulator faults `faults` (empty: none).
    pub fn run(&self, args: &[&str], faults: &str) -> Output {
        let mut c = self.cmd(args);
        if !faults.is_empty() {
            c.env(FAULTS_ENV, faults);
        }
        c.output().expect("run azlift")
    }

    pub fn up(&self, faults: &str) -> Output {
        self.run(&["up", "--yes"], faults)
    }

    pub fn down(&self, faults: &str) -> Output {
        self.run(&["down", "--yes"], faults)
    }

    /// `plan --detailed-exitcode` without faults.
    pub fn plan(&self) -> Output {
        self.run(&["plan", "--detailed-exitcode"], "")
    }

    /// The state of the default environment as azlift reads it (`state.json` with its
    /// journal replayed), as JSON; panics when it cannot be read.
    pub fn state(&self) -> Value {
        self.state_of(&self.manifest(), "default")
    }

    /// The state of `manifest`'s `env` read through the library (its journal included; panics
    /// when missing or invalid).
    pub fn state_of(&self, manifest: &Path, env: &str) -> Value {
        let p = azlift::ops::local_state_path(manifest, env).expect("state path");
        let folder = p.parent().expect("state folder").to_path_buf();
        let backend = azlift::state::LocalBackend::new(folder);
        let doc = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(azlift::state::StateBackend::read(&backend))
            .unwrap_or_else(|e| panic!("state {} cannot be read: {e}", p.display()))
            .expect("a state document");
        serde_json::to_value(doc).expect("state as JSON")
    }

    /// Address -> ARM id of every resource state manages.
    pub fn state_resources(&self) -> BTreeMap<String, String> {
        self.resources_of(&self.manifest(), "default")
    }

    /// Address -> ARM id of every resource the state of `manifest`'s `env` manages.
    pub fn resources_of(&self, manifest: &Path, env: &str) -> BTreeMap<String, String> {
        let s = self.state_of(manifest, env);
        s["resources"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(a, r)| (a.clone(), r["id"].as_str().unwrap_or_default().to_string()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The emulator's persisted cloud as the emulator loads it (base file and journal).
    pub fn cloud(&self) -> Value {
        let p = self.path().join(".azlift/local-cloud.json");
        let cloud = azlift::emulator::persist::Persister::new(p.clone())
            .load()
            .unwrap_or_else(|e| panic!("load {}: {e}", p.display()));
        serde_json::to_value(&cloud).expect("the cloud as JSON")
    }

    /// The ids (lower-cased) of every resource in the emulator's cloud.
    pub fn cloud_ids(&self) -> Vec<String> {
        self.cloud()["resources"]
            .as_object()
            .map(|m| {
                m.values()
                    .map(|r| r["id"].as_str().unwrap_or_default().to_ascii_lowercase())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// How many create operations the emulator started per target (lower-cased id).
    pub fn creates_per_target(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        if let Some(ops) = self.cloud()["operations"].as_object() {
            for op in ops.values() {
                if op["kind"] == "Create" {
                    let t = op["target"]
                        .as_str()
                        .unwrap_or_default()
                        .to_ascii_lowercase();
                    *out.entry(t).or_insert(0) += 1;
                }
            }
        }
        out
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Everything a run printed, for failure messages.
pub fn show(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        o.status.code(),
        stdout(o),
        stderr(o)
    )
}

/// Assert the exit code, printing the run's output otherwise.
#[track_caller]
pub fn assert_exit(o: &Output, code: i32, what: &str) {
    assert_eq!(o.status.code(), Some(code), "{what}: {}", show(o));
}

/// Assert that a fault-free `plan --detailed-exitcode` exits 0 saying "No changes".
#[track_caller]
pub fn assert_no_changes(p: &Project, what: &str) {
    let o = p.plan();
    assert_exit(&o, 0, what);
    let all = format!("{}{}", stdout(&o), stderr(&o));
    assert!(all.contains("No changes"), "{what}: {}", show(&o));
}

/// Assert that the emulator holds exactly the resources state manages: no orphan, no
/// duplicate, and none missing.
#[track_caller]
pub fn assert_cloud_matches_state(p: &Project, expected: &BTreeMap<String, String>, what: &str) {
    let state = p.state_resources();
    assert_eq!(
        state.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "{what}: state addresses"
    );
    for (a, id) in expected {
        assert!(
            state[a].eq_ignore_ascii_case(id),
            "{what}: {a} is {} in state, {id} expected",
            state[a]
        );
    }
    let cloud = p.cloud_ids();
    let unique: BTreeSet<&String> = cloud.iter().collect();
    assert_eq!(
        unique.len(),
        cloud.len(),
        "{what}: duplicate ids in the cloud"
    );
    let wanted: BTreeSet<String> = expected.values().map(|i| i.to_ascii_lowercase()).collect();
    let got: BTreeSet<String> = cloud.into_iter().collect();
    assert_eq!(
        got, wanted,
        "{what}: resources in the emulator vs the manifest's"
    );
}

/// Assert that after `down` state manages nothing and the group is empty and gone.
#[track_caller]
pub fn assert_all_gone(p: &Project, group_id: &str, what: &str) {
    assert!(
        p.state_resources().is_empty(),
        "{what}: state still manages {:?}",
        p.state_resources()
    );
    let group = group_id.to_ascii_lowercase();
    let left: Vec<String> = p
        .cloud_ids()
        .into_iter()
        .filter(|i| i == &group || i.starts_with(&format!("{group}/")))
        .collect();
    assert!(left.is_empty(), "{what}: left in the emulator: {left:?}");
}

/// The NDJSON events of a `--output json` run's stdout.
pub fn events(out: &str) -> Vec<Value> {
    out.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .collect()
}

/// Parse `ARM requests: GET n, PUT n, PATCH n, DELETE n, POST n` from stderr, if printed.
pub fn arm_requests(stderr: &str) -> Option<BTreeMap<String, u64>> {
    let line = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("ARM requests:"))?;
    let mut out = BTreeMap::new();
    for part in line.split(',') {
        let mut it = part.split_whitespace();
        let (Some(k), Some(v)) = (it.next(), it.next()) else {
            continue;
        };
        out.insert(k.to_string(), v.parse().ok()?);
    }
    Some(out)
}

/// Address -> id of what a fault-free `up` of `manifest` manages (run once in its own project).
pub fn reference(manifest: &str) -> BTreeMap<String, String> {
    let p = Project::new(manifest);
    let o = p.up("");
    assert_exit(&o, 0, "fault-free reference up");
    p.state_resources()
}

/// The production example's resource group id.
pub fn production_group(expected: &BTreeMap<String, String>) -> String {
    expected
        .get("resource_group")
        .cloned()
        .expect("a resource_group address")
}
