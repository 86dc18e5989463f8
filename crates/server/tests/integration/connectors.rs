//! Connectors end to end: vendor-mapped WMS payloads, carrier tracking,
//! WooCommerce and BigCommerce webhooks, and the Shopify sink's dead letters
//! fixed by a mapping change and replayed.

use std::time::Duration;

use connectors::connector::{CarrierSettings, Connector, WmsSettings};
use model::tenant::ConnectionKind;
use model::{ConnectionId, Sku};
use serde_json::{Value, json};
use server::config::{ConnectionConfig, Span};
use server::{Config, Secret};

use crate::support::{Harness, Receiver, acme, base_config, connection, eventually};

fn shared(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/../../../shared/fixtures/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn example(path: &str) -> String {
    format!("{}/../../examples/mappings/{path}", env!("CARGO_MANIFEST_DIR"))
}

async fn post_signed(h: &Harness, path: &str, headers: &[(&str, String)], body: Vec<u8>) -> (u16, Value) {
    let mut request = h
        .client
        .post(format!("{}{path}", h.base))
        .header("content-type", "application/json")
        .body(body);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_manhattan_wms_is_read_through_its_mapping_file() {
    let h = Harness::start(|dir| {
        let mut config = base_config(dir);
        let mut wms = connection(ConnectionKind::Wms, Some("mawm-secret"), &["DC-EAST", "DC-WEST"]);
        wms.connector = Connector::Wms(WmsSettings {
            mapping: Some(example("manhattan.toml")),
        });
        config.connections.insert(ConnectionId::parse("mawm").unwrap(), wms);
        config
    })
    .await;
    let body = std::fs::read(example("manhattan/inventory_sync.json")).unwrap();
    let signature = connectors::signature::sign_hex_sha256(b"mawm-secret", &body);
    let (status, receipt) = post_signed(&h, "/webhooks/wms/mawm", &[("x-crossdock-signature", signature)], body).await;
    assert_eq!(status, 200, "{receipt}");
    assert_eq!(receipt["accepted"], 3);
    // ItemId 100871 is SKU-2, counted as 3 cases of 24 at Facility DC01 = DC-EAST.
    let sku2 = h.inventory("SKU-2").await;
    assert_eq!(sku2["nodes"][0]["node"], "DC-EAST");
    assert_eq!(sku2["nodes"][0]["on_hand"], 72);
    assert_eq!(h.inventory("SKU-1").await["network"]["on_hand"], 140);

    // A vendor code the mapping does not know is refused with the vendor's field.
    let bad = json!({"MessageId": "MAWM-IA-1", "MessageType": "INVENTORY_ADJUSTMENT", "Facility": "DC09",
        "ItemId": "100234", "AdjustmentQty": 1, "UOM": "EA", "ReasonCode": "FOUND", "TransactionDateTime": "2026-05-15T09:00:00Z"});
    let body = serde_json::to_vec(&bad).unwrap();
    let signature = connectors::signature::sign_hex_sha256(b"mawm-secret", &body);
    let (status, error) = post_signed(&h, "/webhooks/wms/mawm", &[("x-crossdock-signature", signature)], body).await;
    assert_eq!((status, error["code"].as_str()), (422, Some("unknown_node")), "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("DC09") && message.contains("mawm") && message.contains("mapping"),
        "{error}"
    );
}

#[tokio::test]
async fn a_broken_mapping_file_stops_the_start_with_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.toml");
    std::fs::write(&file, "[inbound.fields]\norder_id = \"OrderId\"\n").unwrap();
    let mut config = base_config(dir.path());
    let mut wms = connection(ConnectionKind::Wms, Some("s"), &["DC-EAST"]);
    wms.connector = Connector::Wms(WmsSettings {
        mapping: Some(file.display().to_string()),
    });
    config.connections.insert(ConnectionId::parse("bad").unwrap(), wms);
    let err = config.load_mappings(dir.path()).unwrap_err();
    assert_eq!(err.key, "connections.bad.mapping");
    assert!(err.message.contains("order_id"), "{err}");
}

/// EasyPost's own test vector: the body and signature from its client
/// library fixtures, with the secret `sécret`.
#[tokio::test]
async fn an_easypost_tracker_update_is_verified_and_moves_the_shipment() {
    let h = Harness::start(|dir| {
        let mut config = base_config(dir);
        let mut easypost = ConnectionConfig::new(
            Connector::Carrier(CarrierSettings {
                format: connectors::carrier::Format::EasyPost,
            }),
            acme(),
        );
        easypost.secret = Some(Secret::generated("sécret".into()));
        config.connections.insert(ConnectionId::parse("easypost").unwrap(), easypost);
        config
    })
    .await;
    let vectors: Value = serde_json::from_slice(&shared("carrier-tracking/easypost_client-library-fixtures.json")).unwrap();
    let signature = vectors["webhooks"]["hmac_signature"].as_str().unwrap().to_owned();
    let mut body = shared("carrier-tracking/easypost_event-body.json");
    // The vector signs the body as sent, without the file's final newline.
    while body.last() == Some(&b'\n') {
        body.pop();
    }
    let event: Value = serde_json::from_slice(&body).unwrap();
    let tracking = event["result"]["tracking_code"].as_str().unwrap().to_owned();
    let setup = json!({"events": [
        {"event_id": "o1", "source": "oms", "occurred_at": "2026-05-15T10:00:00Z", "type": "order.created",
         "data": {"order_id": "SO-77", "payment_state": "paid", "lines": [{"sku": "SKU-1", "quantity": 1}]}},
        {"event_id": "s1", "source": "wms", "occurred_at": "2026-05-15T11:00:00Z", "type": "order.shipped",
         "data": {"order_id": "SO-77", "node": "DC-EAST", "tracking_number": tracking, "carrier": "UPS", "lines": [{"sku": "SKU-1", "quantity": 1}]}}
    ]});
    assert_eq!(h.post("/v1/events", setup).await.0, 200);
    let version = h.get("/v1/orders/SO-77").await.1["version"].as_u64().unwrap();

    let (status, _) = post_signed(
        &h,
        "/webhooks/carrier/easypost",
        &[("x-hmac-signature", "hmac-sha256-hex=00".into())],
        body.clone(),
    )
    .await;
    assert_eq!(status, 401, "a wrong signature is refused");
    let before = h.events();
    let (status, receipt) = post_signed(
        &h,
        "/webhooks/carrier/easypost",
        &[("x-hmac-signature", signature.clone())],
        body.clone(),
    )
    .await;
    assert_eq!(status, 200, "{receipt}");
    assert!(receipt["accepted"].as_u64().unwrap() >= 1, "{receipt}");
    let (_, again) = post_signed(&h, "/webhooks/carrier/easypost", &[("x-hmac-signature", signature)], body).await;
    assert_eq!(again["accepted"], 0, "a redelivery has no second effect: {again}");
    assert_eq!(h.events(), before + receipt["accepted"].as_u64().unwrap());
    // The scans resolved to the order through its tracking number.
    let (_, order) = h.get(format!("/v1/orders/{tracking}")).await;
    assert_eq!(order["id"], "SO-77");
    assert!(order["version"].as_u64().unwrap() > version, "{order}");
}

#[tokio::test]
async fn woocommerce_pings_are_answered_and_orders_are_verified() {
    let h = Harness::start(|dir| {
        let mut config = base_config(dir);
        config.connections.insert(
            ConnectionId::parse("woo").unwrap(),
            connection(ConnectionKind::Woocommerce, Some("wc-secret"), &[]),
        );
        config
    })
    .await;
    let ping = post_signed(&h, "/webhooks/woocommerce/woo", &[], b"webhook_id=7".to_vec()).await;
    assert_eq!(ping.0, 200, "{}", ping.1);
    let mut order: Value = serde_json::from_slice(&shared("woocommerce/woocommerce_v3_orders_retrieve_an_order.json")).unwrap();
    // The fixture's demo products have no SKUs; a real catalogue has them.
    for (i, line) in order["line_items"].as_array_mut().unwrap().iter_mut().enumerate() {
        line["sku"] = json!(format!("WC-{i}"));
    }
    let body = serde_json::to_vec(&order).unwrap();
    let headers = |sig: String| {
        vec![
            ("x-wc-webhook-topic", "order.created".to_owned()),
            ("x-wc-webhook-resource", "order".into()),
            ("x-wc-webhook-event", "created".into()),
            ("x-wc-webhook-id", "7".into()),
            ("x-wc-webhook-delivery-id", "abc".into()),
            ("x-wc-webhook-signature", sig),
        ]
    };
    let (status, _) = post_signed(&h, "/webhooks/woocommerce/woo", &headers("Zm9yZ2Vk".into()), body.clone()).await;
    assert_eq!(status, 401);
    assert_eq!(h.events(), 0);
    let signature = connectors::signature::sign_base64_sha256(b"wc-secret", &body);
    let (status, receipt) = post_signed(&h, "/webhooks/woocommerce/woo", &headers(signature), body).await;
    assert_eq!(status, 200, "{receipt}");
    let (status, stored) = h.get(format!("/v1/orders/{}", order["id"])).await;
    assert_eq!(status, 200, "{stored}");
    assert_eq!(
        stored["lines"].as_array().unwrap().len(),
        order["line_items"].as_array().unwrap().len()
    );
}

/// A BigCommerce callback names the order; crossdock reads it from the
/// store's API (a stand-in here) and stores it.
#[tokio::test]
async fn a_bigcommerce_callback_fetches_the_order() {
    use axum::routing::get;
    let api = axum::Router::new()
        .route(
            "/v2/orders/{id}",
            get(|| async {
                axum::Json(
                    json!({"id": 250, "customer_id": 11, "date_created": "Tue, 05 May 2026 10:00:00 +0000",
                    "date_modified": "Tue, 05 May 2026 10:05:00 +0000", "status_id": 11, "status": "Awaiting Fulfillment",
                    "total_inc_tax": "45.0000", "currency_code": "USD",
                    "billing_address": {"first_name": "Jane", "last_name": "Doe", "street_1": "1 Main St", "city": "Austin",
                        "state": "Texas", "zip": "78701", "country_iso2": "US", "email": "jane@example.com", "phone": ""}}),
                )
            }),
        )
        .route(
            "/v2/orders/{id}/products",
            get(|| async { axum::Json(json!([{"id": 1, "sku": "BC-1", "quantity": 3, "price_inc_tax": "15.0000", "name": "Mug"}])) }),
        )
        .route(
            "/v2/orders/{id}/shipping_addresses",
            get(|| async { axum::http::StatusCode::NO_CONTENT }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, api).await.unwrap() });
    let h = Harness::start(|dir| {
        let mut config = base_config(dir);
        let mut bc = connection(ConnectionKind::Bigcommerce, Some("bc-secret"), &[]);
        bc.base_url = Some(api_url.clone());
        config.connections.insert(ConnectionId::parse("bc").unwrap(), bc);
        config
    })
    .await;
    let callback = shared("bigcommerce/bigcommerce_store_order_created.json");
    let (status, _) = post_signed(
        &h,
        "/webhooks/bigcommerce/bc",
        &[("authorization", "Bearer nope".into())],
        callback.clone(),
    )
    .await;
    assert_eq!(status, 401);
    let (status, receipt) = post_signed(
        &h,
        "/webhooks/bigcommerce/bc",
        &[("authorization", "Bearer bc-secret".into())],
        callback,
    )
    .await;
    assert_eq!(status, 200, "{receipt}");
    let order_id = receipt["results"][0]["order_id"].as_str().unwrap_or("250").to_owned();
    let (status, order) = h.get(format!("/v1/orders/{order_id}")).await;
    assert_eq!(status, 200, "{order}");
    assert_eq!(order["lines"][0]["sku"], "BC-1");
    assert_eq!(order["lines"][0]["quantity"], 3);
}

/// A Shopify connection whose SKU map lacks a SKU: the stock update is a dead
/// letter naming the key to add; with the mapping fixed (a restart with the
/// new configuration) the replayed message goes out in Shopify's shape.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shopify_mapping_gap_is_a_dead_letter_until_fixed_and_replayed() {
    let shop = Receiver::start().await;
    let config = |items: &[(&str, u64)]| {
        let base = shop.base.clone();
        let items: Vec<(String, u64)> = items.iter().map(|(s, i)| ((*s).to_owned(), *i)).collect();
        move |dir: &std::path::Path| -> Config {
            let mut config = base_config(dir);
            let mut sink = connectors::shopify::sink::SinkConfig::default();
            sink.locations.insert(model::NodeId::parse("DC-EAST").unwrap(), 655441491);
            for (sku, id) in &items {
                sink.inventory_items.insert(Sku::parse(sku).unwrap(), *id);
            }
            let mut conn = ConnectionConfig::new(Connector::Shopify(sink), acme());
            conn.secret = Some(Secret::generated("shop-secret".into()));
            conn.api_token = Some(Secret::generated("shpat_test".into()));
            conn.base_url = Some(base);
            conn.subscribe = vec!["inventory.atp_changed".into()];
            conn.dispatch.backoff_base = Span(Duration::from_millis(100));
            config.connections.insert(ConnectionId::parse("shop-sink").unwrap(), conn);
            config
        }
    };
    let h = Harness::start(config(&[("SKU-1", 808950810)])).await;
    h.stock("SKU-1", "DC-EAST", 4).await;
    h.stock("SKU-9", "DC-EAST", 6).await;
    eventually(Duration::from_secs(10), "SKU-1 is sent, SKU-9 is a dead letter", || async {
        shop.applied().len() == 1 && h.get("/v1/outbox?status=dead").await.1["items"].as_array().unwrap().len() == 1
    })
    .await;
    let sent = &shop.applied()[0];
    assert_eq!(sent.path, "/admin/api/2025-07/inventory_levels/set.json");
    assert_eq!(
        sent.body,
        json!({"location_id": 655441491, "inventory_item_id": 808950810u64, "available": 4})
    );
    assert_eq!(sent.headers["x-shopify-access-token"], "shpat_test");
    let dead = h.get("/v1/outbox?status=dead").await.1["items"][0].clone();
    let reason = dead["last_error"].as_str().unwrap();
    assert!(reason.contains("inventory_items.SKU-9"), "{reason}");

    let h = h.restart(config(&[("SKU-1", 808950810), ("SKU-9", 808950999)])).await;
    let (status, replayed) = h.post("/v1/outbox/replay", json!({"connection": "shop-sink"})).await;
    assert_eq!((status, replayed["replayed"].as_array().unwrap().len()), (200, 1));
    eventually(Duration::from_secs(10), "the replayed update is delivered", || async {
        shop.applied().len() == 2
    })
    .await;
    assert_eq!(
        shop.applied()[1].body,
        json!({"location_id": 655441491, "inventory_item_id": 808950999u64, "available": 6})
    );
}

/// Each connection's health check: the kind's cheap authenticated read.
#[tokio::test]
async fn connections_are_listed_and_checked_with_their_credentials() {
    let shop = Receiver::start().await;
    let base = shop.base.clone();
    let h = Harness::start(move |dir| {
        let mut config = base_config(dir);
        let mut conn = ConnectionConfig::new(Connector::Shopify(Default::default()), acme());
        conn.secret = Some(Secret::generated("s".into()));
        conn.api_token = Some(Secret::generated("shpat_check".into()));
        conn.base_url = Some(base);
        config.connections.insert(ConnectionId::parse("shop").unwrap(), conn);
        config.connections.insert(
            ConnectionId::parse("wms").unwrap(),
            connection(ConnectionKind::Wms, Some("s"), &["DC-EAST"]),
        );
        config
    })
    .await;
    let (status, list) = h.get("/v1/connections").await;
    assert_eq!(status, 200);
    let shop_entry = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "shop")
        .unwrap()
        .clone();
    assert_eq!(shop_entry["kind"], "shopify");
    assert_eq!(shop_entry["outbound"], true);

    let (status, check) = h.post("/v1/connections/shop/check", json!({})).await;
    assert_eq!((status, &check["ok"]), (200, &json!(true)), "{check}");
    assert_eq!(check["path"], "/admin/api/2025-07/shop.json");
    assert_eq!(shop.applied()[0].headers["x-shopify-access-token"], "shpat_check");
    shop.set_mode(crate::support::Mode::Status(401));
    let (_, refused) = h.post("/v1/connections/shop/check", json!({})).await;
    assert_eq!(
        (refused["ok"].as_bool(), refused["status"].as_u64()),
        (Some(false), Some(401)),
        "{refused}"
    );
    let (_, no_calls) = h.post("/v1/connections/wms/check", json!({})).await;
    assert!(no_calls["ok"].is_null() && no_calls["reason"].is_string(), "{no_calls}");
    assert_eq!(h.post("/v1/connections/nope/check", json!({})).await.0, 404);
}
