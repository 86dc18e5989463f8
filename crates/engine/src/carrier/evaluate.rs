//! How good the carrier choice is on simulated deliveries
//! (`crossdock bench carrier`).
//!
//! The world of [`super::simulate`] has true transit times that differ from
//! the advertised ones. A learning phase ships the first half of the
//! shipments with a service picked at random among those that accept each
//! one (so every service is seen) and feeds every delivery to a
//! [`TransitModel`]. The test phase then ships the second half under each
//! policy, with the same luck per shipment for every policy (common random
//! numbers), and counts on-time deliveries and cost:
//!
//! - `learned`: [`choose`] with the learned model at the target, still
//!   learning from its own deliveries;
//! - `prior_only`: [`choose`] with a model that never sees a delivery
//!   (advertised times with the prior's spread);
//! - `always_cheapest`: the cheapest eligible service;
//! - `always_fastest`: the service with the fewest advertised days, the
//!   cheapest among those;
//! - `oracle`: the cheapest service whose TRUE P(on time) reaches the target
//!   (else the truly likeliest) — the best any policy could do.

use serde::Serialize;

use super::calendar;
use super::choose::{CarrierOption, choose};
use super::defaults::example_tables;
use super::geo::Lane;
use super::rates::RateTables;
use super::simulate::{self, Rng, SimShipment};
use super::transit::{Priors, TransitModel};
use super::{DEFAULT_TARGET_ON_TIME, MODEL};

/// One policy's results over the test phase.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyResult {
    pub policy: String,
    pub shipments: usize,
    /// Share delivered by the promised date.
    pub on_time_rate: f64,
    pub mean_cost: f64,
    pub total_cost: f64,
    /// Mean predicted P(on time) of its choices (model policies only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_predicted_p: Option<f64>,
    /// Share of shipments where its choice reached the target (by the
    /// model's belief for model policies, by the truth for the oracle).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_met_share: Option<f64>,
}

/// Predicted against realised on-time rates for the learned policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    /// Predicted P(on time) in `[lo, hi)`.
    pub lo: f64,
    pub hi: f64,
    pub shipments: usize,
    pub mean_predicted: f64,
    pub realised: f64,
}

/// The report `crossdock bench carrier` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CarrierEvaluation {
    pub model: String,
    pub seed: u64,
    pub learning_shipments: usize,
    pub test_shipments: usize,
    pub target_on_time: f64,
    /// Shipments no service could take (left out of both phases).
    pub skipped: usize,
    pub policies: Vec<PolicyResult>,
    /// The learned policy's predictions binned against outcomes.
    pub calibration: Vec<Calibration>,
    /// Mean squared error of the learned policy's P(on time).
    pub brier_score: f64,
    /// Count vectors the learned model holds at the end.
    pub model_entries: usize,
    /// `true` when the learned policy reaches the target on-time rate.
    pub learned_meets_target: bool,
    /// Learned policy's mean cost as a share of always-fastest's.
    pub learned_cost_vs_fastest: f64,
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// What happened to one shipment under one choice.
struct Outcome {
    on_time: bool,
    cost: f64,
    predicted: Option<f64>,
    met: Option<bool>,
}

#[derive(Default)]
struct Tally {
    n: usize,
    on_time: usize,
    cost: f64,
    predicted: f64,
    predicted_n: usize,
    met: usize,
    met_n: usize,
}

impl Tally {
    fn add(&mut self, o: &Outcome) {
        self.n += 1;
        self.on_time += usize::from(o.on_time);
        self.cost += o.cost;
        if let Some(p) = o.predicted {
            self.predicted += p;
            self.predicted_n += 1;
        }
        if let Some(m) = o.met {
            self.met += usize::from(m);
            self.met_n += 1;
        }
    }

    fn result(&self, policy: &str) -> PolicyResult {
        let n = self.n.max(1) as f64;
        PolicyResult {
            policy: policy.into(),
            shipments: self.n,
            on_time_rate: round4(self.on_time as f64 / n),
            mean_cost: (self.cost / n * 100.0).round() / 100.0,
            total_cost: (self.cost * 100.0).round() / 100.0,
            mean_predicted_p: (self.predicted_n > 0).then(|| round4(self.predicted / self.predicted_n as f64)),
            target_met_share: (self.met_n > 0).then(|| round4(self.met as f64 / self.met_n as f64)),
        }
    }
}

/// Ships one simulated shipment with `option`: the truth decides the
/// transit from the shipment's luck; returns (on time, delivery day).
fn ship(seed: u64, s: &SimShipment, option: &CarrierOption) -> (bool, i64, usize) {
    let b = simulate::behaviour(seed, &option.carrier, &option.service, s.origin, s.destination, option.zone);
    let truth = simulate::true_distribution(b, option.nominal_days);
    let transit = simulate::draw(&truth, s.luck);
    let ship_day = calendar::day_number(option.ship_date);
    let delivered = calendar::add_business_days(ship_day, transit as i64);
    (delivered <= calendar::day_number(s.request.promised_by), delivered, transit)
}

/// The true P(on time) of an option.
fn true_p(seed: u64, s: &SimShipment, option: &CarrierOption) -> f64 {
    if option.business_days_available < 0 {
        return 0.0;
    }
    let b = simulate::behaviour(seed, &option.carrier, &option.service, s.origin, s.destination, option.zone);
    let truth = simulate::true_distribution(b, option.nominal_days);
    let upto = (option.business_days_available as usize).min(truth.len() - 1);
    truth[..=upto].iter().sum()
}

fn observe(model: &mut TransitModel, lane: &Lane, option: &CarrierOption, delivered_day: i64) {
    let delivered = calendar::date_of(delivered_day, "delivered_on").expect("simulated dates lie in 2026");
    model
        .observe(&option.carrier, &option.service, lane, option.ship_date, delivered)
        .expect("simulated deliveries are valid");
}

/// Runs the simulation of `shipments` shipments (half to learn, half to
/// test) of the world `seed` at the default 95% target; see the module
/// documentation. Deterministic for a seed.
pub fn evaluate(seed: u64, shipments: usize) -> CarrierEvaluation {
    evaluate_with(seed, shipments, &example_tables(), DEFAULT_TARGET_ON_TIME)
}

pub(crate) fn evaluate_with(seed: u64, shipments: usize, tables: &RateTables, target: f64) -> CarrierEvaluation {
    let learning = shipments / 2;
    let mut learned = TransitModel::new(Priors::default());
    let prior_only = TransitModel::new(Priors::default());
    let mut explore = Rng::new(seed ^ 0x0E2F_10AE);
    let mut skipped = 0;

    for i in 0..learning as u64 {
        let s = simulate::shipment(seed, i);
        let Ok(d) = choose(&s.request, tables, &prior_only, target) else {
            skipped += 1;
            continue;
        };
        let option = &d.alternatives[explore.below(d.alternatives.len())];
        let (_, delivered, _) = ship(seed, &s, option);
        observe(&mut learned, &d.lane, option, delivered);
    }

    let names = ["learned", "prior_only", "always_cheapest", "always_fastest", "oracle"];
    let mut tallies: Vec<Tally> = names.iter().map(|_| Tally::default()).collect();
    // (lo, hi, shipments, Σ predicted, Σ on time); the last bin holds 1.0.
    let mut bins: Vec<(f64, f64, usize, f64, f64)> = [0.0, 0.5, 0.8, 0.9, 0.95, 0.99, 1.0001]
        .windows(2)
        .map(|w| (w[0], w[1], 0, 0.0, 0.0))
        .collect();
    let mut brier = 0.0;
    let mut brier_n = 0usize;

    for i in learning as u64..shipments as u64 {
        let s = simulate::shipment(seed, i);
        let Ok(base) = choose(&s.request, tables, &prior_only, target) else {
            skipped += 1;
            continue;
        };
        let Ok(smart) = choose(&s.request, tables, &learned, target) else {
            skipped += 1;
            continue;
        };
        let prior_pick = base.chosen().expect("a decision has a chosen option");
        let smart_pick = smart.chosen().expect("a decision has a chosen option");
        let cheapest = &base.alternatives[0];
        let fastest = base
            .alternatives
            .iter()
            .min_by(|a, b| a.nominal_days.cmp(&b.nominal_days).then(a.price.total_cmp(&b.price)))
            .expect("a decision has alternatives");
        let truths: Vec<f64> = base.alternatives.iter().map(|o| true_p(seed, &s, o)).collect();
        let oracle_ix = base
            .alternatives
            .iter()
            .zip(&truths)
            .position(|(_, &p)| p >= target)
            .unwrap_or_else(|| {
                let best = truths.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                truths.iter().position(|&p| p >= best).unwrap_or(0)
            });
        let oracle = &base.alternatives[oracle_ix];

        let picks: [(&CarrierOption, Option<f64>, Option<bool>); 5] = [
            (smart_pick, Some(smart.p_on_time), Some(smart.meets_target)),
            (prior_pick, Some(base.p_on_time), Some(base.meets_target)),
            (cheapest, None, None),
            (fastest, None, None),
            (oracle, None, Some(truths[oracle_ix] >= target)),
        ];
        for (k, (option, predicted, met)) in picks.into_iter().enumerate() {
            let (on_time, delivered, _) = ship(seed, &s, option);
            tallies[k].add(&Outcome {
                on_time,
                cost: option.price,
                predicted,
                met,
            });
            if k == 0 {
                observe(&mut learned, &smart.lane, option, delivered);
                let p = smart.p_on_time;
                brier += (p - f64::from(u8::from(on_time))).powi(2);
                brier_n += 1;
                if let Some(bin) = bins.iter_mut().find(|b| p >= b.0 && p < b.1) {
                    bin.2 += 1;
                    bin.3 += p;
                    bin.4 += f64::from(u8::from(on_time));
                }
            }
        }
    }

    let policies: Vec<PolicyResult> = names.iter().zip(&tallies).map(|(n, t)| t.result(n)).collect();
    let learned_result = &policies[0];
    let fastest_result = &policies[3];
    CarrierEvaluation {
        model: MODEL.into(),
        seed,
        learning_shipments: learning,
        test_shipments: shipments - learning,
        target_on_time: target,
        skipped,
        learned_meets_target: learned_result.on_time_rate >= target,
        learned_cost_vs_fastest: round4(learned_result.mean_cost / fastest_result.mean_cost.max(1e-9)),
        policies,
        calibration: bins
            .into_iter()
            .filter(|b| b.2 > 0)
            .map(|(lo, hi, n, pred, real)| Calibration {
                lo,
                hi: hi.min(1.0),
                shipments: n,
                mean_predicted: round4(pred / n as f64),
                realised: round4(real / n as f64),
            })
            .collect(),
        brier_score: round4(brier / brier_n.max(1) as f64),
        model_entries: learned.len(),
    }
}
