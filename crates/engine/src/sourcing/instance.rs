//! The self-contained sourcing instance of `POST /v1/plan/sourcing`.
//!
//! Field names are exactly those of the contract in DESIGN.md; everything
//! beyond it is optional with a neutral default, so a contract-shaped body
//! keeps working and serialises back to the same shape.

use std::collections::BTreeMap;

use model::node::{Capability, NodeKind};
use model::{NodeId, Quantity, Sku};
use serde::{Deserialize, Serialize};

use crate::Error;

/// Most nodes an instance may carry: keeps one request's work bounded.
pub const MAX_NODES: usize = 2_000;
/// Most lines an instance may carry.
pub const MAX_LINES: usize = 100;

/// One order to source against a network of nodes.
///
/// Money is `f64`: costs here are planning estimates compared against each
/// other, not amounts that are charged, so decimal exactness buys nothing and
/// floats keep the solvers fast. Figures in answers are rounded to 1e-9.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instance {
    /// What to ship. SKUs are unique across lines.
    pub lines: Vec<Line>,
    /// The nodes that may ship it.
    pub nodes: Vec<Node>,
    /// Capabilities every node used must have (e.g. `international` for a
    /// cross-border order).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required_capabilities: Vec<Capability>,
    /// Cost of each package beyond the first.
    pub split_penalty: f64,
    /// Days to delivery promised to the customer.
    pub promised_days: u32,
    /// Cost per day a package arrives after the promise.
    pub late_penalty_per_day: f64,
    /// Carbon weight: cost per kilometre a package travels (see `Node::distance_km`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub carbon_per_km: f64,
    /// Most nodes (packages) a plan may use; `1` means never split (B2B).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_nodes: Option<usize>,
    /// Nodes that must not ship this order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded_nodes: Vec<NodeId>,
    /// Kinds of node that must not ship this order (e.g. `store` for a channel
    /// that stores do not serve).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded_kinds: Vec<NodeKind>,
}

/// One order line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Line {
    pub sku: Sku,
    /// Units ordered; positive.
    pub quantity: Quantity,
    /// Weight of one unit, multiplied by a node's `shipping_rate`. Default 1,
    /// which makes `shipping_rate` a plain per-unit shipping cost.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub unit_weight: f64,
    /// Capabilities a node needs to ship this line (e.g. `hazmat`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required_capabilities: Vec<Capability>,
}

/// A node as a sourcing instance sees it: what it holds and what shipping
/// from it costs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    pub id: NodeId,
    /// Available-to-promise units per SKU; a SKU absent here is zero.
    pub stock: BTreeMap<Sku, Quantity>,
    /// Cost of picking and packing at this node, once per package.
    pub handling_cost: f64,
    /// Cost of the package from this node: box plus the carrier's base rate.
    pub package_cost: f64,
    /// Cost per unit shipped from this node.
    pub unit_cost: f64,
    /// Days from this node to the customer.
    pub transit_days: u32,
    /// Units this node can still ship today; absent means no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_units: Option<Quantity>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capabilities: Vec<Capability>,
    /// `dc`, `store`, `3pl` or `dropship`; needed only for `excluded_kinds`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<NodeKind>,
    /// Carrier rate from this node to the destination's zone, per unit of
    /// weight (see `Line::unit_weight`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub shipping_rate: f64,
    /// Kilometres from this node to the customer, for `carbon_per_km` and for
    /// the closest-node baseline.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub distance_km: f64,
    /// Ranking signal added once when the node is used: a penalty if positive,
    /// a bonus if negative (e.g. prefer stores for BOPIS). A bonus may not
    /// exceed the node's own per-package costs.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub preference: f64,
}

fn one() -> f64 {
    1.0
}

fn is_one(v: &f64) -> bool {
    *v == 1.0
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

impl Node {
    /// Days this node's package would arrive after the promise.
    pub fn late_days(&self, promised_days: u32) -> u32 {
        self.transit_days.saturating_sub(promised_days)
    }

    /// What using this node costs once, whatever it ships: handling, package,
    /// lateness, carbon and preference. Validation keeps it non-negative.
    pub(crate) fn per_package_cost(&self, inst: &Instance) -> f64 {
        self.handling_cost
            + self.package_cost
            + f64::from(self.late_days(inst.promised_days)) * inst.late_penalty_per_day
            + inst.carbon_per_km * self.distance_km
            + self.preference
    }
}

impl Instance {
    /// Checks what serde cannot: positive quantities, unique ids, finite
    /// non-negative costs, known excluded nodes. The error names the field,
    /// e.g. `nodes[2].stock.A`.
    pub fn validate(&self) -> Result<(), Error> {
        if self.lines.is_empty() {
            return Err(Error::invalid("lines", "An instance needs at least one line."));
        }
        if self.lines.len() > MAX_LINES {
            return Err(Error::invalid(
                "lines",
                format!("An instance has at most {MAX_LINES} lines; got {}.", self.lines.len()),
            ));
        }
        if self.nodes.len() > MAX_NODES {
            return Err(Error::invalid(
                "nodes",
                format!("An instance has at most {MAX_NODES} nodes; got {}.", self.nodes.len()),
            ));
        }
        money("split_penalty", self.split_penalty)?;
        money("late_penalty_per_day", self.late_penalty_per_day)?;
        money("carbon_per_km", self.carbon_per_km)?;
        if self.max_nodes == Some(0) {
            return Err(Error::invalid("max_nodes", "`max_nodes` must be at least 1 (1 means never split)."));
        }

        let mut skus = BTreeMap::new();
        for (i, line) in self.lines.iter().enumerate() {
            if line.quantity.units() <= 0 {
                return Err(Error::invalid(
                    format!("lines[{i}].quantity"),
                    format!("A line quantity must be positive; got {}.", line.quantity),
                ));
            }
            if let Some(first) = skus.insert(&line.sku, i) {
                return Err(Error::invalid(
                    format!("lines[{i}].sku"),
                    format!("SKU `{}` is already on lines[{first}]; merge the lines into one.", line.sku),
                ));
            }
            money(&format!("lines[{i}].unit_weight"), line.unit_weight)?;
        }

        let mut ids = BTreeMap::new();
        for (i, node) in self.nodes.iter().enumerate() {
            if let Some(first) = ids.insert(&node.id, i) {
                return Err(Error::invalid(
                    format!("nodes[{i}].id"),
                    format!("Node `{}` is already nodes[{first}].", node.id),
                ));
            }
            money(&format!("nodes[{i}].handling_cost"), node.handling_cost)?;
            money(&format!("nodes[{i}].package_cost"), node.package_cost)?;
            money(&format!("nodes[{i}].unit_cost"), node.unit_cost)?;
            money(&format!("nodes[{i}].shipping_rate"), node.shipping_rate)?;
            money(&format!("nodes[{i}].distance_km"), node.distance_km)?;
            for (sku, units) in &node.stock {
                if units.units() < 0 {
                    return Err(Error::invalid(
                        format!("nodes[{i}].stock.{sku}"),
                        format!("Stock must not be negative; got {units} at node `{}`.", node.id),
                    ));
                }
            }
            if let Some(cap) = node.capacity_units
                && cap.units() < 0
            {
                return Err(Error::invalid(
                    format!("nodes[{i}].capacity_units"),
                    format!("Capacity must not be negative; got {cap}."),
                ));
            }
            if !node.preference.is_finite() {
                return Err(Error::invalid(
                    format!("nodes[{i}].preference"),
                    "The preference must be a finite number.",
                ));
            }
            // A bonus larger than the node's own per-package costs would pay the
            // plan for opening a package; the solvers rely on it never doing so.
            let own = node.per_package_cost(self) - node.preference;
            if node.preference < 0.0 && -node.preference > own {
                return Err(Error::invalid(
                    format!("nodes[{i}].preference"),
                    format!(
                        "A preference bonus may not exceed the node's per-package costs ({own}); got {}.",
                        node.preference
                    ),
                ));
            }
        }

        for (i, id) in self.excluded_nodes.iter().enumerate() {
            if !ids.contains_key(id) {
                return Err(Error::invalid(
                    format!("excluded_nodes[{i}]"),
                    format!("Excluded node `{id}` is not among the instance's nodes."),
                ));
            }
        }
        Ok(())
    }
}

fn money(field: &str, value: f64) -> Result<(), Error> {
    if !value.is_finite() || value < 0.0 {
        return Err(Error::invalid(field, format!("Must be a finite number ≥ 0; got {value}.")));
    }
    Ok(())
}
