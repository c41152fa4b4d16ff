//! Partial runs: `--target ADDRESS` and `--exclude ADDRESS` (repeatable; an address or a
//! prefix naming every address under it: `app`, `alert.high-error-rate`) choose the resources
//! a run may touch, closed over the dependency graph so the result is always consistent:
//!
//! - to create or update (`plan`, `up`): a target brings what it depends on; an exclusion takes
//!   what depends on it out too (it could not be created without it);
//! - to destroy (`down`): a target brings what depends on it (nothing may outlive what it
//!   needs); an exclusion keeps what it depends on.
//!
//! Pure: works on any map of address -> dependencies (the rendered graph, or state's record).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::resource::ResourceAddress;

/// What a partial run was limited to; recorded in the plan so that it says so.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    /// `--target` patterns, as given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
    /// `--exclude` patterns, as given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excludes: Vec<String>,
}

/// Which way a run goes through the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `plan` and `up`: resources are created after what they depend on.
    Apply,
    /// `down`: resources are deleted before what they depend on.
    Destroy,
}

/// A pattern that names no resource of the project or its state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{flag} {pattern}` names no resource of this project or its state")]
pub struct UnknownAddress {
    pub flag: &'static str,
    pub pattern: String,
    /// A few addresses that do exist, for the hint.
    pub known: Vec<String>,
}

impl Scope {
    pub fn new(targets: Vec<String>, excludes: Vec<String>) -> Scope {
        Scope { targets, excludes }
    }

    /// No `--target` and no `--exclude`: the whole project.
    pub fn is_all(&self) -> bool {
        self.targets.is_empty() && self.excludes.is_empty()
    }

    /// The addresses of `graph` (address -> what it depends on) this scope lets a run going
    /// in `direction` touch.
    pub fn select(
        &self,
        graph: &BTreeMap<ResourceAddress, BTreeSet<ResourceAddress>>,
        direction: Direction,
    ) -> Result<BTreeSet<ResourceAddress>, UnknownAddress> {
        let dependents = reverse(graph);
        let (grow_target, grow_exclude) = match direction {
            Direction::Apply => (graph, &dependents),
            Direction::Destroy => (&dependents, graph),
        };
        let mut chosen: BTreeSet<ResourceAddress> = if self.targets.is_empty() {
            graph.keys().cloned().collect()
        } else {
            let seeds = matching(graph, &self.targets, "--target")?;
            closure(seeds, grow_target)
        };
        if !self.excludes.is_empty() {
            let seeds = matching(graph, &self.excludes, "--exclude")?;
            for a in closure(seeds, grow_exclude) {
                chosen.remove(&a);
            }
        }
        Ok(chosen)
    }

    /// One line for a plan made with this scope, `None` for a whole run.
    pub fn describe(&self) -> Option<String> {
        if self.is_all() {
            return None;
        }
        let mut parts = Vec::new();
        if !self.targets.is_empty() {
            parts.push(format!("--target {}", self.targets.join(", ")));
        }
        if !self.excludes.is_empty() {
            parts.push(format!("--exclude {}", self.excludes.join(", ")));
        }
        Some(format!(
            "This is a partial plan ({}): resources outside it are left as they are, even where they differ from the manifest.",
            parts.join("; ")
        ))
    }
}

/// Whether `pattern` names `address`: the address itself, or a prefix ending at a `.`.
pub fn matches(pattern: &str, address: &str) -> bool {
    let pattern = pattern.trim_end_matches('.');
    address == pattern
        || address
            .strip_prefix(pattern)
            .is_some_and(|rest| rest.starts_with('.'))
}

fn matching(
    graph: &BTreeMap<ResourceAddress, BTreeSet<ResourceAddress>>,
    patterns: &[String],
    flag: &'static str,
) -> Result<BTreeSet<ResourceAddress>, UnknownAddress> {
    let mut out = BTreeSet::new();
    for p in patterns {
        let found: Vec<&ResourceAddress> =
            graph.keys().filter(|a| matches(p, a.as_str())).collect();
        if found.is_empty() {
            return Err(UnknownAddress {
                flag,
                pattern: p.clone(),
                known: graph.keys().take(8).map(|a| a.to_string()).collect(),
            });
        }
        out.extend(found.into_iter().cloned());
    }
    Ok(out)
}

fn reverse(
    graph: &BTreeMap<ResourceAddress, BTreeSet<ResourceAddress>>,
) -> BTreeMap<ResourceAddress, BTreeSet<ResourceAddress>> {
    let mut out: BTreeMap<ResourceAddress, BTreeSet<ResourceAddress>> = BTreeMap::new();
    for (a, deps) in graph {
        out.entry(a.clone()).or_default();
        for d in deps {
            out.entry(d.clone()).or_default().insert(a.clone());
        }
    }
    out
}

/// `seeds` and everything reachable from them through `edges`.
fn closure(
    seeds: BTreeSet<ResourceAddress>,
    edges: &BTreeMap<ResourceAddress, BTreeSet<ResourceAddress>>,
) -> BTreeSet<ResourceAddress> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<ResourceAddress> = seeds.into_iter().collect();
    while let Some(a) = todo.pop() {
        if !seen.insert(a.clone()) {
            continue;
        }
        if let Some(next) = edges.get(&a) {
            todo.extend(next.iter().filter(|n| !seen.contains(*n)).cloned());
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn a(s: &str) -> ResourceAddress {
        ResourceAddress::new(s)
    }

    /// The production shape: group <- workspace <- insights <- alerts -> action group;
    /// environment <- apps; insights <- apps.
    fn graph() -> BTreeMap<ResourceAddress, BTreeSet<ResourceAddress>> {
        let edges: &[(&str, &[&str])] = &[
            ("resource_group", &[]),
            ("monitoring.workspace", &["resource_group"]),
            ("monitoring.app_insights", &["monitoring.workspace"]),
            ("action_group.ops", &["resource_group"]),
            (
                "alert.high-error-rate",
                &["monitoring.app_insights", "action_group.ops"],
            ),
            (
                "alert.slow",
                &["monitoring.app_insights", "action_group.ops"],
            ),
            ("environment", &["monitoring.workspace"]),
            ("app.web", &["environment", "monitoring.app_insights"]),
            ("app.api", &["environment", "monitoring.app_insights"]),
        ];
        edges
            .iter()
            .map(|(k, deps)| (a(k), deps.iter().map(|d| a(d)).collect()))
            .collect()
    }

    fn names(set: &BTreeSet<ResourceAddress>) -> Vec<&str> {
        set.iter().map(ResourceAddress::as_str).collect()
    }

    #[test]
    fn prefixes_stop_at_a_dot() {
        assert!(matches("app", "app.web"));
        assert!(matches("app.web", "app.web"));
        assert!(matches("alert.high-error-rate", "alert.high-error-rate"));
        assert!(!matches("app", "apps.x"));
        assert!(!matches("app.we", "app.web"));
        assert!(!matches("alert.high", "alert.high-error-rate"));
    }

    #[test]
    fn a_target_brings_what_it_depends_on() {
        let s = Scope::new(vec!["alert.high-error-rate".into()], vec![]);
        let got = s.select(&graph(), Direction::Apply).unwrap();
        assert_eq!(
            names(&got),
            [
                "action_group.ops",
                "alert.high-error-rate",
                "monitoring.app_insights",
                "monitoring.workspace",
                "resource_group"
            ]
        );
    }

    #[test]
    fn a_prefix_targets_every_address_under_it() {
        let s = Scope::new(vec!["app".into()], vec![]);
        let got = s.select(&graph(), Direction::Apply).unwrap();
        assert!(got.contains(&a("app.web")) && got.contains(&a("app.api")));
        assert!(got.contains(&a("environment")));
        assert!(!got.contains(&a("alert.slow")));
    }

    #[test]
    fn an_exclusion_takes_what_depends_on_it_out() {
        let s = Scope::new(vec![], vec!["monitoring.app_insights".into()]);
        let got = s.select(&graph(), Direction::Apply).unwrap();
        assert_eq!(
            names(&got),
            [
                "action_group.ops",
                "environment",
                "monitoring.workspace",
                "resource_group"
            ]
        );
    }

    #[test]
    fn destroying_a_target_takes_its_dependents_and_keeps_its_dependencies() {
        let s = Scope::new(vec!["environment".into()], vec![]);
        let got = s.select(&graph(), Direction::Destroy).unwrap();
        assert_eq!(names(&got), ["app.api", "app.web", "environment"]);
        // Excluding an app from a whole destroy keeps what it needs.
        let s = Scope::new(vec![], vec!["app.web".into()]);
        let got = s.select(&graph(), Direction::Destroy).unwrap();
        assert_eq!(
            names(&got),
            [
                "action_group.ops",
                "alert.high-error-rate",
                "alert.slow",
                "app.api"
            ]
        );
    }

    #[test]
    fn an_unknown_address_is_an_error_naming_it() {
        let s = Scope::new(vec!["app.nope".into()], vec![]);
        let err = s.select(&graph(), Direction::Apply).unwrap_err();
        assert_eq!(err.pattern, "app.nope");
        assert!(
            err.to_string()
                .contains("`--target app.nope` names no resource")
        );
    }

    #[test]
    fn describe_says_what_was_chosen() {
        assert_eq!(Scope::default().describe(), None);
        let d = Scope::new(vec!["app".into()], vec!["alert.slow".into()])
            .describe()
            .unwrap();
        assert!(d.contains("--target app; --exclude alert.slow"), "{d}");
    }

    proptest! {
        /// Whatever is chosen for apply is closed under "depends on" (nothing selected needs
        /// something left out), and nothing depending on an excluded address is selected.
        #[test]
        fn apply_selection_is_closed(t in proptest::sample::subsequence(
            graph().keys().map(|k| k.to_string()).collect::<Vec<_>>(), 0..3),
            x in proptest::sample::subsequence(
            graph().keys().map(|k| k.to_string()).collect::<Vec<_>>(), 0..2)) {
            let g = graph();
            let got = Scope::new(t, x.clone()).select(&g, Direction::Apply).unwrap();
            for s in &got {
                for d in &g[s] {
                    prop_assert!(got.contains(d), "{s} selected without {d}");
                }
            }
            for e in &x {
                prop_assert!(!got.contains(&a(e)));
            }
        }

        /// A destroy selection never leaves something that depends on a deleted resource.
        #[test]
        fn destroy_selection_leaves_no_dangling_dependent(t in proptest::sample::subsequence(
            graph().keys().map(|k| k.to_string()).collect::<Vec<_>>(), 0..3)) {
            let g = graph();
            let got = Scope::new(t, vec![]).select(&g, Direction::Destroy).unwrap();
            for (s, deps) in &g {
                if !got.contains(s) {
                    for d in deps {
                        prop_assert!(!got.contains(d), "{d} deleted while {s} needs it");
                    }
                }
            }
        }
    }
}
