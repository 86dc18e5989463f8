//! `crossdock demo`: the whole product on one machine with no setup — an
//! embedded store in a fresh directory, the API and dashboard, and the
//! simulators sending seeded traffic in their real wire formats.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use connectors::connector::Connector;
use model::node::{Capability, NodeKind};
use model::order::OrderStatus;
use model::tenant::ConnectionKind;
use model::{ConnectionId, NodeId, TenantId};
use server::config::{ConnectionConfig, NodeConfig, TenantConfig};
use server::{Config, Secret};

#[derive(clap::Args)]
pub struct Args {
    /// Address for the API and dashboard.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Storefront orders the simulators place.
    #[arg(long, default_value_t = 2_000)]
    orders: usize,
    /// Seed of the simulated traffic; the same seed gives the same traffic.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Deliveries (webhooks and API calls) sent per second.
    #[arg(long, default_value_t = 100.0)]
    rate: f64,
    /// Stop after this long (e.g. `90s`, `10m`); default: run until Ctrl-C.
    #[arg(long, value_parser = parse_span)]
    duration: Option<Duration>,
    /// Data directory; default: a new directory under the system temp dir.
    #[arg(long)]
    data: Option<PathBuf>,
}

fn parse_span(raw: &str) -> Result<Duration, String> {
    server::config::Span::parse(raw).map(|s| s.0)
}

/// The demo network: one tenant, two DCs with their own WMS, a storefront,
/// an ERP and a helpdesk, with the simulators' secrets.
/// With `shop_api`, the store's Admin API (the demo's stand-in) receives
/// every stock change as Shopify `inventory_levels/set` calls through the outbox.
pub fn demo_config(
    sim: &sim::SimConfig,
    admin_key: &str,
    data_dir: PathBuf,
    listen: SocketAddr,
    shop_api: Option<&str>,
) -> anyhow::Result<Config> {
    let mut config = Config::default();
    config.server.listen = listen;
    config.server.data_dir = data_dir;
    config.server.admin_key = Some(Secret::generated(admin_key.to_owned()));
    let tenant = TenantId::parse(&sim.tenant)?;
    config.tenants.insert(tenant.clone(), TenantConfig::named("Acme Retail (demo)"));
    let places = [
        ("DC-EAST", 40.73, -74.17, "America/New_York"),
        ("DC-WEST", 39.53, -119.81, "America/Los_Angeles"),
    ];
    for site in &sim.wms {
        let (_, lat, lon, tz) = places
            .iter()
            .find(|p| p.0 == site.node)
            .copied()
            .unwrap_or(("", 39.8, -98.6, "America/Chicago"));
        let node = NodeId::parse(&site.node)?;
        config.nodes.insert(
            node.clone(),
            NodeConfig {
                tenant: tenant.clone(),
                kind: NodeKind::Dc,
                name: Some(format!("{} distribution centre", site.node)),
                lat: Some(lat),
                lon: Some(lon),
                timezone: Some(tz.into()),
                capabilities: vec![Capability::Hazmat, Capability::GiftWrap, Capability::International],
                cutoffs: Vec::new(),
                capacity_units_per_day: Some(5_000),
                region: None,
                handling_cost: None,
                package_cost: None,
                labour_units_per_hour: None,
            },
        );
        config.connections.insert(
            ConnectionId::parse(&site.connection)?,
            connection(ConnectionKind::Wms, &tenant, Some(&site.secret), vec![node]),
        );
    }
    let mut shop = connection(ConnectionKind::Shopify, &tenant, Some(&sim.shop.secret), Vec::new());
    if let Some(api) = shop_api {
        // Shopify's ids for the demo's locations and inventory items.
        let mut sink = connectors::shopify::sink::SinkConfig::default();
        for (i, node) in config.nodes.keys().enumerate() {
            sink.locations.insert(node.clone(), 655_441_491 + i as u64);
        }
        let catalog = sim::catalog(sim);
        for (i, item) in catalog.iter().enumerate() {
            sink.inventory_items.insert(item.sku.clone(), 808_950_810 + i as u64);
        }
        // The service desk's seeded items are sold in the same store.
        for (i, sku) in assistant::seed::skus().enumerate() {
            if let Ok(sku) = model::Sku::parse(sku) {
                sink.inventory_items.insert(sku, 808_960_810 + i as u64);
            }
        }
        shop.connector = Connector::Shopify(sink);
        shop.base_url = Some(api.to_owned());
        shop.api_token = Some(Secret::generated("shpat_demo".into()));
        shop.subscribe = vec!["inventory.atp_changed".into()];
        shop.atp_buffer = 2;
    }
    config.connections.insert(ConnectionId::parse(&sim.shop.connection)?, shop);
    if let Some(api) = shop_api {
        // The warehouses' order-release API is the same stand-in.
        for conn in config.connections.values_mut().filter(|c| c.kind() == ConnectionKind::Wms) {
            conn.base_url = Some(api.to_owned());
        }
    }
    // Governance: releases go out on their own when the pipeline is sure
    // enough; the rest wait in the dashboard's review queue.
    config.governance.autonomy.insert(
        engine::governance::Workflow::Release,
        engine::governance::Autonomy {
            mode: engine::governance::Mode::Auto,
            min_confidence: 0.9,
            max_cost: Some(60.0),
        },
    );
    config.connections.insert(
        ConnectionId::parse(&sim.helpdesk.connection)?,
        connection(ConnectionKind::Helpdesk, &tenant, Some(&sim.helpdesk.secret), Vec::new()),
    );
    config.connections.insert(
        ConnectionId::parse(&sim.erp_source)?,
        connection(ConnectionKind::Erp, &tenant, None, Vec::new()),
    );
    // The service desk: the policy documents the copilot quotes, and alerts
    // proposed for review (the helpdesk stand-in takes no API calls).
    let policies = config.server.data_dir.join("policies");
    std::fs::create_dir_all(&policies).with_context(|| format!("creating {}", policies.display()))?;
    for (name, text) in assistant::retrieval::EXAMPLE_DOCUMENTS {
        std::fs::write(policies.join(name), text).with_context(|| format!("writing {}", policies.join(name).display()))?;
    }
    config.service_desk.policies = Some(policies);
    config.validate()?;
    Ok(config)
}

fn connection(kind: ConnectionKind, tenant: &TenantId, secret: Option<&str>, nodes: Vec<NodeId>) -> ConnectionConfig {
    let connector = Connector::with_defaults(kind).expect("the demo's kinds need no settings");
    ConnectionConfig {
        secret: secret.map(|s| Secret::generated(s.to_owned())),
        nodes,
        ..ConnectionConfig::new(connector, tenant.clone())
    }
}

fn session_key() -> String {
    use rand::Rng;
    let bytes: [u8; 24] = rand::rng().random();
    format!("cdk_demo_{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let admin_key = std::env::var("CROSSDOCK_ADMIN_KEY")
        .ok()
        .filter(|k| !k.is_empty())
        .unwrap_or_else(session_key);
    let data_dir = match args.data {
        Some(dir) => dir,
        None => std::env::temp_dir().join(format!("crossdock-demo-{}", uuid::Uuid::now_v7())),
    };
    let sim_config = sim::SimConfig::demo(args.seed, args.orders);
    let (shop_api, shop_calls) = simulated_shop_api().await?;
    let config = demo_config(&sim_config, &admin_key, data_dir.clone(), args.listen, Some(&shop_api))?;
    let tenant = TenantId::parse(&sim_config.tenant)?;
    let app = server::App::open(config).context("opening the demo data directory")?;
    let store = app.store.clone();
    // The service desk's seeded orders #1001–#1060, so questions have answers from the start.
    server::seed::load(&store, &tenant, jiff::Timestamp::now())
        .await
        .context("loading the service desk's seeded orders")?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("binding {} (is another crossdock running? use --listen 127.0.0.1:0)", args.listen))?;
    let addr = listener.local_addr()?;
    println!("crossdock demo");
    println!("  dashboard   http://{addr}/   (statistics and the review queue; paste the admin key)");
    println!("  API         http://{addr}/v1/orders   (OpenAPI: http://{addr}/openapi.json)");
    println!("  metrics     http://{addr}/metrics");
    println!("  admin key   {admin_key}");
    println!("  data        {}", data_dir.display());
    println!("  try         curl -H 'Authorization: Bearer {admin_key}' http://{addr}/v1/orders?limit=5");
    println!("  ask         crossdock ask \"where is order 1002?\" --url http://{addr} --key {admin_key}");
    println!("  track       curl -H 'Authorization: Bearer {admin_key}' http://{addr}/v1/orders/1002/tracking");
    println!(
        "Simulating {} orders at {} deliveries/s (seed {}). Ctrl-C stops.",
        args.orders, args.rate, args.seed
    );

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let server = tokio::spawn(server::serve(app, listener, {
        let mut stop = stop_rx.clone();
        async move {
            let _ = stop.wait_for(|s| *s).await;
        }
    }));
    let sender = tokio::spawn(send_traffic(
        sim_config,
        format!("http://{addr}"),
        admin_key,
        args.rate,
        stop_rx.clone(),
    ));
    let deadline = args.duration.map(|d| tokio::time::Instant::now() + d);

    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut last_events = 0u64;
    let mut last_at = Instant::now();
    let until_deadline = async {
        match deadline {
            Some(at) => tokio::time::sleep_until(at).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(until_deadline);
    let ctrl_c = crate::shutdown_signal();
    tokio::pin!(ctrl_c);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let stats = store.stats()?;
                let rate = (stats.counters.events - last_events) as f64 / last_at.elapsed().as_secs_f64();
                last_events = stats.counters.events;
                last_at = Instant::now();
                eprint!("\r{} | shop and WMS API calls {}   ", summary_line(&stats, rate), shop_calls.load(std::sync::atomic::Ordering::Relaxed));
            }
            _ = &mut until_deadline => break,
            _ = &mut ctrl_c => break,
        }
    }
    eprintln!();
    let _ = stop_tx.send(true);
    let sent = sender.await.unwrap_or_default();
    server.await.context("server task")?.context("serving HTTP")?;
    let stats = store.stats()?;
    println!("{}", summary_line(&stats, 0.0));
    println!(
        "Sent {} deliveries ({} refused). Stopped cleanly; data kept in {}.",
        sent.sent,
        sent.refused,
        data_dir.display()
    );
    Ok(())
}

/// The storefront's Admin API and the warehouses' release API as the demo's
/// stand-in: accepts Shopify's `inventory_levels/set` calls and WMS waves
/// (`POST /api/v1/waves`) on loopback and counts them.
async fn simulated_shop_api() -> anyhow::Result<(String, std::sync::Arc<std::sync::atomic::AtomicU64>)> {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    let calls = Arc::new(AtomicU64::new(0));
    let counter = calls.clone();
    let waves = counter.clone();
    let api = axum::Router::new()
        .route(
            "/admin/api/{version}/inventory_levels/set.json",
            axum::routing::post(move |body: axum::Json<serde_json::Value>| {
                let counter = counter.clone();
                async move {
                    counter.fetch_add(1, Ordering::Relaxed);
                    axum::Json(serde_json::json!({"inventory_level": body.0}))
                }
            }),
        )
        .route(
            "/api/v1/waves",
            axum::routing::post(move |body: axum::Json<serde_json::Value>| {
                let waves = waves.clone();
                async move {
                    waves.fetch_add(1, Ordering::Relaxed);
                    (
                        axum::http::StatusCode::CREATED,
                        axum::Json(serde_json::json!({"wave_id": body.0["wave_id"]})),
                    )
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, api).await });
    Ok((url, calls))
}

fn summary_line(stats: &store::Stats, rate: f64) -> String {
    let by: Vec<String> = OrderStatus::ALL
        .iter()
        .zip(stats.counters.orders_by_status)
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{} {n}", s.as_str()))
        .collect();
    format!(
        "{rate:>6.0} events/s | {} events | orders: {} | exceptions {} | outbox {}   ",
        stats.counters.events,
        if by.is_empty() { "none yet".into() } else { by.join(", ") },
        stats.counters.orders_with_exceptions,
        stats.outbox_depth
    )
}

#[derive(Default)]
struct Sent {
    sent: u64,
    refused: u64,
}

/// Sends the scenario in order, paced at `rate` deliveries per second. One
/// request at a time keeps each order's events in their real order.
async fn send_traffic(
    config: sim::SimConfig,
    base: String,
    admin_key: String,
    rate: f64,
    stop: tokio::sync::watch::Receiver<bool>,
) -> Sent {
    let client = reqwest::Client::new();
    let mut out = Sent::default();
    let gap = Duration::from_secs_f64(1.0 / rate.max(0.1));
    let mut next = tokio::time::Instant::now();
    for delivery in sim::scenario(&config) {
        if *stop.borrow() {
            break;
        }
        tokio::time::sleep_until(next).await;
        next += gap;
        let mut request = client.post(format!("{base}{}", delivery.path)).body(delivery.body);
        for (name, value) in &delivery.headers {
            request = request.header(name, value);
        }
        if delivery.path.starts_with("/v1/") {
            request = request.bearer_auth(&admin_key);
        }
        match request.send().await {
            Ok(response) if response.status().is_success() => out.sent += 1,
            Ok(response) => {
                out.sent += 1;
                out.refused += 1;
                let status = response.status();
                let body = model::pii::mask_text(&response.text().await.unwrap_or_default());
                tracing::warn!(%status, summary = %delivery.summary, %body, "Delivery refused.");
            }
            Err(e) => {
                if *stop.borrow() {
                    break;
                }
                tracing::warn!(error = %e, summary = %delivery.summary, "Delivery failed.");
            }
        }
    }
    out
}
