//! Carrier and service selection: which carrier service ships a parcel, at
//! what price, with what chance of arriving by the promised date.
//!
//! - [`rates`]: zone × weight-band rate tables with surcharges and refusals
//!   (hazmat, oversize, PO boxes, weight limits); [`example_tables`] ships a
//!   made-up set for UPS, FedEx and USPS.
//! - [`geo`]: zones 1–8 from the haversine distance (or US ZIP prefixes) and
//!   the lanes the transit model learns on.
//! - [`transit`]: per carrier service and lane, a distribution over business
//!   days in transit — a Dirichlet prior from the advertised days, pooled per
//!   zone, updated in O(1) per observed delivery ([`TransitModel::observe`]).
//! - [`choose`]: prices every service, computes P(on time) from the ship date
//!   (after the carrier's cutoff and the weekend rule) to the promised date,
//!   and picks the cheapest service whose P(on time) reaches the target — or,
//!   if none does, the likeliest — with the label request, every alternative,
//!   an explanation and a confidence.
//! - [`eta`]: the expected delivery day of a parcel with its interval, from
//!   the same learned distribution and the carrier's pickup day.
//! - [`evaluate`]: a seeded delivery simulator whose true transit times differ
//!   from the advertised ones, comparing the learned policy with "always
//!   cheapest" and "always fastest"; `crossdock bench carrier` prints it.

pub(crate) mod calendar;
mod choose;
mod defaults;
mod eta;
mod evaluate;
mod explain;
pub mod geo;
pub mod rates;
mod simulate;
mod stats;
#[cfg(test)]
mod tests;
pub mod transit;

pub use choose::{CarrierDecision, CarrierOption, Ineligible, LabelRequest, Origin, ShipmentRequest, choose, confidence};
pub use defaults::example_tables;
pub use eta::{DEFAULT_COVERAGE, Eta, eta, eta_from, pickup_day};
pub use evaluate::{Calibration, CarrierEvaluation, PolicyResult, evaluate};
pub use explain::explain;
pub use geo::{Lane, Zone, ZoneBasis, zone};
pub use rates::{Parcel, PriceBreakdown, RateTable, RateTables, Surcharges, WeightUnit, ZoneOverride};
pub use transit::{Priors, TransitEstimate, TransitModel};

/// Name and version of the carrier decision logic, for the decision record.
pub const MODEL: &str = "carrier-rateshop-dirichlet/1";

/// The on-time target used when the configuration names none.
pub const DEFAULT_TARGET_ON_TIME: f64 = 0.95;
