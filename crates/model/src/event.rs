//! Canonical events: what every source is mapped to, and what the log stores.
//!
//! On the wire (`POST /v1/events`, and in the log) an event is
//! `{"event_id", "source"?, "tenant"?, "occurred_at", "type", "data"}`.

use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::inventory::{Reservation, ReservationReleased};
use crate::item::Item;
use crate::ops::{Asn, LineQty, PurchaseOrder, Receipt, WarehouseException};
use crate::order::OrderData;
use crate::shipment::TrackingStatus;
use crate::{NodeId, OrderId, Quantity, Sku, TenantId, Timestamp};

/// One canonical event with its envelope.
///
/// Deserialisation is written by hand (not `#[serde(flatten)]`) so that an
/// error inside `data` keeps its full path (`data.lines[0].quantity`) and an
/// unknown envelope field is refused.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// The sender's id for this event; with tenant and source it is the idempotency key.
    pub event_id: String,
    /// Which system sent it (a connection id, or `api`).
    pub source: String,
    /// Filled in from the caller's credentials when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<TenantId>,
    pub occurred_at: Timestamp,
    #[serde(flatten)]
    pub body: EventBody,
}

const ENVELOPE: &[&str] = &["event_id", "source", "tenant", "occurred_at", "type", "data"];

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(EventVisitor)
    }
}

struct EventVisitor;

impl<'de> Visitor<'de> for EventVisitor {
    type Value = Event;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a canonical event {event_id, source?, tenant?, occurred_at, type, data}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Event, A::Error> {
        let (mut event_id, mut source, mut tenant, mut occurred_at) = (None, None, None, None);
        let mut kind: Option<EventKind> = None;
        let mut body: Option<EventBody> = None;
        // `data` before `type`: buffered, then read once the type is known.
        let mut early_data: Option<serde_json::Value> = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "event_id" => event_id = Some(map.next_value::<String>()?),
                "source" => source = Some(map.next_value::<String>()?),
                "tenant" => tenant = map.next_value::<Option<TenantId>>()?,
                "occurred_at" => occurred_at = Some(map.next_value::<Timestamp>()?),
                "type" => kind = Some(map.next_value_seed(KindSeed)?),
                "data" => match kind {
                    Some(kind) => body = Some(map.next_value_seed(BodySeed(kind))?),
                    None => early_data = Some(map.next_value()?),
                },
                other => return Err(A::Error::unknown_field(other, ENVELOPE)),
            }
        }
        let kind = kind.ok_or_else(|| A::Error::missing_field("type"))?;
        let body = match (body, early_data) {
            (Some(body), _) => body,
            (None, Some(data)) => {
                let mut track = serde_path_to_error::Track::new();
                kind.body(serde_path_to_error::Deserializer::new(data, &mut track)).map_err(|e| {
                    let path = track.path().to_string();
                    let path = if path == "." { "data".to_owned() } else { format!("data.{path}") };
                    A::Error::custom(format_args!("{NESTED_PATH}{path}{NESTED_PATH}{e}"))
                })?
            }
            (None, None) => return Err(A::Error::missing_field("data")),
        };
        Ok(Event {
            event_id: event_id.ok_or_else(|| A::Error::missing_field("event_id"))?,
            source: source.unwrap_or_else(|| "api".to_owned()),
            tenant,
            occurred_at: occurred_at.ok_or_else(|| A::Error::missing_field("occurred_at"))?,
            body,
        })
    }
}

impl Event {
    pub const MAX_EVENT_ID_LEN: usize = 200;

    /// Envelope checks the types cannot express.
    pub fn validate(&self) -> Result<(), crate::Error> {
        if self.event_id.is_empty() || self.event_id.len() > Self::MAX_EVENT_ID_LEN {
            return Err(crate::Error::new(
                "invalid_event_id",
                format!("event_id must be 1 to {} bytes.", Self::MAX_EVENT_ID_LEN),
            )
            .at("event_id"));
        }
        if self.source.is_empty() || self.source.len() > 64 {
            return Err(crate::Error::new("invalid_source", "source must be 1 to 64 bytes.").at("source"));
        }
        self.body.validate().map_err(|e| e.at("data"))
    }
}

/// Declares the closed set of canonical event types once: the body enum,
/// the kind enum, their wire names, and the dispatch by kind.
macro_rules! canonical_events {
    ($($variant:ident($payload:ty) = $name:literal,)*) => {
        /// The closed set of canonical event types.
        #[derive(Debug, Clone, PartialEq, Serialize)]
        #[serde(tag = "type", content = "data")]
        pub enum EventBody {
            $(#[serde(rename = $name)] $variant($payload),)*
        }

        /// The event type as a plain enum, for indexing and metrics.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum EventKind {
            $($variant,)*
        }

        impl EventKind {
            pub const ALL: &'static [EventKind] = &[$(EventKind::$variant,)*];
            pub const NAMES: &'static [&'static str] = &[$($name,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(EventKind::$variant => $name,)*
                }
            }

            pub fn parse(raw: &str) -> Option<Self> {
                match raw {
                    $($name => Some(EventKind::$variant),)*
                    _ => None,
                }
            }

            /// Deserialises the `data` of an event of this kind.
            fn body<'de, D: Deserializer<'de>>(self, d: D) -> Result<EventBody, D::Error> {
                Ok(match self {
                    $(EventKind::$variant => EventBody::$variant(<$payload>::deserialize(d)?),)*
                })
            }
        }

        impl EventBody {
            pub fn kind(&self) -> EventKind {
                match self {
                    $(EventBody::$variant(_) => EventKind::$variant,)*
                }
            }

            /// The `data` member alone, as stored in the log.
            pub fn data_json(&self) -> String {
                let json = match self {
                    $(EventBody::$variant(inner) => serde_json::to_string(inner),)*
                };
                json.expect("canonical types always serialise")
            }
        }
    };
}

canonical_events! {
    ItemUpserted(Item) = "item.upserted",
    OrderCreated(OrderData) = "order.created",
    OrderUpdated(OrderData) = "order.updated",
    OrderCancelled(OrderCancelled) = "order.cancelled",
    OrderReleased(FulfillmentStep) = "order.released",
    OrderPicked(FulfillmentStep) = "order.picked",
    OrderPacked(FulfillmentStep) = "order.packed",
    OrderStaged(FulfillmentStep) = "order.staged",
    OrderShipped(Shipped) = "order.shipped",
    OrderDelivered(OrderRefOnly) = "order.delivered",
    OrderChargeback(Chargeback) = "order.chargeback",
    ShipmentTracking(TrackingUpdate) = "shipment.tracking",
    ExceptionRaised(WarehouseException) = "exception.raised",
    ExceptionCleared(WarehouseException) = "exception.cleared",
    InventoryAdjusted(InventoryAdjusted) = "inventory.adjusted",
    InventorySnapshot(InventorySnapshot) = "inventory.snapshot",
    ReceiptConfirmed(Receipt) = "receipt.confirmed",
    ReturnReceived(ReturnReceived) = "return.received",
    PoCreated(PurchaseOrder) = "po.created",
    PoUpdated(PurchaseOrder) = "po.updated",
    AsnCreated(Asn) = "asn.created",
    TicketCreated(Ticket) = "ticket.created",
    InventoryHeld(InventoryHeld) = "inventory.held",
    SafetyStockSet(SafetyStockSet) = "inventory.safety_stock",
    ReservationCreated(Reservation) = "reservation.created",
    ReservationReleased(ReservationReleased) = "reservation.released",
}

/// Marks a path nested inside an error message: when `data` comes before
/// `type` it is buffered, and a path tracker outside cannot see into it, so
/// the inner path travels in the message as `\u{1f}data.x.y\u{1f}message`.
/// [`split_nested_path`] takes it out again.
pub const NESTED_PATH: char = '\u{1f}';

/// Splits `\u{1f}path\u{1f}message` into (path, message).
pub fn split_nested_path(message: &str) -> Option<(&str, &str)> {
    message.strip_prefix(NESTED_PATH)?.split_once(NESTED_PATH)
}

/// Reads `type`, failing inside the value so the error's path ends in `.type`.
struct KindSeed;

impl<'de> DeserializeSeed<'de> for KindSeed {
    type Value = EventKind;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<EventKind, D::Error> {
        let raw = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        EventKind::parse(&raw).ok_or_else(|| D::Error::unknown_variant(&raw, EventKind::NAMES))
    }
}

struct BodySeed(EventKind);

impl<'de> DeserializeSeed<'de> for BodySeed {
    type Value = EventBody;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<EventBody, D::Error> {
        self.0.body(d)
    }
}

impl EventBody {
    /// Rebuilds a body from the log's split form: its kind and its `data` JSON.
    pub fn from_parts(kind: EventKind, data: &str) -> Result<Self, serde_json::Error> {
        kind.body(&mut serde_json::Deserializer::from_str(data))
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
            EventBody::OrderChargeback(c) => Some(&c.order_id),
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
            EventBody::InventoryHeld(h) => vec![("data.node", &h.node)],
            EventBody::SafetyStockSet(s) => vec![("data.node", &s.node)],
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
            EventBody::SafetyStockSet(s) if s.quantity.units() < 0 => {
                Err(crate::Error::new("invalid_quantity", format!("Safety stock cannot be negative; got {}.", s.quantity)).at("quantity"))
            }
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

/// The payment of an order was disputed and reversed (a chargeback): the
/// outcome that labels an order as fraud when the risk model is retrained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Chargeback {
    pub order_id: OrderId,
    #[serde(default)]
    pub amount: Option<crate::Money>,
    /// The card network's or processor's reason, e.g. `fraudulent`.
    #[serde(default)]
    pub reason: Option<String>,
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
    /// The unit `delta` is in; `case` is converted to eaches with the item's
    /// pack size when the event is accepted. Default: `each`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<crate::item::UnitOfMeasure>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// Units put on hold (positive) or released from hold (negative) at a node:
/// quality holds, cycle-count locks. Held units are not available to promise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InventoryHeld {
    pub node: NodeId,
    pub sku: Sku,
    pub quantity: Quantity,
    #[serde(default)]
    pub reason: Option<String>,
}

/// The safety stock kept back from promising for one SKU at one node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SafetyStockSet {
    pub node: NodeId,
    pub sku: Sku,
    pub quantity: Quantity,
}

/// A warehouse's count of one SKU at one node. It sets on-hand; it never
/// touches allocations owed to orders not yet shipped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InventorySnapshot {
    pub node: NodeId,
    pub sku: Sku,
    pub on_hand: Quantity,
    /// The unit `on_hand` is in; `case` is converted to eaches with the item's
    /// pack size when the event is accepted. Default: `each`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<crate::item::UnitOfMeasure>,
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
        for kind in EventKind::ALL.iter().copied() {
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
    fn errors_inside_data_keep_their_path_and_unknown_envelope_fields_are_refused() {
        let json = r#"{"event_id":"o-1","occurred_at":"2026-05-15T14:30:00Z","type":"order.created",
            "data":{"order_id":"SO-1","lines":[{"sku":"SKU-1","quantity":1.5}]}}"#;
        let mut de = serde_json::Deserializer::from_str(json);
        let err = serde_path_to_error::deserialize::<_, Event>(&mut de).unwrap_err();
        assert_eq!(err.path().to_string(), "data.lines[0].quantity");
        let extra =
            r#"{"event_id":"o-1","occurred_at":"2026-05-15T14:30:00Z","type":"order.cancelled","data":{"order_id":"SO-1"},"colour":"red"}"#;
        assert!(serde_json::from_str::<Event>(extra).unwrap_err().to_string().contains("colour"));
        let data_first = r#"{"data":{"order_id":"SO-1","lines":[{"sku":"A","quantity":"2"}]},"event_id":"o-1","occurred_at":"2026-05-15T14:30:00Z","type":"order.created"}"#;
        let err = serde_json::from_str::<Event>(data_first).unwrap_err().to_string();
        let (path, message) = split_nested_path(&err).unwrap();
        assert_eq!(path, "data.lines[0].quantity");
        assert!(message.contains("whole number"), "{message}");
        let data_first = r#"{"data":{"order_id":"SO-1"},"event_id":"o-1","occurred_at":"2026-05-15T14:30:00Z","type":"order.cancelled"}"#;
        assert_eq!(
            serde_json::from_str::<Event>(data_first).unwrap().body.kind(),
            EventKind::OrderCancelled
        );
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
