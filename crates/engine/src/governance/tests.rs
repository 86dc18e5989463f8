use jiff::Zoned;
use jiff::civil::{Time, date, time};
use jiff::tz::TimeZone;
use proptest::prelude::*;

use super::policy::{in_window, window_end};
use super::*;

// ---- helpers ----

/// The policies of the brief, as an operations engineer writes them.
const CONFIG: &str = r#"
[[policies]]
name = "no-cancel-after-shipment"
actions = ["order.cancel"]
rule = "order_status"
statuses = ["shipped", "delivered"]
effect = "block"

[[policies]]
name = "refund-limit"
actions = ["refund"]
rule = "amount_above"
amount = 200.0
effect = "review"

[[policies]]
name = "holds-by-ops"
actions = ["inventory.hold"]
rule = "roles"
roles = ["ops", "admin"]
effect = "block"

[[policies]]
name = "quiet-hours"
actions = ["customer.message"]
rule = "quiet_hours"
from = "22:00"
to = "07:00"
effect = "defer"
"#;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    policies: Vec<Policy>,
}

fn policies() -> Vec<Policy> {
    let config: Config = toml::from_str(CONFIG).unwrap();
    validate_policies(&config.policies).unwrap();
    config.policies
}

fn autonomy(mode: Mode) -> Autonomy {
    Autonomy {
        mode,
        ..Autonomy::default()
    }
}

/// New York with its DST rules, without reading the system's tz database.
fn new_york() -> TimeZone {
    TimeZone::posix("EST5EDT,M3.2.0,M11.1.0").unwrap()
}

fn ny(y: i16, m: i8, d: i8, h: i8, mi: i8) -> Zoned {
    date(y, m, d).at(h, mi, 0, 0).to_zoned(new_york()).unwrap()
}

/// A confident, cheap release by crossdock alone, on an open order.
fn proposal(action: &str) -> Proposal<'_> {
    Proposal {
        workflow: Workflow::Release,
        action,
        confidence: 0.95,
        cost_impact: 10.0,
        amount: None,
        order_status: Some("open"),
        role: None,
        local_now: Some(ny(2026, 5, 18, 12, 0)),
    }
}

fn execute() -> Verdict {
    Verdict::Execute { not_before: None }
}

fn review(reasons: &[&str]) -> Verdict {
    Verdict::Review {
        reasons: reasons.iter().map(|r| r.to_string()).collect(),
    }
}

fn shadow(would: Verdict) -> Verdict {
    Verdict::Shadow { would: Box::new(would) }
}

const ASSIST: &str = "Assist mode: every action of the release workflow is reviewed by a person.";
const REFUND_OVER: &str = "Policy `refund-limit`: Amount 250.00 is above the limit 200.00.";
const SHIPPED: &str = "Order status `shipped` is one of shipped, delivered.";
const NO_ROLE: &str = "crossdock acting alone has no role; this needs one of ops, admin.";

// ---- config ----

#[test]
fn the_briefs_toml_deserialises_into_policies() {
    let p = policies();
    assert_eq!(p.len(), 4);
    assert_eq!(
        p[0],
        Policy {
            name: "no-cancel-after-shipment".into(),
            actions: vec!["order.cancel".into()],
            rule: Rule::OrderStatus {
                statuses: vec!["shipped".into(), "delivered".into()]
            },
            effect: Effect::Block,
        }
    );
    assert_eq!(p[1].rule, Rule::AmountAbove { amount: 200.0 });
    assert_eq!(p[1].effect, Effect::Review);
    assert_eq!(
        p[2].rule,
        Rule::Roles {
            roles: vec!["ops".into(), "admin".into()]
        }
    );
    assert_eq!(
        p[3].rule,
        Rule::QuietHours {
            from: time(22, 0, 0, 0),
            to: time(7, 0, 0, 0)
        }
    );
    assert_eq!(p[3].effect, Effect::Defer);
}

#[test]
fn policies_round_trip_through_json_and_toml() {
    let p = policies();
    let json = serde_json::to_string(&p).unwrap();
    assert!(json.contains(r#""rule":"quiet_hours""#), "{json}");
    assert_eq!(serde_json::from_str::<Vec<Policy>>(&json).unwrap(), p);
    let back: Config = toml::from_str(&toml::to_string(&serde_json::json!({ "policies": p })).unwrap()).unwrap();
    assert_eq!(back.policies, p);
}

#[test]
fn absent_actions_mean_every_action_and_integer_amounts_are_accepted() {
    let config: Config = toml::from_str("[[policies]]\nname = \"big\"\nrule = \"max_cost\"\namount = 500\neffect = \"review\"\n").unwrap();
    let p = &config.policies[0];
    assert!(p.actions.is_empty());
    assert!(p.applies_to("order.cancel") && p.applies_to("anything"));
    assert_eq!(p.rule, Rule::MaxCost { amount: 500.0 });
}

#[test]
fn config_mistakes_are_rejected_when_read() {
    let base = "name = \"x\"\nactions = [\"refund\"]\n";
    for (body, wanted) in [
        (
            "rule = \"amount_above\"\namount = 1.0\neffect = \"review\"\ncolour = \"red\"\n",
            "unknown field `colour`",
        ),
        ("rule = \"amount_abov\"\namount = 1.0\neffect = \"review\"\n", "amount_abov"),
        ("amount = 1.0\neffect = \"review\"\n", "rule"),
        ("rule = \"amount_above\"\namount = 1.0\neffect = \"warn\"\n", "warn"),
        ("rule = \"amount_above\"\neffect = \"review\"\n", "amount"),
        (
            "rule = \"quiet_hours\"\nfrom = \"25:00\"\nto = \"07:00\"\neffect = \"defer\"\n",
            "`25:00` is not a time of day",
        ),
    ] {
        let text = format!("[[policies]]\n{base}{body}");
        let err = toml::from_str::<Config>(&text).unwrap_err().to_string();
        assert!(err.contains(wanted), "{body:?}: {err}");
    }
}

#[test]
fn validation_names_the_policy_field_at_fault() {
    let valid = policies();
    type Break = fn(&mut Vec<Policy>);
    let cases: Vec<(&str, Break, &str)> = vec![
        ("duplicate name", |p| p[2].name = p[0].name.clone(), "policies[2].name"),
        ("empty name", |p| p[1].name = " ".into(), "policies[1].name"),
        ("empty action", |p| p[1].actions.push(String::new()), "policies[1].actions[1]"),
        (
            "no statuses",
            |p| p[0].rule = Rule::OrderStatus { statuses: vec![] },
            "policies[0].statuses",
        ),
        (
            "misspelt status",
            |p| {
                p[0].rule = Rule::OrderStatus {
                    statuses: vec!["shipped".into(), "shiped".into()],
                }
            },
            "policies[0].statuses[1]",
        ),
        ("no roles", |p| p[2].rule = Rule::Roles { roles: vec![] }, "policies[2].roles"),
        (
            "blank role",
            |p| {
                p[2].rule = Rule::Roles {
                    roles: vec!["ops".into(), "".into()],
                }
            },
            "policies[2].roles[1]",
        ),
        (
            "empty window",
            |p| {
                p[3].rule = Rule::QuietHours {
                    from: time(22, 0, 0, 0),
                    to: time(22, 0, 0, 0),
                }
            },
            "policies[3].to",
        ),
        (
            "negative limit",
            |p| p[1].rule = Rule::AmountAbove { amount: -1.0 },
            "policies[1].amount",
        ),
        (
            "NaN limit",
            |p| p[1].rule = Rule::MaxCost { amount: f64::NAN },
            "policies[1].amount",
        ),
        ("defer on amount", |p| p[1].effect = Effect::Defer, "policies[1].effect"),
    ];
    for (name, break_it, field) in cases {
        let mut p = valid.clone();
        break_it(&mut p);
        let err = validate_policies(&p).expect_err(name);
        assert_eq!(err.field(), Some(field), "{name}: {err}");
        assert_eq!(err.code(), "invalid_input");
    }
    // Quiet hours may also block or ask for review; only defer is restricted.
    let mut p = valid;
    p[3].effect = Effect::Review;
    validate_policies(&p).unwrap();
}

#[test]
fn autonomy_defaults_to_shadow_and_validates_its_thresholds() {
    let a: Autonomy = toml::from_str("").unwrap();
    assert_eq!(a, Autonomy::default());
    assert_eq!((a.mode, a.min_confidence, a.max_cost), (Mode::Shadow, 0.9, None));
    let a: Autonomy = toml::from_str("mode = \"auto\"\nmax_cost = 50\n").unwrap();
    assert_eq!((a.mode, a.min_confidence, a.max_cost), (Mode::Auto, 0.9, Some(50.0)));
    assert!(toml::from_str::<Autonomy>("mode = \"auto\"\nthreshold = 0.8\n").is_err());
    assert!(toml::from_str::<Autonomy>("mode = \"manual\"\n").is_err());

    for (a, field) in [
        (Autonomy { min_confidence: 1.2, ..a }, "min_confidence"),
        (
            Autonomy {
                min_confidence: f64::NAN,
                ..a
            },
            "min_confidence",
        ),
        (Autonomy { max_cost: Some(-5.0), ..a }, "max_cost"),
        (
            Autonomy {
                max_cost: Some(f64::INFINITY),
                ..a
            },
            "max_cost",
        ),
    ] {
        assert_eq!(a.validate().unwrap_err().field(), Some(field), "{a:?}");
    }
    a.validate().unwrap();
    Autonomy { min_confidence: 0.0, ..a }.validate().unwrap();
}

#[test]
fn names_parse_back() {
    for w in Workflow::ALL {
        assert_eq!(Workflow::parse(w.as_str()), Some(w));
        assert_eq!(serde_json::to_value(w).unwrap(), w.as_str());
    }
    assert_eq!(Workflow::InventoryAdjustment.as_str(), "inventory_adjustment");
    assert_eq!(Workflow::parse("Triage"), None);
    for m in Mode::ALL {
        assert_eq!(Mode::parse(m.as_str()), Some(m));
        assert_eq!(serde_json::to_value(m).unwrap(), m.as_str());
    }
    assert_eq!(Mode::parse("manual"), None);
}

// ---- the gate ----

#[test]
fn verdicts_by_mode_policy_and_who_asks() {
    const OPS: Option<&str> = Some("ops");
    const CLERK: Option<&str> = Some("clerk");
    type Edit = fn(&mut Proposal);
    let cases: Vec<(&str, Mode, &str, Edit, Verdict)> = vec![
        // Auto.
        ("auto, confident, no policy", Mode::Auto, "wave.release", |_| {}, execute()),
        (
            "auto, low confidence",
            Mode::Auto,
            "wave.release",
            |p| p.confidence = 0.72,
            review(&["Confidence 0.72 is below the threshold 0.90 of the release workflow."]),
        ),
        (
            "auto, NaN confidence fails closed",
            Mode::Auto,
            "wave.release",
            |p| p.confidence = f64::NAN,
            review(&["Confidence NaN is below the threshold 0.90 of the release workflow."]),
        ),
        (
            "auto, confidence exactly at the threshold",
            Mode::Auto,
            "wave.release",
            |p| p.confidence = 0.9,
            execute(),
        ),
        (
            "auto, refund within limit",
            Mode::Auto,
            "refund",
            |p| p.amount = Some(200.0),
            execute(),
        ),
        (
            "auto, refund over limit",
            Mode::Auto,
            "refund",
            |p| p.amount = Some(250.0),
            review(&[REFUND_OVER]),
        ),
        (
            "auto, refund of unknown amount",
            Mode::Auto,
            "refund",
            |p| p.amount = None,
            review(&["Policy `refund-limit`: The amount is unknown, so it may be above the limit 200.00."]),
        ),
        (
            "auto, refund over limit and unsure",
            Mode::Auto,
            "refund",
            |p| {
                p.amount = Some(250.0);
                p.confidence = 0.5;
            },
            review(&[REFUND_OVER, "Confidence 0.50 is below the threshold 0.90 of the release workflow."]),
        ),
        ("auto, cancel of an open order", Mode::Auto, "order.cancel", |_| {}, execute()),
        (
            "auto, cancel of a shipped order",
            Mode::Auto,
            "order.cancel",
            |p| p.order_status = Some("shipped"),
            Verdict::Block {
                policy: "no-cancel-after-shipment".into(),
                reason: SHIPPED.into(),
            },
        ),
        (
            "auto, cancel of an order of unknown status",
            Mode::Auto,
            "order.cancel",
            |p| p.order_status = None,
            Verdict::Block {
                policy: "no-cancel-after-shipment".into(),
                reason: "The order's status is unknown, so it may be one of shipped, delivered.".into(),
            },
        ),
        (
            "auto, hold by crossdock alone",
            Mode::Auto,
            "inventory.hold",
            |_| {},
            Verdict::Block {
                policy: "holds-by-ops".into(),
                reason: NO_ROLE.into(),
            },
        ),
        ("auto, message at noon", Mode::Auto, "customer.message", |_| {}, execute()),
        (
            "auto, message at 23:30 waits for 07:00 next day",
            Mode::Auto,
            "customer.message",
            |p| p.local_now = Some(ny(2026, 5, 18, 23, 30)),
            Verdict::Execute {
                not_before: Some(ny(2026, 5, 19, 7, 0).timestamp()),
            },
        ),
        (
            "auto, message at 05:00 waits for 07:00 same day",
            Mode::Auto,
            "customer.message",
            |p| p.local_now = Some(ny(2026, 5, 19, 5, 0)),
            Verdict::Execute {
                not_before: Some(ny(2026, 5, 19, 7, 0).timestamp()),
            },
        ),
        (
            "auto, message at 07:00 goes now",
            Mode::Auto,
            "customer.message",
            |p| p.local_now = Some(ny(2026, 5, 19, 7, 0)),
            execute(),
        ),
        (
            "auto, message in quiet hours and unsure: review first",
            Mode::Auto,
            "customer.message",
            |p| {
                p.local_now = Some(ny(2026, 5, 18, 23, 30));
                p.confidence = 0.1;
            },
            review(&["Confidence 0.10 is below the threshold 0.90 of the release workflow."]),
        ),
        (
            "auto, message without the recipient's time",
            Mode::Auto,
            "customer.message",
            |p| p.local_now = None,
            review(&[
                "Policy `quiet-hours`: The recipient's local time is unknown, so it may be within quiet hours 22:00–07:00. \
                 The action cannot be deferred without knowing until when.",
            ]),
        ),
        // Assist.
        (
            "assist, confident, no policy",
            Mode::Assist,
            "wave.release",
            |_| {},
            review(&[ASSIST]),
        ),
        (
            "assist, refund over limit",
            Mode::Assist,
            "refund",
            |p| p.amount = Some(250.0),
            review(&[ASSIST, REFUND_OVER]),
        ),
        (
            "assist, cancel of a shipped order",
            Mode::Assist,
            "order.cancel",
            |p| p.order_status = Some("shipped"),
            Verdict::Block {
                policy: "no-cancel-after-shipment".into(),
                reason: SHIPPED.into(),
            },
        ),
        // Shadow.
        ("shadow, confident", Mode::Shadow, "wave.release", |_| {}, shadow(execute())),
        (
            "shadow, refund over limit",
            Mode::Shadow,
            "refund",
            |p| p.amount = Some(250.0),
            shadow(review(&[REFUND_OVER])),
        ),
        (
            "shadow, hold by crossdock alone",
            Mode::Shadow,
            "inventory.hold",
            |_| {},
            shadow(Verdict::Block {
                policy: "holds-by-ops".into(),
                reason: NO_ROLE.into(),
            }),
        ),
        // A person asked for or approved it.
        ("person, assist mode", Mode::Assist, "wave.release", |p| p.role = CLERK, execute()),
        (
            "person, low confidence and cost in auto",
            Mode::Auto,
            "wave.release",
            |p| {
                p.role = CLERK;
                p.confidence = 0.1;
            },
            execute(),
        ),
        (
            "person, refund over limit",
            Mode::Auto,
            "refund",
            |p| {
                p.role = CLERK;
                p.amount = Some(5000.0);
            },
            execute(),
        ),
        (
            "person with ops role, hold",
            Mode::Auto,
            "inventory.hold",
            |p| p.role = OPS,
            execute(),
        ),
        (
            "person with admin role, hold, assist",
            Mode::Assist,
            "inventory.hold",
            |p| p.role = Some("admin"),
            execute(),
        ),
        (
            "person without ops role, hold",
            Mode::Assist,
            "inventory.hold",
            |p| p.role = CLERK,
            Verdict::Block {
                policy: "holds-by-ops".into(),
                reason: "Role `clerk` is not one of ops, admin.".into(),
            },
        ),
        (
            "person, cancel of a shipped order",
            Mode::Auto,
            "order.cancel",
            |p| {
                p.role = Some("admin");
                p.order_status = Some("delivered");
            },
            Verdict::Block {
                policy: "no-cancel-after-shipment".into(),
                reason: "Order status `delivered` is one of shipped, delivered.".into(),
            },
        ),
        (
            "person, message in quiet hours still defers",
            Mode::Assist,
            "customer.message",
            |p| {
                p.role = CLERK;
                p.local_now = Some(ny(2026, 5, 18, 22, 0));
            },
            Verdict::Execute {
                not_before: Some(ny(2026, 5, 19, 7, 0).timestamp()),
            },
        ),
        (
            "person, message without the recipient's time: blocked, never back to review",
            Mode::Auto,
            "customer.message",
            |p| {
                p.role = CLERK;
                p.local_now = None;
            },
            Verdict::Block {
                policy: "quiet-hours".into(),
                reason: "The recipient's local time is unknown, so it may be within quiet hours 22:00–07:00. \
                         The action cannot be deferred without knowing until when."
                    .into(),
            },
        ),
        (
            "person, shadow mode still acts on nothing",
            Mode::Shadow,
            "wave.release",
            |p| p.role = OPS,
            shadow(execute()),
        ),
    ];
    let policies = policies();
    for (name, mode, action, edit, wanted) in cases {
        let mut p = proposal(action);
        edit(&mut p);
        let got = gate(&autonomy(mode), &policies, &p);
        assert_eq!(got.verdict, wanted, "{name}: {:#?}", got.explanation);
        let last = got.explanation.last().unwrap();
        assert!(last.starts_with("Verdict: "), "{name}: {last}");
    }
}

#[test]
fn cost_limit_sends_expensive_actions_to_review() {
    let a = Autonomy {
        mode: Mode::Auto,
        min_confidence: 0.8,
        max_cost: Some(100.0),
    };
    let mut p = proposal("wave.release");
    p.cost_impact = 100.0;
    assert_eq!(gate(&a, &[], &p).verdict, execute());
    p.cost_impact = 120.0;
    assert_eq!(
        gate(&a, &[], &p).verdict,
        review(&["Cost impact 120.00 is above the limit 100.00 of the release workflow."])
    );
    p.cost_impact = f64::NAN;
    assert!(matches!(gate(&a, &[], &p).verdict, Verdict::Review { .. }));
    // No limit: any cost.
    p.cost_impact = 1e12;
    assert_eq!(gate(&Autonomy { max_cost: None, ..a }, &[], &p).verdict, execute());
}

#[test]
fn a_max_cost_policy_can_block_what_autonomy_would_allow() {
    let config: Config =
        toml::from_str("[[policies]]\nname = \"cap\"\nactions = [\"po.create\"]\nrule = \"max_cost\"\namount = 1000\neffect = \"block\"\n")
            .unwrap();
    let mut p = proposal("po.create");
    p.cost_impact = 1500.0;
    p.role = Some("admin");
    let got = gate(&autonomy(Mode::Auto), &config.policies, &p);
    assert_eq!(
        got.verdict,
        Verdict::Block {
            policy: "cap".into(),
            reason: "Cost impact 1500.00 is above the limit 1000.00.".into()
        }
    );
}

#[test]
fn every_applicable_policy_is_checked_and_others_are_skipped() {
    let mut policies = policies();
    policies.push(Policy {
        name: "audit-everything".into(),
        actions: vec![],
        rule: Rule::MaxCost { amount: 1000.0 },
        effect: Effect::Review,
    });
    let mut p = proposal("refund");
    p.amount = Some(250.0);
    let got = gate(&autonomy(Mode::Auto), &policies, &p);
    assert_eq!(
        got.checks,
        vec![
            Check {
                policy: "refund-limit".into(),
                passed: false,
                effect: Effect::Review,
                note: "Amount 250.00 is above the limit 200.00.".into(),
            },
            Check {
                policy: "audit-everything".into(),
                passed: true,
                effect: Effect::Review,
                note: "Cost impact 10.00 is within the limit 1000.00.".into(),
            },
        ]
    );
    // A person approving the refund: the review policy passes, and says why.
    p.role = Some("ops");
    let got = gate(&autonomy(Mode::Auto), &policies, &p);
    assert!(got.checks[0].passed);
    assert_eq!(
        got.checks[0].note,
        "Amount 250.00 is above the limit 200.00. Approved by role `ops`."
    );
    // An action no policy names sees only the catch-all.
    let got = gate(&autonomy(Mode::Auto), &policies, &proposal("wave.release"));
    assert_eq!(got.checks.len(), 1);
    assert_eq!(got.checks[0].policy, "audit-everything");
}

#[test]
fn explanation_reads_as_plain_sentences() {
    let mut p = proposal("refund");
    p.amount = Some(250.0);
    p.confidence = 0.72;
    let got = gate(&autonomy(Mode::Auto), &policies(), &p);
    assert_eq!(
        got.explanation,
        vec![
            "1 policy applies to `refund`; 1 of it objects.",
            "Policy `refund-limit` (review): Amount 250.00 is above the limit 200.00.",
            "Confidence 0.72 is below the threshold 0.90 of the release workflow.",
            "Verdict: Wait for review by a person.",
        ]
    );

    let mut p = proposal("customer.message");
    p.workflow = Workflow::CustomerMessages;
    p.local_now = Some(ny(2026, 5, 18, 23, 30));
    let got = gate(&autonomy(Mode::Shadow), &policies(), &p);
    assert_eq!(
        got.explanation,
        vec![
            "1 policy applies to `customer.message`; 1 of it objects.",
            "Policy `quiet-hours` (defer): The recipient's local time 23:30 is within quiet hours 22:00–07:00; \
             not before 2026-05-19 07:00 EDT.",
            "Confidence 0.95 meets the threshold 0.90 of the customer messages workflow.",
            "The customer messages workflow is in shadow mode: nothing is done.",
            "Verdict: Record only; it would execute not before 2026-05-19T11:00:00Z.",
        ]
    );
}

#[test]
fn verdicts_serialise_tagged() {
    let v = shadow(Verdict::Execute {
        not_before: Some(ny(2026, 5, 19, 7, 0).timestamp()),
    });
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"verdict": "shadow", "would": {"verdict": "execute", "not_before": "2026-05-19T11:00:00Z"}})
    );
    assert_eq!(serde_json::from_value::<Verdict>(json).unwrap(), v);
    assert_eq!(serde_json::to_value(execute()).unwrap(), serde_json::json!({"verdict": "execute"}));
    let b = Verdict::Block {
        policy: "p".into(),
        reason: "r".into(),
    };
    assert_eq!(
        serde_json::to_value(&b).unwrap(),
        serde_json::json!({"verdict": "block", "policy": "p", "reason": "r"})
    );
    assert!(!b.executes() && execute().executes() && !shadow(execute()).executes());
}

#[test]
fn quiet_hours_follow_the_recipients_clock_across_dst() {
    let (from, to) = (time(22, 0, 0, 0), time(7, 0, 0, 0));
    // The night DST starts in New York (2026-03-08, 02:00 → 03:00): the
    // window still ends at 07:00 local, now UTC−4.
    let now = ny(2026, 3, 7, 23, 0);
    assert_eq!(window_end(&now, to).unwrap(), ny(2026, 3, 8, 7, 0).timestamp());
    assert_eq!(window_end(&now, to).unwrap().to_string(), "2026-03-08T11:00:00Z");
    // A window ending inside the DST gap ends at the first instant after it.
    let end = window_end(&now, time(2, 30, 0, 0)).unwrap();
    assert_eq!(end.to_zoned(new_york()).time(), time(3, 30, 0, 0));
    // The same UTC instant is quiet in Berlin and not in New York.
    let at = ny(2026, 5, 18, 17, 0);
    let berlin = at.with_time_zone(TimeZone::posix("CET-1CEST,M3.5.0,M10.5.0/3").unwrap());
    assert!(!in_window(from, to, at.time()));
    assert!(in_window(from, to, berlin.time()));
}

// ---- invariants ----

fn arb_mode() -> impl Strategy<Value = Mode> {
    prop::sample::select(Mode::ALL.to_vec())
}

fn arb_time() -> impl Strategy<Value = Time> {
    (0i8..24, 0i8..60).prop_map(|(h, m)| time(h, m, 0, 0))
}

fn arb_effect() -> impl Strategy<Value = Effect> {
    prop::sample::select(vec![Effect::Block, Effect::Review, Effect::Defer])
}

fn arb_rule() -> impl Strategy<Value = Rule> {
    let words = || prop::collection::vec(prop::sample::select(vec!["shipped", "open", "ops", "admin", "clerk"]), 1..3);
    prop_oneof![
        words().prop_map(|s| Rule::OrderStatus {
            statuses: s.into_iter().map(String::from).collect()
        }),
        words().prop_map(|r| Rule::Roles {
            roles: r.into_iter().map(String::from).collect()
        }),
        (0.0..500.0f64).prop_map(|amount| Rule::AmountAbove { amount }),
        (0.0..500.0f64).prop_map(|amount| Rule::MaxCost { amount }),
        (arb_time(), arb_time()).prop_map(|(from, to)| Rule::QuietHours { from, to }),
    ]
}

fn arb_policies() -> impl Strategy<Value = Vec<Policy>> {
    let action = || prop::sample::select(vec!["refund", "order.cancel", "customer.message"]);
    prop::collection::vec((arb_rule(), arb_effect(), prop::option::of(action())), 0..5).prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, (rule, effect, action))| Policy {
                name: format!("p{i}"),
                actions: action.into_iter().map(String::from).collect(),
                rule,
                effect,
            })
            .collect()
    })
}

#[derive(Debug, Clone)]
struct Input {
    action: &'static str,
    confidence: f64,
    cost_impact: f64,
    amount: Option<f64>,
    status: Option<&'static str>,
    role: Option<&'static str>,
    /// Minutes since local midnight in New York on 2026-05-18, if known.
    minute: Option<i64>,
}

impl Input {
    fn proposal(&self) -> Proposal<'static> {
        Proposal {
            workflow: Workflow::Sourcing,
            action: self.action,
            confidence: self.confidence,
            cost_impact: self.cost_impact,
            amount: self.amount,
            order_status: self.status,
            role: self.role,
            local_now: self
                .minute
                .map(|m| ny(2026, 5, 18, 0, 0).checked_add(jiff::SignedDuration::from_mins(m)).unwrap()),
        }
    }
}

fn arb_input() -> impl Strategy<Value = Input> {
    let number = || prop_oneof![8 => 0.0..1.0f64, 1 => Just(f64::NAN), 1 => 0.0..1000.0f64];
    (
        prop::sample::select(vec!["refund", "order.cancel", "customer.message", "wave.release"]),
        number(),
        number(),
        prop::option::of(number()),
        prop::option::of(prop::sample::select(vec!["open", "shipped", "delivered"])),
        prop::option::of(prop::sample::select(vec!["ops", "admin", "clerk"])),
        prop::option::of(0i64..1440),
    )
        .prop_map(|(action, confidence, cost_impact, amount, status, role, minute)| Input {
            action,
            confidence,
            cost_impact,
            amount,
            status,
            role,
            minute,
        })
}

fn arb_autonomy() -> impl Strategy<Value = Autonomy> {
    (arb_mode(), 0.0..=1.0f64, prop::option::of(0.0..500.0f64)).prop_map(|(mode, min_confidence, max_cost)| Autonomy {
        mode,
        min_confidence,
        max_cost,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn shadow_never_executes(a in arb_autonomy(), policies in arb_policies(), input in arb_input()) {
        let a = Autonomy { mode: Mode::Shadow, ..a };
        let got = gate(&a, &policies, &input.proposal());
        prop_assert!(matches!(got.verdict, Verdict::Shadow { .. }), "{:?}", got.verdict);
        prop_assert!(!got.verdict.executes());
    }

    #[test]
    fn a_broken_block_policy_never_executes(a in arb_autonomy(), policies in arb_policies(), input in arb_input()) {
        let p = input.proposal();
        let got = gate(&a, &policies, &p);
        let applicable: Vec<&Policy> = policies.iter().filter(|x| x.applies_to(p.action)).collect();
        prop_assert_eq!(got.checks.len(), applicable.len());
        for (c, pol) in got.checks.iter().zip(&applicable) {
            prop_assert_eq!(&c.policy, &pol.name);
        }
        // A block policy, or a role policy a person of another role breaks.
        let blocks = |(c, pol): &(&Check, &&Policy)| {
            !c.passed && (c.effect == Effect::Block || (p.role.is_some() && matches!(pol.rule, Rule::Roles { .. })))
        };
        let first = got.checks.iter().zip(&applicable).find(blocks).map(|(c, _)| c);
        if let Some(first) = first {
            let would = match &got.verdict { Verdict::Shadow { would } => would.as_ref(), v => v };
            prop_assert!(
                matches!(would, Verdict::Block { policy, .. } if *policy == first.policy),
                "{:?}", got.verdict
            );
        }
    }

    #[test]
    fn auto_executes_whatever_is_confident_without_limits_or_policies(
        min in 0.0..=1.0f64, extra in 0.0..=1.0f64, cost in -1e9..1e9f64, input in arb_input()
    ) {
        let a = Autonomy { mode: Mode::Auto, min_confidence: min, max_cost: None };
        let p = Proposal { confidence: min + extra * (1.0 - min), cost_impact: cost, ..input.proposal() };
        prop_assert_eq!(gate(&a, &[], &p).verdict, Verdict::Execute { not_before: None });
    }

    #[test]
    fn quiet_hours_across_midnight(from in arb_time(), to in arb_time(), minute in 0i64..1440, edge in 0u8..4) {
        prop_assume!(from > to);
        // Half the time exactly on an edge of the window.
        let minute = match edge {
            0 => i64::from(from.hour()) * 60 + i64::from(from.minute()),
            1 => i64::from(to.hour()) * 60 + i64::from(to.minute()),
            _ => minute,
        };
        let policy = Policy {
            name: "quiet".into(),
            actions: vec!["customer.message".into()],
            rule: Rule::QuietHours { from, to },
            effect: Effect::Defer,
        };
        let now = ny(2026, 5, 18, 0, 0).checked_add(jiff::SignedDuration::from_mins(minute)).unwrap();
        let t = now.time();
        let p = Proposal { local_now: Some(now.clone()), ..proposal("customer.message") };
        let got = gate(&autonomy(Mode::Auto), std::slice::from_ref(&policy), &p);
        let quiet = t >= from || t < to;
        prop_assert_eq!(got.checks[0].passed, !quiet);
        match got.verdict {
            Verdict::Execute { not_before: None } => prop_assert!(!quiet),
            Verdict::Execute { not_before: Some(end) } => {
                prop_assert!(quiet);
                // The first `to` on the recipient's clock after now: within a day.
                let end = end.to_zoned(new_york());
                prop_assert_eq!(end.time(), to);
                prop_assert!(end > now);
                prop_assert!(end.timestamp() <= now.timestamp() + jiff::SignedDuration::from_hours(24));
                prop_assert!(!in_window(from, to, end.time()));
            }
            v => prop_assert!(false, "unexpected {:?}", v),
        }
    }
}

/// "Holds only by ops" as a review policy: crossdock's own hold waits for a
/// person; a person of another role is refused; ops executes it.
#[test]
fn a_role_policy_with_review_routes_crossdock_to_review_and_refuses_other_roles() {
    let holds: Vec<Policy> = vec![
        toml::from_str(
            r#"
            name = "holds-by-ops"
            actions = ["inventory.hold"]
            rule = "roles"
            roles = ["ops", "admin"]
            effect = "review"
            "#,
        )
        .unwrap(),
    ];
    let auto = autonomy(Mode::Auto);
    let alone = gate(&auto, &holds, &proposal("inventory.hold"));
    assert!(matches!(alone.verdict, Verdict::Review { .. }), "{:?}", alone.verdict);
    let planner = Proposal {
        role: Some("planner"),
        ..proposal("inventory.hold")
    };
    let refused = gate(&auto, &holds, &planner);
    assert!(
        matches!(&refused.verdict, Verdict::Block { policy, .. } if policy == "holds-by-ops"),
        "{:?}",
        refused.verdict
    );
    let ops = Proposal {
        role: Some("ops"),
        ..proposal("inventory.hold")
    };
    assert_eq!(gate(&auto, &holds, &ops).verdict, execute());
}
