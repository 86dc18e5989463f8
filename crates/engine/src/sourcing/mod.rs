//! Sourcing: which nodes ship an order, and how many units of each line each
//! ships, at the lowest cost.
//!
//! The input is a self-contained [`Instance`] (the body of
//! `POST /v1/plan/sourcing`); [`plan`] answers a [`SourcingDecision`]: the
//! assignments, their [`CostBreakdown`], a confidence, an explanation in plain
//! words and the alternatives it beat. The cost formula lives in one place,
//! [`cost::evaluate`].
//!
//! Solvers: [`exact::solve`] (branch and bound, provably optimal) and
//! [`heuristic::solve`] (greedy construction plus local search); [`plan`]
//! uses the exact one when at most [`EXACT_MAX_NODES`] nodes can ship
//! anything of the order, the heuristic beyond. Ties are broken by fewer
//! nodes, then lower node ids, so answers are deterministic.
//!
//! Rules plug in as instance fields: constraints (`max_nodes = 1` for "never
//! split B2B", `excluded_nodes`, `excluded_kinds`, required capabilities) or
//! ranking signals (a node's `preference`, e.g. a bonus for stores on BOPIS).

pub mod baselines;
pub mod cost;
pub mod exact;
mod explain;
mod generate;
pub mod heuristic;
mod instance;
mod network;
mod quality;
#[cfg(test)]
mod tests;

use model::ops::Factor;
use model::{NodeId, Quantity, Sku};
use serde::{Deserialize, Serialize};

pub use cost::CostBreakdown;
pub use generate::generate;
pub use instance::{Instance, Line, MAX_LINES, MAX_NODES, Node};
pub use quality::{BenchConfig, BenchReport, GapStats, Latency, QualityReport, bench, evaluate_quality};

use crate::Error;
use network::{Alloc, Network, TopK};

/// [`plan`] solves exactly when at most this many nodes can ship part of the
/// order (after exclusions and capability checks). Up to here the exact
/// search answers in well under 2 ms on generated instances of 8 lines; the
/// search space doubles with every node beyond.
pub const EXACT_MAX_NODES: usize = 20;

/// Node sets the exact search in [`plan`] may examine before it settles for
/// the best plan found (then `proven_optimal` is false). Generated 20-node
/// instances need at most ~4,000 (p50 35); a set costs a few microseconds.
const EXACT_BUDGET: u64 = 100_000;

/// Plans kept besides the chosen one, one per distinct set of nodes.
const RUNNERS_UP: usize = 2;

/// Runners-up are searched for exactly up to this much (relative) above the
/// best plan; a wider hunt would cost exact search its pruning. It matches
/// the gap at which [`confidence`] stops growing.
const RUNNER_UP_WINDOW: f64 = 0.10;

/// Units of one SKU shipped from one node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    pub node: NodeId,
    pub sku: Sku,
    pub quantity: Quantity,
}

/// A candidate answer: who ships what.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub assignments: Vec<Assignment>,
}

impl Plan {
    /// Distinct nodes that ship something, in id order.
    pub fn nodes(&self) -> Vec<NodeId> {
        let mut nodes: Vec<NodeId> = self.assignments.iter().map(|a| a.node.clone()).collect();
        nodes.sort();
        nodes.dedup();
        nodes
    }
}

/// Which procedure produced a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Exact,
    Heuristic,
    ClosestWithStock,
    FewestSplits,
}

/// A plan with its cost, as one solver or baseline produced it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Solution {
    /// Empty when the procedure found no plan that ships the whole order.
    pub plan: Plan,
    pub cost: CostBreakdown,
    pub method: Method,
    /// True only when exact search finished: no cheaper plan exists (or, if
    /// the plan is empty, no feasible plan exists).
    pub proven_optimal: bool,
}

impl Solution {
    fn from_alloc(net: &Network, alloc: Option<&Alloc>, method: Method, proven_optimal: bool) -> Self {
        let plan = alloc.map(|a| net.to_plan(a)).unwrap_or_default();
        Solution {
            cost: cost::evaluate_in(net, &plan),
            plan,
            method,
            proven_optimal,
        }
    }
}

/// The answer of `POST /v1/plan/sourcing`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourcingDecision {
    /// Who ships what; empty when no plan can ship the whole order.
    pub assignments: Vec<Assignment>,
    pub cost: CostBreakdown,
    pub feasible: bool,
    /// The best other plans (different node sets) and the baselines.
    pub alternatives: Vec<Alternative>,
    /// Why, factor by factor, in plain words; weights are each factor's
    /// share of the money at stake (of the short units when infeasible).
    pub explanation: Vec<Factor>,
    /// In [0, 1]: 1 for a proven optimum that beats the next plan by ≥ 10%;
    /// lower for close runners-up and for heuristic answers.
    pub confidence: f64,
    pub method: Method,
    pub proven_optimal: bool,
}

/// What a plan other than the chosen one would have been.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alternative {
    /// What it is, in plain words, e.g. "next best plan" or "closest node with stock".
    pub label: String,
    pub kind: AlternativeKind,
    /// Nodes it ships from, in id order.
    pub nodes: Vec<NodeId>,
    pub assignments: Vec<Assignment>,
    pub cost: CostBreakdown,
    /// Its total cost (lower is better); absent when it is infeasible.
    pub score: Option<f64>,
    /// How much more than the chosen plan it costs; absent when infeasible.
    pub extra_cost: Option<f64>,
}

/// Where an alternative comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlternativeKind {
    /// One of the next best plans the solver found, on a different node set.
    RunnerUp,
    /// The cheapest plan from a single node, when the chosen plan splits.
    SingleNode,
    /// Baseline: [`baselines::closest_with_stock`].
    ClosestWithStock,
    /// Baseline: [`baselines::fewest_splits`].
    FewestSplits,
}

/// Plans the order: validates, solves (exact up to [`EXACT_MAX_NODES`] usable
/// nodes, heuristic beyond), and explains the choice against its runners-up
/// and the baselines.
pub fn plan(instance: &Instance) -> Result<SourcingDecision, Error> {
    instance.validate()?;
    let net = Network::new(instance);
    let exact = net.candidates.len() <= EXACT_MAX_NODES;
    let top = TopK::with_window(RUNNERS_UP + 1, RUNNER_UP_WINDOW);
    let outcome = if exact {
        let mut outcome = exact::search(&net, EXACT_BUDGET, top.clone());
        if !outcome.proven {
            outcome.top.merge(&heuristic::run(&net, top).top);
        }
        outcome
    } else {
        heuristic::run(&net, top)
    };
    let mut outcome = outcome;
    if let Some(best) = outcome.top.best()
        && outcome.top.items.len() <= RUNNERS_UP
    {
        // Nothing else came near the winner; name the closest plans anyway.
        let around = heuristic::around(&net, best, RUNNERS_UP + 1);
        outcome.top.merge(&around);
    }
    let method = if exact { Method::Exact } else { Method::Heuristic };
    let proven = exact && outcome.proven;
    let chosen = Solution::from_alloc(&net, outcome.top.best(), method, proven);
    let chosen_total = chosen.cost.total;

    let mut alternatives = Vec::new();
    let alternative = |label: String, kind, solution: Solution| {
        let feasible = solution.cost.feasible;
        Alternative {
            label,
            kind,
            nodes: solution.plan.nodes(),
            score: feasible.then_some(solution.cost.total),
            extra_cost: (feasible && chosen.cost.feasible).then(|| cost::round(solution.cost.total - chosen_total)),
            assignments: solution.plan.assignments,
            cost: solution.cost,
        }
    };
    // A finished exact search has seen every plan up to the window's end.
    let window_end = outcome.top.window_end();
    let ranked = |alloc: &Alloc| proven && alloc.objective <= window_end + network::eps(window_end);
    for (i, alloc) in outcome.top.items.iter().enumerate().skip(1) {
        let label = match (ranked(alloc), i) {
            (true, 1) => "next best plan".to_string(),
            (true, _) => format!("plan ranked {}", i + 1),
            (false, _) => "another plan found".to_string(),
        };
        alternatives.push(alternative(
            label,
            AlternativeKind::RunnerUp,
            Solution::from_alloc(&net, Some(alloc), method, false),
        ));
    }
    let runner_up_ranked = outcome.top.items.get(1).is_some_and(ranked);
    let single = best_single(&net);
    if let (Some(best), Some(single)) = (outcome.top.best(), &single)
        && best.nodes.len() > 1
        && !outcome.top.items.iter().any(|a| a.nodes == single.nodes)
    {
        let solution = Solution::from_alloc(&net, Some(single), method, false);
        alternatives.push(alternative(
            "cheapest single-node plan".into(),
            AlternativeKind::SingleNode,
            solution,
        ));
    }
    let closest = Solution::from_alloc(&net, baselines::closest_alloc(&net).as_ref(), Method::ClosestWithStock, false);
    let fewest = Solution::from_alloc(&net, baselines::fewest_alloc(&net).as_ref(), Method::FewestSplits, false);
    let lower_bound = exact::lower_bound(&net);

    let explanation = explain::explain(&explain::Context {
        net: &net,
        chosen: &chosen,
        runner_up: alternatives.first().filter(|a| a.kind == AlternativeKind::RunnerUp),
        runner_up_ranked,
        best_single: single.as_ref(),
        baselines: [("closest-node-with-stock rule", &closest), ("fewest-packages rule", &fewest)],
        explored: outcome.explored,
        lower_bound,
    });
    let confidence = confidence(
        &chosen,
        alternatives.first().filter(|a| a.kind == AlternativeKind::RunnerUp),
        lower_bound,
    );
    alternatives.push(alternative(
        "closest node with stock".into(),
        AlternativeKind::ClosestWithStock,
        closest,
    ));
    alternatives.push(alternative("fewest packages".into(), AlternativeKind::FewestSplits, fewest));

    Ok(SourcingDecision {
        feasible: chosen.cost.feasible,
        assignments: chosen.plan.assignments,
        cost: chosen.cost,
        alternatives,
        explanation,
        confidence,
        method,
        proven_optimal: proven,
    })
}

/// Cheapest plan shipping from one node, if any node can ship it all.
fn best_single(net: &Network) -> Option<Alloc> {
    net.candidates
        .iter()
        .filter_map(|&n| net.allocate(&[n]))
        .min_by(|a, b| a.cmp_rank(b))
}

/// Optimality (1 when proven, else how close the cost is to a lower bound)
/// times decisiveness (how far the runner-up is: full at a 10% gap, half on
/// a tie).
fn confidence(chosen: &Solution, runner_up: Option<&Alternative>, lower_bound: f64) -> f64 {
    if !chosen.cost.feasible {
        // "No plan exists" is certain when exact search proved it.
        return if chosen.proven_optimal { 1.0 } else { 0.3 };
    }
    let total = chosen.cost.total;
    let optimality = if chosen.proven_optimal {
        1.0
    } else if total > 0.0 {
        0.5 + 0.4 * (lower_bound / total).clamp(0.0, 1.0)
    } else {
        0.9
    };
    let decisiveness = match runner_up.and_then(|r| r.extra_cost) {
        Some(extra) => 0.5 + 0.5 * (extra / total.abs().max(1.0) / 0.10).clamp(0.0, 1.0),
        None => 1.0,
    };
    (optimality * decisiveness * 1000.0).round() / 1000.0
}
