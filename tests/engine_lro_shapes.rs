//! Every example converges whatever shape the emulator's long-running operations take
//! (issue 11): `Azure-AsyncOperation`, `Location` only, `provisioningState` polling on the
//! resource, done at once, and a random pick per request. Each shape is forced with the
//! fault spec's `lro-shape:` item; the production example holds every built-in kind, the
//! custom one the types without a kind. Operations take real (scaled) time, so every
//! polling path is walked; `up` then `plan --detailed-exitcode` must exit 0. (That each
//! shape answers as documented is tested in crates/azlift-emulator/tests/realism.rs.)

mod common;

use common::Project;

const SHAPES: &[&str] = &["async", "location", "state", "sync", "random,seed:11"];

fn converges_under_every_shape(example: &str) {
    for shape in SHAPES {
        let p = Project::example(example);
        let faults = format!("lro-shape:{shape}");
        let env = [
            ("AZLIFT_EMULATOR_FAULTS", faults.as_str()),
            // APIM Developer ~4 s, an environment 0.5 s: long enough to be polled.
            ("AZLIFT_EMULATOR_PROFILE", "scaled:0.002"),
        ];
        let up = p.run_env(&["up", "--yes", "-v"], &env);
        assert_eq!(
            up.code, 0,
            "`up` of {example} under lro-shape:{shape} failed\n--- stdout\n{}\n--- stderr\n{}",
            up.stdout, up.stderr
        );
        let plan = p.run_env(&["plan", "--detailed-exitcode"], &env);
        assert_eq!(
            plan.code, 0,
            "plan after up of {example} under lro-shape:{shape} is not empty\n--- stdout\n{}\n--- stderr\n{}",
            plan.stdout, plan.stderr
        );
        assert!(plan.stdout.contains("No changes"), "{}", plan.stdout);
    }
}

#[test]
fn production_converges_under_every_lro_shape() {
    converges_under_every_shape("production");
}

#[test]
fn minimal_converges_under_every_lro_shape() {
    converges_under_every_shape("minimal");
}

#[test]
fn custom_converges_under_every_lro_shape() {
    converges_under_every_shape("custom");
}
