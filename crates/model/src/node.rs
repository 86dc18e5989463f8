use serde::{Deserialize, Serialize};

use crate::{NodeId, TenantId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    Dc,
    Store,
    #[serde(rename = "3pl")]
    ThirdParty,
    Dropship,
}

/// What a node can handle; sourcing only sends work to capable nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    Hazmat,
    GiftWrap,
    International,
    ColdChain,
    Oversize,
    Bopis,
    Returns,
}

/// A daily carrier cutoff at a node: orders packed after it leave the next day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cutoff {
    pub carrier: String,
    /// Local wall-clock time, `HH:MM`.
    pub time: String,
}

/// A place stock is held and orders are fulfilled from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub id: NodeId,
    pub tenant: TenantId,
    pub kind: NodeKind,
    pub name: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// IANA time zone, e.g. `America/New_York`.
    pub timezone: Option<String>,
    #[serde(default)]
    pub capabilities: Vec<Capability>,
    #[serde(default)]
    pub cutoffs: Vec<Cutoff>,
    pub capacity_units_per_day: Option<u32>,
}
