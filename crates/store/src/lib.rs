//! crossdock's durable state: the append-only event log on SQLite (WAL,
//! group commit), the in-memory projections rebuilt from a snapshot plus the
//! log tail, and the tables beside them (idempotency keys, outbox).
//!
//! One writer thread owns the write connection. Requests queue to it; it
//! takes everything queued (up to `max_group_events`), resolves, inserts and
//! commits them in one transaction — one fsync for many events — then applies
//! them to the projection and only then answers each sender. An event is
//! therefore acknowledged only once it is on disk, and reads after an
//! acknowledgement see it.

mod actions;
pub mod audit;
mod decisions;
mod error;
mod keys;
mod outbox;
mod read;
mod returns;
mod schema;
mod snapshot;
mod state;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;

use model::order::{Order, OrderStatus};
use model::{Event, TenantId, Timestamp};
use parking_lot::{Mutex, RwLock};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};

pub use actions::{ActionFilter, ActionRecord, ActionStatus, NewAction, ReviewDecision};
pub use audit::{AuditEntry, AuditFilter, NewAudit, Verification};
pub use decisions::{DecisionRecord, NewDecision, Outcome, PendingOrderEvent};
pub use error::Error;
pub use keys::ApiKey;
pub use outbox::{NewMessage, OutboxMessage, QueueDepth, ReplayFilter, Settlement};
pub use returns::{NewReturn, ReturnRecord};
pub use schema::FORMAT_VERSION;
pub use state::{Counters, CustomerSummary, ItemFlags};

use state::State;

/// How the store is opened.
#[derive(Debug, Clone)]
pub struct Options {
    pub data_dir: PathBuf,
    /// Write a projection snapshot after this many events since the last one.
    pub snapshot_every: u64,
    /// Most events committed in one transaction.
    pub max_group_events: usize,
    /// Connections that receive `inventory.atp_changed`.
    pub atp_subscribers: Vec<AtpSubscriber>,
    /// How long an `atp_changed` message waits for later changes to the same
    /// position before it may be dispatched.
    pub coalesce_window: std::time::Duration,
}

impl Options {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            snapshot_every: 1_000_000,
            max_group_events: 8_192,
            atp_subscribers: Vec::new(),
            coalesce_window: std::time::Duration::from_millis(250),
        }
    }
}

/// A connection told about ATP changes.
#[derive(Debug, Clone)]
pub struct AtpSubscriber {
    pub tenant: String,
    pub connection: String,
    /// Channel safety buffer: units kept back from the ATP this connection is told.
    pub buffer: i64,
}

/// A caller's `Idempotency-Key` for a whole request.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub tenant: TenantId,
    pub key: String,
    /// Digest of the request body: the same key with a different body is a conflict.
    pub request_hash: String,
}

/// What happened to one event of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventOutcome {
    pub event_id: String,
    pub seq: u64,
    /// Already in the log (same tenant, source and event id): no second effect.
    pub duplicate: bool,
    /// The order the event was resolved to, by crossdock's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
}

/// The answer to an append.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub outcomes: Vec<EventOutcome>,
    /// True when this answer is the stored answer to an earlier request with the same idempotency key.
    pub idempotent_replay: bool,
}

/// A name read by [`Store::vocabulary`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VocabularyEntry {
    Order {
        name: Option<String>,
        email: Option<String>,
        account: Option<String>,
        city: Option<String>,
    },
    Sku(String),
}

/// One event as the log holds it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoggedEvent {
    pub seq: u64,
    pub occurred_at: Timestamp,
    /// The connection or system that sent it, and its id there.
    pub source: String,
    pub event_id: String,
    #[serde(flatten)]
    pub body: model::event::EventBody,
}

/// Filters of `GET /v1/orders`.
#[derive(Debug, Clone, Default)]
pub struct OrderQuery {
    pub customer: Option<String>,
    pub status: Option<OrderStatus>,
    pub po: Option<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
}

/// One page of a list.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

/// One line of the inventory ledger, with the event that caused it.
#[derive(Debug, Clone, Serialize)]
pub struct MovementRecord {
    pub id: u64,
    pub seq: u64,
    pub node: String,
    pub bucket: String,
    pub delta: i64,
    pub reason: String,
    pub event_type: String,
    /// The event's subject: the order, reservation, PO, ASN or SKU it concerned.
    pub subject: String,
    pub source: String,
    pub event_id: String,
    pub occurred_at: Timestamp,
}

/// Figures for the demo summary and metrics.
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub last_seq: u64,
    pub counters: Counters,
    pub outbox_depth: u64,
}

/// A reservation request, checked for shape by the caller; the writer decides it.
#[derive(Debug, Clone)]
pub struct ReserveRequest {
    pub tenant: TenantId,
    pub order_id: Option<model::OrderId>,
    pub lines: Vec<model::inventory::DemandLine>,
    pub mode: model::inventory::ReservationMode,
    pub expires_at: Timestamp,
    /// The caller's `Idempotency-Key`: a retry gets the first answer, not a second reservation.
    pub idempotency: Option<IdempotencyKey>,
}

/// Counts to compare with crossdock's numbers.
#[derive(Debug, Clone)]
pub struct ReconcileRequest {
    pub tenant: TenantId,
    /// The WMS connection the counts came from.
    pub connection: String,
    pub counts: Vec<model::inventory::Count>,
    pub tolerance: model::inventory::Tolerance,
}

/// One count that differed, and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Discrepancy {
    pub id: u64,
    pub run_id: String,
    pub connection: String,
    pub node: String,
    pub sku: String,
    pub expected: i64,
    pub counted: i64,
    pub delta: i64,
    /// delta × unit cost, when the item's cost is known.
    pub value: Option<model::Money>,
    pub status: model::inventory::DiscrepancyStatus,
    pub created_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
    pub resolved_by: Option<String>,
}

/// The outcome of one reconciliation run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReconcileReport {
    pub run_id: String,
    pub connection: String,
    pub counts: usize,
    pub matched: usize,
    pub auto_adjusted: usize,
    pub open: usize,
    /// Every count that differed (auto-adjusted or open).
    pub discrepancies: Vec<Discrepancy>,
}

pub(crate) enum Job {
    Append {
        events: Vec<Event>,
        idempotency: Option<IdempotencyKey>,
        outbound: Vec<NewMessage>,
        reply: oneshot::Sender<Result<Receipt, Error>>,
    },
    Settle {
        settlements: Vec<Settlement>,
        reply: oneshot::Sender<Result<u64, Error>>,
    },
    Replay {
        filter: ReplayFilter,
        reply: oneshot::Sender<Result<Vec<u64>, Error>>,
    },
    Decide {
        decisions: Vec<NewDecision>,
        cursor: Option<u64>,
        models: Vec<(String, String)>,
        outcomes: Vec<Outcome>,
        actions: Vec<NewAction>,
        reply: oneshot::Sender<Result<u64, Error>>,
    },
    Reserve {
        request: ReserveRequest,
        reply: oneshot::Sender<Result<model::inventory::Reservation, Error>>,
    },
    Release {
        tenant: TenantId,
        reservation_id: String,
        reply: oneshot::Sender<Result<(), Error>>,
    },
    Reconcile {
        request: ReconcileRequest,
        reply: oneshot::Sender<Result<ReconcileReport, Error>>,
    },
    Resolve {
        tenant: TenantId,
        id: u64,
        accept: bool,
        by: String,
        reply: oneshot::Sender<Result<Discrepancy, Error>>,
    },
    /// Any other write (governance, audit, keys), answered after the commit.
    Write(writer::Work),
    /// Release reservations whose time ran out (sent by the expiry ticker).
    Expire,
    Snapshot {
        reply: oneshot::Sender<Result<(), Error>>,
    },
}

struct Inner {
    dir: PathBuf,
    state: Arc<RwLock<State>>,
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    readers: read::Pool,
}

/// The store. Cheap to clone; all clones share one writer.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

impl Store {
    /// Opens (creating if needed) the data directory: checks its format,
    /// migrates, loads the snapshot, replays the log tail and starts the writer.
    pub fn open(options: Options) -> Result<Store, Error> {
        std::fs::create_dir_all(&options.data_dir)
            .map_err(|e| Error::Io(format!("cannot create data directory {}: {e}", options.data_dir.display())))?;
        let db = db_path(&options.data_dir);
        let mut conn = rusqlite::Connection::open(&db)?;
        schema::configure(&conn, true)?;
        schema::migrate(&mut conn)?;
        let started = std::time::Instant::now();
        let (state, replayed) = snapshot::restore(&options.data_dir, &conn)?;
        tracing::info!(
            seq = state.seq,
            replayed,
            orders = state.order_count(),
            ms = started.elapsed().as_millis() as u64,
            "Projections restored."
        );
        let state = Arc::new(RwLock::new(state));
        let (tx, rx) = mpsc::channel(4096);
        // Weak, so the ticker never keeps the writer's channel open.
        let ticker = tx.downgrade();
        let writer = writer::spawn(conn, state.clone(), rx, options.clone(), replayed)?;
        // Expiry ticks; the thread ends when the store closes its channel.
        std::thread::Builder::new()
            .name("crossdock-expiry".into())
            .spawn(move || {
                loop {
                    std::thread::park_timeout(std::time::Duration::from_millis(500));
                    match ticker.upgrade() {
                        // A full queue means the writer is busy; the next tick will do.
                        Some(jobs) => drop(jobs.try_send(Job::Expire)),
                        None => break,
                    }
                }
            })
            .map_err(|e| Error::Io(format!("cannot start expiry thread: {e}")))?;
        Ok(Store {
            inner: Arc::new(Inner {
                dir: options.data_dir.clone(),
                state,
                jobs: Mutex::new(Some(tx)),
                writer: Mutex::new(Some(writer)),
                readers: read::Pool::new(db),
            }),
        })
    }

    pub fn data_dir(&self) -> &Path {
        &self.inner.dir
    }

    fn sender(&self) -> Result<mpsc::Sender<Job>, Error> {
        self.inner.jobs.lock().clone().ok_or(Error::Closed)
    }

    /// Jobs waiting for the writer (requests queued behind the group being
    /// written): a measure of ingest pressure for background work to yield to.
    pub fn writer_backlog(&self) -> usize {
        self.inner.jobs.lock().as_ref().map_or(0, |tx| tx.max_capacity() - tx.capacity())
    }

    /// Queues a job for the writer and waits for its answer (after the commit).
    async fn ask<T>(&self, job: impl FnOnce(oneshot::Sender<Result<T, Error>>) -> Job) -> Result<T, Error> {
        let (reply, answer) = oneshot::channel();
        self.sender()?.send(job(reply)).await.map_err(|_| Error::Closed)?;
        answer.await.map_err(|_| Error::Closed)?
    }

    /// Runs `f` on the writer thread inside the next group's transaction, in
    /// a savepoint: if `f` fails, its writes (and audit entries) are undone
    /// and the rest of the group commits. The answer comes after the commit.
    async fn write<T: Send + 'static>(
        &self,
        f: impl for<'s, 't> FnOnce(&'s mut writer::Step<'t>) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let (reply, answer) = oneshot::channel::<Result<T, Error>>();
        let work: writer::Work = Box::new(move |step| {
            let head = *step.audit;
            let result = step.tx.execute_batch("SAVEPOINT work").map_err(Error::from).and_then(|_| f(step));
            let result = match result {
                Ok(v) => step.tx.execute_batch("RELEASE work").map(|_| v).map_err(Error::from),
                Err(e) => {
                    let _ = step.tx.execute_batch("ROLLBACK TO work; RELEASE work");
                    *step.audit = head;
                    Err(e)
                }
            };
            Box::new(move |failed: Option<String>| {
                let _ = reply.send(match failed {
                    Some(reason) => Err(Error::Storage(reason)),
                    None => result,
                });
            })
        });
        self.sender()?.send(Job::Write(work)).await.map_err(|_| Error::Closed)?;
        answer.await.map_err(|_| Error::Closed)?
    }

    /// Appends audit entries (chained after the last one). Returns their sequence numbers.
    pub async fn audit(&self, entries: Vec<NewAudit>) -> Result<Vec<u64>, Error> {
        self.write(move |step| audit::append(step.tx, step.audit, &entries, step.received))
            .await
    }

    /// Audit entries, oldest first.
    pub fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, Error> {
        self.inner.readers.with(|conn| audit::list(conn, filter))
    }

    /// Recomputes the whole audit chain; names the first entry that does not hold.
    pub fn verify_audit(&self) -> Result<Verification, Error> {
        self.inner.readers.with(audit::verify)
    }

    /// Records governed actions (skipping any already recorded under the same
    /// key): executed ones go to the outbox, each is audited, one transaction.
    /// Returns the new actions' ids.
    pub async fn record_actions(&self, actions: Vec<NewAction>) -> Result<Vec<u64>, Error> {
        self.write(move |step| actions::record(step.tx, step.audit, &actions, step.received))
            .await
    }

    /// Approves (sending its message to the outbox) or rejects a queued action.
    pub async fn decide_review(&self, decision: ReviewDecision) -> Result<ActionRecord, Error> {
        self.write(move |step| actions::decide(step.tx, step.audit, &decision, step.received))
            .await
    }

    /// Assigns a queued action to a person (`None` clears it).
    pub async fn assign_review(&self, id: u64, assignee: Option<String>, by: String) -> Result<ActionRecord, Error> {
        self.write(move |step| actions::assign(step.tx, step.audit, id, assignee.as_deref(), &by, step.received))
            .await
    }

    pub fn action(&self, id: u64) -> Result<Option<ActionRecord>, Error> {
        self.inner.readers.with(|conn| actions::get(conn, id))
    }

    /// Actions (the review queue with `status: review`), oldest first.
    pub fn actions(&self, filter: &ActionFilter) -> Result<Vec<ActionRecord>, Error> {
        self.inner.readers.with(|conn| actions::list(conn, filter))
    }

    /// Orders an executed release has sent to a warehouse.
    pub fn released_orders(&self, tenant: &TenantId) -> Result<Vec<String>, Error> {
        self.inner.readers.with(|conn| actions::released_orders(conn, tenant.as_str()))
    }

    /// Stores a new API key (its hash) and audits it.
    pub async fn create_api_key(&self, key: ApiKey) -> Result<(), Error> {
        self.write(move |step| keys::create(step.tx, step.audit, &key, step.received)).await
    }

    /// Records a return authorisation with its audit entry and its expected-return action.
    pub async fn create_return(&self, new: NewReturn) -> Result<ReturnRecord, Error> {
        self.write(move |step| returns::create(step.tx, step.audit, &new, step.received))
            .await
    }

    /// Moves a return to `status` (audited); `None` when there is no such return.
    pub async fn set_return_status(
        &self,
        tenant: String,
        rma: String,
        status: String,
        by: String,
        event: serde_json::Value,
    ) -> Result<Option<ReturnRecord>, Error> {
        self.write(move |step| returns::set_status(step.tx, step.audit, &tenant, &rma, &status, &by, &event, step.received))
            .await
    }

    /// A return by its RMA number.
    pub fn return_by_rma(&self, tenant: &TenantId, rma: &str) -> Result<Option<ReturnRecord>, Error> {
        self.inner.readers.with(|conn| returns::get(conn, tenant.as_str(), rma))
    }

    /// Every return of an order, oldest first.
    pub fn returns_for_order(&self, tenant: &TenantId, order_id: &str) -> Result<Vec<ReturnRecord>, Error> {
        self.inner.readers.with(|conn| returns::for_order(conn, tenant.as_str(), order_id))
    }

    /// Revokes a key (audited); `None` when there is no such key.
    pub async fn revoke_api_key(&self, id: String, by: String) -> Result<Option<ApiKey>, Error> {
        self.write(move |step| keys::revoke(step.tx, step.audit, &id, &by, step.received))
            .await
    }

    /// Records when keys were last used.
    pub async fn touch_api_keys(&self, used: Vec<(String, Timestamp)>) -> Result<(), Error> {
        self.write(move |step| keys::touch(step.tx, &used)).await
    }

    pub fn api_key(&self, id: &str) -> Result<Option<ApiKey>, Error> {
        self.inner.readers.with(|conn| keys::get(conn, id))
    }

    pub fn api_keys(&self) -> Result<Vec<ApiKey>, Error> {
        self.inner.readers.with(keys::list)
    }

    /// Autonomy settings changed at runtime: (tenant, workflow, settings).
    pub fn autonomy_overrides(&self) -> Result<Vec<(String, String, serde_json::Value)>, Error> {
        self.inner.readers.with(keys::autonomy)
    }

    /// Changes a workflow's autonomy for a tenant (audited with before and after).
    pub async fn set_autonomy(&self, tenant: String, workflow: String, settings: serde_json::Value, by: String) -> Result<(), Error> {
        self.write(move |step| keys::set_autonomy(step.tx, step.audit, &tenant, &workflow, &settings, &by, step.received))
            .await
    }

    /// Appends a batch atomically: every event is durable when this returns
    /// `Ok`, or none was written. Each event must carry its tenant.
    pub async fn append(&self, events: Vec<Event>, idempotency: Option<IdempotencyKey>) -> Result<Receipt, Error> {
        self.append_with(events, idempotency, Vec::new()).await
    }

    /// Appends a batch and enqueues the outbound messages it causes, in one
    /// transaction: the messages exist exactly when the events do.
    pub async fn append_with(
        &self,
        events: Vec<Event>,
        idempotency: Option<IdempotencyKey>,
        outbound: Vec<NewMessage>,
    ) -> Result<Receipt, Error> {
        if events.iter().any(|e| e.tenant.is_none()) {
            return Err(Error::Invalid("every event must carry its tenant".into()));
        }
        self.ask(|reply| Job::Append {
            events,
            idempotency,
            outbound,
            reply,
        })
        .await
    }

    /// Reserves stock, deciding against the live positions inside the single
    /// writer; durable when this returns `Ok`.
    pub async fn reserve(&self, request: ReserveRequest) -> Result<model::inventory::Reservation, Error> {
        if request.lines.is_empty() {
            return Err(Error::Invalid("a reservation needs at least one line".into()));
        }
        self.ask(|reply| Job::Reserve { request, reply }).await
    }

    /// Gives an active reservation's units back.
    pub async fn release(&self, tenant: &TenantId, reservation_id: &str) -> Result<(), Error> {
        self.ask(|reply| Job::Release {
            tenant: tenant.clone(),
            reservation_id: reservation_id.to_owned(),
            reply,
        })
        .await
    }

    /// Compares counts with crossdock's on-hand numbers inside the writer:
    /// within tolerance the count is applied; beyond it a discrepancy waits
    /// for review and an `INVENTORY_DISCREPANCY` exception is raised.
    pub async fn reconcile(&self, request: ReconcileRequest) -> Result<ReconcileReport, Error> {
        self.ask(|reply| Job::Reconcile { request, reply }).await
    }

    /// Accepts (applies the count) or rejects (keeps crossdock's number) an open discrepancy.
    pub async fn resolve_discrepancy(&self, tenant: &TenantId, id: u64, accept: bool, by: &str) -> Result<Discrepancy, Error> {
        self.ask(|reply| Job::Resolve {
            tenant: tenant.clone(),
            id,
            accept,
            by: by.to_owned(),
            reply,
        })
        .await
    }

    /// Discrepancies, oldest first, filtered by status and run.
    pub fn discrepancies(
        &self,
        tenant: &TenantId,
        status: Option<&str>,
        run: Option<&str>,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Discrepancy>, Error> {
        let after: i64 = match cursor {
            None => 0,
            Some(c) => c.parse().map_err(|_| Error::InvalidCursor(c.to_owned()))?,
        };
        self.inner.readers.with(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "{} WHERE tenant = ?1 AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR run_id = ?3) AND id > ?4 ORDER BY id LIMIT ?5",
                writer::DISCREPANCY_SELECT
            ))?;
            let rows = stmt.query_map(
                rusqlite::params![tenant.as_str(), status, run, after, limit as i64 + 1],
                writer::discrepancy_row,
            )?;
            let mut items = rows.collect::<Result<Vec<_>, _>>()?;
            let next = if items.len() > limit {
                items.truncate(limit);
                items.last().map(|d| d.id.to_string())
            } else {
                None
            };
            Ok(Page { items, next })
        })
    }

    /// Writes a projection snapshot now.
    pub async fn snapshot(&self) -> Result<(), Error> {
        self.ask(|reply| Job::Snapshot { reply }).await
    }

    /// Stops accepting writes, finishes queued ones, writes a snapshot and
    /// waits for the writer to exit. Idempotent.
    pub fn close(&self) {
        self.inner.jobs.lock().take();
        if let Some(handle) = self.inner.writer.lock().take() {
            let _ = handle.join();
        }
    }

    /// The order a reference names (crossdock's id or any alias), folded from its events.
    pub fn order(&self, tenant: &TenantId, reference: &str) -> Result<Option<Order>, Error> {
        read::order(self, tenant, reference)
    }

    /// The order a reference names with the events that made it (see
    /// [`LoggedEvent`]), for timelines and tracking.
    pub fn order_history(&self, tenant: &TenantId, reference: &str) -> Result<Option<(Order, Vec<LoggedEvent>)>, Error> {
        read::order_history(self, tenant, reference)
    }

    /// Orders with packages out to `city` (any case) and/or from `node`,
    /// touched since `since`, newest first, at most `limit`: found in the
    /// projection, not by reading orders.
    pub fn shipped_orders(
        &self,
        tenant: &TenantId,
        city: Option<&str>,
        node: Option<&str>,
        since: Timestamp,
        limit: usize,
    ) -> Result<Vec<Order>, Error> {
        read::shipped_orders(self, tenant, city, node, since, limit)
    }

    pub fn orders(&self, tenant: &TenantId, query: &OrderQuery, cursor: Option<&str>, limit: usize) -> Result<Page<Order>, Error> {
        read::orders(self, tenant, query, cursor, limit)
    }

    /// Inventory of one SKU per node, and units backordered with no node.
    pub fn inventory(&self, tenant: &TenantId, sku: &str) -> (Vec<(String, model::inventory::Buckets)>, i64) {
        let state = self.inner.state.read();
        match state.tenant_lookup(tenant.as_str()) {
            Some(t) => state.positions(t, sku),
            None => (Vec::new(), 0),
        }
    }

    /// Expected supply of a SKU: (node, expected date if known, units), earliest first.
    pub fn future_supply(&self, tenant: &TenantId, sku: &str) -> Vec<(String, Option<jiff::civil::Date>, i64)> {
        let state = self.inner.state.read();
        let Some(t) = state.tenant_lookup(tenant.as_str()) else {
            return Vec::new();
        };
        state
            .future_supply(t, sku)
            .into_iter()
            .map(|(n, d, u)| (n, d.map(state::date_of), u))
            .collect()
    }

    /// The ledger of one SKU (optionally one node), oldest first, after `cursor`.
    pub fn movements(
        &self,
        tenant: &TenantId,
        sku: &str,
        node: Option<&str>,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<MovementRecord>, Error> {
        let after: i64 = match cursor {
            None => 0,
            Some(c) => c.parse().map_err(|_| Error::InvalidCursor(c.to_owned()))?,
        };
        self.inner.readers.with(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT m.id, m.seq, m.node, m.bucket, m.delta, m.reason, e.kind, e.subject, e.source, e.event_id, e.occurred_at
                 FROM movements m JOIN events e ON e.seq = m.seq
                 WHERE m.tenant = ?1 AND m.sku = ?2 AND (?3 IS NULL OR m.node = ?3) AND m.id > ?4 ORDER BY m.id LIMIT ?5",
            )?;
            let rows = stmt.query_map(rusqlite::params![tenant.as_str(), sku, node, after, limit as i64 + 1], |r| {
                Ok(MovementRecord {
                    id: r.get::<_, i64>(0)? as u64,
                    seq: r.get::<_, i64>(1)? as u64,
                    node: r.get(2)?,
                    bucket: r.get(3)?,
                    delta: r.get(4)?,
                    reason: r.get(5)?,
                    event_type: r.get(6)?,
                    subject: r.get(7)?,
                    source: r.get(8)?,
                    event_id: r.get(9)?,
                    occurred_at: from_micros(r.get(10)?),
                })
            })?;
            let mut items = rows.collect::<Result<Vec<_>, _>>()?;
            let next = if items.len() > limit {
                items.truncate(limit);
                items.last().map(|m| m.id.to_string())
            } else {
                None
            };
            Ok(Page { items, next })
        })
    }

    /// Eaches per case of a SKU, when an item event said so.
    pub fn pack_size(&self, tenant: &TenantId, sku: &str) -> Option<u32> {
        let state = self.inner.state.read();
        state.tenant_lookup(tenant.as_str()).and_then(|t| state.pack_size(t, sku))
    }

    /// A customer's (email, name or account) orders created before `before`,
    /// with how many fall in the `window` before it, leaving out `except`.
    /// From memory: cheap enough for every order's risk assessment.
    pub fn customer_summary(
        &self,
        tenant: &TenantId,
        customer: &str,
        before: Timestamp,
        window: std::time::Duration,
        except: &str,
    ) -> CustomerSummary {
        let state = self.inner.state.read();
        match state.tenant_lookup(tenant.as_str()) {
            Some(t) => state.customer_summary(t, customer, micros(before), window.as_micros() as i64, except),
            None => CustomerSummary::default(),
        }
    }

    /// An item's handling attributes, when its `item.upserted` gave them.
    pub fn item_flags(&self, tenant: &TenantId, sku: &str) -> Option<ItemFlags> {
        let state = self.inner.state.read();
        state.tenant_lookup(tenant.as_str()).and_then(|t| state.item_flags(t, sku))
    }

    /// Whether any source has reported this SKU for the tenant.
    pub fn knows_item(&self, tenant: &TenantId, sku: &str) -> bool {
        let state = self.inner.state.read();
        state.tenant_lookup(tenant.as_str()).is_some_and(|t| state.knows_item(t, sku))
    }

    pub fn stats(&self) -> Result<Stats, Error> {
        let (last_seq, counters) = {
            let state = self.inner.state.read();
            (state.seq, state.counters.clone())
        };
        let outbox_depth = self
            .inner
            .readers
            .with(|conn| Ok(conn.query_row("SELECT count(*) FROM outbox WHERE status = 'pending'", [], |r| r.get::<_, i64>(0))? as u64))?;
        Ok(Stats {
            last_seq,
            counters,
            outbox_depth,
        })
    }

    /// Outbox messages, oldest first, optionally of one status, connection
    /// and tenant, with ids above `after` (the previous page's last id).
    pub fn outbox(
        &self,
        status: Option<&str>,
        connection: Option<&str>,
        tenant: Option<&str>,
        after: u64,
        limit: usize,
    ) -> Result<Vec<OutboxMessage>, Error> {
        self.inner
            .readers
            .with(|conn| outbox::list(conn, status, connection, tenant, after, limit))
    }

    /// One outbox message by id.
    pub fn outbox_message(&self, id: u64) -> Result<Option<OutboxMessage>, Error> {
        self.inner.readers.with(|conn| outbox::get(conn, id))
    }

    /// Messages of `connection` a dispatcher may send now (see [`outbox`](crate::outbox)):
    /// due, not in `in_flight`, each the oldest pending one of its subject.
    /// Only committed messages are ever offered.
    pub fn outbox_due(&self, connection: &str, now: Timestamp, in_flight: &[u64], limit: usize) -> Result<Vec<OutboxMessage>, Error> {
        self.inner.readers.with(|conn| outbox::due(conn, connection, now, in_flight, limit))
    }

    /// Records decisions and, when given, moves the pipeline cursor past the
    /// events they were made on and saves learning models' states (name,
    /// JSON) and outcomes — one transaction. Returns how many decisions were new.
    pub async fn record_decisions(
        &self,
        decisions: Vec<NewDecision>,
        cursor: Option<u64>,
        models: Vec<(String, String)>,
        outcomes: Vec<Outcome>,
    ) -> Result<u64, Error> {
        self.record_round(decisions, cursor, models, outcomes, Vec::new()).await
    }

    /// [`Store::record_decisions`] and the actions proposed on them (as the
    /// gateway judged them), in one transaction: a crash loses neither.
    pub async fn record_round(
        &self,
        decisions: Vec<NewDecision>,
        cursor: Option<u64>,
        models: Vec<(String, String)>,
        outcomes: Vec<Outcome>,
        actions: Vec<NewAction>,
    ) -> Result<u64, Error> {
        self.ask(|reply| Job::Decide {
            decisions,
            cursor,
            models,
            outcomes,
            actions,
            reply,
        })
        .await
    }

    /// What happened to orders after their decisions, oldest first, with
    /// each record's id (for paging after it).
    pub fn outcomes(
        &self,
        tenant: &TenantId,
        subject: Option<&str>,
        kind: Option<&str>,
        after: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Outcome)>, Error> {
        self.inner
            .readers
            .with(|conn| decisions::outcomes(conn, tenant.as_str(), subject, kind, after, limit))
    }

    /// Labelled examples for retraining the risk model: the features each
    /// decided order was scored on, and whether a chargeback followed (only
    /// orders with a recorded outcome).
    pub fn risk_examples(&self, tenant: &TenantId) -> Result<Vec<(serde_json::Value, bool)>, Error> {
        self.inner.readers.with(|conn| decisions::risk_examples(conn, tenant.as_str()))
    }

    /// A learning model's saved state (JSON), if it was ever saved.
    pub fn model_state(&self, name: &str) -> Result<Option<String>, Error> {
        self.inner.readers.with(|conn| decisions::model(conn, name))
    }

    /// The last event the decision pipeline has handled.
    pub fn pipeline_cursor(&self) -> Result<u64, Error> {
        self.inner.readers.with(decisions::cursor)
    }

    /// `order.created` / `order.updated` / `order.delivered` events after `after`, oldest first,
    /// and the log's last sequence number.
    pub fn pending_order_events(&self, after: u64, limit: usize) -> Result<(Vec<PendingOrderEvent>, u64), Error> {
        self.inner
            .readers
            .with(|conn| Ok((decisions::pending(conn, after, limit)?, decisions::last_seq(conn)?)))
    }

    /// Decisions of a tenant, oldest first, by subject and kind, with ids above `after`.
    pub fn decisions(
        &self,
        tenant: &TenantId,
        subject: Option<&str>,
        kind: Option<&str>,
        after: u64,
        limit: usize,
    ) -> Result<Vec<DecisionRecord>, Error> {
        self.inner
            .readers
            .with(|conn| decisions::list(conn, tenant.as_str(), subject, kind, after, limit))
    }

    /// Pending and dead-letter counts per connection, with the oldest message's age.
    pub fn outbox_depths(&self) -> Result<Vec<QueueDepth>, Error> {
        self.inner.readers.with(outbox::depths)
    }

    /// Records delivery outcomes durably (group-committed with other writes).
    pub async fn settle(&self, settlements: Vec<Settlement>) -> Result<u64, Error> {
        self.ask(|reply| Job::Settle { settlements, reply }).await
    }

    /// Makes matching dead letters pending again; returns the ids replayed.
    pub async fn replay(&self, filter: ReplayFilter) -> Result<Vec<u64>, Error> {
        self.ask(|reply| Job::Replay { filter, reply }).await
    }

    /// What questions may name, from the events after `after` (newest first,
    /// at most `limit`): customers, accounts, ship-to cities, SKUs. Returns
    /// the names and the last sequence number read, so a caller keeps its
    /// vocabulary current by reading only what is new.
    pub fn vocabulary(&self, tenant: &TenantId, after: u64, limit: usize) -> Result<(Vec<VocabularyEntry>, u64), Error> {
        self.inner.readers.with(|conn| {
            let last: i64 = conn.query_row("SELECT coalesce(max(seq), 0) FROM events", [], |r| r.get(0))?;
            if last as u64 <= after {
                return Ok((Vec::new(), after));
            }
            // `+tenant`: read the range of new events by seq, not every event
            // of the tenant through the subject index.
            let mut stmt = conn.prepare_cached(
                "SELECT kind, subject, json_extract(data, '$.customer.name'), json_extract(data, '$.customer.email'),
                        json_extract(data, '$.customer.account'), json_extract(data, '$.ship_to.city')
                 FROM events WHERE seq > ?1 AND seq <= ?2 AND +tenant = ?3
                   AND kind IN ('order.created', 'order.updated', 'item.upserted', 'inventory.snapshot', 'inventory.adjusted')
                 ORDER BY seq DESC LIMIT ?4",
            )?;
            let rows = stmt.query_map(rusqlite::params![after as i64, last, tenant.as_str(), limit as i64], |r| {
                let kind: String = r.get(0)?;
                Ok(if kind.starts_with("order.") {
                    VocabularyEntry::Order {
                        name: r.get(2)?,
                        email: r.get(3)?,
                        account: r.get(4)?,
                        city: r.get(5)?,
                    }
                } else {
                    VocabularyEntry::Sku(r.get(1)?)
                })
            })?;
            Ok((rows.collect::<Result<Vec<_>, _>>()?, last.max(after as i64) as u64))
        })
    }

    /// Number of events in the log (a count on disk, not the projection).
    pub fn event_count(&self) -> Result<u64, Error> {
        self.inner
            .readers
            .with(|conn| Ok(conn.query_row("SELECT count(*) FROM events", [], |r| r.get::<_, i64>(0))? as u64))
    }

    /// Runs a read-only SQL closure on a reader connection (for checks and tools).
    pub fn with_reader<T>(&self, f: impl FnOnce(&rusqlite::Connection) -> Result<T, Error>) -> Result<T, Error> {
        self.inner.readers.with(f)
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.jobs.lock().take();
        if let Some(handle) = self.writer.lock().take() {
            let _ = handle.join();
        }
    }
}

pub(crate) fn db_path(dir: &Path) -> PathBuf {
    dir.join("crossdock.db")
}

pub(crate) fn micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

pub(crate) fn from_micros(us: i64) -> Timestamp {
    Timestamp::from_microsecond(us).unwrap_or(Timestamp::UNIX_EPOCH)
}
