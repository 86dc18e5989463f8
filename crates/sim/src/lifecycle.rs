//! The life of one order across systems, planned when it is placed.
//!
//! Planning every step up front (with its virtual time) keeps one entry per
//! order in the merge queue: when a step is sent, the order goes back into
//! the queue under the time of its next step. The plan is a straight line
//! through the storefront, then the warehouse, so steps can never come out
//! of lifecycle order.

use std::collections::VecDeque;

use rand::Rng;

use crate::address::{self, Address};
use crate::carrier::{self, Shipment};
use crate::catalog::Catalog;
use crate::clock::{DAY, HOUR, MINUTE, SECOND, VirtualTime};
use crate::names;
use crate::order::{Change, FinancialStatus, SimOrder};
use crate::random::{SimRng, between, chance, pick, weighted};
use crate::stock::{Assignment, Stock};

/// Warehouse problems, by the code the WMS reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExceptionCode {
    ScanFailure,
    WeightDiscrepancy,
    MissedPickup,
    ShortPick,
    Damaged,
}

/// Where in the warehouse flow a problem shows up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Pick,
    Pack,
    /// Moving to the dock; nothing we simulate goes wrong here.
    Dock,
    /// Waiting at the dock for the carrier.
    Pickup,
}

impl ExceptionCode {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ExceptionCode::ScanFailure => "SCAN_FAILURE",
            ExceptionCode::WeightDiscrepancy => "WEIGHT_DISCREPANCY",
            ExceptionCode::MissedPickup => "MISSED_PICKUP",
            ExceptionCode::ShortPick => "SHORT_PICK",
            ExceptionCode::Damaged => "DAMAGED",
        }
    }

    fn stage(self) -> Stage {
        match self {
            ExceptionCode::ShortPick | ExceptionCode::Damaged => Stage::Pick,
            ExceptionCode::ScanFailure | ExceptionCode::WeightDiscrepancy => Stage::Pack,
            ExceptionCode::MissedPickup => Stage::Pickup,
        }
    }

    /// Whether the exception is about one SKU rather than the whole order.
    pub(crate) fn names_sku(self) -> bool {
        matches!(self, ExceptionCode::ShortPick | ExceptionCode::Damaged)
    }
}

/// A warehouse event about one order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum WmsStep {
    Released,
    Picked,
    Packed,
    Staged,
    Shipped,
    ExceptionCreated(ExceptionCode),
    ExceptionCleared(ExceptionCode),
    /// Units back at the dock: (catalogue index, quantity).
    ReturnReceived(Vec<(usize, i64)>),
}

/// One thing that happens to an order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step {
    Create,
    /// Shopify delivering `orders/create` again, byte for byte.
    Redeliver,
    Update(Change),
    Cancel(&'static str),
    Wms(WmsStep),
    Ticket,
}

/// Where in the warehouse an order is handled; the same places in every
/// event about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stations {
    /// Pick face of the exception-prone lines, e.g. `PICK-B17`.
    pub pick_zone: String,
    /// e.g. `PACK-12`.
    pub pack_station: String,
    /// Outbound dock door, e.g. `DOCK-04`.
    pub dock: String,
}

impl Stations {
    /// Where a problem of this kind is reported from.
    pub(crate) fn of(&self, code: ExceptionCode) -> &str {
        match code.stage() {
            Stage::Pick => &self.pick_zone,
            Stage::Pack => &self.pack_station,
            Stage::Dock | Stage::Pickup => &self.dock,
        }
    }
}

/// An order in flight: its state and what is left to happen to it.
#[derive(Debug)]
pub(crate) struct OrderRun {
    pub order: SimOrder,
    pub steps: VecDeque<(VirtualTime, Step)>,
    pub assignment: Option<Assignment>,
    pub stations: Option<Stations>,
    pub shipment: Option<Shipment>,
    /// SKU named by a pick-stage exception.
    pub exception_sku: Option<usize>,
    /// Kept only while a redelivery is still to come.
    pub first_delivery: Option<crate::Delivery>,
}

impl OrderRun {
    pub(crate) fn next_at(&self) -> Option<VirtualTime> {
        self.steps.front().map(|(at, _)| *at)
    }

    /// Adopt `steps` in time order. The sort is stable, so steps at the same
    /// instant keep their lifecycle order.
    fn with_steps(mut self, mut steps: Vec<(VirtualTime, Step)>) -> Self {
        steps.sort_by_key(|(at, _)| *at);
        self.steps = steps.into();
        self
    }
}

/// Everything planning needs besides the order.
pub(crate) struct Planner<'a> {
    pub rng: &'a mut SimRng,
    pub catalog: &'a Catalog,
    pub stock: &'a mut Stock,
    pub sites: usize,
}

impl Planner<'_> {
    /// Plan the life of a freshly placed order. `intended` is the good
    /// address behind a broken one, if the shopper will correct it.
    pub(crate) fn plan(&mut self, order: SimOrder, intended: Option<Address>) -> OrderRun {
        let created = order.created_at;
        let mut steps = Vec::new();
        steps.push((created, Step::Create));
        if chance(self.rng, 0.01) {
            steps.push((created.plus(between(self.rng, 5 * SECOND, 90 * SECOND)), Step::Redeliver));
        }

        let mut t = created;
        let mut ship_to = order.ship_to.clone();
        if let Some(change) = self.change(&order, intended) {
            t = t.plus(between(self.rng, 2 * MINUTE, 40 * MINUTE));
            if let Change::ShippingAddress(address) = &change {
                ship_to = (**address).clone();
            }
            steps.push((t, Step::Update(change)));
        }

        let mut run = OrderRun {
            order,
            steps: VecDeque::new(),
            assignment: None,
            stations: None,
            shipment: None,
            exception_sku: None,
            first_delivery: None,
        };
        if let Some(reason) = self.cancellation(&run.order) {
            steps.push((t.plus(between(self.rng, 3 * MINUTE, 60 * MINUTE)), Step::Cancel(reason)));
            return run.with_steps(steps);
        }

        // Whether the order stalls short of shipping: that is when shoppers write in.
        let stuck = match self.stock.assign(self.rng, &ship_to, &run.order.lines, self.sites) {
            // No site has the stock: mostly the order waits as a backorder and
            // the warehouses never hear of it; sometimes it is released anyway
            // and the pickers find the shelf empty.
            Some(assignment) if assignment.short_sku.is_some() && !chance(self.rng, 0.3) => true,
            Some(assignment) => {
                self.stock.take(assignment.site, &run.order.lines);
                run.assignment = Some(assignment);
                self.warehouse(&mut run, &mut steps, t, &ship_to, assignment)
            }
            None => false,
        };
        if chance(self.rng, if stuck { 0.5 } else { 0.05 }) {
            steps.push((created.plus(between(self.rng, 6 * HOUR, 3 * DAY)), Step::Ticket));
        }
        run.with_steps(steps)
    }

    /// The `orders/updated` this order gets, if any (about one in ten).
    fn change(&mut self, order: &SimOrder, intended: Option<Address>) -> Option<Change> {
        if order.financial_status == FinancialStatus::Pending {
            return Some(Change::PaymentCaptured);
        }
        if let Some(address) = intended.filter(|_| chance(self.rng, 0.5)) {
            return Some(Change::ShippingAddress(Box::new(address)));
        }
        if !chance(self.rng, 0.07) {
            return None;
        }
        if chance(self.rng, 0.4) {
            let country = names::COUNTRIES
                .iter()
                .find(|c| c.code == order.ship_to.country_code)
                .unwrap_or(&names::COUNTRIES[0]);
            let person = address::Person {
                first_name: &order.ship_to.first_name,
                last_name: &order.ship_to.last_name,
            };
            Some(Change::ShippingAddress(Box::new(address::address(self.rng, country, person))))
        } else {
            Some(Change::Note(pick(self.rng, names::ORDER_NOTES)))
        }
    }

    /// Why the order is cancelled before release, if it is (about 3%).
    fn cancellation(&mut self, order: &SimOrder) -> Option<&'static str> {
        if !chance(self.rng, 0.03) {
            return None;
        }
        if order.financial_status != FinancialStatus::Paid && chance(self.rng, 0.5) {
            return Some("declined");
        }
        Some(weighted(
            self.rng,
            &[("customer", 60), ("fraud", 15), ("inventory", 10), ("other", 15)],
        ))
    }

    /// Plan the warehouse steps from release on. Returns whether the order
    /// ends up stuck in an exception that is never cleared.
    fn warehouse(
        &mut self,
        run: &mut OrderRun,
        steps: &mut Vec<(VirtualTime, Step)>,
        after: VirtualTime,
        ship_to: &Address,
        assignment: Assignment,
    ) -> bool {
        let exception = if assignment.short_sku.is_some() {
            Some(ExceptionCode::ShortPick)
        } else if chance(self.rng, 0.04) {
            Some(weighted(
                self.rng,
                &[
                    (ExceptionCode::ScanFailure, 25),
                    (ExceptionCode::WeightDiscrepancy, 25),
                    (ExceptionCode::MissedPickup, 20),
                    (ExceptionCode::ShortPick, 15),
                    (ExceptionCode::Damaged, 15),
                ],
            ))
        } else {
            None
        };
        if exception.is_some_and(ExceptionCode::names_sku) {
            let lines = &run.order.lines;
            run.exception_sku = Some(
                assignment
                    .short_sku
                    .unwrap_or_else(|| lines[self.rng.random_range(0..lines.len())].sku),
            );
        }

        run.stations = Some(Stations {
            pick_zone: format!("PICK-{}{:02}", pick(self.rng, &['A', 'B', 'C', 'D']), self.rng.random_range(1..=40)),
            pack_station: format!("PACK-{:02}", self.rng.random_range(1..=16)),
            dock: format!("DOCK-{:02}", self.rng.random_range(1..=8)),
        });

        let mut t = after.plus(between(self.rng, 10 * MINUTE, 90 * MINUTE));
        steps.push((t, Step::Wms(WmsStep::Released)));
        // Each step with the stage whose problems surface just before it and
        // its delay after the previous step. The carrier collects staged
        // parcels later the same day.
        let flow = [
            (Stage::Pick, WmsStep::Picked, 10 * MINUTE, 120 * MINUTE),
            (Stage::Pack, WmsStep::Packed, 5 * MINUTE, 45 * MINUTE),
            (Stage::Dock, WmsStep::Staged, 5 * MINUTE, 60 * MINUTE),
            (Stage::Pickup, WmsStep::Shipped, 30 * MINUTE, 6 * HOUR),
        ];
        for (stage, step, lo, hi) in flow {
            if let Some(code) = exception.filter(|c| c.stage() == stage) {
                t = t.plus(between(self.rng, 2 * MINUTE, 30 * MINUTE));
                steps.push((t, Step::Wms(WmsStep::ExceptionCreated(code))));
                // A real shortage waits for stock; most other problems are fixed in hours.
                let (clear_p, lo_wait, hi_wait) = if assignment.short_sku.is_some() {
                    (0.6, 2 * HOUR, 12 * HOUR)
                } else {
                    (0.8, 20 * MINUTE, 4 * HOUR)
                };
                if !chance(self.rng, clear_p) {
                    return true;
                }
                t = t.plus(between(self.rng, lo_wait, hi_wait));
                steps.push((t, Step::Wms(WmsStep::ExceptionCleared(code))));
            }
            t = t.plus(between(self.rng, lo, hi));
            if step == WmsStep::Shipped {
                run.shipment = Some(carrier::label(self.rng, run.order.method, ship_to.is_international(), t));
            }
            steps.push((t, Step::Wms(step)));
        }

        if chance(self.rng, 0.02) {
            let returnable: Vec<_> = run
                .order
                .lines
                .iter()
                .filter(|l| !self.catalog.items[l.sku].item.final_sale)
                .collect();
            if !returnable.is_empty() {
                let line = pick(self.rng, &returnable);
                let quantity = self.rng.random_range(1..=line.quantity);
                steps.push((
                    t.plus(between(self.rng, 2 * DAY, 6 * DAY)),
                    Step::Wms(WmsStep::ReturnReceived(vec![(line.sku, quantity)])),
                ));
            }
        }
        false
    }
}
