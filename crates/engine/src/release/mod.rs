//! Release and waves: which orders a node's floor should pick next, in which
//! waves, so that the work that must leave on the earliest carrier pickup is
//! picked first and no wave asks for more labour than the node has.
//!
//! [`plan_waves`] takes the releasable orders, each node's labour (units or
//! pick lines per hour, wave length, work already on the floor, carrier
//! cutoffs) and the current instant, and answers a [`ReleasePlan`]:
//!
//! 1. **Due time.** Each order is due at its node's next cutoff for its
//!    carrier (local wall-clock cutoffs on business days, see
//!    [`NodeLabour::utc_offset_minutes`]). An order too big to be picked
//!    before that cutoff even with the floor to itself is planned for the
//!    carrier's following cutoff (and says so).
//! 2. **Score** ([`score`]): cutoff urgency, promised-date slack, customer
//!    tier and pick density (how many other orders at the node share its
//!    pick zones), weighted 0.40 / 0.30 / 0.15 / 0.15.
//! 3. **Order.** Earliest cutoff first (orders without a cutoff last), then
//!    score, then age, then order id: the node's rank 1, 2, 3…
//! 4. **Waves.** Waves of [`NodeLabour::wave_minutes`] follow each other
//!    from the moment the floor's backlog is done. In rank order each order
//!    joins the first wave with room whose picking ends before the order's
//!    cutoff (and the earliest cutoff already in it); else a new wave is
//!    opened at the end. A wave never holds more work than its minutes of
//!    labour. An order that fits nowhere waits, with the reason; once an
//!    order waits for lack of labour before its cutoff, orders due at later
//!    cutoffs at that node wait behind it (same-cutoff orders may still fill
//!    the gaps), so capacity never goes to later work first.
//! 5. Within a wave, orders are listed by pick zone so pickers sweep one
//!    zone at a time.

mod bench;
mod clock;
mod explain;
mod score;
#[cfg(test)]
mod tests;
mod waves;

use jiff::civil::Date;
use model::node::Cutoff;
use model::ops::Factor;
use model::outbound::Wave;
use model::{NodeId, OrderId, Quantity, Sku, Timestamp};
use serde::{Deserialize, Serialize};

pub use bench::{ReleaseBench, bench, bench_now, generate};
pub use explain::{explain, explain_order};
pub use score::{ScoreParts, WEIGHTS, score};

use crate::Error;

/// Name and version of the release logic, for the decision record.
pub const MODEL: &str = "release-edf-waves/1";

/// No wave starts later than this after `now`: plans are redone often, and
/// labour further out is a guess.
pub const HORIZON_HOURS: i64 = 24;

/// How much a customer's tier counts when ranking orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerTier {
    #[default]
    Standard,
    Silver,
    Gold,
    Platinum,
}

/// One line to pick, with the pick zone its location sits in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseLine {
    pub sku: Sku,
    pub quantity: Quantity,
    /// The node's pick zone for this SKU, e.g. `A` or `MEZZ-2`.
    pub zone: String,
}

/// An order that is sourced, paid and ready to be picked at one node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Releasable {
    pub order_id: OrderId,
    pub node: NodeId,
    /// Carrier code (as in the node's cutoffs), e.g. `UPS`.
    pub carrier: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promised_by: Option<Date>,
    #[serde(default)]
    pub tier: CustomerTier,
    pub lines: Vec<ReleaseLine>,
    /// When the order was placed: older orders go first among equals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placed_at: Option<Timestamp>,
}

/// What a node's labour capacity is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CapacityBasis {
    /// Units picked per hour.
    #[default]
    Units,
    /// Pick lines (one SKU at one location) per hour.
    Lines,
}

fn default_wave_minutes() -> u32 {
    30
}

/// A node's picking labour and carrier pickups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeLabour {
    pub node: NodeId,
    /// The node's local time is UTC plus this many minutes at `now` (the
    /// caller resolves the node's time zone, DST included).
    #[serde(default)]
    pub utc_offset_minutes: i32,
    /// Daily carrier cutoffs, `HH:MM` local, on business days (Mon–Fri).
    pub cutoffs: Vec<Cutoff>,
    #[serde(default)]
    pub basis: CapacityBasis,
    /// Units or lines (see `basis`) the floor picks per hour.
    pub per_hour: f64,
    /// Work already released and not yet picked, in the same measure: the
    /// floor does it first.
    #[serde(default)]
    pub backlog: f64,
    /// Length of a wave.
    #[serde(default = "default_wave_minutes")]
    pub wave_minutes: u32,
    /// When the shift ends; no picking is planned after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shift_ends_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_orders_per_wave: Option<u32>,
}

/// Why an order waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldReason {
    /// The labour before its cutoff (or the shift's end, or the planning
    /// horizon) is taken by more urgent orders.
    NoCapacityBeforeCutoff,
    /// An order due at an earlier cutoff at the node is waiting for labour;
    /// later work does not jump ahead of it.
    BehindEarlierCutoff,
    /// The node has no labour plan, or a rate of zero.
    NoLabour,
}

/// What the plan does with one order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Released {
        wave_id: String,
        /// Wave number at the node, 1 first.
        wave: u32,
        /// When the wave's picking is planned to end.
        done_by: Timestamp,
    },
    Held {
        reason: HoldReason,
        /// The reason in plain words.
        detail: String,
    },
}

/// The decision for one order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderRelease {
    pub order_id: OrderId,
    pub node: NodeId,
    pub carrier: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promised_by: Option<Date>,
    pub tier: CustomerTier,
    /// Priority at the node, 1 the most urgent (also the wave's `priority`).
    pub rank: u32,
    pub score: f64,
    pub parts: ScoreParts,
    /// The cutoff it is planned for; absent when the node has no cutoff
    /// for its carrier.
    pub cutoff: Option<Timestamp>,
    /// The earlier cutoff it cannot make even with the floor to itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missed_cutoff: Option<Timestamp>,
    /// Labour it takes, in the node's measure.
    pub work: f64,
    pub outcome: Outcome,
    /// In [0, 1]: how little the call depends on the labour rate being
    /// exact (minutes to spare for a release, margin of a hold).
    pub confidence: f64,
}

/// One node's figures in the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeSummary {
    pub node: NodeId,
    pub basis: CapacityBasis,
    pub orders: usize,
    pub released: usize,
    pub held: usize,
    pub waves: usize,
    pub work_released: f64,
    pub work_held: f64,
    /// Labour in the planned waves' minutes (work they could hold).
    pub wave_capacity: f64,
}

/// The answer of [`plan_waves`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleasePlan {
    pub now: Timestamp,
    /// Waves to send to the WMS, per node in time order.
    pub waves: Vec<Wave>,
    /// Every order, in node then rank order.
    pub decisions: Vec<OrderRelease>,
    pub nodes: Vec<NodeSummary>,
    /// Why, in plain words; weights are shares of the orders each factor
    /// concerns.
    pub explanation: Vec<Factor>,
    /// Work-weighted mean of the orders' confidences.
    pub confidence: f64,
}

impl ReleasePlan {
    /// The decision for one order.
    pub fn decision(&self, order: &OrderId) -> Option<&OrderRelease> {
        self.decisions.iter().find(|d| &d.order_id == order)
    }
}

/// Plans the release of `orders` at `nodes` as of `now`; see the module
/// documentation. Deterministic: the same orders in any order give the same
/// plan. Errors name the field at fault.
pub fn plan_waves(orders: &[Releasable], nodes: &[NodeLabour], now: Timestamp) -> Result<ReleasePlan, Error> {
    validate(orders, nodes)?;
    let mut decisions = Vec::with_capacity(orders.len());
    let mut all_waves = Vec::new();
    let mut summaries = Vec::new();
    // Nodes in id order, orders grouped by node.
    let mut by_node: std::collections::BTreeMap<&NodeId, Vec<&Releasable>> = std::collections::BTreeMap::new();
    for o in orders {
        by_node.entry(&o.node).or_default().push(o);
    }
    for (node, orders) in by_node {
        let labour = nodes.iter().find(|n| &n.node == node);
        let planned = waves::plan_node(node, labour, &orders, now)?;
        summaries.push(planned.summary);
        decisions.extend(planned.decisions);
        all_waves.extend(planned.waves);
    }
    let total_work: f64 = decisions.iter().map(|d| d.work).sum();
    let confidence = if total_work > 0.0 {
        decisions.iter().map(|d| d.confidence * d.work).sum::<f64>() / total_work
    } else {
        1.0
    };
    let mut plan = ReleasePlan {
        now,
        waves: all_waves,
        decisions,
        nodes: summaries,
        explanation: Vec::new(),
        confidence: (confidence * 1000.0).round() / 1000.0,
    };
    plan.explanation = explain(&plan);
    Ok(plan)
}

fn validate(orders: &[Releasable], nodes: &[NodeLabour]) -> Result<(), Error> {
    let mut seen = std::collections::HashSet::with_capacity(orders.len());
    for (i, o) in orders.iter().enumerate() {
        if !seen.insert(&o.order_id) {
            return Err(Error::invalid(
                format!("orders[{i}].order_id"),
                format!("Order `{}` appears twice.", o.order_id),
            ));
        }
        if o.carrier.trim().is_empty() {
            return Err(Error::invalid(
                format!("orders[{i}].carrier"),
                "A releasable order names its carrier.",
            ));
        }
        if o.lines.is_empty() {
            return Err(Error::invalid(
                format!("orders[{i}].lines"),
                "A releasable order has at least one line.",
            ));
        }
        for (j, l) in o.lines.iter().enumerate() {
            if l.quantity.units() <= 0 {
                return Err(Error::invalid(
                    format!("orders[{i}].lines[{j}].quantity"),
                    format!("A line quantity is a positive whole number; got {}.", l.quantity),
                ));
            }
        }
    }
    for (i, n) in nodes.iter().enumerate() {
        let at = |f: &str| format!("nodes[{i}].{f}");
        if nodes[..i].iter().any(|m| m.node == n.node) {
            return Err(Error::invalid(at("node"), format!("Node `{}` has two labour plans.", n.node)));
        }
        if !(n.per_hour.is_finite() && n.per_hour >= 0.0) {
            return Err(Error::invalid(
                at("per_hour"),
                format!("Labour per hour is a non-negative number; got {}.", n.per_hour),
            ));
        }
        if !(n.backlog.is_finite() && n.backlog >= 0.0) {
            return Err(Error::invalid(
                at("backlog"),
                format!("The backlog is a non-negative amount of work; got {}.", n.backlog),
            ));
        }
        if n.wave_minutes == 0 || n.wave_minutes > 24 * 60 {
            return Err(Error::invalid(
                at("wave_minutes"),
                format!("A wave lasts 1 to 1440 minutes; got {}.", n.wave_minutes),
            ));
        }
        if n.utc_offset_minutes.abs() > 18 * 60 {
            return Err(Error::invalid(
                at("utc_offset_minutes"),
                format!("A UTC offset lies within ±18 hours; got {} minutes.", n.utc_offset_minutes),
            ));
        }
        if n.max_orders_per_wave == Some(0) {
            return Err(Error::invalid(at("max_orders_per_wave"), "A wave holds at least one order."));
        }
        for (j, c) in n.cutoffs.iter().enumerate() {
            if c.carrier.trim().is_empty() {
                return Err(Error::invalid(
                    format!("nodes[{i}].cutoffs[{j}].carrier"),
                    "A cutoff names its carrier.",
                ));
            }
            crate::carrier::calendar::parse_hhmm(&c.time, &format!("nodes[{i}].cutoffs[{j}].time"))?;
        }
    }
    Ok(())
}
