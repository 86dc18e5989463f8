use serde::{Deserialize, Serialize};

use crate::{NodeId, OrderId, Quantity, Sku, Timestamp};

/// Stock of one SKU at one node, by bucket. All figures are whole units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Buckets {
    pub on_hand: i64,
    /// Released to the warehouse for orders not yet shipped.
    pub allocated: i64,
    /// Soft reservations, expiring.
    pub reserved: i64,
    /// Cycle-count locks and quality holds.
    pub held: i64,
    pub in_transit: i64,
    pub on_order: i64,
    pub safety_stock: i64,
    /// Units promised beyond stock, recorded explicitly: backordered
    /// reservations, and warehouse allocations larger than what is there.
    pub backordered: i64,
}

impl Buckets {
    /// Available to promise now: on_hand − allocated − reserved − held − safety_stock.
    pub fn atp(&self) -> i64 {
        self.on_hand - self.allocated - self.reserved - self.held - self.safety_stock
    }

    pub fn add(&mut self, other: &Buckets) {
        self.on_hand += other.on_hand;
        self.allocated += other.allocated;
        self.reserved += other.reserved;
        self.held += other.held;
        self.in_transit += other.in_transit;
        self.on_order += other.on_order;
        self.safety_stock += other.safety_stock;
        self.backordered += other.backordered;
    }

    /// Units committed to orders: released allocations and soft reservations.
    pub fn committed(&self) -> i64 {
        self.allocated + self.reserved
    }
}

/// One position as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InventoryPosition {
    pub node: NodeId,
    #[serde(flatten)]
    pub buckets: Buckets,
    pub atp: i64,
}

/// `GET /v1/inventory/{sku}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InventoryView {
    pub sku: Sku,
    pub network: NetworkPosition,
    pub nodes: Vec<InventoryPosition>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkPosition {
    #[serde(flatten)]
    pub buckets: Buckets,
    pub atp: i64,
}

impl InventoryView {
    /// `network_backordered`: units backordered with no node named.
    pub fn from_positions(sku: Sku, mut positions: Vec<(NodeId, Buckets)>, network_backordered: i64) -> Self {
        positions.sort_by(|a, b| a.0.cmp(&b.0));
        let mut network = Buckets::default();
        let nodes = positions
            .into_iter()
            .map(|(node, buckets)| {
                network.add(&buckets);
                InventoryPosition {
                    node,
                    atp: buckets.atp(),
                    buckets,
                }
            })
            .collect();
        network.backordered += network_backordered;
        InventoryView {
            sku,
            network: NetworkPosition {
                atp: network.atp(),
                buckets: network,
            },
            nodes,
        }
    }
}

/// How a reservation request treats a shortfall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReservationMode {
    /// Everything or nothing: any shortfall refuses the whole request.
    #[default]
    AllOrNothing,
    /// Reserve what is there; the rest is recorded as backordered.
    Partial,
}

/// One requested line: a SKU, units, and optionally the node to take them from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemandLine {
    pub sku: Sku,
    pub quantity: Quantity,
    #[serde(default)]
    pub node: Option<NodeId>,
    /// The unit `quantity` is in; `case` is converted to eaches with the item's
    /// pack size when the event is accepted. Default: `each`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<crate::item::UnitOfMeasure>,
}

/// Units of one SKU held at one node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReservedLine {
    pub sku: Sku,
    pub node: NodeId,
    pub quantity: Quantity,
}

/// Units of one SKU that could not be reserved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Backorder {
    pub sku: Sku,
    #[serde(default)]
    pub node: Option<NodeId>,
    pub quantity: Quantity,
}

/// A soft hold on stock, logged as `reservation.created`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reservation {
    pub reservation_id: String,
    #[serde(default)]
    pub order_id: Option<OrderId>,
    pub lines: Vec<ReservedLine>,
    #[serde(default)]
    pub backordered: Vec<Backorder>,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseReason {
    /// Cancelled by the caller.
    Cancelled,
    /// Its time to live ran out.
    Expired,
}

/// A reservation given back, logged as `reservation.released`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReservationReleased {
    pub reservation_id: String,
    pub reason: ReleaseReason,
}

/// Why a reservation request cannot be met in full.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shortfall {
    pub sku: Sku,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<NodeId>,
    pub requested: i64,
    pub available: i64,
}

/// The outcome of planning a request against what is available.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReservationPlan {
    Reserve {
        lines: Vec<ReservedLine>,
        backordered: Vec<Backorder>,
    },
    Refuse(Vec<Shortfall>),
}

/// Plans a reservation: demand is summed per SKU (and per pinned node)
/// across lines; unpinned demand is taken from the nodes with the most
/// available first, so a request splits over as few nodes as it can.
/// `available(sku, node)` is the ATP the caller sees now; `nodes(sku)` the
/// nodes holding the SKU. Pure: the single writer calls it with the live
/// positions, which is what makes overselling impossible.
pub fn plan_reservation(
    lines: &[DemandLine],
    mode: ReservationMode,
    nodes: impl Fn(&Sku) -> Vec<NodeId>,
    available: impl Fn(&Sku, &NodeId) -> i64,
) -> ReservationPlan {
    // Sum demand per (sku, pinned node), keeping first-seen order.
    let mut demand: Vec<(Sku, Option<NodeId>, i64)> = Vec::new();
    for line in lines {
        match demand.iter_mut().find(|(s, n, _)| *s == line.sku && *n == line.node) {
            Some(entry) => entry.2 += line.quantity.units(),
            None => demand.push((line.sku.clone(), line.node.clone(), line.quantity.units())),
        }
    }
    let mut taken: Vec<ReservedLine> = Vec::new();
    let mut backordered = Vec::new();
    let mut shortfalls = Vec::new();
    let already = |taken: &[ReservedLine], sku: &Sku, node: &NodeId| -> i64 {
        taken
            .iter()
            .filter(|l| l.sku == *sku && l.node == *node)
            .map(|l| l.quantity.units())
            .sum()
    };
    for (sku, pinned, wanted) in demand {
        let candidates = match &pinned {
            Some(node) => vec![node.clone()],
            None => {
                let mut all = nodes(&sku);
                all.sort_by_cached_key(|n| (std::cmp::Reverse(available(&sku, n) - already(&taken, &sku, n)), n.clone()));
                all
            }
        };
        let mut left = wanted;
        let mut total_available = 0;
        for node in candidates {
            let free = (available(&sku, &node) - already(&taken, &sku, &node)).max(0);
            total_available += free;
            let take = free.min(left);
            if take > 0 {
                match taken.iter_mut().find(|l| l.sku == sku && l.node == node) {
                    Some(line) => line.quantity = Quantity(line.quantity.units() + take),
                    None => taken.push(ReservedLine {
                        sku: sku.clone(),
                        node,
                        quantity: Quantity(take),
                    }),
                }
                left -= take;
            }
        }
        if left > 0 {
            shortfalls.push(Shortfall {
                sku: sku.clone(),
                node: pinned.clone(),
                requested: wanted,
                available: total_available,
            });
            backordered.push(Backorder {
                sku,
                node: pinned,
                quantity: Quantity(left),
            });
        }
    }
    match mode {
        ReservationMode::AllOrNothing if !shortfalls.is_empty() => ReservationPlan::Refuse(shortfalls),
        _ => ReservationPlan::Reserve { lines: taken, backordered },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sku(s: &str) -> Sku {
        Sku::parse(s).unwrap()
    }
    fn node(s: &str) -> NodeId {
        NodeId::parse(s).unwrap()
    }
    fn line(s: &str, q: i64, n: Option<&str>) -> DemandLine {
        DemandLine {
            sku: sku(s),
            quantity: Quantity(q),
            node: n.map(node),
            unit: None,
        }
    }

    fn stock(sku: &Sku, n: &NodeId) -> i64 {
        match (sku.as_str(), n.as_str()) {
            ("A", "N1") => 3,
            ("A", "N2") => 5,
            ("B", "N1") => 1,
            _ => 0,
        }
    }

    fn nodes(_: &Sku) -> Vec<NodeId> {
        vec![node("N1"), node("N2")]
    }

    #[test]
    fn demand_is_summed_per_sku_and_taken_from_the_fullest_node_first() {
        let plan = plan_reservation(
            &[line("A", 4, None), line("A", 2, None)],
            ReservationMode::AllOrNothing,
            nodes,
            stock,
        );
        let ReservationPlan::Reserve { lines, backordered } = plan else {
            panic!("{plan:?}")
        };
        assert_eq!(
            lines,
            vec![
                ReservedLine {
                    sku: sku("A"),
                    node: node("N2"),
                    quantity: Quantity(5)
                },
                ReservedLine {
                    sku: sku("A"),
                    node: node("N1"),
                    quantity: Quantity(1)
                },
            ]
        );
        assert!(backordered.is_empty());
    }

    #[test]
    fn all_or_nothing_refuses_with_the_shortfall_and_partial_backorders() {
        let request = [line("A", 2, None), line("B", 2, None)];
        let refused = plan_reservation(&request, ReservationMode::AllOrNothing, nodes, stock);
        assert_eq!(
            refused,
            ReservationPlan::Refuse(vec![Shortfall {
                sku: sku("B"),
                node: None,
                requested: 2,
                available: 1
            }])
        );
        let ReservationPlan::Reserve { lines, backordered } = plan_reservation(&request, ReservationMode::Partial, nodes, stock) else {
            panic!()
        };
        assert_eq!(lines.iter().map(|l| l.quantity.units()).sum::<i64>(), 3);
        assert_eq!(
            backordered,
            vec![Backorder {
                sku: sku("B"),
                node: None,
                quantity: Quantity(1)
            }]
        );
    }

    #[test]
    fn a_pinned_node_is_the_only_source() {
        let plan = plan_reservation(&[line("A", 4, Some("N1"))], ReservationMode::AllOrNothing, nodes, stock);
        assert_eq!(
            plan,
            ReservationPlan::Refuse(vec![Shortfall {
                sku: sku("A"),
                node: Some(node("N1")),
                requested: 4,
                available: 3
            }])
        );
    }
}

/// One counted SKU at one node, from a WMS snapshot or a pull of counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Count {
    pub sku: Sku,
    pub node: NodeId,
    pub counted: Quantity,
}

/// How far a count may differ from crossdock's number and still be applied
/// without review: within `units` OR within `percent` of the expected figure.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tolerance {
    #[serde(default)]
    pub units: i64,
    #[serde(default)]
    pub percent: f64,
}

impl Tolerance {
    pub fn allows(&self, expected: i64, delta: i64) -> bool {
        let off = delta.abs();
        off <= self.units.max(0) || (self.percent > 0.0 && (off as f64) <= expected.abs() as f64 * self.percent / 100.0)
    }
}

/// What reconciliation decided for one count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscrepancyStatus {
    /// Counted equals expected.
    Matched,
    /// Within tolerance: the count was applied.
    AutoAdjusted,
    /// Beyond tolerance: waiting for a person.
    Open,
    /// A person accepted the count; it was applied.
    Accepted,
    /// A person kept crossdock's number.
    Rejected,
}

impl DiscrepancyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DiscrepancyStatus::Matched => "matched",
            DiscrepancyStatus::AutoAdjusted => "auto_adjusted",
            DiscrepancyStatus::Open => "open",
            DiscrepancyStatus::Accepted => "accepted",
            DiscrepancyStatus::Rejected => "rejected",
        }
    }
}

#[cfg(test)]
mod tolerance_tests {
    use super::Tolerance;

    #[test]
    fn units_or_percent() {
        let t = Tolerance { units: 2, percent: 5.0 };
        assert!(t.allows(10, -2));
        assert!(!t.allows(10, 3));
        assert!(t.allows(100, -5), "5% of 100");
        assert!(!t.allows(100, 6));
        assert!(Tolerance::default().allows(7, 0));
        assert!(!Tolerance::default().allows(7, 1));
    }
}
