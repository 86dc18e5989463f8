use std::collections::HashMap;

use model::order::{OrderData, PaymentState, ServiceLevel};
use model::{Event, EventBody};
use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::testutil::{assert_canonical, fixture, json_value};

fn webhook(topic: &str) -> Webhook<'_> {
    Webhook {
        topic: Some(topic),
        webhook_id: Some("12"),
        delivery_id: Some("3b3b4ee3e8d37f6a0a7e6c7f4d43bd2b"),
        resource: None,
        event: None,
        source: None,
        received_at: None,
    }
}

fn json_fixture(name: &str) -> Value {
    serde_json::from_slice(&fixture(&format!("woocommerce/{name}"))).unwrap()
}

/// The documentation's demo products have no SKUs (WooCommerce makes them
/// optional); this is the same order after the merchant gave each product one.
fn with_skus(mut order: Value) -> Value {
    for item in order["line_items"].as_array_mut().unwrap() {
        if item["sku"].as_str().is_some_and(str::is_empty) {
            item["sku"] = match item["variation_id"].as_u64() {
                Some(0) | None => json!(format!("WOO-{}", item["product_id"])),
                Some(v) => json!(format!("WOO-{}-{v}", item["product_id"])),
            };
        }
    }
    order
}

fn events_for(hook: &Webhook<'_>, order: &Value) -> Result<Vec<Event>, Error> {
    to_events(hook, &serde_json::to_vec(order).unwrap(), "woo")
}

fn one(topic: &str, order: &Value) -> Event {
    let mut events = events_for(&webhook(topic), order).unwrap();
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
        "id": 901, "number": "901", "status": "processing", "currency": "EUR",
        "date_created_gmt": "2026-05-15T10:00:00", "date_modified_gmt": "2026-05-15T10:00:05",
        "date_paid_gmt": "2026-05-15T10:00:04", "total": "10.00",
        "line_items": [{"id": 1, "name": "Mug", "product_id": 5, "variation_id": 0, "sku": "SKU-1", "quantity": 2, "price": 5}]
    })
}

fn err_for(topic: &str, order: &Value) -> Error {
    events_for(&webhook(topic), order).unwrap_err()
}

#[test]
fn headers_are_read_and_blank_ones_are_absent() {
    let headers = HashMap::from([
        ("X-WC-Webhook-Topic", "order.updated"),
        ("X-WC-Webhook-ID", " 12 "),
        ("X-WC-Webhook-Delivery-ID", "3b3b4ee3e8d37f6a0a7e6c7f4d43bd2b"),
        ("X-WC-Webhook-Resource", "order"),
        ("X-WC-Webhook-Event", "updated"),
        ("X-WC-Webhook-Source", "https://example.com/"),
        ("X-WC-Webhook-Signature", "  "),
    ]);
    let hook = parse_headers(|name| headers.get(name).copied()).unwrap();
    assert_eq!(hook.topic, Some("order.updated"));
    assert_eq!(hook.webhook_id, Some("12"));
    assert_eq!(hook.delivery_id, Some("3b3b4ee3e8d37f6a0a7e6c7f4d43bd2b"));
    assert_eq!((hook.resource, hook.event), (Some("order"), Some("updated")));
    assert_eq!(hook.source, Some("https://example.com/"));
    assert_eq!(hook.received_at, None);

    let long = "d".repeat(129);
    let err = parse_headers(|name| (name == DELIVERY_ID_HEADER).then_some(long.as_str())).unwrap_err();
    assert_eq!((err.code(), err.field().as_deref()), ("invalid_payload", Some(DELIVERY_ID_HEADER)));
}

#[test]
fn the_activation_ping_is_a_no_op_and_only_it() {
    let ping = parse_headers(|_| None).unwrap();
    assert!(ping.is_ping(b"webhook_id=12"));
    assert!(ping.is_ping(b"webhook_id=12\n"));
    assert_eq!(to_events(&ping, b"webhook_id=12", "woo").unwrap(), Vec::new());
    for not_a_ping in [&b"webhook_id="[..], b"webhook_id=12&x=1", b"{\"id\": 12}", b""] {
        assert!(!ping.is_ping(not_a_ping));
        assert_eq!(
            to_events(&ping, not_a_ping, "woo").unwrap_err(),
            Error::MissingHeader(TOPIC_HEADER),
            "{not_a_ping:?}"
        );
    }
    assert!(
        !webhook("order.created").is_ping(b"webhook_id=12"),
        "a delivery with a topic is never a ping"
    );
}

#[test]
fn the_documented_order_without_skus_names_the_product_to_fix() {
    let err = err_for("order.created", &json_fixture("woocommerce_v3_orders_create_an_order.json"));
    assert_eq!((err.code(), err.field().as_deref()), ("invalid_payload", Some("line_items[0].sku")));
    let message = err.to_string();
    assert!(message.contains("`Woo Single #1` (product 93)"), "{message}");
    assert!(message.contains("Inventory → SKU"), "{message}");

    let mut order = json_fixture("woocommerce_v3_orders_list_all_orders.json")[1].clone();
    order["line_items"][0]["sku"] = json!("WOO-87");
    let err = err_for("order.updated", &order);
    assert_eq!(err.field().as_deref(), Some("line_items[1].sku"));
    assert!(err.to_string().contains("`Woo Ninja` (product 34)"), "{err}");
}

#[test]
fn created_order_maps_every_part() {
    let event = one(
        "order.created",
        &with_skus(json_fixture("woocommerce_v3_orders_create_an_order.json")),
    );
    assert!(matches!(event.body, EventBody::OrderCreated(_)));
    assert_eq!(event.event_id, "woocommerce-727-order.created-2017-03-22T19:28:08Z");
    assert_eq!(event.source, "woo");
    assert_eq!(event.occurred_at, ts("2017-03-22T19:28:02Z"), "date_created_gmt, read as UTC");
    let order = order_of(&event);
    assert_eq!(order.order_id.as_str(), "727");
    assert_eq!(order.external_ids.storefront_order_id.as_deref(), Some("727"));
    assert_eq!(order.external_ids.storefront_name.as_deref(), Some("727"));
    assert_eq!(order.channel.as_deref(), Some("rest-api"));

    assert_eq!(order.customer.id, None, "customer_id 0 is a guest");
    assert_eq!(order.customer.name.as_deref(), Some("John Doe"));
    assert_eq!(order.customer.email.as_deref(), Some("john.doe@example.com"));
    assert_eq!(order.customer.phone.as_deref(), Some("(555) 555-5555"));

    let ship = &order.ship_to;
    assert_eq!(ship.name.as_deref(), Some("John Doe"));
    assert_eq!(ship.line1.as_deref(), Some("969 Market"));
    assert_eq!((ship.line2.as_deref(), ship.company.as_deref()), (None, None), "blank is absent");
    assert_eq!((ship.city.as_deref(), ship.region.as_deref()), (Some("San Francisco"), Some("CA")));
    assert_eq!((ship.postal_code.as_deref(), ship.country.as_deref()), (Some("94103"), Some("US")));
    assert_eq!(ship.phone, None, "no phone on this shipping address");
    assert_eq!(order.bill_to.as_ref().unwrap().phone.as_deref(), Some("(555) 555-5555"));

    let lines: Vec<_> = order.lines.iter().map(|l| (l.sku.as_str(), l.quantity.units())).collect();
    assert_eq!(lines, [("WOO-93", 2), ("Bar3", 1)]);
    let second = &order.lines[1];
    assert_eq!(second.line_id.as_deref(), Some("316"));
    assert_eq!(
        second.name.as_deref(),
        Some("Ship Your Idea – Color: Black, Size: M Test"),
        "HTML entities decoded"
    );
    let price = second.unit_price.as_ref().unwrap();
    assert_eq!((price.amount.to_string().as_str(), price.currency.as_str()), ("12", "USD"));
    assert_eq!(order.total.as_ref().unwrap().amount.to_string(), "29.35");
    assert_eq!(order.payment_state, PaymentState::Paid, "processing with date_paid");
    assert_eq!(order.service_level, ServiceLevel::Standard, "Flat Rate");
    assert_eq!(order.placed_at, Some(ts("2017-03-22T19:28:02Z")));
    assert_eq!((order.note.as_deref(), order.client_ip.as_deref()), (None, None));
}

#[test]
fn a_redelivery_dedupes_and_a_later_change_is_a_new_event() {
    let created = one(
        "order.created",
        &with_skus(json_fixture("woocommerce_v3_orders_create_an_order.json")),
    );
    // Retrieving the same order (a resend) carries the same state: same id, even under another delivery id.
    let mut hook = webhook("order.created");
    hook.delivery_id = Some("ffffffffffffffffffffffffffffffff");
    let resent = events_for(&hook, &with_skus(json_fixture("woocommerce_v3_orders_retrieve_an_order.json"))).unwrap();
    assert_eq!(resent[0].event_id, created.event_id);

    let updated = one(
        "order.updated",
        &with_skus(json_fixture("woocommerce_v3_orders_update_an_order.json")),
    );
    assert_eq!(updated.event_id, "woocommerce-727-order.updated-2017-03-22T19:30:35Z");
    assert!(matches!(updated.body, EventBody::OrderUpdated(_)));
    assert_eq!(
        updated.occurred_at,
        ts("2017-03-22T19:30:35Z"),
        "an update happened when the order changed"
    );
    assert_eq!(order_of(&updated).payment_state, PaymentState::Paid, "completed");
}

/// Every order object in the fixtures, the list and batch responses included.
#[test]
fn every_fixture_order_maps() {
    struct Expect {
        id: &'static str,
        topic: &'static str,
        lines: usize,
        total: &'static str,
        payment: PaymentState,
        email: &'static str,
    }
    let list = json_fixture("woocommerce_v3_orders_list_all_orders.json");
    let batch = json_fixture("woocommerce_v3_orders_batch_update_orders.json");
    let cases = [
        (
            &list[0],
            "order.created",
            Expect {
                id: "727",
                topic: "order.created",
                lines: 2,
                total: "29.35",
                payment: PaymentState::Paid,
                email: "john.doe@example.com",
            },
        ),
        (
            &list[1],
            "order.updated",
            Expect {
                id: "723",
                topic: "order.updated",
                lines: 2,
                total: "39.00",
                payment: PaymentState::PartiallyRefunded,
                email: "joao.silva@example.com",
            },
        ),
        (
            &batch["create"][0],
            "order.created",
            Expect {
                id: "728",
                topic: "order.created",
                lines: 3,
                total: "62.25",
                payment: PaymentState::Pending,
                email: "john.doe@example.com",
            },
        ),
        (
            &batch["create"][1],
            "order.created",
            Expect {
                id: "729",
                topic: "order.created",
                lines: 2,
                total: "54.40",
                payment: PaymentState::Paid,
                email: "john.doe@example.com",
            },
        ),
        (
            &batch["update"][0],
            "order.updated",
            Expect {
                id: "727",
                topic: "order.updated",
                lines: 2,
                total: "29.35",
                payment: PaymentState::Paid,
                email: "john.doe@example.com",
            },
        ),
    ];
    for (order, topic, expect) in cases {
        let event = one(topic, &with_skus(order.clone()));
        let data = order_of(&event);
        assert_eq!(data.order_id.as_str(), expect.id);
        assert!(
            event.event_id.starts_with(&format!("woocommerce-{}-{}-", expect.id, expect.topic)),
            "{}",
            event.event_id
        );
        assert_eq!(data.lines.len(), expect.lines, "{}", expect.id);
        assert_eq!(data.total.as_ref().unwrap().amount.to_string(), expect.total, "{}", expect.id);
        assert_eq!(data.payment_state, expect.payment, "{}", expect.id);
        assert_eq!(data.customer.email.as_deref(), Some(expect.email), "{}", expect.id);
    }

    let joao = order_of(&one("order.updated", &with_skus(list[1].clone()))).clone();
    assert_eq!(joao.customer.id.as_deref(), Some("26"));
    assert_eq!(joao.customer.name.as_deref(), Some("João Silva"));
    assert_eq!(joao.ship_to.country.as_deref(), Some("BR"));
    assert_eq!(joao.ship_to.postal_code.as_deref(), Some("12345-000"));
    assert_eq!(joao.client_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(joao.channel.as_deref(), Some("checkout"));

    // The batch's deleted order, as the `order.deleted` topic would announce it.
    let deleted = one("order.deleted", &batch["delete"][0]);
    assert_eq!(deleted.event_id, "woocommerce-723-order.deleted");
    let EventBody::OrderCancelled(cancelled) = &deleted.body else {
        panic!("{deleted:?}")
    };
    assert_eq!((cancelled.order_id.as_str(), cancelled.reason.as_deref()), ("723", Some("deleted")));
}

#[test]
fn a_deletion_is_only_an_id_and_takes_the_receive_time() {
    // The REST delete response is the whole order; the webhook body is `{"id": …}`.
    let full = one("order.deleted", &json_fixture("woocommerce_v3_orders_delete_an_order.json"));
    assert_eq!(full.occurred_at, ts("2017-03-22T19:30:35Z"));

    let mut hook = webhook("order.deleted");
    hook.received_at = Some(ts("2026-05-15T14:30:00Z"));
    let events = events_for(&hook, &json!({"id": 727})).unwrap();
    assert_canonical(&events[0]);
    assert_eq!(events[0].occurred_at, ts("2026-05-15T14:30:00Z"));
    assert_eq!(events[0].event_id, full.event_id, "one deletion, however delivered");

    let err = err_for("order.deleted", &json!({"id": 727}));
    assert_eq!(err.field().as_deref(), Some("date_modified_gmt"));
    assert_eq!(err_for("order.deleted", &json!({})).field().as_deref(), Some("id"));
}

#[test]
fn ending_statuses_cancel_whatever_the_rest_of_the_order_says() {
    for status in ["cancelled", "refunded", "failed", "Cancelled"] {
        let mut order = json_fixture("woocommerce_v3_orders_create_an_order.json");
        order["status"] = json!(status);
        // The demo order's lines have no SKU: a cancellation must still get through.
        let event = one("order.updated", &order);
        let EventBody::OrderCancelled(cancelled) = &event.body else {
            panic!("{status}: {event:?}")
        };
        assert_eq!(cancelled.order_id.as_str(), "727");
        assert_eq!(cancelled.reason.as_deref(), Some(status.to_ascii_lowercase().as_str()));
        assert_eq!(event.occurred_at, ts("2017-03-22T19:28:08Z"));
        assert_eq!(event.event_id, "woocommerce-727-order.updated-2017-03-22T19:28:08Z");
    }
}

#[test]
fn a_restored_order_is_an_update() {
    let event = one("order.restored", &minimal());
    assert!(matches!(event.body, EventBody::OrderUpdated(_)));
    assert_eq!(event.event_id, "woocommerce-901-order.restored-2026-05-15T10:00:05Z");
}

#[test]
fn other_topics_and_legacy_payloads_are_refused() {
    assert_eq!(
        err_for("product.updated", &minimal()),
        Error::UnsupportedTopic("product.updated".into())
    );
    assert_eq!(err_for("action.woocommerce_add_to_cart", &minimal()).code(), "unsupported_topic");
    let legacy = json!({"order": minimal()});
    let err = err_for("order.created", &legacy);
    assert_eq!((err.code(), err.field().as_deref()), ("invalid_payload", Some("order")));
    assert!(err.to_string().contains("WP REST API Integration v3"), "{err}");
}

#[test]
fn payment_state_follows_status_and_payment_date() {
    let cases = [
        ("processing", true, PaymentState::Paid),
        ("processing", false, PaymentState::Authorized),
        ("completed", false, PaymentState::Paid),
        ("on-hold", false, PaymentState::Pending),
        ("pending", false, PaymentState::Pending),
        ("checkout-draft", false, PaymentState::Pending),
        ("some-plugin-status", true, PaymentState::Paid),
    ];
    for (status, paid, expected) in cases {
        let mut order = minimal();
        order["status"] = json!(status);
        if !paid {
            order["date_paid_gmt"] = Value::Null;
        }
        assert_eq!(
            order_of(&one("order.created", &order)).payment_state,
            expected,
            "{status} paid={paid}"
        );
    }
}

#[test]
fn shipping_method_sets_the_service_level() {
    for (title, id, expected) in [
        ("Local pickup", "local_pickup", ServiceLevel::Pickup),
        ("Pickup at the shop", "pickup_location", ServiceLevel::Pickup),
        ("Express", "flat_rate:4", ServiceLevel::Expedited),
        ("Free shipping", "free_shipping:3", ServiceLevel::Standard),
    ] {
        let mut order = minimal();
        order["shipping_lines"] = json!([{"id": 1, "method_title": title, "method_id": id, "total": "0.00"}]);
        assert_eq!(order_of(&one("order.created", &order)).service_level, expected, "{title}");
    }
}

#[test]
fn bad_values_name_their_path() {
    let cases = [
        ("/line_items/0/quantity", json!(1.5), "invalid_quantity", "line_items[0].quantity"),
        ("/line_items/0/quantity", json!(0), "invalid_quantity", "line_items[0].quantity"),
        ("/line_items/0/price", json!("cheap"), "invalid_payload", "line_items[0].price"),
        ("/line_items/0/sku", json!("HAS SPACE"), "invalid_sku", "line_items[0].sku"),
        ("/date_created_gmt", json!("yesterday"), "invalid_payload", "date_created_gmt"),
        ("/currency", json!("euros"), "invalid_currency", "currency"),
        ("/billing", json!("nowhere"), "invalid_payload", "billing"),
    ];
    for (pointer, value, code, field) in cases {
        let mut order = minimal();
        match order.pointer_mut(pointer) {
            Some(slot) => *slot = value.clone(),
            None => order[&pointer[1..]] = value.clone(),
        }
        let err = err_for("order.created", &order);
        assert_eq!((err.code(), err.field().as_deref()), (code, Some(field)), "{pointer} = {value}");
    }
    let mut order = minimal();
    order["line_items"] = json!([]);
    assert_eq!(err_for("order.created", &order).field().as_deref(), Some("line_items"));
    let err = to_events(&webhook("order.created"), b"{\"id\": 1,\n \"status\": }", "woo").unwrap_err();
    assert!(err.to_string().contains("line 2 column"), "{err}");
}

#[test]
fn without_any_date_the_delivery_id_is_the_event_id() {
    let mut order = minimal();
    order["date_created_gmt"] = Value::Null;
    order["date_modified_gmt"] = json!("");
    let mut hook = webhook("order.updated");
    hook.received_at = Some(ts("2026-05-15T14:30:00Z"));
    let events = events_for(&hook, &order).unwrap();
    assert_eq!(events[0].event_id, "woocommerce-delivery-3b3b4ee3e8d37f6a0a7e6c7f4d43bd2b");
    assert_eq!(events[0].occurred_at, ts("2026-05-15T14:30:00Z"));
    hook.delivery_id = None;
    let err = events_for(&hook, &order).unwrap_err();
    assert_eq!(err.field().as_deref(), Some("date_modified_gmt"));
    // A time with an offset, as some plugins write, is read as such.
    let mut order = minimal();
    order["date_modified_gmt"] = json!("2026-05-15T12:00:05+02:00");
    assert_eq!(one("order.updated", &order).occurred_at, ts("2026-05-15T10:00:05Z"));
}

#[test]
fn entities_are_decoded_and_stray_ampersands_kept() {
    let cases = [
        ("Ship Your Idea &ndash; Color: Black", "Ship Your Idea – Color: Black"),
        ("Fish &amp; Chips &#8211; &#x2014;", "Fish & Chips – —"),
        ("AT&T", "AT&T"),
        ("R&D &bogus; &", "R&D &bogus; &"),
        ("&#xD800;&#0;&#99999999999;", "&#xD800;&#0;&#99999999999;"),
        ("&amp", "&amp"),
        ("caf&eacute;", "caf&eacute;"),
    ];
    for (raw, expected) in cases {
        assert_eq!(decode_entities(raw), expected, "{raw}");
    }
}

const KEYS: &[&str] = &[
    "id",
    "number",
    "status",
    "currency",
    "date_created_gmt",
    "date_modified_gmt",
    "date_paid_gmt",
    "total",
    "customer_id",
    "billing",
    "shipping",
    "first_name",
    "postcode",
    "phone",
    "line_items",
    "sku",
    "quantity",
    "price",
    "name",
    "product_id",
    "variation_id",
    "shipping_lines",
    "method_id",
    "refunds",
    "order",
];
const STRINGS: &[&str] = &[
    "2017-03-22T19:28:02",
    "2026-05-15T14:30:00Z",
    "USD",
    "processing",
    "cancelled",
    "completed",
    "SKU-1",
    "29.35",
    "local_pickup",
    "&ndash;",
    "&#8211",
    "0",
];

proptest! {
    #[test]
    fn random_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512), topic in prop::sample::select(&TOPICS[..])) {
        let _ = to_events(&webhook(topic), &body, "woo");
        let _ = to_events(&parse_headers(|_| None).unwrap(), &body, "woo");
    }

    #[test]
    fn random_json_never_panics_and_what_maps_is_canonical(value in json_value(KEYS, STRINGS), topic in prop::sample::select(&TOPICS[..])) {
        let mut hook = webhook(topic);
        hook.received_at = Some(ts("2026-05-15T14:30:00Z"));
        if let Ok(events) = events_for(&hook, &value) {
            events.iter().for_each(assert_canonical);
        }
    }

    #[test]
    fn random_line_items_never_panic(items in proptest::collection::vec(json_value(KEYS, STRINGS), 0..4)) {
        let mut order = minimal();
        order["line_items"] = Value::Array(items);
        if let Ok(events) = events_for(&webhook("order.created"), &order) {
            events.iter().for_each(assert_canonical);
        }
    }

    #[test]
    fn random_headers_never_panic(values in proptest::collection::vec(proptest::option::of(".{0,140}"), 7)) {
        let names = [TOPIC_HEADER, SIGNATURE_HEADER, WEBHOOK_ID_HEADER, DELIVERY_ID_HEADER, RESOURCE_HEADER, EVENT_HEADER, SOURCE_HEADER];
        if let Ok(hook) = parse_headers(|name| names.iter().position(|n| *n == name).and_then(|i| values[i].as_deref())) {
            let _ = to_events(&hook, b"webhook_id=1", "woo");
        }
    }

    #[test]
    fn entity_decoding_never_panics(raw in ".{0,40}") {
        let _ = decode_entities(&raw);
    }
}
