//! The one error type of the HTTP API: `{code, message, field?}` with the
//! right status. Internal failures are logged, never returned verbatim.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ApiError {
    #[serde(skip)]
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Structured specifics, e.g. the shortfall per SKU of a refused reservation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            details: None,
        }
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "missing_or_invalid_api_key",
            "This endpoint needs an API key. Hint: send `Authorization: Bearer <key>`; `crossdock demo` prints one.",
        )
    }

    pub fn not_found(what: &str, id: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("No {what} `{id}` is known here."))
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Something went wrong on our side; it has been logged.",
        )
    }

    /// The caller is known but its role or scope does not allow this.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(code = self.code, message = %self.message, "Request failed.");
        }
        (self.status, Json(self)).into_response()
    }
}

impl From<model::Error> for ApiError {
    fn from(e: model::Error) -> Self {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: e.code,
            message: e.message,
            field: e.field,
            details: None,
        }
    }
}

impl From<engine::Error> for ApiError {
    fn from(e: engine::Error) -> Self {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: e.code(),
            message: e.to_string(),
            field: e.field().map(str::to_owned),
            details: None,
        }
    }
}

impl From<store::Error> for ApiError {
    fn from(e: store::Error) -> Self {
        use store::Error as E;
        match &e {
            E::UnknownOrder { index, tenant, reference } => ApiError::invalid(
                "unknown_order",
                format!(
                    "Order `{reference}` is not known for tenant `{tenant}`. Hint: send its order.created first, or use an id it is known by (crossdock id, storefront id or name, PO number, WMS key)."
                ),
            )
            .field(format!("events[{index}].data.order_id")),
            E::AmbiguousOrder { index, reference, candidates } => ApiError::new(
                StatusCode::CONFLICT,
                "ambiguous_order",
                format!("`{reference}` names {candidates} orders. Hint: use crossdock's order id."),
            )
            .field(format!("events[{index}].data.order_id")),
            E::IdempotencyConflict(key) => ApiError::new(
                StatusCode::CONFLICT,
                "idempotency_key_reused",
                format!("Idempotency-Key `{key}` was used before with a different body. Hint: use a new key for a new request."),
            )
            .field("Idempotency-Key"),
            E::UnknownSku { index, sku, tenant } => ApiError::invalid(
                "unknown_sku",
                format!("SKU `{sku}` is not known for tenant `{tenant}`. Hint: send an item.upserted event or an inventory event for it, or check the connection's SKU mapping."),
            )
            .field(format!("lines[{index}].sku")),
            E::InsufficientStock(shortfalls) => {
                let list: Vec<String> = shortfalls
                    .iter()
                    .map(|s| format!("`{}`{}: {} requested, {} available", s.sku, s.node.as_ref().map(|n| format!(" at `{n}`")).unwrap_or_default(), s.requested, s.available))
                    .collect();
                let mut err = ApiError::new(
                    StatusCode::CONFLICT,
                    "insufficient_stock",
                    format!("Not enough stock: {}. Nothing was reserved. Hint: send \"mode\": \"partial\" to reserve what is there and backorder the rest.", list.join("; ")),
                )
                .field("lines");
                err.details = serde_json::to_value(shortfalls).ok().map(|s| serde_json::json!({ "shortfalls": s }));
                err
            }
            E::UnknownReservation(id) => ApiError::not_found("active reservation", id),
            E::UnknownAction(id) => ApiError::not_found("review item", &id.to_string()),
            E::ActionDecided(id, status) => ApiError::new(
                StatusCode::CONFLICT,
                "already_decided",
                format!("Review item {id} is already {status}; only items waiting for review can be approved or rejected."),
            ),
            E::UnknownDiscrepancy(id) => ApiError::not_found("discrepancy", &id.to_string()),
            E::DiscrepancyResolved(id, status) => {
                ApiError::new(StatusCode::CONFLICT, "already_resolved", format!("Discrepancy {id} is already {status}; only open ones can be accepted or rejected."))
            }
            E::InvalidCursor(c) => ApiError::new(StatusCode::BAD_REQUEST, "invalid_cursor", format!("`{c}` is not a cursor this list returned.")).field("cursor"),
            E::Invalid(m) => ApiError::invalid("invalid_request", m.clone()),
            E::Closed => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "shutting_down", "crossdock is shutting down; retry against another instance or shortly."),
            _ => {
                tracing::error!(error = %e, "Store failure.");
                ApiError::internal()
            }
        }
    }
}

impl From<connectors::Error> for ApiError {
    fn from(e: connectors::Error) -> Self {
        let status = match e.code() {
            "invalid_signature" => StatusCode::UNAUTHORIZED,
            "missing_header" => StatusCode::BAD_REQUEST,
            "invalid_payload" => StatusCode::BAD_REQUEST,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        ApiError {
            status,
            code: e.code(),
            message: e.to_string(),
            field: e.field(),
            details: None,
        }
    }
}
