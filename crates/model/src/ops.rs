//! Returns, procurement, warehouse tasks and exceptions, and the records of
//! what crossdock decided, did and audited.

use serde::{Deserialize, Serialize};

use crate::{NodeId, OrderId, Quantity, Sku, TenantId, Timestamp};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineQty {
    pub sku: Sku,
    pub quantity: Quantity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    Restock,
    Inspect,
    Refurbish,
    Scrap,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnStatus {
    Authorized,
    InReview,
    Received,
    Refunded,
    Rejected,
}

/// A return merchandise authorisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Return {
    pub rma: String,
    pub tenant: TenantId,
    pub order_id: OrderId,
    pub lines: Vec<LineQty>,
    pub reason: Option<String>,
    pub condition: Option<String>,
    pub disposition: Option<Disposition>,
    pub status: ReturnStatus,
    pub node: Option<NodeId>,
    pub created_at: Timestamp,
}

/// A purchase order to a supplier: future supply (`on_order`) until received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PurchaseOrder {
    pub po_number: String,
    #[serde(default)]
    pub supplier: Option<String>,
    pub node: NodeId,
    pub lines: Vec<LineQty>,
    /// Expected arrival date, `YYYY-MM-DD`.
    #[serde(default)]
    pub expected_at: Option<jiff::civil::Date>,
}

/// An advance ship notice: stock in transit to a node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Asn {
    pub asn_id: String,
    #[serde(default)]
    pub po_number: Option<String>,
    pub node: NodeId,
    pub lines: Vec<LineQty>,
    #[serde(default)]
    pub expected_at: Option<jiff::civil::Date>,
}

/// Goods received at a node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    pub node: NodeId,
    #[serde(default)]
    pub po_number: Option<String>,
    #[serde(default)]
    pub asn_id: Option<String>,
    pub lines: Vec<LineQty>,
}

/// A warehouse or carrier exception, e.g. `SCAN_FAILURE`, `WEIGHT_DISCREPANCY`,
/// `MISSED_PICKUP`, `ORDER_HOLD`, `SHORT_PICK`, `DAMAGED`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarehouseException {
    pub code: String,
    #[serde(default)]
    pub order_id: Option<OrderId>,
    #[serde(default)]
    pub node: Option<NodeId>,
    #[serde(default)]
    pub sku: Option<Sku>,
    #[serde(default)]
    pub task_id: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

impl WarehouseException {
    /// What an exception code means and what happens next, in words a
    /// service rep can repeat to a customer; `None` for a code crossdock does
    /// not know (it is shown as sent).
    pub fn meaning(code: &str) -> Option<&'static str> {
        Some(match code.trim().to_ascii_uppercase().as_str() {
            "SCAN_FAILURE" => "a package label could not be scanned; the warehouse relabels it before it ships",
            "WEIGHT_DISCREPANCY" => "the package weighs differently from what its contents should; it is re-checked before it ships",
            "MISSED_PICKUP" => "the carrier did not collect the package at the scheduled pickup; it goes out with the next one",
            "ORDER_HOLD" => "the order is on hold and will not be picked until the hold is released",
            "SHORT_PICK" => "the warehouse could not find enough units to pick; the order waits for stock or ships short",
            "DAMAGED" => "goods were found damaged in the warehouse; they are replaced before the order ships",
            "ADDRESS_INVALID" => "the carrier cannot deliver to the address as written; it must be corrected",
            "CARRIER_DELAY" => "the carrier reports a delay in transit",
            "DELIVERY_EXCEPTION" => "the carrier could not deliver the package and will try again or return it",
            "LOST" => "the carrier has lost track of the package; a claim or a replacement is needed",
            _ => return None,
        })
    }
}

/// One reason behind a decision, in plain words, with its weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Factor {
    pub description: String,
    pub weight: f64,
}

/// An option a decision considered and did not take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alternative {
    pub option: serde_json::Value,
    pub score: f64,
    pub note: Option<String>,
}

/// A call crossdock made: always a value with confidence and explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub id: String,
    pub tenant: TenantId,
    pub kind: String,
    pub subject: String,
    pub inputs_digest: String,
    pub inputs: serde_json::Value,
    pub output: serde_json::Value,
    pub confidence: f64,
    pub explanation: Vec<Factor>,
    pub alternatives: Vec<Alternative>,
    pub model: String,
    pub latency_us: u64,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    Proposed,
    AwaitingReview,
    Queued,
    Delivered,
    Failed,
    DeadLettered,
    Blocked,
    Shadowed,
}

/// Something crossdock does to an external system, via gateway and outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Action {
    pub id: String,
    pub tenant: TenantId,
    pub connection: crate::ConnectionId,
    pub kind: String,
    pub subject: String,
    pub payload: serde_json::Value,
    pub decision_id: Option<String>,
    pub status: ActionStatus,
    pub created_at: Timestamp,
}

/// One link in the hash-chained audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: u64,
    pub tenant: Option<TenantId>,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: serde_json::Value,
    /// Source transaction ids: webhook id, WMS transaction, EDI control number, order id.
    pub sources: Vec<String>,
    pub at: Timestamp,
    pub prev_hash: String,
    pub hash: String,
}

/// Re-exported so events can name an order in exceptions.
pub type OrderRef = OrderId;
