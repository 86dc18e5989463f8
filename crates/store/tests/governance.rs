//! The audit chain, governed actions and the review queue, API keys and
//! autonomy settings, through the store's public API on real SQLite files —
//! including tampering with the file the way an attacker with disk access would.

use model::outbound::Message;
use proptest::prelude::*;
use store::{ActionFilter, ActionStatus, ApiKey, NewAction, NewAudit, NewMessage, Options, ReviewDecision, Store, audit};

fn entry(i: usize) -> NewAudit {
    NewAudit {
        tenant: (!i.is_multiple_of(3)).then(|| format!("t{}", i % 2)),
        actor: format!("key:{i:04}"),
        action: if i.is_multiple_of(2) {
            "review.approved".into()
        } else {
            "decision.recorded".into()
        },
        subject: Some(format!("O-{i}")),
        detail: serde_json::json!({"n": i, "why": "because"}),
        sources: vec![format!("order:O-{i}"), format!("event:{i}")],
    }
}

async fn store_with(entries: usize) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(Options::new(dir.path())).unwrap();
    for chunk in (0..entries).collect::<Vec<_>>().chunks(7) {
        store.audit(chunk.iter().map(|i| entry(*i)).collect()).await.unwrap();
    }
    (dir, store)
}

/// Closes the store and opens the file as an attacker would.
fn tamper(dir: &std::path::Path, sql: &str) {
    let conn = rusqlite::Connection::open(dir.join("crossdock.db")).unwrap();
    conn.execute_batch(sql).unwrap();
}

#[tokio::test]
async fn an_untouched_chain_verifies_and_survives_a_restart() {
    let (dir, store) = store_with(50).await;
    let report = store.verify_audit().unwrap();
    assert!(report.ok, "{report:?}");
    assert_eq!(report.entries, 50);
    store.close();
    drop(store);
    // Reopened, the chain continues from the stored head.
    let store = Store::open(Options::new(dir.path())).unwrap();
    store.audit(vec![entry(50)]).await.unwrap();
    let report = store.verify_audit().unwrap();
    assert!(report.ok, "{report:?}");
    assert_eq!(report.entries, 51);
    let page = store
        .audit_entries(&store::AuditFilter {
            after: 49,
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(page.len(), 2);
    assert_eq!(page[1].prev, page[0].hash, "each entry carries the previous entry's hash");
}

#[tokio::test]
async fn an_edited_field_is_found_at_its_position() {
    let (dir, store) = store_with(40).await;
    store.close();
    drop(store);
    tamper(dir.path(), "UPDATE audit SET actor = 'key:someone-else' WHERE seq = 17");
    let report = audit::verify_dir(dir.path()).unwrap();
    assert!(!report.ok);
    let bad = report.first_bad.unwrap();
    assert_eq!((bad.position, bad.seq, bad.problem), (17, Some(17), "changed"));
    assert_eq!(report.entries, 16, "everything before it holds");
}

#[tokio::test]
async fn an_edit_that_also_rewrites_the_hash_breaks_the_next_link() {
    let (dir, store) = store_with(20).await;
    store.close();
    drop(store);
    // A careful attacker recomputes nothing but replaces the hash with another entry's.
    tamper(
        dir.path(),
        "UPDATE audit SET detail = '{\"n\":5,\"why\":\"edited\"}', hash = (SELECT hash FROM audit WHERE seq = 3) WHERE seq = 5",
    );
    let bad = audit::verify_dir(dir.path()).unwrap().first_bad.unwrap();
    assert_eq!((bad.seq, bad.problem), (Some(5), "changed"));
}

#[tokio::test]
async fn a_deleted_row_is_found() {
    let (dir, store) = store_with(30).await;
    store.close();
    drop(store);
    tamper(dir.path(), "DELETE FROM audit WHERE seq = 12");
    let bad = audit::verify_dir(dir.path()).unwrap().first_bad.unwrap();
    assert_eq!((bad.position, bad.seq, bad.problem), (12, Some(13), "out_of_sequence"));
    assert!(bad.message.contains("12"), "{}", bad.message);
}

#[tokio::test]
async fn a_deleted_and_renumbered_row_is_found() {
    let (dir, store) = store_with(30).await;
    store.close();
    drop(store);
    tamper(
        dir.path(),
        "DELETE FROM audit WHERE seq = 12; UPDATE audit SET seq = seq - 1 WHERE seq > 12;",
    );
    let bad = audit::verify_dir(dir.path()).unwrap().first_bad.unwrap();
    assert_eq!(bad.position, 12);
    assert_eq!(bad.problem, "broken_link");
}

#[tokio::test]
async fn two_swapped_rows_are_found() {
    let (dir, store) = store_with(30).await;
    store.close();
    drop(store);
    // Swap entries 8 and 9 (their sequence numbers trade places).
    tamper(
        dir.path(),
        "UPDATE audit SET seq = -8 WHERE seq = 8; UPDATE audit SET seq = 8 WHERE seq = 9; UPDATE audit SET seq = 9 WHERE seq = -8;",
    );
    let bad = audit::verify_dir(dir.path()).unwrap().first_bad.unwrap();
    assert_eq!((bad.position, bad.seq), (8, Some(8)));
    assert_ne!(bad.problem, "truncated");
}

#[tokio::test]
async fn entries_deleted_at_the_end_are_found_against_the_recorded_head() {
    let (dir, store) = store_with(30).await;
    store.close();
    drop(store);
    tamper(dir.path(), "DELETE FROM audit WHERE seq > 27");
    let report = audit::verify_dir(dir.path()).unwrap();
    let bad = report.first_bad.unwrap();
    assert_eq!((bad.position, bad.problem), (28, "truncated"));
}

#[tokio::test]
async fn a_field_changed_to_another_type_is_a_change_not_an_error() {
    let (dir, store) = store_with(10).await;
    store.close();
    drop(store);
    tamper(dir.path(), "UPDATE audit SET actor = 42 WHERE seq = 4");
    let bad = audit::verify_dir(dir.path()).unwrap().first_bad.unwrap();
    assert_eq!((bad.seq, bad.problem), (Some(4), "changed"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]
    /// Any sequence of appends (batches of any size) verifies.
    #[test]
    fn any_sequence_of_appends_verifies(batches in proptest::collection::vec(0usize..12, 1..12)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::open(Options::new(dir.path())).unwrap();
            let mut n = 0;
            for size in &batches {
                store.audit((n..n + size).map(entry).collect()).await.unwrap();
                n += size;
            }
            let report = store.verify_audit().unwrap();
            prop_assert!(report.ok, "{:?}", report);
            prop_assert_eq!(report.entries as usize, n);
            Ok(())
        })?;
    }
}

fn hold(node: &str) -> Message {
    Message::from_parts(
        "wms.hold",
        &serde_json::json!({"hold_id": "H-1", "sku": "SKU-1", "node": node, "quantity": 3, "reason": "damaged"}),
    )
    .unwrap()
}

fn action(key: &str, status: ActionStatus) -> NewAction {
    NewAction {
        tenant: "acme".into(),
        workflow: "inventory_adjustment".into(),
        kind: "inventory.hold".into(),
        subject: "SKU-1".into(),
        message: Some(NewMessage {
            tenant: "acme".into(),
            connection: "wms-east".into(),
            subject: "SKU-1".into(),
            message: hold("DC-EAST"),
            idempotency_key: key.into(),
            not_before: None,
        }),
        idempotency_key: key.into(),
        decision: serde_json::json!({"kind": "inventory", "explanation": ["count differs"]}),
        decision_seq: None,
        confidence: 0.7,
        cost_impact: 12.0,
        mode: "assist".into(),
        status,
        gate: serde_json::json!({"verdict": "review"}),
        not_before: None,
        requested_by: "crossdock".into(),
    }
}

async fn outbox_len(store: &Store) -> usize {
    store.outbox(None, None, None, 0, 100).unwrap().len()
}

#[tokio::test]
async fn a_queued_action_is_sent_once_on_approval_and_audited() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(Options::new(dir.path())).unwrap();
    let ids = store.record_actions(vec![action("a1", ActionStatus::Review)]).await.unwrap();
    // The same proposal again records nothing new.
    assert!(
        store
            .record_actions(vec![action("a1", ActionStatus::Review)])
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(outbox_len(&store).await, 0, "nothing is sent while it waits");
    let queue = store
        .actions(&ActionFilter {
            status: Some(ActionStatus::Review),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(queue.len(), 1);
    let approve = ReviewDecision {
        id: ids[0],
        approve: true,
        by: "key:ops1".into(),
        reason: "checked the count".into(),
        override_message: Some(hold("DC-WEST")),
        blocked_by: None,
    };
    let done = store.decide_review(approve.clone()).await.unwrap();
    assert_eq!(done.status, ActionStatus::Executed);
    assert!(done.outbox_id.is_some());
    let sent = store.outbox(None, None, None, 0, 100).unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].payload["node"], "DC-WEST", "the reviewer's edit is what goes out");
    // Approving again is refused and sends nothing more.
    let again = store.decide_review(approve).await.unwrap_err();
    assert!(matches!(again, store::Error::ActionDecided(_, _)), "{again:?}");
    assert_eq!(outbox_len(&store).await, 1);
    let trail = store
        .audit_entries(&store::AuditFilter {
            limit: 100,
            ..Default::default()
        })
        .unwrap();
    let kinds: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(kinds, ["action.queued", "review.approved"]);
    assert!(trail[1].sources.iter().any(|s| s.starts_with("outbox:")));
    assert!(store.verify_audit().unwrap().ok);
}

#[tokio::test]
async fn executed_actions_go_out_shadow_and_rejected_ones_never() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(Options::new(dir.path())).unwrap();
    let ids = store
        .record_actions(vec![
            action("x1", ActionStatus::Executed),
            action("s1", ActionStatus::Shadow),
            action("b1", ActionStatus::Blocked),
            action("r1", ActionStatus::Review),
        ])
        .await
        .unwrap();
    assert_eq!(outbox_len(&store).await, 1);
    let rejected = store
        .decide_review(ReviewDecision {
            id: ids[3],
            approve: false,
            by: "admin".into(),
            reason: "not needed".into(),
            override_message: None,
            blocked_by: None,
        })
        .await
        .unwrap();
    assert_eq!(rejected.status, ActionStatus::Rejected);
    assert_eq!(outbox_len(&store).await, 1);
    // Deciding a shadow action is refused: only queued ones can be decided.
    let err = store
        .decide_review(ReviewDecision {
            id: ids[1],
            approve: true,
            by: "admin".into(),
            reason: String::new(),
            override_message: None,
            blocked_by: None,
        })
        .await
        .unwrap_err();
    assert!(matches!(err, store::Error::ActionDecided(_, ref s) if s == "shadow"), "{err:?}");
    // A failed write in the same group leaves no half-written audit entry behind.
    assert!(store.verify_audit().unwrap().ok);
    assert_eq!(store.verify_audit().unwrap().entries, 5);
}

#[tokio::test]
async fn keys_and_autonomy_changes_are_stored_and_audited() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(Options::new(dir.path())).unwrap();
    let key = ApiKey {
        id: "0123456789ab".into(),
        hash: "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA".into(),
        role: "ops".into(),
        scope: serde_json::json!({"tenants": ["acme"]}),
        label: Some("night shift".into()),
        created_at: model::Timestamp::now(),
        created_by: "admin".into(),
        revoked_at: None,
        last_used_at: None,
    };
    store.create_api_key(key.clone()).await.unwrap();
    assert!(store.create_api_key(key).await.is_err(), "ids are unique");
    let used = model::Timestamp::now();
    store.touch_api_keys(vec![("0123456789ab".into(), used)]).await.unwrap();
    let stored = store.api_key("0123456789ab").unwrap().unwrap();
    assert_eq!(stored.role, "ops");
    assert!(stored.last_used_at.is_some());
    let revoked = store.revoke_api_key("0123456789ab".into(), "admin".into()).await.unwrap().unwrap();
    assert!(revoked.revoked_at.is_some());
    assert!(store.revoke_api_key("nope".into(), "admin".into()).await.unwrap().is_none());
    store
        .set_autonomy("acme".into(), "release".into(), serde_json::json!({"mode": "auto"}), "admin".into())
        .await
        .unwrap();
    store
        .set_autonomy(
            "acme".into(),
            "release".into(),
            serde_json::json!({"mode": "assist"}),
            "key:0123456789ab".into(),
        )
        .await
        .unwrap();
    assert_eq!(store.autonomy_overrides().unwrap()[0].2["mode"], "assist");
    let trail = store
        .audit_entries(&store::AuditFilter {
            action: Some("autonomy.".into()),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(trail.len(), 2);
    assert_eq!(trail[1].detail["before"]["mode"], "auto");
    assert_eq!(trail[1].detail["after"]["mode"], "assist");
    assert!(store.verify_audit().unwrap().ok);
}
