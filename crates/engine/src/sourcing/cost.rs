//! The cost of a plan and whether it is feasible: the single source of truth
//! that every solver, baseline and test is judged by.
//!
//! ```text
//! cost = Σ over nodes used (handling_cost + package_cost
//!                           + late_days × late_penalty_per_day
//!                           + carbon_per_km × distance_km + preference)
//!      + Σ units × (unit_cost + unit_weight × shipping_rate)
//!      + (nodes used − 1) × split_penalty
//! late_days = max(0, transit_days − promised_days)
//! ```
//!
//! Without the optional fields this is exactly the formula of DESIGN.md.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::network::{Network, Unusable};
use super::{Instance, Plan};

/// A plan's cost, part by part, and whether it may be carried out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostBreakdown {
    /// Sum of the parts below.
    pub total: f64,
    /// Σ handling_cost over nodes used.
    pub handling: f64,
    /// Σ package_cost over nodes used.
    pub package: f64,
    /// Σ units × unit_cost.
    pub units: f64,
    /// Σ units × unit_weight × shipping_rate (zone and weight based shipping).
    pub shipping: f64,
    /// Σ late_days × late_penalty_per_day over nodes used.
    pub lateness: f64,
    /// (nodes used − 1) × split_penalty.
    pub split: f64,
    /// Σ carbon_per_km × distance_km over nodes used.
    pub carbon: f64,
    /// Σ preference over nodes used (negative for bonuses).
    pub preference: f64,
    /// Packages: distinct nodes that ship at least one unit.
    pub nodes_used: usize,
    /// Σ late_days over nodes used.
    pub late_days: u32,
    /// True when every line ships in full and no constraint is broken.
    pub feasible: bool,
    /// What makes the plan infeasible, in plain words; empty when feasible.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<String>,
}

impl CostBreakdown {
    /// The parts with their names in plain words, largest first (ties in
    /// declaration order).
    pub(crate) fn parts(&self) -> Vec<(&'static str, f64)> {
        let mut parts = vec![
            ("unit costs", self.units),
            ("weight-based shipping", self.shipping),
            ("package costs", self.package),
            ("handling", self.handling),
            ("late-delivery penalties", self.lateness),
            ("split penalties", self.split),
            ("carbon cost", self.carbon),
        ];
        parts.sort_by(|a, b| b.1.total_cmp(&a.1));
        parts
    }
}

/// Rounds away float noise (0.1 + 0.2) so figures read as entered.
pub(crate) fn round(x: f64) -> f64 {
    (x * 1e9).round() / 1e9
}

/// Cost and feasibility of `plan` for `instance`. Never panics: unknown nodes
/// or SKUs, non-positive quantities and broken constraints are reported as
/// violations. Expects a validated instance for meaningful figures.
pub fn evaluate(instance: &Instance, plan: &Plan) -> CostBreakdown {
    evaluate_in(&Network::new(instance), plan)
}

pub(crate) fn evaluate_in(net: &Network, plan: &Plan) -> CostBreakdown {
    let inst = net.inst;
    let mut violations = Vec::new();
    let line_of: BTreeMap<_, _> = inst.lines.iter().enumerate().map(|(l, line)| (&line.sku, l)).collect();
    let mut qty: BTreeMap<(u32, usize), i64> = BTreeMap::new();
    for (i, a) in plan.assignments.iter().enumerate() {
        let Some(n) = net.index_of(&a.node) else {
            violations.push(format!("assignments[{i}]: node `{}` is not in the instance.", a.node));
            continue;
        };
        let Some(&l) = line_of.get(&a.sku) else {
            violations.push(format!("assignments[{i}]: SKU `{}` is not on the order.", a.sku));
            continue;
        };
        if a.quantity.units() <= 0 {
            violations.push(format!("assignments[{i}]: quantity must be positive; got {}.", a.quantity));
            continue;
        }
        *qty.entry((n, l)).or_default() += a.quantity.units();
    }

    let mut b = CostBreakdown {
        total: 0.0,
        handling: 0.0,
        package: 0.0,
        units: 0.0,
        shipping: 0.0,
        lateness: 0.0,
        split: 0.0,
        carbon: 0.0,
        preference: 0.0,
        nodes_used: 0,
        late_days: 0,
        feasible: false,
        violations: Vec::new(),
    };
    let mut per_line = vec![0i64; inst.lines.len()];
    let mut current: Option<u32> = None;
    let mut load = 0i64;
    let entries: Vec<_> = qty.into_iter().collect();
    for (i, &((n, l), q)) in entries.iter().enumerate() {
        let node = net.node(n);
        let line = &inst.lines[l];
        if current != Some(n) {
            current = Some(n);
            load = 0;
            b.nodes_used += 1;
            let late = node.late_days(inst.promised_days);
            b.handling += node.handling_cost;
            b.package += node.package_cost;
            b.late_days += late;
            b.lateness += f64::from(late) * inst.late_penalty_per_day;
            b.carbon += inst.carbon_per_km * node.distance_km;
            b.preference += node.preference;
            match net.unusable[n as usize] {
                Some(Unusable::Excluded) => violations.push(format!("{} is excluded from this order.", node.id)),
                Some(Unusable::KindExcluded(kind)) => violations.push(format!(
                    "{} is a {} node, a kind excluded from this order.",
                    node.id,
                    kind_name(kind)
                )),
                Some(Unusable::Lacks(cap)) => {
                    violations.push(format!("{} lacks {}, which the order requires.", node.id, capability_name(cap)))
                }
                Some(Unusable::NoCapacity) | Some(Unusable::NoStock) | None => {}
            }
        }
        b.units += q as f64 * node.unit_cost;
        b.shipping += q as f64 * line.unit_weight * node.shipping_rate;
        per_line[l] += q;
        load += q;
        if let Some(cap) = line.required_capabilities.iter().find(|c| !node.capabilities.contains(c)) {
            violations.push(format!("{} lacks {}, which {} requires.", node.id, capability_name(*cap), line.sku));
        }
        let held = node.stock.get(&line.sku).map_or(0, |s| s.units());
        if q > held {
            violations.push(format!("{} holds {held} of {}; the plan takes {q}.", node.id, line.sku));
        }
        let last_of_node = entries.get(i + 1).is_none_or(|e| e.0.0 != n);
        if last_of_node
            && let Some(cap) = node.capacity_units
            && load > cap.units()
        {
            violations.push(format!(
                "{} can ship {} units today; the plan gives it {load}.",
                node.id,
                cap.units()
            ));
        }
    }
    for (l, line) in inst.lines.iter().enumerate() {
        let want = line.quantity.units();
        match per_line[l].cmp(&want) {
            std::cmp::Ordering::Less => violations.push(format!("{}: {} of {want} units assigned.", line.sku, per_line[l])),
            std::cmp::Ordering::Greater => violations.push(format!("{}: {} units assigned, {want} ordered.", line.sku, per_line[l])),
            std::cmp::Ordering::Equal => {}
        }
    }
    if let Some(max) = inst.max_nodes
        && b.nodes_used > max
    {
        violations.push(format!("The plan uses {} nodes; at most {max} allowed.", b.nodes_used));
    }
    b.split = b.nodes_used.saturating_sub(1) as f64 * inst.split_penalty;
    b.total = b.handling + b.package + b.units + b.shipping + b.lateness + b.split + b.carbon + b.preference;
    for x in [
        &mut b.total,
        &mut b.handling,
        &mut b.package,
        &mut b.units,
        &mut b.shipping,
        &mut b.lateness,
        &mut b.split,
        &mut b.carbon,
        &mut b.preference,
    ] {
        *x = round(*x);
    }
    b.feasible = violations.is_empty();
    b.violations = violations;
    b
}

pub(crate) fn capability_name(cap: model::node::Capability) -> &'static str {
    use model::node::Capability::*;
    match cap {
        Hazmat => "hazmat",
        GiftWrap => "gift wrap",
        International => "international shipping",
        ColdChain => "cold chain",
        Oversize => "oversize handling",
        Bopis => "buy-online-pick-up-in-store",
        Returns => "returns",
    }
}

pub(crate) fn kind_name(kind: model::node::NodeKind) -> &'static str {
    use model::node::NodeKind::*;
    match kind {
        Dc => "DC",
        Store => "store",
        ThirdParty => "3PL",
        Dropship => "drop-ship",
    }
}
