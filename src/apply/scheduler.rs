//! The generic DAG walk behind `up` and `down`.
//!
//! Every node starts the moment all its dependencies have finished (no level-by-level
//! batching), at most `parallelism` run at once, and when several are ready the one with the
//! longest remaining path (by estimated duration) goes first, so the wall time of a run tends
//! to the critical path of the graph. A failed node's dependents are skipped while independent
//! branches go on. Cancellation stops new starts; nodes already running finish.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::future::Future;
use std::hash::Hash;

use tokio::sync::watch;
use tokio::task::JoinSet;

/// One node of the walk.
#[derive(Debug, Clone)]
pub struct Node<K> {
    pub key: K,
    /// Keys that must finish first. Keys not among the nodes are treated as already done.
    pub deps: Vec<K>,
    /// Estimated duration in seconds (for prioritising the critical path).
    pub estimate: f64,
}

/// How one node ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<K, E> {
    Done,
    Failed(E),
    /// Not run because a dependency failed or was skipped (the first such dependency).
    Skipped {
        because: K,
    },
    /// Not started because the run was cancelled.
    Cancelled,
}

#[derive(Debug, PartialEq)]
struct Ready {
    priority: f64,
    index: usize,
}

impl Eq for Ready {}
impl PartialOrd for Ready {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ready {
    fn cmp(&self, other: &Self) -> Ordering {
        self.priority
            .total_cmp(&other.priority)
            // Equal priority: the earlier node first (stable, deterministic order).
            .then_with(|| other.index.cmp(&self.index))
    }
}

/// Walk `nodes`, calling `run(key)` for each. Returns every node's outcome.
///
/// `cancel` turning `true` stops new starts; running nodes are awaited.
pub async fn walk<K, E, F, Fut>(
    nodes: Vec<Node<K>>,
    parallelism: usize,
    mut cancel: watch::Receiver<bool>,
    run: F,
) -> BTreeMap<K, Outcome<K, E>>
where
    K: Clone + Ord + Hash + Send + 'static,
    E: Send + 'static,
    F: Fn(K) -> Fut,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
{
    let parallelism = parallelism.max(1);
    let index: HashMap<K, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.key.clone(), i))
        .collect();
    let n = nodes.len();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut waiting_on: Vec<usize> = vec![0; n];
    for (i, node) in nodes.iter().enumerate() {
        for d in &node.deps {
            if let Some(&j) = index.get(d) {
                dependents[j].push(i);
                waiting_on[i] += 1;
            }
        }
    }
    let priority = longest_remaining(&nodes, &dependents);

    let mut outcomes: Vec<Option<Outcome<K, E>>> = (0..n).map(|_| None).collect();
    let mut ready: BinaryHeap<Ready> = (0..n)
        .filter(|&i| waiting_on[i] == 0)
        .map(|i| Ready {
            priority: priority[i],
            index: i,
        })
        .collect();
    let mut running: JoinSet<(usize, Result<(), E>)> = JoinSet::new();
    let mut cancelled = *cancel.borrow();

    loop {
        while !cancelled && running.len() < parallelism {
            let Some(Ready { index: i, .. }) = ready.pop() else {
                break;
            };
            let fut = run(nodes[i].key.clone());
            running.spawn(async move { (i, fut.await) });
        }
        if running.is_empty() {
            break;
        }
        let joined = tokio::select! {
            j = running.join_next() => j,
            changed = cancel.changed(), if !cancelled => {
                cancelled = changed.is_err() || *cancel.borrow();
                continue;
            }
        };
        let Some(joined) = joined else { break };
        let (i, result) = match joined {
            Ok(r) => r,
            // A task that panicked or was aborted: nothing to attribute it to but the walk
            // must go on; the panic itself is a bug and is re-raised.
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        };
        match result {
            Ok(()) => {
                outcomes[i] = Some(Outcome::Done);
                for &j in &dependents[i] {
                    waiting_on[j] -= 1;
                    if waiting_on[j] == 0 && outcomes[j].is_none() {
                        ready.push(Ready {
                            priority: priority[j],
                            index: j,
                        });
                    }
                }
            }
            Err(e) => {
                outcomes[i] = Some(Outcome::Failed(e));
                skip_dependents(i, &nodes, &dependents, &mut outcomes);
            }
        }
    }

    nodes
        .into_iter()
        .enumerate()
        .map(|(i, node)| {
            let outcome = outcomes[i].take().unwrap_or(Outcome::Cancelled);
            (node.key, outcome)
        })
        .collect()
}

fn skip_dependents<K: Clone, E>(
    failed: usize,
    nodes: &[Node<K>],
    dependents: &[Vec<usize>],
    outcomes: &mut [Option<Outcome<K, E>>],
) {
    let mut stack = vec![failed];
    while let Some(i) = stack.pop() {
        for &j in &dependents[i] {
            if outcomes[j].is_none() {
                outcomes[j] = Some(Outcome::Skipped {
                    because: nodes[i].key.clone(),
                });
                stack.push(j);
            }
        }
    }
}

/// For each node, its estimate plus the longest chain of dependents after it.
fn longest_remaining<K>(nodes: &[Node<K>], dependents: &[Vec<usize>]) -> Vec<f64> {
    let n = nodes.len();
    let mut memo: Vec<Option<f64>> = vec![None; n];
    // Iterative post-order so deep graphs do not overflow the stack. Cycles are rejected
    // by `graph` before a walk; here a back edge simply counts as zero.
    // Every node marked on the path is unmarked when its expansion ends, so one vector
    // serves every start (allocating one per start would cost n^2).
    let mut on_path = vec![false; n];
    for start in 0..n {
        if memo[start].is_some() {
            continue;
        }
        let mut stack: Vec<(usize, bool)> = vec![(start, false)];
        while let Some((i, expanded)) = stack.pop() {
            if expanded {
                let tail = dependents[i]
                    .iter()
                    .map(|&j| memo[j].unwrap_or(0.0))
                    .fold(0.0, f64::max);
                memo[i] = Some(nodes[i].estimate.max(0.0) + tail);
                on_path[i] = false;
                continue;
            }
            if memo[i].is_some() || on_path[i] {
                continue;
            }
            on_path[i] = true;
            stack.push((i, true));
            for &j in &dependents[i] {
                if memo[j].is_none() && !on_path[j] {
                    stack.push((j, false));
                }
            }
        }
    }
    memo.into_iter().map(|m| m.unwrap_or(0.0)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    fn node(k: &'static str, deps: &[&'static str], est: f64) -> Node<&'static str> {
        Node {
            key: k,
            deps: deps.to_vec(),
            estimate: est,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn starts_each_node_when_its_own_dependencies_finish() {
        // a(1s) -> c ; b(5s) -> d. c must start at t=1 without waiting for b.
        let nodes = vec![
            node("a", &[], 1.0),
            node("b", &[], 5.0),
            node("c", &["a"], 1.0),
            node("d", &["b"], 1.0),
        ];
        let t0 = tokio::time::Instant::now();
        let starts = Arc::new(Mutex::new(BTreeMap::new()));
        let (_tx, rx) = watch::channel(false);
        let s2 = starts.clone();
        let out = walk(nodes, 10, rx, move |k| {
            let starts = s2.clone();
            async move {
                starts.lock().unwrap().insert(k, t0.elapsed().as_secs_f64());
                let d = if k == "b" { 5.0 } else { 1.0 };
                tokio::time::sleep(Duration::from_secs_f64(d)).await;
                Ok::<(), String>(())
            }
        })
        .await;
        assert!(out.values().all(|o| *o == Outcome::Done));
        let s = starts.lock().unwrap();
        assert_eq!(s["c"], 1.0);
        assert_eq!(s["d"], 5.0);
        assert_eq!(t0.elapsed().as_secs_f64(), 6.0);
    }

    #[tokio::test(start_paused = true)]
    async fn critical_path_goes_first_when_slots_are_scarce() {
        // One slot; `long` heads a 10s chain, `short` is 1s alone: long must start first.
        let nodes = vec![
            node("short", &[], 1.0),
            node("long", &[], 5.0),
            node("after-long", &["long"], 5.0),
        ];
        let order = Arc::new(Mutex::new(Vec::new()));
        let (_tx, rx) = watch::channel(false);
        let o2 = order.clone();
        walk(nodes, 1, rx, move |k| {
            let order = o2.clone();
            async move {
                order.lock().unwrap().push(k);
                Ok::<(), ()>(())
            }
        })
        .await;
        assert_eq!(*order.lock().unwrap(), vec!["long", "after-long", "short"]);
    }

    #[tokio::test]
    async fn failure_skips_dependents_and_spares_independent_branches() {
        let nodes = vec![
            node("ws", &[], 1.0),
            node("env", &["ws"], 1.0),
            node("app", &["env"], 1.0),
            node("ag", &[], 1.0),
        ];
        let (_tx, rx) = watch::channel(false);
        let out = walk(nodes, 4, rx, |k| async move {
            if k == "env" { Err("boom") } else { Ok(()) }
        })
        .await;
        assert_eq!(out["ws"], Outcome::Done);
        assert_eq!(out["env"], Outcome::Failed("boom"));
        assert_eq!(out["app"], Outcome::Skipped { because: "env" });
        assert_eq!(out["ag"], Outcome::Done);
    }

    #[tokio::test(start_paused = true)]
    async fn cancellation_stops_new_starts_and_lets_running_finish() {
        let nodes = vec![node("a", &[], 1.0), node("b", &["a"], 1.0)];
        let (tx, rx) = watch::channel(false);
        let tx = Arc::new(tx);
        let tx2 = tx.clone();
        let out = walk(nodes, 2, rx, move |k| {
            let tx = tx2.clone();
            async move {
                if k == "a" {
                    tx.send(true).ok();
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Ok::<(), ()>(())
            }
        })
        .await;
        assert_eq!(out["a"], Outcome::Done);
        assert_eq!(out["b"], Outcome::Cancelled);
    }

    #[tokio::test]
    async fn respects_the_parallelism_bound() {
        let nodes: Vec<_> = ["a", "b", "c", "d", "e", "f"]
            .iter()
            .map(|k| node(k, &[], 1.0))
            .collect();
        let live = Arc::new(Mutex::new((0usize, 0usize)));
        let (_tx, rx) = watch::channel(false);
        let l2 = live.clone();
        walk(nodes, 2, rx, move |_| {
            let live = l2.clone();
            async move {
                {
                    let mut g = live.lock().unwrap();
                    g.0 += 1;
                    g.1 = g.1.max(g.0);
                }
                tokio::task::yield_now().await;
                tokio::time::sleep(Duration::from_millis(5)).await;
                live.lock().unwrap().0 -= 1;
                Ok::<(), ()>(())
            }
        })
        .await;
        assert_eq!(live.lock().unwrap().1, 2);
    }
}
