use model::order::{OrderData, OrderFlag, PaymentState, ServiceLevel};
use model::{Event, EventBody};
use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::testutil::{assert_canonical, fixture, json_value};

fn callback_fixture(scope: &str) -> Vec<u8> {
    fixture(&format!("bigcommerce/bigcommerce_store_{scope}.json"))
}

fn callback(scope: &str) -> Callback {
    parse_callback(&callback_fixture(scope)).unwrap()
}

/// Order 250 as `GET /v2/orders/250` answers it, written from BigCommerce's
/// documented V2 order schema (the fixtures hold only the thin callbacks).
fn order() -> Value {
    serde_json::from_str(
        r#"{
        "id": 250,
        "customer_id": 11,
        "date_created": "Tue, 25 Jun 2019 16:15:28 +0000",
        "date_modified": "Tue, 25 Jun 2019 16:15:35 +0000",
        "date_shipped": "",
        "status_id": 11,
        "status": "Awaiting Fulfillment",
        "subtotal_ex_tax": "55.0000",
        "subtotal_inc_tax": "59.5400",
        "subtotal_tax": "4.5400",
        "base_shipping_cost": "10.0000",
        "shipping_cost_ex_tax": "10.0000",
        "shipping_cost_inc_tax": "10.0000",
        "total_ex_tax": "65.0000",
        "total_inc_tax": "69.5400",
        "total_tax": "4.5400",
        "items_total": 3,
        "items_shipped": 0,
        "payment_method": "Credit Card",
        "payment_provider_id": "ch_1Ep6Yl2eZvKYlo2C",
        "payment_status": "captured",
        "refunded_amount": "0.0000",
        "order_is_digital": false,
        "store_credit_amount": "0.0000",
        "gift_certificate_amount": "0.0000",
        "ip_address": "203.0.113.7",
        "ip_address_v6": "",
        "geoip_country": "United States",
        "geoip_country_iso2": "US",
        "currency_id": 1,
        "currency_code": "USD",
        "currency_exchange_rate": "1.0000000000",
        "default_currency_id": 1,
        "default_currency_code": "USD",
        "store_default_currency_code": "USD",
        "store_default_to_transactional_exchange_rate": "1.0000000000",
        "staff_notes": "",
        "customer_message": "Please leave at the side door.",
        "discount_amount": "0.0000",
        "coupon_discount": "0.0000",
        "shipping_address_count": 1,
        "is_deleted": false,
        "ebay_order_id": "0",
        "cart_id": "e5b1a9ff-2d0c-4b8f-8b5c-0f3c4c8fd7a1",
        "billing_address": {
            "first_name": "Jane", "last_name": "Doe", "company": "", "street_1": "123 Main Street", "street_2": "Suite 4",
            "city": "Austin", "state": "Texas", "zip": "78751", "country": "United States", "country_iso2": "US",
            "phone": "512-555-0100", "email": "janedoe@example.com", "form_fields": []
        },
        "is_email_opt_in": false,
        "credit_card_type": null,
        "order_source": "www",
        "channel_id": 1,
        "external_source": null,
        "products": {"url": "https://api.bigcommerce.com/stores/abc123/v2/orders/250/products", "resource": "/orders/250/products"},
        "shipping_addresses": {"url": "https://api.bigcommerce.com/stores/abc123/v2/orders/250/shipping_addresses", "resource": "/orders/250/shipping_addresses"},
        "coupons": {"url": "https://api.bigcommerce.com/stores/abc123/v2/orders/250/coupons", "resource": "/orders/250/coupons"},
        "external_id": null,
        "external_merchant_id": null,
        "custom_status": "Awaiting Fulfillment",
        "customer_locale": "en"
    }"#,
    )
    .unwrap()
}

/// `GET /v2/orders/250/products`.
fn products() -> Value {
    json!([
        {
            "id": 171, "order_id": 250, "product_id": 77, "variant_id": 1, "order_address_id": 81,
            "name": "[Sample] Fog Linen Chambray Towel - Beige Stripe", "sku": "SLCTBS", "type": "physical",
            "base_price": "49.0000", "price_ex_tax": "45.0000", "price_inc_tax": "49.5400", "price_tax": "4.5400",
            "total_inc_tax": "49.5400", "quantity": 1, "is_refunded": false, "quantity_refunded": 0, "quantity_shipped": 0,
            "wrapping_name": "", "wrapping_message": "", "product_options": []
        },
        {
            "id": 172, "order_id": 250, "product_id": 80, "variant_id": 64, "order_address_id": 81,
            "name": "[Sample] Orbit Terrarium - Large", "sku": "OTL", "type": "physical",
            "base_price": "5.0000", "price_ex_tax": "5.0000", "price_inc_tax": "5.0000", "price_tax": "0.0000",
            "total_inc_tax": "10.0000", "quantity": 2, "is_refunded": false, "quantity_refunded": 0, "quantity_shipped": 0,
            "wrapping_name": null, "wrapping_message": null, "product_options": []
        }
    ])
}

/// `GET /v2/orders/250/shipping_addresses`.
fn addresses() -> Value {
    json!([{
        "id": 81, "order_id": 250, "first_name": "John", "last_name": "Doe", "company": "Acme Pty", "street_1": "666 Sussex St",
        "street_2": "", "city": "Anywhere", "zip": "2000", "country": "Australia", "country_iso2": "AU", "state": "New South Wales",
        "email": "janedoe@example.com", "phone": "", "items_total": 3, "items_shipped": 0, "shipping_method": "Express Post",
        "base_cost": "10.0000", "cost_ex_tax": "10.0000", "cost_inc_tax": "10.0000", "shipping_zone_id": 1,
        "shipping_zone_name": "Australia", "form_fields": []
    }])
}

fn bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).unwrap()
}

fn events(cb: &Callback, order: &Value, products: &Value, addresses: Option<&Value>) -> Result<Vec<Event>, Error> {
    let addresses = addresses.map(bytes);
    order_events(cb, &bytes(order), &bytes(products), addresses.as_deref(), "bc")
}

fn one(cb: &Callback, order: &Value) -> Event {
    let mut events = events(cb, order, &products(), Some(&addresses())).unwrap();
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

#[test]
fn the_created_callback_says_what_to_fetch() {
    let cb = callback("order_created");
    assert_eq!(cb.scope, "store/order/created");
    assert_eq!((cb.store_id.as_str(), cb.order_id), ("1025646", 250));
    assert_eq!(cb.created_at, ts("2019-06-25T16:15:35Z"));
    assert_eq!(cb.hash.as_deref(), Some("dd70c0976e06b67aaf671e73f49dcb79230ebf9d"));
    assert_eq!(cb.producer.as_deref(), Some("stores/{store_hash}"));
    let calls: Vec<_> = cb.fetch.iter().map(|r| (r.method, r.path.as_str(), r.body.is_none())).collect();
    assert_eq!(
        calls,
        [
            (Method::Get, "/v2/orders/250", true),
            (Method::Get, "/v2/orders/250/products?limit=250", true),
            (Method::Get, "/v2/orders/250/shipping_addresses", true),
        ]
    );
    assert!(
        cb.fetch
            .iter()
            .all(|r| r.headers == [("Accept".to_owned(), "application/json".to_owned())])
    );
}

#[test]
fn every_order_scope_in_the_fixtures_is_read_and_the_rest_refused() {
    for scope in ["order_created", "order_updated", "order_statusUpdated", "order_archived"] {
        let cb = callback(scope);
        assert_eq!(cb.order_id, 250, "{scope}");
        assert!(SCOPES.contains(&cb.scope.as_str()));
    }
    let refused = [
        ("order_message_created", "store/order/message/created"),
        ("order_refund_created", "store/order/refund/created"),
        ("shipment_created", "store/shipment/created"),
        ("shipment_updated", "store/shipment/updated"),
        ("product_inventory_updated", "store/product/inventory/updated"),
        ("product_inventory_order_updated", "store/product/inventory/order/updated"),
        ("sku_inventory_updated", "store/sku/inventory/updated"),
        ("sku_inventory_order_updated", "store/sku/inventory/order/updated"),
    ];
    for (file, scope) in refused {
        let err = parse_callback(&callback_fixture(file)).unwrap_err();
        assert_eq!(err, Error::UnsupportedTopic(scope.to_owned()), "{file}");
    }
}

#[test]
fn a_bad_callback_names_its_field() {
    let base: Value = serde_json::from_slice(&callback_fixture("order_created")).unwrap();
    let cases = [
        ("/data/id", json!(0), "data.id"),
        ("/data/id", json!(-1), "data.id"),
        ("/data/type", json!("product"), "data.type"),
        ("/store_id", json!(""), "store_id"),
        ("/store_id", json!("s".repeat(65)), "store_id"),
        ("/created_at", json!(null), "created_at"),
        ("/created_at", json!(i64::MAX), "created_at"),
        ("/scope", json!(null), "scope"),
    ];
    for (pointer, value, field) in cases {
        let mut body = base.clone();
        *body.pointer_mut(pointer).unwrap() = value.clone();
        let err = parse_callback(&bytes(&body)).unwrap_err();
        assert_eq!(err.field().as_deref(), Some(field), "{pointer} = {value}");
    }
    assert_eq!(parse_callback(b"scope=store/order/created").unwrap_err().code(), "invalid_payload");
}

#[test]
fn a_created_order_maps_every_part() {
    let event = one(&callback("order_created"), &order());
    assert!(matches!(event.body, EventBody::OrderCreated(_)));
    assert_eq!(event.event_id, "bigcommerce-1025646-250-order.created-2019-06-25T16:15:35Z");
    assert_eq!(event.source, "bc");
    assert_eq!(event.occurred_at, ts("2019-06-25T16:15:35Z"), "the callback's created_at");
    let order = order_of(&event);
    assert_eq!(order.order_id.as_str(), "250");
    assert_eq!(order.external_ids.storefront_order_id.as_deref(), Some("250"));
    assert_eq!(order.channel.as_deref(), Some("www"));
    assert_eq!(order.placed_at, Some(ts("2019-06-25T16:15:28Z")), "RFC 2822 date_created");

    assert_eq!(order.customer.id.as_deref(), Some("11"));
    assert_eq!(order.customer.name.as_deref(), Some("Jane Doe"));
    assert_eq!(order.customer.email.as_deref(), Some("janedoe@example.com"));
    assert_eq!(order.customer.phone.as_deref(), Some("512-555-0100"));

    let bill = order.bill_to.as_ref().unwrap();
    assert_eq!(
        (bill.line1.as_deref(), bill.line2.as_deref()),
        (Some("123 Main Street"), Some("Suite 4"))
    );
    assert_eq!((bill.region.as_deref(), bill.country.as_deref()), (Some("Texas"), Some("US")));
    let ship = &order.ship_to;
    assert_eq!(ship.name.as_deref(), Some("John Doe"));
    assert_eq!(ship.company.as_deref(), Some("Acme Pty"));
    assert_eq!(
        (ship.city.as_deref(), ship.postal_code.as_deref()),
        (Some("Anywhere"), Some("2000"))
    );
    assert_eq!((ship.country.as_deref(), ship.phone.as_deref()), (Some("AU"), None));
    assert_eq!(order.service_level, ServiceLevel::Expedited, "Express Post");

    let lines: Vec<_> = order.lines.iter().map(|l| (l.sku.as_str(), l.quantity.units())).collect();
    assert_eq!(lines, [("SLCTBS", 1), ("OTL", 2)]);
    assert_eq!(order.lines[0].line_id.as_deref(), Some("171"));
    assert_eq!(
        order.lines[0].name.as_deref(),
        Some("[Sample] Fog Linen Chambray Towel - Beige Stripe")
    );
    let price = order.lines[0].unit_price.as_ref().unwrap();
    assert_eq!((price.amount.to_string().as_str(), price.currency.as_str()), ("49.5400", "USD"));
    assert_eq!(order.total.as_ref().unwrap().amount.to_string(), "69.5400");
    assert_eq!(order.payment_state, PaymentState::Paid);
    assert_eq!(order.note.as_deref(), Some("Please leave at the side door."));
    assert_eq!(order.client_ip.as_deref(), Some("203.0.113.7"));
    assert!(order.flags.is_empty());
    assert_eq!(order.gift_message, None);
}

#[test]
fn updated_and_status_updated_for_one_state_are_one_event() {
    let updated = one(&callback("order_updated"), &order());
    let status = one(&callback("order_statusUpdated"), &order());
    assert!(matches!(updated.body, EventBody::OrderUpdated(_)));
    assert_eq!(updated.event_id, "bigcommerce-1025646-250-order.updated-2019-06-25T16:15:35Z");
    assert_eq!(status.event_id, updated.event_id);
    assert_eq!(updated.occurred_at, ts("2019-06-25T16:15:35Z"), "the order's date_modified");

    let mut later = order();
    later["date_modified"] = json!("Wed, 26 Jun 2019 09:00:00 +0200");
    let changed = one(&callback("order_updated"), &later);
    assert_eq!(changed.event_id, "bigcommerce-1025646-250-order.updated-2019-06-26T07:00:00Z");
    assert_eq!(changed.occurred_at, ts("2019-06-26T07:00:00Z"));

    let mut undated = order();
    undated["date_modified"] = json!("");
    let event = one(&callback("order_updated"), &undated);
    assert_eq!(event.event_id, "bigcommerce-1025646-store/order/updated-250-1561479335");
}

#[test]
fn ending_statuses_and_archiving_cancel_without_reading_the_lines() {
    let bad_products = json!([{"sku": null, "quantity": 0}]);
    for (status_id, status) in [(4, "Refunded"), (5, "Cancelled"), (6, "Declined")] {
        let mut order = order();
        order["status_id"] = json!(status_id);
        order["status"] = json!(status);
        let events = events(&callback("order_statusUpdated"), &order, &bad_products, None).unwrap();
        assert_canonical(&events[0]);
        let EventBody::OrderCancelled(cancelled) = &events[0].body else {
            panic!("{status}: {events:?}")
        };
        assert_eq!((cancelled.order_id.as_str(), cancelled.reason.as_deref()), ("250", Some(status)));
        assert_eq!(events[0].event_id, "bigcommerce-1025646-250-order.cancelled-2019-06-25T16:15:35Z");
    }
    for (scope, deleted) in [("order_archived", false), ("order_updated", true)] {
        let mut order = order();
        order["is_deleted"] = json!(deleted);
        let events = events(&callback(scope), &order, &json!([]), None).unwrap();
        let EventBody::OrderCancelled(cancelled) = &events[0].body else {
            panic!("{scope}: {events:?}")
        };
        assert_eq!(cancelled.reason.as_deref(), Some("archived"));
    }
}

#[test]
fn payment_state_from_payment_status_else_order_status() {
    let cases = [
        ("captured", 11, PaymentState::Paid),
        ("authorized", 11, PaymentState::Authorized),
        ("partially refunded", 14, PaymentState::PartiallyRefunded),
        ("void", 11, PaymentState::Voided),
        ("held for review", 12, PaymentState::Pending),
        ("", 7, PaymentState::Pending),
        ("", 11, PaymentState::Paid),
        ("", 10, PaymentState::Paid),
        ("pending", 11, PaymentState::Pending),
        ("something new", 11, PaymentState::Pending),
    ];
    for (payment, status_id, expected) in cases {
        let mut order = order();
        order["payment_status"] = json!(payment);
        order["status_id"] = json!(status_id);
        assert_eq!(
            order_of(&one(&callback("order_updated"), &order)).payment_state,
            expected,
            "{payment} / {status_id}"
        );
    }
}

#[test]
fn gift_wrapping_and_the_transactional_currency() {
    let mut wrapped = products();
    wrapped[1]["wrapping_name"] = json!("Gift Box");
    wrapped[1]["wrapping_message"] = json!("Happy birthday!");
    let mut order = order();
    order["default_currency_code"] = json!("eur");
    order["currency_code"] = json!("USD");
    let events = events(&callback("order_created"), &order, &wrapped, Some(&addresses())).unwrap();
    let data = order_of(&events[0]);
    assert_eq!(data.flags, vec![OrderFlag::GiftWrap]);
    assert_eq!(data.gift_message.as_deref(), Some("Happy birthday!"));
    assert_eq!(
        data.total.as_ref().unwrap().currency.as_str(),
        "EUR",
        "amounts are in the transactional currency"
    );
}

#[test]
fn missing_or_empty_collections() {
    // No addresses fetched, or answered `204 No Content`: no ship-to address.
    let cb = callback("order_created");
    for addresses in [None, Some(&b""[..])] {
        let events = order_events(&cb, &bytes(&order()), &bytes(&products()), addresses, "bc").unwrap();
        let data = order_of(&events[0]);
        assert_eq!(data.ship_to, model::order::Address::default());
        assert_eq!(data.service_level, ServiceLevel::Standard);
    }
    let err = order_events(&cb, &bytes(&order()), b"", None, "bc").unwrap_err();
    assert_eq!(err.field().as_deref(), Some("products"));
    let err = events(&cb, &order(), &Value::Array(vec![products()[0].clone(); 250]), None).unwrap_err();
    assert_eq!(err.field().as_deref(), Some("products"));
    assert!(err.to_string().contains("more than one page"), "{err}");
}

#[test]
fn bad_values_name_their_path() {
    let cb = callback("order_created");
    let mut two = addresses();
    two.as_array_mut().unwrap().push(addresses()[0].clone());
    assert_eq!(
        events(&cb, &order(), &products(), Some(&two)).unwrap_err().field().as_deref(),
        Some("shipping_addresses[1]")
    );

    let product_cases = [
        ("/1/sku", json!(""), "invalid_payload", "products[1].sku"),
        ("/1/sku", json!("HAS SPACE"), "invalid_sku", "products[1].sku"),
        ("/0/quantity", json!(1.5), "invalid_quantity", "products[0].quantity"),
        ("/0/price_inc_tax", json!("free"), "invalid_payload", "products[0].price_inc_tax"),
    ];
    for (pointer, value, code, field) in product_cases {
        let mut products = products();
        *products.pointer_mut(pointer).unwrap() = value.clone();
        let err = events(&cb, &order(), &products, None).unwrap_err();
        assert_eq!((err.code(), err.field().as_deref()), (code, Some(field)), "{pointer} = {value}");
    }
    let err = events(&cb, &order(), &products(), Some(&json!([{"zip": []}]))).unwrap_err();
    assert_eq!(err.field().as_deref(), Some("shipping_addresses[0].zip"));

    let order_cases = [
        ("/id", json!(251), "invalid_payload", "id"),
        ("/date_created", json!("2019-06-25T16:15:28Z"), "invalid_payload", "date_created"),
        (
            "/default_currency_code",
            json!("dollars"),
            "invalid_currency",
            "default_currency_code",
        ),
        ("/billing_address", json!("Austin"), "invalid_payload", "billing_address"),
    ];
    for (pointer, value, code, field) in order_cases {
        let mut order = order();
        *order.pointer_mut(pointer).unwrap() = value.clone();
        let err = events(&cb, &order, &products(), None).unwrap_err();
        assert_eq!((err.code(), err.field().as_deref()), (code, Some(field)), "{pointer} = {value}");
    }
    let mut no_currency = order();
    no_currency["default_currency_code"] = Value::Null;
    no_currency["currency_code"] = json!("");
    let err = events(&cb, &no_currency, &products(), None).unwrap_err();
    assert_eq!(err.field().as_deref(), Some("default_currency_code"));
    let err = events(&cb, &products(), &products(), None).unwrap_err();
    assert_eq!(err.code(), "invalid_payload", "an array is not an order");
}

const KEYS: &[&str] = &[
    "scope",
    "store_id",
    "data",
    "type",
    "id",
    "hash",
    "created_at",
    "customer_id",
    "date_created",
    "date_modified",
    "status_id",
    "status",
    "payment_status",
    "total_inc_tax",
    "default_currency_code",
    "currency_code",
    "is_deleted",
    "billing_address",
    "zip",
    "sku",
    "quantity",
    "price_inc_tax",
    "wrapping_name",
    "shipping_method",
];
const STRINGS: &[&str] = &[
    "store/order/created",
    "store/order/updated",
    "store/order/archived",
    "order",
    "Tue, 25 Jun 2019 16:15:35 +0000",
    "USD",
    "captured",
    "SLCTBS",
    "49.5400",
];

proptest! {
    #[test]
    fn random_callback_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_callback(&body);
    }

    #[test]
    fn random_callback_json_never_panics(value in json_value(KEYS, STRINGS)) {
        if let Ok(cb) = parse_callback(&bytes(&value)) {
            prop_assert_eq!(cb.fetch.len(), 3);
        }
    }

    #[test]
    fn random_answers_never_panic_and_what_maps_is_canonical(
        mut order in json_value(KEYS, STRINGS),
        products in json_value(KEYS, STRINGS),
        addresses in proptest::option::of(json_value(KEYS, STRINGS)),
        scope in prop::sample::select(&SCOPES[..]),
        keep_id in any::<bool>(),
    ) {
        let mut cb = callback("order_created");
        cb.scope = scope.to_owned();
        if keep_id && let Some(map) = order.as_object_mut() {
            map.insert("id".into(), json!(250));
        }
        if let Ok(events) = events(&cb, &order, &products, addresses.as_ref()) {
            events.iter().for_each(assert_canonical);
        }
    }

    #[test]
    fn random_products_never_panic(products in proptest::collection::vec(json_value(KEYS, STRINGS), 0..4)) {
        if let Ok(events) = events(&callback("order_updated"), &order(), &Value::Array(products), Some(&addresses())) {
            events.iter().for_each(assert_canonical);
        }
    }
}
