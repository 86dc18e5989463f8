//! Shopify order webhooks: the Admin REST order object (API 2026-07) as the
//! body, signed and labelled with Shopify's headers.
//!
//! Field names and shapes follow Shopify's own example order
//! (`shared/fixtures/shopify/shopify_app_js_2026-07_order.json`); we emit a
//! subset of its keys and never invent one. Shopify prints times in the shop's
//! zone and money as decimal strings.

use serde::Serialize;

use crate::address::Address;
use crate::catalog::Catalog;
use crate::clock::VirtualTime;
use crate::config::ShopSite;
use crate::order::{FinancialStatus, Line, SimOrder};
use crate::{Delivery, System, sign};

/// The webhook topics the store sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Topic {
    Create,
    Updated,
    Cancelled,
}

impl Topic {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Topic::Create => "orders/create",
            Topic::Updated => "orders/updated",
            Topic::Cancelled => "orders/cancelled",
        }
    }
}

/// The API version the app subscribed with.
pub(crate) const API_VERSION: &str = "2026-07";

/// Identity of one webhook delivery; a redelivery repeats it.
#[derive(Debug, Clone)]
pub(crate) struct WebhookIds {
    /// `X-Shopify-Webhook-Id`: a UUID.
    pub webhook_id: String,
    /// `X-Shopify-Event-Id`: numeric.
    pub event_id: u64,
}

/// The signed webhook Shopify sends for `order` on `topic` at `at`.
pub(crate) fn webhook(shop: &ShopSite, catalog: &Catalog, order: &SimOrder, topic: Topic, at: VirtualTime, ids: &WebhookIds) -> Delivery {
    let body = sign::json(&OrderBody::new(order, catalog));
    let headers = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        ("X-Shopify-Topic".to_owned(), topic.as_str().to_owned()),
        ("X-Shopify-Hmac-Sha256".to_owned(), sign::shopify(&shop.secret, &body)),
        ("X-Shopify-Shop-Domain".to_owned(), shop.domain.clone()),
        ("X-Shopify-API-Version".to_owned(), API_VERSION.to_owned()),
        ("X-Shopify-Webhook-Id".to_owned(), ids.webhook_id.clone()),
        ("X-Shopify-Event-Id".to_owned(), ids.event_id.to_string()),
        ("X-Shopify-Triggered-At".to_owned(), at.timestamp().to_string()),
    ];
    Delivery {
        at: at.timestamp(),
        system: System::Storefront,
        path: format!("/webhooks/shopify/{}", shop.connection),
        headers,
        body,
        summary: format!("shopify {} {}", topic.as_str(), order.name),
    }
}

/// Cents as Shopify's decimal string.
fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.unsigned_abs() / 100, cents.unsigned_abs() % 100)
}

#[derive(Serialize)]
struct Amount {
    amount: String,
    currency_code: &'static str,
}

/// A price in shop and presentment currency; the demo shop sells in USD only.
#[derive(Serialize)]
struct MoneySet {
    shop_money: Amount,
    presentment_money: Amount,
}

fn money_set(cents: i64) -> MoneySet {
    MoneySet {
        shop_money: Amount {
            amount: money(cents),
            currency_code: "USD",
        },
        presentment_money: Amount {
            amount: money(cents),
            currency_code: "USD",
        },
    }
}

#[derive(Serialize)]
struct NameValue<'a> {
    name: &'a str,
    value: &'a str,
}

#[derive(Serialize)]
struct TaxLine {
    price: String,
    rate: f64,
    title: &'static str,
    price_set: MoneySet,
    channel_liable: bool,
}

#[derive(Serialize)]
struct ClientDetails<'a> {
    accept_language: &'a str,
    browser_height: Option<u32>,
    browser_ip: &'a str,
    browser_width: Option<u32>,
    session_hash: Option<&'a str>,
    user_agent: &'a str,
}

#[derive(Serialize)]
struct ShopifyCustomer<'a> {
    id: u64,
    email: &'a str,
    created_at: String,
    updated_at: String,
    first_name: &'a str,
    last_name: &'a str,
    orders_count: u32,
    state: &'static str,
    total_spent: String,
    note: Option<&'a str>,
    verified_email: bool,
    tax_exempt: bool,
    phone: Option<&'a str>,
    tags: &'static str,
    currency: &'static str,
    admin_graphql_api_id: String,
}

#[derive(Serialize)]
struct LineItem<'a> {
    id: u64,
    admin_graphql_api_id: String,
    attributed_staffs: [(); 0],
    current_quantity: i64,
    fulfillable_quantity: i64,
    fulfillment_service: &'static str,
    fulfillment_status: Option<&'static str>,
    gift_card: bool,
    grams: u32,
    name: &'a str,
    price: String,
    price_set: MoneySet,
    product_exists: bool,
    product_id: u64,
    properties: [(); 0],
    quantity: i64,
    requires_shipping: bool,
    sku: &'a str,
    taxable: bool,
    title: &'static str,
    total_discount: &'static str,
    total_discount_set: MoneySet,
    variant_id: u64,
    variant_inventory_management: &'static str,
    variant_title: &'static str,
    vendor: &'static str,
    tax_lines: Vec<TaxLine>,
    duties: [(); 0],
    discount_allocations: [(); 0],
}

#[derive(Serialize)]
struct ShippingLine {
    id: u64,
    carrier_identifier: Option<&'static str>,
    code: &'static str,
    discounted_price: String,
    discounted_price_set: MoneySet,
    is_removed: bool,
    phone: Option<&'static str>,
    price: String,
    price_set: MoneySet,
    requested_fulfillment_service_id: Option<&'static str>,
    source: &'static str,
    title: &'static str,
    tax_lines: [(); 0],
    discount_allocations: [(); 0],
}

/// The order object, fields in the order Shopify's example has them.
#[derive(Serialize)]
struct OrderBody<'a> {
    id: u64,
    admin_graphql_api_id: String,
    app_id: u64,
    browser_ip: &'a str,
    buyer_accepts_marketing: bool,
    cancel_reason: Option<&'static str>,
    cancelled_at: Option<String>,
    checkout_id: u64,
    checkout_token: &'a str,
    client_details: ClientDetails<'a>,
    closed_at: Option<String>,
    confirmation_number: &'a str,
    confirmed: bool,
    contact_email: &'a str,
    created_at: String,
    currency: &'static str,
    current_subtotal_price: String,
    current_subtotal_price_set: MoneySet,
    current_total_discounts: &'static str,
    current_total_discounts_set: MoneySet,
    current_total_price: String,
    current_total_price_set: MoneySet,
    current_total_tax: String,
    current_total_tax_set: MoneySet,
    customer_locale: &'static str,
    discount_codes: [(); 0],
    duties_included: bool,
    email: &'a str,
    estimated_taxes: bool,
    financial_status: &'static str,
    fulfillment_status: Option<&'static str>,
    landing_site: &'static str,
    name: &'a str,
    note: Option<&'static str>,
    note_attributes: Vec<NameValue<'a>>,
    number: u64,
    order_number: u64,
    payment_gateway_names: [&'static str; 1],
    phone: Option<&'a str>,
    presentment_currency: &'static str,
    processed_at: String,
    source_name: &'static str,
    subtotal_price: String,
    subtotal_price_set: MoneySet,
    tags: String,
    tax_exempt: bool,
    tax_lines: Vec<TaxLine>,
    taxes_included: bool,
    test: bool,
    token: &'a str,
    total_discounts: &'static str,
    total_discounts_set: MoneySet,
    total_line_items_price: String,
    total_line_items_price_set: MoneySet,
    total_outstanding: String,
    total_price: String,
    total_price_set: MoneySet,
    total_shipping_price_set: MoneySet,
    total_tax: String,
    total_tax_set: MoneySet,
    total_tip_received: &'static str,
    total_weight: u32,
    updated_at: String,
    user_id: Option<u64>,
    billing_address: &'a Address,
    customer: ShopifyCustomer<'a>,
    discount_applications: [(); 0],
    fulfillments: [(); 0],
    line_items: Vec<LineItem<'a>>,
    payment_terms: Option<()>,
    refunds: [(); 0],
    shipping_address: &'a Address,
    shipping_lines: [ShippingLine; 1],
}

impl<'a> OrderBody<'a> {
    fn new(order: &'a SimOrder, catalog: &'a Catalog) -> Self {
        let customer = &order.customer;
        let total = order.total_cents();
        let cancelled = order.cancelled.as_ref();
        let tax_title = order.ship_to.tax_title;
        let rate = order.ship_to.tax_rate;
        let shipping_price = order.shipping_cents;
        let mut note_attributes = Vec::new();
        if let Some(message) = order.gift_message {
            note_attributes.push(NameValue {
                name: "gift_message",
                value: message,
            });
        }
        OrderBody {
            id: order.id,
            admin_graphql_api_id: format!("gid://shopify/Order/{}", order.id),
            // Shopify's Online Store sales channel.
            app_id: 580_111,
            browser_ip: &order.browser_ip,
            buyer_accepts_marketing: customer.accepts_marketing,
            cancel_reason: cancelled.map(|c| c.reason),
            cancelled_at: cancelled.map(|c| c.at.shop_local()),
            checkout_id: order.checkout_id,
            checkout_token: &order.checkout_token,
            client_details: ClientDetails {
                accept_language: customer.locale,
                browser_height: None,
                browser_ip: &order.browser_ip,
                browser_width: None,
                session_hash: None,
                user_agent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
            },
            closed_at: None,
            confirmation_number: &order.confirmation_number,
            confirmed: true,
            contact_email: &customer.email,
            created_at: order.created_at.shop_local(),
            currency: "USD",
            current_subtotal_price: money(order.subtotal_cents),
            current_subtotal_price_set: money_set(order.subtotal_cents),
            current_total_discounts: "0.00",
            current_total_discounts_set: money_set(0),
            current_total_price: money(total),
            current_total_price_set: money_set(total),
            current_total_tax: money(order.tax_cents),
            current_total_tax_set: money_set(order.tax_cents),
            customer_locale: customer.locale,
            discount_codes: [],
            duties_included: false,
            email: &customer.email,
            estimated_taxes: false,
            financial_status: order.financial_status.as_str(),
            fulfillment_status: None,
            landing_site: "/",
            name: &order.name,
            note: order.note,
            note_attributes,
            number: order.number,
            order_number: order.order_number,
            payment_gateway_names: ["shopify_payments"],
            phone: order.phone.as_deref(),
            presentment_currency: "USD",
            processed_at: order.created_at.shop_local(),
            source_name: "web",
            subtotal_price: money(order.subtotal_cents),
            subtotal_price_set: money_set(order.subtotal_cents),
            tags: order.tags.join(", "),
            tax_exempt: false,
            tax_lines: if order.tax_cents > 0 {
                vec![tax_line(order.tax_cents, rate, tax_title)]
            } else {
                Vec::new()
            },
            taxes_included: false,
            test: false,
            token: &order.token,
            total_discounts: "0.00",
            total_discounts_set: money_set(0),
            total_line_items_price: money(order.subtotal_cents),
            total_line_items_price_set: money_set(order.subtotal_cents),
            total_outstanding: money(order.outstanding_cents()),
            total_price: money(total),
            total_price_set: money_set(total),
            total_shipping_price_set: money_set(shipping_price),
            total_tax: money(order.tax_cents),
            total_tax_set: money_set(order.tax_cents),
            total_tip_received: "0.00",
            total_weight: order.total_grams,
            updated_at: order.updated_at.shop_local(),
            user_id: None,
            billing_address: &order.bill_to,
            customer: ShopifyCustomer {
                id: customer.id,
                email: &customer.email,
                created_at: customer.created_at.shop_local(),
                updated_at: order.created_at.shop_local(),
                first_name: customer.first_name,
                last_name: customer.last_name,
                orders_count: customer.orders_count,
                state: "disabled",
                total_spent: money(customer.total_spent_cents),
                note: None,
                verified_email: true,
                tax_exempt: false,
                phone: customer.phone.as_deref(),
                tags: "",
                currency: "USD",
                admin_graphql_api_id: format!("gid://shopify/Customer/{}", customer.id),
            },
            discount_applications: [],
            fulfillments: [],
            line_items: order.lines.iter().map(|line| line_item(line, order, catalog)).collect(),
            payment_terms: None,
            refunds: [],
            shipping_address: &order.ship_to,
            shipping_lines: [ShippingLine {
                id: order.shipping_line_id,
                carrier_identifier: None,
                code: order.method.title(),
                discounted_price: money(shipping_price),
                discounted_price_set: money_set(shipping_price),
                is_removed: false,
                phone: None,
                price: money(shipping_price),
                price_set: money_set(shipping_price),
                requested_fulfillment_service_id: None,
                source: "shopify",
                title: order.method.title(),
                tax_lines: [],
                discount_allocations: [],
            }],
        }
    }
}

fn tax_line(cents: i64, rate: f64, title: &'static str) -> TaxLine {
    TaxLine {
        price: money(cents),
        rate,
        title,
        price_set: money_set(cents),
        channel_liable: false,
    }
}

fn line_item<'a>(line: &Line, order: &SimOrder, catalog: &'a Catalog) -> LineItem<'a> {
    let entry = &catalog.items[line.sku];
    let open = if order.cancelled.is_some() || order.financial_status == FinancialStatus::Refunded {
        0
    } else {
        line.quantity
    };
    LineItem {
        id: line.id,
        admin_graphql_api_id: format!("gid://shopify/LineItem/{}", line.id),
        attributed_staffs: [],
        current_quantity: open,
        fulfillable_quantity: open,
        fulfillment_service: "manual",
        fulfillment_status: None,
        gift_card: false,
        grams: entry.grams,
        name: entry.item.name.as_deref().unwrap_or(entry.product.title),
        price: money(line.price_cents),
        price_set: money_set(line.price_cents),
        product_exists: true,
        product_id: entry.product_id,
        properties: [],
        quantity: line.quantity,
        requires_shipping: true,
        sku: entry.item.sku.as_str(),
        taxable: true,
        title: entry.product.title,
        total_discount: "0.00",
        total_discount_set: money_set(0),
        variant_id: entry.variant_id,
        variant_inventory_management: "shopify",
        variant_title: entry.variant,
        vendor: entry.product.vendor,
        tax_lines: if line.tax_cents > 0 {
            vec![tax_line(line.tax_cents, order.ship_to.tax_rate, order.ship_to.tax_title)]
        } else {
            Vec::new()
        },
        duties: [],
        discount_allocations: [],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_prints_two_decimals() {
        assert_eq!(money(0), "0.00");
        assert_eq!(money(5), "0.05");
        assert_eq!(money(59_894), "598.94");
        assert_eq!(money(-250), "-2.50");
    }
}
