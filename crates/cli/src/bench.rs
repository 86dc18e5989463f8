//! `crossdock bench`: the figures in BENCHMARKS.md, printed as JSON.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use model::order::{Customer, OrderData, OrderLine, PaymentState};
use model::{Event, EventBody, OrderId, Quantity, Sku, TenantId};
use serde_json::json;

#[derive(clap::Subcommand)]
pub enum Which {
    /// Durable ingest: in-process batches of 1, 100 and 1000, single-event
    /// HTTP requests from 64 clients, and start-up replay of a large log.
    Ingest {
        /// Events appended per in-process batch size.
        #[arg(long, default_value_t = 200_000)]
        events: usize,
        /// Seconds of HTTP load.
        #[arg(long, default_value_t = 10)]
        http_seconds: u64,
        /// Concurrent HTTP clients.
        #[arg(long, default_value_t = 64)]
        clients: usize,
        /// Orders (one order.created event each) in the replay log; 0 skips the replay figure.
        #[arg(long, default_value_t = 1_000_000)]
        replay_orders: usize,
        /// Working directory (default: a new temp dir, removed afterwards).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Inventory: durable reservations/s on one hot SKU (64 clients, in-process
    /// and HTTP), reservations over many SKUs × nodes, ATP query latency, and
    /// memory for a million positions.
    Inventory {
        /// Reservations per run.
        #[arg(long, default_value_t = 200_000)]
        reservations: usize,
        /// Concurrent clients.
        #[arg(long, default_value_t = 64)]
        clients: usize,
        /// SKUs for the spread run (× `nodes` positions).
        #[arg(long, default_value_t = 100_000)]
        skus: usize,
        /// Nodes for the spread run.
        #[arg(long, default_value_t = 50)]
        nodes: usize,
        /// Positions for the memory figure; 0 skips it.
        #[arg(long, default_value_t = 1_000_000)]
        memory_positions: usize,
        /// Seconds of HTTP load.
        #[arg(long, default_value_t = 10)]
        http_seconds: u64,
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// EDI X12 parse throughput: one interchange of many 850s, parsed (and mapped) repeatedly.
    Edi {
        /// Purchase orders in the interchange.
        #[arg(long, default_value_t = 100_000)]
        orders: usize,
        /// Timed rounds.
        #[arg(long, default_value_t = 5)]
        rounds: usize,
    },
    /// Connectors: signed Shopify webhooks accepted per second from concurrent
    /// senders, and the outbox's dispatch rate to a receiver on loopback.
    Connectors {
        /// Seconds of webhook load.
        #[arg(long, default_value_t = 10)]
        webhook_seconds: u64,
        /// Concurrent webhook senders.
        #[arg(long, default_value_t = 64)]
        clients: usize,
        /// Outbound messages dispatched.
        #[arg(long, default_value_t = 20_000)]
        messages: usize,
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Send the webhooks from a child process instead of from tasks on
        /// the server's own runtime (same machine, same cores).
        #[arg(long)]
        separate_sender: bool,
        /// Internal: be that child, sending to the server at this address.
        #[arg(long, hide = true)]
        send_to: Option<std::net::SocketAddr>,
    },
    /// Sourcing: exact and heuristic solver latency (20 and 200 nodes × 8
    /// lines) and the heuristic's cost gap to the optimum against baselines.
    Sourcing {
        /// Generated instances per latency figure.
        #[arg(long, default_value_t = 500)]
        instances: usize,
        /// Instances in the quality comparison.
        #[arg(long, default_value_t = 200)]
        quality_instances: usize,
    },
    /// The decision pipeline under a steady load of signed Shopify orders:
    /// accepted rate, how far decisions fall behind, decision time per order.
    Pipeline {
        /// Orders per second.
        #[arg(long, default_value_t = 1000.0)]
        rate: f64,
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Fraud risk: the shipped model retrained from its documented dataset,
    /// with ROC-AUC, PR-AUC and the confusion matrix on the held-out split
    /// for both model kinds and the rules-only baseline.
    Risk,
    /// Carrier and service: on simulated deliveries, the learned transit
    /// model with an on-time target against always-cheapest and always-fastest.
    Carrier {
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Simulated shipments, split evenly between the learning and the test phase.
        #[arg(long, default_value_t = 20_000)]
        shipments: usize,
    },
    /// Release: planning waves for 10,000 releasable orders over 20 nodes.
    Release {
        #[arg(long, default_value_t = 10_000)]
        orders: usize,
        #[arg(long, default_value_t = 20)]
        nodes: usize,
    },
    /// Governance: the gateway's cost per action (autonomy, policies, payload
    /// validation), with its audit entry committed, alone and under load; and
    /// how fast `audit verify` walks a chain of `audit_entries`.
    Governance {
        #[arg(long, default_value_t = 20_000)]
        actions: usize,
        #[arg(long, default_value_t = 64)]
        clients: usize,
        #[arg(long, default_value_t = 1_000_000)]
        audit_entries: usize,
    },
    /// The copilot: every labelled question asked over HTTP on the seeded
    /// service desk, latency per intent; answers whose intent differs from
    /// the label counted, and with `--orders`, answers the extra orders changed.
    Ask {
        /// Times every question is asked.
        #[arg(long, default_value_t = 5)]
        rounds: usize,
        /// Concurrent HTTP clients.
        #[arg(long, default_value_t = 1)]
        clients: usize,
        /// Synthetic orders loaded on top of the seeded dataset before asking.
        #[arg(long, default_value_t = 0)]
        orders: usize,
        /// Ask only the first N questions of each intent.
        #[arg(long)]
        limit: Option<usize>,
        /// Working directory (default: a new temp dir, removed afterwards).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Opens a data directory and reports start-up time and memory (used by `ingest`).
    #[command(hide = true)]
    Restore {
        #[arg(long)]
        data: PathBuf,
    },
}

pub async fn run(which: Which) -> anyhow::Result<()> {
    match which {
        Which::Ingest {
            events,
            http_seconds,
            clients,
            replay_orders,
            dir,
        } => {
            let temp = tempdir(dir)?;
            let mut report = json!({ "machine": machine() });
            let mut batched = Vec::new();
            for (batch, concurrency) in [(1usize, 64usize), (100, 4), (1000, 2)] {
                let figures = batched_append(&temp.join(format!("batched-{batch}")), events, batch, concurrency).await?;
                eprintln!("batch {batch}: {figures}");
                batched.push(figures);
            }
            report["batched"] = json!(batched);
            let http = http_single(&temp.join("http"), Duration::from_secs(http_seconds), clients).await?;
            eprintln!("http: {http}");
            report["http_single_event"] = http;
            if replay_orders > 0 {
                let replay = replay(&temp.join("replay"), replay_orders).await?;
                eprintln!("replay: {replay}");
                report["replay"] = replay;
            }
            println!("{}", serde_json::to_string_pretty(&report)?);
            let _ = std::fs::remove_dir_all(&temp);
            Ok(())
        }
        Which::Inventory {
            reservations,
            clients,
            skus,
            nodes,
            memory_positions,
            http_seconds,
            dir,
        } => {
            let temp = tempdir(dir)?;
            let mut report = json!({ "machine": machine() });
            let hot = hot_sku(&temp.join("hot"), reservations, clients).await?;
            eprintln!("hot sku: {hot}");
            report["hot_sku_in_process"] = hot;
            let hot_http = hot_sku_http(&temp.join("hot-http"), clients, Duration::from_secs(http_seconds)).await?;
            eprintln!("hot sku http: {hot_http}");
            report["hot_sku_http"] = hot_http;
            let propagation = propagation(&temp.join("propagation"), 10_000.0, Duration::from_secs(http_seconds.min(10))).await?;
            eprintln!("propagation: {propagation}");
            report["atp_propagation"] = propagation;
            let spread = spread(&temp.join("spread"), reservations, clients, skus, nodes).await?;
            eprintln!("spread: {spread}");
            report["spread"] = spread;
            if memory_positions > 0 {
                let memory = positions_memory(&temp.join("memory"), memory_positions).await?;
                eprintln!("memory: {memory}");
                report["memory"] = memory;
            }
            println!("{}", serde_json::to_string_pretty(&report)?);
            let _ = std::fs::remove_dir_all(&temp);
            Ok(())
        }
        Which::Connectors {
            webhook_seconds,
            clients,
            messages,
            dir,
            separate_sender,
            send_to,
        } => match send_to {
            Some(addr) => crate::bench_connectors::sender(addr, webhook_seconds, clients).await,
            None => crate::bench_connectors::run(webhook_seconds, clients, messages, dir, separate_sender).await,
        },
        Which::Sourcing {
            instances,
            quality_instances,
        } => {
            let config = engine::sourcing::BenchConfig {
                instances,
                quality_instances,
                ..Default::default()
            };
            let report = engine::sourcing::bench(&config);
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({ "machine": machine(), "sourcing": report }))?
            );
            Ok(())
        }
        Which::Carrier { seed, shipments } => {
            let report = engine::carrier::evaluate(seed, shipments);
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({ "machine": machine(), "carrier": report }))?
            );
            Ok(())
        }
        Which::Release { orders, nodes } => {
            let report = engine::release::bench(1, orders, nodes, 5);
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({ "machine": machine(), "release": report }))?
            );
            Ok(())
        }
        Which::Governance {
            actions,
            clients,
            audit_entries,
        } => crate::bench_governance::run(actions, clients, audit_entries).await,
        Which::Ask {
            rounds,
            clients,
            orders,
            limit,
            dir,
        } => crate::bench_ask::run(rounds, clients, orders, limit, dir).await,
        Which::Pipeline { rate, seconds, dir } => crate::bench_connectors::pipeline(rate, seconds, dir).await,
        Which::Risk => {
            let started = Instant::now();
            let report = engine::risk::evaluate_default();
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({ "machine": machine(), "risk": report, "seconds": started.elapsed().as_secs_f64() }))?
            );
            Ok(())
        }
        Which::Edi { orders, rounds } => {
            let report = edi_throughput(orders, rounds)?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
        Which::Restore { data } => {
            let started = Instant::now();
            let store = store::Store::open(store::Options::new(&data))?;
            let seconds = started.elapsed().as_secs_f64();
            let stats = store.stats()?;
            println!(
                "{}",
                json!({"seconds": seconds, "events": stats.counters.events, "rss_mb": rss_mb()})
            );
            // Exit without a final snapshot so the next measurement replays again.
            std::process::exit(0);
        }
    }
}

pub(crate) fn tempdir(dir: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let dir = dir.unwrap_or_else(|| std::env::temp_dir().join(format!("crossdock-bench-{}", uuid::Uuid::now_v7())));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

pub(crate) fn machine() -> serde_json::Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|s| {
        s.lines()
            .find(|l| l.starts_with("model name"))
            .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
    });
    json!({"cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1), "cpu": cpu})
}

/// Resident set size of this process, from /proc (Linux).
pub fn rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

fn tenant() -> TenantId {
    TenantId::parse("bench").expect("valid")
}

/// A small but realistic order.created event.
fn order_event(n: usize) -> Event {
    let id = format!("B-{n:08}");
    let data = OrderData {
        order_id: OrderId::parse(&id).expect("valid"),
        external_ids: model::order::ExternalIds {
            storefront_name: Some(format!("#{n}")),
            ..Default::default()
        },
        channel: Some("web".into()),
        customer: Customer {
            email: Some(format!("customer{}@example.com", n % 50_000)),
            name: Some(format!("Customer {}", n % 50_000)),
            ..Default::default()
        },
        ship_to: model::order::Address {
            line1: Some(format!("{} Main Street", n % 999)),
            city: Some("Newark".into()),
            region: Some("NJ".into()),
            postal_code: Some("07102".into()),
            country: Some("US".into()),
            ..Default::default()
        },
        bill_to: None,
        lines: vec![
            OrderLine {
                line_id: None,
                sku: Sku::parse(&format!("SKU-{}", n % 500)).expect("valid"),
                quantity: Quantity(1 + (n % 3) as i64),
                unit_price: None,
                name: None,
            },
            OrderLine {
                line_id: None,
                sku: Sku::parse(&format!("SKU-{}", (n * 7) % 500)).expect("valid"),
                quantity: Quantity(1),
                unit_price: None,
                name: None,
            },
        ],
        service_level: Default::default(),
        payment_state: PaymentState::Paid,
        po_number: None,
        total: None,
        flags: Vec::new(),
        gift_message: None,
        note: None,
        placed_at: None,
        promised_by: None,
        client_ip: None,
    };
    Event {
        event_id: format!("bench-{n}"),
        source: "bench".into(),
        tenant: Some(tenant()),
        occurred_at: jiff::Timestamp::now(),
        body: EventBody::OrderCreated(data),
    }
}

pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

pub(crate) fn latency_figures(mut latencies: Vec<f64>) -> serde_json::Value {
    latencies.sort_by(f64::total_cmp);
    json!({
        "p50_ms": percentile(&latencies, 0.50) * 1e3,
        "p99_ms": percentile(&latencies, 0.99) * 1e3,
        "max_ms": latencies.last().copied().unwrap_or(0.0) * 1e3,
    })
}

async fn batched_append(dir: &Path, events: usize, batch: usize, concurrency: usize) -> anyhow::Result<serde_json::Value> {
    let store = store::Store::open(store::Options::new(dir))?;
    let batches = events.div_ceil(batch);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (store, next) = (store.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let b = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if b >= batches {
                    break;
                }
                let batch_events: Vec<Event> = (b * batch..((b + 1) * batch).min(events)).map(order_event).collect();
                let t = Instant::now();
                store.append(batch_events, None).await?;
                latencies.push(t.elapsed().as_secs_f64());
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    let seconds = started.elapsed().as_secs_f64();
    let written = store.event_count()?;
    store.close();
    anyhow::ensure!(written as usize == events, "expected {events} events in the log, found {written}");
    let mut out = json!({
        "batch": batch,
        "concurrency": concurrency,
        "events": events,
        "seconds": seconds,
        "durable_events_per_sec": events as f64 / seconds,
    });
    out["append_latency"] = latency_figures(latencies);
    Ok(out)
}

async fn http_single(dir: &Path, duration: Duration, clients: usize) -> anyhow::Result<serde_json::Value> {
    let key = BENCH_KEY.to_owned();
    let config = bench_config(dir);
    let app = server::App::open(config)?;
    let store = app.store.clone();
    let running = BenchServer::start(app).await?;
    let addr = running.addr;
    let client = reqwest::Client::builder().pool_max_idle_per_host(clients).build()?;
    let counter = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let deadline = Instant::now() + duration;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, counter, key) = (client.clone(), counter.clone(), key.clone());
        let url = format!("http://{addr}/v1/events");
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failures = 0u64;
            while Instant::now() < deadline {
                let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let body = serde_json::to_vec(&json!({ "events": [order_event(n)] }))?;
                let t = Instant::now();
                let response = client
                    .post(&url)
                    .bearer_auth(&key)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await?;
                let ok = response.status().is_success();
                let _ = response.bytes().await;
                if ok {
                    latencies.push(t.elapsed().as_secs_f64());
                } else {
                    failures += 1;
                }
            }
            anyhow::Ok((latencies, failures))
        }));
    }
    let mut latencies = Vec::new();
    let mut failures = 0;
    for task in tasks {
        let (l, f) = task.await??;
        latencies.extend(l);
        failures += f;
    }
    let seconds = started.elapsed().as_secs_f64();
    running.stop().await?;
    let stored = store.event_count()?;
    anyhow::ensure!(
        stored as usize == latencies.len(),
        "{} requests acknowledged but {stored} events stored",
        latencies.len()
    );
    let mut out = json!({
        "clients": clients,
        "requests_ok": latencies.len(),
        "requests_failed": failures,
        "seconds": seconds,
        "durable_events_per_sec": latencies.len() as f64 / seconds,
    });
    out["request_latency"] = latency_figures(latencies);
    Ok(out)
}

/// Writes a log of `orders` order.created events, then measures a cold
/// start (no snapshot) in a fresh process: replay time and resident memory.
async fn replay(dir: &Path, orders: usize) -> anyhow::Result<serde_json::Value> {
    {
        let store = store::Store::open(store::Options::new(dir))?;
        for chunk in (0..orders).collect::<Vec<_>>().chunks(5_000) {
            store.append(chunk.iter().map(|n| order_event(*n)).collect(), None).await?;
        }
        store.close();
    }
    let snapshot = dir.join("projection.snapshot");
    let exe = std::env::current_exe()?;
    let measure = |label: &str| -> anyhow::Result<serde_json::Value> {
        let output = std::process::Command::new(&exe)
            .args(["bench", "restore", "--data"])
            .arg(dir)
            .output()?;
        anyhow::ensure!(
            output.status.success(),
            "{label} restore failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        Ok(serde_json::from_slice(&output.stdout)?)
    };
    std::fs::remove_file(&snapshot).ok();
    let cold = measure("cold")?;
    // A snapshot, as a clean shutdown leaves it, then a warm start.
    {
        let store = store::Store::open(store::Options::new(dir))?;
        store.close();
    }
    let warm = measure("warm")?;
    Ok(json!({"orders": orders, "events": orders, "full_replay": cold, "from_snapshot": warm}))
}

fn bench_node(i: usize) -> String {
    format!("N{i:02}")
}

/// An inventory count, as a warehouse sends it.
fn count_event(n: usize, sku: &str, node: &str, on_hand: i64) -> Event {
    let data = json!({"sku": sku, "node": node, "on_hand": on_hand}).to_string();
    Event {
        event_id: format!("count-{n}"),
        source: "bench".into(),
        tenant: Some(tenant()),
        occurred_at: jiff::Timestamp::now(),
        body: EventBody::from_parts(model::EventKind::InventorySnapshot, &data).expect("valid snapshot"),
    }
}

fn reserve_one(sku: &str) -> store::ReserveRequest {
    store::ReserveRequest {
        tenant: tenant(),
        order_id: None,
        lines: vec![model::inventory::DemandLine {
            sku: Sku::parse(sku).expect("valid"),
            quantity: Quantity(1),
            node: None,
            unit: None,
        }],
        mode: model::inventory::ReservationMode::AllOrNothing,
        expires_at: jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24),
        idempotency: None,
    }
}

/// `clients` tasks reserve one unit each of `pick(i)` until `total` requests
/// were made; returns (successes, refusals, latencies).
async fn reserve_load(
    store: &store::Store,
    total: usize,
    clients: usize,
    pick: impl Fn(usize) -> String + Send + Sync + 'static,
) -> anyhow::Result<(usize, usize, Vec<f64>, f64)> {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let pick = Arc::new(pick);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (store, next, pick) = (store.clone(), next.clone(), pick.clone());
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut refused, mut latencies) = (0usize, 0usize, Vec::new());
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let t = Instant::now();
                match store.reserve(reserve_one(&pick(i))).await {
                    Ok(_) => ok += 1,
                    Err(store::Error::InsufficientStock(_)) => refused += 1,
                    Err(e) => return Err(anyhow::anyhow!(e)),
                }
                latencies.push(t.elapsed().as_secs_f64());
            }
            anyhow::Ok((ok, refused, latencies))
        }));
    }
    let (mut ok, mut refused, mut latencies) = (0, 0, Vec::new());
    for task in tasks {
        let (o, r, l) = task.await??;
        ok += o;
        refused += r;
        latencies.extend(l);
    }
    Ok((ok, refused, latencies, started.elapsed().as_secs_f64()))
}

/// One SKU, stock for 3/4 of the requests: the last units are raced for.
async fn hot_sku(dir: &Path, total: usize, clients: usize) -> anyhow::Result<serde_json::Value> {
    let store = store::Store::open(store::Options::new(dir))?;
    let stock = (total * 3 / 4) as i64;
    store
        .append(
            vec![
                count_event(0, "HOT", "N00", stock / 2),
                count_event(1, "HOT", "N01", stock - stock / 2),
            ],
            None,
        )
        .await?;
    let (ok, refused, latencies, seconds) = reserve_load(&store, total, clients, |_| "HOT".to_owned()).await?;
    let (positions, _) = store.inventory(&tenant(), "HOT");
    let reserved: i64 = positions.iter().map(|(_, b)| b.reserved).sum();
    store.close();
    anyhow::ensure!(
        ok as i64 == stock && reserved == stock,
        "oversell check: {ok} granted, {reserved} reserved, {stock} in stock"
    );
    let mut out = json!({
        "clients": clients, "requests": total, "stock": stock, "granted": ok, "refused": refused,
        "oversold": reserved - stock, "seconds": seconds, "durable_reservations_per_sec": total as f64 / seconds,
    });
    out["latency"] = latency_figures(latencies);
    Ok(out)
}

async fn hot_sku_http(dir: &Path, clients: usize, duration: Duration) -> anyhow::Result<serde_json::Value> {
    let key = BENCH_KEY.to_owned();
    let config = bench_config(dir);
    let app = server::App::open(config)?;
    let store = app.store.clone();
    let stock = 1_000_000i64;
    store.append(vec![count_event(0, "HOT", "N00", stock)], None).await?;
    let running = BenchServer::start(app).await?;
    let addr = running.addr;
    let client = reqwest::Client::builder().pool_max_idle_per_host(clients).build()?;
    let deadline = Instant::now() + duration;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, key) = (client.clone(), key.clone());
        let url = format!("http://{addr}/v1/reservations");
        tasks.push(tokio::spawn(async move {
            let (mut latencies, mut failed) = (Vec::new(), 0u64);
            let body = serde_json::to_vec(&json!({"lines": [{"sku": "HOT", "quantity": 1}], "ttl": "1h"}))?;
            while Instant::now() < deadline {
                let t = Instant::now();
                let r = client
                    .post(&url)
                    .bearer_auth(&key)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await?;
                let ok = r.status() == 201;
                let _ = r.bytes().await;
                if ok {
                    latencies.push(t.elapsed().as_secs_f64());
                } else {
                    failed += 1;
                }
            }
            anyhow::Ok((latencies, failed))
        }));
    }
    let (mut latencies, mut failed) = (Vec::new(), 0);
    for t in tasks {
        let (l, f) = t.await??;
        latencies.extend(l);
        failed += f;
    }
    let seconds = started.elapsed().as_secs_f64();
    let (positions, _) = store.inventory(&tenant(), "HOT");
    let reserved: i64 = positions.iter().map(|(_, b)| b.reserved).sum();
    anyhow::ensure!(
        reserved as usize == latencies.len(),
        "{} granted over HTTP but {reserved} reserved",
        latencies.len()
    );
    let mut out = json!({"clients": clients, "granted": latencies.len(), "failed": failed, "seconds": seconds,
                        "durable_reservations_per_sec": latencies.len() as f64 / seconds});
    out["latency"] = latency_figures(latencies);
    // ATP reads over HTTP: GET /v1/inventory/HOT from the same clients.
    let read_deadline = Instant::now() + duration.min(Duration::from_secs(5));
    let read_started = Instant::now();
    let mut readers = Vec::new();
    for _ in 0..clients {
        let (client, key) = (client.clone(), key.clone());
        let url = format!("http://{addr}/v1/inventory/HOT");
        readers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < read_deadline {
                let t = Instant::now();
                let r = client.get(&url).bearer_auth(&key).send().await?;
                anyhow::ensure!(r.status().is_success(), "inventory read failed: {}", r.status());
                let _ = r.bytes().await;
                latencies.push(t.elapsed().as_secs_f64());
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut reads = Vec::new();
    for r in readers {
        reads.extend(r.await??);
    }
    out["atp_reads_per_sec"] = json!(reads.len() as f64 / read_started.elapsed().as_secs_f64());
    out["atp_read_latency"] = latency_figures(reads);
    running.stop().await?;
    Ok(out)
}

/// Stock on `skus` × `nodes` positions, reservations spread over the SKUs,
/// then ATP reads at full speed from two threads.
async fn spread(dir: &Path, total: usize, clients: usize, skus: usize, nodes: usize) -> anyhow::Result<serde_json::Value> {
    let store = store::Store::open(store::Options::new(dir))?;
    let setup = Instant::now();
    let mut n = 0;
    let mut batch = Vec::with_capacity(2000);
    for s in 0..skus {
        for d in 0..nodes {
            batch.push(count_event(n, &format!("S{s:06}"), &bench_node(d), 20));
            n += 1;
            if batch.len() == 2000 {
                store.append(std::mem::take(&mut batch), None).await?;
            }
        }
    }
    if !batch.is_empty() {
        store.append(batch, None).await?;
    }
    let setup_seconds = setup.elapsed().as_secs_f64();
    let (ok, refused, latencies, seconds) = reserve_load(&store, total, clients, move |i| format!("S{:06}", (i * 7919) % skus)).await?;
    // ATP reads: two threads, as fast as they go, for 3 seconds.
    let reads = Duration::from_secs(3);
    let mut readers = Vec::new();
    for t in 0..2usize {
        let store = store.clone();
        readers.push(std::thread::spawn(move || {
            let mut latencies = Vec::new();
            let end = Instant::now() + reads;
            let mut i = t;
            while Instant::now() < end {
                let sku = format!("S{:06}", (i * 104_729) % skus);
                let q = Instant::now();
                let (positions, _) = store.inventory(&tenant(), &sku);
                let atp: i64 = positions.iter().map(|(_, b)| b.atp()).sum();
                std::hint::black_box(atp);
                latencies.push(q.elapsed().as_secs_f64());
                i += 2;
            }
            latencies
        }));
    }
    let mut read_latencies = Vec::new();
    for r in readers {
        read_latencies.extend(r.join().map_err(|_| anyhow::anyhow!("reader panicked"))?);
    }
    let queries = read_latencies.len();
    store.close();
    let mut out = json!({
        "skus": skus, "nodes": nodes, "positions": skus * nodes, "setup_seconds": setup_seconds,
        "clients": clients, "requests": total, "granted": ok, "refused": refused, "seconds": seconds,
        "durable_reservations_per_sec": total as f64 / seconds,
        "atp_queries_per_sec": queries as f64 / reads.as_secs_f64(),
    });
    out["latency"] = latency_figures(latencies);
    out["atp_query_latency"] = latency_figures(read_latencies);
    Ok(out)
}

/// Memory of a store holding `positions` positions, measured in a fresh process.
async fn positions_memory(dir: &Path, positions: usize) -> anyhow::Result<serde_json::Value> {
    let nodes = 50;
    {
        let store = store::Store::open(store::Options::new(dir))?;
        let mut batch = Vec::with_capacity(5000);
        for n in 0..positions {
            batch.push(count_event(n, &format!("M{:07}", n / nodes), &bench_node(n % nodes), 10));
            if batch.len() == 5000 {
                store.append(std::mem::take(&mut batch), None).await?;
            }
        }
        if !batch.is_empty() {
            store.append(batch, None).await?;
        }
        store.close();
    }
    let exe = std::env::current_exe()?;
    let output = std::process::Command::new(&exe)
        .args(["bench", "restore", "--data"])
        .arg(dir)
        .output()?;
    anyhow::ensure!(
        output.status.success(),
        "restore failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let measured: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    Ok(json!({"positions": positions, "from_snapshot": measured}))
}

/// WMS inventory events over HTTP (signed webhooks) at a fixed rate; each
/// acknowledgement means the event and its `atp_changed` outbox message are
/// durable (same transaction). Afterwards every touched position's pending
/// message must carry its final ATP.
async fn propagation(dir: &Path, rate: f64, duration: Duration) -> anyhow::Result<serde_json::Value> {
    use server::config::{ConnectionConfig, NodeConfig};
    let mut config = bench_config(dir);
    let node = model::NodeId::parse("N00")?;
    config.nodes.insert(
        node.clone(),
        NodeConfig {
            tenant: tenant(),
            kind: model::node::NodeKind::Dc,
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
        },
    );
    let connection = |kind, subscribe: Vec<String>, nodes: Vec<model::NodeId>| ConnectionConfig {
        secret: Some(server::Secret::generated("bench-secret".into())),
        nodes,
        subscribe,
        ..ConnectionConfig::new(
            connectors::connector::Connector::with_defaults(kind).expect("no settings needed"),
            tenant(),
        )
    };
    config.connections.insert(
        model::ConnectionId::parse("wms")?,
        connection(model::tenant::ConnectionKind::Wms, vec![], vec![node]),
    );
    config.connections.insert(
        model::ConnectionId::parse("shop")?,
        connection(model::tenant::ConnectionKind::Shopify, vec!["inventory.atp_changed".into()], vec![]),
    );
    let app = server::App::open(config)?;
    let store = app.store.clone();
    let running = BenchServer::start(app).await?;
    let addr = running.addr;
    let skus = 1000usize;
    let senders = 64usize;
    let client = reqwest::Client::builder().pool_max_idle_per_host(senders).build()?;
    let total = (rate * duration.as_secs_f64()) as usize;
    let gap = Duration::from_secs_f64(senders as f64 / rate);
    let started = tokio::time::Instant::now();
    let mut tasks = Vec::new();
    for s in 0..senders {
        let client = client.clone();
        let url = format!("http://{addr}/webhooks/wms/wms");
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut next = started + gap.mul_f64(s as f64 / senders as f64);
            let mut i = s;
            while i < total {
                tokio::time::sleep_until(next).await;
                next += gap;
                let body = serde_json::to_vec(
                    &json!({"event_id": format!("adj-{i}"), "event_type": "INVENTORY_ADJUSTED", "occurred_at": "2026-05-15T10:00:00Z",
                    "node": "N00", "sku": format!("P{:04}", i % skus), "quantity": 1}),
                )?;
                let signature = connectors::signature::sign_hex_sha256(b"bench-secret", &body);
                let t = Instant::now();
                let r = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("x-crossdock-signature", signature)
                    .body(body)
                    .send()
                    .await?;
                anyhow::ensure!(r.status().is_success(), "webhook refused: {}", r.status());
                let _ = r.bytes().await;
                latencies.push(t.elapsed().as_secs_f64());
                i += senders;
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await??);
    }
    let seconds = started.elapsed().as_secs_f64();
    // Every position's one pending message carries its final ATP.
    let pending = store.outbox(Some("pending"), Some("shop"), None, 0, 10_000)?;
    anyhow::ensure!(
        pending.len() == skus,
        "expected one pending message per SKU, found {}",
        pending.len()
    );
    for message in &pending {
        let sku = message.payload["sku"].as_str().unwrap_or_default();
        let (positions, _) = store.inventory(&tenant(), sku);
        let atp: i64 = positions.iter().map(|(_, b)| b.atp()).sum();
        anyhow::ensure!(
            message.payload["atp"].as_i64() == Some(atp),
            "stale message for {sku}: {} vs {atp}",
            message.payload["atp"]
        );
    }
    running.stop().await?;
    let mut out = json!({"target_events_per_sec": rate, "events": latencies.len(), "seconds": seconds,
                        "events_per_sec": latencies.len() as f64 / seconds, "pending_messages": pending.len(), "coalesced_from": total});
    out["accept_to_outbox_latency"] = latency_figures(latencies);
    Ok(out)
}

/// Renders `orders` purchase orders into one interchange, then times
/// `parse_interchange` alone and parse + map to canonical events.
fn edi_throughput(orders: usize, rounds: usize) -> anyhow::Result<serde_json::Value> {
    use connectors::edi;
    let data: Vec<OrderData> = (0..orders)
        .map(|n| match order_event(n).body {
            EventBody::OrderCreated(mut o) => {
                o.po_number = Some(format!("PO-{n:08}"));
                o
            }
            _ => unreachable!("order_event makes order.created"),
        })
        .collect();
    let documents: Vec<edi::Document> = data.iter().map(edi::Document::PurchaseOrder).collect();
    let at = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).datetime();
    let envelope = edi::Envelope::new(edi::PartyId::new("ZZ", "PARTNER"), edi::PartyId::new("ZZ", "CROSSDOCK"), 1, 1, at);
    let x12 = edi::render(&envelope, &documents).map_err(|e| anyhow::anyhow!("{}", connectors::Error::from(e)))?;
    let bytes = x12.as_bytes();
    let mb = bytes.len() as f64 / 1e6;
    let ctx = edi::MapContext::new("bench", jiff::Timestamp::now());
    let mut parse = Vec::new();
    let mut map = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        let interchange = edi::parse_interchange(bytes).map_err(|e| anyhow::anyhow!("{}", connectors::Error::from(e)))?;
        parse.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let outcomes = edi::to_events(&interchange, &ctx);
        map.push(t.elapsed().as_secs_f64());
        let events: usize = outcomes.iter().map(|o| o.events().len()).sum();
        anyhow::ensure!(events == orders, "mapped {events} of {orders} orders");
    }
    let best = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let parse_median = median(&mut parse.clone());
    let both: Vec<f64> = parse.iter().zip(&map).map(|(a, b)| a + b).collect();
    Ok(json!({
        "machine": machine(),
        "orders": orders,
        "bytes": bytes.len(),
        "parse_mb_per_sec": {"median": mb / parse_median, "best": mb / best(&parse)},
        "parse_and_map_mb_per_sec": {"median": mb / median(&mut both.clone()), "best": mb / best(&both)},
    }))
}

pub(crate) const BENCH_KEY: &str = "bench-admin-key";

/// One tenant and the bench admin key, with the store in `dir`.
pub(crate) fn bench_config(dir: &Path) -> server::Config {
    let mut config = server::Config::default();
    config.server.data_dir = dir.to_path_buf();
    config.server.admin_key = Some(server::Secret::generated(BENCH_KEY.into()));
    config.tenants.insert(tenant(), server::config::TenantConfig::named("Bench"));
    config
}

/// A server on a free loopback port, stopped (drained, log flushed) on `stop`.
pub(crate) struct BenchServer {
    pub(crate) addr: std::net::SocketAddr,
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl BenchServer {
    pub(crate) async fn start(app: server::App) -> anyhow::Result<BenchServer> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(server::serve(app, listener, async move {
            let _ = stopped.wait_for(|s| *s).await;
        }));
        Ok(BenchServer { addr, stop, task })
    }

    pub(crate) async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(true);
        Ok(self.task.await??)
    }
}
