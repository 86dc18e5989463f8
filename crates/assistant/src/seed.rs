//! The seeded dataset the copilot is evaluated on: canonical events that give
//! every question of `tests/questions.jsonl` a real answer (see the "Seeded
//! dataset" section of `tests/QUESTIONS.md` for what each order is).
//!
//! Everything is placed relative to `now`, so the data looks the same on any
//! day: order 1002 is always two days late, 1054 always delivered 100 days
//! ago. Shipments that questions ask about by period ("to Newark last week",
//! "to Reno today") are placed inside that period's window as
//! [`period_window`] computes it in [`TIMEZONE`], whatever the weekday or day
//! of the month, so every period a question names has something to show.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Span, Timestamp, Zoned};
use model::event::{
    Event, EventBody, FulfillmentStep, InventoryHeld, InventorySnapshot, OrderCancelled, OrderRefOnly, SafetyStockSet, Shipped, Ticket,
    TrackingUpdate,
};
use model::item::{Item, UnitOfMeasure};
use model::ops::{Asn, LineQty, PurchaseOrder, Receipt, WarehouseException};
use model::order::{Address, Customer, ExternalIds, OrderData, OrderFlag, OrderLine, PaymentState, ServiceLevel};
use model::quantity::Currency;
use model::shipment::TrackingStatus::{self, AvailableForPickup, Exception, InTransit, OutForDelivery};
use model::{Money, NodeId, OrderId, Quantity, Sku, TenantId};
use rust_decimal::Decimal;

/// The seeded tenant's business time zone: periods ("today", "last week")
/// are calendar periods here, and the seed places its shipments by them.
pub const TIMEZONE: &str = "America/New_York";

/// [`TIMEZONE`]'s rules as a POSIX TZ string, used when the system has no
/// time zone database (the rules in force since 2007).
const TIMEZONE_POSIX: &str = "EST5EDT,M3.2.0,M11.1.0";

/// [`TIMEZONE`], from the system's database or, without one, its POSIX rules.
pub fn time_zone() -> TimeZone {
    TimeZone::get(TIMEZONE)
        .or_else(|_| TimeZone::posix(TIMEZONE_POSIX))
        .expect("the POSIX rules of the seeded time zone parse")
}

/// The period slot values of the question set, in the order of `QUESTIONS.md`.
pub const PERIODS: [&str; 8] = [
    "today",
    "yesterday",
    "this_week",
    "last_week",
    "this_month",
    "last_month",
    "last_7_days",
    "last_30_days",
];

/// The half-open window `[start, end)` a period slot value names, seen from
/// `now` in `now`'s time zone. Periods "to date" (`today`, `this_week`,
/// `this_month`, `last_*_days`) end at `now`; weeks start on Monday 00:00;
/// `last_week` is the previous Monday to Sunday. `None` for a value that is
/// not a period (see [`PERIODS`]) or a date out of range.
pub fn period_window(period: &str, now: Zoned) -> Option<(Timestamp, Timestamp)> {
    crate::period::window(period, &now)
}

/// A fulfilment node of the seeded tenant, with what the server's node
/// configuration needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeedNode {
    pub id: &'static str,
    pub name: &'static str,
    pub line1: &'static str,
    pub city: &'static str,
    /// State code.
    pub state: &'static str,
    pub postal_code: &'static str,
    /// Region label for access scopes.
    pub region: &'static str,
    pub lat: f64,
    pub lon: f64,
    /// IANA time zone of the building.
    pub timezone: &'static str,
    /// Daily carrier pickups: (carrier, local `HH:MM`). Staged orders leave on the next one.
    pub pickups: [(&'static str, &'static str); 3],
}

/// The two distribution centres.
pub const NODES: [SeedNode; 2] = [
    SeedNode {
        id: "DC-EAST",
        name: "Newark DC",
        line1: "1200 Corbin St",
        city: "Newark",
        state: "NJ",
        postal_code: "07114",
        region: "us-east",
        lat: 40.73,
        lon: -74.17,
        timezone: "America/New_York",
        pickups: [("UPS", "16:00"), ("FedEx", "17:00"), ("USPS", "15:00")],
    },
    SeedNode {
        id: "DC-WEST",
        name: "Reno DC",
        line1: "4855 Longley Ln",
        city: "Reno",
        state: "NV",
        postal_code: "89502",
        region: "us-west",
        lat: 39.53,
        lon: -119.81,
        timezone: "America/Los_Angeles",
        pickups: [("UPS", "15:30"), ("FedEx", "16:30"), ("USPS", "14:30")],
    },
];

/// The B2B accounts; a B2B order carries its account in `customer.account`.
pub const B2B_ACCOUNTS: [&str; 4] = ["Acme Corp", "Globex Inc", "Initech", "Umbrella Co"];

/// A B2B account's store: the ship-to of its orders.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeedStore {
    pub account: &'static str,
    pub name: &'static str,
    pub line1: &'static str,
    pub line2: Option<&'static str>,
    pub city: &'static str,
    pub state: &'static str,
    pub postal_code: &'static str,
}

/// The B2B stores, one per place of the question set (Acme has two).
pub const STORES: [SeedStore; 5] = [
    SeedStore {
        account: "Acme Corp",
        name: "Acme Newark Store",
        line1: "410 Broad St",
        line2: None,
        city: "Newark",
        state: "NJ",
        postal_code: "07102",
    },
    SeedStore {
        account: "Acme Corp",
        name: "Acme Jersey City Store",
        line1: "30 Montgomery St",
        line2: Some("Suite 110"),
        city: "Jersey City",
        state: "NJ",
        postal_code: "07302",
    },
    SeedStore {
        account: "Initech",
        name: "Initech Brooklyn Store",
        line1: "345 Adams St",
        line2: None,
        city: "Brooklyn",
        state: "NY",
        postal_code: "11201",
    },
    SeedStore {
        account: "Globex Inc",
        name: "Globex Los Angeles Store",
        line1: "350 S Grand Ave",
        line2: None,
        city: "Los Angeles",
        state: "CA",
        postal_code: "90071",
    },
    SeedStore {
        account: "Umbrella Co",
        name: "Umbrella Reno Store",
        line1: "50 W Liberty St",
        line2: None,
        city: "Reno",
        state: "NV",
        postal_code: "89501",
    },
];

/// Splits the seed for appending: a `shipment.tracking` event resolves to
/// its order only through an `order.shipped` the store has already
/// committed, so the tracking updates and what follows them go in a second
/// append. Each batch keeps the events' order.
pub fn append_batches(mut events: Vec<Event>) -> Vec<Vec<Event>> {
    match events.iter().position(|e| matches!(e.body, EventBody::ShipmentTracking(_))) {
        Some(split) => {
            let rest = events.split_off(split);
            vec![events, rest]
        }
        None => vec![events],
    }
}

/// The seeded dataset for `tenant`, as it stands at `now`: items and stock
/// first, then orders, warehouse steps, shipments, tracking, exceptions,
/// tickets and inbound supply (see [`append_batches`] for loading it).
/// Deterministic for a given `now`; every `occurred_at` is at or before it;
/// event ids (`seed-…`) do not depend on `now`.
///
/// # Panics
/// Only if `now` is within a year of the limits of [`Timestamp`].
pub fn events(tenant: &TenantId, now: Timestamp) -> Vec<Event> {
    let clock = Clock::new(now);
    let mut seed = Seed::new(tenant.clone());
    consumer_orders(&mut seed, &clock);
    b2b_orders(&mut seed, &clock);
    supply(&mut seed, &clock);
    items_and_stock(&mut seed, &clock);
    seed.finish()
}

// ---------------------------------------------------------------- time

/// Local calendar arithmetic around `now` in [`TIMEZONE`].
struct Clock {
    now: Zoned,
    tz: TimeZone,
}

impl Clock {
    fn new(now: Timestamp) -> Self {
        let tz = time_zone();
        Clock {
            now: now.to_zoned(tz.clone()),
            tz,
        }
    }

    fn now(&self) -> Timestamp {
        self.now.timestamp()
    }

    /// Today's date minus `days_ago` (negative: in the future).
    fn date(&self, days_ago: i64) -> Date {
        plus_days(self.now.date(), -days_ago)
    }

    /// `days_ago` days before today at `hour:minute` local time; in the
    /// past for any `days_ago` ≥ 1.
    fn at(&self, days_ago: i64, hour: i8, minute: i8) -> Timestamp {
        self.on(self.date(days_ago), hour, minute)
    }

    fn on(&self, date: Date, hour: i8, minute: i8) -> Timestamp {
        date.at(hour, minute, 0, 0)
            .to_zoned(self.tz.clone())
            .expect("a seeded local time is in range")
            .timestamp()
    }

    fn local_date(&self, at: Timestamp) -> Date {
        at.to_zoned(self.tz.clone()).date()
    }

    /// The Monday of last week plus `offset` days, at `hour:minute`.
    fn last_week(&self, offset: i64, hour: i8, minute: i8) -> Timestamp {
        let today = self.now.date();
        let monday = plus_days(today, -i64::from(today.weekday().to_monday_zero_offset()) - 7);
        self.on(plus_days(monday, offset), hour, minute)
    }

    /// Day `day` of last month at `hour:minute`.
    fn last_month(&self, day: i64, hour: i8, minute: i8) -> Timestamp {
        let first = self
            .now
            .date()
            .first_of_month()
            .checked_sub(Span::new().months(1))
            .expect("a seeded date is in range");
        self.on(plus_days(first, day - 1), hour, minute)
    }

    fn window(&self, period: &str) -> (Timestamp, Timestamp) {
        period_window(period, self.now.clone()).expect("seeded periods are known")
    }

    /// The part of both windows.
    fn both(&self, a: &str, b: &str) -> (Timestamp, Timestamp) {
        let (a, b) = (self.window(a), self.window(b));
        (a.0.max(b.0), a.1.min(b.1))
    }

    /// `preferred` if it falls in `window`, else the window's middle: how a
    /// shipment asked about by period stays in that period on any day.
    fn inside(&self, (start, end): (Timestamp, Timestamp), preferred: Timestamp) -> Timestamp {
        if start <= preferred && preferred < end {
            preferred
        } else {
            between(start, end, 500)
        }
    }

    /// `hours` before now.
    fn ago(&self, hours: i64) -> Timestamp {
        shift(self.now(), -hours * 60)
    }
}

fn plus_days(date: Date, days: i64) -> Date {
    date.checked_add(Span::new().days(days)).expect("a seeded date is in range")
}

/// `at` moved by `minutes`.
fn shift(at: Timestamp, minutes: i64) -> Timestamp {
    at.checked_add(SignedDuration::from_mins(minutes))
        .expect("a seeded time is in range")
}

/// The point `per_mille`/1000 of the way from `a` to `b`.
fn between(a: Timestamp, b: Timestamp, per_mille: i64) -> Timestamp {
    let step = SignedDuration::from_secs(b.duration_since(a).as_secs() * per_mille / 1000);
    a.checked_add(step).expect("a point between two times is in range")
}

const HOUR: i64 = 60;

// ---------------------------------------------------------------- catalogue

/// An item: SKU, name, category, retail, wholesale and cost in cents,
/// weight in grams, eaches per case, final sale.
struct SeedItem {
    sku: &'static str,
    name: &'static str,
    category: &'static str,
    retail: i64,
    wholesale: i64,
    cost: i64,
    grams: u32,
    pack: Option<u32>,
    final_sale: bool,
}

/// The SKUs of the seeded items (for configuration that names SKUs, such as
/// a storefront's inventory item ids).
pub fn skus() -> impl Iterator<Item = &'static str> {
    ITEMS.iter().map(|i| i.sku)
}

const ITEMS: [SeedItem; 6] = [
    SeedItem {
        sku: "SKU-1",
        name: "Trail Runner Sneaker, Size 9",
        category: "footwear",
        retail: 10499,
        wholesale: 5250,
        cost: 3800,
        grams: 900,
        pack: None,
        final_sale: false,
    },
    SeedItem {
        sku: "SKU-2",
        name: "Trail Runner Sneaker, Size 10",
        category: "footwear",
        retail: 10499,
        wholesale: 5250,
        cost: 3800,
        grams: 950,
        pack: None,
        final_sale: false,
    },
    SeedItem {
        sku: "SKU-123",
        name: "Insulated Water Bottle, 20 oz",
        category: "drinkware",
        retail: 2900,
        wholesale: 1450,
        cost: 625,
        grams: 400,
        pack: None,
        final_sale: false,
    },
    SeedItem {
        sku: "TSHIRT-BLK-M",
        name: "Classic Tee, Black, M",
        category: "apparel",
        retail: 2500,
        wholesale: 1250,
        cost: 540,
        grams: 180,
        pack: None,
        final_sale: false,
    },
    SeedItem {
        sku: "MUG-WHT-12OZ",
        name: "Ceramic Mug, White, 12 oz",
        category: "drinkware",
        retail: 1400,
        wholesale: 700,
        cost: 215,
        grams: 350,
        pack: Some(12),
        final_sale: false,
    },
    SeedItem {
        sku: "HOODIE-GRY-L",
        name: "Fleece Hoodie, Grey, L (clearance)",
        category: "apparel",
        retail: 5900,
        wholesale: 2950,
        cost: 1490,
        grams: 650,
        pack: None,
        final_sale: true,
    },
];

/// The SKU order 1023 names that no catalogue knows (its `UNKNOWN_SKU`).
const UNMAPPED: SeedItem = SeedItem {
    sku: "MUG-WHT-16OZ",
    name: "Ceramic Mug, White, 16 oz",
    category: "drinkware",
    retail: 1600,
    wholesale: 800,
    cost: 0,
    grams: 420,
    pack: None,
    final_sale: false,
};

/// Available to promise at the end, per (node, SKU); on-hand is derived
/// from it and the orders, holds and receipts of the seed.
const ATP: [(&str, &str, i64); 12] = [
    (EAST, "SKU-1", 85),
    (WEST, "SKU-1", 60),
    (EAST, "SKU-2", 24),
    (WEST, "SKU-2", 180),
    (EAST, "SKU-123", 0),
    (WEST, "SKU-123", 140),
    (EAST, "TSHIRT-BLK-M", 42),
    (WEST, "TSHIRT-BLK-M", 18),
    (EAST, "MUG-WHT-12OZ", 540),
    (WEST, "MUG-WHT-12OZ", 72),
    (EAST, "HOODIE-GRY-L", 5),
    (WEST, "HOODIE-GRY-L", 0),
];

/// Quality holds: (node, SKU, units, reason, days ago).
const HOLDS: [(&str, &str, i64, &str, i64); 2] = [
    (
        EAST,
        "SKU-2",
        6,
        "Quality hold: the supplier reported a sole defect in lot L-2291.",
        9,
    ),
    (
        EAST,
        "HOODIE-GRY-L",
        4,
        "QA inspection: torn units found at C-04-11 while picking order #1016.",
        2,
    ),
];

/// Safety stock: (node, SKU, units).
const SAFETY: [(&str, &str, i64); 1] = [(WEST, "MUG-WHT-12OZ", 24)];

const EAST: &str = "DC-EAST";
const WEST: &str = "DC-WEST";

// ---------------------------------------------------------------- people

struct Person {
    id: &'static str,
    name: &'static str,
    email: &'static str,
    line1: &'static str,
    city: &'static str,
    state: &'static str,
    postal_code: &'static str,
}

const fn person(
    id: &'static str,
    name: &'static str,
    email: &'static str,
    line1: &'static str,
    city: &'static str,
    state: &'static str,
    postal_code: &'static str,
) -> Person {
    Person {
        id,
        name,
        email,
        line1,
        city,
        state,
        postal_code,
    }
}

const ADA: Person = person(
    "6210001",
    "Ada Lovelace",
    "ada@example.com",
    "112 Bloomfield St",
    "Hoboken",
    "NJ",
    "07030",
);
const GRACE: Person = person(
    "6210002",
    "Grace Hopper",
    "grace@example.com",
    "1400 N Courthouse Rd",
    "Arlington",
    "VA",
    "22201",
);
const ALAN: Person = person(
    "6210003",
    "Alan Turing",
    "alan@example.com",
    "820 SW Alder St",
    "Portland",
    "OR",
    "97205",
);
const KATHERINE: Person = person(
    "6210004",
    "Katherine Johnson",
    "katherine.johnson@example.com",
    "35 Kecoughtan Rd",
    "Hampton",
    "VA",
    "23666",
);
const EDSGER: Person = person(
    "6210005",
    "Edsger Dijkstra",
    "edsger@example.com",
    "600 W 6th St",
    "Austin",
    "TX",
    "78701",
);
const BARBARA: Person = person(
    "6210006",
    "Barbara Liskov",
    "barbara@example.com",
    "210 Broadway",
    "Cambridge",
    "MA",
    "02139",
);
const MARGARET: Person = person(
    "6210007",
    "Margaret Hamilton",
    "margaret@example.com",
    "88 Atlantic Ave",
    "Boston",
    "MA",
    "02110",
);
const DONALD: Person = person(
    "6210008",
    "Donald Knuth",
    "donald@example.com",
    "455 Bryant St",
    "Palo Alto",
    "CA",
    "94301",
);
const RADIA: Person = person(
    "6210009",
    "Radia Perlman",
    "radia@example.com",
    "1501 4th Ave",
    "Seattle",
    "WA",
    "98101",
);
const FRANCES: Person = person(
    "6210010",
    "Frances Allen",
    "frances.allen@example.com",
    "45 East Ave",
    "Rochester",
    "NY",
    "14604",
);
const KEN: Person = person(
    "6210011",
    "Ken Thompson",
    "ken@example.com",
    "300 S 4th St",
    "Las Vegas",
    "NV",
    "89101",
);
const JOHN: Person = person(
    "6210012",
    "John Backus",
    "john.backus@example.com",
    "1500 Market St",
    "Philadelphia",
    "PA",
    "19102",
);
const HEDY: Person = person(
    "6210013",
    "Hedy Lamarr",
    "hedy@example.com",
    "801 Brickell Ave",
    "Miami",
    "FL",
    "33131",
);
const LYNN: Person = person(
    "6210014",
    "Lynn Conway",
    "lynn@example.com",
    "301 E Liberty St",
    "Ann Arbor",
    "MI",
    "48104",
);

/// Each account's buyer: (account, customer id, buyer, e-mail).
const BUYERS: [(&str, &str, &str, &str); 4] = [
    ("Acme Corp", "B2B-ACME", "Priya Raman", "purchasing@acme.example"),
    ("Globex Inc", "B2B-GLOBEX", "Dana Whitfield", "purchasing@globex.example"),
    ("Initech", "B2B-INITECH", "Joanna Park", "orders@initech.example"),
    ("Umbrella Co", "B2B-UMBRELLA", "Marcus Reyes", "buying@umbrella.example"),
];

const ACME_NEWARK: &SeedStore = &STORES[0];
const ACME_JERSEY_CITY: &SeedStore = &STORES[1];
const INITECH_BROOKLYN: &SeedStore = &STORES[2];
const GLOBEX_LA: &SeedStore = &STORES[3];
const UMBRELLA_RENO: &SeedStore = &STORES[4];

/// Who an order is for.
#[derive(Clone, Copy)]
enum Buyer {
    Person(&'static Person),
    Store(&'static SeedStore),
}

/// (carrier, service)
type Service = (&'static str, &'static str);
const UPS_GROUND: Service = ("UPS", "Ground");
const FEDEX_GROUND: Service = ("FedEx", "Ground");
const FEDEX_HOME: Service = ("FedEx", "Home Delivery");
const USPS_PRIORITY: Service = ("USPS", "Priority Mail");

// ---------------------------------------------------------------- building

/// Groups of the log, in the order they are appended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Items,
    Inventory,
    Orders,
    Steps,
    Shipments,
    Tracking,
    Exceptions,
    Tickets,
    Supply,
}

/// What the stock accounting needs of one order.
struct Placed {
    number: u32,
    lines: Vec<(&'static str, i64)>,
    /// The node its units are allocated at (first release or shipment).
    node: Option<&'static str>,
    shipped: bool,
    /// Its package: tracking number and carrier.
    package: Option<(String, &'static str)>,
    /// Index in the log of its latest order data.
    data: usize,
}

struct Seed {
    tenant: TenantId,
    log: Vec<(Phase, Timestamp, Event)>,
    orders: Vec<Placed>,
    /// Received units: (node, SKU, units).
    received: Vec<(&'static str, &'static str, i64)>,
}

fn order_id(number: u32) -> OrderId {
    OrderId::parse(&format!("5903{number:06}")).expect("a seeded order id is valid")
}

fn sku_id(raw: &str) -> Sku {
    Sku::parse(raw).expect("a seeded SKU is valid")
}

fn node_id(raw: &str) -> NodeId {
    NodeId::parse(raw).expect("a seeded node id is valid")
}

fn usd(cents: i64) -> Money {
    Money {
        amount: Decimal::new(cents, 2),
        currency: Currency::USD,
    }
}

fn item(raw: &str) -> &'static SeedItem {
    ITEMS.iter().find(|i| i.sku == raw).unwrap_or(&UNMAPPED)
}

fn line_qty(lines: &[(&'static str, i64)]) -> Vec<LineQty> {
    lines
        .iter()
        .map(|(s, q)| LineQty {
            sku: sku_id(s),
            quantity: Quantity(*q),
        })
        .collect()
}

impl Seed {
    fn new(tenant: TenantId) -> Self {
        Seed {
            tenant,
            log: Vec::new(),
            orders: Vec::new(),
            received: Vec::new(),
        }
    }

    fn push(&mut self, phase: Phase, event_id: String, at: Timestamp, body: EventBody) -> usize {
        self.log.push((
            phase,
            at,
            Event {
                event_id,
                source: "seed".into(),
                tenant: Some(self.tenant.clone()),
                occurred_at: at,
                body,
            },
        ));
        self.log.len() - 1
    }

    /// Places order `number` (`order.created`) and returns it for its next steps.
    fn order(&mut self, number: u32, buyer: Buyer, lines: &[(&'static str, i64)], placed: Timestamp, promised: Date) -> OrderSteps<'_> {
        let b2b = matches!(buyer, Buyer::Store(_));
        let order_lines: Vec<OrderLine> = lines
            .iter()
            .enumerate()
            .map(|(i, (s, q))| {
                let item = item(s);
                OrderLine {
                    line_id: Some(format!("{number}-{}", i + 1)),
                    sku: sku_id(s),
                    quantity: Quantity(*q),
                    unit_price: Some(usd(if b2b { item.wholesale } else { item.retail })),
                    name: Some(item.name.into()),
                }
            })
            .collect();
        let total = lines
            .iter()
            .map(|(s, q)| q * if b2b { item(s).wholesale } else { item(s).retail })
            .sum();
        let (customer, ship_to) = match buyer {
            Buyer::Person(p) => (
                Customer {
                    id: Some(p.id.into()),
                    name: Some(p.name.into()),
                    email: Some(p.email.into()),
                    ..Customer::default()
                },
                Address {
                    name: Some(p.name.into()),
                    line1: Some(p.line1.into()),
                    city: Some(p.city.into()),
                    region: Some(p.state.into()),
                    postal_code: Some(p.postal_code.into()),
                    country: Some("US".into()),
                    ..Address::default()
                },
            ),
            Buyer::Store(s) => {
                let (_, id, buyer, email) = BUYERS.iter().find(|b| b.0 == s.account).copied().unwrap_or(BUYERS[0]);
                (
                    Customer {
                        id: Some(id.into()),
                        name: Some(buyer.into()),
                        email: Some(email.into()),
                        account: Some(s.account.into()),
                        ..Customer::default()
                    },
                    Address {
                        name: Some(s.name.into()),
                        company: Some(s.account.into()),
                        line1: Some(s.line1.into()),
                        line2: s.line2.map(Into::into),
                        city: Some(s.city.into()),
                        region: Some(s.state.into()),
                        postal_code: Some(s.postal_code.into()),
                        country: Some("US".into()),
                        ..Address::default()
                    },
                )
            }
        };
        let id = order_id(number);
        let data = OrderData {
            order_id: id.clone(),
            external_ids: ExternalIds {
                storefront_order_id: Some(id.to_string()),
                storefront_name: Some(format!("#{number}")),
                ..ExternalIds::default()
            },
            channel: Some(if b2b { "b2b" } else { "web" }.into()),
            customer,
            ship_to,
            bill_to: None,
            lines: order_lines,
            service_level: ServiceLevel::Standard,
            payment_state: if b2b { PaymentState::Authorized } else { PaymentState::Paid },
            po_number: None,
            total: Some(usd(total)),
            flags: if b2b { vec![OrderFlag::B2b] } else { Vec::new() },
            gift_message: None,
            note: None,
            placed_at: Some(placed),
            promised_by: Some(promised),
            client_ip: None,
        };
        let data = self.push(
            Phase::Orders,
            format!("seed-{number}-created"),
            placed,
            EventBody::OrderCreated(data),
        );
        self.orders.push(Placed {
            number,
            lines: lines.to_vec(),
            node: None,
            shipped: false,
            package: None,
            data,
        });
        let index = self.orders.len() - 1;
        OrderSteps { seed: self, index }
    }

    fn finish(self) -> Vec<Event> {
        let mut log: Vec<(usize, (Phase, Timestamp, Event))> = self.log.into_iter().enumerate().collect();
        // Stable within a phase: by time, then as written.
        log.sort_by_key(|(i, (phase, at, _))| (*phase, *at, *i));
        log.into_iter().map(|(_, (_, _, event))| event).collect()
    }
}

/// The steps of one order after it was placed; each pushes its event.
struct OrderSteps<'a> {
    seed: &'a mut Seed,
    index: usize,
}

impl OrderSteps<'_> {
    fn number(&self) -> u32 {
        self.seed.orders[self.index].number
    }

    fn data_mut(&mut self) -> &mut OrderData {
        let at = self.seed.orders[self.index].data;
        match &mut self.seed.log[at].2.body {
            EventBody::OrderCreated(d) | EventBody::OrderUpdated(d) => d,
            _ => unreachable!("`Placed::data` indexes order data"),
        }
    }

    /// Changes the order as placed (before any step is taken).
    fn with(mut self, change: impl FnOnce(&mut OrderData)) -> Self {
        change(self.data_mut());
        self
    }

    /// An `order.updated` at `at`: the latest data with `change` applied.
    fn update(self, at: Timestamp, change: impl FnOnce(&mut OrderData)) -> Self {
        let number = self.number();
        let latest = self.seed.orders[self.index].data;
        let (EventBody::OrderCreated(mut data) | EventBody::OrderUpdated(mut data)) = self.seed.log[latest].2.body.clone() else {
            unreachable!("`Placed::data` indexes order data")
        };
        change(&mut data);
        let pushed = self
            .seed
            .push(Phase::Orders, format!("seed-{number}-updated"), at, EventBody::OrderUpdated(data));
        self.seed.orders[self.index].data = pushed;
        self
    }

    fn step(self, kind: &str, at: Timestamp, node: &'static str, location: Option<&str>) -> Self {
        let number = self.number();
        let placed = &mut self.seed.orders[self.index];
        placed.node.get_or_insert(node);
        let step = FulfillmentStep {
            order_id: order_id(number),
            node: Some(node_id(node)),
            wms_order_key: Some(format!("{}-{number}", if node == EAST { "WE" } else { "WW" })),
            location: location.map(Into::into),
            lines: Vec::new(),
        };
        let body = match kind {
            "released" => EventBody::OrderReleased(step),
            "picked" => EventBody::OrderPicked(step),
            "packed" => EventBody::OrderPacked(step),
            _ => EventBody::OrderStaged(step),
        };
        self.seed.push(Phase::Steps, format!("seed-{number}-{kind}"), at, body);
        self
    }

    fn node(&self) -> &'static str {
        self.seed.orders[self.index].node.unwrap_or(EAST)
    }

    fn release(self, at: Timestamp, node: &'static str) -> Self {
        self.step("released", at, node, None)
    }

    fn pick(self, at: Timestamp) -> Self {
        let node = self.node();
        self.step("picked", at, node, None)
    }

    fn pack(self, at: Timestamp, station: &str) -> Self {
        let node = self.node();
        self.step("packed", at, node, Some(station))
    }

    fn stage(self, at: Timestamp, door: &str) -> Self {
        let node = self.node();
        self.step("staged", at, node, Some(door))
    }

    /// Ships the whole order in one package from the node it was released
    /// at; `tracking` is a seeded number or, when `None`, one made from the
    /// order number in the carrier's format.
    fn ship(self, at: Timestamp, (carrier, service): Service, tracking: Option<&str>, eta: Date) -> Self {
        let number = self.number();
        let node = self.node();
        let tracking = tracking.map(str::to_owned).unwrap_or_else(|| match carrier {
            "UPS" => format!("1Z4E8W03{:010}", 7_300_000_000 + u64::from(number)),
            "FedEx" => format!("7719{:08}", 40_000_000 + u64::from(number)),
            _ => format!("94001118992231{:08}", 55_000_000 + u64::from(number)),
        });
        let placed = &mut self.seed.orders[self.index];
        placed.node.get_or_insert(node);
        placed.shipped = true;
        placed.package = Some((tracking.clone(), carrier));
        let lines = line_qty(&placed.lines);
        let shipped = Shipped {
            order_id: order_id(number),
            node: Some(node_id(node)),
            wms_order_key: Some(format!("{}-{number}", if node == EAST { "WE" } else { "WW" })),
            carrier: Some(carrier.into()),
            service: Some(service.into()),
            tracking_number: tracking,
            location: None,
            estimated_delivery_date: Some(eta),
            lines,
        };
        self.seed.push(
            Phase::Shipments,
            format!("seed-{number}-shipped"),
            at,
            EventBody::OrderShipped(shipped),
        );
        self
    }

    /// A carrier scan of the order's package.
    fn scan(self, at: Timestamp, status: TrackingStatus, location: &str, description: &str) -> Self {
        self.scan_eta(at, status, location, description, None)
    }

    fn scan_eta(self, at: Timestamp, status: TrackingStatus, location: &str, description: &str, eta: Option<Date>) -> Self {
        let number = self.number();
        let (tracking, carrier) = self.seed.orders[self.index].package.clone().expect("scans follow the shipment");
        let count = self
            .seed
            .log
            .iter()
            .filter(|(_, _, e)| matches!(&e.body, EventBody::ShipmentTracking(t) if t.tracking_number == tracking))
            .count();
        let update = TrackingUpdate {
            tracking_number: tracking,
            carrier: Some(carrier.into()),
            status,
            location: Some(location.into()),
            description: Some(description.into()),
            estimated_delivery_date: eta,
        };
        self.seed.push(
            Phase::Tracking,
            format!("seed-{number}-scan-{}", count + 1),
            at,
            EventBody::ShipmentTracking(update),
        );
        self
    }

    /// Delivered: the carrier's scan and the order's `order.delivered`.
    fn deliver(self, at: Timestamp, location: &str, description: &str) -> Self {
        let number = self.number();
        let steps = self.scan(at, TrackingStatus::Delivered, location, description);
        let body = EventBody::OrderDelivered(OrderRefOnly {
            order_id: order_id(number),
        });
        steps.seed.push(Phase::Tracking, format!("seed-{number}-delivered"), at, body);
        steps
    }

    fn exception(
        number: u32,
        code: &str,
        node: Option<&str>,
        sku: Option<&str>,
        location: Option<&str>,
        message: &str,
    ) -> WarehouseException {
        WarehouseException {
            code: code.into(),
            order_id: Some(order_id(number)),
            node: node.map(node_id),
            sku: sku.map(sku_id),
            task_id: None,
            location: location.map(Into::into),
            message: Some(message.into()),
        }
    }

    /// An exception about the order; `node`, `sku` and `location` where it happened.
    fn raise(self, at: Timestamp, code: &str, node: Option<&str>, sku: Option<&str>, location: Option<&str>, message: &str) -> Self {
        let number = self.number();
        let body = EventBody::ExceptionRaised(Self::exception(number, code, node, sku, location, message));
        let id = format!("seed-{number}-{}-raised", code.to_lowercase());
        self.seed.push(Phase::Exceptions, id, at, body);
        self
    }

    fn clear(self, at: Timestamp, code: &str, message: &str) -> Self {
        let number = self.number();
        let body = EventBody::ExceptionCleared(Self::exception(number, code, None, None, None, message));
        let id = format!("seed-{number}-{}-cleared", code.to_lowercase());
        self.seed.push(Phase::Exceptions, id, at, body);
        self
    }

    fn cancel(self, at: Timestamp, reason: &str) -> Self {
        let number = self.number();
        let body = EventBody::OrderCancelled(OrderCancelled {
            order_id: order_id(number),
            reason: Some(reason.into()),
        });
        self.seed.push(Phase::Steps, format!("seed-{number}-cancelled"), at, body);
        self
    }

    fn ticket(self, at: Timestamp, id: &str, subject: &str, requester: &str, status: &str) -> Self {
        let number = self.number();
        let body = EventBody::TicketCreated(Ticket {
            ticket_id: id.into(),
            order_id: Some(order_id(number)),
            subject: Some(subject.into()),
            requester_email: Some(requester.into()),
            status: Some(status.into()),
        });
        self.seed.push(Phase::Tickets, format!("seed-ticket-{id}"), at, body);
        self
    }
}

// ---------------------------------------------------------------- the data

/// Storefront orders of consumers.
fn consumer_orders(s: &mut Seed, c: &Clock) {
    let at = |days, h, m| c.at(days, h, m);
    let d = |days| c.date(days);
    let p = Buyer::Person;

    s.order(1001, p(&ADA), &[("TSHIRT-BLK-M", 2)], at(3, 19, 12), d(-1))
        .release(at(2, 7, 30), EAST)
        .pick(at(2, 9, 10))
        .pack(at(2, 10, 5), "PACK-03")
        .ship(at(2, 15, 40), UPS_GROUND, Some("1Z999AA10123456784"), d(-1))
        .scan(at(2, 21, 15), InTransit, "Newark, NJ", "Origin scan")
        .scan(at(1, 4, 30), InTransit, "Secaucus, NJ", "Departed UPS facility")
        .scan(at(1, 11, 5), InTransit, "Parsippany, NJ", "Arrived at UPS facility");

    s.order(1003, p(&ADA), &[("MUG-WHT-12OZ", 2), ("SKU-1", 1)], at(9, 20, 40), d(5))
        .release(at(8, 8, 10), EAST)
        .pick(at(8, 9, 30))
        .pack(at(8, 10, 20), "PACK-02")
        .ship(at(7, 15, 30), FEDEX_HOME, None, d(5))
        .scan(at(7, 21, 0), InTransit, "Newark, NJ", "Picked up")
        .scan(at(5, 8, 5), OutForDelivery, "Jersey City, NJ", "On FedEx vehicle for delivery")
        .deliver(at(5, 13, 22), "Hoboken, NJ", "Delivered, left at front desk");

    s.order(
        1005,
        p(&KATHERINE),
        &[("TSHIRT-BLK-M", 2), ("MUG-WHT-12OZ", 1)],
        at(2, 21, 15),
        d(-2),
    )
    .release(at(1, 7, 45), EAST)
    .raise(
        at(1, 9, 20),
        "SHORT_PICK",
        Some(EAST),
        Some("TSHIRT-BLK-M"),
        Some("A-12-03"),
        "Picked 1 of 2 TSHIRT-BLK-M at bin A-12-03; the bin is short. A cycle count was requested.",
    );

    s.order(1006, p(&EDSGER), &[("SKU-1", 1)], at(1, 22, 40), d(-4))
        .with(|o| o.payment_state = PaymentState::Pending)
        .raise(
            at(1, 22, 41),
            "ORDER_HOLD",
            None,
            None,
            None,
            "Payment pending: the card issuer asked for 3-D Secure verification. The order is held until the payment is authorized.",
        );

    s.order(1007, p(&BARBARA), &[("HOODIE-GRY-L", 1), ("TSHIRT-BLK-M", 1)], at(3, 12, 0), d(0))
        .release(at(2, 8, 0), EAST)
        .pick(at(2, 10, 15))
        .pack(at(2, 11, 40), "PACK-07")
        .raise(
            at(2, 11, 42),
            "WEIGHT_DISCREPANCY",
            Some(EAST),
            None,
            Some("PACK-07"),
            "The carton weighed 2.9 kg; 0.8 kg was expected from the item master. Held at PACK-07 for a re-check.",
        );

    s.order(1009, p(&DONALD), &[("SKU-123", 2), ("HOODIE-GRY-L", 1)], at(1, 3, 12), d(-1))
        .with(|o| {
            o.payment_state = PaymentState::Pending;
            o.service_level = ServiceLevel::NextDay;
            o.bill_to = Some(Address {
                name: Some("Donald Knuth".into()),
                line1: Some("1200 Collins Ave".into()),
                city: Some("Miami Beach".into()),
                region: Some("FL".into()),
                postal_code: Some("33139".into()),
                country: Some("US".into()),
                ..Address::default()
            });
        })
        .raise(
            at(1, 3, 13),
            "FRAUD_REVIEW",
            None,
            None,
            None,
            "Held for fraud review: the billing and shipping addresses are in different states, it is the account's first order, and next-day shipping was chosen.",
        );

    s.order(1014, p(&MARGARET), &[("MUG-WHT-12OZ", 4), ("TSHIRT-BLK-M", 1)], at(4, 18, 0), d(-3))
        .raise(
            at(3, 9, 30),
            "ORDER_HOLD",
            None,
            None,
            None,
            "Held at the customer's request: she asked by phone to confirm a new delivery address before anything ships.",
        );

    s.order(1016, p(&FRANCES), &[("HOODIE-GRY-L", 3)], at(3, 10, 20), d(-1))
        .release(at(2, 8, 30), EAST)
        .raise(
            at(2, 10, 5),
            "DAMAGED",
            Some(EAST),
            Some("HOODIE-GRY-L"),
            Some("C-04-11"),
            "1 of 3 HOODIE-GRY-L was found torn at pick. The rest of the stock at C-04-11 is on QA hold until it is inspected.",
        );

    s.order(1021, p(&KEN), &[("SKU-2", 1), ("TSHIRT-BLK-M", 1)], at(4, 20, 10), d(1))
        .with(|o| o.payment_state = PaymentState::Failed)
        .raise(
            at(4, 20, 11),
            "ORDER_HOLD",
            None,
            None,
            None,
            "Payment declined by the card issuer. The customer was e-mailed to update the card.",
        );

    s.order(1022, p(&ALAN), &[("SKU-1", 1), ("SKU-123", 1)], at(4, 13, 0), d(1))
        .release(at(3, 11, 0), WEST)
        .pick(at(3, 12, 30))
        .pack(at(3, 13, 40), "PACK-W2")
        .stage(at(3, 14, 10), "DOCK-02")
        .raise(
            at(3, 19, 45),
            "MISSED_PICKUP",
            Some(WEST),
            None,
            Some("DOCK-02"),
            "FedEx did not arrive for the 16:30 pickup at DOCK-02; the pickup has not been rebooked.",
        );

    s.order(1024, p(&JOHN), &[("SKU-123", 2)], at(3, 9, 40), d(1)).raise(
        at(3, 9, 41),
        "ALLOCATION_FAILED",
        Some(EAST),
        Some("SKU-123"),
        None,
        "No available stock of SKU-123 at DC-EAST, the node that serves this ship-to.",
    );

    s.order(1026, p(&ADA), &[("TSHIRT-BLK-M", 2), ("MUG-WHT-12OZ", 1)], at(12, 19, 0), d(8))
        .release(at(11, 8, 0), EAST)
        .pick(at(11, 9, 30))
        .pack(at(11, 11, 0), "PACK-01")
        .stage(at(11, 13, 0), "DOCK-01")
        .raise(
            at(11, 17, 0),
            "MISSED_PICKUP",
            Some(EAST),
            None,
            Some("DOCK-01"),
            "UPS did not arrive for the 16:00 pickup at DOCK-01.",
        )
        .clear(at(10, 16, 10), "MISSED_PICKUP", "Picked up on the next day's run.")
        .ship(at(10, 16, 10), UPS_GROUND, None, d(8))
        .scan(at(10, 22, 0), InTransit, "Newark, NJ", "Origin scan")
        .scan(at(7, 8, 0), OutForDelivery, "Jersey City, NJ", "Out for delivery")
        .deliver(at(7, 14, 0), "Hoboken, NJ", "Delivered, front door");

    s.order(1027, p(&KATHERINE), &[("SKU-2", 1), ("TSHIRT-BLK-M", 1)], at(11, 8, 0), d(7))
        .release(at(10, 8, 0), EAST)
        .raise(
            at(10, 9, 30),
            "SHORT_PICK",
            Some(EAST),
            Some("SKU-2"),
            Some("B-02-07"),
            "Picked 0 of 1 SKU-2 at bin B-02-07; waiting for replenishment from reserve.",
        )
        .clear(at(8, 11, 0), "SHORT_PICK", "Replenished from reserve; pick completed.")
        .pick(at(8, 11, 5))
        .pack(at(8, 12, 0), "PACK-02")
        .ship(at(8, 15, 30), FEDEX_GROUND, None, d(6))
        .scan(at(8, 21, 0), InTransit, "Newark, NJ", "Picked up")
        .deliver(at(6, 12, 0), "Hampton, VA", "Delivered");

    s.order(1028, p(&BARBARA), &[("MUG-WHT-12OZ", 6)], at(14, 10, 0), d(9))
        .with(|o| {
            o.flags = vec![OrderFlag::GiftWrap];
            o.gift_message = Some("Happy housewarming!".into());
        })
        .release(at(13, 8, 0), EAST)
        .pick(at(13, 9, 0))
        .pack(at(13, 10, 30), "PACK-GIFT")
        .ship(at(12, 15, 0), USPS_PRIORITY, None, d(10))
        .scan(at(12, 20, 0), InTransit, "Newark, NJ", "Accepted at USPS origin facility")
        .scan(
            at(10, 18, 0),
            Exception,
            "Springfield, MA",
            "Delayed: processing backlog at the regional facility",
        )
        .raise(
            at(10, 18, 5),
            "CARRIER_DELAY",
            None,
            None,
            None,
            "USPS reports a processing backlog at its Springfield, MA facility.",
        )
        .clear(at(7, 13, 0), "CARRIER_DELAY", "Delivered.")
        .deliver(at(7, 13, 0), "Cambridge, MA", "Delivered, in/at mailbox");

    s.order(1033, p(&RADIA), &[("SKU-1", 1)], at(4, 11, 0), d(1))
        .release(at(3, 11, 0), WEST)
        .pick(at(3, 12, 30))
        .pack(at(3, 13, 40), "PACK-W3")
        .raise(
            at(3, 13, 45),
            "LABEL_ERROR",
            Some(WEST),
            None,
            Some("PACK-W3"),
            "UPS rejected the label request: the ZIP+4 98101-0000 is not valid for the street address.",
        );

    s.order(1034, p(&EDSGER), &[("SKU-1", 1), ("TSHIRT-BLK-M", 2)], at(13, 10, 0), d(8))
        .release(at(12, 8, 0), EAST)
        .pick(at(12, 9, 30))
        .pack(at(12, 11, 0), "PACK-05")
        .ship(at(11, 15, 0), UPS_GROUND, None, d(8))
        .scan(at(11, 21, 0), InTransit, "Newark, NJ", "Origin scan")
        .scan(
            at(8, 9, 0),
            Exception,
            "Austin, TX",
            "Address correction needed: apartment number missing",
        )
        .raise(
            at(8, 9, 5),
            "ADDRESS_CORRECTION",
            None,
            None,
            None,
            "UPS could not deliver: the apartment number is missing from the address.",
        )
        .update(at(7, 10, 0), |o| o.ship_to.line2 = Some("Apt 1204".into()))
        .clear(at(7, 10, 0), "ADDRESS_CORRECTION", "The customer supplied the apartment number.")
        .deliver(at(6, 16, 0), "Austin, TX", "Delivered, front door");

    s.order(1035, p(&GRACE), &[("MUG-WHT-12OZ", 2), ("TSHIRT-BLK-M", 1)], at(16, 9, 0), d(11))
        .release(at(15, 8, 0), EAST)
        .pick(at(15, 9, 30))
        .pack(at(15, 11, 0), "PACK-03")
        .ship(at(14, 15, 0), USPS_PRIORITY, None, d(12))
        .scan(at(14, 20, 0), InTransit, "Newark, NJ", "Accepted at USPS origin facility")
        .scan(
            at(11, 7, 0),
            Exception,
            "Dulles, VA",
            "Delayed: mis-sent, rerouted to the correct facility",
        )
        .raise(
            at(11, 7, 5),
            "CARRIER_DELAY",
            None,
            None,
            None,
            "USPS mis-sent the package to Dulles, VA; it was rerouted.",
        )
        .clear(at(9, 12, 0), "CARRIER_DELAY", "Delivered.")
        .deliver(at(9, 12, 0), "Arlington, VA", "Delivered, in/at mailbox");

    s.order(1038, p(&DONALD), &[("TSHIRT-BLK-M", 3)], at(5, 10, 0), d(1))
        .release(at(4, 11, 0), WEST)
        .pick(at(4, 12, 40))
        .raise(
            at(4, 13, 30),
            "CARTON_UNAVAILABLE",
            Some(WEST),
            None,
            Some("PACK-W1"),
            "No size S2 cartons at PACK-W1; the order is parked until cartons are restocked.",
        );

    s.order(1039, p(&JOHN), &[("SKU-123", 3)], at(14, 9, 0), d(7))
        .release(at(13, 11, 0), WEST)
        .pick(at(13, 12, 30))
        .pack(at(13, 14, 0), "PACK-W2")
        .ship(at(12, 18, 0), UPS_GROUND, None, d(7))
        .scan(at(12, 23, 0), InTransit, "Reno, NV", "Origin scan")
        .scan(at(10, 4, 0), InTransit, "Salt Lake City, UT", "Departed UPS facility")
        .scan(at(8, 6, 0), InTransit, "Columbus, OH", "Arrived at UPS facility")
        .raise(
            at(4, 9, 0),
            "NO_CARRIER_SCAN",
            None,
            None,
            None,
            "No carrier scan since the package reached Columbus, OH; a UPS trace was opened.",
        )
        .ticket(at(1, 16, 0), "48402", "Order #1039 is a week late", JOHN.email, "open");

    s.order(1040, p(&MARGARET), &[("MUG-WHT-12OZ", 4), ("SKU-2", 1)], at(26, 10, 0), d(20))
        .raise(
            at(26, 10, 1),
            "ALLOCATION_FAILED",
            Some(EAST),
            Some("SKU-2"),
            None,
            "No available stock of SKU-2 at DC-EAST, the node that serves this ship-to.",
        )
        .clear(
            at(11, 8, 0),
            "ALLOCATION_FAILED",
            "Allocated after SKU-2 was replenished at DC-EAST.",
        )
        .release(at(11, 8, 30), EAST)
        .pick(at(11, 10, 0))
        .pack(at(11, 11, 30), "PACK-04")
        .ship(at(10, 15, 0), USPS_PRIORITY, None, d(7))
        .scan(at(10, 20, 0), InTransit, "Newark, NJ", "Accepted at USPS origin facility")
        .deliver(at(6, 12, 0), "Boston, MA", "Delivered, in/at mailbox");

    s.order(1044, p(&ADA), &[("SKU-1", 1)], at(8, 20, 0), d(4))
        .release(at(7, 8, 0), EAST)
        .pick(at(7, 9, 0))
        .pack(at(7, 10, 0), "PACK-02")
        .ship(at(6, 15, 0), UPS_GROUND, None, d(4))
        .scan(at(6, 21, 0), InTransit, "Newark, NJ", "Origin scan")
        .scan(at(4, 8, 30), OutForDelivery, "Jersey City, NJ", "Out for delivery")
        .deliver(at(4, 14, 30), "Hoboken, NJ", "Delivered, front door");

    s.order(1047, p(&FRANCES), &[("TSHIRT-BLK-M", 1), ("MUG-WHT-12OZ", 2)], at(6, 9, 0), d(2))
        .release(at(5, 8, 0), EAST)
        .pick(at(5, 9, 0))
        .pack(at(5, 10, 0), "PACK-01")
        .ship(at(4, 15, 0), USPS_PRIORITY, None, d(2))
        .scan(at(4, 20, 0), InTransit, "Newark, NJ", "Accepted at USPS origin facility")
        .scan(at(2, 7, 40), OutForDelivery, "Rochester, NY", "Out for delivery")
        .deliver(at(2, 14, 12), "Rochester, NY", "Delivered, front door/porch")
        .ticket(
            at(1, 10, 30),
            "48377",
            "Package marked delivered but not received",
            FRANCES.email,
            "open",
        );

    s.order(1048, p(&ADA), &[("SKU-2", 1), ("TSHIRT-BLK-M", 1)], at(2, 20, 0), d(-3))
        .release(at(1, 8, 0), EAST)
        .pick(at(1, 9, 30))
        .pack(at(1, 10, 15), "PACK-12");

    s.order(1049, p(&ALAN), &[("HOODIE-GRY-L", 1)], at(10, 18, 0), d(4))
        .release(at(9, 8, 0), EAST)
        .pick(at(9, 9, 0))
        .pack(at(9, 10, 0), "PACK-06")
        .ship(at(8, 15, 0), UPS_GROUND, None, d(4))
        .scan(at(8, 21, 0), InTransit, "Newark, NJ", "Origin scan")
        .deliver(at(4, 15, 30), "Portland, OR", "Delivered, front door");

    // Out for delivery this morning (or, just after midnight, earlier today).
    let out_for_delivery = c.inside(c.window("today"), c.on(c.date(0), 10, 45));
    s.order(1050, p(&KEN), &[("SKU-1", 1), ("MUG-WHT-12OZ", 2)], at(3, 12, 0), d(0))
        .release(at(2, 11, 0), WEST)
        .pick(at(2, 12, 0))
        .pack(at(2, 13, 0), "PACK-W1")
        .ship(at(2, 18, 0), FEDEX_HOME, Some("123456789012"), d(0))
        .scan(at(2, 23, 0), InTransit, "Reno, NV", "Picked up")
        .scan(at(1, 10, 0), InTransit, "Las Vegas, NV", "Arrived at FedEx location")
        .scan(out_for_delivery, OutForDelivery, "Las Vegas, NV", "On FedEx vehicle for delivery");

    s.order(1051, p(&HEDY), &[("TSHIRT-BLK-M", 2), ("SKU-2", 1)], at(12, 9, 0), d(7))
        .release(at(11, 8, 0), EAST)
        .pick(at(11, 9, 0))
        .pack(at(11, 10, 0), "PACK-04")
        .ship(at(10, 15, 0), FEDEX_GROUND, None, d(7))
        .scan(at(10, 21, 0), InTransit, "Newark, NJ", "Picked up")
        .scan(at(7, 6, 0), Exception, "Jacksonville, FL", "Delayed: hub congestion")
        .raise(
            at(7, 6, 5),
            "CARRIER_DELAY",
            None,
            None,
            None,
            "FedEx reports hub congestion at Jacksonville, FL.",
        )
        .clear(at(5, 13, 0), "CARRIER_DELAY", "Delivered.")
        .deliver(at(5, 13, 0), "Miami, FL", "Delivered");

    s.order(
        1055,
        p(&RADIA),
        &[("SKU-2", 2), ("SKU-1", 1), ("MUG-WHT-12OZ", 1)],
        at(9, 11, 0),
        d(5),
    )
    .release(at(8, 11, 0), WEST)
    .pick(at(8, 12, 0))
    .pack(at(8, 13, 0), "PACK-W3")
    .ship(at(7, 18, 0), UPS_GROUND, None, d(5))
    .scan(at(7, 23, 0), InTransit, "Reno, NV", "Origin scan")
    .deliver(at(5, 16, 0), "Seattle, WA", "Delivered, front door");

    s.order(1058, p(&HEDY), &[("SKU-1", 1)], at(3, 10, 0), d(-2))
        .cancel(at(2, 9, 0), "Customer cancelled: ordered the wrong size.");

    // Placed this week, whatever day it is.
    let placed = c.inside(c.window("this_week"), c.ago(24));
    s.order(
        1059,
        p(&GRACE),
        &[("TSHIRT-BLK-M", 1), ("MUG-WHT-12OZ", 2)],
        placed,
        plus_days(c.local_date(placed), 4),
    )
    .release(between(placed, c.now(), 400), EAST)
    .pick(between(placed, c.now(), 700));

    // Staged today for the next pickup.
    s.order(1060, p(&LYNN), &[("SKU-2", 1)], at(2, 14, 0), d(-2))
        .release(at(1, 8, 0), EAST)
        .pick(at(1, 10, 0))
        .pack(at(1, 11, 0), "PACK-11")
        .stage(c.inside(c.window("today"), shift(c.now(), -40)), "DOCK-06");
}

/// Orders of the B2B accounts, shipped to their stores.
fn b2b_orders(s: &mut Seed, c: &Clock) {
    let at = |days, h, m| c.at(days, h, m);
    let d = |days| c.date(days);
    let st = Buyer::Store;

    s.order(1002, st(INITECH_BROOKLYN), &[("SKU-1", 24), ("SKU-2", 24)], at(6, 10, 0), d(2))
        .release(at(5, 8, 0), EAST)
        .pick(at(5, 11, 0))
        .pack(at(5, 13, 30), "PACK-05")
        .stage(at(5, 14, 10), "DOCK-03")
        .raise(
            at(5, 17, 5),
            "MISSED_PICKUP",
            Some(EAST),
            None,
            Some("DOCK-03"),
            "UPS did not arrive for the 16:00 pickup at DOCK-03.",
        )
        .clear(at(4, 16, 10), "MISSED_PICKUP", "Picked up on the next day's run.")
        .ship(at(4, 16, 10), UPS_GROUND, None, d(3))
        .scan(at(4, 22, 0), InTransit, "Newark, NJ", "Origin scan")
        .scan(at(3, 6, 10), InTransit, "Maspeth, NY", "Arrived at UPS facility")
        .scan_eta(
            at(3, 9, 0),
            Exception,
            "Maspeth, NY",
            "Weather delay: severe storms in the New York area",
            Some(d(-1)),
        )
        .raise(
            at(3, 9, 5),
            "CARRIER_DELAY",
            None,
            None,
            None,
            "UPS reports a weather delay at Maspeth, NY; delivery was rescheduled.",
        );

    // Shipped to Reno today from the Reno DC.
    let shipped = c.inside(c.window("today"), c.ago(2));
    s.order(
        1004,
        st(UMBRELLA_RENO),
        &[("MUG-WHT-12OZ", 48), ("TSHIRT-BLK-M", 24)],
        shift(shipped, -50 * HOUR),
        d(-3),
    )
    .release(shift(shipped, -26 * HOUR), WEST)
    .pick(shift(shipped, -24 * HOUR))
    .pack(shift(shipped, -3 * HOUR), "PACK-W4")
    .stage(shift(shipped, -HOUR), "DOCK-05")
    .ship(shipped, UPS_GROUND, None, plus_days(c.local_date(shipped), 1));

    // Shipped to Newark yesterday.
    s.order(1008, st(ACME_NEWARK), &[("SKU-1", 36), ("SKU-2", 36)], at(4, 10, 0), d(-1))
        .with(|o| o.flags = vec![OrderFlag::B2b, OrderFlag::HighValue])
        .release(at(2, 8, 0), EAST)
        .pick(at(2, 13, 0))
        .pack(at(1, 10, 0), "PACK-09")
        .stage(at(1, 12, 30), "DOCK-02")
        .ship(at(1, 14, 0), UPS_GROUND, None, d(0))
        .scan(at(1, 20, 30), InTransit, "Newark, NJ", "Origin scan");

    // Placed this month and in the last 7 days; still in the warehouse.
    let recent = c.both("this_month", "last_7_days");
    let placed = c.inside(recent, c.ago(26));
    s.order(
        1010,
        st(INITECH_BROOKLYN),
        &[("TSHIRT-BLK-M", 48), ("MUG-WHT-12OZ", 24)],
        placed,
        d(-5),
    )
    .release(between(placed, c.now(), 300), EAST)
    .pick(between(placed, c.now(), 550))
    .raise(
        between(placed, c.now(), 600),
        "SCAN_FAILURE",
        Some(EAST),
        None,
        Some("SORTER-1"),
        "Tote T-4471's label was unreadable at the sorter; the tote went to the problem-solve lane.",
    );

    // Delivered to Newark last month.
    let shipped = c.last_month(12, 10, 0);
    s.order(
        1011,
        st(ACME_NEWARK),
        &[("SKU-123", 24), ("MUG-WHT-12OZ", 48)],
        shift(shipped, -50 * HOUR),
        plus_days(c.local_date(shipped), 2),
    )
    .release(shift(shipped, -26 * HOUR), EAST)
    .pick(shift(shipped, -24 * HOUR))
    .pack(shift(shipped, -20 * HOUR), "PACK-01")
    .ship(shipped, UPS_GROUND, None, plus_days(c.local_date(shipped), 1))
    .scan(shift(shipped, 6 * HOUR), InTransit, "Newark, NJ", "Origin scan")
    .scan(shift(shipped, 22 * HOUR), OutForDelivery, "Newark, NJ", "Out for delivery")
    .deliver(shift(shipped, 26 * HOUR), "Newark, NJ", "Delivered to the receiving dock");

    let placed = c.inside(recent, c.ago(50));
    s.order(1012, st(ACME_JERSEY_CITY), &[("TSHIRT-BLK-M", 36), ("SKU-2", 12)], placed, d(-5))
        .with(|o| o.ship_to.line2 = None)
        .raise(
            between(placed, c.now(), 20),
            "ADDRESS_VALIDATION_FAILED",
            None,
            None,
            None,
            "The carrier's address check failed: a suite number is required for 30 Montgomery St, Jersey City, NJ 07302.",
        );

    let placed = c.inside(recent, c.ago(74));
    s.order(
        1013,
        st(UMBRELLA_RENO),
        &[("SKU-1", 24), ("SKU-2", 24), ("MUG-WHT-12OZ", 96)],
        placed,
        plus_days(c.local_date(placed), 7),
    )
    .with(|o| o.po_number = Some("88002".into()))
    .raise(
        between(placed, c.now(), 20),
        "CREDIT_HOLD",
        None,
        None,
        None,
        "Umbrella Co is over its credit limit; releasing the order needs accounts-receivable approval.",
    );

    // Delivered to Newark last week, after a WISMO ticket.
    let shipped = c.last_week(2, 11, 0);
    s.order(
        1015,
        st(ACME_NEWARK),
        &[("SKU-1", 12), ("TSHIRT-BLK-M", 24)],
        shift(shipped, -72 * HOUR),
        plus_days(c.local_date(shipped), 2),
    )
    .release(shift(shipped, -26 * HOUR), EAST)
    .pick(shift(shipped, -24 * HOUR))
    .pack(shift(shipped, -4 * HOUR), "PACK-04")
    .raise(
        shift(shipped, -230),
        "LABEL_PRINT_FAILURE",
        Some(EAST),
        None,
        Some("PACK-04"),
        "The label printer at PACK-04 jammed.",
    )
    .clear(shift(shipped, -190), "LABEL_PRINT_FAILURE", "The label was reprinted at PACK-05.")
    .ship(shipped, UPS_GROUND, None, plus_days(c.local_date(shipped), 1))
    .scan(shift(shipped, 7 * HOUR), InTransit, "Newark, NJ", "Origin scan")
    .scan(shift(shipped, 21 * HOUR), OutForDelivery, "Newark, NJ", "Out for delivery")
    .ticket(
        shift(shipped, 22 * HOUR),
        "48213",
        "Where is our order #1015?",
        "purchasing@acme.example",
        "solved",
    )
    .deliver(shift(shipped, 26 * HOUR + 40), "Newark, NJ", "Delivered to the receiving dock");

    // Shipped to Brooklyn last week; the delivery attempt failed.
    let shipped = c.last_week(3, 15, 0);
    s.order(
        1017,
        st(INITECH_BROOKLYN),
        &[("SKU-2", 12), ("MUG-WHT-12OZ", 24)],
        shift(shipped, -70 * HOUR),
        plus_days(c.local_date(shipped), 1),
    )
    .release(shift(shipped, -28 * HOUR), EAST)
    .pick(shift(shipped, -26 * HOUR))
    .pack(shift(shipped, -5 * HOUR), "PACK-06")
    .ship(shipped, UPS_GROUND, None, plus_days(c.local_date(shipped), 1))
    .scan(shift(shipped, 6 * HOUR), InTransit, "Newark, NJ", "Origin scan")
    .scan(shift(shipped, 17 * HOUR), OutForDelivery, "Brooklyn, NY", "Out for delivery")
    .scan(
        shift(shipped, 21 * HOUR + 30),
        Exception,
        "Brooklyn, NY",
        "Delivery attempted: the receiving dock was closed",
    )
    .raise(
        shift(shipped, 21 * HOUR + 35),
        "DELIVERY_ATTEMPT_FAILED",
        None,
        None,
        None,
        "UPS could not deliver: the receiving dock was closed. The package is held at the UPS facility in Maspeth, NY.",
    )
    .scan(
        shift(shipped, 27 * HOUR),
        AvailableForPickup,
        "Maspeth, NY",
        "Held at the UPS facility for pickup or redelivery",
    );

    // Delivered to Brooklyn last month.
    let shipped = c.last_month(12, 15, 0);
    s.order(
        1018,
        st(INITECH_BROOKLYN),
        &[("TSHIRT-BLK-M", 24)],
        shift(shipped, -50 * HOUR),
        plus_days(c.local_date(shipped), 2),
    )
    .release(shift(shipped, -26 * HOUR), EAST)
    .pick(shift(shipped, -24 * HOUR))
    .pack(shift(shipped, -6 * HOUR), "PACK-02")
    .ship(shipped, UPS_GROUND, None, plus_days(c.local_date(shipped), 1))
    .scan(shift(shipped, 6 * HOUR), InTransit, "Newark, NJ", "Origin scan")
    .deliver(shift(shipped, 20 * HOUR), "Brooklyn, NY", "Delivered to the receiving dock");

    // Shipped to Jersey City this week and this month, late after a short pick.
    let shipped = c.inside(c.both("this_week", "this_month"), c.ago(26));
    s.order(
        1019,
        st(ACME_JERSEY_CITY),
        &[("SKU-2", 12), ("TSHIRT-BLK-M", 24)],
        at(6, 9, 0),
        d(2),
    )
    .release(at(5, 8, 0), EAST)
    .raise(
        at(5, 10, 30),
        "SHORT_PICK",
        Some(EAST),
        Some("SKU-2"),
        Some("B-02-07"),
        "Picked 8 of 12 SKU-2 at bin B-02-07; waiting for replenishment from reserve.",
    )
    .clear(shift(shipped, -3 * HOUR), "SHORT_PICK", "Replenished from reserve; pick completed.")
    .pick(shift(shipped, -160))
    .pack(shift(shipped, -2 * HOUR), "PACK-06")
    .ship(shipped, UPS_GROUND, None, plus_days(c.local_date(shipped), 1));

    s.order(1020, st(ACME_NEWARK), &[("MUG-WHT-12OZ", 72), ("SKU-1", 12)], at(7, 10, 0), d(3))
        .release(at(6, 8, 0), EAST)
        .pick(at(6, 11, 0))
        .pack(at(6, 13, 0), "PACK-08")
        .ship(at(5, 15, 10), FEDEX_GROUND, None, d(4))
        .scan(at(5, 21, 0), InTransit, "Newark, NJ", "Picked up")
        .scan(at(4, 5, 30), InTransit, "New Castle, DE", "Arrived at FedEx hub")
        .scan_eta(
            at(3, 9, 0),
            Exception,
            "New Castle, DE",
            "Missorted to Newark, DE; rerouting to Newark, NJ",
            Some(d(-1)),
        )
        .raise(
            at(3, 9, 5),
            "CARRIER_DELAY",
            None,
            None,
            None,
            "FedEx sorted the package to Newark, DE (ZIP 19711) instead of Newark, NJ 07102; it is being rerouted.",
        );

    s.order(1023, st(GLOBEX_LA), &[("MUG-WHT-16OZ", 48), ("TSHIRT-BLK-M", 24)], at(6, 11, 0), d(3))
        .raise(
            at(6, 11, 1),
            "UNKNOWN_SKU",
            None,
            Some("MUG-WHT-16OZ"),
            None,
            "Line 1 names SKU MUG-WHT-16OZ, which no catalog or warehouse knows; the order cannot be released until the line is mapped to a known SKU.",
        );

    s.order(1025, st(INITECH_BROOKLYN), &[("SKU-1", 6), ("SKU-2", 6)], at(10, 10, 0), d(6))
        .raise(
            at(10, 10, 1),
            "ORDER_HOLD",
            None,
            None,
            None,
            "Credit check: the order exceeded Initech's open credit.",
        )
        .clear(at(8, 15, 0), "ORDER_HOLD", "Approved by accounts receivable.")
        .release(at(8, 15, 30), EAST)
        .pick(at(7, 9, 0))
        .pack(at(7, 11, 0), "PACK-03")
        .ship(at(7, 15, 0), UPS_GROUND, None, d(6))
        .scan(at(7, 21, 0), InTransit, "Newark, NJ", "Origin scan")
        .scan(at(5, 8, 0), OutForDelivery, "Brooklyn, NY", "Out for delivery")
        .deliver(at(5, 11, 20), "Brooklyn, NY", "Delivered to the receiving dock");

    // Shipped to Los Angeles today from the Reno DC, a day late.
    let shipped = c.inside(c.window("today"), c.ago(1));
    s.order(1029, st(GLOBEX_LA), &[("TSHIRT-BLK-M", 12), ("SKU-1", 6)], at(4, 13, 0), d(1))
        .release(at(3, 11, 0), WEST)
        .raise(
            at(3, 11, 30),
            "INVENTORY_HOLD",
            Some(WEST),
            Some("TSHIRT-BLK-M"),
            Some("A-03-02"),
            "A cycle-count lock on bin A-03-02 stopped the pick.",
        )
        .clear(
            shift(shipped, -3 * HOUR),
            "INVENTORY_HOLD",
            "Cycle count finished; the bin was unlocked.",
        )
        .pick(shift(shipped, -150))
        .pack(shift(shipped, -90), "PACK-W1")
        .ship(shipped, UPS_GROUND, None, plus_days(c.local_date(shipped), 2));

    s.order(1030, st(UMBRELLA_RENO), &[("HOODIE-GRY-L", 12)], at(12, 10, 0), d(6))
        .release(at(11, 8, 0), EAST)
        .pick(at(11, 9, 30))
        .pack(at(11, 11, 0), "PACK-07")
        .ship(at(10, 15, 0), FEDEX_GROUND, None, d(6))
        .scan(at(10, 21, 0), InTransit, "Newark, NJ", "Picked up")
        .scan_eta(at(7, 6, 0), Exception, "Cheyenne, WY", "Delayed: I-80 closed by snow", Some(d(4)))
        .raise(
            at(7, 6, 5),
            "CARRIER_DELAY",
            None,
            None,
            None,
            "FedEx reports I-80 closed by snow near Cheyenne, WY.",
        )
        .clear(at(4, 11, 0), "CARRIER_DELAY", "Delivered.")
        .deliver(at(4, 11, 0), "Reno, NV", "Delivered to the receiving dock");

    s.order(1031, st(GLOBEX_LA), &[("MUG-WHT-12OZ", 48), ("SKU-2", 12)], at(5, 9, 0), d(2))
        .release(at(4, 11, 0), WEST)
        .pick(at(4, 13, 0))
        .pack(at(4, 15, 0), "PACK-W2")
        .ship(at(4, 18, 0), UPS_GROUND, None, d(2))
        .scan(at(4, 23, 0), InTransit, "Reno, NV", "Origin scan")
        .scan_eta(
            at(2, 10, 0),
            Exception,
            "Los Angeles, CA",
            "Delivery vehicle breakdown; delivery rescheduled",
            Some(d(1)),
        )
        .raise(
            at(2, 10, 5),
            "CARRIER_DELAY",
            None,
            None,
            None,
            "UPS reports a delivery vehicle breakdown in Los Angeles.",
        )
        .clear(at(1, 16, 10), "CARRIER_DELAY", "Delivered.")
        .deliver(at(1, 16, 10), "Los Angeles, CA", "Delivered to the receiving dock");

    // Shipped to Reno yesterday from the Newark DC: DC-WEST had no hoodies.
    s.order(
        1032,
        st(UMBRELLA_RENO),
        &[("HOODIE-GRY-L", 6), ("TSHIRT-BLK-M", 12)],
        at(10, 10, 0),
        d(5),
    )
    .raise(
        at(10, 10, 1),
        "ALLOCATION_FAILED",
        Some(WEST),
        Some("HOODIE-GRY-L"),
        None,
        "No available stock of HOODIE-GRY-L at DC-WEST.",
    )
    .clear(at(1, 7, 30), "ALLOCATION_FAILED", "Re-sourced to DC-EAST.")
    .release(at(1, 8, 0), EAST)
    .pick(at(1, 10, 0))
    .pack(at(1, 12, 0), "PACK-08")
    .ship(at(1, 14, 0), FEDEX_GROUND, None, d(-4))
    .scan(at(1, 21, 0), InTransit, "Newark, NJ", "Picked up");

    s.order(1036, st(ACME_NEWARK), &[("SKU-2", 24), ("MUG-WHT-12OZ", 48)], at(15, 10, 0), d(11))
        .release(at(14, 8, 0), EAST)
        .pick(at(14, 10, 0))
        .pack(at(13, 11, 0), "PACK-04")
        .stage(at(13, 14, 0), "DOCK-03")
        .raise(
            at(13, 17, 0),
            "MISSED_PICKUP",
            Some(EAST),
            None,
            Some("DOCK-03"),
            "UPS did not arrive for the 16:00 pickup at DOCK-03.",
        )
        .clear(at(12, 16, 10), "MISSED_PICKUP", "Picked up on the next day's run.")
        .ship(at(12, 16, 10), UPS_GROUND, None, d(11))
        .scan(at(12, 22, 0), InTransit, "Newark, NJ", "Origin scan")
        .deliver(at(10, 11, 0), "Newark, NJ", "Delivered to the receiving dock");

    // Shipped to Jersey City last week, delivered a day late.
    let shipped = c.last_week(2, 13, 0);
    s.order(
        1037,
        st(ACME_JERSEY_CITY),
        &[("SKU-1", 12), ("SKU-2", 12)],
        shift(shipped, -74 * HOUR),
        plus_days(c.local_date(shipped), 1),
    )
    .release(shift(shipped, -28 * HOUR), EAST)
    .pick(shift(shipped, -26 * HOUR))
    .pack(shift(shipped, -4 * HOUR), "PACK-02")
    .ship(shipped, UPS_GROUND, None, plus_days(c.local_date(shipped), 1))
    .scan(shift(shipped, 7 * HOUR), InTransit, "Newark, NJ", "Origin scan")
    .scan_eta(
        shift(shipped, 19 * HOUR),
        Exception,
        "Jersey City, NJ",
        "Delivery rescheduled: vehicle over capacity",
        Some(plus_days(c.local_date(shipped), 2)),
    )
    .raise(
        shift(shipped, 19 * HOUR + 5),
        "CARRIER_DELAY",
        None,
        None,
        None,
        "UPS rescheduled the delivery: the vehicle was over capacity.",
    )
    .clear(shift(shipped, 46 * HOUR), "CARRIER_DELAY", "Delivered.")
    .deliver(shift(shipped, 46 * HOUR), "Jersey City, NJ", "Delivered to the receiving dock");

    s.order(
        1041,
        st(GLOBEX_LA),
        &[("TSHIRT-BLK-M", 24), ("MUG-WHT-12OZ", 24)],
        at(9, 10, 0),
        d(5),
    )
    .release(at(8, 11, 0), WEST)
    .pick(at(8, 13, 0))
    .pack(at(8, 15, 0), "PACK-W2")
    .raise(
        at(8, 15, 5),
        "WEIGHT_DISCREPANCY",
        Some(WEST),
        None,
        Some("PACK-W2"),
        "The carton weighed 13.9 kg; 12.7 kg was expected. Held for a re-check.",
    )
    .clear(
        at(6, 12, 0),
        "WEIGHT_DISCREPANCY",
        "Re-weighed and re-packed; released to shipping.",
    )
    .ship(at(6, 18, 0), UPS_GROUND, None, d(4))
    .scan(at(6, 23, 0), InTransit, "Reno, NV", "Origin scan")
    .deliver(at(4, 12, 0), "Los Angeles, CA", "Delivered to the receiving dock");

    // PO 12345: five lines, re-sourced to DC-WEST because DC-EAST had no SKU-123.
    s.order(
        1042,
        st(ACME_NEWARK),
        &[
            ("SKU-1", 12),
            ("SKU-2", 12),
            ("SKU-123", 24),
            ("TSHIRT-BLK-M", 24),
            ("MUG-WHT-12OZ", 48),
        ],
        at(4, 9, 0),
        d(2),
    )
    .with(|o| o.po_number = Some("12345".into()))
    .raise(
        at(4, 9, 1),
        "ALLOCATION_FAILED",
        Some(EAST),
        Some("SKU-123"),
        None,
        "No available stock of SKU-123 at DC-EAST.",
    )
    .clear(
        at(3, 10, 0),
        "ALLOCATION_FAILED",
        "Re-sourced to DC-WEST, which has stock of every line.",
    )
    .release(at(3, 11, 0), WEST)
    .pick(at(3, 13, 30))
    .pack(at(3, 15, 30), "PACK-W4")
    .ship(at(3, 19, 20), UPS_GROUND, None, d(-2))
    .scan(at(2, 1, 0), InTransit, "Reno, NV", "Origin scan")
    .scan(at(2, 23, 0), InTransit, "Salt Lake City, UT", "Departed UPS facility")
    .scan(at(1, 20, 0), InTransit, "Denver, CO", "Arrived at UPS facility");

    // Shipped to Brooklyn yesterday, a day late: missed pickup, then a missed connection.
    s.order(
        1043,
        st(INITECH_BROOKLYN),
        &[("MUG-WHT-12OZ", 24), ("TSHIRT-BLK-M", 12)],
        at(3, 10, 0),
        d(1),
    )
    .release(at(2, 8, 0), EAST)
    .pick(at(2, 10, 0))
    .pack(at(2, 12, 0), "PACK-05")
    .stage(at(2, 13, 0), "DOCK-02")
    .raise(
        at(2, 17, 5),
        "MISSED_PICKUP",
        Some(EAST),
        None,
        Some("DOCK-02"),
        "UPS did not arrive for the 16:00 pickup at DOCK-02.",
    )
    .clear(at(1, 15, 30), "MISSED_PICKUP", "Picked up on the next day's run.")
    .ship(at(1, 15, 30), UPS_GROUND, None, d(0))
    .scan(at(1, 21, 0), InTransit, "Newark, NJ", "Origin scan")
    .scan_eta(at(1, 23, 10), Exception, "Maspeth, NY", "Missed connection at the hub", Some(d(-1)))
    .raise(
        at(1, 23, 15),
        "CARRIER_DELAY",
        None,
        None,
        None,
        "UPS reports a missed connection at its Maspeth, NY hub.",
    );

    s.order(1045, st(ACME_NEWARK), &[("MUG-WHT-12OZ", 240)], at(7, 10, 0), d(4))
        .release(at(6, 8, 0), EAST)
        .pick(at(6, 11, 0))
        .pack(at(6, 14, 0), "PACK-10")
        .stage(at(6, 15, 0), "DOCK-05")
        .ship(at(6, 16, 0), UPS_GROUND, Some("1Z12345E0205271688"), d(5))
        .scan(at(6, 22, 0), InTransit, "Newark, NJ", "Origin scan")
        .scan(at(5, 8, 0), OutForDelivery, "Newark, NJ", "Out for delivery")
        .deliver(at(5, 11, 45), "Newark, NJ", "Delivered to the receiving dock");

    // PO 88001: 240 units, shipped to Brooklyn this week, in transit.
    let shipped = c.inside(c.window("this_week"), c.ago(20));
    s.order(
        1046,
        st(INITECH_BROOKLYN),
        &[("MUG-WHT-12OZ", 144), ("TSHIRT-BLK-M", 96)],
        at(6, 10, 0),
        d(-1),
    )
    .with(|o| o.po_number = Some("88001".into()))
    .release(at(5, 8, 0), EAST)
    .pick(at(5, 13, 0))
    .pack(shift(shipped, -4 * HOUR), "PACK-10")
    .stage(shift(shipped, -HOUR), "DOCK-04")
    .ship(shipped, UPS_GROUND, None, plus_days(c.local_date(shipped), 1));

    s.order(1052, st(UMBRELLA_RENO), &[("MUG-WHT-12OZ", 96), ("SKU-1", 12)], at(6, 12, 0), d(3))
        .release(at(5, 11, 0), WEST)
        .pick(at(5, 12, 30))
        .pack(at(5, 14, 0), "PACK-W4")
        .ship(at(4, 18, 0), UPS_GROUND, None, d(3))
        .scan(at(4, 23, 0), InTransit, "Reno, NV", "Origin scan")
        .scan(at(3, 11, 0), OutForDelivery, "Reno, NV", "Out for delivery")
        .deliver(at(3, 13, 40), "Reno, NV", "Delivered to the receiving dock");

    s.order(
        1053,
        st(ACME_JERSEY_CITY),
        &[("TSHIRT-BLK-M", 48), ("SKU-1", 6)],
        at(8, 10, 0),
        d(4),
    )
    .release(at(7, 8, 0), EAST)
    .pick(at(7, 10, 0))
    .pack(at(7, 12, 0), "PACK-09")
    .ship(at(6, 14, 0), USPS_PRIORITY, Some("9400111899223197428490"), d(4))
    .scan(at(6, 20, 0), InTransit, "Newark, NJ", "Accepted at USPS origin facility")
    .scan(at(4, 7, 30), OutForDelivery, "Jersey City, NJ", "Out for delivery")
    .deliver(at(4, 10, 15), "Jersey City, NJ", "Delivered to the loading dock");

    s.order(1054, st(GLOBEX_LA), &[("MUG-WHT-12OZ", 48), ("SKU-2", 12)], at(104, 10, 0), d(99))
        .release(at(103, 11, 0), WEST)
        .pick(at(103, 12, 0))
        .pack(at(103, 14, 0), "PACK-W1")
        .ship(at(102, 18, 0), UPS_GROUND, None, d(100))
        .scan(at(102, 23, 0), InTransit, "Reno, NV", "Origin scan")
        .deliver(at(100, 12, 0), "Los Angeles, CA", "Delivered to the receiving dock");

    // PO 4500012345: placed this month, staged for a freight pickup.
    let placed = c.inside(recent, c.ago(98));
    s.order(
        1056,
        st(GLOBEX_LA),
        &[("SKU-1", 24), ("SKU-2", 48), ("MUG-WHT-12OZ", 96)],
        placed,
        d(-4),
    )
    .with(|o| {
        o.po_number = Some("4500012345".into());
        o.service_level = ServiceLevel::Freight;
    })
    .release(between(placed, c.now(), 250), WEST)
    .pick(between(placed, c.now(), 500))
    .pack(between(placed, c.now(), 700), "PACK-W5")
    .stage(between(placed, c.now(), 850), "DOCK-04");

    // Placed last month for delivery in 20 days: open, not yet released.
    s.order(
        1057,
        st(ACME_NEWARK),
        &[("SKU-1", 48), ("SKU-2", 48), ("TSHIRT-BLK-M", 120)],
        c.last_month(12, 9, 30),
        d(-20),
    )
    .with(|o| o.note = Some("Holiday display stock: deliver in the requested week, not before.".into()));
}

/// Purchase orders to suppliers, their ASNs and receipts.
fn supply(s: &mut Seed, c: &Clock) {
    let po = |number: &str, supplier: &str, node: &str, sku: &'static str, units: i64, expected: Date| {
        EventBody::PoCreated(PurchaseOrder {
            po_number: number.into(),
            supplier: Some(supplier.into()),
            node: node_id(node),
            lines: line_qty(&[(sku, units)]),
            expected_at: Some(expected),
        })
    };
    let asn = |id: &str, number: &str, node: &str, sku: &'static str, units: i64, expected: Date| {
        EventBody::AsnCreated(Asn {
            asn_id: id.into(),
            po_number: Some(number.into()),
            node: node_id(node),
            lines: line_qty(&[(sku, units)]),
            expected_at: Some(expected),
        })
    };
    // Mugs for DC-EAST: ordered, shipped, received.
    s.push(
        Phase::Supply,
        "seed-po-SUP-6990".into(),
        c.at(20, 10, 0),
        po("SUP-6990", "Coastal Ceramics", EAST, "MUG-WHT-12OZ", 600, c.date(6)),
    );
    s.push(
        Phase::Supply,
        "seed-asn-ASN-6990-1".into(),
        c.at(9, 14, 0),
        asn("ASN-6990-1", "SUP-6990", EAST, "MUG-WHT-12OZ", 600, c.date(6)),
    );
    s.push(
        Phase::Supply,
        "seed-receipt-ASN-6990-1".into(),
        c.at(6, 11, 30),
        EventBody::ReceiptConfirmed(Receipt {
            node: node_id(EAST),
            po_number: Some("SUP-6990".into()),
            asn_id: Some("ASN-6990-1".into()),
            lines: line_qty(&[("MUG-WHT-12OZ", 600)]),
        }),
    );
    s.received.push((EAST, "MUG-WHT-12OZ", 600));
    // Bottles for DC-EAST, which has none: on the way.
    s.push(
        Phase::Supply,
        "seed-po-SUP-7001".into(),
        c.at(9, 10, 0),
        po("SUP-7001", "Hydra Bottle Co.", EAST, "SKU-123", 200, c.date(-4)),
    );
    s.push(
        Phase::Supply,
        "seed-asn-ASN-7001-1".into(),
        c.at(1, 9, 0),
        asn("ASN-7001-1", "SUP-7001", EAST, "SKU-123", 200, c.date(-2)),
    );
    // Hoodies for DC-WEST, which has none: ordered.
    s.push(
        Phase::Supply,
        "seed-po-SUP-7002".into(),
        c.at(5, 10, 0),
        po("SUP-7002", "Northwind Apparel", WEST, "HOODIE-GRY-L", 300, c.date(-10)),
    );
}

/// Items, and the stock counts that make each position end at its [`ATP`]
/// once the seed's orders, holds and receipts are applied.
fn items_and_stock(s: &mut Seed, c: &Clock) {
    for i in &ITEMS {
        let item = Item {
            sku: sku_id(i.sku),
            name: Some(i.name.into()),
            ids: Default::default(),
            unit: UnitOfMeasure::Each,
            pack_size: i.pack,
            weight_grams: Some(i.grams),
            category: Some(i.category.into()),
            hazmat: false,
            oversize: false,
            cold_chain: false,
            final_sale: i.final_sale,
            unit_cost: Some(usd(i.cost)),
            price: Some(usd(i.retail)),
        };
        s.push(
            Phase::Items,
            format!("seed-item-{}", i.sku),
            c.at(140, 9, 0),
            EventBody::ItemUpserted(item),
        );
    }
    let units = |filter: &dyn Fn(&Placed) -> bool, node: &str, sku: &str| -> i64 {
        s.orders
            .iter()
            .filter(|o| o.node == Some(node) && filter(o))
            .flat_map(|o| o.lines.iter())
            .filter(|(l, _)| *l == sku)
            .map(|(_, q)| q)
            .sum()
    };
    let mut counts = Vec::new();
    for (node, sku, atp) in ATP {
        let shipped = units(&|o| o.shipped, node, sku);
        let allocated = units(&|o| !o.shipped, node, sku);
        let held: i64 = HOLDS.iter().filter(|h| h.0 == node && h.1 == sku).map(|h| h.2).sum();
        let safety: i64 = SAFETY.iter().filter(|x| x.0 == node && x.1 == sku).map(|x| x.2).sum();
        let received: i64 = s.received.iter().filter(|r| r.0 == node && r.1 == sku).map(|r| r.2).sum();
        // On hand at the end is what is promised plus what is spoken for;
        // the count came before the shipments and receipts of the seed.
        let on_hand = atp + allocated + held + safety + shipped - received;
        counts.push((node, sku, on_hand));
    }
    for (node, sku, on_hand) in counts {
        let body = EventBody::InventorySnapshot(InventorySnapshot {
            node: node_id(node),
            sku: sku_id(sku),
            on_hand: Quantity(on_hand),
            unit: None,
        });
        s.push(Phase::Inventory, format!("seed-count-{node}-{sku}"), c.at(130, 6, 0), body);
    }
    for (node, sku, units, reason, days) in HOLDS {
        let body = EventBody::InventoryHeld(InventoryHeld {
            node: node_id(node),
            sku: sku_id(sku),
            quantity: Quantity(units),
            reason: Some(reason.into()),
        });
        s.push(Phase::Inventory, format!("seed-hold-{node}-{sku}"), c.at(days, 10, 10), body);
    }
    for (node, sku, units) in SAFETY {
        let body = EventBody::SafetyStockSet(SafetyStockSet {
            node: node_id(node),
            sku: sku_id(sku),
            quantity: Quantity(units),
        });
        s.push(Phase::Inventory, format!("seed-safety-{node}-{sku}"), c.at(60, 9, 0), body);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zoned(raw: &str) -> Zoned {
        raw.parse::<jiff::civil::DateTime>().unwrap().to_zoned(time_zone()).unwrap()
    }

    fn window(period: &str, now: &str) -> (String, String) {
        let (a, b) = period_window(period, zoned(now)).unwrap();
        let local = |t: Timestamp| t.to_zoned(time_zone()).datetime().to_string();
        (local(a), local(b))
    }

    #[test]
    fn periods_are_calendar_windows_in_the_zone() {
        // Wednesday 2026-04-01, 09:30.
        let now = "2026-04-01T09:30";
        let w = |p| window(p, now);
        assert_eq!(w("today"), ("2026-04-01T00:00:00".into(), "2026-04-01T09:30:00".into()));
        assert_eq!(w("yesterday"), ("2026-03-31T00:00:00".into(), "2026-04-01T00:00:00".into()));
        assert_eq!(w("this_week"), ("2026-03-30T00:00:00".into(), "2026-04-01T09:30:00".into()));
        assert_eq!(w("last_week"), ("2026-03-23T00:00:00".into(), "2026-03-30T00:00:00".into()));
        assert_eq!(w("this_month"), ("2026-04-01T00:00:00".into(), "2026-04-01T09:30:00".into()));
        assert_eq!(w("last_month"), ("2026-03-01T00:00:00".into(), "2026-04-01T00:00:00".into()));
        assert_eq!(w("last_7_days"), ("2026-03-25T09:30:00".into(), "2026-04-01T09:30:00".into()));
        assert_eq!(w("last_30_days"), ("2026-03-02T09:30:00".into(), "2026-04-01T09:30:00".into()));
        // On a Monday this week starts today; on a Sunday, six days ago.
        assert_eq!(window("this_week", "2026-04-06T08:00").0, "2026-04-06T00:00:00");
        assert_eq!(window("this_week", "2026-04-05T08:00").0, "2026-03-30T00:00:00");
        // January's last month is December.
        assert_eq!(window("last_month", "2026-01-15T08:00").0, "2025-12-01T00:00:00");
        assert!(period_window("next_week", zoned(now)).is_none());
        for p in PERIODS {
            let (a, b) = period_window(p, zoned(now)).unwrap();
            assert!(a < b, "{p}");
        }
    }

    #[test]
    fn a_day_across_a_clock_change_keeps_its_midnights() {
        // 2026-03-08 is 23 hours long in New York.
        let (a, b) = period_window("yesterday", zoned("2026-03-09T12:00")).unwrap();
        assert_eq!(b.duration_since(a).as_hours(), 23);
        let (a, b) = period_window("last_7_days", zoned("2026-03-09T12:00")).unwrap();
        assert_eq!(b.duration_since(a).as_hours(), 7 * 24 - 1);
    }
}
