//! Interruption: SIGINT in the middle of `up` exits 130 with a valid state file that holds
//! only finished resources, and the next `up` converges; SIGKILL in the middle of `up` leaves
//! nothing that the next `up` cannot settle: it converges with no orphaned or duplicated
//! resource, and the following plan is empty. The emulator runs the realistic durations scaled
//! down (`scaled:0.005`: the production example's `up` then takes about 10-15 s, APIM being the
//! long pole), so the signal lands while operations are in flight.
#![cfg(unix)]

mod support_resilience;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;
use support_resilience::*;

const PROFILE: &str = "scaled:0.005";

/// Start `up --output json` in `p` and return it with a channel of its NDJSON events.
fn spawn_up(p: &Project) -> (Child, mpsc::Receiver<Value>) {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("azlift"))
        .current_dir(p.path())
        .args(["up", "--yes", "--output", "json", "--local", "-f"])
        .arg(p.manifest())
        .env(PROFILE_ENV, PROFILE)
        .env_remove(FAULTS_ENV)
        .env("CI", "true")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn azlift up");
    let out = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<Value>(&line)
                && tx.send(v).is_err()
            {
                break;
            }
        }
    });
    (child, rx)
}

/// Collect events until `n` resources are done; returns every event seen so far.
fn wait_for_done(rx: &mpsc::Receiver<Value>, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut seen = Vec::new();
    while seen
        .iter()
        .filter(|e: &&Value| e["event"] == "resource_done")
        .count()
        < n
    {
        let left = deadline.saturating_duration_since(Instant::now());
        let e = rx
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("fewer than {n} resources done in time: {seen:?}"));
        seen.push(e);
    }
    seen
}

fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .expect("run kill")
        .success();
    assert!(ok, "kill {sig} failed");
}

/// Wait for the child (at most two minutes, then kill it and fail).
fn wait(mut child: Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(s) = child.try_wait().expect("try_wait") {
            return s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("azlift did not exit after the signal");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn done_addresses(events: &[Value]) -> BTreeSet<String> {
    events
        .iter()
        .filter(|e| e["event"] == "resource_done")
        .filter_map(|e| e["address"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn sigint_mid_up_exits_130_with_consistent_state_and_the_next_up_converges() {
    let expected = reference(&production_manifest());
    let p = Project::production();
    let (child, rx) = spawn_up(&p);
    let mut events = wait_for_done(&rx, 3);
    signal(&child, "-INT");
    let status = wait(child);
    events.extend(rx.try_iter());
    assert_eq!(
        status.code(),
        Some(130),
        "exit status {status:?}; events {events:?}"
    );
    // Not asserted: an `interrupted` NDJSON event (`Event::Interrupted` exists but `up` does not
    // emit it yet).

    // State is valid JSON (the helper panics otherwise) and holds exactly the finished ones.
    let state: BTreeSet<String> = p.state_resources().into_keys().collect();
    let done = done_addresses(&events);
    assert_eq!(state, done, "state vs resources reported done");
    assert!(
        state.len() < expected.len(),
        "the interrupt came too late to test anything: {state:?}"
    );

    let o = p.up("");
    assert_exit(&o, 0, "up after SIGINT");
    assert_cloud_matches_state(&p, &expected, "after the up that followed SIGINT");
    assert_no_changes(&p, "plan after SIGINT and up");
}

#[test]
fn sigkill_mid_up_leaves_nothing_the_next_up_cannot_settle() {
    let expected = reference(&production_manifest());
    let p = Project::production();
    let (child, rx) = spawn_up(&p);
    let events = wait_for_done(&rx, 3);
    signal(&child, "-KILL");
    let status = wait(child);
    assert_eq!(status.code(), None, "killed by a signal: {status:?}");

    // Whatever state was written last is still a whole document, with finished resources.
    let state: BTreeSet<String> = p.state_resources().into_keys().collect();
    let known: BTreeSet<&String> = expected.keys().collect();
    assert!(state.iter().all(|a| known.contains(a)), "{state:?}");
    assert!(state.len() < expected.len(), "killed too late: {events:?}");

    let o = p.up("");
    assert_exit(&o, 0, "up after SIGKILL");
    assert_cloud_matches_state(&p, &expected, "after the up that followed SIGKILL");
    for (target, n) in p.creates_per_target() {
        assert!(n <= 1, "{target} was created {n} times");
    }
    assert_no_changes(&p, "plan after SIGKILL and up");
}

/// The addresses of the `resource_started` events of `stdout` (NDJSON).
fn started_addresses(stdout: &str) -> BTreeSet<String> {
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["event"] == "resource_started")
        .filter_map(|e| e["address"].as_str().map(str::to_string))
        .collect()
}

/// SIGINT or SIGTERM (CI runners send SIGTERM on cancel) mid-`up`: the operations in flight are
/// waited for — never reported failed —, the `interrupted` event names them and counts what was
/// not started, the exit code names the signal, state holds exactly what finished, and the
/// next `up` sends nothing again for any of it.
fn signal_mid_up(sig: &str, code: i32) {
    let p = Project::production();
    let (child, rx) = spawn_up(&p);
    let mut events = wait_for_done(&rx, 3);
    signal(&child, sig);
    let status = wait(child);
    events.extend(rx.try_iter());
    assert_eq!(status.code(), Some(code), "{sig}: {status:?}; {events:?}");
    let interrupted = events
        .iter()
        .find(|e| e["event"] == "interrupted")
        .unwrap_or_else(|| panic!("no interrupted event: {events:?}"));
    let in_flight: BTreeSet<String> = interrupted["in_flight"]
        .as_array()
        .expect("in_flight")
        .iter()
        .filter_map(|a| a.as_str().map(str::to_string))
        .collect();
    let not_started = interrupted["not_started"].as_u64().expect("not_started");
    let done = done_addresses(&events);
    assert!(
        in_flight.is_subset(&done),
        "every operation in flight was waited for and finished: {in_flight:?} vs {done:?}"
    );
    assert!(
        !events.iter().any(|e| e["event"] == "resource_failed"),
        "nothing in flight is reported failed: {events:?}"
    );
    let total = reference(&production_manifest()).len() as u64;
    assert!(not_started >= 1, "the signal came too late: {events:?}");
    assert!(
        done.len() as u64 + not_started <= total,
        "{} done + {not_started} not started > {total}",
        done.len()
    );
    let state: BTreeSet<String> = p.state_resources().into_keys().collect();
    assert_eq!(state, done, "state holds exactly what finished");

    let again = p.run(&["up", "--yes", "--output", "json"], "");
    assert_exit(&again, 0, "up after the signal");
    let restarted = started_addresses(&stdout(&again));
    assert!(
        restarted.is_disjoint(&done),
        "the next up touched finished resources again: {:?}",
        restarted.intersection(&done).collect::<Vec<_>>()
    );
    for (target, n) in p.creates_per_target() {
        assert!(n <= 1, "{target} was created {n} times");
    }
    assert_no_changes(&p, "plan after the signal and up");
}

#[test]
fn sigint_mid_up_waits_for_what_is_in_flight_and_counts_it() {
    signal_mid_up("-INT", 130);
}

#[test]
fn sigterm_mid_up_waits_for_what_is_in_flight_and_exits_143() {
    signal_mid_up("-TERM", 143);
}

/// A signal while `plan` reads ARM (every request slowed to 2 s): it stops at once with the
/// signal's exit code and says nothing was changed.
fn signal_during_observe(sig: &str, code: i32) {
    let p = Project::production();
    // A first `up` so that plan has resources to read.
    assert_exit(&p.up(""), 0, "up");
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("azlift"))
        .current_dir(p.path())
        .args(["plan", "-v", "--local", "-f"])
        .arg(p.manifest())
        .env(FAULTS_ENV, "latency:2000ms")
        .env_remove(PROFILE_ENV)
        .env("CI", "true")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn azlift plan");
    let err = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    // `-v` says where state is once the lock is held: observing starts right after.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| panic!("plan never reported its session: {seen:?}"));
        let found = line.starts_with("state:");
        seen.push(line);
        if found {
            break;
        }
    }
    std::thread::sleep(Duration::from_millis(500));
    let sent = Instant::now();
    signal(&child, sig);
    let status = wait(child);
    let stopped_in = sent.elapsed();
    seen.extend(rx.try_iter());
    assert_eq!(status.code(), Some(code), "{sig}: {seen:?}");
    assert!(
        seen.iter().any(|l| l.contains("nothing was changed")),
        "{seen:?}"
    );
    println!("{sig} during observe: stopped {stopped_in:?} after the signal");
}

#[test]
fn sigint_during_observe_stops_with_130() {
    signal_during_observe("-INT", 130);
}

#[test]
fn sigterm_during_observe_stops_with_143() {
    signal_during_observe("-TERM", 143);
}
