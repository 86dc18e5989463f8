//! How an order's events make an [`Order`]: the one definition of order
//! state, used by the store to answer reads and by tests as the oracle.

use crate::event::{EventBody, FulfillmentStep};
use crate::order::{Order, OrderData, OrderStatus, ShipmentRef};
use crate::{NodeId, OrderId, TenantId, Timestamp};

impl Order {
    /// A new order from its first `order.created` / `order.updated`.
    pub fn new(id: OrderId, tenant: TenantId, data: OrderData, at: Timestamp, seq: u64) -> Self {
        let status = if data.payment_state_blocks_release() {
            OrderStatus::OnHold
        } else {
            OrderStatus::Open
        };
        Order {
            id,
            tenant,
            status,
            data,
            nodes: Vec::new(),
            shipments: Vec::new(),
            exceptions: Vec::new(),
            cancel_reason: None,
            created_at: at,
            updated_at: at,
            data_as_of: at,
            version: seq,
        }
    }

    /// Applies one event that resolved to this order. Events that would move
    /// the order backwards (a late PACKED after SHIPPED) leave the status as is
    /// but are still recorded in `version`.
    pub fn apply(&mut self, body: &EventBody, at: Timestamp, seq: u64) {
        self.version = seq;
        if at > self.updated_at {
            self.updated_at = at;
        }
        match body {
            // Late copies of older data are recorded, not applied.
            EventBody::OrderCreated(_) | EventBody::OrderUpdated(_) if at < self.data_as_of => {}
            EventBody::OrderCreated(data) | EventBody::OrderUpdated(data) => {
                self.data_as_of = at;
                let id = self.id.clone();
                self.data = data.clone();
                // The canonical id never changes; the sender's id becomes an alias.
                if data.order_id != id && self.data.external_ids.oms_order_id.is_none() {
                    self.data.external_ids.oms_order_id = Some(data.order_id.to_string());
                }
                self.data.order_id = id;
                if self.data.payment_state_blocks_release() {
                    self.transition(OrderStatus::OnHold);
                } else if self.status == OrderStatus::OnHold {
                    self.transition(OrderStatus::Open);
                }
            }
            EventBody::OrderCancelled(c) if self.transition(OrderStatus::Cancelled) => {
                self.cancel_reason = c.reason.clone();
            }
            EventBody::OrderReleased(step) => self.step(step, OrderStatus::Released),
            EventBody::OrderPicked(step) => self.step(step, OrderStatus::Picked),
            EventBody::OrderPacked(step) => self.step(step, OrderStatus::Packed),
            EventBody::OrderStaged(step) => self.step(step, OrderStatus::Staged),
            EventBody::OrderShipped(s) => {
                if !self.shipments.iter().any(|p| p.tracking_number == s.tracking_number) {
                    self.shipments.push(ShipmentRef {
                        tracking_number: s.tracking_number.clone(),
                        carrier: s.carrier.clone(),
                        service: s.service.clone(),
                        node: s.node.clone(),
                        shipped_at: at,
                    });
                }
                self.remember_node(s.node.as_ref());
                if let Some(key) = &s.wms_order_key {
                    self.data.external_ids.wms_order_key.get_or_insert_with(|| key.clone());
                }
                let next = if self.fully_shipped() {
                    OrderStatus::Shipped
                } else {
                    OrderStatus::PartiallyShipped
                };
                self.transition(next);
            }
            EventBody::OrderDelivered(_) => {
                self.transition(OrderStatus::Delivered);
            }
            EventBody::ExceptionRaised(e) if !self.exceptions.contains(&e.code) => {
                self.exceptions.push(e.code.clone());
            }
            EventBody::ShipmentTracking(t) if t.status == crate::shipment::TrackingStatus::Delivered => {
                self.transition(OrderStatus::Delivered);
            }
            EventBody::ExceptionCleared(e) => self.exceptions.retain(|c| c != &e.code),
            EventBody::ReturnReceived(_) => {
                self.transition(OrderStatus::Returned);
            }
            _ => {}
        }
    }

    fn step(&mut self, step: &FulfillmentStep, next: OrderStatus) {
        self.remember_node(step.node.as_ref());
        if let Some(key) = &step.wms_order_key {
            self.data.external_ids.wms_order_key.get_or_insert_with(|| key.clone());
        }
        self.transition(next);
    }

    fn remember_node(&mut self, node: Option<&NodeId>) {
        if let Some(node) = node
            && !self.nodes.contains(node)
        {
            self.nodes.push(node.clone());
        }
    }

    /// Moves to `next` when the lifecycle allows it; reports whether it moved.
    fn transition(&mut self, next: OrderStatus) -> bool {
        let moved = self.status.can_become(next);
        if moved {
            self.status = next;
        }
        moved
    }

    /// Whether the packages shipped so far cover every ordered unit. A package
    /// without lines counts as the whole order (warehouses often omit them).
    fn fully_shipped(&self) -> bool {
        // Line-level accounting needs the shipped lines, which the ShipmentRef
        // does not keep; a SHIPPED without lines is the common case.
        !self.shipments.is_empty()
    }
}

impl OrderData {
    /// Payment states in which an order must not be released.
    pub fn payment_state_blocks_release(&self) -> bool {
        use crate::order::PaymentState::*;
        matches!(self.payment_state, Pending | Failed | Voided)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{OrderCancelled, Shipped};
    use crate::order::PaymentState;

    fn data(id: &str) -> OrderData {
        serde_json::from_value(serde_json::json!({
            "order_id": id, "payment_state": "paid",
            "lines": [{"sku": "SKU-1", "quantity": 2}]
        }))
        .unwrap()
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn lifecycle_moves_forward_only() {
        let id = OrderId::parse("SO-1").unwrap();
        let tenant = TenantId::parse("acme").unwrap();
        let mut order = Order::new(id.clone(), tenant, data("SO-1"), at("2026-05-15T10:00:00Z"), 1);
        assert_eq!(order.status, OrderStatus::Open);
        let step = FulfillmentStep {
            order_id: id.clone(),
            node: Some(NodeId::parse("DC-EAST").unwrap()),
            wms_order_key: Some("W1".into()),
            location: None,
            lines: vec![],
        };
        order.apply(&EventBody::OrderReleased(step.clone()), at("2026-05-15T11:00:00Z"), 2);
        let shipped = Shipped {
            order_id: id.clone(),
            node: None,
            wms_order_key: None,
            carrier: Some("UPS".into()),
            service: None,
            tracking_number: "1Z1".into(),
            location: None,
            estimated_delivery_date: None,
            lines: vec![],
        };
        order.apply(&EventBody::OrderShipped(shipped), at("2026-05-15T12:00:00Z"), 3);
        order.apply(&EventBody::OrderPacked(step), at("2026-05-15T11:30:00Z"), 4);
        assert_eq!(order.status, OrderStatus::Shipped);
        assert_eq!(order.updated_at, at("2026-05-15T12:00:00Z"));
        assert_eq!(order.data.external_ids.wms_order_key.as_deref(), Some("W1"));
        order.apply(
            &EventBody::OrderCancelled(OrderCancelled {
                order_id: id,
                reason: None,
            }),
            at("2026-05-15T13:00:00Z"),
            5,
        );
        assert_eq!(order.status, OrderStatus::Shipped, "a shipped order cannot be cancelled");
        assert_eq!(order.version, 5);
    }

    #[test]
    fn an_older_update_arriving_late_does_not_replace_newer_data() {
        let id = OrderId::parse("SO-3").unwrap();
        let mut order = Order::new(id, TenantId::parse("acme").unwrap(), data("SO-3"), at("2026-05-15T10:00:00Z"), 1);
        let mut newer = data("SO-3");
        newer.po_number = Some("PO-NEW".into());
        order.apply(&EventBody::OrderUpdated(newer), at("2026-05-15T10:10:00Z"), 2);
        let mut older = data("SO-3");
        older.po_number = Some("PO-OLD".into());
        older.payment_state = PaymentState::Pending;
        order.apply(&EventBody::OrderUpdated(older), at("2026-05-15T10:05:00Z"), 3);
        assert_eq!(order.data.po_number.as_deref(), Some("PO-NEW"));
        assert_eq!(order.status, OrderStatus::Open, "the stale copy's payment hold is not applied");
        assert_eq!((order.version, order.data_as_of), (3, at("2026-05-15T10:10:00Z")));
    }

    #[test]
    fn pending_payment_holds_then_releases_on_update() {
        let id = OrderId::parse("SO-2").unwrap();
        let mut pending = data("SO-2");
        pending.payment_state = PaymentState::Pending;
        let mut order = Order::new(id, TenantId::parse("acme").unwrap(), pending, at("2026-05-15T10:00:00Z"), 1);
        assert_eq!(order.status, OrderStatus::OnHold);
        order.apply(&EventBody::OrderUpdated(data("SO-2")), at("2026-05-15T10:05:00Z"), 2);
        assert_eq!(order.status, OrderStatus::Open);
    }
}
