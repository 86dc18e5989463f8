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
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
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
            E::IdempotencyInFlight(key) => ApiError::new(
                StatusCode::CONFLICT,
                "idempotency_key_in_use",
                format!("A request with Idempotency-Key `{key}` is still being processed; retry shortly."),
            )
            .field("Idempotency-Key"),
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
        }
    }
}
