//! The outbox and its dispatchers against a stand-in target on loopback:
//! outages, refusals, rate limits, dead letters and replay.

use std::collections::BTreeMap;
use std::time::Duration;

use model::ops::LineQty;
use model::outbound::{Message, Wave, WaveOrder};
use model::tenant::ConnectionKind;
use model::{ConnectionId, NodeId, OrderId, Quantity, Sku};
use serde_json::json;
use server::Config;
use server::config::Span;
use store::NewMessage;

use crate::support::{Harness, Mode, Receiver, base_config, connection, eventually};

/// An ERP connection `name` (canonical messages) pointed at `base`, with
/// quick retries and a breaker that opens after 3 failures for 2 s. Each
/// test names its own connection: metrics are per process.
fn config(dir: &std::path::Path, base: &str, name: &str) -> Config {
    let mut config = base_config(dir);
    let mut erp = connection(ConnectionKind::Erp, Some("erp-secret"), &[]);
    erp.base_url = Some(base.to_owned());
    erp.subscribe = vec!["inventory.atp_changed".into()];
    erp.dispatch.concurrency = 4;
    erp.dispatch.backoff_base = Span(Duration::from_millis(100));
    erp.dispatch.backoff_max = Span(Duration::from_secs(2));
    erp.dispatch.breaker_failures = 3;
    erp.dispatch.breaker_cooldown = Span(Duration::from_secs(2));
    erp.dispatch.max_attempts = 1000;
    config.connections.insert(ConnectionId::parse(name).unwrap(), erp);
    config
}

/// Wave `n` of order `order`: one line whose quantity is `n`, so the
/// receiver can tell the order messages arrived in.
fn wave(connection: &str, order: &str, n: u32) -> NewMessage {
    NewMessage {
        tenant: "acme".into(),
        connection: connection.into(),
        subject: order.into(),
        message: Message::Wave(Wave {
            wave_id: format!("W-{order}-{n}"),
            node: NodeId::parse("DC-EAST").unwrap(),
            release_at: None,
            orders: vec![WaveOrder {
                order_id: OrderId::parse(order).unwrap(),
                priority: None,
                carrier: None,
                service: None,
                ship_by: None,
                lines: vec![LineQty {
                    sku: Sku::parse("SKU-1").unwrap(),
                    quantity: Quantity::new(n as i64).unwrap(),
                }],
            }],
        }),
        idempotency_key: format!("wave:{order}:{n}"),
        not_before: None,
    }
}

async fn metric(h: &Harness, name_and_labels: &str) -> f64 {
    let text = h
        .client
        .get(format!("{}/metrics", h.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|l| l.starts_with(name_and_labels))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

async fn pending(h: &Harness, connection: &str) -> usize {
    h.get(format!("/v1/outbox?status=pending&connection={connection}&limit=1000"))
        .await
        .1["items"]
        .as_array()
        .unwrap()
        .len()
}

/// The target is down for a while (60 s by default; set
/// `CROSSDOCK_TEST_OUTAGE_SECS` to shorten it locally), then back: every
/// message is applied exactly once, in order per subject, and the breaker's
/// opening and closing show in the metrics.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_then_recovery_delivers_every_message_once_in_order() {
    let outage: u64 = std::env::var("CROSSDOCK_TEST_OUTAGE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let mut target = Receiver::start().await;
    target.down().await;
    let h = Harness::start(|dir| config(dir, &target.base, "erp-outage")).await;
    let orders = ["SO-1", "SO-2", "SO-3", "SO-4", "SO-5"];
    // Enqueued in three appends while the target is down, 6 per order.
    for round in 0..3u32 {
        let batch = orders
            .iter()
            .flat_map(|o| (1..=2).map(move |i| wave("erp-outage", o, round * 2 + i)))
            .collect();
        h.store.append_with(vec![], None, batch).await.unwrap();
    }
    assert_eq!(pending(&h, "erp-outage").await, 30);
    eventually(Duration::from_secs(20), "the breaker opens", || async {
        metric(
            &h,
            "crossdock_outbox_breaker_transitions_total{connection=\"erp-outage\",to=\"open\"}",
        )
        .await
            >= 1.0
    })
    .await;
    tokio::time::sleep(Duration::from_secs(outage)).await;
    assert_eq!(pending(&h, "erp-outage").await, 30, "nothing is lost or given up during the outage");
    let dead = h.get("/v1/outbox?status=dead").await.1;
    assert_eq!(dead["items"].as_array().unwrap().len(), 0);

    target.up().await;
    eventually(Duration::from_secs(30), "every message is delivered", || async {
        pending(&h, "erp-outage").await == 0
    })
    .await;
    let applied = target.applied();
    assert_eq!(applied.len(), 30, "each message applied once");
    let mut per_order: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for a in &applied {
        assert_eq!(a.path, "/messages");
        assert_eq!(a.body["kind"], "wms.wave");
        assert_eq!(a.body["id"].as_str(), Some(a.key.as_str()));
        let data = &a.body["data"];
        per_order
            .entry(data["orders"][0]["order_id"].as_str().unwrap().to_owned())
            .or_default()
            .push(data["orders"][0]["lines"][0]["quantity"].as_i64().unwrap());
    }
    for order in orders {
        assert_eq!(per_order[order], vec![1, 2, 3, 4, 5, 6], "{order} in order");
    }
    let delivered = h.get("/v1/outbox?status=delivered&limit=1000").await.1;
    assert_eq!(delivered["items"].as_array().unwrap().len(), 30);
    assert!(
        metric(
            &h,
            "crossdock_outbox_breaker_transitions_total{connection=\"erp-outage\",to=\"closed\"}"
        )
        .await
            >= 1.0
    );
    assert_eq!(metric(&h, "crossdock_outbox_breaker_open{connection=\"erp-outage\"}").await, 0.0);
    assert!(
        metric(
            &h,
            "crossdock_outbox_attempts_total{connection=\"erp-outage\",outcome=\"unreachable\"}"
        )
        .await
            >= 3.0
    );
    assert!(
        metric(
            &h,
            "crossdock_outbox_attempts_total{connection=\"erp-outage\",outcome=\"delivered\"}"
        )
        .await
            >= 30.0
    );
}

/// A target that refuses a message for good (422): it becomes a dead letter
/// with the reason, stays one, and goes out once replayed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_refusal_is_a_dead_letter_until_replayed() {
    let target = Receiver::start().await;
    target.set_mode(Mode::Status(422));
    let h = Harness::start(|dir| config(dir, &target.base, "erp-refusal")).await;
    h.store
        .append_with(vec![], None, vec![wave("erp-refusal", "SO-9", 1), wave("erp-refusal", "SO-9", 2)])
        .await
        .unwrap();
    eventually(Duration::from_secs(10), "both become dead letters", || async {
        h.get("/v1/outbox?status=dead").await.1["items"].as_array().unwrap().len() == 2
    })
    .await;
    let dead = h.get("/v1/outbox?status=dead").await.1;
    let first = &dead["items"][0];
    assert_eq!(first["attempts"], 1, "a refusal is not retried");
    let reason = first["last_error"].as_str().unwrap();
    assert!(reason.contains("HTTP 422") && reason.contains("refused with 422"), "{reason}");
    assert!(first["settled_at"].is_string());
    let (status, one) = h.get(format!("/v1/outbox/{}", first["id"])).await;
    assert_eq!((status, &one["status"]), (200, &json!("dead")));

    // Replaying a message that is not dead is refused clearly.
    let (status, body) = h.post("/v1/outbox/999999/replay", json!({})).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));

    // The target is fixed; one message replayed by id, then the rest by connection.
    target.set_mode(Mode::Accept);
    let (status, body) = h.post(format!("/v1/outbox/{}/replay", first["id"]), json!({})).await;
    assert_eq!((status, body["replayed"].as_array().unwrap().len()), (200, 1));
    eventually(Duration::from_secs(10), "the replayed message is delivered", || async {
        target.applied().len() == 1
    })
    .await;
    let (status, body) = h.post(format!("/v1/outbox/{}/replay", first["id"]), json!({})).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("not_a_dead_letter")));
    let (status, body) = h.post("/v1/outbox/replay", json!({"connection": "erp-refusal"})).await;
    assert_eq!((status, body["replayed"].as_array().unwrap().len()), (200, 1));
    eventually(Duration::from_secs(10), "both delivered", || async { target.applied().len() == 2 }).await;
    let (status, body) = h.post("/v1/outbox/replay", json!({"connection": "nope"})).await;
    assert_eq!((status, body["field"].as_str()), (404, Some("connection")));
}

/// A rate-limited target (429 with `Retry-After: 1`) slows the dispatcher
/// down without opening the breaker or losing the message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_is_honoured_without_opening_the_breaker() {
    let target = Receiver::start().await;
    target.set_mode(Mode::Status(429));
    let h = Harness::start(|dir| config(dir, &target.base, "erp-ratelimit")).await;
    h.store
        .append_with(vec![], None, vec![wave("erp-ratelimit", "SO-7", 1)])
        .await
        .unwrap();
    eventually(Duration::from_secs(10), "the target is called", || async { target.counts().0 >= 1 }).await;
    target.set_mode(Mode::Accept);
    let started = std::time::Instant::now();
    eventually(Duration::from_secs(10), "delivered after Retry-After", || async {
        target.applied().len() == 1
    })
    .await;
    assert!(started.elapsed() >= Duration::from_millis(500), "waited for Retry-After");
    assert_eq!(
        metric(
            &h,
            "crossdock_outbox_breaker_transitions_total{connection=\"erp-ratelimit\",to=\"open\"}"
        )
        .await,
        0.0
    );
    eventually(Duration::from_secs(5), "the delivery is recorded", || async {
        pending(&h, "erp-ratelimit").await == 0
    })
    .await;
    let message = &h.get("/v1/outbox?status=delivered").await.1["items"][0];
    assert_eq!(message["attempts"], 2);
}

/// Stock changes reach a subscribed connection as signed, keyed
/// `inventory.atp_changed` messages carrying the latest value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn atp_changes_reach_a_subscriber_signed_and_keyed() {
    let target = Receiver::start().await;
    let h = Harness::start(|dir| config(dir, &target.base, "erp-atp")).await;
    h.stock("SKU-A", "DC-EAST", 5).await;
    h.stock("SKU-A", "DC-EAST", 8).await;
    eventually(Duration::from_secs(10), "the latest value arrives", || async {
        target.applied().iter().any(|a| a.body["data"]["atp"] == 8)
    })
    .await;
    let last = target.applied().pop().unwrap();
    assert_eq!(last.body["kind"], "inventory.atp_changed");
    assert_eq!(last.body["subject"], "SKU-A@DC-EAST");
    assert_eq!(last.body["data"]["sku"], "SKU-A");
    let signature = last.headers["x-crossdock-signature"].to_str().unwrap();
    let body = serde_json::to_vec(&last.body).unwrap();
    // The signature covers the bytes sent; re-encoding gives the same bytes
    // (serde_json writes object members in sorted order both times).
    assert!(connectors::signature::verify_hex_sha256(&[b"erp-secret"], &body, signature));
    assert!(last.key.starts_with("erp-atp:atp:SKU-A@DC-EAST:"), "{}", last.key);
}
