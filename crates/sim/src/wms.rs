//! WMS webhooks in crossdock's canonical WMS event shape (DESIGN.md), one
//! event per request, signed with `X-Crossdock-Signature`.
//!
//! Fields that do not apply to an event are omitted rather than sent as null.

use serde::Serialize;

use crate::clock::VirtualTime;
use crate::config::WmsSite;
use crate::{Delivery, System, sign};

/// The canonical event types the simulated WMSs send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventType {
    OrderReleased,
    PickingComplete,
    Packed,
    Staged,
    Shipped,
    ExceptionCreated,
    ExceptionCleared,
    InventoryAdjusted,
    InventorySnapshot,
    ReceiptConfirmed,
    ReturnReceived,
}

impl EventType {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            EventType::OrderReleased => "ORDER_RELEASED",
            EventType::PickingComplete => "PICKING_COMPLETE",
            EventType::Packed => "PACKED",
            EventType::Staged => "STAGED",
            EventType::Shipped => "SHIPPED",
            EventType::ExceptionCreated => "EXCEPTION_CREATED",
            EventType::ExceptionCleared => "EXCEPTION_CLEARED",
            EventType::InventoryAdjusted => "INVENTORY_ADJUSTED",
            EventType::InventorySnapshot => "INVENTORY_SNAPSHOT",
            EventType::ReceiptConfirmed => "RECEIPT_CONFIRMED",
            EventType::ReturnReceived => "RETURN_RECEIVED",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct WmsLine<'a> {
    pub sku: &'a str,
    pub quantity: i64,
}

/// One canonical WMS event. Build with [`WmsEvent::new`] and set what applies.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct WmsEvent<'a> {
    pub event_id: String,
    pub event_type: &'static str,
    pub occurred_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wms_order_key: Option<&'a str>,
    pub node: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carrier: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimated_delivery_date: Option<jiff::civil::Date>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<WmsLine<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<&'a str>,
    /// Signed change for INVENTORY_ADJUSTED; units for an exception.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_hand: Option<i64>,
}

impl<'a> WmsEvent<'a> {
    pub(crate) fn new(site: &'a WmsSite, seq: u64, event_type: EventType, at: VirtualTime) -> Self {
        WmsEvent {
            event_id: event_id(site, seq),
            event_type: event_type.as_str(),
            occurred_at: at.utc(),
            order_id: None,
            wms_order_key: None,
            node: &site.node,
            carrier: None,
            service: None,
            tracking_number: None,
            location: None,
            estimated_delivery_date: None,
            lines: Vec::new(),
            exception_code: None,
            sku: None,
            quantity: None,
            on_hand: None,
        }
    }

    /// Sign and address the event; `at` is when the WMS sends it.
    pub(crate) fn into_delivery(self, site: &WmsSite, at: VirtualTime, subject: &str) -> Delivery {
        let body = sign::json(&self);
        let summary = format!("{} {} {subject} at {}", site.connection, self.event_type, site.node);
        Delivery {
            at: at.timestamp(),
            system: System::Wms,
            path: format!("/webhooks/wms/{}", site.connection),
            headers: vec![
                ("Content-Type".to_owned(), "application/json".to_owned()),
                ("X-Crossdock-Signature".to_owned(), sign::crossdock(&site.secret, &body)),
            ],
            body,
            summary,
        }
    }
}

/// `<connection>-<8-digit sequence>`, numbered per site from 1.
fn event_id(site: &WmsSite, seq: u64) -> String {
    format!("{}-{seq:08}", site.connection)
}

/// `DCEAST_000123`: the WMS's own key for an order, unique per site.
pub(crate) fn order_key(site: &WmsSite, order_number: u64) -> String {
    let tag: String = site.node.chars().filter(char::is_ascii_alphanumeric).collect();
    format!("{}_{order_number:06}", tag.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn omits_fields_that_do_not_apply() {
        let site = WmsSite {
            connection: "wms-east".into(),
            secret: "s".into(),
            node: "DC-EAST".into(),
        };
        let at = VirtualTime::from_timestamp(jiff::Timestamp::constant(1_778_504_400, 0));
        let mut event = WmsEvent::new(&site, 123, EventType::InventorySnapshot, at);
        event.sku = Some("BTL-BLA-1001");
        event.on_hand = Some(40);
        let json = String::from_utf8(sign::json(&event)).unwrap();
        assert_eq!(
            json,
            r#"{"event_id":"wms-east-00000123","event_type":"INVENTORY_SNAPSHOT","occurred_at":"2026-05-11T13:00:00Z","node":"DC-EAST","sku":"BTL-BLA-1001","on_hand":40}"#
        );
        assert_eq!(order_key(&site, 1001), "DCEAST_001001");
    }
}
