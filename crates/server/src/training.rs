//! `GET /v1/risk/training-data`: the risk decisions of orders whose outcome
//! is known, labelled by it (a chargeback is fraud), as the CSV
//! `crossdock train risk --data` takes — the accumulated outcomes a retrained
//! model learns from.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use engine::risk::{Example, Features};

use crate::access::{self, Guard, Permission};
use crate::{ApiError, App};

pub async fn risk_csv(
    State(app): State<App>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::ExportData)?;
    let tenant = who.tenant(&app, params.get("tenant").map(String::as_str))?;
    // The export covers every order of the tenant: not for a credential
    // limited to some clients, regions or nodes.
    if who.scope.clients.is_some() || who.scope.regions.is_some() || who.scope.nodes.is_some() {
        return Err(ApiError::forbidden(
            "The export covers every order of the tenant; your access is limited to some clients, regions or nodes.",
        ));
    }
    let store = app.store.clone();
    let rows = tokio::task::spawn_blocking(move || store.risk_examples(&tenant))
        .await
        .map_err(|_| ApiError::internal())??;
    // A decision whose features no longer read (an older model's) is left out.
    let examples: Vec<Example> = rows
        .into_iter()
        .filter_map(|(features, label)| {
            Some(Example {
                features: serde_json::from_value::<Features>(features).ok()?,
                label,
            })
        })
        .collect();
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], engine::risk::to_csv(&examples)).into_response())
}
