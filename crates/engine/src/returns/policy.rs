//! The tenant's return policy, as operations engineers write it in the
//! `[returns]` table of `crossdock.toml`. Every field has a default, so an
//! empty table is [`ReturnPolicy::default`]; [`ReturnPolicy::validate`]
//! catches what would otherwise silently never apply (a rule hidden behind
//! an earlier one, a tier spelt twice, an empty zone name).

use std::collections::BTreeMap;

use model::ops::Disposition;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Condition, ReturnReason};
use crate::Error;

/// What happens to a final-sale line that is otherwise returnable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinalSale {
    /// Not returnable.
    #[default]
    Refuse,
    /// A person decides: the whole return goes to review.
    Review,
    /// Returnable for store credit, never a refund.
    StoreCredit,
}

impl FinalSale {
    pub fn as_str(self) -> &'static str {
        match self {
            FinalSale::Refuse => "refuse",
            FinalSale::Review => "review",
            FinalSale::StoreCredit => "store_credit",
        }
    }
}

/// Where a condition rule sends the goods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    Restock,
    Inspect,
    Refurbish,
    Scrap,
    /// Refurbish, or scrap when the unit value is below
    /// [`ReturnPolicy::scrap_below`] (refurbishing it would cost more than it
    /// is worth). An item without a known price is refurbished.
    RefurbishOrScrap,
}

impl Route {
    pub fn as_str(self) -> &'static str {
        match self {
            Route::Restock => "restock",
            Route::Inspect => "inspect",
            Route::Refurbish => "refurbish",
            Route::Scrap => "scrap",
            Route::RefurbishOrScrap => "refurbish_or_scrap",
        }
    }
}

/// One row of the disposition table: a return whose condition and reason
/// match goes where `disposition` says. An absent `condition` or `reason`
/// matches any (including none given). The first matching rule wins; a
/// return no rule matches is inspected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ReturnReason>,
    pub disposition: Route,
}

impl ConditionRule {
    pub(super) fn matches(&self, condition: Option<Condition>, reason: Option<ReturnReason>) -> bool {
        self.condition.is_none_or(|c| Some(c) == condition) && self.reason.is_none_or(|r| Some(r) == reason)
    }

    /// Whether every return this rule matches is also matched by `earlier`.
    fn shadowed_by(&self, earlier: &ConditionRule) -> bool {
        earlier.condition.is_none_or(|c| Some(c) == self.condition) && earlier.reason.is_none_or(|r| Some(r) == self.reason)
    }

    /// `condition opened`, `reason defective`, `condition damaged and reason late`, `any return`.
    pub(super) fn describe(&self) -> String {
        match (self.condition, self.reason) {
            (Some(c), Some(r)) => format!("condition {} and reason {}", c.as_str(), r.as_str()),
            (Some(c), None) => format!("condition {}", c.as_str()),
            (None, Some(r)) => format!("reason {}", r.as_str()),
            (None, None) => "any return".to_string(),
        }
    }
}

/// The default disposition table. Reasons that say what is wrong with the
/// goods come first: a defective item is refurbished and one that arrived
/// damaged is inspected (the carrier claim needs the evidence) whatever the
/// customer reports about its condition.
pub fn default_conditions() -> Vec<ConditionRule> {
    let rule = |condition, reason, disposition| ConditionRule {
        condition,
        reason,
        disposition,
    };
    vec![
        rule(None, Some(ReturnReason::Defective), Route::Refurbish),
        rule(None, Some(ReturnReason::Damaged), Route::Inspect),
        rule(Some(Condition::New), None, Route::Restock),
        rule(Some(Condition::Opened), None, Route::Inspect),
        rule(Some(Condition::Damaged), None, Route::RefurbishOrScrap),
    ]
}

fn zone_restock() -> String {
    "RET-RESTOCK".into()
}
fn zone_inspect() -> String {
    "RET-INSPECT".into()
}
fn zone_refurbish() -> String {
    "RET-REFURB".into()
}
fn zone_scrap() -> String {
    "RET-SCRAP".into()
}

/// The receiving node's zone for each disposition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Zones {
    #[serde(default = "zone_restock")]
    pub restock: String,
    #[serde(default = "zone_inspect")]
    pub inspect: String,
    #[serde(default = "zone_refurbish")]
    pub refurbish: String,
    #[serde(default = "zone_scrap")]
    pub scrap: String,
}

impl Default for Zones {
    fn default() -> Self {
        Zones {
            restock: zone_restock(),
            inspect: zone_inspect(),
            refurbish: zone_refurbish(),
            scrap: zone_scrap(),
        }
    }
}

impl Zones {
    /// The zone that receives goods of disposition `d`.
    pub fn zone(&self, d: Disposition) -> &str {
        match d {
            Disposition::Restock => &self.restock,
            Disposition::Inspect => &self.inspect,
            Disposition::Refurbish => &self.refurbish,
            Disposition::Scrap => &self.scrap,
        }
    }
}

/// Longest window or extension accepted: ten years is a typo, not a policy.
const MAX_DAYS: u32 = 3650;

/// A tenant's return policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReturnPolicy {
    /// Days a customer has to return, counted from delivery; the last day
    /// counts (delivered 30 days ago is inside a 30-day window).
    pub window_days: u32,
    /// An order shipped but not recorded as delivered is taken as delivered
    /// this many days after it shipped.
    pub assumed_transit_days: u32,
    /// Accept returns of orders that never shipped (no window applies);
    /// otherwise they are refused: cancel the order instead.
    pub allow_unshipped: bool,
    /// What happens to final-sale items.
    pub final_sale: FinalSale,
    /// Extra window days per customer tier, e.g. `vip = 60`. Tier names
    /// match case-insensitively.
    pub tiers: BTreeMap<String, u32>,
    /// A return whose refund (and store credit) in total exceeds this goes
    /// to review. In the order's currency.
    pub review_above: Decimal,
    /// Unit value below which a `refurbish_or_scrap` item is scrapped.
    pub scrap_below: Decimal,
    /// Available units at the receiving node from which a restock is noted
    /// as overstock (still restocked); absent: never.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overstock_units: Option<i64>,
    /// The disposition table, first match wins (see [`ConditionRule`]).
    /// Setting it replaces the whole default table.
    pub conditions: Vec<ConditionRule>,
    /// Zone names per disposition at the receiving node.
    pub zones: Zones,
}

impl Default for ReturnPolicy {
    fn default() -> Self {
        ReturnPolicy {
            window_days: 30,
            assumed_transit_days: 5,
            allow_unshipped: false,
            final_sale: FinalSale::Refuse,
            tiers: BTreeMap::new(),
            review_above: Decimal::from(500),
            scrap_below: Decimal::from(15),
            overstock_units: None,
            conditions: default_conditions(),
            zones: Zones::default(),
        }
    }
}

impl ReturnPolicy {
    /// Checks the policy. The error's field is relative to the policy table
    /// (`tiers.vip`, `conditions[2]`); the caller prefixes its path.
    pub fn validate(&self) -> Result<(), Error> {
        if self.window_days > MAX_DAYS {
            return Err(Error::invalid(
                "window_days",
                format!("The return window is at most {MAX_DAYS} days; got {}.", self.window_days),
            ));
        }
        if self.assumed_transit_days > MAX_DAYS {
            return Err(Error::invalid(
                "assumed_transit_days",
                format!(
                    "The assumed transit time is at most {MAX_DAYS} days; got {}.",
                    self.assumed_transit_days
                ),
            ));
        }
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        for (name, extra) in &self.tiers {
            let field = format!("tiers.{name}");
            if name.trim().is_empty() {
                return Err(Error::invalid(field, "A tier is a non-empty name, e.g. `vip`."));
            }
            if let Some(other) = seen.insert(name.trim().to_lowercase(), name) {
                return Err(Error::invalid(
                    field,
                    format!("Tier `{name}` is also spelt `{other}`; tier names match case-insensitively, so keep one."),
                ));
            }
            if *extra > MAX_DAYS {
                return Err(Error::invalid(
                    field,
                    format!("A tier's extra days are at most {MAX_DAYS}; got {extra}."),
                ));
            }
        }
        for (field, value) in [("review_above", self.review_above), ("scrap_below", self.scrap_below)] {
            if value.is_sign_negative() && !value.is_zero() {
                return Err(Error::invalid(field, format!("An amount of money is not negative; got {value}.")));
            }
        }
        if let Some(units) = self.overstock_units
            && units <= 0
        {
            return Err(Error::invalid(
                "overstock_units",
                format!("The overstock level is a positive number of units; got {units}."),
            ));
        }
        for (j, rule) in self.conditions.iter().enumerate() {
            if let Some(i) = self.conditions[..j].iter().position(|earlier| rule.shadowed_by(earlier)) {
                return Err(Error::invalid(
                    format!("conditions[{j}]"),
                    format!(
                        "The rule for {} never applies: conditions[{i}] ({}) matches every return it would.",
                        rule.describe(),
                        self.conditions[i].describe()
                    ),
                ));
            }
        }
        for (field, name) in [
            ("zones.restock", &self.zones.restock),
            ("zones.inspect", &self.zones.inspect),
            ("zones.refurbish", &self.zones.refurbish),
            ("zones.scrap", &self.zones.scrap),
        ] {
            if name.trim().is_empty() {
                return Err(Error::invalid(field, "A zone is a non-empty name, e.g. `RET-INSPECT`."));
            }
        }
        Ok(())
    }

    /// Extra days for `tier`, with the tier's name as configured; `None`
    /// when the policy does not name the tier.
    pub fn tier_extension(&self, tier: &str) -> Option<(&str, u32)> {
        let tier = tier.trim();
        self.tiers
            .iter()
            .find(|(name, _)| name.trim().eq_ignore_ascii_case(tier))
            .map(|(name, days)| (name.as_str(), *days))
    }

    /// The first rule matching the return, with its index.
    pub(super) fn rule_for(&self, condition: Option<Condition>, reason: Option<ReturnReason>) -> Option<(usize, &ConditionRule)> {
        self.conditions.iter().enumerate().find(|(_, r)| r.matches(condition, reason))
    }
}
