//! `crossdock.toml`: one typed configuration. Precedence: defaults <
//! the file < `CROSSDOCK_*` environment variables < command-line flags.
//! Unknown keys are errors. Secrets come only from `env:NAME` or `file:PATH`.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use connectors::connector::Connector;
use connectors::wms::mapping::Mapping;
use engine::governance::{Autonomy, Workflow};
use model::node::{Capability, Cutoff, NodeKind};
use model::tenant::ConnectionKind;
use model::{ConnectionId, NodeId, TenantId};
use serde::{Deserialize, Deserializer};

/// A configuration problem, naming the key at fault.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {key}: {message}")]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

fn config_error(key: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError {
        key: key.into(),
        message: message.into(),
    }
}

/// A secret value. Never printed; read from `env:NAME` or `file:PATH`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Resolves `env:NAME` or `file:PATH`; a literal is refused so secrets
    /// never sit in a config file that gets committed or shared.
    pub fn resolve(raw: &str) -> Result<Secret, String> {
        if let Some(name) = raw.strip_prefix("env:") {
            return match std::env::var(name) {
                Ok(v) if !v.is_empty() => Ok(Secret(v)),
                _ => Err(format!("environment variable `{name}` is not set")),
            };
        }
        if let Some(path) = raw.strip_prefix("file:") {
            return std::fs::read_to_string(path)
                .map(|v| Secret(v.trim_end_matches(['\n', '\r']).to_owned()))
                .map_err(|e| format!("cannot read secret file `{path}`: {e}"));
        }
        Err("a secret must be given as `env:NAME` or `file:PATH`, never inline".into())
    }

    /// For values generated in-process (the demo), never from files.
    pub fn generated(value: String) -> Secret {
        Secret(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Secret::resolve(&raw).map_err(serde::de::Error::custom)
    }
}

/// A duration written as `30s`, `5m`, `250ms`, `1h`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span(pub Duration);

impl Span {
    pub fn parse(raw: &str) -> Result<Span, String> {
        let raw = raw.trim();
        let split = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
        let (n, unit) = raw.split_at(split);
        let n: u64 = n.parse().map_err(|_| format!("`{raw}` is not a duration like `30s`"))?;
        let d = match unit {
            "ms" => Duration::from_millis(n),
            "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(n * 60),
            "h" => Duration::from_secs(n * 3600),
            _ => return Err(format!("`{raw}`: unit must be ms, s, m or h")),
        };
        Ok(Span(d))
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Span::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A size written as `512KiB`, `8MiB`, `1GiB` or plain bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size(pub usize);

impl Size {
    pub fn parse(raw: &str) -> Result<Size, String> {
        let raw = raw.trim();
        let split = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
        let (n, unit) = raw.split_at(split);
        let n: usize = n.parse().map_err(|_| format!("`{raw}` is not a size like `8MiB`"))?;
        let mult = match unit {
            "" | "B" => 1,
            "KiB" => 1 << 10,
            "MiB" => 1 << 20,
            "GiB" => 1 << 30,
            _ => return Err(format!("`{raw}`: unit must be B, KiB, MiB or GiB")),
        };
        Ok(Size(n * mult))
    }
}

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Size::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Address the HTTP API listens on.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// Directory of the embedded store (SQLite log, snapshots).
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    /// Bootstrap admin API key, sent as `Authorization: Bearer <key>`.
    pub admin_key: Option<Secret>,
    /// Largest request body accepted; larger bodies get 413.
    #[serde(default = "default_max_body")]
    pub max_body: Size,
    /// Most events in one `POST /v1/events` batch.
    #[serde(default = "default_max_batch")]
    pub max_batch_events: usize,
    /// Requests taking longer are answered 503 (the work already durable stays).
    #[serde(default = "default_timeout")]
    pub request_timeout: Span,
    /// Webhooks taking longer are answered 503, inside the senders' own
    /// budgets (Shopify waits 5 s), so they retry rather than count a timeout.
    #[serde(default = "default_webhook_timeout")]
    pub webhook_timeout: Span,
    /// Projection snapshot after this many events.
    #[serde(default = "default_snapshot_every")]
    pub snapshot_every: u64,
    /// How long an outbound `inventory.atp_changed` waits for later changes to
    /// the same SKU and node, so a burst sends the latest value once.
    #[serde(default = "default_coalesce")]
    pub atp_coalesce_window: Span,
}

fn default_listen() -> SocketAddr {
    "127.0.0.1:8080".parse().expect("valid default")
}
fn default_data_dir() -> PathBuf {
    PathBuf::from("./crossdock-data")
}
fn default_max_body() -> Size {
    Size(8 << 20)
}
fn default_max_batch() -> usize {
    10_000
}
fn default_timeout() -> Span {
    Span(Duration::from_secs(30))
}
fn default_webhook_timeout() -> Span {
    Span(Duration::from_secs(4))
}
fn default_snapshot_every() -> u64 {
    1_000_000
}
fn default_coalesce() -> Span {
    Span(Duration::from_millis(250))
}

/// Outbound message kinds a connection may subscribe to.
pub const SUBSCRIPTIONS: &[&str] = &["inventory.atp_changed"];

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: default_listen(),
            data_dir: default_data_dir(),
            admin_key: None,
            max_body: default_max_body(),
            max_batch_events: default_max_batch(),
            request_timeout: default_timeout(),
            webhook_timeout: default_webhook_timeout(),
            snapshot_every: default_snapshot_every(),
            atp_coalesce_window: default_coalesce(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantConfig {
    /// Display name.
    pub name: String,
    /// Where the tenant ships from (ISO 3166-1 alpha-2): other countries are
    /// international for triage. Default `US`.
    #[serde(default = "default_country")]
    pub country: String,
    /// Orders worth at least this much are flagged `high_value` by triage,
    /// e.g. `{ amount = "1000", currency = "USD" }`.
    #[serde(default)]
    pub high_value: Option<model::Money>,
    /// Payments are captured when the order ships, so an `authorized`
    /// payment is not a hold.
    #[serde(default)]
    pub capture_on_shipment: bool,
    /// Autonomy per workflow for this tenant, over `[governance.autonomy]`,
    /// e.g. `release = { mode = "auto", min_confidence = 0.8, max_cost = 50.0 }`.
    #[serde(default)]
    pub autonomy: BTreeMap<Workflow, Autonomy>,
}

impl TenantConfig {
    /// A tenant with this display name and every other setting at its default.
    pub fn named(name: impl Into<String>) -> Self {
        TenantConfig {
            name: name.into(),
            country: default_country(),
            high_value: None,
            capture_on_shipment: false,
            autonomy: BTreeMap::new(),
        }
    }
}

fn default_country() -> String {
    "US".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    pub tenant: TenantId,
    pub kind: NodeKind,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default)]
    pub capabilities: Vec<Capability>,
    #[serde(default)]
    pub cutoffs: Vec<Cutoff>,
    #[serde(default)]
    pub capacity_units_per_day: Option<u32>,
    /// Region label for access scopes (a key scoped to `regions = ["east"]`
    /// sees this node's orders and stock), e.g. `east`.
    #[serde(default)]
    pub region: Option<String>,
    /// Units an hour the floor picks, for release waves (default 200).
    #[serde(default)]
    pub labour_units_per_hour: Option<f64>,
    /// Planning cost of picking and packing one package here (default 1.0).
    #[serde(default)]
    pub handling_cost: Option<f64>,
    /// Planning cost of one package from here: box and the carrier's base
    /// rate (default 6.0).
    #[serde(default)]
    pub package_cost: Option<f64>,
}

/// `[connections.X]`. `kind` picks the connector (see
/// [`connectors::connector::Connector`]); the settings of that kind sit in the
/// same table beside these common ones. Unknown keys are refused by the
/// kind's settings.
#[derive(Debug, Clone, Deserialize)]
pub struct ConnectionConfig {
    /// The kind and its own settings.
    #[serde(flatten)]
    pub connector: Connector,
    pub tenant: TenantId,
    /// Webhook signing secret (HMAC). Required for inbound webhooks.
    #[serde(default)]
    pub secret: Option<Secret>,
    /// The previous secret, still accepted while a rotation is under way.
    #[serde(default)]
    pub previous_secret: Option<Secret>,
    /// Nodes this connection reports for (WMS); events for other nodes are refused.
    #[serde(default)]
    pub nodes: Vec<NodeId>,
    /// Base URL for outbound calls.
    #[serde(default)]
    pub base_url: Option<String>,
    /// Outbound message kinds this connection receives, e.g. `["inventory.atp_changed"]`.
    #[serde(default)]
    pub subscribe: Vec<String>,
    /// Channel safety buffer: units kept back from the ATP this connection is told
    /// (a marketplace that syncs slowly sells fewer than are there).
    #[serde(default)]
    pub atp_buffer: i64,
    /// Inventory reconciliation against this WMS's counts.
    #[serde(default)]
    pub reconcile: Option<ReconcileConfig>,
    /// Credential for outbound calls (`Authorization: Bearer …`, or the
    /// header the target's API uses, e.g. `X-Shopify-Access-Token`).
    #[serde(default)]
    pub api_token: Option<Secret>,
    /// How outbound messages are delivered to `base_url`.
    #[serde(default)]
    pub dispatch: DispatchConfig,
    /// The vendor mapping of a `wms` connection, loaded from its `mapping`
    /// file by [`Config::load_mappings`].
    #[serde(skip)]
    pub mapping: Option<Arc<Mapping>>,
}

/// `[connections.X.dispatch]`: retries, limits and the circuit breaker of
/// this connection's outbound dispatcher.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DispatchConfig {
    /// Calls in flight at once.
    pub concurrency: usize,
    /// Most calls started per second (a token bucket; bursts up to `concurrency`).
    pub rate_per_second: f64,
    /// Per-call timeout.
    pub timeout: Span,
    /// A message still failing after this many attempts becomes a dead letter.
    pub max_attempts: u32,
    /// …or once it has waited this long.
    pub max_age: Span,
    /// First retry delay; doubled per attempt, with jitter, up to `backoff_max`.
    pub backoff_base: Span,
    pub backoff_max: Span,
    /// Consecutive failed calls that open the circuit breaker.
    pub breaker_failures: u32,
    /// How long the breaker stays open before one probe call is let through.
    pub breaker_cooldown: Span,
}

impl DispatchConfig {
    fn validate(&self, key: &str) -> Result<(), ConfigError> {
        let bad = |field: &str, why: &str| Err(config_error(format!("{key}.{field}"), why));
        if self.concurrency == 0 || self.concurrency > 256 {
            return bad("concurrency", "between 1 and 256 calls in flight");
        }
        if !(self.rate_per_second > 0.0 && self.rate_per_second.is_finite()) {
            return bad("rate_per_second", "a rate above 0 calls per second");
        }
        if self.max_attempts == 0 {
            return bad("max_attempts", "at least 1 attempt");
        }
        if self.breaker_failures == 0 {
            return bad("breaker_failures", "at least 1 failure");
        }
        if self.backoff_base.0 > self.backoff_max.0 {
            return bad("backoff_base", "not longer than backoff_max");
        }
        if self.timeout.0.is_zero() {
            return bad("timeout", "longer than 0s");
        }
        Ok(())
    }
}

impl Default for DispatchConfig {
    fn default() -> Self {
        DispatchConfig {
            concurrency: 4,
            rate_per_second: 50.0,
            timeout: Span(Duration::from_secs(10)),
            max_attempts: 12,
            max_age: Span(Duration::from_secs(24 * 3600)),
            backoff_base: Span(Duration::from_millis(500)),
            backoff_max: Span(Duration::from_secs(300)),
            breaker_failures: 5,
            breaker_cooldown: Span(Duration::from_secs(15)),
        }
    }
}

/// `[connections.X.reconcile]`: how counts from this WMS are reconciled.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReconcileConfig {
    /// A count within this many units of crossdock's number is applied without review.
    #[serde(default)]
    pub tolerance_units: i64,
    /// …or within this percentage of it.
    #[serde(default)]
    pub tolerance_percent: f64,
    /// Pull counts from `{base_url}/inventory` this often (e.g. `1h`); unset: only on request.
    #[serde(default)]
    pub every: Option<Span>,
}

impl ReconcileConfig {
    pub fn tolerance(&self) -> model::inventory::Tolerance {
        model::inventory::Tolerance {
            units: self.tolerance_units,
            percent: self.tolerance_percent,
        }
    }
}

impl ConnectionConfig {
    /// A connection of `connector`'s kind for `tenant`, with everything else at its default.
    pub fn new(connector: Connector, tenant: TenantId) -> Self {
        ConnectionConfig {
            connector,
            tenant,
            secret: None,
            previous_secret: None,
            nodes: Vec::new(),
            base_url: None,
            subscribe: Vec::new(),
            atp_buffer: 0,
            reconcile: None,
            api_token: None,
            dispatch: DispatchConfig::default(),
            mapping: None,
        }
    }

    pub fn kind(&self) -> ConnectionKind {
        self.connector.kind()
    }

    /// Secrets accepted for inbound signatures, current first.
    pub fn secrets(&self) -> Vec<&[u8]> {
        [&self.secret, &self.previous_secret]
            .into_iter()
            .flatten()
            .map(|s| s.expose().as_bytes())
            .collect()
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub server: ServerConfig,
    #[serde(default)]
    pub tenants: BTreeMap<TenantId, TenantConfig>,
    #[serde(default)]
    pub nodes: BTreeMap<NodeId, NodeConfig>,
    #[serde(default)]
    pub connections: BTreeMap<ConnectionId, ConnectionConfig>,
    #[serde(default)]
    pub decisions: DecisionsConfig,
    #[serde(default)]
    pub governance: GovernanceConfig,
    #[serde(default)]
    pub auth: AuthConfig,
    #[serde(default)]
    pub service_desk: ServiceDeskConfig,
}

/// `[service_desk]`: proactive alerts, returns and the copilot.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceDeskConfig {
    /// Who exception and late-delivery alerts are written for: `rep` (a
    /// private note on the order's helpdesk ticket, or a new ticket) or
    /// `customer` (a public reply on the ticket, which the helpdesk e-mails).
    #[serde(default)]
    pub alert_audience: AlertAudience,
    /// Alerts proposed per tenant per hour at most; beyond it they wait for
    /// the next hour (counted in `crossdock_alerts_deferred_total`).
    #[serde(default = "default_alerts_per_hour")]
    pub alerts_per_hour: u32,
    /// Alert when an order is predicted to miss its promised date.
    #[serde(default = "default_true")]
    pub late_alerts: bool,
    /// A folder of Markdown policy and SOP documents the copilot quotes.
    #[serde(default)]
    pub policies: Option<PathBuf>,
    /// The return policy `POST /v1/returns` decides against.
    #[serde(default)]
    pub returns: engine::returns::ReturnPolicy,
    /// An OpenAI-compatible chat endpoint for the copilot (optional).
    #[serde(default)]
    pub llm: Option<assistant::llm::LlmConfig>,
}

impl Default for ServiceDeskConfig {
    fn default() -> Self {
        ServiceDeskConfig {
            alert_audience: AlertAudience::default(),
            alerts_per_hour: default_alerts_per_hour(),
            late_alerts: true,
            policies: None,
            returns: engine::returns::ReturnPolicy::default(),
            llm: None,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertAudience {
    #[default]
    Rep,
    Customer,
}

fn default_alerts_per_hour() -> u32 {
    200
}

fn default_true() -> bool {
    true
}

/// `[auth]`: credentials besides API keys and the bootstrap admin key.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// Bearer JWTs (OAuth2 client-credentials access tokens) from an identity
    /// provider, checked against this key set (`[auth.jwt]`).
    #[serde(default)]
    pub jwt: Option<crate::auth::JwtConfig>,
}

/// `[governance]`: how much crossdock may do alone, and the policies every
/// action to an external system must pass.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GovernanceConfig {
    /// Autonomy per workflow for every tenant (a tenant's own
    /// `[tenants.X.autonomy]` wins; `PUT /v1/autonomy/{workflow}` wins over
    /// both). A workflow not listed runs in `shadow`.
    #[serde(default)]
    pub autonomy: BTreeMap<Workflow, Autonomy>,
    /// Declarative policies (`[[governance.policies]]`), checked in order.
    #[serde(default)]
    pub policies: Vec<engine::governance::Policy>,
    /// A review item older than this is overdue (shown in the queue).
    #[serde(default = "default_review_sla")]
    pub review_sla: Span,
}

impl Default for GovernanceConfig {
    fn default() -> Self {
        GovernanceConfig {
            autonomy: BTreeMap::new(),
            policies: Vec::new(),
            review_sla: default_review_sla(),
        }
    }
}

fn default_review_sla() -> Span {
    Span(Duration::from_secs(4 * 3600))
}

/// `[decisions]`: the models the decision pipeline uses.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionsConfig {
    /// A risk model trained with `crossdock train risk --out FILE`; unset: the
    /// model shipped in the binary.
    #[serde(default)]
    pub risk_model: Option<PathBuf>,
}

/// Overrides from the command line (highest precedence).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
}

impl Config {
    /// Reads the file (if any), applies `CROSSDOCK_*` variables, then flags.
    pub fn load(path: Option<&Path>, overrides: &Overrides) -> Result<Config, ConfigError> {
        let mut config = match path {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| config_error(path.display().to_string(), e.to_string()))?;
                Config::parse(&text)?
            }
            None => Config::default(),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        if let Some(listen) = overrides.listen {
            config.server.listen = listen;
        }
        if let Some(dir) = &overrides.data_dir {
            config.server.data_dir = dir.clone();
        }
        config.validate()?;
        let base = path.and_then(Path::parent).unwrap_or(Path::new("."));
        config.load_mappings(base)?;
        Ok(config)
    }

    /// Reads and checks the mapping file of every vendor-mapped WMS
    /// connection not loaded yet; relative paths are relative to `base` (the
    /// configuration file's directory).
    pub fn load_mappings(&mut self, base: &Path) -> Result<(), ConfigError> {
        for (id, conn) in self.connections.iter_mut() {
            let Connector::Wms(settings) = &conn.connector else { continue };
            let Some(file) = settings.mapping_path() else { continue };
            if conn.mapping.is_some() {
                continue;
            }
            let path = base.join(file);
            let key = format!("connections.{id}.mapping");
            let text = std::fs::read_to_string(&path).map_err(|e| config_error(&key, format!("cannot read {}: {e}", path.display())))?;
            let mapping = Mapping::parse(&text).map_err(|e| config_error(&key, format!("{}: {e}", path.display())))?;
            conn.mapping = Some(Arc::new(mapping));
        }
        Ok(())
    }

    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let de = toml::Deserializer::parse(text).map_err(|e| config_error("(file)", e.to_string()))?;
        serde_path_to_error::deserialize(de).map_err(|e| config_error(e.path().to_string(), e.inner().message().to_owned()))
    }

    /// `CROSSDOCK_LISTEN`, `CROSSDOCK_DATA_DIR`, `CROSSDOCK_ADMIN_KEY`.
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        if let Some(listen) = var("CROSSDOCK_LISTEN") {
            self.server.listen = listen
                .parse()
                .map_err(|_| config_error("CROSSDOCK_LISTEN", format!("`{listen}` is not an address like 127.0.0.1:8080")))?;
        }
        if let Some(dir) = var("CROSSDOCK_DATA_DIR") {
            self.server.data_dir = PathBuf::from(dir);
        }
        if let Some(key) = var("CROSSDOCK_ADMIN_KEY").filter(|k| !k.is_empty()) {
            self.server.admin_key = Some(Secret(key));
        }
        Ok(())
    }

    /// Cross-references: every node and connection names a configured tenant,
    /// every connection node exists and belongs to the same tenant.
    pub fn validate(&self) -> Result<(), ConfigError> {
        for (id, tenant) in &self.tenants {
            if let Err(e) = engine::triage::CountryCode::parse(&tenant.country) {
                return Err(config_error(format!("tenants.{id}.country"), e.message));
            }
            for (workflow, autonomy) in &tenant.autonomy {
                autonomy
                    .validate()
                    .map_err(|e| config_error(format!("tenants.{id}.autonomy.{}", workflow.as_str()), e.to_string()))?;
            }
        }
        for (workflow, autonomy) in &self.governance.autonomy {
            autonomy
                .validate()
                .map_err(|e| config_error(format!("governance.autonomy.{}", workflow.as_str()), e.to_string()))?;
        }
        if let Some(jwt) = &self.auth.jwt {
            crate::auth::JwtVerifier::new(jwt).map_err(|e| config_error("auth.jwt", e))?;
        }
        engine::governance::validate_policies(&self.governance.policies)
            .map_err(|e| config_error(format!("governance.{}", e.field().unwrap_or("policies")), e.to_string()))?;
        self.service_desk
            .returns
            .validate()
            .map_err(|e| config_error(format!("service_desk.returns.{}", e.field().unwrap_or("")), e.to_string()))?;
        if let Some(llm) = &self.service_desk.llm {
            llm.validate().map_err(|e| config_error("service_desk.llm", e.to_string()))?;
        }
        for (id, node) in &self.nodes {
            if !self.tenants.contains_key(&node.tenant) {
                return Err(config_error(
                    format!("nodes.{id}.tenant"),
                    format!("tenant `{}` is not configured under [tenants]", node.tenant),
                ));
            }
        }
        for (id, conn) in &self.connections {
            if !self.tenants.contains_key(&conn.tenant) {
                return Err(config_error(
                    format!("connections.{id}.tenant"),
                    format!("tenant `{}` is not configured under [tenants]", conn.tenant),
                ));
            }
            for node in &conn.nodes {
                match self.nodes.get(node) {
                    None => {
                        return Err(config_error(
                            format!("connections.{id}.nodes"),
                            format!("node `{node}` is not configured under [nodes]"),
                        ));
                    }
                    Some(n) if n.tenant != conn.tenant => {
                        return Err(config_error(
                            format!("connections.{id}.nodes"),
                            format!("node `{node}` belongs to tenant `{}`", n.tenant),
                        ));
                    }
                    Some(_) => {}
                }
            }
            if let Some(bad) = conn.subscribe.iter().find(|s| !SUBSCRIPTIONS.contains(&s.as_str())) {
                return Err(config_error(
                    format!("connections.{id}.subscribe"),
                    format!("`{bad}` is not a message kind; known: {}", SUBSCRIPTIONS.join(", ")),
                ));
            }
            if let Some(url) = &conn.base_url
                && !url.starts_with("http://")
            {
                return Err(config_error(
                    format!("connections.{id}.base_url"),
                    format!(
                        "`{url}`: outbound calls speak plain http:// in this build; put a TLS-terminating proxy in front of an https endpoint"
                    ),
                ));
            }
            if conn.atp_buffer < 0 {
                return Err(config_error(format!("connections.{id}.atp_buffer"), "a buffer is 0 or more units"));
            }
            conn.dispatch.validate(&format!("connections.{id}.dispatch"))?;
            if let Err((field, message)) = conn.connector.validate() {
                return Err(config_error(format!("connections.{id}.{field}"), message));
            }
            if let Some(r) = &conn.reconcile {
                if conn.kind() != ConnectionKind::Wms {
                    return Err(config_error(
                        format!("connections.{id}.reconcile"),
                        "only a wms connection can be reconciled",
                    ));
                }
                if r.every.is_some() && conn.base_url.is_none() {
                    return Err(config_error(
                        format!("connections.{id}.reconcile.every"),
                        "periodic reconciliation pulls counts from `base_url`, which is not set",
                    ));
                }
                if r.tolerance_units < 0 || !(0.0..=100.0).contains(&r.tolerance_percent) {
                    return Err(config_error(
                        format!("connections.{id}.reconcile"),
                        "tolerances are 0 or more units and 0 to 100 percent",
                    ));
                }
            }
            if conn.connector.needs_webhook_secret() && conn.secret.is_none() {
                return Err(config_error(
                    format!("connections.{id}.secret"),
                    "a webhook connection needs a signing secret",
                ));
            }
        }
        Ok(())
    }

    /// The tenant assumed when a request names none: the only one configured.
    pub fn default_tenant(&self) -> Option<&TenantId> {
        match self.tenants.len() {
            1 => self.tenants.keys().next(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_refused_with_their_path() {
        let err = Config::parse("[server]\nlisten = \"127.0.0.1:9\"\nlisen = 1\n").unwrap_err();
        assert!(err.key.contains("server"), "{err}");
        assert!(err.message.contains("lisen"), "{err}");
    }

    #[test]
    fn inline_secrets_are_refused() {
        let err = Config::parse("[server]\nadmin_key = \"hunter2\"\n").unwrap_err();
        assert_eq!(err.key, "server.admin_key");
        assert!(err.message.contains("env:NAME"));
    }

    #[test]
    fn file_secrets_are_read_and_never_printed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        std::fs::write(&path, "s3cret\n").unwrap();
        let config = Config::parse(&format!("[server]\nadmin_key = \"file:{}\"\n", path.display())).unwrap();
        let key = config.server.admin_key.unwrap();
        assert_eq!(key.expose(), "s3cret");
        assert_eq!(format!("{key:?}"), "Secret(***)");
    }

    #[test]
    fn env_overrides_file_and_flags_override_env() {
        let mut config = Config::parse("[server]\nlisten = \"127.0.0.1:1000\"\n").unwrap();
        config
            .apply_env(|n| (n == "CROSSDOCK_LISTEN").then(|| "127.0.0.1:2000".to_owned()))
            .unwrap();
        assert_eq!(config.server.listen.port(), 2000);
    }

    #[test]
    fn example_config_parses() {
        let dir = tempfile::tempdir().unwrap();
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../crossdock.example.toml")).unwrap();
        // The example names env: secrets; point them at files for the test.
        let secret = dir.path().join("secret");
        std::fs::write(&secret, "an-example-secret-of-thirty-two-bytes-or-more").unwrap();
        let text = text
            .lines()
            .map(|l| match l.split_once("= \"env:") {
                Some((k, _)) => format!("{k}= \"file:{}\"", secret.display()),
                None => l.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("\n");
        let config = Config::parse(&text).unwrap();
        config.validate().unwrap();
        assert!(!config.nodes.is_empty() && !config.connections.is_empty());
        assert!(config.auth.jwt.is_some() && !config.governance.policies.is_empty());
        assert_eq!(config.service_desk.returns.tiers.get("vip"), Some(&30));
        let policies = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join(config.service_desk.policies.unwrap());
        assert!(assistant::retrieval::Library::load(&policies).is_ok(), "{}", policies.display());
        // The commented-out model endpoint is valid as written.
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let start = lines.iter().position(|l| l == "# [service_desk.llm]").expect("the llm example");
        for line in lines.iter_mut().skip(start).take_while(|l| l.starts_with('#')) {
            *line = line.trim_start_matches("# ").to_owned();
        }
        let with_llm = Config::parse(&lines.join("\n")).unwrap();
        with_llm.validate().unwrap();
        assert_eq!(with_llm.service_desk.llm.unwrap().model, "qwen2.5-7b-instruct");
    }

    #[test]
    fn sizes_and_spans() {
        assert_eq!(Size::parse("8MiB").unwrap().0, 8 << 20);
        assert_eq!(Span::parse("250ms").unwrap().0, Duration::from_millis(250));
        assert!(Span::parse("5 parsecs").is_err());
    }
}
