//! What crossdock asks other systems to do.
//!
//! Every outbound message is one of these values, written to the outbox in
//! the same transaction as the change that caused it. The message says what
//! should happen in crossdock's words; the target connection's sink renders
//! it into that system's wire format at dispatch time, so a fixed mapping
//! applies to messages already queued (and to dead letters replayed).

use serde::{Deserialize, Serialize};

use crate::ops::LineQty;
use crate::{NodeId, OrderId, Sku, Timestamp};

/// One outbound message. `kind()` is the outbox's `kind` column and the
/// serialised body is its `payload`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Message {
    AtpChanged(AtpChanged),
    Wave(Wave),
    Hold(Hold),
    ExpectedReturn(ExpectedReturn),
    Fulfillment(Fulfillment),
    TicketNote(TicketNote),
    Ticket(Ticket),
    Refund(Refund),
}

/// Every outbox `kind`, in the order of [`Message`]'s variants.
pub const KINDS: [&str; 8] = [
    "inventory.atp_changed",
    "wms.wave",
    "wms.hold",
    "wms.expected_return",
    "storefront.fulfillment",
    "helpdesk.note",
    "helpdesk.ticket",
    "order.refund",
];

impl Message {
    /// The outbox `kind` of this message.
    pub fn kind(&self) -> &'static str {
        match self {
            Message::AtpChanged(_) => KINDS[0],
            Message::Wave(_) => KINDS[1],
            Message::Hold(_) => KINDS[2],
            Message::ExpectedReturn(_) => KINDS[3],
            Message::Fulfillment(_) => KINDS[4],
            Message::TicketNote(_) => KINDS[5],
            Message::Ticket(_) => KINDS[6],
            Message::Refund(_) => KINDS[7],
        }
    }

    /// Reads a message back from its outbox `kind` and `payload`.
    pub fn from_parts(kind: &str, payload: &serde_json::Value) -> Result<Message, crate::Error> {
        fn typed<T: serde::de::DeserializeOwned>(payload: &serde_json::Value) -> Result<T, crate::Error> {
            T::deserialize(payload).map_err(|e| crate::Error::new("invalid_outbound_payload", e.to_string()))
        }
        Ok(match kind {
            "inventory.atp_changed" => Message::AtpChanged(typed(payload)?),
            "wms.wave" => Message::Wave(typed(payload)?),
            "wms.hold" => Message::Hold(typed(payload)?),
            "wms.expected_return" => Message::ExpectedReturn(typed(payload)?),
            "storefront.fulfillment" => Message::Fulfillment(typed(payload)?),
            "helpdesk.note" => Message::TicketNote(typed(payload)?),
            "helpdesk.ticket" => Message::Ticket(typed(payload)?),
            "order.refund" => Message::Refund(typed(payload)?),
            other => {
                return Err(crate::Error::new(
                    "unknown_outbound_kind",
                    format!("Outbound message kind `{other}` is not known."),
                ));
            }
        })
    }

    /// The serialised payload, as stored in the outbox.
    pub fn payload(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("outbound messages serialise")
    }
}

/// Available-to-promise for one SKU at one node changed; storefronts and
/// marketplaces subscribed to it should show `atp` (already less the
/// channel's buffer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AtpChanged {
    pub sku: Sku,
    pub node: NodeId,
    pub atp: i64,
    #[serde(default)]
    pub buffer: i64,
    #[serde(default)]
    pub on_hand: i64,
    #[serde(default)]
    pub allocated: i64,
    #[serde(default)]
    pub reserved: i64,
    #[serde(default)]
    pub held: i64,
    #[serde(default)]
    pub safety_stock: i64,
    /// The event-log sequence this value reflects; newer wins at the receiver.
    #[serde(default)]
    pub version: u64,
}

/// Orders released to a warehouse as one wave (DESIGN's `POST /api/v1/waves`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Wave {
    pub wave_id: String,
    pub node: NodeId,
    /// When the warehouse should start picking; `None` means now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_at: Option<Timestamp>,
    pub orders: Vec<WaveOrder>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaveOrder {
    pub order_id: OrderId,
    /// 1 is the most urgent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_by: Option<Timestamp>,
    pub lines: Vec<LineQty>,
}

/// Put stock at a node on hold (quality, count discrepancy, recall).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hold {
    pub hold_id: String,
    pub sku: Sku,
    pub node: NodeId,
    pub quantity: i64,
    pub reason: String,
}

/// Tell a warehouse a return is on its way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpectedReturn {
    pub rma: String,
    pub order_id: OrderId,
    pub node: NodeId,
    pub lines: Vec<LineQty>,
    /// restock | inspect | refurbish | scrap
    pub disposition: String,
    /// Where an `inspect` return goes, e.g. `QA-1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_by: Option<jiff::civil::Date>,
}

/// Refund a received return: to the system that owns payments (an OMS or
/// ERP), in crossdock's shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refund {
    pub rma: String,
    pub order_id: OrderId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storefront_order_id: Option<String>,
    pub lines: Vec<LineQty>,
    /// To the original payment method.
    pub amount: crate::Money,
    /// Paid as store credit instead (final-sale items).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_credit: Option<crate::Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Tell the storefront an order (or part of it) shipped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fulfillment {
    pub order_id: OrderId,
    /// The order's id in the storefront, when crossdock knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storefront_order_id: Option<String>,
    pub tracking_number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_url: Option<String>,
    pub lines: Vec<LineQty>,
    #[serde(default)]
    pub notify_customer: bool,
}

/// A note on an existing helpdesk ticket; private unless `public`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketNote {
    pub ticket_id: String,
    pub body: String,
    #[serde(default)]
    pub public: bool,
}

/// A new helpdesk ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    pub subject: String,
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester_name: Option<String>,
    /// crossdock's reference (an order id), so the ticket can be found again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// low | normal | high | urgent
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_through_kind_and_payload() {
        let note = Message::TicketNote(TicketNote {
            ticket_id: "35436".into(),
            body: "Packed at Station 12.".into(),
            public: false,
        });
        let back = Message::from_parts(note.kind(), &note.payload()).unwrap();
        assert_eq!(back, note);
        let err = Message::from_parts("wms.wave", &serde_json::json!({"node": "DC-EAST"})).unwrap_err();
        assert_eq!(err.code, "invalid_outbound_payload");
        assert_eq!(
            Message::from_parts("nope", &serde_json::json!({})).unwrap_err().code,
            "unknown_outbound_kind"
        );
    }
}
