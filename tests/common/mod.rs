//! Shared helpers of the engine acceptance tests: a project copied into its own temporary
//! folder (so tests run in parallel without sharing `.azlift/`), running the real `azlift`
//! binary against `--local`, and reading what it printed (human text, NDJSON) and persisted
//! (state, the emulator's local cloud).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use tempfile::TempDir;

/// No run of the embedded emulator should take this long; the limit only stops a hang.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(600);

/// The repository root (where `examples/` lives).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == ".azlift" {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// What one run of the binary did.
#[derive(Debug, Clone)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// The command line, for failure messages.
    pub args: String,
}

impl Run {
    /// Run `cmd` (the command line `args`) to its end, at most [`RUN_TIMEOUT`].
    pub fn wait(mut cmd: assert_cmd::Command, args: &[&str]) -> Run {
        let out = cmd.timeout(RUN_TIMEOUT).output().expect("azlift ran");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            args: args.join(" "),
        }
    }

    /// Panic with everything printed unless the exit code is `code`.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "`azlift {}` exited {} (wanted {code})\n--- stdout\n{}\n--- stderr\n{}",
            self.args, self.code, self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn ok(&self) -> &Self {
        self.expect_code(0)
    }

    /// stderr with miette's wrapping undone: each line trimmed of indentation and the `│`
    /// gutter, joined with single spaces, so a message can be matched whole.
    pub fn flat_stderr(&self) -> String {
        flatten(&self.stderr)
    }

    /// stdout and stderr together, flattened like [`Run::flat_stderr`].
    pub fn flat_all(&self) -> String {
        flatten(&self.all())
    }

    /// stdout and stderr together.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// The stdout lines that are JSON objects (NDJSON events).
    pub fn events(&self) -> Vec<Value> {
        ndjson(&self.stdout)
    }

    /// The counts of the `ARM requests:` line (`-v`, human) or the `arm_requests` event
    /// (`-v --output json`, stdout for up/down, stderr for plan).
    #[track_caller]
    pub fn requests(&self) -> Requests {
        for line in self.stderr.lines().chain(self.stdout.lines()) {
            if let Some(rest) = line.trim().strip_prefix("ARM requests: ") {
                let mut r = Requests::default();
                for part in rest.split(", ") {
                    let (method, n) = part.split_once(' ').expect("`METHOD n`");
                    let n: u64 = n.parse().expect("a count");
                    match method {
                        "GET" => r.get = n,
                        "PUT" => r.put = n,
                        "PATCH" => r.patch = n,
                        "DELETE" => r.delete = n,
                        "POST" => r.post = n,
                        other => panic!("unknown method {other} in {line}"),
                    }
                }
                return r;
            }
        }
        for v in ndjson(&self.stdout).into_iter().chain(ndjson(&self.stderr)) {
            if v["event"] == "arm_requests" {
                let n = |k: &str| v[k].as_u64().expect("a count");
                return Requests {
                    get: n("get"),
                    put: n("put"),
                    patch: n("patch"),
                    delete: n("delete"),
                    post: n("post"),
                };
            }
        }
        panic!(
            "no ARM request counts in the output of `azlift {}`\n--- stdout\n{}\n--- stderr\n{}",
            self.args, self.stdout, self.stderr
        );
    }
}

/// ARM requests one run sent, per method.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Requests {
    pub get: u64,
    pub put: u64,
    pub patch: u64,
    pub delete: u64,
    pub post: u64,
}

impl Requests {
    /// PUT, PATCH and DELETE: the requests that change a resource.
    pub fn writes(&self) -> u64 {
        self.put + self.patch + self.delete
    }
}

/// Every line of `text` that parses as a JSON object.
pub fn ndjson(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|l| l.trim_start().starts_with('{'))
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(Value::is_object)
        .collect()
}

/// One project in its own temporary folder.
pub struct Project {
    pub dir: TempDir,
    pub manifest: PathBuf,
}

impl Project {
    /// A copy of `examples/<name>` (templates included, no `.azlift/`).
    pub fn example(name: &str) -> Project {
        let dir = tempfile::Builder::new()
            .prefix(&format!("azlift-{name}-"))
            .tempdir()
            .unwrap();
        copy_dir(&repo_root().join("examples").join(name), dir.path());
        let manifest = dir.path().join("azlift.toml");
        Project { dir, manifest }
    }

    /// A project whose manifest is `text`.
    pub fn from_toml(text: &str) -> Project {
        let dir = tempfile::Builder::new()
            .prefix("azlift-test-")
            .tempdir()
            .unwrap();
        let manifest = dir.path().join("azlift.toml");
        std::fs::write(&manifest, text).unwrap();
        Project { dir, manifest }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `azlift -f <manifest> --local --no-color ARGS`, with a clean environment (no `CI`,
    /// no `AZLIFT_*` from the caller) plus `env`, waited for.
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        Run::wait(self.command(args, env), args)
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_env(args, &[])
    }

    /// The configured command, for tests that need to start it themselves.
    pub fn command(&self, args: &[&str], env: &[(&str, &str)]) -> assert_cmd::Command {
        assert_cmd::Command::from_std(self.std_command(args, env))
    }

    /// The same as a plain `std::process::Command` (to spawn several at once).
    pub fn std_command(&self, args: &[&str], env: &[(&str, &str)]) -> std::process::Command {
        let mut cmd = self.manifest_command(true, args);
        cmd.envs(env.iter().copied());
        cmd
    }

    /// `azlift -f <manifest> [--local] --no-color ARGS` with a clean environment.
    fn manifest_command(&self, local: bool, args: &[&str]) -> std::process::Command {
        let mut cmd = self.bare_command();
        cmd.arg("-f").arg(&self.manifest);
        if local {
            cmd.arg("--local");
        }
        cmd.arg("--no-color").args(args);
        cmd
    }

    /// `azlift -f <manifest> --no-color ARGS` against a running emulator (not `--local`),
    /// with the caller's Azure and azlift variables removed and `emulator`'s set.
    pub fn remote_command(
        &self,
        emulator: &StandaloneEmulator,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> std::process::Command {
        let mut cmd = self.manifest_command(false, args);
        cmd.envs(emulator.env()).envs(env.iter().copied());
        cmd
    }

    /// [`Project::remote_command`], waited for.
    pub fn run_remote(
        &self,
        emulator: &StandaloneEmulator,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Run {
        Run::wait(
            assert_cmd::Command::from_std(self.remote_command(emulator, args, env)),
            args,
        )
    }

    /// The binary in the project folder with a clean environment: no `CI`, `NO_COLOR`,
    /// `AZLIFT_*`, `AZURE_*` or GitHub/Azure Pipelines OIDC variables from the caller.
    fn bare_command(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("azlift"));
        cmd.current_dir(self.path());
        for (k, _) in std::env::vars() {
            if k == "CI"
                || k == "NO_COLOR"
                || k.starts_with("AZLIFT_")
                || k.starts_with("AZURE_")
                || k.starts_with("ACTIONS_ID_TOKEN_")
                || k.starts_with("SYSTEM_OIDC")
                || k == "IDENTITY_ENDPOINT"
                || k == "MSI_ENDPOINT"
            {
                cmd.env_remove(&k);
            }
        }
        cmd
    }

    /// `up --yes`, asserting success.
    #[track_caller]
    pub fn up(&self) -> Run {
        let r = self.run(&["up", "--yes"]);
        r.ok();
        r
    }

    /// `plan --detailed-exitcode`, asserting "No changes" and exit 0.
    #[track_caller]
    pub fn assert_no_changes(&self) -> Run {
        let r = self.run(&["plan", "--detailed-exitcode"]);
        r.expect_code(0);
        assert!(
            r.stdout.contains("No changes"),
            "plan after up should say No changes:\n{}",
            r.stdout
        );
        r
    }

    /// Replace `from` (which must occur exactly once) with `to` in the manifest.
    #[track_caller]
    pub fn edit(&self, from: &str, to: &str) {
        let text = std::fs::read_to_string(&self.manifest).unwrap();
        assert_eq!(
            text.matches(from).count(),
            1,
            "`{from}` should occur exactly once in the manifest"
        );
        std::fs::write(&self.manifest, text.replacen(from, to, 1)).unwrap();
    }

    /// Append `text` to the manifest.
    pub fn append(&self, text: &str) {
        let mut s = std::fs::read_to_string(&self.manifest).unwrap();
        s.push('\n');
        s.push_str(text);
        std::fs::write(&self.manifest, s).unwrap();
    }

    /// `.azlift/<project>/<env>/state.json`.
    pub fn state_path(&self, env: &str) -> PathBuf {
        azlift::ops::local_state_path(&self.manifest, env).unwrap()
    }

    /// The environment folders under `.azlift/<project>/`.
    pub fn env_dirs(&self) -> Vec<String> {
        let dir = self.state_path("default");
        let dir = dir.parent().and_then(Path::parent).unwrap();
        let mut out: Vec<String> = std::fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false))
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        out.sort();
        out
    }

    /// The state document of `env`, parsed.
    pub fn state(&self, env: &str) -> Value {
        let text = std::fs::read_to_string(self.state_path(env)).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    /// The emulator's persisted local cloud.
    pub fn cloud_path(&self) -> PathBuf {
        self.path().join(".azlift").join("local-cloud.json")
    }

    pub fn cloud_text(&self) -> String {
        std::fs::read_to_string(self.cloud_path()).unwrap()
    }

    /// `down --yes`, then the local cloud holds no resource at all.
    pub fn down_leaves_nothing(&self) {
        self.run(&["down", "--yes"]).ok();
        let cloud: Value = serde_json::from_str(&self.cloud_text()).unwrap();
        assert_eq!(
            cloud["resources"].as_object().map(|m| m.len()),
            Some(0),
            "resources left after down: {cloud}"
        );
    }
}

/// Copy a whole project folder, `.azlift/` included.
fn copy_all(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_all(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

impl Project {
    /// A copy of this project, state and local cloud included (a converged starting point
    /// made once and copied per test, instead of one `up` per test).
    pub fn copy(&self) -> Project {
        let dir = tempfile::Builder::new()
            .prefix("azlift-copy-")
            .tempdir()
            .unwrap();
        copy_all(self.path(), dir.path());
        let manifest = dir.path().join(self.manifest.file_name().unwrap());
        Project { dir, manifest }
    }

    /// Replace `from` with `to` in the first place it occurs after the line `header`
    /// (e.g. `[app.task-api]`), so one app's copy of a shared line can be edited.
    #[track_caller]
    pub fn edit_in(&self, header: &str, from: &str, to: &str) {
        let text = std::fs::read_to_string(&self.manifest).unwrap();
        let start = text
            .find(header)
            .unwrap_or_else(|| panic!("no `{header}` in the manifest"));
        let at = start
            + text[start..]
                .find(from)
                .unwrap_or_else(|| panic!("no `{from}` after `{header}`"));
        let next = text[start + header.len()..]
            .find("\n[")
            .map(|i| i + start + header.len())
            .unwrap_or(text.len());
        assert!(at < next, "`{from}` is not in the section `{header}`");
        let edited = format!("{}{}{}", &text[..at], to, &text[at + from.len()..]);
        std::fs::write(&self.manifest, edited).unwrap();
    }

    /// Remove the section that starts with the line `header`, up to the next section.
    #[track_caller]
    pub fn remove_section(&self, header: &str) {
        let text = std::fs::read_to_string(&self.manifest).unwrap();
        let start = text
            .find(header)
            .unwrap_or_else(|| panic!("no `{header}` in the manifest"));
        let end = text[start + 1..]
            .find("\n[")
            .map(|i| i + start + 2)
            .unwrap_or(text.len());
        let edited = format!("{}{}", &text[..start], &text[end..]);
        std::fs::write(&self.manifest, edited).unwrap();
    }
}

/// One changed resource of a plan, compactly: `address action` and one line per attribute
/// `path: old -> new` (`(absent)` for a missing side), `# forces replacement` when it does.
pub fn compact_plan(plan: &Value) -> Vec<String> {
    // Values the emulator makes up per run (an environment's random domain) would make
    // snapshots flaky: show them as placeholders.
    fn stable(v: &Value) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, x)| {
                        let x = match (k.as_str(), x) {
                            ("fqdn" | "defaultDomain", Value::String(_)) => {
                                Value::String(format!("<{k}>"))
                            }
                            _ => stable(x),
                        };
                        (k.clone(), x)
                    })
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.iter().map(stable).collect()),
            // Generated ids (a workspace's customer id) differ per run too.
            Value::String(s)
                if s.len() == 36
                    && s.chars().filter(|c| *c == '-').count() == 4
                    && s.chars().all(|c| c == '-' || c.is_ascii_hexdigit()) =>
            {
                Value::String("<uuid>".to_string())
            }
            other => other.clone(),
        }
    }
    let shown = |v: &Value| {
        if v.is_null() {
            "(absent)".to_string()
        } else {
            stable(v).to_string()
        }
    };
    let mut out = Vec::new();
    for c in plan["changes"].as_array().expect("plan.changes") {
        let action = c["action"].as_str().unwrap();
        if action == "no_op" || action == "read" {
            continue;
        }
        out.push(format!("{} {action}", c["address"].as_str().unwrap()));
        for a in c["attributes"].as_array().into_iter().flatten() {
            let note = if a["forces_replace"].is_string() {
                "   # forces replacement"
            } else {
                ""
            };
            out.push(format!(
                "    {}: {} -> {}{note}",
                a["path"].as_str().unwrap(),
                shown(&a["old"]),
                shown(&a["new"])
            ));
        }
    }
    out
}

impl Project {
    /// A copy of `examples/<name>` under cargo's test temp folder, edited by `edit`,
    /// converged with `up` (run with `env`) and checked to re-plan with no changes.
    #[track_caller]
    pub fn converged(name: &str, env: &[(&str, &str)], edit: impl FnOnce(&Project)) -> Project {
        let dir = tempfile::Builder::new()
            .prefix(&format!("azlift-base-{name}-"))
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .unwrap();
        copy_dir(&repo_root().join("examples").join(name), dir.path());
        let manifest = dir.path().join("azlift.toml");
        let p = Project { dir, manifest };
        edit(&p);
        p.run_env(&["up", "--yes"], env).ok();
        let plan = p.run_env(&["plan", "--detailed-exitcode"], env);
        plan.ok();
        p
    }
}

/// The secrets the local cloud ("Azure") legitimately holds: App Insights connection strings
/// and instrumentation keys, and workspace shared keys. Returned in clear only for scanning.
pub fn cloud_secrets(cloud_text: &str) -> Vec<String> {
    let cloud: Value = serde_json::from_str(cloud_text).unwrap();
    let mut out = Vec::new();
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    let secret_key = matches!(
                        k.as_str(),
                        "ConnectionString"
                            | "connectionString"
                            | "primarySharedKey"
                            | "secondarySharedKey"
                            | "sharedKey"
                    );
                    match x {
                        Value::String(s) if secret_key && s.len() >= 8 => out.push(s.clone()),
                        _ => walk(x, out),
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    walk(&cloud, &mut out);
    out.sort();
    out.dedup();
    out
}

/// A running `azlift emulator` process (its own cloud file), killed on drop. Several azlift
/// processes can share it, as CI runners share Azure.
pub struct StandaloneEmulator {
    child: std::process::Child,
    pub url: String,
    pub ca_file: PathBuf,
    _dir: TempDir,
}

/// The subscription the tests use against a standalone emulator.
pub const REMOTE_SUBSCRIPTION: &str = "11111111-2222-3333-4444-555555555555";

impl StandaloneEmulator {
    /// `azlift emulator --output json [extra args]`, waiting for its `listening` line.
    pub fn start(extra: &[&str]) -> StandaloneEmulator {
        use std::io::{BufRead, BufReader};
        let dir = tempfile::Builder::new()
            .prefix("azlift-emulator-")
            .tempdir()
            .unwrap();
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("azlift"))
            .args(["emulator", "--output", "json", "--state"])
            .arg(dir.path().join("cloud.json"))
            .args(extra)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("azlift emulator started");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("the emulator printed its address");
        let v: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("emulator's first line is not JSON ({e}): {line}"));
        assert_eq!(v["event"], "listening", "{line}");
        StandaloneEmulator {
            child,
            url: v["url"].as_str().unwrap().trim_end_matches('/').to_string(),
            ca_file: PathBuf::from(v["ca_certificate"].as_str().unwrap()),
            _dir: dir,
        }
    }

    /// The variables that point azlift at this emulator with a client secret its token
    /// endpoint accepts.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("AZLIFT_ARM_ENDPOINT".into(), self.url.clone()),
            ("AZURE_AUTHORITY_HOST".into(), self.url.clone()),
            (
                "AZLIFT_CA_CERT".into(),
                self.ca_file.to_string_lossy().into_owned(),
            ),
            ("AZURE_TENANT_ID".into(), "azlift-test-tenant".into()),
            ("AZURE_CLIENT_ID".into(), "azlift-test-client".into()),
            ("AZURE_CLIENT_SECRET".into(), "azlift-test-secret".into()),
            ("AZURE_SUBSCRIPTION_ID".into(), REMOTE_SUBSCRIPTION.into()),
        ]
    }
}

impl Drop for StandaloneEmulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Seconds since the Unix epoch (for the times in test tokens).
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

/// `azlift -f <manifest> --no-color ARGS` with a CI job's clean environment: only `PATH`,
/// `HOME` and `env`. Run off the async runtime, so a test's in-process stand-in servers keep
/// answering while it runs.
pub async fn run_clean(project: &Project, env: Vec<(String, String)>, args: &[&str]) -> Run {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("azlift"));
    cmd.env_clear()
        .current_dir(project.path())
        .envs(
            ["PATH", "HOME"]
                .iter()
                .filter_map(|k| std::env::var(k).ok().map(|v| (*k, v))),
        )
        .envs(env)
        .arg("-f")
        .arg(&project.manifest)
        .arg("--no-color")
        .args(args);
    let shown = args.join(" ");
    tokio::task::spawn_blocking(move || Run::wait(assert_cmd::Command::from_std(cmd), &[&shown]))
        .await
        .expect("joined")
}

/// Text with miette's wrapping undone (see [`Run::flat_stderr`]).
pub fn flatten(text: &str) -> String {
    text.lines()
        .map(|l| l.trim().trim_start_matches('│').trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parse `text` as SARIF and validate it against the official SARIF 2.1.0 schema (vendored in
/// `tests/fixtures/sarif/`), failing with every schema error.
#[track_caller]
pub fn assert_valid_sarif(text: &str) -> Value {
    let path = repo_root().join("tests/fixtures/sarif/sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    let log: Value = serde_json::from_str(text).expect("SARIF output is JSON");
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema errors: {errors:#?}\n{text}"
    );
    log
}
