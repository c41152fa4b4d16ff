//! Faults: with the embedded emulator injecting 429s (with Retry-After), 500s and 503s,
//! dropped connections (before and after the work is done), 409 `AnotherOperationInProgress`
//! and delayed visibility at a 20% rate, `up` and then `down` of the production example still
//! converge: no duplicate, no orphan, no lost state entry; a fault-free plan afterwards is
//! empty, and after `down` state is empty and nothing is left in the group.

mod support_resilience;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use support_resilience::*;

fn expected() -> &'static BTreeMap<String, String> {
    static E: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    E.get_or_init(|| reference(&production_manifest()))
}

/// `up` under `faults`, check, then `down` under the same faults, check.
fn converges_under(faults: &str) {
    let expected = expected();
    let group = production_group(expected);
    let p = Project::production();

    let o = p.up(faults);
    assert_exit(&o, 0, &format!("up with {faults}"));
    assert_cloud_matches_state(&p, expected, &format!("after up with {faults}"));
    for (target, n) in p.creates_per_target() {
        assert!(n <= 1, "{faults}: {target} was created {n} times");
    }
    assert_no_changes(&p, &format!("plan after up with {faults}"));

    let o = p.down(faults);
    assert_exit(&o, 0, &format!("down with {faults}"));
    assert_all_gone(&p, &group, &format!("after down with {faults}"));
}

#[test]
fn throttling_429_with_retry_after() {
    for seed in [1, 2, 3] {
        converges_under(&format!("429:0.2,retry-after:1,seed:{seed}"));
    }
}

#[test]
fn server_errors_500() {
    for seed in [1, 2, 3] {
        converges_under(&format!("500:0.2,seed:{seed}"));
    }
}

#[test]
fn server_errors_503() {
    for seed in [4, 5, 6] {
        converges_under(&format!("503:0.2,retry-after:1,seed:{seed}"));
    }
}

#[test]
fn dropped_connections_before_the_work() {
    for seed in [1, 2, 3] {
        converges_under(&format!("drop:0.2,seed:{seed}"));
    }
}

#[test]
fn dropped_answers_after_the_work() {
    // The PUT happens but its answer is lost: the retry must find the resource, not make a
    // second one, and state must still record it.
    for seed in [1, 2, 3] {
        converges_under(&format!("drop-after:0.2,seed:{seed}"));
    }
}

#[test]
fn conflicts_409_another_operation_in_progress() {
    for seed in [1, 2, 3] {
        converges_under(&format!("409:0.2,seed:{seed}"));
    }
}

#[test]
fn delayed_visibility_after_create() {
    for seed in [1, 2, 3] {
        converges_under(&format!("visibility:500ms:0.2,seed:{seed}"));
    }
}

#[test]
fn every_fault_at_once() {
    // About one request in five meets a fault, of any kind.
    for seed in [7, 8] {
        converges_under(&format!(
            "429:0.04,500:0.04,503:0.04,drop:0.04,drop-after:0.04,409:0.04,visibility:500ms:0.2,retry-after:1,seed:{seed}"
        ));
    }
}
