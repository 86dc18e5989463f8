//! The outbox through the store's public API, on real SQLite files: what a
//! dispatcher is offered, how settlements and replays change it.

use jiff::Timestamp;
use model::outbound::{Message, TicketNote};
use model::{Event, TenantId};
use store::{NewMessage, Options, ReplayFilter, Settlement, Store};

fn note(connection: &str, ticket: &str, n: u32) -> NewMessage {
    NewMessage {
        tenant: "acme".into(),
        connection: connection.into(),
        subject: ticket.into(),
        message: Message::TicketNote(TicketNote {
            ticket_id: ticket.into(),
            body: format!("note {n}"),
            public: false,
        }),
        idempotency_key: format!("{connection}:{ticket}:{n}"),
        not_before: None,
    }
}

fn snapshot(sku: &str, on_hand: i64, event_id: &str) -> Event {
    let mut event: Event = serde_json::from_value(serde_json::json!({
        "event_id": event_id, "source": "wms", "occurred_at": "2026-05-15T10:00:00Z", "type": "inventory.snapshot",
        "data": {"sku": sku, "node": "DC-EAST", "on_hand": on_hand}
    }))
    .unwrap();
    event.tenant = Some(TenantId::parse("acme").unwrap());
    event
}

fn later() -> Timestamp {
    Timestamp::now() + jiff::SignedDuration::from_secs(3600)
}

#[tokio::test]
async fn only_the_oldest_pending_message_of_a_subject_is_offered() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(Options::new(dir.path())).unwrap();
    let batch = vec![
        note("zd", "T1", 1),
        note("zd", "T1", 2),
        note("zd", "T2", 1),
        note("other", "T1", 1),
    ];
    store.append_with(vec![], None, batch.clone()).await.unwrap();
    // The same request again (a client retry) enqueues nothing new.
    store.append_with(vec![], None, batch).await.unwrap();
    assert_eq!(store.outbox(Some("pending"), None, None, 0, 100).unwrap().len(), 4);

    let due = store.outbox_due("zd", later(), &[], 10).unwrap();
    let keys: Vec<&str> = due.iter().map(|m| m.idempotency_key.as_str()).collect();
    assert_eq!(keys, ["zd:T1:1", "zd:T2:1"]);
    // In flight is not offered twice.
    let again = store.outbox_due("zd", later(), &[due[0].id], 10).unwrap();
    assert_eq!(again.iter().map(|m| m.idempotency_key.as_str()).collect::<Vec<_>>(), ["zd:T2:1"]);
    // A retry later holds the subject: the second note waits for the first.
    let retry_at = Timestamp::now() + jiff::SignedDuration::from_secs(60);
    store
        .settle(vec![Settlement::Retry {
            id: due[0].id,
            at: retry_at,
            error: "HTTP 503".into(),
        }])
        .await
        .unwrap();
    let now = store.outbox_due("zd", Timestamp::now(), &[], 10).unwrap();
    assert_eq!(now.iter().map(|m| m.idempotency_key.as_str()).collect::<Vec<_>>(), ["zd:T2:1"]);
    // Delivered: the next note of T1 comes up.
    store
        .settle(vec![Settlement::Delivered {
            id: due[0].id,
            key: due[0].idempotency_key.clone(),
        }])
        .await
        .unwrap();
    let next = store.outbox_due("zd", Timestamp::now(), &[], 10).unwrap();
    assert_eq!(
        next.iter().map(|m| m.idempotency_key.as_str()).collect::<Vec<_>>(),
        ["zd:T1:2", "zd:T2:1"]
    );
    let delivered = store.outbox_message(due[0].id).unwrap().unwrap();
    assert_eq!((delivered.status.as_str(), delivered.attempts), ("delivered", 2));
    assert!(delivered.settled_at.is_some() && delivered.last_error.is_none());
}

#[tokio::test]
async fn a_value_coalesced_while_in_flight_is_sent_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = Options::new(dir.path());
    options.coalesce_window = std::time::Duration::ZERO;
    options.atp_subscribers = vec![store::AtpSubscriber {
        tenant: "acme".into(),
        connection: "shop".into(),
        buffer: 0,
    }];
    let store = Store::open(options).unwrap();
    store.append(vec![snapshot("SKU-A", 5, "c1")], None).await.unwrap();
    let sent = store.outbox_due("shop", later(), &[], 10).unwrap().remove(0);
    assert_eq!(sent.payload["atp"], 5);
    // While that call is in flight, the position changes: the row is rewritten.
    store.append(vec![snapshot("SKU-A", 9, "c2")], None).await.unwrap();
    let changed = store
        .settle(vec![Settlement::Delivered {
            id: sent.id,
            key: sent.idempotency_key.clone(),
        }])
        .await
        .unwrap();
    assert_eq!(changed, 0, "the delivery of the old value does not settle the new one");
    let pending = store.outbox_due("shop", later(), &[], 10).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].payload["atp"], 9);
}

#[tokio::test]
async fn dead_letters_replay_and_a_superseded_position_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = Options::new(dir.path());
    options.coalesce_window = std::time::Duration::ZERO;
    options.atp_subscribers = vec![store::AtpSubscriber {
        tenant: "acme".into(),
        connection: "shop".into(),
        buffer: 0,
    }];
    let store = Store::open(options).unwrap();
    store.append(vec![snapshot("SKU-A", 5, "c1")], None).await.unwrap();
    store.append_with(vec![], None, vec![note("zd", "T1", 1)]).await.unwrap();
    let atp = store.outbox_due("shop", later(), &[], 10).unwrap().remove(0);
    let noted = store.outbox_due("zd", later(), &[], 10).unwrap().remove(0);
    store
        .settle(vec![
            Settlement::Dead {
                id: atp.id,
                error: "HTTP 422: location_id".into(),
            },
            Settlement::Dead {
                id: noted.id,
                error: "HTTP 404".into(),
            },
        ])
        .await
        .unwrap();
    assert_eq!(store.outbox(Some("dead"), None, None, 0, 10).unwrap().len(), 2);
    // A newer value for the position is pending: replaying the old one would send stale stock.
    store.append(vec![snapshot("SKU-A", 7, "c2")], None).await.unwrap();
    let replayed = store.replay(ReplayFilter::default()).await.unwrap();
    assert_eq!(replayed, vec![noted.id]);
    assert!(
        store.outbox_message(atp.id).unwrap().is_none(),
        "the superseded dead letter is dropped"
    );
    let back = store.outbox_message(noted.id).unwrap().unwrap();
    assert_eq!((back.status.as_str(), back.attempts), ("pending", 0));
    assert_eq!(back.last_error.as_deref(), Some("HTTP 404"), "the last reason stays for inspection");
    // Nothing dead is left to replay; a filter that matches nothing replays nothing.
    assert!(store.replay(ReplayFilter::default()).await.unwrap().is_empty());
    let depths = store.outbox_depths().unwrap();
    assert!(depths.iter().all(|d| d.status == "pending"));
    assert_eq!(depths.iter().map(|d| d.count).sum::<u64>(), 2);
}
