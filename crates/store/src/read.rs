//! Reads: orders folded from their events, lists filtered on the projection.

use std::path::PathBuf;

use model::event::{EventBody, EventKind};
use model::order::Order;
use model::{OrderId, TenantId};
use parking_lot::Mutex;
use rusqlite::{Connection, params};

use crate::state::{Key, Slot};
use crate::{Error, LoggedEvent, OrderQuery, Page, Store, from_micros, schema};

/// Reader connections, opened on demand and reused.
pub(crate) struct Pool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl Pool {
    pub(crate) fn new(path: PathBuf) -> Self {
        Self {
            path,
            idle: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn with<T>(&self, f: impl FnOnce(&Connection) -> Result<T, Error>) -> Result<T, Error> {
        let conn = match self.idle.lock().pop() {
            Some(conn) => conn,
            None => {
                let conn = Connection::open_with_flags(
                    &self.path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                schema::configure(&conn, false)?;
                conn
            }
        };
        let result = f(&conn);
        let mut idle = self.idle.lock();
        if idle.len() < 16 {
            idle.push(conn);
        }
        result
    }
}

/// Folds an order's events, in log order, into its current state.
fn fold(conn: &Connection, tenant: &TenantId, id: &str) -> Result<Option<Order>, Error> {
    fold_events(conn, tenant, id, |_| {})
}

/// [`fold`], handing each event of the subject to `seen` as it goes.
fn fold_events(conn: &Connection, tenant: &TenantId, id: &str, mut seen: impl FnMut(LoggedEvent)) -> Result<Option<Order>, Error> {
    let mut order: Option<Order> = None;
    for event in subject_events(conn, tenant, id)? {
        let (seq, at) = (event.seq, event.occurred_at);
        match (&mut order, &event.body) {
            (Some(order), body) => order.apply(body, at, seq),
            (None, EventBody::OrderCreated(data) | EventBody::OrderUpdated(data)) => {
                let id = OrderId::parse(id).map_err(|e| Error::Corrupt(e.message))?;
                order = Some(Order::new(id, tenant.clone(), data.clone(), at, seq));
            }
            (None, _) => {}
        }
        seen(event);
    }
    Ok(order)
}

/// Every event logged under one subject, in log order.
fn subject_events(conn: &Connection, tenant: &TenantId, subject: &str) -> Result<Vec<LoggedEvent>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, kind, occurred_at, data, source, event_id FROM events WHERE tenant = ?1 AND subject = ?2 ORDER BY seq",
    )?;
    let mut rows = stmt.query(params![tenant.as_str(), subject])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        let kind: String = row.get(1)?;
        let data: String = row.get(3)?;
        let kind = EventKind::parse(&kind).ok_or_else(|| Error::Corrupt(format!("event {seq} has unknown kind `{kind}`")))?;
        let body = EventBody::from_parts(kind, &data).map_err(|e| Error::Corrupt(format!("event {seq}: {e}")))?;
        out.push(LoggedEvent {
            seq: seq as u64,
            occurred_at: from_micros(row.get(2)?),
            source: row.get(4)?,
            event_id: row.get(5)?,
            body,
        });
    }
    Ok(out)
}

/// An order with every event that made it, including carrier scans that
/// arrived for its tracking numbers before the shipment was known, in the
/// order they happened.
pub(crate) fn order_history(store: &Store, tenant: &TenantId, reference: &str) -> Result<Option<(Order, Vec<LoggedEvent>)>, Error> {
    let Some(order) = order(store, tenant, reference)? else {
        return Ok(None);
    };
    store.inner.readers.with(|conn| {
        let mut events = Vec::new();
        let Some(order) = fold_events(conn, tenant, order.id.as_str(), |e| events.push(e))? else {
            return Ok(None);
        };
        for shipment in &order.shipments {
            events.extend(subject_events(conn, tenant, &format!("tracking:{}", shipment.tracking_number))?);
        }
        events.sort_by_key(|e| (e.occurred_at, e.seq));
        Ok(Some((order, events)))
    })
}

/// Whether the order answers to `reference` (guards against hash collisions).
fn known_by(order: &Order, reference: &str) -> bool {
    order.id.as_str() == reference
        || order
            .data
            .external_ids
            .iter()
            .any(|a| a == reference || a.strip_prefix('#') == Some(reference))
        || order.data.po_number.as_deref() == Some(reference)
        || order.shipments.iter().any(|s| s.tracking_number == reference)
}

pub(crate) fn order(store: &Store, tenant: &TenantId, reference: &str) -> Result<Option<Order>, Error> {
    let candidates: Vec<String> = {
        let state = store.inner.state.read();
        let Some(t) = state.tenant_lookup(tenant.as_str()) else {
            return Ok(None);
        };
        match state.resolve(t, reference) {
            Ok(Some(slot)) => vec![state.order_id(slot).to_owned()],
            Ok(None) => state
                .resolve_tracking(t, reference)
                .map(|s| state.order_id(s).to_owned())
                .into_iter()
                .collect(),
            // Shared reference: the caller gets it only if exactly one order truly has it.
            Err(slots) => slots.iter().map(|s| state.order_id(*s).to_owned()).collect(),
        }
    };
    store.inner.readers.with(|conn| {
        let mut found = Vec::new();
        for id in candidates {
            if let Some(order) = fold(conn, tenant, &id)?
                && known_by(&order, reference)
            {
                found.push(order);
            }
        }
        Ok(if found.len() == 1 { found.pop() } else { None })
    })
}

fn matches_customer(order: &Order, customer: &str) -> bool {
    let c = &order.data.customer;
    let wanted = customer.trim().to_lowercase();
    [&c.email, &c.name, &c.account, &c.id]
        .into_iter()
        .flatten()
        .any(|v| v.trim().to_lowercase() == wanted)
}

pub(crate) fn orders(
    store: &Store,
    tenant: &TenantId,
    query: &OrderQuery,
    cursor: Option<&str>,
    limit: usize,
) -> Result<Page<Order>, Error> {
    let before: Slot = match cursor {
        None => Slot::MAX,
        Some(c) => c.parse().map_err(|_| Error::InvalidCursor(c.to_owned()))?,
    };
    let since = query.since.map(|t| t.as_microsecond());
    let until = query.until.map(|t| t.as_microsecond());
    // Candidate slots, newest first, filtered on what the projection knows.
    let picked: Vec<(Slot, String)> = {
        let state = store.inner.state.read();
        let Some(t) = state.tenant_lookup(tenant.as_str()) else {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        };
        let candidates: Box<dyn Iterator<Item = Slot>> = if let Some(po) = &query.po {
            let mut slots = state.lookup(t, Key::Po, po);
            slots.sort_unstable_by(|a, b| b.cmp(a));
            Box::new(slots.into_iter())
        } else if let Some(customer) = &query.customer {
            Box::new(state.customer_slots(t, customer).into_iter())
        } else {
            let end = (state.order_count() as u64).min(before as u64) as Slot;
            Box::new((0..end).rev())
        };
        candidates
            .filter(|s| *s < before)
            .filter(|s| {
                let slot = state.slot(*s);
                slot.tenant == t
                    && query.status.is_none_or(|st| slot.status == st)
                    && since.is_none_or(|since| slot.created_at >= since)
                    && until.is_none_or(|until| slot.created_at < until)
            })
            .take(limit + 1)
            .map(|s| (s, state.order_id(s).to_owned()))
            .collect()
    };
    let more = picked.len() > limit;
    let page: Vec<(Slot, String)> = picked.into_iter().take(limit).collect();
    let next = if more { page.last().map(|(s, _)| s.to_string()) } else { None };
    let items = store.inner.readers.with(|conn| {
        let mut items = Vec::with_capacity(page.len());
        for (_, id) in &page {
            if let Some(order) = fold(conn, tenant, id)?
                && query.customer.as_deref().is_none_or(|c| matches_customer(&order, c))
                && query.po.as_deref().is_none_or(|po| order.data.po_number.as_deref() == Some(po))
            {
                items.push(order);
            }
        }
        Ok(items)
    })?;
    Ok(Page { items, next })
}

/// Orders with packages out to `city` and/or from `node`, touched since
/// `since`, newest first (see `State::shipped_slots`), folded from the log.
pub(crate) fn shipped_orders(
    store: &Store,
    tenant: &TenantId,
    city: Option<&str>,
    node: Option<&str>,
    since: jiff::Timestamp,
    limit: usize,
) -> Result<Vec<Order>, Error> {
    let ids: Vec<String> = {
        let state = store.inner.state.read();
        let Some(t) = state.tenant_lookup(tenant.as_str()) else {
            return Ok(Vec::new());
        };
        state
            .shipped_slots(t, city, node, since.as_microsecond(), limit)
            .into_iter()
            .map(|s| state.order_id(s).to_owned())
            .collect()
    };
    store.inner.readers.with(|conn| {
        let mut out = Vec::with_capacity(ids.len());
        for id in &ids {
            if let Some(order) = fold(conn, tenant, id)? {
                out.push(order);
            }
        }
        Ok(out)
    })
}
