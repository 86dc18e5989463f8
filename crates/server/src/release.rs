//! `POST /v1/release`: plan the release of open orders in waves that fit
//! each node's labour before its carrier cutoffs, and (unless `dry_run`)
//! send the waves to the nodes' WMS through the outbox.
//!
//! An order is releasable once the pipeline has chosen its node and carrier
//! and no release of it is queued or sent already. Calling this is a
//! person's (or a scheduler's key's) decision to act: the waves pass the
//! gateway's policies with the caller's role, not the workflow's autonomy.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use engine::governance::Workflow;
use engine::release::{CapacityBasis, CustomerTier, NodeLabour, Releasable, ReleaseLine};
use model::order::OrderStatus;
use model::outbound::Message;
use model::{NodeId, TenantId};
use serde::Deserialize;
use serde_json::json;
use store::{NewDecision, NewMessage, OrderQuery};

use crate::access::{self, Guard, Permission};
use crate::gateway::Proposed;
use crate::ingest::{parse_json, require_json};
use crate::routes::body;
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
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::Release)?;
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
    let tenant = who.tenant(&app, request.tenant.as_ref().map(|t| t.as_str()))?;
    for (i, node) in request.nodes.iter().enumerate() {
        if app
            .config
            .nodes
            .get(node)
            .is_none_or(|n| n.tenant != tenant || !who.sees_node(node.as_str(), n.region.as_deref()))
        {
            return Err(ApiError::not_found("node", node.as_str()).field(format!("nodes[{i}]")));
        }
    }
    // A caller scoped to some nodes releases only those.
    let mut request = request;
    if request.nodes.is_empty() && (who.scope.nodes.is_some() || who.scope.regions.is_some()) {
        request.nodes = app
            .config
            .nodes
            .iter()
            .filter(|(id, n)| n.tenant == tenant && who.sees_node(id.as_str(), n.region.as_deref()))
            .map(|(id, _)| id.clone())
            .collect();
        if request.nodes.is_empty() {
            return Err(ApiError::not_found("node", "(any in your scope)").field("nodes"));
        }
    }
    let now = jiff::Timestamp::now();
    let (orders, skipped) = releasable(&app, &who, &tenant, &request.nodes).await?;
    let nodes = labour(&app, &tenant, &request.nodes, now);
    let plan = engine::release::plan_waves(&orders, &nodes, now)?;

    let mut sent = Vec::new();
    let mut unroutable = Vec::new();
    if !request.dry_run {
        let mut actions = Vec::new();
        for wave in &plan.waves {
            let Some(connection) = crate::proposals::wms_connection(&app, &tenant, &wave.node) else {
                unroutable.push(json!({"wave_id": wave.wave_id, "node": wave.node,
                    "reason": "no WMS connection with a base_url lists this node"}));
                continue;
            };
            let key = format!("{connection}:wave:{}", wave.wave_id);
            let confidence = plan
                .decisions
                .iter()
                .filter(|d| d.node == wave.node)
                .map(|d| d.confidence)
                .fold(1.0, f64::min);
            let proposed = Proposed {
                tenant: tenant.clone(),
                workflow: Workflow::Release,
                kind: "wms.release",
                // In order per node: a wave is released after the one before it.
                subject: wave.node.to_string(),
                message: Some(NewMessage {
                    tenant: tenant.to_string(),
                    connection: connection.to_string(),
                    subject: wave.node.to_string(),
                    message: Message::Wave(wave.clone()),
                    idempotency_key: key.clone(),
                    not_before: wave.release_at,
                }),
                idempotency_key: key,
                decision: json!({"wave": wave.wave_id, "orders": wave.orders.iter().map(|o| &o.order_id).collect::<Vec<_>>()}),
                decision_seq: None,
                confidence,
                cost_impact: 0.0,
                amount: None,
                order_status: None,
                local_tz: None,
            };
            let action = app.gateway.judge(&app, proposed, Some(&who));
            sent.push(json!({"wave_id": wave.wave_id, "connection": connection, "status": action.status, "gate": action.gate}));
            actions.push(action);
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
        let released: Vec<(String, String)> = actions
            .iter()
            .filter(|a| a.status == store::ActionStatus::Executed)
            .flat_map(|a| match a.message.as_ref().map(|m| &m.message) {
                Some(Message::Wave(w)) => w.orders.iter().map(|o| (o.order_id.to_string(), w.wave_id.clone())).collect(),
                _ => Vec::new(),
            })
            .collect();
        app.store.record_round(decisions, None, Vec::new(), Vec::new(), actions).await?;
        supersede(&app, &tenant, &released, &who.label()).await?;
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

/// Release proposals still waiting for review, for orders a wave has just
/// released: rejected as superseded, so approving one later cannot release
/// the order twice.
async fn supersede(app: &App, tenant: &TenantId, released: &[(String, String)], by: &str) -> Result<(), ApiError> {
    for (order, wave) in released {
        let store = app.store.clone();
        let filter = store::ActionFilter {
            tenants: Some(vec![tenant.to_string()]),
            status: Some(store::ActionStatus::Review),
            subject: Some(order.clone()),
            limit: 100,
            ..Default::default()
        };
        let queued = tokio::task::spawn_blocking(move || store.actions(&filter))
            .await
            .map_err(|_| ApiError::internal())??;
        for item in queued.into_iter().filter(|a| a.kind == "wms.release") {
            let result = app
                .store
                .decide_review(store::ReviewDecision {
                    id: item.id,
                    approve: false,
                    by: by.to_owned(),
                    reason: format!("superseded: released in wave {wave}"),
                    override_message: None,
                    blocked_by: None,
                })
                .await;
            // Decided meanwhile by someone else: nothing to supersede.
            if let Err(e) = result
                && !matches!(e, store::Error::ActionDecided(..))
            {
                return Err(e.into());
            }
        }
    }
    Ok(())
}

/// Open orders whose node and carrier the pipeline has chosen, of the B2B
/// accounts the caller may see.
async fn releasable(
    app: &App,
    who: &access::Principal,
    tenant: &TenantId,
    only: &[NodeId],
) -> Result<(Vec<Releasable>, Vec<serde_json::Value>), ApiError> {
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
    let store = app.store.clone();
    let t = tenant.clone();
    let acted = tokio::task::spawn_blocking(move || store.released_orders(&t))
        .await
        .map_err(|_| ApiError::internal())??;
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    // A caller limited to some clients plans and releases their orders only
    // (nodes and regions narrow through `only`).
    for order in open
        .items
        .into_iter()
        .filter(|o| who.sees_client(o.data.customer.account.as_deref()))
    {
        if acted.iter().any(|s| s == order.id.as_str()) {
            skipped.push(json!({"order_id": order.id, "reason": "it was released already"}));
            continue;
        }
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
