//! Remote state on a real Azurite: one suite, run once over HTTPS with an Entra token from the
//! emulator's token endpoint (`--oauth basic`) and once over plain HTTP with a SAS. Each test
//! drives the real `azlift` binary against a standalone `azlift emulator` (strict auth) with
//! its state in Azurite: two `up`s at once, a run killed holding the lease, a write that lost
//! an ETag race, history and restore, and migration local -> azblob -> local.

mod azurite_support;
mod common;

use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use azurite_support::{Azurite, Mode, Raw};
use common::{Project, Run, StandaloneEmulator};
use serde_json::Value;

const CONTAINER: &str = "azlift-state";
const KEY: &str = "minimal-demo/default.json";

/// One test's world: an emulator, an Azurite with the state container, and a project.
struct World {
    mode: Mode,
    emulator: StandaloneEmulator,
    azurite: Azurite,
    raw: Raw,
    project: Project,
    /// The CA bundle (emulator + Azurite) given to azlift as `AZLIFT_CA_CERT`.
    ca_bundle: String,
    /// The SAS given to azlift in SAS mode.
    sas: String,
}

impl World {
    fn new(mode: Mode, emulator_args: &[&str]) -> World {
        let emulator = StandaloneEmulator::start(emulator_args);
        let azurite = Azurite::start(mode);
        let raw = Raw::sas(&azurite);
        let r = raw.create_container(&azurite, CONTAINER);
        assert_eq!(r.status, 201, "create container: {}", r.text());
        let project = Project::example("minimal");
        let emulator_ca = std::fs::read_to_string(&emulator.ca_file).expect("emulator CA");
        let mut pems = vec![emulator_ca.as_str()];
        if let Some(ca) = &azurite.ca_pem {
            pems.push(ca);
        }
        let ca_bundle =
            azurite_support::write_ca_bundle(&project.path().join("ca-bundle.pem"), &pems)
                .display()
                .to_string();
        World {
            mode,
            emulator,
            azurite,
            raw,
            project,
            ca_bundle,
            sas: azurite_support::full_sas(),
        }
    }

    fn state_url(&self) -> String {
        self.azurite.blob_url(CONTAINER, KEY)
    }

    /// The variables that put state in Azurite: the blob URL, the CA bundle, and in SAS mode
    /// the SAS (in OAuth mode the token comes from the emulator's token endpoint through
    /// azlift's credential chain: `AZURE_CLIENT_SECRET` and `AZURE_AUTHORITY_HOST`).
    fn state_env(&self, with_url: bool) -> Vec<(String, String)> {
        let mut env = vec![("AZLIFT_CA_CERT".to_string(), self.ca_bundle.clone())];
        if with_url {
            env.push(("AZLIFT_STATE_URL".into(), self.state_url()));
        }
        if self.mode == Mode::HttpSas {
            env.push(("AZLIFT_STATE_SAS".into(), self.sas.clone()));
        }
        env
    }

    fn command(&self, args: &[&str]) -> std::process::Command {
        let env = self.state_env(true);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.project.remote_command(&self.emulator, args, &env)
    }

    /// Run azlift with state in Azurite (`AZLIFT_STATE_URL`), waited for.
    fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, true)
    }

    /// Run azlift; `with_url: false` leaves the backend to the manifest (`[state]` or local).
    fn run_with(&self, args: &[&str], with_url: bool) -> Run {
        let env = self.state_env(with_url);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let run = self.project.run_remote(&self.emulator, args, &env);
        self.assert_no_secrets(&run.all(), &run.args);
        run
    }

    /// The SAS signature (as given and decoded) and the client secret: never printed, never
    /// stored.
    fn secrets(&self) -> Vec<String> {
        let mut out = vec![common_secret()];
        if self.mode == Mode::HttpSas {
            let sig = self
                .sas
                .split('&')
                .find_map(|p| p.strip_prefix("sig="))
                .expect("a signature")
                .to_string();
            let decoded: String = form_urlencoded::parse(format!("s={sig}").as_bytes())
                .map(|(_, v)| v.into_owned())
                .collect();
            out.extend([self.sas.clone(), sig, decoded]);
        }
        out
    }

    #[track_caller]
    fn assert_no_secrets(&self, text: &str, what: &str) {
        for secret in self.secrets() {
            assert!(
                !text.contains(&secret),
                "`{what}` let a secret out {}:\n{text}",
                self.ctx()
            );
        }
    }

    /// The state document in Azurite, read behind azlift's back.
    fn blob(&self) -> Option<(Value, String)> {
        let r = self.raw.get_blob(&self.azurite, CONTAINER, KEY);
        if r.status == 404 {
            return None;
        }
        assert_eq!(r.status, 200, "read the state blob: {}", r.text());
        let doc = serde_json::from_slice(&r.body).expect("the state blob is JSON");
        Some((doc, r.header("etag").expect("an ETag")))
    }

    /// Whether the lock blob is leased right now.
    fn leased(&self) -> bool {
        let r = self
            .raw
            .head_blob(&self.azurite, CONTAINER, &format!("{KEY}.lock"));
        r.status == 200 && r.header("x-ms-lease-state").as_deref() == Some("leased")
    }

    /// ARM requests of `method` the emulator served so far (all azlift processes together).
    fn emulator_count(&self, method: &str) -> u64 {
        azurite_support::emulator_requests(&self.emulator.url, &self.emulator.ca_file, method)
    }

    fn ctx(&self) -> String {
        format!(
            "[{} mode, Azurite at {}]",
            self.mode.name(),
            self.azurite.endpoint()
        )
    }
}

fn addresses(doc: &Value) -> Vec<String> {
    doc["resources"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// The client secret `StandaloneEmulator::env` gives azlift.
fn common_secret() -> String {
    "azlift-test-secret".to_string()
}

impl World {
    /// Wait for a spawned azlift and check it let no secret out.
    fn finish(&self, child: Child, args: &str) -> Run {
        let out: Output = child.wait_with_output().expect("azlift finished");
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            args: args.to_string(),
        };
        self.assert_no_secrets(&run.all(), args);
        run
    }
}

fn spawn(world: &World, args: &[&str]) -> Child {
    world
        .command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("azlift started")
}

/// Resources an `up --output json` applied (its `resource_done` events).
fn applied(run: &Run) -> usize {
    run.events()
        .iter()
        .filter(|e| e["event"] == "resource_done")
        .count()
}

/// The `summary` event's `created` count (`None`: no summary, as when there was nothing to
/// do).
fn created(run: &Run) -> Option<u64> {
    run.events()
        .iter()
        .find(|e| e["event"] == "summary")
        .and_then(|e| e["created"].as_u64())
}

const MINIMAL: [&str; 3] = [
    "monitoring.app_insights",
    "monitoring.workspace",
    "resource_group",
];

fn assert_full_state(world: &World) -> Value {
    let (doc, _) = world
        .blob()
        .unwrap_or_else(|| panic!("no state {}", world.ctx()));
    assert_eq!(addresses(&doc), MINIMAL, "{}", world.ctx());
    doc
}

// ---------------------------------------------------------------------------------------------

/// Two `up`s started together: exactly one applies; the other fails before any ARM write,
/// naming the holder. The emulator saw exactly the winner's writes.
fn concurrent_ups_one_applies_the_other_names_the_holder(mode: Mode) {
    // Slow enough (workspace 1-4 s) that the second starts while the first holds the lease.
    let w = World::new(mode, &["--strict-auth", "--profile", "scaled:0.2"]);
    let args = ["up", "--yes", "--output", "json"];
    let a = spawn(&w, &args);
    let b = spawn(&w, &args);
    let (pid_a, pid_b) = (a.id(), b.id());
    let ra = w.finish(a, "up (a)");
    let rb = w.finish(b, "up (b)");
    let (winner, loser, winner_pid) = match (ra.code, rb.code) {
        (0, 1) => (ra, rb, pid_a),
        (1, 0) => (rb, ra, pid_b),
        _ => panic!(
            "wanted one success and one failure {}\n--- a\n{}\n{}\n--- b\n{}\n{}",
            w.ctx(),
            ra.stdout,
            ra.stderr,
            rb.stdout,
            rb.stderr
        ),
    };
    let text = loser.all();
    assert!(text.contains("locked by"), "{}\n{text}", w.ctx());
    assert!(
        text.contains(&format!("pid {winner_pid}")) && text.contains("azlift up"),
        "the holder is named {}\n{text}",
        w.ctx()
    );
    assert_eq!(applied(&loser), 0, "{}", w.ctx());
    let created = applied(&winner);
    assert_eq!(created, MINIMAL.len(), "{}\n{}", w.ctx(), winner.stdout);
    // Every ARM write the emulator served is the winner's: one PUT per resource, nothing else.
    assert_eq!(w.emulator_count("PUT"), created as u64, "{}", w.ctx());
    assert_eq!(w.emulator_count("DELETE"), 0, "{}", w.ctx());
    assert_full_state(&w);
    assert!(!w.leased(), "the winner released its lease {}", w.ctx());
}

/// The same race with `--lock-timeout 60s`: the second waits for the first, then finds no
/// changes. Still exactly one set of ARM writes, and nothing lost.
fn concurrent_ups_with_lock_timeout_wait_and_find_no_changes(mode: Mode) {
    let w = World::new(mode, &["--strict-auth", "--profile", "scaled:0.05"]);
    let args = ["up", "--yes", "--output", "json", "--lock-timeout", "60s"];
    let a = spawn(&w, &args);
    let b = spawn(&w, &args);
    let ra = w.finish(a, "up --lock-timeout 60s (a)");
    let rb = w.finish(b, "up --lock-timeout 60s (b)");
    ra.ok();
    rb.ok();
    let (winner, waiter) = match (created(&ra), created(&rb)) {
        (Some(n), None) if n == MINIMAL.len() as u64 => (ra, rb),
        (None, Some(n)) if n == MINIMAL.len() as u64 => (rb, ra),
        _ => panic!(
            "wanted one run that created everything and one with no changes {}\n--- a\n{}\n--- b\n{}",
            w.ctx(),
            ra.stdout,
            rb.stdout
        ),
    };
    // The waiter planned after the winner released the lock: every resource up to date.
    let plan = waiter
        .events()
        .into_iter()
        .find(|e| e["event"] == "plan")
        .unwrap_or_else(|| panic!("no plan event {}\n{}", w.ctx(), waiter.stdout));
    assert_eq!(
        plan["plan"]["summary"],
        serde_json::json!({"create": 0, "update": 0, "replace": 0, "delete": 0, "no_op": MINIMAL.len()}),
        "{}",
        w.ctx()
    );
    assert_eq!(applied(&waiter), 0);
    assert_eq!(applied(&winner), MINIMAL.len());
    assert_eq!(w.emulator_count("PUT"), MINIMAL.len() as u64, "{}", w.ctx());
    let doc = assert_full_state(&w);
    // Each resource written once by the winner; the waiter wrote nothing.
    assert_eq!(doc["serial"], MINIMAL.len() as u64, "{}\n{doc}", w.ctx());
    let plan = w.run(&["-v", "plan", "--detailed-exitcode"]);
    plan.expect_code(0);
    // `-v` names where state is: the blob's URL, never its SAS.
    assert!(
        plan.stderr.contains(&format!("state: {}", w.state_url())),
        "{}\n{}",
        w.ctx(),
        plan.stderr
    );
}

/// A run killed with SIGKILL while it holds the lease: the next run reports a stale lock,
/// `state force-unlock --yes` clears it, and `up` then converges with nothing lost.
fn killed_run_leaves_a_stale_lock_that_force_unlock_clears(mode: Mode) {
    // Slow enough (workspace 1-4 s, App Insights 1-3 s) to be killed half-way.
    let w = World::new(mode, &["--strict-auth", "--profile", "scaled:0.2"]);
    let mut child = spawn(&w, &["up", "--yes", "--output", "json"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    // Kill it once it holds the lease and has recorded at least one resource.
    loop {
        if w.leased() && w.blob().is_some_and(|(d, _)| !addresses(&d).is_empty()) {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            let run = w.finish(child, "up");
            panic!(
                "up ended ({status}) before it could be killed {}\n{}",
                w.ctx(),
                run.all()
            );
        }
        assert!(
            Instant::now() < deadline,
            "up never held the lease {}",
            w.ctx()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed_pid = child.id();
    child.kill().expect("SIGKILL");
    let killed = w.finish(child, "up (killed)");
    assert_eq!(killed.code, -1, "killed by a signal {}", w.ctx());
    let (before, _) = w.blob().expect("state written before the kill");
    assert!(
        addresses(&before).len() < MINIMAL.len(),
        "killed before the end {}: {before}",
        w.ctx()
    );

    let next = w.run(&["up", "--yes"]);
    next.expect_code(1);
    let text = next.flat_stderr();
    assert!(text.contains("stale lock"), "{}\n{text}", w.ctx());
    assert!(
        text.contains(&format!("pid {killed_pid}")),
        "the killed holder is named {}\n{text}",
        w.ctx()
    );
    assert!(
        text.contains("force-unlock"),
        "the hint names the fix {}\n{text}",
        w.ctx()
    );
    assert_eq!(
        w.blob().map(|(d, _)| d),
        Some(before),
        "a refused run wrote nothing"
    );

    // Without --yes and without a terminal it refuses to ask.
    w.run(&["state", "force-unlock"]).expect_code(1);
    w.run(&["state", "force-unlock", "--yes"]).ok();
    assert!(!w.leased(), "the lease is broken {}", w.ctx());

    w.run(&["up", "--yes"]).ok();
    assert_full_state(&w);
    w.run(&["plan", "--detailed-exitcode"]).expect_code(0);
}

/// A write that lost an ETag race is refused and the other writer's document survives.
fn a_write_that_lost_the_etag_race_is_refused(mode: Mode) {
    let w = World::new(mode, &["--strict-auth", "--profile", "scaled:0.2"]);
    let child = spawn(&w, &["up", "--yes", "--output", "json"]);
    // As soon as azlift has written its first version, write one behind its back.
    let deadline = Instant::now() + Duration::from_secs(60);
    let theirs = loop {
        if let Some((mut doc, etag)) = w.blob() {
            let serial = doc["serial"].as_u64().expect("a serial");
            doc["serial"] = Value::from(serial + 1);
            let body = serde_json::to_vec_pretty(&doc).unwrap();
            let r = w
                .raw
                .put_blob(&w.azurite, CONTAINER, KEY, &body, &[("if-match", &etag)]);
            if r.status == 201 {
                break doc;
            }
            // azlift wrote in between: read again.
            assert_eq!(r.status, 412, "{}", r.text());
        }
        assert!(
            Instant::now() < deadline,
            "azlift never wrote state {}",
            w.ctx()
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    let run = w.finish(child, "up");
    assert_eq!(run.code, 1, "the run fails {}\n{}", w.ctx(), run.all());
    let text = run.all();
    assert!(
        text.contains("changed since this run read it"),
        "{}\n{text}",
        w.ctx()
    );
    let (now, _) = w.blob().expect("state");
    assert_eq!(
        now, theirs,
        "the other writer's document was not overwritten"
    );
    assert!(!w.leased(), "the failed run released its lease {}", w.ctx());
}

/// `state history` lists the versions; `state pull --version` of one prints it and
/// `--restore` makes it current (with a new serial), and `up` converges again after.
fn history_lists_versions_and_pull_restores_one(mode: Mode) {
    let w = World::new(mode, &["--strict-auth"]);
    w.run(&["up", "--yes"]).ok();
    let (current, _) = w.blob().expect("state");
    let serial = current["serial"].as_u64().unwrap();

    let history = w.run(&["state", "history", "--output", "json"]);
    history.ok();
    let versions: Vec<Value> = serde_json::from_str(history.stdout.trim()).expect("JSON");
    // One version per run: the run's first write stores the document whole (one resource),
    // its later writes go to the journal, and its compaction keeps that first version as a
    // snapshot.
    assert_eq!(versions.len(), 2, "{}\n{}", w.ctx(), history.stdout);
    assert_eq!(versions[0]["current"], true);
    assert_eq!(versions[0]["serial"], serial);
    let serials: Vec<u64> = versions
        .iter()
        .filter_map(|v| v["serial"].as_u64())
        .collect();
    assert!(
        serials.windows(2).all(|p| p[0] > p[1]),
        "newest first: {serials:?}"
    );
    let lineage = &current["lineage"];
    assert!(versions.iter().all(|v| &v["lineage"] == lineage));

    // The oldest version holds one resource.
    let oldest = versions.last().unwrap();
    let id = oldest["id"].as_str().unwrap();
    let pulled = w.run(&["state", "pull", "--version", id]);
    pulled.ok();
    let old: Value = serde_json::from_str(pulled.stdout.trim()).expect("a state document");
    assert_eq!(old["serial"], oldest["serial"]);
    assert_eq!(addresses(&old).len(), 1, "{old}");

    w.run(&["state", "pull", "--version", id, "--restore"]).ok();
    let (restored, _) = w.blob().expect("state");
    assert_eq!(addresses(&restored), addresses(&old), "{}", w.ctx());
    assert_eq!(restored["lineage"], *lineage);
    assert_eq!(
        restored["serial"],
        serial + 1,
        "a restore is a normal write"
    );
    // The version it replaced is in the history too.
    let history = w.run(&["state", "history", "--output", "json"]);
    let versions: Vec<Value> = serde_json::from_str(history.stdout.trim()).expect("JSON");
    assert!(
        versions.iter().any(|v| v["serial"] == serial),
        "{}",
        history.stdout
    );

    // The resources dropped from state still exist; up adopts them without creating more.
    w.run(&["up", "--yes"]).ok();
    assert_full_state(&w);
    assert_eq!(
        w.emulator_count("PUT"),
        MINIMAL.len() as u64 + 2,
        "{}",
        w.ctx()
    );
}

/// `state migrate` local -> azblob -> local keeps every resource and the lineage.
fn migrate_local_to_azblob_and_back_keeps_resources_and_lineage(mode: Mode) {
    let w = World::new(mode, &["--strict-auth"]);
    // Local state first (no [state], no AZLIFT_STATE_URL).
    w.run_with(&["up", "--yes"], false).ok();
    let local = w.project.state("default");
    assert_eq!(addresses(&local), MINIMAL);
    assert!(w.blob().is_none());

    w.project.append(&format!(
        "\n[state]\nbackend = \"azblob\"\naccount = \"{}\"\ncontainer = \"{CONTAINER}\"\nendpoint = \"{}\"\n",
        azurite_support::ACCOUNT,
        w.azurite.endpoint()
    ));
    w.run_with(&["state", "migrate", "--to", "azblob"], false)
        .ok();
    let (remote, _) = w.blob().expect("migrated to the blob");
    assert_eq!(remote["lineage"], local["lineage"], "{}", w.ctx());
    assert_eq!(remote["resources"], local["resources"], "{}", w.ctx());
    // The manifest's [state] now drives plan: nothing to do.
    w.run_with(&["plan", "--detailed-exitcode"], false)
        .expect_code(0);

    // The remote state moves on (a resource forgotten, then adopted again by up), then
    // goes back to the local file, which still holds the older version.
    w.run_with(&["state", "rm", "monitoring.app_insights"], false)
        .ok();
    w.run_with(&["up", "--yes"], false).ok();
    let (remote, _) = w.blob().expect("state");
    assert_eq!(addresses(&remote), MINIMAL);
    assert!(remote["serial"].as_u64() > local["serial"].as_u64());
    w.run_with(&["state", "migrate", "--to", "local"], false)
        .ok();
    let back = w.project.state("default");
    assert_eq!(back["lineage"], local["lineage"], "{}", w.ctx());
    assert_eq!(back["resources"], remote["resources"], "{}", w.ctx());
    assert_eq!(addresses(&back), MINIMAL);
}

/// `[state] keep_versions = 2`: when a run releases its lock, only the two newest earlier
/// versions stay (every run snapshots the version its compaction replaces); the current one
/// is intact.
fn old_versions_beyond_keep_versions_are_deleted_at_unlock(mode: Mode) {
    let w = World::new(mode, &["--strict-auth"]);
    w.project.append(&format!(
        "\n[state]\nbackend = \"azblob\"\naccount = \"{}\"\ncontainer = \"{CONTAINER}\"\nendpoint = \"{}\"\nkeep_versions = 2\n",
        azurite_support::ACCOUNT,
        w.azurite.endpoint()
    ));
    // Three runs, each writing at least once: more versions than kept.
    w.run_with(&["up", "--yes"], false).ok();
    w.run_with(&["state", "rm", "monitoring.app_insights"], false)
        .ok();
    w.run_with(&["up", "--yes"], false).ok();
    let (current, _) = w.blob().expect("state");
    let serial = current["serial"].as_u64().expect("serial");
    assert!(serial > 3, "enough writes to prune: {serial}");
    let history = w.run_with(&["state", "history", "--output", "json"], false);
    history.ok();
    let versions: Vec<Value> = serde_json::from_str(history.stdout.trim()).expect("JSON");
    let serials: Vec<u64> = versions
        .iter()
        .filter_map(|v| v["serial"].as_u64())
        .collect();
    // Every run keeps the version its compaction replaced: three earlier versions (the
    // first write's, then one per later run), of which the two newest stay.
    assert_eq!(serials.len(), 3, "{}\n{}", w.ctx(), history.stdout);
    assert_eq!(serials[0], serial, "the current version first");
    assert!(
        serials.windows(2).all(|p| p[0] > p[1]) && !serials.contains(&1),
        "the current version and the two newest earlier ones {}\n{}",
        w.ctx(),
        history.stdout
    );
    assert_eq!(addresses(&current), MINIMAL);
}

/// Each scenario above, once per Azurite mode.
macro_rules! both_modes {
    ($($name:ident),* $(,)?) => {
        mod https_oauth {
            $( #[test] fn $name() { super::$name(super::Mode::HttpsOAuth) } )*
        }
        mod http_sas {
            $( #[test] fn $name() { super::$name(super::Mode::HttpSas) } )*
        }
    };
}

both_modes!(
    concurrent_ups_one_applies_the_other_names_the_holder,
    concurrent_ups_with_lock_timeout_wait_and_find_no_changes,
    killed_run_leaves_a_stale_lock_that_force_unlock_clears,
    a_write_that_lost_the_etag_race_is_refused,
    history_lists_versions_and_pull_restores_one,
    migrate_local_to_azblob_and_back_keeps_resources_and_lineage,
    old_versions_beyond_keep_versions_are_deleted_at_unlock,
);
