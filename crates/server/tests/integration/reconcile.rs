//! Reconciliation: pushed counts, and periodic pulls from 24 WMS instances.

use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Path;
use axum::routing::get;
use model::tenant::ConnectionKind;
use model::{ConnectionId, NodeId};
use serde_json::{Value, json};
use server::Config;
use server::config::{ReconcileConfig, Span};

use crate::support::{Harness, base_config, connection, node};

/// `sites` WMS connections `wms-01`…, each reporting for node `N01`…, pulling from `base`.
fn config(dir: &std::path::Path, sites: usize, base: Option<&str>, every: Option<&str>) -> Config {
    let mut config = base_config(dir);
    for i in 1..=sites {
        let id = format!("N{i:02}");
        config.nodes.insert(NodeId::parse(&id).unwrap(), node());
        let mut wms = connection(ConnectionKind::Wms, Some("s"), &[&id]);
        wms.base_url = base.map(|b| format!("{b}/wms-{i:02}"));
        wms.reconcile = Some(ReconcileConfig {
            tolerance_units: 2,
            tolerance_percent: 0.0,
            every: every.map(|e| Span::parse(e).unwrap()),
        });
        config.connections.insert(ConnectionId::parse(&format!("wms-{i:02}")).unwrap(), wms);
    }
    config
}

/// On-hand per node of one SKU.
async fn on_hand(h: &Harness, sku: &str) -> Value {
    let inv = h.inventory(sku).await;
    inv["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["node"].as_str().unwrap().to_owned(), n["on_hand"].clone()))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// 10 units of SKU-A and SKU-B at every site's node; SKU-B costs 2.50.
async fn seed(h: &Harness, sites: usize) {
    let mut events = vec![
        json!({"event_id": "cost", "occurred_at": "2026-05-15T10:00:00Z", "type": "item.upserted",
        "data": {"sku": "SKU-B", "unit_cost": {"amount": "2.50", "currency": "USD"}}}),
    ];
    for i in 1..=sites {
        for sku in ["SKU-A", "SKU-B"] {
            events.push(
                json!({"event_id": format!("seed-{sku}-{i}"), "occurred_at": "2026-05-15T10:00:00Z", "type": "inventory.snapshot",
                "data": {"sku": sku, "node": format!("N{i:02}"), "on_hand": 10}}),
            );
        }
    }
    assert_eq!(h.post("/v1/events", json!({ "events": events })).await.0, 200);
}

#[tokio::test]
async fn pushed_counts_within_tolerance_are_applied_and_the_rest_wait_for_review() {
    let h = Harness::start(|dir| config(dir, 1, None, None)).await;
    seed(&h, 1).await;
    let counts = json!({"connection": "wms-01", "counts": [
        {"sku": "SKU-A", "node": "N01", "counted": 8},
        {"sku": "SKU-B", "node": "N01", "on_hand": 4}]});
    let (status, report) = h.post("/v1/reconciliations", counts.clone()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!((report["auto_adjusted"].as_u64(), report["open"].as_u64()), (Some(1), Some(1)));
    let open = report["discrepancies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["status"] == "open")
        .unwrap()
        .clone();
    assert_eq!(
        (
            open["sku"].as_str(),
            open["expected"].as_i64(),
            open["counted"].as_i64(),
            open["delta"].as_i64()
        ),
        (Some("SKU-B"), Some(10), Some(4), Some(-6))
    );
    assert_eq!(
        open["value"],
        json!({"amount": "-15.00", "currency": "USD"}),
        "valued at the unit cost"
    );
    assert_eq!(on_hand(&h, "SKU-A").await["N01"], 8, "within 2 units: applied");
    assert_eq!(on_hand(&h, "SKU-B").await["N01"], 10, "beyond: our number stands until reviewed");
    // A count for SKU-A within tolerance of the new figure settles nothing new.
    // The same SKU-B count again updates the open discrepancy; it does not pile up.
    let (_, again) = h.post("/v1/reconciliations", counts).await;
    assert_eq!(again["discrepancies"][0]["id"], open["id"]);
    let list: Value = h.get("/v1/discrepancies?status=open").await.1;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    // A person accepts it: the count is applied; a second decision is refused.
    let id = open["id"].as_u64().unwrap();
    let (status, accepted) = h.post(format!("/v1/discrepancies/{id}/accept"), json!({})).await;
    assert_eq!((status, accepted["status"].as_str()), (200, Some("accepted")));
    assert_eq!(on_hand(&h, "SKU-B").await["N01"], 4);
    let (status, err) = h.post(format!("/v1/discrepancies/{id}/reject"), json!({})).await;
    assert_eq!((status, err["code"].as_str()), (409, Some("already_resolved")));
    // Bad counts are refused with the field.
    let (status, err) = h
        .post(
            "/v1/reconciliations",
            json!({"connection": "wms-01", "counts": [{"sku": "SKU-A", "node": "N99", "counted": 1}]}),
        )
        .await;
    assert_eq!(
        (status, err["code"].as_str(), err["field"].as_str()),
        (422, Some("unknown_node"), Some("counts[0].node"))
    );
}

/// 24 WMS instances, each pulled every second from a stand-in WMS speaking
/// `{"counts": [...]}`: each one's small difference is applied, each one's
/// large difference is one open discrepancy, however many pulls ran.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_four_wms_are_reconciled_by_periodic_pulls() {
    const SITES: usize = 24;
    let wms = Router::new().route(
        "/{site}/inventory",
        get(|Path(site): Path<String>| async move {
            let node = format!("N{}", site.trim_start_matches("wms-"));
            axum::Json(json!({"counts": [{"sku": "SKU-A", "node": node, "on_hand": 11}, {"sku": "SKU-B", "node": node, "on_hand": 30}]}))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let wms_base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, wms).await.unwrap() });

    let h = Harness::start(|dir| config(dir, SITES, Some(&wms_base), Some("1s"))).await;
    seed(&h, SITES).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let list: Value = h.get("/v1/discrepancies?status=open&limit=1000").await.1;
        let a = on_hand(&h, "SKU-A").await;
        let adjusted = a.as_object().unwrap().values().filter(|v| **v == 11).count();
        if list["items"].as_array().unwrap().len() == SITES && adjusted == SITES {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "after 30 s: {} open, {adjusted} adjusted",
            list["items"].as_array().unwrap().len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Let more pulls run: still exactly one open discrepancy per site.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let list: Value = h.get("/v1/discrepancies?status=open&limit=1000").await.1;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), SITES);
    let mut connections: Vec<&str> = items.iter().map(|d| d["connection"].as_str().unwrap()).collect();
    connections.sort_unstable();
    connections.dedup();
    assert_eq!(connections.len(), SITES);
    assert!(items.iter().all(|d| d["sku"] == "SKU-B" && d["delta"] == 20));
    assert!(on_hand(&h, "SKU-B").await.as_object().unwrap().values().all(|v| *v == 10));
    // And on request, for one connection.
    let (status, report) = h.post("/v1/connections/wms-07/reconcile", json!({})).await;
    assert_eq!(
        (status, report["open"].as_u64(), report["matched"].as_u64()),
        (200, Some(1), Some(1))
    );
}

#[tokio::test]
async fn a_newer_count_within_tolerance_settles_an_open_discrepancy() {
    let h = Harness::start(|dir| config(dir, 1, None, None)).await;
    seed(&h, 1).await;
    let count = |n: i64| json!({"connection": "wms-01", "counts": [{"sku": "SKU-B", "node": "N01", "counted": n}]});
    let (_, first) = h.post("/v1/reconciliations", count(30)).await;
    assert_eq!(first["open"], 1);
    let (_, second) = h.post("/v1/reconciliations", count(11)).await;
    assert_eq!(second["auto_adjusted"], 1);
    let open: Value = h.get("/v1/discrepancies?status=open").await.1;
    assert!(open["items"].as_array().unwrap().is_empty(), "{open}");
    assert_eq!(on_hand(&h, "SKU-B").await["N01"], 11);
}
