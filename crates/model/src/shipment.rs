use serde::{Deserialize, Serialize};

use crate::{NodeId, OrderId, Quantity, Sku, Timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackingStatus {
    PreTransit,
    InTransit,
    OutForDelivery,
    Delivered,
    AvailableForPickup,
    ReturnToSender,
    Failure,
    Exception,
    Unknown,
}

/// One carrier scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackingEvent {
    pub status: TrackingStatus,
    pub occurred_at: Timestamp,
    pub location: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShipmentLine {
    pub sku: Sku,
    pub quantity: Quantity,
}

/// A package on its way: created when a warehouse reports SHIPPED.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shipment {
    pub tracking_number: String,
    pub order_id: OrderId,
    pub node: Option<NodeId>,
    pub carrier: Option<String>,
    pub service: Option<String>,
    pub lines: Vec<ShipmentLine>,
    pub status: TrackingStatus,
    pub shipped_at: Timestamp,
    pub estimated_delivery_date: Option<jiff::civil::Date>,
    pub delivered_at: Option<Timestamp>,
    pub events: Vec<TrackingEvent>,
}
