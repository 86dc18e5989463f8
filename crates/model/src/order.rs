use serde::{Deserialize, Serialize};

use crate::{Money, NodeId, OrderId, Quantity, Sku, Timestamp};

/// Where an order is in its life. Transitions are driven by events; see
/// [`OrderStatus::can_become`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Accepted, not yet released to a warehouse.
    Open,
    /// Held: payment, fraud review or a blocking exception.
    OnHold,
    Released,
    Picked,
    Packed,
    Staged,
    /// Some but not all units shipped.
    PartiallyShipped,
    Shipped,
    Delivered,
    Cancelled,
    Returned,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 11] = [
        OrderStatus::Open,
        OrderStatus::OnHold,
        OrderStatus::Released,
        OrderStatus::Picked,
        OrderStatus::Packed,
        OrderStatus::Staged,
        OrderStatus::PartiallyShipped,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Cancelled,
        OrderStatus::Returned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Open => "open",
            OrderStatus::OnHold => "on_hold",
            OrderStatus::Released => "released",
            OrderStatus::Picked => "picked",
            OrderStatus::Packed => "packed",
            OrderStatus::Staged => "staged",
            OrderStatus::PartiallyShipped => "partially_shipped",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Returned => "returned",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// Fulfilment progress rank; events never move an order backwards.
    fn rank(self) -> u8 {
        match self {
            OrderStatus::Open | OrderStatus::OnHold => 0,
            OrderStatus::Released => 1,
            OrderStatus::Picked => 2,
            OrderStatus::Packed => 3,
            OrderStatus::Staged => 4,
            OrderStatus::PartiallyShipped => 5,
            OrderStatus::Shipped => 6,
            OrderStatus::Delivered => 7,
            OrderStatus::Returned => 8,
            OrderStatus::Cancelled => 9,
        }
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, OrderStatus::Cancelled | OrderStatus::Returned)
    }

    /// Whether a fulfilment event may move an order from `self` to `next`.
    /// Late or duplicated warehouse events (a PACKED after SHIPPED) do not
    /// move it backwards; a cancelled order stays cancelled.
    pub fn can_become(self, next: OrderStatus) -> bool {
        if self == next || self == OrderStatus::Cancelled {
            return false;
        }
        match next {
            OrderStatus::OnHold => matches!(self, OrderStatus::Open),
            OrderStatus::Open => matches!(self, OrderStatus::OnHold),
            OrderStatus::Cancelled => self.rank() < OrderStatus::Shipped.rank(),
            _ => next.rank() > self.rank(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    #[default]
    Pending,
    Authorized,
    Paid,
    PartiallyRefunded,
    Refunded,
    Voided,
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceLevel {
    #[default]
    Standard,
    Expedited,
    NextDay,
    SameDay,
    Freight,
    Pickup,
}

/// Things about an order that change how it is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderFlag {
    GiftWrap,
    Hazmat,
    Oversize,
    International,
    HighValue,
    B2b,
    Exception,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    /// The customer id in the source system.
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// For B2B: the account (company) the order belongs to.
    #[serde(default)]
    pub account: Option<String>,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub orders_count: Option<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Address {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub company: Option<String>,
    #[serde(default)]
    pub line1: Option<String>,
    #[serde(default)]
    pub line2: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    /// State, province or region code.
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lon: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderLine {
    /// The line id in the source system, when it has one.
    #[serde(default)]
    pub line_id: Option<String>,
    pub sku: Sku,
    pub quantity: Quantity,
    #[serde(default)]
    pub unit_price: Option<Money>,
    #[serde(default)]
    pub name: Option<String>,
}

/// Ids the order is known by in other systems; any of them resolves to it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalIds {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storefront_order_id: Option<String>,
    /// The storefront's display name, e.g. `#1042`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storefront_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oms_order_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wms_order_key: Option<String>,
}

impl ExternalIds {
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        [
            &self.storefront_order_id,
            &self.storefront_name,
            &self.oms_order_id,
            &self.wms_order_key,
        ]
        .into_iter()
        .filter_map(|v| v.as_deref())
    }
}

/// What a source says an order is: the body of `order.created` and `order.updated`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderData {
    pub order_id: OrderId,
    #[serde(default)]
    pub external_ids: ExternalIds,
    /// Sales channel, e.g. `web`, `pos`, `b2b`, `marketplace`.
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub customer: Customer,
    #[serde(default)]
    pub ship_to: Address,
    #[serde(default)]
    pub bill_to: Option<Address>,
    pub lines: Vec<OrderLine>,
    #[serde(default)]
    pub service_level: ServiceLevel,
    #[serde(default)]
    pub payment_state: PaymentState,
    #[serde(default)]
    pub po_number: Option<String>,
    #[serde(default)]
    pub total: Option<Money>,
    #[serde(default)]
    pub flags: Vec<OrderFlag>,
    #[serde(default)]
    pub gift_message: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub placed_at: Option<Timestamp>,
    /// Promised delivery date, `YYYY-MM-DD`.
    #[serde(default)]
    pub promised_by: Option<jiff::civil::Date>,
    /// Buyer's IP, for fraud checks.
    #[serde(default)]
    pub client_ip: Option<String>,
}

impl OrderData {
    /// Order-level validation beyond what types enforce.
    pub fn validate(&self) -> Result<(), crate::Error> {
        if self.lines.is_empty() {
            return Err(crate::Error::new("invalid_order", "An order needs at least one line.").at("lines"));
        }
        for (i, line) in self.lines.iter().enumerate() {
            if line.quantity.units() <= 0 {
                return Err(crate::Error::new(
                    "invalid_quantity",
                    format!("Line quantity must be a positive whole number; got {}.", line.quantity),
                )
                .at(format!("lines[{i}].quantity")));
            }
        }
        Ok(())
    }
}

/// A package leaving a node for an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShipmentRef {
    pub tracking_number: String,
    pub carrier: Option<String>,
    pub service: Option<String>,
    pub node: Option<NodeId>,
    pub shipped_at: Timestamp,
}

/// An order as crossdock holds it: the last `OrderData` plus its lifecycle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub id: OrderId,
    pub tenant: crate::TenantId,
    pub status: OrderStatus,
    #[serde(flatten)]
    pub data: OrderData,
    /// Nodes the order was released to.
    pub nodes: Vec<NodeId>,
    pub shipments: Vec<ShipmentRef>,
    /// Open warehouse or carrier exception codes.
    pub exceptions: Vec<String>,
    pub cancel_reason: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// When the order data shown was current at its source (the storefront's
    /// `updated_at` / `X-Shopify-Triggered-At`). An `order.updated` older than
    /// this arrived late and is kept in the log but not applied: the newer
    /// state wins whatever the arrival order.
    pub data_as_of: Timestamp,
    /// Sequence number of the last event applied.
    pub version: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_never_moves_backwards() {
        assert!(OrderStatus::Open.can_become(OrderStatus::Released));
        assert!(OrderStatus::Released.can_become(OrderStatus::Shipped));
        assert!(!OrderStatus::Shipped.can_become(OrderStatus::Packed));
        assert!(!OrderStatus::Shipped.can_become(OrderStatus::Cancelled));
        assert!(!OrderStatus::Cancelled.can_become(OrderStatus::Released));
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
        }
    }
}
