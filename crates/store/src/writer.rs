//! The single writer: group commit of queued requests.
//!
//! Per group, one transaction. Each request is checked whole first; then
//! each of its events is inserted and, if new, applied to the projection at
//! once, so the next request in the same group (a reservation racing for the
//! same units) decides on up-to-date numbers. The group is then committed —
//! one fsync — and only then is any sender answered. Readers may see a
//! group's effects a few milliseconds before its fsync completes (early lock
//! release); nothing is acknowledged before it. If the commit fails, the
//! projection is rebuilt from what is on disk and every request of the group
//! is answered with the error.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use model::event::EventBody;
use model::inventory::{ReleaseReason, Reservation, ReservationPlan, ReservationReleased, plan_reservation};
use model::{Event, NodeId, Sku, TenantId};
use parking_lot::RwLock;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use tokio::sync::{mpsc, oneshot};

use crate::outbox::{self, NewMessage};
use crate::state::State;
use crate::{
    Discrepancy, Error, EventOutcome, IdempotencyKey, Job, Options, Receipt, ReconcileReport, ReconcileRequest, ReserveRequest,
    from_micros, micros, snapshot,
};
use model::inventory::DiscrepancyStatus;

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
            let audit = match crate::audit::Head::load(&conn) {
                Ok(head) => head,
                Err(e) => {
                    tracing::error!(error = %e, "Cannot read the audit chain's head; the writer stops.");
                    return;
                }
            };
            let mut writer = Writer {
                conn,
                state,
                options,
                since_snapshot: pending_since_snapshot,
                audit,
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
    /// The audit chain's last entry (moves only when a group commits).
    audit: crate::audit::Head,
}

/// A write run on the writer thread inside the group's transaction. It
/// returns the function that answers its caller once the group committed
/// (`None`) or failed (`Some(reason)`).
pub(crate) type Work = Box<dyn for<'s, 't> FnOnce(&'s mut Step<'t>) -> Reply + Send>;
pub(crate) type Reply = Box<dyn FnOnce(Option<String>) + Send>;

/// An answer waiting for the group's commit.
enum Answer {
    Append(oneshot::Sender<Result<Receipt, Error>>, Result<Receipt, Error>),
    Reserve(oneshot::Sender<Result<Reservation, Error>>, Result<Reservation, Error>),
    Release(oneshot::Sender<Result<(), Error>>, Result<(), Error>),
    Reconcile(oneshot::Sender<Result<ReconcileReport, Error>>, Result<ReconcileReport, Error>),
    Resolve(oneshot::Sender<Result<Discrepancy, Error>>, Result<Discrepancy, Error>),
    Settle(oneshot::Sender<Result<u64, Error>>, Result<u64, Error>),
    Replay(oneshot::Sender<Result<Vec<u64>, Error>>, Result<Vec<u64>, Error>),
    Decide(oneshot::Sender<Result<u64, Error>>, Result<u64, Error>),
    Work(Reply, Option<String>),
}

impl Answer {
    fn fail(self, error: &str) -> Answer {
        let e = || Error::Storage(error.to_owned());
        match self {
            Answer::Append(tx, _) => Answer::Append(tx, Err(e())),
            Answer::Reserve(tx, _) => Answer::Reserve(tx, Err(e())),
            Answer::Release(tx, _) => Answer::Release(tx, Err(e())),
            Answer::Reconcile(tx, _) => Answer::Reconcile(tx, Err(e())),
            Answer::Resolve(tx, _) => Answer::Resolve(tx, Err(e())),
            Answer::Settle(tx, _) => Answer::Settle(tx, Err(e())),
            Answer::Replay(tx, _) => Answer::Replay(tx, Err(e())),
            Answer::Decide(tx, _) => Answer::Decide(tx, Err(e())),
            Answer::Work(reply, _) => Answer::Work(reply, Some(error.to_owned())),
        }
    }

    fn send(self) {
        match self {
            Answer::Append(tx, r) => drop(tx.send(r)),
            Answer::Reserve(tx, r) => drop(tx.send(r)),
            Answer::Release(tx, r) => drop(tx.send(r)),
            Answer::Reconcile(tx, r) => drop(tx.send(r)),
            Answer::Resolve(tx, r) => drop(tx.send(r)),
            Answer::Settle(tx, r) => drop(tx.send(r)),
            Answer::Replay(tx, r) => drop(tx.send(r)),
            Answer::Decide(tx, r) => drop(tx.send(r)),
            Answer::Work(reply, failed) => reply(failed),
        }
    }
}

impl Writer {
    fn run(&mut self, mut jobs: mpsc::Receiver<Job>) {
        while let Some(first) = jobs.blocking_recv() {
            let mut group = vec![first];
            let mut size = 1;
            while size < self.options.max_group_events {
                match jobs.try_recv() {
                    Ok(job) => {
                        size += match &job {
                            Job::Append { events, .. } => events.len().max(1),
                            _ => 1,
                        };
                        group.push(job);
                    }
                    Err(_) => break,
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

    fn commit_group(&mut self, group: Vec<Job>) {
        let started = Instant::now();
        let mut answers = Vec::with_capacity(group.len());
        let mut snapshots = Vec::new();
        let state = self.state.clone();
        let audit_before = self.audit;
        let mut audit = self.audit;
        let result = (|| -> Result<u64, Error> {
            let tx = self.conn.transaction()?;
            let mut step = Step {
                tx: &tx,
                state: &state,
                received: micros(jiff::Timestamp::now()),
                written: 0,
                audit: &mut audit,
            };
            for job in group {
                match job {
                    Job::Append {
                        events,
                        idempotency,
                        outbound,
                        reply,
                    } => {
                        let result = step.append(events, idempotency, &outbound);
                        answers.push(Answer::Append(reply, result));
                    }
                    Job::Settle { settlements, reply } => {
                        let result = outbox::settle(step.tx, &settlements, step.received);
                        answers.push(Answer::Settle(reply, result));
                    }
                    Job::Decide {
                        decisions,
                        cursor,
                        models,
                        outcomes,
                        actions,
                        reply,
                    } => {
                        let result = crate::decisions::record(step.tx, step.audit, &decisions, cursor, &models, &outcomes, step.received)
                            .and_then(|added| crate::actions::record(step.tx, step.audit, &actions, step.received).map(|_| added));
                        answers.push(Answer::Decide(reply, result));
                    }
                    Job::Replay { filter, reply } => {
                        let result = outbox::replay(step.tx, &filter, step.received);
                        answers.push(Answer::Replay(reply, result));
                    }
                    Job::Reserve { request, reply } => {
                        let result = step.reserve(request);
                        answers.push(Answer::Reserve(reply, result));
                    }
                    Job::Release {
                        tenant,
                        reservation_id,
                        reply,
                    } => {
                        let result = step.release(&tenant, &reservation_id, ReleaseReason::Cancelled);
                        answers.push(Answer::Release(reply, result));
                    }
                    Job::Reconcile { request, reply } => {
                        let result = step.reconcile(request);
                        answers.push(Answer::Reconcile(reply, result));
                    }
                    Job::Resolve {
                        tenant,
                        id,
                        accept,
                        by,
                        reply,
                    } => {
                        let result = step.resolve(&tenant, id, accept, &by);
                        answers.push(Answer::Resolve(reply, result));
                    }
                    Job::Write(work) => {
                        let reply = work(&mut step);
                        answers.push(Answer::Work(reply, None));
                    }
                    Job::Expire => step.expire(),
                    Job::Snapshot { reply } => snapshots.push(reply),
                }
            }
            step.propagate(&self.options)?;
            let written = step.written;
            tx.commit()?;
            Ok(written)
        })();
        match result {
            Ok(written) => {
                self.audit = audit;
                self.since_snapshot += written;
                metrics::counter!("crossdock_events_appended_total").increment(written);
                metrics::histogram!("crossdock_group_commit_events").record(written as f64);
                metrics::histogram!("crossdock_append_seconds").record(started.elapsed().as_secs_f64());
            }
            Err(e) => {
                tracing::error!(error = %e, "Group commit failed; no event of the group was written. Rebuilding the projection.");
                answers = answers.into_iter().map(|a| a.fail(&e.to_string())).collect();
                self.audit = audit_before;
                match snapshot::restore(&self.options.data_dir, &self.conn) {
                    Ok((rebuilt, _)) => *self.state.write() = rebuilt,
                    Err(e) => tracing::error!(error = %e, "Projection rebuild failed; restart crossdock."),
                }
            }
        }
        for answer in answers {
            answer.send();
        }
        for reply in snapshots {
            let _ = reply.send(self.snapshot());
        }
    }
}

/// One group's open transaction and what it has written so far.
pub(crate) struct Step<'a> {
    pub(crate) tx: &'a Transaction<'a>,
    state: &'a RwLock<State>,
    /// Now, in unix microseconds: the time recorded for the group's writes.
    pub(crate) received: i64,
    written: u64,
    pub(crate) audit: &'a mut crate::audit::Head,
}

impl Step<'_> {
    /// Inserts one event; if it is new, applies it. Returns (seq, new?).
    fn log(&mut self, tenant: &str, event: &Event, subject: &str) -> Result<(u64, bool), Error> {
        let mut insert = self.tx.prepare_cached(
            "INSERT INTO events (tenant, source, event_id, kind, subject, occurred_at, received_at, data)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
        )?;
        let at = micros(event.occurred_at);
        let changed = insert.execute(params![
            tenant,
            event.source,
            event.event_id,
            event.body.kind().as_str(),
            subject,
            at,
            self.received,
            event.body.data_json()
        ])?;
        if changed == 1 {
            let seq = self.tx.last_insert_rowid() as u64;
            let movements = {
                let mut state = self.state.write();
                let t = state.tenant_index(tenant);
                state.apply(seq, t, subject, at, &event.body);
                state.take_movements()
            };
            if !movements.is_empty() {
                let mut ledger = self.tx.prepare_cached(
                    "INSERT INTO movements (seq, tenant, sku, node, bucket, delta, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?;
                for m in movements {
                    ledger.execute(params![seq as i64, m.tenant, m.sku, m.node, m.bucket.as_str(), m.delta, m.reason])?;
                }
            }
            self.written += 1;
            return Ok((seq, true));
        }
        let mut existing = self
            .tx
            .prepare_cached("SELECT seq FROM events WHERE tenant = ?1 AND source = ?2 AND event_id = ?3")?;
        let seq: i64 = existing.query_row(params![tenant, event.source, event.event_id], |r| r.get(0))?;
        Ok((seq as u64, false))
    }

    /// Writes an `inventory.atp_changed` message per changed position and
    /// subscribed connection, in the same transaction as the change. A pending
    /// message for the same position is updated in place (coalescing).
    fn propagate(&mut self, options: &Options) -> Result<(), Error> {
        let changes = self.state.write().take_atp_changes();
        if changes.is_empty() || options.atp_subscribers.is_empty() {
            return Ok(());
        }
        let due = self.received + options.coalesce_window.as_micros() as i64;
        let mut upsert = self.tx.prepare_cached(
            "INSERT INTO outbox (tenant, connection, subject, kind, payload, idempotency_key, next_attempt_at, created_at)
             VALUES (?1, ?2, ?3, 'inventory.atp_changed', ?4, ?5, ?6, ?7)
             ON CONFLICT (connection, kind, subject) WHERE status = 'pending' AND kind = 'inventory.atp_changed'
             DO UPDATE SET payload = excluded.payload, idempotency_key = excluded.idempotency_key",
        )?;
        let version = self
            .tx
            .query_row("SELECT coalesce(max(seq), 0) FROM events", [], |r| r.get::<_, i64>(0))?;
        for (tenant, sku, node, b) in changes {
            for subscriber in options.atp_subscribers.iter().filter(|s| s.tenant == tenant) {
                // The channel buffer keeps units back from what this channel may sell.
                let payload = serde_json::json!({
                    "sku": sku, "node": node, "atp": (b.atp() - subscriber.buffer).max(0), "buffer": subscriber.buffer,
                    "on_hand": b.on_hand, "allocated": b.allocated, "reserved": b.reserved, "held": b.held,
                    "safety_stock": b.safety_stock, "version": version,
                })
                .to_string();
                let subject = format!("{sku}@{node}");
                let key = format!("{}:atp:{subject}:{version}", subscriber.connection);
                upsert.execute(params![
                    subscriber.tenant,
                    subscriber.connection,
                    subject,
                    payload,
                    key,
                    due,
                    self.received
                ])?;
                metrics::counter!("crossdock_outbox_enqueued_total", "kind" => "inventory.atp_changed").increment(1);
            }
        }
        Ok(())
    }

    fn append(&mut self, events: Vec<Event>, idempotency: Option<IdempotencyKey>, outbound: &[NewMessage]) -> Result<Receipt, Error> {
        if let Some(key) = &idempotency
            && let Some(receipt) = stored_response(self.tx, key)?
        {
            return Ok(receipt);
        }
        // Check the whole request before writing any of it.
        let subjects = {
            let state = self.state.read();
            let mut local = Vec::new();
            events
                .iter()
                .enumerate()
                .map(|(i, e)| subject_of(&state, &mut local, i, e))
                .collect::<Result<Vec<_>, _>>()?
        };
        let mut outcomes = Vec::with_capacity(events.len());
        for (event, (subject, is_order)) in events.iter().zip(subjects) {
            let tenant = event.tenant.as_ref().map(|t| t.as_str()).unwrap_or_default();
            let (seq, new) = self.log(tenant, event, &subject)?;
            let order_id = match (is_order, new) {
                (false, _) => None,
                (true, true) => Some(subject),
                // A duplicate reports the order its first copy resolved to.
                (true, false) => self
                    .tx
                    .query_row("SELECT subject FROM events WHERE seq = ?1", [seq as i64], |r| r.get(0))
                    .optional()?,
            };
            outcomes.push(EventOutcome {
                event_id: event.event_id.clone(),
                seq,
                duplicate: !new,
                order_id,
            });
        }
        // Keyed, so a retried request enqueues nothing twice.
        outbox::enqueue(self.tx, outbound, self.received)?;
        let receipt = Receipt {
            outcomes,
            idempotent_replay: false,
        };
        if let Some(key) = &idempotency {
            let stored = serde_json::to_string(&receipt.outcomes).map_err(|e| Error::Storage(e.to_string()))?;
            self.tx.execute(
                "INSERT INTO idempotency_keys (tenant, key, request_hash, response, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![key.tenant.as_str(), key.key, key.request_hash, stored, self.received],
            )?;
        }
        Ok(receipt)
    }

    /// Decides a reservation against the live positions and logs it. The
    /// decision and its effect happen with no other writer in between, so no
    /// interleaving of requests can promise the same unit twice.
    fn reserve(&mut self, request: ReserveRequest) -> Result<Reservation, Error> {
        // Keys of reservations live beside those of event batches, in their own namespace.
        let key = request.idempotency.as_ref().map(|k| IdempotencyKey {
            key: format!("reservation:{}", k.key),
            ..k.clone()
        });
        if let Some(key) = &key
            && let Some((hash, response)) = stored_key(self.tx, key)?
        {
            if hash != key.request_hash {
                return Err(Error::IdempotencyConflict(request.idempotency.map(|k| k.key).unwrap_or_default()));
            }
            return serde_json::from_str(&response).map_err(|e| Error::Corrupt(format!("stored reservation: {e}")));
        }
        let (plan, id) = {
            let state = self.state.read();
            let Some(t) = state.tenant_lookup(request.tenant.as_str()) else {
                return Err(Error::UnknownSku {
                    index: 0,
                    sku: request.lines[0].sku.to_string(),
                    tenant: request.tenant.to_string(),
                });
            };
            for (index, line) in request.lines.iter().enumerate() {
                if !state.knows_item(t, line.sku.as_str()) {
                    return Err(Error::UnknownSku {
                        index,
                        sku: line.sku.to_string(),
                        tenant: request.tenant.to_string(),
                    });
                }
            }
            // Each requested SKU's ATP per node, read once: the planner asks many times.
            let mut atp: rustc_hash::FxHashMap<Sku, (Vec<NodeId>, rustc_hash::FxHashMap<NodeId, i64>)> = Default::default();
            for line in &request.lines {
                atp.entry(line.sku.clone()).or_insert_with(|| {
                    let nodes: Vec<(NodeId, i64)> = state
                        .atp_by_node(t, line.sku.as_str())
                        .into_iter()
                        .filter_map(|(n, a)| NodeId::parse(&n).ok().map(|n| (n, a)))
                        .collect();
                    (nodes.iter().map(|(n, _)| n.clone()).collect(), nodes.into_iter().collect())
                });
            }
            let plan = plan_reservation(
                &request.lines,
                request.mode,
                |sku: &Sku| atp.get(sku).map(|(nodes, _)| nodes.clone()).unwrap_or_default(),
                |sku: &Sku, node: &NodeId| atp.get(sku).and_then(|(_, by)| by.get(node).copied()).unwrap_or(0),
            );
            (plan, state.reservation_id())
        };
        let (lines, backordered) = match plan {
            ReservationPlan::Refuse(shortfalls) => return Err(Error::InsufficientStock(shortfalls)),
            ReservationPlan::Reserve { lines, backordered } => (lines, backordered),
        };
        let reservation = Reservation {
            reservation_id: id.clone(),
            order_id: request.order_id,
            lines,
            backordered,
            expires_at: request.expires_at,
        };
        let event = Event {
            event_id: id.clone(),
            source: "crossdock".into(),
            tenant: Some(request.tenant.clone()),
            occurred_at: jiff::Timestamp::now(),
            body: EventBody::ReservationCreated(reservation.clone()),
        };
        self.log(request.tenant.as_str(), &event, &id)?;
        if let Some(key) = &key {
            let stored = serde_json::to_string(&reservation).map_err(|e| Error::Storage(e.to_string()))?;
            self.tx.execute(
                "INSERT INTO idempotency_keys (tenant, key, request_hash, response, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![key.tenant.as_str(), key.key, key.request_hash, stored, self.received],
            )?;
        }
        Ok(reservation)
    }

    fn release(&mut self, tenant: &TenantId, id: &str, reason: ReleaseReason) -> Result<(), Error> {
        let active = {
            let state = self.state.read();
            state.tenant_lookup(tenant.as_str()).is_some_and(|t| state.has_reservation(t, id))
        };
        if !active {
            return Err(Error::UnknownReservation(id.to_owned()));
        }
        let event = Event {
            event_id: format!("{id}-released"),
            source: "crossdock".into(),
            tenant: Some(tenant.clone()),
            occurred_at: jiff::Timestamp::now(),
            body: EventBody::ReservationReleased(ReservationReleased {
                reservation_id: id.to_owned(),
                reason,
            }),
        };
        self.log(tenant.as_str(), &event, id)?;
        Ok(())
    }

    /// Compares each count with the live on-hand figure. Within tolerance the
    /// count is applied (an `inventory.snapshot` from the connection);
    /// beyond it the count waits for review and an exception is raised. One
    /// transaction, so the numbers compared are the numbers changed.
    fn reconcile(&mut self, request: ReconcileRequest) -> Result<ReconcileReport, Error> {
        let run_id = format!("recon-{}-{}", request.connection, uuid_like(self.received));
        let tenant = request.tenant.as_str();
        let mut report = ReconcileReport {
            run_id: run_id.clone(),
            connection: request.connection.clone(),
            counts: request.counts.len(),
            matched: 0,
            auto_adjusted: 0,
            open: 0,
            discrepancies: Vec::new(),
        };
        for count in &request.counts {
            let (expected, cost) = {
                let state = self.state.read();
                let t = state.tenant_lookup(tenant);
                (
                    t.map(|t| state.on_hand(t, count.sku.as_str(), count.node.as_str())).unwrap_or(0),
                    t.and_then(|t| state.unit_cost(t, count.sku.as_str())),
                )
            };
            let counted = count.counted.units();
            let delta = counted - expected;
            if delta == 0 {
                report.matched += 1;
                continue;
            }
            let key = format!("{run_id}/{}@{}", count.sku, count.node);
            let value = cost.map(|c| model::Money {
                amount: c.amount * rust_decimal::Decimal::from(delta),
                currency: c.currency,
            });
            // Already waiting for review (a periodic pull sees it every time): update it, raise nothing new.
            let pending = self
                .tx
                .query_row(
                    &format!("{DISCREPANCY_SELECT} WHERE tenant = ?1 AND connection = ?2 AND sku = ?3 AND node = ?4 AND status = 'open'"),
                    params![tenant, request.connection, count.sku.as_str(), count.node.as_str()],
                    discrepancy_row,
                )
                .optional()?;
            let within = request.tolerance.allows(expected, delta);
            if let Some(open) = pending.as_ref().filter(|_| within) {
                // A newer count within tolerance settles an older open one: apply it below and close that one.
                self.tx.execute(
                    "UPDATE discrepancies SET status = 'auto_adjusted', resolved_at = ?1, resolved_by = 'reconciliation' WHERE id = ?2",
                    params![self.received, open.id as i64],
                )?;
                let cleared = EventBody::ExceptionCleared(model::ops::WarehouseException {
                    code: "INVENTORY_DISCREPANCY".into(),
                    order_id: None,
                    node: Some(count.node.clone()),
                    sku: Some(count.sku.clone()),
                    task_id: Some(open.run_id.clone()),
                    location: None,
                    message: Some(format!("superseded by run {run_id}")),
                });
                self.log_internal(
                    &request.tenant,
                    &request.connection,
                    &format!("discrepancy-{}-superseded", open.id),
                    cleared,
                    &format!("node:{}", count.node),
                )?;
            }
            if let Some(mut open) = pending.filter(|_| !within) {
                self.tx.execute(
                    "UPDATE discrepancies SET expected = ?1, counted = ?2, delta = ?3, value = ?4, run_id = ?5 WHERE id = ?6",
                    params![
                        expected,
                        counted,
                        delta,
                        value.as_ref().map(|v| v.amount.to_string()),
                        run_id,
                        open.id as i64
                    ],
                )?;
                (open.expected, open.counted, open.delta, open.value, open.run_id) = (expected, counted, delta, value, run_id.clone());
                report.open += 1;
                report.discrepancies.push(open);
                continue;
            }
            let status = if within {
                let snapshot = EventBody::InventorySnapshot(model::event::InventorySnapshot {
                    node: count.node.clone(),
                    sku: count.sku.clone(),
                    on_hand: count.counted,
                    unit: None,
                });
                self.log_internal(&request.tenant, &request.connection, &key, snapshot, count.sku.as_str())?;
                report.auto_adjusted += 1;
                DiscrepancyStatus::AutoAdjusted
            } else {
                let exception = EventBody::ExceptionRaised(model::ops::WarehouseException {
                    code: "INVENTORY_DISCREPANCY".into(),
                    order_id: None,
                    node: Some(count.node.clone()),
                    sku: Some(count.sku.clone()),
                    task_id: Some(run_id.clone()),
                    location: None,
                    message: Some(format!(
                        "{} at {}: counted {counted}, expected {expected} ({delta:+}); waiting for review",
                        count.sku, count.node
                    )),
                });
                self.log_internal(
                    &request.tenant,
                    &request.connection,
                    &format!("{key}/exception"),
                    exception,
                    &format!("node:{}", count.node),
                )?;
                report.open += 1;
                DiscrepancyStatus::Open
            };
            self.tx.execute(
                "INSERT INTO discrepancies (run_id, tenant, connection, node, sku, expected, counted, delta, value, currency, status, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![
                    run_id,
                    tenant,
                    request.connection,
                    count.node.as_str(),
                    count.sku.as_str(),
                    expected,
                    counted,
                    delta,
                    value.as_ref().map(|v| v.amount.to_string()),
                    value.as_ref().map(|v| v.currency.to_string()),
                    status.as_str(),
                    self.received
                ],
            )?;
            report.discrepancies.push(Discrepancy {
                id: self.tx.last_insert_rowid() as u64,
                run_id: run_id.clone(),
                connection: request.connection.clone(),
                node: count.node.to_string(),
                sku: count.sku.to_string(),
                expected,
                counted,
                delta,
                value,
                status,
                created_at: from_micros(self.received),
                resolved_at: None,
                resolved_by: None,
            });
        }
        metrics::counter!("crossdock_reconciliation_discrepancies_total", "status" => "open").increment(report.open as u64);
        metrics::counter!("crossdock_reconciliation_discrepancies_total", "status" => "auto_adjusted")
            .increment(report.auto_adjusted as u64);
        Ok(report)
    }

    /// Applies (accept) or drops (reject) an open discrepancy's count.
    fn resolve(&mut self, tenant: &TenantId, id: u64, accept: bool, by: &str) -> Result<Discrepancy, Error> {
        let found = self
            .tx
            .query_row(
                &format!("{DISCREPANCY_SELECT} WHERE tenant = ?1 AND id = ?2"),
                params![tenant.as_str(), id as i64],
                discrepancy_row,
            )
            .optional()?;
        let Some(mut d) = found else {
            return Err(Error::UnknownDiscrepancy(id));
        };
        if d.status != DiscrepancyStatus::Open {
            return Err(Error::DiscrepancyResolved(id, d.status.as_str().to_owned()));
        }
        let (sku, node) = (
            model::Sku::parse(&d.sku).map_err(|e| Error::Corrupt(e.message))?,
            model::NodeId::parse(&d.node).map_err(|e| Error::Corrupt(e.message))?,
        );
        if accept {
            let snapshot = EventBody::InventorySnapshot(model::event::InventorySnapshot {
                node: node.clone(),
                sku: sku.clone(),
                on_hand: model::Quantity(d.counted),
                unit: None,
            });
            self.log_internal(tenant, &d.connection, &format!("discrepancy-{id}-accepted"), snapshot, &d.sku)?;
        }
        let cleared = EventBody::ExceptionCleared(model::ops::WarehouseException {
            code: "INVENTORY_DISCREPANCY".into(),
            order_id: None,
            node: Some(node.clone()),
            sku: Some(sku),
            task_id: Some(d.run_id.clone()),
            location: None,
            message: Some(format!("{} by {by}", if accept { "count accepted" } else { "count rejected" })),
        });
        self.log_internal(
            tenant,
            &d.connection,
            &format!("discrepancy-{id}-resolved"),
            cleared,
            &format!("node:{node}"),
        )?;
        d.status = if accept {
            DiscrepancyStatus::Accepted
        } else {
            DiscrepancyStatus::Rejected
        };
        d.resolved_at = Some(from_micros(self.received));
        d.resolved_by = Some(by.to_owned());
        self.tx.execute(
            "UPDATE discrepancies SET status = ?1, resolved_at = ?2, resolved_by = ?3 WHERE id = ?4",
            params![d.status.as_str(), self.received, by, id as i64],
        )?;
        Ok(d)
    }

    /// Logs an event crossdock itself derives (reconciliation, resolution).
    fn log_internal(&mut self, tenant: &TenantId, source: &str, event_id: &str, body: EventBody, subject: &str) -> Result<(), Error> {
        let event = Event {
            event_id: event_id.to_owned(),
            source: source.to_owned(),
            tenant: Some(tenant.clone()),
            occurred_at: from_micros(self.received),
            body,
        };
        self.log(tenant.as_str(), &event, subject)?;
        Ok(())
    }

    /// Releases every reservation whose time to live has run out.
    fn expire(&mut self) {
        let expired = {
            let state = self.state.read();
            state
                .expired_reservations(micros(jiff::Timestamp::now()))
                .into_iter()
                .filter_map(|(t, id)| TenantId::parse(state.tenant_name(t)).ok().map(|t| (t, id)))
                .collect::<Vec<_>>()
        };
        for (tenant, id) in expired {
            if let Err(e) = self.release(&tenant, &id, ReleaseReason::Expired) {
                tracing::warn!(reservation = %id, error = %e, "Could not expire a reservation.");
            }
        }
    }
}

/// The stored (request hash, response) of an idempotency key, if used before.
fn stored_key(conn: &Connection, key: &IdempotencyKey) -> Result<Option<(String, String)>, Error> {
    Ok(conn
        .query_row(
            "SELECT request_hash, response FROM idempotency_keys WHERE tenant = ?1 AND key = ?2",
            params![key.tenant.as_str(), key.key],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// A run id suffix from the group's clock: unique per group, sortable.
fn uuid_like(received: i64) -> String {
    format!("{received:x}")
}

pub(crate) const DISCREPANCY_SELECT: &str = "SELECT id, run_id, connection, node, sku, expected, counted, delta, value, currency, status, created_at, resolved_at, resolved_by FROM discrepancies";

pub(crate) fn discrepancy_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Discrepancy> {
    let value: Option<String> = r.get(8)?;
    let currency: Option<String> = r.get(9)?;
    let status: String = r.get(10)?;
    let status = match status.as_str() {
        "auto_adjusted" => DiscrepancyStatus::AutoAdjusted,
        "accepted" => DiscrepancyStatus::Accepted,
        "rejected" => DiscrepancyStatus::Rejected,
        "matched" => DiscrepancyStatus::Matched,
        _ => DiscrepancyStatus::Open,
    };
    Ok(Discrepancy {
        id: r.get::<_, i64>(0)? as u64,
        run_id: r.get(1)?,
        connection: r.get(2)?,
        node: r.get(3)?,
        sku: r.get(4)?,
        expected: r.get(5)?,
        counted: r.get(6)?,
        delta: r.get(7)?,
        value: match (value, currency) {
            (Some(v), Some(c)) => Some(model::Money {
                amount: v.parse().unwrap_or_default(),
                currency: model::quantity::Currency::parse(&c).unwrap_or(model::quantity::Currency::USD),
            }),
            _ => None,
        },
        status,
        created_at: from_micros(r.get(11)?),
        resolved_at: r.get::<_, Option<i64>>(12)?.map(from_micros),
        resolved_by: r.get(13)?,
    })
}

fn stored_response(conn: &Connection, key: &IdempotencyKey) -> Result<Option<Receipt>, Error> {
    match stored_key(conn, key)? {
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

/// The canonical subject of an event, and whether it is an order: the order
/// it is about (by crossdock's id), else the SKU, PO, ASN, node or ticket it
/// names. Orders created earlier in the same request are in `local`.
fn subject_of(state: &State, local: &mut Vec<((String, String), String)>, index: usize, event: &Event) -> Result<(String, bool), Error> {
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
        if let Some(id) = known.or_else(|| local.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone())) {
            return Ok((id, true));
        }
        return match body {
            EventBody::OrderCreated(data) | EventBody::OrderUpdated(data) => {
                let id = reference.to_owned();
                for alias in data.external_ids.iter().chain(data.po_number.as_deref()) {
                    local.push(((tenant.to_owned(), alias.to_owned()), id.clone()));
                }
                local.push((key, id.clone()));
                Ok((id, true))
            }
            // A ticket's order reference is read from free text: keep the ticket even if it names no known order.
            EventBody::TicketCreated(ticket) => Ok((format!("ticket:{}", ticket.ticket_id), false)),
            _ => Err(Error::UnknownOrder {
                index,
                tenant: tenant.to_owned(),
                reference: reference.to_owned(),
            }),
        };
    }
    let subject = match body {
        EventBody::ItemUpserted(item) => item.sku.to_string(),
        EventBody::InventoryAdjusted(a) => a.sku.to_string(),
        EventBody::InventorySnapshot(s) => s.sku.to_string(),
        EventBody::InventoryHeld(h) => h.sku.to_string(),
        EventBody::SafetyStockSet(s) => s.sku.to_string(),
        EventBody::ShipmentTracking(t) => match state
            .tenant_lookup(tenant)
            .and_then(|ti| state.resolve_tracking(ti, &t.tracking_number))
        {
            Some(slot) => return Ok((state.order_id(slot).to_owned(), true)),
            None => format!("tracking:{}", t.tracking_number),
        },
        EventBody::PoCreated(po) | EventBody::PoUpdated(po) => format!("po:{}", po.po_number),
        EventBody::AsnCreated(asn) => format!("asn:{}", asn.asn_id),
        EventBody::ReceiptConfirmed(r) => format!("node:{}", r.node),
        EventBody::ExceptionRaised(e) | EventBody::ExceptionCleared(e) => {
            format!("node:{}", e.node.as_ref().map(|n| n.as_str()).unwrap_or("-"))
        }
        EventBody::ReservationCreated(r) => r.reservation_id.clone(),
        EventBody::ReservationReleased(r) => r.reservation_id.clone(),
        _ => String::new(),
    };
    Ok((subject, false))
}
