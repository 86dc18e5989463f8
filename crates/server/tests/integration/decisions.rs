//! The decision pipeline over HTTP: orders get decisions with confidence,
//! explanation and alternatives, recorded once, shown with the order.

use std::time::Duration;

use serde_json::json;

use crate::support::{Harness, base_config, eventually};

fn order(id: &str, event_id: &str, quantity: i64) -> serde_json::Value {
    order_to(id, event_id, quantity, "07102")
}

fn order_to(id: &str, event_id: &str, quantity: i64, zip: &str) -> serde_json::Value {
    json!({"event_id": event_id, "source": "oms", "occurred_at": "2026-05-15T10:00:00Z", "type": "order.created",
           "data": {"order_id": id, "payment_state": "paid", "lines": [{"sku": "SKU-1", "quantity": quantity}],
                    "ship_to": {"name": "Ada Lovelace", "line1": "1 Market St", "city": "Newark", "region": "NJ",
                                "postal_code": zip, "country": "US"}}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_order_gets_a_sourcing_decision_once() {
    let h = Harness::start(base_config).await;
    h.stock("SKU-1", "DC-EAST", 1).await;
    h.stock("SKU-1", "DC-WEST", 10).await;
    assert_eq!(
        h.post("/v1/events", json!({"events": [order("SO-1", "o1", 3), order("SO-2", "o2", 50)]}))
            .await
            .0,
        200
    );
    eventually(Duration::from_secs(10), "both orders are decided", || async {
        h.get("/v1/decisions?kind=sourcing").await.1["items"].as_array().unwrap().len() == 2
    })
    .await;
    let (status, list) = h.get("/v1/decisions?subject=SO-1&kind=sourcing").await;
    assert_eq!(status, 200);
    let d = &list["items"][0];
    assert_eq!(d["kind"], "sourcing");
    assert_eq!(d["output"]["feasible"], true);
    assert_eq!(
        d["output"]["assignments"],
        json!([{"node": "DC-WEST", "sku": "SKU-1", "quantity": 3}])
    );
    let confidence = d["confidence"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&confidence));
    assert!(
        d["explanation"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["description"].as_str().unwrap().contains("DC-WEST")),
        "{d}"
    );
    assert_eq!(d["inputs_digest"].as_str().unwrap().len(), 64);
    assert!(d["model"].as_str().unwrap().starts_with("sourcing/"));
    // Not enough anywhere: the decision says so rather than inventing a plan.
    let (_, short) = h.get("/v1/decisions?subject=SO-2&kind=sourcing").await;
    assert_eq!(short["items"][0]["output"]["feasible"], false);
    // The order view shows its decisions.
    let (_, shown) = h.get("/v1/orders/SO-1").await;
    let kinds: Vec<&str> = shown["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["risk", "triage", "sourcing", "carrier"]);
    let (status, error) = h.get("/v1/decisions?kind=horoscope").await;
    assert_eq!((status, error["field"].as_str()), (400, Some("kind")));

    // Risk: a score from the trained model with each feature's part in it.
    let (_, risk) = h.get("/v1/decisions?subject=SO-1&kind=risk").await;
    let r = &risk["items"][0];
    let score = r["output"]["score"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&score), "{r}");
    assert!(r["model"].as_str().unwrap().starts_with("risk/1+"), "{r}");
    assert!(!r["output"]["contributions"].as_array().unwrap().is_empty());
    assert!(!r["explanation"].as_array().unwrap().is_empty());
    // Triage: a clean domestic order is standard; a bad ZIP code is an exception naming the field.
    let (_, triage) = h.get("/v1/decisions?subject=SO-1&kind=triage").await;
    assert_eq!(triage["items"][0]["output"]["class"], "standard", "{triage}");
    assert_eq!(
        h.post("/v1/events", json!({"events": [order_to("SO-4", "o4", 1, "1234")]})).await.0,
        200
    );
    eventually(Duration::from_secs(10), "SO-4 is triaged", || async {
        !h.get("/v1/decisions?subject=SO-4&kind=triage").await.1["items"]
            .as_array()
            .unwrap()
            .is_empty()
    })
    .await;
    let (_, bad) = h.get("/v1/decisions?subject=SO-4&kind=triage").await;
    let output = &bad["items"][0]["output"];
    assert_eq!(output["class"], "exception", "{bad}");
    let reason = &output["reasons"][0];
    assert!(reason["message"].as_str().unwrap().contains("1234"), "{reason}");
    assert_eq!(reason["field"], "ship_to.postal_code", "{reason}");

    // After a restart the pipeline resumes from its cursor: nothing is decided twice.
    let h = h.restart(base_config).await;
    assert_eq!(h.post("/v1/events", json!({"events": [order("SO-3", "o3", 1)]})).await.0, 200);
    eventually(Duration::from_secs(10), "the new order is decided", || async {
        h.get("/v1/decisions?kind=sourcing").await.1["items"].as_array().unwrap().len() == 4
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let all = h.get("/v1/decisions").await.1;
    let mut seen: Vec<(String, String)> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["kind"].as_str().unwrap().to_owned(), d["subject"].as_str().unwrap().to_owned()))
        .collect();
    let count = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), count, "each decision once: {seen:?}");
    assert!(seen.contains(&("risk".into(), "SO-3".into())) && seen.contains(&("sourcing".into(), "SO-3".into())));
}

/// The carrier decision rate-shops the package of the node sourcing chose,
/// and deliveries teach the transit model, which is saved with the decisions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn carrier_choices_and_deliveries_teach_transit_times() {
    let config = |dir: &std::path::Path| {
        let mut config = base_config(dir);
        for (id, lat, lon) in [("DC-EAST", 40.73, -74.17), ("DC-WEST", 39.53, -119.81)] {
            let node = config.nodes.get_mut(&model::NodeId::parse(id).unwrap()).unwrap();
            node.lat = Some(lat);
            node.lon = Some(lon);
        }
        config
    };
    let h = Harness::start(config).await;
    h.stock("SKU-1", "DC-EAST", 10).await;
    assert_eq!(h.post("/v1/events", json!({"events": [order("SO-7", "o7", 2)]})).await.0, 200);
    eventually(Duration::from_secs(10), "a carrier is chosen", || async {
        !h.get("/v1/decisions?subject=SO-7&kind=carrier").await.1["items"]
            .as_array()
            .unwrap()
            .is_empty()
    })
    .await;
    let (_, list) = h.get("/v1/decisions?subject=SO-7&kind=carrier").await;
    let d = &list["items"][0];
    assert_eq!(d["output"]["node"], "DC-EAST");
    assert!(d["output"]["carrier"].is_string() && d["output"]["service"].is_string(), "{d}");
    let p = d["output"]["p_on_time"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&p));
    assert!(
        !d["alternatives"].as_array().unwrap().is_empty(),
        "other services with their prices"
    );
    assert!(d["explanation"].as_array().unwrap().len() >= 2, "{d}");
    // Sourcing priced shipping from each stocked node with the same rate tables.
    let (_, sourcing) = h.get("/v1/decisions?subject=SO-7&kind=sourcing").await;
    let nodes = sourcing["items"][0]["inputs"]["nodes"].as_array().unwrap().clone();
    let east = nodes.iter().find(|n| n["id"] == "DC-EAST").unwrap();
    let price = d["output"]["price"].as_f64().unwrap();
    assert!((east["package_cost"].as_f64().unwrap() - price).abs() < 1e-6, "{east} vs {price}");

    assert!(h.store.model_state("carrier.transit").unwrap().is_none());
    let carrier = d["output"]["carrier"].as_str().unwrap();
    let service = d["output"]["service"].as_str().unwrap();
    let events = json!({"events": [
        {"event_id": "s7", "source": "wms", "occurred_at": "2026-05-11T15:00:00Z", "type": "order.shipped",
         "data": {"order_id": "SO-7", "node": "DC-EAST", "tracking_number": "1Z777", "carrier": carrier, "service": service,
                  "lines": [{"sku": "SKU-1", "quantity": 2}]}},
        {"event_id": "d7", "source": "carrier", "occurred_at": "2026-05-14T15:00:00Z", "type": "order.delivered",
         "data": {"order_id": "SO-7"}}
    ]});
    let (status, body) = h.post("/v1/events", events).await;
    assert_eq!(status, 200, "{body}");
    eventually(Duration::from_secs(10), "the delivery is learned and saved", || async {
        h.store.model_state("carrier.transit").unwrap().is_some()
    })
    .await;
    let saved = h.store.model_state("carrier.transit").unwrap().unwrap();
    assert!(saved.contains(carrier), "the saved model knows the lane's carrier");
    // What happened is recorded against the order: delivered, by its promise, in one package.
    let (_, shown) = h.get("/v1/orders/SO-7").await;
    let outcome = &shown["outcomes"][0];
    assert_eq!(outcome["kind"], "delivered", "{shown}");
    assert_eq!(outcome["detail"]["packages"], 1);
    assert_eq!(outcome["detail"]["split"], false);
    assert_eq!(outcome["detail"]["on_time"], true, "{outcome}");
    assert_eq!(outcome["detail"]["carriers"][0]["carrier"], carrier);

    // A cancellation is an outcome too.
    let cancel = json!({"events": [order("SO-9", "o9", 1),
        {"event_id": "c9", "source": "oms", "occurred_at": "2026-05-15T11:00:00Z", "type": "order.cancelled",
         "data": {"order_id": "SO-9", "reason": "customer changed their mind"}}]});
    assert_eq!(h.post("/v1/events", cancel).await.0, 200);
    eventually(Duration::from_secs(10), "the cancellation is recorded", || async {
        h.get("/v1/orders/SO-9").await.1["outcomes"]
            .as_array()
            .is_some_and(|o| !o.is_empty())
    })
    .await;
    let (_, cancelled) = h.get("/v1/orders/SO-9").await;
    assert_eq!(cancelled["outcomes"][0]["kind"], "cancelled");
    assert_eq!(cancelled["outcomes"][0]["detail"]["reason"], "customer changed their mind");
}

/// Releasing: a dry run plans waves and sends nothing; a real release sends
/// each wave to the WMS serving its node, through the outbox.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn released_orders_go_to_the_wms_in_waves() {
    use crate::support::{Receiver, connection};
    let wms = Receiver::start().await;
    let base = wms.base.clone();
    let h = Harness::start(move |dir| {
        let mut config = base_config(dir);
        let node = config.nodes.get_mut(&model::NodeId::parse("DC-EAST").unwrap()).unwrap();
        node.lat = Some(40.73);
        node.lon = Some(-74.17);
        node.cutoffs = vec![model::node::Cutoff {
            carrier: "UPS".into(),
            time: "23:59".into(),
        }];
        let mut east = connection(model::tenant::ConnectionKind::Wms, Some("s"), &["DC-EAST"]);
        east.base_url = Some(base);
        config.connections.insert(model::ConnectionId::parse("wms-east").unwrap(), east);
        // A person's release is theirs to make; shadow (the default) would send nothing.
        config.governance.autonomy.insert(
            engine::governance::Workflow::Release,
            engine::governance::Autonomy {
                mode: engine::governance::Mode::Assist,
                ..Default::default()
            },
        );
        config
    })
    .await;
    h.stock("SKU-1", "DC-EAST", 10).await;
    assert_eq!(h.post("/v1/events", json!({"events": [order("SO-8", "o8", 2)]})).await.0, 200);
    eventually(Duration::from_secs(10), "a carrier is chosen", || async {
        !h.get("/v1/decisions?subject=SO-8&kind=carrier").await.1["items"]
            .as_array()
            .unwrap()
            .is_empty()
    })
    .await;
    let (status, dry) = h.post("/v1/release", json!({})).await;
    assert_eq!(status, 200, "{dry}");
    assert_eq!(dry["dry_run"], true);
    let waves = dry["plan"]["waves"].as_array().unwrap().clone();
    let decisions = dry["plan"]["decisions"].as_array().unwrap();
    assert_eq!(decisions.len(), 1, "{dry}");
    assert!(!dry["plan"]["explanation"].as_array().unwrap().is_empty());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(wms.applied().is_empty(), "a dry run sends nothing");
    let now = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC);
    let workday = now.weekday().to_monday_one_offset() <= 5 && now.hour() < 23;
    assert!(
        !workday || !waves.is_empty(),
        "on a workday before the cutoff the order is released: {dry}"
    );
    if waves.is_empty() {
        // Held (after the cutoff, or a weekend): the reason is given and nothing is sent.
        assert!(decisions[0]["outcome"].to_string().contains("held"), "{dry}");
        return;
    }
    let (status, done) = h.post("/v1/release", json!({"dry_run": false})).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["sent"][0]["connection"], "wms-east");
    eventually(Duration::from_secs(10), "the wave reaches the WMS", || async {
        !wms.applied().is_empty()
    })
    .await;
    let wave = &wms.applied()[0];
    assert_eq!(wave.path, "/api/v1/waves");
    assert_eq!(wave.body["node"], "DC-EAST");
    assert_eq!(wave.body["orders"][0]["order_id"], "SO-8");
    assert_eq!(wave.body["orders"][0]["lines"][0]["quantity"], 2);
    let (_, recorded) = h.get("/v1/decisions?subject=SO-8&kind=release").await;
    assert_eq!(recorded["items"].as_array().unwrap().len(), 1);
    // The pipeline's own proposal to release SO-8 (queued: assist) is superseded.
    let (_, proposals) = h.get("/v1/reviews?status=all&subject=SO-8").await;
    let proposal = &proposals["items"][0];
    assert_eq!(proposal["status"], "rejected", "{proposals}");
    assert!(proposal["reason"].as_str().unwrap().starts_with("superseded"));
    // Releasing again sends nothing new: the order is released already.
    let (_, again) = h.post("/v1/release", json!({"dry_run": false})).await;
    assert!(again["sent"].as_array().unwrap().is_empty(), "{again}");
}

/// Outcomes label the risk decisions for retraining: a chargeback is fraud,
/// a delivery without one is not, an order with no outcome yet is left out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_label_risk_decisions_for_retraining() {
    let h = Harness::start(base_config).await;
    h.stock("SKU-1", "DC-EAST", 10).await;
    let events = json!({"events": [order("SO-A", "oa", 1), order("SO-B", "ob", 1), order("SO-C", "oc", 1)]});
    assert_eq!(h.post("/v1/events", events).await.0, 200);
    eventually(Duration::from_secs(10), "all three are scored", || async {
        h.get("/v1/decisions?kind=risk").await.1["items"].as_array().unwrap().len() == 3
    })
    .await;
    let outcomes = json!({"events": [
        {"event_id": "cb-a", "source": "psp", "occurred_at": "2026-06-01T10:00:00Z", "type": "order.chargeback",
         "data": {"order_id": "SO-A", "amount": {"amount": "49.00", "currency": "USD"}, "reason": "fraudulent"}},
        {"event_id": "dl-b", "source": "carrier", "occurred_at": "2026-05-18T10:00:00Z", "type": "order.delivered",
         "data": {"order_id": "SO-B"}}
    ]});
    assert_eq!(h.post("/v1/events", outcomes).await.0, 200);
    eventually(Duration::from_secs(10), "both outcomes are recorded", || async {
        h.get("/v1/orders/SO-A").await.1["outcomes"]
            .as_array()
            .is_some_and(|o| !o.is_empty())
            && h.get("/v1/orders/SO-B").await.1["outcomes"]
                .as_array()
                .is_some_and(|o| !o.is_empty())
    })
    .await;
    let response = h
        .client
        .get(format!("{}/v1/risk/training-data", h.base))
        .bearer_auth(crate::support::KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "a header and SO-A, SO-B (SO-C has no outcome yet): {csv}");
    assert!(lines[0].ends_with("label"), "{}", lines[0]);
    let labels: Vec<&str> = lines[1..].iter().map(|l| l.rsplit(',').next().unwrap()).collect();
    assert_eq!(labels, ["1", "0"], "SO-A was charged back, SO-B delivered");
    // The same file trains the model: it reads back as examples.
    assert_eq!(engine::risk::from_csv(&csv).unwrap().len(), 2);
}
