//! Engine tests against an in-memory cloud: observe -> plan -> apply -> plan again is empty;
//! references resolve from finished resources; failures skip dependents; orphans are deleted.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::watch;

use super::*;
use crate::kinds::ResourceKind;
use crate::plan::{self, Action, Change, Orphan, PlanInputs, Prior};
use crate::resource::{DesiredResource, PendingValue, Reference, ResourceAddress};

#[derive(Default)]
struct FakeCloud {
    store: Mutex<HashMap<String, Value>>,
    calls: Mutex<Vec<String>>,
    fail_put: Mutex<Option<String>>,
    /// A PUT of this id creates the resource, then its operation ends `Failed`.
    fail_lro: Mutex<Option<String>>,
}

impl FakeCloud {
    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }
}

impl Cloud for FakeCloud {
    async fn get(&self, id: &str, _v: &str) -> Result<Option<Value>, CloudError> {
        self.calls.lock().unwrap().push(format!("GET {id}"));
        Ok(self.store.lock().unwrap().get(&id.to_lowercase()).map(|b| {
            // Withhold the write-only key, as ARM does.
            let mut b = b.clone();
            if let Some(p) = b.pointer_mut("/properties").and_then(Value::as_object_mut) {
                p.remove("sharedKey");
            }
            b
        }))
    }
    async fn put(
        &self,
        id: &str,
        _v: &str,
        body: &Value,
        _p: ProgressFn,
    ) -> Result<Value, CloudError> {
        self.calls.lock().unwrap().push(format!("PUT {id}"));
        if self.fail_put.lock().unwrap().as_deref() == Some(id) {
            return Err(CloudError::new("InvalidRequestContent", "bad body"));
        }
        let mut stored = body.clone();
        stored["id"] = json!(id);
        if self.fail_lro.lock().unwrap().as_deref() == Some(id) {
            stored["properties"]["provisioningState"] = json!("Failed");
            self.store.lock().unwrap().insert(id.to_lowercase(), stored);
            return Err(CloudError::new(
                "ProvisioningFailed",
                "the operation failed",
            ));
        }
        if id.ends_with("/ws") {
            stored["properties"]["customerId"] = json!("cust-123");
        }
        self.store
            .lock()
            .unwrap()
            .insert(id.to_lowercase(), stored.clone());
        Ok(stored)
    }
    async fn delete(&self, id: &str, _v: &str, _p: ProgressFn) -> Result<(), CloudError> {
        self.calls.lock().unwrap().push(format!("DELETE {id}"));
        self.store.lock().unwrap().remove(&id.to_lowercase());
        Ok(())
    }
    async fn post(&self, id: &str, action: &str, _v: &str) -> Result<Value, CloudError> {
        self.calls
            .lock()
            .unwrap()
            .push(format!("POST {id}/{action}"));
        Ok(json!({"primarySharedKey": "key-abc"}))
    }
}

#[derive(Default)]
struct MemState {
    entries: Mutex<HashMap<ResourceAddress, AppliedResource>>,
}

impl Recorder for MemState {
    async fn applied(&self, r: AppliedResource) -> Result<(), String> {
        self.entries.lock().unwrap().insert(r.address.clone(), r);
        Ok(())
    }
    async fn deleted(&self, a: &ResourceAddress) -> Result<(), String> {
        self.entries.lock().unwrap().remove(a);
        Ok(())
    }
}

#[derive(Default)]
struct Log(Mutex<Vec<String>>);

impl Reporter for Log {
    fn started(&self, c: &Change, _e: Option<Duration>) {
        self.0.lock().unwrap().push(format!("start {}", c.address));
    }
    fn progress(&self, _a: &ResourceAddress, _m: &str) {}
    fn done(&self, c: &Change, _e: Duration) {
        self.0.lock().unwrap().push(format!("done {}", c.address));
    }
    fn failed(&self, a: &ResourceAddress, e: &CloudError) {
        self.0
            .lock()
            .unwrap()
            .push(format!("failed {a}: {}", e.code));
    }
    fn skipped(&self, a: &ResourceAddress, b: &ResourceAddress) {
        self.0
            .lock()
            .unwrap()
            .push(format!("skipped {a} because {b}"));
    }
}

fn res(addr: &str, id: &str, body: Value, deps: &[&str]) -> DesiredResource {
    DesiredResource {
        address: ResourceAddress::new(addr),
        kind: ResourceKind::Custom,
        arm_type: "Test/things".into(),
        api_version: "2024-01-01".into(),
        id: id.into(),
        name: id.rsplit('/').next().unwrap_or_default().into(),
        body,
        pending: vec![],
        sensitive: vec![],
        write_only: vec![],
        depends_on: deps
            .iter()
            .map(|d| ResourceAddress::new(*d))
            .collect::<BTreeSet<_>>(),
        managed: true,
        ignore: Vec::new(),
    }
}

fn project() -> Vec<DesiredResource> {
    let ws = res(
        "ws",
        "/s/ws",
        json!({"location": "eastus", "properties": {"retention": 30}}),
        &[],
    );
    let mut env = res(
        "env",
        "/s/env",
        json!({"location": "eastus", "properties": {"customerId": null, "sharedKey": null}}),
        &["ws"],
    );
    env.pending = vec![
        PendingValue {
            pointer: "/properties/customerId".into(),
            reference: Reference::Property {
                address: ResourceAddress::new("ws"),
                pointer: "/properties/customerId".into(),
            },
            format: None,
        },
        PendingValue {
            pointer: "/properties/sharedKey".into(),
            reference: Reference::Action {
                address: ResourceAddress::new("ws"),
                action: "sharedKeys".into(),
                pointer: "/primarySharedKey".into(),
            },
            format: None,
        },
    ];
    env.sensitive = vec!["/properties/sharedKey".into()];
    env.write_only = vec!["/properties/sharedKey".into()];
    let app = res(
        "app",
        "/s/app",
        json!({"location": "eastus", "properties": {"image": "nginx"}}),
        &["env"],
    );
    let ag = res("ag", "/s/ag", json!({"location": "global"}), &[]);
    vec![ws, env, app, ag]
}

fn engine(
    cloud: Arc<FakeCloud>,
    state: Arc<MemState>,
    log: Arc<Log>,
) -> Engine<FakeCloud, MemState, Log> {
    Engine {
        cloud,
        recorder: state,
        reporter: log,
        parallelism: 4,
        estimate: Arc::new(|_, _, _| 1.0),
    }
}

async fn plan_of(
    cloud: &Arc<FakeCloud>,
    state: &MemState,
    desired: &[DesiredResource],
    orphans: &[Orphan],
) -> (plan::Plan, Observation) {
    let obs = observe(cloud.clone(), desired, orphans, 4, ObserveMode::Get)
        .await
        .unwrap();
    let prior: HashMap<ResourceAddress, Prior> = state
        .entries
        .lock()
        .unwrap()
        .iter()
        .map(|(a, e)| {
            (
                a.clone(),
                Prior {
                    id: Some(e.id.clone()),
                    applied_hash: Some(e.applied_hash.clone()),
                    write_only_hashes: e.write_only_hashes.clone(),
                },
            )
        })
        .collect();
    let p = plan::build(&PlanInputs {
        desired,
        observed: &obs.observed,
        resolved: &obs.resolved,
        prior: &prior,
        orphans,
    });
    (p, obs)
}

#[tokio::test]
async fn up_converges_and_second_plan_is_empty() {
    let cloud = Arc::new(FakeCloud::default());
    let state = Arc::new(MemState::default());
    let log = Arc::new(Log::default());
    let desired = project();
    let (p, obs) = plan_of(&cloud, &state, &desired, &[]).await;
    assert_eq!(p.summary.create, 4);
    let (_tx, rx) = watch::channel(false);
    let report = engine(cloud.clone(), state.clone(), log.clone())
        .apply(&p, &desired, &[], obs.known, rx)
        .await;
    assert!(report.ok(), "{report:?}");
    // The environment got the workspace's customer id and key, resolved after the workspace.
    let stored = cloud.store.lock().unwrap().get("/s/env").cloned().unwrap();
    assert_eq!(stored["properties"]["customerId"], "cust-123");
    assert_eq!(stored["properties"]["sharedKey"], "key-abc");
    // State holds the key's hash, never the key.
    {
        let entries = state.entries.lock().unwrap();
        let env = &entries[&ResourceAddress::new("env")];
        assert!(!format!("{env:?}").contains("key-abc"));
        assert_eq!(env.write_only_hashes.len(), 1);
    }

    let before = cloud.calls().len();
    let (p2, _) = plan_of(&cloud, &state, &desired, &[]).await;
    assert!(!p2.has_changes(), "{:#?}", p2.changes);
    let new_calls: Vec<String> = cloud.calls()[before..].to_vec();
    assert!(
        new_calls
            .iter()
            .all(|c| c.starts_with("GET") || c.starts_with("POST")),
        "{new_calls:?}"
    );
    assert_eq!(new_calls.iter().filter(|c| c.starts_with("GET")).count(), 4);
}

#[tokio::test]
async fn failure_skips_dependents_but_not_independent_branches() {
    let cloud = Arc::new(FakeCloud::default());
    *cloud.fail_put.lock().unwrap() = Some("/s/env".into());
    let state = Arc::new(MemState::default());
    let log = Arc::new(Log::default());
    let desired = project();
    let (p, obs) = plan_of(&cloud, &state, &desired, &[]).await;
    let (_tx, rx) = watch::channel(false);
    let report = engine(cloud.clone(), state.clone(), log.clone())
        .apply(&p, &desired, &[], obs.known, rx)
        .await;
    assert!(!report.ok());
    let failures: Vec<_> = report
        .failures()
        .map(|(a, e)| (a.to_string(), e.code.clone()))
        .collect();
    assert_eq!(
        failures,
        vec![("env".to_string(), "InvalidRequestContent".to_string())]
    );
    assert!(matches!(
        report.outcomes[&ResourceAddress::new("app")],
        Outcome::Skipped { .. }
    ));
    assert_eq!(report.outcomes[&ResourceAddress::new("ag")], Outcome::Done);
    assert!(!cloud.calls().iter().any(|c| c == "PUT /s/app"));
    let entries = state.entries.lock().unwrap();
    assert!(
        entries.contains_key(&ResourceAddress::new("ws"))
            && entries.contains_key(&ResourceAddress::new("ag"))
    );
    assert!(
        log.0
            .lock()
            .unwrap()
            .iter()
            .any(|l| l == "skipped app because env")
    );
}

#[tokio::test]
async fn orphans_are_deleted_dependents_first() {
    let cloud = Arc::new(FakeCloud::default());
    let state = Arc::new(MemState::default());
    let log = Arc::new(Log::default());
    let desired = project();
    let (p, obs) = plan_of(&cloud, &state, &desired, &[]).await;
    let (_tx, rx) = watch::channel(false);
    engine(cloud.clone(), state.clone(), log.clone())
        .apply(&p, &desired, &[], obs.known, rx.clone())
        .await;

    // Remove env and app from the manifest: both are orphans, app depends on env.
    let remaining: Vec<DesiredResource> = desired
        .iter()
        .filter(|d| d.address.as_str() == "ws" || d.address.as_str() == "ag")
        .cloned()
        .collect();
    let orphans: Vec<Orphan> = ["env", "app"]
        .iter()
        .map(|a| {
            let d = desired.iter().find(|d| d.address.as_str() == *a).unwrap();
            Orphan {
                address: d.address.clone(),
                id: d.id.clone(),
                arm_type: d.arm_type.clone(),
                api_version: d.api_version.clone(),
                depends_on: d.depends_on.iter().cloned().collect(),
                managed: true,
                purge_id: None,
            }
        })
        .collect();
    let (p, obs) = plan_of(&cloud, &state, &remaining, &orphans).await;
    assert_eq!(p.summary.delete, 2);
    assert!(
        p.changes
            .iter()
            .filter(|c| c.action == Action::Delete)
            .count()
            == 2
    );
    let report = engine(cloud.clone(), state.clone(), log.clone())
        .apply(&p, &remaining, &orphans, obs.known, rx)
        .await;
    assert!(report.ok(), "{report:?}");
    let deletes: Vec<String> = cloud
        .calls()
        .into_iter()
        .filter(|c| c.starts_with("DELETE"))
        .collect();
    assert_eq!(deletes, vec!["DELETE /s/app", "DELETE /s/env"]);
    assert_eq!(state.entries.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn estimates_are_asked_with_the_resource_sku() {
    let cloud = Arc::new(FakeCloud::default());
    let state = Arc::new(MemState::default());
    let log = Arc::new(Log::default());
    let mut desired = project();
    desired[3].body = json!({"location": "global", "sku": {"name": "Developer"}});
    let (p, obs) = plan_of(&cloud, &state, &desired, &[]).await;
    // (ARM type, SKU) of every estimate the engine asked for.
    type Asked = Vec<(String, Option<String>)>;
    let asked: Arc<Mutex<Asked>> = Arc::default();
    let seen = asked.clone();
    let mut e = engine(cloud.clone(), state.clone(), log.clone());
    e.estimate = Arc::new(move |arm_type, sku, _| {
        seen.lock()
            .unwrap()
            .push((arm_type.to_string(), sku.map(str::to_string)));
        1.0
    });
    let (_tx, rx) = watch::channel(false);
    assert!(e.apply(&p, &desired, &[], obs.known, rx).await.ok());
    let asked = asked.lock().unwrap();
    assert!(
        asked
            .iter()
            .any(|(_, sku)| sku.as_deref() == Some("Developer")),
        "{asked:?}"
    );
    assert!(asked.iter().any(|(_, sku)| sku.is_none()), "{asked:?}");
    // And state remembers the SKU, so later runs learn durations per SKU.
    let entries = state.entries.lock().unwrap();
    assert_eq!(
        entries[&ResourceAddress::new("ag")].sku.as_deref(),
        Some("Developer")
    );
}

#[tokio::test]
async fn a_create_that_ends_failed_is_recorded_as_failed_and_retried_by_plan() {
    let cloud = Arc::new(FakeCloud::default());
    *cloud.fail_lro.lock().unwrap() = Some("/s/app".into());
    *cloud.fail_put.lock().unwrap() = Some("/s/ag".into());
    let state = Arc::new(MemState::default());
    let log = Arc::new(Log::default());
    let desired = project();
    let (p, obs) = plan_of(&cloud, &state, &desired, &[]).await;
    let (_tx, rx) = watch::channel(false);
    let report = engine(cloud.clone(), state.clone(), log.clone())
        .apply(&p, &desired, &[], obs.known, rx)
        .await;
    assert!(!report.ok());
    {
        let entries = state.entries.lock().unwrap();
        // It exists in the cloud, Failed: recorded so it stays owned.
        assert!(entries[&ResourceAddress::new("app")].failed);
        // Refused outright (nothing exists): nothing to record.
        assert!(!entries.contains_key(&ResourceAddress::new("ag")));
        assert!(!entries[&ResourceAddress::new("env")].failed);
    }
    *cloud.fail_lro.lock().unwrap() = None;
    let (p2, _) = plan_of(&cloud, &state, &desired, &[]).await;
    let app = p2
        .changes
        .iter()
        .find(|c| c.address.as_str() == "app")
        .unwrap();
    assert_eq!(app.action, Action::Update, "{app:?}");
    assert!(app.reason.contains("ended Failed"), "{app:?}");
}
