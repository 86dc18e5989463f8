//! From an outbox row to the calls its connection's system takes, and how
//! each kind of target takes its credential.

use connectors::connector::{Outgoing, Plan};
use model::outbound::Message;
use model::tenant::ConnectionKind;
use store::OutboxMessage;

use crate::config::ConnectionConfig;

/// Renders an outbox message with the connection's sink. An error is
/// permanent for this message as it stands (the dispatcher dead-letters it
/// with the reason); fixing the mapping and replaying renders it again.
pub fn plan(connection: &ConnectionConfig, message: &OutboxMessage) -> Result<(Message, Plan), String> {
    let parsed = Message::from_parts(&message.kind, &message.payload).map_err(|e| e.message)?;
    let outgoing = Outgoing {
        message: &parsed,
        key: &message.idempotency_key,
        tenant: &message.tenant,
        subject: &message.subject,
        created_at: message.created_at,
    };
    let plan = connection
        .connector
        .render(&outgoing, connection.mapping.as_deref())
        .map_err(|e| e.to_string())?;
    Ok((parsed, plan))
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
