//! The merge: one time-ordered stream out of every simulated system.
//!
//! A discrete-event simulation. Setup traffic comes first, all at the start
//! time. After that a min-heap keyed by (virtual time, insertion number)
//! holds one entry per order in flight (its next step), one per purchase
//! order awaiting receipt, and the warehouses' recurring cycle count. New
//! orders are admitted lazily, only once the next arrival is due before
//! everything already queued, so the heap holds the orders in flight and
//! never the whole run. Every step is scheduled no earlier than the step
//! that scheduled it, which keeps the stream non-decreasing in time.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use model::event::EventBody;
use model::ops::{Asn, LineQty, PurchaseOrder};
use model::{Event, NodeId, Quantity};
use rand::Rng;

use crate::catalog::Catalog;
use crate::clock::{HOUR, MINUTE, VirtualTime};
use crate::config::SimConfig;
use crate::customer::CustomerBook;
use crate::erp::{self, ErpIds, MAX_BATCH};
use crate::helpdesk::{self, NewTicket};
use crate::lifecycle::{OrderRun, Planner, Step, WmsStep};
use crate::order::{self, IdCounters, SimOrder};
use crate::random::{self, SimRng, Stream, between, chance, pick, weighted};
use crate::shopify::{self, Topic, WebhookIds};
use crate::stock::{self, PlannedPo, Stock};
use crate::wms::{self, EventType, WmsEvent, WmsLine};
use crate::{Delivery, names};

/// Quiet time between setup traffic and the first order.
const SETUP_GAP: i64 = MINUTE;

/// A lazy, deterministic stream of deliveries; see [`scenario`].
#[derive(Debug)]
pub struct Scenario {
    world: World,
    state: State,
    setup: Setup,
    queue: BinaryHeap<Pending>,
    arrivals: Arrivals,
    pushed: u64,
    peak: usize,
}

/// Start a scenario. Nothing is generated until the iterator is advanced.
pub fn scenario(config: &SimConfig) -> Scenario {
    Scenario::new(config)
}

/// What stays fixed for the whole run.
#[derive(Debug)]
struct World {
    config: SimConfig,
    catalog: Catalog,
    start: VirtualTime,
    /// Starting levels, as the setup snapshots report them.
    initial: Stock,
    pos: Vec<PlannedPo>,
}

/// What the run changes as it goes.
#[derive(Debug)]
struct State {
    rng: SimRng,
    stock: Stock,
    customers: CustomerBook,
    ids: IdCounters,
    erp: ErpIds,
    /// Last event number per WMS site.
    wms_seq: Vec<u64>,
    shopify_events: u64,
    tickets: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Setup {
    Items { next: usize },
    Snapshots { next: usize },
    Procurement,
    Done,
}

/// The storefront's next order.
#[derive(Debug)]
struct Arrivals {
    next: u64,
    total: u64,
    at: VirtualTime,
}

impl Arrivals {
    fn remaining(&self) -> bool {
        self.next < self.total
    }
}

#[derive(Debug)]
enum Job {
    Order(Box<OrderRun>),
    /// Index into `World::pos`.
    Receipt(usize),
    CycleCount,
}

#[derive(Debug)]
struct Pending {
    at: VirtualTime,
    seq: u64,
    job: Job,
}

// Ordered by time then insertion, reversed so `BinaryHeap` pops the earliest.
impl Ord for Pending {
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}

impl Eq for Pending {}

impl Scenario {
    fn new(config: &SimConfig) -> Self {
        let start = VirtualTime::from_timestamp(config.start);
        let catalog = Catalog::new(config);
        let (initial, pos) = stock::plan(config, &catalog);
        let mut rng = random::rng(config.seed, Stream::Main);
        let first_order = start
            .plus(SETUP_GAP)
            .plus(random::exponential_ms(&mut rng, config.order_interval_ms));
        let state = State {
            rng,
            stock: initial.clone(),
            customers: CustomerBook::new(config.seed, start, config.orders),
            ids: IdCounters::default(),
            erp: ErpIds::new(&config.erp_source, config.seed),
            wms_seq: vec![0; config.wms.len()],
            shopify_events: 0,
            tickets: 0,
        };
        let receipts: Vec<VirtualTime> = pos.iter().map(|po| po.arrives).collect();
        let mut scenario = Scenario {
            world: World {
                config: config.clone(),
                catalog,
                start,
                initial,
                pos,
            },
            state,
            setup: Setup::Items { next: 0 },
            queue: BinaryHeap::new(),
            arrivals: Arrivals {
                next: 0,
                total: config.orders as u64,
                at: first_order,
            },
            pushed: 0,
            peak: 0,
        };
        for (index, at) in receipts.into_iter().enumerate() {
            scenario.push(at, Job::Receipt(index));
        }
        if !config.wms.is_empty() && config.orders > 0 {
            let first = start.plus(between(&mut scenario.state.rng, 15 * MINUTE, 2 * HOUR));
            scenario.push(first, Job::CycleCount);
        }
        scenario
    }

    /// Jobs waiting in the merge queue: about one per order in flight.
    pub fn in_flight(&self) -> usize {
        self.queue.len()
    }

    /// The most jobs the merge queue has held so far; it bounds the memory
    /// the scenario uses, and depends on how long orders stay in flight,
    /// not on how many are generated.
    pub fn peak_in_flight(&self) -> usize {
        self.peak
    }

    fn push(&mut self, at: VirtualTime, job: Job) {
        self.pushed += 1;
        self.queue.push(Pending { at, seq: self.pushed, job });
        self.peak = self.peak.max(self.queue.len());
    }

    /// Place storefront orders until the next one would come after
    /// everything already queued.
    fn admit_arrivals(&mut self) {
        while self.arrivals.remaining() && self.queue.peek().is_none_or(|p| self.arrivals.at <= p.at) {
            let n = self.arrivals.next;
            let at = self.arrivals.at;
            let customer = self.state.customers.next(&mut self.state.rng);
            let (order, intended) = order::generate(&mut self.state.rng, &mut self.state.ids, &self.world.catalog, n, at, customer);
            self.state.customers.record_spend(&order.customer, order.total_cents());
            let run = Planner {
                rng: &mut self.state.rng,
                catalog: &self.world.catalog,
                stock: &mut self.state.stock,
                sites: self.world.config.wms.len(),
            }
            .plan(order, intended);
            if let Some(first) = run.next_at() {
                self.push(first, Job::Order(Box::new(run)));
            }
            self.arrivals.next += 1;
            self.arrivals.at = at.plus(random::exponential_ms(&mut self.state.rng, self.world.config.order_interval_ms));
        }
    }

    fn next_setup(&mut self) -> Option<Delivery> {
        loop {
            let skus = self.world.catalog.len();
            let sites = self.world.config.wms.len();
            match self.setup {
                Setup::Items { next } if next < skus => {
                    let end = (next + MAX_BATCH).min(skus);
                    self.setup = Setup::Items { next: end };
                    return Some(self.item_batch(next, end));
                }
                Setup::Items { .. } => self.setup = Setup::Snapshots { next: 0 },
                Setup::Snapshots { next } if next < skus * sites => {
                    self.setup = Setup::Snapshots { next: next + 1 };
                    return Some(self.snapshot(next / skus, next % skus));
                }
                Setup::Snapshots { .. } => self.setup = Setup::Procurement,
                Setup::Procurement => {
                    self.setup = Setup::Done;
                    if let Some(delivery) = self.procurement() {
                        return Some(delivery);
                    }
                }
                Setup::Done => return None,
            }
        }
    }

    fn erp_event(&mut self, body: EventBody) -> Event {
        Event {
            event_id: self.state.erp.next_event(),
            source: self.state.erp.source().to_owned(),
            tenant: None,
            occurred_at: self.world.start.whole_seconds(),
            body,
        }
    }

    /// ERP item master: `item.upserted` for catalogue entries `[from, to)`.
    fn item_batch(&mut self, from: usize, to: usize) -> Delivery {
        let events: Vec<Event> = (from..to)
            .map(|i| self.erp_event(EventBody::ItemUpserted(self.world.catalog.items[i].item.clone())))
            .collect();
        let summary = format!(
            "erp item.upserted ×{} (SKUs {}–{} of {})",
            events.len(),
            from + 1,
            to,
            self.world.catalog.len()
        );
        erp::delivery(&mut self.state.erp, &events, self.world.start, summary)
    }

    /// A WMS's count of one SKU before trading starts.
    fn snapshot(&mut self, site: usize, sku: usize) -> Delivery {
        let at = self.world.start;
        let seq = self.next_wms_seq(site);
        let on_hand = self.world.initial.on_hand(site, sku);
        let site_cfg = &self.world.config.wms[site];
        let code = self.world.catalog.items[sku].item.sku.as_str();
        let mut event = WmsEvent::new(site_cfg, seq, EventType::InventorySnapshot, at);
        event.sku = Some(code);
        event.on_hand = Some(on_hand);
        event.into_delivery(site_cfg, at, &format!("{code} on_hand={on_hand}"))
    }

    /// The ERP's open purchase orders and the suppliers' ASNs for them.
    fn procurement(&mut self) -> Option<Delivery> {
        let mut bodies = Vec::new();
        for po in &self.world.pos {
            // Nodes come from configuration; one that is not a valid id gets no PO.
            let Ok(node) = NodeId::parse(&self.world.config.wms[po.site].node) else {
                continue;
            };
            let lines = vec![LineQty {
                sku: self.world.catalog.items[po.sku].item.sku.clone(),
                quantity: Quantity(po.quantity),
            }];
            let expected_at = Some(po.arrives.date());
            bodies.push(EventBody::PoCreated(PurchaseOrder {
                po_number: po.number.clone(),
                supplier: Some(po.supplier.to_owned()),
                node: node.clone(),
                lines: lines.clone(),
                expected_at,
            }));
            if let Some(asn) = &po.asn {
                bodies.push(EventBody::AsnCreated(Asn {
                    asn_id: asn.clone(),
                    po_number: Some(po.number.clone()),
                    node,
                    lines,
                    expected_at,
                }));
            }
        }
        if bodies.is_empty() {
            return None;
        }
        let pos = bodies.iter().filter(|b| matches!(b, EventBody::PoCreated(_))).count();
        let summary = format!("erp po.created ×{pos}, asn.created ×{}", bodies.len() - pos);
        let events: Vec<Event> = bodies.into_iter().map(|b| self.erp_event(b)).collect();
        Some(erp::delivery(&mut self.state.erp, &events, self.world.start, summary))
    }

    fn next_wms_seq(&mut self, site: usize) -> u64 {
        let seq = &mut self.state.wms_seq[site];
        *seq += 1;
        *seq
    }

    fn order_step(&mut self, at: VirtualTime, mut run: Box<OrderRun>) -> Option<Delivery> {
        let (_, step) = run.steps.pop_front()?;
        let delivery = match step {
            Step::Create => {
                let delivery = self.shopify(&run.order, Topic::Create, at);
                if run.steps.iter().any(|(_, s)| *s == Step::Redeliver) {
                    run.first_delivery = Some(delivery.clone());
                }
                Some(delivery)
            }
            Step::Redeliver => Some(match run.first_delivery.take() {
                Some(mut again) => {
                    again.at = at.timestamp();
                    again.summary.push_str(" (redelivery)");
                    again
                }
                None => self.shopify(&run.order, Topic::Create, at),
            }),
            Step::Update(change) => {
                run.order.apply(&change, at);
                let mut delivery = self.shopify(&run.order, Topic::Updated, at);
                delivery.summary.push_str(&format!(" ({})", change.describe()));
                Some(delivery)
            }
            Step::Cancel(reason) => {
                run.order.cancel(at, reason);
                let mut delivery = self.shopify(&run.order, Topic::Cancelled, at);
                delivery.summary.push_str(&format!(" ({reason})"));
                Some(delivery)
            }
            Step::Wms(step) => self.wms_step(at, &run, &step),
            Step::Ticket => Some(self.ticket(at, &run)),
        };
        if let Some(next) = run.next_at() {
            self.push(next, Job::Order(run));
        }
        delivery
    }

    fn shopify(&mut self, order: &SimOrder, topic: Topic, at: VirtualTime) -> Delivery {
        self.state.shopify_events += 1;
        let ids = WebhookIds {
            webhook_id: random::uuid(&mut self.state.rng),
            event_id: 98_880_550_000 + (random::mix(self.world.config.seed) % 1_000_000) * 1_000_000 + self.state.shopify_events,
        };
        shopify::webhook(&self.world.config.shop, &self.world.catalog, order, topic, at, &ids)
    }

    fn wms_step(&mut self, at: VirtualTime, run: &OrderRun, step: &WmsStep) -> Option<Delivery> {
        let site = run.assignment?.site;
        let stations = run.stations.as_ref()?;
        let seq = self.next_wms_seq(site);
        let world = &self.world;
        let site_cfg = &world.config.wms[site];
        let order = &run.order;
        let sku_of = |index: usize| world.catalog.items[index].item.sku.as_str();
        let all_lines = || {
            order
                .lines
                .iter()
                .map(|l| WmsLine {
                    sku: sku_of(l.sku),
                    quantity: l.quantity,
                })
                .collect::<Vec<_>>()
        };
        // Sites alternate between naming orders by Shopify name and by Shopify id.
        let order_ref = if site % 2 == 0 { order.name.clone() } else { order.id.to_string() };
        let key = wms::order_key(site_cfg, order.order_number);

        let event_type = match step {
            WmsStep::Released => EventType::OrderReleased,
            WmsStep::Picked => EventType::PickingComplete,
            WmsStep::Packed => EventType::Packed,
            WmsStep::Staged => EventType::Staged,
            WmsStep::Shipped => EventType::Shipped,
            WmsStep::ExceptionCreated(_) => EventType::ExceptionCreated,
            WmsStep::ExceptionCleared(_) => EventType::ExceptionCleared,
            WmsStep::ReturnReceived(_) => EventType::ReturnReceived,
        };
        let mut event = WmsEvent::new(site_cfg, seq, event_type, at);
        event.order_id = Some(&order_ref);
        event.wms_order_key = Some(&key);
        let mut subject = order.name.clone();
        match step {
            WmsStep::Released => event.lines = all_lines(),
            WmsStep::Picked => {
                event.location = Some(&stations.pick_zone);
                event.lines = all_lines();
            }
            WmsStep::Packed => event.location = Some(&stations.pack_station),
            WmsStep::Staged => event.location = Some(&stations.dock),
            WmsStep::Shipped => {
                let shipment = run.shipment.as_ref()?;
                event.carrier = Some(shipment.carrier.as_str());
                event.service = Some(shipment.service);
                event.tracking_number = Some(&shipment.tracking_number);
                event.estimated_delivery_date = Some(shipment.estimated_delivery);
                event.location = Some(&stations.dock);
                event.lines = all_lines();
                subject = format!("{} {} {}", order.name, shipment.carrier.as_str(), shipment.tracking_number);
            }
            WmsStep::ExceptionCreated(code) | WmsStep::ExceptionCleared(code) => {
                event.exception_code = Some(code.as_str());
                event.location = Some(stations.of(*code));
                if code.names_sku() {
                    event.sku = run.exception_sku.map(sku_of);
                }
                subject = format!("{} {}", order.name, code.as_str());
            }
            WmsStep::ReturnReceived(lines) => {
                event.lines = lines
                    .iter()
                    .map(|&(sku, quantity)| WmsLine {
                        sku: sku_of(sku),
                        quantity,
                    })
                    .collect();
                event.location = Some("RETURNS-01");
            }
        }
        let delivery = event.into_delivery(site_cfg, at, &subject);
        if let WmsStep::ReturnReceived(lines) = step {
            for &(sku, quantity) in lines {
                self.state.stock.adjust(site, sku, quantity);
            }
        }
        Some(delivery)
    }

    /// A "where is my order" e-mail to the helpdesk.
    fn ticket(&mut self, at: VirtualTime, run: &OrderRun) -> Delivery {
        self.state.tickets += 1;
        let rng = &mut self.state.rng;
        let order = &run.order;
        let customer = &order.customer;
        let (subject, body) = pick(rng, names::WISMO);
        let fill = |text: &str| text.replace("{order}", &order.name).replace("{name}", customer.first_name);
        let express = order.method != crate::carrier::ShippingMethod::Standard;
        let ticket = NewTicket {
            id: 41_000 + self.state.tickets,
            requester_id: 381_000_000_000 + customer.index,
            requester_name: format!("{} {}", customer.first_name, customer.last_name),
            requester_email: &customer.email,
            subject: fill(subject),
            description: fill(body),
            status: if chance(rng, 0.8) { "new" } else { "open" },
            priority: if express {
                "high"
            } else {
                weighted(rng, &[("normal", 80), ("high", 10), ("low", 10)])
            },
            order_name: &order.name,
            tags: vec!["where_is_my_order", "web_order"],
        };
        helpdesk::webhook(&self.world.config.helpdesk, &self.world.config.tenant, &ticket, at)
    }

    /// Goods for a purchase order arrive and are counted at the dock.
    fn receipt(&mut self, at: VirtualTime, index: usize) -> Delivery {
        let seq = self.next_wms_seq(self.world.pos[index].site);
        let po = &self.world.pos[index];
        let site_cfg = &self.world.config.wms[po.site];
        let mut event = WmsEvent::new(site_cfg, seq, EventType::ReceiptConfirmed, at);
        // The canonical shape has no PO field; `order_id` carries the PO number.
        event.order_id = Some(&po.number);
        event.lines = vec![WmsLine {
            sku: self.world.catalog.items[po.sku].item.sku.as_str(),
            quantity: po.received,
        }];
        event.location = Some("RECV-01");
        let delivery = event.into_delivery(
            site_cfg,
            at,
            &format!("{} {}×{}", po.number, self.world.catalog.items[po.sku].item.sku, po.received),
        );
        self.state.stock.adjust(po.site, po.sku, po.received);
        delivery
    }

    /// A cycle count finds a few units more or fewer than the system thought.
    fn cycle_count(&mut self, at: VirtualTime) -> Delivery {
        let rng = &mut self.state.rng;
        let site = rng.random_range(0..self.world.config.wms.len());
        let sku = rng.random_range(0..self.world.catalog.len());
        let delta = if self.state.stock.on_hand(site, sku) >= 3 && chance(rng, 0.6) {
            -rng.random_range(1..=3)
        } else {
            rng.random_range(1..=5)
        };
        let next = at.plus(between(rng, 10 * MINUTE, HOUR));
        self.state.stock.adjust(site, sku, delta);
        let seq = self.next_wms_seq(site);
        let site_cfg = &self.world.config.wms[site];
        let code = self.world.catalog.items[sku].item.sku.as_str();
        let mut event = WmsEvent::new(site_cfg, seq, EventType::InventoryAdjusted, at);
        event.sku = Some(code);
        event.quantity = Some(delta);
        let delivery = event.into_delivery(site_cfg, at, &format!("{code} {delta:+}"));
        if self.arrivals.remaining() {
            self.push(next, Job::CycleCount);
        }
        delivery
    }
}

impl Iterator for Scenario {
    type Item = Delivery;

    fn next(&mut self) -> Option<Delivery> {
        if let Some(delivery) = self.next_setup() {
            return Some(delivery);
        }
        loop {
            self.admit_arrivals();
            let Pending { at, job, .. } = self.queue.pop()?;
            let delivery = match job {
                Job::Order(run) => self.order_step(at, run),
                Job::Receipt(index) => Some(self.receipt(at, index)),
                Job::CycleCount => Some(self.cycle_count(at)),
            };
            // A step with nothing to send (it cannot happen with a consistent
            // plan) is skipped rather than ending the stream.
            if delivery.is_some() {
                return delivery;
            }
        }
    }
}
