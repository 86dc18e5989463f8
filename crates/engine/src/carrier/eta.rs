//! When a parcel should arrive: the learned transit-time distribution of its
//! carrier service and lane, laid over business days from the day it ships.
//!
//! The interval is the central `coverage` of the predictive distribution
//! (10th to 90th percentile at the default 0.8), so "Nov 24–26, 80 %" means
//! the model gives the parcel an 80 % chance of arriving on one of those
//! business days. A parcel not yet shipped ships on the carrier's next
//! pickup: the ready day, or the next business day after the cutoff.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::calendar;
use super::transit::{MAX_DAYS, TransitEstimate};
use crate::Error;

/// The share of the distribution the default interval covers.
pub const DEFAULT_COVERAGE: f64 = 0.8;

/// An expected delivery date with its interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Eta {
    /// The day the parcel left (or will leave) the node.
    pub ship_date: Date,
    /// The median delivery day.
    pub likely: Date,
    /// First and last day of the central interval.
    pub earliest: Date,
    pub latest: Date,
    /// The probability the model gives to delivery within `earliest..=latest`.
    pub coverage: f64,
    /// P(delivered on or before `likely`).
    pub p_by_likely: f64,
    /// Business days in transit at the median.
    pub transit_days: u8,
    /// Deliveries the belief rests on, on this lane and in its zone.
    pub lane_observations: u32,
    pub zone_observations: u32,
    /// The service's advertised days for the zone.
    pub nominal_days: u8,
}

impl TransitEstimate {
    /// The smallest number of business days `d` with P(transit ≤ d) ≥ `p`.
    pub fn quantile(&self, p: f64) -> usize {
        let mut acc = 0.0;
        for (d, q) in self.probs.iter().enumerate() {
            acc += q;
            // A hair of tolerance so a bucket sum of 0.79999999 meets 0.8.
            if acc + 1e-9 >= p {
                return d;
            }
        }
        MAX_DAYS
    }
}

/// The delivery estimate for a parcel shipping on `ship_date` under
/// `estimate`, with the central `coverage` (in (0, 1)) of the distribution.
pub fn eta(estimate: &TransitEstimate, ship_date: Date, coverage: f64) -> Result<Eta, Error> {
    if !(coverage.is_finite() && coverage > 0.0 && coverage < 1.0) {
        return Err(Error::invalid(
            "coverage",
            format!("Coverage is a probability in (0, 1); got {coverage}."),
        ));
    }
    let tail = (1.0 - coverage) / 2.0;
    let (low, mid, high) = (estimate.quantile(tail), estimate.median_days(), estimate.quantile(1.0 - tail));
    // The interval actually covered: whole buckets, so at least `coverage`.
    let covered: f64 = estimate.probs[low..=high].iter().sum();
    let start = calendar::day_number(ship_date);
    let day = |k: usize| calendar::date_of(calendar::add_business_days(start, k as i64), "ship_date");
    Ok(Eta {
        ship_date,
        likely: day(mid)?,
        earliest: day(low)?,
        latest: day(high)?,
        coverage: covered.clamp(0.0, 1.0),
        p_by_likely: estimate.p_within(mid as i64),
        transit_days: mid as u8,
        lane_observations: estimate.lane_observations,
        zone_observations: estimate.zone_observations,
        nominal_days: estimate.nominal_days,
    })
}

/// [`eta`] for a parcel still not delivered on `today`: the days already
/// past are ruled out and the rest of the distribution renormalised, so an
/// estimate never lies in the past. When the whole distribution has passed
/// (the parcel is later than the model ever saw), the next business day is
/// given with `coverage` 0 — the caller should say it is overdue.
pub fn eta_from(estimate: &TransitEstimate, ship_date: Date, today: Date, coverage: f64) -> Result<Eta, Error> {
    let start = calendar::day_number(ship_date);
    let now = calendar::day_number(today);
    // Business days in transit that would have delivered before today.
    let elapsed = calendar::business_days_between(start, now);
    let cut = usize::try_from(elapsed).unwrap_or(0).min(MAX_DAYS + 1);
    if cut == 0 {
        return eta(estimate, ship_date, coverage);
    }
    let left: f64 = estimate.probs.iter().skip(cut).sum();
    if left <= 1e-9 {
        let next = calendar::date_of(calendar::business_day_on_or_after(now), "today")?;
        let mut e = eta(estimate, ship_date, coverage)?;
        e.likely = next;
        e.earliest = next;
        e.latest = next;
        e.coverage = 0.0;
        e.p_by_likely = 0.0;
        e.transit_days = u8::try_from(elapsed).unwrap_or(u8::MAX);
        return Ok(e);
    }
    let mut conditioned = estimate.clone();
    for (d, p) in conditioned.probs.iter_mut().enumerate() {
        *p = if d < cut { 0.0 } else { *p / left };
    }
    eta(&conditioned, ship_date, coverage)
}

/// The day a parcel ready at `ready` (local wall-clock) is picked up: that
/// day, or the next business day when ready on a weekend or after `cutoff`.
pub fn pickup_day(ready: jiff::civil::DateTime, cutoff: Option<jiff::civil::Time>) -> Date {
    let day = calendar::day_number(ready.date());
    let picked = if !calendar::is_business_day(day) {
        calendar::business_day_on_or_after(day)
    } else if cutoff.is_some_and(|c| ready.time() > c) {
        calendar::add_business_days(day, 1)
    } else {
        day
    };
    calendar::date_of(picked, "ready").unwrap_or(ready.date())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::carrier::transit::BUCKETS;
    use jiff::civil::date;

    fn estimate(probs: &[(usize, f64)]) -> TransitEstimate {
        let mut p = [0.0; BUCKETS];
        for &(d, q) in probs {
            p[d] = q;
        }
        TransitEstimate {
            probs: p,
            concentration: 20.0,
            lane_observations: 12,
            zone_observations: 40,
            nominal_days: 3,
        }
    }

    #[test]
    fn interval_is_the_central_mass_over_business_days() {
        // Shipped Friday 2026-11-20: 2 business days is Tuesday, 4 is Thursday.
        let e = estimate(&[(2, 0.15), (3, 0.6), (4, 0.2), (5, 0.05)]);
        let eta = eta(&e, date(2026, 11, 20), 0.8).unwrap();
        assert_eq!(eta.likely, date(2026, 11, 25));
        assert_eq!(eta.earliest, date(2026, 11, 24));
        assert_eq!(eta.latest, date(2026, 11, 26));
        assert!((eta.coverage - 0.95).abs() < 1e-9, "{}", eta.coverage);
        assert!((eta.p_by_likely - 0.75).abs() < 1e-9);
        assert_eq!(eta.transit_days, 3);
    }

    #[test]
    fn a_sure_estimate_gives_a_one_day_interval() {
        let e = estimate(&[(1, 1.0)]);
        let eta = eta(&e, date(2026, 11, 23), 0.8).unwrap();
        assert_eq!(
            (eta.earliest, eta.likely, eta.latest),
            (date(2026, 11, 24), date(2026, 11, 24), date(2026, 11, 24))
        );
        assert!((eta.coverage - 1.0).abs() < 1e-9);
    }

    #[test]
    fn a_parcel_not_delivered_yet_is_never_expected_in_the_past() {
        // Shipped Friday Nov 20; on Wednesday Nov 25 the 2-day outcome (Tuesday)
        // is ruled out, today's still possible, and the interval narrows to
        // today..Thursday with the remaining mass renormalised.
        let e = estimate(&[(2, 0.15), (3, 0.6), (4, 0.2), (5, 0.05)]);
        let late = eta_from(&e, date(2026, 11, 20), date(2026, 11, 25), 0.8).unwrap();
        assert_eq!((late.earliest, late.likely), (date(2026, 11, 25), date(2026, 11, 25)));
        assert_eq!(late.latest, date(2026, 11, 26), "{late:?}");
        assert!((late.p_by_likely - 0.6 / 0.85).abs() < 1e-9, "{late:?}");
        // Before any day has passed, nothing changes.
        assert_eq!(
            eta_from(&e, date(2026, 11, 20), date(2026, 11, 20), 0.8).unwrap(),
            eta(&e, date(2026, 11, 20), 0.8).unwrap()
        );
        // Past every outcome the model knows: the next business day, coverage 0.
        let overdue = eta_from(&e, date(2026, 11, 2), date(2026, 11, 28), 0.8).unwrap();
        assert_eq!((overdue.likely, overdue.coverage), (date(2026, 11, 30), 0.0));
    }

    #[test]
    fn coverage_outside_the_unit_interval_is_refused() {
        let e = estimate(&[(1, 1.0)]);
        for bad in [0.0, 1.0, -0.1, f64::NAN] {
            assert_eq!(eta(&e, date(2026, 11, 23), bad).unwrap_err().field(), Some("coverage"));
        }
    }

    #[test]
    fn pickup_waits_for_the_next_business_day_after_the_cutoff_or_a_weekend() {
        let cutoff = Some(jiff::civil::time(14, 0, 0, 0));
        // Monday 13:00 → Monday; Monday 15:00 → Tuesday; Friday 15:00 → Monday; Saturday → Monday.
        assert_eq!(pickup_day(date(2026, 11, 23).at(13, 0, 0, 0), cutoff), date(2026, 11, 23));
        assert_eq!(pickup_day(date(2026, 11, 23).at(15, 0, 0, 0), cutoff), date(2026, 11, 24));
        assert_eq!(pickup_day(date(2026, 11, 27).at(15, 0, 0, 0), cutoff), date(2026, 11, 30));
        assert_eq!(pickup_day(date(2026, 11, 28).at(9, 0, 0, 0), None), date(2026, 11, 30));
    }
}
