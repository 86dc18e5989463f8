//! Shopify's Admin REST objects as sent in webhook bodies: the order
//! (`orders/*`), the fulfillment (`fulfillments/*`), the refund
//! (`refunds/create`) and the inventory level (`inventory_levels/update`).
//!
//! Only the fields crossdock maps are declared. Shopify adds fields in every
//! API version, sends `null` for most absent values, ids as numbers and
//! amounts as strings, so every field is optional and unknown ones are
//! ignored; what the mapping truly needs is checked there, with the path.

use jiff::Timestamp;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::de::{self, Attribute};

/// The body of `orders/create` and `orders/updated`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a Shopify order object")]
pub(super) struct Order {
    #[serde(deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    /// Display name, e.g. `#1001`.
    pub name: Option<String>,
    pub email: Option<String>,
    pub contact_email: Option<String>,
    pub phone: Option<String>,
    /// The shop's currency, which every unsuffixed amount is in.
    pub currency: Option<String>,
    #[serde(deserialize_with = "de::opt_decimal")]
    pub total_price: Option<Decimal>,
    pub financial_status: Option<String>,
    pub source_name: Option<String>,
    pub created_at: Option<Timestamp>,
    pub processed_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
    pub note: Option<String>,
    #[serde(deserialize_with = "de::attributes")]
    pub note_attributes: Vec<Attribute>,
    pub po_number: Option<String>,
    pub browser_ip: Option<String>,
    pub client_details: Option<ClientDetails>,
    pub customer: Option<Customer>,
    pub shipping_address: Option<Address>,
    pub billing_address: Option<Address>,
    #[serde(deserialize_with = "de::nullable")]
    pub line_items: Vec<LineItem>,
    #[serde(deserialize_with = "de::nullable")]
    pub shipping_lines: Vec<ShippingLine>,
}

/// The body of `orders/cancelled`. Read on its own, with only what a
/// cancellation needs, so that nothing elsewhere in the order (a line without
/// a SKU, say) can stop a cancellation from getting through.
#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a Shopify order object")]
pub(super) struct CancelledOrder {
    #[serde(deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    pub cancel_reason: Option<String>,
    pub cancelled_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a client_details object")]
pub(super) struct ClientDetails {
    pub browser_ip: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a customer object")]
pub(super) struct Customer {
    #[serde(deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub created_at: Option<Timestamp>,
    pub orders_count: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "an address object")]
pub(super) struct Address {
    pub name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub address1: Option<String>,
    pub address2: Option<String>,
    pub city: Option<String>,
    pub province: Option<String>,
    pub province_code: Option<String>,
    pub zip: Option<String>,
    pub country_code: Option<String>,
    pub phone: Option<String>,
    #[serde(deserialize_with = "de::opt_float")]
    pub latitude: Option<f64>,
    #[serde(deserialize_with = "de::opt_float")]
    pub longitude: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a line item object")]
pub(super) struct LineItem {
    #[serde(deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    pub sku: Option<String>,
    /// Units ordered. Kept as a JSON number so a fraction is reported as an
    /// invalid quantity rather than a type error.
    pub quantity: Option<serde_json::Number>,
    #[serde(deserialize_with = "de::opt_decimal")]
    pub price: Option<Decimal>,
    /// The product title; `name` adds the variant, e.g. `IPod Nano - 8gb - green`.
    pub title: Option<String>,
    pub name: Option<String>,
    #[serde(deserialize_with = "de::attributes")]
    pub properties: Vec<Attribute>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a shipping line object")]
pub(super) struct ShippingLine {
    pub title: Option<String>,
    pub code: Option<String>,
}

/// The body of `fulfillments/create` and `fulfillments/update`: the whole
/// fulfillment, whichever of the two sent it.
#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a Shopify fulfillment object")]
pub(super) struct Fulfillment {
    pub id: Option<u64>,
    /// Shopify's numeric order id, the canonical order id of `orders/create`.
    #[serde(deserialize_with = "de::opt_id")]
    pub order_id: Option<String>,
    /// pending | open | success | cancelled | error | failure
    pub status: Option<String>,
    /// The carrier's last word on the package, e.g. `in_transit`; `null` until there is one.
    pub shipment_status: Option<String>,
    pub tracking_company: Option<String>,
    /// The first of `tracking_numbers`, kept by Shopify for older clients.
    pub tracking_number: Option<String>,
    #[serde(deserialize_with = "de::nullable")]
    pub tracking_numbers: Vec<Option<String>>,
    pub location_id: Option<u64>,
    #[serde(deserialize_with = "de::nullable")]
    pub line_items: Vec<ItemRef>,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
}

/// A line item as a fulfillment or a refund names it: only what says which
/// units and how many.
#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a line item object")]
pub(super) struct ItemRef {
    pub sku: Option<String>,
    /// Kept as a JSON number so a fraction is reported as an invalid quantity.
    pub quantity: Option<serde_json::Number>,
    pub title: Option<String>,
    pub name: Option<String>,
}

/// The body of `refunds/create`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a Shopify refund object")]
pub(super) struct Refund {
    pub id: Option<u64>,
    #[serde(deserialize_with = "de::opt_id")]
    pub order_id: Option<String>,
    pub created_at: Option<Timestamp>,
    pub processed_at: Option<Timestamp>,
    /// Refunds made before Shopify had `restock_type` say only this, for every line.
    pub restock: Option<bool>,
    #[serde(deserialize_with = "de::nullable")]
    pub refund_line_items: Vec<RefundLineItem>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a refund line item object")]
pub(super) struct RefundLineItem {
    /// Units refunded, which may be fewer than the line's.
    pub quantity: Option<serde_json::Number>,
    /// Where the units were restocked; `null` when they were not.
    pub location_id: Option<u64>,
    /// return | cancel | legacy_restock | no_restock
    pub restock_type: Option<String>,
    pub line_item: Option<ItemRef>,
}

/// The body of `inventory_levels/update`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a Shopify inventory level object")]
pub(super) struct InventoryLevel {
    pub inventory_item_id: Option<u64>,
    pub location_id: Option<u64>,
    /// `null` when the item is not tracked at the location; below zero when oversold.
    pub available: Option<serde_json::Number>,
    pub updated_at: Option<Timestamp>,
}
