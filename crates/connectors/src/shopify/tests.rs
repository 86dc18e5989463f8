use std::collections::HashMap;

use model::order::{OrderData, OrderFlag, PaymentState, ServiceLevel};
use model::{Event, EventBody};
use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::testutil::{assert_canonical, fixture, json_value};

fn webhook(topic: &str) -> Webhook<'_> {
    Webhook {
        topic,
        webhook_id: "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        triggered_at: None,
        shop_domain: None,
        event_id: None,
        api_version: None,
    }
}

/// The webhook body is the inner object; the fixtures are REST responses `{"order": {...}}`.
fn order_fixture(name: &str) -> Vec<u8> {
    let response: Value = serde_json::from_slice(&fixture(&format!("shopify/{name}"))).unwrap();
    serde_json::to_vec(&response["order"]).unwrap()
}

fn one(topic: &str, body: &[u8]) -> Event {
    let mut events = to_events(&webhook(topic), body, "shop").unwrap();
    assert_eq!(events.len(), 1);
    let event = events.remove(0);
    assert_canonical(&event);
    event
}

fn order_of(event: &Event) -> &OrderData {
    match &event.body {
        EventBody::OrderCreated(o) | EventBody::OrderUpdated(o) => o,
        other => panic!("not an order event: {other:?}"),
    }
}

fn ts(raw: &str) -> Timestamp {
    raw.parse().unwrap()
}

fn minimal() -> Value {
    json!({
        "id": 820982911946154508u64, "name": "#9999", "currency": "USD", "created_at": "2026-05-15T10:00:00-04:00",
        "total_price": "10.00",
        "line_items": [{"id": 1, "sku": "SKU-1", "quantity": 2, "price": "5.00", "title": "Mug"}]
    })
}

fn err_for(topic: &str, body: &Value) -> Error {
    to_events(&webhook(topic), &serde_json::to_vec(body).unwrap(), "shop").unwrap_err()
}

#[test]
fn headers_are_read_and_required() {
    let headers = HashMap::from([
        ("X-Shopify-Topic", "orders/create"),
        ("X-Shopify-Webhook-Id", " wh-1 "),
        ("X-Shopify-Triggered-At", "2023-03-29T18:00:27.877041743Z"),
        ("X-Shopify-Shop-Domain", "jsmith.myshopify.com"),
        ("X-Shopify-Event-Id", "98880550-7158-44d4-b7cd-2c97c8a091b5"),
    ]);
    let webhook = parse_headers(|name| headers.get(name).copied()).unwrap();
    assert_eq!(webhook.topic, "orders/create");
    assert_eq!(webhook.webhook_id, "wh-1");
    assert_eq!(webhook.triggered_at, Some(ts("2023-03-29T18:00:27.877041743Z")));
    assert_eq!(webhook.shop_domain, Some("jsmith.myshopify.com"));
    assert_eq!(webhook.api_version, None);

    let err = parse_headers(|name| (name != TOPIC_HEADER).then(|| headers[name])).unwrap_err();
    assert_eq!((err.code(), err.field().as_deref()), ("missing_header", Some("X-Shopify-Topic")));
    let err = parse_headers(|name| Some(if name == WEBHOOK_ID_HEADER { "  " } else { headers[name] })).unwrap_err();
    assert_eq!(err.field().as_deref(), Some("X-Shopify-Webhook-Id"));
    let err = parse_headers(|name| Some(if name == TRIGGERED_AT_HEADER { "yesterday" } else { headers[name] })).unwrap_err();
    assert_eq!(
        (err.code(), err.field().as_deref()),
        ("invalid_payload", Some("X-Shopify-Triggered-At"))
    );
}

#[test]
fn app_js_2026_07_order_maps_to_order_created() {
    let event = one("orders/create", &order_fixture("shopify_app_js_2026-07_order.json"));
    assert_eq!(event.event_id, "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043");
    assert_eq!(event.source, "shop");
    assert_eq!(event.tenant, None);
    assert_eq!(
        event.occurred_at,
        ts("2008-01-10T16:00:00Z"),
        "no Triggered-At header, so created_at"
    );
    let order = order_of(&event);
    assert!(matches!(event.body, EventBody::OrderCreated(_)));
    assert_eq!(order.order_id.as_str(), "450789469");
    assert_eq!(order.external_ids.storefront_order_id.as_deref(), Some("450789469"));
    assert_eq!(order.external_ids.storefront_name.as_deref(), Some("#1001"));
    assert_eq!(order.channel.as_deref(), Some("web"));

    assert_eq!(order.customer.id.as_deref(), Some("207119551"));
    assert_eq!(order.customer.name.as_deref(), Some("Bob Norman"));
    assert_eq!(order.customer.email.as_deref(), Some("bob.norman@mail.example.com"));
    assert_eq!(
        order.customer.phone.as_deref(),
        Some("+557734881234"),
        "the order's phone before the account's"
    );
    assert_eq!(order.customer.created_at, Some(ts("2025-04-02T16:29:59Z")));

    let skus: Vec<_> = order.lines.iter().map(|l| l.sku.as_str()).collect();
    assert_eq!(skus, ["IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK"]);
    let first = &order.lines[0];
    assert_eq!(first.line_id.as_deref(), Some("466157049"));
    assert_eq!(first.quantity.units(), 1);
    assert_eq!(first.name.as_deref(), Some("IPod Nano - 8gb"));
    let price = first.unit_price.as_ref().unwrap();
    assert_eq!((price.amount.to_string().as_str(), price.currency.as_str()), ("199.00", "USD"));
    assert_eq!(order.total.as_ref().unwrap().amount.to_string(), "598.94");

    let ship = &order.ship_to;
    assert_eq!(ship.name.as_deref(), Some("Bob Norman"));
    assert_eq!(ship.line1.as_deref(), Some("Chestnut Street 92"));
    assert_eq!(ship.line2, None, "blank address2 is absent");
    assert_eq!((ship.city.as_deref(), ship.region.as_deref()), (Some("Louisville"), Some("KY")));
    assert_eq!((ship.postal_code.as_deref(), ship.country.as_deref()), (Some("40202"), Some("US")));
    assert_eq!((ship.lat, ship.lon), (Some(45.41634), Some(-75.6868)));
    assert_eq!(order.bill_to.as_ref().unwrap().phone.as_deref(), Some("+1(502)-459-2181"));

    assert_eq!(order.service_level, ServiceLevel::Standard, "Free Shipping");
    assert_eq!(order.payment_state, PaymentState::Refunded);
    assert_eq!(order.po_number.as_deref(), Some("ABC123"));
    assert_eq!(order.placed_at, Some(ts("2008-01-10T16:00:00Z")));
    assert_eq!(order.client_ip.as_deref(), Some("0.0.0.0"));
    assert!(order.flags.is_empty());
    assert_eq!(order.gift_message, None, "`custom engraving` is not about a gift");
    assert_eq!(order.note, None);
}

#[test]
fn python_api_order_maps_to_order_updated() {
    let mut hook = webhook("orders/updated");
    hook.triggered_at = Some(ts("2026-01-01T00:00:00Z"));
    let events = to_events(&hook, &order_fixture("shopify_python_api_order.json"), "shop").unwrap();
    let event = &events[0];
    assert_canonical(event);
    assert!(matches!(event.body, EventBody::OrderUpdated(_)));
    assert_eq!(
        event.occurred_at,
        ts("2008-01-10T16:00:00Z"),
        "the order's updated_at wins for updates"
    );
    let order = order_of(event);
    assert_eq!(order.order_id.as_str(), "450789469");
    assert_eq!(order.external_ids.storefront_name.as_deref(), Some("#1001"));
    assert_eq!(order.customer.email.as_deref(), Some("bob.norman@hostmail.com"));
    assert_eq!(order.customer.orders_count, Some(0));
    assert_eq!(order.customer.phone, None);
    assert_eq!(order.lines.len(), 3);
    assert_eq!(order.lines[2].sku.as_str(), "IPOD2008BLACK");
    assert!(
        order
            .lines
            .iter()
            .all(|l| l.unit_price.as_ref().unwrap().amount.to_string() == "199.00")
    );
    assert_eq!(order.total.as_ref().unwrap().amount.to_string(), "409.94");
    assert_eq!(order.payment_state, PaymentState::Authorized);
    assert_eq!(order.ship_to.postal_code.as_deref(), Some("40202"));
    assert_eq!(order.ship_to.lat, Some(45.41634), "latitude sent as a string");
    assert_eq!(order.ship_to.phone.as_deref(), Some("555-625-1199"));
    assert_eq!(order.po_number, None);
    assert_eq!(
        order.client_ip.as_deref(),
        Some("0.0.0.0"),
        "from client_details when browser_ip is null"
    );
}

#[test]
fn triggered_at_places_a_creation_in_time() {
    let mut hook = webhook("orders/create");
    hook.triggered_at = Some(ts("2026-05-15T14:30:00Z"));
    let events = to_events(&hook, &serde_json::to_vec(&minimal()).unwrap(), "shop").unwrap();
    assert_eq!(events[0].occurred_at, ts("2026-05-15T14:30:00Z"));
}

#[test]
fn cancellation_carries_reason_and_time() {
    let event = one("orders/cancelled", &order_fixture("shopify_app_js_2026-07_order.json"));
    let EventBody::OrderCancelled(cancelled) = &event.body else {
        panic!("{event:?}")
    };
    assert_eq!(cancelled.order_id.as_str(), "450789469");
    assert_eq!(cancelled.reason.as_deref(), Some("other"));
    assert_eq!(event.occurred_at, ts("2025-04-02T16:31:21Z"));
}

#[test]
fn cancellation_ignores_the_rest_of_the_order() {
    let body = json!({"id": 7, "cancel_reason": "customer", "cancelled_at": "2026-05-15T14:30:00Z", "line_items": [{"sku": null}]});
    let event = one("orders/cancelled", &serde_json::to_vec(&body).unwrap());
    assert!(matches!(event.body, EventBody::OrderCancelled(_)));
}

#[test]
fn other_topics_are_unsupported() {
    let err = err_for("products/update", &minimal());
    assert_eq!(err, Error::UnsupportedTopic("products/update".into()));
    assert_eq!(err.code(), "unsupported_topic");
}

#[test]
fn a_line_without_sku_names_it() {
    for sku in [Value::Null, json!(""), json!("  ")] {
        let mut body = minimal();
        body["line_items"]
            .as_array_mut()
            .unwrap()
            .push(json!({"id": 2, "sku": sku, "quantity": 1, "title": "Gift card"}));
        let err = err_for("orders/create", &body);
        assert_eq!((err.code(), err.field().as_deref()), ("invalid_payload", Some("line_items[1].sku")));
        assert!(err.to_string().contains("Gift card"), "{err}");
    }
    let mut body = minimal();
    body["line_items"][0]["sku"] = json!("HAS SPACE");
    let err = err_for("orders/create", &body);
    assert_eq!((err.code(), err.field().as_deref()), ("invalid_sku", Some("line_items[0].sku")));
}

#[test]
fn non_positive_or_fractional_quantity_names_the_field() {
    for quantity in [json!(0), json!(-1), json!(1.5)] {
        let mut body = minimal();
        body["line_items"][0]["quantity"] = quantity.clone();
        let err = err_for("orders/create", &body);
        assert_eq!(
            (err.code(), err.field().as_deref()),
            ("invalid_quantity", Some("line_items[0].quantity")),
            "{quantity}"
        );
    }
    let mut body = minimal();
    body["line_items"][0]["quantity"] = json!("2");
    assert_eq!(err_for("orders/create", &body).field().as_deref(), Some("line_items[0].quantity"));
}

#[test]
fn an_order_needs_lines_an_id_and_a_currency_for_its_prices() {
    let mut body = minimal();
    body["line_items"] = json!([]);
    assert_eq!(err_for("orders/create", &body).field().as_deref(), Some("line_items"));
    let mut body = minimal();
    body.as_object_mut().unwrap().remove("id");
    assert_eq!(err_for("orders/updated", &body).field().as_deref(), Some("id"));
    let mut body = minimal();
    body["currency"] = Value::Null;
    assert_eq!(err_for("orders/create", &body).field().as_deref(), Some("currency"));
    body["currency"] = json!("dollars");
    let err = err_for("orders/create", &body);
    assert_eq!((err.code(), err.field().as_deref()), ("invalid_currency", Some("currency")));
}

#[test]
fn wrong_types_name_their_path() {
    let mut body = minimal();
    body["line_items"][0]["price"] = json!("cheap");
    assert_eq!(err_for("orders/create", &body).field().as_deref(), Some("line_items[0].price"));
    let mut body = minimal();
    body["shipping_address"] = json!({"latitude": "north"});
    assert_eq!(
        err_for("orders/create", &body).field().as_deref(),
        Some("shipping_address.latitude")
    );
    let mut body = minimal();
    body["created_at"] = json!("last tuesday");
    assert_eq!(err_for("orders/create", &body).field().as_deref(), Some("created_at"));
}

#[test]
fn malformed_json_reports_line_and_column() {
    let err = to_events(&webhook("orders/create"), b"{\n  \"id\": 1,\n  \"name\": }", "shop").unwrap_err();
    assert_eq!(err.code(), "invalid_payload");
    assert!(err.to_string().contains("line 3 column"), "{err}");
}

#[test]
fn nulls_everywhere_are_absent_values() {
    let body = json!({
        "id": "5", "currency": "EUR", "created_at": "2026-05-15T14:30:00Z", "customer": null, "shipping_address": null,
        "billing_address": null, "note_attributes": null, "shipping_lines": null, "total_price": null, "email": null,
        "line_items": [{"sku": "A", "quantity": 1, "price": null, "properties": null, "title": null, "name": "A - red"}]
    });
    let order = order_of(&one("orders/create", &serde_json::to_vec(&body).unwrap())).clone();
    assert_eq!(order.order_id.as_str(), "5");
    assert_eq!(order.ship_to, model::order::Address::default());
    assert_eq!(order.total, None);
    assert_eq!(order.lines[0].name.as_deref(), Some("A - red"));
    assert_eq!(order.customer, model::order::Customer::default());
}

#[test]
fn service_level_is_read_from_the_shipping_rate() {
    let cases = [
        ("Free Shipping", "Free Shipping", ServiceLevel::Standard),
        ("UPS Next Day Air", "01", ServiceLevel::NextDay),
        ("Overnight", "", ServiceLevel::NextDay),
        ("FedEx 2Day", "FEDEX_2_DAY", ServiceLevel::Expedited),
        ("Express", "", ServiceLevel::Expedited),
        ("Expedited shipping", "", ServiceLevel::Expedited),
        ("Pickup at Main Street", "", ServiceLevel::Pickup),
        ("Same-day courier", "", ServiceLevel::SameDay),
        ("LTL Freight", "", ServiceLevel::Freight),
        ("Nextdays Shipping Co", "", ServiceLevel::Standard),
    ];
    for (title, code, expected) in cases {
        let mut body = minimal();
        body["shipping_lines"] = json!([{"title": title, "code": code}]);
        let event = one("orders/create", &serde_json::to_vec(&body).unwrap());
        assert_eq!(order_of(&event).service_level, expected, "{title}");
    }
}

#[test]
fn financial_status_maps_to_payment_state() {
    let cases = [
        ("paid", PaymentState::Paid),
        ("authorized", PaymentState::Authorized),
        ("pending", PaymentState::Pending),
        ("partially_paid", PaymentState::Pending),
        ("partially_refunded", PaymentState::PartiallyRefunded),
        ("refunded", PaymentState::Refunded),
        ("voided", PaymentState::Voided),
        ("expired", PaymentState::Failed),
    ];
    for (status, expected) in cases {
        assert_eq!(payment_state(Some(status)), expected, "{status}");
    }
    assert_eq!(payment_state(None), PaymentState::Pending);
}

#[test]
fn gift_wrap_gift_message_and_po_number_come_from_attributes() {
    let mut body = minimal();
    body["note_attributes"] = json!([
        {"name": "Gift wrap", "value": "yes"},
        {"name": "Gift message", "value": "Happy birthday, Ann!"},
        {"name": "PO Number", "value": "PO-7731"}
    ]);
    let order = order_of(&one("orders/create", &serde_json::to_vec(&body).unwrap())).clone();
    assert_eq!(order.flags, vec![OrderFlag::GiftWrap]);
    assert_eq!(order.gift_message.as_deref(), Some("Happy birthday, Ann!"));
    assert_eq!(order.po_number.as_deref(), Some("PO-7731"));

    let mut body = minimal();
    body["note_attributes"] = json!([{"name": "gift_wrap", "value": "no"}]);
    let order = order_of(&one("orders/create", &serde_json::to_vec(&body).unwrap())).clone();
    assert!(order.flags.is_empty());
    assert_eq!(order.gift_message, None, "a toggle is not a message");

    let mut body = minimal();
    body["line_items"][0]["properties"] = json!([{"name": "Wrapping", "value": "Gift Wrap"}]);
    assert_eq!(
        order_of(&one("orders/create", &serde_json::to_vec(&body).unwrap())).flags,
        vec![OrderFlag::GiftWrap]
    );

    let mut body = minimal();
    body["line_items"]
        .as_array_mut()
        .unwrap()
        .push(json!({"sku": "WRAP", "quantity": 1, "title": "Gift Wrapping"}));
    assert_eq!(
        order_of(&one("orders/create", &serde_json::to_vec(&body).unwrap())).flags,
        vec![OrderFlag::GiftWrap]
    );
}

const KEYS: &[&str] = &[
    "id",
    "name",
    "currency",
    "created_at",
    "updated_at",
    "cancelled_at",
    "line_items",
    "sku",
    "quantity",
    "price",
    "title",
    "properties",
    "value",
    "note_attributes",
    "shipping_address",
    "billing_address",
    "latitude",
    "zip",
    "customer",
    "first_name",
    "shipping_lines",
    "financial_status",
    "total_price",
    "po_number",
    "cancel_reason",
];
const STRINGS: &[&str] = &[
    "2026-05-15T14:30:00Z",
    "2008-01-10T11:00:00-05:00",
    "USD",
    "usd",
    "SKU-1",
    "199.00",
    "45.4",
    "gift wrap",
    "paid",
];

proptest! {
    #[test]
    fn random_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512), topic in prop::sample::select(&TOPICS[..])) {
        let _ = to_events(&webhook(topic), &body, "shop");
    }

    #[test]
    fn random_json_never_panics_and_what_maps_is_canonical(value in json_value(KEYS, STRINGS), topic in prop::sample::select(&TOPICS[..])) {
        let body = serde_json::to_vec(&value).unwrap();
        if let Ok(events) = to_events(&webhook(topic), &body, "shop") {
            events.iter().for_each(assert_canonical);
        }
    }

    #[test]
    fn random_line_items_never_panic(items in proptest::collection::vec(json_value(KEYS, STRINGS), 0..4)) {
        let mut body = minimal();
        body["line_items"] = Value::Array(items);
        if let Ok(events) = to_events(&webhook("orders/create"), &serde_json::to_vec(&body).unwrap(), "shop") {
            events.iter().for_each(assert_canonical);
        }
    }

    #[test]
    fn random_headers_never_panic(values in proptest::collection::vec(proptest::option::of(".{0,40}"), 7)) {
        let names = [TOPIC_HEADER, HMAC_HEADER, WEBHOOK_ID_HEADER, SHOP_DOMAIN_HEADER, TRIGGERED_AT_HEADER, EVENT_ID_HEADER, API_VERSION_HEADER];
        let _ = parse_headers(|name| names.iter().position(|n| *n == name).and_then(|i| values[i].as_deref()));
    }
}
