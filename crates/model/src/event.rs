//! Canonical events: what every source is mapped to, and what the log stores.
//!
//! On the wire (`POST /v1/events`, and in the log) an event is
//! `{"event_id", "source"?, "tenant"?, "occurred_at", "type", "data"}`.

use serde::{Deserialize, Serialize};

use crate::item::Item;
use crate::ops::{Asn, LineQty, PurchaseOrder, Receipt, WarehouseException};
use crate::order::OrderData;
use crate::shipment::TrackingStatus;
use crate::{NodeId, OrderId, Quantity, Sku, TenantId, Timestamp};

/// One canonical event with its envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// The sender's id for this event; with tenant and source it is the idempotency key.
    pub event_id: String,
    /// Which system sent it (a connection id, or `api`).
    #[serde(default = "default_source")]
    pub source: String,
    /// Filled in from the caller's credentials when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<TenantId>,
    pub occurred_at: Timestamp,
    #[serde(flatten)]
    pub body: EventBody,
}

fn default_source() -> String {
    "api".to_owned()
}

impl Event {
    pub const MAX_EVENT_ID_LEN: usize = 200;

    /// Envelope checks the types cannot express.
    pub fn validate(&self) -> Result<(), crate::Error> {
        if self.event_id.is_empty() || self.event_id.len() > Self::MAX_EVENT_ID_LEN {
            return Err(crate::Error::new("invalid_event_id", format!("event_id must be 1 to {} bytes.", Self::MAX_EVENT_ID_LEN)).at("event_id"));
        }
        if self.source.is_empty() || self.source.len() > 64 {
            return Err(crate::Error::new("invalid_source", "source must be 1 to 64 bytes.").at("source"));
        }
        self.body.validate().map_err(|e| e.at("data"))
    }
}

/// The closed set of canonical event types.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum EventBody {
    #[serde(rename = "item.upserted")]
    ItemUpserted(Item),
    #[serde(rename = "order.created")]
    OrderCreated(OrderData),
    #[serde(rename = "order.updated")]
    OrderUpdated(OrderData),
    #[serde(rename = "order.cancelled")]
    OrderCancelled(OrderCancelled),
    #[serde(rename = "order.released")]
    OrderReleased(FulfillmentStep),
    #[serde(rename = "order.picked")]
    OrderPicked(FulfillmentStep),
    #[serde(rename = "order.packed")]
    OrderPacked(FulfillmentStep),
    #[serde(rename = "order.staged")]
    OrderStaged(FulfillmentStep),
    #[serde(rename = "order.shipped")]
    OrderShipped(Shipped),
    #[serde(rename = "order.delivered")]
    OrderDelivered(OrderRefOnly),
    #[serde(rename = "shipment.tracking")]
    ShipmentTracking(TrackingUpdate),
    #[serde(rename = "exception.raised")]
    ExceptionRaised(WarehouseException),
    #[serde(rename = "exception.cleared")]
    ExceptionCleared(WarehouseException),
    #[serde(rename = "inventory.adjusted")]
    InventoryAdjusted(InventoryAdjusted),
    #[serde(rename = "inventory.snapshot")]
    InventorySnapshot(InventorySnapshot),
    #[serde(rename = "receipt.confirmed")]
    ReceiptConfirmed(Receipt),
    #[serde(rename = "return.received")]
    ReturnReceived(ReturnReceived),
    #[serde(rename = "po.created")]
    PoCreated(PurchaseOrder),
    #[serde(rename = "po.updated")]
    PoUpdated(PurchaseOrder),
    #[serde(rename = "asn.created")]
    AsnCreated(Asn),
    #[serde(rename = "ticket.created")]
    TicketCreated(Ticket),
}

/// The event type as a plain enum, for indexing and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    ItemUpserted,
    OrderCreated,
    OrderUpdated,
    OrderCancelled,
    OrderReleased,
    OrderPicked,
    OrderPacked,
    OrderStaged,
    OrderShipped,
    OrderDelivered,
    ShipmentTracking,
    ExceptionRaised,
    ExceptionCleared,
    InventoryAdjusted,
    InventorySnapshot,
    ReceiptConfirmed,
    ReturnReceived,
    PoCreated,
    PoUpdated,
    AsnCreated,
    TicketCreated,
}

impl EventKind {
    pub const ALL: [EventKind; 21] = [
        EventKind::ItemUpserted,
        EventKind::OrderCreated,
        EventKind::OrderUpdated,
        EventKind::OrderCancelled,
        EventKind::OrderReleased,
        EventKind::OrderPicked,
        EventKind::OrderPacked,
        EventKind::OrderStaged,
        EventKind::OrderShipped,
        EventKind::OrderDelivered,
        EventKind::ShipmentTracking,
        EventKind::ExceptionRaised,
        EventKind::ExceptionCleared,
        EventKind::InventoryAdjusted,
        EventKind::InventorySnapshot,
        EventKind::ReceiptConfirmed,
        EventKind::ReturnReceived,
        EventKind::PoCreated,
        EventKind::PoUpdated,
        EventKind::AsnCreated,
        EventKind::TicketCreated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::ItemUpserted => "item.upserted",
            EventKind::OrderCreated => "order.created",
            EventKind::OrderUpdated => "order.updated",
            EventKind::OrderCancelled => "order.cancelled",
            EventKind::OrderReleased => "order.released",
            EventKind::OrderPicked => "order.picked",
            EventKind::OrderPacked => "order.packed",
            EventKind::OrderStaged => "order.staged",
            EventKind::OrderShipped => "order.shipped",
            EventKind::OrderDelivered => "order.delivered",
            EventKind::ShipmentTracking => "shipment.tracking",
            EventKind::ExceptionRaised => "exception.raised",
            EventKind::ExceptionCleared => "exception.cleared",
            EventKind::InventoryAdjusted => "inventory.adjusted",
            EventKind::InventorySnapshot => "inventory.snapshot",
            EventKind::ReceiptConfirmed => "receipt.confirmed",
            EventKind::ReturnReceived => "return.received",
            EventKind::PoCreated => "po.created",
            EventKind::PoUpdated => "po.updated",
            EventKind::AsnCreated => "asn.created",
            EventKind::TicketCreated => "ticket.created",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

impl EventBody {
    pub fn kind(&self) -> EventKind {
        match self {
            EventBody::ItemUpserted(_) => EventKind::ItemUpserted,
            EventBody::OrderCreated(_) => EventKind::OrderCreated,
            EventBody::OrderUpdated(_) => EventKind::OrderUpdated,
            EventBody::OrderCancelled(_) => EventKind::OrderCancelled,
            EventBody::OrderReleased(_) => EventKind::OrderReleased,
            EventBody::OrderPicked(_) => EventKind::OrderPicked,
            EventBody::OrderPacked(_) => EventKind::OrderPacked,
            EventBody::OrderStaged(_) => EventKind::OrderStaged,
            EventBody::OrderShipped(_) => EventKind::OrderShipped,
            EventBody::OrderDelivered(_) => EventKind::OrderDelivered,
            EventBody::ShipmentTracking(_) => EventKind::ShipmentTracking,
            EventBody::ExceptionRaised(_) => EventKind::ExceptionRaised,
            EventBody::ExceptionCleared(_) => EventKind::ExceptionCleared,
            EventBody::InventoryAdjusted(_) => EventKind::InventoryAdjusted,
            EventBody::InventorySnapshot(_) => EventKind::InventorySnapshot,
            EventBody::ReceiptConfirmed(_) => EventKind::ReceiptConfirmed,
            EventBody::ReturnReceived(_) => EventKind::ReturnReceived,
            EventBody::PoCreated(_) => EventKind::PoCreated,
            EventBody::PoUpdated(_) => EventKind::PoUpdated,
            EventBody::AsnCreated(_) => EventKind::AsnCreated,
            EventBody::TicketCreated(_) => EventKind::TicketCreated,
        }
    }

    /// Rebuilds a body from the log's split form: its kind and its `data` JSON.
    pub fn from_parts(kind: EventKind, data: &str) -> Result<Self, serde_json::Error> {
        Ok(match kind {
            EventKind::ItemUpserted => EventBody::ItemUpserted(serde_json::from_str(data)?),
            EventKind::OrderCreated => EventBody::OrderCreated(serde_json::from_str(data)?),
            EventKind::OrderUpdated => EventBody::OrderUpdated(serde_json::from_str(data)?),
            EventKind::OrderCancelled => EventBody::OrderCancelled(serde_json::from_str(data)?),
            EventKind::OrderReleased => EventBody::OrderReleased(serde_json::from_str(data)?),
            EventKind::OrderPicked => EventBody::OrderPicked(serde_json::from_str(data)?),
            EventKind::OrderPacked => EventBody::OrderPacked(serde_json::from_str(data)?),
            EventKind::OrderStaged => EventBody::OrderStaged(serde_json::from_str(data)?),
            EventKind::OrderShipped => EventBody::OrderShipped(serde_json::from_str(data)?),
            EventKind::OrderDelivered => EventBody::OrderDelivered(serde_json::from_str(data)?),
            EventKind::ShipmentTracking => EventBody::ShipmentTracking(serde_json::from_str(data)?),
            EventKind::ExceptionRaised => EventBody::ExceptionRaised(serde_json::from_str(data)?),
            EventKind::ExceptionCleared => EventBody::ExceptionCleared(serde_json::from_str(data)?),
            EventKind::InventoryAdjusted => EventBody::InventoryAdjusted(serde_json::from_str(data)?),
            EventKind::InventorySnapshot => EventBody::InventorySnapshot(serde_json::from_str(data)?),
            EventKind::ReceiptConfirmed => EventBody::ReceiptConfirmed(serde_json::from_str(data)?),
            EventKind::ReturnReceived => EventBody::ReturnReceived(serde_json::from_str(data)?),
            EventKind::PoCreated => EventBody::PoCreated(serde_json::from_str(data)?),
            EventKind::PoUpdated => EventBody::PoUpdated(serde_json::from_str(data)?),
            EventKind::AsnCreated => EventBody::AsnCreated(serde_json::from_str(data)?),
            EventKind::TicketCreated => EventBody::TicketCreated(serde_json::from_str(data)?),
        })
    }

    /// The `data` member alone, as stored in the log.
    pub fn data_json(&self) -> String {
        let json = match self {
            EventBody::ItemUpserted(inner) => serde_json::to_string(inner),
            EventBody::OrderCreated(inner) => serde_json::to_string(inner),
            EventBody::OrderUpdated(inner) => serde_json::to_string(inner),
            EventBody::OrderCancelled(inner) => serde_json::to_string(inner),
            EventBody::OrderReleased(inner) => serde_json::to_string(inner),
            EventBody::OrderPicked(inner) => serde_json::to_string(inner),
            EventBody::OrderPacked(inner) => serde_json::to_string(inner),
            EventBody::OrderStaged(inner) => serde_json::to_string(inner),
            EventBody::OrderShipped(inner) => serde_json::to_string(inner),
            EventBody::OrderDelivered(inner) => serde_json::to_string(inner),
            EventBody::ShipmentTracking(inner) => serde_json::to_string(inner),
            EventBody::ExceptionRaised(inner) => serde_json::to_string(inner),
            EventBody::ExceptionCleared(inner) => serde_json::to_string(inner),
            EventBody::InventoryAdjusted(inner) => serde_json::to_string(inner),
            EventBody::InventorySnapshot(inner) => serde_json::to_string(inner),
            EventBody::ReceiptConfirmed(inner) => serde_json::to_string(inner),
            EventBody::ReturnReceived(inner) => serde_json::to_string(inner),
            EventBody::PoCreated(inner) => serde_json::to_string(inner),
            EventBody::PoUpdated(inner) => serde_json::to_string(inner),
            EventBody::AsnCreated(inner) => serde_json::to_string(inner),
            EventBody::TicketCreated(inner) => serde_json::to_string(inner),
        };
        json.expect("canonical types always serialise")
    }

    /// The order this event is about, as the sender named it (any alias).
    pub fn order_ref(&self) -> Option<&OrderId> {
        match self {
            EventBody::OrderCreated(o) | EventBody::OrderUpdated(o) => Some(&o.order_id),
            EventBody::OrderCancelled(c) => Some(&c.order_id),
            EventBody::OrderReleased(s) | EventBody::OrderPicked(s) | EventBody::OrderPacked(s) | EventBody::OrderStaged(s) => {
                Some(&s.order_id)
            }
            EventBody::OrderShipped(s) => Some(&s.order_id),
            EventBody::OrderDelivered(r) => Some(&r.order_id),
            EventBody::ExceptionRaised(e) | EventBody::ExceptionCleared(e) => e.order_id.as_ref(),
            EventBody::ReturnReceived(r) => Some(&r.order_id),
            EventBody::TicketCreated(t) => t.order_id.as_ref(),
            _ => None,
        }
    }

    /// Nodes the event names; each must be a configured node of the tenant.
    pub fn nodes(&self) -> Vec<(&'static str, &NodeId)> {
        match self {
            EventBody::OrderReleased(s) | EventBody::OrderPicked(s) | EventBody::OrderPacked(s) | EventBody::OrderStaged(s) => {
                s.node.iter().map(|n| ("data.node", n)).collect()
            }
            EventBody::OrderShipped(s) => s.node.iter().map(|n| ("data.node", n)).collect(),
            EventBody::ExceptionRaised(e) | EventBody::ExceptionCleared(e) => e.node.iter().map(|n| ("data.node", n)).collect(),
            EventBody::InventoryAdjusted(a) => vec![("data.node", &a.node)],
            EventBody::InventorySnapshot(s) => vec![("data.node", &s.node)],
            EventBody::ReceiptConfirmed(r) => vec![("data.node", &r.node)],
            EventBody::ReturnReceived(r) => r.node.iter().map(|n| ("data.node", n)).collect(),
            EventBody::PoCreated(p) | EventBody::PoUpdated(p) => vec![("data.node", &p.node)],
            EventBody::AsnCreated(a) => vec![("data.node", &a.node)],
            _ => Vec::new(),
        }
    }

    pub fn validate(&self) -> Result<(), crate::Error> {
        match self {
            EventBody::OrderCreated(o) | EventBody::OrderUpdated(o) => o.validate(),
            EventBody::InventorySnapshot(s) if s.on_hand.units() < 0 => Err(crate::Error::new(
                "invalid_quantity",
                format!("on_hand in a snapshot cannot be negative; got {}.", s.on_hand),
            )
            .at("on_hand")),
            EventBody::ReceiptConfirmed(Receipt { lines, .. })
            | EventBody::PoCreated(PurchaseOrder { lines, .. })
            | EventBody::PoUpdated(PurchaseOrder { lines, .. })
            | EventBody::AsnCreated(Asn { lines, .. }) => positive_lines(lines),
            EventBody::OrderShipped(Shipped { lines, .. }) | EventBody::ReturnReceived(ReturnReceived { lines, .. }) => {
                positive_lines(lines)
            }
            _ => Ok(()),
        }
    }
}

fn positive_lines(lines: &[LineQty]) -> Result<(), crate::Error> {
    for (i, line) in lines.iter().enumerate() {
        if line.quantity.units() <= 0 {
            return Err(crate::Error::new(
                "invalid_quantity",
                format!("Quantity must be a positive whole number; got {}.", line.quantity),
            )
            .at(format!("lines[{i}].quantity")));
        }
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderCancelled {
    pub order_id: OrderId,
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderRefOnly {
    pub order_id: OrderId,
}

/// A warehouse fulfilment step: released, picked, packed or staged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FulfillmentStep {
    pub order_id: OrderId,
    #[serde(default)]
    pub node: Option<NodeId>,
    #[serde(default)]
    pub wms_order_key: Option<String>,
    /// Station, dock door or zone, e.g. `PACK-12`.
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub lines: Vec<LineQty>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shipped {
    pub order_id: OrderId,
    #[serde(default)]
    pub node: Option<NodeId>,
    #[serde(default)]
    pub wms_order_key: Option<String>,
    #[serde(default)]
    pub carrier: Option<String>,
    #[serde(default)]
    pub service: Option<String>,
    pub tracking_number: String,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub estimated_delivery_date: Option<jiff::civil::Date>,
    /// Units in this package; empty means the whole order.
    #[serde(default)]
    pub lines: Vec<LineQty>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackingUpdate {
    pub tracking_number: String,
    #[serde(default)]
    pub carrier: Option<String>,
    pub status: TrackingStatus,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub estimated_delivery_date: Option<jiff::civil::Date>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InventoryAdjusted {
    pub node: NodeId,
    pub sku: Sku,
    /// Signed change in on-hand units.
    pub delta: Quantity,
    #[serde(default)]
    pub reason: Option<String>,
}

/// A warehouse's count of one SKU at one node. It sets on-hand; it never
/// touches allocations owed to orders not yet shipped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InventorySnapshot {
    pub node: NodeId,
    pub sku: Sku,
    pub on_hand: Quantity,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnReceived {
    pub order_id: OrderId,
    #[serde(default)]
    pub rma: Option<String>,
    #[serde(default)]
    pub node: Option<NodeId>,
    pub lines: Vec<LineQty>,
    #[serde(default)]
    pub condition: Option<String>,
}

/// A helpdesk ticket, linked to an order when it names one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ticket {
    pub ticket_id: String,
    #[serde(default)]
    pub order_id: Option<OrderId>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub requester_email: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
}

/// The tenant an event belongs to once resolved.
pub fn tenant_of(event: &Event, default: &TenantId) -> TenantId {
    event.tenant.clone().unwrap_or_else(|| default.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_kind_names_match_serde_tags() {
        let json = r#"{"event_id":"e1","occurred_at":"2026-05-15T14:30:00Z","type":"inventory.adjusted",
            "data":{"node":"DC-EAST","sku":"SKU-1","delta":-2}}"#;
        let event: Event = serde_json::from_str(json).unwrap();
        assert_eq!(event.body.kind().as_str(), "inventory.adjusted");
        assert_eq!(event.source, "api");
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
        }
    }

    #[test]
    fn split_form_roundtrips() {
        let json = r##"{"event_id":"o-1","occurred_at":"2026-05-15T14:30:00Z","type":"order.shipped",
            "data":{"order_id":"#1001","tracking_number":"1Z999","carrier":"UPS"}}"##;
        let event: Event = serde_json::from_str(json).unwrap();
        let back = EventBody::from_parts(event.body.kind(), &event.body.data_json()).unwrap();
        assert_eq!(back, event.body);
    }

    #[test]
    fn unknown_type_is_an_error() {
        let json = r#"{"event_id":"e1","occurred_at":"2026-05-15T14:30:00Z","type":"order.exploded","data":{}}"#;
        let err = serde_json::from_str::<Event>(json).unwrap_err().to_string();
        assert!(err.contains("order.exploded"), "{err}");
    }

    #[test]
    fn roundtrip_keeps_every_field() {
        let json = r#"{"event_id":"o-1","source":"erp","occurred_at":"2026-05-15T14:30:00Z","type":"order.created",
            "data":{"order_id":"SO-1","lines":[{"sku":"SKU-1","quantity":2}],"po_number":"PO-9"}}"#;
        let event: Event = serde_json::from_str(json).unwrap();
        let back: Event = serde_json::from_str(&serde_json::to_string(&event).unwrap()).unwrap();
        assert_eq!(back, event);
        event.validate().unwrap();
    }

    #[test]
    fn zero_quantity_line_names_the_field() {
        let json = r#"{"event_id":"o-1","occurred_at":"2026-05-15T14:30:00Z","type":"order.created",
            "data":{"order_id":"SO-1","lines":[{"sku":"SKU-1","quantity":0}]}}"#;
        let event: Event = serde_json::from_str(json).unwrap();
        let err = event.validate().unwrap_err();
        assert_eq!(err.field.as_deref(), Some("data.lines[0].quantity"));
    }
}
