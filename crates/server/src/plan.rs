//! `POST /v1/plan/sourcing`: what-if sourcing for an order, against a network
//! given in the request or against the live one (configured nodes, live ATP).

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use engine::sourcing::{Instance, Line, Node};
use model::node::{Capability, NodeKind};
use model::{NodeId, Quantity, Sku, TenantId};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::access::{self, Guard, Permission};
use crate::ingest::{parse_json, require_json};
use crate::routes::body;
use crate::{ApiError, App};

/// Planning costs a live node uses when its configuration names none.
pub const DEFAULT_HANDLING_COST: f64 = 1.0;
pub const DEFAULT_PACKAGE_COST: f64 = 6.0;
/// Ground transit estimate for the live network: one day to leave the
/// node, then one day per 800 km (until transit times are learned per lane).
const KM_PER_TRANSIT_DAY: f64 = 800.0;

/// A question about the live network: the order, where it goes, the rules.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LiveRequest {
    #[serde(default)]
    tenant: Option<TenantId>,
    lines: Vec<Line>,
    /// Where the order goes; drives transit days and distance.
    #[serde(default)]
    ship_to: Option<Point>,
    #[serde(default)]
    required_capabilities: Vec<Capability>,
    #[serde(default = "default_split_penalty")]
    split_penalty: f64,
    #[serde(default = "default_promised_days")]
    promised_days: u32,
    #[serde(default = "default_late_penalty")]
    late_penalty_per_day: f64,
    #[serde(default)]
    carbon_per_km: f64,
    #[serde(default)]
    max_nodes: Option<usize>,
    #[serde(default)]
    excluded_nodes: Vec<NodeId>,
    #[serde(default)]
    excluded_kinds: Vec<NodeKind>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
struct Point {
    lat: f64,
    lon: f64,
}

fn default_split_penalty() -> f64 {
    3.0
}
fn default_promised_days() -> u32 {
    3
}
fn default_late_penalty() -> f64 {
    5.0
}

/// Great-circle distance in kilometres.
fn haversine_km(a: Point, b: Point) -> f64 {
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let (dlat, dlon) = ((b.lat - a.lat).to_radians(), (b.lon - a.lon).to_radians());
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

pub async fn sourcing(State(app): State<App>, headers: HeaderMap, bytes: Result<Bytes, BytesRejection>) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::Plan)?;
    let bytes = body(bytes)?;
    require_json(&headers)?;
    let raw: Value = parse_json(&bytes)?;
    let (instance, network) = if raw.get("nodes").is_some() {
        (parse_json::<Instance>(&bytes)?, "given")
    } else {
        (live_instance(&app, &who, parse_json::<LiveRequest>(&bytes)?)?, "live")
    };
    instance.validate()?;
    let decision = engine::sourcing::plan(&instance)?;
    let mut answer = serde_json::to_value(&decision).map_err(|_| ApiError::internal())?;
    answer["network"] = json!(network);
    if network == "live" {
        answer["instance"] = serde_json::to_value(&instance).map_err(|_| ApiError::internal())?;
    }
    Ok(Json(answer).into_response())
}

/// The live network as a sourcing instance: the tenant's configured nodes,
/// each with its current ATP of the order's SKUs.
fn live_instance(app: &App, who: &access::Principal, request: LiveRequest) -> Result<Instance, ApiError> {
    if request.lines.is_empty() {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "empty_order", "The order has no lines.").field("lines"));
    }
    let tenant = who.tenant(app, request.tenant.as_ref().map(|t| t.as_str()))?;
    let mut nodes = live_nodes(app, &tenant, &request.lines, request.ship_to.map(|p| (p.lat, p.lon)));
    nodes.retain(|n| who.sees_node(n.id.as_str(), access::node_region(app, &n.id)));
    Ok(Instance {
        lines: request.lines,
        nodes,
        required_capabilities: request.required_capabilities,
        split_penalty: request.split_penalty,
        promised_days: request.promised_days,
        late_penalty_per_day: request.late_penalty_per_day,
        carbon_per_km: request.carbon_per_km,
        max_nodes: request.max_nodes,
        excluded_nodes: request.excluded_nodes,
        excluded_kinds: request.excluded_kinds,
    })
}

/// The tenant's configured nodes with their current ATP of `lines`' SKUs,
/// planning costs from configuration and transit days estimated from the
/// distance to `ship_to` (lat, lon) when both are known.
pub(crate) fn live_nodes(app: &App, tenant: &TenantId, lines: &[Line], ship_to: Option<(f64, f64)>) -> Vec<Node> {
    let ship_to = ship_to.map(|(lat, lon)| Point { lat, lon });
    let mut stock: BTreeMap<NodeId, BTreeMap<Sku, Quantity>> = BTreeMap::new();
    for line in lines {
        let (positions, _) = app.store.inventory(tenant, line.sku.as_str());
        for (node, buckets) in positions {
            let atp = buckets.atp();
            if atp > 0
                && let (Ok(node), Ok(units)) = (NodeId::parse(&node), Quantity::new(atp))
            {
                stock.entry(node).or_default().insert(line.sku.clone(), units);
            }
        }
    }
    app.config
        .nodes
        .iter()
        .filter(|(_, n)| n.tenant == *tenant)
        .map(|(id, n)| {
            let here = n.lat.zip(n.lon).map(|(lat, lon)| Point { lat, lon });
            let distance_km = here.zip(ship_to).map_or(0.0, |(a, b)| haversine_km(a, b));
            Node {
                id: id.clone(),
                stock: stock.remove(id).unwrap_or_default(),
                handling_cost: n.handling_cost.unwrap_or(DEFAULT_HANDLING_COST),
                package_cost: n.package_cost.unwrap_or(DEFAULT_PACKAGE_COST),
                unit_cost: 0.0,
                transit_days: 1 + (distance_km / KM_PER_TRANSIT_DAY).ceil() as u32,
                capacity_units: n.capacity_units_per_day.map(|c| Quantity::new(c as i64).unwrap_or(Quantity::ZERO)),
                capabilities: n.capabilities.clone(),
                kind: Some(n.kind),
                shipping_rate: 0.0,
                distance_km,
                preference: 0.0,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newark_to_reno_is_about_3900_km() {
        let newark = Point { lat: 40.73, lon: -74.17 };
        let reno = Point { lat: 39.53, lon: -119.81 };
        let km = haversine_km(newark, reno);
        assert!((3800.0..4000.0).contains(&km), "{km}");
    }
}
