//! `/v1/connections`: what is configured, and whether each target answers.

use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::access::{self, Guard, Permission};
use crate::dispatch::sinks;
use crate::{ApiError, App};

/// `GET /v1/connections`: every connection, its kind and what it does.
pub async fn list(State(app): State<App>, headers: HeaderMap) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::ReadConnections)?;
    let items: Vec<_> = app
        .config
        .connections
        .iter()
        .filter(|(_, c)| who.sees_tenant(c.tenant.as_str()))
        .map(|(id, c)| {
            json!({
                "id": id,
                "kind": connectors::connector::kind_name(c.kind()),
                "tenant": c.tenant,
                "nodes": c.nodes,
                "base_url": c.base_url,
                "subscribe": c.subscribe,
                "mapping": match &c.connector {
                    connectors::connector::Connector::Wms(w) => w.mapping_path().map(str::to_owned),
                    _ => None,
                },
                "inbound_signed": c.secret.is_some(),
                "outbound": c.base_url.is_some(),
                "healthcheck": c.connector.healthcheck().map(|r| r.path),
            })
        })
        .collect();
    Ok(Json(json!({ "items": items, "next": null })).into_response())
}

/// `POST /v1/connections/{id}/check`: makes the kind's health-check call (a
/// cheap authenticated read) against `base_url`, or, for kinds without one,
/// checks that `base_url` answers at all.
pub async fn check(State(app): State<App>, headers: HeaderMap, Path(id): Path<String>) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::CheckConnections)?;
    let Some(conn) = app
        .config
        .connections
        .iter()
        .find(|(k, c)| k.as_str() == id && who.sees_tenant(c.tenant.as_str()))
        .map(|(_, c)| c)
    else {
        return Err(ApiError::not_found("connection", &id));
    };
    let Some(base) = conn.base_url.as_deref() else {
        return Ok(
            Json(json!({"connection": id, "ok": null, "reason": "no base_url: crossdock makes no calls to this connection"}))
                .into_response(),
        );
    };
    let request = conn.connector.healthcheck();
    let path = request.as_ref().map_or(String::new(), |r| r.path.clone());
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(|_| ApiError::internal())?;
    let mut call = client.get(format!("{}{path}", base.trim_end_matches('/')));
    for (name, value) in request.iter().flat_map(|r| r.headers.iter()) {
        call = call.header(name, value);
    }
    if let Some(token) = &conn.api_token {
        call = sinks::authorize(call, conn.kind(), token.expose());
    }
    let started = Instant::now();
    let answer = match call.send().await {
        Ok(response) => {
            let status = response.status();
            // Without a health-check call, any HTTP answer means the target is up.
            let ok = if request.is_some() {
                status.is_success()
            } else {
                status.as_u16() < 500
            };
            json!({"connection": id, "ok": ok, "status": status.as_u16(), "path": path,
                   "latency_ms": started.elapsed().as_secs_f64() * 1e3})
        }
        Err(e) => json!({"connection": id, "ok": false, "path": path, "error": e.to_string(),
                         "latency_ms": started.elapsed().as_secs_f64() * 1e3}),
    };
    Ok(Json(answer).into_response())
}
