//! WooCommerce's REST API (v3) order object, as sent in `order.*` webhook
//! bodies when the webhook's API version is one of the WP REST API versions.
//!
//! Only the fields crossdock maps are declared; unknown ones are ignored.
//! WooCommerce sends ids as numbers, amounts as strings, a line's `price` as a
//! number, `""` for most absent text, and times twice: in the site's own
//! zone without an offset (`date_created`) and in UTC, also without an offset
//! (`date_created_gmt`). Only the `_gmt` ones are read: the site's zone is not
//! in the payload, so the others cannot be placed in time.

use jiff::Timestamp;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::{self as serde_de, Deserializer, IgnoredAny};

use crate::de;

/// What every order topic needs to decide what the delivery is: read on its
/// own, so that nothing else in the order (a line without a SKU, say) can
/// stop a cancellation or a deletion from getting through.
#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a WooCommerce order object")]
pub(super) struct Head {
    #[serde(deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    pub status: Option<String>,
    #[serde(deserialize_with = "gmt")]
    pub date_created_gmt: Option<Timestamp>,
    #[serde(deserialize_with = "gmt")]
    pub date_modified_gmt: Option<Timestamp>,
    /// Only the legacy API's payloads wrap the order as `{"order": {...}}`.
    pub order: Option<IgnoredAny>,
}

/// The body of `order.created`, `order.updated` and `order.restored`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a WooCommerce order object")]
pub(super) struct Order {
    #[serde(deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    /// The order number shown to the shopper; the id unless a plugin numbers orders.
    #[serde(deserialize_with = "de::opt_id")]
    pub number: Option<String>,
    pub status: Option<String>,
    pub currency: Option<String>,
    /// `checkout`, `admin`, `rest-api`, `store-api`, or a plugin's name.
    pub created_via: Option<String>,
    #[serde(deserialize_with = "gmt")]
    pub date_created_gmt: Option<Timestamp>,
    #[serde(deserialize_with = "gmt")]
    pub date_paid_gmt: Option<Timestamp>,
    #[serde(deserialize_with = "de::opt_decimal")]
    pub total: Option<Decimal>,
    /// `0` for a guest.
    #[serde(deserialize_with = "de::opt_id")]
    pub customer_id: Option<String>,
    pub customer_ip_address: Option<String>,
    pub customer_note: Option<String>,
    pub billing: Option<Address>,
    pub shipping: Option<Address>,
    #[serde(deserialize_with = "de::nullable")]
    pub line_items: Vec<LineItem>,
    #[serde(deserialize_with = "de::nullable")]
    pub shipping_lines: Vec<ShippingLine>,
    /// Only whether there are any matters: `{id, reason, total}` each.
    #[serde(deserialize_with = "de::nullable")]
    pub refunds: Vec<IgnoredAny>,
}

/// `billing` and `shipping`; `email` only on billing, `phone` on shipping
/// since WooCommerce 5.6.
#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "an address object")]
pub(super) struct Address {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub address_1: Option<String>,
    pub address_2: Option<String>,
    pub city: Option<String>,
    /// A state code (`CA`) for the countries WooCommerce knows states of.
    pub state: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    pub postcode: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    pub email: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    pub phone: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a line item object")]
pub(super) struct LineItem {
    #[serde(deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    /// The product name, HTML-escaped (`Ship Your Idea &ndash; Color: Black`).
    pub name: Option<String>,
    #[serde(deserialize_with = "de::opt_id")]
    pub product_id: Option<String>,
    /// `0` for a simple product.
    #[serde(deserialize_with = "de::opt_id")]
    pub variation_id: Option<String>,
    /// Kept as a JSON number so a fraction is an invalid quantity, not a type error.
    pub quantity: Option<serde_json::Number>,
    pub sku: Option<String>,
    /// Unit price before discounts, a JSON number (`12`, `3.5`).
    #[serde(deserialize_with = "de::opt_decimal")]
    pub price: Option<Decimal>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a shipping line object")]
pub(super) struct ShippingLine {
    /// e.g. `Flat rate`, `Local pickup`.
    pub method_title: Option<String>,
    /// e.g. `flat_rate`, `local_pickup`, `free_shipping:3`.
    pub method_id: Option<String>,
}

/// A `_gmt` time: `2017-03-22T19:28:02`, UTC without an offset. An RFC 3339
/// value with an offset is read as such (some plugins rewrite the fields);
/// `null` and `""` are absent.
fn gmt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    let Some(raw) = Option::<String>::deserialize(d)? else {
        return Ok(None);
    };
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    if let Ok(ts) = raw.parse::<Timestamp>() {
        return Ok(Some(ts));
    }
    raw.parse::<jiff::civil::DateTime>()
        .and_then(|civil| civil.to_zoned(jiff::tz::TimeZone::UTC))
        .map(|zoned| Some(zoned.timestamp()))
        .map_err(|_| serde_de::Error::invalid_value(serde_de::Unexpected::Str(raw), &"a UTC time such as \"2017-03-22T19:28:02\""))
}
