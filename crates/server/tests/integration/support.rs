//! The test harness shared by every module: configuration builders and a
//! running server with request helpers.

use std::path::Path;

use connectors::connector::Connector;
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
        region: None,
        handling_cost: None,
        package_cost: None,
        labour_units_per_hour: None,
    }
}

/// A connection of tenant `acme`, everything optional left out.
pub fn connection(kind: ConnectionKind, secret: Option<&str>, nodes: &[&str]) -> ConnectionConfig {
    ConnectionConfig {
        secret: secret.map(|s| Secret::generated(s.into())),
        nodes: nodes.iter().map(|n| NodeId::parse(n).unwrap()).collect(),
        ..ConnectionConfig::new(Connector::with_defaults(kind).expect("a kind with default settings"), acme())
    }
}

/// Tenant `acme` with nodes `DC-EAST` and `DC-WEST`, the test admin key, the store in `dir`.
pub fn base_config(dir: &Path) -> Config {
    let mut config = Config::default();
    config.server.data_dir = dir.to_path_buf();
    config.server.admin_key = Some(Secret::generated(KEY.into()));
    config.tenants.insert(acme(), TenantConfig::named("Acme"));
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
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    dir: tempfile::TempDir,
}

impl Harness {
    /// Starts a server on a fresh data directory with the configuration `config` builds for it.
    pub async fn start(config: impl FnOnce(&Path) -> Config) -> Harness {
        Self::start_in(tempfile::tempdir().unwrap(), config).await
    }

    /// Stops the server gracefully and starts it again on the same data
    /// directory, with a new configuration (a fixed mapping, say).
    pub async fn restart(mut self, config: impl FnOnce(&Path) -> Config) -> Harness {
        let _ = self.stop.send(true);
        let task = std::mem::replace(&mut self.task, tokio::spawn(async { Ok(()) }));
        task.await.unwrap().unwrap();
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap());
        drop(self);
        Self::start_in(dir, config).await
    }

    async fn start_in(dir: tempfile::TempDir, config: impl FnOnce(&Path) -> Config) -> Harness {
        let app = App::open(config(dir.path())).unwrap();
        let store = app.store.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, mut rx) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(server::serve(app, listener, async move {
            let _ = rx.wait_for(|s| *s).await;
        }));
        Harness {
            base,
            client: reqwest::Client::new(),
            store,
            stop,
            task,
            dir,
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

/// What a stand-in target does with the next calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Applies each idempotency key once (a repeat answers 200 with no effect).
    Accept,
    /// Answers every call with this status (and `Retry-After: 1` for 429).
    Status(u16),
}

/// One call a stand-in target applied.
#[derive(Debug, Clone)]
pub struct Applied {
    pub key: String,
    pub path: String,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

#[derive(Default)]
struct ReceiverState {
    mode: Option<Mode>,
    applied: Vec<Applied>,
    calls: u64,
    repeats: u64,
}

/// A stand-in for an external system's API on loopback: records the calls it
/// applies, deduplicates by `Idempotency-Key` as real targets do, and can be
/// taken down (connections refused) and brought back on the same port.
pub struct Receiver {
    pub base: String,
    addr: std::net::SocketAddr,
    state: std::sync::Arc<parking_lot::Mutex<ReceiverState>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut receiver = Receiver {
            base: format!("http://{addr}"),
            addr,
            state: Default::default(),
            task: None,
        };
        receiver.serve(listener);
        receiver
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        use axum::extract::{Request, State};
        let state = self.state.clone();
        let app = axum::Router::new().fallback(
            |State(state): State<std::sync::Arc<parking_lot::Mutex<ReceiverState>>>, request: Request| async move {
                use axum::response::IntoResponse;
                let (parts, body) = request.into_parts();
                let bytes = axum::body::to_bytes(body, 1 << 24).await.unwrap();
                let key = parts
                    .headers
                    .get("idempotency-key")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                let mut s = state.lock();
                s.calls += 1;
                match s.mode.unwrap_or(Mode::Accept) {
                    Mode::Status(429) => (axum::http::StatusCode::TOO_MANY_REQUESTS, [("retry-after", "1")], "slow down").into_response(),
                    Mode::Status(code) => {
                        let status = axum::http::StatusCode::from_u16(code).unwrap();
                        (status, format!("{{\"errors\": \"refused with {code}\"}}")).into_response()
                    }
                    Mode::Accept if s.applied.iter().any(|a| a.key == key) => {
                        s.repeats += 1;
                        axum::http::StatusCode::OK.into_response()
                    }
                    Mode::Accept => {
                        let mut headers = reqwest::header::HeaderMap::new();
                        for (name, value) in &parts.headers {
                            headers.insert(
                                reqwest::header::HeaderName::from_bytes(name.as_str().as_bytes()).unwrap(),
                                reqwest::header::HeaderValue::from_bytes(value.as_bytes()).unwrap(),
                            );
                        }
                        s.applied.push(Applied {
                            key,
                            path: parts.uri.path().to_owned(),
                            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
                            headers,
                        });
                        axum::http::StatusCode::CREATED.into_response()
                    }
                }
            },
        );
        let app = app.with_state(state);
        self.task = Some(tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        }));
    }

    pub fn set_mode(&self, mode: Mode) {
        self.state.lock().mode = Some(mode);
    }

    /// Stops listening: calls now fail with "connection refused".
    pub async fn down(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }

    /// Listens again on the same port.
    pub async fn up(&mut self) {
        let listener = loop {
            match tokio::net::TcpListener::bind(self.addr).await {
                Ok(l) => break l,
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
            }
        };
        self.serve(listener);
    }

    pub fn applied(&self) -> Vec<Applied> {
        self.state.lock().applied.clone()
    }

    /// (calls received, calls that repeated an applied key)
    pub fn counts(&self) -> (u64, u64) {
        let s = self.state.lock();
        (s.calls, s.repeats)
    }
}

/// Polls `check` every 100 ms until it holds, failing with `what` after `within`.
pub async fn eventually<F, Fut>(within: std::time::Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + within;
    while !check().await {
        assert!(std::time::Instant::now() < deadline, "not within {within:?}: {what}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// A canonical `order.created` for `quantity` of SKU-1, from Ada Lovelace, shipping to `zip`.
pub fn ada_order(id: &str, quantity: i64, zip: &str) -> Value {
    serde_json::json!({"event_id": format!("ev-{id}"), "source": "oms", "occurred_at": "2026-05-15T10:00:00Z", "type": "order.created",
           "data": {"order_id": id, "payment_state": "paid", "lines": [{"sku": "SKU-1", "quantity": quantity}],
                    "customer": {"email": "ada@example.com", "name": "Ada Lovelace"},
                    "ship_to": {"name": "Ada Lovelace", "line1": "1 Market St", "city": "Newark", "region": "NJ",
                                "postal_code": zip, "country": "US"}}})
}

/// A server releasing to a WMS stand-in that serves DC-EAST (Newark, 100 of
/// SKU-1) and DC-WEST (Reno, 3 of SKU-1); `governance` sets autonomy and policies.
pub async fn release_flow(governance: impl FnOnce(&mut Config)) -> (Harness, Receiver) {
    let wms = Receiver::start().await;
    let base = wms.base.clone();
    let h = Harness::start(move |dir| {
        let mut config = base_config(dir);
        for (id, lat, lon) in [("DC-EAST", 40.73, -74.17), ("DC-WEST", 39.53, -119.81)] {
            let node = config.nodes.get_mut(&NodeId::parse(id).unwrap()).unwrap();
            node.lat = Some(lat);
            node.lon = Some(lon);
        }
        let mut wms_conn = connection(ConnectionKind::Wms, Some("s"), &["DC-EAST", "DC-WEST"]);
        wms_conn.base_url = Some(base);
        config.connections.insert(model::ConnectionId::parse("wms").unwrap(), wms_conn);
        governance(&mut config);
        config
    })
    .await;
    h.stock("SKU-1", "DC-EAST", 100).await;
    h.stock("SKU-1", "DC-WEST", 3).await;
    (h, wms)
}
