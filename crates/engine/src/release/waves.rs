//! Wave building at one node: rank the orders, then place them into waves
//! earliest cutoff first without exceeding the labour of any wave (see the
//! module documentation of [`super`]).

use std::collections::{BTreeMap, HashMap};

use model::ops::LineQty;
use model::outbound::{Wave, WaveOrder};
use model::{NodeId, Timestamp};

use super::clock::{self, Clock};
use super::score::{self, ScoreParts};
use super::{CapacityBasis, HORIZON_HOURS, HoldReason, NodeLabour, NodeSummary, OrderRelease, Outcome, Releasable};
use crate::Error;

/// Slack for float comparisons of work and seconds.
const EPS: f64 = 1e-6;

/// A wave being filled; times in seconds after `now`.
struct Building {
    start: f64,
    duration: f64,
    load: f64,
    /// Picking must end by then (earliest due time of its orders).
    deadline: f64,
    /// Indexes into the ranked orders.
    orders: Vec<usize>,
}

impl Building {
    fn end(&self) -> f64 {
        self.start + self.duration
    }
}

/// Where an order went while waves were built.
enum Placement {
    Wave(usize),
    Held(HoldReason, String),
}

/// An order with what ranking needs.
struct Ranked<'a> {
    order: &'a Releasable,
    work: f64,
    /// UTC seconds.
    cutoff: Option<i64>,
    missed: Option<i64>,
    parts: ScoreParts,
    score: f64,
}

pub(crate) struct Planned {
    pub decisions: Vec<OrderRelease>,
    pub waves: Vec<Wave>,
    pub summary: NodeSummary,
}

fn work_of(o: &Releasable, basis: CapacityBasis) -> f64 {
    match basis {
        CapacityBasis::Units => o.lines.iter().map(|l| l.quantity.units() as f64).sum(),
        CapacityBasis::Lines => o.lines.len() as f64,
    }
}

/// Per order, the mean over its lines of the share of the node's other
/// orders that pick in the line's zone.
fn densities(orders: &[&Releasable]) -> Vec<f64> {
    let mut touching: HashMap<&str, usize> = HashMap::new();
    for o in orders {
        let mut zones: Vec<&str> = o.lines.iter().map(|l| l.zone.as_str()).collect();
        zones.sort_unstable();
        zones.dedup();
        for z in zones {
            *touching.entry(z).or_default() += 1;
        }
    }
    let others = orders.len().saturating_sub(1);
    orders
        .iter()
        .map(|o| {
            if others == 0 {
                return 0.0;
            }
            let sum: f64 = o
                .lines
                .iter()
                .map(|l| (touching.get(l.zone.as_str()).copied().unwrap_or(1) - 1) as f64 / others as f64)
                .sum();
            sum / o.lines.len() as f64
        })
        .collect()
}

/// The zone most of an order's units are picked in (ties: the first name).
fn primary_zone(o: &Releasable) -> &str {
    let mut units: BTreeMap<&str, i64> = BTreeMap::new();
    for l in &o.lines {
        *units.entry(l.zone.as_str()).or_default() += l.quantity.units();
    }
    units.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))).map_or("", |(z, _)| z)
}

pub(crate) fn plan_node(node: &NodeId, labour: Option<&NodeLabour>, orders: &[&Releasable], now: Timestamp) -> Result<Planned, Error> {
    let now_s = now.as_second();
    let basis = labour.map_or(CapacityBasis::Units, |l| l.basis);
    let clock = Clock::new(labour.map_or(0, |l| l.utc_offset_minutes), labour.map_or(&[][..], |l| &l.cutoffs));
    let rate = labour.map_or(0.0, |l| l.per_hour / 3600.0);
    // The floor finishes what it already has first.
    let t0 = match labour {
        Some(l) if rate > 0.0 => l.backlog / rate,
        _ => 0.0,
    };
    let horizon = (HORIZON_HOURS * 3600) as f64;
    let limit = labour
        .and_then(|l| l.shift_ends_at)
        .map_or(horizon, |end| ((end.as_second() - now_s) as f64).min(horizon));

    let density = densities(orders);
    let mut ranked: Vec<Ranked> = orders
        .iter()
        .zip(density)
        .map(|(&o, density)| {
            let work = work_of(o, basis);
            let mut cutoff = clock.next_cutoff(&o.carrier, now_s);
            let mut missed = None;
            // Too big for its cutoff even with the floor to itself: it is
            // really due at the carrier's next pickup.
            while let Some(c) = cutoff
                && rate > 0.0
                && t0 + work / rate > (c - now_s) as f64 + EPS
                && ((c - now_s) as f64) < horizon
            {
                missed.get_or_insert(c);
                cutoff = clock.next_cutoff(&o.carrier, c);
            }
            let minutes = cutoff.map(|c| (c - now_s) as f64 / 60.0);
            let parts = ScoreParts {
                urgency: score::round4(score::urgency(minutes)),
                promise: score::round4(score::promise(o.promised_by.map(|d| clock.business_days_until(now_s, d)))),
                tier: score::round4(score::tier(o.tier)),
                density: score::round4(density),
            };
            Ranked {
                order: o,
                work,
                cutoff,
                missed,
                score: score::score(&parts),
                parts,
            }
        })
        .collect();
    ranked.sort_by(|a, b| {
        a.cutoff
            .unwrap_or(i64::MAX)
            .cmp(&b.cutoff.unwrap_or(i64::MAX))
            .then(b.score.total_cmp(&a.score))
            .then(a.order.placed_at.is_none().cmp(&b.order.placed_at.is_none()))
            .then(a.order.placed_at.cmp(&b.order.placed_at))
            .then_with(|| a.order.order_id.cmp(&b.order.order_id))
    });

    let mut waves: Vec<Building> = Vec::new();
    let mut placements: Vec<Placement> = Vec::with_capacity(ranked.len());
    // The cutoff of the first order that waits for labour; later cutoffs
    // wait behind it (`i64::MAX` stands for "no cutoff").
    let mut blocked: Option<(i64, String)> = None;
    let max_orders = labour.and_then(|l| l.max_orders_per_wave).map_or(usize::MAX, |m| m as usize);
    let wave_len = labour.map_or(0.0, |l| f64::from(l.wave_minutes) * 60.0);

    for (i, r) in ranked.iter().enumerate() {
        let Some(l) = labour.filter(|_| rate > 0.0) else {
            let detail = match labour {
                None => format!("No labour plan for node {node}."),
                Some(_) => format!("Node {node} has no picking labour planned (0 per hour)."),
            };
            placements.push(Placement::Held(HoldReason::NoLabour, detail));
            continue;
        };
        let key = r.cutoff.unwrap_or(i64::MAX);
        if let Some((c, label)) = &blocked
            && key > *c
        {
            placements.push(Placement::Held(
                HoldReason::BehindEarlierCutoff,
                format!("Waits behind orders due at the earlier {label} that have no labour yet."),
            ));
            continue;
        }
        let due = r.cutoff.map_or(limit, |c| ((c - now_s) as f64).min(limit));
        let pick = r.work / rate;
        let fits = |w: &Building| {
            w.orders.len() < max_orders
                && w.load + r.work <= rate * w.duration + EPS
                && w.start + (w.load + r.work) / rate <= w.deadline.min(due) + EPS
        };
        let slot = match waves.iter().position(fits) {
            Some(k) => Some(k),
            None => {
                let start = waves.last().map_or(t0, Building::end);
                // A wave as long as its biggest order needs, in whole minutes.
                let duration = wave_len.max((pick / 60.0).ceil() * 60.0);
                (start + pick <= due + EPS && start < limit).then(|| {
                    waves.push(Building {
                        start,
                        duration,
                        load: 0.0,
                        deadline: f64::INFINITY,
                        orders: Vec::new(),
                    });
                    waves.len() - 1
                })
            }
        };
        match slot {
            Some(k) => {
                let w = &mut waves[k];
                w.load += r.work;
                w.deadline = w.deadline.min(due);
                w.orders.push(i);
                placements.push(Placement::Wave(k));
            }
            None => {
                let what = match r.cutoff {
                    Some(c) if (c - now_s) as f64 <= limit => format!("the {} cutoff at {}", r.order.carrier, clock.label(c, now_s)),
                    _ if limit < horizon => format!("the end of the shift at {}", clock.label(now_s + limit as i64, now_s)),
                    _ => format!("the next {HORIZON_HOURS} hours"),
                };
                let measure = match basis {
                    CapacityBasis::Units => "units",
                    CapacityBasis::Lines => "lines",
                };
                placements.push(Placement::Held(
                    HoldReason::NoCapacityBeforeCutoff,
                    format!(
                        "No labour left before {what}: its {} {measure} need {:.0} min of picking at {:.0} {measure}/h, and more urgent orders fill the time.",
                        r.work,
                        pick / 60.0,
                        l.per_hour
                    ),
                ));
                if blocked.is_none() {
                    let label = match r.cutoff {
                        Some(c) => format!("{} {} cutoff", r.order.carrier, clock.label(c, now_s)),
                        None => "cutoff".to_string(),
                    };
                    blocked = Some((key, label));
                }
            }
        }
    }

    // Wave ids and messages.
    let zones: Vec<&str> = ranked.iter().map(|r| primary_zone(r.order)).collect();
    let mut wave_ids = Vec::with_capacity(waves.len());
    let mut out_waves = Vec::with_capacity(waves.len());
    for (k, w) in waves.iter().enumerate() {
        let start_s = now_s + w.start.round() as i64;
        let id = format!("{node}-{}-{:02}", clock::compact_utc(start_s), k + 1);
        let mut members: Vec<usize> = w.orders.clone();
        // Pickers sweep one zone at a time; rank orders within a zone.
        members.sort_by(|&a, &b| zones[a].cmp(zones[b]).then(a.cmp(&b)));
        let orders = members
            .iter()
            .map(|&i| {
                let r = &ranked[i];
                Ok(WaveOrder {
                    order_id: r.order.order_id.clone(),
                    priority: Some(i as u32 + 1),
                    carrier: Some(r.order.carrier.clone()),
                    service: r.order.service.clone(),
                    ship_by: r.cutoff.map(|c| clock::timestamp(c, "cutoff")).transpose()?,
                    lines: r
                        .order
                        .lines
                        .iter()
                        .map(|l| LineQty {
                            sku: l.sku.clone(),
                            quantity: l.quantity,
                        })
                        .collect(),
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        out_waves.push(Wave {
            wave_id: id.clone(),
            node: node.clone(),
            // Within a minute of now means now.
            release_at: if w.start < 60.0 {
                None
            } else {
                Some(clock::timestamp(start_s, "release_at")?)
            },
            orders,
        });
        wave_ids.push(id);
    }

    let mut decisions = Vec::with_capacity(ranked.len());
    for (i, (r, placement)) in ranked.iter().zip(placements).enumerate() {
        let (outcome, confidence) = match placement {
            Placement::Wave(k) => {
                let w = &waves[k];
                let done = w.start + w.load / rate;
                let due = r.cutoff.map_or(limit, |c| ((c - now_s) as f64).min(limit));
                // Full confidence with an hour to spare; a plan that ends
                // just at the cutoff leans on the labour rate being right.
                let spare = ((due - done) / 3600.0).clamp(0.0, 1.0);
                (
                    Outcome::Released {
                        wave_id: wave_ids[k].clone(),
                        wave: k as u32 + 1,
                        done_by: clock::timestamp(now_s + done.ceil() as i64, "done_by")?,
                    },
                    0.6 + 0.4 * spare,
                )
            }
            Placement::Held(reason, detail) => {
                let c = match reason {
                    HoldReason::NoLabour => 1.0,
                    HoldReason::BehindEarlierCutoff => 0.9,
                    HoldReason::NoCapacityBeforeCutoff => 0.8,
                };
                (Outcome::Held { reason, detail }, c)
            }
        };
        decisions.push(OrderRelease {
            order_id: r.order.order_id.clone(),
            node: node.clone(),
            carrier: r.order.carrier.clone(),
            promised_by: r.order.promised_by,
            tier: r.order.tier,
            rank: i as u32 + 1,
            score: r.score,
            parts: r.parts,
            cutoff: r.cutoff.map(|c| clock::timestamp(c, "cutoff")).transpose()?,
            missed_cutoff: r.missed.map(|c| clock::timestamp(c, "cutoff")).transpose()?,
            work: r.work,
            outcome,
            confidence: (confidence * 1000.0_f64).round() / 1000.0,
        });
    }

    let released: Vec<&OrderRelease> = decisions.iter().filter(|d| matches!(d.outcome, Outcome::Released { .. })).collect();
    let summary = NodeSummary {
        node: node.clone(),
        basis,
        orders: decisions.len(),
        released: released.len(),
        held: decisions.len() - released.len(),
        waves: waves.len(),
        work_released: released.iter().map(|d| d.work).sum(),
        work_held: decisions
            .iter()
            .filter(|d| matches!(d.outcome, Outcome::Held { .. }))
            .map(|d| d.work)
            .sum(),
        wave_capacity: score::round4(waves.iter().map(|w| rate * w.duration).sum()),
    };
    Ok(Planned {
        decisions,
        waves: out_waves,
        summary,
    })
}
