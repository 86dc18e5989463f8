use serde::{Deserialize, Serialize};

use crate::{NodeId, Sku};

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
    pub fn from_positions(sku: Sku, mut positions: Vec<(NodeId, Buckets)>) -> Self {
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
