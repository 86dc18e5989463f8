//! Generated release instances and the timing `crossdock bench release`
//! prints: [`bench`] plans 10,000 orders over 20 nodes by default.

use std::time::Instant;

use jiff::civil::date;
use model::node::Cutoff;
use model::{NodeId, OrderId, Quantity, Sku, Timestamp};
use serde::Serialize;

use super::{CapacityBasis, CustomerTier, NodeLabour, Outcome, Releasable, ReleaseLine, plan_waves};
use crate::carrier::calendar;

/// splitmix64, as everywhere in the engine's generators.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in lo..=hi.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `now` of the generated instances: Wednesday 2026-05-13 14:00 UTC
/// (10:00 in New York, 07:00 in Los Angeles).
pub fn bench_now() -> Timestamp {
    Timestamp::from_second(calendar::day_number(date(2026, 5, 13)) * 86_400 + 14 * 3600).expect("2026 is in range")
}

fn hhmm(minute: u64) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// A deterministic instance of `orders` releasable orders over `nodes`
/// nodes (at least 1): nodes in three US time zones with UPS, FedEx and
/// USPS cutoffs (some with a noon UPS pickup too), labour in units or lines
/// per hour, some backlog, shifts ending at 22:00 local; orders of 1–6
/// lines over six pick zones, promised in 1–6 business days, mostly
/// standard customers. Labour is tight enough that some orders wait.
pub fn generate(seed: u64, orders: usize, nodes: usize) -> (Vec<Releasable>, Vec<NodeLabour>, Timestamp) {
    let mut rng = Rng(seed ^ 0x00E1_EA5E);
    let now = bench_now();
    let nodes = nodes.max(1);
    let labour: Vec<NodeLabour> = (0..nodes)
        .map(|i| {
            let offset: i32 = [-240, -300, -420][i % 3];
            let mut cutoffs = vec![
                Cutoff {
                    carrier: "UPS".into(),
                    time: hhmm(rng.range(16 * 60, 18 * 60) / 15 * 15),
                },
                Cutoff {
                    carrier: "FEDEX".into(),
                    time: hhmm(rng.range(15 * 60, 17 * 60 + 30) / 15 * 15),
                },
                Cutoff {
                    carrier: "USPS".into(),
                    time: hhmm(rng.range(14 * 60, 16 * 60) / 15 * 15),
                },
            ];
            if rng.unit() < 0.3 {
                cutoffs.push(Cutoff {
                    carrier: "UPS".into(),
                    time: "12:00".into(),
                });
            }
            let lines = i % 2 == 1;
            let local_now = 14 * 60 + i64::from(offset);
            let shift_end = now.as_second() + (22 * 60 - local_now) * 60;
            NodeLabour {
                node: NodeId::parse(&format!("NODE-{:02}", i + 1)).expect("generated node ids are valid"),
                utc_offset_minutes: offset,
                cutoffs,
                basis: if lines { CapacityBasis::Lines } else { CapacityBasis::Units },
                per_hour: if lines {
                    rng.range(90, 260) as f64
                } else {
                    rng.range(150, 420) as f64
                },
                backlog: rng.range(0, 150) as f64,
                wave_minutes: [20, 30, 45, 60][rng.range(0, 3) as usize],
                shift_ends_at: Timestamp::from_second(shift_end).ok(),
                max_orders_per_wave: (rng.unit() < 0.5).then_some(rng.range(40, 120) as u32),
            }
        })
        .collect();
    let today = calendar::day_number(date(2026, 5, 13));
    let releasable = (0..orders)
        .map(|k| {
            let node = labour[rng.range(0, nodes as u64 - 1) as usize].node.clone();
            let u = rng.unit();
            let carrier = if u < 0.45 {
                "UPS"
            } else if u < 0.80 {
                "FEDEX"
            } else {
                "USPS"
            };
            let n_lines = [1, 1, 1, 2, 2, 3, 4, 6][rng.range(0, 7) as usize];
            let lines = (0..n_lines)
                .map(|_| ReleaseLine {
                    sku: Sku::parse(&format!("SKU-{:05}", rng.range(1, 5000))).expect("generated SKUs are valid"),
                    quantity: Quantity([1, 1, 1, 2, 3, 4][rng.range(0, 5) as usize]),
                    zone: ["A", "A", "B", "B", "C", "D", "E", "F"][rng.range(0, 7) as usize].into(),
                })
                .collect();
            let t = rng.unit();
            let tier = if t < 0.70 {
                CustomerTier::Standard
            } else if t < 0.85 {
                CustomerTier::Silver
            } else if t < 0.95 {
                CustomerTier::Gold
            } else {
                CustomerTier::Platinum
            };
            Releasable {
                order_id: OrderId::parse(&format!("SO-{seed}-{k:06}")).expect("generated order ids are valid"),
                node,
                carrier: carrier.into(),
                service: Some("GROUND".into()),
                promised_by: calendar::date_of(calendar::add_business_days(today, rng.range(1, 6) as i64), "promised_by").ok(),
                tier,
                lines,
                placed_at: Timestamp::from_second(now.as_second() - rng.range(0, 72 * 3600) as i64).ok(),
            }
        })
        .collect();
    (releasable, labour, now)
}

/// What [`bench`] measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReleaseBench {
    pub seed: u64,
    pub orders: usize,
    pub nodes: usize,
    pub released: usize,
    pub held: usize,
    pub waves: usize,
    /// Fastest of `repeats` runs of [`plan_waves`], in milliseconds.
    pub plan_ms: f64,
    /// Mean of the runs, in milliseconds.
    pub plan_ms_mean: f64,
    pub repeats: usize,
    /// Work released ÷ labour of the planned waves, over all nodes.
    pub wave_utilisation: f64,
    pub confidence: f64,
}

/// Plans a generated instance of `orders` orders over `nodes` nodes
/// `repeats` times (at least once) and reports the timing and the outcome.
pub fn bench(seed: u64, orders: usize, nodes: usize, repeats: usize) -> ReleaseBench {
    let (releasable, labour, now) = generate(seed, orders, nodes);
    let mut times = Vec::new();
    let mut plan = None;
    for _ in 0..repeats.max(1) {
        let start = Instant::now();
        let p = plan_waves(&releasable, &labour, now).expect("generated instances are valid");
        times.push(start.elapsed().as_secs_f64() * 1e3);
        plan = Some(p);
    }
    let plan = plan.expect("planned at least once");
    let released = plan
        .decisions
        .iter()
        .filter(|d| matches!(d.outcome, Outcome::Released { .. }))
        .count();
    let work: f64 = plan.nodes.iter().map(|n| n.work_released).sum();
    let capacity: f64 = plan.nodes.iter().map(|n| n.wave_capacity).sum();
    let round3 = |x: f64| (x * 1000.0).round() / 1000.0;
    ReleaseBench {
        seed,
        orders,
        nodes,
        released,
        held: plan.decisions.len() - released,
        waves: plan.waves.len(),
        plan_ms: round3(times.iter().copied().fold(f64::INFINITY, f64::min)),
        plan_ms_mean: round3(times.iter().sum::<f64>() / times.len() as f64),
        repeats: times.len(),
        wave_utilisation: round3(if capacity > 0.0 { work / capacity } else { 0.0 }),
        confidence: plan.confidence,
    }
}
