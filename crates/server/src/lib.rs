//! The crossdock HTTP API: canonical events, webhooks, order queries,
//! health, metrics, the OpenAPI document and the dashboard.

mod access;
mod alerts;
mod ask;
mod audit;
pub mod auth;
pub mod config;
mod connections;
mod dashboard;
pub mod dispatch;
mod error;
pub mod gateway;
mod ingest;
mod inventory;
mod keys;
mod metrics_setup;
mod outbox;
mod pipeline;
mod plan;
mod proposals;
mod reconcile;
mod release;
mod returns;
mod reviews;
mod routes;
pub mod seed;
mod tracking;
mod training;
mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use sha2::Digest;
use tokio::net::TcpListener;

pub use config::{Config, Overrides, Secret};
pub use error::ApiError;

/// Shared state of every request handler.
#[derive(Clone)]
pub struct App {
    pub config: Arc<Config>,
    pub store: store::Store,
    pub started: jiff::Timestamp,
    /// ISA13/GS06 of the next acknowledgement crossdock sends. Seeded from the
    /// clock so numbers keep rising across restarts.
    edi_control: Arc<std::sync::atomic::AtomicU32>,
    /// The fraud risk model the pipeline scores with.
    pub risk_model: Arc<engine::risk::RiskModel>,
    /// Autonomy and policies: every action to an external system passes here.
    pub gateway: Arc<gateway::Gateway>,
    /// Credentials verified recently.
    pub(crate) access: Arc<access::Access>,
    /// Transit times learned from deliveries: the pipeline updates it, ETAs read it.
    pub transit: Arc<parking_lot::RwLock<engine::carrier::TransitModel>>,
    /// What the copilot resolves names against, per tenant.
    pub(crate) vocabularies: Arc<ask::vocab::Vocabularies>,
    /// The policy and SOP documents the copilot quotes (`[service_desk] policies`).
    pub(crate) policies: Option<Arc<assistant::retrieval::Library>>,
    /// The copilot's model endpoint (`[service_desk.llm]`), if configured.
    pub(crate) llm: Option<Arc<assistant::llm::LlmClient>>,
}

impl App {
    /// Opens the store named by the configuration. Mapping files not loaded
    /// yet (a configuration built in code) are read relative to the working
    /// directory.
    pub fn open(mut config: Config) -> Result<App, store::Error> {
        config
            .load_mappings(std::path::Path::new("."))
            .map_err(|e| store::Error::Invalid(e.to_string()))?;
        let mut options = store::Options::new(&config.server.data_dir);
        options.snapshot_every = config.server.snapshot_every;
        options.coalesce_window = config.server.atp_coalesce_window.0;
        options.atp_subscribers = config
            .connections
            .iter()
            .filter(|(_, c)| c.subscribe.iter().any(|s| s == "inventory.atp_changed"))
            .map(|(id, c)| store::AtpSubscriber {
                tenant: c.tenant.to_string(),
                connection: id.to_string(),
                buffer: c.atp_buffer,
            })
            .collect();
        let risk_model = match &config.decisions.risk_model {
            None => engine::risk::RiskModel::default_model().clone(),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| store::Error::Invalid(format!("decisions.risk_model: cannot read {}: {e}", path.display())))?;
                engine::risk::RiskModel::from_json(&text)
                    .map_err(|e| store::Error::Invalid(format!("decisions.risk_model: {}: {e}", path.display())))?
            }
        };
        let access = access::Access::new(&config).map_err(store::Error::Invalid)?;
        let store = store::Store::open(options)?;
        let gateway = gateway::Gateway::load(&store)?;
        let transit = pipeline::saved_transit(&store);
        let policies = match &config.service_desk.policies {
            None => None,
            Some(dir) => Some(Arc::new(
                assistant::retrieval::Library::load(dir).map_err(|e| store::Error::Invalid(format!("service_desk.policies: {e}")))?,
            )),
        };
        let llm = match &config.service_desk.llm {
            None => None,
            Some(llm) => Some(Arc::new(
                assistant::llm::LlmClient::new(llm.clone()).map_err(|e| store::Error::Invalid(format!("service_desk.{e}")))?,
            )),
        };
        let seed = (jiff::Timestamp::now().as_second() % 900_000_000) as u32 + 1;
        Ok(App {
            config: Arc::new(config),
            store,
            started: jiff::Timestamp::now(),
            edi_control: Arc::new(seed.into()),
            risk_model: Arc::new(risk_model),
            gateway: Arc::new(gateway),
            access: Arc::new(access),
            transit: Arc::new(parking_lot::RwLock::new(transit)),
            vocabularies: Arc::default(),
            policies,
            llm,
        })
    }

    /// The next acknowledgement control number (1 to 999,999,999).
    pub fn next_edi_control(&self) -> u32 {
        self.edi_control.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % 999_999_999 + 1
    }
}

/// An audit entry describing the configuration in force (no secrets).
fn config_audit(config: &Config) -> store::NewAudit {
    let autonomy = |map: &std::collections::BTreeMap<engine::governance::Workflow, engine::governance::Autonomy>| {
        map.iter()
            .map(|(w, a)| (w.as_str().to_owned(), serde_json::json!(a)))
            .collect::<serde_json::Map<_, _>>()
    };
    let detail = serde_json::json!({
        "tenants": config.tenants.iter().map(|(id, t)| (id.to_string(), serde_json::json!({"autonomy": autonomy(&t.autonomy)}))).collect::<serde_json::Map<_, _>>(),
        "nodes": config.nodes.keys().map(|n| n.to_string()).collect::<Vec<_>>(),
        "connections": config.connections.iter().map(|(id, c)| (id.to_string(), serde_json::json!(connectors::connector::kind_name(c.kind())))).collect::<serde_json::Map<_, _>>(),
        "autonomy": autonomy(&config.governance.autonomy),
        "policies": config.governance.policies,
        "jwt": config.auth.jwt.is_some(),
    });
    let digest = hex::encode(sha2::Sha256::digest(detail.to_string().as_bytes()));
    store::NewAudit {
        tenant: None,
        actor: "crossdock".into(),
        action: "config.loaded".into(),
        subject: Some(format!("config:{}", &digest[..16])),
        detail: serde_json::json!({"digest": digest, "config": detail}),
        sources: Vec::new(),
    }
}

/// The full router.
pub fn router(app: App) -> Router {
    let max_body = app.config.server.max_body.0;
    let timeout = app.config.server.request_timeout.0;
    routes::routes(app.config.server.webhook_timeout.0)
        .layer(axum::middleware::from_fn(metrics_setup::track))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| {
            axum::response::IntoResponse::into_response(ApiError::internal())
        }))
        .with_state(app)
}

/// Serves until `shutdown` resolves, then drains in-flight requests and
/// closes the store (flushing the log and writing a snapshot).
pub async fn serve(
    app: App,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    metrics_setup::install();
    let store = app.store.clone();
    // The configuration this process runs with, in the audit trail: a change
    // of autonomy, policies or connections in the file shows as a new digest.
    if let Err(e) = store.audit(vec![config_audit(&app.config)]).await {
        tracing::warn!(error = %e, "Could not audit the configuration in force.");
    }
    let upkeep = tokio::spawn(metrics_setup::upkeep(Duration::from_secs(5)));
    let reconcilers = reconcile::spawn_periodic(&app);
    let dispatchers = dispatch::spawn(&app);
    let (stop_pipeline, pipeline_stopped) = tokio::sync::watch::channel(false);
    let pipeline = tokio::spawn(pipeline::run(app.clone(), pipeline_stopped));
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "Listening.");
    let result = axum::serve(listener, router(app)).with_graceful_shutdown(shutdown).await;
    upkeep.abort();
    reconcilers.iter().for_each(|r| r.abort());
    // Calls in flight finish and their outcomes are recorded before the log closes.
    dispatchers.stop().await;
    let _ = stop_pipeline.send(true);
    let _ = pipeline.await;
    tracing::info!("HTTP server drained; flushing the event log.");
    tokio::task::spawn_blocking(move || store.close()).await.ok();
    result
}
