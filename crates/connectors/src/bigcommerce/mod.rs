//! BigCommerce: `store/order/*` webhook callbacks into canonical order events.
//!
//! BigCommerce's callbacks are thin: `{"scope": "store/order/created",
//! "store_id", "data": {"type": "order", "id": 250}, "hash", "created_at",
//! "producer"}`. The order itself is fetched afterwards, so the server:
//!
//! 1. checks the callback's authentication header: BigCommerce signs nothing,
//!    and instead sends the `headers` the subscriber set when creating the
//!    hook (`POST /v3/hooks` `{"headers": {"X-Crossdock-Token": "…"}}`); the
//!    server compares that header with the connection's secret;
//! 2. reads the callback with [`parse_callback`], whose [`Callback::fetch`]
//!    lists the V2 REST calls to make (relative to
//!    `https://api.bigcommerce.com/stores/{store_hash}`, with `X-Auth-Token`);
//! 3. maps the answers with [`order_events`].
//!
//! BigCommerce retries a callback that is not answered with a 2xx, and
//! fires `store/order/updated` and `store/order/statusUpdated` together for a
//! status change. Event ids therefore come from the fetched order's state,
//! `bigcommerce-{store_id}-{order_id}-{type}-{date_modified}`, so that every
//! callback that fetched the same state of the order dedupes to one event and
//! a later change is a new one. The callback's `hash` is not used: it hashes
//! only `data`, so it is the same for every scope and change of one order.

mod wire;

#[cfg(test)]
mod tests;

use jiff::Timestamp;
use model::event::OrderCancelled;
use model::order::{Address, Customer, ExternalIds, OrderData, OrderFlag, OrderLine, PaymentState, ServiceLevel};
use model::quantity::Currency;
use model::{Event, EventBody, Money, OrderId, Sku};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;

use crate::Error;
use crate::de::{self, clean};
use crate::outbound::{Method, Request};

/// The callback scopes [`parse_callback`] accepts; subscribe a store to these only.
pub const SCOPES: [&str; 4] = [
    "store/order/created",
    "store/order/updated",
    "store/order/statusUpdated",
    "store/order/archived",
];

/// V2 order statuses that end an order: Refunded (4), Cancelled (5) and
/// Declined (6, the payment was refused). Such an order becomes
/// `order.cancelled` whatever the scope.
pub const CANCELLED_STATUS_IDS: [u32; 3] = [4, 5, 6];

/// Products fetched per order; an order with more lines is refused rather
/// than mapped without some of them.
pub const PRODUCTS_PAGE_LIMIT: usize = 250;

/// Longest `store_id` accepted; it becomes part of event ids.
const MAX_STORE_ID_LEN: usize = 64;

/// What a callback is about, and what to fetch to map it.
#[derive(Debug, Clone, PartialEq)]
pub struct Callback {
    /// One of [`SCOPES`].
    pub scope: String,
    pub store_id: String,
    pub order_id: u64,
    /// When BigCommerce fired the callback.
    pub created_at: Timestamp,
    /// A hash of the callback's `data`, for logs.
    pub hash: Option<String>,
    /// `stores/{store_hash}`.
    pub producer: Option<String>,
    /// The V2 calls whose answers [`order_events`] takes, in its argument
    /// order: the order, its products, its shipping addresses. An empty
    /// collection may be answered `204 No Content` with no body; pass the
    /// empty body as it is.
    pub fetch: Vec<Request>,
}

/// Reads a callback body. Scopes other than [`SCOPES`] (products,
/// inventory, shipments, order messages and refunds…) are
/// [`Error::UnsupportedTopic`].
pub fn parse_callback(body: &[u8]) -> Result<Callback, Error> {
    let callback: wire::Callback = de::from_slice(body)?;
    let scope = de::required(clean(callback.scope.as_deref()), "scope", || {
        "The callback has no `scope`.".to_owned()
    })?;
    if !SCOPES.contains(&scope.as_str()) {
        return Err(Error::UnsupportedTopic(scope));
    }
    let data = callback.data.unwrap_or_default();
    if let Some(kind) = clean(data.kind.as_deref()).filter(|k| k != "order") {
        return Err(Error::payload(
            "data.type",
            format!("An order scope names a `{kind}`, not an order."),
        ));
    }
    let order_id = de::required(data.id.filter(|id| *id > 0), "data.id", || {
        "The callback names no order: `data.id` is missing or zero.".to_owned()
    })?;
    let store_id = de::required(clean(callback.store_id.as_deref()), "store_id", || {
        "The callback has no `store_id`.".to_owned()
    })?;
    if store_id.len() > MAX_STORE_ID_LEN {
        return Err(Error::payload(
            "store_id",
            format!("A store id is at most {MAX_STORE_ID_LEN} bytes; got {}.", store_id.len()),
        ));
    }
    let seconds = de::required(callback.created_at, "created_at", || "The callback has no `created_at`.".to_owned())?;
    let created_at =
        Timestamp::from_second(seconds).map_err(|_| Error::payload("created_at", format!("{seconds} is not a time in Unix seconds.")))?;
    let get = |path: String| Request {
        method: Method::Get,
        path,
        // V2 answers XML unless asked for JSON.
        headers: vec![("Accept".to_owned(), "application/json".to_owned())],
        body: None,
    };
    Ok(Callback {
        fetch: vec![
            get(format!("/v2/orders/{order_id}")),
            get(format!("/v2/orders/{order_id}/products?limit={PRODUCTS_PAGE_LIMIT}")),
            get(format!("/v2/orders/{order_id}/shipping_addresses")),
        ],
        scope,
        store_id,
        order_id,
        created_at,
        hash: clean(callback.hash.as_deref()),
        producer: clean(callback.producer.as_deref()),
    })
}

/// Maps a callback and the answers to its [`Callback::fetch`] calls to
/// canonical events:
///
/// - an order with a status in [`CANCELLED_STATUS_IDS`], and any order after
///   `store/order/archived` → `order.cancelled` with the status name (or
///   `archived`) as the reason; products and addresses are not read, so
///   nothing in them can stop a cancellation;
/// - otherwise `store/order/created` → `order.created`, the other scopes →
///   `order.updated`.
///
/// `addresses_json` is `None` when the shipping addresses were not fetched;
/// the order then has no ship-to address. An order shipping to several
/// addresses is refused: crossdock ships an order to one.
pub fn order_events(
    callback: &Callback,
    order_json: &[u8],
    products_json: &[u8],
    addresses_json: Option<&[u8]>,
    connection: &str,
) -> Result<Vec<Event>, Error> {
    let order: wire::Order = de::from_slice(order_json)?;
    let fetched = de::required(order.id, "id", || "The order has no `id`.".to_owned())?;
    if fetched != callback.order_id {
        return Err(Error::payload(
            "id",
            format!(
                "The fetched order is {fetched}, but the callback is about order {}.",
                callback.order_id
            ),
        ));
    }
    let order_id = de::parse_as(OrderId::parse, &fetched.to_string(), "id")?;
    let cancelled_reason = if callback.scope == "store/order/archived" || order.is_deleted == Some(true) {
        Some("archived".to_owned())
    } else {
        order
            .status_id
            .filter(|id| CANCELLED_STATUS_IDS.contains(id))
            .map(|id| clean(order.status.as_deref()).unwrap_or_else(|| format!("status {id}")))
    };
    let (body, occurred_at) = match cancelled_reason {
        Some(reason) => (
            EventBody::OrderCancelled(OrderCancelled {
                order_id,
                reason: Some(reason),
            }),
            order.date_modified.unwrap_or(callback.created_at),
        ),
        None => {
            let products: Vec<wire::Product> = list(products_json, "products")?;
            let addresses: Vec<wire::Address> = addresses_json
                .map(|a| list(a, "shipping_addresses"))
                .transpose()?
                .unwrap_or_default();
            let data = order_data(&order, order_id, &products, &addresses)?;
            if callback.scope == "store/order/created" {
                (EventBody::OrderCreated(data), callback.created_at)
            } else {
                (EventBody::OrderUpdated(data), order.date_modified.unwrap_or(callback.created_at))
            }
        }
    };
    let event_id = match order.date_modified {
        Some(modified) => format!(
            "bigcommerce-{}-{}-{}-{modified}",
            callback.store_id,
            callback.order_id,
            body.kind().as_str()
        ),
        None => format!(
            "bigcommerce-{}-{}-{}-{}",
            callback.store_id,
            callback.scope,
            callback.order_id,
            callback.created_at.as_second()
        ),
    };
    Ok(vec![Event {
        event_id,
        source: connection.to_owned(),
        tenant: None,
        occurred_at,
        body,
    }])
}

/// A V2 collection: a JSON array, or an empty body (`204 No Content`) for
/// none. Errors name the collection, e.g. `products[1].sku`.
fn list<T: DeserializeOwned>(body: &[u8], name: &str) -> Result<Vec<T>, Error> {
    if body.trim_ascii().is_empty() {
        return Ok(Vec::new());
    }
    de::from_slice(body).map_err(|e| e.at(name))
}

fn order_data(order: &wire::Order, order_id: OrderId, products: &[wire::Product], addresses: &[wire::Address]) -> Result<OrderData, Error> {
    if addresses.len() > 1 {
        return Err(Error::payload(
            "shipping_addresses[1]",
            format!(
                "The order ships to {} addresses; crossdock ships an order to one. Hint: split the order in BigCommerce.",
                addresses.len()
            ),
        ));
    }
    let currency = clean(order.default_currency_code.as_deref())
        .map(|c| ("default_currency_code", c))
        .or_else(|| clean(order.currency_code.as_deref()).map(|c| ("currency_code", c)))
        .map(|(field, code)| de::parse_as(Currency::parse, &code.to_ascii_uppercase(), field))
        .transpose()?;
    let billing = order.billing_address.as_ref();
    let shipping = addresses.first();
    let wrapped = products.iter().any(|p| clean(p.wrapping_name.as_deref()).is_some());
    Ok(OrderData {
        external_ids: ExternalIds {
            storefront_order_id: Some(order_id.to_string()),
            ..ExternalIds::default()
        },
        order_id,
        channel: clean(order.order_source.as_deref()).or_else(|| Some("web".to_owned())),
        customer: Customer {
            id: order.customer_id.filter(|id| *id != 0).map(|id| id.to_string()),
            name: billing.and_then(|b| de::full_name(b.first_name.as_deref(), b.last_name.as_deref())),
            email: billing.and_then(|b| clean(b.email.as_deref())),
            phone: billing.and_then(|b| clean(b.phone.as_deref())),
            ..Customer::default()
        },
        ship_to: shipping.map(address).unwrap_or_default(),
        bill_to: billing.map(address),
        lines: lines(products, currency)?,
        service_level: shipping
            .and_then(|s| clean(s.shipping_method.as_deref()))
            .map(|method| crate::shopify::service_level_named(&method, ""))
            .unwrap_or(ServiceLevel::Standard),
        payment_state: payment_state(order),
        po_number: None,
        total: money(order.total_inc_tax, currency, "total_inc_tax")?,
        flags: if wrapped { vec![OrderFlag::GiftWrap] } else { Vec::new() },
        gift_message: products.iter().find_map(|p| clean(p.wrapping_message.as_deref())),
        note: clean(order.customer_message.as_deref()),
        placed_at: order.date_created,
        promised_by: None,
        client_ip: clean(order.ip_address.as_deref()),
    })
}

/// Amounts without the order's currency are refused rather than guessed.
fn money(amount: Option<Decimal>, currency: Option<Currency>, field: &str) -> Result<Option<Money>, Error> {
    let Some(amount) = amount else {
        return Ok(None);
    };
    let currency = de::required(currency, "default_currency_code", || {
        format!("The order has amounts (`{field}`) but no `default_currency_code` or `currency_code`.")
    })?;
    Ok(Some(Money { amount, currency }))
}

fn address(a: &wire::Address) -> Address {
    Address {
        name: de::full_name(a.first_name.as_deref(), a.last_name.as_deref()),
        company: clean(a.company.as_deref()),
        line1: clean(a.street_1.as_deref()),
        line2: clean(a.street_2.as_deref()),
        city: clean(a.city.as_deref()),
        region: clean(a.state.as_deref()),
        postal_code: clean(a.zip.as_deref()),
        // Only the ISO code: `country` is a display name ("United States").
        country: clean(a.country_iso2.as_deref()).map(|c| c.to_ascii_uppercase()),
        phone: clean(a.phone.as_deref()),
        lat: None,
        lon: None,
    }
}

fn lines(products: &[wire::Product], currency: Option<Currency>) -> Result<Vec<OrderLine>, Error> {
    if products.is_empty() {
        return Err(Error::payload("products", "An order needs at least one product."));
    }
    if products.len() >= PRODUCTS_PAGE_LIMIT {
        return Err(Error::payload(
            "products",
            format!("The order has {PRODUCTS_PAGE_LIMIT} or more products, more than one page; it is not mapped without some of them."),
        ));
    }
    products.iter().enumerate().map(|(i, p)| line(i, p, currency)).collect()
}

/// Every line needs a SKU: it is what stock is reserved and sourced by.
fn line(i: usize, product: &wire::Product, currency: Option<Currency>) -> Result<OrderLine, Error> {
    let at = |field: &str| format!("products[{i}].{field}");
    let name = clean(product.name.as_deref());
    let title = name.as_deref().unwrap_or("untitled");
    let sku = de::required(clean(product.sku.as_deref()), &at("sku"), || {
        format!(
            "Product `{title}` (product {}) has no SKU. Hint: give the product or its variant a SKU in BigCommerce, \
             then update the order to send it again.",
            product.product_id.as_deref().unwrap_or("?")
        )
    })?;
    let quantity = de::required(product.quantity.as_ref(), &at("quantity"), || {
        format!("Product `{title}` has no quantity.")
    })?;
    Ok(OrderLine {
        line_id: clean(product.id.as_deref()),
        sku: de::parse_as(Sku::parse, &sku, &at("sku"))?,
        quantity: de::positive_quantity(quantity, &at("quantity"))?,
        unit_price: money(product.price_inc_tax, currency, &at("price_inc_tax"))?,
        name,
    })
}

/// `payment_status` when the order has one; offline methods (bank deposit,
/// cash on delivery) leave it blank, and then the status says it: the
/// merchant moves a paid order on to Awaiting Fulfillment (11) or later.
/// Anything unknown counts as pending, the state in which the engine looks
/// before it ships.
fn payment_state(order: &wire::Order) -> PaymentState {
    match order.payment_status.as_deref().map(|s| s.trim().to_ascii_lowercase()).as_deref() {
        Some("captured" | "paid") => PaymentState::Paid,
        Some("authorized") => PaymentState::Authorized,
        Some("partially refunded") => PaymentState::PartiallyRefunded,
        Some("refunded") => PaymentState::Refunded,
        Some("void") => PaymentState::Voided,
        Some("declined") => PaymentState::Failed,
        Some("" | "pending" | "capture pending" | "held for review" | "void pending") | None => match order.status_id {
            // Shipped, Partially Shipped, Awaiting Pickup, Awaiting Shipment, Completed, Awaiting Fulfillment.
            Some(2 | 3 | 8 | 9 | 10 | 11) if order.payment_status.as_deref().is_none_or(|s| s.trim().is_empty()) => PaymentState::Paid,
            _ => PaymentState::Pending,
        },
        Some(_) => PaymentState::Pending,
    }
}
