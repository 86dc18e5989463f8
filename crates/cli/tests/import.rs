//! `crossdock import` against a real `crossdock serve`, with the real
//! Shopify and EDI fixtures.

mod common;

use common::{BIN, free_port, spawn_server, wait_ready};

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};

use serde_json::Value;

const KEY: &str = "import-test-key";

fn write_config(dir: &Path, port: u16) -> PathBuf {
    common::write_config(
        dir,
        port,
        KEY,
        r#"
[connections.partner]
kind = "edi"
tenant = "acme"
nodes = ["DC-EAST"]
"#,
    )
}

/// A server on a temp data directory, killed when dropped.
struct Server {
    child: Child,
    base: String,
    dir: tempfile::TempDir,
}

impl Server {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let config = write_config(dir.path(), port);
        let base = format!("http://127.0.0.1:{port}");
        let child = spawn_server(&config);
        wait_ready(&base).await;
        Server { child, base, dir }
    }

    /// Runs `crossdock import ARGS` against this server; the import is blocking, so off the runtime.
    async fn import(&self, args: &[&str]) -> Output {
        let mut command = Command::new(BIN);
        command
            .arg("import")
            .args(args)
            .env("CROSSDOCK_URL", &self.base)
            .env("CROSSDOCK_ADMIN_KEY", KEY);
        tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap()
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let r = reqwest::Client::new()
            .get(format!("{}{path}", self.base))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn fixture(path: &str) -> String {
    format!("{}/../../../shared/fixtures/{path}", env!("CARGO_MANIFEST_DIR"))
}

fn summary(output: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("--json prints JSON ({e}):\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr)))
}

fn counts(v: &Value) -> (u64, u64, u64) {
    let n = |k: &str| v[k].as_u64().unwrap_or_else(|| panic!("`{k}` in {v}"));
    (n("accepted"), n("duplicates"), n("rejected"))
}

/// The export `orders.json` holds one order without line items, which the
/// Shopify mapping refuses; `order.json` is the same order with its lines.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shopify_exports_are_imported_once_and_a_refused_order_is_reported() {
    let server = Server::start().await;
    let export = fixture("shopify/shopify_python_api_orders.json");
    let single = fixture("shopify/shopify_python_api_order.json");

    let first = server.import(&["--json", &export, &single]).await;
    assert_eq!(
        first.status.code(),
        Some(2),
        "an order was rejected: {}",
        String::from_utf8_lossy(&first.stderr)
    );
    let s = summary(&first);
    assert_eq!(counts(&s["files"][0]), (0, 0, 1), "{s}");
    assert_eq!(s["files"][0]["format"], "shopify-orders");
    assert_eq!(counts(&s["files"][1]), (1, 0, 0), "{s}");
    assert_eq!(counts(&s["total"]), (1, 0, 1));
    let r = &s["rejections"][0];
    assert_eq!(r["at"], "order #1001 (450789469)", "{s}");
    assert_eq!(r["field"], "line_items");
    assert!(r["message"].as_str().unwrap().contains("at least one line item"), "{r}");

    let (status, order) = server.get("/v1/orders/450789469").await;
    assert_eq!(status, 200, "{order}");
    let skus: Vec<&str> = order["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["sku"].as_str().unwrap())
        .collect();
    assert_eq!(skus, ["IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK"], "{order}");
    assert_eq!(server.get("/v1/orders/%231001").await.0, 200, "found by its Shopify name too");

    let (_, before) = server.get("/v1/stats").await;
    let again = server.import(&[&single]).await;
    assert_eq!(again.status.code(), Some(0), "{}", String::from_utf8_lossy(&again.stderr));
    let text = String::from_utf8_lossy(&again.stdout);
    let total = text.lines().find(|l| l.starts_with("total")).unwrap();
    let numbers: Vec<&str> = total.split_whitespace().skip(1).collect();
    assert_eq!(numbers, ["0", "1", "0"], "all skipped as duplicates:\n{text}");
    assert!(text.contains("skipped (duplicates)"), "{text}");
    let (_, after) = server.get("/v1/stats").await;
    assert_eq!(after["events"], before["events"], "the second import stored nothing: {after}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inventory_csv_with_a_bad_row_imports_the_others() {
    let server = Server::start().await;
    let csv = server.dir.path().join("stock.csv");
    std::fs::write(
        &csv,
        "sku,node,on_hand,unit,as_of\n\
         MUG-1,DC-EAST,40,,2026-05-15T10:00:00Z\n\
         \"MUG-2\",DC-EAST,12,each,\n\
         MUG-3,DC-EAST,lots,,\n\
         MUG-4,DC-WEST,5,,\n\
         MUG-5,DC-EAST,7,,\n",
    )
    .unwrap();
    let path = csv.to_str().unwrap();
    // Batches of 2, so the rejections happen inside batches the server refuses whole.
    let out = server.import(&["--batch", "2", path]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        stdout.contains(&format!(
            "{path}:line 4: invalid_quantity: `lots` is not a whole number of units. (on_hand)"
        )),
        "the client names the line:\n{stdout}"
    );
    assert!(
        stdout.contains(&format!("{path}:line 5: unknown_node: ")) && stdout.contains("(node)"),
        "the server's refusal is kept with its line and field:\n{stdout}"
    );
    for (sku, on_hand) in [("MUG-1", 40), ("MUG-2", 12), ("MUG-5", 7)] {
        let (status, view) = server.get(&format!("/v1/inventory/{sku}")).await;
        assert_eq!(status, 200, "{view}");
        assert_eq!(view["nodes"][0]["node"], "DC-EAST", "{view}");
        assert_eq!(view["nodes"][0]["on_hand"], on_hand, "{view}");
    }

    let again = server.import(&["--json", path]).await;
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(counts(&summary(&again)["total"]), (0, 3, 2), "the same file again: duplicates");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edi_files_report_accepted_and_rejected_transaction_sets() {
    let server = Server::start().await;
    let good = fixture("edi-x12/850_stupidedi_PO850_pass1.edi");
    let bad = fixture("edi-x12/856_stupidedi_SH856_fail2_INVALID.edi");

    let refused = server.import(&[&good]).await;
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--connection is required"));

    let out = server.import(&["--connection", "partner", "--json", &good, &bad]).await;
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let s = summary(&out);
    assert_eq!(s["files"][0]["format"], "edi");
    assert_eq!(counts(&s["files"][0]), (1, 0, 0), "{s}");
    assert_eq!(counts(&s["files"][1]), (0, 0, 1), "{s}");
    let r = &s["rejections"][0];
    assert_eq!(r["code"], "edi_transaction_set_rejected", "{s}");
    assert!(
        r["field"].as_str().unwrap().starts_with("segment 11 (N1)"),
        "names the segment the 997 names: {r}"
    );
    let (status, order) = server.get("/v1/orders/PO12345").await;
    assert_eq!(status, 200, "the purchase order became an order: {order}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_stops_the_import_saying_how_far_it_got() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("stock.csv");
    std::fs::write(&csv, "sku,node,on_hand\nMUG-1,DC-EAST,1\n").unwrap();
    let port = free_port();
    let mut command = Command::new(BIN);
    command
        .args(["import", "--url", &format!("http://127.0.0.1:{port}"), "--key", KEY])
        .arg(&csv);
    let out = tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("did not answer after 5 attempts"), "{stderr}");
    assert!(stderr.contains("running the same import again is safe"), "{stderr}");
}
