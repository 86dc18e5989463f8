//! The explanation of a sourcing decision: factors in plain words, each
//! weighted by its share of the money at stake (of the short units when no
//! plan ships the order), largest first.

use model::ops::Factor;

use super::cost::{capability_name, kind_name};
use super::network::{Alloc, Network, Unusable};
use super::{Alternative, EXACT_MAX_NODES, Method, Solution};

pub(crate) struct Context<'a> {
    pub net: &'a Network<'a>,
    pub chosen: &'a Solution,
    pub runner_up: Option<&'a Alternative>,
    /// The runner-up is provably the next best plan (not merely one found).
    pub runner_up_ranked: bool,
    pub best_single: Option<&'a Alloc>,
    pub baselines: [(&'static str, &'a Solution); 2],
    pub explored: u64,
    pub lower_bound: f64,
}

/// `$3.00`, `-$1.50`.
pub(crate) fn money(x: f64) -> String {
    if x < 0.0 { format!("-${:.2}", -x) } else { format!("${:.2}", x) }
}

fn plural(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

pub(crate) fn explain(ctx: &Context) -> Vec<Factor> {
    let mut factors: Vec<(String, f64)> = if ctx.chosen.cost.feasible { feasible(ctx) } else { infeasible(ctx) };
    if let Some(line) = unusable(ctx.net) {
        factors.push((line, 0.0));
    }
    factors.push((method(ctx), 0.0));
    let sum: f64 = factors.iter().map(|f| f.1.max(0.0)).sum();
    let mut out: Vec<Factor> = factors
        .into_iter()
        .map(|(description, amount)| Factor {
            description,
            weight: if sum > 0.0 {
                (amount.max(0.0) / sum * 1000.0).round() / 1000.0
            } else {
                0.0
            },
        })
        .collect();
    out.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    out
}

fn feasible(ctx: &Context) -> Vec<(String, f64)> {
    let net = ctx.net;
    let inst = net.inst;
    let cost = &ctx.chosen.cost;
    let plan = &ctx.chosen.plan;
    let nodes = plan.nodes();
    let units: i64 = net.total;
    let mut factors = Vec::new();

    if let [node] = nodes.as_slice() {
        let what = if inst.lines.len() == 1 {
            format!("all {} of {}", plural(units as u64, "unit", "units"), inst.lines[0].sku)
        } else {
            format!("all {} lines ({})", inst.lines.len(), plural(units as u64, "unit", "units"))
        };
        // The saving is real only if another node could have shipped a part.
        if inst.split_penalty > 0.0 && net.candidates.len() > 1 {
            factors.push((
                format!(
                    "{node} ships {what} in one package: saves the {} split penalty.",
                    money(inst.split_penalty)
                ),
                inst.split_penalty,
            ));
        } else {
            factors.push((format!("{node} ships {what} in one package."), 0.0));
        }
    } else {
        let parts: Vec<String> = nodes
            .iter()
            .map(|n| {
                let items: Vec<String> = plan
                    .assignments
                    .iter()
                    .filter(|a| &a.node == n)
                    .map(|a| format!("{}×{}", a.sku, a.quantity))
                    .collect();
                format!("{n} ({})", items.join(", "))
            })
            .collect();
        let why = match ctx.best_single {
            None => "No single node can ship the whole order.".to_string(),
            Some(single) => {
                let single_cost = super::cost::evaluate_in(net, &net.to_plan(single)).total;
                format!(
                    "That is still {} cheaper than the cheapest single-node plan ({}, {}).",
                    money(single_cost - cost.total),
                    net.node_id(single.nodes[0]),
                    money(single_cost)
                )
            }
        };
        let extra = if nodes.len() == 2 {
            "the extra package adds".to_string()
        } else {
            format!("the {} extra packages add", nodes.len() - 1)
        };
        factors.push((
            format!(
                "The order ships in {} packages: {}; {extra} {} in split penalties. {why}",
                nodes.len(),
                parts.join(", "),
                money(cost.split)
            ),
            cost.split,
        ));
    }

    if let Some(&(name, amount)) = cost.parts().first()
        && amount > 0.0
    {
        let verb = if name.ends_with('s') { "are" } else { "is" };
        let pct = if cost.total > 0.0 { amount / cost.total * 100.0 } else { 0.0 };
        factors.push((
            format!(
                "{} {verb} the main cost driver: {} of the {} total ({pct:.0}%).",
                capitalise(name),
                money(amount),
                money(cost.total)
            ),
            amount,
        ));
    }

    let mut any_late = false;
    for (id, node) in nodes.iter().filter_map(|id| net.index_of(id).map(|n| (id, net.node(n)))) {
        let late = node.late_days(inst.promised_days);
        if late > 0 {
            any_late = true;
            let penalty = f64::from(late) * inst.late_penalty_per_day;
            factors.push((
                format!(
                    "{id} takes {} against the promised {}: {} late, a {} penalty.",
                    plural(node.transit_days, "day", "days"),
                    inst.promised_days,
                    plural(late, "day", "days"),
                    money(penalty)
                ),
                penalty,
            ));
        }
    }
    let could_be_late = net.candidates.iter().any(|&n| net.node(n).late_days(inst.promised_days) > 0);
    if !any_late && could_be_late && inst.late_penalty_per_day > 0.0 {
        factors.push((
            format!(
                "Every package arrives within the promised {} days, so no late penalty applies.",
                inst.promised_days
            ),
            0.0,
        ));
    }
    if cost.preference != 0.0 {
        let what = if cost.preference < 0.0 { "bonus" } else { "penalty" };
        factors.push((
            format!("Node preferences add a {what} of {} to this plan.", money(cost.preference.abs())),
            cost.preference.abs(),
        ));
    }

    let window = format!("{:.0}%", super::RUNNER_UP_WINDOW * 100.0);
    match (ctx.runner_up, ctx.runner_up.and_then(|r| r.extra_cost.zip(r.score))) {
        (Some(r), Some((extra, total))) => {
            let nodes = list(&r.nodes);
            let text = if ctx.runner_up_ranked {
                format!("The next best plan ({nodes}) costs {} more ({}).", money(extra), money(total))
            } else if ctx.chosen.proven_optimal {
                format!(
                    "Every other plan costs at least {window} more; the closest found ({nodes}) costs {} more ({}).",
                    money(extra),
                    money(total)
                )
            } else {
                format!("The next best plan found ({nodes}) costs {} more ({}).", money(extra), money(total))
            };
            factors.push((text, extra));
        }
        _ if net.candidates.len() == 1 => factors.push((format!("{} is the only node that can ship any of this order.", nodes[0]), 0.0)),
        _ if ctx.chosen.proven_optimal => factors.push((format!("No other plan comes within {window} of this one's cost."), 0.0)),
        _ => {}
    }

    for (rule, baseline) in ctx.baselines {
        let nodes = baseline.plan.nodes();
        if !baseline.cost.feasible {
            let why = baseline.cost.violations.first().map_or(String::new(), |v| format!(": {v}"));
            factors.push((format!("The {rule} finds no feasible plan{why}"), 0.0));
            continue;
        }
        let extra = baseline.cost.total - cost.total;
        if extra > 1e-9 {
            factors.push((
                format!(
                    "Saves {} against the {rule} ({}, {}).",
                    money(extra),
                    list(&nodes),
                    money(baseline.cost.total)
                ),
                extra,
            ));
        } else {
            factors.push((format!("The {rule} reaches the same cost ({}).", list(&nodes)), 0.0));
        }
    }
    factors
}

fn infeasible(ctx: &Context) -> Vec<(String, f64)> {
    let net = ctx.net;
    let inst = net.inst;
    let mut factors = Vec::new();
    for (l, line) in inst.lines.iter().enumerate() {
        let holders: Vec<(u32, i64)> = net.candidates.iter().map(|&n| (n, net.st(n, l))).filter(|h| h.1 > 0).collect();
        let available: i64 = holders.iter().map(|h| h.1).sum::<i64>().min(net.demand[l]);
        if available < net.demand[l] {
            let at: Vec<String> = holders.iter().map(|&(n, q)| format!("{}: {q}", net.node_id(n))).collect();
            let where_ = if at.is_empty() {
                "none at any node that may ship it".to_string()
            } else {
                at.join(", ")
            };
            factors.push((
                format!(
                    "{}: {} ordered, only {available} available to this order ({where_}).",
                    line.sku, net.demand[l]
                ),
                (net.demand[l] - available) as f64,
            ));
        }
    }
    if factors.is_empty() {
        let reach: i64 = net.candidates.iter().map(|&n| net.reach(n)).sum();
        let (shipped, _) = net.max_shippable(&net.candidates);
        if reach < net.total {
            factors.push((
                format!(
                    "The nodes that may ship this order can send {reach} units today; it has {}.",
                    net.total
                ),
                (net.total - reach) as f64,
            ));
        } else if shipped < net.total {
            factors.push((
                format!(
                    "Stock and daily capacity do not combine: at most {shipped} of the order's {} units can ship today.",
                    net.total
                ),
                (net.total - shipped) as f64,
            ));
        } else {
            let max = inst.max_nodes.unwrap_or(usize::MAX);
            let rule = if max == 1 { " (never split)".to_string() } else { String::new() };
            factors.push((
                format!(
                    "No plan within the limit of {}{rule} ships the whole order; more nodes together could.",
                    plural(max as u64, "node", "nodes")
                ),
                1.0,
            ));
        }
    }
    factors
}

/// Nodes that cannot ship this order at all, and why (first five named).
fn unusable(net: &Network) -> Option<String> {
    let reasons: Vec<String> = net
        .unusable
        .iter()
        .enumerate()
        .filter_map(|(n, r)| {
            let id = net.node_id(n as u32);
            r.map(|r| match r {
                Unusable::Excluded => format!("{id} is excluded"),
                Unusable::KindExcluded(kind) => format!("{id} is a {} node, a kind excluded here", kind_name(kind)),
                Unusable::Lacks(cap) => format!("{id} lacks {}", capability_name(cap)),
                Unusable::NoCapacity => format!("{id} has no capacity left today"),
                Unusable::NoStock => format!("{id} holds none of the ordered SKUs it may ship"),
            })
        })
        .collect();
    if reasons.is_empty() {
        return None;
    }
    let named = reasons.iter().take(5).cloned().collect::<Vec<_>>().join("; ");
    let more = if reasons.len() > 5 {
        format!("; and {} more", reasons.len() - 5)
    } else {
        String::new()
    };
    Some(format!(
        "{} of {} cannot ship this order: {named}{more}.",
        reasons.len(),
        plural(net.order.len() as u64, "node", "nodes")
    ))
}

fn method(ctx: &Context) -> String {
    let usable = ctx.net.candidates.len();
    match ctx.chosen.method {
        Method::Exact if ctx.chosen.proven_optimal && ctx.chosen.cost.feasible => format!(
            "Exact search over the {} that can ship proved no cheaper plan exists ({} examined).",
            plural(usable as u64, "node", "nodes"),
            plural(ctx.explored, "node set", "node sets")
        ),
        Method::Exact if ctx.chosen.proven_optimal => format!(
            "Exact search over the {} that can ship proved no feasible plan exists ({} examined).",
            plural(usable as u64, "node", "nodes"),
            plural(ctx.explored, "node set", "node sets")
        ),
        Method::Exact => format!(
            "Exact search stopped after {}; this is the best plan found, not proven optimal.",
            plural(ctx.explored, "node set", "node sets")
        ),
        _ if ctx.chosen.cost.feasible && ctx.chosen.cost.total > 0.0 => {
            let gap = ((ctx.chosen.cost.total - ctx.lower_bound) / ctx.chosen.cost.total * 100.0).max(0.0);
            format!(
                "Fast heuristic for {usable} usable nodes (exact search handles up to {EXACT_MAX_NODES}); the cost is at most {gap:.1}% above a lower bound."
            )
        }
        _ => format!("Fast heuristic for {usable} usable nodes (exact search handles up to {EXACT_MAX_NODES})."),
    }
}

fn list(nodes: &[model::NodeId]) -> String {
    let ids: Vec<&str> = nodes.iter().map(|n| n.as_str()).collect();
    ids.join(" + ")
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or(String::new(), |c| c.to_uppercase().chain(chars).collect())
}
