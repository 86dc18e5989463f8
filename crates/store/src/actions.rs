//! Governed actions and the review queue.
//!
//! Every action crossdock proposes to an external system is recorded with
//! what the gateway made of it. `executed` actions put their message in the
//! outbox in the same transaction; `review` actions wait in the queue until a
//! person approves (the message goes to the outbox then, exactly once) or
//! rejects them; `shadow` actions record what would have been done; `blocked`
//! ones name the policy. Each gets an audit entry in the same transaction.

use model::Timestamp;
use model::outbound::Message;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

use crate::audit::{self, Head, NewAudit};
use crate::outbox::{self, NewMessage};
use crate::{Error, from_micros, micros};

/// Where an action stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    /// Decided in shadow mode: recorded, nothing sent.
    Shadow,
    /// Waiting for a person in the review queue.
    Review,
    /// Sent to the outbox.
    Executed,
    /// Stopped by a policy.
    Blocked,
    /// A reviewer said no.
    Rejected,
}

impl ActionStatus {
    pub const ALL: [ActionStatus; 5] = [Self::Shadow, Self::Review, Self::Executed, Self::Blocked, Self::Rejected];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Shadow => "shadow",
            Self::Review => "review",
            Self::Executed => "executed",
            Self::Blocked => "blocked",
            Self::Rejected => "rejected",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// An action to record, as the gateway judged it.
#[derive(Debug, Clone)]
pub struct NewAction {
    pub tenant: String,
    /// `release`, `sourcing`, `customer_messages`, …
    pub workflow: String,
    /// What it does: `wms.release`, `inventory.hold`, `customer.message`, …
    pub kind: String,
    /// Usually the order id.
    pub subject: String,
    /// The message and where it goes; `None` when no connection can take it
    /// (recorded all the same, so a person sees what was meant).
    pub message: Option<NewMessage>,
    /// Unique per action: the same proposal made twice records once.
    pub idempotency_key: String,
    /// The decision it carries out, for the reviewer: kind, explanation,
    /// alternatives, key inputs.
    pub decision: serde_json::Value,
    /// The event the decisions it carries out were made on: their ids are
    /// linked in `decision.ids` and the audit entry.
    pub decision_seq: Option<u64>,
    pub confidence: f64,
    pub cost_impact: f64,
    pub mode: String,
    pub status: ActionStatus,
    /// Verdict, policy checks and plain-words explanation.
    pub gate: serde_json::Value,
    pub not_before: Option<Timestamp>,
    pub requested_by: String,
}

/// A recorded action (a review queue item when `status` is `review`).
#[derive(Debug, Clone, Serialize)]
pub struct ActionRecord {
    pub id: u64,
    pub tenant: String,
    pub workflow: String,
    pub kind: String,
    pub subject: String,
    pub connection: Option<String>,
    pub message_kind: Option<String>,
    pub payload: Option<serde_json::Value>,
    pub idempotency_key: String,
    pub decision: serde_json::Value,
    pub confidence: f64,
    pub cost_impact: f64,
    pub mode: String,
    pub status: ActionStatus,
    pub gate: serde_json::Value,
    pub not_before: Option<Timestamp>,
    pub outbox_id: Option<u64>,
    pub requested_by: String,
    pub assignee: Option<String>,
    pub created_at: Timestamp,
    pub decided_by: Option<String>,
    pub decided_at: Option<Timestamp>,
    pub reason: Option<String>,
    #[serde(rename = "override")]
    pub override_payload: Option<serde_json::Value>,
}

/// A person's answer to a queued action.
#[derive(Debug, Clone)]
pub struct ReviewDecision {
    pub id: u64,
    pub approve: bool,
    /// `key:<id>`, `jwt:<sub>`, `admin`.
    pub by: String,
    pub reason: String,
    /// An edited message to send instead of the proposed one (approval only).
    pub override_message: Option<Message>,
    /// The gateway's second look with the reviewer's role (policies such as
    /// "holds only by ops" apply to the person approving). `Some` blocks.
    pub blocked_by: Option<serde_json::Value>,
}

/// Which actions to list.
#[derive(Debug, Clone, Default)]
pub struct ActionFilter {
    pub tenants: Option<Vec<String>>,
    pub status: Option<ActionStatus>,
    pub workflow: Option<String>,
    pub subject: Option<String>,
    pub assignee: Option<String>,
    /// Created at or before this (items older than an age).
    pub created_before: Option<Timestamp>,
    pub after: u64,
    pub limit: usize,
}

fn action_audit(a: &NewAction, id: u64, outbox_id: Option<u64>, decisions: &[i64]) -> NewAudit {
    let action = match a.status {
        ActionStatus::Shadow => "action.shadow",
        ActionStatus::Review => "action.queued",
        ActionStatus::Executed => "action.executed",
        ActionStatus::Blocked => "policy.blocked",
        ActionStatus::Rejected => "action.rejected",
    };
    let mut sources = vec![format!("action:{id}"), format!("order:{}", a.subject)];
    sources.extend(decisions.iter().map(|d| format!("decision:{d}")));
    if let Some(o) = outbox_id {
        sources.push(format!("outbox:{o}"));
    }
    NewAudit {
        tenant: Some(a.tenant.clone()),
        actor: a.requested_by.clone(),
        action: action.into(),
        subject: Some(a.subject.clone()),
        detail: serde_json::json!({
            "workflow": a.workflow, "kind": a.kind, "mode": a.mode, "confidence": a.confidence,
            "cost_impact": a.cost_impact, "connection": a.message.as_ref().map(|m| &m.connection),
            "gate": a.gate,
        }),
        sources,
    }
}

/// Records actions (those already recorded under the same key are skipped),
/// enqueues the executed ones, audits each. Returns the ids of new actions.
pub(crate) fn record(tx: &Transaction<'_>, head: &mut Head, actions: &[NewAction], at: i64) -> Result<Vec<u64>, Error> {
    let mut ids = Vec::with_capacity(actions.len());
    let mut entries = Vec::new();
    for a in actions {
        let mut decision = a.decision.clone();
        let mut decision_ids = Vec::new();
        if let Some(seq) = a.decision_seq {
            let mut stmt = tx.prepare_cached("SELECT id FROM decisions WHERE tenant = ?1 AND subject = ?2 AND seq = ?3 ORDER BY id")?;
            decision_ids = stmt
                .query_map(params![a.tenant, a.subject, seq as i64], |r| r.get::<_, i64>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            if let Some(map) = decision.as_object_mut() {
                map.insert("ids".into(), serde_json::json!(decision_ids));
            }
        }
        let (connection, kind, payload) = match &a.message {
            Some(m) => (
                Some(m.connection.as_str()),
                Some(m.message.kind()),
                Some(m.message.payload().to_string()),
            ),
            None => (None, None, None),
        };
        let inserted = tx
            .prepare_cached(
                "INSERT INTO actions (tenant, workflow, kind, subject, connection, message_kind, payload, idempotency_key, decision,
                     confidence, cost_impact, mode, status, gate, not_before, requested_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17) ON CONFLICT DO NOTHING",
            )?
            .execute(params![
                a.tenant,
                a.workflow,
                a.kind,
                a.subject,
                connection,
                kind,
                payload,
                a.idempotency_key,
                decision.to_string(),
                a.confidence,
                a.cost_impact,
                a.mode,
                a.status.as_str(),
                a.gate.to_string(),
                a.not_before.map(micros),
                a.requested_by,
                at
            ])?;
        if inserted == 0 {
            continue;
        }
        let id = tx.last_insert_rowid() as u64;
        let mut outbox_id = None;
        if a.status == ActionStatus::Executed
            && let Some(message) = &a.message
        {
            outbox_id = enqueue_one(tx, message, a.not_before, at)?;
            tx.prepare_cached("UPDATE actions SET outbox_id = ?2 WHERE id = ?1")?
                .execute(params![id as i64, outbox_id.map(|o| o as i64)])?;
        }
        metrics::counter!("crossdock_actions_total", "workflow" => a.workflow.clone(), "status" => a.status.as_str()).increment(1);
        entries.push(action_audit(a, id, outbox_id, &decision_ids));
        ids.push(id);
    }
    audit::append(tx, head, &entries, at)?;
    Ok(ids)
}

/// Puts one message in the outbox; its id (none if its key was there already).
fn enqueue_one(tx: &Transaction<'_>, message: &NewMessage, not_before: Option<Timestamp>, at: i64) -> Result<Option<u64>, Error> {
    let mut message = message.clone();
    if not_before.is_some() {
        message.not_before = not_before;
    }
    let added = outbox::enqueue(tx, std::slice::from_ref(&message), at)?;
    Ok((added == 1).then(|| tx.last_insert_rowid() as u64))
}

/// Approves or rejects a queued action. Approval sends its message (or the
/// reviewer's edited one) to the outbox, exactly once.
pub(crate) fn decide(tx: &Transaction<'_>, head: &mut Head, d: &ReviewDecision, at: i64) -> Result<ActionRecord, Error> {
    let current = get_in(tx, d.id)?.ok_or(Error::UnknownAction(d.id))?;
    if current.status != ActionStatus::Review {
        return Err(Error::ActionDecided(d.id, current.status.as_str().into()));
    }
    let mut sources = vec![format!("action:{}", d.id), format!("order:{}", current.subject)];
    let (status, outbox_id, action) = if let Some(block) = &d.blocked_by {
        (ActionStatus::Blocked, None, ("policy.blocked", block.clone()))
    } else if d.approve {
        let outbox_id = match (&current.connection, &current.message_kind) {
            (Some(connection), Some(kind)) => {
                let message = match &d.override_message {
                    Some(m) => m.clone(),
                    None => Message::from_parts(kind, current.payload.as_ref().unwrap_or(&serde_json::Value::Null))
                        .map_err(|e| Error::Invalid(format!("action {}: stored message unreadable: {e}", d.id)))?,
                };
                let new = NewMessage {
                    tenant: current.tenant.clone(),
                    connection: connection.clone(),
                    subject: current.subject.clone(),
                    message,
                    idempotency_key: current.idempotency_key.clone(),
                    not_before: current.not_before,
                };
                enqueue_one(tx, &new, current.not_before, at)?
            }
            _ => None,
        };
        if let Some(o) = outbox_id {
            sources.push(format!("outbox:{o}"));
        }
        (ActionStatus::Executed, outbox_id, ("review.approved", serde_json::Value::Null))
    } else {
        (ActionStatus::Rejected, None, ("review.rejected", serde_json::Value::Null))
    };
    let override_json = d.override_message.as_ref().map(|m| m.payload().to_string());
    tx.prepare_cached(
        "UPDATE actions SET status = ?2, outbox_id = ?3, decided_by = ?4, decided_at = ?5, reason = ?6, override = ?7 WHERE id = ?1",
    )?
    .execute(params![
        d.id as i64,
        status.as_str(),
        outbox_id.map(|o| o as i64),
        d.by,
        at,
        d.reason,
        override_json
    ])?;
    audit::append(
        tx,
        head,
        &[NewAudit {
            tenant: Some(current.tenant.clone()),
            actor: d.by.clone(),
            action: action.0.into(),
            subject: Some(current.subject.clone()),
            detail: serde_json::json!({"workflow": current.workflow, "kind": current.kind, "reason": d.reason,
                "overridden": d.override_message.is_some(), "policy": action.1}),
            sources,
        }],
        at,
    )?;
    metrics::counter!("crossdock_reviews_total", "outcome" => status.as_str()).increment(1);
    get_in(tx, d.id)?.ok_or(Error::UnknownAction(d.id))
}

/// Assigns a queued action to a person (or clears it).
pub(crate) fn assign(
    tx: &Transaction<'_>,
    head: &mut Head,
    id: u64,
    assignee: Option<&str>,
    by: &str,
    at: i64,
) -> Result<ActionRecord, Error> {
    let current = get_in(tx, id)?.ok_or(Error::UnknownAction(id))?;
    tx.execute("UPDATE actions SET assignee = ?2 WHERE id = ?1", params![id as i64, assignee])?;
    audit::append(
        tx,
        head,
        &[NewAudit {
            tenant: Some(current.tenant.clone()),
            actor: by.into(),
            action: "review.assigned".into(),
            subject: Some(current.subject.clone()),
            detail: serde_json::json!({"assignee": assignee}),
            sources: vec![format!("action:{id}")],
        }],
        at,
    )?;
    get_in(tx, id)?.ok_or(Error::UnknownAction(id))
}

const COLUMNS: &str = "id, tenant, workflow, kind, subject, connection, message_kind, payload, idempotency_key, decision, confidence,
    cost_impact, mode, status, gate, not_before, outbox_id, requested_by, assignee, created_at, decided_by, decided_at, reason, override";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ActionRecord> {
    let json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    Ok(ActionRecord {
        id: r.get::<_, i64>(0)? as u64,
        tenant: r.get(1)?,
        workflow: r.get(2)?,
        kind: r.get(3)?,
        subject: r.get(4)?,
        connection: r.get(5)?,
        message_kind: r.get(6)?,
        payload: json(r.get(7)?),
        idempotency_key: r.get(8)?,
        decision: json(r.get(9)?).unwrap_or_default(),
        confidence: r.get(10)?,
        cost_impact: r.get(11)?,
        mode: r.get(12)?,
        status: ActionStatus::parse(&r.get::<_, String>(13)?).unwrap_or(ActionStatus::Review),
        gate: json(r.get(14)?).unwrap_or_default(),
        not_before: r.get::<_, Option<i64>>(15)?.map(from_micros),
        outbox_id: r.get::<_, Option<i64>>(16)?.map(|v| v as u64),
        requested_by: r.get(17)?,
        assignee: r.get(18)?,
        created_at: from_micros(r.get(19)?),
        decided_by: r.get(20)?,
        decided_at: r.get::<_, Option<i64>>(21)?.map(from_micros),
        reason: r.get(22)?,
        override_payload: json(r.get(23)?),
    })
}

fn get_in(conn: &Connection, id: u64) -> Result<Option<ActionRecord>, Error> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM actions WHERE id = ?1"))?
        .query_row([id as i64], row)
        .optional()?)
}

pub(crate) fn get(conn: &Connection, id: u64) -> Result<Option<ActionRecord>, Error> {
    get_in(conn, id)
}

pub(crate) fn list(conn: &Connection, f: &ActionFilter) -> Result<Vec<ActionRecord>, Error> {
    let tenants = f.tenants.as_ref().map(|t| serde_json::to_string(t).unwrap_or_default());
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM actions
         WHERE id > ?1 AND (?2 IS NULL OR tenant IN (SELECT value FROM json_each(?2)))
           AND (?3 IS NULL OR status = ?3) AND (?4 IS NULL OR workflow = ?4) AND (?5 IS NULL OR subject = ?5)
           AND (?6 IS NULL OR assignee = ?6) AND (?7 IS NULL OR created_at <= ?7)
         ORDER BY id LIMIT ?8"
    ))?;
    let rows = stmt.query_map(
        params![
            f.after as i64,
            tenants,
            f.status.map(|s| s.as_str()),
            f.workflow,
            f.subject,
            f.assignee,
            f.created_before.map(micros),
            f.limit as i64
        ],
        row,
    )?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Orders of a tenant that an executed release (a wave of one or many
/// orders) has sent to a warehouse, so a batch release does not send them again.
pub(crate) fn released_orders(conn: &Connection, tenant: &str) -> Result<Vec<String>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT json_extract(o.value, '$.order_id') FROM actions a, json_each(a.payload, '$.orders') o
         WHERE a.tenant = ?1 AND a.message_kind = 'wms.wave' AND a.status = 'executed'",
    )?;
    let rows = stmt.query_map(params![tenant], |r| r.get(0))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}
