//! Deterministic random instances for tests, quality checks and benchmarks.

use std::collections::BTreeMap;

use model::node::{Capability, NodeKind};
use model::{NodeId, Quantity, Sku};

use super::instance::{Instance, Line, Node};

/// splitmix64: tiny, fast, and the same sequence on every platform.
pub(crate) struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> Self {
        SplitMix(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi] (inclusive).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }

    /// Uniform in [lo, hi), rounded to cents.
    pub fn money(&mut self, lo: f64, hi: f64) -> f64 {
        ((lo + (hi - lo) * self.unit()) * 100.0).round() / 100.0
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// An instance of `nodes` nodes (at least 1) and `lines` lines (1 to
/// [`super::MAX_LINES`]), the same for the same seed: DCs with broad stock
/// and capacity, stores with sparse stock and little capacity, 3PLs and
/// drop-shippers between; random capabilities, hazmat or cold-chain lines,
/// occasional order-wide requirements, exclusions, preferences and
/// `max_nodes` rules. Most instances are feasible; some are not.
pub fn generate(seed: u64, nodes: usize, lines: usize) -> Instance {
    let mut rng = SplitMix::new(seed ^ 0x005E_ED50_0C1E);
    let nodes = nodes.clamp(1, super::MAX_NODES);
    let lines = lines.clamp(1, super::MAX_LINES);
    let width = nodes.to_string().len().max(2);

    let order_lines: Vec<Line> = (0..lines)
        .map(|l| {
            let mut required = Vec::new();
            if rng.chance(0.12) {
                required.push(Capability::Hazmat);
            } else if rng.chance(0.08) {
                required.push(Capability::ColdChain);
            } else if rng.chance(0.05) {
                required.push(Capability::Oversize);
            }
            Line {
                sku: Sku::parse(&format!("SKU-{}", l + 1)).expect("generated SKUs are valid"),
                quantity: Quantity(if rng.chance(0.8) { rng.range(1, 4) } else { rng.range(5, 12) } as i64),
                unit_weight: rng.money(0.2, 4.0),
                required_capabilities: required,
            }
        })
        .collect();

    let nodes: Vec<Node> = (0..nodes)
        .map(|i| {
            let roll = rng.unit();
            let kind = if roll < 0.3 {
                NodeKind::Dc
            } else if roll < 0.75 {
                NodeKind::Store
            } else if roll < 0.9 {
                NodeKind::ThirdParty
            } else {
                NodeKind::Dropship
            };
            let (stock_p, stock_hi, cap, handling, package) = match kind {
                NodeKind::Dc => (0.8, 40, rng.range(30, 400), rng.money(1.0, 3.0), rng.money(5.0, 9.0)),
                NodeKind::Store => (0.45, 8, rng.range(3, 30), rng.money(2.0, 5.0), rng.money(6.0, 10.0)),
                NodeKind::ThirdParty => (0.6, 25, rng.range(10, 200), rng.money(1.5, 4.0), rng.money(5.0, 9.0)),
                NodeKind::Dropship => (0.3, 20, rng.range(5, 100), rng.money(0.5, 2.0), rng.money(7.0, 12.0)),
            };
            let mut capabilities = Vec::new();
            for (cap, p) in [
                (Capability::Hazmat, if kind == NodeKind::Dc { 0.6 } else { 0.15 }),
                (Capability::GiftWrap, 0.5),
                (Capability::International, if kind == NodeKind::Store { 0.1 } else { 0.5 }),
                (Capability::ColdChain, 0.25),
                (Capability::Oversize, if kind == NodeKind::Store { 0.1 } else { 0.4 }),
                (Capability::Bopis, if kind == NodeKind::Store { 0.9 } else { 0.0 }),
            ] {
                if rng.chance(p) {
                    capabilities.push(cap);
                }
            }
            let mut stock = BTreeMap::new();
            for line in &order_lines {
                if rng.chance(stock_p) {
                    stock.insert(line.sku.clone(), Quantity(rng.range(0, stock_hi) as i64));
                }
            }
            let distance_km = rng.money(20.0, 3000.0);
            let transit_days = 1 + (distance_km / 800.0) as u32 + u32::from(rng.chance(0.2));
            let preference = if kind == NodeKind::Store && rng.chance(0.2) {
                -rng.money(0.5, 2.0)
            } else {
                0.0
            };
            Node {
                id: NodeId::parse(&format!("N{:0width$}", i + 1)).expect("generated node ids are valid"),
                stock,
                handling_cost: handling,
                package_cost: package,
                unit_cost: rng.money(0.1, 1.0),
                transit_days,
                capacity_units: if rng.chance(0.9) { Some(Quantity(cap as i64)) } else { None },
                capabilities,
                kind: Some(kind),
                shipping_rate: rng.money(0.1, 1.2),
                distance_km,
                preference,
            }
        })
        .collect();

    let mut required_capabilities = Vec::new();
    if rng.chance(0.1) {
        required_capabilities.push(Capability::International);
    } else if rng.chance(0.1) {
        required_capabilities.push(Capability::GiftWrap);
    }
    let mut excluded_nodes = Vec::new();
    if rng.chance(0.2) {
        excluded_nodes.push(nodes[rng.range(0, nodes.len() as u64 - 1) as usize].id.clone());
    }
    let excluded_kinds = if rng.chance(0.15) { vec![NodeKind::Dropship] } else { Vec::new() };
    let roll = rng.unit();
    let max_nodes = if roll < 0.1 {
        Some(1)
    } else if roll < 0.2 {
        Some(2)
    } else {
        None
    };
    Instance {
        lines: order_lines,
        nodes,
        required_capabilities,
        split_penalty: rng.money(1.0, 8.0),
        promised_days: rng.range(2, 4) as u32,
        late_penalty_per_day: rng.money(2.0, 10.0),
        carbon_per_km: if rng.chance(0.5) { rng.money(0.0, 0.3) / 100.0 } else { 0.0 },
        max_nodes,
        excluded_nodes,
        excluded_kinds,
    }
}
