//! The instance compiled for the solvers: dense per-node, per-line arrays,
//! node usability worked out once, and the allocation of quantities to a
//! fixed set of nodes (greedy when capacity does not bind, min-cost flow when
//! it does).
//!
//! Internal node indices follow node-id order, so "lowest index" is "lowest
//! id" wherever a tie is broken.

use std::cmp::Ordering;
use std::collections::VecDeque;

use model::node::{Capability, NodeKind};

use super::instance::Instance;
use super::{Assignment, Plan};
use model::Quantity;

/// Why a node cannot ship this order at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unusable {
    Excluded,
    KindExcluded(NodeKind),
    Lacks(Capability),
    NoCapacity,
    /// Usable, but holds none of the ordered SKUs it may ship.
    NoStock,
}

pub(crate) struct Network<'a> {
    pub inst: &'a Instance,
    /// Instance index of each internal node.
    pub order: Vec<usize>,
    pub unusable: Vec<Option<Unusable>>,
    /// Per-package cost of each node: handling, package, lateness, carbon, preference.
    pub fixed: Vec<f64>,
    /// Cost per unit of line `l` from node `n`, at `n * lines + l`.
    pub unit: Vec<f64>,
    /// Units of line `l` node `n` may ship (0 when it may not), capped at the demand.
    pub stock: Vec<i64>,
    /// Units each node may ship in total, capped at the order's total.
    pub cap: Vec<i64>,
    pub demand: Vec<i64>,
    pub total: i64,
    pub lines: usize,
    pub split: f64,
    pub max_nodes: usize,
    /// Nodes that can ship something, in index order.
    pub candidates: Vec<u32>,
    /// Per line, the candidates holding it, cheapest unit cost first.
    pub by_cost: Vec<Vec<u32>>,
}

/// Quantities for a set of nodes, with the plan's objective (the cost
/// formula, unrounded).
#[derive(Debug, Clone)]
pub(crate) struct Alloc {
    /// Nodes that ship at least one unit, ascending.
    pub nodes: Vec<u32>,
    /// `(node, line, units)`, units > 0, sorted.
    pub x: Vec<(u32, u32, i64)>,
    pub objective: f64,
}

impl Alloc {
    /// Deterministic order of plans: cheaper first; on a tie, fewer nodes,
    /// then lower node ids.
    pub fn cmp_rank(&self, other: &Alloc) -> Ordering {
        let eps = 1e-9 * (1.0 + self.objective.abs().max(other.objective.abs()));
        if self.objective < other.objective - eps {
            Ordering::Less
        } else if self.objective > other.objective + eps {
            Ordering::Greater
        } else {
            (self.nodes.len(), &self.nodes).cmp(&(other.nodes.len(), &other.nodes))
        }
    }
}

/// The best few plans seen, one per distinct set of nodes, best first.
///
/// Searches prune against [`TopK::threshold`]: the k-th best, but never more
/// than `window` (relative) above the best, so that hunting for runners-up
/// far behind the winner does not cost the search its pruning. Runners-up
/// within the window are exact after a finished search; beyond it they are
/// merely the best seen.
#[derive(Debug, Clone)]
pub(crate) struct TopK {
    pub k: usize,
    pub window: f64,
    pub items: Vec<Alloc>,
}

impl TopK {
    /// Keeps the best plan only.
    pub fn new(k: usize) -> Self {
        Self::with_window(k, f64::INFINITY)
    }

    pub fn with_window(k: usize, window: f64) -> Self {
        TopK {
            k: k.max(1),
            window,
            items: Vec::new(),
        }
    }

    pub fn best(&self) -> Option<&Alloc> {
        self.items.first()
    }

    /// The cost up to which runners-up are searched for exactly.
    pub fn window_end(&self) -> f64 {
        self.best()
            .map_or(f64::INFINITY, |b| b.objective + self.window * b.objective.abs().max(1.0))
    }

    /// Cost a plan must beat (or tie) to matter: the k-th best, capped at
    /// the end of the window.
    pub fn threshold(&self) -> f64 {
        let kth = if self.items.len() < self.k {
            f64::INFINITY
        } else {
            self.items[self.k - 1].objective
        };
        kth.min(self.window_end())
    }

    pub fn offer(&mut self, alloc: Alloc) {
        if let Some(i) = self.items.iter().position(|a| a.nodes == alloc.nodes) {
            if alloc.cmp_rank(&self.items[i]) != Ordering::Less {
                return;
            }
            self.items.remove(i);
        }
        let at = self.items.partition_point(|a| a.cmp_rank(&alloc) != Ordering::Greater);
        if at < self.k {
            self.items.insert(at, alloc);
            self.items.truncate(self.k);
        }
    }

    pub fn merge(&mut self, other: &TopK) {
        for a in &other.items {
            self.offer(a.clone());
        }
    }
}

/// Slack for comparing sums of floats.
pub(crate) fn eps(x: f64) -> f64 {
    1e-9 * (1.0 + x.abs())
}

impl<'a> Network<'a> {
    /// Compiles a validated instance. On an unvalidated one it still returns
    /// (duplicate ids: the first wins), but figures may be meaningless.
    pub fn new(inst: &'a Instance) -> Self {
        let lines = inst.lines.len();
        let mut order: Vec<usize> = (0..inst.nodes.len()).collect();
        order.sort_by(|&a, &b| inst.nodes[a].id.cmp(&inst.nodes[b].id).then(a.cmp(&b)));
        let demand: Vec<i64> = inst.lines.iter().map(|l| l.quantity.units().max(0)).collect();
        let total: i64 = demand.iter().sum();
        let n = order.len();
        let mut net = Network {
            inst,
            unusable: vec![None; n],
            fixed: vec![0.0; n],
            unit: vec![0.0; n * lines],
            stock: vec![0; n * lines],
            cap: vec![0; n],
            demand,
            total,
            lines,
            split: inst.split_penalty,
            max_nodes: inst.max_nodes.unwrap_or(usize::MAX).max(1),
            candidates: Vec::new(),
            by_cost: vec![Vec::new(); lines],
            order,
        };
        for idx in 0..n {
            let node = &inst.nodes[net.order[idx]];
            net.fixed[idx] = node.per_package_cost(inst);
            net.cap[idx] = node.capacity_units.map_or(total, |c| c.units().clamp(0, total));
            for (l, line) in inst.lines.iter().enumerate() {
                net.unit[idx * lines + l] = node.unit_cost + line.unit_weight * node.shipping_rate;
            }
            let reason = if inst.excluded_nodes.contains(&node.id) {
                Some(Unusable::Excluded)
            } else if let Some(kind) = node.kind.filter(|k| inst.excluded_kinds.contains(k)) {
                Some(Unusable::KindExcluded(kind))
            } else if let Some(cap) = inst.required_capabilities.iter().find(|c| !node.capabilities.contains(c)) {
                Some(Unusable::Lacks(*cap))
            } else if net.cap[idx] == 0 {
                Some(Unusable::NoCapacity)
            } else {
                None
            };
            if reason.is_some() {
                net.unusable[idx] = reason;
                continue;
            }
            let mut any = false;
            for (l, line) in inst.lines.iter().enumerate() {
                let allowed = line.required_capabilities.iter().all(|c| node.capabilities.contains(c));
                let held = node.stock.get(&line.sku).map_or(0, |q| q.units().max(0));
                if allowed && held > 0 {
                    net.stock[idx * lines + l] = held.min(net.demand[l]);
                    any = true;
                }
            }
            if any {
                net.candidates.push(idx as u32);
            } else {
                net.unusable[idx] = Some(Unusable::NoStock);
            }
        }
        for l in 0..lines {
            let mut holders: Vec<u32> = net.candidates.iter().copied().filter(|&c| net.st(c, l) > 0).collect();
            holders.sort_by(|&a, &b| net.uc(a, l).total_cmp(&net.uc(b, l)).then(a.cmp(&b)));
            net.by_cost[l] = holders;
        }
        net
    }

    #[inline]
    pub fn st(&self, n: u32, l: usize) -> i64 {
        self.stock[n as usize * self.lines + l]
    }

    #[inline]
    pub fn uc(&self, n: u32, l: usize) -> f64 {
        self.unit[n as usize * self.lines + l]
    }

    /// Units node `n` could contribute at most: its stock of the order, within capacity.
    pub fn reach(&self, n: u32) -> i64 {
        let held: i64 = (0..self.lines).map(|l| self.st(n, l)).sum();
        held.min(self.cap[n as usize])
    }

    pub fn node_id(&self, n: u32) -> &model::NodeId {
        &self.inst.nodes[self.order[n as usize]].id
    }

    pub fn node(&self, n: u32) -> &super::instance::Node {
        &self.inst.nodes[self.order[n as usize]]
    }

    /// Internal index of a node id.
    pub fn index_of(&self, id: &model::NodeId) -> Option<u32> {
        self.order
            .binary_search_by(|&i| self.inst.nodes[i].id.cmp(id))
            .ok()
            .map(|i| i as u32)
    }

    /// Fixed cost of opening every node of `set`, split penalties included.
    pub fn fixed_cost(&self, set: &[u32]) -> f64 {
        let opened: f64 = set.iter().map(|&n| self.fixed[n as usize]).sum();
        opened + self.split * set.len().saturating_sub(1) as f64
    }

    /// Necessary condition for `set` to ship the order: enough stock of each
    /// line and enough capacity in total (ignoring how capacity is shared).
    pub fn relaxed_cover(&self, set: &[u32]) -> bool {
        let reach: i64 = set.iter().map(|&n| self.reach(n)).sum();
        if reach < self.total {
            return false;
        }
        (0..self.lines).all(|l| set.iter().map(|&n| self.st(n, l)).sum::<i64>() >= self.demand[l])
    }

    /// Objective of quantities `x` (the cost formula, unrounded).
    pub fn alloc_of(&self, mut x: Vec<(u32, u32, i64)>) -> Alloc {
        x.retain(|e| e.2 > 0);
        x.sort_unstable();
        let mut nodes: Vec<u32> = x.iter().map(|e| e.0).collect();
        nodes.dedup();
        let variable: f64 = x.iter().map(|&(n, l, q)| q as f64 * self.uc(n, l as usize)).sum();
        let objective = self.fixed_cost(&nodes) + variable;
        Alloc { nodes, x, objective }
    }

    /// The cheapest quantities that ship the whole order from nodes of `set`
    /// only, or `None` if they cannot. Exact: per line cheapest-first when no
    /// node's capacity binds (the problem then splits by line), else a
    /// min-cost flow.
    pub fn allocate(&self, set: &[u32]) -> Option<Alloc> {
        if !self.relaxed_cover(set) {
            return None;
        }
        let mut sorted: Vec<u32> = set.to_vec();
        let mut load = vec![0i64; set.len()];
        let mut x = Vec::with_capacity(self.lines * 2);
        for l in 0..self.lines {
            sorted.sort_by(|&a, &b| self.uc(a, l).total_cmp(&self.uc(b, l)).then(a.cmp(&b)));
            let mut need = self.demand[l];
            for &n in &sorted {
                if need == 0 {
                    break;
                }
                let q = self.st(n, l).min(need);
                if q > 0 {
                    need -= q;
                    x.push((n, l as u32, q));
                    if let Some(p) = set.iter().position(|&m| m == n) {
                        load[p] += q;
                    }
                }
            }
        }
        if set.iter().zip(&load).all(|(&n, &q)| q <= self.cap[n as usize]) {
            return Some(self.alloc_of(x));
        }
        let (shipped, x) = self.flow(set);
        (shipped == self.total).then(|| self.alloc_of(x))
    }

    /// Most units `set` can ship, and the cheapest quantities that do so.
    pub fn max_shippable(&self, set: &[u32]) -> (i64, Alloc) {
        let (shipped, x) = self.flow(set);
        (shipped, self.alloc_of(x))
    }

    /// Min-cost max-flow: source → node (capacity) → line (stock, unit cost) → sink (demand).
    fn flow(&self, set: &[u32]) -> (i64, Vec<(u32, u32, i64)>) {
        let k = set.len();
        let (source, sink) = (0, 1);
        let mut g = Graph::new(2 + k + self.lines);
        for (p, &n) in set.iter().enumerate() {
            g.edge(source, 2 + p, self.cap[n as usize], 0.0);
        }
        let mut arcs = Vec::new();
        for (p, &n) in set.iter().enumerate() {
            for l in 0..self.lines {
                let s = self.st(n, l);
                if s > 0 {
                    arcs.push((g.edge(2 + p, 2 + k + l, s, self.uc(n, l)), n, l as u32));
                }
            }
        }
        for l in 0..self.lines {
            g.edge(2 + k + l, sink, self.demand[l], 0.0);
        }
        let shipped = g.min_cost_flow(source, sink, self.total);
        let x = arcs.into_iter().map(|(e, n, l)| (n, l, g.cap[e ^ 1])).collect();
        (shipped, x)
    }

    /// The plan for an allocation, in node-id then line order.
    pub fn to_plan(&self, alloc: &Alloc) -> Plan {
        Plan {
            assignments: alloc
                .x
                .iter()
                .map(|&(n, l, q)| Assignment {
                    node: self.node_id(n).clone(),
                    sku: self.inst.lines[l as usize].sku.clone(),
                    quantity: Quantity(q),
                })
                .collect(),
        }
    }
}

/// A residual graph for successive shortest paths (Bellman–Ford queue: the
/// graphs are tiny and residual arcs carry negative costs).
struct Graph {
    head: Vec<usize>,
    next: Vec<usize>,
    to: Vec<usize>,
    cap: Vec<i64>,
    cost: Vec<f64>,
}

const NONE: usize = usize::MAX;

impl Graph {
    fn new(vertices: usize) -> Self {
        Graph {
            head: vec![NONE; vertices],
            next: Vec::new(),
            to: Vec::new(),
            cap: Vec::new(),
            cost: Vec::new(),
        }
    }

    fn edge(&mut self, u: usize, v: usize, cap: i64, cost: f64) -> usize {
        let e = self.to.len();
        for (from, to, c, w) in [(u, v, cap, cost), (v, u, 0, -cost)] {
            self.to.push(to);
            self.cap.push(c);
            self.cost.push(w);
            self.next.push(self.head[from]);
            self.head[from] = self.to.len() - 1;
        }
        e
    }

    fn min_cost_flow(&mut self, s: usize, t: usize, want: i64) -> i64 {
        let n = self.head.len();
        let mut flow = 0;
        let mut dist = vec![f64::INFINITY; n];
        let mut prev = vec![NONE; n];
        let mut queued = vec![false; n];
        let mut queue = VecDeque::with_capacity(n);
        while flow < want {
            dist.fill(f64::INFINITY);
            prev.fill(NONE);
            dist[s] = 0.0;
            queue.push_back(s);
            queued[s] = true;
            while let Some(u) = queue.pop_front() {
                queued[u] = false;
                let mut e = self.head[u];
                while e != NONE {
                    let v = self.to[e];
                    let d = dist[u] + self.cost[e];
                    // The slack keeps float noise from cycling on zero-cost loops.
                    if self.cap[e] > 0 && d < dist[v] - 1e-12 {
                        dist[v] = d;
                        prev[v] = e;
                        if !queued[v] {
                            queued[v] = true;
                            queue.push_back(v);
                        }
                    }
                    e = self.next[e];
                }
            }
            if prev[t] == NONE {
                break;
            }
            let mut push = want - flow;
            let mut v = t;
            while v != s {
                let e = prev[v];
                push = push.min(self.cap[e]);
                v = self.to[e ^ 1];
            }
            let mut v = t;
            while v != s {
                let e = prev[v];
                self.cap[e] -= push;
                self.cap[e ^ 1] += push;
                v = self.to[e ^ 1];
            }
            flow += push;
        }
        flow
    }
}
