//! Exact sourcing: branch and bound over sets of nodes, with the cheapest
//! quantities for each set from `Network::allocate` (a transportation
//! problem, solved as a min-cost flow when capacity binds).
//!
//! Why it is optimal: every plan ships from some set S of nodes, and its cost
//! is at least `allocate(S)`'s. The search visits every set in lexicographic
//! order of a fixed node order and skips a subtree only when a lower bound on
//! every plan in it exceeds the k-th best plan found so far. The bound for the
//! strict supersets of a set P drawing on the remaining nodes R is
//! `fixed(P) + split + min fixed(R) + vlb(P ∪ R)`, where `vlb` ships each line
//! from its cheapest holders ignoring capacity — valid because validation
//! keeps per-package costs and the split penalty non-negative. A subtree is
//! also skipped when even all of P ∪ R lack the stock or capacity for the
//! order.

use super::network::{Network, TopK, eps};
use super::{Instance, Method, Solution, heuristic};
use crate::Error;

/// Cheapest plan, proven optimal (or proven infeasible). Exponential in the
/// number of usable nodes in the worst case; [`super::plan`] uses it up to
/// [`super::EXACT_MAX_NODES`] usable nodes.
pub fn solve(instance: &Instance) -> Result<Solution, Error> {
    instance.validate()?;
    let net = Network::new(instance);
    let outcome = search(&net, u64::MAX, TopK::new(1));
    Ok(outcome.solution(&net, Method::Exact))
}

/// What a search found.
pub(crate) struct Outcome {
    /// Best plans, one per distinct node set.
    pub top: TopK,
    /// True when the search finished: `top` holds the true best plans.
    pub proven: bool,
    /// Node sets examined.
    pub explored: u64,
}

impl Outcome {
    pub fn solution(&self, net: &Network, method: Method) -> Solution {
        Solution::from_alloc(net, self.top.best(), method, self.proven && method == Method::Exact)
    }
}

/// Branch and bound for the best node sets `top` keeps, stopping after
/// `budget` sets (then `proven` is false). Seeded with the heuristic's
/// construction so the bound bites from the start.
pub(crate) fn search(net: &Network, budget: u64, mut top: TopK) -> Outcome {
    top.merge(&heuristic::construct(net, top.k));
    bounded(net, budget, net.max_nodes, top)
}

/// The search proper, seeded with `top`, over sets of at most `max_depth` nodes.
pub(crate) fn bounded(net: &Network, budget: u64, max_depth: usize, top: TopK) -> Outcome {
    let mut order = net.candidates.clone();
    // Big contributors first: complete plans come early and tighten the bound.
    order.sort_by(|&a, &b| {
        net.reach(b)
            .cmp(&net.reach(a))
            .then(net.fixed[a as usize].total_cmp(&net.fixed[b as usize]))
            .then(a.cmp(&b))
    });
    let m = order.len();
    let lines = net.lines;
    let mut pos = vec![usize::MAX; net.order.len()];
    for (p, &n) in order.iter().enumerate() {
        pos[n as usize] = p;
    }
    let mut suffix_stock = vec![0i64; (m + 1) * lines];
    let mut suffix_reach = vec![0i64; m + 1];
    let mut suffix_min_fixed = vec![f64::INFINITY; m + 1];
    for p in (0..m).rev() {
        let n = order[p];
        for l in 0..lines {
            suffix_stock[p * lines + l] = suffix_stock[(p + 1) * lines + l] + net.st(n, l);
        }
        suffix_reach[p] = suffix_reach[p + 1] + net.reach(n);
        suffix_min_fixed[p] = suffix_min_fixed[p + 1].min(net.fixed[n as usize]);
    }
    let mut bnb = Bnb {
        net,
        order,
        pos,
        suffix_stock,
        suffix_reach,
        suffix_min_fixed,
        in_set: vec![false; net.order.len()],
        set: Vec::new(),
        set_stock: vec![0; lines],
        set_reach: 0,
        set_fixed: 0.0,
        max_depth: max_depth.max(1),
        top,
        budget,
        explored: 0,
        stopped: false,
    };
    bnb.dfs(0);
    Outcome {
        proven: !bnb.stopped,
        explored: bnb.explored,
        top: bnb.top,
    }
}

struct Bnb<'n, 'a> {
    net: &'n Network<'a>,
    order: Vec<u32>,
    pos: Vec<usize>,
    suffix_stock: Vec<i64>,
    suffix_reach: Vec<i64>,
    suffix_min_fixed: Vec<f64>,
    in_set: Vec<bool>,
    set: Vec<u32>,
    set_stock: Vec<i64>,
    set_reach: i64,
    set_fixed: f64,
    max_depth: usize,
    top: TopK,
    budget: u64,
    explored: u64,
    stopped: bool,
}

impl Bnb<'_, '_> {
    fn dfs(&mut self, from: usize) {
        let net = self.net;
        let lines = net.lines;
        for j in from..self.order.len() {
            // Everything still reachable from here is set ∪ order[j..]; it only
            // shrinks as j grows, so once it cannot ship the order, stop.
            if self.set_reach + self.suffix_reach[j] < net.total
                || (0..lines).any(|l| self.set_stock[l] + self.suffix_stock[j * lines + l] < net.demand[l])
            {
                break;
            }
            if self.explored >= self.budget {
                self.stopped = true;
                return;
            }
            self.explored += 1;
            let n = self.order[j];
            self.push(n);

            let base = self.set_fixed + net.split * (self.set.len() - 1) as f64;
            let threshold = self.top.threshold();
            if base <= threshold + eps(threshold)
                && self.covers()
                && let Some(alloc) = net.allocate(&self.set)
            {
                self.top.offer(alloc);
            }
            if self.set.len() < self.max_depth && j + 1 < self.order.len() {
                let bound = base + net.split + self.suffix_min_fixed[j + 1] + self.vlb(j + 1);
                let threshold = self.top.threshold();
                if bound <= threshold + eps(threshold) {
                    self.dfs(j + 1);
                }
            }
            self.pop(n);
            if self.stopped {
                return;
            }
        }
    }

    fn push(&mut self, n: u32) {
        self.set.push(n);
        self.in_set[n as usize] = true;
        for l in 0..self.net.lines {
            self.set_stock[l] += self.net.st(n, l);
        }
        self.set_reach += self.net.reach(n);
        self.set_fixed += self.net.fixed[n as usize];
    }

    fn pop(&mut self, n: u32) {
        self.set.pop();
        self.in_set[n as usize] = false;
        for l in 0..self.net.lines {
            self.set_stock[l] -= self.net.st(n, l);
        }
        self.set_reach -= self.net.reach(n);
        self.set_fixed -= self.net.fixed[n as usize];
    }

    fn covers(&self) -> bool {
        self.set_reach >= self.net.total && (0..self.net.lines).all(|l| self.set_stock[l] >= self.net.demand[l])
    }

    /// Lower bound on the unit costs of any plan drawing on set ∪ order[from..]:
    /// each line from its cheapest holders there, capacity ignored.
    fn vlb(&self, from: usize) -> f64 {
        let net = self.net;
        let mut cost = 0.0;
        for l in 0..net.lines {
            let mut need = net.demand[l];
            for &n in &net.by_cost[l] {
                if need == 0 {
                    break;
                }
                if self.in_set[n as usize] || self.pos[n as usize] >= from && self.pos[n as usize] != usize::MAX {
                    let q = net.st(n, l).min(need);
                    need -= q;
                    cost += q as f64 * net.uc(n, l);
                }
            }
        }
        cost
    }
}

/// A plan's cost cannot fall below this: the cheapest node's per-package
/// cost (two nodes' and a split penalty when no node holds everything) plus
/// every unit from its cheapest holder.
pub(crate) fn lower_bound(net: &Network) -> f64 {
    let mut fixed: Vec<f64> = net.candidates.iter().map(|&n| net.fixed[n as usize]).collect();
    fixed.sort_by(f64::total_cmp);
    let Some(&first) = fixed.first() else {
        return f64::INFINITY;
    };
    let single = net.candidates.iter().any(|&n| net.relaxed_cover(&[n]));
    let opened = if single || fixed.len() < 2 {
        first
    } else {
        first + fixed[1] + net.split
    };
    let mut variable = 0.0;
    for l in 0..net.lines {
        let mut need = net.demand[l];
        for &n in &net.by_cost[l] {
            let q = net.st(n, l).min(need);
            need -= q;
            variable += q as f64 * net.uc(n, l);
        }
    }
    opened + variable
}
