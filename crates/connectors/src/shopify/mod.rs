//! Shopify: webhooks into canonical events.
//!
//! The server verifies `X-Shopify-Hmac-Sha256` with
//! [`signature::verify_shopify`](crate::signature::verify_shopify), reads the
//! other headers with [`parse_headers`] and maps the body with
//! [`to_events_with`], given the connection's [`sink::SinkConfig`] (its
//! `locations` and `inventory_items` read backwards name crossdock's nodes and
//! SKUs). What each topic becomes:
//!
//! | topic | events |
//! |---|---|
//! | `orders/create`, `orders/updated`, `orders/cancelled` | `order.created`, `order.updated`, `order.cancelled` |
//! | `fulfillments/create`, `fulfillments/update` | `order.shipped` and `shipment.tracking` (see `fulfillments.rs`) |
//! | `refunds/create` | `return.received` for what was restocked as returned (see `refunds.rs`) |
//! | `inventory_levels/update` | `inventory.snapshot` for `stock_from_shopify` nodes only (see `inventory.rs`) |
//!
//! The canonical order id is Shopify's numeric order id: the display name
//! (`#1001`) repeats across shops, so it is kept only as an alias in
//! `external_ids`, where crossdock still resolves it. Fulfillments and
//! refunds name their order by that same id (`order_id`).
//!
//! Event ids make a redelivery a duplicate. An order event's id is the
//! delivery's `X-Shopify-Webhook-Id`, the same on every retry. The other
//! topics map one delivery to several events, and two topics can report the
//! same fact (`fulfillments/create` and `fulfillments/update` both carry a
//! shipped fulfillment), so their ids are built from what Shopify says
//! instead: the same fact delivered again is a duplicate, a change is a new
//! event.

mod fulfillments;
mod inventory;
mod refunds;
pub mod sink;
mod wire;

#[cfg(test)]
mod tests;

use jiff::Timestamp;
use model::event::OrderCancelled;
use model::ops::LineQty;
use model::order::{Address, Customer, ExternalIds, OrderData, OrderFlag, OrderLine, PaymentState, ServiceLevel};
use model::quantity::Currency;
use model::{Event, EventBody, Money, OrderId, Sku};
use rust_decimal::Decimal;

use crate::Error;
use crate::de::{self, Attribute, clean};

pub const TOPIC_HEADER: &str = "X-Shopify-Topic";
pub const HMAC_HEADER: &str = "X-Shopify-Hmac-Sha256";
pub const WEBHOOK_ID_HEADER: &str = "X-Shopify-Webhook-Id";
pub const SHOP_DOMAIN_HEADER: &str = "X-Shopify-Shop-Domain";
pub const TRIGGERED_AT_HEADER: &str = "X-Shopify-Triggered-At";
pub const EVENT_ID_HEADER: &str = "X-Shopify-Event-Id";
pub const API_VERSION_HEADER: &str = "X-Shopify-API-Version";

/// The webhook topics [`to_events_with`] maps; subscribe a shop to these
/// only. `inventory_levels/update` is worth subscribing to only when the
/// connection has `stock_from_shopify` nodes; it is ignored otherwise.
pub const TOPICS: [&str; 7] = [
    "orders/create",
    "orders/updated",
    "orders/cancelled",
    "fulfillments/create",
    "fulfillments/update",
    "refunds/create",
    "inventory_levels/update",
];

/// What Shopify's headers say about one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook<'a> {
    /// e.g. `orders/create`.
    pub topic: &'a str,
    /// The same on every retry of one delivery, so it is the event id that
    /// makes a redelivery a no-op.
    pub webhook_id: &'a str,
    pub triggered_at: Option<Timestamp>,
    /// e.g. `jsmith.myshopify.com`.
    pub shop_domain: Option<&'a str>,
    /// Shopify's id of the event behind the delivery; shared by every
    /// subscription it triggers.
    pub event_id: Option<&'a str>,
    pub api_version: Option<&'a str>,
}

/// Reads the Shopify headers through `get`, a case-insensitive lookup that
/// the HTTP layer provides. `X-Shopify-Topic` and `X-Shopify-Webhook-Id` are
/// required; a blank value counts as missing.
pub fn parse_headers<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Webhook<'a>, Error> {
    let header = |name: &str| get(name).map(str::trim).filter(|v| !v.is_empty());
    let topic = header(TOPIC_HEADER).ok_or(Error::MissingHeader(TOPIC_HEADER))?;
    let webhook_id = header(WEBHOOK_ID_HEADER).ok_or(Error::MissingHeader(WEBHOOK_ID_HEADER))?;
    if webhook_id.len() > Event::MAX_EVENT_ID_LEN {
        return Err(Error::payload(
            WEBHOOK_ID_HEADER,
            format!(
                "A webhook id is at most {} bytes; got {}.",
                Event::MAX_EVENT_ID_LEN,
                webhook_id.len()
            ),
        ));
    }
    let triggered_at = header(TRIGGERED_AT_HEADER)
        .map(|raw| {
            raw.parse::<Timestamp>()
                .map_err(|e| Error::payload(TRIGGERED_AT_HEADER, format!("`{raw}` is not an RFC 3339 timestamp: {e}.")))
        })
        .transpose()?;
    Ok(Webhook {
        topic,
        webhook_id,
        triggered_at,
        shop_domain: header(SHOP_DOMAIN_HEADER),
        event_id: header(EVENT_ID_HEADER),
        api_version: header(API_VERSION_HEADER),
    })
}

/// The topics [`to_events_with`] maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Topic {
    Orders(OrdersTopic),
    /// `fulfillments/create` and `fulfillments/update` carry the same object
    /// and are read alike: the ids, not the topic, tell a change from a repeat.
    Fulfillments,
    RefundsCreate,
    InventoryLevelsUpdate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OrdersTopic {
    Create,
    Updated,
    Cancelled,
}

impl Topic {
    fn parse(raw: &str) -> Result<Self, Error> {
        match raw {
            "orders/create" => Ok(Topic::Orders(OrdersTopic::Create)),
            "orders/updated" => Ok(Topic::Orders(OrdersTopic::Updated)),
            "orders/cancelled" => Ok(Topic::Orders(OrdersTopic::Cancelled)),
            "fulfillments/create" | "fulfillments/update" => Ok(Topic::Fulfillments),
            "refunds/create" => Ok(Topic::RefundsCreate),
            "inventory_levels/update" => Ok(Topic::InventoryLevelsUpdate),
            other => Err(Error::UnsupportedTopic(other.to_owned())),
        }
    }
}

/// Maps one verified delivery to canonical events with a connection's
/// default settings: no locations or inventory items are known, so shipments
/// and returns carry no node and `inventory_levels/update` maps to nothing.
/// [`to_events_with`] is the same with the connection's settings.
pub fn to_events(webhook: &Webhook<'_>, body: &[u8], connection: &str) -> Result<Vec<Event>, Error> {
    to_events_with(webhook, body, connection, &sink::SinkConfig::default())
}

/// Maps one verified delivery to canonical events (see the module
/// documentation for what each topic becomes). `settings` are the Shopify
/// connection's: its `locations` name the node of a Shopify location, its
/// `inventory_items` the SKU of an inventory item, and its
/// `stock_from_shopify` the nodes whose levels Shopify owns.
///
/// An empty list is a delivery understood and deliberately not recorded (a
/// failed fulfillment, a refund with nothing restocked, the echo of a level
/// crossdock set): acknowledge it, or Shopify retries. A topic not in
/// [`TOPICS`] is [`Error::UnsupportedTopic`].
pub fn to_events_with(webhook: &Webhook<'_>, body: &[u8], connection: &str, settings: &sink::SinkConfig) -> Result<Vec<Event>, Error> {
    match Topic::parse(webhook.topic)? {
        Topic::Orders(topic @ (OrdersTopic::Create | OrdersTopic::Updated)) => Ok(vec![order_event(webhook, topic, body, connection)?]),
        Topic::Orders(OrdersTopic::Cancelled) => Ok(vec![cancelled_event(webhook, body, connection)?]),
        Topic::Fulfillments => fulfillments::to_events(webhook, body, connection, settings),
        Topic::RefundsCreate => refunds::to_events(webhook, body, connection, settings),
        Topic::InventoryLevelsUpdate => inventory::to_events(webhook, body, connection, settings),
    }
}

/// An event whose id is built from the payload rather than the delivery.
fn event(event_id: String, connection: &str, occurred_at: Timestamp, body: EventBody) -> Event {
    Event {
        event_id,
        source: connection.to_owned(),
        tenant: None,
        occurred_at,
        body,
    }
}

fn envelope(webhook: &Webhook<'_>, connection: &str, occurred_at: Timestamp, body: EventBody) -> Event {
    Event {
        event_id: webhook.webhook_id.to_owned(),
        source: connection.to_owned(),
        tenant: None,
        occurred_at,
        body,
    }
}

fn order_event(webhook: &Webhook<'_>, topic: OrdersTopic, body: &[u8], connection: &str) -> Result<Event, Error> {
    let order: wire::Order = de::from_slice(body)?;
    // An update happened when the order says it changed; a creation when the
    // webhook fired, which for a new order is when it was placed.
    let occurred_at = match topic {
        OrdersTopic::Updated => order.updated_at.or(webhook.triggered_at).or(order.created_at),
        _ => webhook.triggered_at.or(order.created_at),
    };
    let occurred_at = de::required(occurred_at, "created_at", || {
        format!("The order has no `created_at` and the delivery no `{TRIGGERED_AT_HEADER}`; one is needed to place the event in time.")
    })?;
    let data = order_data(&order)?;
    let body = match topic {
        OrdersTopic::Updated => EventBody::OrderUpdated(data),
        _ => EventBody::OrderCreated(data),
    };
    Ok(envelope(webhook, connection, occurred_at, body))
}

fn cancelled_event(webhook: &Webhook<'_>, body: &[u8], connection: &str) -> Result<Event, Error> {
    let order: wire::CancelledOrder = de::from_slice(body)?;
    let order_id = order_id(order.id.as_deref())?;
    let occurred_at = order.cancelled_at.or(webhook.triggered_at).or(order.updated_at);
    let occurred_at = de::required(occurred_at, "cancelled_at", || {
        "The cancellation has no `cancelled_at`, `updated_at` or delivery time.".to_owned()
    })?;
    let body = EventBody::OrderCancelled(OrderCancelled {
        order_id,
        reason: clean(order.cancel_reason.as_deref()),
    });
    Ok(envelope(webhook, connection, occurred_at, body))
}

fn order_id(raw: Option<&str>) -> Result<OrderId, Error> {
    order_id_at(raw, "id")
}

/// Shopify's numeric order id, which `orders/create` made the canonical id.
fn order_id_at(raw: Option<&str>, field: &str) -> Result<OrderId, Error> {
    let id = de::required(clean(raw), field, || format!("`{field}` is required: it names the order."))?;
    de::parse_as(OrderId::parse, &id, field)
}

/// Units of one SKU that a fulfillment or a refund names. Like an order line
/// it needs a SKU, which is what stock is counted by.
fn units_of(item: &wire::ItemRef, quantity: Option<&serde_json::Number>, sku_field: &str, quantity_field: &str) -> Result<LineQty, Error> {
    let title = item.title.as_deref().or(item.name.as_deref()).unwrap_or("untitled");
    let sku = de::required(clean(item.sku.as_deref()), sku_field, || {
        format!("Line item `{title}` has no SKU. Hint: give the variant a SKU in Shopify.")
    })?;
    let quantity = de::required(quantity, quantity_field, || format!("Line item `{title}` has no quantity."))?;
    Ok(LineQty {
        sku: de::parse_as(Sku::parse, &sku, sku_field)?,
        quantity: de::positive_quantity(quantity, quantity_field)?,
    })
}

fn order_data(order: &wire::Order) -> Result<OrderData, Error> {
    let order_id = order_id(order.id.as_deref())?;
    let currency = currency(order.currency.as_deref())?;
    Ok(OrderData {
        external_ids: ExternalIds {
            storefront_order_id: Some(order_id.to_string()),
            storefront_name: clean(order.name.as_deref()),
            ..ExternalIds::default()
        },
        order_id,
        // Shopify's channel names (`web`, `pos`, `shopify_draft_order`, an app id) are kept as sent.
        channel: clean(order.source_name.as_deref()).or_else(|| Some("web".to_owned())),
        customer: customer(order),
        ship_to: order.shipping_address.as_ref().map(address).unwrap_or_default(),
        bill_to: order.billing_address.as_ref().map(address),
        lines: lines(&order.line_items, currency)?,
        service_level: service_level(&order.shipping_lines),
        payment_state: payment_state(order.financial_status.as_deref()),
        po_number: po_number(order),
        total: money(order.total_price, currency)?,
        flags: if wants_gift_wrap(order) {
            vec![OrderFlag::GiftWrap]
        } else {
            Vec::new()
        },
        gift_message: gift_message(&order.note_attributes),
        note: clean(order.note.as_deref()),
        placed_at: order.created_at.or(order.processed_at),
        promised_by: None,
        client_ip: clean(order.browser_ip.as_deref())
            .or_else(|| order.client_details.as_ref().and_then(|c| clean(c.browser_ip.as_deref()))),
    })
}

fn currency(raw: Option<&str>) -> Result<Option<Currency>, Error> {
    clean(raw)
        .map(|code| de::parse_as(Currency::parse, &code.to_ascii_uppercase(), "currency"))
        .transpose()
}

/// Amounts without the order's currency cannot be compared or summed, so
/// they are refused rather than guessed to be dollars.
fn money(amount: Option<Decimal>, currency: Option<Currency>) -> Result<Option<Money>, Error> {
    let Some(amount) = amount else {
        return Ok(None);
    };
    let currency = de::required(currency, "currency", || "The order has amounts but no `currency`.".to_owned())?;
    Ok(Some(Money { amount, currency }))
}

/// The order's own contact details first (what the buyer gave at checkout),
/// then the customer record's.
fn customer(order: &wire::Order) -> Customer {
    let record = order.customer.as_ref();
    let from_record = |f: fn(&wire::Customer) -> Option<&str>| record.and_then(|c| clean(f(c)));
    Customer {
        id: from_record(|c| c.id.as_deref()),
        name: record
            .and_then(|c| de::full_name(c.first_name.as_deref(), c.last_name.as_deref()))
            .or_else(|| order.billing_address.as_ref().and_then(address_name)),
        email: clean(order.email.as_deref())
            .or_else(|| clean(order.contact_email.as_deref()))
            .or_else(|| from_record(|c| c.email.as_deref())),
        phone: clean(order.phone.as_deref()).or_else(|| from_record(|c| c.phone.as_deref())),
        account: None,
        created_at: record.and_then(|c| c.created_at),
        orders_count: record.and_then(|c| c.orders_count),
    }
}

fn address_name(a: &wire::Address) -> Option<String> {
    clean(a.name.as_deref()).or_else(|| de::full_name(a.first_name.as_deref(), a.last_name.as_deref()))
}

fn address(a: &wire::Address) -> Address {
    Address {
        name: address_name(a),
        company: clean(a.company.as_deref()),
        line1: clean(a.address1.as_deref()),
        line2: clean(a.address2.as_deref()),
        city: clean(a.city.as_deref()),
        region: clean(a.province_code.as_deref()).or_else(|| clean(a.province.as_deref())),
        postal_code: clean(a.zip.as_deref()),
        // Only the ISO code: `country` is a display name ("United States").
        country: clean(a.country_code.as_deref()).map(|c| c.to_ascii_uppercase()),
        phone: clean(a.phone.as_deref()),
        lat: a.latitude,
        lon: a.longitude,
    }
}

fn lines(items: &[wire::LineItem], currency: Option<Currency>) -> Result<Vec<OrderLine>, Error> {
    if items.is_empty() {
        return Err(Error::payload("line_items", "An order needs at least one line item."));
    }
    items.iter().enumerate().map(|(i, item)| line(i, item, currency)).collect()
}

/// Every line needs a SKU: it is what stock is reserved and sourced by.
fn line(i: usize, item: &wire::LineItem, currency: Option<Currency>) -> Result<OrderLine, Error> {
    let at = |field: &str| format!("line_items[{i}].{field}");
    let title = item.title.as_deref().or(item.name.as_deref()).unwrap_or("untitled");
    let sku = de::required(clean(item.sku.as_deref()), &at("sku"), || {
        format!("Line item `{title}` has no SKU. Hint: give the variant a SKU in Shopify, then resend the order.")
    })?;
    let quantity = de::required(item.quantity.as_ref(), &at("quantity"), || {
        format!("Line item `{title}` has no quantity.")
    })?;
    Ok(OrderLine {
        line_id: clean(item.id.as_deref()),
        sku: de::parse_as(Sku::parse, &sku, &at("sku"))?,
        quantity: de::positive_quantity(quantity, &at("quantity"))?,
        unit_price: money(item.price, currency)?,
        name: clean(item.title.as_deref()).or_else(|| clean(item.name.as_deref())),
    })
}

/// Shopify has no service level, only the shipping rate's free-text title
/// and code ("Free Shipping", "UPS Next Day Air"), so the level is read from
/// the words in them.
fn service_level(shipping_lines: &[wire::ShippingLine]) -> ServiceLevel {
    let Some(line) = shipping_lines.first() else {
        return ServiceLevel::Standard;
    };
    service_level_named(line.title.as_deref().unwrap_or(""), line.code.as_deref().unwrap_or(""))
}

/// The service level named by a shipping method's title and code. The other
/// storefronts (WooCommerce, BigCommerce) name their methods in free text
/// too, so they read them the same way.
pub(crate) fn service_level_named(title: &str, code: &str) -> ServiceLevel {
    let text = words(&format!("{title} {code}"));
    let has = |phrases: &[&str]| phrases.iter().any(|p| text.contains(&format!(" {p} ")));
    if has(&["pickup", "pick up"]) {
        ServiceLevel::Pickup
    } else if has(&["same day", "sameday"]) {
        ServiceLevel::SameDay
    } else if has(&["overnight", "next day", "nextday", "1 day", "1day", "one day"]) {
        ServiceLevel::NextDay
    } else if has(&["express", "expedited", "2 day", "2day", "two day", "second day"]) {
        ServiceLevel::Expedited
    } else if has(&["freight", "ltl"]) {
        ServiceLevel::Freight
    } else {
        ServiceLevel::Standard
    }
}

/// Lowercase words separated and surrounded by single spaces, so that
/// `contains(" next day ")` matches "Next-Day" but not "nextdays".
fn words(text: &str) -> String {
    let mut out = String::from(" ");
    for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        out.push_str(&word.to_lowercase());
        out.push(' ');
    }
    out
}

/// `partially_paid` and anything unknown count as pending: not all the money
/// is secured, and pending is the state that makes the engine look before it
/// ships.
fn payment_state(financial_status: Option<&str>) -> PaymentState {
    match financial_status.map(|s| s.trim().to_ascii_lowercase()).as_deref() {
        Some("paid") => PaymentState::Paid,
        Some("authorized") => PaymentState::Authorized,
        Some("partially_refunded") => PaymentState::PartiallyRefunded,
        Some("refunded") => PaymentState::Refunded,
        Some("voided") => PaymentState::Voided,
        Some("expired") => PaymentState::Failed,
        _ => PaymentState::Pending,
    }
}

/// Shopify's own field (B2B orders), else a note attribute a checkout app wrote.
fn po_number(order: &wire::Order) -> Option<String> {
    clean(order.po_number.as_deref()).or_else(|| {
        order
            .note_attributes
            .iter()
            .find(|a| {
                matches!(
                    words(&a.name).trim(),
                    "po number" | "po" | "purchase order" | "purchase order number"
                )
            })
            .and_then(|a| clean(Some(&a.value)))
    })
}

fn mentions_gift_wrap(text: &str) -> bool {
    let text = words(text);
    text.contains(" gift wrap") || text.contains(" giftwrap")
}

/// Values apps write for a toggle such as `gift_wrap: yes`.
const TOGGLE_ON: [&str; 5] = ["yes", "y", "true", "1", "on"];
const TOGGLE_OFF: [&str; 7] = ["no", "n", "false", "0", "off", "none", ""];

fn is_off(value: &str) -> bool {
    TOGGLE_OFF.contains(&value.trim().to_ascii_lowercase().as_str())
}

fn is_toggle(value: &str) -> bool {
    is_off(value) || TOGGLE_ON.contains(&value.trim().to_ascii_lowercase().as_str())
}

/// Gift wrap is asked for in three ways on Shopify: a cart attribute, a line
/// property, or a "Gift Wrap" product added as a line.
fn wants_gift_wrap(order: &wire::Order) -> bool {
    let attribute_asks = |a: &Attribute| {
        if mentions_gift_wrap(&a.name) {
            !is_off(&a.value)
        } else {
            mentions_gift_wrap(&a.value)
        }
    };
    let properties = order.line_items.iter().flat_map(|l| &l.properties);
    order.note_attributes.iter().chain(properties).any(attribute_asks)
        || order
            .line_items
            .iter()
            .any(|l| [&l.title, &l.name].into_iter().flatten().any(|t| mentions_gift_wrap(t)))
}

/// The first cart attribute about a gift that carries text rather than a
/// toggle, e.g. `Gift message: Happy birthday!`.
fn gift_message(attributes: &[Attribute]) -> Option<String> {
    attributes
        .iter()
        .find(|a| words(&a.name).contains(" gift") && !mentions_gift_wrap(&a.name) && !is_toggle(&a.value))
        .and_then(|a| clean(Some(&a.value)))
}
