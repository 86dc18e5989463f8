//! The in-memory projection: what must be answered without touching disk.
//!
//! Orders are held as compact slots (status, timestamps, node, lines as
//! interned ids); the full order document is folded from the log on read, so
//! a million orders fit in well under the memory budget. Lookups by any id an
//! order is known by go through 64-bit hashed keys: a key that two orders
//! share (a reused PO number, or the astronomically rare hash collision) is
//! marked ambiguous and resolved by reading the candidates' documents.

use std::hash::{Hash, Hasher};

use model::event::EventBody;
use model::inventory::Buckets;
use model::order::OrderStatus;
use std::collections::{BTreeMap, BTreeSet};

use model::inventory::{Reservation, ReservationReleased};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

/// Index into `State::orders`.
pub type Slot = u32;

const NONE: u32 = u32::MAX;
/// The end of a customer chain: the slot is on it, with nothing older.
/// Distinct from `NONE` (never added), so an update does not add it again.
const CHAIN_END: u32 = u32::MAX - 1;

/// Namespaces of hashed keys, so an order id and a tracking number that
/// happen to be equal strings do not clash.
#[derive(Clone, Copy)]
pub(crate) enum Key {
    /// Any id the order is known by: canonical, storefront id or name, OMS id, WMS key, PO.
    Order,
    /// A purchase-order number.
    Po,
    /// A customer email, name, id or account (lower-cased).
    Customer,
    /// A carrier tracking number.
    Tracking,
}

pub(crate) fn key_hash(tenant: u16, ns: Key, value: &str) -> u64 {
    // SipHash with fixed keys: stable across runs, so snapshots stay valid.
    #[allow(deprecated)]
    let mut h = std::hash::SipHasher::new_with_keys(0x6372_6f73_7364_6f63, 0x6b5f_6b65_7973_0001);
    tenant.hash(&mut h);
    (ns as u8).hash(&mut h);
    value.hash(&mut h);
    h.finish()
}

/// Where a hashed key points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Target {
    One(Slot),
    /// Shared by several orders; the list is in `State::ambiguous`.
    Many(u32),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct OrderSlot {
    /// Canonical id in `State::ids`.
    id: (u32, u16),
    pub tenant: u16,
    pub status: OrderStatus,
    /// Number of open exceptions.
    pub exceptions: u8,
    /// Node the order was released to (interned), or NONE.
    pub node: u32,
    /// Ship-to city, lower-cased and interned, or NONE: shipments to a
    /// place are found without reading every order.
    pub city: u32,
    /// Unix microseconds of the first and the latest event.
    pub created_at: i64,
    pub updated_at: i64,
    /// When the order data in force was current at its source (see
    /// [`model::order::Order::data_as_of`]): older updates do not replace it.
    data_at: i64,
    /// The order's total in hundredths of its currency, when it has one.
    total_cents: i64,
    /// Lines (interned SKU, units) in `State::lines`, for allocations.
    lines: (u32, u16),
}

/// A customer's earlier orders, summed from the projection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CustomerSummary {
    pub orders: u32,
    pub total_cents: i64,
    /// Unix microseconds.
    pub first_at: Option<i64>,
    pub in_window: u32,
}

/// What an item needs in handling, as its `item.upserted` said.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ItemFlags {
    pub hazmat: bool,
    pub oversize: bool,
    pub cold_chain: bool,
    pub final_sale: bool,
}

/// Expected supply of one reference (`po:…` or `asn:…`) at one position.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Supply {
    reference: Box<str>,
    /// Days since 1970-01-01 it is expected, if known.
    day: Option<i32>,
    units: i64,
    bucket: Bucket,
}

fn days(date: jiff::civil::Date) -> i32 {
    (date - jiff::civil::date(1970, 1, 1)).get_days()
}

pub(crate) fn date_of(day: i32) -> jiff::civil::Date {
    jiff::civil::date(1970, 1, 1)
        .checked_add(jiff::Span::new().days(i64::from(day)))
        .unwrap_or(jiff::civil::Date::MAX)
}

/// A stock bucket, as the movement ledger names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Bucket {
    OnHand,
    Allocated,
    Reserved,
    InTransit,
    OnOrder,
    Backordered,
    Held,
    SafetyStock,
}

impl Bucket {
    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::OnHand => "on_hand",
            Bucket::Allocated => "allocated",
            Bucket::Reserved => "reserved",
            Bucket::InTransit => "in_transit",
            Bucket::OnOrder => "on_order",
            Bucket::Backordered => "backordered",
            Bucket::Held => "held",
            Bucket::SafetyStock => "safety_stock",
        }
    }

    fn of(self, b: &mut Buckets) -> &mut i64 {
        match self {
            Bucket::OnHand => &mut b.on_hand,
            Bucket::Allocated => &mut b.allocated,
            Bucket::Reserved => &mut b.reserved,
            Bucket::InTransit => &mut b.in_transit,
            Bucket::OnOrder => &mut b.on_order,
            Bucket::Backordered => &mut b.backordered,
            Bucket::Held => &mut b.held,
            Bucket::SafetyStock => &mut b.safety_stock,
        }
    }
}

/// One typed change to one bucket of one position: the ledger line that
/// explains a number. The writer stores it with the seq of its event.
#[derive(Debug, Clone)]
pub struct Movement {
    pub tenant: String,
    pub sku: String,
    pub node: String,
    pub bucket: Bucket,
    pub delta: i64,
    pub reason: &'static str,
}

/// An active reservation, in interned form.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ReservationSlot {
    pub tenant: u16,
    /// The order key it converts on (see `order_reservations`).
    pub order: Option<Box<str>>,
    /// (SKU, node, units still held).
    pub lines: Vec<(u32, u32, i64)>,
    /// (SKU, node or NONE, units backordered).
    pub backordered: Vec<(u32, u32, i64)>,
    pub expires_at: i64,
}

/// Totals the dashboard and metrics read without scanning.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Counters {
    pub events: u64,
    pub orders_by_status: [u64; OrderStatus::ALL.len()],
    pub orders_with_exceptions: u64,
    pub items: u64,
    pub active_reservations: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct State {
    /// Last sequence number applied.
    pub seq: u64,
    tenants: Vec<Box<str>>,
    strings: Vec<Box<str>>,
    #[serde(skip)]
    string_ids: FxHashMap<Box<str>, u32>,
    pub(crate) orders: Vec<OrderSlot>,
    /// Arena of canonical order ids.
    ids: String,
    /// Arena of order lines.
    lines: Vec<(u32, u32)>,
    keys: FxHashMap<u64, Target>,
    ambiguous: Vec<Vec<Slot>>,
    /// Per customer key: the newest link; `customer_next` chains older ones.
    customers: FxHashMap<u64, Slot>,
    customer_next: Vec<[Slot; 2]>,
    pub(crate) inventory: FxHashMap<(u16, u32, u32), Buckets>,
    /// Nodes holding a position per (tenant, SKU), for per-SKU reads and planning.
    sku_nodes: FxHashMap<(u16, u32), Vec<u32>>,
    items: FxHashSet<(u16, u32)>,
    /// Eaches per case, for items that told us.
    pack_sizes: FxHashMap<(u16, u32), u32>,
    /// Unit cost per item, for valuing discrepancies.
    unit_costs: FxHashMap<(u16, u32), model::Money>,
    /// Handling attributes per item, for triage and sourcing.
    item_flags: FxHashMap<(u16, u32), ItemFlags>,
    /// Active reservations by number (`R-<n>`), newest last.
    reservations: BTreeMap<u64, ReservationSlot>,
    /// (expires_at, number) of active reservations, for expiry.
    expiry: BTreeSet<(i64, u64)>,
    /// Active reservation per order (canonical id or the reference given).
    order_reservations: FxHashMap<Box<str>, u64>,
    /// Future supply per position: POs (on order) and ASNs (in transit) with
    /// their expected day, for ATP by date. Bucket totals are their sums.
    supply: FxHashMap<(u16, u32, u32), Vec<Supply>>,
    /// Units backordered without a node, per (tenant, SKU).
    network_backorders: FxHashMap<(u16, u32), i64>,
    pub(crate) next_reservation: u64,
    /// Set while replaying the log: movements are not collected.
    #[serde(skip)]
    pub(crate) replaying: bool,
    /// Positions changed since the writer last looked, with their ATP before
    /// the first change. Drained by the writer to emit `inventory.atp_changed`.
    #[serde(skip)]
    dirty: FxHashMap<(u16, u32, u32), i64>,
    /// Movements made since the writer last drained them.
    #[serde(skip)]
    movements: Vec<(u16, u32, u32, Bucket, i64, &'static str)>,
    pub counters: Counters,
}

fn status_index(status: OrderStatus) -> usize {
    OrderStatus::ALL.iter().position(|s| *s == status).unwrap_or(0)
}

impl State {
    /// Rebuilds the lookup maps that are not stored in snapshots.
    pub(crate) fn after_load(&mut self) {
        self.string_ids = self.strings.iter().enumerate().map(|(i, s)| (s.clone(), i as u32)).collect();
    }

    /// The small dense index of a tenant, assigned on first sight.
    pub(crate) fn tenant_index(&mut self, tenant: &str) -> u16 {
        if let Some(i) = self.tenant_lookup(tenant) {
            return i;
        }
        self.tenants.push(tenant.into());
        (self.tenants.len() - 1) as u16
    }

    pub(crate) fn tenant_lookup(&self, tenant: &str) -> Option<u16> {
        self.tenants.iter().position(|t| &**t == tenant).map(|i| i as u16)
    }

    pub(crate) fn intern(&mut self, s: &str) -> u32 {
        if let Some(id) = self.string_ids.get(s) {
            return *id;
        }
        let id = self.strings.len() as u32;
        self.strings.push(s.into());
        self.string_ids.insert(s.into(), id);
        id
    }

    pub(crate) fn interned(&self, s: &str) -> Option<u32> {
        self.string_ids.get(s).copied()
    }

    pub(crate) fn string(&self, id: u32) -> &str {
        &self.strings[id as usize]
    }

    pub(crate) fn order_id(&self, slot: Slot) -> &str {
        let (start, len) = self.orders[slot as usize].id;
        &self.ids[start as usize..start as usize + len as usize]
    }

    pub(crate) fn order_lines(&self, slot: Slot) -> &[(u32, u32)] {
        let (start, len) = self.orders[slot as usize].lines;
        &self.lines[start as usize..start as usize + len as usize]
    }

    /// Every slot a hashed key points to.
    pub(crate) fn lookup(&self, tenant: u16, ns: Key, value: &str) -> Vec<Slot> {
        match self.keys.get(&key_hash(tenant, ns, value)) {
            None => Vec::new(),
            Some(Target::One(slot)) => vec![*slot],
            Some(Target::Many(i)) => self.ambiguous[*i as usize].clone(),
        }
    }

    /// The one order a reference names, checking the canonical id first.
    /// `Err(candidates)` when the reference is shared by several orders.
    pub(crate) fn resolve(&self, tenant: u16, reference: &str) -> Result<Option<Slot>, Vec<Slot>> {
        let mut candidates = self.lookup(tenant, Key::Order, reference);
        // People write "order 1042" for the storefront's "#1042".
        if candidates.is_empty() && reference.bytes().all(|b| b.is_ascii_digit()) {
            candidates = self.lookup(tenant, Key::Order, &format!("#{reference}"));
        }
        match candidates.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(*one)),
            many => {
                let exact: Vec<Slot> = many.iter().copied().filter(|s| self.order_id(*s) == reference).collect();
                match exact.as_slice() {
                    [one] => Ok(Some(*one)),
                    _ => Err(candidates),
                }
            }
        }
    }

    fn add_key(&mut self, tenant: u16, ns: Key, value: &str, slot: Slot) {
        if value.is_empty() {
            return;
        }
        let hash = key_hash(tenant, ns, value);
        match self.keys.get(&hash).copied() {
            None => {
                self.keys.insert(hash, Target::One(slot));
            }
            Some(Target::One(existing)) if existing == slot => {}
            Some(Target::One(existing)) => {
                self.ambiguous.push(vec![existing, slot]);
                self.keys.insert(hash, Target::Many(self.ambiguous.len() as u32 - 1));
            }
            Some(Target::Many(i)) => {
                let list = &mut self.ambiguous[i as usize];
                if !list.contains(&slot) {
                    list.push(slot);
                }
            }
        }
    }

    fn add_customer(&mut self, tenant: u16, which: usize, value: Option<&str>, slot: Slot) {
        let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
            return;
        };
        let hash = key_hash(tenant, Key::Customer, &value.to_lowercase());
        let link = slot | ((which as u32) << 31);
        let previous = self.customers.insert(hash, link).unwrap_or(CHAIN_END);
        self.customer_next[slot as usize][which] = previous;
    }

    /// A customer's orders created before `before` (unix µs), from the
    /// projection alone: how many, their total in hundredths, the first's
    /// creation time, and how many fall in the `window` µs before `before`.
    /// `except` is left out (the order being assessed). Hash collisions may
    /// over-count; this feeds a risk estimate, not a ledger.
    pub(crate) fn customer_summary(&self, tenant: u16, customer: &str, before: i64, window: i64, except: &str) -> CustomerSummary {
        let mut summary = CustomerSummary::default();
        for slot in self.customer_slots(tenant, customer) {
            let order = &self.orders[slot as usize];
            if order.tenant != tenant || order.created_at >= before || self.order_id(slot) == except {
                continue;
            }
            summary.orders += 1;
            summary.total_cents += order.total_cents;
            summary.first_at = Some(summary.first_at.map_or(order.created_at, |f: i64| f.min(order.created_at)));
            if order.created_at >= before - window {
                summary.in_window += 1;
            }
        }
        summary
    }

    /// Slots whose customer key matches, newest first (may hold false
    /// positives on hash collision; callers check the documents).
    ///
    /// A chain link is a slot with the chain it continues on in the top bit:
    /// an order's email and name keys sit on different chains.
    pub(crate) fn customer_slots(&self, tenant: u16, customer: &str) -> Vec<Slot> {
        let hash = key_hash(tenant, Key::Customer, &customer.trim().to_lowercase());
        let mut out = Vec::new();
        let mut link = self.customers.get(&hash).copied().unwrap_or(CHAIN_END);
        while link != CHAIN_END && link != NONE {
            let (slot, which) = (link & !(1 << 31), (link >> 31) as usize);
            if out.last() != Some(&slot) {
                out.push(slot);
            }
            link = self.customer_next[slot as usize][which];
        }
        out
    }

    pub(crate) fn slot(&self, slot: Slot) -> &OrderSlot {
        &self.orders[slot as usize]
    }

    pub(crate) fn order_count(&self) -> usize {
        self.orders.len()
    }

    /// Orders of `tenant` with at least one package out (shipped, partly
    /// shipped, delivered or returned), touched since `since` (unix µs),
    /// going to `city` (any case) and released to `node` when given; newest
    /// first, at most `limit`. A scan of the compact slots: no disk.
    pub(crate) fn shipped_slots(&self, tenant: u16, city: Option<&str>, node: Option<&str>, since: i64, limit: usize) -> Vec<Slot> {
        let want = |value: Option<&str>, lower: bool| -> Option<Option<u32>> {
            match value {
                None => Some(None),
                Some(v) => {
                    let v = if lower { v.trim().to_lowercase() } else { v.trim().to_owned() };
                    self.interned(&v).map(Some)
                }
            }
        };
        let (Some(city), Some(node)) = (want(city, true), want(node, false)) else {
            return Vec::new();
        };
        (0..self.orders.len() as Slot)
            .rev()
            .filter(|s| {
                let o = &self.orders[*s as usize];
                o.tenant == tenant
                    && o.updated_at >= since
                    && matches!(
                        o.status,
                        OrderStatus::PartiallyShipped | OrderStatus::Shipped | OrderStatus::Delivered | OrderStatus::Returned
                    )
                    && city.is_none_or(|c| o.city == c)
                    && node.is_none_or(|n| o.node == n)
            })
            .take(limit)
            .collect()
    }

    pub(crate) fn knows_item(&self, tenant: u16, sku: &str) -> bool {
        self.interned(sku).is_some_and(|s| self.items.contains(&(tenant, s)))
    }

    fn set_status(&mut self, slot: Slot, next: OrderStatus) {
        let order = &mut self.orders[slot as usize];
        if order.status.can_become(next) {
            self.counters.orders_by_status[status_index(order.status)] -= 1;
            self.counters.orders_by_status[status_index(next)] += 1;
            order.status = next;
        }
    }

    fn position(&mut self, tenant: u16, sku: u32, node: u32) -> &mut Buckets {
        match self.inventory.get(&(tenant, sku, node)) {
            None => {
                self.sku_nodes.entry((tenant, sku)).or_default().push(node);
                self.dirty.entry((tenant, sku, node)).or_insert(0);
            }
            Some(b) => {
                let before = b.atp();
                self.dirty.entry((tenant, sku, node)).or_insert(before);
            }
        }
        self.inventory.entry((tenant, sku, node)).or_default()
    }

    fn learn_item(&mut self, tenant: u16, sku: u32) {
        if self.items.insert((tenant, sku)) {
            self.counters.items += 1;
        }
    }

    /// Creates the slot for a new order.
    fn create_order(&mut self, tenant: u16, id: &str, at: i64) -> Slot {
        let slot = self.orders.len() as Slot;
        let start = self.ids.len() as u32;
        self.ids.push_str(id);
        self.orders.push(OrderSlot {
            id: (start, id.len() as u16),
            tenant,
            status: OrderStatus::Open,
            exceptions: 0,
            node: NONE,
            city: NONE,
            created_at: at,
            updated_at: at,
            data_at: at,
            total_cents: 0,
            lines: (0, 0),
        });
        self.customer_next.push([NONE, NONE]);
        self.counters.orders_by_status[status_index(OrderStatus::Open)] += 1;
        self.add_key(tenant, Key::Order, id, slot);
        slot
    }

    /// Applies one logged event. `subject` is what the writer resolved the
    /// event to (the canonical order id for order events). Pure in-memory;
    /// the same code serves live ingest and replay.
    pub(crate) fn apply(&mut self, seq: u64, tenant: u16, subject: &str, at: i64, body: &EventBody) {
        self.seq = self.seq.max(seq);
        self.counters.events += 1;
        let slot = if body.order_ref().is_some() {
            match (self.resolve(tenant, subject), body) {
                (Ok(Some(slot)), _) => Some(slot),
                (_, EventBody::OrderCreated(_) | EventBody::OrderUpdated(_)) => Some(self.create_order(tenant, subject, at)),
                _ => None,
            }
        } else {
            None
        };
        if let Some(slot) = slot {
            let order = &mut self.orders[slot as usize];
            order.updated_at = order.updated_at.max(at);
        }
        match body {
            EventBody::ItemUpserted(item) => {
                let sku = self.intern(item.sku.as_str());
                self.learn_item(tenant, sku);
                if let Some(size) = item.pack_size.filter(|s| *s > 0) {
                    self.pack_sizes.insert((tenant, sku), size);
                }
                if let Some(cost) = &item.unit_cost {
                    self.unit_costs.insert((tenant, sku), cost.clone());
                }
                self.item_flags.insert(
                    (tenant, sku),
                    ItemFlags {
                        hazmat: item.hazmat,
                        oversize: item.oversize,
                        cold_chain: item.cold_chain,
                        final_sale: item.final_sale,
                    },
                );
            }
            EventBody::OrderCreated(data) | EventBody::OrderUpdated(data) => {
                let Some(slot) = slot else { return };
                for alias in data.external_ids.iter().chain(std::iter::once(data.order_id.as_str())) {
                    self.add_key(tenant, Key::Order, alias, slot);
                    // A reservation made before the order arrived, under one of its ids, now follows it.
                    if let Some(number) = self.order_reservations.remove(alias) {
                        let id: Box<str> = self.order_id(slot).into();
                        if let Some(r) = self.reservations.get_mut(&number) {
                            r.order = Some(id.clone());
                        }
                        self.order_reservations.insert(id, number);
                    }
                }
                if let Some(po) = &data.po_number {
                    self.add_key(tenant, Key::Order, po, slot);
                    self.add_key(tenant, Key::Po, po, slot);
                }
                // A stale copy (an orders/updated that arrived after a newer
                // one) leaves the newer data's lines and hold in force.
                if at < self.orders[slot as usize].data_at {
                    return;
                }
                self.orders[slot as usize].data_at = at;
                let city = match data.ship_to.city.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
                    Some(c) => self.intern(&c.to_lowercase()),
                    None => NONE,
                };
                self.orders[slot as usize].city = city;
                self.orders[slot as usize].total_cents = data
                    .total
                    .as_ref()
                    .and_then(|m| (m.amount * rust_decimal::Decimal::ONE_HUNDRED).trunc().try_into().ok())
                    .unwrap_or(0);
                let customer = &data.customer;
                if self.customer_next[slot as usize] == [NONE, NONE] {
                    self.add_customer(tenant, 0, customer.email.as_deref(), slot);
                    let second = customer.account.as_deref().or(customer.name.as_deref()).or(customer.id.as_deref());
                    self.add_customer(tenant, 1, second, slot);
                }
                let released = self.orders[slot as usize].node != NONE;
                if !released {
                    let lines: Vec<(u32, u32)> = data
                        .lines
                        .iter()
                        .map(|l| (self.intern(l.sku.as_str()), l.quantity.units().clamp(0, u32::MAX as i64) as u32))
                        .collect();
                    let start = self.lines.len() as u32;
                    self.lines.extend_from_slice(&lines);
                    self.orders[slot as usize].lines = (start, lines.len() as u16);
                }
                if data.payment_state_blocks_release() {
                    self.set_status(slot, OrderStatus::OnHold);
                } else if self.orders[slot as usize].status == OrderStatus::OnHold {
                    self.set_status(slot, OrderStatus::Open);
                }
            }
            EventBody::OrderCancelled(_) => {
                let Some(slot) = slot else { return };
                let before = self.orders[slot as usize].status;
                self.set_status(slot, OrderStatus::Cancelled);
                if self.orders[slot as usize].status == OrderStatus::Cancelled && before != OrderStatus::Cancelled {
                    self.release_allocation(slot);
                    if let Some(number) = self.order_reservations.get(self.order_id(slot)).copied() {
                        self.unreserve(number, "cancelled");
                    }
                }
            }
            EventBody::OrderReleased(step) | EventBody::OrderPicked(step) | EventBody::OrderPacked(step) | EventBody::OrderStaged(step) => {
                let Some(slot) = slot else { return };
                if let Some(key) = &step.wms_order_key {
                    self.add_key(tenant, Key::Order, key, slot);
                }
                if let Some(node) = &step.node {
                    self.allocate(slot, tenant, node.as_str());
                }
                let next = match body {
                    EventBody::OrderReleased(_) => OrderStatus::Released,
                    EventBody::OrderPicked(_) => OrderStatus::Picked,
                    EventBody::OrderPacked(_) => OrderStatus::Packed,
                    _ => OrderStatus::Staged,
                };
                self.set_status(slot, next);
            }
            EventBody::OrderShipped(shipped) => {
                let Some(slot) = slot else { return };
                self.add_key(tenant, Key::Tracking, &shipped.tracking_number, slot);
                if let Some(key) = &shipped.wms_order_key {
                    self.add_key(tenant, Key::Order, key, slot);
                }
                if let Some(node) = &shipped.node {
                    self.allocate(slot, tenant, node.as_str());
                }
                let status = self.orders[slot as usize].status;
                if status.can_become(OrderStatus::Shipped) {
                    self.consume_allocation(slot);
                }
                self.set_status(slot, OrderStatus::Shipped);
            }
            EventBody::OrderDelivered(_) => {
                if let Some(slot) = slot {
                    self.set_status(slot, OrderStatus::Delivered);
                }
            }
            // An outcome for the decisions; nothing in stock or status moves.
            EventBody::OrderChargeback(_) => {}
            EventBody::ShipmentTracking(update) => {
                if let (Some(slot), model::shipment::TrackingStatus::Delivered) =
                    (self.resolve_tracking(tenant, &update.tracking_number), update.status)
                {
                    self.set_status(slot, OrderStatus::Delivered);
                }
            }
            EventBody::ExceptionRaised(_) | EventBody::ExceptionCleared(_) => {
                let Some(slot) = slot else { return };
                let order = &mut self.orders[slot as usize];
                let before = order.exceptions;
                if matches!(body, EventBody::ExceptionRaised(_)) {
                    order.exceptions = order.exceptions.saturating_add(1);
                } else {
                    order.exceptions = order.exceptions.saturating_sub(1);
                }
                match (before, order.exceptions) {
                    (0, n) if n > 0 => self.counters.orders_with_exceptions += 1,
                    (b, 0) if b > 0 => self.counters.orders_with_exceptions -= 1,
                    _ => {}
                }
            }
            EventBody::InventoryAdjusted(adj) => {
                let (sku, node) = (self.intern(adj.sku.as_str()), self.intern(adj.node.as_str()));
                self.learn_item(tenant, sku);
                self.change(tenant, sku, node, Bucket::OnHand, adj.delta.units(), "adjusted");
                self.rebalance(tenant, sku, node);
            }
            EventBody::InventorySnapshot(snap) => {
                let (sku, node) = (self.intern(snap.sku.as_str()), self.intern(snap.node.as_str()));
                self.learn_item(tenant, sku);
                // A count sets on-hand only: allocations owed to orders not yet shipped stay.
                let delta = snap.on_hand.units() - self.position(tenant, sku, node).on_hand;
                self.change(tenant, sku, node, Bucket::OnHand, delta, "counted");
                self.rebalance(tenant, sku, node);
            }
            EventBody::ReceiptConfirmed(receipt) => {
                let node = self.intern(receipt.node.as_str());
                let reference = receipt
                    .asn_id
                    .as_ref()
                    .map(|a| format!("asn:{a}"))
                    .or_else(|| receipt.po_number.as_ref().map(|p| format!("po:{p}")));
                for line in &receipt.lines {
                    let sku = self.intern(line.sku.as_str());
                    self.learn_item(tenant, sku);
                    let units = line.quantity.units();
                    self.change(tenant, sku, node, Bucket::OnHand, units, "received");
                    if reference.is_some() {
                        // Received supply leaves the future buckets: the named ASN or PO first, then the oldest.
                        self.consume_supply(tenant, sku, node, reference.as_deref(), units, "received");
                    }
                }
            }
            EventBody::ReturnReceived(ret) => {
                if let Some(slot) = slot {
                    self.set_status(slot, OrderStatus::Returned);
                }
                if let Some(node) = &ret.node {
                    let node = self.intern(node.as_str());
                    for line in &ret.lines {
                        let sku = self.intern(line.sku.as_str());
                        self.change(tenant, sku, node, Bucket::OnHand, line.quantity.units(), "returned");
                    }
                }
            }
            EventBody::PoCreated(po) | EventBody::PoUpdated(po) => {
                let node = self.intern(po.node.as_str());
                let reference = format!("po:{}", po.po_number);
                // An update replaces what is still open on the PO.
                self.drop_supply(tenant, &reference, "po_changed");
                let date = po.expected_at.map(days);
                for line in &po.lines {
                    let sku = self.intern(line.sku.as_str());
                    self.learn_item(tenant, sku);
                    self.add_supply(
                        (tenant, sku, node),
                        Supply {
                            reference: reference.as_str().into(),
                            day: date,
                            units: line.quantity.units(),
                            bucket: Bucket::OnOrder,
                        },
                        "ordered",
                    );
                }
            }
            EventBody::AsnCreated(asn) => {
                let node = self.intern(asn.node.as_str());
                let reference = format!("asn:{}", asn.asn_id);
                let po = asn.po_number.as_ref().map(|p| format!("po:{p}"));
                for line in &asn.lines {
                    let sku = self.intern(line.sku.as_str());
                    self.learn_item(tenant, sku);
                    let units = line.quantity.units();
                    self.add_supply(
                        (tenant, sku, node),
                        Supply {
                            reference: reference.as_str().into(),
                            day: asn.expected_at.map(days),
                            units,
                            bucket: Bucket::InTransit,
                        },
                        "shipped_to_node",
                    );
                    if let Some(po) = &po {
                        self.consume_from(tenant, sku, node, po, units, "shipped_to_node");
                    }
                }
            }
            EventBody::InventoryHeld(h) => {
                let (sku, node) = (self.intern(h.sku.as_str()), self.intern(h.node.as_str()));
                self.learn_item(tenant, sku);
                // Never release more than is held.
                let held = self.position(tenant, sku, node).held;
                let delta = h.quantity.units().max(-held);
                self.change(
                    tenant,
                    sku,
                    node,
                    Bucket::Held,
                    delta,
                    if delta >= 0 { "held" } else { "hold_released" },
                );
                self.rebalance(tenant, sku, node);
            }
            EventBody::SafetyStockSet(s) => {
                let (sku, node) = (self.intern(s.sku.as_str()), self.intern(s.node.as_str()));
                self.learn_item(tenant, sku);
                let delta = s.quantity.units() - self.position(tenant, sku, node).safety_stock;
                self.change(tenant, sku, node, Bucket::SafetyStock, delta, "safety_stock_set");
            }
            EventBody::ReservationCreated(r) => self.reserve(tenant, r),
            EventBody::ReservationReleased(r) => self.release_reservation(r),
            EventBody::TicketCreated(_) => {}
        }
    }

    pub(crate) fn resolve_tracking(&self, tenant: u16, tracking: &str) -> Option<Slot> {
        match self.lookup(tenant, Key::Tracking, tracking).as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }

    /// Released orders hold their units at the node until shipped or cancelled.
    /// Released orders hold their units at the node until shipped or
    /// cancelled; a reservation made for the order converts into this allocation.
    fn allocate(&mut self, slot: Slot, tenant: u16, node: &str) {
        if self.orders[slot as usize].node != NONE {
            return;
        }
        if let Some(number) = self.order_reservations.get(self.order_id(slot)).copied() {
            self.unreserve(number, "converted");
        }
        let node = self.intern(node);
        self.orders[slot as usize].node = node;
        let lines = self.order_lines(slot).to_vec();
        for (sku, units) in &lines {
            self.change(tenant, *sku, node, Bucket::Allocated, i64::from(*units), "released");
        }
        for (sku, _) in lines {
            self.rebalance(tenant, sku, node);
        }
    }

    fn release_allocation(&mut self, slot: Slot) {
        self.move_allocation(slot, false);
    }

    fn consume_allocation(&mut self, slot: Slot) {
        self.move_allocation(slot, true);
    }

    fn move_allocation(&mut self, slot: Slot, consume: bool) {
        let order = &self.orders[slot as usize];
        let (tenant, node) = (order.tenant, order.node);
        if node == NONE {
            return;
        }
        let lines = self.order_lines(slot).to_vec();
        for (sku, units) in lines {
            let reason = if consume { "shipped" } else { "cancelled" };
            self.change(tenant, sku, node, Bucket::Allocated, -i64::from(units), reason);
            if consume {
                self.change(tenant, sku, node, Bucket::OnHand, -i64::from(units), reason);
            }
        }
        // Lines are accounted for: a second SHIPPED or a cancel must not move them again.
        self.orders[slot as usize].lines = (0, 0);
    }

    /// Positions of one SKU, per node, with the warehouse-allocation
    /// shortfall (allocations beyond stock) counted as backordered.
    pub(crate) fn positions(&self, tenant: u16, sku: &str) -> (Vec<(String, Buckets)>, i64) {
        let Some(sku) = self.interned(sku) else { return (Vec::new(), 0) };
        let mut out: Vec<(String, Buckets)> = self
            .sku_nodes
            .get(&(tenant, sku))
            .into_iter()
            .flatten()
            .filter_map(|node| {
                let mut b = *self.inventory.get(&(tenant, sku, *node))?;
                b.backordered += (b.allocated - (b.on_hand - b.held).max(0)).max(0);
                Some((self.string(*node).to_owned(), b))
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        (out, self.network_backorders.get(&(tenant, sku)).copied().unwrap_or(0))
    }

    /// ATP of a SKU at every node holding it, by name, in one pass.
    pub(crate) fn atp_by_node(&self, tenant: u16, sku: &str) -> Vec<(String, i64)> {
        let Some(s) = self.interned(sku) else { return Vec::new() };
        self.sku_nodes
            .get(&(tenant, s))
            .into_iter()
            .flatten()
            .filter_map(|n| Some((self.string(*n).to_owned(), self.inventory.get(&(tenant, s, *n))?.atp())))
            .collect()
    }

    /// Positions whose ATP changed since the last call: (tenant, SKU, node,
    /// buckets now). Positions that changed and changed back are left out.
    pub(crate) fn take_atp_changes(&mut self) -> Vec<(String, String, String, Buckets)> {
        let dirty = std::mem::take(&mut self.dirty);
        dirty
            .into_iter()
            .filter_map(|((t, sku, node), before)| {
                let now = *self.inventory.get(&(t, sku, node))?;
                (now.atp() != before).then(|| {
                    (
                        self.tenant_name(t).to_owned(),
                        self.string(sku).to_owned(),
                        self.string(node).to_owned(),
                        now,
                    )
                })
            })
            .collect()
    }

    /// Forgets pending changes and movements (after a replay: those were
    /// propagated and stored before).
    pub(crate) fn clear_atp_changes(&mut self) {
        self.dirty.clear();
        self.movements.clear();
    }

    /// The movements made since the last call, by name.
    pub(crate) fn take_movements(&mut self) -> Vec<Movement> {
        std::mem::take(&mut self.movements)
            .into_iter()
            .map(|(t, sku, node, bucket, delta, reason)| Movement {
                tenant: self.tenant_name(t).to_owned(),
                sku: self.string(sku).to_owned(),
                node: self.string(node).to_owned(),
                bucket,
                delta,
                reason,
            })
            .collect()
    }

    /// Changes one bucket and records the movement. Every change to a
    /// position goes through here, so the ledger explains every number.
    fn change(&mut self, tenant: u16, sku: u32, node: u32, bucket: Bucket, delta: i64, reason: &'static str) {
        if delta == 0 {
            return;
        }
        *bucket.of(self.position(tenant, sku, node)) += delta;
        // Replay rebuilds totals only; its movements are already stored.
        if !self.replaying {
            self.movements.push((tenant, sku, node, bucket, delta, reason));
        }
    }

    fn add_supply(&mut self, (tenant, sku, node): (u16, u32, u32), supply: Supply, reason: &'static str) {
        self.change(tenant, sku, node, supply.bucket, supply.units, reason);
        self.supply.entry((tenant, sku, node)).or_default().push(supply);
    }

    /// Removes what is still open on a reference, everywhere (a PO replaced by its update).
    fn drop_supply(&mut self, tenant: u16, reference: &str, reason: &'static str) {
        let affected: Vec<(u16, u32, u32)> = self
            .supply
            .iter()
            .filter(|(k, list)| k.0 == tenant && list.iter().any(|s| &*s.reference == reference))
            .map(|(k, _)| *k)
            .collect();
        for key in affected {
            let list = self.supply.get_mut(&key).expect("listed above");
            let (gone, kept): (Vec<Supply>, Vec<Supply>) = std::mem::take(list).into_iter().partition(|s| &*s.reference == reference);
            *list = kept;
            for s in gone {
                self.change(key.0, key.1, key.2, s.bucket, -s.units, reason);
            }
        }
    }

    /// Takes `units` off one reference's open supply at a position (an ASN
    /// shipping against its PO). Never below zero.
    fn consume_from(&mut self, tenant: u16, sku: u32, node: u32, reference: &str, units: i64, reason: &'static str) {
        let Some(list) = self.supply.get_mut(&(tenant, sku, node)) else {
            return;
        };
        let mut left = units;
        let mut moved = Vec::new();
        for s in list.iter_mut().filter(|s| &*s.reference == reference) {
            let take = s.units.min(left);
            s.units -= take;
            left -= take;
            moved.push((s.bucket, take));
        }
        list.retain(|s| s.units > 0);
        for (bucket, take) in moved {
            self.change(tenant, sku, node, bucket, -take, reason);
        }
    }

    /// Receipts: the named reference first, then in-transit before on-order,
    /// earliest expected first.
    fn consume_supply(&mut self, tenant: u16, sku: u32, node: u32, reference: Option<&str>, units: i64, reason: &'static str) {
        let mut left = units;
        if let Some(reference) = reference {
            let before = self.open_supply(tenant, sku, node, reference);
            self.consume_from(tenant, sku, node, reference, left, reason);
            left -= before - self.open_supply(tenant, sku, node, reference);
        }
        while left > 0 {
            let next = self.supply.get(&(tenant, sku, node)).and_then(|list| {
                list.iter()
                    .min_by_key(|s| (s.bucket != Bucket::InTransit, s.day.unwrap_or(i32::MAX)))
                    .map(|s| s.reference.to_string())
            });
            let Some(next) = next else { break };
            let before = self.open_supply(tenant, sku, node, &next);
            self.consume_from(tenant, sku, node, &next, left, reason);
            let taken = before - self.open_supply(tenant, sku, node, &next);
            if taken == 0 {
                break;
            }
            left -= taken;
        }
    }

    fn open_supply(&self, tenant: u16, sku: u32, node: u32, reference: &str) -> i64 {
        self.supply
            .get(&(tenant, sku, node))
            .into_iter()
            .flatten()
            .filter(|s| &*s.reference == reference)
            .map(|s| s.units)
            .sum()
    }

    /// Expected supply of a SKU per node: (node, day or None, units).
    pub(crate) fn future_supply(&self, tenant: u16, sku: &str) -> Vec<(String, Option<i32>, i64)> {
        let Some(s) = self.interned(sku) else { return Vec::new() };
        let mut out: Vec<(String, Option<i32>, i64)> = self
            .sku_nodes
            .get(&(tenant, s))
            .into_iter()
            .flatten()
            .flat_map(|node| self.supply.get(&(tenant, s, *node)).into_iter().flatten().map(move |x| (*node, x)))
            .map(|(node, x)| (self.string(node).to_owned(), x.day, x.units))
            .collect();
        out.sort_by_key(|(n, d, _)| (d.unwrap_or(i32::MAX), n.clone()));
        out
    }

    pub(crate) fn unit_cost(&self, tenant: u16, sku: &str) -> Option<model::Money> {
        self.unit_costs.get(&(tenant, self.interned(sku)?)).cloned()
    }

    /// On-hand units of a SKU at a node (0 when there is no position).
    pub(crate) fn on_hand(&self, tenant: u16, sku: &str, node: &str) -> i64 {
        match (self.interned(sku), self.interned(node)) {
            (Some(s), Some(n)) => self.inventory.get(&(tenant, s, n)).map(|b| b.on_hand).unwrap_or(0),
            _ => 0,
        }
    }

    /// The item's handling attributes, if an `item.upserted` told them.
    pub(crate) fn item_flags(&self, tenant: u16, sku: &str) -> Option<ItemFlags> {
        self.item_flags.get(&(tenant, self.interned(sku)?)).copied()
    }

    pub(crate) fn pack_size(&self, tenant: u16, sku: &str) -> Option<u32> {
        self.pack_sizes.get(&(tenant, self.interned(sku)?)).copied()
    }

    /// The next reservation id; the writer names a reservation before logging it.
    pub(crate) fn reservation_id(&self) -> String {
        format!("R-{}", self.next_reservation + 1)
    }

    /// Whether an active reservation with this id belongs to the tenant.
    pub(crate) fn has_reservation(&self, tenant: u16, id: &str) -> bool {
        parse_reservation_id(id)
            .and_then(|n| self.reservations.get(&n))
            .is_some_and(|r| r.tenant == tenant)
    }

    /// Reservations whose time ran out by `now` (unix µs), as (tenant index, id).
    pub(crate) fn expired_reservations(&self, now: i64) -> Vec<(u16, String)> {
        self.expiry
            .range(..(now, u64::MAX))
            .filter_map(|(_, n)| self.reservations.get(n).map(|r| (r.tenant, format!("R-{n}"))))
            .collect()
    }

    pub(crate) fn tenant_name(&self, tenant: u16) -> &str {
        &self.tenants[tenant as usize]
    }

    fn reserve(&mut self, tenant: u16, r: &Reservation) {
        let Some(number) = parse_reservation_id(&r.reservation_id) else {
            return;
        };
        self.next_reservation = self.next_reservation.max(number);
        let mut lines = Vec::with_capacity(r.lines.len());
        for line in &r.lines {
            let (sku, node) = (self.intern(line.sku.as_str()), self.intern(line.node.as_str()));
            self.change(tenant, sku, node, Bucket::Reserved, line.quantity.units(), "reserved");
            lines.push((sku, node, line.quantity.units()));
        }
        let mut backordered = Vec::new();
        for b in &r.backordered {
            let sku = self.intern(b.sku.as_str());
            let units = b.quantity.units();
            match &b.node {
                Some(node) => {
                    let node = self.intern(node.as_str());
                    self.change(tenant, sku, node, Bucket::Backordered, units, "backordered");
                    backordered.push((sku, node, units));
                }
                None => {
                    *self.network_backorders.entry((tenant, sku)).or_default() += units;
                    backordered.push((sku, NONE, units));
                }
            }
        }
        // Link to the order it will convert on: its canonical id when known.
        let order = r.order_id.as_ref().map(|o| match self.resolve(tenant, o.as_str()) {
            Ok(Some(slot)) => Box::<str>::from(self.order_id(slot)),
            _ => Box::<str>::from(o.as_str()),
        });
        if let Some(order) = &order {
            self.order_reservations.insert(order.clone(), number);
        }
        let expires_at = r.expires_at.as_microsecond();
        self.expiry.insert((expires_at, number));
        self.reservations.insert(
            number,
            ReservationSlot {
                tenant,
                order,
                lines,
                backordered,
                expires_at,
            },
        );
        self.counters.active_reservations += 1;
        for (sku, node, _) in self.reservations[&number].lines.clone() {
            self.rebalance(tenant, sku, node);
        }
    }

    /// Gives a reservation's units back. Returns whether it was active.
    fn unreserve(&mut self, number: u64, reason: &'static str) -> bool {
        let Some(r) = self.reservations.remove(&number) else { return false };
        self.expiry.remove(&(r.expires_at, number));
        if let Some(order) = &r.order
            && self.order_reservations.get(order) == Some(&number)
        {
            self.order_reservations.remove(order);
        }
        for (sku, node, units) in r.lines {
            self.change(r.tenant, sku, node, Bucket::Reserved, -units, reason);
        }
        for (sku, node, units) in r.backordered {
            if node == NONE {
                *self.network_backorders.entry((r.tenant, sku)).or_default() -= units;
            } else {
                self.change(r.tenant, sku, node, Bucket::Backordered, -units, reason);
            }
        }
        self.counters.active_reservations -= 1;
        true
    }

    fn release_reservation(&mut self, released: &ReservationReleased) {
        if let Some(number) = parse_reservation_id(&released.reservation_id) {
            let reason = match released.reason {
                model::inventory::ReleaseReason::Cancelled => "unreserved",
                model::inventory::ReleaseReason::Expired => "expired",
            };
            self.unreserve(number, reason);
        }
    }

    /// Keeps soft reservations within what is physically there. When stock
    /// shrinks (a count, damage, a larger allocation) below what is committed,
    /// the newest reservations at the position give units up; those units are
    /// recorded as backordered on the reservation, never silently oversold.
    fn rebalance(&mut self, tenant: u16, sku: u32, node: u32) {
        let Some(b) = self.inventory.get(&(tenant, sku, node)) else {
            return;
        };
        let mut excess = b.committed() - (b.on_hand - b.held).max(0);
        if excess <= 0 || b.reserved <= 0 {
            return;
        }
        let holders: Vec<u64> = self
            .reservations
            .iter()
            .rev()
            .filter(|(_, r)| r.tenant == tenant && r.lines.iter().any(|l| l.0 == sku && l.1 == node && l.2 > 0))
            .map(|(n, _)| *n)
            .collect();
        for number in holders {
            if excess <= 0 {
                break;
            }
            let r = self.reservations.get_mut(&number).expect("listed above");
            let line = r.lines.iter_mut().find(|l| l.0 == sku && l.1 == node).expect("filtered above");
            let take = line.2.min(excess);
            line.2 -= take;
            match r.backordered.iter_mut().find(|l| l.0 == sku && l.1 == node) {
                Some(b) => b.2 += take,
                None => r.backordered.push((sku, node, take)),
            }
            self.change(tenant, sku, node, Bucket::Reserved, -take, "bumped");
            self.change(tenant, sku, node, Bucket::Backordered, take, "bumped");
            excess -= take;
        }
    }
}

pub(crate) fn parse_reservation_id(id: &str) -> Option<u64> {
    id.strip_prefix("R-")?.parse().ok()
}
