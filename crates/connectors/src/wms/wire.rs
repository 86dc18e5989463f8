//! The canonical WMS event (DESIGN.md, "Canonical WMS event"): one flat
//! object whose `event_type` decides which of the other fields must be there.
//!
//! So every field is optional here and the mapping checks, per type, what is
//! required. Unknown fields are ignored: WMS payloads routinely carry vendor
//! extras, and refusing them would make every vendor upgrade an outage.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Deserialize;
use serde_json::Number;

use crate::de;

#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a WMS event object")]
pub(super) struct WmsEvent {
    #[serde(deserialize_with = "de::opt_id")]
    pub event_id: Option<String>,
    pub event_type: Option<String>,
    pub occurred_at: Option<Timestamp>,
    #[serde(deserialize_with = "de::opt_id")]
    pub order_id: Option<String>,
    #[serde(deserialize_with = "de::opt_id")]
    pub wms_order_key: Option<String>,
    pub node: Option<String>,
    pub carrier: Option<String>,
    pub service: Option<String>,
    /// Some WMSs send all-digit tracking numbers as JSON numbers.
    #[serde(deserialize_with = "de::opt_id")]
    pub tracking_number: Option<String>,
    /// Station, dock door or zone.
    pub location: Option<String>,
    pub estimated_delivery_date: Option<Date>,
    #[serde(deserialize_with = "de::nullable")]
    pub lines: Vec<Line>,
    pub exception_code: Option<String>,
    #[serde(deserialize_with = "de::opt_id")]
    pub task_id: Option<String>,
    /// Free text about an exception.
    pub message: Option<String>,
    /// SKU of an inventory event or of an exception.
    #[serde(deserialize_with = "de::opt_id")]
    pub sku: Option<String>,
    /// Signed change of an `INVENTORY_ADJUSTED`.
    pub quantity: Option<Number>,
    /// Count of an `INVENTORY_SNAPSHOT`.
    pub on_hand: Option<Number>,
    /// Why stock was adjusted, e.g. `CYCLE_COUNT`.
    pub reason: Option<String>,
    #[serde(deserialize_with = "de::opt_id")]
    pub po_number: Option<String>,
    #[serde(deserialize_with = "de::opt_id")]
    pub asn_id: Option<String>,
    #[serde(deserialize_with = "de::opt_id")]
    pub rma: Option<String>,
    /// State of returned goods, e.g. `RESALEABLE`, `DAMAGED`.
    pub condition: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a line object such as {\"sku\": \"SKU-1\", \"quantity\": 2}")]
pub(super) struct Line {
    #[serde(deserialize_with = "de::opt_id")]
    pub sku: Option<String>,
    pub quantity: Option<Number>,
}
