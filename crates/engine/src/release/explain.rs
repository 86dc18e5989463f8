//! Explanations of a release plan (weights: the share of the orders each
//! factor concerns) and of one order's decision (weights: each score part's
//! share of the order's score; the outcome line, first, weighs 0).

use std::collections::BTreeMap;

use model::Timestamp;
use model::ops::Factor;

use super::score::WEIGHTS;
use super::{CustomerTier, HoldReason, OrderRelease, Outcome, ReleasePlan};

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        (part as f64 / whole as f64 * 1000.0).round() / 1000.0
    }
}

fn measure(plan: &ReleasePlan, node: &model::NodeId) -> &'static str {
    match plan.nodes.iter().find(|n| &n.node == node).map(|n| n.basis) {
        Some(super::CapacityBasis::Lines) => "lines",
        _ => "units",
    }
}

/// Nodes with waiting orders named one by one, the biggest first.
const NODES_NAMED: usize = 5;

/// The plan's factors: what was released, where and why orders wait.
pub fn explain(plan: &ReleasePlan) -> Vec<Factor> {
    let total = plan.decisions.len();
    let released = plan
        .decisions
        .iter()
        .filter(|d| matches!(d.outcome, Outcome::Released { .. }))
        .count();
    let held = total - released;
    let mut factors = vec![Factor {
        description: format!(
            "Released {} of {} in {} at {}; {} wait.",
            released,
            plural(total, "order", "orders"),
            plural(plan.waves.len(), "wave", "waves"),
            plural(plan.nodes.iter().filter(|n| n.waves > 0).count(), "node", "nodes"),
            held
        ),
        weight: share(released, total),
    }];

    // (labour, behind, no labour) per node.
    let mut by_node: BTreeMap<&model::NodeId, [usize; 3]> = BTreeMap::new();
    for d in &plan.decisions {
        if let Outcome::Held { reason, .. } = &d.outcome {
            let slot = match reason {
                HoldReason::NoCapacityBeforeCutoff => 0,
                HoldReason::BehindEarlierCutoff => 1,
                HoldReason::NoLabour => 2,
            };
            by_node.entry(&d.node).or_default()[slot] += 1;
        }
    }
    let no_labour: Vec<(&model::NodeId, usize)> = by_node.iter().filter(|(_, c)| c[2] > 0).map(|(n, c)| (*n, c[2])).collect();
    let mut short: Vec<(&model::NodeId, [usize; 3])> = by_node.iter().filter(|(_, c)| c[0] + c[1] > 0).map(|(n, c)| (*n, *c)).collect();
    short.sort_by(|a, b| (b.1[0] + b.1[1]).cmp(&(a.1[0] + a.1[1])).then(a.0.cmp(b.0)));
    for (node, c) in short.iter().take(NODES_NAMED) {
        let summary = plan.nodes.iter().find(|n| &n.node == *node);
        let first = plan.decisions.iter().find(|d| {
            &d.node == *node
                && matches!(
                    d.outcome,
                    Outcome::Held {
                        reason: HoldReason::NoCapacityBeforeCutoff,
                        ..
                    }
                )
        });
        let why = match first.map(|d| &d.outcome) {
            Some(Outcome::Held { detail, .. }) => {
                // "No labour left before the UPS cutoff at 16:00: its …" → "no labour left before the UPS cutoff at 16:00".
                let head = detail.split(": ").next().unwrap_or(detail).trim_end_matches('.');
                let mut chars = head.chars();
                let head: String = chars.next().map(|c| c.to_ascii_lowercase()).into_iter().chain(chars).collect();
                format!(" ({head})")
            }
            _ => String::new(),
        };
        let behind = if c[1] > 0 {
            format!(", {} behind earlier-cutoff orders", plural(c[1], "more waits", "more wait"))
        } else {
            String::new()
        };
        let released_here = summary.map_or(0, |s| s.released);
        factors.push(Factor {
            description: format!(
                "{node}: {} for labour{why}{behind}; {} released in {} ({:.0} of {:.0} {} of wave capacity used).",
                plural(c[0], "order waits", "orders wait"),
                released_here,
                plural(summary.map_or(0, |s| s.waves), "wave", "waves"),
                summary.map_or(0.0, |s| s.work_released),
                summary.map_or(0.0, |s| s.wave_capacity),
                measure(plan, node),
            ),
            weight: share(c[0] + c[1], total),
        });
    }
    if short.len() > NODES_NAMED {
        let rest: usize = short[NODES_NAMED..].iter().map(|(_, c)| c[0] + c[1]).sum();
        factors.push(Factor {
            description: format!(
                "{} more nodes hold {} for labour.",
                short.len() - NODES_NAMED,
                plural(rest, "order", "orders")
            ),
            weight: share(rest, total),
        });
    }
    if !no_labour.is_empty() {
        let n: usize = no_labour.iter().map(|(_, k)| k).sum();
        let names: Vec<String> = no_labour.iter().map(|(node, _)| node.to_string()).collect();
        factors.push(Factor {
            description: format!(
                "{} at nodes without picking labour planned: {}.",
                plural(n, "order waits", "orders wait"),
                names.join(", ")
            ),
            weight: share(n, total),
        });
    }
    let rolled = plan.decisions.iter().filter(|d| d.missed_cutoff.is_some()).count();
    if rolled > 0 {
        factors.push(Factor {
            description: format!(
                "{} too big to pick before the next cutoff even with the floor to {}, so {} planned for the carrier's following cutoff.",
                plural(rolled, "order is", "orders are"),
                if rolled == 1 { "itself" } else { "themselves" },
                if rolled == 1 { "it is" } else { "they are" }
            ),
            weight: share(rolled, total),
        });
    }
    factors.push(Factor {
        description: format!(
            "Orders due at the earliest carrier cutoff are placed first; among equals they rank by cutoff urgency ({:.0}%), promised date ({:.0}%), customer tier ({:.0}%) and pick density ({:.0}%), and each wave lists its orders zone by zone.",
            WEIGHTS[0] * 100.0,
            WEIGHTS[1] * 100.0,
            WEIGHTS[2] * 100.0,
            WEIGHTS[3] * 100.0
        ),
        weight: 0.0,
    });
    factors
}

fn tier_name(t: CustomerTier) -> &'static str {
    match t {
        CustomerTier::Standard => "standard",
        CustomerTier::Silver => "silver",
        CustomerTier::Gold => "gold",
        CustomerTier::Platinum => "platinum",
    }
}

/// One order's factors: the outcome, then the parts of its score.
pub fn explain_order(d: &OrderRelease, now: Timestamp) -> Vec<Factor> {
    let minutes = |t: Timestamp| ((t.as_second() - now.as_second()) as f64 / 60.0).round();
    let cutoff = match d.cutoff {
        Some(c) => format!("the {} cutoff in {:.0} min", d.carrier, minutes(c)),
        None => format!("no {} cutoff at {}", d.carrier, d.node),
    };
    let outcome = match &d.outcome {
        Outcome::Released { wave_id, done_by, .. } => {
            let spare = d.cutoff.map(|c| minutes(c) - minutes(*done_by));
            let spare = match spare {
                None => String::new(),
                Some(m) if m < 1.0 => ", just at the cutoff".to_string(),
                Some(m) => format!(", {m:.0} min before the cutoff"),
            };
            format!(
                "Released in wave {wave_id} as rank {} at {}; due at {cutoff}; picking ends in {:.0} min{spare}.",
                d.rank,
                d.node,
                minutes(*done_by)
            )
        }
        Outcome::Held { detail, .. } => format!("Held (rank {} at {}): {detail}", d.rank, d.node),
    };
    let mut factors = vec![Factor {
        description: outcome,
        weight: 0.0,
    }];
    if let Some(m) = d.missed_cutoff {
        factors.push(Factor {
            description: format!(
                "It cannot be picked before the {} cutoff in {:.0} min even alone ({} of work), so it is planned for the next one.",
                d.carrier,
                minutes(m),
                d.work
            ),
            weight: 0.0,
        });
    }
    let parts = [
        (
            WEIGHTS[0] * d.parts.urgency,
            format!("Cutoff urgency {:.2}: {cutoff}.", d.parts.urgency),
        ),
        (
            WEIGHTS[1] * d.parts.promise,
            match d.promised_by {
                Some(p) => format!("Promise pressure {:.2}: promised by {p}.", d.parts.promise),
                None => "No promised date.".to_string(),
            },
        ),
        (
            WEIGHTS[2] * d.parts.tier,
            format!("Customer tier {} ({:.2}).", tier_name(d.tier), d.parts.tier),
        ),
        (
            WEIGHTS[3] * d.parts.density,
            format!(
                "Pick density {:.2}: on average {:.0}% of the node's other orders pick in the same zones.",
                d.parts.density,
                d.parts.density * 100.0
            ),
        ),
    ];
    let sum: f64 = parts.iter().map(|p| p.0).sum();
    let mut scored: Vec<Factor> = parts
        .into_iter()
        .map(|(w, description)| Factor {
            description,
            weight: if sum > 0.0 { (w / sum * 1000.0).round() / 1000.0 } else { 0.0 },
        })
        .collect();
    scored.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    factors.extend(scored);
    factors
}
