//! `inventory_levels/update`: Shopify's stock level at a location into
//! `inventory.snapshot`, for the nodes whose stock Shopify owns.
//!
//! crossdock is normally the source of truth for stock and sets Shopify's
//! levels itself (`inventory_levels/set`, see the sink), so most updates are
//! the echo of what crossdock set. Taken as counts they would overwrite
//! crossdock's on-hand with its own ATP, which is lower by what is held
//! back, and the next level crossdock set would come back lower again. An
//! update for any location but those of `stock_from_shopify` is therefore
//! acknowledged and ignored: no events.
//!
//! For a node in `stock_from_shopify` (a retail store selling through
//! Shopify POS), Shopify's `available` becomes the node's on-hand. The SKU
//! is the one whose inventory item (`inventory_items`) is the update's; an
//! item not mapped is an error naming the key to add. The webhook carries
//! only `available`, which leaves out units Shopify has committed to orders
//! not yet fulfilled there; at a store that sells over the counter there are
//! few. It goes below zero when Shopify oversells; an on-hand cannot, so that
//! is read as none left. An item no longer tracked at the location
//! (`available: null`) has no level to record: no events.
//!
//! The event id is the item, the location, `updated_at` and the level, so a
//! redelivery is a duplicate and every change, even two within a second, a
//! new event.

use model::event::InventorySnapshot;
use model::{Event, EventBody, Quantity};

use super::sink::SinkConfig;
use super::{TRIGGERED_AT_HEADER, Webhook, event, wire};
use crate::Error;
use crate::de;

pub(super) fn to_events(webhook: &Webhook<'_>, body: &[u8], connection: &str, settings: &SinkConfig) -> Result<Vec<Event>, Error> {
    let level: wire::InventoryLevel = de::from_slice(body)?;
    let location = de::required(level.location_id, "location_id", || {
        "`location_id` is required: it says whose stock this is.".to_owned()
    })?;
    // Validated: every `stock_from_shopify` node has a location, so a
    // location without a node is not one whose stock Shopify owns.
    let Some(node) = settings.node_at(location).filter(|node| settings.stock_from_shopify.contains(node)) else {
        return Ok(Vec::new());
    };
    let item = de::required(level.inventory_item_id, "inventory_item_id", || {
        "`inventory_item_id` is required: it says which SKU this is.".to_owned()
    })?;
    let sku = settings.sku_of(item).ok_or_else(|| {
        Error::payload(
            "inventory_item_id",
            format!(
                "Shopify inventory item {item} has no SKU, so the level of node `{node}` cannot be recorded. Hint: add \
                 `<SKU> = {item}` under `inventory_items` in the Shopify connection's settings."
            ),
        )
    })?;
    let Some(available) = level.available else {
        return Ok(Vec::new());
    };
    let on_hand = Quantity::new(de::quantity(&available, "available")?.units().max(0))?;
    let occurred_at = de::required(level.updated_at.or(webhook.triggered_at), "updated_at", || {
        format!("The level has no `updated_at` and the delivery no `{TRIGGERED_AT_HEADER}`; one is needed to place the count in time.")
    })?;
    let event_id = format!("shopify-inventory-{item}-{location}-{}-{available}", occurred_at.as_second());
    let snapshot = InventorySnapshot {
        node: node.clone(),
        sku: sku.clone(),
        on_hand,
        unit: None,
    };
    Ok(vec![event(
        event_id,
        connection,
        occurred_at,
        EventBody::InventorySnapshot(snapshot),
    )])
}
