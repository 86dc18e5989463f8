use jiff::ToSpan;
use jiff::civil::{Date, date};
use proptest::prelude::*;

use super::*;

// ---- helpers ----

/// Friday 2026-05-15.
fn today() -> Date {
    date(2026, 5, 15)
}

fn days_ago(n: i64) -> Date {
    today() - n.days()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn line(sku: &str, quantity: i64, ordered: i64, price: Option<&str>) -> ReturnLineInput {
    ReturnLineInput {
        sku: Sku::parse(sku).unwrap(),
        quantity,
        ordered_quantity: ordered,
        already_returned: 0,
        unit_price: price.map(dec),
        final_sale: false,
        available_at_node: None,
        backordered: 0,
    }
}

/// One unit of `SKU-1` at 29.99, delivered 12 days ago, no longer needed, unopened.
fn request() -> ReturnRequest {
    ReturnRequest {
        order_id: OrderId::parse("SO-1001").unwrap(),
        customer_tier: None,
        delivered_on: Some(days_ago(12)),
        shipped_on: Some(days_ago(15)),
        today: today(),
        lines: vec![line("SKU-1", 1, 2, Some("29.99"))],
        reason: Some(ReturnReason::NoLongerNeeded),
        condition: Some(Condition::New),
        node: Some(NodeId::parse("DC-EAST").unwrap()),
    }
}

fn decided(policy: &ReturnPolicy, r: &ReturnRequest) -> ReturnDecision {
    decide(policy, r).unwrap()
}

fn policy_toml(toml_text: &str) -> ReturnPolicy {
    let policy: ReturnPolicy = toml::from_str(toml_text).unwrap();
    policy.validate().unwrap();
    policy
}

fn explained(factors: &[Factor]) -> String {
    factors
        .iter()
        .map(|f| format!("{:.3} {}", f.weight, f.description))
        .collect::<Vec<_>>()
        .join("\n")
}

// ---- policy ----

#[test]
fn empty_policy_table_is_the_default() {
    let p: ReturnPolicy = toml::from_str("").unwrap();
    assert_eq!(p, ReturnPolicy::default());
    p.validate().unwrap();
    assert_eq!(p.window_days, 30);
    assert_eq!(p.final_sale, FinalSale::Refuse);
    assert_eq!(p.review_above, dec("500"));
    assert_eq!(p.scrap_below, dec("15"));
    assert_eq!(p.zones.zone(Disposition::Refurbish), "RET-REFURB");
}

#[test]
fn policy_reads_every_field_from_toml() {
    let p = policy_toml(
        r#"
window_days = 45
assumed_transit_days = 3
allow_unshipped = true
final_sale = "store_credit"
review_above = 250.50
scrap_below = "9.5"
overstock_units = 400

[tiers]
vip = 60
gold = 15

[[conditions]]
condition = "opened"
reason = "no_longer_needed"
disposition = "restock"

[[conditions]]
disposition = "inspect"

[zones]
inspect = "QA-1"
"#,
    );
    assert_eq!(p.window_days, 45);
    assert_eq!(p.assumed_transit_days, 3);
    assert!(p.allow_unshipped);
    assert_eq!(p.final_sale, FinalSale::StoreCredit);
    assert_eq!(p.review_above, dec("250.50"));
    assert_eq!(p.scrap_below, dec("9.5"));
    assert_eq!(p.overstock_units, Some(400));
    assert_eq!(p.tier_extension("VIP"), Some(("vip", 60)));
    assert_eq!(p.tier_extension("silver"), None);
    assert_eq!(p.conditions.len(), 2);
    assert_eq!(p.conditions[1].disposition, Route::Inspect);
    assert_eq!(p.zones.inspect, "QA-1");
    // Zones not named keep their defaults.
    assert_eq!(p.zones.restock, "RET-RESTOCK");
}

#[test]
fn policy_rejects_unknown_keys_and_values() {
    for (text, needle) in [
        ("window = 30", "window"),
        ("final_sale = \"never\"", "never"),
        ("[zones]\nquarantine = \"Q\"", "quarantine"),
        ("[[conditions]]\ncondition = \"used\"\ndisposition = \"restock\"", "used"),
        ("[[conditions]]\ncondition = \"new\"\ndisposition = \"donate\"", "donate"),
        ("window_days = -1", "window_days"),
    ] {
        let err = toml::from_str::<ReturnPolicy>(text).unwrap_err().to_string();
        assert!(err.contains(needle), "{text}: {err}");
    }
}

#[test]
fn validate_names_the_field_at_fault() {
    type Edit = fn(&mut ReturnPolicy);
    let cases: [(Edit, &str, &str); 9] = [
        (|p| p.window_days = 4000, "window_days", "at most 3650"),
        (|p| p.assumed_transit_days = 5000, "assumed_transit_days", "at most 3650"),
        (|p| p.review_above = dec("-1"), "review_above", "not negative"),
        (|p| p.scrap_below = dec("-0.01"), "scrap_below", "not negative"),
        (|p| p.overstock_units = Some(0), "overstock_units", "positive"),
        (
            |p| {
                p.tiers.insert("vip".into(), 60);
                p.tiers.insert("VIP".into(), 30);
            },
            "tiers.vip",
            "also spelt `VIP`",
        ),
        (
            |p| {
                p.tiers.insert(" ".into(), 10);
            },
            "tiers. ",
            "non-empty",
        ),
        (|p| p.zones.scrap = "  ".into(), "zones.scrap", "non-empty"),
        (
            // `reason defective` (first default) already takes every defective return.
            |p| {
                p.conditions.push(ConditionRule {
                    condition: Some(Condition::New),
                    reason: Some(ReturnReason::Defective),
                    disposition: Route::Restock,
                })
            },
            "conditions[5]",
            "conditions[0] (reason defective)",
        ),
    ];
    for (edit, field, message) in cases {
        let mut p = ReturnPolicy::default();
        edit(&mut p);
        let err = p.validate().unwrap_err();
        assert_eq!(err.field(), Some(field), "{err}");
        assert!(err.to_string().contains(message), "{field}: {err}");
    }
}

#[test]
fn a_catch_all_rule_is_fine_last_and_shadows_everything_after_it() {
    let mut p = ReturnPolicy::default();
    p.conditions.push(ConditionRule {
        condition: None,
        reason: None,
        disposition: Route::Scrap,
    });
    p.validate().unwrap();
    p.conditions.insert(
        0,
        ConditionRule {
            condition: None,
            reason: None,
            disposition: Route::Inspect,
        },
    );
    let err = p.validate().unwrap_err();
    assert_eq!(err.field(), Some("conditions[1]"));
}

// ---- window ----

struct WindowCase {
    name: &'static str,
    delivered: Option<i64>,
    shipped: Option<i64>,
    tier: Option<&'static str>,
    allow_unshipped: bool,
    eligible: bool,
    says: &'static str,
}

#[test]
fn window_table() {
    let case = |name, delivered, shipped, tier, eligible, says| WindowCase {
        name,
        delivered,
        shipped,
        tier,
        allow_unshipped: false,
        eligible,
        says,
    };
    let cases = [
        case(
            "inside",
            Some(12),
            Some(15),
            None,
            true,
            "Delivered 12 days ago (2026-05-03), within the 30-day window.",
        ),
        case(
            "today",
            Some(0),
            Some(3),
            None,
            true,
            "Delivered today (2026-05-15), within the 30-day window.",
        ),
        case(
            "edge day",
            Some(30),
            Some(33),
            None,
            true,
            "Delivered 30 days ago (2026-04-15), the last day of the 30-day window.",
        ),
        case(
            "day after",
            Some(31),
            Some(34),
            None,
            false,
            "Delivered 31 days ago (2026-04-14), 1 day past the 30-day window.",
        ),
        case("well outside", Some(45), None, None, false, "15 days past the 30-day window."),
        case(
            "vip extension",
            Some(75),
            None,
            Some("vip"),
            true,
            "Delivered 75 days ago (2026-03-01), within the 90-day window (30 days plus 60 for tier `vip`).",
        ),
        case(
            "vip in capitals",
            Some(90),
            None,
            Some("VIP"),
            true,
            "the last day of the 90-day window (30 days plus 60 for tier `vip`).",
        ),
        case(
            "vip outside",
            Some(91),
            None,
            Some("vip"),
            false,
            "1 day past the 90-day window (30 days plus 60 for tier `vip`).",
        ),
        case(
            "unknown tier",
            Some(31),
            None,
            Some("gold"),
            false,
            "1 day past the 30-day window (tier `gold` has no extension).",
        ),
        case(
            "not delivered",
            None,
            Some(20),
            None,
            true,
            "Shipped 20 days ago (2026-04-25) with no delivery recorded, so taken as delivered 5 days later (2026-04-30): 15 days ago, within the 30-day window.",
        ),
        case(
            "not delivered, edge",
            None,
            Some(35),
            None,
            true,
            ": 30 days ago, the last day of the 30-day window.",
        ),
        case(
            "not delivered, outside",
            None,
            Some(36),
            None,
            false,
            ": 31 days ago, 1 day past the 30-day window.",
        ),
        case(
            "not delivered, window ahead",
            None,
            Some(2),
            None,
            true,
            "so taken as delivered 5 days later (2026-05-18): the 30-day window has not started yet.",
        ),
        case(
            "delivered after today",
            Some(-1),
            Some(2),
            None,
            true,
            "Delivered on 2026-05-16, after today (2026-05-15), so counted as delivered today: within the 30-day window.",
        ),
        case(
            "never shipped",
            None,
            None,
            None,
            false,
            "Order `SO-1001` has not shipped, and the policy does not take back unshipped orders: cancel it instead.",
        ),
        WindowCase {
            allow_unshipped: true,
            ..case(
                "never shipped, allowed",
                None,
                None,
                None,
                true,
                "Order `SO-1001` has not shipped; the policy takes back unshipped orders, so no window applies.",
            )
        },
    ];
    let mut policy = ReturnPolicy::default();
    policy.tiers.insert("vip".into(), 60);
    for c in cases {
        let mut r = request();
        r.delivered_on = c.delivered.map(days_ago);
        r.shipped_on = c.shipped.map(days_ago);
        r.customer_tier = c.tier.map(String::from);
        policy.allow_unshipped = c.allow_unshipped;
        let d = decided(&policy, &r);
        assert_eq!(d.eligible, c.eligible, "{}: {}", c.name, d.explanation);
        assert_eq!(d.lines[0].eligible, c.eligible, "{}", c.name);
        assert!(d.explanation.contains(c.says), "{}: {}", c.name, d.explanation);
        if c.eligible {
            assert_eq!(d.outcome, Outcome::Authorize, "{}: {}", c.name, d.explanation);
            assert_eq!(d.refund_total, dec("29.99"), "{}", c.name);
        } else {
            assert_eq!(d.outcome, Outcome::Refuse, "{}", c.name);
            assert_eq!(d.refund_total, Decimal::ZERO, "{}", c.name);
            assert_eq!(d.lines[0].refund, None, "{}", c.name);
            assert_eq!(d.lines[0].disposition, None, "{}", c.name);
            assert!(
                d.lines[0].putaway.starts_with("Not authorised: do not accept 1 × SKU-1."),
                "{}",
                c.name
            );
        }
    }
}

#[test]
fn refused_lines_say_why() {
    let mut r = request();
    r.delivered_on = Some(days_ago(40));
    let d = decided(&ReturnPolicy::default(), &r);
    assert_eq!(
        d.lines[0].reason_if_not.as_deref(),
        Some("Outside the 30-day window: delivered 40 days ago.")
    );
    // Ten days late of thirty: a goodwill exception is offered, scored by lateness.
    let goodwill = d.alternatives.iter().find(|a| a.option["goodwill_exception"] == true).unwrap();
    assert_eq!(goodwill.option["days_late"], 10);
    assert_eq!(goodwill.score, 0.333);

    r.delivered_on = None;
    r.shipped_on = Some(days_ago(40));
    let d = decided(&ReturnPolicy::default(), &r);
    assert_eq!(
        d.lines[0].reason_if_not.as_deref(),
        Some("Outside the 30-day window: taken as delivered 35 days ago (5 days after shipping).")
    );
    // The refusal rests on an assumed delivery date.
    assert_eq!(d.confidence, 0.9);

    r.shipped_on = None;
    let d = decided(&ReturnPolicy::default(), &r);
    assert!(d.lines[0].reason_if_not.as_deref().unwrap().contains("has not shipped"));
    assert_eq!(d.alternatives[0].option["cancel_order"], "SO-1001");
    assert_eq!(d.confidence, 1.0);
}

#[test]
fn assumed_transit_days_come_from_the_policy() {
    let mut r = request();
    r.delivered_on = None;
    r.shipped_on = Some(days_ago(33));
    let mut p = ReturnPolicy::default();
    assert!(decided(&p, &r).eligible, "33 − 5 = 28 days");
    p.assumed_transit_days = 2;
    let d = decided(&p, &r);
    assert!(!d.eligible, "33 − 2 = 31 days: {}", d.explanation);
    assert!(d.explanation.contains("taken as delivered 2 days later"), "{}", d.explanation);
}

// ---- final sale ----

/// `SKU-1` (2 × 29.99) and final-sale `SKU-2` (1 × 45.50).
fn with_final_sale() -> ReturnRequest {
    let mut r = request();
    r.lines = vec![line("SKU-1", 2, 2, Some("29.99")), line("SKU-2", 1, 1, Some("45.50"))];
    r.lines[1].final_sale = true;
    r
}

#[test]
fn final_sale_refuse_authorises_the_rest() {
    let d = decided(&ReturnPolicy::default(), &with_final_sale());
    assert_eq!(d.outcome, Outcome::Authorize);
    assert!(d.eligible);
    assert!(d.lines[0].eligible);
    assert!(!d.lines[1].eligible);
    assert_eq!(
        d.lines[1].reason_if_not.as_deref(),
        Some("Final sale: the policy does not take final-sale items back.")
    );
    assert_eq!(d.refund_total, dec("59.98"));
    assert_eq!(d.lines[1].refund, None);
    assert!(
        d.explanation
            .contains("Outcome: authorize the return: 2 units on 1 of 2 lines; SKU-2 refused."),
        "{}",
        d.explanation
    );
    let credit = d.alternatives.iter().find(|a| a.option["settlement"] == "store_credit").unwrap();
    assert_eq!(credit.option["sku"], "SKU-2");
    assert_eq!(credit.option["amount"], "45.50");
}

#[test]
fn final_sale_refuse_alone_refuses() {
    let mut r = with_final_sale();
    r.lines.remove(0);
    let d = decided(&ReturnPolicy::default(), &r);
    assert_eq!(d.outcome, Outcome::Refuse);
    assert!(!d.eligible);
    assert!(d.review_reasons.is_empty());
    assert_eq!(d.outcome.status(), ReturnStatus::Rejected);
}

#[test]
fn final_sale_review_sends_the_return_to_a_person() {
    let p = ReturnPolicy {
        final_sale: FinalSale::Review,
        ..ReturnPolicy::default()
    };
    let d = decided(&p, &with_final_sale());
    assert_eq!(d.outcome, Outcome::Review);
    assert_eq!(d.outcome.status(), ReturnStatus::InReview);
    assert!(d.lines.iter().all(|l| l.eligible));
    assert_eq!(
        d.review_reasons,
        ["SKU-2 is final sale, and the policy has a person review final-sale returns."]
    );
    assert_eq!(d.refund_total, dec("105.48"));
    // Clear input: the review is the policy's call, not doubt.
    assert_eq!(d.confidence, 1.0);
}

#[test]
fn final_sale_store_credit_instead_of_a_refund() {
    let p = ReturnPolicy {
        final_sale: FinalSale::StoreCredit,
        ..ReturnPolicy::default()
    };
    let d = decided(&p, &with_final_sale());
    assert_eq!(d.outcome, Outcome::Authorize);
    assert_eq!(d.lines[1].refund, None);
    assert_eq!(d.lines[1].store_credit, Some(dec("45.50")));
    assert_eq!(d.lines[0].store_credit, None);
    assert_eq!(d.refund_total, dec("59.98"));
    assert_eq!(d.store_credit_total, dec("45.50"));
    assert!(
        d.explanation
            .contains("SKU-2 is final sale: store credit 45.50 instead of a refund."),
        "{}",
        d.explanation
    );
    assert!(
        d.alternatives
            .iter()
            .any(|a| a.option["settlement"] == "refund" && a.option["sku"] == "SKU-2")
    );
}

#[test]
fn store_credit_counts_towards_the_review_limit() {
    let p = ReturnPolicy {
        final_sale: FinalSale::StoreCredit,
        review_above: dec("100"),
        ..ReturnPolicy::default()
    };
    let d = decided(&p, &with_final_sale());
    assert_eq!(d.outcome, Outcome::Review);
    assert_eq!(
        d.review_reasons,
        ["Refund and store credit 105.48 exceed the review limit of 100.00."]
    );
}

// ---- disposition ----

#[test]
fn condition_and_reason_to_disposition() {
    use Condition as C;
    use Disposition as D;
    use ReturnReason as R;
    let cases = [
        (Some(C::New), R::NoLongerNeeded, Some("29.99"), D::Restock, "RET-RESTOCK"),
        (Some(C::New), R::WrongItem, Some("29.99"), D::Restock, "RET-RESTOCK"),
        (Some(C::Opened), R::NoLongerNeeded, Some("29.99"), D::Inspect, "RET-INSPECT"),
        (Some(C::Opened), R::WrongItem, Some("29.99"), D::Inspect, "RET-INSPECT"),
        (Some(C::Damaged), R::NoLongerNeeded, Some("9.99"), D::Scrap, "RET-SCRAP"),
        (Some(C::Damaged), R::Late, Some("14.99"), D::Scrap, "RET-SCRAP"),
        // Not below 15: worth refurbishing.
        (Some(C::Damaged), R::NoLongerNeeded, Some("15.00"), D::Refurbish, "RET-REFURB"),
        (Some(C::Damaged), R::NoLongerNeeded, None, D::Refurbish, "RET-REFURB"),
        // The reason wins over the condition.
        (Some(C::New), R::Defective, Some("9.99"), D::Refurbish, "RET-REFURB"),
        (Some(C::Damaged), R::Damaged, Some("9.99"), D::Inspect, "RET-INSPECT"),
        // No rule for a missing condition with reason late: inspect.
        (None, R::Late, Some("29.99"), D::Inspect, "RET-INSPECT"),
    ];
    for (condition, reason, price, disposition, zone) in cases {
        let mut r = request();
        r.condition = condition;
        r.reason = Some(reason);
        r.lines[0].unit_price = price.map(dec);
        let d = decided(&ReturnPolicy::default(), &r);
        let l = &d.lines[0];
        let case = format!("{condition:?} {reason:?} {price:?}");
        assert_eq!(l.disposition, Some(disposition), "{case}");
        assert_eq!(l.zone.as_deref(), Some(zone), "{case}");
        assert_eq!(
            l.putaway,
            format!("{} 1 × SKU-1 in zone {zone}.", explain::verb(disposition)),
            "{case}"
        );
        assert_eq!(d.disposition(), Some(disposition), "{case}");
    }
}

#[test]
fn disposition_explains_the_rule_and_the_scrap_threshold() {
    let mut r = request();
    r.condition = Some(Condition::Damaged);
    r.lines[0].unit_price = Some(dec("9.99"));
    let d = decided(&ReturnPolicy::default(), &r);
    assert!(
        d.explanation
            .contains("Scrap 1 × SKU-1 in zone RET-SCRAP: condition damaged, and its unit value 9.99 is below 15.00."),
        "{}",
        d.explanation
    );
    let other = d.alternatives.iter().find(|a| a.option["disposition"] == "refurbish").unwrap();
    assert_eq!(other.option["zone"], "RET-REFURB");

    r.condition = None;
    r.reason = Some(ReturnReason::Late);
    let d = decided(&ReturnPolicy::default(), &r);
    assert!(
        d.explanation.contains(
            "Inspect 1 × SKU-1 in zone RET-INSPECT: no disposition rule matches no condition and reason late, so a person inspects it."
        ),
        "{}",
        d.explanation
    );
}

#[test]
fn configured_rules_and_zones_replace_the_defaults() {
    let p = policy_toml(
        r#"
[[conditions]]
condition = "opened"
reason = "no_longer_needed"
disposition = "restock"

[[conditions]]
condition = "damaged"
disposition = "scrap"

[zones]
restock = "A-01"
"#,
    );
    let mut r = request();
    r.condition = Some(Condition::Opened);
    let d = decided(&p, &r);
    assert_eq!(d.lines[0].disposition, Some(Disposition::Restock));
    assert_eq!(d.lines[0].putaway, "Restock 1 × SKU-1 in zone A-01.");
    assert!(
        d.explanation
            .contains("in zone A-01: condition opened and reason no_longer_needed."),
        "{}",
        d.explanation
    );

    // The default table is gone: a new, unopened item matches no rule here.
    r.condition = Some(Condition::New);
    assert_eq!(decided(&p, &r).lines[0].disposition, Some(Disposition::Inspect));
    // A damaged item is scrapped whatever its value.
    r.condition = Some(Condition::Damaged);
    r.lines[0].unit_price = Some(dec("900"));
    assert_eq!(decided(&p, &r).lines[0].disposition, Some(Disposition::Scrap));
}

#[test]
fn lines_with_different_dispositions_have_no_single_one() {
    let mut r = request();
    r.condition = Some(Condition::Damaged);
    r.lines = vec![line("SKU-1", 1, 1, Some("9.99")), line("SKU-2", 1, 1, Some("99.00"))];
    let d = decided(&ReturnPolicy::default(), &r);
    assert_eq!(d.lines[0].disposition, Some(Disposition::Scrap));
    assert_eq!(d.lines[1].disposition, Some(Disposition::Refurbish));
    assert_eq!(d.disposition(), None);
}

// ---- stock at the receiving node ----

#[test]
fn stock_situation_notes() {
    // (condition, available, backordered, overstock level, expedite, note in the putaway)
    let cases = [
        (
            Condition::New,
            Some(0),
            3,
            None,
            true,
            Some("Restock 1 × SKU-1 in zone RET-RESTOCK; expedite the putaway: 0 available at DC-EAST and 3 backordered."),
        ),
        (
            Condition::New,
            Some(-2),
            1,
            None,
            true,
            Some("; expedite the putaway: -2 available at DC-EAST and 1 backordered."),
        ),
        (Condition::New, Some(5), 3, None, false, None),
        (Condition::New, Some(0), 0, None, false, None),
        (Condition::New, None, 3, None, false, None),
        // Not a restock: inspection comes first.
        (Condition::Opened, Some(0), 3, None, false, None),
        (
            Condition::New,
            Some(600),
            0,
            Some(500),
            false,
            Some("Restock 1 × SKU-1 in zone RET-RESTOCK; DC-EAST already has 600 available, at or above the overstock level of 500."),
        ),
        (Condition::New, Some(499), 0, Some(500), false, None),
    ];
    for (condition, available, backordered, level, expedite, note) in cases {
        let mut r = request();
        r.condition = Some(condition);
        r.lines[0].available_at_node = available;
        r.lines[0].backordered = backordered;
        let p = ReturnPolicy {
            overstock_units: level,
            ..ReturnPolicy::default()
        };
        let d = decided(&p, &r);
        let l = &d.lines[0];
        let case = format!("{condition:?} {available:?} {backordered} {level:?}");
        assert_eq!(l.expedite, expedite, "{case}");
        match note {
            Some(n) => assert!(l.putaway.contains(n), "{case}: {}", l.putaway),
            None => assert!(
                l.putaway.ends_with("RET-RESTOCK.") || l.putaway.ends_with("RET-INSPECT."),
                "{case}: {}",
                l.putaway
            ),
        }
        // A stock note never changes the outcome or the disposition.
        assert_eq!(d.outcome, Outcome::Authorize, "{case}");
    }
}

#[test]
fn expedite_and_overstock_are_explained() {
    let mut r = request();
    r.lines[0].available_at_node = Some(0);
    r.lines[0].backordered = 4;
    let d = decided(&ReturnPolicy::default(), &r);
    assert!(
        d.explanation
            .contains("SKU-1 has 0 available at DC-EAST and 4 backordered: expedite its putaway."),
        "{}",
        d.explanation
    );

    r.node = None;
    r.lines[0].available_at_node = Some(1200);
    r.lines[0].backordered = 0;
    let p = ReturnPolicy {
        overstock_units: Some(1000),
        ..ReturnPolicy::default()
    };
    let d = decided(&p, &r);
    assert!(
        d.explanation
            .contains("the receiving node already has 1200 × SKU-1 available, at or above the overstock level of 1000: restocked anyway."),
        "{}",
        d.explanation
    );
    assert_eq!(d.lines[0].disposition, Some(Disposition::Restock));
}

// ---- review ----

#[test]
fn high_value_goes_to_review() {
    let mut r = request();
    r.lines = vec![line("SKU-1", 2, 2, Some("300"))];
    let d = decided(&ReturnPolicy::default(), &r);
    assert_eq!(d.outcome, Outcome::Review);
    assert!(d.eligible);
    assert_eq!(d.refund_total, dec("600"));
    assert_eq!(d.review_reasons, ["Refund 600.00 exceeds the review limit of 500.00."]);
    assert_eq!(d.lines[0].refund, Some(dec("600")));
    assert!(
        d.explanation.ends_with(
            "Refund 600.00 exceeds the review limit of 500.00. Outcome: a person reviews the return (1 reason above): 2 units on 1 line."
        ),
        "{}",
        d.explanation
    );

    // At the limit is not above it.
    r.lines[0].unit_price = Some(dec("250"));
    let d = decided(&ReturnPolicy::default(), &r);
    assert_eq!(d.outcome, Outcome::Authorize, "{}", d.explanation);
    assert!(
        d.explanation
            .contains("Refund 500.00: 2 × 250.00 for SKU-1; within the review limit of 500.00.")
    );
}

#[test]
fn unclear_returns_go_to_review_with_less_confidence() {
    // (reason, condition, review reasons, confidence)
    type Case = (Option<ReturnReason>, Option<Condition>, &'static [&'static str], f64);
    let cases: [Case; 5] = [
        (Some(ReturnReason::NoLongerNeeded), Some(Condition::New), &[], 1.0),
        (None, Some(Condition::New), &["No reason given: the return is unclear."], 0.6),
        (
            Some(ReturnReason::Other),
            Some(Condition::New),
            &["Reason `other`: the return is unclear."],
            0.7,
        ),
        (
            Some(ReturnReason::Late),
            None,
            &["No condition given: where the goods go is a guess."],
            0.6,
        ),
        (
            None,
            None,
            &[
                "No reason given: the return is unclear.",
                "No condition given: where the goods go is a guess.",
            ],
            0.36,
        ),
    ];
    for (reason, condition, reasons, confidence) in cases {
        let mut r = request();
        r.reason = reason;
        r.condition = condition;
        let d = decided(&ReturnPolicy::default(), &r);
        let case = format!("{reason:?} {condition:?}");
        let expected = if reasons.is_empty() { Outcome::Authorize } else { Outcome::Review };
        assert_eq!(d.outcome, expected, "{case}");
        assert_eq!(d.review_reasons, reasons, "{case}");
        assert_eq!(d.confidence, confidence, "{case}");
        assert!(d.explanation.contains(&format!(
            "Reason: {}; condition: {}.",
            reason.map_or("none given", ReturnReason::as_str),
            condition.map_or("none given", Condition::as_str)
        )));
    }
}

#[test]
fn an_unpriced_line_goes_to_review() {
    let mut r = request();
    r.lines.push(line("SKU-2", 1, 1, None));
    let d = decided(&ReturnPolicy::default(), &r);
    assert_eq!(d.outcome, Outcome::Review);
    assert_eq!(d.review_reasons, ["SKU-2 has no unit price, so its refund is unknown."]);
    assert_eq!(d.lines[1].refund, None);
    assert!(d.lines[1].eligible);
    assert_eq!(d.refund_total, dec("29.99"));
    assert_eq!(d.confidence, 0.8);
}

#[test]
fn refused_returns_are_not_reviewed_for_being_unclear() {
    let mut r = request();
    r.delivered_on = Some(days_ago(60));
    r.reason = None;
    r.condition = None;
    let d = decided(&ReturnPolicy::default(), &r);
    assert_eq!(d.outcome, Outcome::Refuse);
    assert!(d.review_reasons.is_empty());
    assert_eq!(d.confidence, 1.0);
}

#[test]
fn exchange_is_offered_when_the_merchant_is_at_fault() {
    let mut r = request();
    r.reason = Some(ReturnReason::WrongItem);
    r.lines[0].available_at_node = Some(7);
    let d = decided(&ReturnPolicy::default(), &r);
    let exchange = d.alternatives.iter().find(|a| a.option.get("exchange").is_some()).unwrap();
    assert_eq!(exchange.option["exchange"]["node"], "DC-EAST");
    assert_eq!(exchange.score, 0.7);
    assert_eq!(
        exchange.note.as_deref(),
        Some("Send 1 × SKU-1 as a replacement instead of a refund (7 available at DC-EAST).")
    );
    r.lines[0].available_at_node = Some(0);
    let d = decided(&ReturnPolicy::default(), &r);
    assert_eq!(
        d.alternatives.iter().find(|a| a.option.get("exchange").is_some()).unwrap().score,
        0.2
    );
    // Changing one's mind is not the merchant's fault.
    r.reason = Some(ReturnReason::NoLongerNeeded);
    assert!(decided(&ReturnPolicy::default(), &r).alternatives.is_empty());
}

// ---- input errors ----

#[test]
fn bad_lines_name_the_field() {
    type Edit = fn(&mut ReturnRequest);
    let cases: [(Edit, &str, &str); 13] = [
        (|r| r.lines.clear(), "lines", "at least one line"),
        (
            |r| r.lines[0].quantity = 3,
            "lines[0].quantity",
            "Only 2 of the 2 units of `SKU-1` ordered can still be returned (0 returned before); got 3.",
        ),
        (
            |r| {
                r.lines[0].ordered_quantity = 3;
                r.lines[0].already_returned = 2;
                r.lines[0].quantity = 2;
            },
            "lines[0].quantity",
            "Only 1 of the 3 units of `SKU-1` ordered can still be returned (2 returned before); got 2.",
        ),
        (
            |r| r.lines[0].already_returned = 2,
            "lines[0].quantity",
            "All 2 units of `SKU-1` on order `SO-1001` were returned before; got 1 more.",
        ),
        (|r| r.lines[0].quantity = 0, "lines[0].quantity", "Return at least 1 unit; got 0."),
        (|r| r.lines[0].quantity = -1, "lines[0].quantity", "got -1"),
        (
            |r| r.lines.push(line("SKU-9", 1, 0, Some("5"))),
            "lines[1].sku",
            "SKU `SKU-9` is not on order `SO-1001`.",
        ),
        (
            |r| r.lines.push(line("SKU-1", 1, 2, Some("5"))),
            "lines[1].sku",
            "already on lines[0]",
        ),
        (|r| r.lines[0].ordered_quantity = -1, "lines[0].ordered_quantity", "got -1"),
        (
            |r| r.lines[0].already_returned = 5,
            "lines[0].already_returned",
            "only 2 were ordered",
        ),
        (|r| r.lines[0].unit_price = Some(dec("-1")), "lines[0].unit_price", "not negative"),
        (
            |r| {
                r.lines[0].quantity = 2;
                r.lines[0].unit_price = Some(Decimal::MAX);
            },
            "lines[0].unit_price",
            "too large",
        ),
        (|r| r.lines[0].backordered = -3, "lines[0].backordered", "not negative"),
    ];
    for (edit, field, message) in cases {
        let mut r = request();
        edit(&mut r);
        let err = decide(&ReturnPolicy::default(), &r).unwrap_err();
        assert_eq!(err.field(), Some(field), "{err}");
        assert_eq!(err.code(), "invalid_input");
        assert!(err.to_string().contains(message), "{field}: {err}");
    }
}

#[test]
fn refunds_too_large_to_add_up_are_an_error() {
    let mut r = request();
    let big = Decimal::MAX / Decimal::from(2) + Decimal::ONE;
    r.lines = vec![line("SKU-1", 1, 1, None), line("SKU-2", 1, 1, None)];
    r.lines[0].unit_price = Some(big);
    r.lines[1].unit_price = Some(big);
    let err = decide(&ReturnPolicy::default(), &r).unwrap_err();
    assert_eq!(err.field(), Some("lines"));
}

// ---- explanation ----

#[test]
fn explanation_mentions_its_numbers() {
    let mut r = with_final_sale();
    r.delivered_on = Some(days_ago(12));
    r.customer_tier = Some("vip".into());
    r.lines[0].available_at_node = Some(0);
    r.lines[0].backordered = 3;
    let mut p = ReturnPolicy {
        final_sale: FinalSale::StoreCredit,
        ..ReturnPolicy::default()
    };
    p.tiers.insert("vip".into(), 60);
    let d = decided(&p, &r);
    for needle in [
        "12 days ago",
        "2026-05-03",
        "90-day window",
        "30 days plus 60",
        "2 × SKU-1",
        "2 × 29.99",
        "45.50",
        "Refund 59.98",
        "500.00",
        "0 available at DC-EAST and 3 backordered",
        "3 units on 2 lines",
    ] {
        assert!(d.explanation.contains(needle), "{needle}: {}", d.explanation);
    }
    // Every factor is a sentence of the explanation.
    for f in &d.factors {
        assert!(d.explanation.contains(&f.description), "{}", f.description);
    }
    let sum: f64 = d.factors.iter().map(|f| f.weight).sum();
    assert!((sum - 1.0).abs() < 0.01, "{sum}");
}

#[test]
fn factors_of_a_mixed_return() {
    let mut r = with_final_sale();
    r.condition = Some(Condition::Opened);
    r.reason = Some(ReturnReason::NotAsDescribed);
    r.lines[0].available_at_node = Some(12);
    let d = decided(&ReturnPolicy::default(), &r);
    insta::assert_snapshot!(explained(&d.factors), @r"
    0.435 SKU-2 (1 unit) is final sale: refused, as the policy does not take final-sale items back.
    0.217 Delivered 12 days ago (2026-05-03), within the 30-day window.
    0.130 Inspect 2 × SKU-1 in zone RET-INSPECT: condition opened.
    0.130 Refund 59.98: 2 × 29.99 for SKU-1; within the review limit of 500.00.
    0.087 Reason: not_as_described; condition: opened.
    0.000 Outcome: authorize the return: 2 units on 1 of 2 lines; SKU-2 refused.
    ");
}

// ---- serde ----

#[test]
fn request_reads_the_copilot_slot_values() {
    let json = r##"{
        "order_id": "#1042",
        "today": "2026-05-15",
        "delivered_on": "2026-05-03",
        "reason": "not_as_described",
        "condition": "opened",
        "node": "DC-EAST",
        "lines": [{"sku": "SKU-1", "quantity": 1, "ordered_quantity": 1, "unit_price": "19.99"}]
    }"##;
    let r: ReturnRequest = serde_json::from_str(json).unwrap();
    assert_eq!(r.reason, Some(ReturnReason::NotAsDescribed));
    assert_eq!(r.condition, Some(Condition::Opened));
    assert_eq!(r.lines[0].already_returned, 0);
    assert!(!r.lines[0].final_sale);
    let back: ReturnRequest = serde_json::from_value(serde_json::to_value(&r).unwrap()).unwrap();
    assert_eq!(back, r);

    for raw in [
        "damaged",
        "wrong_item",
        "not_as_described",
        "no_longer_needed",
        "late",
        "defective",
        "other",
    ] {
        let reason = ReturnReason::parse(raw).unwrap();
        assert_eq!(serde_json::to_value(reason).unwrap(), raw);
    }
    for raw in ["new", "opened", "damaged"] {
        assert_eq!(serde_json::to_value(Condition::parse(raw).unwrap()).unwrap(), raw);
    }
    assert_eq!(ReturnReason::parse("broken"), None);

    let stray = json.replace("\"today\"", "\"rma\": \"x\", \"today\"");
    assert!(
        serde_json::from_str::<ReturnRequest>(&stray)
            .unwrap_err()
            .to_string()
            .contains("rma")
    );
}

#[test]
fn decision_serialises_outcome_and_money() {
    let d = decided(&ReturnPolicy::default(), &request());
    let v = serde_json::to_value(&d).unwrap();
    assert_eq!(v["outcome"], "authorize");
    assert_eq!(v["refund_total"], "29.99");
    assert_eq!(v["lines"][0]["disposition"], "restock");
    assert_eq!(v["lines"][0]["zone"], "RET-RESTOCK");
    assert_eq!(d.outcome.status(), ReturnStatus::Authorized);
}

// ---- invariants ----

fn arb_line(i: usize) -> impl Strategy<Value = ReturnLineInput> {
    (
        1i64..5,
        0i64..4,
        0i64..4,
        prop::option::weighted(0.85, 0u32..100_000),
        any::<bool>(),
        prop::option::of(-3i64..50),
        0i64..5,
    )
        .prop_map(move |(q, extra, before, cents, final_sale, available, backordered)| {
            let ordered = q + before + extra;
            ReturnLineInput {
                sku: Sku::parse(&format!("SKU-{i}")).unwrap(),
                quantity: q,
                ordered_quantity: ordered,
                already_returned: before,
                unit_price: cents.map(|c| Decimal::new(i64::from(c), 2)),
                final_sale,
                available_at_node: available,
                backordered,
            }
        })
}

fn arb_request() -> impl Strategy<Value = ReturnRequest> {
    (
        1usize..5,
        prop::option::of(-3i64..120),
        prop::option::of(-3i64..120),
        prop::option::of(prop::sample::select(vec!["vip", "gold", "VIP"])),
        prop::option::of(prop::sample::select(ReturnReason::ALL.to_vec())),
        prop::option::of(prop::sample::select(Condition::ALL.to_vec())),
    )
        .prop_flat_map(|(n, delivered, shipped, tier, reason, condition)| {
            let lines: Vec<_> = (0..n).map(arb_line).collect();
            lines.prop_map(move |lines| ReturnRequest {
                customer_tier: tier.map(String::from),
                delivered_on: delivered.map(days_ago),
                shipped_on: shipped.map(days_ago),
                lines,
                reason,
                condition,
                ..request()
            })
        })
}

fn arb_policy() -> impl Strategy<Value = ReturnPolicy> {
    (
        0u32..60,
        prop::sample::select(vec![FinalSale::Refuse, FinalSale::Review, FinalSale::StoreCredit]),
        any::<bool>(),
        0u32..90,
        0i64..2000,
    )
        .prop_map(|(window_days, final_sale, allow_unshipped, vip, review_above)| {
            let mut p = ReturnPolicy {
                window_days,
                final_sale,
                allow_unshipped,
                review_above: Decimal::from(review_above),
                ..ReturnPolicy::default()
            };
            p.tiers.insert("vip".into(), vip);
            p
        })
}

proptest! {
    #[test]
    fn refunds_never_exceed_what_was_paid(policy in arb_policy(), r in arb_request()) {
        let d = decide(&policy, &r).unwrap();
        let paid: Decimal = r.lines.iter().filter_map(|l| l.unit_price.map(|p| p * Decimal::from(l.quantity))).sum();
        prop_assert!(d.refund_total + d.store_credit_total <= paid);
        let mut sum = Decimal::ZERO;
        for (input, line) in r.lines.iter().zip(&d.lines) {
            let value = input.unit_price.map(|p| p * Decimal::from(input.quantity));
            if !line.eligible {
                prop_assert_eq!(line.refund, None);
                prop_assert_eq!(line.store_credit, None);
                prop_assert!(line.reason_if_not.is_some());
                prop_assert_eq!(line.disposition, None);
            }
            for m in [line.refund, line.store_credit].into_iter().flatten() {
                prop_assert!(Some(m) <= value);
            }
            sum += line.refund.unwrap_or_default();
        }
        prop_assert_eq!(sum, d.refund_total);
        prop_assert_eq!(d.eligible, d.lines.iter().any(|l| l.eligible));
        prop_assert_eq!(d.outcome == Outcome::Refuse, !d.eligible);
        prop_assert_eq!(d.outcome == Outcome::Review, !d.review_reasons.is_empty());
        prop_assert!((0.0..=1.0).contains(&d.confidence));
        let weights: f64 = d.factors.iter().map(|f| f.weight).sum();
        prop_assert!((weights - 1.0).abs() < 0.01, "{}", weights);
    }

    #[test]
    fn any_input_is_decided_or_refused_with_a_field(
        policy in arb_policy(),
        r in arb_request(),
        q in -5i64..10,
        ordered in -2i64..6,
        before in -2i64..6,
        cents in -500i64..500,
    ) {
        let mut r = r;
        r.lines[0].quantity = q;
        r.lines[0].ordered_quantity = ordered;
        r.lines[0].already_returned = before;
        r.lines[0].unit_price = Some(Decimal::new(cents, 2));
        match decide(&policy, &r) {
            Ok(d) => {
                prop_assert!(q >= 1 && q <= ordered - before && before >= 0 && cents >= 0);
                prop_assert_eq!(d.lines.len(), r.lines.len());
            }
            Err(e) => prop_assert!(e.field().is_some_and(|f| f.starts_with("lines[0].")), "{}", e),
        }
    }
}
