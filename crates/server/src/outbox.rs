//! `/v1/outbox`: inspect outbound messages and replay dead letters.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::access::{self, Guard, Permission};
use crate::ingest::{parse_json, require_json};
use crate::routes::body;
use crate::{ApiError, App};

const STATUSES: [&str; 3] = ["pending", "delivered", "dead"];

/// `GET /v1/outbox?status=&connection=&tenant=&cursor=&limit=`
pub async fn list(State(app): State<App>, headers: HeaderMap, Query(params): Query<HashMap<String, String>>) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::ReadOutbox)?;
    let status = params.get("status").cloned();
    if let Some(s) = status.as_deref().filter(|s| !STATUSES.contains(s)) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_status",
            format!("`{s}` is not an outbox status; one of {}.", STATUSES.join(", ")),
        )
        .field("status"));
    }
    if let Some(c) = params.get("connection")
        && !app
            .config
            .connections
            .iter()
            .any(|(k, conn)| k.as_str() == c && who.sees_tenant(conn.tenant.as_str()))
    {
        return Err(ApiError::not_found("connection", c).field("connection"));
    }
    // A caller bound to tenants lists only theirs.
    let tenant = match (params.get("tenant"), &who.scope.tenants) {
        (None, None) => None,
        (asked, _) => Some(who.tenant(&app, asked.map(String::as_str))?.to_string()),
    };
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
    let connection = params.get("connection").cloned();
    let items =
        tokio::task::spawn_blocking(move || store.outbox(status.as_deref(), connection.as_deref(), tenant.as_deref(), after, limit + 1))
            .await
            .map_err(|_| ApiError::internal())??;
    let (items, next) = if items.len() > limit {
        let page = items[..limit].to_vec();
        let next = page.last().map(|m| m.id.to_string());
        (page, next)
    } else {
        (items, None)
    };
    // Out of scope messages are left out (the cursor still walks the whole list).
    let items: Vec<serde_json::Value> = items
        .into_iter()
        .filter(|m| reaches(&app, &who, m))
        .map(|m| view(&who, m))
        .collect();
    Ok(Json(json!({ "items": items, "next": next })).into_response())
}

fn message_id(raw: &str) -> Result<u64, ApiError> {
    raw.parse().map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_id",
            format!("`{raw}` is not an outbox message id."),
        )
        .field("id")
    })
}

/// The message `id` if the caller's scope reaches it; 404 otherwise, as if it did not exist.
async fn visible(app: &App, who: &access::Principal, id: u64, raw: &str) -> Result<store::OutboxMessage, ApiError> {
    let store = app.store.clone();
    tokio::task::spawn_blocking(move || store.outbox_message(id))
        .await
        .map_err(|_| ApiError::internal())??
        .filter(|m| reaches(app, who, m))
        .ok_or_else(|| ApiError::not_found("outbox message", raw))
}

fn reaches(app: &App, who: &access::Principal, message: &store::OutboxMessage) -> bool {
    crate::access::reaches(app, who, &message.tenant, &message.subject, Some(&message.payload))
}

/// A message as the caller may see it: a helpdesk ticket or a customer
/// notice carries personal data, masked without the PII permission (the
/// target's error text may quote the payload, so it is masked too).
fn view(who: &access::Principal, message: store::OutboxMessage) -> serde_json::Value {
    let mut value = serde_json::to_value(message).unwrap_or_default();
    if !who.pii() {
        crate::access::mask_personal(&mut value["payload"]);
        crate::access::mask_personal(&mut value["last_error"]);
    }
    value
}

/// `GET /v1/outbox/{id}`
pub async fn get_one(State(app): State<App>, headers: HeaderMap, Path(raw): Path<String>) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::ReadOutbox)?;
    let id = message_id(&raw)?;
    let message = visible(&app, &who, id, &raw).await?;
    Ok(Json(view(&who, message)).into_response())
}

/// `POST /v1/outbox/{id}/replay`: one dead letter back to pending.
pub async fn replay_one(State(app): State<App>, headers: HeaderMap, Path(raw): Path<String>) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::ReplayOutbox)?;
    let id = message_id(&raw)?;
    let message = visible(&app, &who, id, &raw).await?;
    if message.status != "dead" {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_a_dead_letter",
            format!(
                "Message {id} is `{}`; only dead letters can be replayed. Hint: pending messages are retried on their own.",
                message.status
            ),
        ));
    }
    let replayed = app
        .store
        .replay(store::ReplayFilter {
            ids: vec![id],
            ..Default::default()
        })
        .await?;
    tracing::info!(message = id, "Dead letter replayed.");
    Ok(Json(json!({ "replayed": replayed })).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplayRequest {
    /// Only these messages (all dead letters matching the other filters when empty).
    #[serde(default)]
    ids: Vec<u64>,
    #[serde(default)]
    connection: Option<String>,
    #[serde(default)]
    tenant: Option<String>,
}

/// `POST /v1/outbox/replay` `{ids?, connection?, tenant?}`: dead letters back to pending.
pub async fn replay(State(app): State<App>, headers: HeaderMap, bytes: Result<Bytes, BytesRejection>) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::ReplayOutbox)?;
    let bytes = body(bytes)?;
    let request: ReplayRequest = if bytes.is_empty() {
        ReplayRequest::default()
    } else {
        require_json(&headers)?;
        parse_json(&bytes)?
    };
    if let Some(c) = &request.connection
        && !app
            .config
            .connections
            .iter()
            .any(|(k, conn)| k.as_str() == c && who.sees_tenant(conn.tenant.as_str()))
    {
        return Err(ApiError::not_found("connection", c).field("connection"));
    }
    let mut request = request;
    if request.tenant.is_some() || who.scope.tenants.is_some() {
        request.tenant = Some(who.tenant(&app, request.tenant.as_deref())?.to_string());
    }
    // Named messages must be ones the caller can see: another tenant's id is
    // as unknown as one that does not exist.
    for (i, id) in request.ids.iter().enumerate() {
        visible(&app, &who, *id, &id.to_string())
            .await
            .map_err(|e| e.field(format!("ids[{i}]")))?;
    }
    // A caller limited to clients, regions or nodes replays the dead letters
    // it can see, by id (an empty id list would mean every one).
    if request.ids.is_empty() && (who.scope.clients.is_some() || who.scope.regions.is_some() || who.scope.nodes.is_some()) {
        request.ids = visible_dead_letters(&app, &who, request.connection.clone(), request.tenant.clone()).await?;
        if request.ids.is_empty() {
            return Ok(Json(json!({ "replayed": [] })).into_response());
        }
    }
    let replayed = app
        .store
        .replay(store::ReplayFilter {
            ids: request.ids,
            connection: request.connection,
            tenant: request.tenant,
        })
        .await?;
    tracing::info!(count = replayed.len(), "Dead letters replayed.");
    Ok(Json(json!({ "replayed": replayed })).into_response())
}

/// The ids of the dead letters (of `connection` and `tenant`, when given) the caller's scope reaches.
async fn visible_dead_letters(
    app: &App,
    who: &access::Principal,
    connection: Option<String>,
    tenant: Option<String>,
) -> Result<Vec<u64>, ApiError> {
    const PAGE: usize = 1000;
    let mut ids = Vec::new();
    let mut after = 0;
    loop {
        let (store, c, t) = (app.store.clone(), connection.clone(), tenant.clone());
        let page = tokio::task::spawn_blocking(move || store.outbox(Some("dead"), c.as_deref(), t.as_deref(), after, PAGE))
            .await
            .map_err(|_| ApiError::internal())??;
        ids.extend(page.iter().filter(|m| reaches(app, who, m)).map(|m| m.id));
        match page.last() {
            Some(last) if page.len() == PAGE => after = last.id,
            _ => return Ok(ids),
        }
    }
}
