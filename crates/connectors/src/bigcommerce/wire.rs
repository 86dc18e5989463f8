//! BigCommerce's wire shapes: the webhook callback, and the V2 REST answers
//! fetched after it (`/v2/orders/{id}`, its `/products` and its
//! `/shipping_addresses`).
//!
//! Only the fields crossdock maps are declared; unknown ones are ignored.
//! V2 sends ids as numbers, amounts as strings with four decimals
//! (`"29.3500"`), and times in RFC 2822 (`Tue, 20 Nov 2012 00:00:00 +0000`),
//! with `""` for a time that has not happened (`date_shipped`).

use jiff::Timestamp;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::{self as serde_de, Deserializer};

use crate::de;

/// A webhook callback: `{"scope", "store_id", "data": {"type", "id"}, "hash",
/// "created_at", "producer"}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a BigCommerce webhook callback")]
pub(super) struct Callback {
    /// e.g. `store/order/created`.
    pub scope: Option<String>,
    #[serde(deserialize_with = "de::opt_id")]
    pub store_id: Option<String>,
    pub data: Option<CallbackData>,
    /// A hash of `data`; the same for every scope about one order.
    pub hash: Option<String>,
    /// Unix seconds.
    pub created_at: Option<i64>,
    /// `stores/{store_hash}`.
    pub producer: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a callback's data object")]
pub(super) struct CallbackData {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub id: Option<u64>,
}

/// `GET /v2/orders/{id}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a BigCommerce V2 order object")]
pub(super) struct Order {
    pub id: Option<u64>,
    /// `0` for a guest.
    pub customer_id: Option<u64>,
    #[serde(deserialize_with = "rfc2822")]
    pub date_created: Option<Timestamp>,
    #[serde(deserialize_with = "rfc2822")]
    pub date_modified: Option<Timestamp>,
    pub status_id: Option<u32>,
    /// The status's name, e.g. `Awaiting Fulfillment`.
    pub status: Option<String>,
    /// authorized | captured | capture pending | declined | held for review |
    /// paid | partially refunded | pending | refunded | void | void pending;
    /// `""` for offline payment methods.
    pub payment_status: Option<String>,
    #[serde(deserialize_with = "de::opt_decimal")]
    pub total_inc_tax: Option<Decimal>,
    /// The transactional currency: what the shopper paid in, and what the
    /// amounts are in.
    pub default_currency_code: Option<String>,
    /// The display currency; the same as the transactional one for V2 orders.
    pub currency_code: Option<String>,
    /// `www` from the storefront, `external` through the API, `manual`…
    pub order_source: Option<String>,
    pub customer_message: Option<String>,
    pub ip_address: Option<String>,
    /// An archived order is `true`: it was deleted in the control panel.
    pub is_deleted: Option<bool>,
    pub billing_address: Option<Address>,
}

/// `billing_address` on the order, and each item of `/shipping_addresses`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "an address object")]
pub(super) struct Address {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub street_1: Option<String>,
    pub street_2: Option<String>,
    pub city: Option<String>,
    /// The state's name, e.g. `Texas`.
    pub state: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    pub zip: Option<String>,
    pub country_iso2: Option<String>,
    pub email: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    pub phone: Option<String>,
    /// Shipping addresses only: the method the shopper chose, e.g. `Free Shipping`.
    pub shipping_method: Option<String>,
}

/// Each item of `GET /v2/orders/{id}/products`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "an order product object")]
pub(super) struct Product {
    #[serde(deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::opt_id")]
    pub product_id: Option<String>,
    pub name: Option<String>,
    pub sku: Option<String>,
    /// Kept as a JSON number so a fraction is an invalid quantity, not a type error.
    pub quantity: Option<serde_json::Number>,
    #[serde(deserialize_with = "de::opt_decimal")]
    pub price_inc_tax: Option<Decimal>,
    /// Gift wrapping chosen for this product, e.g. `Gift Box`.
    pub wrapping_name: Option<String>,
    pub wrapping_message: Option<String>,
}

/// An RFC 2822 time; `null` and `""` are absent.
fn rfc2822<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    let Some(raw) = Option::<String>::deserialize(d)? else {
        return Ok(None);
    };
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(raw)
        .map(Some)
        .map_err(|_| {
            serde_de::Error::invalid_value(
                serde_de::Unexpected::Str(raw),
                &"an RFC 2822 time such as \"Tue, 20 Nov 2012 00:00:00 +0000\"",
            )
        })
}
