//! Events, orders, webhooks, EDI, metrics and the OpenAPI document.

use std::time::Duration;

use base64::Engine;
use hmac::{Hmac, Mac};
use model::ConnectionId;
use model::tenant::ConnectionKind;
use serde_json::{Value, json};
use server::{Config, Secret};
use sha2::Sha256;

use crate::support::{Harness, KEY, base_config, connection};

const SHOP_SECRET: &str = "shop-secret";
const WMS_SECRET: &str = "wms-secret";

/// A 64 KiB body limit, a Shopify and a WMS connection, each with a previous secret.
fn config(dir: &std::path::Path) -> Config {
    let mut config = base_config(dir);
    config.server.max_body = server::config::Size(64 * 1024);
    for (id, kind, secret, nodes) in [
        ("shop", ConnectionKind::Shopify, SHOP_SECRET, vec![]),
        ("wms-east", ConnectionKind::Wms, WMS_SECRET, vec!["DC-EAST"]),
    ] {
        let mut conn = connection(kind, Some(secret), &nodes);
        conn.previous_secret = Some(Secret::generated(format!("{secret}-old")));
        config.connections.insert(ConnectionId::parse(id).unwrap(), conn);
    }
    config
}

async fn start() -> Harness {
    Harness::start(config).await
}

fn order_created(id: &str, event_id: &str) -> Value {
    json!({"event_id": event_id, "source": "oms", "occurred_at": "2026-05-15T10:00:00Z", "type": "order.created",
           "data": {"order_id": id, "payment_state": "paid", "po_number": format!("PO-{id}"),
                    "customer": {"email": "buyer@acme.test", "account": "Acme Corp"},
                    "lines": [{"sku": "SKU-1", "quantity": 2}]}})
}

fn batch(events: Vec<Value>) -> String {
    json!({ "events": events }).to_string()
}

#[tokio::test]
async fn every_v1_endpoint_needs_the_api_key() {
    let h = start().await;
    for (method, path) in [
        ("GET", "/v1/orders"),
        ("GET", "/v1/orders/1"),
        ("GET", "/v1/inventory/SKU-1"),
        ("GET", "/v1/stats"),
        ("POST", "/v1/events"),
        ("GET", "/v1/reviews"),
        ("POST", "/v1/reviews/1/approve"),
        ("GET", "/v1/audit"),
        ("GET", "/v1/audit/verify"),
        ("GET", "/v1/keys"),
        ("GET", "/v1/autonomy"),
    ] {
        for (auth, code) in [
            (None, "missing_credentials"),
            (Some("Bearer wrong-key"), "bad_signature"),
            (
                Some("Bearer cdk_0123456789ab_notarealsecretnotarealsecretnotarealse"),
                "bad_signature",
            ),
            (Some("Basic dGVzdA=="), "malformed_credentials"),
        ] {
            let mut request = h
                .client
                .request(method.parse().unwrap(), format!("{}{path}", h.base))
                .header("content-type", "application/json")
                .body(batch(vec![order_created("1", "e1")]));
            if let Some(auth) = auth {
                request = request.header("authorization", auth);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 401, "{method} {path} with {auth:?}");
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["code"], code, "{method} {path} with {auth:?}");
        }
    }
    assert_eq!(h.events(), 0);
    for path in ["/healthz", "/readyz", "/metrics", "/openapi.json", "/"] {
        assert_eq!(
            h.client.get(format!("{}{path}", h.base)).send().await.unwrap().status(),
            200,
            "{path}"
        );
    }
}

#[tokio::test]
async fn events_are_stored_once_and_orders_answer_to_every_alias() {
    let h = start().await;
    let (status, body) = h
        .post_events(&batch(vec![order_created("SO-1", "e1"), order_created("SO-2", "e2")]))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["accepted"], 2);
    let (_, again) = h.post_events(&batch(vec![order_created("SO-1", "e1")])).await;
    assert_eq!(again["duplicates"], 1);
    assert_eq!(again["events"][0]["seq"], body["events"][0]["seq"]);
    let release = json!({"event_id": "w1", "source": "wms-east", "occurred_at": "2026-05-15T11:00:00Z", "type": "order.released",
                         "data": {"order_id": "PO-SO-1", "node": "DC-EAST", "wms_order_key": "WMS_1"}});
    assert_eq!(h.post_events(&batch(vec![release])).await.0, 200);
    for alias in ["SO-1", "PO-SO-1", "WMS_1"] {
        let (status, order) = h.get(&format!("/v1/orders/{alias}")).await;
        assert_eq!(status, 200, "{alias}: {order}");
        assert_eq!(order["id"], "SO-1");
        assert_eq!(order["status"], "released");
        assert_eq!(order["nodes"], json!(["DC-EAST"]));
    }
    let (status, missing) = h.get("/v1/orders/SO-404").await;
    assert_eq!((status, missing["code"].as_str()), (404, Some("not_found")));
    let (_, page) = h.get("/v1/orders?customer=acme%20corp&limit=1").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["id"], "SO-2", "newest first");
    let (_, rest) = h
        .get(&format!(
            "/v1/orders?customer=acme%20corp&cursor={}",
            page["next"].as_str().unwrap()
        ))
        .await;
    assert_eq!(rest["items"][0]["id"], "SO-1");
    assert!(rest["next"].is_null());
    let (_, released) = h.get("/v1/orders?status=released").await;
    assert_eq!(released["items"].as_array().unwrap().len(), 1);
    let (_, by_po) = h.get("/v1/orders?po=PO-SO-2").await;
    assert_eq!(by_po["items"][0]["id"], "SO-2");
    let (_, later) = h.get("/v1/orders?since=2026-06-01").await;
    assert_eq!(later["items"].as_array().unwrap().len(), 0);
    assert_eq!(h.events(), 3);
}

#[tokio::test]
async fn idempotency_key_returns_the_first_answer_and_refuses_a_different_body() {
    let h = start().await;
    let send = |body: String| {
        h.client
            .post(format!("{}/v1/events", h.base))
            .bearer_auth(KEY)
            .header("content-type", "application/json")
            .header("idempotency-key", "batch-42")
            .body(body)
            .send()
    };
    let first: Value = send(batch(vec![order_created("SO-1", "e1")])).await.unwrap().json().await.unwrap();
    let second: Value = send(batch(vec![order_created("SO-1", "e1")])).await.unwrap().json().await.unwrap();
    assert_eq!(second["idempotent_replay"], true);
    assert_eq!(second["events"], first["events"]);
    let conflict = send(batch(vec![order_created("SO-9", "e9")])).await.unwrap();
    assert_eq!(conflict.status(), 409);
    let body: Value = conflict.json().await.unwrap();
    assert_eq!(body["code"], "idempotency_key_reused");
    assert_eq!(h.events(), 1);
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_naming_the_field_and_writes_nothing() {
    let h = start().await;
    h.post_events(&batch(vec![order_created("SO-1", "e0")])).await;
    let line = |q: Value| {
        let mut e = order_created("SO-2", "e1");
        e["data"]["lines"][0]["quantity"] = q;
        batch(vec![order_created("SO-3", "e2"), e])
    };
    let mut unknown_type = order_created("SO-2", "e1");
    unknown_type["type"] = json!("order.exploded");
    let mut missing = order_created("SO-2", "e1");
    missing["data"].as_object_mut().unwrap().remove("lines");
    let mut no_event_id = order_created("SO-2", "e1");
    no_event_id.as_object_mut().unwrap().remove("event_id");
    let unknown_node = json!({"event_id": "i1", "occurred_at": "2026-05-15T10:00:00Z", "type": "inventory.adjusted",
                              "data": {"node": "DC-MOON", "sku": "SKU-1", "delta": 5}});
    let unknown_order =
        json!({"event_id": "w9", "occurred_at": "2026-05-15T10:00:00Z", "type": "order.picked", "data": {"order_id": "NOPE"}});
    let cases: Vec<(&str, String, u16, &str, Option<&str>)> = vec![
        ("truncated json", "{\"events\": [".into(), 400, "malformed_json", None),
        ("not json", "hello".into(), 400, "malformed_json", None),
        (
            "trailing garbage",
            format!("{} x", batch(vec![order_created("SO-2", "e1")])),
            400,
            "malformed_json",
            None,
        ),
        (
            "unknown event type",
            batch(vec![unknown_type]),
            422,
            "unknown_event_type",
            Some("events[0]"),
        ),
        ("missing field", batch(vec![missing]), 422, "invalid_field", Some("events[0]")),
        (
            "missing event_id",
            batch(vec![no_event_id]),
            422,
            "invalid_field",
            Some("events[0]"),
        ),
        (
            "quantity as string",
            line(json!("2")),
            422,
            "invalid_field",
            Some("events[1].data.lines[0].quantity"),
        ),
        (
            "fractional quantity",
            line(json!(1.5)),
            422,
            "invalid_field",
            Some("events[1].data.lines[0].quantity"),
        ),
        (
            "zero quantity",
            line(json!(0)),
            422,
            "invalid_quantity",
            Some("events[1].data.lines[0].quantity"),
        ),
        (
            "unknown top-level field",
            json!({"events": [], "extra": 1}).to_string(),
            422,
            "invalid_field",
            None,
        ),
        ("empty batch", batch(vec![]), 422, "empty_batch", Some("events")),
        (
            "unknown node",
            batch(vec![unknown_node]),
            422,
            "unknown_node",
            Some("events[0].data.node"),
        ),
        (
            "unknown order",
            batch(vec![order_created("SO-5", "e5"), unknown_order]),
            422,
            "unknown_order",
            Some("events[1].data.order_id"),
        ),
    ];
    for (name, body, status, code, field) in cases {
        let (got, err) = h.post_events(&body).await;
        assert_eq!(got, status, "{name}: {err}");
        assert_eq!(err["code"], code, "{name}: {err}");
        if let Some(field) = field {
            assert!(
                err["field"].as_str().is_some_and(|f| f.starts_with(field)),
                "{name}: field {} should start with {field}",
                err["field"]
            );
        }
        assert!(err["message"].as_str().is_some_and(|m| m.len() > 10), "{name}: {err}");
    }
    let wrong_type = h
        .client
        .post(format!("{}/v1/events", h.base))
        .bearer_auth(KEY)
        .header("content-type", "text/plain")
        .body(batch(vec![order_created("SO-2", "e1")]))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_type.status(), 415);
    let huge = batch((0..2000).map(|i| order_created(&format!("SO-{i}"), &format!("big-{i}"))).collect());
    let (status, err) = h.post_events(&huge).await;
    assert_eq!((status, err["code"].as_str()), (413, Some("payload_too_large")), "{err}");
    assert_eq!(h.events(), 1, "no bad request wrote anything");
    insta::assert_json_snapshot!(
        "unknown_order_error",
        h.post_events(&batch(vec![
            json!({"event_id": "w9", "occurred_at": "2026-05-15T10:00:00Z", "type": "order.picked", "data": {"order_id": "NOPE"}})
        ]))
        .await
        .1
    );
}

fn shopify_hmac(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn fixture_order() -> Vec<u8> {
    let raw = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/fixtures/shopify/shopify_python_api_order.json"
    ))
    .unwrap();
    let value: Value = serde_json::from_str(&raw).unwrap();
    serde_json::to_vec(value.get("order").unwrap_or(&value)).unwrap()
}

#[tokio::test]
async fn shopify_webhook_verifies_hmac_and_dedupes() {
    let h = start().await;
    let body = fixture_order();
    let post = |hmac: String, id: &str| {
        h.client
            .post(format!("{}/webhooks/shopify/shop", h.base))
            .header("content-type", "application/json")
            .header("x-shopify-topic", "orders/create")
            .header("x-shopify-hmac-sha256", hmac)
            .header("x-shopify-webhook-id", id)
            .header("x-shopify-shop-domain", "acme.myshopify.com")
            .body(body.clone())
            .send()
    };
    let forged = post(shopify_hmac("not-the-secret", &body), "wh-1").await.unwrap();
    assert_eq!(forged.status(), 401);
    assert_eq!(post(String::new(), "wh-1").await.unwrap().status(), 401);
    assert_eq!(h.events(), 0, "nothing stored for a forged webhook");
    let ok = post(shopify_hmac(SHOP_SECRET, &body), "wh-1").await.unwrap();
    assert_eq!(ok.status(), 200, "{}", ok.text().await.unwrap());
    // The previous secret still verifies during a rotation; the replay has no second effect.
    let replay = post(shopify_hmac(&format!("{SHOP_SECRET}-old"), &body), "wh-1").await.unwrap();
    let replay: Value = replay.json().await.unwrap();
    assert_eq!(replay["duplicates"], 1);
    assert_eq!(h.events(), 1);
    let value: Value = serde_json::from_slice(&body).unwrap();
    let name = value["name"].as_str().unwrap().replace('#', "%23");
    let (status, order) = h.get(&format!("/v1/orders/{name}")).await;
    assert_eq!(status, 200, "{order}");
    assert_eq!(order["id"], value["id"].to_string());
}

/// Shopify retries and parallel deliveries reorder webhooks: an
/// orders/updated triggered earlier but delivered later is kept in the log
/// and does not replace the newer state.
#[tokio::test]
async fn an_out_of_order_shopify_update_does_not_win() {
    let h = start().await;
    let mut order: Value = serde_json::from_slice(&fixture_order()).unwrap();
    let post = |topic: &'static str, body: Vec<u8>, id: &'static str, at: &'static str| {
        h.client
            .post(format!("{}/webhooks/shopify/shop", h.base))
            .header("content-type", "application/json")
            .header("x-shopify-topic", topic)
            .header("x-shopify-hmac-sha256", shopify_hmac(SHOP_SECRET, &body))
            .header("x-shopify-webhook-id", id)
            .header("x-shopify-triggered-at", at)
            .header("x-shopify-shop-domain", "acme.myshopify.com")
            .body(body)
            .send()
    };
    let created = post("orders/create", serde_json::to_vec(&order).unwrap(), "wh-c", "2026-05-15T10:00:00Z")
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    order["note"] = json!("newer: leave at the back door");
    order["updated_at"] = json!("2026-05-15T10:10:00Z");
    let newer = post(
        "orders/updated",
        serde_json::to_vec(&order).unwrap(),
        "wh-new",
        "2026-05-15T10:10:00Z",
    )
    .await
    .unwrap();
    assert_eq!(newer.status(), 200);
    order["note"] = json!("older: ring the bell");
    order["updated_at"] = json!("2026-05-15T10:05:00Z");
    let older = post(
        "orders/updated",
        serde_json::to_vec(&order).unwrap(),
        "wh-old",
        "2026-05-15T10:05:00Z",
    )
    .await
    .unwrap();
    assert_eq!(
        older.status(),
        200,
        "a late webhook is still accepted, so Shopify stops retrying it"
    );
    assert_eq!(h.events(), 3, "and kept in the log");
    let (_, shown) = h.get(format!("/v1/orders/{}", order["id"])).await;
    assert_eq!(shown["data_as_of"], "2026-05-15T10:10:00Z");
    assert_eq!(shown["note"], "newer: leave at the back door", "{shown}");
}

/// A fulfilment made in Shopify ships the order in crossdock; one that did
/// not ship is acknowledged and records nothing.
#[tokio::test]
async fn a_shopify_fulfillment_ships_the_order() {
    let h = start().await;
    let post = |topic: &'static str, body: Vec<u8>, id: &'static str| {
        h.client
            .post(format!("{}/webhooks/shopify/shop", h.base))
            .header("content-type", "application/json")
            .header("x-shopify-topic", topic)
            .header("x-shopify-hmac-sha256", shopify_hmac(SHOP_SECRET, &body))
            .header("x-shopify-webhook-id", id)
            .header("x-shopify-shop-domain", "acme.myshopify.com")
            .body(body)
            .send()
    };
    assert_eq!(post("orders/create", fixture_order(), "wh-o").await.unwrap().status(), 200);
    let raw = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/fixtures/shopify/shopify_python_api_fulfillment.json"
    ))
    .unwrap();
    let mut fulfillment: Value = serde_json::from_str::<Value>(&raw).unwrap()["fulfillment"].clone();
    let pending = post("fulfillments/create", serde_json::to_vec(&fulfillment).unwrap(), "wh-f1")
        .await
        .unwrap();
    let pending: Value = pending.json().await.unwrap();
    assert_eq!(pending["ignored"], true, "a pending fulfillment ships nothing: {pending}");
    fulfillment["status"] = json!("success");
    let shipped = post("fulfillments/update", serde_json::to_vec(&fulfillment).unwrap(), "wh-f2")
        .await
        .unwrap();
    assert_eq!(shipped.status(), 200, "{}", shipped.text().await.unwrap());
    let (_, order) = h.get(format!("/v1/orders/{}", fulfillment["order_id"])).await;
    assert_eq!(order["status"], "shipped", "{order}");
    assert_eq!(order["shipments"][0]["tracking_number"], fulfillment["tracking_number"]);
}

#[tokio::test]
async fn wms_webhook_needs_a_signature_and_moves_the_order() {
    let h = start().await;
    h.post_events(&batch(vec![order_created("SO-1", "e1")])).await;
    let event = json!({"event_id": "wms-1-000001", "event_type": "SHIPPED", "occurred_at": "2026-05-15T14:30:00Z",
        "order_id": "SO-1", "wms_order_key": "WMS_1", "node": "DC-EAST", "carrier": "FEDEX", "service": "GROUND",
        "tracking_number": "123456789012", "location": "DOCK-04", "estimated_delivery_date": "2026-05-17",
        "lines": [{"sku": "SKU-1", "quantity": 2}], "exception_code": null});
    let body = serde_json::to_vec(&event).unwrap();
    let post = |sig: Option<String>, body: Vec<u8>| {
        let mut r = h
            .client
            .post(format!("{}/webhooks/wms/wms-east", h.base))
            .header("content-type", "application/json")
            .body(body);
        if let Some(sig) = sig {
            r = r.header("x-crossdock-signature", sig);
        }
        r.send()
    };
    assert_eq!(post(None, body.clone()).await.unwrap().status(), 401);
    assert_eq!(post(Some("sha256=00".into()), body.clone()).await.unwrap().status(), 401);
    let sig = connectors::signature::sign_hex_sha256(WMS_SECRET.as_bytes(), &body);
    let ok = post(Some(sig), body).await.unwrap();
    assert_eq!(ok.status(), 200, "{}", ok.text().await.unwrap());
    let (_, order) = h.get("/v1/orders/123456789012").await;
    assert_eq!(order["status"], "shipped");
    assert_eq!(order["shipments"][0]["carrier"], "FEDEX");
    // A node this connection does not report for is refused.
    let mut west = event.clone();
    west["event_id"] = json!("wms-1-000002");
    west["node"] = json!("DC-WEST");
    let body = serde_json::to_vec(&west).unwrap();
    let sig = connectors::signature::sign_hex_sha256(WMS_SECRET.as_bytes(), &body);
    let refused = post(Some(sig), body).await.unwrap();
    assert_eq!(refused.status(), 403);
    assert_eq!(h.events(), 2);
}

#[tokio::test]
async fn metrics_report_ingest_and_latency() {
    let h = start().await;
    h.post_events(&batch(vec![order_created("SO-1", "e1")])).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let text = h
        .client
        .get(format!("{}/metrics", h.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for name in [
        "crossdock_events_appended_total",
        "crossdock_http_request_duration_seconds_bucket",
        "crossdock_outbox_depth",
        "crossdock_append_seconds",
    ] {
        assert!(text.contains(name), "missing {name} in:\n{text}");
    }
}

#[tokio::test]
async fn openapi_documents_every_route() {
    let h = start().await;
    let spec: Value = h
        .client
        .get(format!("{}/openapi.json", h.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let routes = include_str!("../../src/routes.rs");
    for line in routes.lines().filter(|l| l.trim_start().starts_with(".route(\"")) {
        let path = line.split('"').nth(1).unwrap();
        assert!(spec["paths"].get(path).is_some(), "route {path} is not in openapi.json");
    }
}

#[tokio::test]
async fn edi_interchanges_are_acknowledged_with_a_997_and_only_accepted_sets_stored() {
    let h = Harness::start(|dir| {
        let mut config = config(dir);
        config.connections.insert(
            ConnectionId::parse("partner").unwrap(),
            connection(ConnectionKind::Edi, None, &["DC-EAST"]),
        );
        config
    })
    .await;
    let (client, base, store) = (&h.client, &h.base, &h.store);
    let read = |name: &str| std::fs::read(format!("{}/../../../shared/fixtures/edi-x12/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let post = |body: Vec<u8>, key: Option<&str>| {
        let mut r = client
            .post(format!("{base}/edi/partner"))
            .header("content-type", "application/edi-x12")
            .body(body);
        if let Some(key) = key {
            r = r.bearer_auth(key);
        }
        r.send()
    };
    assert_eq!(post(read("850_stupidedi_PO850_pass1.edi"), None).await.unwrap().status(), 401);
    let ok = post(read("850_stupidedi_PO850_pass1.edi"), Some(KEY)).await.unwrap();
    assert_eq!(ok.status(), 200);
    let ack = ok.text().await.unwrap();
    assert!(ack.contains("ST*997") && ack.contains("AK5*A"), "{ack}");
    assert_eq!(store.event_count().unwrap(), 1, "the purchase order became an order");
    let bad = post(read("856_stupidedi_SH856_fail2_INVALID.edi"), Some(KEY)).await.unwrap();
    assert_eq!(bad.status(), 200, "a rejection is still answered with a 997");
    let ack = bad.text().await.unwrap();
    assert!(
        ack.contains("AK3*N1*11") && ack.contains("AK5*R"),
        "names the segment at fault: {ack}"
    );
    assert_eq!(store.event_count().unwrap(), 1, "nothing of the rejected set was stored");
}
