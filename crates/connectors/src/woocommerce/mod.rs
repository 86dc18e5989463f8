//! WooCommerce: `order.*` webhooks into canonical order events.
//!
//! The server reads the headers with [`parse_headers`], answers WooCommerce's
//! activation ping (see [`Webhook::is_ping`]) before anything else, verifies
//! `X-WC-Webhook-Signature` with
//! [`signature::verify_base64_sha256`](crate::signature::verify_base64_sha256)
//! and maps the body with [`to_events`]. The webhook's API version must be a
//! WP REST API one (v3 is WooCommerce's default); the legacy API wraps the
//! order in `{"order": …}` and is refused with a hint.
//!
//! The canonical order id is WooCommerce's numeric order id; the order
//! `number` (the same unless a sequential-numbering plugin rewrites it) is
//! kept as the storefront name, where crossdock still resolves it.
//!
//! Event ids come from the order, not the delivery: WooCommerce's
//! `X-WC-Webhook-Delivery-ID` is a hash of the webhook id and the current
//! second, so a resend gets a new one and two deliveries in one second share
//! one. `woocommerce-{id}-{topic}-{date_modified_gmt}` instead is the same for
//! every delivery of one state of the order (a resend, a second webhook on the
//! same topic) and new for every later change.

mod wire;

#[cfg(test)]
mod tests;

use jiff::Timestamp;
use model::event::OrderCancelled;
use model::order::{Address, Customer, ExternalIds, OrderData, OrderLine, PaymentState, ServiceLevel};
use model::quantity::Currency;
use model::{Event, EventBody, Money, OrderId, Sku};
use rust_decimal::Decimal;

use crate::Error;
use crate::de::{self, clean};

pub const TOPIC_HEADER: &str = "X-WC-Webhook-Topic";
pub const SIGNATURE_HEADER: &str = "X-WC-Webhook-Signature";
pub const WEBHOOK_ID_HEADER: &str = "X-WC-Webhook-ID";
pub const DELIVERY_ID_HEADER: &str = "X-WC-Webhook-Delivery-ID";
pub const RESOURCE_HEADER: &str = "X-WC-Webhook-Resource";
pub const EVENT_HEADER: &str = "X-WC-Webhook-Event";
/// The shop's home URL, e.g. `https://example.com/`.
pub const SOURCE_HEADER: &str = "X-WC-Webhook-Source";

/// The webhook topics [`to_events`] maps; subscribe a shop to these only.
pub const TOPICS: [&str; 4] = ["order.created", "order.updated", "order.deleted", "order.restored"];

/// Order statuses that end an order: it becomes `order.cancelled` whatever
/// the topic. `trash` is what a trashed order reports if it is read at all.
pub const CANCELLED_STATUSES: [&str; 4] = ["cancelled", "refunded", "failed", "trash"];

/// Longest `X-WC-Webhook-Delivery-ID` accepted; WooCommerce's are 32 hex digits.
const MAX_DELIVERY_ID_LEN: usize = 128;

/// What WooCommerce's headers say about one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook<'a> {
    /// e.g. `order.updated`; absent only on the activation ping.
    pub topic: Option<&'a str>,
    /// The webhook's numeric id in WooCommerce.
    pub webhook_id: Option<&'a str>,
    /// A hash of the webhook id and the second of delivery: for logs only,
    /// and as the event id of a body that carries no time (see the module docs).
    pub delivery_id: Option<&'a str>,
    /// e.g. `order`.
    pub resource: Option<&'a str>,
    /// e.g. `updated`.
    pub event: Option<&'a str>,
    /// The shop's home URL.
    pub source: Option<&'a str>,
    /// When crossdock received the delivery. WooCommerce sends no time of its
    /// own and an `order.deleted` body is only `{"id": …}`, so the server sets
    /// this (from its clock) to place a deletion in time; [`parse_headers`]
    /// leaves it `None`.
    pub received_at: Option<Timestamp>,
}

impl Webhook<'_> {
    /// Whether this is the ping WooCommerce sends when a webhook is saved as
    /// active: no `X-WC-*` headers, a form body `webhook_id=<id>`, and no
    /// signature. The server checks this before verifying the signature and
    /// answers `200` (WooCommerce refuses to activate the webhook on any other
    /// status); [`to_events`] maps a ping to no events.
    pub fn is_ping(&self, body: &[u8]) -> bool {
        self.topic.is_none() && ping_webhook_id(body).is_some()
    }
}

/// The webhook id in a ping body `webhook_id=123`.
fn ping_webhook_id(body: &[u8]) -> Option<&str> {
    let id = std::str::from_utf8(body).ok()?.trim().strip_prefix("webhook_id=")?;
    (!id.is_empty() && id.len() <= 20 && id.bytes().all(|b| b.is_ascii_digit())).then_some(id)
}

/// Reads the WooCommerce headers through `get`, a case-insensitive lookup
/// that the HTTP layer provides. No header is required here, because the
/// activation ping has none; [`to_events`] refuses a delivery without a topic
/// that is not a ping. A blank value counts as missing.
pub fn parse_headers<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Webhook<'a>, Error> {
    let header = |name: &str| get(name).map(str::trim).filter(|v| !v.is_empty());
    let delivery_id = header(DELIVERY_ID_HEADER);
    if let Some(id) = delivery_id
        && id.len() > MAX_DELIVERY_ID_LEN
    {
        return Err(Error::payload(
            DELIVERY_ID_HEADER,
            format!("A delivery id is at most {MAX_DELIVERY_ID_LEN} bytes; got {}.", id.len()),
        ));
    }
    Ok(Webhook {
        topic: header(TOPIC_HEADER),
        webhook_id: header(WEBHOOK_ID_HEADER),
        delivery_id,
        resource: header(RESOURCE_HEADER),
        event: header(EVENT_HEADER),
        source: header(SOURCE_HEADER),
        received_at: None,
    })
}

/// The `order.*` topics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OrderTopic {
    Created,
    Updated,
    Deleted,
    Restored,
}

impl OrderTopic {
    fn parse(raw: &str) -> Result<Self, Error> {
        match raw {
            "order.created" => Ok(OrderTopic::Created),
            "order.updated" => Ok(OrderTopic::Updated),
            "order.deleted" => Ok(OrderTopic::Deleted),
            "order.restored" => Ok(OrderTopic::Restored),
            other => Err(Error::UnsupportedTopic(other.to_owned())),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            OrderTopic::Created => "order.created",
            OrderTopic::Updated => "order.updated",
            OrderTopic::Deleted => "order.deleted",
            OrderTopic::Restored => "order.restored",
        }
    }
}

/// Maps one verified delivery to canonical events:
///
/// - `order.created` → `order.created`; `order.updated` and `order.restored`
///   (an order taken back out of the trash) → `order.updated`;
/// - `order.deleted` (the order was trashed; the body is only `{"id": …}`),
///   and any topic whose order has a status in [`CANCELLED_STATUSES`] →
///   `order.cancelled` with the status (or `deleted`) as the reason;
/// - the activation ping → no events;
/// - other topics → [`Error::UnsupportedTopic`].
pub fn to_events(webhook: &Webhook<'_>, body: &[u8], connection: &str) -> Result<Vec<Event>, Error> {
    let Some(raw_topic) = webhook.topic else {
        return match ping_webhook_id(body) {
            Some(_) => Ok(Vec::new()),
            None => Err(Error::MissingHeader(TOPIC_HEADER)),
        };
    };
    let topic = OrderTopic::parse(raw_topic)?;
    let head: wire::Head = de::from_slice(body)?;
    if head.order.is_some() && head.id.is_none() {
        return Err(Error::payload(
            "order",
            "This is a legacy REST API payload. Hint: set the webhook's API version to \
             `WP REST API Integration v3` in WooCommerce → Settings → Advanced → Webhooks.",
        ));
    }
    let order_id = order_id(head.id.as_deref())?;
    let status = head.status.as_deref().map(|s| s.trim().to_ascii_lowercase());
    let cancelled_status = status.as_deref().filter(|s| CANCELLED_STATUSES.contains(s));
    let event = if topic == OrderTopic::Deleted {
        cancellation(webhook, topic, &head, order_id, "deleted".to_owned(), connection)?
    } else if let Some(status) = cancelled_status {
        cancellation(webhook, topic, &head, order_id, status.to_owned(), connection)?
    } else {
        order_event(webhook, topic, &head, body, connection)?
    };
    Ok(vec![event])
}

/// The event id: the order's state (its id and last modification) when the
/// body carries one, else the delivery; see the module docs for why.
fn event_id(webhook: &Webhook<'_>, topic: OrderTopic, order_id: &OrderId, head: &wire::Head) -> Result<String, Error> {
    if topic == OrderTopic::Deleted {
        // Trashing is one fact per order; a restore and a second trashing
        // change nothing for an order crossdock already holds as cancelled.
        return Ok(format!("woocommerce-{order_id}-{}", topic.as_str()));
    }
    if let Some(stamp) = head.date_modified_gmt.or(head.date_created_gmt) {
        return Ok(format!("woocommerce-{order_id}-{}-{stamp}", topic.as_str()));
    }
    let delivery = de::required(webhook.delivery_id, "date_modified_gmt", || {
        format!(
            "The order has no `date_modified_gmt` and the delivery no `{DELIVERY_ID_HEADER}`; one is needed to tell a redelivery from a change."
        )
    })?;
    Ok(format!("woocommerce-delivery-{delivery}"))
}

fn envelope(event_id: String, connection: &str, occurred_at: Timestamp, body: EventBody) -> Event {
    Event {
        event_id,
        source: connection.to_owned(),
        tenant: None,
        occurred_at,
        body,
    }
}

fn cancellation(
    webhook: &Webhook<'_>,
    topic: OrderTopic,
    head: &wire::Head,
    order_id: OrderId,
    reason: String,
    connection: &str,
) -> Result<Event, Error> {
    let occurred_at = head.date_modified_gmt.or(webhook.received_at).or(head.date_created_gmt);
    let occurred_at = de::required(occurred_at, "date_modified_gmt", || {
        "The order has no `date_modified_gmt` and the delivery no receive time; one is needed to place the cancellation in time.".to_owned()
    })?;
    let event_id = event_id(webhook, topic, &order_id, head)?;
    let body = EventBody::OrderCancelled(OrderCancelled {
        order_id,
        reason: Some(reason),
    });
    Ok(envelope(event_id, connection, occurred_at, body))
}

fn order_event(webhook: &Webhook<'_>, topic: OrderTopic, head: &wire::Head, body: &[u8], connection: &str) -> Result<Event, Error> {
    let order: wire::Order = de::from_slice(body)?;
    // A creation happened when the order was placed; an update when the order
    // says it last changed.
    let occurred_at = match topic {
        OrderTopic::Created => head.date_created_gmt.or(head.date_modified_gmt).or(webhook.received_at),
        _ => head.date_modified_gmt.or(webhook.received_at).or(head.date_created_gmt),
    };
    let occurred_at = de::required(occurred_at, "date_created_gmt", || {
        "The order has no `date_created_gmt` or `date_modified_gmt` and the delivery no receive time; one is needed to place the event in time."
            .to_owned()
    })?;
    let data = order_data(&order)?;
    let event_id = event_id(webhook, topic, &data.order_id, head)?;
    let body = match topic {
        OrderTopic::Created => EventBody::OrderCreated(data),
        _ => EventBody::OrderUpdated(data),
    };
    Ok(envelope(event_id, connection, occurred_at, body))
}

fn order_id(raw: Option<&str>) -> Result<OrderId, Error> {
    let id = de::required(clean(raw), "id", || "The order has no `id`.".to_owned())?;
    de::parse_as(OrderId::parse, &id, "id")
}

fn order_data(order: &wire::Order) -> Result<OrderData, Error> {
    let order_id = order_id(order.id.as_deref())?;
    let currency = currency(order.currency.as_deref())?;
    let billing = order.billing.as_ref();
    Ok(OrderData {
        external_ids: ExternalIds {
            storefront_order_id: Some(order_id.to_string()),
            storefront_name: clean(order.number.as_deref()),
            ..ExternalIds::default()
        },
        order_id,
        channel: clean(order.created_via.as_deref()).or_else(|| Some("web".to_owned())),
        customer: Customer {
            // `0` is WooCommerce's guest.
            id: clean(order.customer_id.as_deref()).filter(|id| id != "0"),
            name: billing.and_then(|b| de::full_name(b.first_name.as_deref(), b.last_name.as_deref())),
            email: billing.and_then(|b| clean(b.email.as_deref())),
            phone: billing.and_then(|b| clean(b.phone.as_deref())),
            ..Customer::default()
        },
        ship_to: order.shipping.as_ref().map(address).unwrap_or_default(),
        bill_to: billing.map(address),
        lines: lines(&order.line_items, currency)?,
        service_level: order
            .shipping_lines
            .first()
            .map(|l| crate::shopify::service_level_named(l.method_title.as_deref().unwrap_or(""), l.method_id.as_deref().unwrap_or("")))
            .unwrap_or(ServiceLevel::Standard),
        payment_state: payment_state(order),
        po_number: None,
        total: money(order.total, currency)?,
        flags: Vec::new(),
        gift_message: None,
        note: clean(order.customer_note.as_deref()),
        placed_at: order.date_created_gmt,
        promised_by: None,
        client_ip: clean(order.customer_ip_address.as_deref()),
    })
}

fn currency(raw: Option<&str>) -> Result<Option<Currency>, Error> {
    clean(raw)
        .map(|code| de::parse_as(Currency::parse, &code.to_ascii_uppercase(), "currency"))
        .transpose()
}

/// Amounts without the order's currency are refused rather than guessed.
fn money(amount: Option<Decimal>, currency: Option<Currency>) -> Result<Option<Money>, Error> {
    let Some(amount) = amount else {
        return Ok(None);
    };
    let currency = de::required(currency, "currency", || "The order has amounts but no `currency`.".to_owned())?;
    Ok(Some(Money { amount, currency }))
}

fn address(a: &wire::Address) -> Address {
    Address {
        name: de::full_name(a.first_name.as_deref(), a.last_name.as_deref()),
        company: clean(a.company.as_deref()),
        line1: clean(a.address_1.as_deref()),
        line2: clean(a.address_2.as_deref()),
        city: clean(a.city.as_deref()),
        region: clean(a.state.as_deref()),
        postal_code: clean(a.postcode.as_deref()),
        country: clean(a.country.as_deref()).map(|c| c.to_ascii_uppercase()),
        phone: clean(a.phone.as_deref()),
        lat: None,
        lon: None,
    }
}

fn lines(items: &[wire::LineItem], currency: Option<Currency>) -> Result<Vec<OrderLine>, Error> {
    if items.is_empty() {
        return Err(Error::payload("line_items", "An order needs at least one line item."));
    }
    items.iter().enumerate().map(|(i, item)| line(i, item, currency)).collect()
}

/// Every line needs a SKU: it is what stock is reserved and sourced by.
/// WooCommerce makes SKUs optional, so the message names the product to fix.
fn line(i: usize, item: &wire::LineItem, currency: Option<Currency>) -> Result<OrderLine, Error> {
    let at = |field: &str| format!("line_items[{i}].{field}");
    let name = clean(item.name.as_deref()).map(|n| decode_entities(&n));
    let sku = de::required(clean(item.sku.as_deref()), &at("sku"), || {
        let product = match clean(item.variation_id.as_deref()).filter(|v| v != "0") {
            Some(variation) => format!("variation {variation} of product {}", item.product_id.as_deref().unwrap_or("?")),
            None => format!("product {}", item.product_id.as_deref().unwrap_or("?")),
        };
        format!(
            "Line item `{}` ({product}) has no SKU. Hint: give the product a SKU in WooCommerce \
             (Product data → Inventory → SKU), then update the order to resend it.",
            name.as_deref().unwrap_or("untitled")
        )
    })?;
    let quantity = de::required(item.quantity.as_ref(), &at("quantity"), || {
        format!("Line item `{}` has no quantity.", name.as_deref().unwrap_or("untitled"))
    })?;
    Ok(OrderLine {
        line_id: clean(item.id.as_deref()),
        sku: de::parse_as(Sku::parse, &sku, &at("sku"))?,
        quantity: de::positive_quantity(quantity, &at("quantity"))?,
        unit_price: money(item.price, currency)?,
        name,
    })
}

/// WooCommerce's status says what the money did: `processing` means paid (or
/// cash on delivery, accepted for fulfilment: authorised, collected at the
/// door), `completed` paid and shipped, `pending` and `on-hold` waiting for
/// it. Anything unknown counts as pending, the state in which the engine
/// looks before it ships.
fn payment_state(order: &wire::Order) -> PaymentState {
    let status = order.status.as_deref().map(|s| s.trim().to_ascii_lowercase());
    let paid = order.date_paid_gmt.is_some();
    match status.as_deref() {
        _ if !order.refunds.is_empty() => PaymentState::PartiallyRefunded,
        Some("completed") => PaymentState::Paid,
        Some("processing") if paid => PaymentState::Paid,
        Some("processing") => PaymentState::Authorized,
        _ if paid => PaymentState::Paid,
        _ => PaymentState::Pending,
    }
}

/// Decodes the HTML entities WooCommerce leaves in product names
/// (`Ship Your Idea &ndash; Color: Black`): numeric ones and the common named
/// ones. Anything else is kept as written.
fn decode_entities(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let decoded = tail
            .find(';')
            .filter(|end| *end <= 10)
            .and_then(|end| entity(&tail[1..end]).map(|c| (c, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return char::from_u32(code).filter(|c| !c.is_control());
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "times" => '×',
        "trade" => '™',
        "reg" => '®',
        "copy" => '©',
        _ => return None,
    })
}
