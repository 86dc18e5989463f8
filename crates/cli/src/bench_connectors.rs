//! `crossdock bench connectors`: Shopify webhooks accepted per second from
//! concurrent senders, and the outbox's dispatch rate to a local receiver.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::bench::{BenchServer, latency_figures, machine, tempdir};

pub async fn run(
    webhook_seconds: u64,
    clients: usize,
    messages: usize,
    dir: Option<std::path::PathBuf>,
    separate_sender: bool,
) -> anyhow::Result<()> {
    let temp = tempdir(dir)?;
    let mut report = json!({ "machine": machine() });
    let duration = Duration::from_secs(webhook_seconds);
    let webhooks = shopify_webhooks(&temp.join("webhooks"), duration, clients, separate_sender).await?;
    eprintln!("shopify webhooks: {webhooks}");
    report["shopify_webhooks"] = webhooks;
    let outbox = dispatch(&temp.join("outbox"), messages).await?;
    eprintln!("outbox dispatch: {outbox}");
    report["outbox_dispatch"] = outbox;
    println!("{}", serde_json::to_string_pretty(&report)?);
    let _ = std::fs::remove_dir_all(&temp);
    Ok(())
}

/// The storefront simulator's run: enough distinct orders for 20,000/s.
fn storefront(duration: Duration) -> sim::SimConfig {
    sim::SimConfig::demo(11, (duration.as_secs() as usize * 20_000).max(10_000))
}

/// The signed `orders/create` webhooks of that run, each a distinct order.
fn deliveries(sim: &sim::SimConfig) -> Vec<sim::Delivery> {
    let generated = Instant::now();
    let deliveries: Vec<_> = sim::scenario(sim)
        .filter(|d| d.system == sim::System::Storefront && d.header("X-Shopify-Topic") == Some("orders/create"))
        .take(sim.orders)
        .collect();
    eprintln!(
        "generated {} webhooks in {:.1}s",
        deliveries.len(),
        generated.elapsed().as_secs_f64()
    );
    deliveries
}

/// What the senders saw: each acknowledged request's latency and webhook id.
#[derive(serde::Serialize, serde::Deserialize)]
struct Sent {
    latencies: Vec<f64>,
    webhook_ids: Vec<String>,
    failures: u64,
    seconds: f64,
}

/// `clients` concurrent senders posting `deliveries` in order until `duration` is up.
async fn send(addr: SocketAddr, deliveries: Arc<Vec<sim::Delivery>>, duration: Duration, clients: usize) -> anyhow::Result<Sent> {
    let client = reqwest::Client::builder().pool_max_idle_per_host(clients).build()?;
    let next = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + duration;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, next, deliveries) = (client.clone(), next.clone(), deliveries.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut acknowledged = Vec::new();
            let mut failures = 0u64;
            while Instant::now() < deadline {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let Some(d) = deliveries.get(n) else { break };
                let mut request = client.post(format!("http://{addr}{}", d.path)).body(d.body.clone());
                for (k, v) in &d.headers {
                    request = request.header(k, v);
                }
                let t = Instant::now();
                let response = request.send().await?;
                let ok = response.status().is_success();
                let _ = response.bytes().await;
                if ok {
                    latencies.push(t.elapsed().as_secs_f64());
                    acknowledged.push(n);
                } else {
                    failures += 1;
                }
            }
            anyhow::Ok((latencies, acknowledged, failures))
        }));
    }
    let mut sent = Sent {
        latencies: Vec::new(),
        webhook_ids: Vec::new(),
        failures: 0,
        seconds: 0.0,
    };
    for task in tasks {
        let (l, a, f) = task.await??;
        sent.latencies.extend(l);
        sent.webhook_ids.extend(
            a.into_iter()
                .filter_map(|n| deliveries[n].header("X-Shopify-Webhook-Id").map(str::to_owned)),
        );
        sent.failures += f;
    }
    sent.seconds = started.elapsed().as_secs_f64();
    Ok(sent)
}

/// The child of `--separate-sender`: generates the same webhooks, sends them
/// to the parent's server and prints what it saw as JSON on stdout.
pub async fn sender(addr: SocketAddr, webhook_seconds: u64, clients: usize) -> anyhow::Result<()> {
    let duration = Duration::from_secs(webhook_seconds);
    let deliveries = Arc::new(deliveries(&storefront(duration)));
    let sent = send(addr, deliveries, duration, clients).await?;
    println!("{}", serde_json::to_string(&sent)?);
    Ok(())
}

/// Signed `orders/create` webhooks from the storefront simulator, each a
/// distinct order, posted by `clients` concurrent senders: tasks on the
/// server's runtime, or a child process with `separate_sender`.
async fn shopify_webhooks(dir: &Path, duration: Duration, clients: usize, separate_sender: bool) -> anyhow::Result<serde_json::Value> {
    let sim = storefront(duration);
    let config = crate::demo::demo_config(&sim, "bench-admin-key", dir.to_path_buf(), "127.0.0.1:0".parse()?, None)?;
    let local = (!separate_sender).then(|| Arc::new(deliveries(&sim)));
    let app = server::App::open(config)?;
    let store = app.store.clone();
    let running = BenchServer::start(app).await?;
    let addr = running.addr;
    let sent = match local {
        Some(deliveries) => send(addr, deliveries, duration, clients).await?,
        None => {
            let child = tokio::process::Command::new(std::env::current_exe()?)
                .args(["bench", "connectors", "--webhook-seconds", &duration.as_secs().to_string()])
                .args(["--clients", &clients.to_string(), "--send-to", &addr.to_string()])
                .stdin(std::process::Stdio::null())
                .stderr(std::process::Stdio::inherit())
                .output()
                .await?;
            anyhow::ensure!(child.status.success(), "the sending process failed: {}", child.status);
            serde_json::from_slice(&child.stdout)?
        }
    };
    // Decisions follow the log and yield to a burst of webhooks: how far
    // behind they were when the senders stopped, and how long they took to catch up.
    let behind = |store: &store::Store| -> anyhow::Result<u64> {
        let last = store.stats()?.last_seq;
        Ok(last.saturating_sub(store.pipeline_cursor()?))
    };
    let lag_at_end = behind(&store)?;
    let catching_up = std::time::Instant::now();
    while behind(&store)? > 0 && catching_up.elapsed() < Duration::from_secs(300) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let caught_up_after = catching_up.elapsed().as_secs_f64();
    running.stop().await?;
    let stored = store.event_count()?;
    // The simulated store redelivers some webhooks, as Shopify does.
    let ids: std::collections::HashSet<&str> = sent.webhook_ids.iter().map(String::as_str).collect();
    let accepted = sent.latencies.len();
    let mut out = json!({
        "clients": clients,
        "sender": if separate_sender { "child process" } else { "server's runtime" },
        "accepted": accepted,
        "failed": sent.failures,
        "seconds": sent.seconds,
        "accepted_per_sec": accepted as f64 / sent.seconds,
        "distinct_webhooks": ids.len(),
        "events_stored": stored,
        "decisions_behind_at_end": lag_at_end,
        "decisions_caught_up_after_s": caught_up_after,
    });
    out.as_object_mut()
        .unwrap()
        .extend(latency_figures(sent.latencies).as_object().unwrap().clone());
    anyhow::ensure!(
        stored as usize == ids.len(),
        "{} distinct webhooks acknowledged but {stored} events stored",
        ids.len()
    );
    Ok(out)
}

/// `messages` waves over 1,000 subjects enqueued at once, delivered to a
/// receiver on loopback by one connection's dispatcher (concurrency 32).
async fn dispatch(dir: &Path, messages: usize) -> anyhow::Result<serde_json::Value> {
    let received = Arc::new(AtomicUsize::new(0));
    let counter = received.clone();
    let target = axum::Router::new().fallback(move || {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::Relaxed);
            axum::http::StatusCode::CREATED
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let target_url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, target).await });

    let mut config = crate::bench::bench_config(dir);
    let mut erp: server::config::ConnectionConfig = toml_connection(&target_url)?;
    erp.dispatch.concurrency = 32;
    erp.dispatch.rate_per_second = 1e9;
    config.connections.insert(model::ConnectionId::parse("erp")?, erp);
    let app = server::App::open(config)?;
    let store = app.store.clone();
    // Enqueue before the dispatcher starts, so the rate is dispatch alone.
    for chunk in (0..messages).collect::<Vec<_>>().chunks(1000) {
        let batch = chunk.iter().map(|&i| wave(i)).collect::<anyhow::Result<Vec<_>>>()?;
        store.append_with(vec![], None, batch).await?;
    }
    let started = Instant::now();
    let running = BenchServer::start(app).await?;
    let deadline = started + Duration::from_secs(600);
    loop {
        let left = store
            .outbox_depths()?
            .iter()
            .filter(|d| d.status == "pending")
            .map(|d| d.count)
            .sum::<u64>();
        if left == 0 {
            break;
        }
        anyhow::ensure!(Instant::now() < deadline, "{left} messages still pending after 600 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    running.stop().await?;
    let calls = received.load(Ordering::Relaxed);
    anyhow::ensure!(calls >= messages, "{messages} messages settled but the receiver saw {calls} calls");
    Ok(json!({
        "messages": messages,
        "subjects": 1000,
        "concurrency": 32,
        "seconds": seconds,
        "delivered_per_sec": messages as f64 / seconds,
        "receiver_calls": calls,
    }))
}

fn toml_connection(base_url: &str) -> anyhow::Result<server::config::ConnectionConfig> {
    let text = format!("kind = \"erp\"\ntenant = \"bench\"\nbase_url = \"{base_url}\"\n");
    Ok(toml::from_str(&text)?)
}

fn wave(i: usize) -> anyhow::Result<store::NewMessage> {
    use model::outbound::{Message, Wave, WaveOrder};
    let order = format!("SO-{}", i % 1000);
    Ok(store::NewMessage {
        tenant: "bench".into(),
        connection: "erp".into(),
        subject: order.clone(),
        message: Message::Wave(Wave {
            wave_id: format!("W-{i}"),
            node: model::NodeId::parse("DC-1")?,
            release_at: None,
            orders: vec![WaveOrder {
                order_id: model::OrderId::parse(&order)?,
                priority: Some(1),
                carrier: None,
                service: None,
                ship_by: None,
                lines: vec![model::ops::LineQty {
                    sku: model::Sku::parse("SKU-1")?,
                    quantity: model::Quantity::new(1)?,
                }],
            }],
        }),
        idempotency_key: format!("bench-wave-{i}"),
        not_before: None,
    })
}

/// The whole decision pipeline under a steady webhook load: `rate` signed
/// Shopify orders per second for `seconds`, after the simulated ERP has
/// reported the catalogue and stock. Reports the accepted rate, how far the
/// pipeline fell behind, and each order's decision time (risk, triage,
/// sourcing and carrier together).
pub async fn pipeline(rate: f64, seconds: u64, dir: Option<std::path::PathBuf>) -> anyhow::Result<()> {
    let temp = tempdir(dir)?;
    let wanted = (rate * seconds as f64) as usize;
    let sim = sim::SimConfig::demo(17, wanted.max(100));
    let mut setup = Vec::new();
    let mut orders = Vec::new();
    for d in sim::scenario(&sim) {
        match d.system {
            sim::System::Erp if orders.is_empty() => setup.push(d),
            sim::System::Storefront if d.header("X-Shopify-Topic") == Some("orders/create") => orders.push(d),
            _ => {}
        }
        if orders.len() >= wanted {
            break;
        }
    }
    let config = crate::demo::demo_config(&sim, "bench-admin-key", temp.join("data"), "127.0.0.1:0".parse()?, None)?;
    let app = server::App::open(config)?;
    let store = app.store.clone();
    let running = BenchServer::start(app).await?;
    let base = format!("http://{}", running.addr);
    let client = reqwest::Client::builder().pool_max_idle_per_host(64).build()?;
    let send = |d: &sim::Delivery| {
        let mut request = client.post(format!("{base}{}", d.path)).body(d.body.clone());
        for (k, v) in &d.headers {
            request = request.header(k, v);
        }
        if d.path.starts_with("/v1/") {
            request = request.bearer_auth("bench-admin-key");
        }
        request.send()
    };
    for d in &setup {
        anyhow::ensure!(send(d).await?.status().is_success(), "setup delivery refused: {}", d.summary);
    }
    // Paced sending: each order at its slot, up to 64 in flight.
    let started = Instant::now();
    let gap = Duration::from_secs_f64(1.0 / rate);
    let in_flight = Arc::new(tokio::sync::Semaphore::new(64));
    let mut tasks = Vec::new();
    for (i, d) in orders.iter().enumerate() {
        tokio::time::sleep_until((started + gap * i as u32).into()).await;
        let permit = in_flight.clone().acquire_owned().await?;
        let request = send(d);
        tasks.push(tokio::spawn(async move {
            let ok = request.await.map(|r| r.status().is_success()).unwrap_or(false);
            drop(permit);
            ok
        }));
    }
    let mut accepted = 0;
    for t in tasks {
        accepted += usize::from(t.await?);
    }
    let sent_seconds = started.elapsed().as_secs_f64();
    let last = store.stats()?.last_seq;
    let caught_up = Instant::now();
    while store.pipeline_cursor()? < last {
        anyhow::ensure!(
            caught_up.elapsed() < Duration::from_secs(300),
            "the pipeline did not catch up in 300 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let lag_after_last = caught_up.elapsed().as_secs_f64();
    running.stop().await?;
    // Decision time per order: its decisions' latencies together.
    let per_order: Vec<f64> = store.with_reader(|conn| {
        let mut stmt = conn.prepare("SELECT sum(latency_us) FROM decisions GROUP BY tenant, subject, seq")?;
        let rows = stmt.query_map([], |r| r.get::<_, i64>(0))?;
        Ok(rows.filter_map(Result::ok).map(|us| us as f64 / 1e6).collect())
    })?;
    let decided = per_order.len();
    let mut out = json!({
        "machine": crate::bench::machine(),
        "target_orders_per_sec": rate,
        "orders_sent": orders.len(),
        "orders_accepted": accepted,
        "accepted_per_sec": accepted as f64 / sent_seconds,
        "orders_decided": decided,
        "pipeline_caught_up_after_last_webhook_s": lag_after_last,
    });
    let figures = latency_figures(per_order);
    out["decision_time_per_order"] = figures;
    println!("{}", serde_json::to_string_pretty(&out)?);
    let _ = std::fs::remove_dir_all(&temp);
    Ok(())
}
