//! The outbox: outbound messages written in the same transaction as the
//! change that caused them, then handed to dispatchers.
//!
//! A message is `pending` until a dispatcher settles it: `delivered`, or
//! `dead` (a dead letter) after a permanent refusal, too many attempts or too
//! long a wait. Dead letters stay until replayed, which makes them pending
//! again with a fresh attempt count. Delivery order is per (connection,
//! subject): [`due`] offers only the oldest pending message of each subject.
//!
//! `inventory.atp_changed` messages coalesce: a newer value for a position
//! rewrites the pending row (and its idempotency key). A dispatcher settling
//! a delivery therefore names the key it sent; if the row changed meanwhile,
//! it stays pending and the newer value goes out next.

use model::Timestamp;
use model::outbound::Message;
use rusqlite::{Connection, Transaction, params};
use serde::Serialize;

use crate::{Error, from_micros, micros};

/// One outbound message in the outbox.
#[derive(Debug, Clone, Serialize)]
pub struct OutboxMessage {
    pub id: u64,
    pub tenant: String,
    pub connection: String,
    pub subject: String,
    pub kind: String,
    pub payload: serde_json::Value,
    pub idempotency_key: String,
    /// pending | delivered | dead
    pub status: String,
    pub attempts: u32,
    pub next_attempt_at: Timestamp,
    pub created_at: Timestamp,
    /// Why the last attempt failed (or why the message is a dead letter).
    pub last_error: Option<String>,
    /// When it was delivered or dead-lettered.
    pub settled_at: Option<Timestamp>,
}

/// A message to enqueue together with the events of an append.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub tenant: String,
    pub connection: String,
    /// Delivery is ordered per (connection, subject): an order id, a ticket id.
    pub subject: String,
    pub message: Message,
    /// The key the target deduplicates on; unique across the outbox. Derive it
    /// from what caused the message, so a retried request enqueues nothing new.
    pub idempotency_key: String,
    /// Not before this time (a wave released later); `None` means now.
    pub not_before: Option<Timestamp>,
}

/// What a dispatcher learned about one message.
#[derive(Debug, Clone, PartialEq)]
pub enum Settlement {
    /// The target accepted the message sent under `key`.
    Delivered { id: u64, key: String },
    /// Try again at `at`; `error` says what went wrong this time.
    Retry { id: u64, at: Timestamp, error: String },
    /// Give up: the message becomes a dead letter with this reason.
    Dead { id: u64, error: String },
}

/// Which dead letters to replay.
#[derive(Debug, Clone, Default)]
pub struct ReplayFilter {
    pub ids: Vec<u64>,
    pub connection: Option<String>,
    pub tenant: Option<String>,
}

/// Depth and age of one connection's queue, for metrics and the dashboard.
#[derive(Debug, Clone, Serialize)]
pub struct QueueDepth {
    pub connection: String,
    pub status: String,
    pub count: u64,
    pub oldest: Option<Timestamp>,
}

const COLUMNS: &str = "id, tenant, connection, subject, kind, payload, idempotency_key, status, attempts, next_attempt_at, created_at, last_error, settled_at";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxMessage> {
    Ok(OutboxMessage {
        id: r.get::<_, i64>(0)? as u64,
        tenant: r.get(1)?,
        connection: r.get(2)?,
        subject: r.get(3)?,
        kind: r.get(4)?,
        payload: serde_json::from_str(&r.get::<_, String>(5)?).unwrap_or(serde_json::Value::Null),
        idempotency_key: r.get(6)?,
        status: r.get(7)?,
        attempts: r.get::<_, i64>(8)? as u32,
        next_attempt_at: from_micros(r.get(9)?),
        created_at: from_micros(r.get(10)?),
        last_error: r.get(11)?,
        settled_at: r.get::<_, Option<i64>>(12)?.map(from_micros),
    })
}

/// Messages of `connection` a dispatcher may send now, oldest first: due,
/// not in `exclude` (already in flight), and each the oldest pending message
/// of its subject.
pub(crate) fn due(conn: &Connection, connection: &str, now: Timestamp, exclude: &[u64], limit: usize) -> Result<Vec<OutboxMessage>, Error> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM outbox o INDEXED BY outbox_status
         WHERE o.connection = ?1 AND o.status = 'pending' AND o.next_attempt_at <= ?2
           AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.connection = o.connection AND p.subject = o.subject
                           AND p.status = 'pending' AND p.id < o.id)
         ORDER BY o.id LIMIT ?3"
    ))?;
    // In-flight messages are still pending; skip them here rather than in SQL.
    let rows = stmt.query_map(params![connection, micros(now), (limit + exclude.len()) as i64], row)?;
    let mut out = Vec::with_capacity(limit);
    for message in rows {
        let message = message?;
        if !exclude.contains(&message.id) {
            out.push(message);
            if out.len() == limit {
                break;
            }
        }
    }
    Ok(out)
}

/// Outbox messages, oldest first, filtered by status, connection and tenant, after `after`.
pub(crate) fn list(
    conn: &Connection,
    status: Option<&str>,
    connection: Option<&str>,
    tenant: Option<&str>,
    after: u64,
    limit: usize,
) -> Result<Vec<OutboxMessage>, Error> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM outbox WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR connection = ?2)
         AND (?3 IS NULL OR tenant = ?3) AND id > ?4 ORDER BY id LIMIT ?5"
    ))?;
    let rows = stmt.query_map(params![status, connection, tenant, after as i64, limit as i64], row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

pub(crate) fn get(conn: &Connection, id: u64) -> Result<Option<OutboxMessage>, Error> {
    use rusqlite::OptionalExtension;
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM outbox WHERE id = ?1"))?;
    Ok(stmt.query_row([id as i64], row).optional()?)
}

/// Count and oldest message per (connection, status), for pending and dead.
pub(crate) fn depths(conn: &Connection) -> Result<Vec<QueueDepth>, Error> {
    // Counted from the index alone; the oldest message is the lowest id (a
    // coalesced row keeps its first id and creation time).
    let mut stmt = conn.prepare_cached(
        "SELECT connection, status, count(*), min(id) FROM outbox INDEXED BY outbox_status
         WHERE status IN ('pending', 'dead') GROUP BY status, connection",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)? as u64,
                r.get::<_, i64>(3)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut created = conn.prepare_cached("SELECT created_at FROM outbox WHERE id = ?1")?;
    let mut out = Vec::with_capacity(rows.len());
    for (connection, status, count, oldest_id) in rows {
        let oldest = created.query_row([oldest_id], |r| r.get::<_, i64>(0)).ok().map(from_micros);
        out.push(QueueDepth {
            connection,
            status,
            count,
            oldest,
        });
    }
    out.sort_by(|a, b| (&a.connection, &a.status).cmp(&(&b.connection, &b.status)));
    Ok(out)
}

/// Inserts messages; one whose idempotency key is already in the outbox is
/// skipped (the request that caused it was retried). Returns how many were new.
pub(crate) fn enqueue(tx: &Transaction<'_>, messages: &[NewMessage], received: i64) -> Result<u64, Error> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO outbox (tenant, connection, subject, kind, payload, idempotency_key, next_attempt_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (idempotency_key) DO NOTHING",
    )?;
    let mut added = 0;
    for m in messages {
        let due = m.not_before.map_or(received, micros).max(received);
        let kind = m.message.kind();
        added += insert.execute(params![
            m.tenant,
            m.connection,
            m.subject,
            kind,
            m.message.payload().to_string(),
            m.idempotency_key,
            due,
            received
        ])? as u64;
        metrics::counter!("crossdock_outbox_enqueued_total", "kind" => kind).increment(1);
    }
    Ok(added)
}

/// Records what dispatchers learned. Returns how many rows changed.
pub(crate) fn settle(tx: &Transaction<'_>, settlements: &[Settlement], received: i64) -> Result<u64, Error> {
    let mut changed = 0;
    for s in settlements {
        changed += match s {
            // Only if the row still holds what was sent: a coalesced newer
            // value must still go out.
            Settlement::Delivered { id, key } => tx
                .prepare_cached(
                    "UPDATE outbox SET status = 'delivered', attempts = attempts + 1, settled_at = ?3, last_error = NULL
                     WHERE id = ?1 AND idempotency_key = ?2 AND status = 'pending'",
                )?
                .execute(params![*id as i64, key, received])?,
            Settlement::Retry { id, at, error } => tx
                .prepare_cached(
                    "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2, last_error = ?3
                     WHERE id = ?1 AND status = 'pending'",
                )?
                .execute(params![*id as i64, micros(*at), error])?,
            Settlement::Dead { id, error } => tx
                .prepare_cached(
                    "UPDATE outbox SET status = 'dead', attempts = attempts + 1, last_error = ?2, settled_at = ?3
                     WHERE id = ?1 AND status = 'pending'",
                )?
                .execute(params![*id as i64, error, received])?,
        } as u64;
    }
    Ok(changed)
}

/// Makes matching dead letters pending again, due now, with a fresh attempt
/// count. A dead `atp_changed` message whose position already has a newer
/// pending value is dropped instead: the newer value supersedes it.
pub(crate) fn replay(tx: &Transaction<'_>, filter: &ReplayFilter, received: i64) -> Result<Vec<u64>, Error> {
    let mut select = tx.prepare_cached(
        "SELECT id, connection, kind, subject FROM outbox WHERE status = 'dead'
         AND (?1 IS NULL OR connection = ?1) AND (?2 IS NULL OR tenant = ?2) ORDER BY id",
    )?;
    let candidates = select
        .query_map(params![filter.connection, filter.tenant], |r| {
            Ok((
                r.get::<_, i64>(0)? as u64,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut replayed = Vec::new();
    for (id, connection, kind, subject) in candidates {
        if !filter.ids.is_empty() && !filter.ids.contains(&id) {
            continue;
        }
        if kind == "inventory.atp_changed" {
            let superseded: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM outbox WHERE connection = ?1 AND kind = ?2 AND subject = ?3 AND status = 'pending')",
                params![connection, kind, subject],
                |r| r.get(0),
            )?;
            if superseded {
                tx.execute("DELETE FROM outbox WHERE id = ?1", [id as i64])?;
                continue;
            }
        }
        tx.execute(
            "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?2, settled_at = NULL WHERE id = ?1",
            params![id as i64, received],
        )?;
        replayed.push(id);
    }
    Ok(replayed)
}
