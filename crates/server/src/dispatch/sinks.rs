//! Which sink renders a message for which kind of connection, and how each
//! kind of target takes its credential.

use connectors::outbound::Request;
use model::outbound::Message;
use model::tenant::ConnectionKind;
use store::OutboxMessage;

use crate::config::ConnectionConfig;

/// Renders an outbox message into the call the connection's system expects.
/// An error is permanent for this message as it stands (the dispatcher
/// dead-letters it with the reason); fixing the mapping and replaying
/// renders it again.
pub fn render(_id: &str, connection: &ConnectionConfig, message: &OutboxMessage) -> Result<Request, String> {
    let parsed = Message::from_parts(&message.kind, &message.payload).map_err(|e| e.message)?;
    match connection.kind {
        ConnectionKind::Erp | ConnectionKind::Oms | ConnectionKind::Wms | ConnectionKind::Nats => Ok(canonical(message, &parsed)),
        other => Err(format!(
            "a `{}` connection has no sink for `{}` messages",
            serde_json::to_value(other)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            parsed.kind()
        )),
    }
}

/// crossdock's own outbound shape, for systems that speak the canonical
/// model: `POST {base_url}/messages` with the message in an envelope.
fn canonical(message: &OutboxMessage, parsed: &Message) -> Request {
    Request::post(
        "/messages",
        serde_json::json!({
            "id": message.idempotency_key,
            "kind": parsed.kind(),
            "tenant": message.tenant,
            "subject": message.subject,
            "created_at": message.created_at,
            "data": parsed.payload(),
        }),
    )
}

/// Adds the connection's `api_token` the way its kind of system expects it.
pub fn authorize(builder: reqwest::RequestBuilder, kind: ConnectionKind, token: &str) -> reqwest::RequestBuilder {
    match kind {
        ConnectionKind::Shopify => builder.header("X-Shopify-Access-Token", token),
        ConnectionKind::Bigcommerce => builder.header("X-Auth-Token", token),
        // `user:password` style tokens (WooCommerce consumer key:secret,
        // Zendesk `email/token:…`) go as HTTP Basic.
        _ => match token.split_once(':') {
            Some((user, password)) => builder.basic_auth(user, Some(password)),
            None => builder.bearer_auth(token),
        },
    }
}
