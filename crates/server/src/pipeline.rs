//! The decision pipeline: on every `order.created` / `order.updated`, the
//! calls a planner makes — today sourcing — each recorded as a decision with
//! its inputs, output, confidence, explanation and alternatives.
//!
//! It runs behind the log, not inside the request: a webhook is answered as
//! soon as its events are durable, and the pipeline picks them up from its
//! cursor. Decisions and the cursor move in one transaction, so after a crash
//! the pipeline resumes where it stopped and decides nothing twice.

use std::time::{Duration, Instant};

use engine::sourcing::{Instance, Line};
use model::TenantId;
use model::ops::{Alternative, Factor};
use model::order::Order;
use sha2::{Digest, Sha256};
use store::NewDecision;
use tokio::sync::watch;

use crate::App;
use crate::plan::live_nodes;

/// Order events taken per round.
const BATCH: usize = 256;

/// Runs until `stopped` turns true.
pub async fn run(app: App, mut stopped: watch::Receiver<bool>) {
    let mut cursor = match app.store.pipeline_cursor() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "Cannot read the decision pipeline's cursor; decisions are off.");
            return;
        }
    };
    loop {
        if *stopped.borrow() {
            break;
        }
        match round(&app, cursor).await {
            Ok(Some(next)) => {
                cursor = next;
                continue;
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "Decision round failed; retrying."),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(50)) => {}
            _ = stopped.changed() => {}
        }
    }
}

/// One batch: returns the new cursor, or `None` when there was nothing new.
async fn round(app: &App, cursor: u64) -> Result<Option<u64>, store::Error> {
    let store = app.store.clone();
    let (pending, last) = tokio::task::spawn_blocking(move || store.pending_order_events(cursor, BATCH))
        .await
        .map_err(|e| store::Error::Io(e.to_string()))??;
    let pending: Vec<_> = pending.into_iter().filter(|p| p.seq <= last).collect();
    let next = if pending.len() == BATCH {
        pending.last().map_or(last, |p| p.seq)
    } else {
        last
    };
    if next <= cursor {
        return Ok(None);
    }
    let mut decisions = Vec::new();
    for event in &pending {
        let Ok(tenant) = TenantId::parse(&event.tenant) else { continue };
        let store = app.store.clone();
        let (t, subject) = (tenant.clone(), event.subject.clone());
        let order = tokio::task::spawn_blocking(move || store.order(&t, &subject))
            .await
            .map_err(|e| store::Error::Io(e.to_string()))??;
        let Some(order) = order else { continue };
        decisions.extend(decide(app, &tenant, &order, event.seq));
    }
    app.store.record_decisions(decisions, Some(next)).await?;
    Ok(Some(next))
}

/// The decisions for one order, as they stand at event `seq`.
pub fn decide(app: &App, tenant: &TenantId, order: &Order, seq: u64) -> Vec<NewDecision> {
    let mut out = Vec::new();
    if order.status.is_terminal() {
        return out;
    }
    let risk = risk(app, tenant, order, seq);
    let level = risk.as_ref().and_then(|(_, level)| *level);
    out.extend(risk.map(|(d, _)| d));
    out.extend(triage(app, tenant, order, seq, level));
    out.extend(sourcing(app, tenant, order, seq));
    out
}

/// Fraud risk from the shipped (or configured) model, with each feature's
/// contribution. The context comes from the log: the customer's earlier
/// orders and how many orders the same email placed in the 24 h before.
fn risk(app: &App, tenant: &TenantId, order: &Order, seq: u64) -> Option<(NewDecision, Option<engine::triage::RiskLevel>)> {
    use engine::risk::{CustomerHistory, RiskContext, Velocity};
    let started = Instant::now();
    let placed = order.data.placed_at.unwrap_or(order.created_at);
    let mut history = CustomerHistory::default();
    let mut velocity = Velocity::default();
    if let Some(email) = order.data.customer.email.as_deref() {
        let summary = app
            .store
            .customer_summary(tenant, email, placed, Duration::from_secs(24 * 3600), order.id.as_str());
        history.orders_count = summary.orders;
        history.total_spent = summary.total_cents as f64 / 100.0;
        history.first_order_at = summary.first_at.and_then(|us| jiff::Timestamp::from_microsecond(us).ok());
        velocity.email = summary.in_window;
    }
    // The storefront's own count wins when it knows more than the log.
    if let Some(count) = order.data.customer.orders_count {
        history.orders_count = history.orders_count.max(count.saturating_sub(1));
    }
    if history.first_order_at.is_none() {
        history.first_order_at = order.data.customer.created_at;
    }
    let ctx = RiskContext {
        history,
        velocity,
        risky_lines: Vec::new(),
        as_of: Some(placed),
        utc_offset_minutes: None,
    };
    let assessment = engine::risk::assess(&order.data, &ctx, &app.risk_model).ok()?;
    let level = match assessment.level {
        engine::risk::Level::Low => engine::triage::RiskLevel::Low,
        engine::risk::Level::Medium => engine::triage::RiskLevel::Medium,
        engine::risk::Level::High => engine::triage::RiskLevel::High,
    };
    let inputs = serde_json::json!({"context": ctx, "features": engine::risk::extract(&order.data, &ctx).ok()});
    Some((
        NewDecision {
            tenant: tenant.to_string(),
            kind: "risk".into(),
            subject: order.id.to_string(),
            seq,
            inputs_digest: digest(&inputs),
            inputs,
            output: serde_json::json!({
                "score": assessment.score,
                "level": assessment.level,
                "flagged": assessment.flagged,
                "threshold": assessment.threshold,
                "contributions": assessment.contributions,
            }),
            confidence: assessment.confidence,
            explanation: assessment.explanation,
            alternatives: Vec::new(),
            model: assessment.model,
            latency_us: started.elapsed().as_micros() as u64,
        },
        Some(level),
    ))
}

/// Standard, flagged or exception, with the reasons.
fn triage(app: &App, tenant: &TenantId, order: &Order, seq: u64, risk: Option<engine::triage::RiskLevel>) -> Option<NewDecision> {
    use engine::triage::{CountryCode, ItemFacts, TriageContext};
    let started = Instant::now();
    let settings = app.config.tenants.get(tenant)?;
    let mut ctx = TriageContext::new(CountryCode::parse(&settings.country).ok()?);
    for line in &order.data.lines {
        let sku = line.sku.as_str();
        if app.store.knows_item(tenant, sku) {
            let facts = app.store.item_flags(tenant, sku).map_or(
                ItemFacts {
                    hazmat: false,
                    oversize: false,
                    gift_wrap: true,
                },
                |f| ItemFacts {
                    hazmat: f.hazmat,
                    oversize: f.oversize,
                    gift_wrap: true,
                },
            );
            ctx.items.insert(line.sku.clone(), facts);
        }
        let (positions, _) = app.store.inventory(tenant, sku);
        ctx.atp
            .insert(line.sku.clone(), positions.iter().map(|(_, b)| b.atp().max(0)).sum());
    }
    ctx.high_value_threshold = settings.high_value.clone();
    ctx.capture_on_shipment = settings.capture_on_shipment;
    ctx.b2b_customer = order.data.customer.account.is_some();
    ctx.risk = risk;
    let result = engine::triage::triage(&order.data, &ctx);
    // The key inputs: the order itself is in the log under the same subject.
    let inputs = serde_json::json!({
        "ship_to": order.data.ship_to,
        "lines": order.data.lines.iter().map(|l| serde_json::json!({"sku": l.sku, "quantity": l.quantity})).collect::<Vec<_>>(),
        "payment_state": order.data.payment_state,
        "context": ctx,
    });
    Some(NewDecision {
        tenant: tenant.to_string(),
        kind: "triage".into(),
        subject: order.id.to_string(),
        seq,
        inputs_digest: digest(&inputs),
        inputs,
        output: serde_json::json!({
            "class": result.class,
            "reasons": result.reasons,
            "suggested_ship_to": result.suggested_ship_to,
        }),
        confidence: result.confidence,
        explanation: result.explanation,
        alternatives: Vec::new(),
        model: engine::triage::MODEL.into(),
        latency_us: started.elapsed().as_micros() as u64,
    })
}

fn digest(inputs: &serde_json::Value) -> String {
    hex::encode(Sha256::digest(inputs.to_string().as_bytes()))
}

/// Where each line ships from: the cheapest plan on the live network.
fn sourcing(app: &App, tenant: &TenantId, order: &Order, seq: u64) -> Option<NewDecision> {
    if order.data.lines.is_empty() {
        return None;
    }
    let started = Instant::now();
    // One line per SKU: the planner sums demand by SKU.
    let mut lines: Vec<Line> = Vec::new();
    for l in &order.data.lines {
        match lines.iter_mut().find(|x| x.sku == l.sku) {
            Some(x) => x.quantity = model::Quantity::new(x.quantity.units() + l.quantity.units()).ok()?,
            None => lines.push(Line {
                sku: l.sku.clone(),
                quantity: l.quantity,
                unit_weight: 1.0,
                required_capabilities: Vec::new(),
            }),
        }
    }
    let ship_to = order.data.ship_to.lat.zip(order.data.ship_to.lon);
    let b2b = order.data.customer.account.is_some() || order.data.po_number.is_some();
    let instance = Instance {
        nodes: live_nodes(app, tenant, &lines, ship_to),
        lines,
        required_capabilities: Vec::new(),
        split_penalty: 3.0,
        promised_days: 3,
        late_penalty_per_day: 5.0,
        carbon_per_km: 0.0,
        // House rule: a B2B order ships in one package.
        max_nodes: b2b.then_some(1),
        excluded_nodes: Vec::new(),
        excluded_kinds: Vec::new(),
    };
    let decision = engine::sourcing::plan(&instance).ok()?;
    let inputs = serde_json::to_value(&instance).ok()?;
    let mut explanation: Vec<Factor> = decision.explanation.clone();
    if b2b {
        explanation.push(Factor {
            description: "B2B order: shipped in one package (rule: never split B2B).".into(),
            weight: 0.0,
        });
    }
    // Alternatives that cannot ship the order have no cost to compare.
    let alternatives = decision
        .alternatives
        .iter()
        .filter_map(|a| {
            Some(Alternative {
                option: serde_json::to_value(a).ok()?,
                score: a.score?,
                note: Some(a.label.clone()),
            })
        })
        .collect();
    Some(NewDecision {
        tenant: tenant.to_string(),
        kind: "sourcing".into(),
        subject: order.id.to_string(),
        seq,
        inputs_digest: digest(&inputs),
        inputs,
        output: serde_json::json!({
            "assignments": decision.assignments,
            "cost": decision.cost,
            "feasible": decision.feasible,
        }),
        confidence: decision.confidence,
        explanation,
        alternatives,
        model: format!("sourcing/{:?}-1", decision.method).to_lowercase(),
        latency_us: started.elapsed().as_micros() as u64,
    })
}
