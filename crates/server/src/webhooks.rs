//! Webhooks of storefronts other than Shopify and of tracking aggregators:
//! each verified in its sender's own scheme, then mapped by its connector.

use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use connectors::carrier::Format;
use connectors::connector::Connector;
use model::tenant::ConnectionKind;
use serde_json::json;
use subtle::ConstantTimeEq;

use crate::access;
use crate::config::ConnectionConfig;
use crate::ingest::require_json;
use crate::routes::{body, connection, from_connection, header_str};
use crate::{ApiError, App};

fn refused(header: &str, hint: &str) -> ApiError {
    metrics::counter!("crossdock_auth_failures_total").increment(1);
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_signature",
        format!("{header} is missing or does not match. Hint: {hint}"),
    )
    .field(header)
}

/// A shared secret sent as is (a bearer token or a URL token), compared in constant time.
fn token_matches(conn: &ConnectionConfig, given: Option<&str>) -> bool {
    let Some(given) = given.map(str::trim).filter(|g| !g.is_empty()) else {
        return false;
    };
    conn.secrets().iter().any(|s| bool::from(s.ct_eq(given.as_bytes())))
}

/// `POST /webhooks/woocommerce/{connection}`: order webhooks signed with
/// `X-WC-Webhook-Signature` (base64 HMAC-SHA256 of the body). The ping
/// WooCommerce sends when a webhook is saved is answered 200, as it requires.
pub async fn woocommerce(
    State(app): State<App>,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    use connectors::woocommerce;
    let (id, conn) = connection(&app, &id, ConnectionKind::Woocommerce)?;
    let bytes = body(bytes)?;
    let mut webhook = woocommerce::parse_headers(|name| header_str(&headers, name))?;
    if webhook.is_ping(&bytes) {
        return Ok(Json(json!({"accepted": 0, "duplicates": 0, "ping": true})).into_response());
    }
    let signature = header_str(&headers, woocommerce::SIGNATURE_HEADER).unwrap_or_default();
    if !access::admits(&app, &headers, &conn.tenant).await
        && !connectors::signature::verify_base64_sha256(&conn.secrets(), &bytes, signature)
    {
        return Err(refused(
            woocommerce::SIGNATURE_HEADER,
            "the webhook's secret in WooCommerce must be the connection's secret.",
        ));
    }
    webhook.received_at = Some(jiff::Timestamp::now());
    let events = woocommerce::to_events(&webhook, &bytes, id)?;
    if events.is_empty() {
        return Ok(Json(json!({"accepted": 0, "duplicates": 0})).into_response());
    }
    from_connection(&app, id, conn, events).await
}

/// `POST /webhooks/bigcommerce/{connection}`: a thin order callback. The
/// webhook must be created with the header `Authorization: Bearer <secret>`
/// (BigCommerce sends the headers given at creation); crossdock then reads
/// the order from the store's API at `base_url` with `api_token`, and answers
/// 502 if it cannot, so BigCommerce retries the callback.
pub async fn bigcommerce(
    State(app): State<App>,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    use connectors::bigcommerce;
    let (id, conn) = connection(&app, &id, ConnectionKind::Bigcommerce)?;
    let bytes = body(bytes)?;
    let bearer = header_str(&headers, "authorization").and_then(|v| v.strip_prefix("Bearer "));
    if !access::admits(&app, &headers, &conn.tenant).await && !token_matches(conn, bearer) {
        return Err(refused(
            "Authorization",
            "create the BigCommerce webhook with the header `Authorization: Bearer <the connection's secret>`.",
        ));
    }
    require_json(&headers)?;
    let callback = match bigcommerce::parse_callback(&bytes) {
        Err(connectors::Error::UnsupportedTopic(scope)) => {
            return Ok(
                Json(json!({"accepted": 0, "duplicates": 0, "ignored": true, "reason": format!("scope `{scope}` is not handled")}))
                    .into_response(),
            );
        }
        other => other?,
    };
    let Some(base) = conn.base_url.as_deref() else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_configured",
            format!(
                "Connection `{id}` has no base_url to read the order from. Hint: set it to https://api.bigcommerce.com/stores/<hash> (through a TLS proxy) and set api_token."
            ),
        ));
    };
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|_| ApiError::internal())?;
    let mut answers = Vec::new();
    for request in &callback.fetch {
        let mut call = client.get(format!("{}{}", base.trim_end_matches('/'), request.path));
        for (name, value) in &request.headers {
            call = call.header(name, value);
        }
        if let Some(token) = &conn.api_token {
            call = call.header("X-Auth-Token", token.expose());
        }
        let upstream = |detail: String| {
            ApiError::new(
                StatusCode::BAD_GATEWAY,
                "upstream_unavailable",
                format!(
                    "Cannot read order {} from BigCommerce: {detail}. The callback can be retried.",
                    callback.order_id
                ),
            )
        };
        let response = call.send().await.map_err(|e| upstream(e.to_string()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(upstream(format!("{} {}", status.as_u16(), request.path)));
        }
        answers.push(response.bytes().await.map_err(|e| upstream(e.to_string()))?);
    }
    let [order, products, addresses] = answers.as_slice() else {
        return Err(ApiError::internal());
    };
    let events = bigcommerce::order_events(&callback, order, products, Some(addresses), id)?;
    from_connection(&app, id, conn, events).await
}

/// `POST /webhooks/carrier/{connection}`: tracking updates from the
/// connection's `format`. EasyPost signs with `X-Hmac-Signature`, AfterShip
/// with `aftership-hmac-sha256`; Shippo signs nothing, so its webhook URL
/// carries the connection's secret as `?token=…`.
pub async fn carrier(
    State(app): State<App>,
    Path(id): Path<String>,
    Query(query): Query<std::collections::HashMap<String, String>>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (id, conn) = connection(&app, &id, ConnectionKind::Carrier)?;
    let Connector::Carrier(settings) = &conn.connector else {
        return Err(ApiError::internal());
    };
    let bytes = body(bytes)?;
    if !access::admits(&app, &headers, &conn.tenant).await {
        let format = settings.format;
        let secrets = conn.secrets();
        let given = format.signature_header().and_then(|h| header_str(&headers, h)).unwrap_or_default();
        let valid = match format {
            Format::EasyPost => connectors::signature::verify_easypost(&secrets, &bytes, given),
            Format::AfterShip => connectors::signature::verify_aftership(&secrets, &bytes, given),
            Format::Shippo => token_matches(conn, query.get("token").map(String::as_str)),
        };
        if !valid {
            let header = format.signature_header().unwrap_or("token");
            return Err(refused(
                header,
                "the webhook secret configured at the aggregator must be the connection's secret.",
            ));
        }
    }
    let events = connectors::carrier::to_events(settings.format, &bytes, id)?;
    if events.is_empty() {
        return Ok(Json(json!({"accepted": 0, "duplicates": 0})).into_response());
    }
    from_connection(&app, id, conn, events).await
}
