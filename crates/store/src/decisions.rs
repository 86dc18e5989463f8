//! Decisions: every call crossdock makes (triage, risk, sourcing, carrier,
//! release), stored with its inputs, output, confidence, explanation and
//! alternatives, beside the event that triggered it.
//!
//! The decision pipeline reads order events after its cursor, decides, and
//! records the decisions together with the new cursor in one transaction:
//! after a crash it resumes where the last recorded batch ended, and a
//! decision already recorded for (kind, subject, triggering event) is not
//! recorded twice.

use model::Timestamp;
use model::ops::{Alternative, Factor};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

use crate::{Error, from_micros};

/// A decision to record.
#[derive(Debug, Clone)]
pub struct NewDecision {
    pub tenant: String,
    /// e.g. `triage`, `risk`, `sourcing`, `carrier`, `release`.
    pub kind: String,
    /// What it is about: the canonical order id.
    pub subject: String,
    /// The event (log sequence) the decision was made on.
    pub seq: u64,
    pub inputs_digest: String,
    pub inputs: serde_json::Value,
    pub output: serde_json::Value,
    pub confidence: f64,
    pub explanation: Vec<Factor>,
    pub alternatives: Vec<Alternative>,
    /// Model or algorithm and its version, e.g. `sourcing/exact-1`.
    pub model: String,
    pub latency_us: u64,
}

/// A recorded decision.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionRecord {
    pub id: u64,
    pub tenant: String,
    pub kind: String,
    pub subject: String,
    pub seq: u64,
    pub inputs_digest: String,
    pub inputs: serde_json::Value,
    pub output: serde_json::Value,
    pub confidence: f64,
    pub explanation: Vec<Factor>,
    pub alternatives: Vec<Alternative>,
    pub model: String,
    pub latency_us: u64,
    pub created_at: Timestamp,
}

/// What happened to an order after the decisions on it.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub tenant: String,
    pub subject: String,
    /// The event that showed it.
    pub seq: u64,
    /// `delivered` or `cancelled`.
    pub kind: String,
    /// e.g. `{"on_time": false, "days_late": 2, "packages": 2, "split": true, ...}`.
    pub detail: serde_json::Value,
    #[serde(skip_deserializing)]
    pub created_at: Option<Timestamp>,
}

/// An order event the pipeline has not decided on yet.
#[derive(Debug, Clone)]
pub struct PendingOrderEvent {
    pub seq: u64,
    pub tenant: String,
    /// The canonical order id.
    pub subject: String,
    pub kind: String,
}

pub(crate) fn record(
    tx: &Transaction<'_>,
    head: &mut crate::audit::Head,
    decisions: &[NewDecision],
    cursor: Option<u64>,
    models: &[(String, String)],
    outcomes: &[Outcome],
    received: i64,
) -> Result<u64, Error> {
    for o in outcomes {
        tx.prepare_cached(
            "INSERT INTO outcomes (tenant, subject, seq, kind, detail, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
        )?
        .execute(params![o.tenant, o.subject, o.seq as i64, o.kind, o.detail.to_string(), received])?;
        metrics::counter!("crossdock_outcomes_total", "kind" => o.kind.clone()).increment(1);
    }
    for (name, state) in models {
        tx.execute(
            "INSERT INTO models (name, state, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (name) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
            params![name, state, received],
        )?;
    }
    let mut insert = tx.prepare_cached(
        "INSERT INTO decisions (tenant, kind, subject, seq, inputs_digest, inputs, output, confidence, explanation, alternatives, model, latency_us, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) ON CONFLICT DO NOTHING",
    )?;
    let mut added = 0;
    // One audit entry per order and triggering event, naming each decision.
    // (tenant, subject, triggering event) → the decisions made on it.
    type Trigger<'a> = (&'a str, &'a str, u64);
    let mut audited: Vec<(Trigger<'_>, Vec<serde_json::Value>)> = Vec::new();
    for d in decisions {
        let new = insert.execute(params![
            d.tenant,
            d.kind,
            d.subject,
            d.seq as i64,
            d.inputs_digest,
            d.inputs.to_string(),
            d.output.to_string(),
            d.confidence,
            to_json(&d.explanation)?,
            to_json(&d.alternatives)?,
            d.model,
            d.latency_us as i64,
            received
        ])? as u64;
        added += new;
        if new == 1 {
            let entry = serde_json::json!({"id": tx.last_insert_rowid(), "kind": d.kind, "confidence": d.confidence, "model": d.model});
            let key = (d.tenant.as_str(), d.subject.as_str(), d.seq);
            match audited.iter_mut().find(|(k, _)| *k == key) {
                Some((_, list)) => list.push(entry),
                None => audited.push((key, vec![entry])),
            }
        }
        metrics::counter!("crossdock_decisions_total", "kind" => d.kind.clone()).increment(1);
    }
    drop(insert);
    let mut entries = Vec::with_capacity(audited.len());
    let mut source = tx.prepare_cached("SELECT source, event_id FROM events WHERE seq = ?1")?;
    for ((tenant, subject, seq), list) in audited {
        let mut sources = vec![format!("order:{subject}"), format!("event:{seq}")];
        let origin: Option<(String, String)> = source.query_row([seq as i64], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
        if let Some((source, event_id)) = origin {
            sources.push(format!("{source}:{event_id}"));
        }
        entries.push(crate::audit::NewAudit {
            tenant: Some(tenant.to_owned()),
            actor: "crossdock".into(),
            action: "decision.recorded".into(),
            subject: Some(subject.to_owned()),
            detail: serde_json::json!({ "decisions": list }),
            sources,
        });
    }
    crate::audit::append(tx, head, &entries, received)?;
    if let Some(cursor) = cursor {
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('pipeline_cursor', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [cursor.to_string()],
        )?;
    }
    Ok(added)
}

fn to_json<T: Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|e| Error::Storage(e.to_string()))
}

pub(crate) fn cursor(conn: &Connection) -> Result<u64, Error> {
    let raw: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'pipeline_cursor'", [], |r| r.get(0))
        .optional()?;
    Ok(raw.and_then(|v| v.parse().ok()).unwrap_or(0))
}

pub(crate) fn pending(conn: &Connection, after: u64, limit: usize) -> Result<Vec<PendingOrderEvent>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, tenant, subject, kind FROM events WHERE seq > ?1 AND kind IN ('order.created', 'order.updated', 'order.delivered', 'order.cancelled', 'order.chargeback',
                                                  'exception.raised', 'shipment.tracking', 'return.received')
         ORDER BY seq LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![after as i64, limit as i64], |r| {
        Ok(PendingOrderEvent {
            seq: r.get::<_, i64>(0)? as u64,
            tenant: r.get(1)?,
            subject: r.get(2)?,
            kind: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

pub(crate) fn outcomes(
    conn: &Connection,
    tenant: &str,
    subject: Option<&str>,
    kind: Option<&str>,
    after: u64,
    limit: usize,
) -> Result<Vec<(u64, Outcome)>, Error> {
    // As in `list`: a subject gets a statement that can use its index.
    let mut stmt = conn.prepare_cached(if subject.is_some() {
        "SELECT id, tenant, subject, seq, kind, detail, created_at FROM outcomes
         WHERE tenant = ?1 AND subject = ?2 AND (?3 IS NULL OR kind = ?3) AND id > ?4 ORDER BY id LIMIT ?5"
    } else {
        "SELECT id, tenant, subject, seq, kind, detail, created_at FROM outcomes
         WHERE tenant = ?1 AND ?2 IS NULL AND (?3 IS NULL OR kind = ?3) AND id > ?4 ORDER BY id LIMIT ?5"
    })?;
    let rows = stmt.query_map(params![tenant, subject, kind, after as i64, limit as i64], |r| {
        Ok((
            r.get::<_, i64>(0)? as u64,
            Outcome {
                tenant: r.get(1)?,
                subject: r.get(2)?,
                seq: r.get::<_, i64>(3)? as u64,
                kind: r.get(4)?,
                detail: serde_json::from_str(&r.get::<_, String>(5)?).unwrap_or(serde_json::Value::Null),
                created_at: Some(from_micros(r.get(6)?)),
            },
        ))
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// The risk decisions of orders whose outcome is known, with the label the
/// outcomes give: fraud when a chargeback was recorded. Each item is the
/// decision's `inputs.features` and the label, newest decision per order.
pub(crate) fn risk_examples(conn: &Connection, tenant: &str) -> Result<Vec<(serde_json::Value, bool)>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.inputs, EXISTS (SELECT 1 FROM outcomes c WHERE c.tenant = d.tenant AND c.subject = d.subject AND c.kind = 'chargeback')
         FROM decisions d
         WHERE d.tenant = ?1 AND d.kind = 'risk'
           AND d.id = (SELECT max(x.id) FROM decisions x WHERE x.tenant = d.tenant AND x.kind = 'risk' AND x.subject = d.subject)
           AND EXISTS (SELECT 1 FROM outcomes o WHERE o.tenant = d.tenant AND o.subject = d.subject)
         ORDER BY d.id",
    )?;
    let rows = stmt.query_map([tenant], |r| {
        let inputs: serde_json::Value = serde_json::from_str(&r.get::<_, String>(0)?).unwrap_or_default();
        Ok((inputs["features"].clone(), r.get::<_, bool>(1)?))
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// A learning model's saved state.
pub(crate) fn model(conn: &Connection, name: &str) -> Result<Option<String>, Error> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row("SELECT state FROM models WHERE name = ?1", [name], |r| r.get(0))
        .optional()?)
}

/// Highest sequence in the log (the cursor moves past events it skips).
pub(crate) fn last_seq(conn: &Connection) -> Result<u64, Error> {
    Ok(conn.query_row("SELECT coalesce(max(seq), 0) FROM events", [], |r| r.get::<_, i64>(0))? as u64)
}

pub(crate) fn list(
    conn: &Connection,
    tenant: &str,
    subject: Option<&str>,
    kind: Option<&str>,
    after: u64,
    limit: usize,
) -> Result<Vec<DecisionRecord>, Error> {
    // A subject is asked for with its own statement: `(?2 IS NULL OR …)`
    // keeps SQLite off the (tenant, subject, id) index, and one order's
    // decisions would be found by scanning all of the tenant's.
    let mut stmt = conn.prepare_cached(if subject.is_some() {
        "SELECT id, tenant, kind, subject, seq, inputs_digest, inputs, output, confidence, explanation, alternatives, model, latency_us, created_at
         FROM decisions WHERE tenant = ?1 AND subject = ?2 AND (?3 IS NULL OR kind = ?3) AND id > ?4
         ORDER BY id LIMIT ?5"
    } else {
        "SELECT id, tenant, kind, subject, seq, inputs_digest, inputs, output, confidence, explanation, alternatives, model, latency_us, created_at
         FROM decisions WHERE tenant = ?1 AND (?3 IS NULL OR kind = ?3) AND id > ?4 AND ?2 IS NULL
         ORDER BY id LIMIT ?5"
    })?;
    let rows = stmt.query_map(params![tenant, subject, kind, after as i64, limit as i64], |r| {
        let parse = |i: usize| -> rusqlite::Result<serde_json::Value> {
            Ok(serde_json::from_str(&r.get::<_, String>(i)?).unwrap_or(serde_json::Value::Null))
        };
        Ok(DecisionRecord {
            id: r.get::<_, i64>(0)? as u64,
            tenant: r.get(1)?,
            kind: r.get(2)?,
            subject: r.get(3)?,
            seq: r.get::<_, i64>(4)? as u64,
            inputs_digest: r.get(5)?,
            inputs: parse(6)?,
            output: parse(7)?,
            confidence: r.get(8)?,
            explanation: serde_json::from_value(parse(9)?).unwrap_or_default(),
            alternatives: serde_json::from_value(parse(10)?).unwrap_or_default(),
            model: r.get(11)?,
            latency_us: r.get::<_, i64>(12)? as u64,
            created_at: from_micros(r.get(13)?),
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}
