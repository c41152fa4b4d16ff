//! Property (issue 10): random sequences of 5-20 manifest edits — renames, adds, removals,
//! environment switches, resource-group changes, value edits — each followed by
//! `up --yes --allow-replace`. After every step: the emulated cloud holds exactly what the
//! states of the environments record (nothing leaked, nothing foreign touched), the current
//! environment's state records exactly the resources its manifest renders (same addresses, same
//! ids), and `plan` reports no changes. The edit sequence is the generated value, so a failing
//! (shrunk) case prints it.

mod support_resilience;

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use support_resilience::*;

/// The manifest, as a small set of choices.
#[derive(Debug, Clone, Default)]
struct World {
    /// `None`: the derived group; `Some(n)`: `rg-prop-n`.
    group: Option<u8>,
    /// `None`: the derived workspace name; `Some(n)`: `prop-logs-n`.
    workspace: Option<u8>,
    retention: u32,
    /// Action group key -> name variant.
    action_groups: BTreeMap<u8, u8>,
    /// Alert name variant (the alert watches App Insights).
    alert: Option<u8>,
    apps: BTreeSet<u8>,
    dev: bool,
}

#[derive(Debug, Clone)]
enum Edit {
    Group(Option<u8>),
    Workspace(Option<u8>),
    Retention(u32),
    AddActionGroup(u8, u8),
    RemoveActionGroup(u8),
    Alert(Option<u8>),
    AddApp(u8),
    RemoveApp(u8),
    SwitchEnvironment,
}

impl World {
    fn apply(&mut self, e: &Edit) {
        match e {
            Edit::Group(g) => self.group = *g,
            Edit::Workspace(w) => self.workspace = *w,
            Edit::Retention(r) => self.retention = *r,
            Edit::AddActionGroup(k, n) => {
                self.action_groups.insert(*k, *n);
            }
            Edit::RemoveActionGroup(k) => {
                self.action_groups.remove(k);
            }
            Edit::Alert(a) => self.alert = *a,
            Edit::AddApp(a) => {
                self.apps.insert(*a);
            }
            Edit::RemoveApp(a) => {
                self.apps.remove(a);
            }
            Edit::SwitchEnvironment => self.dev = !self.dev,
        }
    }

    fn env(&self) -> &'static str {
        if self.dev { "dev" } else { "default" }
    }

    /// Names written in the manifest are used as written in every environment, so the
    /// generated ones carry the environment (as a user keeping environments apart would).
    fn manifest(&self) -> String {
        let e = if self.dev { "-dev" } else { "" };
        let mut m = String::from("[project]\nname = \"prop\"\nlocation = \"eastus\"\n");
        if let Some(g) = self.group {
            m += &format!("resource_group = \"rg-prop-{g}{e}\"\n");
        }
        m += &format!("\n[monitoring]\nretention_days = {}\n", self.retention);
        if let Some(w) = self.workspace {
            m += &format!("workspace_name = \"prop-logs-{w}{e}\"\n");
        }
        for (k, n) in &self.action_groups {
            m += &format!(
                "\n[action_group.g{k}]\nname = \"prop-group-{k}-{n}{e}\"\nshort_name = \"g{k}\"\nemail = {{ admin = \"ops@example.com\" }}\n"
            );
        }
        if let Some(a) = self.alert {
            m += &format!(
                "\n[alert.errors]\nname = \"prop-errors-{a}{e}\"\nmetric = \"requests/failed\"\nnamespace = \"microsoft.insights/components\"\naggregation = \"Count\"\noperator = \"GreaterThan\"\nthreshold = 10\nseverity = 2\nfrequency = \"PT1M\"\nwindow = \"PT5M\"\n"
            );
        }
        for a in &self.apps {
            m += &format!(
                "\n[app.app{a}]\nimage = \"mcr.microsoft.com/k8se/quickstart:latest\"\nport = 80\ningress = \"external\"\n"
            );
        }
        // The dev environment changes a value, so switching also edits.
        m += "\n[env.dev]\nmonitoring.retention_days = 60\n";
        m
    }
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        prop::option::of(0u8..3).prop_map(Edit::Group),
        prop::option::of(0u8..3).prop_map(Edit::Workspace),
        prop::sample::select(vec![30u32, 90]).prop_map(Edit::Retention),
        (0u8..2, 0u8..3).prop_map(|(k, n)| Edit::AddActionGroup(k, n)),
        (0u8..2).prop_map(Edit::RemoveActionGroup),
        prop::option::of(0u8..3).prop_map(Edit::Alert),
        (0u8..2).prop_map(Edit::AddApp),
        (0u8..2).prop_map(Edit::RemoveApp),
        Just(Edit::SwitchEnvironment),
    ]
}

/// Address -> id (lower case) of what the manifest renders in `env`.
fn rendered(p: &Project, env: &str) -> BTreeMap<String, String> {
    let opts = azlift::manifest::LoadOptions {
        env: Some(env.to_string()),
        ..Default::default()
    };
    let project = azlift::ops::Project::load(&p.manifest(), &opts, azlift::ops::LOCAL_SUBSCRIPTION)
        .expect("the generated manifest loads");
    project
        .desired
        .iter()
        .map(|d| (d.address.to_string(), d.id.to_ascii_lowercase()))
        .collect()
}

fn lower(m: BTreeMap<String, String>) -> BTreeMap<String, String> {
    m.into_iter()
        .map(|(a, i)| (a, i.to_ascii_lowercase()))
        .collect()
}

fn check(edits: &[Edit]) -> Result<(), TestCaseError> {
    let mut world = World {
        retention: 30,
        ..World::default()
    };
    let p = Project::new(&world.manifest());
    let mut touched: BTreeSet<&'static str> = BTreeSet::new();
    for (step, e) in std::iter::once(None)
        .chain(edits.iter().map(Some))
        .enumerate()
    {
        if let Some(e) = e {
            world.apply(e);
        }
        std::fs::write(p.manifest(), world.manifest()).unwrap();
        let env = world.env();
        touched.insert(env);
        let what = format!("step {step} ({e:?}) in `{env}`");
        let o = p.run(&["up", "--yes", "--allow-replace", "-e", env], "");
        prop_assert_eq!(o.status.code(), Some(0), "up, {}: {}", what, show(&o));

        let o = p.run(&["plan", "--detailed-exitcode", "-e", env], "");
        prop_assert_eq!(o.status.code(), Some(0), "plan, {}: {}", what, show(&o));

        let state = lower(p.resources_of(&p.manifest(), env));
        prop_assert_eq!(&state, &rendered(&p, env), "state vs manifest, {}", &what);

        let mut recorded: BTreeSet<String> = BTreeSet::new();
        for env in &touched {
            recorded.extend(
                p.resources_of(&p.manifest(), env)
                    .into_values()
                    .map(|i| i.to_ascii_lowercase()),
            );
        }
        let cloud: BTreeSet<String> = p.cloud_ids().into_iter().collect();
        prop_assert_eq!(cloud, recorded, "cloud vs the states, {}", &what);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 20,
        max_shrink_iters: 16,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_edit_sequences_keep_the_cloud_equal_to_the_manifest(
        edits in prop::collection::vec(edit(), 5..=20)
    ) {
        check(&edits)?;
    }
}
