//! The rules-only baseline the models must beat: three hand rules of the
//! kind a merchant writes into a fraud app, each worth one point. The score
//! is the number of rules an order breaks (0–3), so it ranks orders in four
//! levels only; its threshold is chosen on validation like the models'.

use super::features::{Feature, Features};

/// Orders from one email, phone, address or IP within 24 h at which the
/// velocity rule fires.
pub const VELOCITY_LIMIT: f64 = 3.0;

/// A first order above this value shipped expedited breaks a rule.
pub const FIRST_ORDER_VALUE_LIMIT: f64 = 500.0;

/// One hand rule.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub name: &'static str,
    /// What it checks, in plain words.
    pub description: &'static str,
    check: fn(&Features) -> bool,
}

impl Rule {
    pub fn fires(&self, x: &Features) -> bool {
        (self.check)(x)
    }
}

/// The baseline's rules.
pub const RULES: [Rule; 3] = [
    Rule {
        name: "velocity",
        description: "3 or more other orders in 24 h from the same email, phone, shipping address or IP",
        check: |x| {
            [
                Feature::VelocityEmail,
                Feature::VelocityPhone,
                Feature::VelocityAddress,
                Feature::VelocityIp,
            ]
            .into_iter()
            .any(|f| x.get(f) >= VELOCITY_LIMIT)
        },
    },
    Rule {
        name: "expedited_first_order_over_500",
        description: "a first order over 500 shipped expedited",
        check: |x| x.get(Feature::ExpeditedFirstOrder) > 0.5 && x.get(Feature::OrderValueLog) > FIRST_ORDER_VALUE_LIMIT.ln_1p(),
    },
    Rule {
        name: "billing_country_differs",
        description: "billing country differs from shipping country",
        check: |x| x.get(Feature::BillingCountryMismatch) > 0.5,
    },
];

/// Number of [`RULES`] the order breaks.
pub fn score(x: &Features) -> f64 {
    RULES.iter().filter(|r| r.fires(x)).count() as f64
}

/// The rules the order breaks.
pub fn fired(x: &Features) -> Vec<&'static Rule> {
    RULES.iter().filter(|r| r.fires(x)).collect()
}
