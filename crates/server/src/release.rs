//! `POST /v1/release`: plan the release of open orders in waves that fit
//! each node's labour before its carrier cutoffs, and (unless `dry_run`)
//! send the waves to the nodes' WMS through the outbox.
//!
//! An order is releasable once the pipeline has chosen its node and carrier.
//! Calling this is the human (or scheduler) decision to act; autonomy modes
//! and the review queue will gate it once governance exists.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use engine::release::{CapacityBasis, CustomerTier, NodeLabour, Releasable, ReleaseLine};
use model::order::OrderStatus;
use model::outbound::Message;
use model::{NodeId, TenantId};
use serde::Deserialize;
use serde_json::json;
use store::{NewDecision, NewMessage, OrderQuery};

use crate::ingest::{parse_json, require_json};
use crate::routes::{authorize, body};
use crate::{ApiError, App};

/// Units an hour a node picks when its configuration does not say.
pub const DEFAULT_UNITS_PER_HOUR: f64 = 200.0;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReleaseRequest {
    #[serde(default)]
    tenant: Option<TenantId>,
    /// Only these nodes (all the tenant's when empty).
    #[serde(default)]
    nodes: Vec<NodeId>,
    /// Plan only; send nothing. Default true: sending is asked for explicitly.
    #[serde(default = "yes")]
    dry_run: bool,
}

fn yes() -> bool {
    true
}

pub async fn release(State(app): State<App>, headers: HeaderMap, bytes: Result<Bytes, BytesRejection>) -> Result<Response, ApiError> {
    authorize(&app, &headers)?;
    let bytes = body(bytes)?;
    let request: ReleaseRequest = if bytes.is_empty() {
        ReleaseRequest {
            dry_run: true,
            ..Default::default()
        }
    } else {
        require_json(&headers)?;
        parse_json(&bytes)?
    };
    let tenant = match request.tenant.clone() {
        Some(t) if app.config.tenants.contains_key(&t) => t,
        Some(t) => return Err(ApiError::not_found("tenant", t.as_str()).field("tenant")),
        None => app.config.default_tenant().cloned().ok_or_else(|| {
            ApiError::invalid("tenant_required", "Several tenants are configured: say which one to release for.").field("tenant")
        })?,
    };
    for (i, node) in request.nodes.iter().enumerate() {
        if app.config.nodes.get(node).is_none_or(|n| n.tenant != tenant) {
            return Err(ApiError::not_found("node", node.as_str()).field(format!("nodes[{i}]")));
        }
    }
    let now = jiff::Timestamp::now();
    let (orders, skipped) = releasable(&app, &tenant, &request.nodes).await?;
    let nodes = labour(&app, &tenant, &request.nodes, now);
    let plan = engine::release::plan_waves(&orders, &nodes, now)?;

    let mut sent = Vec::new();
    let mut unroutable = Vec::new();
    if !request.dry_run {
        let mut messages = Vec::new();
        for wave in &plan.waves {
            let Some((connection, _)) = app
                .config
                .connections
                .iter()
                .find(|(_, c)| c.tenant == tenant && c.nodes.contains(&wave.node) && c.base_url.is_some())
            else {
                unroutable.push(json!({"wave_id": wave.wave_id, "node": wave.node,
                    "reason": "no WMS connection with a base_url lists this node"}));
                continue;
            };
            sent.push(json!({"wave_id": wave.wave_id, "connection": connection.as_str()}));
            messages.push(NewMessage {
                tenant: tenant.to_string(),
                connection: connection.to_string(),
                // In order per node: a wave is released after the one before it.
                subject: wave.node.to_string(),
                message: Message::Wave(wave.clone()),
                idempotency_key: format!("{connection}:wave:{}", wave.wave_id),
                not_before: wave.release_at,
            });
        }
        // Keyed on the log position: the same state released twice records once.
        let seq = app.store.stats()?.last_seq;
        let decisions = plan
            .decisions
            .iter()
            .map(|d| {
                let output = serde_json::to_value(d).unwrap_or_default();
                NewDecision {
                    tenant: tenant.to_string(),
                    kind: "release".into(),
                    subject: d.order_id.to_string(),
                    seq,
                    inputs_digest: String::new(),
                    inputs: json!({"node": d.node, "carrier": d.carrier, "promised_by": d.promised_by, "work": d.work}),
                    output,
                    confidence: d.confidence,
                    explanation: engine::release::explain_order(d, now),
                    alternatives: Vec::new(),
                    model: engine::release::MODEL.into(),
                    latency_us: 0,
                }
            })
            .collect();
        app.store.append_with(Vec::new(), None, messages).await?;
        app.store.record_decisions(decisions, None, Vec::new(), Vec::new()).await?;
    }
    Ok(Json(json!({
        "dry_run": request.dry_run,
        "plan": plan,
        "sent": sent,
        "unroutable": unroutable,
        "not_releasable": skipped,
    }))
    .into_response())
}

/// Open orders whose node and carrier the pipeline has chosen.
async fn releasable(app: &App, tenant: &TenantId, only: &[NodeId]) -> Result<(Vec<Releasable>, Vec<serde_json::Value>), ApiError> {
    let store = app.store.clone();
    let t = tenant.clone();
    let open = tokio::task::spawn_blocking(move || {
        let query = OrderQuery {
            status: Some(OrderStatus::Open),
            ..Default::default()
        };
        store.orders(&t, &query, None, 1000)
    })
    .await
    .map_err(|_| ApiError::internal())??;
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for order in open.items {
        let store = app.store.clone();
        let (t, id) = (tenant.clone(), order.id.to_string());
        let carrier = tokio::task::spawn_blocking(move || store.decisions(&t, Some(&id), Some("carrier"), 0, 100))
            .await
            .map_err(|_| ApiError::internal())??
            .pop();
        let Some(choice) = carrier.filter(|d| d.output["carrier"].is_string()) else {
            skipped.push(json!({"order_id": order.id, "reason": "no carrier chosen yet"}));
            continue;
        };
        let Some(node) = choice.output["node"].as_str().and_then(|n| NodeId::parse(n).ok()) else {
            continue;
        };
        if !only.is_empty() && !only.contains(&node) {
            continue;
        }
        out.push(Releasable {
            order_id: order.id.clone(),
            node,
            carrier: choice.output["carrier"].as_str().unwrap_or_default().to_owned(),
            service: choice.output["service"].as_str().map(str::to_owned),
            promised_by: serde_json::from_value(choice.output["promised_by"].clone()).ok(),
            tier: if order.data.customer.account.is_some() {
                CustomerTier::Gold
            } else {
                CustomerTier::Standard
            },
            lines: order
                .data
                .lines
                .iter()
                .map(|l| ReleaseLine {
                    sku: l.sku.clone(),
                    quantity: l.quantity,
                    zone: String::new(),
                })
                .collect(),
            placed_at: order.data.placed_at.or(Some(order.created_at)),
        });
    }
    Ok((out, skipped))
}

/// Each node's labour as configured (`labour_units_per_hour`, default
/// [`DEFAULT_UNITS_PER_HOUR`]), its cutoffs and its local time now.
fn labour(app: &App, tenant: &TenantId, only: &[NodeId], now: jiff::Timestamp) -> Vec<NodeLabour> {
    app.config
        .nodes
        .iter()
        .filter(|(id, n)| n.tenant == *tenant && (only.is_empty() || only.contains(id)))
        .map(|(id, n)| {
            let tz = n
                .timezone
                .as_deref()
                .and_then(|name| jiff::tz::TimeZone::get(name).ok())
                .unwrap_or(jiff::tz::TimeZone::UTC);
            NodeLabour {
                node: id.clone(),
                utc_offset_minutes: tz.to_offset(now).seconds() / 60,
                cutoffs: n.cutoffs.clone(),
                basis: CapacityBasis::Units,
                per_hour: n.labour_units_per_hour.unwrap_or(DEFAULT_UNITS_PER_HOUR),
                backlog: 0.0,
                wave_minutes: 30,
                shift_ends_at: None,
                max_orders_per_wave: None,
            }
        })
        .collect()
}
