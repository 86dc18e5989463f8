use std::collections::HashMap;

use jiff::civil::date;
use model::node::Cutoff;
use model::{NodeId, OrderId, Quantity, Sku, Timestamp};
use proptest::prelude::*;

use super::*;
use crate::carrier::calendar;

// ---- helpers ----

fn node(s: &str) -> NodeId {
    NodeId::parse(s).unwrap()
}

/// UTC instant of a local wall-clock time at offset −4 h (New York in May).
fn ny(y: i16, m: i8, d: i8, hour: i64, minute: i64) -> Timestamp {
    let day = calendar::day_number(date(y, m, d));
    Timestamp::from_second(day * 86_400 + (hour + 4) * 3600 + minute * 60).unwrap()
}

/// Wednesday 2026-05-13, 10:00 in New York.
fn now() -> Timestamp {
    ny(2026, 5, 13, 10, 0)
}

fn cutoff(carrier: &str, time: &str) -> Cutoff {
    Cutoff {
        carrier: carrier.into(),
        time: time.into(),
    }
}

fn labour(name: &str, per_hour: f64, cutoffs: Vec<Cutoff>) -> NodeLabour {
    NodeLabour {
        node: node(name),
        utc_offset_minutes: -240,
        cutoffs,
        basis: CapacityBasis::Units,
        per_hour,
        backlog: 0.0,
        wave_minutes: 30,
        shift_ends_at: None,
        max_orders_per_wave: None,
    }
}

fn order(id: &str, at: &str, carrier: &str, lines: &[(&str, i64, &str)]) -> Releasable {
    Releasable {
        order_id: OrderId::parse(id).unwrap(),
        node: node(at),
        carrier: carrier.into(),
        service: None,
        promised_by: None,
        tier: CustomerTier::Standard,
        lines: lines
            .iter()
            .map(|&(sku, q, zone)| ReleaseLine {
                sku: Sku::parse(sku).unwrap(),
                quantity: Quantity(q),
                zone: zone.into(),
            })
            .collect(),
        placed_at: None,
    }
}

fn explained(factors: &[model::ops::Factor]) -> String {
    factors
        .iter()
        .map(|f| format!("{:.3} {}", f.weight, f.description))
        .collect::<Vec<_>>()
        .join("\n")
}

fn released(plan: &ReleasePlan, id: &str) -> Option<u32> {
    match &plan.decision(&OrderId::parse(id).unwrap())?.outcome {
        Outcome::Released { wave, .. } => Some(*wave),
        Outcome::Held { .. } => None,
    }
}

fn held(plan: &ReleasePlan, id: &str) -> Option<HoldReason> {
    match &plan.decision(&OrderId::parse(id).unwrap())?.outcome {
        Outcome::Held { reason, .. } => Some(*reason),
        Outcome::Released { .. } => None,
    }
}

/// 60 units an hour, UPS at 11:00 and FedEx at 12:00: an hour of labour
/// before the UPS cutoff.
fn small() -> (Vec<Releasable>, Vec<NodeLabour>) {
    let nodes = vec![labour("DC-EAST", 60.0, vec![cutoff("UPS", "11:00"), cutoff("FEDEX", "12:00")])];
    let mut big = order("SO-B", "DC-EAST", "UPS", &[("SKU-2", 40, "B")]);
    big.tier = CustomerTier::Platinum;
    let orders = vec![
        order("SO-A", "DC-EAST", "UPS", &[("SKU-1", 30, "A")]),
        big,
        order("SO-C", "DC-EAST", "FEDEX", &[("SKU-3", 10, "A")]),
        order("SO-D", "DC-EAST", "UPS", &[("SKU-4", 20, "A")]),
    ];
    (orders, nodes)
}

// ---- the hand example ----

#[test]
fn earliest_cutoff_first_and_later_work_waits_behind_a_held_order() {
    let (orders, nodes) = small();
    let plan = plan_waves(&orders, &nodes, now()).unwrap();
    // SO-B (platinum) ranks first among the UPS orders. Its 40 units get a
    // 40-minute wave of their own; SO-A's 30 then cannot be picked before
    // 11:00, but SO-D's 20 can.
    let ranks: Vec<&str> = plan.decisions.iter().map(|d| d.order_id.as_str()).collect();
    assert_eq!(ranks, ["SO-B", "SO-A", "SO-D", "SO-C"]);
    assert_eq!(released(&plan, "SO-B"), Some(1));
    assert_eq!(held(&plan, "SO-A"), Some(HoldReason::NoCapacityBeforeCutoff));
    assert_eq!(released(&plan, "SO-D"), Some(2));
    // FedEx's 12:00 work does not take the labour SO-A is waiting for.
    assert_eq!(held(&plan, "SO-C"), Some(HoldReason::BehindEarlierCutoff));
    assert_eq!(plan.waves.len(), 2);
    assert_eq!(plan.waves[0].wave_id, "DC-EAST-20260513T1400Z-01");
    assert_eq!(plan.waves[0].release_at, None);
    assert_eq!(plan.waves[1].wave_id, "DC-EAST-20260513T1440Z-02");
    assert_eq!(plan.waves[1].release_at, Some(ny(2026, 5, 13, 10, 40)));
    let first = &plan.waves[0].orders[0];
    assert_eq!(first.order_id.as_str(), "SO-B");
    assert_eq!(first.priority, Some(1));
    assert_eq!(first.carrier.as_deref(), Some("UPS"));
    assert_eq!(first.ship_by, Some(ny(2026, 5, 13, 11, 0)));
    assert_eq!(first.lines[0].quantity, Quantity(40));
    let Outcome::Released { done_by, .. } = &plan.decisions[2].outcome else {
        panic!("SO-D is released");
    };
    assert_eq!(*done_by, ny(2026, 5, 13, 11, 0), "60 units at 60 an hour end exactly at the cutoff");
}

#[test]
fn without_the_blocker_later_cutoffs_use_the_remaining_labour() {
    let (mut orders, nodes) = small();
    orders.retain(|o| o.order_id.as_str() != "SO-B");
    let plan = plan_waves(&orders, &nodes, now()).unwrap();
    assert_eq!(released(&plan, "SO-C"), Some(2), "{:#?}", plan.decisions);
    assert!(plan.decisions.iter().all(|d| matches!(d.outcome, Outcome::Released { .. })));
}

#[test]
fn explanation_of_a_tight_plan_reads_plainly() {
    let (orders, nodes) = small();
    let plan = plan_waves(&orders, &nodes, now()).unwrap();
    insta::assert_snapshot!(explained(&plan.explanation), @r"
    0.500 Released 2 of 4 orders in 2 waves at 1 node; 2 wait.
    0.500 DC-EAST: 1 order waits for labour (no labour left before the UPS cutoff at 11:00), 1 more waits behind earlier-cutoff orders; 2 released in 2 waves (60 of 70 units of wave capacity used).
    0.000 Orders due at the earliest carrier cutoff are placed first; among equals they rank by cutoff urgency (40%), promised date (30%), customer tier (15%) and pick density (15%), and each wave lists its orders zone by zone.
    ");
    let a = plan.decision(&OrderId::parse("SO-A").unwrap()).unwrap();
    insta::assert_snapshot!(explained(&explain_order(a, plan.now)), @r"
    0.000 Held (rank 2 at DC-EAST): No labour left before the UPS cutoff at 11:00: its 30 units need 30 min of picking at 60 units/h, and more urgent orders fill the time.
    0.727 Cutoff urgency 0.67: the UPS cutoff in 60 min.
    0.273 Pick density 0.67: on average 67% of the node's other orders pick in the same zones.
    0.000 No promised date.
    0.000 Customer tier standard (0.00).
    ");
    let d = plan.decision(&OrderId::parse("SO-D").unwrap()).unwrap();
    insta::assert_snapshot!(explained(&explain_order(d, plan.now)), @r"
    0.000 Released in wave DC-EAST-20260513T1440Z-02 as rank 3 at DC-EAST; due at the UPS cutoff in 60 min; picking ends in 60 min, just at the cutoff.
    0.727 Cutoff urgency 0.67: the UPS cutoff in 60 min.
    0.273 Pick density 0.67: on average 67% of the node's other orders pick in the same zones.
    0.000 No promised date.
    0.000 Customer tier standard (0.00).
    ");
}

// ---- time ----

#[test]
fn after_friday_cutoffs_the_next_cutoff_is_monday() {
    let nodes = vec![labour("DC-EAST", 100.0, vec![cutoff("UPS", "16:00")])];
    let orders = vec![order("SO-1", "DC-EAST", "UPS", &[("SKU-1", 5, "A")])];
    let friday_evening = ny(2026, 5, 15, 17, 0);
    let plan = plan_waves(&orders, &nodes, friday_evening).unwrap();
    assert_eq!(plan.decisions[0].cutoff, Some(ny(2026, 5, 18, 16, 0)));
    // Monday's cutoff is 71 hours out: urgency is low but not zero.
    assert!(plan.decisions[0].parts.urgency > 0.0 && plan.decisions[0].parts.urgency < 0.05);
    // Two pickups a day: the next one after 12:30 is 16:00 the same day.
    let nodes = vec![labour("DC-EAST", 100.0, vec![cutoff("UPS", "16:00"), cutoff("ups", "12:00")])];
    let plan = plan_waves(&orders, &nodes, ny(2026, 5, 13, 12, 30)).unwrap();
    assert_eq!(plan.decisions[0].cutoff, Some(ny(2026, 5, 13, 16, 0)));
}

#[test]
fn an_order_too_big_for_its_cutoff_is_planned_for_the_next_one() {
    let nodes = vec![labour(
        "DC-EAST",
        60.0,
        vec![cutoff("UPS", "11:00"), cutoff("UPS", "15:00"), cutoff("FEDEX", "14:00")],
    )];
    let orders = vec![
        // 90 units need 90 min: not before 11:00, even alone.
        order("SO-BIG", "DC-EAST", "UPS", &[("SKU-1", 90, "A")]),
        order("SO-F", "DC-EAST", "FEDEX", &[("SKU-2", 30, "A")]),
    ];
    let plan = plan_waves(&orders, &nodes, now()).unwrap();
    let big = plan.decision(&OrderId::parse("SO-BIG").unwrap()).unwrap();
    assert_eq!(big.missed_cutoff, Some(ny(2026, 5, 13, 11, 0)));
    assert_eq!(big.cutoff, Some(ny(2026, 5, 13, 15, 0)));
    // FedEx at 14:00 is now the earlier cutoff and goes first.
    assert_eq!(plan.decisions[0].order_id.as_str(), "SO-F");
    assert_eq!(released(&plan, "SO-F"), Some(1));
    assert!(released(&plan, "SO-BIG").is_some());
    assert!(
        plan.explanation
            .iter()
            .any(|f| f.description.contains("too big to pick before the next cutoff"))
    );
}

#[test]
fn backlog_and_shift_end_limit_the_waves() {
    let mut nodes = vec![labour("DC-EAST", 60.0, vec![cutoff("UPS", "16:00")])];
    nodes[0].backlog = 30.0; // half an hour of work already on the floor
    nodes[0].shift_ends_at = Some(ny(2026, 5, 13, 11, 30));
    let orders: Vec<Releasable> = (0..4)
        .map(|i| order(&format!("SO-{i}"), "DC-EAST", "UPS", &[("SKU-1", 25, "A")]))
        .collect();
    let plan = plan_waves(&orders, &nodes, now()).unwrap();
    // 90 minutes of shift, 30 of them backlog: 60 units, two orders.
    let n_released = plan
        .decisions
        .iter()
        .filter(|d| matches!(d.outcome, Outcome::Released { .. }))
        .count();
    assert_eq!(n_released, 2);
    assert_eq!(plan.waves[0].release_at, Some(ny(2026, 5, 13, 10, 30)));
    let Outcome::Held { detail, .. } = &plan.decisions[3].outcome else {
        panic!("the last order waits");
    };
    assert!(detail.contains("the end of the shift at 11:30"), "{detail}");
}

#[test]
fn lines_basis_counts_pick_lines() {
    let mut nodes = vec![labour("DC-EAST", 4.0, vec![cutoff("UPS", "11:00")])];
    nodes[0].basis = CapacityBasis::Lines;
    nodes[0].wave_minutes = 60;
    let orders = vec![
        order("SO-1", "DC-EAST", "UPS", &[("SKU-1", 50, "A"), ("SKU-2", 50, "A")]),
        order("SO-2", "DC-EAST", "UPS", &[("SKU-3", 1, "B"), ("SKU-4", 1, "B"), ("SKU-5", 1, "B")]),
    ];
    let plan = plan_waves(&orders, &nodes, now()).unwrap();
    // 4 lines an hour: SO-1's 2 lines fit, SO-2's 3 more do not.
    assert_eq!(plan.decisions.iter().map(|d| d.work).collect::<Vec<_>>(), [2.0, 3.0]);
    assert_eq!(released(&plan, "SO-1"), Some(1));
    assert_eq!(held(&plan, "SO-2"), Some(HoldReason::NoCapacityBeforeCutoff));
}

// ---- scoring and zones ----

#[test]
fn score_parts_follow_their_definitions() {
    assert_eq!(score::urgency(Some(120.0)), 0.5);
    assert_eq!(score::urgency(None), 0.0);
    assert_eq!(score::promise(Some(0)), 1.0);
    assert_eq!(score::promise(Some(3)), 0.5);
    assert_eq!(score::promise(None), 0.0);
    let parts = ScoreParts {
        urgency: 1.0,
        promise: 1.0,
        tier: 1.0,
        density: 1.0,
    };
    assert_eq!(score(&parts), 1.0);
    assert!((WEIGHTS.iter().sum::<f64>() - 1.0).abs() < 1e-12);
}

#[test]
fn orders_in_shared_zones_rank_higher_and_waves_list_by_zone() {
    let nodes = vec![labour("DC-EAST", 600.0, vec![cutoff("UPS", "16:00")])];
    let mut platinum = order("SO-1", "DC-EAST", "UPS", &[("SKU-1", 1, "C")]);
    platinum.tier = CustomerTier::Platinum;
    let orders = vec![
        platinum,
        order("SO-2", "DC-EAST", "UPS", &[("SKU-2", 1, "A")]),
        order("SO-3", "DC-EAST", "UPS", &[("SKU-3", 1, "A")]),
        order("SO-4", "DC-EAST", "UPS", &[("SKU-4", 1, "B"), ("SKU-5", 1, "A")]),
    ];
    let plan = plan_waves(&orders, &nodes, now()).unwrap();
    let d = |id: &str| plan.decision(&OrderId::parse(id).unwrap()).unwrap().clone();
    // SO-2 shares zone A with two of three others; SO-1's zone C with none.
    assert!((d("SO-2").parts.density - 0.6667).abs() < 1e-4);
    assert_eq!(d("SO-1").parts.density, 0.0);
    assert!((d("SO-4").parts.density - 0.3333).abs() < 1e-4);
    assert!(d("SO-2").rank < d("SO-4").rank);
    // The platinum order ranks first but is listed with its zone, C, last;
    // SO-4 (one unit in A, one in B) goes with A, the first name.
    assert_eq!(d("SO-1").rank, 1);
    let listed: Vec<&str> = plan.waves[0].orders.iter().map(|o| o.order_id.as_str()).collect();
    assert_eq!(listed, ["SO-2", "SO-3", "SO-4", "SO-1"]);
}

#[test]
fn tier_and_promise_break_ties_within_a_cutoff() {
    let nodes = vec![labour("DC-EAST", 600.0, vec![cutoff("UPS", "16:00")])];
    let mut gold = order("SO-GOLD", "DC-EAST", "UPS", &[("SKU-1", 1, "A")]);
    gold.tier = CustomerTier::Gold;
    let mut soon = order("SO-SOON", "DC-EAST", "UPS", &[("SKU-1", 1, "A")]);
    soon.promised_by = Some(date(2026, 5, 14));
    let plain = order("SO-PLAIN", "DC-EAST", "UPS", &[("SKU-1", 1, "A")]);
    let plan = plan_waves(&[plain, gold, soon], &nodes, now()).unwrap();
    let ranks: Vec<&str> = plan.decisions.iter().map(|d| d.order_id.as_str()).collect();
    assert_eq!(ranks, ["SO-SOON", "SO-GOLD", "SO-PLAIN"]);
}

// ---- holds without labour and bad input ----

#[test]
fn nodes_without_labour_hold_their_orders() {
    let nodes = vec![labour("DC-EAST", 0.0, vec![cutoff("UPS", "16:00")])];
    let orders = vec![
        order("SO-1", "DC-EAST", "UPS", &[("SKU-1", 1, "A")]),
        order("SO-2", "DC-WEST", "UPS", &[("SKU-1", 1, "A")]),
    ];
    let plan = plan_waves(&orders, &nodes, now()).unwrap();
    assert!(plan.waves.is_empty());
    assert_eq!(held(&plan, "SO-1"), Some(HoldReason::NoLabour));
    assert_eq!(held(&plan, "SO-2"), Some(HoldReason::NoLabour));
    let text = explained(&plan.explanation);
    assert!(
        text.contains("2 orders wait at nodes without picking labour planned: DC-EAST, DC-WEST."),
        "{text}"
    );
}

#[test]
fn bad_input_names_the_field() {
    let (orders, nodes) = small();
    let err = |o: &[Releasable], n: &[NodeLabour]| plan_waves(o, n, now()).unwrap_err();
    let mut o = orders.clone();
    o.push(o[0].clone());
    assert_eq!(err(&o, &nodes).field(), Some("orders[4].order_id"));
    let mut o = orders.clone();
    o[1].lines.clear();
    assert_eq!(err(&o, &nodes).field(), Some("orders[1].lines"));
    let mut o = orders.clone();
    o[2].lines[0].quantity = Quantity(0);
    assert_eq!(err(&o, &nodes).field(), Some("orders[2].lines[0].quantity"));
    let mut n = nodes.clone();
    n[0].per_hour = f64::NAN;
    assert_eq!(err(&orders, &n).field(), Some("nodes[0].per_hour"));
    let mut n = nodes.clone();
    n[0].wave_minutes = 0;
    assert_eq!(err(&orders, &n).field(), Some("nodes[0].wave_minutes"));
    let mut n = nodes.clone();
    n[0].cutoffs[1].time = "noon".into();
    assert_eq!(err(&orders, &n).field(), Some("nodes[0].cutoffs[1].time"));
    let mut n = nodes.clone();
    n.push(n[0].clone());
    assert_eq!(err(&orders, &n).field(), Some("nodes[1].node"));
    let bad = r#"{"order_id": "SO-1", "node": "DC-EAST", "carrier": "UPS", "lines": [], "rush": true}"#;
    assert!(serde_json::from_str::<Releasable>(bad).is_err());
}

#[test]
fn plans_round_trip_through_json() {
    let (orders, nodes) = small();
    let plan = plan_waves(&orders, &nodes, now()).unwrap();
    let json = serde_json::to_value(&plan).unwrap();
    assert_eq!(json["decisions"][0]["outcome"]["status"], "released");
    assert_eq!(json["decisions"][1]["outcome"]["status"], "held");
    assert_eq!(json["decisions"][1]["outcome"]["reason"], "no_capacity_before_cutoff");
    let back: ReleasePlan = serde_json::from_value(json).unwrap();
    assert_eq!(back, plan);
    let wave = model::outbound::Message::Wave(plan.waves[0].clone());
    assert_eq!(wave.kind(), "wms.wave");
}

// ---- invariants on random instances ----

fn instance() -> impl Strategy<Value = (Vec<Releasable>, Vec<NodeLabour>, i64)> {
    let node_spec = (
        0usize..3, // cutoffs variant
        prop_oneof![Just(0.0), 20.0..200.0f64],
        0.0..60.0f64, // backlog
        prop_oneof![Just(15u32), Just(30), Just(60)],
        proptest::option::of(1u32..6),
        proptest::option::of(30i64..600), // shift end, minutes after now
        any::<bool>(),                    // lines basis
    );
    let order_spec = (
        0usize..3,
        0usize..3,
        proptest::collection::vec((1i64..30, 0usize..4), 1..4),
        0u8..4,
        proptest::option::of(0i64..6),
    );
    (
        proptest::collection::vec(node_spec, 1..3),
        proptest::collection::vec(order_spec, 0..40),
        0i64..(7 * 24 * 60),
    )
        .prop_map(|(nodes, orders, start)| {
            let base = calendar::day_number(date(2026, 5, 11)) * 86_400 + 4 * 3600 + start * 60;
            let labour: Vec<NodeLabour> = nodes
                .iter()
                .enumerate()
                .map(|(i, &(variant, per_hour, backlog, wave, max, shift, lines))| {
                    let cutoffs = match variant {
                        0 => vec![cutoff("UPS", "11:00"), cutoff("FEDEX", "13:30"), cutoff("USPS", "16:00")],
                        1 => vec![cutoff("UPS", "15:00"), cutoff("UPS", "09:30"), cutoff("FEDEX", "17:00")],
                        _ => vec![cutoff("FEDEX", "12:00")],
                    };
                    NodeLabour {
                        node: node(&format!("N{i}")),
                        utc_offset_minutes: -240,
                        cutoffs,
                        basis: if lines { CapacityBasis::Lines } else { CapacityBasis::Units },
                        per_hour,
                        backlog,
                        wave_minutes: wave,
                        shift_ends_at: shift.map(|m| Timestamp::from_second(base + m * 60).unwrap()),
                        max_orders_per_wave: max,
                    }
                })
                .collect();
            let orders = orders
                .iter()
                .enumerate()
                .map(|(k, (n, c, lines, tier, promise))| {
                    let carrier = ["UPS", "FEDEX", "USPS"][*c];
                    let at = format!("N{}", n % labour.len().max(1));
                    let spec: Vec<(String, i64, String)> = lines
                        .iter()
                        .enumerate()
                        .map(|(j, &(q, z))| (format!("S{k}-{j}"), q, ["A", "B", "C", "D"][z].to_string()))
                        .collect();
                    let spec_ref: Vec<(&str, i64, &str)> = spec.iter().map(|(s, q, z)| (s.as_str(), *q, z.as_str())).collect();
                    let mut o = order(&format!("O{k:03}"), &at, carrier, &spec_ref);
                    o.tier = [
                        CustomerTier::Standard,
                        CustomerTier::Silver,
                        CustomerTier::Gold,
                        CustomerTier::Platinum,
                    ][*tier as usize];
                    o.promised_by = promise.map(|d| calendar::date_of(calendar::day_number(date(2026, 5, 11)) + d, "x").unwrap());
                    o
                })
                .collect();
            (orders, labour, base)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn plans_respect_capacity_cutoffs_and_order(input in instance()) {
        let (orders, nodes, start) = input;
        let now = Timestamp::from_second(start).unwrap();
        let plan = plan_waves(&orders, &nodes, now).unwrap();
        prop_assert_eq!(plan.decisions.len(), orders.len());
        let s = |t: Timestamp| t.as_second() as f64;

        for n in &nodes {
            let rate = n.per_hour / 3600.0;
            let mine: Vec<&OrderRelease> = plan.decisions.iter().filter(|d| d.node == n.node).collect();
            // Ranks are 1..=k at each node.
            let mut ranks: Vec<u32> = mine.iter().map(|d| d.rank).collect();
            ranks.sort_unstable();
            prop_assert_eq!(ranks, (1..=mine.len() as u32).collect::<Vec<_>>());

            // Capacity: waves in time order; the work of waves 1..=k fits the
            // labour from now (after the backlog) to the end of wave k, and
            // each wave's work fits between its release and its end.
            let waves: Vec<&model::outbound::Wave> = plan.waves.iter().filter(|w| w.node == n.node).collect();
            let mut cumulative = 0.0;
            let mut last_start = s(now) - 1.0;
            let mut last_done = s(now) + n.backlog / rate;
            for w in &waves {
                let members: Vec<&&OrderRelease> = mine
                    .iter()
                    .filter(|d| matches!(&d.outcome, Outcome::Released { wave_id, .. } if wave_id == &w.wave_id))
                    .collect();
                prop_assert_eq!(members.len(), w.orders.len());
                if let Some(max) = n.max_orders_per_wave {
                    prop_assert!(w.orders.len() <= max as usize);
                }
                let load: f64 = members.iter().map(|d| d.work).sum();
                let Outcome::Released { done_by, .. } = &members[0].outcome else { unreachable!() };
                let start = w.release_at.map_or(s(now), s);
                prop_assert!(start >= last_start);
                last_start = start;
                cumulative += load;
                let tol = 2.0 * rate + 1e-6;
                prop_assert!(cumulative + n.backlog <= rate * (s(*done_by) - s(now)) + tol,
                    "waves up to {} need {} but only {} fit", w.wave_id, cumulative + n.backlog, rate * (s(*done_by) - s(now)));
                // The floor picks one wave at a time (a wave "released now"
                // may start up to a minute later, after a short backlog).
                let slack = if w.release_at.is_none() { 61.0 } else { 1.0 };
                prop_assert!(start + slack >= last_done, "wave {} starts before the previous one is picked", w.wave_id);
                last_done = s(*done_by);
                for d in &members {
                    if let Some(c) = d.cutoff {
                        prop_assert!(s(*done_by) <= s(c) + 1.0, "{} ends after its cutoff", d.order_id);
                    }
                    if let Some(end) = n.shift_ends_at {
                        prop_assert!(s(*done_by) <= s(end) + 1.0);
                    }
                }
            }

            // Never hold an order while one due at a later cutoff is released.
            let key = |d: &OrderRelease| d.cutoff.map_or(i64::MAX, |c| c.as_second());
            for h in mine.iter().filter(|d| matches!(d.outcome, Outcome::Held { .. })) {
                for r in mine.iter().filter(|d| matches!(d.outcome, Outcome::Released { .. })) {
                    prop_assert!(key(r) <= key(h), "{} held (due {:?}) while {} released (due {:?})", h.order_id, h.cutoff, r.order_id, r.cutoff);
                }
            }
            // An order moved to a later cutoff really could not make the earlier one alone.
            for d in mine.iter().filter(|d| d.missed_cutoff.is_some()) {
                let missed = s(d.missed_cutoff.unwrap());
                prop_assert!(s(now) + (n.backlog + d.work) / rate > missed - 1e-6);
            }
        }

        // Deterministic, whatever the input order.
        let mut shuffled = orders.clone();
        shuffled.reverse();
        let again = plan_waves(&shuffled, &nodes, now).unwrap();
        prop_assert_eq!(serde_json::to_value(&again).unwrap(), serde_json::to_value(&plan).unwrap());
        prop_assert!((0.0..=1.0).contains(&plan.confidence));
    }
}

#[test]
fn the_same_input_gives_the_same_plan() {
    let (orders, nodes, now) = generate(3, 500, 4);
    let a = plan_waves(&orders, &nodes, now).unwrap();
    let b = plan_waves(&orders, &nodes, now).unwrap();
    assert_eq!(a, b);
    // Every wave order is a released decision and vice versa.
    let in_waves: HashMap<&OrderId, &str> = a
        .waves
        .iter()
        .flat_map(|w| w.orders.iter().map(move |o| (&o.order_id, w.wave_id.as_str())))
        .collect();
    for d in &a.decisions {
        match &d.outcome {
            Outcome::Released { wave_id, .. } => assert_eq!(in_waves.get(&d.order_id), Some(&wave_id.as_str())),
            Outcome::Held { .. } => assert!(!in_waves.contains_key(&d.order_id)),
        }
    }
}

#[test]
fn bench_instances_release_most_orders_and_hold_some() {
    let report = bench(1, 2_000, 4, 1);
    assert_eq!(report.orders, 2_000);
    assert_eq!(report.released + report.held, 2_000);
    assert!(report.released > 1_000, "{report:?}");
    assert!(report.held > 0, "{report:?}");
    assert!(report.wave_utilisation > 0.5 && report.wave_utilisation <= 1.0 + 1e-9, "{report:?}");
}

/// `cargo test -p engine --release release::tests::release_bench_report -- --ignored --nocapture`
#[test]
#[ignore]
fn release_bench_report() {
    let report = bench(1, 10_000, 20, 5);
    println!("{}", serde_json::to_string_pretty(&report).unwrap());
}
