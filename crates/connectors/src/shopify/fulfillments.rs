//! `fulfillments/create` and `fulfillments/update`: a shipped fulfillment
//! into `order.shipped`, its carrier status into `shipment.tracking`.
//!
//! Both topics carry the whole fulfillment and are read alike.
//!
//! - `status: success` is a shipment: one `order.shipped` per tracking
//!   number. Shopify lists a fulfillment's tracking numbers but not which
//!   lines went into which package, so every line goes on the first and the
//!   others carry none. A fulfillment without a tracking number (local
//!   delivery, marked as fulfilled by hand) has still shipped: its package is
//!   named `shopify-fulfillment-{id}`, so the order still becomes shipped and
//!   a later status finds it. The node is the one whose Shopify location
//!   (`locations`) is the fulfillment's `location_id`; none when unmapped.
//! - `shipment_status`, once Shopify has one (`confirmed`, `in_transit`,
//!   `delivered`…), becomes a `shipment.tracking` per tracking number.
//! - `pending` and `open` fulfillments have not shipped yet, and `cancelled`,
//!   `failure` and `error` ones did not ship: no events, and the delivery is
//!   acknowledged. crossdock has no event that takes a shipment back, so a
//!   fulfillment cancelled after it was reported shipped stays shipped in
//!   crossdock until someone corrects it.
//!
//! A shipped fulfillment is repeated by every later `fulfillments/update`
//! (a new carrier status, say), so the id of its `order.shipped` is the
//! fulfillment and the tracking number only: the repeats are duplicates,
//! while a tracking number added later is a new shipment. A
//! `shipment.tracking` id adds the status and the fulfillment's `updated_at`,
//! so each change of status is a new event and a redelivery is not. The
//! fulfillment crossdock itself created in Shopify comes back this way too;
//! its tracking number is the one the warehouse reported, and a second
//! `order.shipped` for a package crossdock knows moves no stock again.

use model::event::{Shipped, TrackingUpdate};
use model::shipment::TrackingStatus;
use model::{Event, EventBody};

use super::sink::SinkConfig;
use super::{TRIGGERED_AT_HEADER, Webhook, event, order_id_at, units_of, wire};
use crate::Error;
use crate::de::{self, clean};

/// A tracking number is an id, not free text: past this length the payload
/// is not what the carrier issued (and event ids stay within their limit).
const MAX_TRACKING_NUMBER_LEN: usize = 100;

/// Shopify's shipment statuses (`FulfillmentEventStatus`) as tracking statuses.
const SHIPMENT_STATUSES: [(&str, TrackingStatus); 12] = [
    ("label_purchased", TrackingStatus::PreTransit),
    ("label_printed", TrackingStatus::PreTransit),
    ("confirmed", TrackingStatus::PreTransit),
    ("carrier_picked_up", TrackingStatus::InTransit),
    ("in_transit", TrackingStatus::InTransit),
    ("out_for_delivery", TrackingStatus::OutForDelivery),
    ("ready_for_pickup", TrackingStatus::AvailableForPickup),
    ("delivered", TrackingStatus::Delivered),
    ("picked_up", TrackingStatus::Delivered),
    ("attempted_delivery", TrackingStatus::Exception),
    ("delayed", TrackingStatus::Exception),
    ("failure", TrackingStatus::Failure),
];

pub(super) fn to_events(webhook: &Webhook<'_>, body: &[u8], connection: &str, settings: &SinkConfig) -> Result<Vec<Event>, Error> {
    let fulfillment: wire::Fulfillment = de::from_slice(body)?;
    if !has_shipped(fulfillment.status.as_deref())? {
        return Ok(Vec::new());
    }
    let id = de::required(fulfillment.id, "id", || {
        "`id` is required: it is the key that makes redelivery safe.".to_owned()
    })?;
    let order_id = order_id_at(fulfillment.order_id.as_deref(), "order_id")?;
    let numbers = tracking_numbers(&fulfillment, id)?;
    let mut lines = fulfillment
        .line_items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            units_of(
                item,
                item.quantity.as_ref(),
                &format!("line_items[{i}].sku"),
                &format!("line_items[{i}].quantity"),
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let node = fulfillment.location_id.and_then(|l| settings.node_at(l)).cloned();
    // Upper case, as the carrier connectors and warehouses name carriers (`FEDEX`).
    let carrier = clean(fulfillment.tracking_company.as_deref()).map(|c| c.to_uppercase());
    // Shipped when the fulfillment was made; a later update only repeats it.
    let shipped_at = fulfillment.created_at.or(webhook.triggered_at).or(fulfillment.updated_at);
    let shipped_at = de::required(shipped_at, "created_at", || {
        format!(
            "The fulfillment has no `created_at` or `updated_at`, and the delivery no `{TRIGGERED_AT_HEADER}`; one is needed to place the shipment in time."
        )
    })?;

    let mut events = Vec::with_capacity(numbers.len() * 2);
    for number in &numbers {
        let shipped = Shipped {
            order_id: order_id.clone(),
            node: node.clone(),
            wms_order_key: None,
            carrier: carrier.clone(),
            service: None,
            tracking_number: number.clone(),
            location: None,
            estimated_delivery_date: None,
            // Every line on the first package, none on the others.
            lines: std::mem::take(&mut lines),
        };
        let event_id = format!("shopify-fulfillment-{id}-shipped-{number}");
        events.push(event(event_id, connection, shipped_at, EventBody::OrderShipped(shipped)));
    }
    if let Some(raw) = clean(fulfillment.shipment_status.as_deref()) {
        let (name, status) = tracking_status(&raw);
        let changed_at = fulfillment.updated_at.or(webhook.triggered_at).unwrap_or(shipped_at);
        for number in &numbers {
            let update = TrackingUpdate {
                tracking_number: number.clone(),
                carrier: carrier.clone(),
                status,
                location: None,
                // Shopify's own word, which tells `label_printed` from `confirmed`.
                description: Some(raw.clone()),
                estimated_delivery_date: None,
            };
            let event_id = format!("shopify-fulfillment-{id}-{name}-{}-{number}", changed_at.as_second());
            events.push(event(event_id, connection, changed_at, EventBody::ShipmentTracking(update)));
        }
    }
    Ok(events)
}

/// Whether the fulfillment's units left: `success`. A status Shopify does
/// not document is refused rather than guessed either way.
fn has_shipped(status: Option<&str>) -> Result<bool, Error> {
    let status = de::required(clean(status), "status", || {
        "`status` is required: it says whether the fulfillment shipped.".to_owned()
    })?;
    match status.to_ascii_lowercase().as_str() {
        "success" => Ok(true),
        "pending" | "open" | "cancelled" | "failure" | "error" => Ok(false),
        _ => Err(Error::payload(
            "status",
            format!("`{status}` is not a fulfillment status; Shopify documents pending, open, success, cancelled, error and failure."),
        )),
    }
}

/// The fulfillment's tracking numbers, each once, in Shopify's order
/// (`tracking_number` is the first of `tracking_numbers`, and the only one
/// older API versions send); `shopify-fulfillment-{id}` when there are none.
fn tracking_numbers(fulfillment: &wire::Fulfillment, id: u64) -> Result<Vec<String>, Error> {
    let listed = fulfillment
        .tracking_numbers
        .iter()
        .enumerate()
        .map(|(i, n)| (format!("tracking_numbers[{i}]"), n.as_deref()));
    let first = std::iter::once(("tracking_number".to_owned(), fulfillment.tracking_number.as_deref()));
    let mut numbers: Vec<String> = Vec::new();
    for (field, raw) in listed.chain(first) {
        let Some(number) = clean(raw) else { continue };
        if number.len() > MAX_TRACKING_NUMBER_LEN {
            return Err(Error::payload(
                field,
                format!(
                    "A tracking number is at most {MAX_TRACKING_NUMBER_LEN} bytes; got {}.",
                    number.len()
                ),
            ));
        }
        if !numbers.contains(&number) {
            numbers.push(number);
        }
    }
    if numbers.is_empty() {
        numbers.push(format!("shopify-fulfillment-{id}"));
    }
    Ok(numbers)
}

/// The tracking status of a Shopify shipment status, and the name the event
/// id uses for it; a status Shopify adds later is `unknown` until mapped.
fn tracking_status(raw: &str) -> (&'static str, TrackingStatus) {
    let raw = raw.to_ascii_lowercase();
    SHIPMENT_STATUSES
        .iter()
        .find(|(name, _)| *name == raw)
        .copied()
        .unwrap_or(("unknown", TrackingStatus::Unknown))
}
