//! Reconciliation: a WMS's counts compared with crossdock's numbers, pushed
//! (`POST /v1/reconciliations`) or pulled from the WMS (on request, or every
//! `reconcile.every`).

use std::collections::HashMap;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use model::inventory::{Count, Tolerance};
use model::tenant::ConnectionKind;
use model::{NodeId, Quantity, Sku};
use serde::Deserialize;

use crate::access::{self, Guard, Permission};
use crate::config::ConnectionConfig;
use crate::ingest::{parse_json, require_json, to_eaches};
use crate::routes::body;
use crate::{ApiError, App};

/// One counted line, as pushed or as a WMS answers a pull.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountLine {
    sku: Sku,
    node: NodeId,
    /// Units counted (`counted` or the WMS's `on_hand`).
    #[serde(alias = "on_hand")]
    counted: Quantity,
    #[serde(default)]
    unit: Option<model::item::UnitOfMeasure>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PushBody {
    connection: String,
    counts: Vec<CountLine>,
    /// Overrides the connection's configured tolerance for this run.
    #[serde(default)]
    tolerance: Option<Tolerance>,
}

/// What a WMS answers at `{base_url}/inventory`.
#[derive(Deserialize)]
struct PullBody {
    counts: Vec<CountLine>,
}

fn wms_connection<'a>(app: &'a App, id: &str) -> Result<(&'a str, &'a ConnectionConfig), ApiError> {
    app.config
        .connections
        .iter()
        .find(|(k, c)| k.as_str() == id && c.kind() == ConnectionKind::Wms)
        .map(|(k, c)| (k.as_str(), c))
        .ok_or_else(|| ApiError::not_found("WMS connection", id).field("connection"))
}

/// Checks and converts counts, then reconciles them in the store.
async fn run(
    app: &App,
    id: &str,
    conn: &ConnectionConfig,
    lines: Vec<CountLine>,
    tolerance: Option<Tolerance>,
    prefix: &str,
) -> Result<store::ReconcileReport, ApiError> {
    let tenant = conn.tenant.clone();
    let mut counts = Vec::with_capacity(lines.len());
    for (i, line) in lines.into_iter().enumerate() {
        let at = |f: &str| format!("{prefix}[{i}].{f}");
        if line.counted.units() < 0 {
            return Err(
                ApiError::invalid("invalid_quantity", format!("A count cannot be negative; got {}.", line.counted)).field(at("counted")),
            );
        }
        match app.config.nodes.get(&line.node) {
            Some(n) if n.tenant == tenant && (conn.nodes.is_empty() || conn.nodes.contains(&line.node)) => {}
            _ => {
                return Err(ApiError::invalid(
                    "unknown_node",
                    format!("Node `{}` is not one connection `{id}` reports for.", line.node),
                )
                .field(at("node")));
            }
        }
        let counted = to_eaches(app, &tenant, &line.sku, line.counted, line.unit, &at("counted"))?;
        counts.push(Count {
            sku: line.sku,
            node: line.node,
            counted,
        });
    }
    let tolerance = tolerance
        .or_else(|| conn.reconcile.as_ref().map(|r| r.tolerance()))
        .unwrap_or_default();
    let report = app
        .store
        .reconcile(store::ReconcileRequest {
            tenant,
            connection: id.to_owned(),
            counts,
            tolerance,
        })
        .await?;
    tracing::info!(connection = id, run = %report.run_id, counts = report.counts, open = report.open, auto_adjusted = report.auto_adjusted, "Reconciled.");
    Ok(report)
}

/// Pulls counts from the WMS and reconciles them.
pub async fn pull(app: &App, client: &reqwest::Client, id: &str) -> Result<store::ReconcileReport, ApiError> {
    let (id, conn) = wms_connection(app, id)?;
    let base = conn.base_url.as_deref().ok_or_else(|| {
        ApiError::invalid("no_base_url", format!("Connection `{id}` has no base_url to pull counts from. Hint: set connections.{id}.base_url, or push counts to POST /v1/reconciliations."))
    })?;
    let url = format!("{}/inventory", base.trim_end_matches('/'));
    let unreachable = |why: String| {
        ApiError::new(
            StatusCode::BAD_GATEWAY,
            "wms_unreachable",
            format!("Could not read counts from `{url}`: {why}."),
        )
    };
    let response = client
        .get(&url)
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .map_err(|e| unreachable(e.to_string()))?;
    if !response.status().is_success() {
        return Err(unreachable(format!("it answered {}", response.status())));
    }
    let bytes = response.bytes().await.map_err(|e| unreachable(e.to_string()))?;
    let pulled: PullBody = parse_json(&bytes).map_err(|e| ApiError {
        status: StatusCode::BAD_GATEWAY,
        code: "wms_bad_counts",
        ..e
    })?;
    run(app, id, conn, pulled.counts, None, "counts").await
}

/// Pulls every `every` for each WMS connection that asks for it; ends with the server.
pub fn spawn_periodic(app: &App) -> Vec<tokio::task::JoinHandle<()>> {
    let client = reqwest::Client::new();
    app.config
        .connections
        .iter()
        .filter_map(|(id, c)| Some((id.to_string(), c.reconcile.as_ref()?.every?.0)))
        .map(|(id, every)| {
            let (app, client) = (app.clone(), client.clone());
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(every);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tick.tick().await;
                    if let Err(e) = pull(&app, &client, &id).await {
                        tracing::warn!(connection = %id, code = e.code, message = %e.message, "Periodic reconciliation failed; will retry next period.");
                    }
                }
            })
        })
        .collect()
}

pub async fn post_reconciliation(
    State(app): State<App>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::Reconcile)?;
    require_json(&headers)?;
    let request: PushBody = parse_json(&body(bytes)?)?;
    let (id, conn) = wms_connection(&app, &request.connection)?;
    if !who.sees_tenant(conn.tenant.as_str()) {
        return Err(ApiError::not_found("connection", &request.connection).field("connection"));
    }
    // Counts of nodes outside the caller's regions or nodes would change stock it cannot see.
    if let Some(i) = request.counts.iter().position(|c| !sees_node(&app, &who, c.node.as_str())) {
        return Err(ApiError::not_found("node", request.counts[i].node.as_str()).field(format!("counts[{i}].node")));
    }
    let report = run(&app, id, conn, request.counts, request.tolerance, "counts").await?;
    Ok(Json(report).into_response())
}

pub async fn post_pull(State(app): State<App>, headers: HeaderMap, Path(id): Path<String>) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::Reconcile)?;
    // A pull reconciles every node the connection reports for: all of them must be in scope.
    let reachable = app.config.connections.iter().any(|(k, c)| {
        k.as_str() == id
            && who.sees_tenant(c.tenant.as_str())
            && app
                .config
                .nodes
                .iter()
                .filter(|(n, node)| node.tenant == c.tenant && (c.nodes.is_empty() || c.nodes.contains(n)))
                .all(|(n, _)| sees_node(&app, &who, n.as_str()))
    });
    if !reachable {
        return Err(ApiError::not_found("connection", &id).field("connection"));
    }
    let report = pull(&app, &reqwest::Client::new(), &id).await?;
    Ok(Json(report).into_response())
}

pub async fn list_discrepancies(
    State(app): State<App>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::Reconcile)?;
    let tenant = who.tenant(&app, params.get("tenant").map(String::as_str))?;
    const STATUSES: [&str; 4] = ["auto_adjusted", "open", "accepted", "rejected"];
    if let Some(s) = params.get("status").filter(|s| !STATUSES.contains(&s.as_str())) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_status",
            format!("`{s}` is not a discrepancy status; one of {}.", STATUSES.join(", ")),
        )
        .field("status"));
    }
    let limit = match params.get("limit") {
        None => 100,
        Some(raw) => raw.parse::<usize>().ok().filter(|l| (1..=1000).contains(l)).ok_or_else(|| {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_limit", "limit is a whole number from 1 to 1000.").field("limit")
        })?,
    };
    let store = app.store.clone();
    let page = tokio::task::spawn_blocking(move || {
        store.discrepancies(
            &tenant,
            params.get("status").map(String::as_str),
            params.get("run").map(String::as_str),
            params.get("cursor").map(String::as_str),
            limit,
        )
    })
    .await
    .map_err(|_| ApiError::internal())??;
    let mut page = page;
    // Out of scope rows are left out (the cursor still walks the whole list).
    page.items.retain(|d| sees_node(&app, &who, &d.node));
    Ok(Json(page).into_response())
}

async fn resolve(app: App, headers: HeaderMap, id: String, params: HashMap<String, String>, accept: bool) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::Reconcile)?;
    let tenant = who.tenant(&app, params.get("tenant").map(String::as_str))?;
    let id: u64 = id.parse().map_err(|_| ApiError::not_found("discrepancy", &id))?;
    if who.scope.nodes.is_some() || who.scope.regions.is_some() {
        // The discrepancy with this id, if the tenant has one: the first after `id - 1`.
        let (store, t, after) = (app.store.clone(), tenant.clone(), id.saturating_sub(1).to_string());
        let page = tokio::task::spawn_blocking(move || store.discrepancies(&t, None, None, Some(&after), 1))
            .await
            .map_err(|_| ApiError::internal())??;
        if !page.items.first().is_some_and(|d| d.id == id && sees_node(&app, &who, &d.node)) {
            return Err(ApiError::not_found("discrepancy", &id.to_string()));
        }
    }
    let discrepancy = app.store.resolve_discrepancy(&tenant, id, accept, &who.label()).await?;
    Ok(Json(discrepancy).into_response())
}

pub async fn accept(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    resolve(app, headers, id, params, true).await
}

pub async fn reject(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    resolve(app, headers, id, params, false).await
}

/// Whether the caller's region and node restrictions let it see `node`.
fn sees_node(app: &App, who: &access::Principal, node: &str) -> bool {
    let region = NodeId::parse(node).ok().and_then(|n| access::node_region(app, &n));
    who.sees_node(node, region)
}
