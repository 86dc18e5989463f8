//! The binary as users run it: `serve` killed mid-load, and `demo`.

mod common;

use common::{BIN, free_port, spawn_server, wait_ready};

use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn write_config(dir: &std::path::Path, port: u16) -> std::path::PathBuf {
    common::write_config(dir, port, "crash-test-key", "")
}

/// SIGKILL while 64 clients post: every acknowledged event is there exactly
/// once after restart, and SQLite reports no damage.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_acknowledged_event_is_lost_when_killed() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = write_config(dir.path(), port);
    let base = format!("http://127.0.0.1:{port}");
    let mut child = spawn_server(&config);
    wait_ready(&base).await;

    let client = reqwest::Client::new();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = Vec::new();
    for c in 0..64 {
        let (client, base, stop) = (client.clone(), base.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && n < 10_000 {
                let id = format!("c{c}-{n}");
                n += 1;
                let body = json!({"events": [{"event_id": id, "occurred_at": "2026-05-15T10:00:00Z", "type": "inventory.adjusted",
                                              "data": {"node": "DC-EAST", "sku": format!("SKU-{c}"), "delta": 1}}]});
                match client
                    .post(format!("{base}/v1/events"))
                    .bearer_auth("crash-test-key")
                    .json(&body)
                    .send()
                    .await
                {
                    Ok(r) if r.status().is_success() => acked.push(id),
                    _ => break,
                }
            }
            acked
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut acked = Vec::new();
    for t in tasks {
        acked.extend(t.await.unwrap());
    }
    assert!(acked.len() > 100, "the load ran ({} acks)", acked.len());

    let db = dir.path().join("data/crossdock.db");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(check, "ok");
    }
    let mut child = spawn_server(&config);
    wait_ready(&base).await;
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mut counts: HashMap<String, i64> = HashMap::new();
    let mut stmt = conn.prepare("SELECT event_id, count(*) FROM events GROUP BY event_id").unwrap();
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))).unwrap() {
        let (id, n) = row.unwrap();
        counts.insert(id, n);
    }
    for id in &acked {
        assert_eq!(counts.get(id), Some(&1), "acknowledged event {id} must be stored exactly once");
    }
    // The restarted projection agrees with the log.
    let stats: Value = client
        .get(format!("{base}/v1/stats"))
        .bearer_auth("crash-test-key")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["events"].as_u64().unwrap() as usize, counts.len());
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn demo_runs_sends_real_traffic_and_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(BIN)
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--orders",
            "40",
            "--rate",
            "400",
            "--duration",
            "6s",
            "--seed",
            "3",
            "--data",
        ])
        .arg(dir.path())
        .env("CROSSDOCK_ADMIN_KEY", "demo-test-key")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "demo failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("demo-test-key"), "prints the admin key:\n{stdout}");
    assert!(stdout.contains("dashboard   http://127.0.0.1:"), "{stdout}");
    assert!(
        stdout.contains("(0 refused)"),
        "every simulated delivery is accepted:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("Stopped cleanly"), "{stdout}");
    let conn = rusqlite::Connection::open(dir.path().join("crossdock.db")).unwrap();
    let orders: i64 = conn
        .query_row("SELECT count(DISTINCT subject) FROM events WHERE kind = 'order.created'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let shipped: i64 = conn
        .query_row("SELECT count(*) FROM events WHERE kind = 'order.shipped'", [], |r| r.get(0))
        .unwrap();
    assert!(orders >= 10, "orders arrived ({orders})");
    assert!(shipped >= 1, "WMS traffic arrived ({shipped})");
}

/// SIGTERM under load: in-flight requests finish, the log is flushed, a
/// snapshot is written, the process exits 0, and nothing acknowledged is missing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_and_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = write_config(dir.path(), port);
    let base = format!("http://127.0.0.1:{port}");
    let mut child = spawn_server(&config);
    wait_ready(&base).await;
    let client = reqwest::Client::new();
    let mut tasks = Vec::new();
    for c in 0..16 {
        let (client, base) = (client.clone(), base.clone());
        tasks.push(tokio::spawn(async move {
            let mut acked = 0u64;
            for n in 0..100_000 {
                let body = json!({"events": [{"event_id": format!("t{c}-{n}"), "occurred_at": "2026-05-15T10:00:00Z",
                    "type": "inventory.adjusted", "data": {"node": "DC-EAST", "sku": "SKU-1", "delta": 1}}]});
                match client
                    .post(format!("{base}/v1/events"))
                    .bearer_auth("crash-test-key")
                    .json(&body)
                    .send()
                    .await
                {
                    Ok(r) if r.status().is_success() => acked += 1,
                    _ => break,
                }
            }
            acked
        }));
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let exit = tokio::task::spawn_blocking(move || child.wait().unwrap()).await.unwrap();
    assert!(exit.success(), "clean exit after SIGTERM: {exit:?}");
    let mut acked = 0;
    for t in tasks {
        acked += t.await.unwrap();
    }
    assert!(
        dir.path().join("data/projection.snapshot").exists(),
        "a snapshot is written on shutdown"
    );
    let conn = rusqlite::Connection::open(dir.path().join("data/crossdock.db")).unwrap();
    let stored: u64 = conn.query_row("SELECT count(*) FROM events", [], |r| r.get::<_, i64>(0)).unwrap() as u64;
    assert!(stored >= acked && acked > 0, "{acked} acknowledged, {stored} stored");
}

fn fixture(name: &str) -> String {
    format!("{}/../../../shared/fixtures/edi-x12/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn edi_parse_prints_canonical_json_and_names_the_fault_in_a_bad_file() {
    let ok = Command::new(BIN)
        .args(["edi", "parse"])
        .arg(fixture("850_stupidedi_PO850_pass1.edi"))
        .output()
        .unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let parsed: Value = serde_json::from_slice(&ok.stdout).unwrap();
    let set = &parsed["transaction_sets"][0];
    assert_eq!((set["set"].as_str(), set["status"].as_str()), (Some("850"), Some("mapped")));
    assert_eq!(set["events"][0]["type"], "order.created");

    let bad = Command::new(BIN)
        .args(["edi", "parse", "--ack"])
        .arg(fixture("856_stupidedi_SH856_fail2_INVALID.edi"))
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "a rejected transaction set exits 2");
    let parsed: Value = serde_json::from_slice(&bad.stdout).unwrap();
    let set = &parsed["transaction_sets"][0];
    assert_eq!(set["status"], "rejected");
    assert_eq!(set["error"]["field"], "segment 11 (N1) element 4");
    assert!(parsed["ack"].as_str().unwrap().contains("AK5*R"), "the 997 rejects it");
}

#[test]
fn edi_render_writes_x12_that_parses_back_to_the_same_order() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("orders.json");
    std::fs::write(
        &input,
        json!({"events": [{"event_id": "o1", "occurred_at": "2026-05-15T10:00:00Z", "type": "order.created",
            "data": {"order_id": "PO-4711", "po_number": "PO-4711", "lines": [{"sku": "SKU-1", "quantity": 3}, {"sku": "SKU-2", "quantity": 1}]}}]})
        .to_string(),
    )
    .unwrap();
    let rendered = Command::new(BIN)
        .args(["edi", "render", "--as", "850", "--control", "42"])
        .arg(&input)
        .output()
        .unwrap();
    assert!(rendered.status.success(), "{}", String::from_utf8_lossy(&rendered.stderr));
    let x12 = dir.path().join("po.x12");
    std::fs::write(&x12, &rendered.stdout).unwrap();
    assert!(String::from_utf8_lossy(&rendered.stdout).starts_with("ISA*"));
    let parsed = Command::new(BIN).args(["edi", "parse"]).arg(&x12).output().unwrap();
    assert!(parsed.status.success(), "{}", String::from_utf8_lossy(&parsed.stderr));
    let parsed: Value = serde_json::from_slice(&parsed.stdout).unwrap();
    let data = &parsed["transaction_sets"][0]["events"][0]["data"];
    assert_eq!(data["order_id"], "PO-4711");
    assert_eq!(data["lines"].as_array().unwrap().len(), 2);
    assert_eq!(data["lines"][0]["quantity"], 3);
}

/// `crossdock replay` against a running server: a target that refused an
/// inventory update (422) is fixed, the dead letter is listed with its
/// reason, replayed, and delivered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_lists_and_resends_dead_letters() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU16, Ordering};
    let answer = Arc::new(AtomicU16::new(422));
    let delivered = Arc::new(AtomicU16::new(0));
    let (a, d) = (answer.clone(), delivered.clone());
    let target = axum::Router::new().fallback(move || {
        let (a, d) = (a.clone(), d.clone());
        async move {
            let code = a.load(Ordering::SeqCst);
            if code < 300 {
                d.fetch_add(1, Ordering::SeqCst);
            }
            (
                axum::http::StatusCode::from_u16(code).unwrap(),
                "{\"errors\":\"location_id is unknown\"}",
            )
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, target).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = write_config(dir.path(), port);
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[connections.erp]\nkind = \"erp\"\ntenant = \"acme\"\nbase_url = \"{target_url}\"\nsubscribe = [\"inventory.atp_changed\"]\n"
    ));
    std::fs::write(&config, text).unwrap();
    let mut server = spawn_server(&config);
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&base).await;
    let client = reqwest::Client::new();
    let event = json!({"events": [{"event_id": "count-1", "source": "wms", "occurred_at": "2026-05-15T10:00:00Z",
        "type": "inventory.snapshot", "data": {"sku": "SKU-A", "node": "DC-EAST", "on_hand": 7}}]});
    let status = client
        .post(format!("{base}/v1/events"))
        .bearer_auth("crash-test-key")
        .json(&event)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    let replay = |args: &[&str]| {
        Command::new(BIN)
            .arg("replay")
            .args(["--url", &base, "--key", "crash-test-key"])
            .args(args)
            .output()
            .unwrap()
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    let listing = loop {
        let out = replay(&["--list"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).unwrap();
        if text.contains("1 dead letter(s).") {
            break text;
        }
        assert!(Instant::now() < deadline, "no dead letter listed: {text}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(
        listing.contains("inventory.atp_changed") && listing.contains("HTTP 422"),
        "{listing}"
    );
    assert!(listing.contains("location_id is unknown"), "{listing}");
    answer.store(201, Ordering::SeqCst);
    let out = replay(&["--connection", "erp"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Replayed 1 dead letter(s)"));
    let deadline = Instant::now() + Duration::from_secs(15);
    while delivered.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "the replayed message was not delivered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let out = replay(&["--list"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 dead letter(s)."));
    let bad_key = Command::new(BIN)
        .args(["replay", "--url", &base, "--key", "wrong", "--list"])
        .output()
        .unwrap();
    assert!(!bad_key.status.success());
    assert!(
        String::from_utf8_lossy(&bad_key.stderr).contains("401"),
        "{}",
        String::from_utf8_lossy(&bad_key.stderr)
    );
    server.kill().unwrap();
    let _ = server.wait();
}

/// `crossdock train risk`: the documented dataset out, a model trained on
/// (part of) it with its held-out report and the comparison with the
/// shipped model, and the model file written.
#[test]
fn train_risk_reports_and_writes_a_model() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("risk.csv");
    let written = Command::new(BIN)
        .args(["train", "risk", "--write-dataset"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(written.status.success(), "{}", String::from_utf8_lossy(&written.stderr));
    let text = std::fs::read_to_string(&data).unwrap();
    // 6,000 examples keep the debug-build test quick and give each part enough fraud.
    let part: Vec<&str> = text.lines().take(6_001).collect();
    std::fs::write(&data, part.join("\n")).unwrap();
    let model = dir.path().join("risk.json");
    let out = Command::new(BIN)
        .args(["train", "risk", "--json", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&model)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let chosen = report["report"]["chosen"].as_str().unwrap();
    let roc = report["report"][if chosen == "logistic_regression" { "logistic" } else { "gbdt" }]["test"]["roc_auc"]
        .as_f64()
        .unwrap();
    assert!(roc > 0.7, "{report}");
    assert!(
        report["comparison"]["old"].is_object() && report["comparison"]["new"].is_object(),
        "{report}"
    );
    assert!(std::fs::read_to_string(&model).unwrap().contains("\"version\""));
    let bad = Command::new(BIN)
        .args(["train", "risk", "--data", "/nonexistent.csv"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("/nonexistent.csv"));
}
