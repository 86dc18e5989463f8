//! The explanation of a return decision, in plain words with every number
//! taken from the input, and the alternatives it did not take.
//!
//! The explanation reads in order: the window, final-sale lines, what the
//! customer says, where each line goes, stock at the node, the refund, why
//! a person must look, the outcome. As factors, what decided the outcome
//! (a closed window, a final-sale refusal, each review reason) weighs 1,
//! the open window 0.5, store credit 0.5, dispositions and the refund 0.3,
//! what the customer says 0.2, stock notes 0.2 (expedite) or 0.1, the
//! outcome line 0; normalised to sum 1, largest first.

use model::ops::{Alternative, Disposition, Factor};
use rust_decimal::Decimal;
use serde_json::json;

use super::decide::{Basis, Tier, Window};
use super::{ConditionRule, FinalSale, Outcome, ReturnLine, ReturnPolicy, ReturnRequest};
use crate::carrier::calendar::{date_of, day_number};

/// Why a `refurbish_or_scrap` rule went one way.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Why {
    BelowScrap(Decimal),
    NotBelowScrap(Decimal),
    Unpriced,
}

/// What the receiving node's stock says about a restock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Stock {
    #[default]
    Normal,
    /// None available and open demand: put away first.
    Expedite { available: i64, backordered: i64 },
    /// Available at or above the policy's overstock level.
    Overstock { available: i64, level: i64 },
}

/// How a returnable line's disposition came about; default for a refused line.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(super) struct LineFacts {
    /// The matching rule and its index; `None`: no rule matched (inspect).
    pub rule: Option<(usize, ConditionRule)>,
    pub why: Option<Why>,
    pub stock: Stock,
}

/// Everything the explanation reads.
pub(super) struct Facts<'a> {
    pub policy: &'a ReturnPolicy,
    pub request: &'a ReturnRequest,
    pub window: &'a Window,
    pub lines: &'a [ReturnLine],
    pub line_facts: &'a [LineFacts],
    pub refund_total: Decimal,
    pub store_credit_total: Decimal,
    pub review_reasons: &'a [String],
    pub outcome: Outcome,
}

/// `29.99`, `30.00`; more decimals only when the input has them.
pub(super) fn money(m: Decimal) -> String {
    if m.scale() <= 2 {
        format!("{m:.2}")
    } else {
        m.normalize().to_string()
    }
}

fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `today`, `1 day ago`, `12 days ago`, `in 3 days`.
fn ago(days: i64) -> String {
    match days {
        0 => "today".to_string(),
        d if d > 0 => format!("{} ago", plural(d, "day", "days")),
        d => format!("in {}", plural(-d, "day", "days")),
    }
}

pub(super) fn verb(d: Disposition) -> &'static str {
    match d {
        Disposition::Restock => "Restock",
        Disposition::Inspect => "Inspect",
        Disposition::Refurbish => "Refurbish",
        Disposition::Scrap => "Scrap",
    }
}

pub(super) fn node_name(r: &ReturnRequest) -> String {
    r.node
        .as_ref()
        .map_or_else(|| "the receiving node".to_string(), ToString::to_string)
}

fn window_label(w: &Window) -> String {
    match &w.tier {
        Tier::None => format!("the {}-day window", w.days),
        Tier::Extended { name, days } => format!("the {}-day window ({} days plus {days} for tier `{name}`)", w.days, w.base_days),
        Tier::Unknown { name } => format!("the {}-day window (tier `{name}` has no extension)", w.days),
    }
}

/// Where `elapsed` days fall in the window: `within …`, `the last day of …`, `3 days past …`.
fn position(elapsed: i64, w: &Window) -> String {
    let label = window_label(w);
    if elapsed < w.days {
        format!("within {label}")
    } else if elapsed == w.days {
        format!("the last day of {label}")
    } else {
        format!("{} past {label}", plural(elapsed - w.days, "day", "days"))
    }
}

/// The assumed delivery date, when jiff's calendar reaches it.
fn assumed_on(shipped: jiff::civil::Date, transit: u32) -> String {
    date_of(day_number(shipped) + i64::from(transit), "shipped_on").map_or_else(|_| String::new(), |d| format!(" ({d})"))
}

fn window_sentence(w: &Window, r: &ReturnRequest) -> String {
    let elapsed = w.elapsed.unwrap_or(0);
    match w.basis {
        Basis::Delivered { on, after_today: true } => format!(
            "Delivered on {on}, after today ({}), so counted as delivered today: {}.",
            r.today,
            position(elapsed, w)
        ),
        Basis::Delivered { on, .. } => format!("Delivered {} ({on}), {}.", ago(elapsed), position(elapsed, w)),
        Basis::Assumed { shipped, transit } => {
            let head = format!(
                "Shipped {} ({shipped}) with no delivery recorded, so taken as delivered {} later{}",
                ago(day_number(r.today) - day_number(shipped)),
                plural(i64::from(transit), "day", "days"),
                assumed_on(shipped, transit)
            );
            if elapsed < 0 {
                format!("{head}: {} has not started yet.", window_label(w))
            } else {
                format!("{head}: {}, {}.", ago(elapsed), position(elapsed, w))
            }
        }
        Basis::Unshipped { allowed: true } => format!(
            "Order `{}` has not shipped; the policy takes back unshipped orders, so no window applies.",
            r.order_id
        ),
        Basis::Unshipped { allowed: false } => format!(
            "Order `{}` has not shipped, and the policy does not take back unshipped orders: cancel it instead.",
            r.order_id
        ),
    }
}

/// Why every line is refused when the window is closed (or never opened).
pub(super) fn window_refusal(w: &Window) -> String {
    let elapsed = w.elapsed.unwrap_or(0);
    let label = window_label(w);
    let mut out = match w.basis {
        Basis::Delivered { .. } => format!("Outside {label}: delivered {}.", ago(elapsed)),
        Basis::Assumed { transit, .. } => format!(
            "Outside {label}: taken as delivered {} ({} after shipping).",
            ago(elapsed),
            plural(i64::from(transit), "day", "days")
        ),
        Basis::Unshipped { .. } => "The order has not shipped, and the policy does not take back unshipped orders.".to_string(),
    };
    out.replace_range(..1, &out[..1].to_uppercase());
    out
}

fn says(r: &ReturnRequest) -> String {
    let reason = r.reason.map_or("none given", |x| x.as_str());
    let condition = r.condition.map_or("none given", |x| x.as_str());
    format!("Reason: {reason}; condition: {condition}.")
}

fn what_matched(r: &ReturnRequest) -> String {
    let condition = r
        .condition
        .map_or_else(|| "no condition".to_string(), |c| format!("condition {}", c.as_str()));
    let reason = r
        .reason
        .map_or_else(|| "no reason".to_string(), |x| format!("reason {}", x.as_str()));
    format!("{condition} and {reason}")
}

fn disposition_sentence(f: &Facts, line: &ReturnLine, facts: &LineFacts) -> Option<String> {
    let d = line.disposition?;
    let zone = line.zone.as_deref().unwrap_or_default();
    let head = format!("{} {} × {} in zone {zone}", verb(d), line.quantity, line.sku);
    let scrap_below = money(f.policy.scrap_below);
    let why = match (facts.rule, facts.why) {
        (None, _) => format!("no disposition rule matches {}, so a person inspects it", what_matched(f.request)),
        (Some((_, rule)), Some(Why::BelowScrap(p))) => {
            format!("{}, and its unit value {} is below {scrap_below}", rule.describe(), money(p))
        }
        (Some((_, rule)), Some(Why::NotBelowScrap(p))) => {
            format!("{}, and its unit value {} is not below {scrap_below}", rule.describe(), money(p))
        }
        (Some((_, rule)), Some(Why::Unpriced)) => {
            format!("{}; no unit price to weigh against {scrap_below}, so not scrapped", rule.describe())
        }
        (Some((_, rule)), None) => rule.describe(),
    };
    Some(format!("{head}: {why}."))
}

fn stock_sentence(f: &Facts, line: &ReturnLine, facts: &LineFacts) -> Option<(String, f64)> {
    let node = node_name(f.request);
    match facts.stock {
        Stock::Normal => None,
        Stock::Expedite { available, backordered } => Some((
            format!(
                "{} has {available} available at {node} and {backordered} backordered: expedite its putaway.",
                line.sku
            ),
            0.2,
        )),
        Stock::Overstock { available, level } => Some((
            format!(
                "{node} already has {available} × {} available, at or above the overstock level of {level}: restocked anyway.",
                line.sku
            ),
            0.1,
        )),
    }
}

fn final_sale_sentence(f: &Facts, line: &ReturnLine) -> Option<(String, f64)> {
    match f.policy.final_sale {
        FinalSale::Refuse if !line.eligible => Some((
            format!(
                "{} ({}) is final sale: refused, as the policy does not take final-sale items back.",
                line.sku,
                plural(line.quantity, "unit", "units")
            ),
            1.0,
        )),
        FinalSale::StoreCredit => {
            let amount = line.store_credit.map_or_else(|| "of an unknown amount".to_string(), money);
            Some((
                format!("{} is final sale: store credit {amount} instead of a refund.", line.sku),
                0.5,
            ))
        }
        // Review: the review reason says it.
        _ => None,
    }
}

fn refund_sentence(f: &Facts) -> Option<String> {
    let parts: Vec<String> = f
        .request
        .lines
        .iter()
        .zip(f.lines)
        .filter(|(_, l)| l.refund.is_some())
        .filter_map(|(i, l)| Some(format!("{} × {} for {}", l.quantity, money(i.unit_price?), l.sku)))
        .collect();
    if parts.is_empty() {
        return None;
    }
    let within = f
        .refund_total
        .checked_add(f.store_credit_total)
        .is_some_and(|m| m <= f.policy.review_above);
    let limit = if within {
        format!("; within the review limit of {}", money(f.policy.review_above))
    } else {
        String::new()
    };
    Some(format!("Refund {}: {}{limit}.", money(f.refund_total), parts.join(", ")))
}

fn outcome_sentence(f: &Facts) -> String {
    let total = f.lines.len();
    let eligible: Vec<&ReturnLine> = f.lines.iter().filter(|l| l.eligible).collect();
    let units: i64 = eligible.iter().map(|l| l.quantity).sum();
    let refused: Vec<String> = f.lines.iter().filter(|l| !l.eligible).map(|l| l.sku.to_string()).collect();
    let of = if refused.is_empty() {
        format!("{} on {}", plural(units, "unit", "units"), plural(total as i64, "line", "lines"))
    } else {
        format!(
            "{} on {} of {} lines; {} refused",
            plural(units, "unit", "units"),
            eligible.len(),
            total,
            refused.join(", ")
        )
    };
    match f.outcome {
        Outcome::Authorize => format!("Outcome: authorize the return: {of}."),
        Outcome::Review => format!(
            "Outcome: a person reviews the return ({} above): {of}.",
            plural(f.review_reasons.len() as i64, "reason", "reasons")
        ),
        Outcome::Refuse => "Outcome: refuse; no line can come back.".to_string(),
    }
}

/// The explanation (sentences in reading order) and its weighted factors.
pub(super) fn explain(f: &Facts) -> (String, Vec<Factor>) {
    let w = f.window;
    let mut parts: Vec<(String, f64)> = vec![(window_sentence(w, f.request), if w.open { 0.5 } else { 1.0 })];
    if w.open {
        for (input, line) in f.request.lines.iter().zip(f.lines) {
            if input.final_sale {
                parts.extend(final_sale_sentence(f, line));
            }
        }
        if f.lines.iter().any(|l| l.eligible) {
            parts.push((says(f.request), 0.2));
        }
        for (line, facts) in f.lines.iter().zip(f.line_facts) {
            if let Some(s) = disposition_sentence(f, line, facts) {
                parts.push((s, 0.3));
            }
        }
        for (line, facts) in f.lines.iter().zip(f.line_facts) {
            parts.extend(stock_sentence(f, line, facts));
        }
        if let Some(s) = refund_sentence(f) {
            parts.push((s, 0.3));
        }
        parts.extend(f.review_reasons.iter().map(|r| (r.clone(), 1.0)));
    }
    parts.push((outcome_sentence(f), 0.0));

    let explanation = parts.iter().map(|(s, _)| s.as_str()).collect::<Vec<_>>().join(" ");
    let sum: f64 = parts.iter().map(|p| p.1).sum();
    let mut factors: Vec<Factor> = parts
        .into_iter()
        .map(|(description, w)| Factor {
            description,
            weight: if sum > 0.0 { (w / sum * 1000.0).round() / 1000.0 } else { 0.0 },
        })
        .collect();
    factors.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    (explanation, factors)
}

/// What the decision considered and did not take.
pub(super) fn alternatives(f: &Facts) -> Vec<Alternative> {
    let r = f.request;
    let w = f.window;
    let node = node_name(r);
    let mut out = Vec::new();
    match (w.basis, w.open) {
        (Basis::Unshipped { .. }, false) => out.push(Alternative {
            option: json!({ "cancel_order": r.order_id }),
            score: 0.8,
            note: Some(format!("Order `{}` has not shipped: cancel it (or the lines) instead.", r.order_id)),
        }),
        (_, false) => {
            let late = w.elapsed.unwrap_or(0) - w.days;
            // The later it is, the less likely a goodwill exception.
            let score = if w.days > 0 {
                (0.5 * (1.0 - late as f64 / w.days as f64)).clamp(0.05, 0.5)
            } else {
                0.05
            };
            out.push(Alternative {
                option: json!({ "goodwill_exception": true, "days_late": late }),
                score: (score * 1000.0).round() / 1000.0,
                note: Some(format!(
                    "A person can accept it as a goodwill exception: {} past {}.",
                    plural(late, "day", "days"),
                    window_label(w)
                )),
            });
        }
        _ => {}
    }
    for ((input, line), facts) in r.lines.iter().zip(f.lines).zip(f.line_facts) {
        let value = input.unit_price.and_then(|p| Decimal::from(line.quantity).checked_mul(p));
        if w.open && input.final_sale && !line.eligible {
            out.push(Alternative {
                option: json!({ "settlement": "store_credit", "sku": line.sku, "quantity": line.quantity, "amount": value }),
                score: 0.5,
                note: Some(format!(
                    "Store credit for final-sale {}, as `final_sale = \"store_credit\"` would give; this policy refuses final-sale returns.",
                    line.sku
                )),
            });
        }
        if line.store_credit.is_some() {
            out.push(Alternative {
                option: json!({ "settlement": "refund", "sku": line.sku, "quantity": line.quantity, "amount": value }),
                score: 0.3,
                note: Some(format!(
                    "A refund for {}: this policy gives store credit for final-sale items.",
                    line.sku
                )),
            });
        }
        if line.eligible && r.reason.is_some_and(|x| x.merchant_fault()) {
            let (score, stock) = match input.available_at_node {
                Some(a) if a >= line.quantity => (0.7, format!("{a} available at {node}")),
                Some(a) => (0.2, format!("only {} available at {node}", a.max(0))),
                None => (0.4, format!("stock at {node} unknown")),
            };
            out.push(Alternative {
                option: json!({ "exchange": { "sku": line.sku, "quantity": line.quantity, "node": r.node } }),
                score,
                note: Some(format!(
                    "Send {} × {} as a replacement instead of a refund ({stock}).",
                    line.quantity, line.sku
                )),
            });
        }
        let other = match facts.why {
            Some(Why::BelowScrap(p)) => Some((
                Disposition::Refurbish,
                format!(
                    "Refurbish {} instead: its unit value {} is below {}, so refurbishing costs more than it is worth.",
                    line.sku,
                    money(p),
                    money(f.policy.scrap_below)
                ),
            )),
            Some(Why::NotBelowScrap(p)) => Some((
                Disposition::Scrap,
                format!(
                    "Scrap {} instead: only worth it below a unit value of {}; it is {}.",
                    line.sku,
                    money(f.policy.scrap_below),
                    money(p)
                ),
            )),
            _ => None,
        };
        if let Some((d, note)) = other {
            out.push(Alternative {
                option: json!({ "disposition": d, "sku": line.sku, "zone": f.policy.zones.zone(d) }),
                score: 0.3,
                note: Some(note),
            });
        }
    }
    out
}
