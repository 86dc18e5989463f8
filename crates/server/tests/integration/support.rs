//! The test harness shared by every module: configuration builders and a
//! running server with request helpers.

use std::path::Path;

use model::node::NodeKind;
use model::tenant::ConnectionKind;
use model::{NodeId, TenantId};
use serde_json::Value;
use server::config::{ConnectionConfig, NodeConfig, TenantConfig};
use server::{App, Config, Secret};

pub const KEY: &str = "test-admin-key";

pub fn acme() -> TenantId {
    TenantId::parse("acme").unwrap()
}

/// A DC of tenant `acme` with no location or capabilities.
pub fn node() -> NodeConfig {
    NodeConfig {
        tenant: acme(),
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

/// A connection of tenant `acme`, everything optional left out.
pub fn connection(kind: ConnectionKind, secret: Option<&str>, nodes: &[&str]) -> ConnectionConfig {
    ConnectionConfig {
        kind,
        tenant: acme(),
        secret: secret.map(|s| Secret::generated(s.into())),
        previous_secret: None,
        nodes: nodes.iter().map(|n| NodeId::parse(n).unwrap()).collect(),
        mapping: None,
        base_url: None,
        subscribe: vec![],
        reconcile: None,
        atp_buffer: 0,
    }
}

/// Tenant `acme` with nodes `DC-EAST` and `DC-WEST`, the test admin key, the store in `dir`.
pub fn base_config(dir: &Path) -> Config {
    let mut config = Config::default();
    config.server.data_dir = dir.to_path_buf();
    config.server.admin_key = Some(Secret::generated(KEY.into()));
    config.tenants.insert(acme(), TenantConfig { name: "Acme".into() });
    for id in ["DC-EAST", "DC-WEST"] {
        config.nodes.insert(NodeId::parse(id).unwrap(), node());
    }
    config
}

/// A running server on a free loopback port, stopped when dropped.
pub struct Harness {
    pub base: String,
    pub client: reqwest::Client,
    pub store: store::Store,
    stop: tokio::sync::watch::Sender<bool>,
    _dir: tempfile::TempDir,
}

impl Harness {
    /// Starts a server on a fresh data directory with the configuration `config` builds for it.
    pub async fn start(config: impl FnOnce(&Path) -> Config) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let app = App::open(config(dir.path())).unwrap();
        let store = app.store.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, mut rx) = tokio::sync::watch::channel(false);
        tokio::spawn(server::serve(app, listener, async move {
            let _ = rx.wait_for(|s| *s).await;
        }));
        Harness {
            base,
            client: reqwest::Client::new(),
            store,
            stop,
            _dir: dir,
        }
    }

    async fn answer(response: reqwest::Response) -> (u16, Value) {
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// POSTs JSON with the admin key.
    pub async fn post(&self, path: impl AsRef<str>, body: Value) -> (u16, Value) {
        Self::answer(
            self.client
                .post(format!("{}{}", self.base, path.as_ref()))
                .bearer_auth(KEY)
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// POSTs a raw body (possibly not JSON) to `/v1/events`.
    pub async fn post_events(&self, body: &str) -> (u16, Value) {
        let request = self
            .client
            .post(format!("{}/v1/events", self.base))
            .bearer_auth(KEY)
            .header("content-type", "application/json");
        Self::answer(request.body(body.to_owned()).send().await.unwrap()).await
    }

    /// GETs with the admin key.
    pub async fn get(&self, path: impl AsRef<str>) -> (u16, Value) {
        Self::answer(
            self.client
                .get(format!("{}{}", self.base, path.as_ref()))
                .bearer_auth(KEY)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn inventory(&self, sku: &str) -> Value {
        self.get(format!("/v1/inventory/{sku}")).await.1
    }

    /// A warehouse count of `sku` at `node`.
    pub async fn stock(&self, sku: &str, node: &str, on_hand: i64) {
        let (status, body) = self
            .post(
                "/v1/events",
                serde_json::json!({"events": [{"event_id": format!("count-{sku}-{node}-{on_hand}"), "source": "wms", "occurred_at": "2026-05-15T10:00:00Z",
                    "type": "inventory.snapshot", "data": {"sku": sku, "node": node, "on_hand": on_hand}}]}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }

    /// Events in the log (a count on disk).
    pub fn events(&self) -> u64 {
        self.store.event_count().unwrap()
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
