//! The single writer: group commit of queued appends.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use model::Event;
use model::event::EventBody;
use parking_lot::RwLock;
use rusqlite::{Connection, OptionalExtension, params};
use rustc_hash::FxHashMap;
use tokio::sync::{mpsc, oneshot};

use crate::state::State;
use crate::{Error, EventOutcome, IdempotencyKey, Job, Options, Receipt, micros, snapshot};

pub(crate) fn spawn(
    conn: Connection,
    state: Arc<RwLock<State>>,
    jobs: mpsc::Receiver<Job>,
    options: Options,
    pending_since_snapshot: u64,
) -> Result<JoinHandle<()>, Error> {
    std::thread::Builder::new()
        .name("crossdock-writer".into())
        .spawn(move || {
            let mut writer = Writer {
                conn,
                state,
                options,
                since_snapshot: pending_since_snapshot,
            };
            writer.run(jobs);
        })
        .map_err(|e| Error::Io(format!("cannot start writer thread: {e}")))
}

struct Writer {
    conn: Connection,
    state: Arc<RwLock<State>>,
    options: Options,
    since_snapshot: u64,
}

/// A newly logged event, to apply to the projection once committed.
struct Written {
    tenant: String,
    seq: u64,
    subject: String,
    at: i64,
    body: EventBody,
}

/// One append request inside a group, with what the resolve step decided.
struct Pending {
    events: Vec<Event>,
    idempotency: Option<IdempotencyKey>,
    reply: oneshot::Sender<Result<Receipt, Error>>,
    /// Canonical subject of each event.
    subjects: Vec<String>,
    /// Set when the request is answered without writing (error or stored replay).
    answer: Option<Result<Receipt, Error>>,
}

impl Writer {
    fn run(&mut self, mut jobs: mpsc::Receiver<Job>) {
        while let Some(first) = jobs.blocking_recv() {
            let mut group = Vec::new();
            let mut size = 0;
            let mut next = Some(first);
            while let Some(job) = next.take() {
                match job {
                    Job::Append {
                        events,
                        idempotency,
                        reply,
                    } => {
                        size += events.len().max(1);
                        group.push(Pending {
                            events,
                            idempotency,
                            reply,
                            subjects: Vec::new(),
                            answer: None,
                        });
                    }
                    Job::Snapshot { reply } => {
                        self.commit_group(std::mem::take(&mut group));
                        let _ = reply.send(self.snapshot());
                    }
                }
                if size < self.options.max_group_events {
                    next = jobs.try_recv().ok();
                }
            }
            self.commit_group(group);
            if self.since_snapshot >= self.options.snapshot_every
                && let Err(e) = self.snapshot()
            {
                tracing::warn!(error = %e, "Periodic snapshot failed; the log still has everything.");
            }
        }
        // Channel closed: every queued request has been answered.
        if let Err(e) = self.snapshot() {
            tracing::warn!(error = %e, "Final snapshot failed; the next start replays the log.");
        }
        tracing::info!("Event log writer stopped.");
    }

    fn snapshot(&mut self) -> Result<(), Error> {
        let bytes = snapshot::encode(&self.state.read())?;
        snapshot::write(&self.options.data_dir, &bytes)?;
        self.since_snapshot = 0;
        Ok(())
    }

    fn commit_group(&mut self, mut group: Vec<Pending>) {
        if group.is_empty() {
            return;
        }
        let started = Instant::now();
        self.resolve(&mut group);
        match self.insert(&mut group) {
            Ok(written) => {
                let mut state = self.state.write();
                for w in &written {
                    let t = state.tenant_index(&w.tenant);
                    state.apply(w.seq, t, &w.subject, w.at, &w.body);
                }
                drop(state);
                self.since_snapshot += written.len() as u64;
                metrics::counter!("crossdock_events_appended_total").increment(written.len() as u64);
                metrics::histogram!("crossdock_group_commit_events").record(written.len() as f64);
                metrics::histogram!("crossdock_append_seconds").record(started.elapsed().as_secs_f64());
            }
            Err(e) => {
                tracing::error!(error = %e, "Group commit failed; no event of the group was written.");
                for pending in group.iter_mut().filter(|p| p.answer.is_none()) {
                    pending.answer = Some(Err(Error::Storage(e.to_string())));
                }
            }
        }
        for pending in group {
            let answer = pending
                .answer
                .unwrap_or_else(|| Err(Error::Storage("request was not processed".into())));
            let _ = pending.reply.send(answer);
        }
    }

    /// Decides each event's subject; a request with an unresolvable order
    /// reference is refused whole. Orders created earlier in the same group
    /// are visible through `created`.
    fn resolve(&mut self, group: &mut [Pending]) {
        let state = self.state.read();
        let mut created: FxHashMap<(String, String), String> = FxHashMap::default();
        let mut keys_in_group: Vec<(String, String)> = Vec::new();
        for pending in group.iter_mut() {
            if let Some(key) = &pending.idempotency {
                let id = (key.tenant.to_string(), key.key.clone());
                if keys_in_group.contains(&id) {
                    pending.answer = Some(Err(Error::IdempotencyInFlight(key.key.clone())));
                    continue;
                }
                match stored_response(&self.conn, key) {
                    Ok(Some(receipt)) => {
                        pending.answer = Some(Ok(receipt));
                        continue;
                    }
                    Ok(None) => keys_in_group.push(id),
                    Err(e) => {
                        pending.answer = Some(Err(e));
                        continue;
                    }
                }
            }
            let mut local = Vec::new();
            let mut subjects = Vec::with_capacity(pending.events.len());
            for (index, event) in pending.events.iter().enumerate() {
                match subject_of(&state, &created, &mut local, index, event) {
                    Ok(subject) => subjects.push(subject),
                    Err(e) => {
                        pending.answer = Some(Err(e));
                        break;
                    }
                }
            }
            if pending.answer.is_none() {
                created.extend(local);
                pending.subjects = subjects;
            }
        }
    }

    /// Inserts every accepted request in one transaction; returns what was newly written.
    fn insert(&mut self, group: &mut [Pending]) -> Result<Vec<Written>, Error> {
        let received = micros(jiff::Timestamp::now());
        let tx = self.conn.transaction()?;
        let mut written = Vec::new();
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO events (tenant, source, event_id, kind, subject, occurred_at, received_at, data)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
            )?;
            let mut existing = tx.prepare_cached("SELECT seq, subject FROM events WHERE tenant = ?1 AND source = ?2 AND event_id = ?3")?;
            for pending in group.iter_mut().filter(|p| p.answer.is_none()) {
                let mut outcomes = Vec::with_capacity(pending.events.len());
                for (event, subject) in pending.events.iter().zip(&pending.subjects) {
                    let tenant = event.tenant.as_ref().map(|t| t.as_str()).unwrap_or_default();
                    let at = micros(event.occurred_at);
                    let kind = event.body.kind().as_str();
                    let changed = insert.execute(params![
                        tenant,
                        event.source,
                        event.event_id,
                        kind,
                        subject,
                        at,
                        received,
                        event.body.data_json()
                    ])?;
                    // Unlinked tickets keep a `ticket:` subject; only real orders are reported.
                    let is_order = event.body.order_ref().is_some() && !subject.starts_with("ticket:");
                    if changed == 1 {
                        let seq = tx.last_insert_rowid() as u64;
                        written.push(Written {
                            tenant: tenant.to_owned(),
                            seq,
                            subject: subject.clone(),
                            at,
                            body: event.body.clone(),
                        });
                        outcomes.push(EventOutcome {
                            event_id: event.event_id.clone(),
                            seq,
                            duplicate: false,
                            order_id: is_order.then(|| subject.clone()),
                        });
                    } else {
                        let (seq, subject): (i64, String) =
                            existing.query_row(params![tenant, event.source, event.event_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
                        outcomes.push(EventOutcome {
                            event_id: event.event_id.clone(),
                            seq: seq as u64,
                            duplicate: true,
                            order_id: is_order.then_some(subject),
                        });
                    }
                }
                let receipt = Receipt {
                    outcomes,
                    idempotent_replay: false,
                };
                if let Some(key) = &pending.idempotency {
                    let stored = serde_json::to_string(&receipt.outcomes).map_err(|e| Error::Storage(e.to_string()))?;
                    tx.execute(
                        "INSERT INTO idempotency_keys (tenant, key, request_hash, response, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![key.tenant.as_str(), key.key, key.request_hash, stored, received],
                    )?;
                }
                pending.answer = Some(Ok(receipt));
            }
        }
        tx.commit()?;
        Ok(written)
    }
}

fn stored_response(conn: &Connection, key: &IdempotencyKey) -> Result<Option<Receipt>, Error> {
    let row: Option<(String, String)> = conn
        .query_row(
            "SELECT request_hash, response FROM idempotency_keys WHERE tenant = ?1 AND key = ?2",
            params![key.tenant.as_str(), key.key],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match row {
        None => Ok(None),
        Some((hash, _)) if hash != key.request_hash => Err(Error::IdempotencyConflict(key.key.clone())),
        Some((_, response)) => {
            let outcomes = serde_json::from_str(&response).map_err(|e| Error::Corrupt(format!("stored idempotent response: {e}")))?;
            Ok(Some(Receipt {
                outcomes,
                idempotent_replay: true,
            }))
        }
    }
}

/// The canonical subject of an event: the order it is about (by crossdock's
/// id), else the SKU, PO, ASN, node or ticket it names.
fn subject_of(
    state: &State,
    created: &FxHashMap<(String, String), String>,
    local: &mut Vec<((String, String), String)>,
    index: usize,
    event: &Event,
) -> Result<String, Error> {
    let tenant = event.tenant.as_ref().map(|t| t.as_str()).unwrap_or_default();
    let body = &event.body;
    if let Some(reference) = body.order_ref() {
        let reference = reference.as_str();
        let known = match state.tenant_lookup(tenant).map(|t| state.resolve(t, reference)) {
            Some(Ok(Some(slot))) => Some(state.order_id(slot).to_owned()),
            Some(Err(candidates)) => {
                return Err(Error::AmbiguousOrder {
                    index,
                    reference: reference.to_owned(),
                    candidates: candidates.len(),
                });
            }
            _ => None,
        };
        let key = (tenant.to_owned(), reference.to_owned());
        let in_group = || {
            created
                .get(&key)
                .cloned()
                .or_else(|| local.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone()))
        };
        if let Some(id) = known.or_else(in_group) {
            return Ok(id);
        }
        return match body {
            EventBody::OrderCreated(data) | EventBody::OrderUpdated(data) => {
                let id = reference.to_owned();
                for alias in data.external_ids.iter().chain(data.po_number.as_deref()) {
                    local.push(((tenant.to_owned(), alias.to_owned()), id.clone()));
                }
                local.push((key, id.clone()));
                Ok(id)
            }
            // A ticket's order reference is read from free text: keep the ticket even if it names no known order.
            EventBody::TicketCreated(ticket) => Ok(format!("ticket:{}", ticket.ticket_id)),
            _ => Err(Error::UnknownOrder {
                index,
                tenant: tenant.to_owned(),
                reference: reference.to_owned(),
            }),
        };
    }
    Ok(match body {
        EventBody::ItemUpserted(item) => item.sku.to_string(),
        EventBody::InventoryAdjusted(a) => a.sku.to_string(),
        EventBody::InventorySnapshot(s) => s.sku.to_string(),
        EventBody::ShipmentTracking(t) => {
            match state
                .tenant_lookup(tenant)
                .and_then(|ti| state.resolve_tracking(ti, &t.tracking_number))
            {
                Some(slot) => state.order_id(slot).to_owned(),
                None => format!("tracking:{}", t.tracking_number),
            }
        }
        EventBody::PoCreated(po) | EventBody::PoUpdated(po) => format!("po:{}", po.po_number),
        EventBody::AsnCreated(asn) => format!("asn:{}", asn.asn_id),
        EventBody::ReceiptConfirmed(r) => format!("node:{}", r.node),
        EventBody::ExceptionRaised(e) | EventBody::ExceptionCleared(e) => {
            format!("node:{}", e.node.as_ref().map(|n| n.as_str()).unwrap_or("-"))
        }
        _ => String::new(),
    })
}
