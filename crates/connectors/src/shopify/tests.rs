use std::collections::HashMap;

use model::event::{InventorySnapshot, ReturnReceived, Shipped, TrackingUpdate};
use model::order::{OrderData, OrderFlag, PaymentState, ServiceLevel};
use model::shipment::TrackingStatus;
use model::{Event, EventBody, NodeId};
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
    serde_json::to_vec(&inner(name, "order")).unwrap()
}

/// The object under `key` in a fixture, e.g. `{"fulfillment": {...}}`.
fn inner(name: &str, key: &str) -> Value {
    let response: Value = serde_json::from_slice(&fixture(&format!("shopify/{name}"))).unwrap();
    assert!(!response[key].is_null(), "{name} has no `{key}`");
    response[key].clone()
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

/// A shop whose ids come from the fixtures: Shopify's example locations
/// (655441491 in the fulfillment and the 2026-07 level, 487838322 the "Fifth
/// Avenue AppleStore" where the refund restocks, 905684977 in the older
/// levels) and the inventory item of `shopify_python_api_inventory_item.json`.
/// The store sells through Shopify POS, so Shopify owns its stock.
fn settings() -> sink::SinkConfig {
    let item = inner("shopify_python_api_inventory_item.json", "inventory_item");
    let store = inner("shopify_python_api_location.json", "location");
    let settings: sink::SinkConfig = serde_json::from_value(json!({
        "locations": {"DC-EAST": 655441491u64, "DC-WEST": 905684977u64, "STORE-5TH": store["id"]},
        "inventory_items": {item["sku"].as_str().unwrap(): item["id"]},
        "stock_from_shopify": ["STORE-5TH"],
    }))
    .unwrap();
    settings.validate().unwrap();
    settings
}

fn node(raw: &str) -> Option<NodeId> {
    Some(NodeId::parse(raw).unwrap())
}

fn events_with(topic: &str, body: &Value, settings: &sink::SinkConfig) -> Vec<Event> {
    let events = to_events_with(&webhook(topic), &serde_json::to_vec(body).unwrap(), "shop", settings).unwrap();
    events.iter().for_each(assert_canonical);
    events
}

fn err_with(topic: &str, body: &Value) -> Error {
    to_events_with(&webhook(topic), &serde_json::to_vec(body).unwrap(), "shop", &settings()).unwrap_err()
}

fn ids(events: &[Event]) -> Vec<&str> {
    events.iter().map(|e| e.event_id.as_str()).collect()
}

fn shipped(event: &Event) -> &Shipped {
    match &event.body {
        EventBody::OrderShipped(s) => s,
        other => panic!("not order.shipped: {other:?}"),
    }
}

fn tracking(event: &Event) -> &TrackingUpdate {
    match &event.body {
        EventBody::ShipmentTracking(t) => t,
        other => panic!("not shipment.tracking: {other:?}"),
    }
}

fn returned(event: &Event) -> &ReturnReceived {
    match &event.body {
        EventBody::ReturnReceived(r) => r,
        other => panic!("not return.received: {other:?}"),
    }
}

fn snapshot(event: &Event) -> &InventorySnapshot {
    match &event.body {
        EventBody::InventorySnapshot(s) => s,
        other => panic!("not inventory.snapshot: {other:?}"),
    }
}

fn lines(lines: &[model::ops::LineQty]) -> Vec<(&str, i64)> {
    lines.iter().map(|l| (l.sku.as_str(), l.quantity.units())).collect()
}

/// Shopify's 2026-07 fulfillment example as it is once it has shipped (the
/// example itself is a `failure`).
fn shipped_fulfillment() -> Value {
    let mut body = inner("shopify_app_js_2026-07_fulfillment.json", "fulfillment");
    body["status"] = json!("success");
    body
}

#[test]
fn a_successful_fulfillment_ships_the_order_from_the_mapped_node() {
    for topic in ["fulfillments/create", "fulfillments/update"] {
        let events = events_with(topic, &shipped_fulfillment(), &settings());
        assert_eq!(
            ids(&events),
            ["shopify-fulfillment-255858046-shipped-1Z1234512345123456"],
            "{topic}"
        );
        let event = &events[0];
        assert_eq!(event.source, "shop");
        assert_eq!(event.occurred_at, ts("2025-04-02T16:38:15Z"), "the fulfillment's created_at");
        let s = shipped(event);
        assert_eq!(s.order_id.as_str(), "450789469", "the id orders/create made canonical");
        assert_eq!(s.tracking_number, "1Z1234512345123456");
        assert_eq!(s.carrier.as_deref(), Some("USPS"));
        assert_eq!(s.node, node("DC-EAST"), "location 655441491");
        assert_eq!(lines(&s.lines), [("IPOD2008GREEN", 1)]);
    }
    let events = to_events(
        &webhook("fulfillments/create"),
        &serde_json::to_vec(&shipped_fulfillment()).unwrap(),
        "shop",
    )
    .unwrap();
    assert_eq!(shipped(&events[0]).node, None, "no locations configured");
}

#[test]
fn fulfillments_that_did_not_ship_map_to_nothing() {
    let as_sent = inner("shopify_app_js_2026-07_fulfillment.json", "fulfillment");
    assert_eq!(as_sent["status"], "failure");
    assert!(events_with("fulfillments/update", &as_sent, &settings()).is_empty());
    let pending = inner("shopify_python_api_fulfillment.json", "fulfillment");
    assert_eq!(pending["status"], "pending");
    assert!(events_with("fulfillments/create", &pending, &settings()).is_empty());
    for status in ["open", "cancelled", "error", "failure", "Cancelled"] {
        let mut body = shipped_fulfillment();
        body["status"] = json!(status);
        body["shipment_status"] = json!("delivered");
        assert!(events_with("fulfillments/update", &body, &settings()).is_empty(), "{status}");
    }
    for status in [json!("shipped"), json!(null), json!("  ")] {
        let mut body = shipped_fulfillment();
        body["status"] = status.clone();
        let err = err_with("fulfillments/create", &body);
        assert_eq!(
            (err.code(), err.field().as_deref()),
            ("invalid_payload", Some("status")),
            "{status}"
        );
    }
}

#[test]
fn each_tracking_number_is_a_shipment_and_the_lines_go_on_the_first() {
    let mut body = inner("shopify_python_api_fulfillment.json", "fulfillment");
    body["status"] = json!("success");
    body["tracking_numbers"] = json!(["1Z2345", " 1Z2346 ", "1Z2345", null]);
    let events = events_with("fulfillments/create", &body, &settings());
    assert_eq!(
        ids(&events),
        [
            "shopify-fulfillment-255858046-shipped-1Z2345",
            "shopify-fulfillment-255858046-shipped-1Z2346"
        ]
    );
    let (first, second) = (shipped(&events[0]), shipped(&events[1]));
    assert_eq!(
        (first.tracking_number.as_str(), second.tracking_number.as_str()),
        ("1Z2345", "1Z2346")
    );
    assert_eq!(lines(&first.lines), [("IPOD2008GREEN", 1)]);
    assert!(second.lines.is_empty(), "Shopify does not say which lines went in which package");
    assert_eq!(first.carrier.as_deref(), Some("NULL-COMPANY"));
    assert_eq!(first.node, None, "this example names no location");
    assert_eq!(events[0].occurred_at, ts("2013-11-01T20:06:08Z"));

    // Older API versions send only `tracking_number`.
    body["tracking_numbers"] = json!(null);
    let events = events_with("fulfillments/create", &body, &settings());
    assert_eq!(ids(&events), ["shopify-fulfillment-255858046-shipped-1Z2345"]);
}

#[test]
fn a_fulfillment_without_tracking_number_is_named_by_its_id() {
    let mut body = shipped_fulfillment();
    body["tracking_number"] = json!(null);
    body["tracking_numbers"] = json!([]);
    body["shipment_status"] = json!("delivered");
    let events = events_with("fulfillments/update", &body, &settings());
    assert_eq!(shipped(&events[0]).tracking_number, "shopify-fulfillment-255858046");
    assert_eq!(
        tracking(&events[1]).tracking_number,
        "shopify-fulfillment-255858046",
        "the status finds the package"
    );
}

#[test]
fn shipment_status_becomes_a_tracking_update() {
    let cases = [
        ("label_printed", TrackingStatus::PreTransit),
        ("label_purchased", TrackingStatus::PreTransit),
        ("confirmed", TrackingStatus::PreTransit),
        ("carrier_picked_up", TrackingStatus::InTransit),
        ("in_transit", TrackingStatus::InTransit),
        ("out_for_delivery", TrackingStatus::OutForDelivery),
        ("ready_for_pickup", TrackingStatus::AvailableForPickup),
        ("attempted_delivery", TrackingStatus::Exception),
        ("delayed", TrackingStatus::Exception),
        ("delivered", TrackingStatus::Delivered),
        ("picked_up", TrackingStatus::Delivered),
        ("failure", TrackingStatus::Failure),
        ("teleported", TrackingStatus::Unknown),
    ];
    for (raw, status) in cases {
        let mut body = shipped_fulfillment();
        body["shipment_status"] = json!(raw);
        body["updated_at"] = json!("2025-04-03T09:00:00-05:00");
        let events = events_with("fulfillments/update", &body, &settings());
        assert_eq!(events.len(), 2, "{raw}");
        assert_eq!(events[0].occurred_at, ts("2025-04-02T16:38:15Z"), "shipped when created");
        let update = tracking(&events[1]);
        assert_eq!(update.status, status, "{raw}");
        assert_eq!(update.tracking_number, "1Z1234512345123456");
        assert_eq!(update.carrier.as_deref(), Some("USPS"));
        assert_eq!(update.description.as_deref(), Some(raw));
        assert_eq!(events[1].occurred_at, ts("2025-04-03T14:00:00Z"), "changed at updated_at");
    }
    let mut body = shipped_fulfillment();
    body["shipment_status"] = json!("in_transit");
    body["updated_at"] = json!("2025-04-03T09:00:00-05:00");
    let events = events_with("fulfillments/update", &body, &settings());
    assert_eq!(
        events[1].event_id,
        "shopify-fulfillment-255858046-in_transit-1743688800-1Z1234512345123456"
    );
}

#[test]
fn a_redelivered_fulfillment_is_a_duplicate_and_a_change_is_new() {
    let mut body = shipped_fulfillment();
    body["shipment_status"] = json!("in_transit");
    let first = events_with("fulfillments/update", &body, &settings());
    let again = events_with("fulfillments/update", &body, &settings());
    assert_eq!(first, again);
    let created = events_with("fulfillments/create", &body, &settings());
    assert_eq!(ids(&created), ids(&first), "create and update report the same facts");

    body["shipment_status"] = json!("delivered");
    body["updated_at"] = json!("2025-04-04T10:00:00-05:00");
    let later = events_with("fulfillments/update", &body, &settings());
    assert_eq!(later[0].event_id, first[0].event_id, "the shipment is the same");
    assert_ne!(later[1].event_id, first[1].event_id, "the status is new");

    body["tracking_numbers"] = json!(["1Z1234512345123456", "1Z999"]);
    let added = events_with("fulfillments/update", &body, &settings());
    assert_eq!(added.len(), 4);
    assert_eq!(added[0].event_id, first[0].event_id);
    assert_eq!(
        added[1].event_id, "shopify-fulfillment-255858046-shipped-1Z999",
        "a tracking number added later ships"
    );
}

#[test]
fn a_bad_fulfillment_names_the_field() {
    let cases: [(&str, Value, &str); 9] = [
        (
            "line_items",
            json!([{"sku": null, "quantity": 1, "title": "Gift card"}]),
            "line_items[0].sku",
        ),
        ("line_items", json!([{"sku": "HAS SPACE", "quantity": 1}]), "line_items[0].sku"),
        ("line_items", json!([{"sku": "A", "quantity": 0}]), "line_items[0].quantity"),
        (
            "line_items",
            json!([{"sku": "A", "quantity": 1}, {"sku": "B", "quantity": 1.5}]),
            "line_items[1].quantity",
        ),
        ("order_id", json!(null), "order_id"),
        ("id", json!(null), "id"),
        ("id", json!("255858046"), "id"),
        ("location_id", json!("655441491"), "location_id"),
        ("tracking_numbers", json!(["1Z", "9".repeat(101)]), "tracking_numbers[1]"),
    ];
    for (key, value, field) in cases {
        let mut body = shipped_fulfillment();
        body[key] = value.clone();
        let err = err_with("fulfillments/create", &body);
        assert_eq!(err.field().as_deref(), Some(field), "{key} = {value}: {err}");
    }
    let mut body = shipped_fulfillment();
    body["line_items"][0]["sku"] = json!("");
    assert!(err_with("fulfillments/create", &body).to_string().contains("IPod Nano - 8gb"));
    for key in ["created_at", "updated_at"] {
        body.as_object_mut().unwrap().remove(key);
    }
    body["line_items"][0]["sku"] = json!("IPOD2008GREEN");
    assert_eq!(err_with("fulfillments/create", &body).field().as_deref(), Some("created_at"));
    let mut hook = webhook("fulfillments/create");
    hook.triggered_at = Some(ts("2026-01-01T00:00:00Z"));
    let events = to_events_with(&hook, &serde_json::to_vec(&body).unwrap(), "shop", &settings()).unwrap();
    assert_eq!(events[0].occurred_at, ts("2026-01-01T00:00:00Z"));
}

#[test]
fn legacy_restocks_are_returns_received_at_the_mapped_node() {
    let body = inner("shopify_app_js_2026-07_refund.json", "refund");
    let events = events_with("refunds/create", &body, &settings());
    assert_eq!(ids(&events), ["shopify-refund-509562969"]);
    assert_eq!(events[0].occurred_at, ts("2025-04-02T16:38:15Z"));
    let r = returned(&events[0]);
    assert_eq!(r.order_id.as_str(), "450789469");
    assert_eq!(r.node, node("STORE-5TH"), "restocked at location 487838322");
    assert_eq!(lines(&r.lines), [("IPOD2008BLACK", 1), ("IPOD2008GREEN", 1)]);
    assert_eq!((r.rma.as_deref(), r.condition.as_deref()), (None, None));

    let events = to_events(&webhook("refunds/create"), &serde_json::to_vec(&body).unwrap(), "shop").unwrap();
    assert_eq!(returned(&events[0]).node, None, "an unmapped location moves no stock");
    assert_eq!(events[0].event_id, "shopify-refund-509562969");
}

#[test]
fn a_refund_from_before_restock_types_restocks_every_line() {
    let mut body = inner("shopify_python_api_refund.json", "refund");
    assert_eq!(body["restock"], true);
    let events = events_with("refunds/create", &body, &settings());
    assert_eq!(ids(&events), ["shopify-refund-509562969"]);
    assert_eq!(events[0].occurred_at, ts("2016-06-20T17:35:06Z"));
    let r = returned(&events[0]);
    assert_eq!(r.node, None, "no location given");
    assert_eq!(lines(&r.lines), [("IPOD2008BLACK", 1), ("IPOD2008GREEN", 1)]);

    body["restock"] = json!(false);
    assert!(events_with("refunds/create", &body, &settings()).is_empty(), "money only");
}

#[test]
fn only_units_restocked_as_returned_are_received() {
    let with_types = |types: [&str; 2]| {
        let mut body = inner("shopify_app_js_2026-07_refund.json", "refund");
        for (i, t) in types.iter().enumerate() {
            body["refund_line_items"][i]["restock_type"] = json!(t);
        }
        body
    };
    let events = events_with("refunds/create", &with_types(["cancel", "return"]), &settings());
    assert_eq!(lines(&returned(&events[0]).lines), [("IPOD2008GREEN", 1)]);
    for types in [["cancel", "no_restock"], ["no_restock", "no_restock"], ["cancel", "cancel"]] {
        assert!(
            events_with("refunds/create", &with_types(types), &settings()).is_empty(),
            "{types:?}"
        );
    }

    // A line that is not returned is not read, SKU or not.
    let mut body = with_types(["no_restock", "return"]);
    body["refund_line_items"][0]["line_item"]["sku"] = json!(null);
    assert_eq!(events_with("refunds/create", &body, &settings()).len(), 1);

    let mut body = inner("shopify_app_js_2026-07_refund.json", "refund");
    body["refund_line_items"] = json!([]);
    assert!(events_with("refunds/create", &body, &settings()).is_empty());
}

#[test]
fn a_refund_restocking_at_two_locations_is_two_returns() {
    let mut body = inner("shopify_app_js_2026-07_refund.json", "refund");
    body["refund_line_items"][1]["location_id"] = json!(1034478814u64);
    body["refund_line_items"][1]["quantity"] = json!(2);
    let events = events_with("refunds/create", &body, &settings());
    assert_eq!(
        ids(&events),
        ["shopify-refund-509562969-at-487838322", "shopify-refund-509562969-at-1034478814"]
    );
    assert_eq!(returned(&events[0]).node, node("STORE-5TH"));
    assert_eq!(lines(&returned(&events[0]).lines), [("IPOD2008BLACK", 1)]);
    assert_eq!(returned(&events[1]).node, None, "the Berlin store is not mapped");
    assert_eq!(lines(&returned(&events[1]).lines), [("IPOD2008GREEN", 2)]);
    assert_eq!(
        events_with("refunds/create", &body, &settings()),
        events,
        "a redelivery is the same events"
    );
}

#[test]
fn a_bad_refund_names_the_field() {
    let line = |field: &str, value: Value| {
        let mut body = inner("shopify_app_js_2026-07_refund.json", "refund");
        body["refund_line_items"][1][field] = value;
        body
    };
    let cases = [
        (line("restock_type", json!("recycle")), "refund_line_items[1].restock_type"),
        (line("quantity", json!(0)), "refund_line_items[1].quantity"),
        (line("quantity", json!(null)), "refund_line_items[1].quantity"),
        (line("line_item", json!(null)), "refund_line_items[1].line_item"),
        (line("location_id", json!(-1)), "refund_line_items[1].location_id"),
    ];
    for (body, field) in cases {
        assert_eq!(err_with("refunds/create", &body).field().as_deref(), Some(field));
    }
    let mut body = line("line_item", json!({"sku": "  ", "title": "IPod Nano - 8gb"}));
    let err = err_with("refunds/create", &body);
    assert_eq!(err.field().as_deref(), Some("refund_line_items[1].line_item.sku"));
    assert!(err.to_string().contains("IPod Nano - 8gb"), "{err}");
    body["refund_line_items"][1]["line_item"]["sku"] = json!("IPOD2008GREEN");
    for (key, field) in [("order_id", "order_id"), ("id", "id")] {
        let mut body = body.clone();
        body[key] = json!(null);
        assert_eq!(err_with("refunds/create", &body).field().as_deref(), Some(field));
    }
    for key in ["created_at", "processed_at"] {
        body.as_object_mut().unwrap().remove(key);
    }
    assert_eq!(err_with("refunds/create", &body).field().as_deref(), Some("created_at"));
}

#[test]
fn levels_of_stores_shopify_owns_become_snapshots() {
    let levels = inner("shopify_python_api_inventory_levels.json", "inventory_levels");
    let level = |i: usize| levels[i].clone();
    // 808950810 at 487838322: the POS store's count of IPOD2008PINK.
    let events = events_with("inventory_levels/update", &level(2), &settings());
    assert_eq!(ids(&events), ["shopify-inventory-808950810-487838322-1525721618-9"]);
    assert_eq!(events[0].occurred_at, ts("2018-05-07T19:33:38Z"));
    let s = snapshot(&events[0]);
    assert_eq!(
        (s.node.as_str(), s.sku.as_str(), s.on_hand.units()),
        ("STORE-5TH", "IPOD2008PINK", 9)
    );
    assert_eq!(s.unit, None);

    // The same item at a DC: the echo of what crossdock set; ignored.
    assert!(events_with("inventory_levels/update", &level(1), &settings()).is_empty());
    let single = inner("shopify_python_api_inventory_level.json", "inventory_level");
    assert!(events_with("inventory_levels/update", &single, &settings()).is_empty());
    // An unmapped item at a DC is not read at all.
    assert!(events_with("inventory_levels/update", &level(3), &settings()).is_empty());
    // An unmapped item at the store is an error naming the key to add.
    let err = err_with("inventory_levels/update", &level(0));
    assert_eq!((err.code(), err.field().as_deref()), ("invalid_payload", Some("inventory_item_id")));
    assert!(err.to_string().contains("add `<SKU> = 39072856` under `inventory_items`"), "{err}");

    // Without settings no level is Shopify's.
    for i in 0..4 {
        let body = serde_json::to_vec(&level(i)).unwrap();
        assert!(to_events(&webhook("inventory_levels/update"), &body, "shop").unwrap().is_empty());
    }
}

#[test]
fn a_dc_in_stock_from_shopify_takes_its_level() {
    let level = inner("shopify_app_js_2026-07_inventory_level.json", "inventory_level");
    assert!(events_with("inventory_levels/update", &level, &settings()).is_empty());
    let mut settings = settings();
    settings.stock_from_shopify.push(NodeId::parse("DC-EAST").unwrap());
    let events = events_with("inventory_levels/update", &level, &settings);
    let s = snapshot(&events[0]);
    assert_eq!(
        (s.node.as_str(), s.sku.as_str(), s.on_hand.units()),
        ("DC-EAST", "IPOD2008PINK", 42)
    );
    assert_eq!(events[0].occurred_at, ts("2025-04-02T16:30:13Z"));
}

#[test]
fn a_level_is_new_when_it_changes_and_read_as_an_on_hand() {
    let base = inner("shopify_python_api_inventory_levels.json", "inventory_levels")[2].clone();
    let id_of = |body: &Value| events_with("inventory_levels/update", body, &settings())[0].event_id.clone();
    assert_eq!(id_of(&base), id_of(&base), "a redelivery is a duplicate");
    let mut changed = base.clone();
    changed["available"] = json!(8);
    assert_ne!(id_of(&changed), id_of(&base), "a new level in the same second is new");
    changed["updated_at"] = json!("2018-05-07T15:40:00-04:00");
    changed["available"] = json!(9);
    assert_ne!(id_of(&changed), id_of(&base));

    let mut oversold = base.clone();
    oversold["available"] = json!(-3);
    let events = events_with("inventory_levels/update", &oversold, &settings());
    assert_eq!(snapshot(&events[0]).on_hand.units(), 0, "oversold is none left");
    assert!(events[0].event_id.ends_with("--3"), "{}", events[0].event_id);

    let mut untracked = base.clone();
    untracked["available"] = json!(null);
    assert!(events_with("inventory_levels/update", &untracked, &settings()).is_empty());

    for (key, value, field) in [
        ("available", json!(1.5), "available"),
        ("available", json!("9"), "available"),
        ("location_id", json!(null), "location_id"),
        ("inventory_item_id", json!(null), "inventory_item_id"),
        ("updated_at", json!(null), "updated_at"),
        ("updated_at", json!("soon"), "updated_at"),
    ] {
        let mut body = base.clone();
        body[key] = value.clone();
        assert_eq!(
            err_with("inventory_levels/update", &body).field().as_deref(),
            Some(field),
            "{key} = {value}"
        );
    }
}

#[test]
fn every_topic_is_listed_and_others_are_unsupported() {
    for topic in TOPICS {
        let err = to_events_with(&webhook(topic), b"[]", "shop", &settings()).unwrap_err();
        assert_eq!(err.code(), "invalid_payload", "{topic} is mapped, so its body is read");
    }
    for topic in ["fulfillment_events/create", "refunds/update", "inventory_levels/connect"] {
        assert_eq!(err_with(topic, &json!({})), Error::UnsupportedTopic(topic.into()));
    }
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
    "order_id",
    "status",
    "shipment_status",
    "tracking_company",
    "tracking_number",
    "tracking_numbers",
    "location_id",
    "refund_line_items",
    "restock_type",
    "restock",
    "line_item",
    "processed_at",
    "inventory_item_id",
    "available",
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
    "success",
    "cancelled",
    "in_transit",
    "delivered",
    "return",
    "legacy_restock",
    "cancel",
    "1Z2345",
];

/// Small ids, so that random values hit the mapped locations and items.
fn small_settings() -> sink::SinkConfig {
    serde_json::from_value(json!({
        "locations": {"DC-EAST": 1, "STORE-5TH": 2},
        "inventory_items": {"SKU-1": 3},
        "stock_from_shopify": ["STORE-5TH"],
    }))
    .unwrap()
}

/// Every fixture a topic is mapped from, as its webhook body.
fn fixture_bodies() -> Vec<(&'static str, Value)> {
    vec![
        ("orders/create", inner("shopify_app_js_2026-07_order.json", "order")),
        ("orders/cancelled", inner("shopify_python_api_order.json", "order")),
        ("fulfillments/create", shipped_fulfillment()),
        ("fulfillments/update", inner("shopify_python_api_fulfillment.json", "fulfillment")),
        ("refunds/create", inner("shopify_app_js_2026-07_refund.json", "refund")),
        ("refunds/create", inner("shopify_python_api_refund.json", "refund")),
        (
            "inventory_levels/update",
            inner("shopify_app_js_2026-07_inventory_level.json", "inventory_level"),
        ),
        (
            "inventory_levels/update",
            inner("shopify_python_api_inventory_levels.json", "inventory_levels")[2].clone(),
        ),
    ]
}

proptest! {
    #[test]
    fn random_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512), topic in prop::sample::select(&TOPICS[..])) {
        let _ = to_events(&webhook(topic), &body, "shop");
        let _ = to_events_with(&webhook(topic), &body, "shop", &small_settings());
    }

    #[test]
    fn random_json_never_panics_and_what_maps_is_canonical(value in json_value(KEYS, STRINGS), topic in prop::sample::select(&TOPICS[..])) {
        let body = serde_json::to_vec(&value).unwrap();
        if let Ok(events) = to_events(&webhook(topic), &body, "shop") {
            events.iter().for_each(assert_canonical);
        }
        if let Ok(events) = to_events_with(&webhook(topic), &body, "shop", &small_settings()) {
            events.iter().for_each(assert_canonical);
        }
    }

    /// A real body with one value replaced, at the top or inside the first
    /// element of a list, gets past the first checks and into the mapping.
    #[test]
    fn fixtures_with_a_random_value_never_panic(
        which in 0usize..8,
        key in prop::sample::select(KEYS),
        nested in any::<bool>(),
        value in json_value(KEYS, STRINGS),
    ) {
        let (topic, mut body) = fixture_bodies().swap_remove(which);
        let list = ["line_items", "refund_line_items", "tracking_numbers"].into_iter().find(|l| body[*l].is_array());
        match list {
            Some(list) if nested && body[list][0].is_object() => body[list][0][key] = value,
            _ => body[key] = value,
        }
        let bytes = serde_json::to_vec(&body).unwrap();
        for settings in [settings(), small_settings()] {
            if let Ok(events) = to_events_with(&webhook(topic), &bytes, "shop", &settings) {
                events.iter().for_each(assert_canonical);
            }
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
