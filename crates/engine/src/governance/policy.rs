//! Declarative policies: what a tenant's config says about actions, checked
//! against one [`Proposal`] at a time.
//!
//! A policy names the action kinds it applies to, one [`Rule`] and the
//! [`Effect`] of breaking it. Rules are plain data so that operations
//! engineers write them in `crossdock.toml`; [`validate_policies`] catches
//! what would otherwise silently never match (a misspelt status, an empty
//! role list, a quiet window of no length).

use jiff::Timestamp;
use jiff::civil::Time;
use model::order::OrderStatus;
use serde::{Deserialize, Serialize};

use super::Proposal;
use crate::Error;

/// What breaking a policy does to the action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    /// The action is not done, in any mode and whoever asks.
    Block,
    /// A person approves it first; a person asking for it counts as that approval.
    Review,
    /// Done later, when the rule no longer objects (only `quiet_hours`).
    Defer,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Block => "block",
            Effect::Review => "review",
            Effect::Defer => "defer",
        }
    }
}

/// The condition a policy checks. In config the kind is the `rule` key and
/// its parameters sit next to it, e.g. `rule = "amount_above"`, `amount = 200.0`.
///
/// Input a rule needs but the proposal does not carry counts as breaking the
/// rule: a gate fails closed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// Broken when the order's status is one of `statuses` (e.g. no cancel
    /// once `shipped`), or when the status is unknown.
    OrderStatus { statuses: Vec<String> },
    /// Broken when the proposal's amount (a refund, a credit) is above
    /// `amount`, or unknown.
    AmountAbove { amount: f64 },
    /// Broken unless a person with one of `roles` asked for or approved the
    /// action; crossdock acting alone has no role.
    Roles { roles: Vec<String> },
    /// Broken when the recipient's local time is in `[from, to)`; the window
    /// wraps midnight when `from` is later than `to` (`22:00`–`07:00`).
    /// Times are `HH:MM` strings.
    QuietHours {
        #[serde(with = "clock")]
        from: Time,
        #[serde(with = "clock")]
        to: Time,
    },
    /// Broken when the action's cost impact is above `amount`.
    MaxCost { amount: f64 },
}

impl Rule {
    /// The rule kind as written in config.
    pub fn kind(&self) -> &'static str {
        match self {
            Rule::OrderStatus { .. } => "order_status",
            Rule::AmountAbove { .. } => "amount_above",
            Rule::Roles { .. } => "roles",
            Rule::QuietHours { .. } => "quiet_hours",
            Rule::MaxCost { .. } => "max_cost",
        }
    }
}

/// One declarative policy from config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    /// Unique among the tenant's policies; named in verdicts and the audit trail.
    pub name: String,
    /// Action kinds it applies to, matched exactly (e.g. `order.cancel`);
    /// empty or absent: every action.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<String>,
    // `deny_unknown_fields` cannot sit on a struct with a flattened field;
    // the `Rule` enum carries it, so a stray key is still an error.
    #[serde(flatten)]
    pub rule: Rule,
    pub effect: Effect,
}

impl Policy {
    /// Whether the policy has a say on `action`.
    pub fn applies_to(&self, action: &str) -> bool {
        self.actions.is_empty() || self.actions.iter().any(|a| a == action)
    }
}

/// The outcome of one rule on one proposal.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Finding {
    pub violated: bool,
    /// What was found, in plain words.
    pub note: String,
    /// For a broken `quiet_hours`: when its window ends.
    pub until: Option<Timestamp>,
}

impl Finding {
    fn new(violated: bool, note: String) -> Self {
        Finding {
            violated,
            note,
            until: None,
        }
    }
}

impl Rule {
    pub(super) fn evaluate(&self, p: &Proposal) -> Finding {
        match self {
            Rule::OrderStatus { statuses } => {
                let list = statuses.join(", ");
                match p.order_status {
                    Some(s) if statuses.iter().any(|x| x == s) => Finding::new(true, format!("Order status `{s}` is one of {list}.")),
                    Some(s) => Finding::new(false, format!("Order status `{s}` is not one of {list}.")),
                    None => Finding::new(true, format!("The order's status is unknown, so it may be one of {list}.")),
                }
            }
            Rule::AmountAbove { amount } => match p.amount {
                Some(a) if above(a, *amount) => Finding::new(true, format!("Amount {} is above the limit {amount:.2}.", two_places(a))),
                Some(a) => Finding::new(false, format!("Amount {a:.2} is within the limit {amount:.2}.")),
                None => Finding::new(true, format!("The amount is unknown, so it may be above the limit {amount:.2}.")),
            },
            Rule::Roles { roles } => {
                let list = roles.join(", ");
                match p.role {
                    Some(r) if roles.iter().any(|x| x == r) => Finding::new(false, format!("Role `{r}` is one of {list}.")),
                    Some(r) => Finding::new(true, format!("Role `{r}` is not one of {list}.")),
                    None => Finding::new(true, format!("crossdock acting alone has no role; this needs one of {list}.")),
                }
            }
            Rule::QuietHours { from, to } => quiet_hours(*from, *to, p),
            Rule::MaxCost { amount } => {
                let c = p.cost_impact;
                if above(c, *amount) {
                    Finding::new(true, format!("Cost impact {} is above the limit {amount:.2}.", two_places(c)))
                } else {
                    Finding::new(false, format!("Cost impact {c:.2} is within the limit {amount:.2}."))
                }
            }
        }
    }
}

fn quiet_hours(from: Time, to: Time, p: &Proposal) -> Finding {
    let window = format!("{}–{}", hhmm(from), hhmm(to));
    let Some(now) = &p.local_now else {
        return Finding::new(
            true,
            format!("The recipient's local time is unknown, so it may be within quiet hours {window}."),
        );
    };
    let t = now.time();
    if !in_window(from, to, t) {
        return Finding::new(
            false,
            format!("The recipient's local time {} is outside quiet hours {window}.", hhmm(t)),
        );
    }
    let until = window_end(now, to);
    let note = match until {
        Some(end) => format!(
            "The recipient's local time {} is within quiet hours {window}; not before {}.",
            hhmm(t),
            end.to_zoned(now.time_zone().clone()).strftime("%Y-%m-%d %H:%M %Z")
        ),
        None => format!("The recipient's local time {} is within quiet hours {window}.", hhmm(t)),
    };
    Finding {
        violated: true,
        note,
        until,
    }
}

/// Whether `t` is in `[from, to)`, wrapping midnight when `from > to`.
pub(super) fn in_window(from: Time, to: Time, t: Time) -> bool {
    if from <= to { from <= t && t < to } else { t >= from || t < to }
}

/// The next `to` on the recipient's wall clock after `now`. A `to` that falls
/// in a DST gap resolves to the first instant after it (jiff's "compatible").
/// `None` only at the end of jiff's calendar.
pub(super) fn window_end(now: &jiff::Zoned, to: Time) -> Option<Timestamp> {
    let day = if now.time() >= to {
        now.date().tomorrow().ok()?
    } else {
        now.date()
    };
    Some(day.to_datetime(to).to_zoned(now.time_zone().clone()).ok()?.timestamp())
}

/// Times of day as `HH:MM` (seconds allowed when read). The error repeats
/// the value: inside a flattened rule serde loses the key's name.
mod clock {
    use jiff::civil::Time;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Time, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::hhmm(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Time, D::Error> {
        let raw = String::deserialize(d)?;
        raw.parse()
            .map_err(|e| serde::de::Error::custom(format!("`{raw}` is not a time of day as HH:MM ({e})")))
    }
}

fn hhmm(t: Time) -> String {
    t.strftime("%H:%M").to_string()
}

/// `value > limit`, NaN counting as above: a gate fails closed.
pub(super) fn above(value: f64, limit: f64) -> bool {
    value.is_nan() || value > limit
}

/// Two decimals, or the raw value when it is not a number.
pub(super) fn two_places(v: f64) -> String {
    if v.is_finite() { format!("{v:.2}") } else { v.to_string() }
}

/// Checks a tenant's policies; the error names `policies[i].field`.
pub fn validate_policies(policies: &[Policy]) -> Result<(), Error> {
    for (i, p) in policies.iter().enumerate() {
        let at = |f: &str| format!("policies[{i}].{f}");
        if p.name.trim().is_empty() {
            return Err(Error::invalid(at("name"), "A policy needs a name."));
        }
        if let Some(j) = policies[..i].iter().position(|q| q.name == p.name) {
            return Err(Error::invalid(
                at("name"),
                format!("Policy name `{}` is already used by policies[{j}].", p.name),
            ));
        }
        if let Some(j) = p.actions.iter().position(|a| a.trim().is_empty()) {
            return Err(Error::invalid(
                at(&format!("actions[{j}]")),
                "An action kind is a non-empty name, e.g. `order.cancel`.",
            ));
        }
        match &p.rule {
            Rule::OrderStatus { statuses } => {
                if statuses.is_empty() {
                    return Err(Error::invalid(at("statuses"), "An `order_status` rule lists at least one status."));
                }
                if let Some(j) = statuses.iter().position(|s| OrderStatus::parse(s).is_none()) {
                    let known: Vec<&str> = OrderStatus::ALL.iter().map(|s| s.as_str()).collect();
                    return Err(Error::invalid(
                        at(&format!("statuses[{j}]")),
                        format!("`{}` is not an order status; use one of {}.", statuses[j], known.join(", ")),
                    ));
                }
            }
            Rule::Roles { roles } => {
                if roles.is_empty() {
                    return Err(Error::invalid(at("roles"), "A `roles` rule lists at least one role."));
                }
                if let Some(j) = roles.iter().position(|r| r.trim().is_empty()) {
                    return Err(Error::invalid(at(&format!("roles[{j}]")), "A role is a non-empty name."));
                }
            }
            Rule::AmountAbove { amount } | Rule::MaxCost { amount } => {
                if !(amount.is_finite() && *amount >= 0.0) {
                    return Err(Error::invalid(
                        at("amount"),
                        format!("The limit is a non-negative number; got {amount}."),
                    ));
                }
            }
            Rule::QuietHours { from, to } => {
                if from == to {
                    return Err(Error::invalid(
                        at("to"),
                        format!(
                            "Quiet hours from {} to {} have no length; `from` and `to` differ.",
                            hhmm(*from),
                            hhmm(*to)
                        ),
                    ));
                }
            }
        }
        if p.effect == Effect::Defer && !matches!(p.rule, Rule::QuietHours { .. }) {
            return Err(Error::invalid(
                at("effect"),
                format!(
                    "Only a `quiet_hours` rule can defer an action (it knows when to try again); a `{}` rule blocks or asks for review.",
                    p.rule.kind()
                ),
            ));
        }
    }
    Ok(())
}
