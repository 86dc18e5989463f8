//! Return authorisations (RMAs): written with their audit entry and the
//! expected-return action in one transaction.

use model::Timestamp;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

use crate::actions::{self, NewAction};
use crate::audit::{self, Head, NewAudit};
use crate::{Error, from_micros};

/// A return to record. The RMA number is made from the row id.
#[derive(Debug, Clone)]
pub struct NewReturn {
    pub tenant: String,
    pub order_id: String,
    /// `authorized`, `in_review` or `rejected`.
    pub status: String,
    pub detail: serde_json::Value,
    /// The expected return for the WMS, as the gateway judged it.
    pub action: Option<NewAction>,
    pub created_by: String,
}

/// A stored return authorisation.
#[derive(Debug, Clone, Serialize)]
pub struct ReturnRecord {
    pub rma: String,
    pub tenant: String,
    pub order_id: String,
    pub status: String,
    pub detail: serde_json::Value,
    pub action_id: Option<u64>,
    pub created_at: Timestamp,
    pub created_by: String,
    pub updated_at: Timestamp,
}

/// `RMA-` and six or more digits: short enough to read over the phone.
fn rma_of(id: i64) -> String {
    format!("RMA-{id:06}")
}

pub(crate) fn create(tx: &Transaction<'_>, head: &mut Head, new: &NewReturn, at: i64) -> Result<ReturnRecord, Error> {
    let next: i64 = tx.query_row("SELECT coalesce(max(id), 0) + 1 FROM returns", [], |r| r.get(0))?;
    let rma = rma_of(next);
    let mut detail = new.detail.clone();
    detail["rma"] = serde_json::json!(rma);
    let action_id = match &new.action {
        Some(action) => {
            let mut action = action.clone();
            action.subject = new.order_id.clone();
            // The expected return carries the RMA it is for, known only now.
            if let Some(model::outbound::Message::ExpectedReturn(expected)) = action.message.as_mut().map(|m| &mut m.message) {
                expected.rma = rma.clone();
            }
            action.idempotency_key = format!("{}:{rma}", action.idempotency_key);
            if let Some(m) = action.message.as_mut() {
                m.idempotency_key = action.idempotency_key.clone();
            }
            actions::record(tx, head, std::slice::from_ref(&action), at)?.first().copied()
        }
        None => None,
    };
    tx.execute(
        "INSERT INTO returns (id, rma, tenant, order_id, status, detail, action_id, created_at, created_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?8)",
        params![
            next,
            rma,
            new.tenant,
            new.order_id,
            new.status,
            detail.to_string(),
            action_id.map(|a| a as i64),
            at,
            new.created_by
        ],
    )?;
    audit::append(
        tx,
        head,
        &[NewAudit {
            tenant: Some(new.tenant.clone()),
            actor: new.created_by.clone(),
            action: format!("return.{}", new.status),
            subject: Some(format!("order:{}", new.order_id)),
            detail: serde_json::json!({"rma": rma, "decision": detail.get("decision"), "action": action_id}),
            sources: vec![format!("order:{}", new.order_id)],
        }],
        at,
    )?;
    get(tx, &new.tenant, &rma)?.ok_or_else(|| Error::Corrupt(format!("return {rma} vanished after insert")))
}

/// Moves a return to `status` (audited), recording what happened in its
/// detail under `event`; `None` when there is no such return.
#[allow(clippy::too_many_arguments)]
pub(crate) fn set_status(
    tx: &Transaction<'_>,
    head: &mut Head,
    tenant: &str,
    rma: &str,
    status: &str,
    by: &str,
    event: &serde_json::Value,
    at: i64,
) -> Result<Option<ReturnRecord>, Error> {
    let Some(mut record) = get(tx, tenant, rma)? else {
        return Ok(None);
    };
    if record.status == status {
        return Ok(Some(record));
    }
    let history = record.detail["history"].as_array().cloned().unwrap_or_default();
    let mut history = history;
    history.push(serde_json::json!({"status": status, "at": from_micros(at), "by": by, "event": event}));
    record.detail["history"] = serde_json::Value::Array(history);
    tx.execute(
        "UPDATE returns SET status = ?3, detail = ?4, updated_at = ?5 WHERE tenant = ?1 AND rma = ?2",
        params![tenant, rma, status, record.detail.to_string(), at],
    )?;
    audit::append(
        tx,
        head,
        &[NewAudit {
            tenant: Some(tenant.to_owned()),
            actor: by.to_owned(),
            action: format!("return.{status}"),
            subject: Some(format!("order:{}", record.order_id)),
            detail: serde_json::json!({"rma": rma, "event": event}),
            sources: vec![format!("order:{}", record.order_id)],
        }],
        at,
    )?;
    get(tx, tenant, rma)
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ReturnRecord> {
    let detail: String = r.get(4)?;
    Ok(ReturnRecord {
        rma: r.get(0)?,
        tenant: r.get(1)?,
        order_id: r.get(2)?,
        status: r.get(3)?,
        detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
        action_id: r.get::<_, Option<i64>>(5)?.map(|a| a as u64),
        created_at: from_micros(r.get(6)?),
        created_by: r.get(7)?,
        updated_at: from_micros(r.get(8)?),
    })
}

const COLUMNS: &str = "rma, tenant, order_id, status, detail, action_id, created_at, created_by, updated_at";

pub(crate) fn get(conn: &Connection, tenant: &str, rma: &str) -> Result<Option<ReturnRecord>, Error> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM returns WHERE tenant = ?1 AND rma = ?2"))?;
    Ok(stmt.query_row(params![tenant, rma], row).optional()?)
}

pub(crate) fn for_order(conn: &Connection, tenant: &str, order_id: &str) -> Result<Vec<ReturnRecord>, Error> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM returns WHERE tenant = ?1 AND order_id = ?2 ORDER BY id"
    ))?;
    let rows = stmt.query_map(params![tenant, order_id], row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}
