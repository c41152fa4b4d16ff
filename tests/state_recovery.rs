//! The recovery operations on the local backend (issue 6): `create`, `history`/`read_version`,
//! `holder`/`force_unlock`, and the backend-agnostic `push`, `restore` and `migrate` (here
//! between two local folders; the Azure Blob backend runs the same code against Azurite in
//! the Azurite suite).

mod state_support;

use std::time::Duration;

use azlift::resource::ResourceAddress;
use azlift::state::{
    LocalBackend, LockInfo, MigrateOutcome, StateBackend, StateDocument, StateError, migrate, push,
    restore,
};
use state_support::{entry, local_backend, who};

fn backend(dir: &tempfile::TempDir) -> LocalBackend {
    local_backend(dir.path(), "dev")
}

/// Store `addresses` in `b` through normal locked writes, one write per address.
async fn store(b: &LocalBackend, addresses: &[&str]) -> StateDocument {
    state_support::store(b, "dev", addresses).await
}

#[tokio::test]
async fn create_keeps_the_serial_and_refuses_an_existing_document() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(&dir);
    let mut doc = StateDocument::new("dev");
    doc.serial = 12;
    doc.resources
        .insert(ResourceAddress::new("app.a"), entry("app.a"));
    let lock = b.lock(&who()).await.unwrap();
    b.create(&doc, &lock).await.unwrap();
    assert_eq!(b.read().await.unwrap().unwrap(), doc);
    let err = b.create(&doc, &lock).await.unwrap_err();
    assert!(
        matches!(err, StateError::Conflict { found: 12, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn local_history_is_current_and_backup() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(&dir);
    assert!(b.history().await.unwrap().is_empty());
    store(&b, &["app.a"]).await;
    // The second lock backs up serial 1 before writing serial 2.
    store(&b, &["app.b"]).await;
    let h = b.history().await.unwrap();
    let rows: Vec<(&str, Option<u64>, bool)> = h
        .iter()
        .map(|v| (v.id.as_str(), v.serial, v.current))
        .collect();
    assert_eq!(
        rows,
        vec![("current", Some(2), true), ("backup", Some(1), false)]
    );
    assert_eq!(b.read_version("backup").await.unwrap().resources.len(), 1);
    let err = b.read_version("2026-01-01").await.unwrap_err();
    assert!(matches!(err, StateError::VersionNotFound { .. }), "{err:?}");
}

#[tokio::test]
async fn holder_names_a_live_lock_and_force_unlock_does_not_break_it() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(&dir);
    assert_eq!(b.holder().await.unwrap(), None);
    let info = LockInfo::current("azlift up");
    let lock = b.lock(&info).await.unwrap();
    let other = backend(&dir);
    let h = other.holder().await.unwrap().expect("a holder");
    assert_eq!((h.info, h.active), (info, true));
    // The OS lock of a live process cannot be broken: force-unlock says so.
    assert!(matches!(
        other.force_unlock().await.unwrap_err(),
        StateError::Locked { .. }
    ));
    b.unlock(lock).await.unwrap();
    assert_eq!(other.holder().await.unwrap(), None);
    assert_eq!(other.force_unlock().await.unwrap(), None);
}

#[tokio::test]
async fn push_refuses_older_serials_and_other_lineages_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(&dir);
    let old = store(&b, &["app.a"]).await;
    store(&b, &["app.b"]).await;

    let err = push(&b, old.clone(), &who(), Duration::ZERO, false)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("refusing to push serial 1 over the stored serial 2"),
        "{err}"
    );

    let foreign = StateDocument::new("dev");
    let err = push(&b, foreign, &who(), Duration::ZERO, true)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("lineage"), "{err}");

    let serial = push(&b, old.clone(), &who(), Duration::ZERO, true)
        .await
        .unwrap();
    assert_eq!(serial, 3);
    let now = b.read().await.unwrap().unwrap();
    assert_eq!((now.serial, now.resources.len()), (3, 1));

    let mut newer = now.clone();
    newer.serial = 10;
    newer
        .resources
        .insert(ResourceAddress::new("app.c"), entry("app.c"));
    assert_eq!(
        push(&b, newer, &who(), Duration::ZERO, false)
            .await
            .unwrap(),
        4
    );
}

#[tokio::test]
async fn restore_makes_an_old_version_current_with_the_next_serial() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(&dir);
    store(&b, &["app.a"]).await;
    store(&b, &["app.b"]).await;
    let doc = restore(&b, "backup", &who(), Duration::ZERO).await.unwrap();
    assert_eq!(doc.serial, 3);
    let now = b.read().await.unwrap().unwrap();
    assert_eq!(now.serial, 3);
    assert_eq!(
        now.resources.keys().map(|a| a.as_str()).collect::<Vec<_>>(),
        vec!["app.a"]
    );
}

#[tokio::test]
async fn migrate_there_and_back_keeps_every_resource_and_the_lineage() {
    let a_dir = tempfile::tempdir().unwrap();
    let b_dir = tempfile::tempdir().unwrap();
    let a = backend(&a_dir);
    let b = backend(&b_dir);
    let doc = store(&a, &["app.a", "app.b", "environment"]).await;

    let out = migrate(&a, &b, &who(), Duration::ZERO).await.unwrap();
    assert_eq!(
        out,
        MigrateOutcome::Copied {
            serial: 3,
            resources: 3
        }
    );
    assert_eq!(b.read().await.unwrap().unwrap(), doc);
    assert_eq!(
        migrate(&a, &b, &who(), Duration::ZERO).await.unwrap(),
        MigrateOutcome::AlreadyThere { serial: 3 }
    );

    // Work continues on b; migrating back updates a, keeping the lineage.
    store(&b, &["app.c"]).await;
    let out = migrate(&b, &a, &who(), Duration::ZERO).await.unwrap();
    assert_eq!(
        out,
        MigrateOutcome::Copied {
            serial: 4,
            resources: 4
        }
    );
    let back = a.read().await.unwrap().unwrap();
    assert_eq!(back.lineage, doc.lineage);
    assert_eq!(back.resources.len(), 4);

    // a is now as new as b: migrating the stale direction is refused, never overwritten.
    store(&a, &["app.d"]).await;
    let err = migrate(&b, &a, &who(), Duration::ZERO).await.unwrap_err();
    assert!(err.to_string().contains("refusing to migrate"), "{err}");
    assert_eq!(a.read().await.unwrap().unwrap().resources.len(), 5);
}

#[tokio::test]
async fn migrate_refuses_a_target_of_another_lineage_and_an_empty_source() {
    let a_dir = tempfile::tempdir().unwrap();
    let b_dir = tempfile::tempdir().unwrap();
    let a = backend(&a_dir);
    let b = backend(&b_dir);
    let err = migrate(&a, &b, &who(), Duration::ZERO).await.unwrap_err();
    assert!(err.to_string().contains("no state"), "{err}");
    store(&a, &["app.a"]).await;
    store(&b, &["app.z"]).await;
    let err = migrate(&a, &b, &who(), Duration::ZERO).await.unwrap_err();
    assert!(err.to_string().contains("another lineage"), "{err}");
    assert_eq!(
        b.read()
            .await
            .unwrap()
            .unwrap()
            .resources
            .keys()
            .next()
            .unwrap()
            .as_str(),
        "app.z"
    );
}
