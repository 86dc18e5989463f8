//! From request bytes to durable events: strict JSON with field paths,
//! tenant and node checks, then the store's atomic append.

use axum::http::{HeaderMap, StatusCode, header};
use model::{Event, TenantId};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use store::{IdempotencyKey, Receipt};

use crate::config::ConnectionConfig;
use crate::{ApiError, App};

/// Refuses bodies that are not JSON by their `Content-Type`.
pub fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let ok = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "The body must be JSON. Hint: send `Content-Type: application/json`.",
        )
        .field("Content-Type"))
    }
}

/// Parses JSON, naming the field at fault: syntax errors are 400 with the
/// position, schema errors 422 with the path (`events[2].data.lines[0].quantity`).
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    // Fast path first; the path-tracking parse runs only to name an error's field.
    if let Ok(value) = serde_json::from_slice::<T>(body) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return malformed(&inner);
        }
        let message = inner.to_string();
        // serde appends " at line L column C"; the path says more.
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .trim_end_matches('.')
            .to_owned();
        // An error inside a buffered `data` carries its own path (see model::event::NESTED_PATH).
        let (path, message) = match model::event::split_nested_path(&message) {
            Some((inner_path, inner_message)) => (format!("{path}.{inner_path}"), inner_message.trim_end_matches('.').to_owned()),
            None => (path, message),
        };
        let code = if path.ends_with(".type") && message.starts_with("unknown variant") {
            "unknown_event_type"
        } else {
            "invalid_field"
        };
        let field = if path == "." { None } else { Some(path) };
        let mut err = ApiError::invalid(
            code,
            format!("{}{message}.", field.as_ref().map(|f| format!("`{f}`: ")).unwrap_or_default()),
        );
        err.field = field;
        err
    })?;
    de.end().map_err(|e| malformed(&e))?;
    Ok(value)
}

fn malformed(e: &serde_json::Error) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "malformed_json",
        format!("The body is not valid JSON: {e}."),
    )
}

/// The body of `POST /v1/events`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventBatch {
    pub events: Vec<Event>,
}

/// A quantity in eaches. Cases are converted with the item's pack size; a
/// unit that cannot be converted is an error naming the field, never a guess.
pub fn to_eaches(
    app: &App,
    tenant: &TenantId,
    sku: &model::Sku,
    quantity: model::Quantity,
    unit: Option<model::item::UnitOfMeasure>,
    field: &str,
) -> Result<model::Quantity, ApiError> {
    use model::item::UnitOfMeasure;
    match unit.unwrap_or_default() {
        UnitOfMeasure::Each => Ok(quantity),
        UnitOfMeasure::Case => {
            let Some(size) = app.store.pack_size(tenant, sku.as_str()) else {
                return Err(ApiError::invalid(
                    "unknown_pack_size",
                    format!("SKU `{sku}` has no known pack size, so {quantity} case(s) cannot be converted to eaches. Hint: send item.upserted with `pack_size`, or send eaches."),
                )
                .field(field));
            };
            quantity
                .units()
                .checked_mul(i64::from(size))
                .and_then(|u| model::Quantity::new(u).ok())
                .ok_or_else(|| ApiError::invalid("invalid_quantity", format!("{quantity} case(s) of {size} is out of range.")).field(field))
        }
        other => Err(ApiError::invalid(
            "unsupported_unit",
            format!(
                "Quantities in `{}` cannot be converted for `{sku}`. Hint: send eaches or cases.",
                other.as_str()
            ),
        )
        .field(field)),
    }
}

/// Where a batch came from, for tenant defaults and node checks.
pub struct Origin<'a> {
    /// `events` for the API, `body` for webhooks.
    pub prefix: &'a str,
    pub connection: Option<(&'a str, &'a ConnectionConfig)>,
}

impl Origin<'_> {
    /// The field path to report. A webhook sender knows its own payload, not
    /// the canonical events it was mapped to: `body[0].data.node` is `node`.
    fn field(&self, index: usize, path: &str) -> String {
        match self.connection {
            Some(_) => path.strip_prefix("data.").unwrap_or(path).to_owned(),
            None => format!("{}[{index}].{path}", self.prefix),
        }
    }
}

/// Checks every event against the configuration, then appends the batch.
pub async fn ingest(
    app: &App,
    mut events: Vec<Event>,
    origin: Origin<'_>,
    idempotency_key: Option<(String, &[u8])>,
) -> Result<Receipt, ApiError> {
    if events.is_empty() {
        return Err(ApiError::invalid("empty_batch", "The batch holds no events.").field(origin.prefix));
    }
    let max = app.config.server.max_batch_events;
    if events.len() > max {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            format!("A batch holds at most {max} events; got {}. Hint: split it.", events.len()),
        )
        .field(origin.prefix));
    }
    let default_tenant = match origin.connection {
        Some((_, conn)) => Some(&conn.tenant),
        None => app.config.default_tenant(),
    };
    for (i, event) in events.iter_mut().enumerate() {
        let at = |field: &str| origin.field(i, field);
        if matches!(
            event.body.kind(),
            model::EventKind::ReservationCreated | model::EventKind::ReservationReleased
        ) {
            return Err(ApiError::invalid(
                "reserved_event_type",
                "Reservation events are written by crossdock itself, after checking stock. Hint: use POST /v1/reservations and DELETE /v1/reservations/{id}.",
            )
            .field(at("type")));
        }
        event.validate().map_err(|e| {
            let field = e.field.clone().map(|f| at(&f));
            ApiError {
                field,
                ..ApiError::from(e)
            }
        })?;
        let tenant: TenantId = match (&event.tenant, default_tenant, origin.connection) {
            (Some(t), _, Some((id, conn))) if *t != conn.tenant => {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "tenant_mismatch",
                    format!("Connection `{id}` belongs to tenant `{}`, not `{t}`.", conn.tenant),
                )
                .field(at("tenant")));
            }
            (Some(t), _, _) => t.clone(),
            (None, Some(t), _) => t.clone(),
            (None, None, _) => {
                return Err(
                    ApiError::invalid("tenant_required", "Several tenants are configured: say which one the event is for.")
                        .field(at("tenant")),
                );
            }
        };
        if !app.config.tenants.contains_key(&tenant) {
            return Err(ApiError::invalid(
                "unknown_tenant",
                format!("Tenant `{tenant}` is not configured. Hint: add it under [tenants] in crossdock.toml."),
            )
            .field(at("tenant")));
        }
        for (field, node) in event.body.nodes() {
            let via = origin.connection.map(|(id, _)| format!(" (connection `{id}`)")).unwrap_or_default();
            match app.config.nodes.get(node) {
                Some(n) if n.tenant == tenant => {}
                _ => {
                    return Err(ApiError::invalid("unknown_node", format!("Node `{node}` is not configured for tenant `{tenant}`{via}. Hint: add it under [nodes] in crossdock.toml or fix the mapping."))
                        .field(at(field)));
                }
            }
            if let Some((id, conn)) = origin.connection
                && !conn.nodes.is_empty()
                && !conn.nodes.contains(node)
            {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "node_not_allowed",
                    format!(
                        "Connection `{id}` does not report for node `{node}`; it is configured for {:?}.",
                        conn.nodes.iter().map(|n| n.as_str()).collect::<Vec<_>>()
                    ),
                )
                .field(at(field)));
            }
        }
        match &mut event.body {
            model::EventBody::InventoryAdjusted(a) => a.delta = to_eaches(app, &tenant, &a.sku, a.delta, a.unit.take(), &at("data.delta"))?,
            model::EventBody::InventorySnapshot(s) => {
                s.on_hand = to_eaches(app, &tenant, &s.sku, s.on_hand, s.unit.take(), &at("data.on_hand"))?
            }
            _ => {}
        }
        if let Some((id, _)) = origin.connection {
            event.source = id.to_owned();
        }
        event.tenant = Some(tenant);
    }
    let idempotency = match idempotency_key {
        Some((key, body)) => {
            if key.is_empty() || key.len() > 255 {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_idempotency_key",
                    "Idempotency-Key must be 1 to 255 characters.",
                )
                .field("Idempotency-Key"));
            }
            let tenant = events[0].tenant.clone().expect("set above");
            Some(IdempotencyKey {
                tenant,
                key,
                request_hash: hex::encode(Sha256::digest(body)),
            })
        }
        None => None,
    };
    let count = events.len() as u64;
    let receipt = app.store.append(events, idempotency).await.map_err(|e| {
        let index = match &e {
            store::Error::UnknownOrder { index, .. } | store::Error::AmbiguousOrder { index, .. } => Some(*index),
            _ => None,
        };
        let mut err = ApiError::from(e);
        if let Some(index) = index {
            err.field = Some(origin.field(index, "data.order_id"));
        }
        err
    })?;
    metrics::counter!("crossdock_events_received_total", "origin" => origin.prefix.to_owned()).increment(count);
    Ok(receipt)
}
