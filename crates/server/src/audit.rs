//! `GET /v1/audit` and `GET /v1/audit/verify`: the hash-chained audit trail,
//! filtered, paged and scoped to what the caller may see.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::access::{self, Guard, Permission};
use crate::routes::{page_params, parse_time, unknown_params};
use crate::{ApiError, App};

/// `GET /v1/audit?tenant=&subject=&action=&actor=&source=&since=&until=&cursor=&limit=`
pub async fn list(State(app): State<App>, headers: HeaderMap, Query(params): Query<HashMap<String, String>>) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::ReadAudit)?;
    unknown_params(
        &params,
        &[
            "tenant", "subject", "action", "actor", "source", "since", "until", "cursor", "limit",
        ],
    )?;
    let (after, limit) = page_params(&params, 100, 1000)?;
    // Only tenants the caller may see; entries about no tenant (logins, keys)
    // only for callers not bound to tenants.
    let tenants = match params.get("tenant") {
        Some(t) => {
            if !who.sees_tenant(t) || !app.config.tenants.keys().any(|k| k.as_str() == t) {
                return Err(ApiError::not_found("tenant", t).field("tenant"));
            }
            Some(vec![t.clone()])
        }
        None => who.scope.tenants.clone(),
    };
    let filter = store::AuditFilter {
        include_global: !params.contains_key("tenant") && who.scope.tenants.is_none(),
        tenants,
        subject: params.get("subject").cloned(),
        action: params.get("action").cloned(),
        actor: params.get("actor").cloned(),
        source: params.get("source").cloned(),
        since: parse_time(&params, "since")?,
        until: parse_time(&params, "until")?,
        after,
        limit: limit + 1,
    };
    let store = app.store.clone();
    let mut items = tokio::task::spawn_blocking(move || store.audit_entries(&filter))
        .await
        .map_err(|_| ApiError::internal())??;
    let next = (items.len() > limit).then(|| items[limit - 1].seq.to_string());
    items.truncate(limit);
    // A caller limited to clients, regions or nodes sees what is about its
    // orders and nodes, and the tenant-wide entries (no subject); the cursor
    // still walks the whole trail.
    if who.scope.clients.is_some() || who.scope.regions.is_some() || who.scope.nodes.is_some() {
        items.retain(|e| match (&e.tenant, &e.subject) {
            (Some(tenant), Some(subject)) => crate::access::reaches(&app, &who, tenant, subject, Some(&e.detail)),
            _ => true,
        });
    }
    if !who.pii() {
        for entry in &mut items {
            crate::access::mask_personal(&mut entry.detail);
        }
    }
    Ok(Json(json!({ "items": items, "next": next })).into_response())
}

/// `GET /v1/audit/verify`: recomputes the whole chain.
pub async fn verify(State(app): State<App>, headers: HeaderMap) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::VerifyAudit)?;
    let store = app.store.clone();
    let report = tokio::task::spawn_blocking(move || store.verify_audit())
        .await
        .map_err(|_| ApiError::internal())??;
    if !report.ok {
        tracing::error!(first_bad = ?report.first_bad, "The audit trail does not verify.");
    }
    Ok(Json(report).into_response())
}
