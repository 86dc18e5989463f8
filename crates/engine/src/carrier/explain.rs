//! The explanation of a carrier decision: factors in plain words, each
//! weighted by its share of the money at stake. The choice rule itself
//! carries the whole price spread of the eligible services (it decides where
//! in the spread the shipment lands); the premium paid over the cheapest
//! service and the saving against the most reliable one carry their
//! amounts. Informational factors (cutoffs, what the transit estimate rests
//! on, services that cannot take the parcel) weigh 0. Largest first.

use jiff::civil::{Date, DateTime};
use model::node::Cutoff;
use model::ops::Factor;

use super::calendar;
use super::choose::{CarrierDecision, CarrierOption, ShipmentRequest};
use super::geo::ZoneBasis;

/// The factors behind `decision`, which [`super::choose`] made for `request`.
pub fn explain(decision: &CarrierDecision, request: &ShipmentRequest) -> Vec<Factor> {
    explain_parts(decision, &request.ready_at, &request.cutoffs)
}

pub(crate) fn explain_parts(d: &CarrierDecision, ready_at: &DateTime, cutoffs: &[Cutoff]) -> Vec<Factor> {
    let Some(c) = d.chosen() else {
        return Vec::new();
    };
    let money = |x: f64| money(x, &d.currency);
    let target = pct(d.target_on_time);
    let mut factors: Vec<(String, f64)> = Vec::new();
    let cheapest = &d.alternatives[0];
    let meeting = d.alternatives.iter().filter(|o| o.meets_target).count();
    // The rule places the choice within the whole price spread; the premium
    // over the cheapest and the saving against the dearest are its parts.
    let dearest = d.alternatives.iter().map(|o| o.price).fold(c.price, f64::max);
    let spread = dearest - cheapest.price;

    if d.meets_target {
        let of = if meeting == 1 {
            format!("the only one of {} eligible services", d.alternatives.len())
        } else {
            format!("the cheapest of {meeting} services (out of {} eligible)", d.alternatives.len())
        };
        factors.push((
            format!(
                "{} at {}: {of} with at least a {target} chance of arriving by {} ({}).",
                c.name,
                money(c.price),
                day(d.promised_by),
                pct(c.p_on_time)
            ),
            spread,
        ));
        let cheaper: Vec<&CarrierOption> = d.alternatives.iter().filter(|o| o.price < c.price && !o.chosen).collect();
        if !cheaper.is_empty() {
            let listed: Vec<String> = cheaper
                .iter()
                .take(3)
                .map(|o| format!("{} ({}, {})", o.name, money(o.price), pct(o.p_on_time)))
                .collect();
            let more = if cheaper.len() > 3 {
                format!(" and {} more", cheaper.len() - 3)
            } else {
                String::new()
            };
            factors.push((
                format!(
                    "Passed over {} that {} short of {target}: {}{more}; paying {} more buys the promise.",
                    plural(cheaper.len(), "cheaper service", "cheaper services"),
                    if cheaper.len() == 1 { "falls" } else { "fall" },
                    listed.join(", "),
                    money(c.price - cheapest.price)
                ),
                c.price - cheapest.price,
            ));
        }
    } else {
        factors.push((
            format!(
                "No service reaches the {target} target for arriving by {}; {} is the likeliest at {} ({}).",
                day(d.promised_by),
                c.name,
                pct(c.p_on_time),
                money(c.price)
            ),
            spread,
        ));
        if !cheapest.chosen {
            factors.push((
                format!(
                    "The cheapest, {} ({}), has only a {} chance; the likelier service costs {} more.",
                    cheapest.name,
                    money(cheapest.price),
                    pct(cheapest.p_on_time),
                    money(c.price - cheapest.price)
                ),
                c.price - cheapest.price,
            ));
        }
    }
    // The most reliable option the choice did not need.
    if let Some(best) = d
        .alternatives
        .iter()
        .filter(|o| !o.chosen && o.price > c.price)
        .max_by(|a, b| a.p_on_time.total_cmp(&b.p_on_time).then(b.price.total_cmp(&a.price)))
        && best.p_on_time > c.p_on_time
    {
        factors.push((
            format!(
                "Saves {} against the most reliable option, {} ({}, {}).",
                money(best.price - c.price),
                best.name,
                money(best.price),
                pct(best.p_on_time)
            ),
            best.price - c.price,
        ));
    }
    factors.push((ship_date(d, c, ready_at, cutoffs), 0.0));
    factors.push((transit_basis(d, c), 0.0));
    if !d.ineligible.is_empty() {
        let listed: Vec<String> = d.ineligible.iter().map(|i| format!("{} {}", i.name, i.reason)).collect();
        factors.push((
            format!(
                "{} cannot take this shipment: {}.",
                plural(d.ineligible.len(), "service", "services"),
                listed.join("; ")
            ),
            0.0,
        ));
    }

    let sum: f64 = factors.iter().map(|f| f.1.max(0.0)).sum();
    let mut out: Vec<Factor> = factors
        .into_iter()
        .enumerate()
        .map(|(i, (description, amount))| Factor {
            description,
            weight: if sum > 0.0 {
                (amount.max(0.0) / sum * 1000.0).round() / 1000.0
            } else {
                // One price for all: the rule alone decided.
                f64::from(u8::from(i == 0))
            },
        })
        .collect();
    out.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    out
}

fn ship_date(d: &CarrierDecision, c: &CarrierOption, ready_at: &DateTime, cutoffs: &[Cutoff]) -> String {
    let cutoff = cutoffs
        .iter()
        .filter(|k| k.carrier.trim().eq_ignore_ascii_case(&c.carrier))
        .filter_map(|k| calendar::parse_hhmm(&k.time, "cutoffs").ok())
        .max();
    let ready_day = calendar::day_number(ready_at.date());
    let ready = format!("{} {:02}:{:02}", day(ready_at.date()), ready_at.hour(), ready_at.minute());
    let left = format!(
        "{} to the promise",
        plural(c.business_days_available.max(0) as usize, "business day", "business days")
    );
    let node = &d.lane.origin;
    if c.ship_date == ready_at.date() {
        match cutoff {
            Some(t) => format!(
                "Ready {ready}, before the {} cutoff at {node} ({:02}:{:02}): it ships the same day, leaving {left}.",
                c.carrier,
                t.hour(),
                t.minute()
            ),
            None => format!("Ready {ready}: {} picks up the same day at {node}, leaving {left}.", c.carrier),
        }
    } else if !calendar::is_business_day(ready_day) {
        format!("Ready {ready}, on a weekend: it ships {}, leaving {left}.", day(c.ship_date))
    } else {
        let t = cutoff.map(|t| format!(" ({:02}:{:02})", t.hour(), t.minute())).unwrap_or_default();
        format!(
            "Ready {ready}, after the {} cutoff at {node}{t}: it ships the next business day, {}, leaving {left}.",
            c.carrier,
            day(c.ship_date)
        )
    }
}

fn transit_basis(d: &CarrierDecision, c: &CarrierOption) -> String {
    let lane = &d.lane;
    let how = match d.distance.basis {
        ZoneBasis::Coordinates => format!("{:.0} km", d.distance.distance_km),
        ZoneBasis::PostalPrefixes => format!("about {:.0} km between ZIP areas", d.distance.distance_km),
        ZoneBasis::SameSectionalCentre => "same ZIP sectional centre".to_string(),
    };
    let data = match (c.lane_observations, c.zone_observations) {
        (0, 0) => "no deliveries observed yet, so the estimate is the advertised time with the usual spread".to_string(),
        (0, z) => format!(
            "none observed on this lane yet, so it borrows from {} in zone {}",
            plural(z as usize, "delivery", "deliveries"),
            lane.zone
        ),
        (l, z) => format!(
            "learned from {} on this lane and {} in zone {}",
            plural(l as usize, "delivery", "deliveries"),
            z,
            lane.zone
        ),
    };
    format!(
        "{} from {} to {} (zone {}, {how}) takes {:.1} business days on average against {} advertised; {data}.",
        c.name, lane.origin, lane.destination, c.zone, c.expected_transit_days, c.nominal_days
    )
}

/// `$12.30` for USD, `12.30 EUR` otherwise.
pub(crate) fn money(x: f64, currency: &str) -> String {
    let sign = if x < 0.0 { "-" } else { "" };
    if currency == "USD" {
        format!("{sign}${:.2}", x.abs())
    } else {
        format!("{sign}{:.2} {currency}", x.abs())
    }
}

/// `94.9%`, rounded down so that a chance just short of a target never
/// reads as the target.
pub(crate) fn pct(p: f64) -> String {
    let v = (p * 1000.0 + 1e-6).floor() / 10.0;
    if v.fract() == 0.0 { format!("{v:.0}%") } else { format!("{v:.1}%") }
}

/// `Fri 2026-05-15`.
pub(crate) fn day(d: Date) -> String {
    const NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    format!("{} {d}", NAMES[calendar::weekday(calendar::day_number(d)) as usize])
}

pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
