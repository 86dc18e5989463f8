use std::sync::OnceLock;

use model::order::{Address, Customer, OrderData, OrderLine, ServiceLevel};
use model::quantity::Currency;
use model::{Money, OrderId, Quantity, Sku, Timestamp};
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::gbdt::{Gbdt, GbdtConfig};
use super::logistic::{Logistic, LogisticConfig};
use super::metrics::{average_precision, brier, choose_threshold, roc_auc};
use super::rng::Rng;
use super::*;

// ---------------------------------------------------------------- helpers

fn usd(amount: &str) -> Money {
    Money {
        amount: amount.parse::<Decimal>().unwrap(),
        currency: Currency::USD,
    }
}

/// 2026-03-10T15:30:00Z.
fn noon_ish() -> Timestamp {
    "2026-03-10T15:30:00Z".parse().unwrap()
}

fn days_before(t: Timestamp, days: i64) -> Timestamp {
    Timestamp::from_second(t.as_second() - days * 86_400).unwrap()
}

fn line(sku: &str, quantity: i64, price: &str) -> OrderLine {
    OrderLine {
        line_id: None,
        sku: Sku::parse(sku).unwrap(),
        quantity: Quantity(quantity),
        unit_price: Some(usd(price)),
        name: None,
    }
}

fn address(name: &str, postal: &str, country: &str, point: Option<(f64, f64)>) -> Address {
    Address {
        name: Some(name.into()),
        line1: Some("1 Main St".into()),
        city: Some("Springfield".into()),
        postal_code: Some(postal.into()),
        country: Some(country.into()),
        lat: point.map(|p| p.0),
        lon: point.map(|p| p.1),
        ..Address::default()
    }
}

/// A returning customer's ordinary order: 2 × $40 shoes, shipped standard
/// to the billing address, from a company email.
fn order() -> OrderData {
    let home = address("Ada Lovelace", "10001", "US", Some((40.75, -73.99)));
    OrderData {
        order_id: OrderId::parse("SO-1").unwrap(),
        external_ids: Default::default(),
        channel: Some("web".into()),
        customer: Customer {
            name: Some("Ada Lovelace".into()),
            email: Some("ada@analytical.example".into()),
            phone: Some("+15550001".into()),
            created_at: Some(days_before(noon_ish(), 800)),
            ..Customer::default()
        },
        ship_to: home.clone(),
        bill_to: Some(home),
        lines: vec![line("SHOE-1", 2, "40.00")],
        service_level: ServiceLevel::Standard,
        payment_state: Default::default(),
        po_number: None,
        total: Some(usd("80.00")),
        flags: Vec::new(),
        gift_message: None,
        note: None,
        placed_at: Some(noon_ish()),
        promised_by: None,
        client_ip: Some("198.51.100.7".into()),
    }
}

fn returning() -> RiskContext {
    RiskContext {
        history: CustomerHistory {
            orders_count: 4,
            total_spent: 340.0,
            first_order_at: Some(days_before(noon_ish(), 700)),
            chargebacks: 0,
        },
        utc_offset_minutes: Some(-300),
        ..RiskContext::default()
    }
}

/// Looks like a fraud ring's drop: a brand-new webmail account, $1,200 of
/// gift cards (6 of one SKU), billed abroad, next-day, at 03:10 local time,
/// the fourth order to this address today.
fn ring_order() -> (OrderData, RiskContext) {
    let mut o = order();
    o.customer.email = Some("x9.deals@gmail.com".into());
    let placed: Timestamp = "2026-03-10T08:10:00Z".parse().unwrap();
    o.customer.created_at = Some(Timestamp::from_second(placed.as_second() - 3_600).unwrap());
    o.ship_to = address("J Smith", "30301", "US", Some((33.75, -84.39)));
    o.bill_to = Some(address("Ada Lovelace", "M5V 2T6", "CA", Some((43.64, -79.39))));
    o.lines = vec![line("GIFTCARD-200", 6, "200.00")];
    o.total = Some(usd("1200.00"));
    o.service_level = ServiceLevel::NextDay;
    o.placed_at = Some(placed);
    let ctx = RiskContext {
        velocity: Velocity {
            email: 0,
            phone: 2,
            address: 3,
            ip: 4,
        },
        risky_lines: vec![true],
        utc_offset_minutes: Some(-300),
        ..RiskContext::default()
    };
    (o, ctx)
}

fn features(o: &OrderData, ctx: &RiskContext) -> Features {
    extract(o, ctx).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// Every number in `a` within `tol` of the one at the same place in `b`,
/// everything else equal; the first difference as an error.
fn json_close(a: &serde_json::Value, b: &serde_json::Value, tol: f64, path: &str) -> Result<(), String> {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            if (x - y).abs() <= tol * x.abs().max(y.abs()).max(1.0) {
                Ok(())
            } else {
                Err(format!("{path}: {x} != {y}"))
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .try_for_each(|(i, (x, y))| json_close(x, y, tol, &format!("{path}[{i}]"))),
        (Value::Object(x), Value::Object(y)) if x.len() == y.len() => x.iter().try_for_each(|(k, v)| match y.get(k) {
            Some(w) => json_close(v, w, tol, &format!("{path}.{k}")),
            None => Err(format!("{path}.{k} missing")),
        }),
        _ if a == b => Ok(()),
        _ => Err(format!("{path}: {a} != {b}")),
    }
}

/// The default model retrained from scratch, once per test binary.
fn retrained() -> &'static (RiskModel, TrainReport) {
    static RETRAINED: OnceLock<(RiskModel, TrainReport)> = OnceLock::new();
    RETRAINED.get_or_init(train_default)
}

/// A logistic model fitted on a small generated dataset, for tests of the
/// logistic path (the default model is the trees).
fn small_logistic() -> &'static RiskModel {
    static MODEL: OnceLock<RiskModel> = OnceLock::new();
    MODEL.get_or_init(|| {
        let examples = generate(11, 6_000);
        let rows: Vec<_> = examples.iter().map(|e| *e.features.values()).collect();
        let labels: Vec<_> = examples.iter().map(|e| e.label).collect();
        let lr = Logistic::fit(&rows, &labels, &LogisticConfig::default());
        let report = retrained().1.clone();
        scoring::RiskModel::new(Predictor::LogisticRegression(lr), 0.3, 0.1, report, 1)
    })
}

// ---------------------------------------------------------------- metrics

#[test]
fn roc_auc_and_average_precision_match_hand_computed_cases() {
    // scikit-learn's documentation example: AUC 0.75, AP 0.8333.
    let (s, l) = ([0.1, 0.4, 0.35, 0.8], [false, false, true, true]);
    assert!(close(roc_auc(&s, &l).unwrap(), 0.75));
    assert!(close(average_precision(&s, &l).unwrap(), (1.0 + 2.0 / 3.0) / 2.0));

    // Ranked + - + - +: pairs won 2 + 1 + 0 of 6; AP = (1/1 + 2/3 + 3/5) / 3.
    let (s, l) = ([0.9, 0.8, 0.7, 0.6, 0.5], [true, false, true, false, true]);
    assert!(close(roc_auc(&s, &l).unwrap(), 0.5));
    assert!(close(average_precision(&s, &l).unwrap(), (1.0 + 2.0 / 3.0 + 3.0 / 5.0) / 3.0));

    // Ties count one half and enter the precision curve together.
    let (s, l) = ([0.5, 0.5, 0.5, 0.5], [true, false, true, false]);
    assert!(close(roc_auc(&s, &l).unwrap(), 0.5));
    assert!(close(average_precision(&s, &l).unwrap(), 0.5));
    // One tied pair among otherwise separated scores: 3.5 of 4 pairs.
    let (s, l) = ([0.9, 0.5, 0.5, 0.1], [true, true, false, false]);
    assert!(close(roc_auc(&s, &l).unwrap(), 0.875));
    // AP: 0.9 gives recall ½ at precision 1; the tie adds ½ at precision ⅔.
    assert!(close(average_precision(&s, &l).unwrap(), 0.5 + 0.5 * 2.0 / 3.0));

    // Perfect and reversed rankings.
    assert!(close(roc_auc(&[0.9, 0.1], &[true, false]).unwrap(), 1.0));
    assert!(close(roc_auc(&[0.1, 0.9], &[true, false]).unwrap(), 0.0));
    assert!(close(average_precision(&[0.1, 0.9], &[true, false]).unwrap(), 0.5));

    // Undefined without both classes.
    assert_eq!(roc_auc(&[0.3, 0.4], &[true, true]), None);
    assert_eq!(average_precision(&[0.3, 0.4], &[false, false]), None);
}

#[test]
fn confusion_matrix_and_its_rates() {
    let s = [0.9, 0.8, 0.7, 0.6, 0.5];
    let l = [true, false, true, false, true];
    let c = Confusion::at(&s, &l, 0.7);
    assert_eq!(
        c,
        Confusion {
            true_positives: 2,
            false_positives: 1,
            true_negatives: 1,
            false_negatives: 1
        }
    );
    assert!(close(c.precision(), 2.0 / 3.0));
    assert!(close(c.recall(), 2.0 / 3.0));
    assert!(close(c.f1(), 2.0 / 3.0));
    assert!(close(c.false_positive_rate(), 0.5));
    // Nothing flagged: precision is 0, not NaN.
    assert_eq!(Confusion::at(&s, &l, 1.0).precision(), 0.0);
    assert!(close(brier(&[0.0, 1.0, 0.5], &[false, true, true]), 0.25 / 3.0));
}

#[test]
fn thresholds_follow_the_policy() {
    let s = [0.9, 0.8, 0.7, 0.6, 0.5];
    let l = [true, false, true, false, true];
    // F1 at each cut: 0.5, 0.4, 0.667, 0.571, 0.75.
    assert_eq!(choose_threshold(&s, &l, ThresholdPolicy::MaxF1), 0.5);
    // FPR at each cut: 0, ½, ½, 1, 1.
    assert_eq!(choose_threshold(&s, &l, ThresholdPolicy::MaxFalsePositiveRate { rate: 0.5 }), 0.7);
    assert_eq!(choose_threshold(&s, &l, ThresholdPolicy::MaxFalsePositiveRate { rate: 0.0 }), 0.9);
    // The top score is legitimate: flagging nothing is the only way to 0%.
    let t = choose_threshold(&[0.9, 0.5], &[false, true], ThresholdPolicy::MaxFalsePositiveRate { rate: 0.0 });
    assert!(t > 0.9 && t < 0.900001);
    // Equal F1 keeps the higher threshold (flags fewer orders).
    assert_eq!(choose_threshold(&[0.8, 0.6], &[true, true], ThresholdPolicy::MaxF1), 0.6);
    assert_eq!(
        choose_threshold(&[0.8, 0.6, 0.4], &[true, false, false], ThresholdPolicy::MaxF1),
        0.8
    );
}

// ---------------------------------------------------------------- features

#[test]
fn features_of_an_ordinary_returning_order() {
    let x = features(&order(), &returning());
    let expect = [
        // $80 against an average of $85.
        (Feature::ValueVsAverageLog, (81.0f64 / 86.0).ln()),
        (Feature::FirstOrder, 0.0),
        // created_at (800 days) is earlier than the first order (700 days).
        (Feature::AccountAgeDaysLog, 801f64.ln()),
        (Feature::PriorChargebacks, 0.0),
        (Feature::BillingNameMismatch, 0.0),
        (Feature::BillingPostalMismatch, 0.0),
        (Feature::BillingCountryMismatch, 0.0),
        (Feature::BillingDistanceKmLog, 0.0),
        (Feature::DistanceKnown, 1.0),
        (Feature::VelocityEmail, 0.0),
        (Feature::RiskyValueShare, 0.0),
        (Feature::ExpeditedFirstOrder, 0.0),
        (Feature::OrderValueLog, 81f64.ln()),
        (Feature::HourKnown, 1.0),
        // 15:30 UTC is 10:30 in New York.
        (Feature::NightOrder, 0.0),
        (Feature::FreeEmailDomain, 0.0),
        (Feature::MaxSkuUnitsLog, 2f64.ln()),
    ];
    for (f, v) in expect {
        assert!(close(x.get(f), v), "{f}: {} != {v}", x.get(f));
    }
}

#[test]
fn features_of_a_suspicious_first_order() {
    let (o, ctx) = ring_order();
    let x = features(&o, &ctx);
    assert_eq!(x.get(Feature::FirstOrder), 1.0);
    assert_eq!(x.get(Feature::ValueVsAverageLog), 0.0, "a first order has no history to compare");
    // One hour old.
    assert!(close(x.get(Feature::AccountAgeDaysLog), (1.0f64 / 24.0).ln_1p()));
    assert_eq!(x.get(Feature::BillingNameMismatch), 1.0);
    assert_eq!(x.get(Feature::BillingPostalMismatch), 1.0);
    assert_eq!(x.get(Feature::BillingCountryMismatch), 1.0);
    // Atlanta to Toronto is about 1,175 km.
    let km = x.get(Feature::BillingDistanceKmLog).exp_m1();
    assert!((km - 1175.0).abs() < 15.0, "{km}");
    assert_eq!(x.get(Feature::VelocityPhone), 2.0);
    assert_eq!(x.get(Feature::VelocityAddress), 3.0);
    assert_eq!(x.get(Feature::VelocityIp), 4.0);
    assert_eq!(x.get(Feature::RiskyValueShare), 1.0);
    assert_eq!(x.get(Feature::ExpeditedFirstOrder), 1.0);
    assert_eq!(x.get(Feature::NightOrder), 1.0, "08:10 UTC is 03:10 in New York");
    assert_eq!(x.get(Feature::FreeEmailDomain), 1.0);
    assert!(close(x.get(Feature::MaxSkuUnitsLog), 6f64.ln()));
}

#[test]
fn haversine_matches_known_distances() {
    let london = (51.5074, -0.1278);
    let paris = (48.8566, 2.3522);
    assert!((features::haversine_km(london, paris) - 343.5).abs() < 1.0);
    assert!((features::haversine_km((0.0, 0.0), (0.0, 180.0)) - std::f64::consts::PI * 6371.0).abs() < 1e-6);
    assert_eq!(features::haversine_km(paris, paris), 0.0);
}

#[test]
fn comparisons_ignore_case_spacing_and_punctuation() {
    let mut o = order();
    o.bill_to = Some(address("ADA  lovelace", "sw1a 1aa", "gb", None));
    o.ship_to = address("Ada Lovelace.", "SW1A1AA", "GB", None);
    let x = features(&o, &returning());
    assert_eq!(x.get(Feature::BillingNameMismatch), 0.0);
    assert_eq!(x.get(Feature::BillingPostalMismatch), 0.0);
    assert_eq!(x.get(Feature::BillingCountryMismatch), 0.0);
    assert_eq!(x.get(Feature::DistanceKnown), 0.0, "no coordinates");
    // Unknown is not a mismatch: no billing address at all.
    o.bill_to = None;
    let x = features(&o, &returning());
    assert_eq!(x.get(Feature::BillingNameMismatch) + x.get(Feature::BillingCountryMismatch), 0.0);
}

#[test]
fn free_email_domains() {
    for free in [
        "a@gmail.com",
        "b@Yahoo.co.uk",
        "c@hotmail.fr",
        "d@outlook.com",
        "e@GMX.de",
        "f@proton.me",
    ] {
        assert!(features::is_free_email(free), "{free}");
    }
    for own in [
        "a@acme.com",
        "b@notgmail.com",
        "c@yahoo",
        "d@gmail.com.evil.test",
        "no-at-sign",
        "e@mail.company.com",
    ] {
        assert!(!features::is_free_email(own), "{own}");
    }
}

#[test]
fn hour_uses_the_customers_offset_and_is_unknown_without_placed_at() {
    let mut o = order();
    o.placed_at = Some("2026-03-10T03:30:00Z".parse().unwrap());
    let mut ctx = returning();
    ctx.utc_offset_minutes = None;
    assert_eq!(features(&o, &ctx).get(Feature::NightOrder), 1.0, "03:30 UTC");
    ctx.utc_offset_minutes = Some(300);
    assert_eq!(features(&o, &ctx).get(Feature::NightOrder), 0.0, "08:30 five hours east");
    ctx.utc_offset_minutes = Some(-300);
    assert_eq!(features(&o, &ctx).get(Feature::NightOrder), 0.0, "22:30 the evening before");
    o.placed_at = None;
    ctx.as_of = Some(noon_ish());
    let x = features(&o, &ctx);
    assert_eq!((x.get(Feature::HourKnown), x.get(Feature::NightOrder)), (0.0, 0.0));
    // Account age is then measured to `as_of`.
    assert!(close(x.get(Feature::AccountAgeDaysLog), 801f64.ln()));
}

#[test]
fn value_shares_and_units_per_sku() {
    let mut o = order();
    o.lines = vec![line("TV-55", 1, "600.00"), line("CABLE", 3, "10.00"), line("TV-55", 1, "600.00")];
    o.total = None;
    let ctx = RiskContext {
        risky_lines: vec![true, false, true],
        ..returning()
    };
    let x = features(&o, &ctx);
    assert!(close(x.get(Feature::RiskyValueShare), 1200.0 / 1230.0));
    assert!(close(x.get(Feature::OrderValueLog), 1231f64.ln()), "total from the lines");
    assert!(close(x.get(Feature::MaxSkuUnitsLog), 3f64.ln()), "3 cables beat 2 TVs on two lines");
    // Without prices the share is by units.
    for l in &mut o.lines {
        l.unit_price = None;
    }
    assert!(close(features(&o, &ctx).get(Feature::RiskyValueShare), 2.0 / 5.0));
}

#[test]
fn bad_input_is_an_error_naming_the_field() {
    let field = |o: &OrderData, ctx: &RiskContext| extract(o, ctx).unwrap_err().field().unwrap().to_string();
    let ctx = returning();

    let mut o = order();
    o.lines.clear();
    assert_eq!(field(&o, &ctx), "lines");

    let mut o = order();
    o.lines[0].quantity = Quantity(0);
    assert_eq!(field(&o, &ctx), "lines[0].quantity");

    let mut o = order();
    o.total = Some(usd("-5.00"));
    assert_eq!(field(&o, &ctx), "total");

    let mut o = order();
    o.ship_to.lat = Some(91.0);
    assert_eq!(field(&o, &ctx), "ship_to.lat");

    let o = order();
    let bad = RiskContext {
        risky_lines: vec![true, false],
        ..returning()
    };
    let err = extract(&o, &bad).unwrap_err();
    assert_eq!(err.field(), Some("risky_lines"));
    assert!(
        err.to_string().contains("one risky flag per order line (1), or none; got 2"),
        "{err}"
    );

    let mut bad = returning();
    bad.utc_offset_minutes = Some(24 * 60);
    assert_eq!(field(&o, &bad), "utc_offset_minutes");
    bad = returning();
    bad.history.total_spent = f64::NAN;
    assert_eq!(field(&o, &bad), "history.total_spent");
}

#[test]
fn features_serialise_by_name_and_reject_unknown_or_missing_names() {
    let x = features(&order(), &returning());
    let json = serde_json::to_value(x).unwrap();
    assert_eq!(json["first_order"], 0.0);
    assert_eq!(json.as_object().unwrap().len(), FEATURE_COUNT);
    let back: Features = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, x);
    let mut extra = json.clone();
    extra["shoe_size"] = 42.into();
    assert!(
        serde_json::from_value::<Features>(extra)
            .unwrap_err()
            .to_string()
            .contains("shoe_size")
    );
    let mut missing = json;
    missing.as_object_mut().unwrap().remove("velocity_ip");
    assert!(
        serde_json::from_value::<Features>(missing)
            .unwrap_err()
            .to_string()
            .contains("velocity_ip")
    );
}

// ---------------------------------------------------------------- dataset and CSV

#[test]
fn generation_is_seeded_and_prefix_stable() {
    let a = generate(5, 300);
    assert_eq!(a, generate(5, 300));
    assert_eq!(a[..100], generate(5, 100)[..]);
    assert_ne!(a, generate(6, 300));
}

#[test]
fn generated_prevalence_is_between_2_and_4_percent_and_features_vary() {
    let examples = generate(DEFAULT_SEED ^ 1, 20_000);
    let prevalence = examples.iter().filter(|e| e.label).count() as f64 / examples.len() as f64;
    assert!((0.02..=0.04).contains(&prevalence), "{prevalence}");
    for f in Feature::ALL {
        let first = examples[0].features.get(f);
        assert!(examples.iter().any(|e| e.features.get(f) != first), "{f} never varies");
    }
    // Overlap: some frauds look entirely ordinary (no rule fires) and some
    // legitimate orders break a rule.
    let quiet_frauds = examples.iter().filter(|e| e.label && rules::score(&e.features) == 0.0).count();
    let loud_legit = examples.iter().filter(|e| !e.label && rules::score(&e.features) > 0.0).count();
    assert!(quiet_frauds > 100 && loud_legit > 100, "{quiet_frauds} {loud_legit}");
}

#[test]
fn csv_round_trips_exactly_and_accepts_any_column_order() {
    let examples = generate(3, 200);
    let text = to_csv(&examples);
    assert!(text.starts_with("value_vs_average_log,first_order,"));
    assert!(text.lines().next().unwrap().ends_with(",max_sku_units_log,label"));
    assert_eq!(from_csv(&text).unwrap(), examples);

    // Columns reversed, CRLF line ends, blank lines.
    let mut reversed = String::new();
    for l in text.lines() {
        let cells: Vec<&str> = l.split(',').rev().collect();
        reversed.push_str(&cells.join(","));
        reversed.push_str("\r\n\r\n");
    }
    assert_eq!(from_csv(&reversed).unwrap(), examples);
}

#[test]
fn csv_errors_name_the_line_and_column() {
    let text = to_csv(&generate(3, 5));
    let message = |t: &str| from_csv(t).unwrap_err().to_string();

    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let mut cells: Vec<String> = lines[2].split(',').map(String::from).collect();
    cells[12] = "many".into();
    lines[2] = cells.join(",");
    assert_eq!(
        message(&lines.join("\n")),
        "Line 3, column 13 (`velocity_ip`): `many` is not a finite number within ±1e12. (field `line 3, column 13 (velocity_ip)`)"
    );

    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[4] = lines[4].rsplit_once(',').map(|(a, _)| format!("{a},2")).unwrap();
    assert!(message(&lines.join("\n")).starts_with("Line 5, column 21 (`label`): a label is 0 or 1; got `2`."));

    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[3] = lines[3].rsplit_once(',').unwrap().0.to_string();
    assert!(message(&lines.join("\n")).starts_with("Line 4: expected 21 values, got 20."));

    let header = text.lines().next().unwrap();
    let renamed = text.replacen("night_order", "nite_order", 1);
    assert!(
        message(&renamed).starts_with("Line 1, column 18 (`nite_order`): unknown column `nite_order`"),
        "{}",
        message(&renamed)
    );
    let no_label = text.replacen(",label", "", 1);
    assert!(message(&no_label).contains("missing column(s) label"));
    let twice = text.replacen("first_order", "velocity_ip", 1);
    assert!(
        message(&twice).contains("the column `velocity_ip` appears twice"),
        "{}",
        message(&twice)
    );
    assert!(message("\n\n").contains("empty"));
    assert!(message(&format!("{header}\n{}", "nan,".repeat(20) + "0")).contains("`nan` is not a finite number"));
    assert!(message(&format!("{header}\n{}", "1e13,".repeat(20) + "0")).contains("`1e13` is not a finite number within ±1e12"));
    // A byte-order mark before the header is not part of the first column's name.
    assert_eq!(from_csv(&format!("\u{feff}{text}")).unwrap().len(), 5);
}

// ---------------------------------------------------------------- learners

#[test]
fn logistic_regression_recovers_known_coefficients() {
    // log-odds = -1 + 2·x0 − 0.5·x3, the other features constant.
    let mut rng = Rng::new(42);
    let mut rows = Vec::new();
    let mut labels = Vec::new();
    for _ in 0..20_000 {
        let mut r = [0.0; FEATURE_COUNT];
        r[0] = rng.normal();
        r[3] = 2.0 * rng.normal() + 1.0;
        let p = super::logistic::sigmoid(-1.0 + 2.0 * r[0] - 0.5 * r[3]);
        labels.push(rng.chance(p));
        rows.push(r);
    }
    let m = Logistic::fit(
        &rows,
        &labels,
        &LogisticConfig {
            l2: 1e-3,
            ..LogisticConfig::default()
        },
    );
    let at = |x0: f64, x3: f64| {
        let mut r = [0.0; FEATURE_COUNT];
        r[0] = x0;
        r[3] = x3;
        m.log_odds(&r)
    };
    assert!((at(0.0, 0.0) - -1.0).abs() < 0.1, "{}", at(0.0, 0.0));
    assert!((at(1.0, 0.0) - at(0.0, 0.0) - 2.0).abs() < 0.1);
    assert!((at(0.0, 1.0) - at(0.0, 0.0) - -0.5).abs() < 0.05);
    assert!(m.iterations < 20, "Newton converges in a few steps: {}", m.iterations);
}

#[test]
fn boosted_trees_learn_an_interaction_logistic_regression_cannot() {
    // Fraud when exactly one of two flags is set (XOR), 5% label noise.
    let mut rng = Rng::new(9);
    let mut rows = Vec::new();
    let mut labels = Vec::new();
    for _ in 0..4_000 {
        let mut r = [0.0; FEATURE_COUNT];
        r[4] = f64::from(u8::from(rng.chance(0.5)));
        r[6] = f64::from(u8::from(rng.chance(0.5)));
        r[15] = rng.normal();
        labels.push(((r[4] != r[6]) != rng.chance(0.05)) && rng.chance(0.6));
        rows.push(r);
    }
    let config = GbdtConfig {
        rounds: 40,
        ..GbdtConfig::default()
    };
    let trees = Gbdt::fit(&rows, &labels, &config);
    let lr = Logistic::fit(&rows, &labels, &LogisticConfig::default());
    let auc = |f: &dyn Fn(&[f64; FEATURE_COUNT]) -> f64| roc_auc(&rows.iter().map(f).collect::<Vec<_>>(), &labels).unwrap();
    let (tree_auc, lr_auc) = (auc(&|r| trees.log_odds(r)), auc(&|r| lr.log_odds(r)));
    assert!(tree_auc > 0.75, "{tree_auc}");
    assert!(lr_auc < 0.6, "{lr_auc}");
    // Depth ≤ 3: at most 15 nodes per tree, every root-to-leaf walk ≤ 3 splits.
    for tree in &trees.trees {
        assert!(tree.nodes.len() <= 15);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Contributions add up to the log-odds (LR: intercept + Σ w·(x−mean)/scale;
    /// trees: Saabas), the score is a probability, and level, flag and
    /// confidence agree with it.
    #[test]
    fn assessments_are_consistent(seed in 0u64..1_000_000, logistic in any::<bool>()) {
        let mut rng = Rng::new(seed);
        let (o, ctx, _) = dataset::generate_order(&mut rng, seed);
        let model = if logistic { small_logistic() } else { RiskModel::default_model() };
        let a = assess(&o, &ctx, model).unwrap();
        let sum: f64 = a.contributions.iter().map(|c| c.contribution).sum();
        prop_assert!((a.base_log_odds + sum - a.log_odds).abs() < 1e-9);
        prop_assert!((a.score - model.probability(&extract(&o, &ctx).unwrap())).abs() < 1e-12);
        prop_assert!((0.0..=1.0).contains(&a.score));
        prop_assert_eq!(a.flagged, a.score >= a.threshold);
        prop_assert_eq!(a.level == Level::High, a.flagged);
        prop_assert_eq!(a.level == Level::Low, a.score < a.review_threshold);
        prop_assert!((0.0..=1.0).contains(&a.confidence));
        prop_assert_eq!(a.contributions.len(), FEATURE_COUNT);
        prop_assert!(a.contributions.windows(2).all(|w| w[0].contribution.abs() >= w[1].contribution.abs()));
        prop_assert!(a.explanation.len() >= 2 && a.explanation.len() <= 1 + explain::MAX_SIGNALS);
    }

    /// Any order with valid fields yields finite features.
    #[test]
    fn extraction_never_fails_on_valid_orders(
        quantities in prop::collection::vec(1i64..1_000, 1..6),
        cents in prop::collection::vec(0i64..10_000_000, 6),
        lat in -90.0f64..=90.0, lon in -180.0f64..=180.0,
        orders_count in 0u32..1_000, spent in 0.0f64..1e7,
        velocity in any::<(u8, u8, u8, u8)>(),
        offset in -1080i32..=1080, hour in 0i64..86_400 * 365,
    ) {
        let mut o = order();
        o.lines = quantities.iter().enumerate().map(|(i, &q)| OrderLine {
            unit_price: Some(Money { amount: Decimal::new(cents[i], 2), currency: Currency::USD }),
            ..line(&format!("SKU-{}", i % 3), q, "1")
        }).collect();
        o.total = None;
        o.ship_to.lat = Some(lat);
        o.ship_to.lon = Some(lon);
        o.placed_at = Some(Timestamp::from_second(1_700_000_000 + hour).unwrap());
        let ctx = RiskContext {
            history: CustomerHistory { orders_count, total_spent: spent, ..CustomerHistory::default() },
            velocity: Velocity { email: velocity.0.into(), phone: velocity.1.into(), address: velocity.2.into(), ip: velocity.3.into() },
            risky_lines: quantities.iter().map(|q| q % 2 == 0).collect(),
            utc_offset_minutes: Some(offset),
            ..RiskContext::default()
        };
        let x = extract(&o, &ctx).unwrap();
        prop_assert!(x.values().iter().all(|v| v.is_finite()));
        prop_assert!((0.0..=1.0).contains(&x.get(Feature::RiskyValueShare)));
    }
}

// ---------------------------------------------------------------- the shipped model

/// The shipped model is the documented training run: retraining from
/// `generate(20261123, 50000)` reproduces every parameter, threshold and
/// metric in `crates/engine/models/risk-default.json` within 1e-9.
#[test]
fn default_model_is_reproducible() {
    let (model, report) = retrained();
    let shipped = RiskModel::default_model();
    assert_eq!(model.version, shipped.version);
    json_close(
        &serde_json::to_value(model).unwrap(),
        &serde_json::to_value(shipped).unwrap(),
        1e-9,
        "model",
    )
    .unwrap();
    json_close(
        &serde_json::to_value(report).unwrap(),
        &serde_json::to_value(&shipped.report).unwrap(),
        1e-9,
        "report",
    )
    .unwrap();
}

/// The numbers BENCHMARKS.md quotes, held to the ranges the dataset was
/// designed for: a realistic model, not a trivially separable one, and a
/// rules baseline that is clearly worse but better than chance.
#[test]
fn default_training_report_is_realistic_and_beats_the_rules() {
    let report = &retrained().1;
    let chosen = report.chosen_report();
    assert!((0.85..=0.97).contains(&chosen.test.roc_auc), "{}", chosen.test.roc_auc);
    assert!((0.02..=0.04).contains(&report.data.prevalence));
    assert_eq!(report.data.test.examples, 10_000);
    assert!(report.data.test.positives > 250);
    for m in [&report.logistic, &report.gbdt] {
        assert!(m.test.roc_auc > report.rules.test.roc_auc + 0.15);
        assert!(m.test.pr_auc > 2.0 * report.rules.test.pr_auc);
    }
    // Not useless: the rules rank better than chance and far above prevalence.
    assert!(report.rules.test.roc_auc > 0.6);
    assert!(report.rules.test.pr_auc > 2.0 * report.data.prevalence);
    // The choice was made on validation, not test.
    let gbdt_wins = report.gbdt.validation_pr_auc > report.logistic.validation_pr_auc;
    assert_eq!(report.chosen == ModelKind::GradientBoostedTrees, gbdt_wins);
    // Thresholds were chosen on validation and the test confusion uses them.
    let c = chosen.test.confusion;
    assert_eq!((c.true_positives + c.false_negatives) as usize, report.data.test.positives);
    assert_eq!(chosen.test.threshold, RiskModel::default_model().threshold);
}

#[test]
fn model_json_round_trips_and_bad_models_are_rejected() {
    let shipped = RiskModel::default_model();
    let again = RiskModel::from_json(&shipped.to_json()).unwrap();
    json_close(
        &serde_json::to_value(&again).unwrap(),
        &serde_json::to_value(shipped).unwrap(),
        1e-15,
        "model",
    )
    .unwrap();

    let mut value = serde_json::to_value(shipped).unwrap();
    value["features"][0] = "shoe_size".into();
    let err = RiskModel::from_json(&value.to_string()).unwrap_err();
    assert_eq!(err.field(), Some("features"));

    let mut value = serde_json::to_value(shipped).unwrap();
    value["predictor"]["trees"][3]["nodes"][0]["split"]["left"] = 99.into();
    let err = RiskModel::from_json(&value.to_string()).unwrap_err();
    assert_eq!(err.field(), Some("predictor.trees[3].nodes[0].split"));

    let mut value = serde_json::to_value(small_logistic()).unwrap();
    value["predictor"]["scales"][2] = 0.0.into();
    assert_eq!(
        RiskModel::from_json(&value.to_string()).unwrap_err().field(),
        Some("predictor.scales[2]")
    );

    let err = RiskModel::from_json("{\"version\": 3}").unwrap_err();
    assert!(err.to_string().starts_with("Not a risk model: invalid type"), "{err}");
}

// ---------------------------------------------------------------- explanations

fn explained(a: &RiskAssessment) -> String {
    a.explanation
        .iter()
        .map(|f| format!("{:+.3} {}", f.weight, f.description))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn explanation_of_a_fraud_ring_order() {
    let (o, ctx) = ring_order();
    let a = assess(&o, &ctx, RiskModel::default_model()).unwrap();
    assert!(a.flagged);
    assert_eq!(a.level, Level::High);
    insta::assert_snapshot!(explained(&a), @r"
    +0.000 Fraud risk over 99.9% is at or above the flagging threshold 22.0%: hold the order for review.
    +2.006 Guest checkout or an account opened today (+2.01).
    +1.697 100% of the value in risky categories (gift cards, electronics) (+1.70).
    +1.578 Order value 1,200.00 (+1.58).
    +1.295 6 units of a single SKU (+1.30).
    +1.208 2 other orders from this phone in 24 h (+1.21).
    ");
}

#[test]
fn explanation_of_a_loyal_customers_order() {
    let a = assess(&order(), &returning(), RiskModel::default_model()).unwrap();
    assert!(!a.flagged);
    assert_eq!(a.level, Level::Low);
    assert!(a.confidence > 0.95, "{}", a.confidence);
    insta::assert_snapshot!(explained(&a), @r"
    +0.000 Fraud risk 0.4% is below the review level 4.1%: release.
    -0.469 Order value 80.00 (-0.47).
    -0.279 Nothing in risky categories (-0.28).
    -0.246 Email not at a free webmail provider (-0.25).
    -0.214 No other orders from this IP address in 24 h (-0.21).
    -0.157 No other orders to this shipping address in 24 h (-0.16).
    ");
}

#[test]
fn explanation_of_an_account_takeover() {
    // A long-standing customer, but ten times their usual spend on
    // electronics, shipped next-day to a new address 2,000 km away.
    let mut o = order();
    o.bill_to = Some(o.ship_to.clone());
    o.ship_to = address("Ada Lovelace", "94103", "US", Some((37.77, -122.41)));
    o.lines = vec![line("LAPTOP-16", 1, "850.00")];
    o.total = Some(usd("850.00"));
    o.service_level = ServiceLevel::NextDay;
    let ctx = RiskContext {
        risky_lines: vec![true],
        velocity: Velocity {
            email: 1,
            ..Velocity::default()
        },
        ..returning()
    };
    let a = assess(&o, &ctx, RiskModel::default_model()).unwrap();
    insta::assert_snapshot!(explained(&a), @r"
    +0.000 Fraud risk 97.9% is at or above the flagging threshold 22.0%: hold the order for review.
    +2.594 Order value about 9.9× the customer's average (+2.59).
    +2.487 100% of the value in risky categories (gift cards, electronics) (+2.49).
    -1.476 Account 2.2 years old (-1.48).
    +1.373 Order value 850.00 (+1.37).
    +1.010 1 other order from this email in 24 h (+1.01).
    ");
}

#[test]
fn logistic_contributions_are_weight_times_standardised_deviation() {
    let model = small_logistic();
    let Predictor::LogisticRegression(lr) = &model.predictor else {
        unreachable!()
    };
    let (o, ctx) = ring_order();
    let x = extract(&o, &ctx).unwrap();
    let a = model.score(&x);
    for c in &a.contributions {
        let i = c.feature.index();
        assert!(close(c.contribution, lr.weights[i] * (x.values()[i] - lr.means[i]) / lr.scales[i]));
    }
    assert!(close(a.base_log_odds, lr.intercept));
    let velocity = a.contributions.iter().find(|c| c.feature == Feature::VelocityAddress).unwrap();
    assert!(velocity.contribution > 0.0, "more orders to one address is riskier");
}

// ---------------------------------------------------------------- training API

#[test]
fn training_refuses_data_it_cannot_split() {
    let mut examples = generate(1, 400);
    examples.iter_mut().for_each(|e| e.label = false);
    examples[0].label = true;
    let err = train(&examples, &TrainConfig::default(), "test").unwrap_err();
    assert_eq!(err.field(), Some("label"));
    assert!(err.to_string().contains("Too few fraud (label 1) examples (1)"), "{err}");

    let bad = TrainConfig {
        test_fraction: 1.5,
        ..TrainConfig::default()
    };
    assert_eq!(train(&generate(1, 400), &bad, "test").unwrap_err().field(), Some("test_fraction"));
    let bad = TrainConfig {
        gbdt: GbdtConfig {
            max_depth: 4,
            ..GbdtConfig::default()
        },
        ..TrainConfig::default()
    };
    assert_eq!(train(&generate(1, 400), &bad, "test").unwrap_err().field(), Some("gbdt.max_depth"));
}

#[test]
fn train_from_csv_trains_and_reports_bad_cells() {
    let text = to_csv(&generate(21, 4_000));
    let config = TrainConfig {
        gbdt: GbdtConfig {
            rounds: 30,
            ..GbdtConfig::default()
        },
        ..TrainConfig::default()
    };
    let (model, report) = train_from_csv(&text, &config).unwrap();
    assert_eq!(report.data.all.examples, 4_000);
    assert!(report.data.description.starts_with("CSV: 4000 examples"));
    assert_eq!(model.report, report);
    assert!(model.version.starts_with("risk/1+"));
    // The split is stratified: each part keeps the prevalence.
    let share = |p: PartSize| p.positives as f64 / p.examples as f64;
    assert!((share(report.data.test) - report.data.prevalence).abs() < 0.005);
    assert!((share(report.data.validation) - report.data.prevalence).abs() < 0.005);

    let mut lines: Vec<&str> = text.lines().collect();
    let second = format!("zero{}", &lines[1][lines[1].find(',').unwrap()..]);
    lines[1] = &second;
    let broken = lines.join("\n");
    let err = train_from_csv(&broken, &config).unwrap_err();
    assert!(err.to_string().starts_with("Line 2, column 1 (`value_vs_average_log`)"), "{err}");
}

#[test]
fn comparison_prefers_the_better_model_on_the_same_held_out_orders() {
    let shipped = RiskModel::default_model();
    let held_out = generate(777, 8_000);
    let same = RiskModel::compare(shipped, shipped, &held_out).unwrap();
    assert_eq!((same.newly_flagged, same.no_longer_flagged), (0, 0));
    assert_eq!(same.pr_auc_delta, 0.0);
    assert!(!same.new_is_better);

    // A model trained on 1,500 orders (about 45 frauds) against the shipped one.
    let config = TrainConfig {
        gbdt: GbdtConfig {
            rounds: 30,
            ..GbdtConfig::default()
        },
        ..TrainConfig::default()
    };
    let (weak, _) = train(&generate(5, 1_500), &config, "small").unwrap();
    let upgrade = RiskModel::compare(&weak, shipped, &held_out).unwrap();
    assert!(upgrade.new_is_better, "{}", upgrade.summary);
    assert!(upgrade.pr_auc_delta > 0.0);
    assert!(upgrade.summary.ends_with("Switch to the new model."), "{}", upgrade.summary);
    let downgrade = RiskModel::compare(shipped, &weak, &held_out).unwrap();
    assert!(!downgrade.new_is_better);

    let one_class: Vec<Example> = held_out.iter().filter(|e| !e.label).copied().collect();
    assert_eq!(RiskModel::compare(shipped, &weak, &one_class).unwrap_err().field(), Some("label"));
}

#[test]
fn rules_fire_on_what_they_say() {
    let (o, ctx) = ring_order();
    let names: Vec<&str> = rules::fired(&features(&o, &ctx)).iter().map(|r| r.name).collect();
    assert_eq!(names, ["velocity", "expedited_first_order_over_500", "billing_country_differs"]);
    assert_eq!(rules::score(&features(&order(), &returning())), 0.0);
}

// ---------------------------------------------------------------- benchmark

/// The risk figures of BENCHMARKS.md (what `crossdock bench risk` prints):
/// `CARGO_TARGET_DIR=/work/target-risk cargo test -p engine --release risk::tests::bench_risk -- --ignored --nocapture`
#[test]
#[ignore = "benchmark: run in release with --ignored --nocapture"]
fn bench_risk() {
    let report = evaluate_default();
    println!("{}", serde_json::to_string_pretty(&report).unwrap());
    let model = RiskModel::default_model();
    let mut rng = Rng::new(1);
    let orders: Vec<_> = (0..10_000).map(|i| dataset::generate_order(&mut rng, i)).collect();
    let mut times: Vec<u128> = orders
        .iter()
        .map(|(o, ctx, _)| {
            let start = std::time::Instant::now();
            std::hint::black_box(assess(o, ctx, model).unwrap());
            start.elapsed().as_nanos()
        })
        .collect();
    times.sort_unstable();
    println!(
        "assess latency over {} orders: p50 {} µs, p99 {} µs",
        times.len(),
        times[times.len() / 2] / 1000,
        times[times.len() * 99 / 100] / 1000
    );
}

/// Rewrites `crates/engine/models/risk-default.json`:
/// `CARGO_TARGET_DIR=/work/target-risk cargo test -p engine --release risk::tests::regenerate_default_model -- --ignored`
#[test]
#[ignore = "writes the shipped model file; run on purpose"]
fn regenerate_default_model() {
    let (model, _) = train_default();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/models/risk-default.json");
    std::fs::write(path, model.to_json()).unwrap();
}
