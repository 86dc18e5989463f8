//! Triage: is an order standard, flagged for special handling, or an
//! exception a person must resolve before it can ship — and why.
//!
//! [`triage`] takes the order and a [`TriageContext`] (what the caller knows
//! from live data: known SKUs and their attributes, network ATP, the risk
//! level if computed, the tenant's home country, the high-value threshold,
//! the chosen carrier, known forwarder addresses) and answers a [`Triage`]:
//! the class, every [`Reason`] with a stable code, an explanation a planner
//! can read, and a confidence. The class is the worst reason's severity.
//! Address checks live in [`address`], usable on their own.
//!
//! Confidence is 1.0 when the outcome rests on rules (a ZIP code with four
//! digits, an unknown SKU, a pending payment) and lower when it rests on a
//! heuristic (a freight-forwarder name in the address, `Box 12` read as a PO
//! box, a postal code that usually belongs to another state).
//!
//! ## Reason codes
//!
//! | code | severity | when |
//! |---|---|---|
//! | `invalid_order` | exception | the order has no lines or a line quantity is not positive |
//! | `address_missing_field` | exception | line 1, city, postal code, country, or the region where the country uses one (US, CA, AU, BR, JP, MX, IN, CN) is missing |
//! | `country_invalid` | exception | the country is not an ISO 3166-1 alpha-2 code (names like `USA` are normalised first) |
//! | `postal_code_invalid` | exception | the postal code does not fit the country's format (strict for US, CA, GB, DE, FR, AU, NL, BR, JP and territories using their formats) |
//! | `region_invalid` | exception | the region is not a state/province of US, CA, AU or BR |
//! | `po_box_undeliverable` | exception | the address is a PO box (or APO/FPO/DPO) and the chosen carrier does not deliver to PO boxes |
//! | `unknown_sku` | exception | no source has reported the line's SKU |
//! | `out_of_stock` | exception | no ATP anywhere in the network for a line's SKU |
//! | `payment_pending` | exception | payment state `pending`: nothing authorised yet |
//! | `payment_not_captured` | exception | payment state `authorized` and the tenant does not capture at shipment |
//! | `payment_failed` | exception | payment state `failed` or `voided` |
//! | `payment_refunded` | exception | payment state `refunded` |
//! | `high_risk` | exception | the risk assessment is high |
//! | `gift_wrap` | flag | the order asks for gift wrap |
//! | `gift_message` | flag | the order carries a gift message to print |
//! | `gift_wrap_unavailable` | flag | gift wrap is asked for but a SKU cannot be wrapped |
//! | `hazmat` | flag | a SKU is hazardous material (or the source marked the order so) |
//! | `oversize` | flag | a SKU is oversize (or the source marked the order so) |
//! | `international` | flag | the ship-to country differs from the tenant's home country |
//! | `customs_required` | flag | the parcel crosses a customs border (outside a shared customs union, or to a territory such as the Canary Islands) |
//! | `high_value` | flag | the order value is at or above the high-value threshold |
//! | `b2b` | flag | a B2B account, PO number, `b2b` channel or the caller says the customer is B2B |
//! | `freight_forwarder` | flag | the address looks like a parcel forwarder (name, caller's list, or c/o plus a customer id) |
//! | `po_box_address` | flag or info | a PO box when no carrier is chosen or the other line has a street address (flag), or the carrier delivers to PO boxes (info) |
//! | `postal_code_region_mismatch` | flag | the postal code belongs to another state/province/Corsican department |
//! | `partial_stock` | flag | some but not all ordered units of a SKU are available in the network |
//! | `payment_partially_refunded` | flag | payment state `partially_refunded` |
//! | `elevated_risk` | flag | the risk assessment is medium |
//! | `address_normalised` | info | the country, region or postal code reads differently normalised (the suggestion is in [`Triage::suggested_ship_to`]) |
//! | `high_value_unchecked` | info | the order value's currency differs from the threshold's, so it was not compared |

pub mod address;
mod customs;
mod postal;
mod regions;
mod signals;
#[cfg(test)]
mod tests;
mod text;

use std::collections::BTreeMap;
use std::fmt;

use model::item::Item;
use model::ops::Factor;
use model::order::{Address, OrderData, OrderFlag, PaymentState};
use model::{Money, Sku};
use serde::{Deserialize, Deserializer, Serialize};

pub use address::{AddressReport, Change};
pub use signals::{ForwarderMatch, KnownForwarder, PoBoxMatch, detect_forwarder, detect_po_box};

/// Name and version of the rules, for the decision record.
pub const MODEL: &str = "triage-rules/1";

/// Where an order goes next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// Nothing special: release as usual.
    Standard,
    /// Ships, but needs special handling (gift wrap, hazmat, customs...).
    Flagged,
    /// Cannot ship until someone resolves the reasons.
    Exception,
}

/// What a reason does to the class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Noted; the order stays standard.
    Info,
    /// Makes the order at least flagged.
    Flag,
    /// Makes the order an exception.
    Exception,
}

impl Severity {
    fn class(self) -> Class {
        match self {
            Severity::Info => Class::Standard,
            Severity::Flag => Class::Flagged,
            Severity::Exception => Class::Exception,
        }
    }
}

/// Stable reason codes; the table in the module docs says when each applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    InvalidOrder,
    AddressMissingField,
    CountryInvalid,
    PostalCodeInvalid,
    RegionInvalid,
    PoBoxUndeliverable,
    UnknownSku,
    OutOfStock,
    PaymentPending,
    PaymentNotCaptured,
    PaymentFailed,
    PaymentRefunded,
    HighRisk,
    GiftWrap,
    GiftMessage,
    GiftWrapUnavailable,
    Hazmat,
    Oversize,
    International,
    CustomsRequired,
    HighValue,
    B2b,
    FreightForwarder,
    PoBoxAddress,
    PostalCodeRegionMismatch,
    PartialStock,
    PaymentPartiallyRefunded,
    ElevatedRisk,
    AddressNormalised,
    HighValueUnchecked,
}

impl ReasonCode {
    pub const ALL: [ReasonCode; 30] = [
        ReasonCode::InvalidOrder,
        ReasonCode::AddressMissingField,
        ReasonCode::CountryInvalid,
        ReasonCode::PostalCodeInvalid,
        ReasonCode::RegionInvalid,
        ReasonCode::PoBoxUndeliverable,
        ReasonCode::UnknownSku,
        ReasonCode::OutOfStock,
        ReasonCode::PaymentPending,
        ReasonCode::PaymentNotCaptured,
        ReasonCode::PaymentFailed,
        ReasonCode::PaymentRefunded,
        ReasonCode::HighRisk,
        ReasonCode::GiftWrap,
        ReasonCode::GiftMessage,
        ReasonCode::GiftWrapUnavailable,
        ReasonCode::Hazmat,
        ReasonCode::Oversize,
        ReasonCode::International,
        ReasonCode::CustomsRequired,
        ReasonCode::HighValue,
        ReasonCode::B2b,
        ReasonCode::FreightForwarder,
        ReasonCode::PoBoxAddress,
        ReasonCode::PostalCodeRegionMismatch,
        ReasonCode::PartialStock,
        ReasonCode::PaymentPartiallyRefunded,
        ReasonCode::ElevatedRisk,
        ReasonCode::AddressNormalised,
        ReasonCode::HighValueUnchecked,
    ];

    /// The snake_case code, as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonCode::InvalidOrder => "invalid_order",
            ReasonCode::AddressMissingField => "address_missing_field",
            ReasonCode::CountryInvalid => "country_invalid",
            ReasonCode::PostalCodeInvalid => "postal_code_invalid",
            ReasonCode::RegionInvalid => "region_invalid",
            ReasonCode::PoBoxUndeliverable => "po_box_undeliverable",
            ReasonCode::UnknownSku => "unknown_sku",
            ReasonCode::OutOfStock => "out_of_stock",
            ReasonCode::PaymentPending => "payment_pending",
            ReasonCode::PaymentNotCaptured => "payment_not_captured",
            ReasonCode::PaymentFailed => "payment_failed",
            ReasonCode::PaymentRefunded => "payment_refunded",
            ReasonCode::HighRisk => "high_risk",
            ReasonCode::GiftWrap => "gift_wrap",
            ReasonCode::GiftMessage => "gift_message",
            ReasonCode::GiftWrapUnavailable => "gift_wrap_unavailable",
            ReasonCode::Hazmat => "hazmat",
            ReasonCode::Oversize => "oversize",
            ReasonCode::International => "international",
            ReasonCode::CustomsRequired => "customs_required",
            ReasonCode::HighValue => "high_value",
            ReasonCode::B2b => "b2b",
            ReasonCode::FreightForwarder => "freight_forwarder",
            ReasonCode::PoBoxAddress => "po_box_address",
            ReasonCode::PostalCodeRegionMismatch => "postal_code_region_mismatch",
            ReasonCode::PartialStock => "partial_stock",
            ReasonCode::PaymentPartiallyRefunded => "payment_partially_refunded",
            ReasonCode::ElevatedRisk => "elevated_risk",
            ReasonCode::AddressNormalised => "address_normalised",
            ReasonCode::HighValueUnchecked => "high_value_unchecked",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == raw)
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One reason behind a triage outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    pub code: ReasonCode,
    /// Plain words naming the value at fault.
    pub message: String,
    /// Path of the field at fault in the order, e.g. `ship_to.postal_code`
    /// or `lines[2].sku`, when one field is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub severity: Severity,
    /// 1.0 when a rule decides it; lower for heuristic signals.
    pub confidence: f64,
}

/// A fraud risk level, as the risk decision rates an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    Low,
    Medium,
    High,
}

/// What triage needs to know about the chosen carrier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarrierCapabilities {
    /// Shown in messages, e.g. `UPS Ground`.
    pub name: String,
    /// Whether it delivers to PO boxes (and APO/FPO/DPO military mail).
    pub po_boxes: bool,
}

/// The attributes of a known SKU that triage looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemFacts {
    #[serde(default)]
    pub hazmat: bool,
    #[serde(default)]
    pub oversize: bool,
    /// Whether it can be gift-wrapped. Not an attribute of
    /// [`model::item::Item`] yet, so callers say it (true by default).
    #[serde(default = "yes")]
    pub gift_wrap: bool,
}

fn yes() -> bool {
    true
}

impl Default for ItemFacts {
    fn default() -> Self {
        ItemFacts {
            hazmat: false,
            oversize: false,
            gift_wrap: true,
        }
    }
}

impl From<&Item> for ItemFacts {
    fn from(item: &Item) -> Self {
        ItemFacts {
            hazmat: item.hazmat,
            oversize: item.oversize,
            gift_wrap: true,
        }
    }
}

/// An ISO 3166-1 alpha-2 country code (upper case); parsing accepts any
/// case and common names (`usa` → `US`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct CountryCode(String);

impl CountryCode {
    pub fn parse(raw: &str) -> Result<Self, model::Error> {
        regions::country_code(raw).map(|c| CountryCode(c.to_string())).ok_or_else(|| {
            model::Error::new(
                "invalid_country",
                format!(
                    "A country is an ISO 3166-1 alpha-2 code such as `US` or `DE`; got `{}`.",
                    text::quote(raw)
                ),
            )
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CountryCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        CountryCode::parse(&raw).map_err(|e| serde::de::Error::custom(e.message))
    }
}

/// What the caller knows from live data when it triages an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriageContext {
    /// Every SKU some source has reported, with its attributes. A line whose
    /// SKU is not here is `unknown_sku`.
    #[serde(default)]
    pub items: BTreeMap<Sku, ItemFacts>,
    /// Available-to-promise units per SKU summed over the network. A SKU
    /// absent here has none anywhere.
    #[serde(default)]
    pub atp: BTreeMap<Sku, i64>,
    /// The fraud risk level, when the risk decision has already run.
    #[serde(default)]
    pub risk: Option<RiskLevel>,
    /// Where the tenant ships from; other countries are international.
    pub home_country: CountryCode,
    /// Orders worth at least this much are flagged `high_value`.
    #[serde(default)]
    pub high_value_threshold: Option<Money>,
    /// The chosen carrier, when one is chosen (for its PO box rule).
    #[serde(default)]
    pub carrier: Option<CarrierCapabilities>,
    /// The caller's customer record says this is a B2B customer.
    #[serde(default)]
    pub b2b_customer: bool,
    /// Forwarder addresses the tenant has learned (e.g. from chargebacks).
    #[serde(default)]
    pub forwarders: Vec<KnownForwarder>,
    /// The tenant captures authorised payments at shipment, so `authorized`
    /// is not a hold.
    #[serde(default)]
    pub capture_on_shipment: bool,
}

impl TriageContext {
    /// A context with nothing known but the home country.
    pub fn new(home_country: CountryCode) -> Self {
        TriageContext {
            items: BTreeMap::new(),
            atp: BTreeMap::new(),
            risk: None,
            home_country,
            high_value_threshold: None,
            carrier: None,
            b2b_customer: false,
            forwarders: Vec::new(),
            capture_on_shipment: false,
        }
    }
}

/// The triage decision for one order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Triage {
    pub class: Class,
    /// Every reason found, worst first.
    pub reasons: Vec<Reason>,
    /// The reasons and the checks that passed, in plain words, weighted by
    /// how much each drove the class (see [`explain`]).
    pub explanation: Vec<Factor>,
    /// In [0, 1]: the surest reason at the class's severity; 1.0 for a
    /// standard order (every check is a rule that passed).
    pub confidence: f64,
    /// Checks that found nothing, in plain words.
    pub checks_passed: Vec<String>,
    /// The ship-to address normalised, when that changed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggested_ship_to: Option<Address>,
}

impl Triage {
    /// The reason codes, in order.
    pub fn codes(&self) -> Vec<ReasonCode> {
        self.reasons.iter().map(|r| r.code).collect()
    }

    /// The order flags this triage sets, for `OrderData::flags`. A gift
    /// message counts as gift handling (`gift_wrap`): both need a node that
    /// packs gifts.
    pub fn order_flags(&self) -> Vec<OrderFlag> {
        let mut flags: Vec<OrderFlag> = self
            .reasons
            .iter()
            .filter_map(|r| match r.code {
                ReasonCode::GiftWrap | ReasonCode::GiftMessage => Some(OrderFlag::GiftWrap),
                ReasonCode::Hazmat => Some(OrderFlag::Hazmat),
                ReasonCode::Oversize => Some(OrderFlag::Oversize),
                ReasonCode::International => Some(OrderFlag::International),
                ReasonCode::HighValue => Some(OrderFlag::HighValue),
                ReasonCode::B2b => Some(OrderFlag::B2b),
                _ => None,
            })
            .collect();
        if self.class == Class::Exception {
            flags.push(OrderFlag::Exception);
        }
        flags.sort();
        flags.dedup();
        flags
    }
}

/// How much one reason of a severity weighs in the explanation, before its
/// confidence and normalisation.
fn base_weight(severity: Severity) -> f64 {
    match severity {
        Severity::Exception => 1.0,
        Severity::Flag => 0.4,
        Severity::Info => 0.1,
    }
}

/// The explanation of a triage: each reason weighted by its severity times
/// its confidence (exception 1, flag 0.4, info 0.1), and, for a standard
/// order, the passed checks sharing the weight with any info reasons;
/// weights sum to 1, largest first. Passed checks of a flagged or exception
/// order are listed with weight 0.
pub fn explain(reasons: &[Reason], checks_passed: &[String]) -> Vec<Factor> {
    let standard = reasons.iter().all(|r| r.severity == Severity::Info);
    let mut raw: Vec<(String, f64)> = reasons
        .iter()
        .map(|r| (r.message.clone(), base_weight(r.severity) * r.confidence))
        .collect();
    raw.extend(checks_passed.iter().map(|c| (c.clone(), if standard { 0.1 } else { 0.0 })));
    let sum: f64 = raw.iter().map(|(_, w)| w).sum();
    let mut factors: Vec<Factor> = raw
        .into_iter()
        .map(|(description, w)| Factor {
            description,
            weight: if sum > 0.0 { (w / sum * 1000.0).round() / 1000.0 } else { 0.0 },
        })
        .collect();
    factors.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    factors
}

/// Triages one order. Never fails: whatever is wrong with the order becomes
/// a reason (an exception with the field at fault), never an error.
pub fn triage(order: &OrderData, ctx: &TriageContext) -> Triage {
    let mut t = Checks::default();
    if let Err(e) = order.validate() {
        t.reason(ReasonCode::InvalidOrder, e.message, e.field, Severity::Exception, 1.0);
    }
    let report = address::check(&order.ship_to, "ship_to", ctx.carrier.as_ref(), &ctx.forwarders);
    let address_ok = report.deliverable();
    t.reasons.extend(report.reasons.iter().cloned());
    if address_ok {
        let n = &report.normalised;
        let place = [n.postal_code.as_deref(), n.country.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
        t.passed(format!("The ship-to address ({place}) is complete and valid."));
    }
    destination(&mut t, &report.normalised, ctx);
    lines(&mut t, order, ctx);
    gifting(&mut t, order, ctx);
    payment(&mut t, order.payment_state, ctx.capture_on_shipment);
    risk(&mut t, ctx.risk);
    value(&mut t, order, ctx.high_value_threshold.as_ref());
    b2b(&mut t, order, ctx.b2b_customer);

    let mut reasons = t.reasons;
    reasons.sort_by_key(|r| std::cmp::Reverse(r.severity));
    let class = reasons.iter().map(|r| r.severity.class()).max().unwrap_or(Class::Standard);
    let confidence = match class {
        Class::Standard => 1.0,
        _ => reasons
            .iter()
            .filter(|r| r.severity.class() == class)
            .map(|r| r.confidence)
            .fold(0.0, f64::max),
    };
    let explanation = explain(&reasons, &t.passed);
    Triage {
        class,
        explanation,
        confidence,
        suggested_ship_to: (report.normalised != order.ship_to).then_some(report.normalised),
        checks_passed: t.passed,
        reasons,
    }
}

#[derive(Default)]
struct Checks {
    reasons: Vec<Reason>,
    passed: Vec<String>,
}

impl Checks {
    fn reason(&mut self, code: ReasonCode, message: impl Into<String>, field: Option<String>, severity: Severity, confidence: f64) {
        self.reasons.push(Reason {
            code,
            message: message.into(),
            field,
            severity,
            confidence,
        });
    }

    fn flag(&mut self, code: ReasonCode, message: impl Into<String>) {
        self.reason(code, message, None, Severity::Flag, 1.0);
    }

    fn passed(&mut self, what: impl Into<String>) {
        self.passed.push(what.into());
    }
}

/// International and customs, from the normalised ship-to.
fn destination(t: &mut Checks, to: &Address, ctx: &TriageContext) {
    let home = ctx.home_country.as_str();
    let Some(country) = to.country.as_deref().filter(|c| regions::is_country(c)) else {
        return;
    };
    // Only a valid postal code can place a territory (Canary Islands...).
    let postal = to.postal_code.as_deref().filter(|p| postal::validate(country, p).is_ok());
    if country != home {
        t.flag(
            ReasonCode::International,
            format!("Ships to {country} from home country {home}: an international shipment."),
        );
    }
    match customs::crossing(home, country, postal) {
        Some(why) => t.flag(ReasonCode::CustomsRequired, format!("Needs a customs declaration: {why}.")),
        None if country != home => t.passed(format!(
            "No customs declaration: {country} and {home} are both in {}.",
            customs::union_of(country).unwrap_or("one customs union")
        )),
        None => t.passed(format!("Ships domestically within {home}.")),
    }
}

/// Unknown SKUs, stock, hazmat and oversize, line by line.
fn lines(t: &mut Checks, order: &OrderData, ctx: &TriageContext) {
    // Units wanted per SKU, and the first line naming it (for the field).
    let mut wanted: BTreeMap<&Sku, (i64, usize)> = BTreeMap::new();
    let mut unknown = Vec::new();
    let mut hazmat = Vec::new();
    let mut oversize = Vec::new();
    for (i, line) in order.lines.iter().enumerate() {
        let entry = wanted.entry(&line.sku).or_insert((0, i));
        entry.0 = entry.0.saturating_add(line.quantity.units().max(0));
        match ctx.items.get(&line.sku) {
            None if !unknown.contains(&&line.sku) => {
                unknown.push(&line.sku);
                t.reason(
                    ReasonCode::UnknownSku,
                    format!("SKU `{}` (line {}) is not known: no source has reported it.", line.sku, i + 1),
                    Some(format!("lines[{i}].sku")),
                    Severity::Exception,
                    1.0,
                );
            }
            None => {}
            Some(facts) => {
                if facts.hazmat && !hazmat.contains(&line.sku.as_str()) {
                    hazmat.push(line.sku.as_str());
                }
                if facts.oversize && !oversize.contains(&line.sku.as_str()) {
                    oversize.push(line.sku.as_str());
                }
            }
        }
    }
    if unknown.is_empty() && !order.lines.is_empty() {
        let known = match wanted.keys().next() {
            Some(sku) if wanted.len() == 1 => format!("SKU `{sku}` is known."),
            _ => format!("All {} SKUs are known.", wanted.len()),
        };
        t.passed(known);
    }

    let mut stock_ok = true;
    for (sku, (units, first)) in &wanted {
        if !ctx.items.contains_key(*sku) || *units <= 0 {
            continue;
        }
        let atp = ctx.atp.get(*sku).copied().unwrap_or(0);
        if atp <= 0 {
            stock_ok = false;
            t.reason(
                ReasonCode::OutOfStock,
                format!(
                    "SKU `{sku}` is out of stock: no ATP anywhere in the network ({} ordered).",
                    plural(*units as usize, "unit", "units")
                ),
                Some(format!("lines[{first}].sku")),
                Severity::Exception,
                1.0,
            );
        } else if atp < *units {
            stock_ok = false;
            t.reason(
                ReasonCode::PartialStock,
                format!("Only {atp} of {units} units of SKU `{sku}` are available across the network."),
                Some(format!("lines[{first}].quantity")),
                Severity::Flag,
                1.0,
            );
        }
    }
    if stock_ok && unknown.len() < wanted.len() {
        t.passed("Every known SKU has enough stock across the network.");
    }

    let marked = |flag| order.flags.contains(&flag);
    attribute(
        t,
        ReasonCode::Hazmat,
        &hazmat,
        marked(OrderFlag::Hazmat),
        "hazardous material",
        "a hazmat-capable node and ground service",
    );
    attribute(
        t,
        ReasonCode::Oversize,
        &oversize,
        marked(OrderFlag::Oversize),
        "oversize",
        "an oversize-capable node and freight or oversize rates",
    );
}

fn attribute(t: &mut Checks, code: ReasonCode, skus: &[&str], marked: bool, what: &str, needs: &str) {
    if !skus.is_empty() {
        let list = skus.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ");
        let (is, it) = if skus.len() == 1 { ("is", "it") } else { ("are", "they") };
        t.flag(
            code,
            format!(
                "SKU {list} {is} {what}: {it} need{} {needs}.",
                if skus.len() == 1 { "s" } else { "" }
            ),
        );
    } else if marked {
        t.flag(code, format!("The source marked the order as {what}: it needs {needs}."));
    }
}

/// Gift wrap, its availability per SKU, and the gift message.
fn gifting(t: &mut Checks, order: &OrderData, ctx: &TriageContext) {
    if order.flags.contains(&OrderFlag::GiftWrap) {
        t.flag(ReasonCode::GiftWrap, "Gift wrap requested: pack at a node with gift wrapping.");
        let mut cannot: Vec<&str> = order
            .lines
            .iter()
            .filter(|l| ctx.items.get(&l.sku).is_some_and(|f| !f.gift_wrap))
            .map(|l| l.sku.as_str())
            .collect();
        cannot.sort_unstable();
        cannot.dedup();
        if !cannot.is_empty() {
            let list = cannot.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ");
            t.flag(
                ReasonCode::GiftWrapUnavailable,
                format!("Gift wrap requested but SKU {list} cannot be gift-wrapped."),
            );
        }
    }
    if let Some(msg) = order.gift_message.as_deref().map(text::collapse_ws).filter(|m| !m.is_empty()) {
        t.flag(ReasonCode::GiftMessage, format!("Gift message to print: “{}”.", text::quote(&msg)));
    }
}

fn payment(t: &mut Checks, state: PaymentState, capture_on_shipment: bool) {
    let exception = |t: &mut Checks, code, message: &str| t.reason(code, message, Some("payment_state".into()), Severity::Exception, 1.0);
    match state {
        PaymentState::Pending => exception(
            t,
            ReasonCode::PaymentPending,
            "Payment is pending: nothing is authorised yet, so the order is on payment hold.",
        ),
        PaymentState::Authorized if !capture_on_shipment => exception(
            t,
            ReasonCode::PaymentNotCaptured,
            "Payment is authorised but not captured, and this tenant captures before release: payment hold.",
        ),
        PaymentState::Authorized => t.passed("Payment is authorised; it is captured at shipment."),
        PaymentState::Paid => t.passed("Payment is captured."),
        PaymentState::PartiallyRefunded => t.reason(
            ReasonCode::PaymentPartiallyRefunded,
            "Payment is partially refunded: check which lines still ship.",
            Some("payment_state".into()),
            Severity::Flag,
            1.0,
        ),
        PaymentState::Refunded => exception(t, ReasonCode::PaymentRefunded, "Payment is refunded: nothing is paid for."),
        PaymentState::Voided => exception(t, ReasonCode::PaymentFailed, "Payment is voided: the authorisation was cancelled."),
        PaymentState::Failed => exception(t, ReasonCode::PaymentFailed, "Payment failed."),
    }
}

fn risk(t: &mut Checks, level: Option<RiskLevel>) {
    match level {
        Some(RiskLevel::High) => t.reason(
            ReasonCode::HighRisk,
            "Fraud risk is high: hold for review before release.",
            None,
            Severity::Exception,
            1.0,
        ),
        Some(RiskLevel::Medium) => t.flag(ReasonCode::ElevatedRisk, "Fraud risk is medium: worth a look before release."),
        Some(RiskLevel::Low) => t.passed("Fraud risk is low."),
        None => t.passed("Fraud risk is not assessed yet."),
    }
}

/// The order total, or the sum of priced lines when no total is given and
/// every line is priced in one currency.
fn order_value(order: &OrderData) -> Option<Money> {
    if let Some(total) = &order.total {
        return Some(total.clone());
    }
    let mut sum: Option<Money> = None;
    for line in &order.lines {
        let price = line.unit_price.as_ref()?;
        let amount = price.amount.checked_mul(rust_decimal::Decimal::from(line.quantity.units()))?;
        match &mut sum {
            None => {
                sum = Some(Money {
                    amount,
                    currency: price.currency,
                })
            }
            Some(s) if s.currency == price.currency => s.amount = s.amount.checked_add(amount)?,
            Some(_) => return None,
        }
    }
    sum
}

fn value(t: &mut Checks, order: &OrderData, threshold: Option<&Money>) {
    let Some(threshold) = threshold else { return };
    let Some(value) = order_value(order) else { return };
    let show = |m: &Money| format!("{} {}", m.amount.round_dp(2), m.currency);
    if value.currency != threshold.currency {
        t.reason(
            ReasonCode::HighValueUnchecked,
            format!(
                "Order value {} is not in the high-value threshold's currency ({}), so it was not compared.",
                show(&value),
                show(threshold)
            ),
            None,
            Severity::Info,
            1.0,
        );
    } else if value.amount >= threshold.amount {
        t.flag(
            ReasonCode::HighValue,
            format!(
                "Order value {} is at or above the high-value threshold of {}.",
                show(&value),
                show(threshold)
            ),
        );
    } else {
        t.passed(format!(
            "Order value {} is below the high-value threshold of {}.",
            show(&value),
            show(threshold)
        ));
    }
}

fn b2b(t: &mut Checks, order: &OrderData, b2b_customer: bool) {
    let mut why = Vec::new();
    if b2b_customer {
        why.push("the customer is a B2B account".to_string());
    }
    if let Some(account) = order.customer.account.as_deref().map(text::collapse_ws).filter(|a| !a.is_empty()) {
        why.push(format!("account `{}`", text::quote(&account)));
    }
    if let Some(po) = order.po_number.as_deref().map(text::collapse_ws).filter(|p| !p.is_empty()) {
        why.push(format!("PO number `{}`", text::quote(&po)));
    }
    if order.channel.as_deref().is_some_and(|c| c.trim().eq_ignore_ascii_case("b2b")) {
        why.push("the b2b channel".into());
    }
    if why.is_empty() && order.flags.contains(&OrderFlag::B2b) {
        why.push("the source marked it B2B".into());
    }
    if !why.is_empty() {
        t.flag(ReasonCode::B2b, format!("B2B order: {}.", why.join(", ")));
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
