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

fn tempdir(dir: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let dir = dir.unwrap_or_else(|| std::env::temp_dir().join(format!("crossdock-bench-{}", uuid::Uuid::now_v7())));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

fn machine() -> serde_json::Value {
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

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn latency_figures(mut latencies: Vec<f64>) -> serde_json::Value {
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
    let key = "bench-admin-key".to_owned();
    let mut config = server::Config::default();
    config.server.data_dir = dir.to_path_buf();
    config.server.admin_key = Some(server::Secret::generated(key.clone()));
    config
        .tenants
        .insert(tenant(), server::config::TenantConfig { name: "Bench".into() });
    let app = server::App::open(config)?;
    let store = app.store.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    let server = tokio::spawn(server::serve(app, listener, async move {
        let _ = stop_rx.wait_for(|s| *s).await;
    }));
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
    let _ = stop_tx.send(true);
    server.await??;
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
