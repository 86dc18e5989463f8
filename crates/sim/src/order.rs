//! A storefront order as the simulator holds it, independent of any wire
//! format, and the changes a shopper or merchant makes to it afterwards.

use rand::Rng;

use crate::address::{self, Address};
use crate::carrier::{self, ShippingMethod};
use crate::catalog::Catalog;
use crate::clock::VirtualTime;
use crate::customer::Customer;
use crate::names;
use crate::random::{SimRng, chance, hex_token, pick, token, weighted};

/// How many lines an order has, with weights.
const LINE_COUNTS: &[(usize, u32)] = &[(1, 50), (2, 30), (3, 15), (4, 5)];
/// Units per line, with weights.
const QUANTITIES: &[(i64, u32)] = &[(1, 70), (2, 22), (3, 8)];
/// Mean units per order implied by the two tables above; sizes starting stock.
pub(crate) const MEAN_UNITS_PER_ORDER: f64 = 1.75 * 1.38;

/// Shopify numbers orders from here. The simulated store's numbering starts
/// at #5001 (a shop may start anywhere), so the demo's traffic never shares
/// a name with the service desk's seeded orders #1001–#1060.
const FIRST_ORDER_ID: u64 = 5_500_000_000_001;
const FIRST_ORDER_NUMBER: u64 = 5001;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Line {
    pub id: u64,
    /// Index into the catalogue.
    pub sku: usize,
    pub quantity: i64,
    pub price_cents: i64,
    pub tax_cents: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FinancialStatus {
    Pending,
    Authorized,
    Paid,
    Refunded,
    Voided,
}

impl FinancialStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            FinancialStatus::Pending => "pending",
            FinancialStatus::Authorized => "authorized",
            FinancialStatus::Paid => "paid",
            FinancialStatus::Refunded => "refunded",
            FinancialStatus::Voided => "voided",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cancellation {
    pub at: VirtualTime,
    /// Shopify's reason: `customer`, `fraud`, `inventory`, `declined` or `other`.
    pub reason: &'static str,
}

/// One order, as it stands at its latest webhook.
#[derive(Debug, Clone)]
pub(crate) struct SimOrder {
    pub id: u64,
    pub name: String,
    pub number: u64,
    pub order_number: u64,
    pub created_at: VirtualTime,
    pub updated_at: VirtualTime,
    pub customer: Customer,
    pub phone: Option<String>,
    pub ship_to: Address,
    pub bill_to: Address,
    pub lines: Vec<Line>,
    pub method: ShippingMethod,
    pub shipping_line_id: u64,
    pub shipping_cents: i64,
    pub subtotal_cents: i64,
    pub tax_cents: i64,
    pub total_grams: u32,
    pub financial_status: FinancialStatus,
    pub gift_message: Option<&'static str>,
    pub note: Option<&'static str>,
    pub tags: Vec<&'static str>,
    pub browser_ip: String,
    pub token: String,
    pub checkout_token: String,
    pub checkout_id: u64,
    pub confirmation_number: String,
    pub cancelled: Option<Cancellation>,
}

impl SimOrder {
    pub(crate) fn total_cents(&self) -> i64 {
        self.subtotal_cents + self.shipping_cents + self.tax_cents
    }

    /// Still owed by the shopper: all of it until payment is captured.
    pub(crate) fn outstanding_cents(&self) -> i64 {
        match self.financial_status {
            FinancialStatus::Pending | FinancialStatus::Authorized => self.total_cents(),
            _ => 0,
        }
    }
}

/// What changes in an `orders/updated`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Change {
    /// The shopper corrected or changed where it goes.
    ShippingAddress(Box<Address>),
    Note(&'static str),
    /// The payment went through.
    PaymentCaptured,
}

impl Change {
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            Change::ShippingAddress(_) => "shipping address",
            Change::Note(_) => "note",
            Change::PaymentCaptured => "payment captured",
        }
    }
}

impl SimOrder {
    pub(crate) fn apply(&mut self, change: &Change, at: VirtualTime) {
        match change {
            Change::ShippingAddress(address) => self.ship_to = (**address).clone(),
            Change::Note(note) => self.note = Some(note),
            Change::PaymentCaptured => self.financial_status = FinancialStatus::Paid,
        }
        self.updated_at = at;
    }

    pub(crate) fn cancel(&mut self, at: VirtualTime, reason: &'static str) {
        self.financial_status = match self.financial_status {
            FinancialStatus::Paid => FinancialStatus::Refunded,
            _ => FinancialStatus::Voided,
        };
        self.cancelled = Some(Cancellation { at, reason });
        self.updated_at = at;
    }
}

/// Ids handed out across orders.
#[derive(Debug, Default)]
pub(crate) struct IdCounters {
    line_items: u64,
}

/// Order `n` (from 0) placed at `at` by `customer`. Returns the order and,
/// when its shipping address is broken, the address the shopper meant.
pub(crate) fn generate(
    rng: &mut SimRng,
    ids: &mut IdCounters,
    catalog: &Catalog,
    n: u64,
    at: VirtualTime,
    customer: Customer,
) -> (SimOrder, Option<Address>) {
    let gift_message = chance(rng, 0.08).then(|| pick(rng, names::GIFT_MESSAGES));
    let mut ship_to = if gift_message.is_some() && chance(rng, 0.6) {
        let recipient = address::Person {
            first_name: pick(rng, names::FIRST_NAMES),
            last_name: pick(rng, names::LAST_NAMES),
        };
        let country = address::country(rng);
        address::address(rng, country, recipient)
    } else if chance(rng, 0.1) {
        // A second address of their own: the office, a holiday home.
        let country = names::COUNTRIES
            .iter()
            .find(|c| c.code == customer.home.country_code)
            .unwrap_or(&names::COUNTRIES[0]);
        address::address(rng, country, customer.person())
    } else {
        customer.home.clone()
    };
    let intended = if chance(rng, 0.02) {
        let good = ship_to.clone();
        address::spoil(rng, &mut ship_to);
        Some(good)
    } else {
        None
    };

    let lines = lines(rng, ids, catalog, ship_to.tax_rate);
    let subtotal_cents: i64 = lines.iter().map(|l| l.price_cents * l.quantity).sum();
    let tax_cents = lines.iter().map(|l| l.tax_cents).sum();
    let total_grams = lines.iter().map(|l| catalog.items[l.sku].grams * l.quantity as u32).sum();
    let method = carrier::shipping_method(rng, ship_to.is_international());
    let shipping_cents = method.price_cents(subtotal_cents, ship_to.is_international());

    let mut tags = Vec::new();
    if gift_message.is_some() {
        tags.push("gift");
    }
    if chance(rng, 0.15) {
        tags.push(pick(rng, names::TAGS));
    }
    let bill_to = customer.home.clone();
    let order = SimOrder {
        id: FIRST_ORDER_ID + n,
        name: format!("#{}", FIRST_ORDER_NUMBER + n),
        number: n + 1,
        order_number: FIRST_ORDER_NUMBER + n,
        created_at: at,
        updated_at: at,
        phone: chance(rng, 0.7).then(|| customer.phone.clone()).flatten(),
        customer,
        ship_to,
        bill_to,
        lines,
        method,
        shipping_line_id: 4_420_000_000_000 + n,
        shipping_cents,
        subtotal_cents,
        tax_cents,
        total_grams,
        financial_status: weighted(
            rng,
            &[
                (FinancialStatus::Paid, 90),
                (FinancialStatus::Authorized, 7),
                (FinancialStatus::Pending, 3),
            ],
        ),
        gift_message,
        note: chance(rng, 0.05).then(|| pick(rng, names::ORDER_NOTES)),
        tags,
        browser_ip: format!(
            "{}.{}",
            pick(rng, &["192.0.2", "198.51.100", "203.0.113"]),
            rng.random_range(1..255)
        ),
        token: hex_token(rng, 32),
        checkout_token: hex_token(rng, 32),
        checkout_id: 36_100_000_000_000 + n,
        confirmation_number: token(rng, b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789", 9),
        cancelled: None,
    };
    (order, intended)
}

/// 1–4 distinct SKUs, best-sellers more often.
fn lines(rng: &mut SimRng, ids: &mut IdCounters, catalog: &Catalog, tax_rate: f64) -> Vec<Line> {
    let wanted = weighted(rng, LINE_COUNTS).min(catalog.len());
    let mut lines: Vec<Line> = Vec::with_capacity(wanted);
    // Bounded retries: with a tiny catalogue an order may end up shorter.
    for _ in 0..wanted * 4 {
        if lines.len() == wanted {
            break;
        }
        let sku = catalog.sample(rng);
        if lines.iter().any(|l| l.sku == sku) {
            continue;
        }
        let quantity = weighted(rng, QUANTITIES);
        let price_cents = catalog.items[sku].price_cents;
        ids.line_items += 1;
        lines.push(Line {
            id: 13_800_000_000_000 + ids.line_items,
            sku,
            quantity,
            price_cents,
            tax_cents: (price_cents as f64 * quantity as f64 * tax_rate).round() as i64,
        });
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SimConfig;
    use crate::customer::CustomerBook;
    use crate::random::{Stream, rng};

    #[test]
    fn mean_units_matches_the_tables() {
        let mean = |t: &[(i64, u32)]| {
            t.iter().map(|(v, w)| *v as f64 * f64::from(*w)).sum::<f64>() / t.iter().map(|(_, w)| f64::from(*w)).sum::<f64>()
        };
        let counts: Vec<(i64, u32)> = LINE_COUNTS.iter().map(|&(c, w)| (c as i64, w)).collect();
        assert!((mean(&counts) * mean(QUANTITIES) - MEAN_UNITS_PER_ORDER).abs() < 1e-9);
    }

    #[test]
    fn orders_add_up() {
        let config = SimConfig::demo(8, 100);
        let catalog = Catalog::new(&config);
        let start = VirtualTime::from_timestamp(config.start);
        let mut book = CustomerBook::new(8, start, 100);
        let mut r = rng(8, Stream::Main);
        let mut ids = IdCounters::default();
        for n in 0..200 {
            let customer = book.next(&mut r);
            let (order, intended) = generate(&mut r, &mut ids, &catalog, n, start, customer);
            assert!(!order.lines.is_empty() && order.lines.len() <= 4);
            assert_eq!(
                order.subtotal_cents,
                order.lines.iter().map(|l| l.price_cents * l.quantity).sum::<i64>()
            );
            assert_eq!(order.ship_to.is_deliverable(), intended.is_none());
            assert_eq!(order.name, format!("#{}", FIRST_ORDER_NUMBER + n));
        }
    }
}
