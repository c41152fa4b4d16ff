//! graph: the dependency DAG of desired resources (petgraph), built from each resource's
//! `depends_on` (parents, references, declared dependencies).
//!
//! It answers what the scheduler and the plan need: a stable creation order (dependencies
//! first, ties in render order), the deletion order (its reverse), direct and transitive
//! dependencies and dependents, the critical path for given durations, and DOT / Mermaid
//! drawings (a plan's drawn with each resource coloured by its action). A cycle is an error that names the whole cycle
//! (`resource.a -> resource.b -> resource.a`, read "depends on").

mod draw;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, VecDeque};

use petgraph::Direction::{Incoming, Outgoing};
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::resource::{DesiredResource, ResourceAddress};

/// Why a set of resources does not form a DAG.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum GraphError {
    /// The cycle, first address repeated at the end; each arrow reads "depends on".
    #[error("dependency cycle: {}", join(.0))]
    #[diagnostic(code(azlift::graph::cycle), help("remove one of these dependencies"))]
    Cycle(Vec<ResourceAddress>),
    #[error("{from} depends on {missing}, which is not a resource of this project")]
    #[diagnostic(code(azlift::graph::missing_dependency))]
    MissingDependency {
        from: ResourceAddress,
        missing: ResourceAddress,
    },
    #[error("the address {0} appears more than once")]
    #[diagnostic(code(azlift::graph::duplicate))]
    DuplicateAddress(ResourceAddress),
    #[error("no resource has the address {0}")]
    #[diagnostic(code(azlift::graph::unknown_address))]
    UnknownAddress(ResourceAddress),
}

fn join(addresses: &[ResourceAddress]) -> String {
    addresses
        .iter()
        .map(|a| a.as_str())
        .collect::<Vec<_>>()
        .join(" -> ")
}

/// The dependency graph. Edges point from a resource to what it depends on.
#[derive(Debug, Clone)]
pub struct DependencyGraph {
    graph: DiGraph<usize, ()>,
    resources: Vec<DesiredResource>,
    index: HashMap<ResourceAddress, NodeIndex>,
    /// Creation order: dependencies first, ties broken by input order.
    order: Vec<ResourceAddress>,
    /// Position of each node in `order`.
    rank: Vec<usize>,
}

impl DependencyGraph {
    /// Builds the graph from a copy of the resources; fails on duplicate addresses,
    /// dependencies on missing addresses, and cycles.
    pub fn build(resources: &[DesiredResource]) -> Result<DependencyGraph, GraphError> {
        DependencyGraph::from_resources(resources.to_vec())
    }

    /// [`DependencyGraph::build`] without the copy: the graph takes the resources.
    pub fn from_resources(resources: Vec<DesiredResource>) -> Result<DependencyGraph, GraphError> {
        let mut graph = DiGraph::with_capacity(resources.len(), resources.len() * 2);
        let mut index = HashMap::with_capacity(resources.len());
        for (i, r) in resources.iter().enumerate() {
            let node = graph.add_node(i);
            if index.insert(r.address.clone(), node).is_some() {
                return Err(GraphError::DuplicateAddress(r.address.clone()));
            }
        }
        for (i, r) in resources.iter().enumerate() {
            for dep in &r.depends_on {
                let target = index
                    .get(dep)
                    .ok_or_else(|| GraphError::MissingDependency {
                        from: r.address.clone(),
                        missing: dep.clone(),
                    })?;
                graph.add_edge(NodeIndex::new(i), *target, ());
            }
        }
        let n = resources.len();
        let mut g = DependencyGraph {
            graph,
            resources,
            index,
            order: Vec::new(),
            rank: vec![0; n],
        };
        g.order = g.sort()?;
        for (pos, address) in g.order.iter().enumerate() {
            if let Some(node) = g.index.get(address) {
                g.rank[node.index()] = pos;
            }
        }
        Ok(g)
    }

    /// Kahn's algorithm, taking ready resources in input order.
    fn sort(&self) -> Result<Vec<ResourceAddress>, GraphError> {
        let n = self.resources.len();
        let mut remaining: Vec<usize> = (0..n)
            .map(|i| {
                self.graph
                    .neighbors_directed(NodeIndex::new(i), Outgoing)
                    .count()
            })
            .collect();
        let mut ready: BinaryHeap<Reverse<usize>> =
            (0..n).filter(|&i| remaining[i] == 0).map(Reverse).collect();
        let mut order = Vec::with_capacity(n);
        while let Some(Reverse(i)) = ready.pop() {
            order.push(self.resources[i].address.clone());
            for dependent in self.graph.neighbors_directed(NodeIndex::new(i), Incoming) {
                let d = dependent.index();
                remaining[d] -= 1;
                if remaining[d] == 0 {
                    ready.push(Reverse(d));
                }
            }
        }
        if order.len() < n {
            return Err(GraphError::Cycle(self.find_cycle()));
        }
        Ok(order)
    }

    /// The shortest cycle through the smallest address of the first strongly connected
    /// component that has one.
    fn find_cycle(&self) -> Vec<ResourceAddress> {
        let address = |n: NodeIndex| &self.resources[self.graph[n]].address;
        let cyclic: Vec<Vec<NodeIndex>> = tarjan_scc(&self.graph)
            .into_iter()
            .filter(|scc| scc.len() > 1 || self.graph.contains_edge(scc[0], scc[0]))
            .collect();
        let Some(scc) = cyclic
            .into_iter()
            .min_by_key(|scc| scc.iter().map(|&n| address(n)).min().cloned())
        else {
            return Vec::new();
        };
        let members: BTreeSet<NodeIndex> = scc.iter().copied().collect();
        let Some(&start) = scc.iter().min_by_key(|&&n| address(n)) else {
            return Vec::new();
        };
        // Breadth-first search back to `start`, neighbours in address order.
        let mut parent: BTreeMap<NodeIndex, NodeIndex> = BTreeMap::new();
        let mut queue = VecDeque::from([start]);
        let mut last = None;
        'search: while let Some(node) = queue.pop_front() {
            let mut next: Vec<NodeIndex> = self
                .graph
                .neighbors_directed(node, Outgoing)
                .filter(|n| members.contains(n))
                .collect();
            next.sort_by_key(|&n| address(n));
            next.dedup();
            for n in next {
                if n == start {
                    last = Some(node);
                    break 'search;
                }
                if let std::collections::btree_map::Entry::Vacant(e) = parent.entry(n) {
                    e.insert(node);
                    queue.push_back(n);
                }
            }
        }
        let mut path = vec![start];
        let mut node = last.unwrap_or(start);
        let mut back = Vec::new();
        while node != start {
            back.push(node);
            node = parent.get(&node).copied().unwrap_or(start);
        }
        path.extend(back.into_iter().rev());
        path.push(start);
        path.into_iter().map(|n| address(n).clone()).collect()
    }

    fn node(&self, address: &ResourceAddress) -> Result<NodeIndex, GraphError> {
        self.index
            .get(address)
            .copied()
            .ok_or_else(|| GraphError::UnknownAddress(address.clone()))
    }

    fn addresses_in_order(
        &self,
        nodes: impl IntoIterator<Item = NodeIndex>,
    ) -> Vec<ResourceAddress> {
        let mut nodes: Vec<NodeIndex> = nodes.into_iter().collect();
        nodes.sort_by_key(|n| self.rank[n.index()]);
        nodes.dedup();
        nodes
            .into_iter()
            .map(|n| self.resources[n.index()].address.clone())
            .collect()
    }

    fn reach(&self, start: NodeIndex, direction: petgraph::Direction) -> Vec<ResourceAddress> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![start];
        while let Some(node) = stack.pop() {
            for next in self.graph.neighbors_directed(node, direction) {
                if seen.insert(next) {
                    stack.push(next);
                }
            }
        }
        seen.remove(&start);
        self.addresses_in_order(seen)
    }

    /// Number of resources.
    pub fn len(&self) -> usize {
        self.resources.len()
    }

    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }

    /// The resources, in the order given to [`DependencyGraph::build`].
    pub fn resources(&self) -> &[DesiredResource] {
        &self.resources
    }

    pub fn get(&self, address: &ResourceAddress) -> Option<&DesiredResource> {
        self.index.get(address).map(|n| &self.resources[n.index()])
    }

    /// Creation order: every resource after all its dependencies; ties in input order.
    pub fn topological_order(&self) -> &[ResourceAddress] {
        &self.order
    }

    /// Deletion order: the reverse of [`DependencyGraph::topological_order`].
    pub fn deletion_order(&self) -> Vec<ResourceAddress> {
        self.order.iter().rev().cloned().collect()
    }

    /// What `address` depends on directly, in creation order.
    pub fn direct_dependencies(
        &self,
        address: &ResourceAddress,
    ) -> Result<Vec<ResourceAddress>, GraphError> {
        let node = self.node(address)?;
        Ok(self.addresses_in_order(self.graph.neighbors_directed(node, Outgoing)))
    }

    /// What depends directly on `address`, in creation order.
    pub fn direct_dependents(
        &self,
        address: &ResourceAddress,
    ) -> Result<Vec<ResourceAddress>, GraphError> {
        let node = self.node(address)?;
        Ok(self.addresses_in_order(self.graph.neighbors_directed(node, Incoming)))
    }

    /// Everything `address` depends on, transitively, in creation order.
    pub fn dependencies(
        &self,
        address: &ResourceAddress,
    ) -> Result<Vec<ResourceAddress>, GraphError> {
        Ok(self.reach(self.node(address)?, Outgoing))
    }

    /// Everything that depends on `address`, transitively, in creation order.
    pub fn dependents(
        &self,
        address: &ResourceAddress,
    ) -> Result<Vec<ResourceAddress>, GraphError> {
        Ok(self.reach(self.node(address)?, Incoming))
    }

    /// The longest chain of dependencies when each resource takes `durations(r)` (negative
    /// and NaN count as 0): its total and its addresses, first dependency first. With
    /// unbounded parallelism, no schedule finishes sooner than this total.
    pub fn critical_path(
        &self,
        durations: &dyn Fn(&DesiredResource) -> f64,
    ) -> (f64, Vec<ResourceAddress>) {
        let n = self.resources.len();
        let mut finish = vec![0.0_f64; n];
        let mut via: Vec<Option<usize>> = vec![None; n];
        for address in &self.order {
            let Some(node) = self.index.get(address) else {
                continue;
            };
            let i = node.index();
            let own = durations(&self.resources[i]);
            let own = if own > 0.0 { own } else { 0.0 };
            let mut start = 0.0;
            let mut deps: Vec<usize> = self
                .graph
                .neighbors_directed(*node, Outgoing)
                .map(|d| d.index())
                .collect();
            deps.sort_by_key(|&d| self.rank[d]);
            for d in deps {
                if via[i].is_none() || finish[d] > start {
                    start = finish[d];
                    via[i] = Some(d);
                }
            }
            finish[i] = start + own;
        }
        let mut end: Option<usize> = None;
        for address in &self.order {
            let Some(node) = self.index.get(address) else {
                continue;
            };
            let i = node.index();
            if end.is_none_or(|e| finish[i] > finish[e]) {
                end = Some(i);
            }
        }
        let Some(end) = end else {
            return (0.0, Vec::new());
        };
        let mut path = vec![self.resources[end].address.clone()];
        let mut cur = end;
        while let Some(prev) = via[cur] {
            path.push(self.resources[prev].address.clone());
            cur = prev;
        }
        path.reverse();
        (finish[end], path)
    }

    /// Graphviz DOT; arrows point from a dependency to what needs it (creation order).
    pub fn to_dot(&self) -> String {
        draw::dot(self)
    }

    /// A Mermaid flowchart; arrows point from a dependency to what needs it.
    pub fn to_mermaid(&self) -> String {
        draw::mermaid(self)
    }

    /// A Mermaid flowchart of a plan: each resource coloured by what the plan does to it
    /// (a class per action), resources the plan deletes drawn apart.
    pub fn to_mermaid_plan(&self, plan: &crate::plan::Plan) -> String {
        draw::mermaid_plan(self, plan)
    }

    /// (dependency, dependent) pairs by input index, sorted, for drawing.
    fn edges(&self) -> Vec<(usize, usize)> {
        let mut edges: Vec<(usize, usize)> = self
            .graph
            .edge_indices()
            .filter_map(|e| self.graph.edge_endpoints(e))
            .map(|(dependent, dependency)| (dependency.index(), dependent.index()))
            .collect();
        edges.sort_unstable();
        edges.dedup();
        edges
    }
}
