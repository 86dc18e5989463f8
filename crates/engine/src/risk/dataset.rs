//! Labelled examples: a documented synthetic generator ([`generate`]) and
//! CSV text in and out ([`to_csv`], [`from_csv`]). The CLI reads and writes
//! the files; nothing here touches the file system.
//!
//! # The generative process of [`generate`]
//!
//! Example `i` of `generate(seed, n)` depends only on `seed` and `i` (its own
//! random stream), so a shorter dataset is a prefix of a longer one. Each
//! example is a full order ([`OrderData`]) with its [`RiskContext`]; its
//! features come from [`extract`], the same code that scores live orders.
//!
//! **Class.** Fraud with probability 3%, legitimate otherwise.
//!
//! **Legitimate customers**, three segments:
//! - *returning* (65%): prior orders `1 + Geometric(0.3)` (mean 3.3); account
//!   age LogNormal(median 420 days, σ 1.0) clamped to 7–4,000 days; first order
//!   placed uniformly in the first half of the account's life; average order
//!   value LogNormal(median 65, σ 0.6), this order that times
//!   LogNormal(median 1, σ 0.5); total spent = prior orders × average;
//!   one prior chargeback with probability 2%.
//! - *new account* (20%): no prior orders; account age uniform in 0–1 day
//!   (half) or 1–90 days; value LogNormal(median 75, σ 0.8).
//! - *guest* (15%): no account, no history; value LogNormal(median 60, σ 0.8).
//!
//! All legitimate orders: `1 + Poisson(0.6)` lines (at most 8), each in a
//! risky category with probability 10%; a line has 1 unit (80%), 2 (12%),
//! 3–5 (6%) or 6–30 (2%, bulk buyers). No billing address 10%, the shipping
//! address 78%, a different one 12% (gifts, work addresses): name differs
//! with probability 75%, postal code 85%, country 8%; distance
//! LogNormal(median 300 km, σ 1.3, at most 15,000 km) when the postal code
//! differs, else uniform 0–5 km. Coordinates on both addresses 70%. Service standard 78%,
//! expedited 14%, next day 6%, same day 2%. Local hour known 92%: a
//! daytime hour (Normal(14 h, 3.5 h), rounded, wrapped) 93%, any hour 7%.
//! (For fraud below, "night" is the share of known hours drawn from 00–05
//! instead.) Free email domain 55%.
//! Velocity (a second order the same day is common): email Poisson(0.1),
//! phone Poisson(0.08), address Poisson(0.1), IP Poisson(0.15); plus Poisson(3) on the IP for 3% (offices,
//! campuses, mobile carriers' shared IPs) and Poisson(2) on the address for
//! 1% (dormitories, parcel lockers).
//!
//! **Fraud**, four typologies:
//! - *stolen card* (45%): guest 40%, an account 0–2 days old 45%, or a dormant
//!   account LogNormal(median 45 days, σ 1.0) with no orders 15%; value
//!   LogNormal(median 220, σ 0.9); `1 + Poisson(0.8)` lines, risky 45% each,
//!   1 unit (65%), 2 (20%) or 3–8 (15%); billing none 10%, same 35%,
//!   different 55% (name 60%, postal 85%, country 25%, distance
//!   LogNormal(median 900 km, σ 1.0)); service standard 50%, expedited 30%,
//!   next day 15%, same day 5%; night hour (00–05) 20%; free email 80%;
//!   velocity email Poisson(0.3), phone Poisson(0.3), address Poisson(0.4),
//!   IP Poisson(0.6).
//! - *fraud ring* (30%): guest 30% or an account 0–3 days old 70%; value
//!   LogNormal(median 300, σ 0.8); lines as stolen cards but risky 75% each
//!   and 1 unit (40%), 2–4 (30%) or 5–20 (30%); billing none 10%, same 40%,
//!   different 50% (name 50%, postal 80%, country 10%, distance as stolen
//!   cards); service standard 65%, expedited 25%, next day 10%; night 15%;
//!   free email 90%; velocity address Poisson(2.5), phone Poisson(1.2),
//!   email Poisson(0.2), IP Poisson(3) (60%) or Poisson(0.2) behind proxies
//!   (40%).
//! - *account takeover* (15%): a returning customer's history (as above);
//!   value = their average × LogNormal(median 3.5, σ 0.7); lines as
//!   legitimate but risky 50% each; billing same 40%, different 60% (name
//!   35%, postal 95%, country 15%, distance LogNormal(median 700 km, σ 1.1));
//!   service as stolen cards; night 25%; free email 55%; velocity email
//!   Poisson(0.5), phone, address and IP Poisson(0.2).
//! - *friendly fraud* (10%): drawn exactly as a returning legitimate
//!   customer, except one prior chargeback with probability 15%. These
//!   disputes look like ordinary orders; they bound what any model can reach.
//!
//! **Label noise.** A fraud is labelled legitimate with probability 5%
//! (never disputed); a legitimate order is labelled fraud with probability
//! 0.2% (a mistaken dispute). Observed prevalence is about 3.1%.
//!
//! **Shared by all.** Shipping country US 85%, else one of CA, GB, DE, FR,
//! AU, NL; a differing billing country is another of these. Coordinates
//! are drawn in a box over the continental US whatever the country (only
//! the billing–shipping distance matters), the billing point at the drawn
//! distance on a random bearing. Orders are placed in 2026 (day uniform in
//! 0–330) at the drawn local hour, with the offset of a US time zone (−5 h
//! to −8 h) or of the country; an order whose hour is unknown has no
//! `placed_at`, and ages are measured to `as_of` (noon UTC that day). The
//! order's `total` is the sum of its lines, each line a random share
//! (weights uniform in 0.2–1) of the value; `RiskContext::risky_lines`
//! carries the lines' risky flags.
//!
//! # CSV
//! One header line with the [`Feature`] names and `label`, in any order, then
//! one example per line: numbers, `label` 0 or 1. No quoting (every cell is a
//! number). [`to_csv`] writes the columns in [`Feature::ALL`] order, numbers
//! in their shortest exact form, so [`from_csv`] reads back the same values.

use model::order::{Address, Customer, OrderData, OrderLine, ServiceLevel};
use model::{Money, OrderId, Quantity, Sku, Timestamp};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::features::{CustomerHistory, FEATURE_COUNT, Feature, Features, MAX_FEATURE_MAGNITUDE, RiskContext, Velocity, extract};
use super::rng::Rng;
use crate::Error;

/// One labelled order: its features and whether it turned out to be fraud
/// (a chargeback or a confirmed fraud).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Example {
    pub features: Features,
    pub label: bool,
}

/// The CSV column holding the label.
pub const LABEL_COLUMN: &str = "label";

/// Share of fraud before label noise.
const FRAUD_RATE: f64 = 0.03;
const FRAUD_LABELLED_LEGIT: f64 = 0.05;
const LEGIT_LABELLED_FRAUD: f64 = 0.002;
/// 2026-01-01T00:00:00Z.
const EPOCH_2026: i64 = 1_767_225_600;
const DAY: i64 = 86_400;

/// `n` examples from the process in the module docs, the same for the same
/// `seed` (on the same platform's floating-point library).
pub fn generate(seed: u64, n: usize) -> Vec<Example> {
    (0..n as u64)
        .map(|i| {
            let mut rng = Rng::new(seed).fork(i);
            let (order, ctx, label) = generate_order(&mut rng, i);
            let features = extract(&order, &ctx).expect("generated orders are valid");
            Example { features, label }
        })
        .collect()
}

/// One generated order with its context and label (see the module docs).
pub(crate) fn generate_order(rng: &mut Rng, i: u64) -> (OrderData, RiskContext, bool) {
    let fraud = rng.chance(FRAUD_RATE);
    let draft = if fraud { fraud_draft(rng) } else { legit_draft(rng) };
    let label = if fraud {
        !rng.chance(FRAUD_LABELLED_LEGIT)
    } else {
        rng.chance(LEGIT_LABELLED_FRAUD)
    };
    let (order, ctx) = build(rng, i, &draft);
    (order, ctx, label)
}

/// The story of one order before it is written out as `OrderData`.
struct Draft {
    history: Option<History>,
    /// Account age in days; `None` for a guest checkout.
    account_age_days: Option<f64>,
    chargebacks: u32,
    value: f64,
    lines: Vec<(i64, bool)>,
    billing: Billing,
    service: ServiceLevel,
    local_hour: Option<u8>,
    free_email: bool,
    velocity: Velocity,
}

struct History {
    orders: u32,
    average: f64,
    first_order_days_ago: f64,
}

enum Billing {
    None,
    Same,
    Different {
        name: bool,
        postal: bool,
        country: bool,
        distance_km: f64,
    },
}

/// Probabilities of a different name, postal code and country, and the
/// median and σ of the distance, for a billing address that differs.
struct BillingMix {
    none: f64,
    same: f64,
    name: f64,
    postal: f64,
    country: f64,
    median_km: f64,
    sigma_km: f64,
}

fn billing(rng: &mut Rng, mix: BillingMix) -> Billing {
    let u = rng.unit();
    if u < mix.none {
        return Billing::None;
    }
    if u < mix.none + mix.same {
        return Billing::Same;
    }
    let postal = rng.chance(mix.postal);
    Billing::Different {
        name: rng.chance(mix.name),
        postal,
        country: rng.chance(mix.country),
        distance_km: if postal {
            rng.lognormal(mix.median_km, mix.sigma_km).min(15_000.0)
        } else {
            rng.uniform(0.0, 5.0)
        },
    }
}

/// Lines: `1 + Poisson(extra)` (at most 8), each risky with `p_risky`,
/// units drawn by `units`.
fn lines(rng: &mut Rng, extra: f64, p_risky: f64, units: fn(&mut Rng) -> i64) -> Vec<(i64, bool)> {
    let count = (1 + rng.poisson(extra)).min(8);
    (0..count).map(|_| (units(rng), rng.chance(p_risky))).collect()
}

fn legit_units(rng: &mut Rng) -> i64 {
    let u = rng.unit();
    if u < 0.80 {
        1
    } else if u < 0.92 {
        2
    } else if u < 0.98 {
        rng.int(3, 5) as i64
    } else {
        rng.int(6, 30) as i64
    }
}

fn service(rng: &mut Rng, shares: [f64; 3]) -> ServiceLevel {
    let u = rng.unit();
    if u < shares[0] {
        ServiceLevel::Standard
    } else if u < shares[0] + shares[1] {
        ServiceLevel::Expedited
    } else if u < shares[0] + shares[1] + shares[2] {
        ServiceLevel::NextDay
    } else {
        ServiceLevel::SameDay
    }
}

/// Known 92% of the time; a night hour (00–05) with probability `night`,
/// else a daytime hour (93%) or any hour.
fn hour(rng: &mut Rng, night: f64) -> Option<u8> {
    if !rng.chance(0.92) {
        return None;
    }
    if rng.chance(night) {
        return Some(rng.int(0, 5) as u8);
    }
    Some(if rng.chance(0.93) {
        (14.0 + 3.5 * rng.normal()).round().rem_euclid(24.0) as u8
    } else {
        rng.int(0, 23) as u8
    })
}

fn returning_history(rng: &mut Rng) -> (History, f64) {
    let age = rng.lognormal(420.0, 1.0).clamp(7.0, 4000.0);
    let history = History {
        orders: 1 + rng.geometric(0.3),
        average: rng.lognormal(65.0, 0.6),
        first_order_days_ago: age * rng.uniform(0.5, 1.0),
    };
    (history, age)
}

fn legit_draft(rng: &mut Rng) -> Draft {
    let segment = rng.unit();
    let (history, age, value, chargebacks) = if segment < 0.65 {
        let (h, age) = returning_history(rng);
        let value = h.average * rng.lognormal(1.0, 0.5);
        (Some(h), Some(age), value, u32::from(rng.chance(0.02)))
    } else if segment < 0.85 {
        let age = if rng.chance(0.5) {
            rng.uniform(0.0, 1.0)
        } else {
            rng.uniform(1.0, 90.0)
        };
        (None, Some(age), rng.lognormal(75.0, 0.8), 0)
    } else {
        (None, None, rng.lognormal(60.0, 0.8), 0)
    };
    legit_order(rng, history, age, value, chargebacks)
}

/// Everything of a legitimate order after the customer segment is drawn.
fn legit_order(rng: &mut Rng, history: Option<History>, age: Option<f64>, value: f64, chargebacks: u32) -> Draft {
    let lines = lines(rng, 0.6, 0.10, legit_units);
    let billing = billing(
        rng,
        BillingMix {
            none: 0.10,
            same: 0.78,
            name: 0.75,
            postal: 0.85,
            country: 0.08,
            median_km: 300.0,
            sigma_km: 1.3,
        },
    );
    let service = service(rng, [0.78, 0.14, 0.06]);
    let local_hour = hour(rng, 0.0);
    let free_email = rng.chance(0.55);
    let mut velocity = Velocity {
        email: rng.poisson(0.1),
        phone: rng.poisson(0.08),
        address: rng.poisson(0.1),
        ip: rng.poisson(0.15),
    };
    if rng.chance(0.03) {
        velocity.ip += rng.poisson(3.0);
    }
    if rng.chance(0.01) {
        velocity.address += rng.poisson(2.0);
    }
    Draft {
        history,
        account_age_days: age,
        chargebacks,
        value,
        lines,
        billing,
        service,
        local_hour,
        free_email,
        velocity,
    }
}

fn fraud_draft(rng: &mut Rng) -> Draft {
    let typology = rng.unit();
    if typology < 0.45 {
        stolen_card(rng)
    } else if typology < 0.75 {
        fraud_ring(rng)
    } else if typology < 0.90 {
        account_takeover(rng)
    } else {
        // Friendly fraud: a returning customer's ordinary order, disputed.
        let (h, age) = returning_history(rng);
        let value = h.average * rng.lognormal(1.0, 0.5);
        let chargebacks = u32::from(rng.chance(0.15));
        legit_order(rng, Some(h), Some(age), value, chargebacks)
    }
}

const FRAUD_BILLING_KM: (f64, f64) = (900.0, 1.0);

fn stolen_card(rng: &mut Rng) -> Draft {
    let u = rng.unit();
    let age = if u < 0.40 {
        None
    } else if u < 0.85 {
        Some(rng.uniform(0.0, 2.0))
    } else {
        Some(rng.lognormal(45.0, 1.0))
    };
    let value = rng.lognormal(220.0, 0.9);
    let lines = lines(rng, 0.8, 0.45, |rng| {
        let u = rng.unit();
        if u < 0.65 {
            1
        } else if u < 0.85 {
            2
        } else {
            rng.int(3, 8) as i64
        }
    });
    let billing = billing(
        rng,
        BillingMix {
            none: 0.10,
            same: 0.35,
            name: 0.60,
            postal: 0.85,
            country: 0.25,
            median_km: FRAUD_BILLING_KM.0,
            sigma_km: FRAUD_BILLING_KM.1,
        },
    );
    Draft {
        history: None,
        account_age_days: age,
        chargebacks: 0,
        value,
        lines,
        billing,
        service: service(rng, [0.50, 0.30, 0.15]),
        local_hour: hour(rng, 0.20),
        free_email: rng.chance(0.80),
        velocity: Velocity {
            email: rng.poisson(0.3),
            phone: rng.poisson(0.3),
            address: rng.poisson(0.4),
            ip: rng.poisson(0.6),
        },
    }
}

fn fraud_ring(rng: &mut Rng) -> Draft {
    let age = if rng.chance(0.30) { None } else { Some(rng.uniform(0.0, 3.0)) };
    let value = rng.lognormal(300.0, 0.8);
    let lines = lines(rng, 0.8, 0.75, |rng| {
        let u = rng.unit();
        if u < 0.40 {
            1
        } else if u < 0.70 {
            rng.int(2, 4) as i64
        } else {
            rng.int(5, 20) as i64
        }
    });
    let billing = billing(
        rng,
        BillingMix {
            none: 0.10,
            same: 0.40,
            name: 0.50,
            postal: 0.80,
            country: 0.10,
            median_km: FRAUD_BILLING_KM.0,
            sigma_km: FRAUD_BILLING_KM.1,
        },
    );
    let service = service(rng, [0.65, 0.25, 0.10]);
    let local_hour = hour(rng, 0.15);
    let free_email = rng.chance(0.90);
    let velocity = Velocity {
        address: rng.poisson(2.5),
        phone: rng.poisson(1.2),
        email: rng.poisson(0.2),
        ip: if rng.chance(0.60) { rng.poisson(3.0) } else { rng.poisson(0.2) },
    };
    Draft {
        history: None,
        account_age_days: age,
        chargebacks: 0,
        value,
        lines,
        billing,
        service,
        local_hour,
        free_email,
        velocity,
    }
}

fn account_takeover(rng: &mut Rng) -> Draft {
    let (h, age) = returning_history(rng);
    let value = h.average * rng.lognormal(3.5, 0.7);
    let lines = lines(rng, 0.6, 0.50, legit_units);
    let billing = billing(
        rng,
        BillingMix {
            none: 0.0,
            same: 0.40,
            name: 0.35,
            postal: 0.95,
            country: 0.15,
            median_km: 700.0,
            sigma_km: 1.1,
        },
    );
    Draft {
        history: Some(h),
        account_age_days: Some(age),
        chargebacks: 0,
        value,
        lines,
        billing,
        service: service(rng, [0.50, 0.30, 0.15]),
        local_hour: hour(rng, 0.25),
        free_email: rng.chance(0.55),
        velocity: Velocity {
            email: rng.poisson(0.5),
            phone: rng.poisson(0.2),
            address: rng.poisson(0.2),
            ip: rng.poisson(0.2),
        },
    }
}

const FIRST_NAMES: &[&str] = &[
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Linus",
];
const LAST_NAMES: &[&str] = &[
    "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Perlman",
];
const FREE_DOMAINS: &[&str] = &["gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com"];
const OWN_DOMAINS: &[&str] = &["example.com", "acme.test", "northwind.test", "contoso.test"];
const OTHER_COUNTRIES: &[&str] = &["CA", "GB", "DE", "FR", "AU", "NL"];
const US_OFFSETS_MINUTES: &[i32] = &[-300, -360, -420, -480];

fn country_offset(country: &str) -> i32 {
    match country {
        "CA" => -300,
        "GB" => 0,
        "AU" => 600,
        _ => 60,
    }
}

fn money(amount: f64) -> Money {
    Money {
        amount: Decimal::new((amount * 100.0).round() as i64, 2),
        currency: model::quantity::Currency::USD,
    }
}

fn timestamp(second: i64) -> Timestamp {
    Timestamp::from_second(second).expect("generated instants are in 2024–2026")
}

/// The point `km` away from `(lat, lon)` on the initial bearing `bearing` (radians).
fn destination(from: (f64, f64), km: f64, bearing: f64) -> (f64, f64) {
    let d = km / 6371.0;
    let (lat1, lon1) = (from.0.to_radians(), from.1.to_radians());
    let lat2 = (lat1.sin() * d.cos() + lat1.cos() * d.sin() * bearing.cos()).asin();
    let lon2 = lon1 + (bearing.sin() * d.sin() * lat1.cos()).atan2(d.cos() - lat1.sin() * lat2.sin());
    let lon2 = (lon2.to_degrees() + 540.0).rem_euclid(360.0) - 180.0;
    (lat2.to_degrees(), lon2)
}

/// Writes the draft out as an order and its context.
fn build(rng: &mut Rng, i: u64, d: &Draft) -> (OrderData, RiskContext) {
    let first = *rng.pick(FIRST_NAMES);
    let last = *rng.pick(LAST_NAMES);
    let name = format!("{first} {last}");
    let domain = if d.free_email {
        *rng.pick(FREE_DOMAINS)
    } else {
        *rng.pick(OWN_DOMAINS)
    };
    let email = format!("{}.{}{}@{domain}", first.to_lowercase(), last.to_lowercase(), i);
    let country = if rng.chance(0.85) { "US" } else { *rng.pick(OTHER_COUNTRIES) };
    let offset = if country == "US" {
        *rng.pick(US_OFFSETS_MINUTES)
    } else {
        country_offset(country)
    };

    let postal = format!("{:05}", rng.int(1_000, 99_999));
    let coords_known = rng.chance(0.70);
    let ship_point = (rng.uniform(25.0, 48.0), rng.uniform(-123.0, -70.0));
    let ship_to = Address {
        name: Some(name.clone()),
        line1: Some(format!("{} Main St", rng.int(1, 9_999))),
        city: Some("Springfield".into()),
        postal_code: Some(postal.clone()),
        country: Some(country.into()),
        lat: coords_known.then_some(ship_point.0),
        lon: coords_known.then_some(ship_point.1),
        ..Address::default()
    };
    let bill_to = match d.billing {
        Billing::None => None,
        Billing::Same => Some(ship_to.clone()),
        Billing::Different {
            name: name_differs,
            postal: postal_differs,
            country: country_differs,
            distance_km,
        } => {
            let point = destination(ship_point, distance_km, rng.uniform(0.0, std::f64::consts::TAU));
            let other_postal = loop {
                let p = format!("{:05}", rng.int(1_000, 99_999));
                if p != postal {
                    break p;
                }
            };
            let other_country = loop {
                let c = *rng.pick(OTHER_COUNTRIES);
                if c != country {
                    break c;
                }
            };
            Some(Address {
                name: Some(if name_differs {
                    format!(
                        "{} {}",
                        rng.pick(FIRST_NAMES),
                        rng.pick(&["Moore", "Backus", "Hamilton", "Ritchie"])
                    )
                } else {
                    name.clone()
                }),
                postal_code: Some(if postal_differs { other_postal } else { postal.clone() }),
                country: Some((if country_differs { other_country } else { country }).into()),
                lat: coords_known.then_some(point.0),
                lon: coords_known.then_some(point.1),
                ..ship_to.clone()
            })
        }
    };

    let day = rng.int(0, 330) as i64;
    let placed = d.local_hour.map(|h| {
        let local = EPOCH_2026 + day * DAY + i64::from(h) * 3600 + rng.int(0, 3599) as i64;
        timestamp(local - i64::from(offset) * 60)
    });
    let as_of = timestamp(EPOCH_2026 + day * DAY + DAY / 2);
    let now = placed.unwrap_or(as_of);
    let days_ago = |days: f64| timestamp(now.as_second() - (days * DAY as f64).round() as i64);

    let weights: Vec<f64> = d.lines.iter().map(|_| rng.uniform(0.2, 1.0)).collect();
    let weight_sum: f64 = weights.iter().sum();
    let order_lines: Vec<OrderLine> = d
        .lines
        .iter()
        .zip(&weights)
        .enumerate()
        .map(|(k, (&(units, _), w))| OrderLine {
            line_id: None,
            sku: Sku::parse(&format!("SKU-{}", rng.int(1, 5_000) * 10 + k as u64)).expect("generated SKUs are valid"),
            quantity: Quantity(units),
            unit_price: Some(money(d.value * w / weight_sum / units as f64)),
            name: None,
        })
        .collect();
    let total: f64 = order_lines
        .iter()
        .map(|l| f64::try_from(l.unit_price.as_ref().map_or(Decimal::ZERO, |p| p.amount)).unwrap_or(0.0) * l.quantity.units() as f64)
        .sum();

    let order = OrderData {
        order_id: OrderId::parse(&format!("SIM-{i}")).expect("generated order ids are valid"),
        external_ids: Default::default(),
        channel: Some("web".into()),
        customer: Customer {
            name: Some(name),
            email: Some(email),
            phone: Some(format!("+1555{:07}", rng.int(0, 9_999_999))),
            created_at: d.account_age_days.map(days_ago),
            orders_count: d.history.as_ref().map(|h| h.orders),
            ..Customer::default()
        },
        ship_to,
        bill_to,
        lines: order_lines,
        service_level: d.service,
        payment_state: Default::default(),
        po_number: None,
        total: Some(money(total)),
        flags: Vec::new(),
        gift_message: None,
        note: None,
        placed_at: placed,
        promised_by: None,
        client_ip: Some(format!("203.0.113.{}", rng.int(1, 254))),
    };
    let history = match &d.history {
        Some(h) => CustomerHistory {
            orders_count: h.orders,
            total_spent: (h.average * f64::from(h.orders) * 100.0).round() / 100.0,
            first_order_at: Some(days_ago(h.first_order_days_ago)),
            chargebacks: d.chargebacks,
        },
        None => CustomerHistory {
            chargebacks: d.chargebacks,
            ..CustomerHistory::default()
        },
    };
    let ctx = RiskContext {
        history,
        velocity: d.velocity,
        risky_lines: d.lines.iter().map(|&(_, risky)| risky).collect(),
        as_of: Some(as_of.max(now)),
        utc_offset_minutes: Some(offset),
    };
    (order, ctx)
}

/// The examples as CSV: a header of the feature names and `label`, then one
/// line per example.
pub fn to_csv(examples: &[Example]) -> String {
    let mut out = String::with_capacity(64 + examples.len() * FEATURE_COUNT * 6);
    for f in Feature::ALL {
        out.push_str(f.name());
        out.push(',');
    }
    out.push_str(LABEL_COLUMN);
    out.push('\n');
    for e in examples {
        for v in e.features.values() {
            out.push_str(&v.to_string());
            out.push(',');
        }
        out.push(if e.label { '1' } else { '0' });
        out.push('\n');
    }
    out
}

/// Parses CSV as [`to_csv`] writes it; the header's columns may come in any
/// order. Blank lines are skipped. Errors name the line (1-based) and the
/// column: unknown, missing or repeated columns, a wrong number of cells,
/// a cell that is not a finite number within ±[`MAX_FEATURE_MAGNITUDE`], a
/// label other than 0 or 1.
pub fn from_csv(text: &str) -> Result<Vec<Example>, Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim_end_matches('\r')));
    let Some((header_line, header)) = lines.find(|(_, l)| !l.trim().is_empty()) else {
        return Err(Error::invalid("line 1", "The CSV is empty; it needs a header line and examples."));
    };
    // Column position → feature index, or `None` for the label.
    let mut columns: Vec<Option<usize>> = Vec::new();
    let mut seen = [false; FEATURE_COUNT];
    let mut label_seen = false;
    for (c, name) in header.split(',').map(str::trim).enumerate() {
        let at = || cell(header_line, c, name);
        if name == LABEL_COLUMN {
            if label_seen {
                return Err(Error::invalid(
                    at(),
                    format!("{}: the column `label` appears twice.", place(header_line, c, name)),
                ));
            }
            label_seen = true;
            columns.push(None);
            continue;
        }
        let Some(feature) = Feature::parse(name) else {
            return Err(Error::invalid(
                at(),
                format!(
                    "{}: unknown column `{name}`; the columns are the feature names ({}, …) and `label`.",
                    place(header_line, c, name),
                    Feature::ALL[..3].iter().map(|f| f.name()).collect::<Vec<_>>().join(", ")
                ),
            ));
        };
        if std::mem::replace(&mut seen[feature.index()], true) {
            return Err(Error::invalid(
                at(),
                format!("{}: the column `{name}` appears twice.", place(header_line, c, name)),
            ));
        }
        columns.push(Some(feature.index()));
    }
    let missing: Vec<&str> = Feature::ALL.iter().filter(|f| !seen[f.index()]).map(|f| f.name()).collect();
    if !missing.is_empty() || !label_seen {
        let mut missing = missing;
        if !label_seen {
            missing.push(LABEL_COLUMN);
        }
        return Err(Error::invalid(
            format!("line {header_line}"),
            format!("Line {header_line} (header): missing column(s) {}.", missing.join(", ")),
        ));
    }

    let mut examples = Vec::new();
    for (line, text) in lines {
        if text.trim().is_empty() {
            continue;
        }
        let cells: Vec<&str> = text.split(',').map(str::trim).collect();
        if cells.len() != columns.len() {
            return Err(Error::invalid(
                format!("line {line}"),
                format!("Line {line}: expected {} values, got {}.", columns.len(), cells.len()),
            ));
        }
        let mut values = [0.0; FEATURE_COUNT];
        let mut label = false;
        for (c, (&column, raw)) in columns.iter().zip(&cells).enumerate() {
            let name = column.map_or(LABEL_COLUMN, |f| Feature::ALL[f].name());
            match column {
                None => {
                    label = match *raw {
                        "1" => true,
                        "0" => false,
                        _ => {
                            return Err(Error::invalid(
                                cell(line, c, name),
                                format!("{}: a label is 0 or 1; got `{raw}`.", place(line, c, name)),
                            ));
                        }
                    }
                }
                Some(f) => {
                    values[f] = match raw.parse::<f64>() {
                        Ok(v) if v.abs() <= MAX_FEATURE_MAGNITUDE => v,
                        _ => {
                            return Err(Error::invalid(
                                cell(line, c, name),
                                format!(
                                    "{}: `{raw}` is not a finite number within ±{MAX_FEATURE_MAGNITUDE:e}.",
                                    place(line, c, name)
                                ),
                            ));
                        }
                    }
                }
            }
        }
        let features = Features::from_values(values).expect("every value was checked in range");
        examples.push(Example { features, label });
    }
    Ok(examples)
}

/// The error field for a cell: `line 12, column 5 (velocity_ip)`.
fn cell(line: usize, column: usize, name: &str) -> String {
    format!("line {line}, column {} ({name})", column + 1)
}

/// The start of an error message for a cell: `Line 12, column 5 (velocity_ip)`.
fn place(line: usize, column: usize, name: &str) -> String {
    format!("Line {line}, column {} (`{name}`)", column + 1)
}
