//! The return decision: input checks, the window, each line's eligibility,
//! disposition and money, then the outcome and its confidence.

use jiff::civil::Date;
use model::Quantity;
use model::ops::Disposition;
use rust_decimal::Decimal;

use super::explain::{self, Facts, LineFacts, Stock, Why};
use super::{FinalSale, Outcome, ReturnDecision, ReturnLine, ReturnLineInput, ReturnPolicy, ReturnReason, ReturnRequest, Route};
use crate::Error;
use crate::carrier::calendar::day_number;

/// How much each gap in the input lowers the confidence: the disposition is
/// a guess without a reason or condition, a refund unknown without a price,
/// the window approximate without a delivery date.
const NO_REASON: f64 = 0.6;
const NO_CONDITION: f64 = 0.6;
const OTHER_REASON: f64 = 0.7;
const UNPRICED: f64 = 0.8;
const ASSUMED_DELIVERY: f64 = 0.9;

/// What the window counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Basis {
    /// Delivered on that date; `after_today` when the date is later than
    /// `today` (a carrier in another time zone), counted as today.
    Delivered { on: Date, after_today: bool },
    /// Shipped, no delivery recorded: taken as delivered `transit` days later.
    Assumed { shipped: Date, transit: u32 },
    /// Never shipped; `allowed` by the policy or not.
    Unshipped { allowed: bool },
}

/// The customer's tier as it bears on the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Tier {
    None,
    /// A tier the policy extends, by its configured name.
    Extended {
        name: String,
        days: u32,
    },
    /// A tier the policy does not name: the standard window.
    Unknown {
        name: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Window {
    pub basis: Basis,
    pub base_days: i64,
    pub tier: Tier,
    /// `base_days` plus the tier's extension.
    pub days: i64,
    /// Days from the (assumed) delivery to today, negative when it is still
    /// ahead; `None` for an unshipped order.
    pub elapsed: Option<i64>,
    pub open: bool,
}

fn days_between(from: Date, to: Date) -> i64 {
    day_number(to) - day_number(from)
}

fn window(policy: &ReturnPolicy, r: &ReturnRequest) -> Window {
    let base_days = i64::from(policy.window_days);
    let tier = match r.customer_tier.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => Tier::None,
        Some(t) => match policy.tier_extension(t) {
            Some((name, days)) => Tier::Extended {
                name: name.to_string(),
                days,
            },
            None => Tier::Unknown { name: t.to_string() },
        },
    };
    let days = base_days
        + match &tier {
            Tier::Extended { days, .. } => i64::from(*days),
            _ => 0,
        };
    let (basis, elapsed) = match (r.delivered_on, r.shipped_on) {
        (Some(on), _) => {
            let elapsed = days_between(on, r.today);
            (
                Basis::Delivered {
                    on,
                    after_today: elapsed < 0,
                },
                Some(elapsed.max(0)),
            )
        }
        (None, Some(shipped)) => {
            let transit = policy.assumed_transit_days;
            (
                Basis::Assumed { shipped, transit },
                Some(days_between(shipped, r.today) - i64::from(transit)),
            )
        }
        (None, None) => (
            Basis::Unshipped {
                allowed: policy.allow_unshipped,
            },
            None,
        ),
    };
    let open = match elapsed {
        Some(e) => e <= days,
        None => policy.allow_unshipped,
    };
    Window {
        basis,
        base_days,
        tier,
        days,
        elapsed,
        open,
    }
}

/// Checks the request; the error names the field at fault. Returns each
/// line's value (quantity × unit price) when priced.
fn check(r: &ReturnRequest) -> Result<Vec<Option<Decimal>>, Error> {
    if r.lines.is_empty() {
        return Err(Error::invalid("lines", "A return names at least one line to return."));
    }
    let mut values = Vec::with_capacity(r.lines.len());
    for (i, line) in r.lines.iter().enumerate() {
        let at = |f: &str| format!("lines[{i}].{f}");
        let sku = &line.sku;
        // One line per SKU: otherwise each line could take all that is left.
        if let Some(j) = r.lines[..i].iter().position(|l| l.sku == *sku) {
            return Err(Error::invalid(
                at("sku"),
                format!("SKU `{sku}` is already on lines[{j}]; return each SKU on one line."),
            ));
        }
        let ordered = line.ordered_quantity;
        if !(0..=Quantity::LIMIT).contains(&ordered) {
            return Err(Error::invalid(
                at("ordered_quantity"),
                format!(
                    "The ordered quantity is a whole number from 0 to {}; got {ordered}.",
                    Quantity::LIMIT
                ),
            ));
        }
        if ordered == 0 {
            return Err(Error::invalid(at("sku"), format!("SKU `{sku}` is not on order `{}`.", r.order_id)));
        }
        let before = line.already_returned;
        if before < 0 {
            return Err(Error::invalid(
                at("already_returned"),
                format!("Units returned before are not negative; got {before}."),
            ));
        }
        if before > ordered {
            return Err(Error::invalid(
                at("already_returned"),
                format!("{before} units of `{sku}` returned before, but only {ordered} were ordered."),
            ));
        }
        let q = line.quantity;
        if q <= 0 {
            return Err(Error::invalid(at("quantity"), format!("Return at least 1 unit; got {q}.")));
        }
        let left = ordered - before;
        if q > left {
            let message = if left == 0 {
                format!(
                    "All {ordered} units of `{sku}` on order `{}` were returned before; got {q} more.",
                    r.order_id
                )
            } else {
                format!("Only {left} of the {ordered} units of `{sku}` ordered can still be returned ({before} returned before); got {q}.")
            };
            return Err(Error::invalid(at("quantity"), message));
        }
        if line.backordered < 0 {
            return Err(Error::invalid(
                at("backordered"),
                format!("Backordered units are not negative; got {}.", line.backordered),
            ));
        }
        let value = match line.unit_price {
            None => None,
            Some(p) if p.is_sign_negative() && !p.is_zero() => {
                return Err(Error::invalid(at("unit_price"), format!("A unit price is not negative; got {p}.")));
            }
            Some(p) => Some(
                Decimal::from(q)
                    .checked_mul(p)
                    .ok_or_else(|| Error::invalid(at("unit_price"), format!("{q} × {p} is too large an amount.")))?,
            ),
        };
        values.push(value);
    }
    Ok(values)
}

/// Decides a return request under `policy` (validated when the config was
/// loaded; any policy is decided on without panicking). An error names the
/// request field at fault: no lines, a line naming a SKU twice or one not
/// on the order, a quantity above what was ordered less what was returned
/// before, a negative price or count.
pub fn decide(policy: &ReturnPolicy, request: &ReturnRequest) -> Result<ReturnDecision, Error> {
    let values = check(request)?;
    let window = window(policy, request);
    let refusal_by_window = (!window.open).then(|| explain::window_refusal(&window));

    let mut lines = Vec::with_capacity(request.lines.len());
    let mut facts = Vec::with_capacity(request.lines.len());
    for (input, value) in request.lines.iter().zip(values) {
        let refusal = refusal_by_window.clone().or_else(|| {
            (input.final_sale && policy.final_sale == FinalSale::Refuse)
                .then(|| "Final sale: the policy does not take final-sale items back.".to_string())
        });
        let (line, fact) = match refusal {
            Some(why) => refused(input, why),
            None => returnable(policy, request, input, value),
        };
        lines.push(line);
        facts.push(fact);
    }

    let sum = |f: fn(&ReturnLine) -> Option<Decimal>| {
        lines
            .iter()
            .filter_map(f)
            .try_fold(Decimal::ZERO, Decimal::checked_add)
            .ok_or_else(|| Error::invalid("lines", "The refunds add up to too large an amount."))
    };
    let refund_total = sum(|l| l.refund)?;
    let store_credit_total = sum(|l| l.store_credit)?;

    let mut review_reasons = Vec::new();
    let eligible = lines.iter().any(|l| l.eligible);
    if eligible {
        review_reasons = review(policy, request, &lines, refund_total, store_credit_total);
    }
    let outcome = if !eligible {
        Outcome::Refuse
    } else if review_reasons.is_empty() {
        Outcome::Authorize
    } else {
        Outcome::Review
    };
    let confidence = confidence(request, &window, &lines, outcome);

    let facts = Facts {
        policy,
        request,
        window: &window,
        lines: &lines,
        line_facts: &facts,
        refund_total,
        store_credit_total,
        review_reasons: &review_reasons,
        outcome,
    };
    let (explanation, factors) = explain::explain(&facts);
    let alternatives = explain::alternatives(&facts);
    Ok(ReturnDecision {
        eligible,
        outcome,
        lines,
        refund_total,
        store_credit_total,
        review_reasons,
        confidence,
        explanation,
        factors,
        alternatives,
    })
}

fn refused(input: &ReturnLineInput, why: String) -> (ReturnLine, LineFacts) {
    let putaway = format!("Not authorised: do not accept {} × {}. {why}", input.quantity, input.sku);
    let line = ReturnLine {
        sku: input.sku.clone(),
        quantity: input.quantity,
        eligible: false,
        disposition: None,
        zone: None,
        putaway,
        expedite: false,
        refund: None,
        store_credit: None,
        reason_if_not: Some(why),
    };
    (line, LineFacts::default())
}

fn returnable(policy: &ReturnPolicy, r: &ReturnRequest, input: &ReturnLineInput, value: Option<Decimal>) -> (ReturnLine, LineFacts) {
    let rule = policy.rule_for(r.condition, r.reason);
    let route = rule.map_or(Route::Inspect, |(_, rule)| rule.disposition);
    let (disposition, why) = match route {
        Route::Restock => (Disposition::Restock, None),
        Route::Inspect => (Disposition::Inspect, None),
        Route::Refurbish => (Disposition::Refurbish, None),
        Route::Scrap => (Disposition::Scrap, None),
        Route::RefurbishOrScrap => match input.unit_price {
            Some(p) if p < policy.scrap_below => (Disposition::Scrap, Some(Why::BelowScrap(p))),
            Some(p) => (Disposition::Refurbish, Some(Why::NotBelowScrap(p))),
            None => (Disposition::Refurbish, Some(Why::Unpriced)),
        },
    };
    let zone = policy.zones.zone(disposition).to_string();

    let available = input.available_at_node;
    let stock = match (disposition, available) {
        (Disposition::Restock, Some(a)) if a <= 0 && input.backordered > 0 => Stock::Expedite {
            available: a,
            backordered: input.backordered,
        },
        (Disposition::Restock, Some(a)) => match policy.overstock_units {
            Some(level) if a >= level => Stock::Overstock { available: a, level },
            _ => Stock::Normal,
        },
        _ => Stock::Normal,
    };
    let node = explain::node_name(r);
    let mut putaway = format!("{} {} × {} in zone {zone}", explain::verb(disposition), input.quantity, input.sku);
    match stock {
        Stock::Expedite { available, backordered } => {
            putaway.push_str(&format!(
                "; expedite the putaway: {available} available at {node} and {backordered} backordered."
            ));
        }
        Stock::Overstock { available, level } => putaway.push_str(&format!(
            "; {node} already has {available} available, at or above the overstock level of {level}."
        )),
        Stock::Normal => putaway.push('.'),
    }

    let credit = input.final_sale && policy.final_sale == FinalSale::StoreCredit;
    let line = ReturnLine {
        sku: input.sku.clone(),
        quantity: input.quantity,
        eligible: true,
        disposition: Some(disposition),
        zone: Some(zone),
        putaway,
        expedite: matches!(stock, Stock::Expedite { .. }),
        refund: if credit { None } else { value },
        store_credit: if credit { value } else { None },
        reason_if_not: None,
    };
    let facts = LineFacts {
        rule: rule.map(|(i, rule)| (i, *rule)),
        why,
        stock,
    };
    (line, facts)
}

/// Why a person has to look at a return with returnable lines.
fn review(policy: &ReturnPolicy, r: &ReturnRequest, lines: &[ReturnLine], refund: Decimal, credit: Decimal) -> Vec<String> {
    let mut reasons = Vec::new();
    match r.reason {
        None => reasons.push("No reason given: the return is unclear.".to_string()),
        Some(ReturnReason::Other) => reasons.push("Reason `other`: the return is unclear.".to_string()),
        Some(_) => {}
    }
    if r.condition.is_none() {
        reasons.push("No condition given: where the goods go is a guess.".to_string());
    }
    if policy.final_sale == FinalSale::Review {
        for (input, line) in r.lines.iter().zip(lines) {
            if input.final_sale && line.eligible {
                reasons.push(format!(
                    "{} is final sale, and the policy has a person review final-sale returns.",
                    input.sku
                ));
            }
        }
    }
    for (input, line) in r.lines.iter().zip(lines) {
        if line.eligible && input.unit_price.is_none() {
            reasons.push(format!("{} has no unit price, so its refund is unknown.", input.sku));
        }
    }
    // An overflowing sum is certainly above the limit.
    let money_out = refund.checked_add(credit);
    if money_out.is_none_or(|m| m > policy.review_above) {
        let what = if credit.is_zero() { "Refund" } else { "Refund and store credit" };
        let amount = money_out.map_or_else(|| "beyond any amount".to_string(), explain::money);
        reasons.push(format!(
            "{what} {amount} {} the review limit of {}.",
            if credit.is_zero() { "exceeds" } else { "exceed" },
            explain::money(policy.review_above)
        ));
    }
    reasons
}

fn confidence(r: &ReturnRequest, window: &Window, lines: &[ReturnLine], outcome: Outcome) -> f64 {
    let assumed = matches!(window.basis, Basis::Assumed { .. });
    let mut c: f64 = 1.0;
    if outcome == Outcome::Refuse {
        // Refusals rest on dates and flags, not on what the customer says.
        if !window.open && assumed {
            c *= ASSUMED_DELIVERY;
        }
        return c;
    }
    match r.reason {
        None => c *= NO_REASON,
        Some(ReturnReason::Other) => c *= OTHER_REASON,
        Some(_) => {}
    }
    if r.condition.is_none() {
        c *= NO_CONDITION;
    }
    if r.lines.iter().zip(lines).any(|(i, l)| l.eligible && i.unit_price.is_none()) {
        c *= UNPRICED;
    }
    if assumed {
        c *= ASSUMED_DELIVERY;
    }
    (c * 1000.0).round() / 1000.0
}
