//! The scheduling benchmark where parallelism binds (docs/benchmarks.md, "Scheduling"):
//!
//! ```text
//! cargo run --release --example bench_schedule -- [DAGS] [NODES] [PARALLELISM]   # default 20 500 10
//! ```
//!
//! Random DAGs of NODES resources (types drawn from a project's mix; each resource takes the
//! emulator's realistic create duration for its type, +-30 %; each depends on up to three of
//! the 60 resources before it) are walked with PARALLELISM operations at once by
//!
//! - azlift: the real scheduler (`apply::walk`, longest remaining chain first, by the
//!   engine's per-type estimates, not the true durations), each node sleeping its duration on
//!   a paused Tokio clock, so the wall time is exact and no real time passes;
//! - FCFS: a first-come first-served ready queue (what Terraform's walker does), simulated
//!   event by event on the same DAG and durations.
//!
//! Each prints wall time / lower bound, the lower bound being max(critical path, total work /
//! PARALLELISM): no schedule can beat it. Medians over the DAGs close the output.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::time::Duration;

use azlift::apply::{Node, walk};
use azlift::emulator::kinds::Catalog;
use azlift::events::Action;
use azlift::ui::DurationModel;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

/// A project's mix of types: (ARM type, relative weight).
const MIX: &[(&str, u32)] = &[
    ("Microsoft.Resources/resourceGroups", 2),
    ("Microsoft.OperationalInsights/workspaces", 2),
    ("Microsoft.Insights/components", 3),
    ("Microsoft.Insights/actionGroups", 4),
    ("Microsoft.Insights/metricAlerts", 30),
    ("Microsoft.App/managedEnvironments", 2),
    ("Microsoft.App/containerApps", 40),
    ("Microsoft.ApiManagement/service", 1),
    ("Microsoft.ApiManagement/service/loggers", 3),
    ("Microsoft.ApiManagement/service/diagnostics", 3),
];

struct Dag {
    deps: Vec<Vec<usize>>,
    /// True durations, seconds.
    secs: Vec<f64>,
    /// What azlift's engine estimates (per type), seconds.
    estimate: Vec<f64>,
}

fn random_dag(seed: u64, n: usize) -> Dag {
    let mut rng = StdRng::seed_from_u64(seed);
    let catalog = Catalog::builtin();
    let model = DurationModel::new();
    let total: u32 = MIX.iter().map(|(_, w)| w).sum();
    // APIM as Consumption (a minute and a half): a 40-minute Developer service would be the
    // whole critical path and leave nothing to schedule.
    let body = json!({"sku": {"name": "Consumption"}});
    let mut dag = Dag {
        deps: Vec::with_capacity(n),
        secs: Vec::with_capacity(n),
        estimate: Vec::with_capacity(n),
    };
    for i in 0..n {
        let mut pick = rng.random_range(0..total);
        let arm_type = MIX
            .iter()
            .find(|(_, w)| {
                if pick < *w {
                    true
                } else {
                    pick -= w;
                    false
                }
            })
            .map(|(t, _)| *t)
            .unwrap_or(MIX[0].0);
        let base = catalog.create_secs(arm_type, &body);
        dag.secs.push(base * rng.random_range(0.7..1.3));
        // As the engine estimates (`ops::Session::engine`): per type, 5 s when unknown.
        let estimate = model.estimate(arm_type, Action::Create);
        dag.estimate
            .push(estimate.map(|d| d.as_secs_f64()).unwrap_or(5.0));
        let mut deps = Vec::new();
        if i > 0 {
            for _ in 0..rng.random_range(0..=3) {
                let j = rng.random_range(i.saturating_sub(60)..i);
                if !deps.contains(&j) {
                    deps.push(j);
                }
            }
        }
        dag.deps.push(deps);
    }
    dag
}

/// max(critical path, total work / parallelism), by the true durations.
fn lower_bound(dag: &Dag, parallelism: usize) -> f64 {
    let mut finish = vec![0.0f64; dag.secs.len()];
    for i in 0..dag.secs.len() {
        let start = dag.deps[i].iter().map(|&j| finish[j]).fold(0.0, f64::max);
        finish[i] = start + dag.secs[i];
    }
    let critical = finish.iter().copied().fold(0.0, f64::max);
    let work: f64 = dag.secs.iter().sum();
    critical.max(work / parallelism as f64)
}

/// azlift's scheduler on a paused clock: the wall time in seconds.
fn azlift_wall(dag: &Dag, parallelism: usize) -> f64 {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("runtime");
    rt.block_on(async {
        let nodes: Vec<Node<usize>> = (0..dag.secs.len())
            .map(|i| Node {
                key: i,
                deps: dag.deps[i].clone(),
                estimate: dag.estimate[i],
            })
            .collect();
        let (_tx, rx) = tokio::sync::watch::channel(false);
        let secs = dag.secs.clone();
        let t0 = tokio::time::Instant::now();
        let outcomes = walk(nodes, parallelism, rx, move |i: usize| {
            let d = Duration::from_secs_f64(secs[i]);
            async move {
                tokio::time::sleep(d).await;
                Ok::<(), ()>(())
            }
        })
        .await;
        assert!(
            outcomes
                .values()
                .all(|o| *o == azlift::apply::Outcome::Done)
        );
        t0.elapsed().as_secs_f64()
    })
}

/// A first-come first-served ready queue, simulated: the wall time in seconds.
fn fcfs_wall(dag: &Dag, parallelism: usize) -> f64 {
    let n = dag.secs.len();
    let mut dependents = vec![Vec::new(); n];
    let mut waiting: Vec<usize> = dag.deps.iter().map(Vec::len).collect();
    for (i, deps) in dag.deps.iter().enumerate() {
        for &j in deps {
            dependents[j].push(i);
        }
    }
    let mut ready: VecDeque<usize> = (0..n).filter(|&i| waiting[i] == 0).collect();
    // (finish time in microseconds, node)
    let mut running: BinaryHeap<Reverse<(u64, usize)>> = BinaryHeap::new();
    let mut now = 0u64;
    loop {
        while running.len() < parallelism {
            let Some(i) = ready.pop_front() else { break };
            running.push(Reverse((now + (dag.secs[i] * 1e6) as u64, i)));
        }
        let Some(Reverse((t, i))) = running.pop() else {
            break;
        };
        now = t;
        for &j in &dependents[i] {
            waiting[j] -= 1;
            if waiting[j] == 0 {
                ready.push_back(j);
            }
        }
    }
    now as f64 / 1e6
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let dags = args.first().copied().unwrap_or(20);
    let nodes = args.get(1).copied().unwrap_or(500);
    let parallelism = args.get(2).copied().unwrap_or(10);
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for seed in 0..dags as u64 {
        let dag = random_dag(seed, nodes);
        let bound = lower_bound(&dag, parallelism);
        let a = azlift_wall(&dag, parallelism) / bound;
        let f = fcfs_wall(&dag, parallelism) / bound;
        println!(
            "dag {seed:2}: lower bound {bound:7.0}s, azlift {a:.3}, first-come first-served {f:.3}"
        );
        ours.push(a);
        theirs.push(f);
    }
    println!(
        "median wall / lower bound over {dags} DAGs of {nodes} resources, parallelism {parallelism}: azlift {:.3}, first-come first-served {:.3}",
        median(&mut ours),
        median(&mut theirs)
    );
}
