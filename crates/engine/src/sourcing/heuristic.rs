//! Fast sourcing for large networks: construct, then improve.
//!
//! 1. Every node that can ship the whole order alone (complete scan).
//! 2. Greedy set cover by marginal cost, twice: cost per unit covered and
//!    cost per share of the order's lines covered. A cover that capacity
//!    sharing makes infeasible is repaired by adding the nodes holding what
//!    is short.
//! 3. Local search from each start, best improvement per pass: drop a node,
//!    swap a node for another, add a node. Quantities are re-optimised
//!    exactly for every set tried (`Network::allocate`), which also covers
//!    "move quantities between nodes". Besides the two greedy starts, a
//!    greedy cover is grown from each of the most promising nodes ("pilots")
//!    and the best few are improved too; moves include two nodes for one.
//! 4. When `max_nodes` is set and no start fits within it, or it is at most
//!    2, a bounded branch and bound over sets of at most `max_nodes` nodes
//!    (networks of up to 500 usable nodes), so a feasible plan is found
//!    whenever one exists in small networks.
//!
//! Above 128 usable nodes, moves bring in only a shortlist: the 64 most
//! promising nodes plus each line's cheapest and largest holders.

use super::exact::{self, Outcome};
use super::network::{Alloc, Network, TopK, eps};
use super::{Instance, Method, Solution};
use crate::Error;

/// Passes of local search per start; each pass is one improving move.
const MAX_PASSES: usize = 64;
/// Largest set whose two-for-one moves are tried (they grow with its square).
const PAIR_MOVES_UP_TO: usize = 4;
/// Above this many usable nodes, moves bring in only a shortlist of them.
const SHORTLIST_ABOVE: usize = 128;
/// Nodes a pilot cover is grown from: the most promising by first greedy step.
const PILOT_SEEDS: usize = 64;
/// Pilot covers that go on to local search.
const PILOTS: usize = 3;
/// Above this many usable nodes the fallback search is skipped: its bound
/// costs nodes × lines per step.
const FALLBACK_MAX_CANDIDATES: usize = 500;
/// Node sets the fallback search for a plan within `max_nodes` may examine.
const FEASIBILITY_BUDGET: u64 = 100_000;

/// A good plan quickly; not proven optimal.
pub fn solve(instance: &Instance) -> Result<Solution, Error> {
    instance.validate()?;
    let net = Network::new(instance);
    Ok(run(&net, TopK::new(1)).solution(&net, Method::Heuristic))
}

/// The heuristic, offering the node sets it sees to `top`.
pub(crate) fn run(net: &Network, mut top: TopK) -> Outcome {
    let mut starts = Vec::new();
    if let Some(single) = best_single(net, &mut top) {
        starts.push(single);
    }
    for per_line in [false, true] {
        if let Some(alloc) = repair(net, greedy_cover(net, per_line, &[])) {
            starts.push(alloc);
        }
    }
    // Pilots: a greedy cover grown from each promising node in turn; the best
    // few go on to local search. This reaches plans whose nodes the plain
    // greedy never starts from, where single-node moves cannot get to them.
    let mut pilots = TopK::new(PILOTS);
    for (_, n) in promising(net).into_iter().take(PILOT_SEEDS) {
        if let Some(alloc) = repair(net, greedy_cover(net, false, &[n]))
            && alloc.nodes.len() <= net.max_nodes
        {
            pilots.offer(alloc);
        }
    }
    starts.extend(pilots.items);
    let movers = movers(net);
    let mut seen: Vec<Vec<u32>> = Vec::new();
    for start in starts {
        if seen.contains(&start.nodes) {
            continue;
        }
        seen.push(start.nodes.clone());
        let Some(start) = reduce(net, start) else { continue };
        let local = improve(net, start, &mut top, &movers);
        top.offer(local);
    }
    let mut explored = 0;
    // With at most two nodes allowed the sets are few (n² / 2) and local
    // search, which moves one node at a time, is weakest; search them all.
    let few_sets = net.max_nodes <= 2;
    if (top.best().is_none() || few_sets) && net.max_nodes < net.candidates.len() && net.candidates.len() <= FALLBACK_MAX_CANDIDATES {
        let outcome = exact::bounded(net, FEASIBILITY_BUDGET, net.max_nodes, top);
        explored = outcome.explored;
        top = outcome.top;
    }
    Outcome {
        top,
        proven: false,
        explored,
    }
}

/// The construction alone (singles and greedy covers, no local search): the
/// exact search's first incumbents.
pub(crate) fn construct(net: &Network, k: usize) -> TopK {
    let mut top = TopK::new(k);
    best_single(net, &mut top);
    for per_line in [false, true] {
        if let Some(alloc) = repair(net, greedy_cover(net, per_line, &[]))
            && alloc.nodes.len() <= net.max_nodes
        {
            top.offer(alloc);
        }
    }
    top
}

/// Cheapest plan from one node, offering every single-node plan to `top`.
fn best_single(net: &Network, top: &mut TopK) -> Option<Alloc> {
    let mut best: Option<Alloc> = None;
    for &n in &net.candidates {
        if let Some(alloc) = net.allocate(&[n]) {
            if best.as_ref().is_none_or(|b| alloc.cmp_rank(b).is_lt()) {
                best = Some(alloc.clone());
            }
            top.offer(alloc);
        }
    }
    best
}

/// Greedy set cover from `initial`: repeatedly add the node with the lowest
/// marginal cost (its per-package cost, a split penalty after the first, its
/// units) per unit of remaining demand it covers — or per share of lines, so
/// that a node completing many small lines is not outweighed by one large
/// line.
fn greedy_cover(net: &Network, per_line: bool, initial: &[u32]) -> Vec<u32> {
    let mut remaining = net.demand.clone();
    let mut set: Vec<u32> = Vec::new();
    let add = |m: u32, set: &mut Vec<u32>, remaining: &mut [i64]| {
        set.push(m);
        let mut cap = net.cap[m as usize];
        for (l, rem) in remaining.iter_mut().enumerate() {
            let q = net.st(m, l).min(*rem).min(cap);
            cap -= q;
            *rem -= q;
        }
    };
    for &m in initial {
        add(m, &mut set, &mut remaining);
    }
    while remaining.iter().any(|&r| r > 0) {
        let mut best: Option<(f64, u32)> = None;
        let split = if set.is_empty() { 0.0 } else { net.split };
        for &m in &net.candidates {
            if set.contains(&m) {
                continue;
            }
            let ratio = marginal_ratio(net, m, &remaining, split, per_line);
            if ratio.is_finite() && best.is_none_or(|(r, _)| ratio < r - eps(r)) {
                best = Some((ratio, m));
            }
        }
        let Some((_, m)) = best else { break };
        add(m, &mut set, &mut remaining);
    }
    set.sort_unstable();
    set
}

/// Nodes local search may bring into a plan: all of them in networks up to
/// [`SHORTLIST_ABOVE`] usable nodes; beyond, the [`PILOT_SEEDS`] with the best
/// first greedy step plus, for each line, its two cheapest holders and its
/// largest one, so that line specialists stay in reach.
fn movers(net: &Network) -> Vec<u32> {
    if net.candidates.len() <= SHORTLIST_ABOVE {
        return net.candidates.clone();
    }
    let mut picked = vec![false; net.order.len()];
    for (_, n) in promising(net).into_iter().take(PILOT_SEEDS) {
        picked[n as usize] = true;
    }
    for l in 0..net.lines {
        for &n in net.by_cost[l].iter().take(2) {
            picked[n as usize] = true;
        }
        if let Some(&n) = net.by_cost[l]
            .iter()
            .max_by(|&&a, &&b| net.st(a, l).cmp(&net.st(b, l)).then(b.cmp(&a)))
        {
            picked[n as usize] = true;
        }
    }
    net.candidates.iter().copied().filter(|&n| picked[n as usize]).collect()
}

/// Candidates by their first greedy step (cost per unit of the whole order
/// they cover), best first.
fn promising(net: &Network) -> Vec<(f64, u32)> {
    let mut seeds: Vec<(f64, u32)> = net
        .candidates
        .iter()
        .map(|&n| (marginal_ratio(net, n, &net.demand, 0.0, false), n))
        .collect();
    seeds.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    seeds
}

/// What adding node `m` costs (per-package cost, `split`, units) per unit of
/// `remaining` demand it covers, or per share of lines; infinite when it
/// covers nothing.
fn marginal_ratio(net: &Network, m: u32, remaining: &[i64], split: f64, per_line: bool) -> f64 {
    let mut cap = net.cap[m as usize];
    let mut cost = net.fixed[m as usize] + split;
    let mut gain = 0.0;
    for (l, &rem) in remaining.iter().enumerate() {
        let q = net.st(m, l).min(rem).min(cap);
        if q > 0 {
            cap -= q;
            cost += q as f64 * net.uc(m, l);
            gain += if per_line { q as f64 / net.demand[l] as f64 } else { q as f64 };
        }
    }
    if gain > 0.0 { cost / gain } else { f64::INFINITY }
}

/// The cheapest quantities for `set`, adding nodes that hold what the set
/// cannot ship (shared capacity can leave a greedy cover short) until it can;
/// `None` when even every node together cannot ship the order.
fn repair(net: &Network, mut set: Vec<u32>) -> Option<Alloc> {
    loop {
        if let Some(alloc) = net.allocate(&set) {
            return Some(alloc);
        }
        let (_, partial) = net.max_shippable(&set);
        let mut short = net.demand.clone();
        for &(_, l, q) in &partial.x {
            short[l as usize] -= q;
        }
        let pick = net
            .candidates
            .iter()
            .filter(|n| !set.contains(n))
            .map(|&n| {
                let helps: i64 = short.iter().enumerate().map(|(l, &s)| net.st(n, l).min(s)).sum();
                (helps.min(net.cap[n as usize]), n)
            })
            .filter(|&(helps, _)| helps > 0)
            .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))?;
        set.push(pick.1);
        set.sort_unstable();
    }
}

/// Drops nodes, cheapest resulting plan first, until the plan fits within
/// `max_nodes`; `None` if it cannot without becoming infeasible.
fn reduce(net: &Network, mut alloc: Alloc) -> Option<Alloc> {
    while alloc.nodes.len() > net.max_nodes {
        alloc = (0..alloc.nodes.len())
            .filter_map(|i| {
                let mut set = alloc.nodes.clone();
                set.remove(i);
                net.allocate(&set)
            })
            .min_by(|a, b| a.cmp_rank(b))?;
    }
    Some(alloc)
}

/// Best-improvement local search over node sets; every feasible set tried is
/// offered to `top` (that is where runners-up come from).
fn improve(net: &Network, mut current: Alloc, top: &mut TopK, movers: &[u32]) -> Alloc {
    for _ in 0..MAX_PASSES {
        let mut best: Option<Alloc> = None;
        neighbours(net, &current.nodes, movers, |trial| {
            let bar = best.as_ref().map_or(current.objective, |b| b.objective).max(top.threshold());
            // Every unit costs ≥ 0, so a set whose opening costs alone reach
            // the bar can neither improve nor enter the runners-up.
            if net.fixed_cost(&trial) > bar + eps(bar) {
                return;
            }
            if let Some(alloc) = net.allocate(&trial)
                && alloc.nodes.len() <= net.max_nodes
            {
                if alloc.cmp_rank(&current).is_lt() && best.as_ref().is_none_or(|b| alloc.cmp_rank(b).is_lt()) {
                    best = Some(alloc.clone());
                }
                top.offer(alloc);
            }
        });
        match best {
            Some(better) => current = better,
            None => break,
        }
    }
    current
}

/// Offers the feasible neighbours of `best` to a fresh list of `k` plans:
/// runners-up for the explanation when a search kept none near the winner.
pub(crate) fn around(net: &Network, best: &Alloc, k: usize) -> TopK {
    let mut top = TopK::new(k);
    neighbours(net, &best.nodes, &movers(net), |trial| {
        if net.fixed_cost(&trial) <= top.threshold()
            && let Some(alloc) = net.allocate(&trial)
            && alloc.nodes.len() <= net.max_nodes
            && alloc.nodes != best.nodes
        {
            top.offer(alloc);
        }
    });
    top
}

/// Every set one move away from `set` (ascending) bringing in nodes from
/// `movers`: drop a node, two nodes for one (in sets of up to
/// [`PAIR_MOVES_UP_TO`]), swap one node for another, add a node (within
/// `max_nodes`).
fn neighbours(net: &Network, set: &[u32], movers: &[u32], mut visit: impl FnMut(Vec<u32>)) {
    let outside: Vec<u32> = movers.iter().copied().filter(|m| set.binary_search(m).is_err()).collect();
    if set.len() > 1 {
        for i in 0..set.len() {
            let mut trial = set.to_vec();
            trial.remove(i);
            visit(trial);
        }
    }
    // Two nodes for one: the move from three packages to a different two.
    let pairs = if set.len() <= PAIR_MOVES_UP_TO { set.len() } else { 0 };
    for i in 0..pairs {
        for j in i + 1..set.len() {
            let rest: Vec<u32> = set.iter().enumerate().filter(|&(p, _)| p != i && p != j).map(|(_, &n)| n).collect();
            for &m in &outside {
                let mut trial = rest.clone();
                trial.push(m);
                trial.sort_unstable();
                visit(trial);
            }
        }
    }
    for &m in &outside {
        for i in 0..set.len() {
            let mut trial = set.to_vec();
            trial[i] = m;
            trial.sort_unstable();
            visit(trial);
        }
        if set.len() < net.max_nodes {
            let mut trial = set.to_vec();
            trial.push(m);
            trial.sort_unstable();
            visit(trial);
        }
    }
}
