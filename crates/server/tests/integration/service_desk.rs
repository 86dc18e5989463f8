//! Where is my order, the copilot, proactive alerts and returns, through
//! the HTTP API against a real store.

use std::time::Duration;

use model::NodeId;
use model::node::Cutoff;
use model::tenant::ConnectionKind;
use serde_json::{Value, json};

use crate::support::{Harness, Receiver, base_config, connection, eventually};

/// DC-EAST in Newark (New York time, UPS cutoff 14:00), a helpdesk that
/// takes notes, alerts and notes sent without review, the policy documents.
async fn desk() -> (Harness, Receiver) {
    let helpdesk = Receiver::start().await;
    let base = helpdesk.base.clone();
    let h = Harness::start(move |dir| {
        let mut config = base_config(dir);
        let east = config.nodes.get_mut(&NodeId::parse("DC-EAST").unwrap()).unwrap();
        east.lat = Some(40.73);
        east.lon = Some(-74.17);
        east.timezone = Some("America/New_York".into());
        east.name = Some("Newark DC".into());
        east.cutoffs = vec![Cutoff {
            carrier: "UPS".into(),
            time: "14:00".into(),
        }];
        let mut desk = connection(ConnectionKind::Helpdesk, Some("s"), &[]);
        desk.base_url = Some(base);
        config.connections.insert(model::ConnectionId::parse("zendesk").unwrap(), desk);
        config.governance.autonomy.insert(
            engine::governance::Workflow::CustomerMessages,
            engine::governance::Autonomy {
                mode: engine::governance::Mode::Auto,
                min_confidence: 0.5,
                max_cost: None,
            },
        );
        config.service_desk.policies = Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/policies"));
        config
    })
    .await;
    (h, helpdesk)
}

fn at(hours_ago: i64) -> String {
    (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(hours_ago)).to_string()
}

/// Order 1001 for Ada in Brooklyn: placed, released, picked, packed at
/// PACK-12, shipped by UPS Ground from DC-EAST, scanned in transit.
fn shipped_order() -> Value {
    json!({"events": [
        {"event_id": "o-1001", "source": "shopify", "occurred_at": at(30), "type": "order.created",
         "data": {"order_id": "1001", "external_ids": {"storefront_name": "#1001"}, "payment_state": "paid",
                  "lines": [{"sku": "SKU-1", "quantity": 2, "unit_price": {"amount": "24.00", "currency": "USD"}}],
                  "customer": {"email": "ada@example.com", "name": "Ada Lovelace"},
                  "ship_to": {"name": "Ada Lovelace", "line1": "1 Main St", "city": "Brooklyn", "region": "NY", "postal_code": "11201",
                              "country": "US", "lat": 40.69, "lon": -73.99}}},
        {"event_id": "r-1001", "source": "wms", "occurred_at": at(28), "type": "order.released", "data": {"order_id": "1001", "node": "DC-EAST"}},
        {"event_id": "p-1001", "source": "wms", "occurred_at": at(27), "type": "order.picked", "data": {"order_id": "1001", "node": "DC-EAST"}},
        {"event_id": "k-1001", "source": "wms", "occurred_at": at(26), "type": "order.packed",
         "data": {"order_id": "1001", "node": "DC-EAST", "location": "PACK-12"}},
        {"event_id": "s-1001", "source": "wms", "occurred_at": at(25), "type": "order.shipped",
         "data": {"order_id": "1001", "node": "DC-EAST", "carrier": "UPS", "service": "GROUND", "tracking_number": "1Z12345E0205271688"}},
        {"event_id": "t-1001", "source": "easypost", "occurred_at": at(20), "type": "shipment.tracking",
         "data": {"tracking_number": "1Z12345E0205271688", "status": "in_transit", "location": "Secaucus, NJ",
                  "description": "Departed facility"}}
    ]})
}

#[tokio::test]
async fn where_is_my_order_gives_stage_scans_carrier_tracking_and_an_eta_interval() {
    let (h, _desk) = desk().await;
    let (status, body) = h.post("/v1/events", shipped_order()).await;
    assert_eq!(status, 200, "{body}");
    let (status, t) = h.get("/v1/orders/1001/tracking").await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(t["stage"], "shipped", "{t}");
    assert_eq!(t["packages"][0]["tracking_number"], "1Z12345E0205271688");
    assert_eq!(t["packages"][0]["carrier"], "UPS");
    assert_eq!(t["last_scan"]["location"], "Secaucus, NJ");
    let kinds: Vec<&str> = t["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "order.created",
            "order.released",
            "order.picked",
            "order.packed",
            "order.shipped",
            "shipment.tracking"
        ]
    );
    let eta = &t["eta"];
    // No delivery has been seen on any lane yet: the estimate is the advertised one, and says so.
    assert_eq!(eta["basis"], "advertised", "{t}");
    let (earliest, likely, latest) = (
        eta["earliest"].as_str().unwrap(),
        eta["likely"].as_str().unwrap(),
        eta["latest"].as_str().unwrap(),
    );
    assert!(earliest <= likely && likely <= latest, "{eta}");
    assert!(eta["coverage"].as_f64().unwrap() >= 0.8, "{eta}");
    let summary = t["summary"].as_str().unwrap();
    for fact in [
        "#1001",
        "UPS GROUND",
        "1Z12345E0205271688",
        "Secaucus, NJ",
        "No exceptions",
        "Expected delivery",
    ] {
        assert!(summary.contains(fact), "{fact} in {summary}");
    }
    // The same by tracking number, by e-mail, and nothing for an unknown key.
    let (_, by_email) = h.get("/v1/tracking?email=ada@example.com").await;
    assert_eq!(by_email["items"][0]["order_id"], "1001", "{by_email}");
    let (_, by_number) = h.get("/v1/tracking?tracking_number=1Z12345E0205271688").await;
    assert_eq!(by_number["items"][0]["order_id"], "1001");
    let (status, err) = h.get("/v1/tracking").await;
    assert_eq!((status, err["field"].as_str()), (400, Some("email")), "{err}");
    assert_eq!(h.get("/v1/orders/9999/tracking").await.0, 404);
}

#[tokio::test]
async fn the_copilot_answers_from_the_data_and_audits_the_question() {
    let (h, desk) = desk().await;
    assert_eq!(h.post("/v1/events", shipped_order()).await.0, 200);
    let (status, a) = h.post("/v1/ask", json!({"question": "where is order 1001?"})).await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(a["intent"], "where_is_order");
    assert_eq!(a["slots"]["order"], "1001");
    let answer = a["answer"].as_str().unwrap();
    for fact in ["UPS", "1Z12345E0205271688", "Expected delivery"] {
        assert!(answer.contains(fact), "{fact} in {answer}");
    }
    assert!(a["citations"].as_array().unwrap().iter().any(|c| c == "order:1001"), "{a}");
    let audit = a["audit"].as_u64().expect("audited");
    let (_, entries) = h.get("/v1/audit?action=copilot.asked").await;
    assert!(entries["items"].as_array().unwrap().iter().any(|e| e["seq"] == audit), "{entries}");

    // By tracking number, and a number no order has.
    let (_, a) = h.post("/v1/ask", json!({"question": "what's 1Z12345E0205271688"})).await;
    assert_eq!(a["intent"], "order_by_tracking", "{a}");
    assert!(a["answer"].as_str().unwrap().contains("#1001"), "{a}");
    let (_, a) = h.post("/v1/ask", json!({"question": "where is order #4821?"})).await;
    assert!(a["answer"].as_str().unwrap().contains("could not find"), "{a}");
    // A policy question quotes the documents.
    let (_, a) = h
        .post("/v1/ask", json!({"question": "what is our return window for final-sale items?"}))
        .await;
    assert_eq!(a["intent"], "policy_question", "{a}");
    assert!(a["citations"][0].as_str().unwrap().starts_with("policy:returns.md#L"), "{a}");
    // With a ticket id, the answer goes to the ticket as a private note.
    let (_, a) = h
        .post("/v1/ask", json!({"question": "where is order 1001?", "ticket_id": "4016"}))
        .await;
    assert_eq!(a["note"]["status"], "executed", "{a}");
    eventually(Duration::from_secs(15), "the note reaches the helpdesk", || async {
        !desk.applied().is_empty()
    })
    .await;
    let note = &desk.applied()[0];
    assert_eq!(note.path, "/api/v2/tickets/4016.json");
    assert_eq!(note.body["ticket"]["comment"]["public"], false);
    assert!(
        note.body["ticket"]["comment"]["body"]
            .as_str()
            .unwrap()
            .contains("1Z12345E0205271688")
    );
    // Bad input names the field.
    let (status, err) = h.post("/v1/ask", json!({"question": "x".repeat(1001)})).await;
    assert_eq!((status, err["field"].as_str()), (422, Some("question")), "{err}");
    let (status, err) = h.post("/v1/ask", json!({"q": "where"})).await;
    assert_eq!((status, err["field"].as_str()), (422, Some("q")), "{err}");
}

#[tokio::test]
async fn an_exception_writes_exactly_one_private_note_on_the_orders_ticket() {
    let (h, desk) = desk().await;
    assert_eq!(h.post("/v1/events", shipped_order()).await.0, 200);
    let ticket = json!({"events": [{"event_id": "tk-1", "source": "zendesk", "occurred_at": at(19), "type": "ticket.created",
        "data": {"ticket_id": "4016", "order_id": "1001", "subject": "Where is my order?"}}]});
    assert_eq!(h.post("/v1/events", ticket).await.0, 200);
    let exception = |id: &str| {
        json!({"events": [{"event_id": id, "source": "easypost", "occurred_at": at(2), "type": "exception.raised",
            "data": {"code": "CARRIER_DELAY", "order_id": "1001", "location": "Secaucus, NJ"}}]})
    };
    assert_eq!(h.post("/v1/events", exception("x-1")).await.0, 200);
    // The same cause reported again by another event: still one note.
    assert_eq!(h.post("/v1/events", exception("x-2")).await.0, 200);
    eventually(Duration::from_secs(15), "a note reaches the helpdesk", || async {
        !desk.applied().is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let notes = desk.applied();
    assert_eq!(
        notes.len(),
        1,
        "exactly one note: {:?}",
        notes.iter().map(|n| &n.body).collect::<Vec<_>>()
    );
    assert_eq!(notes[0].path, "/api/v2/tickets/4016.json");
    let comment = &notes[0].body["ticket"]["comment"];
    assert_eq!(comment["public"], false);
    let text = comment["body"].as_str().unwrap();
    assert!(text.contains("CARRIER_DELAY") && text.contains("1Z12345E0205271688"), "{text}");
}

#[tokio::test]
async fn a_return_gets_an_rma_a_disposition_and_a_label() {
    let (h, _desk) = desk().await;
    assert_eq!(h.post("/v1/events", shipped_order()).await.0, 200);
    let delivered = json!({"events": [{"event_id": "d-1001", "source": "easypost", "occurred_at": at(10), "type": "order.delivered",
        "data": {"order_id": "1001"}}]});
    assert_eq!(h.post("/v1/events", delivered).await.0, 200);
    let (status, r) = h
        .post(
            "/v1/returns",
            json!({"order_id": "1001", "lines": [{"sku": "SKU-1", "quantity": 1}], "reason": "no_longer_needed", "condition": "new"}),
        )
        .await;
    assert_eq!(status, 201, "{r}");
    assert_eq!(r["status"], "authorized", "{r}");
    let rma = r["rma"].as_str().unwrap().to_owned();
    assert!(rma.starts_with("RMA-"));
    assert_eq!(r["decision"]["lines"][0]["disposition"], "restock", "{r}");
    let (status, got) = h.get(format!("/v1/returns/{rma}")).await;
    assert_eq!((status, got["order_id"].as_str()), (200, Some("1001")), "{got}");
    // The label is a PDF.
    let label = reqwest::Client::new()
        .get(format!("{}/v1/returns/{rma}/label.pdf", h.base))
        .bearer_auth(crate::support::KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(label.status(), 200);
    assert_eq!(label.headers()["content-type"], "application/pdf");
    let pdf = label.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    // Rendered as a printer would, the QR code and the barcode read back as the RMA.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("label.pdf"), &pdf).unwrap();
    let render = std::process::Command::new("pdftoppm")
        .args(["-r", "200", "-png", "label.pdf", "page"])
        .current_dir(dir.path())
        .status()
        .expect("pdftoppm (install poppler-utils: apt-get install -y poppler-utils zbar-tools)");
    assert!(render.success());
    let page = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "png"))
        .expect("a rendered page");
    let decoded = std::process::Command::new("zbarimg")
        .arg("-q")
        .arg(&page)
        .output()
        .expect("zbarimg (install zbar-tools: apt-get install -y zbar-tools)");
    let symbols = String::from_utf8_lossy(&decoded.stdout);
    assert!(symbols.contains(&format!("QR-Code:{rma}")), "{symbols}");
    assert!(symbols.contains(&format!("CODE-128:{rma}")), "{symbols}");
    // More than what is left to return is refused, naming the line.
    let (status, err) = h
        .post(
            "/v1/returns",
            json!({"order_id": "1001", "lines": [{"sku": "SKU-1", "quantity": 2}], "reason": "damaged"}),
        )
        .await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["field"], "lines[0].quantity", "{err}");
    let (status, err) = h.post("/v1/returns", json!({"order_id": "1001", "reason": "broken-ish"})).await;
    assert_eq!((status, err["field"].as_str()), (422, Some("reason")), "{err}");
    // Through the copilot: the rest of the order, damaged.
    let (_, a) = h
        .post("/v1/ask", json!({"question": "start a return for order 1001, item damaged"}))
        .await;
    assert_eq!(a["intent"], "start_return", "{a}");
    assert!(a["answer"].as_str().unwrap().contains("RMA-"), "{a}");
}

/// A stand-in for an OpenAI-compatible chat endpoint: answers each request
/// with the next scripted reply and records what it was sent.
async fn fake_model(replies: Vec<&'static str>) -> (String, std::sync::Arc<parking_lot::Mutex<Vec<Value>>>) {
    let seen = std::sync::Arc::new(parking_lot::Mutex::new(Vec::<Value>::new()));
    let script = std::sync::Arc::new(parking_lot::Mutex::new(replies.into_iter()));
    let recorded = seen.clone();
    let app = axum::Router::new().route(
        "/v1/chat/completions",
        axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
            let (seen, script) = (recorded.clone(), script.clone());
            async move {
                seen.lock().push(body);
                let content = script.lock().next().unwrap_or("no more replies");
                axum::Json(json!({"id": "x", "object": "chat.completion", "model": "fake",
                    "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}]}))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, seen)
}

#[tokio::test]
async fn a_model_answer_is_used_only_when_every_fact_in_it_is_in_the_data() {
    let (base, seen) = fake_model(vec![
        "Order #1001 is on its way with UPS, tracking 1Z12345E0205271688.",
        "Order #1001 arrives on Dec 31, tracking 1Z99999E0000000000.",
    ])
    .await;
    let h = Harness::start(move |dir| {
        let mut config = base_config(dir);
        config.service_desk.llm = Some(assistant::llm::LlmConfig::new(base, "fake"));
        config
    })
    .await;
    assert_eq!(h.post("/v1/events", shipped_order()).await.0, 200);
    let (status, a) = h.post("/v1/ask", json!({"question": "where is order 1001?"})).await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(a["engine"], "llm", "{a}");
    assert_eq!(a["answer"], "Order #1001 is on its way with UPS, tracking 1Z12345E0205271688.");
    assert_eq!(a["intent"], "where_is_order");
    // The model saw the order's data (no e-mail: the admin may read it, so it is not masked here).
    let sent = seen.lock()[0].to_string();
    assert!(sent.contains("1Z12345E0205271688"), "{sent}");
    // A date and a tracking number the data does not have: the embedded answer stands.
    let (_, a) = h.post("/v1/ask", json!({"question": "where is order 1001?"})).await;
    assert_eq!(a["engine"], "embedded", "{a}");
    assert!(
        a["data"]["llm"]["reason"].as_str().unwrap().contains("Dec 31") || a["data"]["llm"]["reason"].as_str().unwrap().contains("1Z99999"),
        "{a}"
    );
    assert!(a["answer"].as_str().unwrap().contains("1Z12345E0205271688"), "{a}");
}

#[tokio::test]
async fn a_received_return_puts_stock_where_its_disposition_says_and_proposes_the_refund_once() {
    let oms = Receiver::start().await;
    let oms_base = oms.base.clone();
    let h = Harness::start(move |dir| {
        let mut config = base_config(dir);
        let mut conn = connection(ConnectionKind::Oms, Some("s"), &[]);
        conn.base_url = Some(oms_base);
        config.connections.insert(model::ConnectionId::parse("oms").unwrap(), conn);
        config.governance.autonomy.insert(
            engine::governance::Workflow::Returns,
            engine::governance::Autonomy {
                mode: engine::governance::Mode::Auto,
                min_confidence: 0.5,
                max_cost: None,
            },
        );
        config
    })
    .await;
    h.stock("SKU-1", "DC-EAST", 10).await;
    assert_eq!(h.post("/v1/events", shipped_order()).await.0, 200);
    let delivered = json!({"events": [{"event_id": "d-1001", "source": "easypost", "occurred_at": at(10), "type": "order.delivered",
        "data": {"order_id": "1001"}}]});
    assert_eq!(h.post("/v1/events", delivered).await.0, 200);
    let (status, r) = h
        .post(
            "/v1/returns",
            json!({"order_id": "1001", "lines": [{"sku": "SKU-1", "quantity": 1}], "reason": "not_as_described", "condition": "opened"}),
        )
        .await;
    assert_eq!(status, 201, "{r}");
    assert_eq!(r["decision"]["lines"][0]["disposition"], "inspect", "{r}");
    let rma = r["rma"].as_str().unwrap().to_owned();
    let held_before = h.inventory("SKU-1").await["nodes"].to_string();
    // The warehouse receives it (twice: the same event id is one event).
    let got = json!({"events": [{"event_id": "rr-1", "source": "wms", "occurred_at": at(1), "type": "return.received",
        "data": {"order_id": "1001", "rma": rma, "node": "DC-EAST", "lines": [{"sku": "SKU-1", "quantity": 1}], "condition": "opened"}}]});
    assert_eq!(h.post("/v1/events", got.clone()).await.0, 200);
    assert_eq!(h.post("/v1/events", got).await.0, 200);
    eventually(Duration::from_secs(15), "the return is received", || async {
        h.get(format!("/v1/returns/{rma}")).await.1["status"] == "received"
    })
    .await;
    // Back on hand, but held for inspection: nothing more to promise.
    let position = |inv: &Value| {
        inv["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["node"] == "DC-EAST")
            .cloned()
            .unwrap()
    };
    let after = h.inventory("SKU-1").await;
    assert_eq!(position(&after)["held"], 1, "before {held_before}, after {after}");
    eventually(Duration::from_secs(15), "the refund reaches the OMS", || async {
        !oms.applied().is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let refunds = oms.applied();
    assert_eq!(refunds.len(), 1, "{:?}", refunds.iter().map(|a| &a.body).collect::<Vec<_>>());
    let body = refunds[0].body.to_string();
    assert!(body.contains(&rma) && body.contains("24"), "{body}");
}

#[tokio::test]
async fn an_order_past_its_promise_alerts_once_as_late() {
    let (h, desk) = desk().await;
    let mut events = shipped_order();
    let yesterday = (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(30))
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    events["events"][0]["data"]["promised_by"] = json!(yesterday.to_string());
    // The scan arrives after the ticket, so the alert finds the ticket.
    let scan = events["events"].as_array_mut().unwrap().pop().unwrap();
    assert_eq!(h.post("/v1/events", events).await.0, 200);
    let ticket = json!({"events": [{"event_id": "tk-9", "source": "zendesk", "occurred_at": at(22), "type": "ticket.created",
        "data": {"ticket_id": "4020", "order_id": "1001"}}]});
    assert_eq!(h.post("/v1/events", ticket).await.0, 200);
    assert_eq!(h.post("/v1/events", json!({"events": [scan]})).await.0, 200);
    let again = json!({"events": [{"event_id": "t-1001-b", "source": "easypost", "occurred_at": at(1), "type": "shipment.tracking",
        "data": {"tracking_number": "1Z12345E0205271688", "status": "in_transit", "location": "Brooklyn, NY"}}]});
    assert_eq!(h.post("/v1/events", again).await.0, 200);
    eventually(Duration::from_secs(15), "a late alert reaches the helpdesk", || async {
        !desk.applied().is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let notes = desk.applied();
    assert_eq!(notes.len(), 1, "{:?}", notes.iter().map(|n| &n.body).collect::<Vec<_>>());
    assert_eq!(notes[0].path, "/api/v2/tickets/4020.json");
    let text = notes[0].body["ticket"]["comment"]["body"].as_str().unwrap().to_owned();
    assert!(text.contains("miss its promised date") && text.contains("running late"), "{text}");
    let (_, t) = h.get("/v1/orders/1001/tracking").await;
    assert_eq!(t["late"], true, "{t}");
}
