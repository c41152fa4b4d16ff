//! Locking (issue 4): while another holder has the state lock, `up` fails at once naming the
//! holder (user@host, pid, command); once released it succeeds. Two `up` processes started
//! together on one project: exactly one applies, the other fails naming the holder, and the
//! state afterwards is valid.

mod common;

use std::process::{Command, Stdio};

use azlift::state::{LocalBackend, LockInfo, StateBackend, StateDocument};
use common::Project;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn up_fails_at_once_while_the_lock_is_held_then_succeeds() {
    let p = Project::example("minimal");
    let rt = runtime();
    let backend = LocalBackend::new(p.state_path("default").parent().unwrap());
    let who = LockInfo::current("azlift up --from-the-test");
    let lock = rt
        .block_on(backend.lock(&who))
        .expect("the test takes the lock");

    let refused = p.run(&["up", "--yes"]);
    refused.expect_code(1);
    let err = &refused.flat_stderr();
    assert!(err.contains(&format!("{}@{}", who.user, who.host)), "{err}");
    assert!(err.contains(&format!("pid {}", who.pid)), "{err}");
    assert!(err.contains("azlift up --from-the-test"), "{err}");
    // Nothing was created while locked.
    assert!(
        !p.state_path("default").exists()
            || p.state("default")["resources"]
                .as_object()
                .map(|m| m.is_empty())
                .unwrap_or(true)
    );

    // plan takes the lock too.
    p.run(&["plan"]).expect_code(1);

    rt.block_on(backend.unlock(lock)).unwrap();
    p.up();
    p.assert_no_changes();
}

#[test]
fn two_concurrent_ups_one_applies_the_other_names_the_holder() {
    let p = Project::example("production");
    let start = |_: usize| {
        let mut cmd: Command = p.std_command(
            &["up", "--yes"],
            &[("AZLIFT_EMULATOR_PROFILE", "scaled:0.002")],
        );
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        cmd.spawn().unwrap()
    };
    let children: Vec<_> = (0..2).map(start).collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let codes: Vec<i32> = outputs
        .iter()
        .map(|o| o.status.code().unwrap_or(-1))
        .collect();
    let mut sorted = codes.clone();
    sorted.sort();
    let text: Vec<String> = outputs
        .iter()
        .map(|o| {
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .map(|l| l.trim().trim_start_matches('│').trim())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    assert_eq!(
        sorted,
        [0, 1],
        "exactly one up applies: {codes:?}\n{text:#?}"
    );
    let loser = &text[codes.iter().position(|c| *c == 1).unwrap()];
    assert!(
        loser.contains("locked") || loser.contains("lock"),
        "the refused run says the state is locked:\n{loser}"
    );
    assert!(
        loser.contains("azlift up"),
        "it names the holder's command:\n{loser}"
    );
    assert!(
        loser.contains("pid "),
        "it names the holder's pid:\n{loser}"
    );

    // The state is valid: it parses as a state document and holds every resource.
    let text = std::fs::read_to_string(p.state_path("default")).unwrap();
    let doc: StateDocument = serde_json::from_str(&text).expect("a valid state document");
    assert_eq!(doc.resources.len(), 17, "{:?}", doc.resources.keys());
    p.assert_no_changes();
}
