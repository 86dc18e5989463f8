//! The service desk end to end through the binary: a Shopify order webhook,
//! the warehouse's release, pick, pack and ship, an EasyPost tracker update
//! and a Zendesk ticket arrive as their senders send them; `crossdock ask`
//! then says where the order is, and a warehouse exception becomes exactly
//! one private note on the ticket, sent to a Zendesk stand-in.

mod common;

use common::{BIN, free_port, spawn_server, wait_ready};

use std::path::PathBuf;
use std::process::{Child, Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use connectors::signature;
use serde_json::{Value, json};

const KEY: &str = "service-desk-test-key";
const SHOP_SECRET: &str = "shop-webhook-secret";
const WMS_SECRET: &str = "wms-east-secret";
/// The secret of EasyPost's published HMAC test vector.
const EASYPOST_SECRET: &str = "sécret";
const HELPDESK_SECRET: &str = "helpdesk-secret";
const ZENDESK_TOKEN: &str = "agent@acme.example/token:zd-test-token";
const TRACKING: &str = "1Z999AA10123456784";

fn fixture(path: &str) -> Value {
    let file = format!("{}/../../../shared/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_slice(&std::fs::read(&file).unwrap_or_else(|e| panic!("{file}: {e}"))).unwrap()
}

/// A fixture's bytes as sent: without the file's final newline.
fn fixture_body(path: &str) -> Vec<u8> {
    let mut body = std::fs::read(format!("{}/../../../shared/fixtures/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    while body.last() == Some(&b'\n') {
        body.pop();
    }
    body
}

fn hours_ago(hours: i64) -> jiff::Timestamp {
    jiff::Timestamp::now() - jiff::SignedDuration::from_hours(hours)
}

/// Polls `check` until it gives a value or `within` has passed.
async fn eventually<T, F, Fut>(within: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + within;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One request the Zendesk stand-in received.
#[derive(Debug, Clone)]
struct Call {
    method: String,
    path: String,
    authorization: Option<String>,
    body: Value,
}

/// A stand-in for Zendesk Support on loopback: records every request and
/// answers as Zendesk does, with its recorded responses (200 with the
/// ticket for an update, 201 with ticket and audit for a new ticket).
struct Zendesk {
    base: String,
    calls: Arc<Mutex<Vec<Call>>>,
}

impl Zendesk {
    async fn start() -> Zendesk {
        use axum::extract::{Request, State};
        use axum::http::{Method, StatusCode};
        use axum::response::IntoResponse;
        let calls: Arc<Mutex<Vec<Call>>> = Arc::default();
        let updated = fixture("zendesk/zendesk_ticket_update_200.json");
        let created = fixture("zendesk/zendesk_ticket_create_201.json");
        let app = axum::Router::new()
            .fallback(|State(calls): State<Arc<Mutex<Vec<Call>>>>, request: Request| async move {
                let (parts, body) = request.into_parts();
                let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
                calls.lock().unwrap().push(Call {
                    method: parts.method.to_string(),
                    path: parts.uri.path().to_owned(),
                    authorization: parts.headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned),
                    body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
                });
                let path = parts.uri.path();
                let is_ticket = path.starts_with("/api/v2/tickets/") && path.ends_with(".json");
                match parts.method {
                    Method::PUT if is_ticket => (StatusCode::OK, axum::Json(updated)).into_response(),
                    Method::POST if path == "/api/v2/tickets.json" => (StatusCode::CREATED, axum::Json(created)).into_response(),
                    _ => (StatusCode::NOT_FOUND, axum::Json(json!({"error": "InvalidEndpoint"}))).into_response(),
                }
            })
            .with_state(calls.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Zendesk { base, calls }
    }

    fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }
}

/// `crossdock serve` on a temp directory; killed when dropped, and its log
/// printed when a test fails, so an end-to-end failure says why.
struct Server {
    child: Child,
    base: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(80).collect();
            eprintln!("--- server log (last {} lines) ---", tail.len());
            for line in tail.into_iter().rev() {
                eprintln!("{line}");
            }
        }
    }
}

/// DC-EAST in Newark (New York time, UPS cutoff 16:00); a Shopify store, the
/// DC's WMS, EasyPost tracking and a Zendesk helpdesk, each with its own
/// secret; customer messages sent without review.
async fn start(zendesk: &Zendesk) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let secret = |name: &str, value: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, format!("{value}\n")).unwrap();
        path.display().to_string()
    };
    let extra = format!(
        r#"name = "Newark DC"
lat = 40.73
lon = -74.17
timezone = "America/New_York"
cutoffs = [{{carrier = "UPS", time = "16:00"}}]

[connections.shop]
kind = "shopify"
tenant = "acme"
secret = "file:{shop}"

[connections.wms-east]
kind = "wms"
tenant = "acme"
secret = "file:{wms}"
nodes = ["DC-EAST"]
mapping = "canonical"

[connections.tracking]
kind = "carrier"
tenant = "acme"
format = "easypost"
secret = "file:{easypost}"

[connections.zendesk]
kind = "helpdesk"
tenant = "acme"
secret = "file:{helpdesk}"
base_url = "{zendesk}"
api_token = "file:{token}"

[governance.autonomy.customer_messages]
mode = "auto"
min_confidence = 0.5
"#,
        shop = secret("shop.secret", SHOP_SECRET),
        wms = secret("wms.secret", WMS_SECRET),
        easypost = secret("easypost.secret", EASYPOST_SECRET),
        helpdesk = secret("helpdesk.secret", HELPDESK_SECRET),
        token = secret("zendesk.token", ZENDESK_TOKEN),
        zendesk = zendesk.base,
    );
    let port = free_port();
    let config = common::write_config(dir.path(), port, KEY, &extra);
    let child = spawn_server(&config);
    let log = dir.path().join("server.log");
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
        log,
        _dir: dir,
    };
    wait_ready(&server.base).await;
    server
}

impl Server {
    async fn post(&self, path: &str, headers: &[(&str, String)], body: Vec<u8>) -> (u16, Value) {
        let mut request = reqwest::Client::new()
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    }

    /// A canonical WMS event (or a batch), signed as `/webhooks/wms` requires.
    async fn wms(&self, event: Value) -> (u16, Value) {
        let body = serde_json::to_vec(&event).unwrap();
        let sig = signature::sign_hex_sha256(WMS_SECRET.as_bytes(), &body);
        self.post("/webhooks/wms/wms-east", &[("x-crossdock-signature", sig)], body).await
    }

    async fn get(&self, path: &str, key: &str) -> (u16, Value) {
        let response = reqwest::Client::new()
            .get(format!("{}{path}", self.base))
            .bearer_auth(key)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    }

    /// Runs `crossdock ask QUESTION --url … --key KEY [extra]`.
    async fn ask(&self, question: &str, key: &str, extra: &[&str]) -> Output {
        let mut command = Command::new(BIN);
        command
            .args(["ask", question, "--url", &self.base, "--key", key])
            .args(extra)
            .env_remove("CROSSDOCK_URL")
            .env_remove("CROSSDOCK_KEY");
        tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap()
    }
}

fn accepted(status: u16, receipt: &Value, n: u64, what: &str) {
    assert_eq!(status, 200, "{what}: {receipt}");
    assert_eq!(receipt["accepted"], n, "{what}: {receipt}");
}

/// Shopify's example order (`#1001`, three iPods for Bob Norman in
/// Louisville), paid and placed at `placed`, as an `orders/create` body.
fn shopify_order(placed: jiff::Timestamp) -> Value {
    let mut order = fixture("shopify/shopify_python_api_order.json")["order"].clone();
    // A paid order placed recently, so it is neither held for payment nor years late.
    order["financial_status"] = json!("paid");
    order["created_at"] = json!(placed.to_string());
    order["updated_at"] = json!(placed.to_string());
    order
}

/// EasyPost's tracker.updated example for our parcel: in transit, its scans
/// up to the last one in transit, moved to after the shipment.
fn easypost_update(shipped: jiff::Timestamp) -> Value {
    let mut event = fixture("carrier-tracking/easypost_tracking-webhook_event.json");
    let tracker = &mut event["result"];
    tracker["tracking_code"] = json!(TRACKING);
    tracker["status"] = json!("in_transit");
    let details = tracker["tracking_details"].as_array_mut().unwrap();
    details.retain(|d| matches!(d["status"].as_str(), Some("pre_transit" | "in_transit")));
    assert!(details.len() >= 3, "the example has scans in transit");
    let mut last = shipped;
    for (i, detail) in details.iter_mut().enumerate() {
        last = shipped + jiff::SignedDuration::from_hours(1 + i as i64);
        detail["datetime"] = json!(last.to_string());
    }
    tracker["created_at"] = json!(shipped.to_string());
    tracker["updated_at"] = json!(last.to_string());
    let estimate = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date() + jiff::Span::new().days(3);
    tracker["est_delivery_date"] = json!(format!("{estimate}T00:00:00Z"));
    event["created_at"] = json!(last.to_string());
    event["updated_at"] = json!(last.to_string());
    event
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_from_webhooks_is_tracked_by_ask_and_an_exception_notes_its_ticket_once() {
    let zendesk = Zendesk::start().await;
    let server = start(&zendesk).await;

    // The DC's stock of the order's SKUs, counted by its WMS.
    let counts: Vec<Value> = ["IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK"]
        .iter()
        .map(|sku| {
            json!({"event_id": format!("count-{sku}"), "event_type": "INVENTORY_SNAPSHOT", "occurred_at": hours_ago(48).to_string(),
                   "node": "DC-EAST", "sku": sku, "on_hand": 25})
        })
        .collect();
    let (status, receipt) = server.wms(json!(counts)).await;
    accepted(status, &receipt, 3, "stock counts");

    // (1) orders/create from Shopify.
    let order = shopify_order(hours_ago(30));
    let order_id = order["id"].to_string();
    let name = order["name"].as_str().unwrap().to_owned();
    let body = serde_json::to_vec(&order).unwrap();
    let shopify_headers = |hmac: String| {
        vec![
            ("x-shopify-topic", "orders/create".to_owned()),
            ("x-shopify-hmac-sha256", hmac),
            ("x-shopify-webhook-id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043".to_owned()),
            ("x-shopify-shop-domain", "acme.myshopify.com".to_owned()),
            ("x-shopify-api-version", "2025-07".to_owned()),
            ("x-shopify-triggered-at", hours_ago(30).to_string()),
        ]
    };
    let forged = signature::sign_shopify(b"not-the-secret", &body);
    let (status, error) = server.post("/webhooks/shopify/shop", &shopify_headers(forged), body.clone()).await;
    assert_eq!((status, error["field"].as_str()), (401, Some("X-Shopify-Hmac-Sha256")), "{error}");
    let hmac = signature::sign_shopify(SHOP_SECRET.as_bytes(), &body);
    let (status, receipt) = server.post("/webhooks/shopify/shop", &shopify_headers(hmac), body).await;
    accepted(status, &receipt, 1, "orders/create");

    // (2) The WMS releases, picks, packs and ships it, naming it by its storefront name.
    let step = |id: &str, kind: &str, hours: i64| {
        json!({"event_id": id, "event_type": kind, "occurred_at": hours_ago(hours).to_string(),
               "order_id": name, "wms_order_key": "WMS_1001", "node": "DC-EAST"})
    };
    let mut packed = step("wms-1001-3", "PACKED", 26);
    packed["location"] = json!("PACK-12");
    let mut shipped = step("wms-1001-4", "SHIPPED", 25);
    shipped["carrier"] = json!("UPS");
    shipped["service"] = json!("GROUND");
    shipped["tracking_number"] = json!(TRACKING);
    shipped["location"] = json!("DOCK-04");
    for event in [
        step("wms-1001-1", "ORDER_RELEASED", 28),
        step("wms-1001-2", "PICKING_COMPLETE", 27),
        packed,
        shipped,
    ] {
        let (status, receipt) = server.wms(event.clone()).await;
        accepted(status, &receipt, 1, &event["event_type"].to_string());
    }

    // (3) EasyPost's tracker update, signed as EasyPost signs: the published
    // test vector checks the signing first.
    let vectors = fixture("carrier-tracking/easypost_client-library-fixtures.json");
    assert_eq!(
        signature::sign_easypost(
            EASYPOST_SECRET.as_bytes(),
            &fixture_body("carrier-tracking/easypost_event-body.json")
        ),
        vectors["webhooks"]["hmac_signature"].as_str().unwrap(),
        "EasyPost's own signature of its example body"
    );
    let body = serde_json::to_vec(&easypost_update(hours_ago(25))).unwrap();
    let sig = signature::sign_easypost(EASYPOST_SECRET.as_bytes(), &body);
    let (status, receipt) = server.post("/webhooks/carrier/tracking", &[("x-hmac-signature", sig)], body).await;
    assert_eq!(status, 200, "tracker.updated: {receipt}");
    assert!(receipt["accepted"].as_u64().unwrap() >= 3, "one event per scan: {receipt}");

    // (4) The customer opens a Zendesk ticket about it.
    let mut ticket = fixture("zendesk/zendesk_ticket_create_201.json")["ticket"].clone();
    let ticket_id = ticket["id"].to_string();
    ticket["subject"] = json!(format!("Where is my order {name}?"));
    ticket["description"] = json!(format!("Hi, I ordered three iPods ({name}) and nothing has arrived yet. Bob"));
    ticket["created_at"] = json!(hours_ago(19).to_string());
    ticket["updated_at"] = json!(hours_ago(19).to_string());
    let body = serde_json::to_vec(&json!({ "ticket": ticket })).unwrap();
    let sig = signature::sign_hex_sha256(HELPDESK_SECRET.as_bytes(), &body);
    let (status, receipt) = server
        .post("/webhooks/helpdesk/zendesk", &[("x-crossdock-signature", sig)], body)
        .await;
    accepted(status, &receipt, 1, "ticket");

    // Everything above is on the order before anyone asks.
    let tracking = eventually(Duration::from_secs(15), "the order is shipped and scanned", || async {
        let (status, t) = server.get(&format!("/v1/orders/{order_id}/tracking"), KEY).await;
        (status == 200 && t["last_scan"].is_object()).then_some(t)
    })
    .await;
    assert_eq!(tracking["order_name"], name.as_str(), "{tracking}");
    assert_eq!(tracking["stage"], "shipped", "{tracking}");
    let kinds: Vec<&str> = tracking["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    for kind in [
        "order.created",
        "order.released",
        "order.picked",
        "order.packed",
        "order.shipped",
        "shipment.tracking",
        "ticket.created",
    ] {
        assert!(kinds.contains(&kind), "{kind} in the timeline: {kinds:?}");
    }
    let packed_at = tracking["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "order.packed")
        .unwrap();
    assert_eq!(packed_at["location"], "PACK-12", "{packed_at}");

    // (5) Where is it? Through the binary, as a rep asks.
    let question = format!("where is order {name}?");
    let out = server.ask(&question, KEY, &[]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for fact in ["UPS", TRACKING, "Expected delivery", &name] {
        assert!(text.contains(fact), "`{fact}` in the answer:\n{text}");
    }
    assert!(text.contains(&format!("order:{order_id}")), "the sources are listed:\n{text}");

    let out = server.ask(&question, KEY, &["--json"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let answer: Value = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("--json prints JSON ({e}):\n{}", stdout(&out)));
    assert_eq!(answer["intent"], "where_is_order", "{answer}");
    let eta = &answer["data"]["tracking"]["eta"];
    let likely: jiff::civil::Date = eta["likely"]
        .as_str()
        .unwrap_or_else(|| panic!("an ETA: {answer}"))
        .parse()
        .unwrap();
    let shipped_on = hours_ago(25).to_zoned(jiff::tz::TimeZone::get("America/New_York").unwrap()).date();
    assert!(likely > shipped_on, "delivery {likely} after shipping on {shipped_on}");
    let package = &answer["data"]["tracking"]["packages"][0];
    assert_eq!(
        (package["carrier"].as_str(), package["tracking_number"].as_str()),
        (Some("UPS"), Some(TRACKING)),
        "{answer}"
    );
    let citations: Vec<&str> = answer["citations"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(citations.contains(&format!("order:{order_id}").as_str()), "{citations:?}");
    assert!(
        zendesk.calls().is_empty(),
        "asking sends nothing to the helpdesk: {:?}",
        zendesk.calls()
    );

    // (6) The carrier missed the pickup; the WMS reports it twice, as two events.
    let exception = |id: &str, hours: i64| {
        json!({"event_id": id, "event_type": "EXCEPTION_CREATED", "occurred_at": hours_ago(hours).to_string(),
               "order_id": name, "node": "DC-EAST", "location": "DOCK-04", "exception_code": "MISSED_PICKUP",
               "message": "UPS did not collect trailer 7"})
    };
    let (status, receipt) = server.wms(exception("wms-1001-x1", 2)).await;
    accepted(status, &receipt, 1, "exception");
    let (status, receipt) = server.wms(exception("wms-1001-x2", 1)).await;
    accepted(status, &receipt, 1, "the same exception again");
    let note = eventually(Duration::from_secs(20), "a note reaches Zendesk", || async {
        zendesk.calls().into_iter().find(|c| c.method == "PUT")
    })
    .await;
    // Time for a second note, were the alert not deduplicated.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let calls = zendesk.calls();
    let puts: Vec<&Call> = calls.iter().filter(|c| c.method == "PUT").collect();
    assert_eq!(puts.len(), 1, "exactly one note: {calls:#?}");
    assert_eq!(note.path, format!("/api/v2/tickets/{ticket_id}.json"), "{note:#?}");
    let comment = &note.body["ticket"]["comment"];
    assert_eq!(comment["public"], false, "a private note: {note:#?}");
    let text = comment["body"].as_str().unwrap_or_default();
    assert!(text.contains("MISSED_PICKUP") && text.contains(TRACKING), "{text}");
    assert!(
        note.authorization.as_deref().is_some_and(|a| a.starts_with("Basic ")),
        "the Zendesk API token goes as HTTP Basic: {note:#?}"
    );
    assert!(calls.iter().all(|c| c.method == "PUT"), "no other helpdesk calls: {calls:#?}");

    // (7) A wrong key: a non-zero exit with the server's 401 message.
    let (status, refusal) = server.get("/v1/orders", "not-the-key").await;
    assert_eq!(status, 401, "{refusal}");
    let out = server.ask(&question, "not-the-key", &[]).await;
    assert!(!out.status.success(), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("401"), "{err}");
    assert!(err.contains(refusal["message"].as_str().unwrap()), "{err}");
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
}
