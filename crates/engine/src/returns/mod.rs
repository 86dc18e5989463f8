//! Returns: whether a return is authorised, reviewed or refused, where each
//! returned unit goes at the receiving node, and what is refunded — and why.
//!
//! [`decide`] takes the tenant's [`ReturnPolicy`] and a [`ReturnRequest`]
//! (the order's dates, the lines to return with what was ordered, already
//! returned, paid and what the receiving node holds, the reason and the
//! condition) and answers a [`ReturnDecision`]:
//!
//! 1. **Window.** Counted from delivery; an order shipped but not recorded
//!    as delivered counts from its ship date plus
//!    [`ReturnPolicy::assumed_transit_days`]; one never shipped is refused
//!    unless [`ReturnPolicy::allow_unshipped`]. The customer's tier adds
//!    [`ReturnPolicy::tiers`] days. Outside the window every line is refused.
//! 2. **Final sale.** A final-sale line is refused, reviewed or taken back
//!    for store credit, per [`ReturnPolicy::final_sale`].
//! 3. **Disposition** of each returnable line from the first matching
//!    [`ConditionRule`] (condition, reason) and its zone from
//!    [`ReturnPolicy::zones`]; a restock at a node with none available and
//!    backorders waiting is expedited, one at an overstocked node is noted.
//! 4. **Outcome.** No returnable line: refuse. Otherwise review when the
//!    refund exceeds [`ReturnPolicy::review_above`], a refund is unknown (an
//!    unpriced line), the return is unclear (no reason, no condition, or
//!    reason `other`) or a final-sale line is to be reviewed; else
//!    authorise. Refused lines next to returnable ones are reported, not a
//!    reason to review.
//!
//! Confidence is 1.0 when rules on complete input decide; it drops when the
//! reason or condition is missing or `other` (the disposition is a guess),
//! when a line has no price, and when delivery is assumed from the ship date.
//!
//! The RMA number is not made here: it needs the store's sequence.

mod decide;
mod explain;
mod policy;
#[cfg(test)]
mod tests;

use jiff::civil::Date;
use model::ops::{Alternative, Disposition, Factor, ReturnStatus};
use model::{NodeId, OrderId, Sku};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use decide::decide;
pub use policy::{ConditionRule, FinalSale, ReturnPolicy, Route, Zones, default_conditions};

/// Name and version of the return rules, for the decision record.
pub const MODEL: &str = "returns-rules/1";

/// Why the customer returns the goods (the copilot's `reason` slot values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnReason {
    /// Arrived damaged.
    Damaged,
    WrongItem,
    NotAsDescribed,
    NoLongerNeeded,
    Late,
    Defective,
    Other,
}

impl ReturnReason {
    pub const ALL: [ReturnReason; 7] = [
        ReturnReason::Damaged,
        ReturnReason::WrongItem,
        ReturnReason::NotAsDescribed,
        ReturnReason::NoLongerNeeded,
        ReturnReason::Late,
        ReturnReason::Defective,
        ReturnReason::Other,
    ];

    /// The snake_case value, as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnReason::Damaged => "damaged",
            ReturnReason::WrongItem => "wrong_item",
            ReturnReason::NotAsDescribed => "not_as_described",
            ReturnReason::NoLongerNeeded => "no_longer_needed",
            ReturnReason::Late => "late",
            ReturnReason::Defective => "defective",
            ReturnReason::Other => "other",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == raw)
    }

    /// Whether the merchant or carrier is at fault, so a replacement is
    /// worth offering.
    fn merchant_fault(self) -> bool {
        matches!(
            self,
            ReturnReason::Damaged | ReturnReason::WrongItem | ReturnReason::NotAsDescribed | ReturnReason::Defective
        )
    }
}

/// The state the goods come back in (the copilot's `condition` slot values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// Unopened, tags on.
    New,
    Opened,
    Damaged,
}

impl Condition {
    pub const ALL: [Condition; 3] = [Condition::New, Condition::Opened, Condition::Damaged];

    /// The snake_case value, as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            Condition::New => "new",
            Condition::Opened => "opened",
            Condition::Damaged => "damaged",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == raw)
    }
}

/// One SKU to return, with what the caller knows of the order and the stock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnLineInput {
    pub sku: Sku,
    /// Units to return.
    pub quantity: i64,
    /// Units of this SKU on the order; 0 when the SKU is not on it.
    pub ordered_quantity: i64,
    /// Units of this SKU returned before (by earlier RMAs).
    #[serde(default)]
    pub already_returned: i64,
    /// What the customer paid per unit, in the order's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<Decimal>,
    #[serde(default)]
    pub final_sale: bool,
    /// Units available at the receiving node, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_at_node: Option<i64>,
    /// Units of this SKU on open orders waiting for stock.
    #[serde(default)]
    pub backordered: i64,
}

/// A customer's (or a rep's) request to return goods from one order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnRequest {
    pub order_id: OrderId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_tier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_on: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipped_on: Option<Date>,
    /// The day the request is made, in the tenant's time zone.
    pub today: Date,
    pub lines: Vec<ReturnLineInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ReturnReason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// The node receiving the return.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<NodeId>,
}

/// What happens to the return as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The returnable lines are authorised (refused lines are reported).
    Authorize,
    /// A person decides first; see [`ReturnDecision::review_reasons`].
    Review,
    /// Nothing is returnable.
    Refuse,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Authorize => "authorize",
            Outcome::Review => "review",
            Outcome::Refuse => "refuse",
        }
    }

    /// The status of the return record this outcome creates.
    pub fn status(self) -> ReturnStatus {
        match self {
            Outcome::Authorize => ReturnStatus::Authorized,
            Outcome::Review => ReturnStatus::InReview,
            Outcome::Refuse => ReturnStatus::Rejected,
        }
    }
}

/// The decision on one line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReturnLine {
    pub sku: Sku,
    pub quantity: i64,
    /// Whether the line may come back (authorised, or pending review).
    pub eligible: bool,
    /// Where the goods go; `None` for a refused line.
    pub disposition: Option<Disposition>,
    /// The receiving node's zone for the disposition.
    pub zone: Option<String>,
    /// The instruction for the receiving dock, in plain words.
    pub putaway: String,
    /// Put away first: the node has none available and backorders wait.
    pub expedite: bool,
    /// Money back, quantity × unit price; `None` when refused, when the
    /// price is unknown or when the line is settled in store credit.
    pub refund: Option<Decimal>,
    /// Store credit instead of a refund (final-sale items under
    /// `final_sale = "store_credit"`).
    pub store_credit: Option<Decimal>,
    /// Why the line is refused, in plain words.
    pub reason_if_not: Option<String>,
}

/// The decision on a return request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReturnDecision {
    /// Whether any line may come back.
    pub eligible: bool,
    pub outcome: Outcome,
    /// One per request line, in request order.
    pub lines: Vec<ReturnLine>,
    /// Sum of the line refunds (priced, eligible, not store credit).
    pub refund_total: Decimal,
    pub store_credit_total: Decimal,
    /// Why a person has to look, one sentence each; empty unless `Review`.
    pub review_reasons: Vec<String>,
    /// In [0, 1]; see the module documentation.
    pub confidence: f64,
    /// The decision in plain words, every number from the input.
    pub explanation: String,
    /// The explanation's sentences weighted by how much each drove the
    /// outcome, largest first.
    pub factors: Vec<Factor>,
    /// Options considered and not taken: store credit, an exchange, the
    /// other disposition, a goodwill exception.
    pub alternatives: Vec<Alternative>,
}

impl ReturnDecision {
    /// The disposition shared by every eligible line, for the return record;
    /// `None` when they differ or no line is eligible.
    pub fn disposition(&self) -> Option<Disposition> {
        let mut dispositions = self.lines.iter().filter(|l| l.eligible).filter_map(|l| l.disposition);
        let first = dispositions.next()?;
        dispositions.all(|d| d == first).then_some(first)
    }
}
