//! `refunds/create`: units restocked as returned into `return.received`.
//!
//! Each refund line says how its units went back to stock (`restock_type`):
//!
//! - `return`: shipped units came back. They are a return.
//! - `legacy_restock`: restocked before Shopify told returns from
//!   cancellations apart; read as a return.
//! - `cancel`: units that never shipped were cancelled. Nothing is recorded:
//!   crossdock's on-hand never lost them (they were only allocated), and
//!   shrinking the order is the order topics' job (Shopify sends
//!   `orders/updated` with the refund).
//! - `no_restock`: money only; the units did not come back to stock.
//!
//! A refund without `restock_type` (older API versions) says with
//! `restock: true` that every line was restocked, which is `legacy_restock`.
//! A refund that restocks nothing as returned maps to no events.
//!
//! The returned units are received at the node whose Shopify location
//! (`locations`) they were restocked at, and added to its on-hand. A return
//! needs no node, so when the location is not mapped (or Shopify names
//! none) the return is still recorded on the order and no stock moves:
//! crossdock does not count that location's stock. A return is received at
//! one node, so a refund restocking at several locations becomes one event
//! per location.
//!
//! A refund is not changed after it is created, so its id is the event id
//! (`shopify-refund-{id}`, with `-at-{location_id}` when there are several
//! locations): a redelivery is a duplicate.

use model::event::ReturnReceived;
use model::ops::LineQty;
use model::{Event, EventBody};

use super::sink::SinkConfig;
use super::{TRIGGERED_AT_HEADER, Webhook, event, order_id_at, units_of, wire};
use crate::Error;
use crate::de::{self, clean};

pub(super) fn to_events(webhook: &Webhook<'_>, body: &[u8], connection: &str, settings: &SinkConfig) -> Result<Vec<Event>, Error> {
    let refund: wire::Refund = de::from_slice(body)?;
    let id = de::required(refund.id, "id", || {
        "`id` is required: it is the key that makes redelivery safe.".to_owned()
    })?;
    let order_id = order_id_at(refund.order_id.as_deref(), "order_id")?;
    // Units returned, by the Shopify location they were restocked at, in the
    // order the refund lists them.
    let mut returned: Vec<(Option<u64>, Vec<LineQty>)> = Vec::new();
    for (i, line) in refund.refund_line_items.iter().enumerate() {
        if !is_return(line, refund.restock, i)? {
            continue;
        }
        let at = |field: &str| format!("refund_line_items[{i}].{field}");
        let item = line.line_item.as_ref();
        let item = de::required(item, &at("line_item"), || {
            "A restocked refund line needs its `line_item`, which names the SKU.".to_owned()
        })?;
        let units = units_of(item, line.quantity.as_ref(), &at("line_item.sku"), &at("quantity"))?;
        match returned.iter_mut().find(|(location, _)| *location == line.location_id) {
            Some((_, lines)) => lines.push(units),
            None => returned.push((line.location_id, vec![units])),
        }
    }
    if returned.is_empty() {
        return Ok(Vec::new());
    }
    let occurred_at = refund.created_at.or(refund.processed_at).or(webhook.triggered_at);
    let occurred_at = de::required(occurred_at, "created_at", || {
        format!(
            "The refund has no `created_at` or `processed_at`, and the delivery no `{TRIGGERED_AT_HEADER}`; one is needed to place the return in time."
        )
    })?;
    let several = returned.len() > 1;
    Ok(returned
        .into_iter()
        .map(|(location, lines)| {
            let event_id = match (several, location) {
                (false, _) => format!("shopify-refund-{id}"),
                (true, Some(location)) => format!("shopify-refund-{id}-at-{location}"),
                (true, None) => format!("shopify-refund-{id}-at-none"),
            };
            let body = ReturnReceived {
                order_id: order_id.clone(),
                rma: None,
                node: location.and_then(|l| settings.node_at(l)).cloned(),
                lines,
                condition: None,
            };
            event(event_id, connection, occurred_at, EventBody::ReturnReceived(body))
        })
        .collect())
}

/// Whether a refund line's units came back as a return (see the module
/// documentation); `restock` is the refund's own legacy flag.
fn is_return(line: &wire::RefundLineItem, restock: Option<bool>, i: usize) -> Result<bool, Error> {
    let restock_type = match clean(line.restock_type.as_deref()) {
        Some(raw) => raw.to_ascii_lowercase(),
        None if restock == Some(true) => "legacy_restock".to_owned(),
        None => "no_restock".to_owned(),
    };
    match restock_type.as_str() {
        "return" | "legacy_restock" => Ok(true),
        "cancel" | "no_restock" => Ok(false),
        other => Err(Error::payload(
            format!("refund_line_items[{i}].restock_type"),
            format!("`{other}` is not a restock type; Shopify documents return, cancel, legacy_restock and no_restock."),
        )),
    }
}
