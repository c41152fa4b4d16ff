//! The dependency graph: creation and deletion order, transitive dependencies and
//! dependents, cycle and missing-dependency errors, the critical path, DOT and Mermaid.

use std::collections::BTreeSet;

use azlift::graph::{DependencyGraph, GraphError};
use azlift::kinds::ResourceKind;
use azlift::render::{RenderContext, fixtures, render};
use azlift::resource::{DesiredResource, ResourceAddress};
use serde_json::json;

fn a(s: &str) -> ResourceAddress {
    ResourceAddress::new(s)
}

fn res(address: &str, deps: &[&str]) -> DesiredResource {
    DesiredResource {
        address: a(address),
        kind: ResourceKind::Custom,
        arm_type: "Test.Kind/things".into(),
        api_version: "2020-01-01".into(),
        id: format!("/subscriptions/s/resourceGroups/rg/providers/Test.Kind/things/{address}"),
        name: address.into(),
        body: json!({}),
        pending: vec![],
        sensitive: vec![],
        write_only: vec![],
        depends_on: deps.iter().map(|d| a(d)).collect::<BTreeSet<_>>(),
        managed: true,
        ignore: Vec::new(),
    }
}

fn production() -> DependencyGraph {
    let resources = render(&fixtures::production_model(), &RenderContext::default()).unwrap();
    DependencyGraph::build(&resources).unwrap()
}

fn names(list: &[ResourceAddress]) -> Vec<&str> {
    list.iter().map(|x| x.as_str()).collect()
}

#[test]
fn creation_order_puts_dependencies_first_and_keeps_render_order_on_ties() {
    let g = production();
    let order = g.topological_order();
    assert_eq!(order.len(), 14);
    for r in g.resources() {
        let pos = order.iter().position(|x| x == &r.address).unwrap();
        for dep in &r.depends_on {
            assert!(
                order.iter().position(|x| x == dep).unwrap() < pos,
                "{dep} before {}",
                r.address
            );
        }
    }
    assert_eq!(
        names(order),
        [
            "resource_group",
            "monitoring.workspace",
            "monitoring.app_insights",
            "action_group.ops",
            "alert.high-error-rate",
            "alert.slow-response",
            "environment",
            "app.audit-svc",
            "app.frontend",
            "app.notification-svc",
            "app.task-api",
            "apim.service",
            "apim.logger",
            "apim.diagnostic",
        ]
    );
    let mut reversed = order.to_vec();
    reversed.reverse();
    assert_eq!(g.deletion_order(), reversed);
}

#[test]
fn ready_resources_follow_input_order_not_dependency_depth() {
    let g = DependencyGraph::build(&[res("c", &["b"]), res("b", &[]), res("a", &[])]).unwrap();
    assert_eq!(names(g.topological_order()), ["b", "c", "a"]);
}

#[test]
fn transitive_dependencies_and_dependents() {
    let g = production();
    assert_eq!(
        names(&g.dependencies(&a("apim.diagnostic")).unwrap()),
        [
            "resource_group",
            "monitoring.workspace",
            "monitoring.app_insights",
            "apim.service",
            "apim.logger"
        ]
    );
    assert_eq!(
        names(&g.direct_dependencies(&a("apim.diagnostic")).unwrap()),
        ["resource_group", "apim.service", "apim.logger"]
    );
    assert_eq!(
        names(&g.dependents(&a("monitoring.workspace")).unwrap()),
        [
            "monitoring.app_insights",
            "alert.high-error-rate",
            "alert.slow-response",
            "environment",
            "app.audit-svc",
            "app.frontend",
            "app.notification-svc",
            "app.task-api",
            "apim.logger",
            "apim.diagnostic",
        ]
    );
    assert_eq!(
        names(&g.direct_dependents(&a("apim.logger")).unwrap()),
        ["apim.diagnostic"]
    );
    assert_eq!(
        g.dependents(&a("app.task-api")).unwrap(),
        Vec::<ResourceAddress>::new()
    );
    assert_eq!(
        g.dependencies(&a("nope")),
        Err(GraphError::UnknownAddress(a("nope")))
    );
}

#[test]
fn a_cycle_is_named_in_full() {
    let err = DependencyGraph::build(&[
        res("resource.x", &[]),
        res("resource.a", &["resource.b", "resource.x"]),
        res("resource.b", &["resource.c"]),
        res("resource.c", &["resource.a"]),
    ])
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "dependency cycle: resource.a -> resource.b -> resource.c -> resource.a"
    );
    let err = DependencyGraph::build(&[
        res("resource.a", &["resource.b"]),
        res("resource.b", &["resource.a"]),
    ])
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "dependency cycle: resource.a -> resource.b -> resource.a"
    );
    let err = DependencyGraph::build(&[res("resource.s", &["resource.s"])]).unwrap_err();
    assert_eq!(
        err,
        GraphError::Cycle(vec![a("resource.s"), a("resource.s")])
    );
}

#[test]
fn a_missing_dependency_is_named() {
    let err = DependencyGraph::build(&[res("resource.a", &["resource.ghost"])]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "resource.a depends on resource.ghost, which is not a resource of this project"
    );
    let err = DependencyGraph::build(&[res("x", &[]), res("x", &[])]).unwrap_err();
    assert_eq!(err, GraphError::DuplicateAddress(a("x")));
}

#[test]
fn critical_path_follows_the_longest_chain() {
    // Durations from the ARM README's "realistic" orders of magnitude, in seconds.
    let durations = |r: &DesiredResource| match r.kind {
        ResourceKind::ResourceGroup => 1.0,
        ResourceKind::Workspace => 10.0,
        ResourceKind::AppInsights => 10.0,
        ResourceKind::ActionGroup => 3.0,
        ResourceKind::MetricAlert => 10.0,
        ResourceKind::ManagedEnvironment => 240.0,
        ResourceKind::ContainerApp => 60.0,
        ResourceKind::ApimService => 2400.0,
        ResourceKind::ApimLogger | ResourceKind::ApimDiagnostic => 5.0,
        ResourceKind::Custom => 1.0,
    };
    let (total, path) = production().critical_path(&durations);
    assert_eq!(total, 1.0 + 2400.0 + 5.0 + 5.0);
    assert_eq!(
        names(&path),
        [
            "resource_group",
            "apim.service",
            "apim.logger",
            "apim.diagnostic"
        ]
    );

    let quick_apim = |r: &DesiredResource| {
        if r.kind == ResourceKind::ApimService {
            60.0
        } else {
            durations(r)
        }
    };
    let (total, path) = production().critical_path(&quick_apim);
    assert_eq!(total, 1.0 + 10.0 + 240.0 + 60.0);
    assert_eq!(
        names(&path),
        [
            "resource_group",
            "monitoring.workspace",
            "environment",
            "app.audit-svc"
        ]
    );

    let empty = DependencyGraph::build(&[]).unwrap();
    assert_eq!(empty.critical_path(&durations), (0.0, vec![]));
}

#[test]
fn dot_and_mermaid_drawings() {
    let g = production();
    insta::assert_snapshot!("production_dot", g.to_dot());
    insta::assert_snapshot!("production_mermaid", g.to_mermaid());
}
