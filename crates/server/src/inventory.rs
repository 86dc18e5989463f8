//! Inventory endpoints: positions, reservations and availability.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use model::inventory::{DemandLine, InventoryView, ReservationMode};
use model::{NodeId, OrderId, Quantity, Sku, TenantId};
use serde::Deserialize;
use serde_json::json;

use crate::access::{self, Guard, Permission};
use crate::config::Span;
use crate::ingest::{parse_json, require_json};
use crate::routes::body;
use crate::{ApiError, App};

/// Longest time to live a reservation may ask for.
const MAX_TTL: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);
const DEFAULT_TTL: std::time::Duration = std::time::Duration::from_secs(15 * 60);

fn unknown_sku(tenant: &TenantId, sku: &str, field: String) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_sku",
        format!("SKU `{sku}` is not known for tenant `{tenant}`. Hint: send an item.upserted event or an inventory event for it, or check the connection's SKU mapping."),
    )
    .field(field)
}

pub async fn get_inventory(
    State(app): State<App>,
    headers: HeaderMap,
    Path(sku): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::ReadInventory)?;
    let tenant = who.tenant(&app, params.get("tenant").map(String::as_str))?;
    let parsed = Sku::parse(&sku).map_err(|e| ApiError::from(e).field("sku"))?;
    if !app.store.knows_item(&tenant, &sku) {
        return Err(ApiError {
            status: StatusCode::NOT_FOUND,
            ..unknown_sku(&tenant, &sku, "sku".into())
        });
    }
    let (positions, mut network_backordered) = app.store.inventory(&tenant, &sku);
    // A caller scoped to some nodes sees those nodes, and a network of them.
    let scoped = who.scope.nodes.is_some() || who.scope.regions.is_some();
    if scoped {
        network_backordered = 0;
    }
    let positions = positions
        .into_iter()
        .filter_map(|(node, buckets)| NodeId::parse(&node).ok().map(|n| (n, buckets)))
        .filter(|(n, _)| !scoped || who.sees_node(n.as_str(), access::node_region(&app, n)))
        .collect();
    let view = InventoryView::from_positions(parsed, positions, network_backordered);
    let atp_by_date = atp_by_date(view.network.atp, &app.store.future_supply(&tenant, &sku));
    let mut body = serde_json::to_value(&view).map_err(|_| ApiError::internal())?;
    body["network"]["atp_by_date"] = json!(atp_by_date);
    Ok(Json(body).into_response())
}

/// Cumulative network ATP on each day supply is expected: today's ATP plus
/// every in-transit and on-order quantity due by that day. Supply without an
/// expected date is left out: it cannot be promised for a day.
fn atp_by_date(atp_now: i64, supply: &[(String, Option<jiff::civil::Date>, i64)]) -> Vec<serde_json::Value> {
    let today = jiff::Zoned::now().date();
    let mut out = vec![json!({"date": today, "atp": atp_now})];
    let mut running = atp_now;
    for (_, date, units) in supply {
        let Some(date) = date else { continue };
        running += units;
        let date = (*date).max(today);
        match out.last_mut() {
            Some(last) if last["date"] == json!(date) => last["atp"] = json!(running),
            _ => out.push(json!({"date": date, "atp": running})),
        }
    }
    out
}

pub async fn get_movements(
    State(app): State<App>,
    headers: HeaderMap,
    Path(sku): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::ReadInventory)?;
    let tenant = who.tenant(&app, params.get("tenant").map(String::as_str))?;
    if !app.store.knows_item(&tenant, &sku) {
        return Err(ApiError {
            status: StatusCode::NOT_FOUND,
            ..unknown_sku(&tenant, &sku, "sku".into())
        });
    }
    let limit = match params.get("limit") {
        Some(raw) => raw.parse::<usize>().ok().filter(|n| (1..=1000).contains(n)).ok_or_else(|| {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_limit", "limit is a whole number from 1 to 1000.").field("limit")
        })?,
        None => 100,
    };
    if who.scope.nodes.is_some() || who.scope.regions.is_some() {
        let Some(node) = params.get("node") else {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "node_required",
                "Your access is scoped to some nodes: add `?node=`.",
            )
            .field("node"));
        };
        let visible = NodeId::parse(node)
            .ok()
            .is_some_and(|n| who.sees_node(n.as_str(), access::node_region(&app, &n)));
        if !visible {
            return Err(ApiError::not_found("node", node).field("node"));
        }
    }
    let (store, node, cursor) = (app.store.clone(), params.get("node").cloned(), params.get("cursor").cloned());
    let page = tokio::task::spawn_blocking(move || store.movements(&tenant, &sku, node.as_deref(), cursor.as_deref(), limit))
        .await
        .map_err(|_| ApiError::internal())??;
    Ok(Json(page).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReservationBody {
    #[serde(default)]
    tenant: Option<TenantId>,
    #[serde(default)]
    order_id: Option<OrderId>,
    lines: Vec<DemandLine>,
    #[serde(default)]
    mode: ReservationMode,
    /// Time to live, e.g. `15m`.
    #[serde(default)]
    ttl: Option<String>,
}

/// Tenant from the body, else `?tenant=`, else the only one configured.
fn tenant_of(app: &App, who: &access::Principal, given: Option<TenantId>, params: &HashMap<String, String>) -> Result<TenantId, ApiError> {
    let asked = given.as_ref().map(|t| t.as_str()).or(params.get("tenant").map(String::as_str));
    who.tenant(app, asked)
}

/// Shape checks shared by reservations and availability: positive whole
/// quantities, configured nodes of the tenant, SKUs some source reported.
fn check_lines(app: &App, tenant: &TenantId, lines: &mut [DemandLine]) -> Result<(), ApiError> {
    if lines.is_empty() {
        return Err(ApiError::invalid("invalid_request", "At least one line is needed.").field("lines"));
    }
    for (i, line) in lines.iter_mut().enumerate() {
        if line.quantity.units() <= 0 {
            return Err(ApiError::invalid(
                "invalid_quantity",
                format!("Quantity must be a positive whole number; got {}.", line.quantity),
            )
            .field(format!("lines[{i}].quantity")));
        }
        if let Some(node) = &line.node
            && app.config.nodes.get(node).is_none_or(|n| n.tenant != *tenant)
        {
            return Err(
                ApiError::invalid("unknown_node", format!("Node `{node}` is not configured for tenant `{tenant}`."))
                    .field(format!("lines[{i}].node")),
            );
        }
        if !app.store.knows_item(tenant, line.sku.as_str()) {
            return Err(unknown_sku(tenant, line.sku.as_str(), format!("lines[{i}].sku")));
        }
        line.quantity = crate::ingest::to_eaches(
            app,
            tenant,
            &line.sku,
            line.quantity,
            line.unit.take(),
            &format!("lines[{i}].quantity"),
        )?;
    }
    Ok(())
}

pub async fn post_reservation(
    State(app): State<App>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::Reserve)?;
    require_json(&headers)?;
    let bytes = body(bytes)?;
    let mut request: ReservationBody = parse_json(&bytes)?;
    let tenant = tenant_of(&app, &who, request.tenant.take(), &params)?;
    check_lines(&app, &tenant, &mut request.lines)?;
    let ttl = match &request.ttl {
        None => DEFAULT_TTL,
        Some(raw) => Span::parse(raw)
            .ok()
            .map(|s| s.0)
            .filter(|d| !d.is_zero() && *d <= MAX_TTL)
            .ok_or_else(|| {
                ApiError::invalid(
                    "invalid_ttl",
                    format!("`{raw}` is not a time to live above zero and at most 7 days, like `15m` (units ms, s, m, h)."),
                )
                .field("ttl")
            })?,
    };
    let idempotency = match headers.get("idempotency-key") {
        None => None,
        Some(v) => {
            let key = v.to_str().ok().filter(|k| !k.is_empty() && k.len() <= 255).ok_or_else(|| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_idempotency_key",
                    "Idempotency-Key must be 1 to 255 printable characters.",
                )
                .field("Idempotency-Key")
            })?;
            use sha2::Digest;
            Some(store::IdempotencyKey {
                tenant: tenant.clone(),
                key: key.to_owned(),
                request_hash: hex::encode(sha2::Sha256::digest(&bytes)),
            })
        }
    };
    let expires_at = jiff::Timestamp::now() + jiff::SignedDuration::try_from(ttl).map_err(|_| ApiError::internal())?;
    let reservation = app
        .store
        .reserve(store::ReserveRequest {
            tenant,
            order_id: request.order_id,
            lines: request.lines,
            mode: request.mode,
            expires_at,
            idempotency,
        })
        .await?;
    metrics::counter!("crossdock_reservations_total", "outcome" => "created").increment(1);
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": reservation.reservation_id,
            "order_id": reservation.order_id,
            "lines": reservation.lines,
            "backordered": reservation.backordered,
            "expires_at": reservation.expires_at,
        })),
    )
        .into_response())
}

pub async fn delete_reservation(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::Reserve)?;
    let tenant = who.tenant(&app, params.get("tenant").map(String::as_str))?;
    app.store.release(&tenant, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AvailabilityBody {
    #[serde(default)]
    tenant: Option<TenantId>,
    lines: Vec<AvailabilityLine>,
    /// Where it would ship; used for node preference by later sourcing work.
    #[serde(default)]
    #[allow(dead_code)]
    ship_to: Option<model::order::Address>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AvailabilityLine {
    sku: Sku,
    quantity: Quantity,
    #[serde(default)]
    unit: Option<model::item::UnitOfMeasure>,
}

/// Per line: the nodes and units that can be promised now, and what is short.
pub async fn post_availability(
    State(app): State<App>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::ReadInventory)?;
    require_json(&headers)?;
    let request: AvailabilityBody = parse_json(&body(bytes)?)?;
    let tenant = tenant_of(&app, &who, request.tenant, &params)?;
    let mut demand: Vec<DemandLine> = request
        .lines
        .iter()
        .map(|l| DemandLine {
            sku: l.sku.clone(),
            quantity: l.quantity,
            node: None,
            unit: l.unit,
        })
        .collect();
    check_lines(&app, &tenant, &mut demand)?;
    let today = jiff::Zoned::now().date();
    let mut promised_so_far: HashMap<(String, String), i64> = HashMap::new();
    let lines: Vec<serde_json::Value> = demand
        .iter()
        .map(|line| {
            let promised_so_far = &mut promised_so_far;
            let (positions, _) = app.store.inventory(&tenant, line.sku.as_str());
            // Earlier lines of the same SKU already took their share.
            let mut nodes: Vec<(String, i64)> = positions
                .into_iter()
                .map(|(n, b)| {
                    let taken = promised_so_far.get(&(line.sku.to_string(), n.clone())).copied().unwrap_or(0);
                    (n, (b.atp() - taken).max(0))
                })
                .filter(|(_, a)| *a > 0)
                .collect();
            nodes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let mut left = line.quantity.units();
            let mut from = Vec::new();
            for (node, atp) in nodes {
                if left == 0 {
                    break;
                }
                let take = atp.min(left);
                left -= take;
                *promised_so_far.entry((line.sku.to_string(), node.clone())).or_default() += take;
                from.push(json!({"node": node, "quantity": take}));
            }
            let promised = line.quantity.units() - left;
            // What is short now may be promised on the day enough supply is due.
            let mut short = left;
            let mut promise_date = (left == 0).then_some(today);
            let mut incoming = Vec::new();
            if short > 0 {
                for (node, date, units) in app.store.future_supply(&tenant, line.sku.as_str()) {
                    let Some(date) = date else { continue };
                    let take = units.min(short);
                    short -= take;
                    incoming.push(json!({"node": node, "quantity": take, "expected": date.max(today)}));
                    if short == 0 {
                        promise_date = Some(date.max(today));
                        break;
                    }
                }
            }
            json!({
                "sku": line.sku,
                "requested": line.quantity,
                "available": promised,
                "short": left,
                "nodes": from,
                "incoming": incoming,
                "promise_date": promise_date,
            })
        })
        .collect();
    Ok(Json(json!({ "lines": lines })).into_response())
}
