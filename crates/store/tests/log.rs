//! The event log through the store's public API, on real SQLite files.

use model::order::OrderStatus;
use model::{Event, TenantId};
use store::{Error, IdempotencyKey, Options, OrderQuery, Store};

fn tenant() -> TenantId {
    TenantId::parse("acme").unwrap()
}

fn event(json: serde_json::Value) -> Event {
    let mut event: Event = serde_json::from_value(json).unwrap();
    event.tenant = Some(tenant());
    event
}

fn created(id: &str, event_id: &str, email: &str) -> Event {
    event(serde_json::json!({
        "event_id": event_id, "source": "shop", "occurred_at": "2026-05-15T10:00:00Z", "type": "order.created",
        "data": {"order_id": id, "external_ids": {"storefront_name": format!("#{id}")}, "payment_state": "paid",
                 "customer": {"email": email, "name": "Ada Lovelace"}, "po_number": format!("PO-{id}"),
                 "lines": [{"sku": "SKU-1", "quantity": 2}]}
    }))
}

fn step(kind: &str, order: &str, event_id: &str) -> Event {
    event(serde_json::json!({
        "event_id": event_id, "source": "wms-east", "occurred_at": "2026-05-15T11:00:00Z", "type": kind,
        "data": {"order_id": order, "node": "DC-EAST"}
    }))
}

#[tokio::test]
async fn duplicates_are_acknowledged_without_a_second_effect() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(Options::new(dir.path())).unwrap();
    let first = store.append(vec![created("1001", "e1", "a@x.io")], None).await.unwrap();
    let again = store.append(vec![created("1001", "e1", "a@x.io")], None).await.unwrap();
    assert!(!first.outcomes[0].duplicate);
    assert!(again.outcomes[0].duplicate);
    assert_eq!(again.outcomes[0].seq, first.outcomes[0].seq);
    assert_eq!(store.event_count().unwrap(), 1);
    assert_eq!(store.stats().unwrap().counters.events, 1);
}

#[tokio::test]
async fn aliases_resolve_and_unknown_orders_refuse_the_whole_batch() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(Options::new(dir.path())).unwrap();
    store
        .append(vec![created("1001", "e1", "a@x.io"), step("order.released", "#1001", "w1")], None)
        .await
        .unwrap();
    let order = store.order(&tenant(), "PO-1001").unwrap().unwrap();
    assert_eq!(order.id.as_str(), "1001");
    assert_eq!(order.status, OrderStatus::Released);

    let err = store
        .append(vec![step("order.picked", "#1001", "w2"), step("order.picked", "#9999", "w3")], None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnknownOrder { index: 1, .. }), "{err:?}");
    assert_eq!(store.event_count().unwrap(), 2, "nothing of the refused batch was written");
}

#[tokio::test]
async fn idempotency_key_replays_the_stored_answer_and_refuses_a_different_body() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(Options::new(dir.path())).unwrap();
    let key = |hash: &str| {
        Some(IdempotencyKey {
            tenant: tenant(),
            key: "k-1".into(),
            request_hash: hash.into(),
        })
    };
    let first = store.append(vec![created("1001", "e1", "a@x.io")], key("h1")).await.unwrap();
    let second = store.append(vec![created("1001", "e1", "a@x.io")], key("h1")).await.unwrap();
    assert!(second.idempotent_replay);
    assert_eq!(second.outcomes, first.outcomes);
    let conflict = store.append(vec![created("1002", "e2", "b@x.io")], key("h2")).await.unwrap_err();
    assert!(matches!(conflict, Error::IdempotencyConflict(_)));
    assert_eq!(store.event_count().unwrap(), 1);
}

#[tokio::test]
async fn restart_rebuilds_the_same_projection_with_and_without_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(Options::new(dir.path())).unwrap();
        for i in 0..50 {
            let id = format!("{}", 2000 + i);
            store
                .append(vec![created(&id, &format!("c{i}"), &format!("c{}@x.io", i % 7))], None)
                .await
                .unwrap();
            if i % 2 == 0 {
                store
                    .append(vec![step("order.released", &id, &format!("r{i}"))], None)
                    .await
                    .unwrap();
            }
        }
        store.close();
    }
    let reopened = Store::open(Options::new(dir.path())).unwrap();
    let with_snapshot = reopened.stats().unwrap();
    let page = reopened
        .orders(
            &tenant(),
            &OrderQuery {
                customer: Some("C3@X.IO".into()),
                ..Default::default()
            },
            None,
            100,
        )
        .unwrap();
    reopened.close();
    drop(reopened);
    std::fs::remove_file(dir.path().join("projection.snapshot")).unwrap();
    let replayed = Store::open(Options::new(dir.path())).unwrap();
    let without = replayed.stats().unwrap();
    assert_eq!(with_snapshot.counters.orders_by_status, without.counters.orders_by_status);
    assert_eq!(without.counters.events, 75);
    assert_eq!(without.counters.orders_by_status[2], 25, "25 released orders");
    assert_eq!(page.items.len(), 7, "orders 3, 10, 17, ... share customer c3");
    let again = replayed
        .orders(
            &tenant(),
            &OrderQuery {
                customer: Some("c3@x.io".into()),
                ..Default::default()
            },
            None,
            3,
        )
        .unwrap();
    assert_eq!(again.items.len(), 3);
    let rest = replayed
        .orders(
            &tenant(),
            &OrderQuery {
                customer: Some("c3@x.io".into()),
                ..Default::default()
            },
            again.next.as_deref(),
            100,
        )
        .unwrap();
    assert_eq!(rest.items.len(), 4);
    assert!(rest.next.is_none());
}

#[test]
fn a_newer_format_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(Options::new(dir.path())).unwrap());
    mark_future_format(dir.path());
    match Store::open(Options::new(dir.path())) {
        Err(err @ Error::FormatTooNew { found: 99, .. }) => assert!(err.to_string().contains("newer crossdock")),
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("a directory from a newer build must be refused"),
    }
}

/// Marks the directory as written by a future format, as a newer build would.
fn mark_future_format(dir: &std::path::Path) {
    let conn = rusqlite::Connection::open(dir.join("crossdock.db")).unwrap();
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'format_version'", [])
        .unwrap();
}

/// An order updated after it was created stays on its customer's history
/// once: the history of a customer whose first order was updated is finite
/// and counts each order once (it used to link the order to itself).
#[tokio::test]
async fn a_customers_history_counts_an_updated_order_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(Options::new(dir.path())).unwrap();
    store.append(vec![created("2001", "c1", "grace@x.io")], None).await.unwrap();
    let mut updated = created("2001", "u1", "grace@x.io");
    updated.body = match updated.body {
        model::EventBody::OrderCreated(d) => model::EventBody::OrderUpdated(d),
        other => other,
    };
    updated.occurred_at = "2026-05-15T10:05:00Z".parse().unwrap();
    store.append(vec![updated.clone()], None).await.unwrap();
    store.append(vec![created("2002", "c2", "grace@x.io")], None).await.unwrap();
    updated.event_id = "u2".into();
    updated.occurred_at = "2026-05-15T10:06:00Z".parse().unwrap();
    store.append(vec![updated], None).await.unwrap();
    let later = "2026-06-01T00:00:00Z".parse().unwrap();
    let summary = store.customer_summary(&tenant(), "grace@x.io", later, std::time::Duration::from_secs(3600), "none");
    assert_eq!(summary.orders, 2, "{summary:?}");
}
