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

/// Order events taken per round. A round is one writer job: small enough not to
/// hold webhooks queued behind it for long.
const BATCH: usize = 16;

/// Writer jobs queued at which the pipeline lets ingest go first.
const BUSY_BACKLOG: usize = 8;
/// Under sustained ingest pressure the pipeline still gets this share of
/// the time (it waits at most `1 / SHARE − 1` times as long as its last
/// round took), so decisions lag a burst but keep moving in a flood.
const SHARE: u32 = 10;
/// The longest one wait, whatever the last round took.
const MAX_DEFER: Duration = Duration::from_secs(2);

/// Waits while requests queue for the writer (a burst of webhooks): an
/// acknowledgement is what a sender waits for under its time budget, a
/// decision can follow a moment later. Returns how long it waited.
async fn yield_to_ingest(app: &App, last_round: Duration) -> Duration {
    let started = Instant::now();
    let limit = (last_round * (SHARE - 1)).clamp(Duration::from_millis(5), MAX_DEFER);
    while app.store.writer_backlog() >= BUSY_BACKLOG && started.elapsed() < limit {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    started.elapsed()
}

/// Runs until `stopped` turns true.
pub async fn run(app: App, mut stopped: watch::Receiver<bool>) {
    let mut learner = Learner::load(&app);
    let mut last_round = Duration::ZERO;
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
        let deferred = yield_to_ingest(&app, last_round).await;
        if deferred >= Duration::from_millis(2) {
            metrics::counter!("crossdock_pipeline_deferred_milliseconds_total").increment(deferred.as_millis() as u64);
        }
        let started = Instant::now();
        let outcome = round(&app, cursor, &mut learner).await;
        last_round = started.elapsed();
        match outcome {
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

/// What the pipeline learns as orders are delivered: transit times per
/// carrier, service and lane, saved with the decisions of the same round.
struct Learner {
    transit: engine::carrier::TransitModel,
    changed: bool,
    /// The hourly budget of proactive alerts per tenant.
    alerts: crate::alerts::Limiter,
}

const TRANSIT_MODEL: &str = "carrier.transit";

/// The transit model as last saved, or the priors.
pub(crate) fn saved_transit(store: &store::Store) -> engine::carrier::TransitModel {
    let saved = store.model_state(TRANSIT_MODEL).ok().flatten();
    saved
        .and_then(|json| match serde_json::from_str(&json) {
            Ok(model) => Some(model),
            Err(e) => {
                tracing::warn!(error = %e, "Saved transit model unreadable; starting from the priors.");
                None
            }
        })
        .unwrap_or_default()
}

impl Learner {
    fn load(app: &App) -> Learner {
        Learner {
            transit: app.transit.read().clone(),
            changed: false,
            alerts: crate::alerts::Limiter::default(),
        }
    }

    /// Each delivered package of `order`: its business days in transit.
    fn observe_delivery(&mut self, app: &App, order: &Order, delivered_at: jiff::Timestamp) {
        for shipment in &order.shipments {
            let (Some(carrier), Some(service), Some(node)) = (&shipment.carrier, &shipment.service, &shipment.node) else {
                continue;
            };
            let Some(from) = node_address(app, node) else { continue };
            let tz = node_tz(app, node);
            let Ok(lane) = engine::carrier::Lane::between(node, &from, &order.data.ship_to) else {
                continue;
            };
            let shipped = shipment.shipped_at.to_zoned(tz.clone()).date();
            let delivered = delivered_at.to_zoned(tz).date();
            if self.transit.observe(carrier, service, &lane, shipped, delivered).is_ok() {
                self.changed = true;
                metrics::counter!("crossdock_transit_observations_total").increment(1);
            }
        }
    }

    /// The model to save with this round, if it changed; ETAs see it from now on.
    fn take_state(&mut self, app: &App) -> Vec<(String, String)> {
        if !std::mem::take(&mut self.changed) {
            return Vec::new();
        }
        *app.transit.write() = self.transit.clone();
        serde_json::to_string(&self.transit)
            .map(|json| vec![(TRANSIT_MODEL.to_owned(), json)])
            .unwrap_or_default()
    }
}

pub(crate) fn node_tz(app: &App, node: &model::NodeId) -> jiff::tz::TimeZone {
    app.config
        .nodes
        .get(node)
        .and_then(|n| n.timezone.as_deref())
        .and_then(|name| jiff::tz::TimeZone::get(name).ok())
        .unwrap_or(jiff::tz::TimeZone::UTC)
}

/// A node's location as an address (coordinates and the tenant's country).
pub(crate) fn node_address(app: &App, node: &model::NodeId) -> Option<model::order::Address> {
    let config = app.config.nodes.get(node)?;
    let country = app.config.tenants.get(&config.tenant).map(|t| t.country.clone());
    Some(model::order::Address {
        name: config.name.clone(),
        country,
        lat: config.lat,
        lon: config.lon,
        ..Default::default()
    })
}

/// One batch: returns the new cursor, or `None` when there was nothing new.
async fn round(app: &App, cursor: u64, learner: &mut Learner) -> Result<Option<u64>, store::Error> {
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
    let mut outcomes = Vec::new();
    let mut actions = Vec::new();
    for event in &pending {
        let Ok(tenant) = TenantId::parse(&event.tenant) else { continue };
        if event.kind == "return.received" {
            let store = app.store.clone();
            let (t, subject) = (tenant.clone(), event.subject.clone());
            let history = tokio::task::spawn_blocking(move || store.order_history(&t, &subject))
                .await
                .map_err(|e| store::Error::Io(e.to_string()))??;
            if let Some((order, history)) = history
                && let Some(received) = history.iter().find(|e| e.seq == event.seq)
            {
                actions.extend(crate::returns::received(app, &tenant, &order, received).await?);
            }
            continue;
        }
        if matches!(event.kind.as_str(), "exception.raised" | "shipment.tracking") {
            let store = app.store.clone();
            let (t, subject) = (tenant.clone(), event.subject.clone());
            let history = tokio::task::spawn_blocking(move || store.order_history(&t, &subject))
                .await
                .map_err(|e| store::Error::Io(e.to_string()))??;
            if let Some((order, history)) = history {
                actions.extend(crate::alerts::for_event(
                    app,
                    &mut learner.alerts,
                    &tenant,
                    &order,
                    &history,
                    event.seq,
                ));
            }
            continue;
        }
        let store = app.store.clone();
        let (t, subject) = (tenant.clone(), event.subject.clone());
        let order = tokio::task::spawn_blocking(move || store.order(&t, &subject))
            .await
            .map_err(|e| store::Error::Io(e.to_string()))??;
        let Some(order) = order else { continue };
        match event.kind.as_str() {
            "order.delivered" => {
                learner.observe_delivery(app, &order, order.updated_at);
                outcomes.extend(delivered(app, &tenant, &order, event.seq));
                continue;
            }
            "order.chargeback" => {
                // The chargeback itself (amount, reason) is the event at `seq`.
                outcomes.push(store::Outcome {
                    tenant: tenant.to_string(),
                    subject: order.id.to_string(),
                    seq: event.seq,
                    kind: "chargeback".into(),
                    detail: serde_json::json!({"order_status": order.status, "event_seq": event.seq}),
                    created_at: None,
                });
                continue;
            }
            "order.cancelled" => {
                outcomes.push(store::Outcome {
                    tenant: tenant.to_string(),
                    subject: order.id.to_string(),
                    seq: event.seq,
                    kind: "cancelled".into(),
                    detail: serde_json::json!({"reason": order.cancel_reason, "status": order.status,
                        "released_to": order.nodes}),
                    created_at: None,
                });
                continue;
            }
            _ => {}
        }
        let made = decide(app, &tenant, &order, event.seq, &learner.transit);
        actions.extend(crate::proposals::for_order(app, &tenant, &order, event.seq, &made));
        decisions.extend(made);
    }
    let models = learner.take_state(app);
    app.store.record_round(decisions, Some(next), models, outcomes, actions).await?;
    Ok(Some(next))
}

/// How a delivered order turned out against its promise: on time or late,
/// in how many packages, by which carriers.
fn delivered(app: &App, tenant: &TenantId, order: &Order, seq: u64) -> Option<store::Outcome> {
    // The promise: the order's own, else the one the carrier decision worked to.
    let promised = order.data.promised_by.or_else(|| {
        let last = app
            .store
            .decisions(tenant, Some(order.id.as_str()), Some("carrier"), 0, 100)
            .ok()?
            .pop()?;
        serde_json::from_value(last.output["promised_by"].clone()).ok()
    });
    let delivered_on = order.updated_at.to_zoned(jiff::tz::TimeZone::UTC).date();
    let days_late = promised.map(|p| (delivered_on - p).get_days().max(0));
    let packages = order.shipments.len();
    Some(store::Outcome {
        tenant: tenant.to_string(),
        subject: order.id.to_string(),
        seq,
        kind: "delivered".into(),
        detail: serde_json::json!({
            "delivered_on": delivered_on,
            "promised_by": promised,
            "on_time": days_late.map(|d| d == 0),
            "days_late": days_late,
            "packages": packages,
            "split": packages > 1,
            "carriers": order.shipments.iter().map(|s| serde_json::json!({"carrier": s.carrier, "service": s.service, "node": s.node})).collect::<Vec<_>>(),
        }),
        created_at: None,
    })
}

/// The decisions for one order, as they stand at event `seq`.
pub fn decide(app: &App, tenant: &TenantId, order: &Order, seq: u64, transit: &engine::carrier::TransitModel) -> Vec<NewDecision> {
    let mut out = Vec::new();
    if order.status.is_terminal() {
        return out;
    }
    let risk = risk(app, tenant, order, seq);
    let level = risk.as_ref().and_then(|(_, level)| *level);
    out.extend(risk.map(|(d, _)| d));
    out.extend(triage(app, tenant, order, seq, level));
    if let Some((sourced, main)) = sourcing(app, tenant, order, seq, transit) {
        out.push(sourced);
        out.extend(main.map(|priced| carrier(tenant, order, seq, priced)));
    }
    out
}

/// Business days promised by service level when the order names no date.
fn promised_days(level: model::order::ServiceLevel) -> i64 {
    use model::order::ServiceLevel::*;
    match level {
        SameDay | Pickup => 0,
        NextDay => 1,
        Expedited => 2,
        Standard => 5,
        Freight => 7,
    }
}

/// The package `node` would send for `order`, as the carrier decision
/// prices it: today's ready time at the node, its cutoffs, the promise.
fn shipment_request(app: &App, tenant: &TenantId, order: &Order, node: &model::NodeId) -> Option<engine::carrier::ShipmentRequest> {
    use engine::carrier::{Origin, Parcel, ShipmentRequest};
    let config = app.config.nodes.get(node)?;
    let tz = node_tz(app, node);
    let now = jiff::Timestamp::now().to_zoned(tz);
    // Counted from when it was placed, or from today for an order decided late.
    let placed = order
        .data
        .placed_at
        .unwrap_or(order.created_at)
        .to_zoned(now.time_zone().clone())
        .date()
        .max(now.date());
    let promised_by = order.data.promised_by.unwrap_or_else(|| {
        let mut day = placed;
        let mut left = promised_days(order.data.service_level);
        while left > 0 {
            day = day.tomorrow().unwrap_or(day);
            if day.weekday().to_monday_one_offset() <= 5 {
                left -= 1;
            }
        }
        day
    });
    let units: i64 = order.data.lines.iter().map(|l| l.quantity.units()).sum();
    let flags: Vec<_> = order
        .data
        .lines
        .iter()
        .filter_map(|l| app.store.item_flags(tenant, l.sku.as_str()))
        .collect();
    Some(ShipmentRequest {
        order_id: Some(order.id.clone()),
        origin: Origin {
            node: node.clone(),
            address: node_address(app, node)?,
        },
        destination: order.data.ship_to.clone(),
        // Until items carry weights: half a kilo per unit.
        parcels: vec![Parcel {
            weight_grams: (units.max(1) as u32).saturating_mul(500),
            length_cm: None,
            width_cm: None,
            height_cm: None,
        }],
        residential: order.data.customer.account.is_none(),
        po_box: engine::triage::detect_po_box(&order.data.ship_to).is_some(),
        hazmat: flags.iter().any(|f| f.hazmat),
        oversize: flags.iter().any(|f| f.oversize),
        ready_at: now.datetime(),
        cutoffs: config.cutoffs.clone(),
        promised_by,
    })
}

/// Carrier and service for the package from `node`: the cheapest whose
/// chance of arriving by the promised date meets the target, on the
/// transit times learned from deliveries. Prices come from the built-in
/// example rate tables until a tenant configures its own. The choice was made
/// once, while sourcing priced each node; this records it.
fn carrier(tenant: &TenantId, order: &Order, seq: u64, priced: Priced) -> NewDecision {
    let started = Instant::now();
    let Priced { node, request, choice } = priced;
    let inputs = serde_json::to_value(&request).unwrap_or_default();
    let decision = match choice {
        Ok(decision) => decision,
        // No service can carry it (or the address cannot be zoned): recorded
        // as a decision with no carrier, so a planner sees why.
        Err(e) => {
            return NewDecision {
                output: serde_json::json!({"carrier": null, "node": node, "error": {"code": e.code(), "field": e.field(), "message": e.to_string()}}),
                explanation: vec![Factor {
                    description: format!("No carrier service can take this package: {e}"),
                    weight: 1.0,
                }],
                ..made(tenant, order, seq, "carrier", engine::carrier::MODEL.into(), inputs, started)
            };
        }
    };
    let alternatives = decision
        .alternatives
        .iter()
        .filter(|o| !o.chosen)
        .map(|o| Alternative {
            option: serde_json::json!({"carrier": o.carrier, "service": o.service, "price": o.price, "p_on_time": o.p_on_time}),
            score: o.price,
            note: Some(format!("{}: ${:.2}, {:.0}% on time", o.name, o.price, o.p_on_time * 100.0)),
        })
        .collect();
    NewDecision {
        output: serde_json::json!({
            "carrier": decision.carrier,
            "service": decision.service,
            "price": decision.price,
            "p_on_time": decision.p_on_time,
            "meets_target": decision.meets_target,
            "ship_date": decision.ship_date,
            "expected_delivery": decision.expected_delivery,
            "promised_by": decision.promised_by,
            "node": node,
            "label_request": decision.label_request,
        }),
        confidence: decision.confidence,
        explanation: decision.explanation,
        alternatives,
        ..made(tenant, order, seq, "carrier", engine::carrier::MODEL.into(), inputs, started)
    }
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
    let features = engine::risk::extract(&order.data, &ctx).ok()?;
    let assessment = app.risk_model.score(&features);
    let level = match assessment.level {
        engine::risk::Level::Low => engine::triage::RiskLevel::Low,
        engine::risk::Level::Medium => engine::triage::RiskLevel::Medium,
        engine::risk::Level::High => engine::triage::RiskLevel::High,
    };
    let inputs = serde_json::json!({"context": ctx, "features": features});
    Some((
        NewDecision {
            output: serde_json::json!({
                "score": assessment.score,
                "level": assessment.level,
                "flagged": assessment.flagged,
                "threshold": assessment.threshold,
                "contributions": assessment.contributions,
            }),
            confidence: assessment.confidence,
            explanation: assessment.explanation,
            ..made(tenant, order, seq, "risk", assessment.model, inputs, started)
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
        output: serde_json::json!({
            "class": result.class,
            "reasons": result.reasons,
            "suggested_ship_to": result.suggested_ship_to,
        }),
        confidence: result.confidence,
        explanation: result.explanation,
        ..made(tenant, order, seq, "triage", engine::triage::MODEL.into(), inputs, started)
    })
}

fn digest(inputs: &serde_json::Value) -> String {
    hex::encode(Sha256::digest(inputs.to_string().as_bytes()))
}

/// A `kind` decision on `order` at event `seq` with its key inputs (and their
/// digest), timed from `started`; the caller sets what was decided.
fn made(tenant: &TenantId, order: &Order, seq: u64, kind: &str, model: String, inputs: serde_json::Value, started: Instant) -> NewDecision {
    NewDecision {
        tenant: tenant.to_string(),
        kind: kind.into(),
        subject: order.id.to_string(),
        seq,
        inputs_digest: digest(&inputs),
        inputs,
        output: serde_json::Value::Null,
        confidence: 0.0,
        explanation: Vec::new(),
        alternatives: Vec::new(),
        model,
        latency_us: started.elapsed().as_micros() as u64,
    }
}

/// One node's package as carrier rate shopping priced it for sourcing.
struct Priced {
    node: model::NodeId,
    request: engine::carrier::ShipmentRequest,
    choice: Result<engine::carrier::CarrierDecision, engine::Error>,
}

/// Where each line ships from: the cheapest plan on the live network, and
/// the pricing of the node shipping the most units (the package the carrier
/// decision is for).
fn sourcing(
    app: &App,
    tenant: &TenantId,
    order: &Order,
    seq: u64,
    transit: &engine::carrier::TransitModel,
) -> Option<(NewDecision, Option<Priced>)> {
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
    let mut nodes = live_nodes(app, tenant, &lines, ship_to);
    // Shipping from each node that holds some of the order: the carrier
    // service that would be chosen from there, its price and transit days.
    // Built once: the tables do not change while the process runs.
    static TABLES: std::sync::OnceLock<engine::carrier::RateTables> = std::sync::OnceLock::new();
    let tables = TABLES.get_or_init(engine::carrier::example_tables);
    let mut priced = Vec::new();
    for node in nodes.iter_mut().filter(|n| !n.stock.is_empty()) {
        let Some(request) = shipment_request(app, tenant, order, &node.id) else {
            continue;
        };
        let choice = engine::carrier::choose(&request, tables, transit, engine::carrier::DEFAULT_TARGET_ON_TIME);
        if let Ok(choice) = &choice {
            node.package_cost = choice.price;
            let ready = request.ready_at.date();
            node.transit_days = (choice.expected_delivery - ready).get_days().max(0) as u32;
        }
        priced.push(Priced {
            node: node.id.clone(),
            request,
            choice,
        });
    }
    let instance = Instance {
        nodes,
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
    let mut per_node: Vec<(model::NodeId, i64)> = Vec::new();
    for a in &decision.assignments {
        match per_node.iter_mut().find(|(n, _)| *n == a.node) {
            Some((_, units)) => *units += a.quantity.units(),
            None => per_node.push((a.node.clone(), a.quantity.units())),
        }
    }
    let main_node = per_node
        .iter()
        .max_by_key(|(n, u)| (*u, std::cmp::Reverse(n.clone())))
        .and_then(|(n, _)| priced.into_iter().find(|p| p.node == *n));
    let model = format!("sourcing/{:?}-1", decision.method).to_lowercase();
    let record = NewDecision {
        output: serde_json::json!({
            "assignments": decision.assignments,
            "cost": decision.cost,
            "feasible": decision.feasible,
        }),
        confidence: decision.confidence,
        explanation,
        alternatives,
        ..made(tenant, order, seq, "sourcing", model, inputs, started)
    };
    Some((record, main_node))
}
