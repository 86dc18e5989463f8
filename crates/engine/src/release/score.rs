//! The release score: how much an order should go first among orders due at
//! the same cutoff. Four parts, each in [0, 1], weighted by [`WEIGHTS`].

use serde::{Deserialize, Serialize};

use super::CustomerTier;

/// Weights of urgency, promise, tier and density.
pub const WEIGHTS: [f64; 4] = [0.40, 0.30, 0.15, 0.15];

/// Minutes to the cutoff at which urgency is one half.
const URGENCY_HALF_MINUTES: f64 = 120.0;

/// The parts of a release score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScoreParts {
    /// Carrier cutoff urgency: 1 / (1 + minutes to cutoff / 120); 0 without
    /// a cutoff.
    pub urgency: f64,
    /// Promised-date pressure: 1 when due within a business day (or late),
    /// 1 / (1 + (days − 1) / 2) beyond; 0 without a promise.
    pub promise: f64,
    /// Customer tier: 0 standard, ⅓ silver, ⅔ gold, 1 platinum.
    pub tier: f64,
    /// Pick density: the mean share of the node's other orders that pick
    /// in the same zones as this order's lines (orders that batch well).
    pub density: f64,
}

/// The weighted sum of the parts, rounded to 4 decimals.
pub fn score(parts: &ScoreParts) -> f64 {
    let s = WEIGHTS[0] * parts.urgency + WEIGHTS[1] * parts.promise + WEIGHTS[2] * parts.tier + WEIGHTS[3] * parts.density;
    (s * 10_000.0).round() / 10_000.0
}

pub(crate) fn urgency(minutes_to_cutoff: Option<f64>) -> f64 {
    minutes_to_cutoff.map_or(0.0, |m| 1.0 / (1.0 + m.max(0.0) / URGENCY_HALF_MINUTES))
}

pub(crate) fn promise(business_days: Option<i64>) -> f64 {
    match business_days {
        None => 0.0,
        Some(d) if d <= 1 => 1.0,
        Some(d) => 1.0 / (1.0 + (d - 1) as f64 / 2.0),
    }
}

pub(crate) fn tier(t: CustomerTier) -> f64 {
    match t {
        CustomerTier::Standard => 0.0,
        CustomerTier::Silver => 1.0 / 3.0,
        CustomerTier::Gold => 2.0 / 3.0,
        CustomerTier::Platinum => 1.0,
    }
}

pub(crate) fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}
