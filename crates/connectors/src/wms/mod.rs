//! Generic WMS: canonical WMS events into canonical crossdock events.
//!
//! The server verifies `X-Crossdock-Signature` with
//! [`signature::verify_hex_sha256`](crate::signature::verify_hex_sha256) and
//! maps the body with [`to_events`] (one event or a JSON array of them).
//! Vendor payloads are mapped onto the canonical WMS event by a [`mapping`]
//! file before they reach this module; [`sink`] renders outbound messages.

pub mod mapping;
pub mod sink;
mod wire;

#[cfg(test)]
mod tests;

use model::event::{FulfillmentStep, InventoryAdjusted, InventorySnapshot, ReturnReceived, Shipped};
use model::ops::{LineQty, Receipt, WarehouseException};
use model::{Event, EventBody, NodeId, OrderId, Sku};
use serde_json::Number;

use crate::Error;
use crate::de::{self, clean};

/// Every `event_type` [`to_event`] accepts.
pub const EVENT_TYPES: [&str; 12] = [
    "ORDER_RELEASED",
    "PICKING_COMPLETE",
    "PACKED",
    "STAGED",
    "SHIPPED",
    "EXCEPTION_CREATED",
    "EXCEPTION_CLEARED",
    "INVENTORY_ADJUSTED",
    "INVENTORY_SNAPSHOT",
    "RECEIPT_CONFIRMED",
    "RETURN_RECEIVED",
    "TASK_EXCEPTION",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EventType {
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
    TaskException,
}

impl EventType {
    fn parse(raw: Option<&str>) -> Result<Self, Error> {
        let accepted = || EVENT_TYPES.join(", ");
        let raw = de::required(clean(raw), "event_type", || {
            format!("`event_type` is required; one of {}.", accepted())
        })?;
        Ok(match raw.as_str() {
            "ORDER_RELEASED" => EventType::OrderReleased,
            "PICKING_COMPLETE" => EventType::PickingComplete,
            "PACKED" => EventType::Packed,
            "STAGED" => EventType::Staged,
            "SHIPPED" => EventType::Shipped,
            "EXCEPTION_CREATED" => EventType::ExceptionCreated,
            "EXCEPTION_CLEARED" => EventType::ExceptionCleared,
            "INVENTORY_ADJUSTED" => EventType::InventoryAdjusted,
            "INVENTORY_SNAPSHOT" => EventType::InventorySnapshot,
            "RECEIPT_CONFIRMED" => EventType::ReceiptConfirmed,
            "RETURN_RECEIVED" => EventType::ReturnReceived,
            "TASK_EXCEPTION" => EventType::TaskException,
            other => {
                return Err(Error::payload(
                    "event_type",
                    format!("Unknown event_type `{other}`; accepted: {}.", accepted()),
                ));
            }
        })
    }
}

/// Maps one canonical WMS event.
pub fn to_event(body: &[u8], connection: &str) -> Result<Event, Error> {
    map_event(de::from_slice(body)?, connection)
}

/// Maps one canonical WMS event or a JSON array of them. A batch is all or
/// nothing, and an error names the element: `[2].lines[0].quantity`.
pub fn to_events(body: &[u8], connection: &str) -> Result<Vec<Event>, Error> {
    let is_array = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    if !is_array {
        return to_event(body, connection).map(|event| vec![event]);
    }
    let batch: Vec<wire::WmsEvent> = de::from_slice(body)?;
    batch
        .into_iter()
        .enumerate()
        .map(|(i, event)| map_event(event, connection).map_err(|e| e.at(&format!("[{i}]"))))
        .collect()
}

fn map_event(event: wire::WmsEvent, connection: &str) -> Result<Event, Error> {
    let kind = EventType::parse(event.event_type.as_deref())?;
    let fields = Fields {
        event: &event,
        kind: event.event_type.as_deref().unwrap_or_default().trim(),
    };
    let event_id = de::event_id(event.event_id.as_deref(), "event_id")?;
    let occurred_at = fields.required(event.occurred_at, "occurred_at")?;
    let body = match kind {
        EventType::OrderReleased => EventBody::OrderReleased(fields.step()?),
        EventType::PickingComplete => EventBody::OrderPicked(fields.step()?),
        EventType::Packed => EventBody::OrderPacked(fields.step()?),
        EventType::Staged => EventBody::OrderStaged(fields.step()?),
        EventType::Shipped => EventBody::OrderShipped(fields.shipped()?),
        EventType::ExceptionCreated | EventType::TaskException => EventBody::ExceptionRaised(fields.exception()?),
        EventType::ExceptionCleared => EventBody::ExceptionCleared(fields.exception()?),
        EventType::InventoryAdjusted => EventBody::InventoryAdjusted(fields.adjusted()?),
        EventType::InventorySnapshot => EventBody::InventorySnapshot(fields.snapshot()?),
        EventType::ReceiptConfirmed => EventBody::ReceiptConfirmed(fields.receipt()?),
        EventType::ReturnReceived => EventBody::ReturnReceived(fields.returned()?),
    };
    Ok(Event {
        event_id,
        source: connection.to_owned(),
        tenant: None,
        occurred_at,
        body,
    })
}

/// One wire event being read as a given `event_type`, which the messages
/// about missing fields name.
struct Fields<'a> {
    event: &'a wire::WmsEvent,
    kind: &'a str,
}

impl Fields<'_> {
    fn missing(&self, field: &str) -> Error {
        Error::payload(field, format!("`{field}` is required for {} events.", self.kind))
    }

    fn required<T>(&self, value: Option<T>, field: &str) -> Result<T, Error> {
        value.ok_or_else(|| self.missing(field))
    }

    fn text(&self, value: &Option<String>) -> Option<String> {
        clean(value.as_deref())
    }

    fn order_id(&self) -> Result<OrderId, Error> {
        let raw = self.required(self.text(&self.event.order_id), "order_id")?;
        de::parse_as(OrderId::parse, &raw, "order_id")
    }

    fn optional_order_id(&self) -> Result<Option<OrderId>, Error> {
        self.text(&self.event.order_id)
            .map(|raw| de::parse_as(OrderId::parse, &raw, "order_id"))
            .transpose()
    }

    fn optional_node(&self) -> Result<Option<NodeId>, Error> {
        self.text(&self.event.node)
            .map(|raw| de::parse_as(NodeId::parse, &raw, "node"))
            .transpose()
    }

    fn node(&self) -> Result<NodeId, Error> {
        self.optional_node()?.ok_or_else(|| self.missing("node"))
    }

    fn optional_sku(&self) -> Result<Option<Sku>, Error> {
        self.text(&self.event.sku)
            .map(|raw| de::parse_as(Sku::parse, &raw, "sku"))
            .transpose()
    }

    fn sku(&self) -> Result<Sku, Error> {
        self.optional_sku()?.ok_or_else(|| self.missing("sku"))
    }

    fn number<'n>(&self, value: &'n Option<Number>, field: &str) -> Result<&'n Number, Error> {
        self.required(value.as_ref(), field)
    }

    /// Lines, each with a SKU and at least one unit.
    fn lines(&self) -> Result<Vec<LineQty>, Error> {
        let line = |(i, line): (usize, &wire::Line)| {
            let at = |field: &str| format!("lines[{i}].{field}");
            let sku = self.required(clean(line.sku.as_deref()), &at("sku"))?;
            let quantity = self.required(line.quantity.as_ref(), &at("quantity"))?;
            Ok(LineQty {
                sku: de::parse_as(Sku::parse, &sku, &at("sku"))?,
                quantity: de::positive_quantity(quantity, &at("quantity"))?,
            })
        };
        self.event.lines.iter().enumerate().map(line).collect()
    }

    fn required_lines(&self) -> Result<Vec<LineQty>, Error> {
        let lines = self.lines()?;
        if lines.is_empty() {
            return Err(Error::payload("lines", format!("{} events need at least one line.", self.kind)));
        }
        Ok(lines)
    }

    fn step(&self) -> Result<FulfillmentStep, Error> {
        Ok(FulfillmentStep {
            order_id: self.order_id()?,
            node: self.optional_node()?,
            wms_order_key: self.text(&self.event.wms_order_key),
            location: self.text(&self.event.location),
            lines: self.lines()?,
        })
    }

    fn shipped(&self) -> Result<Shipped, Error> {
        Ok(Shipped {
            order_id: self.order_id()?,
            node: self.optional_node()?,
            wms_order_key: self.text(&self.event.wms_order_key),
            carrier: self.text(&self.event.carrier),
            service: self.text(&self.event.service),
            tracking_number: self.required(self.text(&self.event.tracking_number), "tracking_number")?,
            location: self.text(&self.event.location),
            estimated_delivery_date: self.event.estimated_delivery_date,
            lines: self.lines()?,
        })
    }

    fn exception(&self) -> Result<WarehouseException, Error> {
        Ok(WarehouseException {
            code: self.required(self.text(&self.event.exception_code), "exception_code")?,
            order_id: self.optional_order_id()?,
            node: self.optional_node()?,
            sku: self.optional_sku()?,
            task_id: self.text(&self.event.task_id),
            location: self.text(&self.event.location),
            message: self.text(&self.event.message),
        })
    }

    fn adjusted(&self) -> Result<InventoryAdjusted, Error> {
        Ok(InventoryAdjusted {
            node: self.node()?,
            sku: self.sku()?,
            delta: de::quantity(self.number(&self.event.quantity, "quantity")?, "quantity")?,
            unit: None,
            reason: self.text(&self.event.reason),
        })
    }

    fn snapshot(&self) -> Result<InventorySnapshot, Error> {
        let on_hand = de::quantity(self.number(&self.event.on_hand, "on_hand")?, "on_hand")?;
        if on_hand.units() < 0 {
            let message = format!("on_hand in a snapshot cannot be negative; got {on_hand}.");
            return Err(model::Error::new("invalid_quantity", message).at("on_hand").into());
        }
        Ok(InventorySnapshot {
            node: self.node()?,
            sku: self.sku()?,
            on_hand,
            unit: None,
        })
    }

    fn receipt(&self) -> Result<Receipt, Error> {
        Ok(Receipt {
            node: self.node()?,
            po_number: self.text(&self.event.po_number),
            asn_id: self.text(&self.event.asn_id),
            lines: self.required_lines()?,
        })
    }

    fn returned(&self) -> Result<ReturnReceived, Error> {
        Ok(ReturnReceived {
            order_id: self.order_id()?,
            rma: self.text(&self.event.rma),
            node: self.optional_node()?,
            lines: self.required_lines()?,
            condition: self.text(&self.event.condition),
        })
    }
}
