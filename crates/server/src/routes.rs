//! Route table and handlers.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use model::order::OrderStatus;
use serde_json::json;
use store::{OrderQuery, Receipt};

use crate::access::{self, Guard, Permission};
use crate::config::ConnectionConfig;
use crate::ingest::{EventBatch, Origin, ingest, parse_json, require_json};
use crate::{
    ApiError, App, audit, connections, dashboard, inventory, keys, metrics_setup, outbox, plan, reconcile, release, reviews, training,
    webhooks,
};

const OPENAPI: &str = include_str!("../openapi.json");

/// Every route. Webhooks answer within `webhook_timeout`: a sender such as
/// Shopify gives up after 5 s and counts a failure, while a 503 in time makes
/// it retry (anything already stored is then a duplicate).
pub fn routes(webhook_timeout: std::time::Duration) -> Router<App> {
    let webhooks = Router::new()
        .route("/webhooks/shopify/{connection}", post(shopify_webhook))
        .route("/webhooks/wms/{connection}", post(wms_webhook))
        .route("/webhooks/helpdesk/{connection}", post(helpdesk_webhook))
        .route("/webhooks/woocommerce/{connection}", post(webhooks::woocommerce))
        .route("/webhooks/bigcommerce/{connection}", post(webhooks::bigcommerce))
        .route("/webhooks/carrier/{connection}", post(webhooks::carrier))
        .route_layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            webhook_timeout,
        ));
    Router::new()
        .merge(webhooks)
        .route("/", get(dashboard::page))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .route("/v1/events", post(post_events))
        .route("/v1/orders", get(list_orders))
        .route("/v1/orders/{id}", get(get_order))
        .route("/v1/orders/{id}/tracking", get(crate::tracking::get_tracking))
        .route("/v1/tracking", get(crate::tracking::search))
        .route("/v1/ask", post(crate::ask::ask))
        .route("/v1/returns", post(crate::returns::create))
        .route("/v1/returns/{rma}", get(crate::returns::get_one))
        .route("/v1/returns/{rma}/label.pdf", get(crate::returns::label))
        .route("/v1/orders/{id}/packing-slip.pdf", get(crate::returns::packing_slip))
        .route("/v1/decisions", get(list_decisions))
        .route("/v1/risk/training-data", get(training::risk_csv))
        .route("/v1/inventory/{sku}", get(inventory::get_inventory))
        .route("/v1/inventory/{sku}/movements", get(inventory::get_movements))
        .route("/v1/reservations", post(inventory::post_reservation))
        .route("/v1/reservations/{id}", axum::routing::delete(inventory::delete_reservation))
        .route("/v1/availability", post(inventory::post_availability))
        .route("/v1/plan/sourcing", post(plan::sourcing))
        .route("/v1/release", post(release::release))
        .route("/v1/stats", get(stats))
        .route("/v1/outbox", get(outbox::list))
        .route("/v1/outbox/replay", post(outbox::replay))
        .route("/v1/outbox/{id}", get(outbox::get_one))
        .route("/v1/outbox/{id}/replay", post(outbox::replay_one))
        .route("/v1/reconciliations", post(reconcile::post_reconciliation))
        .route("/v1/connections", get(connections::list))
        .route("/v1/connections/{id}/check", post(connections::check))
        .route("/v1/connections/{id}/reconcile", post(reconcile::post_pull))
        .route("/v1/discrepancies", get(reconcile::list_discrepancies))
        .route("/v1/discrepancies/{id}/accept", post(reconcile::accept))
        .route("/v1/discrepancies/{id}/reject", post(reconcile::reject))
        .route("/v1/reviews", get(reviews::list))
        .route("/v1/reviews/{id}", get(reviews::get_one))
        .route("/v1/reviews/{id}/approve", post(reviews::approve))
        .route("/v1/reviews/{id}/reject", post(reviews::reject))
        .route("/v1/reviews/{id}/assign", post(reviews::assign))
        .route("/v1/autonomy", get(reviews::get_autonomy))
        .route("/v1/autonomy/{workflow}", axum::routing::put(reviews::put_autonomy))
        .route("/v1/audit", get(audit::list))
        .route("/v1/audit/verify", get(audit::verify))
        .route("/v1/keys", get(keys::list).post(keys::create))
        .route("/v1/keys/{id}", axum::routing::delete(keys::revoke))
        .route("/edi/{connection}", post(edi_inbound))
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "no_such_route", "No such endpoint. Hint: see /openapi.json.") })
}

/// The body bytes, with axum's own rejections turned into our error shape.
pub(crate) fn body(bytes: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    bytes.map_err(|rejection| {
        let status = rejection.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                status,
                "payload_too_large",
                "The body is larger than this server accepts (server.max_body). Hint: split the batch.",
            )
        } else {
            ApiError::new(StatusCode::BAD_REQUEST, "unreadable_body", rejection.body_text())
        }
    })
}

/// `cursor` (an id from the previous page's `next`) and `limit` of a list.
pub(crate) fn page_params(params: &HashMap<String, String>, default: usize, max: usize) -> Result<(u64, usize), ApiError> {
    let limit = match params.get("limit") {
        None => default,
        Some(raw) => raw.parse::<usize>().ok().filter(|l| (1..=max).contains(l)).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_limit",
                format!("limit is a whole number from 1 to {max}."),
            )
            .field("limit")
        })?,
    };
    let after = match params.get("cursor") {
        None => 0,
        Some(raw) => raw.parse::<u64>().map_err(|_| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_cursor",
                "cursor is the `next` value of the previous page.",
            )
            .field("cursor")
        })?,
    };
    Ok((after, limit))
}

/// Refuses query parameters the endpoint does not know (a typo is not ignored).
pub(crate) fn unknown_params(params: &HashMap<String, String>, known: &[&str]) -> Result<(), ApiError> {
    match params.keys().find(|k| !known.contains(&k.as_str())) {
        Some(unknown) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "unknown_parameter",
            format!("Unknown query parameter `{unknown}`; known: {}.", known.join(", ")),
        )
        .field(unknown.clone())),
        None => Ok(()),
    }
}

fn receipt_response(receipt: Receipt) -> Response {
    let duplicates = receipt.outcomes.iter().filter(|o| o.duplicate).count();
    Json(json!({
        "accepted": receipt.outcomes.len() - duplicates,
        "duplicates": duplicates,
        "idempotent_replay": receipt.idempotent_replay,
        "events": receipt.outcomes,
    }))
    .into_response()
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

async fn readyz(State(app): State<App>) -> Response {
    let store = app.store.clone();
    match tokio::task::spawn_blocking(move || store.event_count()).await {
        Ok(Ok(events)) => Json(json!({"status": "ready", "events": events})).into_response(),
        _ => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "not_ready", "The store is not readable yet.").into_response(),
    }
}

async fn metrics(State(app): State<App>) -> Response {
    let store = app.store.clone();
    if let Ok(Ok(stats)) = tokio::task::spawn_blocking(move || store.stats()).await {
        metrics::gauge!("crossdock_outbox_depth").set(stats.outbox_depth as f64);
        metrics::gauge!("crossdock_log_last_seq").set(stats.last_seq as f64);
        for (status, count) in OrderStatus::ALL.iter().zip(stats.counters.orders_by_status) {
            metrics::gauge!("crossdock_orders", "status" => status.as_str()).set(count as f64);
        }
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], metrics_setup::render()).into_response()
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

async fn post_events(State(app): State<App>, headers: HeaderMap, bytes: Result<Bytes, BytesRejection>) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::WriteEvents)?;
    require_json(&headers)?;
    let bytes = body(bytes)?;
    let mut batch: EventBatch = parse_json(&bytes)?;
    // Only into tenants the caller may write to.
    for (i, event) in batch.events.iter_mut().enumerate() {
        let tenant = who
            .tenant(&app, event.tenant.as_ref().map(|t| t.as_str()))
            .map_err(|e| e.field(format!("events[{i}].tenant")))?;
        event.tenant = Some(tenant);
    }
    let key = match headers.get("idempotency-key") {
        Some(v) => Some(
            v.to_str()
                .map_err(|_| {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "invalid_idempotency_key",
                        "Idempotency-Key must be printable ASCII.",
                    )
                    .field("Idempotency-Key")
                })?
                .to_owned(),
        ),
        None => None,
    };
    let receipt = ingest(
        &app,
        batch.events,
        Origin {
            prefix: "events",
            connection: None,
        },
        key.map(|k| (k, &bytes[..])),
    )
    .await?;
    Ok(receipt_response(receipt))
}

async fn get_order(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::ReadOrders)?;
    let tenant = who.tenant(&app, params.get("tenant").map(String::as_str))?;
    let store = app.store.clone();
    let lookup = id.clone();
    let order = tokio::task::spawn_blocking(move || store.order(&tenant, &lookup))
        .await
        .map_err(|_| ApiError::internal())??;
    let Some(order) = order.filter(|o| who.sees_order(&app, o)) else {
        return Err(ApiError::not_found("order", &id));
    };
    let order = access::order_view(&who, order);
    // The calls made on this order, newest last.
    let store = app.store.clone();
    let (tenant, subject) = (order.tenant.clone(), order.id.to_string());
    let decisions = tokio::task::spawn_blocking(move || store.decisions(&tenant, Some(&subject), None, 0, 100))
        .await
        .map_err(|_| ApiError::internal())??;
    let store = app.store.clone();
    let (tenant, subject) = (order.tenant.clone(), order.id.to_string());
    let outcomes = tokio::task::spawn_blocking(move || store.outcomes(&tenant, Some(&subject), None, 0, 100))
        .await
        .map_err(|_| ApiError::internal())??;
    let mut body = serde_json::to_value(&order).map_err(|_| ApiError::internal())?;
    body["outcomes"] = outcomes
        .into_iter()
        .map(|(_, o)| json!({"kind": o.kind, "detail": o.detail, "at": o.created_at}))
        .collect();
    body["decisions"] = decisions
        .iter()
        .map(|d| {
            json!({"id": d.id, "kind": d.kind, "output": d.output, "confidence": d.confidence,
                   "explanation": d.explanation, "model": d.model, "created_at": d.created_at})
        })
        .collect();
    // A carrier decision carries the label address: personal data too.
    if !who.pii() {
        access::mask_personal(&mut body["decisions"]);
    }
    Ok(Json(body).into_response())
}

/// `GET /v1/decisions?subject=&kind=&tenant=&cursor=&limit=`
async fn list_decisions(
    State(app): State<App>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::ReadDecisions)?;
    let tenant = who.tenant(&app, params.get("tenant").map(String::as_str))?;
    const KINDS: [&str; 5] = ["triage", "risk", "sourcing", "carrier", "release"];
    if let Some(k) = params.get("kind").filter(|k| !KINDS.contains(&k.as_str())) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_kind",
            format!("`{k}` is not a decision kind; one of {}.", KINDS.join(", ")),
        )
        .field("kind"));
    }
    let limit = match params.get("limit") {
        None => 100,
        Some(raw) => raw.parse::<usize>().ok().filter(|l| (1..=1000).contains(l)).ok_or_else(|| {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_limit", "limit is a whole number from 1 to 1000.").field("limit")
        })?,
    };
    let after = match params.get("cursor") {
        None => 0,
        Some(raw) => raw.parse::<u64>().map_err(|_| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_cursor",
                "cursor is the `next` value of the previous page.",
            )
            .field("cursor")
        })?,
    };
    let store = app.store.clone();
    // A subject may be any id the order is known by.
    let subject = match params.get("subject") {
        None => None,
        Some(reference) => {
            let (store, t, r) = (app.store.clone(), tenant.clone(), reference.clone());
            let order = tokio::task::spawn_blocking(move || store.order(&t, &r))
                .await
                .map_err(|_| ApiError::internal())??;
            if order.as_ref().is_some_and(|o| !who.sees_order(&app, o)) {
                return Err(ApiError::not_found("order", reference));
            }
            Some(order.map_or_else(|| reference.clone(), |o| o.id.to_string()))
        }
    };
    let kind = params.get("kind").cloned();
    let (t, narrowed) = (
        tenant.clone(),
        who.scope.clients.is_some() || who.scope.nodes.is_some() || who.scope.regions.is_some(),
    );
    let mut items = tokio::task::spawn_blocking(move || store.decisions(&t, subject.as_deref(), kind.as_deref(), after, limit + 1))
        .await
        .map_err(|_| ApiError::internal())??;
    // A caller scoped to clients or nodes sees decisions on its orders only.
    if narrowed {
        items.retain(|d| {
            app.store
                .order(&tenant, &d.subject)
                .ok()
                .flatten()
                .is_some_and(|o| who.sees_order(&app, &o))
        });
    }
    let next = (items.len() > limit).then(|| items[limit - 1].id.to_string());
    items.truncate(limit);
    let mut items = serde_json::to_value(&items).map_err(|_| ApiError::internal())?;
    if !who.pii() {
        access::mask_personal(&mut items);
    }
    Ok(Json(json!({ "items": items, "next": next })).into_response())
}

pub(crate) fn parse_time(params: &HashMap<String, String>, name: &str) -> Result<Option<jiff::Timestamp>, ApiError> {
    params
        .get(name)
        .map(|raw| {
            raw.parse::<jiff::Timestamp>()
                .or_else(|_| {
                    raw.parse::<jiff::civil::Date>()
                        .map(|d| d.to_zoned(jiff::tz::TimeZone::UTC).map(|z| z.timestamp()).unwrap_or_default())
                })
                .map_err(|_| {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "invalid_time",
                        format!("`{raw}` is not an RFC 3339 time or a YYYY-MM-DD date."),
                    )
                    .field(name)
                })
        })
        .transpose()
}

async fn list_orders(
    State(app): State<App>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::ReadOrders)?;
    const KNOWN: [&str; 8] = ["tenant", "customer", "status", "po", "since", "until", "cursor", "limit"];
    if let Some(unknown) = params.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "unknown_parameter",
            format!("Unknown query parameter `{unknown}`; known: {}.", KNOWN.join(", ")),
        )
        .field(unknown.clone()));
    }
    let tenant = who.tenant(&app, params.get("tenant").map(String::as_str))?;
    let status = match params.get("status") {
        Some(raw) => Some(OrderStatus::parse(raw).ok_or_else(|| {
            let known: Vec<&str> = OrderStatus::ALL.iter().map(|s| s.as_str()).collect();
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_status",
                format!("`{raw}` is not an order status; one of {}.", known.join(", ")),
            )
            .field("status")
        })?),
        None => None,
    };
    let limit = match params.get("limit") {
        Some(raw) => raw.parse::<usize>().ok().filter(|n| (1..=500).contains(n)).ok_or_else(|| {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_limit", "limit is a whole number from 1 to 500.").field("limit")
        })?,
        None => 50,
    };
    let query = OrderQuery {
        customer: params.get("customer").cloned(),
        status,
        po: params.get("po").cloned(),
        since: parse_time(&params, "since")?,
        until: parse_time(&params, "until")?,
    };
    let cursor = params.get("cursor").cloned();
    let store = app.store.clone();
    let mut page = tokio::task::spawn_blocking(move || store.orders(&tenant, &query, cursor.as_deref(), limit))
        .await
        .map_err(|_| ApiError::internal())??;
    // Out of scope rows are left out (the cursor still walks the whole list).
    page.items = page
        .items
        .into_iter()
        .filter(|o| who.sees_order(&app, o))
        .map(|o| access::order_view(&who, o))
        .collect();
    Ok(Json(page).into_response())
}

async fn stats(State(app): State<App>, headers: HeaderMap) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::ReadOrders)?;
    // Counts over every tenant: only for callers not bound to a scope.
    if !who.scope.is_unrestricted() {
        return Err(ApiError::forbidden(
            "Statistics cover every tenant; your access is scoped. Hint: use /v1/orders with your tenant.",
        ));
    }
    let store = app.store.clone();
    let stats = tokio::task::spawn_blocking(move || store.stats())
        .await
        .map_err(|_| ApiError::internal())??;
    let by_status: serde_json::Map<String, serde_json::Value> = OrderStatus::ALL
        .iter()
        .zip(stats.counters.orders_by_status)
        .map(|(s, n)| (s.as_str().to_owned(), json!(n)))
        .collect();
    Ok(Json(json!({
        "events": stats.counters.events,
        "last_seq": stats.last_seq,
        "orders_by_status": by_status,
        "orders_with_exceptions": stats.counters.orders_with_exceptions,
        "items": stats.counters.items,
        "outbox_depth": stats.outbox_depth,
        "started_at": app.started,
    }))
    .into_response())
}

/// Ingests what a connection sent and answers with the receipt.
pub(crate) async fn from_connection(app: &App, id: &str, conn: &ConnectionConfig, events: Vec<model::Event>) -> Result<Response, ApiError> {
    let receipt = ingest(
        app,
        events,
        Origin {
            prefix: "body",
            connection: Some((id, conn)),
        },
        None,
    )
    .await?;
    Ok(receipt_response(receipt))
}

/// The configured connection of the expected kind, or 404.
pub(crate) fn connection<'a>(
    app: &'a App,
    id: &str,
    kind: model::tenant::ConnectionKind,
) -> Result<(&'a str, &'a ConnectionConfig), ApiError> {
    app.config
        .connections
        .iter()
        .find(|(k, c)| k.as_str() == id && c.kind() == kind)
        .map(|(k, c)| (k.as_str(), c))
        .ok_or_else(|| ApiError::not_found("connection", id).field("connection"))
}

pub(crate) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// GitHub-style `X-Crossdock-Signature`, or a credential in `Authorization`
/// that may write the connection's tenant's events.
async fn verify_signed(app: &App, headers: &HeaderMap, conn: &ConnectionConfig, body: &[u8]) -> Result<(), ApiError> {
    if access::admits(app, headers, &conn.tenant).await {
        return Ok(());
    }
    let valid = header_str(headers, "x-crossdock-signature")
        .is_some_and(|sig| connectors::signature::verify_hex_sha256(&conn.secrets(), body, sig));
    if valid {
        Ok(())
    } else {
        metrics::counter!("crossdock_auth_failures_total").increment(1);
        Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_signature",
            "The webhook signature is missing or wrong. Hint: X-Crossdock-Signature: sha256=<hex HMAC-SHA256 of the raw body with the connection secret>.",
        )
        .field("X-Crossdock-Signature"))
    }
}

async fn shopify_webhook(
    State(app): State<App>,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (id, conn) = connection(&app, &id, model::tenant::ConnectionKind::Shopify)?;
    let bytes = body(bytes)?;
    let hmac = header_str(&headers, "x-shopify-hmac-sha256").unwrap_or_default();
    if !connectors::signature::verify_shopify(&conn.secrets(), &bytes, hmac) {
        metrics::counter!("crossdock_auth_failures_total").increment(1);
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_signature",
            "X-Shopify-Hmac-Sha256 is missing or does not match the body.",
        )
        .field("X-Shopify-Hmac-Sha256"));
    }
    let webhook = connectors::shopify::parse_headers(|name| header_str(&headers, name))?;
    let connectors::connector::Connector::Shopify(settings) = &conn.connector else {
        return Err(ApiError::internal());
    };
    let events = match connectors::shopify::to_events_with(&webhook, &bytes, id, settings) {
        // Shopify retries a 4xx and finally drops the subscription: a verified
        // delivery of a topic we do not handle is acknowledged and ignored.
        Err(connectors::Error::UnsupportedTopic(topic)) => {
            tracing::info!(connection = id, %topic, "Ignored a Shopify topic this connector does not handle.");
            return Ok(
                Json(json!({"accepted": 0, "duplicates": 0, "ignored": true, "reason": format!("topic `{topic}` is not handled")}))
                    .into_response(),
            );
        }
        other => other?,
    };
    // Understood and deliberately not recorded (a fulfillment that did not
    // ship, the echo of a stock level crossdock set): acknowledged.
    if events.is_empty() {
        return Ok(Json(json!({"accepted": 0, "duplicates": 0, "ignored": true})).into_response());
    }
    from_connection(&app, id, conn, events).await
}

async fn wms_webhook(
    State(app): State<App>,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (id, conn) = connection(&app, &id, model::tenant::ConnectionKind::Wms)?;
    let bytes = body(bytes)?;
    verify_signed(&app, &headers, conn, &bytes).await?;
    require_json(&headers)?;
    // A vendor-mapped WMS: its payload is mapped onto the canonical event first.
    let events = match &conn.mapping {
        Some(mapping) => mapping.to_events(&bytes, id)?,
        None => connectors::wms::to_events(&bytes, id)?,
    };
    from_connection(&app, id, conn, events).await
}

async fn helpdesk_webhook(
    State(app): State<App>,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (id, conn) = connection(&app, &id, model::tenant::ConnectionKind::Helpdesk)?;
    let bytes = body(bytes)?;
    verify_signed(&app, &headers, conn, &bytes).await?;
    require_json(&headers)?;
    let event = connectors::helpdesk::to_event(&bytes, id)?;
    from_connection(&app, id, conn, vec![event]).await
}

/// An X12 interchange from a trading partner. Answered with the
/// acknowledgement interchange (997, and a TA1 where the envelope needs one),
/// which accepts or rejects each transaction set and names the segment and
/// element at fault. Only accepted transaction sets become events.
async fn edi_inbound(
    State(app): State<App>,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    use connectors::edi;
    let (id, conn) = connection(&app, &id, model::tenant::ConnectionKind::Edi)?;
    let bytes = body(bytes)?;
    verify_signed(&app, &headers, conn, &bytes).await?;
    let now = jiff::Timestamp::now();
    let mut ctx = edi::MapContext::new(id, now);
    if let Some(node) = conn.nodes.first() {
        ctx = ctx.with_node(node.clone());
    }
    let control = app.next_edi_control();
    let settings = edi::AckSettings {
        interchange_control: control,
        group_control: control,
        at: now.to_zoned(jiff::tz::TimeZone::UTC).datetime(),
        strictness: edi::Strictness::Strict,
    };
    let received = edi::receive(&bytes, &ctx, &settings).map_err(|e| ApiError::from(connectors::Error::from(e)).field("body"))?;
    for problem in &received.problems {
        tracing::info!(connection = id, code = problem.code(), field = %problem.field(), "EDI problem reported in the acknowledgement.");
    }
    if !received.events.is_empty() {
        ingest(
            &app,
            received.events,
            Origin {
                prefix: "body",
                connection: Some((id, conn)),
            },
            None,
        )
        .await?;
    }
    Ok(([(header::CONTENT_TYPE, "application/edi-x12")], received.ack).into_response())
}

pub(crate) fn html(body: &'static str) -> Html<&'static str> {
    Html(body)
}
