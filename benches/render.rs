//! Benchmarks of rendering (criterion): the production model, a generated 1,000-app model,
//! and building the dependency graph of the latter. Before the timings, one render of the
//! 1,000-app model runs under a counting global allocator and prints its peak heap use.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use azlift::graph::DependencyGraph;
use azlift::render::{RenderContext, fixtures, render};
use criterion::{Criterion, criterion_group, criterion_main};

/// The system allocator, counting bytes in use and the peak since the last reset.
struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        ptr
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const MB: f64 = 1024.0 * 1024.0;

/// Peak heap bytes above the starting point while rendering `n` apps (model included).
fn peak_memory(n: usize) {
    let ctx = RenderContext::default();
    let before = CURRENT.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let model = fixtures::generated_model(n);
    let after_model = CURRENT.load(Ordering::Relaxed);
    let resources = render(&model, &ctx).expect("generated model renders");
    let graph = DependencyGraph::build(&resources).expect("generated model is a DAG");
    let peak = PEAK.load(Ordering::Relaxed);
    let kept = CURRENT.load(Ordering::Relaxed);
    eprintln!(
        "memory, {n} apps ({} resources): model {:.1} MB, peak during model+render+graph {:.1} MB, \
         retained (model + resources + graph) {:.1} MB",
        resources.len(),
        (after_model - before) as f64 / MB,
        (peak - before) as f64 / MB,
        (kept - before) as f64 / MB,
    );
    drop(graph);
}

fn benches(c: &mut Criterion) {
    peak_memory(1000);
    let ctx = RenderContext::default();
    let production = fixtures::production_model();
    c.bench_function("render production (14 resources)", |b| {
        b.iter(|| render(black_box(&production), &ctx).expect("renders"))
    });
    let big = fixtures::generated_model(1000);
    c.bench_function("render generated 1000 apps (1010 resources)", |b| {
        b.iter(|| render(black_box(&big), &ctx).expect("renders"))
    });
    let resources = render(&big, &ctx).expect("renders");
    c.bench_function("graph build 1010 resources (with copy)", |b| {
        b.iter(|| DependencyGraph::build(black_box(&resources)).expect("DAG"))
    });
    c.bench_function("graph from_resources 1010 resources (no copy)", |b| {
        b.iter_batched(
            || resources.clone(),
            |owned| DependencyGraph::from_resources(owned).expect("DAG"),
            criterion::BatchSize::LargeInput,
        )
    });
}

criterion_group! {
    name = render_benches;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(render_benches);
