//! Transit-time model: for each carrier service and lane, a distribution
//! over business days in transit (0 to [`MAX_DAYS`], the last bucket meaning
//! "that many or more"), learned online from observed deliveries.
//!
//! **Before data.** Each service's advertised days for the zone give a
//! Dirichlet prior worth [`Priors::strength`] deliveries: most mass on the
//! advertised day, some a day early or late, a thin tail (see
//! [`prior_shape`]).
//!
//! **With data.** Counts are kept at two levels: per (carrier, service,
//! zone), pooling every lane of that zone, and per (carrier, service, lane).
//! A lane's predictive distribution is a Dirichlet centred on its zone's
//! posterior mean with [`Priors::lane_strength`] pseudo-deliveries, plus
//! the lane's own counts: a new lane borrows what its zone has seen, a busy
//! lane speaks for itself. An observation increments two count vectors,
//! O(1) (hash lookups); an estimate reads two.
//!
//! The state serialises as a list of count vectors (in the order they were
//! first seen, so the same history gives the same JSON) for the caller to
//! persist; loading rebuilds the index.

use std::collections::HashMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::calendar;
use super::geo::{Lane, ZONES};
use super::stats;
use crate::Error;

/// Transit days are counted up to this; longer transits count here.
pub const MAX_DAYS: usize = 10;

/// Buckets 0..=MAX_DAYS.
pub const BUCKETS: usize = MAX_DAYS + 1;

/// How much the priors weigh, in deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Priors {
    /// Weight of the advertised-days prior against a zone's own counts.
    pub strength: f64,
    /// Weight of the zone's pooled estimate against a lane's own counts.
    pub lane_strength: f64,
}

impl Default for Priors {
    fn default() -> Self {
        Priors {
            strength: 6.0,
            lane_strength: 10.0,
        }
    }
}

/// Prior probability of each transit day for a service advertised at
/// `nominal` days: 80% on the day (86% when it cannot arrive early), 6% a
/// day early (from 2 days up), 9% a day late, 3% two days late, and 2%
/// spread over every other day. Carriers publish on-time rates around
/// 85–95%; the model starts there and lets the deliveries speak.
pub fn prior_shape(nominal: u8) -> [f64; BUCKETS] {
    let n = usize::from(nominal).min(MAX_DAYS);
    let mut p = [0.0; BUCKETS];
    let mut put = |day: usize, mass: f64| p[day.min(MAX_DAYS)] += mass;
    put(n, 0.80);
    if n >= 2 {
        put(n - 1, 0.06);
    } else {
        put(n, 0.06);
    }
    put(n + 1, 0.09);
    put(n + 2, 0.03);
    let near = |d: usize| d + 1 >= n && d <= n + 2;
    let others: Vec<usize> = (0..BUCKETS).filter(|&d| !near(d)).collect();
    for &d in &others {
        p[d] += 0.02 / others.len() as f64;
    }
    if others.is_empty() {
        p[n] += 0.02;
    }
    p
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "scope", rename_all = "snake_case")]
enum Scope {
    Zone { zone: u8 },
    Lane { origin: String, destination: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    carrier: String,
    service: String,
    scope: Scope,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Entry {
    carrier: String,
    service: String,
    #[serde(flatten)]
    scope: Scope,
    counts: [u32; BUCKETS],
}

impl Entry {
    fn key(&self) -> Key {
        Key {
            carrier: self.carrier.clone(),
            service: self.service.clone(),
            scope: self.scope.clone(),
        }
    }
}

/// The persisted form of a [`TransitModel`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct State {
    priors: Priors,
    entries: Vec<Entry>,
}

/// Learned transit-time distributions; see the module documentation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "State", into = "State")]
pub struct TransitModel {
    priors: Priors,
    entries: Vec<Entry>,
    index: HashMap<Key, usize>,
}

impl Default for TransitModel {
    fn default() -> Self {
        TransitModel::new(Priors::default())
    }
}

impl TryFrom<State> for TransitModel {
    type Error = Error;

    fn try_from(state: State) -> Result<Self, Error> {
        validate_priors(&state.priors)?;
        let mut index = HashMap::with_capacity(state.entries.len());
        for (i, e) in state.entries.iter().enumerate() {
            if let Scope::Zone { zone } = e.scope
                && !(1..=ZONES).contains(&zone)
            {
                return Err(Error::invalid(
                    format!("entries[{i}].zone"),
                    format!("A zone runs from 1 to {ZONES}; got {zone}."),
                ));
            }
            if index.insert(e.key(), i).is_some() {
                return Err(Error::invalid(format!("entries[{i}]"), "The same counts appear twice."));
            }
        }
        Ok(TransitModel {
            priors: state.priors,
            entries: state.entries,
            index,
        })
    }
}

impl From<TransitModel> for State {
    fn from(m: TransitModel) -> State {
        State {
            priors: m.priors,
            entries: m.entries,
        }
    }
}

fn validate_priors(p: &Priors) -> Result<(), Error> {
    for (name, v) in [("strength", p.strength), ("lane_strength", p.lane_strength)] {
        if !(v.is_finite() && v > 0.0) {
            return Err(Error::invalid(
                format!("priors.{name}"),
                format!("A prior strength is a positive number of deliveries; got {v}."),
            ));
        }
    }
    Ok(())
}

/// What the model believes about one carrier service on one lane.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransitEstimate {
    /// Predictive probability of each number of business days in transit.
    pub probs: [f64; BUCKETS],
    /// Pseudo-deliveries behind `probs`: the spread of the belief (more is
    /// surer).
    pub concentration: f64,
    /// Deliveries observed on this lane.
    pub lane_observations: u32,
    /// Deliveries observed on every lane of this zone.
    pub zone_observations: u32,
    /// The service's advertised days for the zone.
    pub nominal_days: u8,
}

impl TransitEstimate {
    /// P(transit ≤ `days` business days); the last bucket counts as on time
    /// only when `days` reaches it.
    pub fn p_within(&self, days: i64) -> f64 {
        if days < 0 {
            return 0.0;
        }
        let upto = usize::try_from(days).unwrap_or(usize::MAX).min(MAX_DAYS);
        self.probs[..=upto].iter().sum::<f64>().clamp(0.0, 1.0)
    }

    /// P(delivered by `promised_by` when shipped on `ship_date`): the
    /// chance that the transit fits the business days in between.
    pub fn p_on_time(&self, promised_by: Date, ship_date: Date) -> f64 {
        let available = calendar::business_days_between(calendar::day_number(ship_date), calendar::day_number(promised_by));
        if promised_by < ship_date {
            return 0.0;
        }
        self.p_within(available)
    }

    /// Posterior probability that the true on-time rate within `days` is at
    /// least `target` (the belief about the rate is a Beta distribution).
    pub fn p_rate_at_least(&self, days: i64, target: f64) -> f64 {
        let p = self.p_within(days);
        let a = (p * self.concentration).max(1e-6);
        let b = ((1.0 - p) * self.concentration).max(1e-6);
        1.0 - stats::beta_cdf(target, a, b)
    }

    /// Expected business days in transit.
    pub fn mean_days(&self) -> f64 {
        self.probs.iter().enumerate().map(|(d, p)| d as f64 * p).sum()
    }

    /// The median business days in transit.
    pub fn median_days(&self) -> usize {
        let mut acc = 0.0;
        for (d, p) in self.probs.iter().enumerate() {
            acc += p;
            if acc >= 0.5 {
                return d;
            }
        }
        MAX_DAYS
    }

    /// Standard deviation of [`TransitEstimate::p_within`] under the belief.
    pub fn p_within_sd(&self, days: i64) -> f64 {
        let p = self.p_within(days);
        (p * (1.0 - p) / (self.concentration + 1.0)).sqrt()
    }
}

impl TransitModel {
    pub fn new(priors: Priors) -> Self {
        TransitModel {
            priors,
            entries: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// The prior strengths in use.
    pub fn priors(&self) -> Priors {
        self.priors
    }

    /// Count vectors held (zones and lanes).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Records one delivery: `shipped_on` and `delivered_on` are the local
    /// dates of the carrier's pickup and of the delivery scan. Returns the
    /// business days in transit it counted (weekend rule; a weekend delivery
    /// counts as the next Monday).
    pub fn observe(&mut self, carrier: &str, service: &str, lane: &Lane, shipped_on: Date, delivered_on: Date) -> Result<u32, Error> {
        if carrier.trim().is_empty() {
            return Err(Error::invalid("carrier", "A delivery needs its carrier."));
        }
        if service.trim().is_empty() {
            return Err(Error::invalid("service", "A delivery needs its service."));
        }
        lane.validate("lane")?;
        if delivered_on < shipped_on {
            return Err(Error::invalid(
                "delivered_on",
                format!("Delivered on {delivered_on}, before it shipped on {shipped_on}."),
            ));
        }
        let days = calendar::transit_days(calendar::day_number(shipped_on), calendar::day_number(delivered_on));
        let bucket = usize::try_from(days).unwrap_or(MAX_DAYS).min(MAX_DAYS);
        for scope in [
            Scope::Zone { zone: lane.zone },
            Scope::Lane {
                origin: lane.origin.to_string(),
                destination: lane.destination.clone(),
            },
        ] {
            let i = self.entry(carrier, service, scope);
            let c = &mut self.entries[i].counts[bucket];
            *c = c.saturating_add(1);
        }
        Ok(bucket as u32)
    }

    fn entry(&mut self, carrier: &str, service: &str, scope: Scope) -> usize {
        let key = Key {
            carrier: carrier.to_string(),
            service: service.to_string(),
            scope,
        };
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        let i = self.entries.len();
        self.entries.push(Entry {
            carrier: key.carrier.clone(),
            service: key.service.clone(),
            scope: key.scope.clone(),
            counts: [0; BUCKETS],
        });
        self.index.insert(key, i);
        i
    }

    fn counts(&self, carrier: &str, service: &str, scope: Scope) -> Option<&[u32; BUCKETS]> {
        let key = Key {
            carrier: carrier.to_string(),
            service: service.to_string(),
            scope,
        };
        self.index.get(&key).map(|&i| &self.entries[i].counts)
    }

    /// The belief about `carrier`/`service` on `lane`, for a service
    /// advertised at `nominal_days` in the lane's zone.
    pub fn estimate(&self, carrier: &str, service: &str, lane: &Lane, nominal_days: u8) -> TransitEstimate {
        let prior = prior_shape(nominal_days);
        let zone = self.counts(carrier, service, Scope::Zone { zone: lane.zone });
        let own = self.counts(
            carrier,
            service,
            Scope::Lane {
                origin: lane.origin.to_string(),
                destination: lane.destination.clone(),
            },
        );
        let sum = |c: Option<&[u32; BUCKETS]>| c.map_or(0, |c| c.iter().map(|&x| u64::from(x)).sum::<u64>());
        let (zone_n, lane_n) = (sum(zone), sum(own));
        let zone_total = self.priors.strength + zone_n as f64;
        let mut probs = [0.0; BUCKETS];
        // A lane borrows its zone's mean, with no more weight than the zone
        // itself has earned (a bare prior stays weak).
        let borrowed = self.priors.lane_strength.min(zone_total);
        for d in 0..BUCKETS {
            let z = zone.map_or(0, |c| c[d]);
            let zone_mean = (self.priors.strength * prior[d] + f64::from(z)) / zone_total;
            probs[d] = borrowed * zone_mean + f64::from(own.map_or(0, |c| c[d]));
        }
        let concentration = borrowed + lane_n as f64;
        for p in &mut probs {
            *p /= concentration;
        }
        TransitEstimate {
            probs,
            concentration,
            lane_observations: u32::try_from(lane_n).unwrap_or(u32::MAX),
            zone_observations: u32::try_from(zone_n).unwrap_or(u32::MAX),
            nominal_days,
        }
    }

    /// P(on time) for `carrier`/`service` on `lane`: the chance that the
    /// transit fits the business days between `ship_date` and `promised_by`.
    pub fn p_on_time(&self, carrier: &str, service: &str, lane: &Lane, nominal_days: u8, promised_by: Date, ship_date: Date) -> f64 {
        self.estimate(carrier, service, lane, nominal_days)
            .p_on_time(promised_by, ship_date)
    }
}
