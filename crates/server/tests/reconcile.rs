//! Reconciliation: pushed counts, and periodic pulls from 24 WMS instances.

use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Path;
use axum::routing::get;
use model::node::NodeKind;
use model::tenant::ConnectionKind;
use model::{ConnectionId, NodeId, TenantId};
use serde_json::{Value, json};
use server::config::{ConnectionConfig, NodeConfig, ReconcileConfig, Span, TenantConfig};
use server::{App, Config, Secret};

const KEY: &str = "test-admin-key";

fn node_config(tenant: &TenantId) -> NodeConfig {
    NodeConfig {
        tenant: tenant.clone(),
        kind: NodeKind::Dc,
        name: None,
        lat: None,
        lon: None,
        timezone: None,
        capabilities: vec![],
        cutoffs: vec![],
        capacity_units_per_day: None,
    }
}

/// `sites` WMS connections `wms-01`…, each reporting for node `N01`…, pulling from `base`.
fn config(dir: &std::path::Path, sites: usize, base: Option<&str>, every: Option<&str>) -> Config {
    let mut config = Config::default();
    config.server.data_dir = dir.to_path_buf();
    config.server.admin_key = Some(Secret::generated(KEY.into()));
    let acme = TenantId::parse("acme").unwrap();
    config.tenants.insert(acme.clone(), TenantConfig { name: "Acme".into() });
    for i in 1..=sites {
        let node = NodeId::parse(&format!("N{i:02}")).unwrap();
        config.nodes.insert(node.clone(), node_config(&acme));
        config.connections.insert(
            ConnectionId::parse(&format!("wms-{i:02}")).unwrap(),
            ConnectionConfig {
                kind: ConnectionKind::Wms,
                tenant: acme.clone(),
                secret: Some(Secret::generated("s".into())),
                previous_secret: None,
                nodes: vec![node],
                mapping: None,
                base_url: base.map(|b| format!("{b}/wms-{i:02}")),
                subscribe: vec![],
                reconcile: Some(ReconcileConfig {
                    tolerance_units: 2,
                    tolerance_percent: 0.0,
                    every: every.map(|e| Span::parse(e).unwrap()),
                }),
                atp_buffer: 0,
            },
        );
    }
    config
}

async fn serve(app: App) -> (String, tokio::sync::watch::Sender<bool>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, mut rx) = tokio::sync::watch::channel(false);
    tokio::spawn(server::serve(app, listener, async move {
        let _ = rx.wait_for(|s| *s).await;
    }));
    (base, stop)
}

async fn post(client: &reqwest::Client, url: String, body: Value) -> (u16, Value) {
    let r = client.post(url).bearer_auth(KEY).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn on_hand(client: &reqwest::Client, base: &str, sku: &str) -> Value {
    let inv: Value = client
        .get(format!("{base}/v1/inventory/{sku}"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    inv["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["node"].as_str().unwrap().to_owned(), n["on_hand"].clone()))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

async fn seed(client: &reqwest::Client, base: &str, sites: usize) {
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
    assert_eq!(post(client, format!("{base}/v1/events"), json!({ "events": events })).await.0, 200);
}

#[tokio::test]
async fn pushed_counts_within_tolerance_are_applied_and_the_rest_wait_for_review() {
    let dir = tempfile::tempdir().unwrap();
    let (base, _stop) = serve(App::open(config(dir.path(), 1, None, None)).unwrap()).await;
    let client = reqwest::Client::new();
    seed(&client, &base, 1).await;
    let counts = json!({"connection": "wms-01", "counts": [
        {"sku": "SKU-A", "node": "N01", "counted": 8},
        {"sku": "SKU-B", "node": "N01", "on_hand": 4}]});
    let (status, report) = post(&client, format!("{base}/v1/reconciliations"), counts.clone()).await;
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
    assert_eq!(on_hand(&client, &base, "SKU-A").await["N01"], 8, "within 2 units: applied");
    assert_eq!(
        on_hand(&client, &base, "SKU-B").await["N01"],
        10,
        "beyond: our number stands until reviewed"
    );
    // A count for SKU-A within tolerance of the new figure settles nothing new.
    // The same SKU-B count again updates the open discrepancy; it does not pile up.
    let (_, again) = post(&client, format!("{base}/v1/reconciliations"), counts).await;
    assert_eq!(again["discrepancies"][0]["id"], open["id"]);
    let list: Value = client
        .get(format!("{base}/v1/discrepancies?status=open"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    // A person accepts it: the count is applied; a second decision is refused.
    let id = open["id"].as_u64().unwrap();
    let (status, accepted) = post(&client, format!("{base}/v1/discrepancies/{id}/accept"), json!({})).await;
    assert_eq!((status, accepted["status"].as_str()), (200, Some("accepted")));
    assert_eq!(on_hand(&client, &base, "SKU-B").await["N01"], 4);
    let (status, err) = post(&client, format!("{base}/v1/discrepancies/{id}/reject"), json!({})).await;
    assert_eq!((status, err["code"].as_str()), (409, Some("already_resolved")));
    // Bad counts are refused with the field.
    let (status, err) = post(
        &client,
        format!("{base}/v1/reconciliations"),
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

    let dir = tempfile::tempdir().unwrap();
    let (base, _stop) = serve(App::open(config(dir.path(), SITES, Some(&wms_base), Some("1s"))).unwrap()).await;
    let client = reqwest::Client::new();
    seed(&client, &base, SITES).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let list: Value = client
            .get(format!("{base}/v1/discrepancies?status=open&limit=1000"))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let a = on_hand(&client, &base, "SKU-A").await;
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
    let list: Value = client
        .get(format!("{base}/v1/discrepancies?status=open&limit=1000"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), SITES);
    let mut connections: Vec<&str> = items.iter().map(|d| d["connection"].as_str().unwrap()).collect();
    connections.sort_unstable();
    connections.dedup();
    assert_eq!(connections.len(), SITES);
    assert!(items.iter().all(|d| d["sku"] == "SKU-B" && d["delta"] == 20));
    assert!(
        on_hand(&client, &base, "SKU-B")
            .await
            .as_object()
            .unwrap()
            .values()
            .all(|v| *v == 10)
    );
    // And on request, for one connection.
    let (status, report) = post(&client, format!("{base}/v1/connections/wms-07/reconcile"), json!({})).await;
    assert_eq!(
        (status, report["open"].as_u64(), report["matched"].as_u64()),
        (200, Some(1), Some(1))
    );
}

#[tokio::test]
async fn a_newer_count_within_tolerance_settles_an_open_discrepancy() {
    let dir = tempfile::tempdir().unwrap();
    let (base, _stop) = serve(App::open(config(dir.path(), 1, None, None)).unwrap()).await;
    let client = reqwest::Client::new();
    seed(&client, &base, 1).await;
    let count = |n: i64| json!({"connection": "wms-01", "counts": [{"sku": "SKU-B", "node": "N01", "counted": n}]});
    let (_, first) = post(&client, format!("{base}/v1/reconciliations"), count(30)).await;
    assert_eq!(first["open"], 1);
    let (_, second) = post(&client, format!("{base}/v1/reconciliations"), count(11)).await;
    assert_eq!(second["auto_adjusted"], 1);
    let open: Value = client
        .get(format!("{base}/v1/discrepancies?status=open"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(open["items"].as_array().unwrap().is_empty(), "{open}");
    assert_eq!(on_hand(&client, &base, "SKU-B").await["N01"], 11);
}
