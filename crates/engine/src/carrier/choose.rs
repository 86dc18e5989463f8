//! Rate-shopping: price every configured service for a shipment, estimate
//! its chance of arriving by the promised date, and pick the cheapest one
//! that is likely enough to be on time.

use jiff::civil::{Date, DateTime};
use model::node::Cutoff;
use model::order::Address;
use model::{NodeId, OrderId};
use serde::{Deserialize, Serialize};

use super::calendar;
use super::geo::{self, Lane, Zone};
use super::rates::{Handling, OVERSIZE_LONGEST_CM, Parcel, PriceBreakdown, RateTables};
use super::stats;
use super::transit::{TransitEstimate, TransitModel};
use crate::Error;

/// Where a shipment leaves from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Origin {
    pub node: NodeId,
    /// The node's address; `lat`/`lon` give the most accurate zone.
    pub address: Address,
}

/// Everything [`choose`] needs to know about one shipment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShipmentRequest {
    /// Printed on the label as the reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<OrderId>,
    pub origin: Origin,
    pub destination: Address,
    pub parcels: Vec<Parcel>,
    /// Delivery to a home (residential surcharges apply).
    #[serde(default)]
    pub residential: bool,
    /// The destination is a PO box (only some services deliver there).
    #[serde(default)]
    pub po_box: bool,
    #[serde(default)]
    pub hazmat: bool,
    /// Oversize handling; also implied by a parcel side over 48 in.
    #[serde(default)]
    pub oversize: bool,
    /// When the parcels are packed and ready, in the node's local time.
    pub ready_at: DateTime,
    /// The node's daily carrier cutoffs (`HH:MM`, local). Ready after its
    /// carrier's cutoff, or on a weekend, a parcel ships the next business
    /// day; a carrier without a cutoff here picks up any business day.
    #[serde(default)]
    pub cutoffs: Vec<Cutoff>,
    /// The date promised to the customer.
    pub promised_by: Date,
}

/// One service priced and judged for the shipment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CarrierOption {
    pub carrier: String,
    pub service: String,
    /// Display name, e.g. `UPS Ground`.
    pub name: String,
    /// Total price of the shipment with this service.
    pub price: f64,
    pub price_breakdown: PriceBreakdown,
    /// The zone this carrier charges (its chart may differ from distance).
    pub zone: u8,
    /// When the carrier picks it up, after its cutoff and the weekend rule.
    pub ship_date: Date,
    /// Business days between the ship date and the promised date.
    pub business_days_available: i64,
    /// The service's advertised business days for the zone.
    pub nominal_days: u8,
    pub expected_transit_days: f64,
    /// P(delivered by the promised date) under the transit model.
    pub p_on_time: f64,
    /// The model's belief that the true on-time chance is at least the
    /// target (it grows with the deliveries seen on this lane and zone).
    pub p_meets_target: f64,
    /// `p_on_time ≥ target`.
    pub meets_target: bool,
    pub lane_observations: u32,
    pub zone_observations: u32,
    /// Whether [`choose`] picked it.
    pub chosen: bool,
    /// Standard deviation of `p_on_time` under the belief.
    pub p_on_time_sd: f64,
}

/// A service that cannot take the shipment, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ineligible {
    pub carrier: String,
    pub service: String,
    pub name: String,
    pub reason: String,
}

/// What the label service (or the WMS's shipping station) is asked to buy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelRequest {
    pub carrier: String,
    pub service: String,
    pub ship_date: Date,
    pub from_node: NodeId,
    pub from: Address,
    pub to: Address,
    pub parcels: Vec<Parcel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<OrderId>,
    pub residential: bool,
    pub hazmat: bool,
    pub oversize: bool,
    pub po_box: bool,
    /// The price the rate table quoted, for reconciliation with the invoice.
    pub quoted_price: f64,
    pub currency: String,
}

/// The carrier decision for one shipment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CarrierDecision {
    pub carrier: String,
    pub service: String,
    pub name: String,
    pub price: f64,
    pub currency: String,
    /// P(delivered by the promised date) with the chosen service.
    pub p_on_time: f64,
    /// The target the choice was held to.
    pub target_on_time: f64,
    /// Whether the chosen service reaches the target; when no service does,
    /// the most likely one is chosen and this is false.
    pub meets_target: bool,
    pub ship_date: Date,
    /// The median delivery date under the model.
    pub expected_delivery: Date,
    pub promised_by: Date,
    pub lane: Lane,
    pub distance: Zone,
    pub label_request: LabelRequest,
    /// Every eligible service, cheapest first (the chosen one flagged).
    pub alternatives: Vec<CarrierOption>,
    /// Services that cannot take the shipment, with the reason.
    pub ineligible: Vec<Ineligible>,
    /// Why, in plain words; weights are each factor's share of the money at
    /// stake (the rule: the whole price spread; the premium over the
    /// cheapest service; the saving against the most reliable one);
    /// informational factors weigh 0.
    pub explanation: Vec<model::ops::Factor>,
    /// In [0, 1]; see [`confidence`].
    pub confidence: f64,
}

impl CarrierDecision {
    /// The chosen option among the alternatives.
    pub fn chosen(&self) -> Option<&CarrierOption> {
        self.alternatives.iter().find(|o| o.chosen)
    }
}

impl ShipmentRequest {
    /// Checks the request; errors name the field at fault.
    pub fn validate(&self) -> Result<(), Error> {
        if self.parcels.is_empty() {
            return Err(Error::invalid("parcels", "A shipment needs at least one parcel."));
        }
        for (i, p) in self.parcels.iter().enumerate() {
            p.validate(&format!("parcels[{i}]"))?;
        }
        for (i, c) in self.cutoffs.iter().enumerate() {
            if c.carrier.trim().is_empty() {
                return Err(Error::invalid(format!("cutoffs[{i}].carrier"), "A cutoff names its carrier."));
            }
            calendar::parse_hhmm(&c.time, &format!("cutoffs[{i}].time"))?;
        }
        if self.promised_by < self.ready_at.date() {
            return Err(Error::invalid(
                "promised_by",
                format!(
                    "The promised date {} is before the parcels are ready ({}).",
                    self.promised_by,
                    self.ready_at.date()
                ),
            ));
        }
        Ok(())
    }

    fn handling(&self) -> Handling {
        Handling {
            residential: self.residential,
            oversize: self.oversize || self.parcels.iter().any(|p| p.longest_cm() > OVERSIZE_LONGEST_CM),
            hazmat: self.hazmat,
            po_box: self.po_box,
        }
    }

    /// The day `carrier` picks the parcels up: the ready date, or the next
    /// business day when ready on a weekend or after that carrier's
    /// (latest) cutoff.
    pub fn ship_day(&self, carrier: &str) -> Result<i64, Error> {
        let ready = calendar::day_number(self.ready_at.date());
        let mut cutoff = None;
        for (i, c) in self.cutoffs.iter().enumerate() {
            if c.carrier.trim().eq_ignore_ascii_case(carrier) {
                let t = calendar::parse_hhmm(&c.time, &format!("cutoffs[{i}].time"))?;
                cutoff = cutoff.max(Some(calendar::minute_of_day(t)));
            }
        }
        if !calendar::is_business_day(ready) {
            return Ok(calendar::business_day_on_or_after(ready));
        }
        let now = calendar::minute_of_day(self.ready_at.time());
        Ok(match cutoff {
            Some(c) if now > c => calendar::add_business_days(ready, 1),
            _ => ready,
        })
    }
}

/// Picks the service for a shipment: the cheapest whose P(on time) is at
/// least `target_on_time`; if none reaches it, the one most likely to be on
/// time (and the decision says so). Ties go to the likelier, then to the
/// carrier and service codes in order, so answers are deterministic.
///
/// An error names the field at fault: an invalid request or table, a target
/// outside (0, 1], or a shipment no configured service accepts (field
/// `parcels`, listing every service's reason).
pub fn choose(request: &ShipmentRequest, tables: &RateTables, model: &TransitModel, target_on_time: f64) -> Result<CarrierDecision, Error> {
    if !(target_on_time.is_finite() && target_on_time > 0.0 && target_on_time <= 1.0) {
        return Err(Error::invalid(
            "target_on_time",
            format!("The on-time target is a probability in (0, 1]; got {target_on_time}."),
        ));
    }
    request.validate()?;
    tables.validate()?;
    let distance = geo::zone_at(&request.origin.address, &request.destination, "origin.address", "destination")?;
    let lane = Lane {
        origin: request.origin.node.clone(),
        destination: geo::region(&request.destination),
        zone: distance.zone,
    };
    let handling = request.handling();
    let country = geo::country(&request.destination);
    let origin_postal = postal(&request.origin.address);
    let destination_postal = postal(&request.destination);

    let mut options = Vec::new();
    let mut ineligible = Vec::new();
    for t in &tables.tables {
        if let Some(reason) = t.refusal(&country, &request.parcels, handling) {
            ineligible.push(Ineligible {
                carrier: t.carrier.clone(),
                service: t.service.clone(),
                name: t.name.clone(),
                reason,
            });
            continue;
        }
        let zone = t.zone_for(distance.zone, origin_postal.as_deref(), destination_postal.as_deref());
        let price = t.price(zone, &request.parcels, handling);
        let ship_day = request.ship_day(&t.carrier)?;
        let ship_date = calendar::date_of(ship_day, "ready_at")?;
        let available = calendar::business_days_between(ship_day, calendar::day_number(request.promised_by));
        let nominal = t.nominal_days(zone);
        let est = model.estimate(&t.carrier, &t.service, &lane, nominal);
        options.push((
            option(t, zone, price, ship_date, available, &est, request.promised_by, target_on_time),
            est,
        ));
    }
    if options.is_empty() {
        let reasons: Vec<String> = ineligible.iter().map(|i| format!("{} {}", i.name, i.reason)).collect();
        return Err(Error::invalid(
            "parcels",
            format!("No configured service can carry this shipment: {}.", reasons.join("; ")),
        ));
    }
    options.sort_by(|(a, _), (b, _)| {
        a.price
            .total_cmp(&b.price)
            .then(b.p_on_time.total_cmp(&a.p_on_time))
            .then_with(|| (&a.carrier, &a.service).cmp(&(&b.carrier, &b.service)))
    });
    let pick = options.iter().position(|(o, _)| o.meets_target).unwrap_or_else(|| {
        // The likeliest; among equals the cheapest, which sorts first.
        let best = options.iter().map(|(o, _)| o.p_on_time).fold(f64::NEG_INFINITY, f64::max);
        options.iter().position(|(o, _)| o.p_on_time >= best).unwrap_or(0)
    });
    options[pick].0.chosen = true;
    let (c, est) = options[pick].clone();
    let options: Vec<CarrierOption> = options.into_iter().map(|(o, _)| o).collect();
    let ship_day = calendar::day_number(c.ship_date);
    let expected_delivery = calendar::date_of(calendar::add_business_days(ship_day, est.median_days() as i64), "promised_by")?;
    let label_request = LabelRequest {
        carrier: c.carrier.clone(),
        service: c.service.clone(),
        ship_date: c.ship_date,
        from_node: request.origin.node.clone(),
        from: request.origin.address.clone(),
        to: request.destination.clone(),
        parcels: request.parcels.clone(),
        reference: request.order_id.clone(),
        residential: handling.residential,
        hazmat: handling.hazmat,
        oversize: handling.oversize,
        po_box: handling.po_box,
        quoted_price: c.price,
        currency: tables.currency.clone(),
    };
    let mut decision = CarrierDecision {
        carrier: c.carrier.clone(),
        service: c.service.clone(),
        name: c.name.clone(),
        price: c.price,
        currency: tables.currency.clone(),
        p_on_time: c.p_on_time,
        target_on_time,
        meets_target: c.meets_target,
        ship_date: c.ship_date,
        expected_delivery,
        promised_by: request.promised_by,
        lane,
        distance,
        label_request,
        alternatives: options,
        ineligible,
        explanation: Vec::new(),
        confidence: 0.0,
    };
    decision.confidence = confidence(&decision);
    decision.explanation = super::explain::explain_parts(&decision, &request.ready_at, &request.cutoffs);
    Ok(decision)
}

fn postal(a: &Address) -> Option<String> {
    a.postal_code.as_deref().map(|p| p.trim().to_ascii_uppercase())
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

#[allow(clippy::too_many_arguments)]
fn option(
    t: &super::rates::RateTable,
    zone: u8,
    price: PriceBreakdown,
    ship_date: Date,
    available: i64,
    est: &TransitEstimate,
    promised_by: Date,
    target: f64,
) -> CarrierOption {
    let p = if promised_by < ship_date { 0.0 } else { est.p_within(available) };
    let p_meets = if promised_by < ship_date {
        0.0
    } else {
        est.p_rate_at_least(available, target)
    };
    CarrierOption {
        carrier: t.carrier.clone(),
        service: t.service.clone(),
        name: t.name.clone(),
        price: price.total,
        price_breakdown: price,
        zone,
        ship_date,
        business_days_available: available,
        nominal_days: est.nominal_days,
        expected_transit_days: round4(est.mean_days()),
        p_on_time: round4(p),
        p_meets_target: round4(p_meets),
        // Compare unrounded, so a 0.94996 does not pass a 0.95 target.
        meets_target: p >= target - 1e-12,
        lane_observations: est.lane_observations,
        zone_observations: est.zone_observations,
        chosen: false,
        p_on_time_sd: round4(est.p_within_sd(available)),
    }
}

/// How sure the decision is, in [0, 1].
///
/// When the chosen service meets the target: the belief that it truly does
/// (`p_meets_target`, low before data) times the belief that no cheaper
/// service does (1 − the largest `p_meets_target` among them), i.e. the
/// chance that this is the cheapest on-time service. When none meets the
/// target: the chance that the chosen one is truly the likeliest to be on
/// time, from the gap to the runner-up in units of their spread.
pub fn confidence(decision: &CarrierDecision) -> f64 {
    let Some(chosen) = decision.chosen() else {
        return 0.0;
    };
    let c = if decision.meets_target {
        let cheaper = decision
            .alternatives
            .iter()
            .filter(|o| !o.chosen && o.price < chosen.price)
            .map(|o| o.p_meets_target)
            .fold(0.0, f64::max);
        chosen.p_meets_target * (1.0 - cheaper)
    } else {
        let runner_up = decision
            .alternatives
            .iter()
            .filter(|o| !o.chosen)
            .max_by(|a, b| a.p_on_time.total_cmp(&b.p_on_time));
        match runner_up {
            None => 1.0,
            Some(r) => {
                let spread = (chosen.p_on_time_sd.powi(2) + r.p_on_time_sd.powi(2)).sqrt().max(1e-6);
                stats::normal_cdf((chosen.p_on_time - r.p_on_time) / spread)
            }
        }
    };
    (c.clamp(0.0, 1.0) * 1000.0).round() / 1000.0
}
