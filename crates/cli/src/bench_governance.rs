//! `crossdock bench governance`: what the gateway and the audit trail cost
//! per action, and how fast the audit chain verifies.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use engine::governance::{Autonomy, Mode, Workflow};
use model::outbound::{Message, Wave, WaveOrder};
use serde_json::json;
use server::gateway::Proposed;

use crate::bench::{latency_figures, machine};

const POLICIES: &str = r#"
[[governance.policies]]
name = "no-release-after-shipment"
actions = ["wms.release"]
rule = "order_status"
statuses = ["shipped", "delivered"]
effect = "block"

[[governance.policies]]
name = "costly-releases-need-review"
actions = ["wms.release"]
rule = "max_cost"
amount = 500.0
effect = "review"

[[governance.policies]]
name = "holds-by-ops"
actions = ["inventory.hold"]
rule = "roles"
roles = ["ops", "admin"]
effect = "block"

[[governance.policies]]
name = "quiet-hours"
actions = ["customer.message"]
rule = "quiet_hours"
from = "22:00"
to = "07:00"
effect = "defer"
"#;

fn config(dir: &std::path::Path) -> anyhow::Result<server::Config> {
    let text = format!(
        r#"[server]
data_dir = "{dir}"

[tenants.bench]
name = "Bench"

[nodes.DC-1]
tenant = "bench"
kind = "dc"

[connections.wms]
kind = "wms"
tenant = "bench"
nodes = ["DC-1"]
base_url = "http://127.0.0.1:9"
{POLICIES}"#,
        dir = dir.display()
    );
    let mut config = server::Config::parse(&text).map_err(|e| anyhow::anyhow!("{}: {}", e.key, e.message))?;
    for conn in config.connections.values_mut() {
        conn.secret = Some(server::Secret::generated("bench-only".into()));
    }
    config.governance.autonomy.insert(
        Workflow::Release,
        Autonomy {
            mode: Mode::Auto,
            min_confidence: 0.5,
            max_cost: Some(1_000.0),
        },
    );
    config.validate().map_err(|e| anyhow::anyhow!("{}: {}", e.key, e.message))?;
    Ok(config)
}

/// Action `i`: releasing order `SO-i` to DC-1, with a confidence that sends
/// about one in ten to review.
fn proposal(i: usize) -> anyhow::Result<Proposed> {
    let order = format!("SO-{i}");
    let key = format!("bench:wms.release:{order}");
    Ok(Proposed {
        tenant: model::TenantId::parse("bench")?,
        workflow: Workflow::Release,
        kind: "wms.release",
        subject: order.clone(),
        message: Some(store::NewMessage {
            tenant: "bench".into(),
            connection: "wms".into(),
            subject: order.clone(),
            message: Message::Wave(Wave {
                wave_id: format!("R-{order}"),
                node: model::NodeId::parse("DC-1")?,
                release_at: None,
                orders: vec![WaveOrder {
                    order_id: model::OrderId::parse(&order)?,
                    priority: None,
                    carrier: Some("UPS".into()),
                    service: Some("GROUND".into()),
                    ship_by: None,
                    lines: vec![model::ops::LineQty {
                        sku: model::Sku::parse("SKU-1")?,
                        quantity: model::Quantity::new(1 + (i % 5) as i64)?,
                    }],
                }],
            }),
            idempotency_key: key.clone(),
            not_before: None,
        }),
        idempotency_key: key,
        decision: json!({"decisions": [{"kind": "sourcing", "confidence": 0.9, "explanation": ["DC-1 has the stock."]}]}),
        decision_seq: None,
        confidence: if i.is_multiple_of(10) { 0.4 } else { 0.9 },
        cost_impact: 12.0 + (i % 7) as f64,
        amount: None,
        order_status: Some("open"),
        local_tz: None,
    })
}

pub async fn run(actions: usize, clients: usize, audit_entries: usize) -> anyhow::Result<()> {
    let temp = crate::bench::tempdir(None)?;
    let app = server::App::open(config(&temp.join("data"))?).context("opening the store")?;

    // 1. The gate alone: autonomy, four policies, the connector's payload validation.
    let mut gate = Vec::with_capacity(actions);
    for i in 0..actions {
        let p = proposal(i)?;
        let started = Instant::now();
        let action = app.gateway.judge(&app, p, None);
        gate.push(started.elapsed().as_secs_f64());
        std::hint::black_box(action);
    }

    // 2. Gate + audit one action at a time: judged, recorded with its audit
    // entry (and outbox message when executed), committed to disk.
    let single = actions.min(2_000);
    let mut one_by_one = Vec::with_capacity(single);
    for i in 0..single {
        let p = proposal(actions + i)?;
        let started = Instant::now();
        let action = app.gateway.judge(&app, p, None);
        app.store.record_actions(vec![action]).await?;
        one_by_one.push(started.elapsed().as_secs_f64());
    }

    // 2b. As the pipeline records them: a round's actions judged and
    // committed together; the cost per action of each group.
    let group = 100;
    let mut grouped = Vec::new();
    let mut next = actions + single;
    while next < 2 * actions + single {
        let started = Instant::now();
        let batch = (next..next + group)
            .map(|i| proposal(i).map(|p| app.gateway.judge(&app, p, None)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        app.store.record_actions(batch).await?;
        grouped.push(started.elapsed().as_secs_f64() / group as f64);
        next += group;
    }

    // 3. Under load: `clients` callers proposing at once; the writer commits
    // their actions in groups, as it does for the pipeline.
    let app = Arc::new(app);
    let base = 2 * actions + single;
    let per_client = actions / clients.max(1);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_client);
            for i in 0..per_client {
                let p = proposal(base + c * per_client + i)?;
                let t = Instant::now();
                let action = app.gateway.judge(&app, p, None);
                app.store.record_actions(vec![action]).await?;
                latencies.push(t.elapsed().as_secs_f64());
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut loaded = Vec::new();
    for t in tasks {
        loaded.extend(t.await??);
    }
    let load_seconds = started.elapsed().as_secs_f64();
    let recorded = app.store.actions(&store::ActionFilter {
        status: Some(store::ActionStatus::Review),
        limit: 1_000_000,
        ..Default::default()
    })?;

    // 4. Verify speed: the chain grown to `audit_entries`, then walked.
    let have = app.store.verify_audit()?.entries as usize;
    let fill_started = Instant::now();
    let mut n = have;
    while n < audit_entries {
        let batch = (audit_entries - n).min(10_000);
        let entries = (n..n + batch)
            .map(|i| store::NewAudit {
                tenant: Some("bench".into()),
                actor: "crossdock".into(),
                action: "decision.recorded".into(),
                subject: Some(format!("SO-{i}")),
                detail: json!({"decisions": [{"id": i, "kind": "sourcing", "confidence": 0.93, "model": "sourcing/exact-1"}]}),
                sources: vec![format!("order:SO-{i}"), format!("event:{i}"), format!("shop:webhook-{i}")],
            })
            .collect();
        app.store.audit(entries).await?;
        n += batch;
    }
    let fill_seconds = fill_started.elapsed().as_secs_f64();
    let verification = app.store.verify_audit()?;
    anyhow::ensure!(
        verification.ok,
        "the bench's own chain does not verify: {:?}",
        verification.first_bad
    );
    let data_dir = app.store.data_dir().to_path_buf();
    let offline = store::audit::verify_dir(&data_dir)?;

    let per_action_us = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let pick = |p: f64| v[((v.len() as f64 - 1.0) * p).round() as usize] * 1e6;
        json!({"p50_us": pick(0.5), "p99_us": pick(0.99), "max_us": v.last().copied().unwrap_or(0.0) * 1e6})
    };
    let report = json!({
        "machine": machine(),
        "gateway_only": {"actions": actions, "policies": 4, "latency": per_action_us(gate)},
        "gateway_and_audit_one_at_a_time": {
            "actions": single,
            "note": "each action judged, recorded with its audit entry and outbox message, and committed (fsync) before the next",
            "latency": latency_figures(one_by_one),
        },
        "gateway_and_audit_in_groups": {
            "group": group,
            "groups": grouped.len(),
            "note": "a round's actions judged, recorded with their audit entries and outbox messages, committed together; per action",
            "latency": per_action_us(grouped),
        },
        "gateway_and_audit_under_load": {
            "clients": clients,
            "actions": loaded.len(),
            "actions_per_sec": loaded.len() as f64 / load_seconds,
            "cpu_us_per_action": load_seconds * 1e6 / loaded.len() as f64,
            "latency": latency_figures(loaded),
            "sent_to_review": recorded.len(),
        },
        "audit_verify": {
            "entries": verification.entries,
            "seconds": verification.seconds,
            "entries_per_sec": verification.entries as f64 / verification.seconds,
            "offline_entries_per_sec": offline.entries as f64 / offline.seconds,
            "fill_entries_per_sec": (audit_entries.saturating_sub(have)) as f64 / fill_seconds,
        },
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    drop(app);
    let _ = std::fs::remove_dir_all(&temp);
    Ok(())
}
