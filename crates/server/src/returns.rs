//! Returns: `POST /v1/returns` decides eligibility and disposition against
//! `[service_desk.returns]` (engine::returns), records the RMA with its
//! audit entry, and proposes the expected return to the WMS through the
//! gateway (workflow `returns`); `GET /v1/returns/{rma}` and
//! `/label.pdf` (QR and Code 128 of the RMA) give it back. Packing slips
//! are `GET /v1/orders/{id}/packing-slip.pdf`.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use engine::governance::Workflow;
use engine::returns::{Condition, Outcome, ReturnLineInput, ReturnReason, ReturnRequest};
use model::ops::LineQty;
use model::order::Order;
use model::outbound::{ExpectedReturn, Message};
use model::{NodeId, Quantity, Sku, TenantId};
use serde::Deserialize;
use serde_json::json;

use crate::App;
use crate::access::{self, Guard};
use crate::auth::{Permission, Principal};
use crate::error::ApiError;
use crate::gateway::Proposed;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnBody {
    pub order_id: String,
    /// Empty: every unit of the order not returned yet.
    #[serde(default)]
    pub lines: Vec<LineQty>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub condition: Option<String>,
    /// The customer's tier for the return window (e.g. `vip`).
    #[serde(default)]
    pub customer_tier: Option<String>,
}

/// The outcome of a return request, as `POST /v1/returns` answers it.
pub struct Started {
    pub record: store::ReturnRecord,
    pub decision: engine::returns::ReturnDecision,
    /// The storefront's name for the order (`#1003`), when it has one.
    pub order_name: Option<String>,
}

/// Decides and records a return for `who` (the API and the copilot share it).
pub async fn start(app: &App, who: &Principal, tenant: &TenantId, body: ReturnBody) -> Result<Started, ApiError> {
    who.require(Permission::CreateReturns)?;
    let reason = match body.reason.as_deref() {
        None => None,
        Some(raw) => Some(ReturnReason::parse(raw).ok_or_else(|| {
            ApiError::invalid(
                "invalid_reason",
                format!(
                    "Unknown return reason `{raw}`; one of: {}.",
                    ReturnReason::ALL.map(ReturnReason::as_str).join(", ")
                ),
            )
            .field("reason")
        })?),
    };
    let condition = match body.condition.as_deref() {
        None => None,
        Some(raw) => Some(Condition::parse(raw).ok_or_else(|| {
            ApiError::invalid(
                "invalid_condition",
                format!(
                    "Unknown condition `{raw}`; one of: {}.",
                    Condition::ALL.map(Condition::as_str).join(", ")
                ),
            )
            .field("condition")
        })?),
    };
    let (app2, t, reference) = (app.clone(), tenant.clone(), body.order_id.clone());
    let found = tokio::task::spawn_blocking(move || -> Result<_, store::Error> {
        let Some((order, history)) = app2.store.order_history(&t, &reference)? else {
            return Ok(None);
        };
        let earlier = app2.store.returns_for_order(&t, order.id.as_str())?;
        Ok(Some((order, history, earlier)))
    })
    .await
    .map_err(|_| ApiError::internal())??;
    let Some((order, history, earlier)) = found.filter(|(o, _, _)| who.sees_order(app, o)) else {
        return Err(ApiError::not_found("order", &body.order_id).field("order_id"));
    };
    let node = order
        .nodes
        .first()
        .cloned()
        .or_else(|| order.shipments.iter().find_map(|s| s.node.clone()));
    let tz = node
        .as_ref()
        .and_then(|n| app.config.nodes.get(n))
        .and_then(|n| n.timezone.as_deref())
        .and_then(|z| jiff::tz::TimeZone::get(z).ok())
        .unwrap_or(jiff::tz::TimeZone::UTC);
    let today = jiff::Timestamp::now().to_zoned(tz.clone()).date();
    let delivered_on = history
        .iter()
        .rev()
        .find(|e| {
            matches!(&e.body, model::event::EventBody::OrderDelivered(_))
                || matches!(&e.body, model::event::EventBody::ShipmentTracking(t) if t.status == model::shipment::TrackingStatus::Delivered)
        })
        .map(|e| e.occurred_at.to_zoned(tz.clone()).date());
    let shipped_on = order.shipments.first().map(|s| s.shipped_at.to_zoned(tz.clone()).date());
    let request = request(
        app,
        tenant,
        &order,
        &body,
        &earlier,
        node.as_ref(),
        today,
        delivered_on,
        shipped_on,
        reason,
        condition,
    )?;
    let decision = engine::returns::decide(&app.config.service_desk.returns, &request)
        .map_err(|e| ApiError::invalid(e.code(), e.to_string()).field(e.field().unwrap_or("lines")))?;
    let action = expected_return(app, who, tenant, &order, node.as_ref(), &decision);
    let status = decision.outcome.status();
    let status = serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "in_review".into());
    let detail = json!({
        "request": {"lines": request.lines.iter().map(|l| json!({"sku": l.sku, "quantity": l.quantity})).collect::<Vec<_>>(),
                    "reason": body.reason, "condition": body.condition, "customer_tier": body.customer_tier},
        "decision": decision,
        "node": node,
        "model": engine::returns::MODEL,
    });
    let record = app
        .store
        .create_return(store::NewReturn {
            tenant: tenant.to_string(),
            order_id: order.id.to_string(),
            status,
            detail,
            action,
            created_by: who.label(),
        })
        .await?;
    metrics::counter!("crossdock_returns_total", "outcome" => decision.outcome.as_str()).increment(1);
    Ok(Started {
        record,
        decision,
        order_name: order.data.external_ids.storefront_name.clone(),
    })
}

#[allow(clippy::too_many_arguments)]
fn request(
    app: &App,
    tenant: &TenantId,
    order: &Order,
    body: &ReturnBody,
    earlier: &[store::ReturnRecord],
    node: Option<&NodeId>,
    today: jiff::civil::Date,
    delivered_on: Option<jiff::civil::Date>,
    shipped_on: Option<jiff::civil::Date>,
    reason: Option<ReturnReason>,
    condition: Option<Condition>,
) -> Result<ReturnRequest, ApiError> {
    // Units already authorised on earlier returns (refused ones do not count).
    let mut returned: HashMap<String, i64> = HashMap::new();
    for r in earlier.iter().filter(|r| r.status != "rejected") {
        for line in r.detail["decision"]["lines"].as_array().into_iter().flatten() {
            if line["eligible"] == true
                && let (Some(sku), Some(q)) = (line["sku"].as_str(), line["quantity"].as_i64())
            {
                *returned.entry(sku.to_owned()).or_default() += q;
            }
        }
    }
    let wanted: Vec<(Sku, i64)> = if body.lines.is_empty() {
        order
            .data
            .lines
            .iter()
            .map(|l| {
                (
                    l.sku.clone(),
                    l.quantity.units() - returned.get(l.sku.as_str()).copied().unwrap_or(0),
                )
            })
            .filter(|(_, q)| *q > 0)
            .collect()
    } else {
        body.lines.iter().map(|l| (l.sku.clone(), l.quantity.units())).collect()
    };
    if wanted.is_empty() {
        return Err(ApiError::invalid("nothing_to_return", "Every unit of this order has been returned already.").field("lines"));
    }
    let lines = wanted
        .into_iter()
        .map(|(sku, quantity)| {
            let on_order: Vec<_> = order.data.lines.iter().filter(|l| l.sku == sku).collect();
            let ordered: i64 = on_order.iter().map(|l| l.quantity.units()).sum();
            let unit_price = on_order.iter().find_map(|l| l.unit_price.as_ref().map(|m| m.amount));
            let position = node.and_then(|n| {
                let (positions, _) = app.store.inventory(tenant, sku.as_str());
                positions.into_iter().find(|(p, _)| p == n.as_str()).map(|(_, b)| b)
            });
            ReturnLineInput {
                final_sale: app.store.item_flags(tenant, sku.as_str()).is_some_and(|f| f.final_sale),
                already_returned: returned.get(sku.as_str()).copied().unwrap_or(0),
                available_at_node: position.as_ref().map(|b| b.atp()),
                backordered: position.as_ref().map_or(0, |b| b.backordered),
                sku,
                quantity,
                ordered_quantity: ordered,
                unit_price,
            }
        })
        .collect();
    Ok(ReturnRequest {
        order_id: order.id.clone(),
        customer_tier: body.customer_tier.clone(),
        delivered_on,
        shipped_on,
        today,
        lines,
        reason,
        condition,
        node: node.cloned(),
    })
}

/// The expected return for the WMS, judged by the gateway; `None` when
/// nothing is authorised or no node is known.
fn expected_return(
    app: &App,
    who: &Principal,
    tenant: &TenantId,
    order: &Order,
    node: Option<&NodeId>,
    decision: &engine::returns::ReturnDecision,
) -> Option<store::NewAction> {
    let node = node?;
    if decision.outcome == Outcome::Refuse {
        return None;
    }
    let lines: Vec<LineQty> = decision
        .lines
        .iter()
        .filter(|l| l.eligible)
        .filter_map(|l| {
            Some(LineQty {
                sku: l.sku.clone(),
                quantity: Quantity::new(l.quantity).ok()?,
            })
        })
        .collect();
    let first = decision.lines.iter().find(|l| l.eligible)?;
    // The store appends the RMA (assigned when the return is recorded) to the key.
    let key = format!("{tenant}:wms.expected_return:{}", order.id);
    let message = ExpectedReturn {
        rma: String::new(),
        order_id: order.id.clone(),
        node: node.clone(),
        lines,
        disposition: first
            .disposition
            .map(|d| format!("{d:?}").to_lowercase())
            .unwrap_or_else(|| "inspect".into()),
        zone: first.zone.clone(),
        expected_by: None,
    };
    // A return the rules send to review carries a confidence no autonomy
    // threshold passes, so a person decides it whatever the mode.
    let confidence = if decision.outcome == Outcome::Review {
        decision.confidence.min(0.5)
    } else {
        decision.confidence
    };
    let total = decision.refund_total + decision.store_credit_total;
    let proposed = Proposed {
        tenant: tenant.clone(),
        workflow: Workflow::Returns,
        kind: "wms.expected_return",
        subject: order.id.to_string(),
        message: crate::proposals::wms_connection(app, tenant, node).map(|connection| store::NewMessage {
            tenant: tenant.to_string(),
            connection: connection.into(),
            subject: order.id.to_string(),
            message: Message::ExpectedReturn(message),
            idempotency_key: key.clone(),
            not_before: None,
        }),
        idempotency_key: key,
        decision: json!({"returns": {"outcome": decision.outcome.as_str(), "explanation": decision.explanation,
            "review_reasons": decision.review_reasons, "refund_total": total, "alternatives": decision.alternatives}}),
        decision_seq: None,
        confidence,
        cost_impact: 0.0,
        amount: decimal_f64(total),
        order_status: Some(order.status.as_str()),
        local_tz: None,
    };
    Some(app.gateway.judge(app, proposed, Some(who)))
}

fn decimal_f64(d: rust_decimal::Decimal) -> Option<f64> {
    d.to_string().parse().ok()
}

fn view(started: &Started) -> serde_json::Value {
    let r = &started.record;
    json!({
        "rma": r.rma, "order_id": r.order_id, "status": r.status, "created_at": r.created_at, "created_by": r.created_by,
        "decision": started.decision, "action": r.action_id,
        "label": format!("/v1/returns/{}/label.pdf", r.rma),
    })
}

/// `POST /v1/returns`.
pub async fn create(
    State(app): State<App>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::CreateReturns)?;
    let tenant = who.tenant(&app, params.get("tenant").map(String::as_str))?;
    let body: ReturnBody = crate::ingest::parse_json(&body)?;
    let started = start(&app, &who, &tenant, body).await?;
    Ok((StatusCode::CREATED, axum::Json(view(&started))).into_response())
}

/// The return and its order, when the caller may see them.
async fn visible(app: &App, who: &Principal, tenant: &TenantId, rma: &str) -> Result<(store::ReturnRecord, Order), ApiError> {
    let (app2, t, id) = (app.clone(), tenant.clone(), rma.to_owned());
    let found = tokio::task::spawn_blocking(move || -> Result<_, store::Error> {
        let Some(record) = app2.store.return_by_rma(&t, &id)? else {
            return Ok(None);
        };
        let order = app2.store.order(&t, &record.order_id)?;
        Ok(order.map(|o| (record, o)))
    })
    .await
    .map_err(|_| ApiError::internal())??;
    found
        .filter(|(_, o)| who.sees_order(app, o))
        .ok_or_else(|| ApiError::not_found("return", rma))
}

/// `GET /v1/returns/{rma}`.
pub async fn get_one(
    State(app): State<App>,
    headers: HeaderMap,
    Path(rma): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::ReadOrders)?;
    let tenant = who.tenant(&app, params.get("tenant").map(String::as_str))?;
    let (record, _) = visible(&app, &who, &tenant, &rma).await?;
    let mut body = serde_json::to_value(&record).map_err(|_| ApiError::internal())?;
    body["label"] = json!(format!("/v1/returns/{}/label.pdf", record.rma));
    Ok(axum::Json(body).into_response())
}

fn address_lines(address: &model::order::Address) -> Vec<String> {
    let city = [address.city.as_deref(), address.region.as_deref(), address.postal_code.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    [
        address.name.clone(),
        address.company.clone(),
        address.line1.clone(),
        address.line2.clone(),
        Some(city),
        address.country.clone(),
    ]
    .into_iter()
    .flatten()
    .filter(|l| !l.trim().is_empty())
    .collect()
}

fn pdf(bytes: Vec<u8>, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response()
}

fn print_error(e: print::Error) -> ApiError {
    ApiError::invalid(e.code(), e.to_string()).field(e.field())
}

/// `GET /v1/returns/{rma}/label.pdf`: the return label, with the RMA as a QR code and a Code 128 barcode.
pub async fn label(
    State(app): State<App>,
    headers: HeaderMap,
    Path(rma): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::ReadOrders)?;
    let tenant = who.tenant(&app, params.get("tenant").map(String::as_str))?;
    let (record, order) = visible(&app, &who, &tenant, &rma).await?;
    if record.status == "rejected" {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "return_refused",
            "This return was refused, so it has no label.",
        )
        .field("rma"));
    }
    let order = access::order_view(&who, order);
    let decision = &record.detail["decision"];
    let eligible: Vec<&serde_json::Value> = decision["lines"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|l| l["eligible"] == true)
        .collect();
    let node = record.detail["node"].as_str().unwrap_or("-").to_owned();
    let to = NodeId::parse(&node)
        .ok()
        .and_then(|n| app.config.nodes.get(&n).map(|c| (n, c)))
        .map(|(n, c)| vec![c.name.clone().unwrap_or_else(|| n.to_string()), format!("Returns — {n}")])
        .unwrap_or_else(|| vec![node.clone()]);
    let label = print::ReturnLabel {
        rma: record.rma.clone(),
        order: order
            .data
            .external_ids
            .storefront_name
            .clone()
            .unwrap_or_else(|| order.id.to_string()),
        from: address_lines(&order.data.ship_to),
        to,
        node,
        lines: eligible
            .iter()
            .map(|l| (l["sku"].as_str().unwrap_or("-").to_owned(), l["quantity"].as_i64().unwrap_or(0)))
            .collect(),
        reason: record.detail["request"]["reason"].as_str().map(str::to_owned),
        disposition: eligible
            .first()
            .and_then(|l| l["disposition"].as_str())
            .unwrap_or("inspect")
            .to_owned(),
        putaway: eligible.iter().filter_map(|l| l["putaway"].as_str()).collect::<Vec<_>>().join("; "),
        carrier: order.shipments.first().and_then(|s| s.carrier.clone()),
        issued_on: record.created_at.to_zoned(jiff::tz::TimeZone::UTC).date().to_string(),
    };
    let bytes = print::return_label(&label).map_err(print_error)?;
    Ok(pdf(bytes, &format!("{}.pdf", record.rma)))
}

/// `GET /v1/orders/{id}/packing-slip.pdf?shipment=`: the packing slip of
/// one package (or of the whole order), with the gift message and notes.
pub async fn packing_slip(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::ReadOrders)?;
    let tenant = who.tenant(&app, params.get("tenant").map(String::as_str))?;
    let (store, t, reference) = (app.store.clone(), tenant.clone(), id.clone());
    let order = tokio::task::spawn_blocking(move || store.order(&t, &reference))
        .await
        .map_err(|_| ApiError::internal())??
        .filter(|o| who.sees_order(&app, o))
        .ok_or_else(|| ApiError::not_found("order", &id))?;
    let order = access::order_view(&who, order);
    let shipment = match params.get("shipment") {
        Some(tn) => Some(
            order
                .shipments
                .iter()
                .find(|s| &s.tracking_number == tn)
                .ok_or_else(|| ApiError::not_found("shipment", tn).field("shipment"))?,
        ),
        None => order.shipments.first(),
    };
    let slip = print::PackingSlip {
        order: order
            .data
            .external_ids
            .storefront_name
            .clone()
            .unwrap_or_else(|| order.id.to_string()),
        shipment: shipment.map(|s| s.tracking_number.clone()),
        ship_to: address_lines(&order.data.ship_to),
        node: shipment
            .and_then(|s| s.node.as_ref())
            .or(order.nodes.first())
            .map_or_else(|| "-".to_owned(), |n| n.to_string()),
        lines: order
            .data
            .lines
            .iter()
            .map(|l| print::SlipLine {
                sku: l.sku.to_string(),
                name: l.name.clone(),
                quantity: l.quantity.units(),
            })
            .collect(),
        gift_message: order.data.gift_message.clone(),
        instructions: order.data.note.clone(),
        shipped_on: shipment.map(|s| s.shipped_at.to_zoned(jiff::tz::TimeZone::UTC).date().to_string()),
    };
    let bytes = print::packing_slip(&slip).map_err(print_error)?;
    Ok(pdf(bytes, &format!("packing-slip-{}.pdf", order.id)))
}

/// When the WMS reports a return received (`return.received`): the units
/// go where the return's disposition sends them — restock stays on hand,
/// inspect and refurbish are put on hold at the node until they are
/// checked, scrap leaves the stock — the return becomes `received`, and its
/// refund is proposed to the system that owns payments (an OMS or ERP
/// connection) as a governed action (workflow `returns`), once per RMA.
pub async fn received(
    app: &App,
    tenant: &TenantId,
    order: &Order,
    event: &store::LoggedEvent,
) -> Result<Vec<store::NewAction>, store::Error> {
    let model::event::EventBody::ReturnReceived(got) = &event.body else {
        return Ok(Vec::new());
    };
    let earlier = app.store.returns_for_order(tenant, order.id.as_str())?;
    let record = match &got.rma {
        Some(rma) => earlier.into_iter().find(|r| &r.rma == rma),
        None => earlier
            .into_iter()
            .rev()
            .find(|r| r.status == "authorized" || r.status == "in_review"),
    };
    let Some(record) = record else {
        tracing::info!(order = %order.id, rma = ?got.rma, "A return arrived that crossdock did not authorise; its stock is back on hand as received.");
        return Ok(Vec::new());
    };
    let node = got
        .node
        .clone()
        .or_else(|| record.detail["node"].as_str().and_then(|n| NodeId::parse(n).ok()));
    let decided: Vec<&serde_json::Value> = record.detail["decision"]["lines"].as_array().into_iter().flatten().collect();
    let mut follow_up = Vec::new();
    let mut refund = rust_decimal::Decimal::ZERO;
    let mut credit = rust_decimal::Decimal::ZERO;
    let mut lines = Vec::new();
    for line in &got.lines {
        let d = decided.iter().find(|l| l["sku"] == line.sku.as_str());
        let disposition = d.and_then(|l| l["disposition"].as_str()).unwrap_or("inspect");
        let zone = d.and_then(|l| l["zone"].as_str()).unwrap_or("-");
        let units = line.quantity.units();
        let per_unit = |field: &str| -> rust_decimal::Decimal {
            let total: rust_decimal::Decimal = d.and_then(|l| l[field].as_str()).and_then(|v| v.parse().ok()).unwrap_or_default();
            let decided_units = d.and_then(|l| l["quantity"].as_i64()).unwrap_or(0).max(1);
            total / rust_decimal::Decimal::from(decided_units)
        };
        refund += per_unit("refund") * rust_decimal::Decimal::from(units);
        credit += per_unit("store_credit") * rust_decimal::Decimal::from(units);
        lines.push(line.clone());
        let Some(node) = &node else { continue };
        let reason = format!("{} {disposition} in {zone}", record.rma);
        let body = match disposition {
            "restock" => continue,
            "scrap" => model::event::EventBody::InventoryAdjusted(model::event::InventoryAdjusted {
                node: node.clone(),
                sku: line.sku.clone(),
                delta: Quantity::new(-units).unwrap_or(line.quantity),
                unit: None,
                reason: Some(reason),
            }),
            _ => model::event::EventBody::InventoryHeld(model::event::InventoryHeld {
                node: node.clone(),
                sku: line.sku.clone(),
                quantity: line.quantity,
                reason: Some(reason),
            }),
        };
        follow_up.push(model::Event {
            event_id: format!("{}-{}-{disposition}", record.rma, line.sku),
            source: "crossdock".into(),
            tenant: Some(tenant.clone()),
            occurred_at: event.occurred_at,
            body,
        });
    }
    if !follow_up.is_empty() {
        app.store.append(follow_up, None).await?;
    }
    app.store
        .set_return_status(
            tenant.to_string(),
            record.rma.clone(),
            "received".into(),
            "crossdock".into(),
            json!({"seq": event.seq, "source": event.source, "event_id": event.event_id, "lines": got.lines, "condition": got.condition}),
        )
        .await?;
    let currency = order
        .data
        .total
        .as_ref()
        .map(|m| m.currency)
        .or_else(|| order.data.lines.iter().find_map(|l| l.unit_price.as_ref().map(|m| m.currency)));
    let Some(currency) = currency else {
        return Ok(Vec::new());
    };
    let key = format!("{tenant}:order.refund:{}", record.rma);
    let message = model::outbound::Refund {
        rma: record.rma.clone(),
        order_id: order.id.clone(),
        storefront_order_id: order.data.external_ids.storefront_order_id.clone(),
        lines,
        amount: model::Money { amount: refund, currency },
        store_credit: (credit > rust_decimal::Decimal::ZERO).then_some(model::Money { amount: credit, currency }),
        note: Some(format!("Return {} received", record.rma)),
    };
    let connection = app
        .config
        .connections
        .iter()
        .find(|(_, c)| {
            c.tenant == *tenant
                && matches!(c.kind(), model::tenant::ConnectionKind::Oms | model::tenant::ConnectionKind::Erp)
                && c.base_url.is_some()
        })
        .map(|(id, _)| id.to_string());
    let total = refund + credit;
    let proposed = Proposed {
        tenant: tenant.clone(),
        workflow: Workflow::Returns,
        kind: "order.refund",
        subject: order.id.to_string(),
        message: connection.map(|connection| store::NewMessage {
            tenant: tenant.to_string(),
            connection,
            subject: order.id.to_string(),
            message: Message::Refund(message),
            idempotency_key: key.clone(),
            not_before: None,
        }),
        idempotency_key: key,
        decision: json!({"returns": {"rma": record.rma, "refund": refund, "store_credit": credit, "received": got.lines}}),
        decision_seq: None,
        confidence: 1.0,
        cost_impact: 0.0,
        amount: decimal_f64(total),
        order_status: Some(order.status.as_str()),
        local_tz: None,
    };
    Ok(vec![app.gateway.judge(app, proposed, None)])
}
