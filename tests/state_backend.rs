//! The state document, the local backend (serial/lineage rules, atomic writes, the lock in one
//! process and across processes), the session and the secret guard.

mod state_support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use azlift::events::Redactor;
use azlift::resource::ResourceAddress;
use azlift::state::{
    LocalBackend, LockInfo, StateBackend, StateDocument, StateError, StateSession, check_document,
};
use serde_json::json;
use state_support::{entry, local_backend};

fn backend(dir: &tempfile::TempDir) -> LocalBackend {
    local_backend(dir.path(), "dev")
}

#[test]
fn document_round_trips_through_json() {
    let mut doc = StateDocument::new("dev");
    doc.serial = 7;
    doc.resources
        .insert(ResourceAddress::new("app.a"), entry("app.a"));
    let text = serde_json::to_string_pretty(&doc).unwrap();
    let back: StateDocument = serde_json::from_str(&text).unwrap();
    assert_eq!(back, doc);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        v["resources"]["app.a"]["type"],
        "Microsoft.App/containerApps"
    );
    assert_eq!(v["version"], 1);
    assert_eq!(v["lineage"], doc.lineage.to_string());
}

#[tokio::test]
async fn writes_bump_the_serial_and_keep_the_lineage() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(&dir);
    assert!(b.read().await.unwrap().is_none());
    let lock = b.lock(&LockInfo::current("azlift up")).await.unwrap();
    let mut doc = StateDocument::new("dev");
    let lineage = doc.lineage;
    b.write(&mut doc, &lock).await.unwrap();
    assert_eq!(doc.serial, 1);
    doc.resources
        .insert(ResourceAddress::new("app.a"), entry("app.a"));
    b.write(&mut doc, &lock).await.unwrap();
    assert_eq!(doc.serial, 2);
    let stored = b.read().await.unwrap().unwrap();
    assert_eq!(stored, doc);
    assert_eq!(stored.lineage, lineage);
    // No manifest: the state commands' project, `project`.
    assert!(b.state_path().ends_with(".azlift/project/dev/state.json"));
}

#[tokio::test]
async fn a_stale_serial_or_another_lineage_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(&dir);
    let lock = b.lock(&LockInfo::current("azlift up")).await.unwrap();
    let mut doc = StateDocument::new("dev");
    b.write(&mut doc, &lock).await.unwrap();

    let mut stale = doc.clone();
    b.write(&mut doc, &lock).await.unwrap();
    let err = b.write(&mut stale, &lock).await.unwrap_err();
    assert!(
        matches!(
            err,
            StateError::Conflict {
                expected: 1,
                found: 2
            }
        ),
        "{err}"
    );
    assert_eq!(stale.serial, 1, "a refused write leaves the document alone");

    let mut other = StateDocument::new("dev");
    other.serial = 2;
    let err = b.write(&mut other, &lock).await.unwrap_err();
    assert!(matches!(err, StateError::LineageMismatch { .. }), "{err}");

    // A new document (serial 0) never overwrites an existing state.
    let mut fresh = StateDocument::new("dev");
    fresh.lineage = doc.lineage;
    assert!(matches!(
        b.write(&mut fresh, &lock).await.unwrap_err(),
        StateError::Conflict {
            expected: 0,
            found: 2
        }
    ));
}

#[tokio::test]
async fn a_change_made_behind_the_backends_back_is_noticed() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(&dir);
    let lock = b.lock(&LockInfo::current("azlift up")).await.unwrap();
    let mut doc = StateDocument::new("dev");
    b.write(&mut doc, &lock).await.unwrap();
    // Another writer bumps the serial in the file directly.
    let mut theirs = doc.clone();
    theirs.serial = 5;
    theirs
        .resources
        .insert(ResourceAddress::new("app.x"), entry("app.x"));
    std::fs::write(b.state_path(), serde_json::to_vec(&theirs).unwrap()).unwrap();
    let err = b.write(&mut doc, &lock).await.unwrap_err();
    assert!(
        matches!(
            err,
            StateError::Conflict {
                expected: 1,
                found: 5
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn a_write_needs_a_lock_of_the_same_state() {
    let dir = tempfile::tempdir().unwrap();
    let dev = backend(&dir);
    let prod = LocalBackend::for_manifest(&dir.path().join("azlift.toml"), "prod").unwrap();
    let prod_lock = prod.lock(&LockInfo::current("azlift up")).await.unwrap();
    let mut doc = StateDocument::new("dev");
    assert!(matches!(
        dev.write(&mut doc, &prod_lock).await.unwrap_err(),
        StateError::WrongLock { .. }
    ));
}

#[test]
fn environment_names_cannot_escape_the_state_folder() {
    for bad in ["", "..", "a/b", "a\\b", "x y"] {
        assert!(
            matches!(
                LocalBackend::for_manifest(std::path::Path::new("azlift.toml"), bad),
                Err(StateError::InvalidEnvironment(_))
            ),
            "{bad:?}"
        );
    }
    let b = LocalBackend::for_manifest(std::path::Path::new("azlift.toml"), "prod-eu.1").unwrap();
    assert_eq!(
        b.state_path(),
        std::path::Path::new("./.azlift/prod-eu.1/state.json")
    );
}

#[tokio::test]
async fn a_crash_mid_write_leaves_the_old_state() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(&dir);
    let lock = b.lock(&LockInfo::current("azlift up")).await.unwrap();
    let mut doc = StateDocument::new("dev");
    doc.resources
        .insert(ResourceAddress::new("app.a"), entry("app.a"));
    b.write(&mut doc, &lock).await.unwrap();
    let before = std::fs::read(b.state_path()).unwrap();

    // What a writer killed between writing its temp file and renaming it leaves behind.
    let temp = b.dir().join(".state.json.k1ll3d.tmp");
    std::fs::write(
        &temp,
        b"{\"version\": 1, \"serial\": 99, \"lineage\": \"garb",
    )
    .unwrap();
    assert_eq!(std::fs::read(b.state_path()).unwrap(), before);
    assert_eq!(b.read().await.unwrap().unwrap(), doc);
    drop(lock);

    // The next run that takes the lock cleans the leftover and carries on from serial 1.
    let lock = b.lock(&LockInfo::current("azlift up")).await.unwrap();
    assert!(!temp.exists());
    b.write(&mut doc, &lock).await.unwrap();
    assert_eq!(doc.serial, 2);
    // No temp file of its own is left either.
    let names: Vec<String> = std::fs::read_dir(b.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
    // The state as it was before this run is kept as a backup.
    assert_eq!(std::fs::read(b.backup_path()).unwrap(), before);
}

#[tokio::test]
async fn a_corrupt_or_newer_state_is_reported_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(&dir);
    std::fs::create_dir_all(b.dir()).unwrap();
    std::fs::write(b.state_path(), b"{ not json").unwrap();
    let err = b.read().await.unwrap_err();
    assert!(matches!(err, StateError::Corrupt { .. }), "{err}");
    std::fs::write(b.state_path(), br#"{"version": 9, "serial": 1}"#).unwrap();
    let err = b.read().await.unwrap_err();
    assert!(
        matches!(err, StateError::UnsupportedVersion { found: 9, .. }),
        "{err}"
    );
}

#[tokio::test]
async fn a_second_locker_fails_at_once_naming_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(&dir);
    let holder = LockInfo::current("azlift up");
    let lock = b.lock(&holder).await.unwrap();

    let other = backend(&dir);
    let started = std::time::Instant::now();
    let err = other
        .lock(&LockInfo::current("azlift down"))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    match &err {
        StateError::Locked {
            holder: Some(h), ..
        } => assert_eq!(**h, holder),
        other => panic!("expected Locked with a holder, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!(
            "state is locked by {}@{} (pid {}, `azlift up`) since 20",
            holder.user,
            holder.host,
            std::process::id()
        )),
        "{msg}"
    );

    b.unlock(lock).await.unwrap();
    let again = other.lock(&LockInfo::current("azlift down")).await.unwrap();
    assert_eq!(again.info().command, "azlift down");
}

#[tokio::test]
async fn dropping_a_lock_releases_it() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(&dir);
    let lock = b.lock(&LockInfo::current("azlift up")).await.unwrap();
    drop(lock);
    let lock = b.lock(&LockInfo::current("azlift up")).await.unwrap();
    assert_eq!(lock.location(), b.location());
}

const CHILD_DIR: &str = "AZLIFT_TEST_LOCK_CHILD_DIR";

/// Run by `a_lock_held_by_another_process_blocks_until_it_dies` in a child process: takes the
/// lock, says so, and holds it until killed.
#[tokio::test]
#[ignore = "helper: runs only as a child process of another test"]
async fn child_process_holds_the_lock() {
    let dir = std::env::var(CHILD_DIR).expect("started by the parent test");
    let b = LocalBackend::new(dir);
    let _lock = b
        .lock(&LockInfo::current("azlift up (child)"))
        .await
        .unwrap();
    println!("LOCKED");
    tokio::time::sleep(Duration::from_secs(120)).await;
}

#[tokio::test]
async fn a_lock_held_by_another_process_blocks_until_it_dies() {
    let dir = tempfile::tempdir().unwrap();
    let state_dir = dir.path().join(".azlift").join("dev");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "child_process_holds_the_lock",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DIR, &state_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "child ended before locking"
        );
        if line.trim_end().ends_with("LOCKED") {
            break;
        }
    }
    let b = LocalBackend::new(&state_dir);
    let err = b.lock(&LockInfo::current("azlift up")).await.unwrap_err();
    match &err {
        StateError::Locked {
            holder: Some(h), ..
        } => {
            assert_eq!(h.pid, child.id());
            assert_eq!(h.command, "azlift up (child)");
        }
        other => panic!("expected Locked naming the child, got {other:?}"),
    }
    assert!(
        err.to_string()
            .contains(&format!("(pid {}, `azlift up (child)`)", child.id()))
    );

    // kill -9: the OS releases the lock; the stale holder info does not block.
    child.kill().unwrap();
    child.wait().unwrap();
    let lock = b.lock(&LockInfo::current("azlift up")).await.unwrap();
    assert_eq!(lock.info().pid, std::process::id());
}

#[tokio::test]
async fn a_session_records_after_every_resource_and_refuses_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let b: Arc<dyn StateBackend> = Arc::new(backend(&dir));
    let secrets = Arc::new(Redactor::with_secrets(["s3cret-value"]));
    let s = StateSession::open(
        b.clone(),
        &LockInfo::current("azlift up"),
        "dev",
        secrets.clone(),
    )
    .await
    .unwrap();
    s.record(entry("app.a")).await.unwrap();
    assert_eq!(b.read().await.unwrap().unwrap().serial, 1);
    s.record(entry("app.b")).await.unwrap();
    let stored = b.read().await.unwrap().unwrap();
    assert_eq!(stored.serial, 2);
    assert_eq!(stored.resources.len(), 2);

    let mut leaky = entry("app.c");
    leaky
        .outputs
        .insert("token".into(), json!({"nested": ["x", "s3cret-value"]}));
    let err = s.record(leaky).await.unwrap_err();
    match &err {
        StateError::SecretInState { address, field } => {
            assert_eq!(address, "app.c");
            assert_eq!(field, "outputs.token");
        }
        other => panic!("{other:?}"),
    }
    let mut conn = entry("app.d");
    conn.outputs.insert(
        "conn".into(),
        json!("InstrumentationKey=00000000-0000;IngestionEndpoint=https://x"),
    );
    assert!(matches!(
        s.record(conn).await.unwrap_err(),
        StateError::SecretInState { .. }
    ));
    let stored = b.read().await.unwrap().unwrap();
    assert_eq!(stored.serial, 2, "refused entries are never written");
    assert!(
        !std::fs::read_to_string(dir.path().join(".azlift/project/dev/state.json"))
            .unwrap()
            .contains("s3cret")
    );
    assert!(check_document(&stored, &secrets).is_ok());

    let removed = s.forget(&ResourceAddress::new("app.a")).await.unwrap();
    assert!(removed.is_some());
    assert!(
        s.forget(&ResourceAddress::new("app.a"))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(s.document().await.serial, 3);

    // Locked while the session is open.
    assert!(matches!(
        backend(&dir)
            .lock(&LockInfo::current("azlift up"))
            .await
            .unwrap_err(),
        StateError::Locked { .. }
    ));
    s.close().await.unwrap();
    let s2 = StateSession::open(b.clone(), &LockInfo::current("azlift up"), "dev", secrets)
        .await
        .unwrap();
    let doc = s2.document().await;
    assert_eq!(doc.serial, 3);
    assert_eq!(doc.lineage, stored.lineage);
    assert_eq!(
        doc.resources.keys().map(|a| a.as_str()).collect::<Vec<_>>(),
        ["app.b"]
    );
}

#[tokio::test]
async fn a_session_refuses_the_state_of_another_environment() {
    let dir = tempfile::tempdir().unwrap();
    let b: Arc<dyn StateBackend> = Arc::new(backend(&dir));
    let s = StateSession::open(
        b.clone(),
        &LockInfo::current("azlift up"),
        "dev",
        Arc::default(),
    )
    .await
    .unwrap();
    s.save().await.unwrap();
    s.close().await.unwrap();
    let err = StateSession::open(
        b.clone(),
        &LockInfo::current("azlift up"),
        "prod",
        Arc::default(),
    )
    .await
    .err()
    .unwrap();
    assert!(
        matches!(err, StateError::EnvironmentMismatch { .. }),
        "{err}"
    );
    // ...and released the lock on the way out.
    b.lock(&LockInfo::current("azlift up")).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_records_from_many_tasks_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let b: Arc<dyn StateBackend> = Arc::new(backend(&dir));
    let s = Arc::new(
        StateSession::open(
            b.clone(),
            &LockInfo::current("azlift up"),
            "dev",
            Arc::default(),
        )
        .await
        .unwrap(),
    );
    let mut tasks = Vec::new();
    for i in 0..20 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            s.record(entry(&format!("app.n{i}"))).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let stored = b.read().await.unwrap().unwrap();
    assert_eq!(stored.resources.len(), 20);
    // Records that finish together share a write; never more writes than records.
    assert!((1..=20).contains(&stored.serial), "{}", stored.serial);
    assert_eq!(s.document().await, stored);
}

#[tokio::test]
async fn a_run_can_wait_for_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let b: Arc<dyn StateBackend> = Arc::new(backend(&dir));
    let first = b.lock(&LockInfo::current("azlift up")).await.unwrap();
    // Without waiting: refused at once.
    let err =
        azlift::state::lock_waiting(b.as_ref(), &LockInfo::current("azlift up"), Duration::ZERO)
            .await
            .unwrap_err();
    assert!(matches!(err, StateError::Locked { .. }));
    // Waiting: gets it once the holder lets go.
    let release = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        drop(first);
    });
    let s = StateSession::open_waiting(
        b.clone(),
        &LockInfo::current("azlift up"),
        "dev",
        Arc::default(),
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    release.await.unwrap();
    assert_eq!(s.lock_info().command, "azlift up");
    // A wait that runs out names the holder.
    let err = StateSession::open_waiting(
        b.clone(),
        &LockInfo::current("azlift down"),
        "dev",
        Arc::default(),
        Duration::from_millis(200),
    )
    .await
    .err()
    .unwrap();
    assert!(err.to_string().contains("`azlift up`"), "{err}");
}

/// The hash recorded as `applied_hash` and for write-only values.
mod canonical_hash_props {
    use azlift::plan::canonical_hash;
    use proptest::prelude::*;
    use serde_json::{Map, Value};

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            "[a-zA-Z0-9 \"\\\\/é]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-z]{1,4}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// The same value with every object's keys inserted in reverse order.
    fn reversed(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut out = Map::new();
                for (k, x) in m.iter().rev() {
                    out.insert(k.clone(), reversed(x));
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(a.iter().map(reversed).collect()),
            other => other.clone(),
        }
    }

    proptest! {
        #[test]
        fn key_order_never_changes_the_hash(v in json()) {
            prop_assert_eq!(canonical_hash(&v), canonical_hash(&reversed(&v)));
        }
    }
}

/// A session with `n` resources recorded, on `dir`'s `dev` state.
async fn session_with(dir: &tempfile::TempDir, n: usize) -> (Arc<dyn StateBackend>, StateSession) {
    let b: Arc<dyn StateBackend> = Arc::new(backend(dir));
    let s = StateSession::open(
        b.clone(),
        &LockInfo::current("azlift up"),
        "dev",
        Arc::default(),
    )
    .await
    .unwrap();
    for i in 0..n {
        s.record(entry(&format!("app.n{i:04}"))).await.unwrap();
    }
    (b, s)
}

#[tokio::test]
async fn a_write_appends_what_changed_whatever_the_size_and_closing_compacts() {
    let dir = tempfile::tempdir().unwrap();
    let (b, s) = session_with(&dir, 200).await;
    let local = backend(&dir);
    let journal = |l: &LocalBackend| std::fs::metadata(l.journal_path()).map_or(0, |m| m.len());
    let base = std::fs::read(local.state_path()).unwrap();
    // The bytes one more resource costs do not depend on the 400 already there.
    let before = journal(&local);
    s.record(entry("app.late")).await.unwrap();
    let one = journal(&local) - before;
    let dir2 = tempfile::tempdir().unwrap();
    let (_b2, s2) = session_with(&dir2, 1).await;
    let l2 = backend(&dir2);
    let before = journal(&l2);
    s2.record(entry("app.late")).await.unwrap();
    let small = journal(&l2) - before;
    s2.close().await.unwrap();
    // The same bytes at 2 and 201 resources (the serial's digits aside).
    assert!(one.abs_diff(small) <= 4, "{one} vs {small} bytes");
    assert!(one < 1024, "{one} bytes for one resource");
    assert_eq!(
        std::fs::read(local.state_path()).unwrap(),
        base,
        "state.json is not rewritten during the run"
    );
    // Readers see every record (the journal replayed).
    let stored = b.read().await.unwrap().unwrap();
    assert_eq!(stored.resources.len(), 201);
    assert_eq!(stored, s.document().await);

    s.close().await.unwrap();
    assert!(
        !local.journal_path().exists(),
        "compacted when the run ends"
    );
    let text = std::fs::read_to_string(local.state_path()).unwrap();
    let whole: StateDocument = serde_json::from_str(&text).unwrap();
    assert_eq!(whole, stored);
}

#[tokio::test]
async fn a_run_killed_before_compacting_is_replayed_and_compacted_by_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let (b, s) = session_with(&dir, 3).await;
    let local = backend(&dir);
    let expected = s.document().await;
    // Killed: the lock goes with the process, the journal stays; a torn append at the end
    // (the kill came mid-write) is ignored.
    drop(s);
    let mut j = std::fs::OpenOptions::new()
        .append(true)
        .open(local.journal_path())
        .unwrap();
    std::io::Write::write_all(
        &mut j,
        br#"{"lineage":"00000000-0000-0000-0000-000000000000","serial":9,"cha"#,
    )
    .unwrap();
    drop(j);
    assert_eq!(b.read().await.unwrap().unwrap(), expected);

    let lock = local.lock(&LockInfo::current("azlift up")).await.unwrap();
    assert!(
        !local.journal_path().exists(),
        "the next lock compacts first"
    );
    let backup: StateDocument =
        serde_json::from_slice(&std::fs::read(local.backup_path()).unwrap()).unwrap();
    assert_eq!(backup, expected, "so the backup is whole");
    local.unlock(lock).await.unwrap();
    assert_eq!(b.read().await.unwrap().unwrap(), expected);
}

#[tokio::test]
async fn a_damaged_journal_is_reported_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let (b, s) = session_with(&dir, 2).await;
    drop(s);
    let local = backend(&dir);
    let mut text = b"not a record\n".to_vec();
    text.extend(std::fs::read(local.journal_path()).unwrap());
    std::fs::write(local.journal_path(), text).unwrap();
    let err = b.read().await.unwrap_err();
    assert!(matches!(err, StateError::JournalCorrupt { .. }), "{err}");
    assert!(err.to_string().contains("state.journal"), "{err}");
    assert!(format!("{err:?}").contains("line: 1"), "{err:?}");
}
