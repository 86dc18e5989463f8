//! What the warehouses hold, as the simulator believes it: starting levels,
//! replenishment plans, and the choice of which site ships an order.
//!
//! Levels are sized from the expected demand of the run: ample for most SKUs,
//! deliberately tight for a few best-sellers-to-be, so that stock runs short
//! part-way through and crossdock has shortages to handle. A few of the tight
//! SKUs get a purchase order that arrives mid-run.

use rand::Rng;

use crate::address::Address;
use crate::catalog::Catalog;
use crate::clock::{HOUR, VirtualTime};
use crate::config::SimConfig;
use crate::names::SUPPLIERS;
use crate::order::{Line, MEAN_UNITS_PER_ORDER};
use crate::random::{SimRng, Stream, between, chance, pick, rng};

/// Fewest units a site starts with of a well-stocked SKU, so that short
/// demos do not run out of everything.
const AMPLE_FLOOR: i64 = 25;
/// Fewest units of a deliberately tight SKU.
const TIGHT_FLOOR: i64 = 2;
/// Longitudes the network serves, east to west; split evenly between sites.
const EAST_EDGE: f64 = -65.0;
const WEST_EDGE: f64 = -125.0;

/// On-hand units per (site, SKU).
#[derive(Debug, Clone)]
pub(crate) struct Stock {
    skus: usize,
    on_hand: Vec<i64>,
}

/// A purchase order the ERP places at setup and a WMS later receives.
#[derive(Debug, Clone)]
pub(crate) struct PlannedPo {
    pub number: String,
    pub supplier: &'static str,
    pub site: usize,
    pub sku: usize,
    pub quantity: i64,
    /// What the dock actually counts: sometimes a few short.
    pub received: i64,
    pub asn: Option<String>,
    pub arrives: VirtualTime,
}

/// Starting stock and the purchase orders that will replenish it.
pub(crate) fn plan(config: &SimConfig, catalog: &Catalog) -> (Stock, Vec<PlannedPo>) {
    let sites = config.wms.len();
    let rng = &mut rng(config.seed, Stream::Stock);
    let demand: Vec<f64> = (0..catalog.len())
        .map(|sku| config.orders as f64 * MEAN_UNITS_PER_ORDER * catalog.share(sku))
        .collect();

    let mut stock = Stock {
        skus: catalog.len(),
        on_hand: vec![0; sites * catalog.len()],
    };
    let mut tight = Vec::new();
    for (sku, &units) in demand.iter().enumerate() {
        // The second best-seller is always tight, so every run has a shortage.
        let (coverage, floor) = if sku == 1 || chance(rng, 0.1) {
            tight.push(sku);
            (rng.random_range(0.4..0.8), TIGHT_FLOOR)
        } else {
            (rng.random_range(1.2..2.5), AMPLE_FLOOR)
        };
        for site in 0..sites {
            let level = (units / sites as f64 * coverage).ceil() as i64;
            stock.on_hand[site * catalog.len() + sku] = level.max(floor);
        }
    }

    let start = VirtualTime::from_timestamp(config.start);
    let span = config.expected_span_ms();
    let pos = if sites == 0 {
        Vec::new()
    } else {
        tight
            .iter()
            .take((catalog.len() / 10).clamp(1, 4))
            .enumerate()
            .map(|(k, &sku)| {
                let quantity = ((demand[sku] * rng.random_range(0.3..0.6)).ceil() as i64).max(12);
                // Suppliers ship whole cases of six.
                let quantity = (quantity + 5) / 6 * 6;
                let received = if chance(rng, 0.2) {
                    quantity - rng.random_range(1..=(quantity / 10).clamp(1, 5))
                } else {
                    quantity
                };
                let arrives = start
                    .plus((span as f64 * rng.random_range(0.25..0.6)) as i64)
                    .max(start.plus(2 * HOUR));
                PlannedPo {
                    number: format!("PO-{}", 40_001 + k),
                    supplier: pick(rng, SUPPLIERS),
                    site: rng.random_range(0..sites),
                    sku,
                    quantity,
                    received,
                    asn: chance(rng, 0.75).then(|| format!("ASN-{}", 770_001 + k)),
                    arrives: arrives.plus(between(rng, 0, HOUR)),
                }
            })
            .collect()
    };
    (stock, pos)
}

impl Stock {
    pub(crate) fn on_hand(&self, site: usize, sku: usize) -> i64 {
        self.on_hand.get(site * self.skus + sku).copied().unwrap_or(0)
    }

    /// Change a level, never below zero: the warehouse cannot pick what it lacks.
    pub(crate) fn adjust(&mut self, site: usize, sku: usize, delta: i64) {
        if let Some(level) = self.on_hand.get_mut(site * self.skus + sku) {
            *level = (*level + delta).max(0);
        }
    }

    fn can_fill(&self, site: usize, lines: &[Line]) -> bool {
        lines.iter().all(|l| self.on_hand(site, l.sku) >= l.quantity)
    }

    /// Which site should ship an order, and the SKU it would be short of, if any.
    ///
    /// Mostly the nearest by ship-to longitude, sometimes another (a real
    /// network balances load); a site that cannot fill every line gives way
    /// to one that can. If none can, the preferred site takes it short.
    pub(crate) fn assign(&mut self, rng: &mut SimRng, ship_to: &Address, lines: &[Line], sites: usize) -> Option<Assignment> {
        if sites == 0 {
            return None;
        }
        let nearest = nearest_site(ship_to.longitude, sites);
        let preferred = if sites > 1 && chance(rng, 0.15) {
            (nearest + rng.random_range(1..sites)) % sites
        } else {
            nearest
        };
        let site = (0..sites)
            .map(|k| (preferred + k) % sites)
            .find(|&s| self.can_fill(s, lines))
            .unwrap_or(preferred);
        let short_sku = lines.iter().find(|l| self.on_hand(site, l.sku) < l.quantity).map(|l| l.sku);
        Some(Assignment { site, short_sku })
    }

    /// Units leave the shelves for an order released to `site`.
    pub(crate) fn take(&mut self, site: usize, lines: &[Line]) {
        for line in lines {
            self.adjust(site, line.sku, -line.quantity);
        }
    }
}

/// Where an order ships from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Assignment {
    pub site: usize,
    /// A SKU the site lacks units of: its pickers will report a short pick.
    pub short_sku: Option<usize>,
}

/// The site whose longitude band holds `lon`; site 0 is the easternmost.
/// Europe ships from the east coast, Asia-Pacific from the west.
fn nearest_site(lon: Option<f64>, sites: usize) -> usize {
    let Some(lon) = lon else { return 0 };
    let last = sites - 1;
    if lon > EAST_EDGE {
        return if lon > 90.0 { last } else { 0 };
    }
    let band = (EAST_EDGE - lon) / ((EAST_EDGE - WEST_EDGE) / sites as f64);
    (band.floor() as usize).min(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longitude_bands_split_east_from_west() {
        assert_eq!(nearest_site(Some(-74.0), 2), 0);
        assert_eq!(nearest_site(Some(-87.6), 2), 0);
        assert_eq!(nearest_site(Some(-104.9), 2), 1);
        assert_eq!(nearest_site(Some(-157.8), 2), 1);
        assert_eq!(nearest_site(Some(13.4), 2), 0);
        assert_eq!(nearest_site(Some(151.2), 2), 1);
        assert_eq!(nearest_site(None, 2), 0);
        assert_eq!(nearest_site(Some(-122.0), 1), 0);
    }

    #[test]
    fn some_skus_start_tight_and_get_purchase_orders() {
        let config = SimConfig::demo(11, 2_000);
        let catalog = Catalog::new(&config);
        let (stock, pos) = plan(&config, &catalog);
        assert!(!pos.is_empty() && pos.len() <= 4);
        for po in &pos {
            assert!(po.quantity >= 12 && po.quantity % 6 == 0);
            assert!(po.received > 0 && po.received <= po.quantity);
        }
        assert!((0..catalog.len()).all(|sku| stock.on_hand(0, sku) >= TIGHT_FLOOR));
    }

    #[test]
    fn levels_never_go_negative() {
        let config = SimConfig::demo(1, 10);
        let (mut stock, _) = plan(&config, &Catalog::new(&config));
        stock.adjust(0, 0, -1_000_000);
        assert_eq!(stock.on_hand(0, 0), 0);
    }
}
