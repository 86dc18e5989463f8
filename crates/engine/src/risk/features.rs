//! What the risk model sees of an order: [`Features`], computed by
//! [`extract`] from the order ([`OrderData`]) and a [`RiskContext`] the
//! caller fills from live data (customer history, 24-hour velocity counts,
//! risky categories per line). Deterministic and free of I/O: the same order
//! and context give the same features.
//!
//! Money amounts are taken in the order's currency as they are; the default
//! model was trained on amounts of US-dollar size.

use std::collections::BTreeMap;
use std::fmt;

use model::order::{Address, OrderData, ServiceLevel};
use model::{Money, Timestamp};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

/// Number of features; the order of [`Feature::ALL`] is the column order of
/// models and CSV files.
pub const FEATURE_COUNT: usize = 20;

/// Largest feature magnitude accepted: far above anything [`extract`]
/// yields (counts are `u32`), and small enough that no model arithmetic
/// overflows.
pub const MAX_FEATURE_MAGNITUDE: f64 = 1e12;

/// A night order is placed at a local hour in `NIGHT_HOURS` (00:00–05:59).
pub const NIGHT_HOURS: std::ops::Range<u8> = 0..6;

/// One input of the risk model. Each variant documents how it is computed;
/// its [`Feature::name`] is the CSV column and JSON key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    /// `ln((order value + 1) / (customer's average order value + 1))`, where
    /// the average is `total_spent / orders_count` of the prior orders. 0 on
    /// a first order (no history to compare with; [`Feature::FirstOrder`]
    /// says so). Positive: larger than usual for this customer.
    ValueVsAverageLog,
    /// 1 when the customer has no prior orders (`orders_count == 0`), else 0.
    FirstOrder,
    /// `ln(1 + account age in days)`. The account's start is the earlier of
    /// the customer's `created_at` and the history's `first_order_at`; its
    /// age is measured to [`RiskContext::as_of`] (default: the order's
    /// `placed_at`). 0 when neither start is known (guest checkout) or the
    /// start is not before the order.
    AccountAgeDaysLog,
    /// Chargebacks on the customer's earlier orders.
    PriorChargebacks,
    /// 1 when the billing and shipping names both exist and differ (compared
    /// case- and punctuation-insensitively), else 0.
    BillingNameMismatch,
    /// 1 when the billing and shipping postal codes both exist and differ
    /// (ignoring case, spaces and dashes), else 0.
    BillingPostalMismatch,
    /// 1 when the billing and shipping countries both exist and differ, else 0.
    BillingCountryMismatch,
    /// `ln(1 + great-circle distance in km)` between the billing and the
    /// shipping address (haversine, Earth radius 6,371 km) when both have
    /// lat/lon; 0 otherwise, with [`Feature::DistanceKnown`] = 0.
    BillingDistanceKmLog,
    /// 1 when [`Feature::BillingDistanceKmLog`] was computed from coordinates.
    DistanceKnown,
    /// Other orders in the last 24 h with the same customer email.
    VelocityEmail,
    /// Other orders in the last 24 h with the same customer phone.
    VelocityPhone,
    /// Other orders in the last 24 h to the same shipping address.
    VelocityAddress,
    /// Other orders in the last 24 h from the same client IP.
    VelocityIp,
    /// Share (0–1) of the order's line value in risky categories (gift cards,
    /// electronics, …; the caller marks lines in [`RiskContext::risky_lines`]).
    /// Lines are valued at `unit_price × quantity`; when no line has a price,
    /// the share is by units.
    RiskyValueShare,
    /// 1 on a first order ([`Feature::FirstOrder`]) shipped expedited,
    /// next-day or same-day, else 0.
    ExpeditedFirstOrder,
    /// `ln(1 + order value)`: the order's `total` when given, else the sum of
    /// `unit_price × quantity` over priced lines.
    OrderValueLog,
    /// 1 when the order's `placed_at` is known, else 0.
    HourKnown,
    /// 1 when the order was placed at a local hour in [`NIGHT_HOURS`], local
    /// time being `placed_at` shifted by [`RiskContext::utc_offset_minutes`]
    /// (UTC when unknown); 0 otherwise or when the hour is unknown. The hour
    /// enters as this flag because its effect is not monotone in the hour.
    NightOrder,
    /// 1 when the customer email is at a free webmail provider (gmail.com,
    /// yahoo.*, hotmail.*, outlook.com, …), else 0 (also when there is no email).
    FreeEmailDomain,
    /// `ln(largest number of units of a single SKU)`, summed over the lines
    /// of that SKU; 0 for one unit. Unusually high values are bulk buys of
    /// resellable goods.
    MaxSkuUnitsLog,
}

impl Feature {
    /// Every feature, in column order.
    pub const ALL: [Feature; FEATURE_COUNT] = [
        Feature::ValueVsAverageLog,
        Feature::FirstOrder,
        Feature::AccountAgeDaysLog,
        Feature::PriorChargebacks,
        Feature::BillingNameMismatch,
        Feature::BillingPostalMismatch,
        Feature::BillingCountryMismatch,
        Feature::BillingDistanceKmLog,
        Feature::DistanceKnown,
        Feature::VelocityEmail,
        Feature::VelocityPhone,
        Feature::VelocityAddress,
        Feature::VelocityIp,
        Feature::RiskyValueShare,
        Feature::ExpeditedFirstOrder,
        Feature::OrderValueLog,
        Feature::HourKnown,
        Feature::NightOrder,
        Feature::FreeEmailDomain,
        Feature::MaxSkuUnitsLog,
    ];

    /// The CSV column and JSON key, e.g. `velocity_email`.
    pub fn name(self) -> &'static str {
        match self {
            Feature::ValueVsAverageLog => "value_vs_average_log",
            Feature::FirstOrder => "first_order",
            Feature::AccountAgeDaysLog => "account_age_days_log",
            Feature::PriorChargebacks => "prior_chargebacks",
            Feature::BillingNameMismatch => "billing_name_mismatch",
            Feature::BillingPostalMismatch => "billing_postal_mismatch",
            Feature::BillingCountryMismatch => "billing_country_mismatch",
            Feature::BillingDistanceKmLog => "billing_distance_km_log",
            Feature::DistanceKnown => "distance_known",
            Feature::VelocityEmail => "velocity_email",
            Feature::VelocityPhone => "velocity_phone",
            Feature::VelocityAddress => "velocity_address",
            Feature::VelocityIp => "velocity_ip",
            Feature::RiskyValueShare => "risky_value_share",
            Feature::ExpeditedFirstOrder => "expedited_first_order",
            Feature::OrderValueLog => "order_value_log",
            Feature::HourKnown => "hour_known",
            Feature::NightOrder => "night_order",
            Feature::FreeEmailDomain => "free_email_domain",
            Feature::MaxSkuUnitsLog => "max_sku_units_log",
        }
    }

    /// The feature named `name`, if any.
    pub fn parse(name: &str) -> Option<Feature> {
        Feature::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Its column in [`Feature::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The feature vector of one order, every value finite. Serialises as an
/// object `{feature name: value}` in column order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Features([f64; FEATURE_COUNT]);

impl Features {
    /// Features from values in [`Feature::ALL`] order; every value must be
    /// finite and within ±[`MAX_FEATURE_MAGNITUDE`].
    pub fn from_values(values: [f64; FEATURE_COUNT]) -> Result<Self, Error> {
        if let Some(i) = values.iter().position(|v| !v.is_finite() || v.abs() > MAX_FEATURE_MAGNITUDE) {
            return Err(Error::invalid(
                Feature::ALL[i].name(),
                format!(
                    "Feature `{}` must be a finite number within ±{MAX_FEATURE_MAGNITUDE:e}; got {}.",
                    Feature::ALL[i],
                    values[i]
                ),
            ));
        }
        Ok(Features(values))
    }

    pub fn get(&self, feature: Feature) -> f64 {
        self.0[feature.index()]
    }

    /// Values in [`Feature::ALL`] order.
    pub fn values(&self) -> &[f64; FEATURE_COUNT] {
        &self.0
    }

    fn set(&mut self, feature: Feature, value: f64) {
        self.0[feature.index()] = value;
    }
}

impl Serialize for Features {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(FEATURE_COUNT))?;
        for f in Feature::ALL {
            map.serialize_entry(f.name(), &self.get(f))?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Features {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let map = BTreeMap::<String, f64>::deserialize(d)?;
        let mut values = [0.0; FEATURE_COUNT];
        for f in Feature::ALL {
            values[f.index()] = *map
                .get(f.name())
                .ok_or_else(|| D::Error::custom(format!("missing feature `{f}`")))?;
        }
        if let Some(unknown) = map.keys().find(|k| Feature::parse(k).is_none()) {
            return Err(D::Error::custom(format!("unknown feature `{unknown}`")));
        }
        Features::from_values(values).map_err(D::Error::custom)
    }
}

/// What the caller knows about an order beyond the order itself, filled
/// from live data. Every field has a neutral default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskContext {
    /// The customer's orders before this one.
    #[serde(default)]
    pub history: CustomerHistory,
    /// Other orders in the last 24 h sharing an attribute with this one.
    #[serde(default)]
    pub velocity: Velocity,
    /// Per order line, in the order's line order: whether its item is in a
    /// risky category (gift cards, electronics, …). Empty means no line is;
    /// otherwise it must have one entry per line.
    #[serde(default)]
    pub risky_lines: Vec<bool>,
    /// When the assessment is made; account age is measured up to here.
    /// Default: the order's `placed_at`.
    #[serde(default)]
    pub as_of: Option<Timestamp>,
    /// The customer's offset from UTC in minutes, for the local hour of day
    /// (e.g. -300 for New York in winter). Default: UTC.
    #[serde(default)]
    pub utc_offset_minutes: Option<i32>,
}

/// A customer's orders before the one assessed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerHistory {
    /// Prior orders, not counting the one assessed.
    #[serde(default)]
    pub orders_count: u32,
    /// What the prior orders were worth in total.
    #[serde(default)]
    pub total_spent: f64,
    /// When the customer's first order was placed.
    #[serde(default)]
    pub first_order_at: Option<Timestamp>,
    /// Chargebacks on prior orders.
    #[serde(default)]
    pub chargebacks: u32,
}

/// Other orders (not counting the one assessed) in the 24 h before it that
/// share one attribute with it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Velocity {
    #[serde(default)]
    pub email: u32,
    #[serde(default)]
    pub phone: u32,
    /// Same shipping address.
    #[serde(default)]
    pub address: u32,
    /// Same client IP.
    #[serde(default)]
    pub ip: u32,
}

const MAX_UTC_OFFSET_MINUTES: i32 = 18 * 60;
const EARTH_RADIUS_KM: f64 = 6371.0;
const SECONDS_PER_DAY: f64 = 86_400.0;

/// Webmail providers anyone can open an account with in a minute. A
/// trailing dot matches any top-level domain (`yahoo.` is `yahoo.com`,
/// `yahoo.co.uk`, …).
const FREE_EMAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "yahoo.",
    "ymail.com",
    "hotmail.",
    "outlook.",
    "live.",
    "msn.com",
    "aol.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "mail.com",
    "gmx.",
    "web.de",
    "yandex.",
    "mail.ru",
    "protonmail.com",
    "proton.me",
    "pm.me",
    "tutanota.com",
    "zoho.com",
    "qq.com",
    "163.com",
    "126.com",
];

/// The features of `order` given `ctx`. Errors name the field at fault:
/// `lines` (none), `lines[i].quantity` (not positive), `risky_lines` (one
/// entry per line needed), `total` or `lines[i].unit_price` (negative or
/// out of range), `history.total_spent`, `utc_offset_minutes`,
/// `ship_to.lat` and the like (coordinates out of range).
pub fn extract(order: &OrderData, ctx: &RiskContext) -> Result<Features, Error> {
    validate(order, ctx)?;
    let mut x = Features([0.0; FEATURE_COUNT]);
    let history = &ctx.history;

    let value = order_value(order)?;
    let first = history.orders_count == 0;
    x.set(Feature::FirstOrder, flag(first));
    if !first {
        let average = history.total_spent / f64::from(history.orders_count);
        x.set(Feature::ValueVsAverageLog, ((value + 1.0) / (average + 1.0)).ln());
    }
    x.set(Feature::OrderValueLog, value.ln_1p());
    x.set(Feature::AccountAgeDaysLog, account_age_days(order, ctx).ln_1p());
    x.set(Feature::PriorChargebacks, f64::from(history.chargebacks));

    if let Some(bill) = &order.bill_to {
        let ship = &order.ship_to;
        x.set(Feature::BillingNameMismatch, flag(differ(&bill.name, &ship.name, normalise_name)));
        x.set(
            Feature::BillingPostalMismatch,
            flag(differ(&bill.postal_code, &ship.postal_code, normalise_code)),
        );
        x.set(
            Feature::BillingCountryMismatch,
            flag(differ(&bill.country, &ship.country, normalise_code)),
        );
        if let (Some(a), Some(b)) = (coordinates(bill), coordinates(ship)) {
            x.set(Feature::BillingDistanceKmLog, haversine_km(a, b).ln_1p());
            x.set(Feature::DistanceKnown, 1.0);
        }
    }

    let v = ctx.velocity;
    x.set(Feature::VelocityEmail, f64::from(v.email));
    x.set(Feature::VelocityPhone, f64::from(v.phone));
    x.set(Feature::VelocityAddress, f64::from(v.address));
    x.set(Feature::VelocityIp, f64::from(v.ip));

    x.set(Feature::RiskyValueShare, risky_share(order, &ctx.risky_lines)?);
    let expedited = matches!(
        order.service_level,
        ServiceLevel::Expedited | ServiceLevel::NextDay | ServiceLevel::SameDay
    );
    x.set(Feature::ExpeditedFirstOrder, flag(first && expedited));

    if let Some(placed) = order.placed_at {
        let offset = i64::from(ctx.utc_offset_minutes.unwrap_or(0)) * 60;
        let hour = (placed.as_second() + offset).rem_euclid(86_400) / 3600;
        x.set(Feature::HourKnown, 1.0);
        x.set(Feature::NightOrder, flag(NIGHT_HOURS.contains(&(hour as u8))));
    }
    x.set(
        Feature::FreeEmailDomain,
        flag(order.customer.email.as_deref().is_some_and(is_free_email)),
    );
    x.set(Feature::MaxSkuUnitsLog, (max_sku_units(order) as f64).ln());
    Features::from_values(x.0)
}

fn validate(order: &OrderData, ctx: &RiskContext) -> Result<(), Error> {
    if order.lines.is_empty() {
        return Err(Error::invalid("lines", "An order needs at least one line to be assessed."));
    }
    for (i, line) in order.lines.iter().enumerate() {
        if line.quantity.units() <= 0 {
            return Err(Error::invalid(
                format!("lines[{i}].quantity"),
                format!("Line quantity must be a positive whole number; got {}.", line.quantity),
            ));
        }
    }
    if !ctx.risky_lines.is_empty() && ctx.risky_lines.len() != order.lines.len() {
        return Err(Error::invalid(
            "risky_lines",
            format!(
                "Give one risky flag per order line ({}), or none; got {}.",
                order.lines.len(),
                ctx.risky_lines.len()
            ),
        ));
    }
    let spent = ctx.history.total_spent;
    if !spent.is_finite() || spent < 0.0 {
        return Err(Error::invalid(
            "history.total_spent",
            format!("Total spent must be a finite amount of at least 0; got {spent}."),
        ));
    }
    if let Some(offset) = ctx.utc_offset_minutes
        && offset.abs() > MAX_UTC_OFFSET_MINUTES
    {
        return Err(Error::invalid(
            "utc_offset_minutes",
            format!("A UTC offset is at most ±{MAX_UTC_OFFSET_MINUTES} minutes; got {offset}."),
        ));
    }
    for (name, address) in [("ship_to", Some(&order.ship_to)), ("bill_to", order.bill_to.as_ref())] {
        let Some(address) = address else { continue };
        for (part, value, limit) in [("lat", address.lat, 90.0), ("lon", address.lon, 180.0)] {
            if let Some(v) = value
                && !(v.is_finite() && v.abs() <= limit)
            {
                return Err(Error::invalid(
                    format!("{name}.{part}"),
                    format!("A {part} is a number of degrees within ±{limit}; got {v}."),
                ));
            }
        }
    }
    Ok(())
}

fn flag(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

fn amount(money: &Money, field: impl FnOnce() -> String) -> Result<f64, Error> {
    match f64::try_from(money.amount) {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(Error::invalid(
            field(),
            format!("An amount must be at least 0; got {}.", money.amount),
        )),
    }
}

/// Each line's value (`unit_price × quantity`), `None` when unpriced.
fn line_values(order: &OrderData) -> Result<Vec<Option<f64>>, Error> {
    order
        .lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            line.unit_price
                .as_ref()
                .map(|p| Ok(amount(p, || format!("lines[{i}].unit_price"))? * line.quantity.units() as f64))
                .transpose()
        })
        .collect()
}

fn order_value(order: &OrderData) -> Result<f64, Error> {
    match &order.total {
        Some(total) => amount(total, || "total".into()),
        None => Ok(line_values(order)?.into_iter().flatten().sum()),
    }
}

fn risky_share(order: &OrderData, risky: &[bool]) -> Result<f64, Error> {
    if !risky.contains(&true) {
        return Ok(0.0);
    }
    let values = line_values(order)?;
    let priced: f64 = values.iter().flatten().sum();
    let weights: Vec<f64> = if priced > 0.0 {
        values.iter().map(|v| v.unwrap_or(0.0)).collect()
    } else {
        order.lines.iter().map(|l| l.quantity.units() as f64).collect()
    };
    let total: f64 = weights.iter().sum();
    let at_risk: f64 = weights.iter().zip(risky).filter(|(_, r)| **r).map(|(w, _)| w).sum();
    Ok(if total > 0.0 { at_risk / total } else { 0.0 })
}

fn account_age_days(order: &OrderData, ctx: &RiskContext) -> f64 {
    let start = [order.customer.created_at, ctx.history.first_order_at].into_iter().flatten().min();
    let now = ctx.as_of.or(order.placed_at);
    match (start, now) {
        (Some(start), Some(now)) => ((now.as_second() - start.as_second()) as f64 / SECONDS_PER_DAY).max(0.0),
        _ => 0.0,
    }
}

/// True when both values exist and differ after normalising.
fn differ(a: &Option<String>, b: &Option<String>, normalise: fn(&str) -> String) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => {
            let (a, b) = (normalise(a), normalise(b));
            !a.is_empty() && !b.is_empty() && a != b
        }
        _ => false,
    }
}

/// Lowercase letters and digits, words separated by one space.
fn normalise_name(s: &str) -> String {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Uppercase letters and digits only (`sw1a 1aa` = `SW1A1AA`).
fn normalise_code(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_uppercase).collect()
}

fn coordinates(a: &Address) -> Option<(f64, f64)> {
    Some((a.lat?, a.lon?))
}

/// Great-circle distance between two (lat, lon) points in degrees.
pub(crate) fn haversine_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lat2) = (a.0.to_radians(), b.0.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.1 - a.1).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

pub(crate) fn is_free_email(email: &str) -> bool {
    let Some((_, domain)) = email.trim().rsplit_once('@') else {
        return false;
    };
    let domain = domain.to_ascii_lowercase();
    FREE_EMAIL_DOMAINS.iter().any(|free| match free.strip_suffix('.') {
        Some(stem) => domain
            .strip_prefix(stem)
            .is_some_and(|rest| rest.starts_with('.') && rest.len() > 1),
        None => domain == *free,
    })
}

fn max_sku_units(order: &OrderData) -> i64 {
    let mut units: BTreeMap<&str, i64> = BTreeMap::new();
    for line in &order.lines {
        *units.entry(line.sku.as_str()).or_default() += line.quantity.units();
    }
    units.into_values().max().unwrap_or(1).max(1)
}
