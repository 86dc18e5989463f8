//! A risk assessment in plain words: the verdict, then the signals that
//! moved the score most, each with its contribution in log-odds, e.g.
//! "3 other orders from this email in 24 h (+0.21)."

use model::ops::Factor;

use super::features::{Feature, Features, NIGHT_HOURS};
use super::scoring::{RiskAssessment, round3};

/// Signals that move the log-odds by less than this are not named.
pub const MIN_CONTRIBUTION: f64 = 0.1;
/// At most this many signals are named.
pub const MAX_SIGNALS: usize = 5;

pub(crate) fn explain(a: &RiskAssessment, x: &Features) -> Vec<Factor> {
    let mut out = vec![Factor {
        description: verdict(a),
        weight: 0.0,
    }];
    let strong: Vec<_> = a
        .contributions
        .iter()
        .filter(|c| c.contribution.abs() >= MIN_CONTRIBUTION)
        .take(MAX_SIGNALS)
        .collect();
    if strong.is_empty() {
        out.push(Factor {
            description: format!("No single signal stands out: each moves the risk by less than {MIN_CONTRIBUTION} in log-odds."),
            weight: 0.0,
        });
    }
    for c in strong {
        out.push(Factor {
            description: format!("{} ({:+.2}).", capitalise(&describe(c.feature, x)), c.contribution),
            weight: round3(c.contribution),
        });
    }
    out
}

fn verdict(a: &RiskAssessment) -> String {
    let (s, t, r) = (percent(a.score), percent(a.threshold), percent(a.review_threshold));
    match a.level {
        super::scoring::Level::High => format!("Fraud risk {s} is at or above the flagging threshold {t}: hold the order for review."),
        super::scoring::Level::Medium => {
            format!("Fraud risk {s} is above the review level {r} but below the flagging threshold {t}: release, worth a look.")
        }
        super::scoring::Level::Low => format!("Fraud risk {s} is below the review level {r}: release."),
    }
}

/// `0.2%`, `22.0%`, `99.8%`; the ends as `under 0.1%` and `over 99.9%`
/// rather than a certain-looking 0.0% or 100.0%.
fn percent(p: f64) -> String {
    if p < 0.0005 {
        "under 0.1%".into()
    } else if p >= 0.9995 {
        "over 99.9%".into()
    } else {
        format!("{:.1}%", p * 100.0)
    }
}

/// `1,200.00`.
fn amount(x: f64) -> String {
    let cents = (x * 100.0).round().max(0.0) as u64;
    format!("{}.{:02}", thousands(cents / 100), cents % 100)
}

/// `12,345`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The feature's value for this order, in words.
fn describe(feature: Feature, x: &Features) -> String {
    let v = x.get(feature);
    let yes = v > 0.5;
    let count = v.round().max(0.0) as u64;
    let velocity = |what: &str| match count {
        0 => format!("no other orders {what} in 24 h"),
        n => format!("{} {what} in 24 h", plural(n, "other order", "other orders")),
    };
    match feature {
        Feature::ValueVsAverageLog => {
            if x.get(Feature::FirstOrder) > 0.5 {
                "no earlier orders to compare the value with".into()
            } else {
                format!("order value about {:.1}× the customer's average", v.exp())
            }
        }
        Feature::FirstOrder => (if yes {
            "first order from this customer"
        } else {
            "returning customer"
        })
        .into(),
        Feature::AccountAgeDaysLog => age(v.exp_m1()),
        Feature::PriorChargebacks => match count {
            0 => "no chargebacks on earlier orders".into(),
            n => format!("{} on earlier orders", plural(n, "chargeback", "chargebacks")),
        },
        Feature::BillingNameMismatch => (if yes {
            "billing name differs from shipping name"
        } else {
            "billing name matches shipping name or is not given"
        })
        .into(),
        Feature::BillingPostalMismatch => (if yes {
            "billing postal code differs from shipping postal code"
        } else {
            "billing postal code matches shipping or is not given"
        })
        .into(),
        Feature::BillingCountryMismatch => (if yes {
            "billing country differs from shipping country"
        } else {
            "billing country matches shipping or is not given"
        })
        .into(),
        Feature::BillingDistanceKmLog => {
            if x.get(Feature::DistanceKnown) > 0.5 {
                format!(
                    "billing address {} km from the shipping address",
                    thousands(v.exp_m1().round().max(0.0) as u64)
                )
            } else {
                "distance between billing and shipping address unknown".into()
            }
        }
        Feature::DistanceKnown => (if yes {
            "coordinates known for billing and shipping address"
        } else {
            "no coordinates for billing and shipping address"
        })
        .into(),
        Feature::VelocityEmail => velocity("from this email"),
        Feature::VelocityPhone => velocity("from this phone"),
        Feature::VelocityAddress => velocity("to this shipping address"),
        Feature::VelocityIp => velocity("from this IP address"),
        Feature::RiskyValueShare => {
            if v > 0.0 {
                format!("{:.0}% of the value in risky categories (gift cards, electronics)", v * 100.0)
            } else {
                "nothing in risky categories".into()
            }
        }
        Feature::ExpeditedFirstOrder => (if yes {
            "expedited shipping on a first order"
        } else {
            "no expedited shipping on a first order"
        })
        .into(),
        Feature::OrderValueLog => format!("order value {}", amount(v.exp_m1())),
        Feature::HourKnown => (if yes { "time of order known" } else { "time of order unknown" }).into(),
        Feature::NightOrder => {
            let hours = format!("{:02}:00–{:02}:59 local time", NIGHT_HOURS.start, NIGHT_HOURS.end - 1);
            if yes {
                format!("placed at night ({hours})")
            } else {
                format!("not placed at night ({hours})")
            }
        }
        Feature::FreeEmailDomain => (if yes {
            "free webmail address"
        } else {
            "email not at a free webmail provider"
        })
        .into(),
        Feature::MaxSkuUnitsLog => match v.exp().round() as u64 {
            0 | 1 => "one unit of each SKU".into(),
            n => format!("{n} units of a single SKU"),
        },
    }
}

fn age(days: f64) -> String {
    if days < 1.0 {
        "guest checkout or an account opened today".into()
    } else if days < 60.0 {
        format!("account {} old", plural(days.floor() as u64, "day", "days"))
    } else if days < 730.0 {
        format!("account {} old", plural((days / 30.44).floor() as u64, "month", "months"))
    } else {
        format!("account {:.1} years old", days / 365.25)
    }
}
