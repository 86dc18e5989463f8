//! Zero oversell, by property: no sequence of warehouse events, orders and
//! reservation requests can make soft reservations exceed free stock, and
//! every unit promised beyond stock is recorded as backordered.

use model::event::EventBody;
use model::inventory::{DemandLine, ReservationMode};
use model::{Event, NodeId, OrderId, Quantity, Sku, TenantId};
use proptest::prelude::*;
use store::{Options, ReserveRequest, Store};

const SKUS: [&str; 2] = ["A", "B"];
const NODES: [&str; 2] = ["N1", "N2"];

#[derive(Debug, Clone)]
enum Op {
    Count {
        sku: usize,
        node: usize,
        on_hand: i64,
    },
    Adjust {
        sku: usize,
        node: usize,
        delta: i64,
    },
    Reserve {
        lines: Vec<(usize, i64, Option<usize>)>,
        partial: bool,
    },
    Cancel {
        which: usize,
    },
    Order {
        sku: usize,
        quantity: i64,
    },
    ReleaseOrder {
        which: usize,
        node: usize,
    },
    Ship {
        which: usize,
    },
    CancelOrder {
        which: usize,
    },
    Po {
        sku: usize,
        node: usize,
        units: i64,
        number: usize,
    },
    Asn {
        sku: usize,
        node: usize,
        units: i64,
        po: Option<usize>,
    },
    Receive {
        sku: usize,
        node: usize,
        units: i64,
        po: Option<usize>,
    },
    Hold {
        sku: usize,
        node: usize,
        units: i64,
    },
    Safety {
        sku: usize,
        node: usize,
        units: i64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..2usize, 0..2usize, 0..20i64).prop_map(|(sku, node, on_hand)| Op::Count { sku, node, on_hand }),
        (0..2usize, 0..2usize, -8..8i64).prop_map(|(sku, node, delta)| Op::Adjust { sku, node, delta }),
        (
            prop::collection::vec((0..2usize, 1..8i64, prop::option::of(0..2usize)), 1..4),
            any::<bool>()
        )
            .prop_map(|(lines, partial)| Op::Reserve { lines, partial }),
        (0..8usize).prop_map(|which| Op::Cancel { which }),
        (0..2usize, 1..6i64).prop_map(|(sku, quantity)| Op::Order { sku, quantity }),
        (0..8usize, 0..2usize).prop_map(|(which, node)| Op::ReleaseOrder { which, node }),
        (0..8usize).prop_map(|which| Op::Ship { which }),
        (0..8usize).prop_map(|which| Op::CancelOrder { which }),
        (0..2usize, 0..2usize, 1..10i64, 0..3usize).prop_map(|(sku, node, units, number)| Op::Po { sku, node, units, number }),
        (0..2usize, 0..2usize, 1..10i64, prop::option::of(0..3usize)).prop_map(|(sku, node, units, po)| Op::Asn { sku, node, units, po }),
        (0..2usize, 0..2usize, 1..10i64, prop::option::of(0..3usize)).prop_map(|(sku, node, units, po)| Op::Receive {
            sku,
            node,
            units,
            po
        }),
        (0..2usize, 0..2usize, -6..6i64).prop_map(|(sku, node, units)| Op::Hold { sku, node, units }),
        (0..2usize, 0..2usize, 0..5i64).prop_map(|(sku, node, units)| Op::Safety { sku, node, units }),
    ]
}

fn tenant() -> TenantId {
    TenantId::parse("acme").unwrap()
}

fn event(n: usize, body: EventBody) -> Event {
    Event {
        event_id: format!("e{n}"),
        source: "wms".into(),
        tenant: Some(tenant()),
        occurred_at: jiff::Timestamp::now(),
        body,
    }
}

fn json_body(kind: &str, data: serde_json::Value) -> EventBody {
    EventBody::from_parts(model::EventKind::parse(kind).unwrap(), &data.to_string()).unwrap()
}

/// The zero-oversell invariant on every position.
fn check(store: &Store) -> Result<(), TestCaseError> {
    for sku in SKUS {
        let (positions, network_backordered) = store.inventory(&tenant(), sku);
        prop_assert!(network_backordered >= 0);
        for (node, b) in positions {
            let free = (b.on_hand - b.held).max(0);
            prop_assert!(b.reserved >= 0 && b.allocated >= 0, "{sku}@{node}: negative bucket {b:?}");
            prop_assert!(b.in_transit >= 0 && b.on_order >= 0, "{sku}@{node}: negative future supply {b:?}");
            prop_assert!(
                b.held >= 0 && b.safety_stock >= 0,
                "{sku}@{node}: negative hold or safety stock {b:?}"
            );
            prop_assert!(
                b.reserved == 0 || b.reserved + b.allocated <= free,
                "{sku}@{node}: reservations beyond stock {b:?}"
            );
            prop_assert!(
                b.backordered >= (b.allocated - free).max(0),
                "{sku}@{node}: unrecorded shortfall {b:?}"
            );
        }
    }
    Ok(())
}

async fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(Options::new(dir.path())).unwrap();
    let mut reservations: Vec<String> = Vec::new();
    let mut orders: Vec<String> = Vec::new();
    for (n, op) in ops.into_iter().enumerate() {
        let sku = |i: usize| Sku::parse(SKUS[i]).unwrap();
        let node = |i: usize| NodeId::parse(NODES[i]).unwrap();
        match op {
            Op::Count { sku: s, node: d, on_hand } => {
                let body = json_body(
                    "inventory.snapshot",
                    serde_json::json!({"sku": SKUS[s], "node": NODES[d], "on_hand": on_hand}),
                );
                store.append(vec![event(n, body)], None).await.unwrap();
            }
            Op::Adjust { sku: s, node: d, delta } => {
                let body = json_body(
                    "inventory.adjusted",
                    serde_json::json!({"sku": SKUS[s], "node": NODES[d], "delta": delta}),
                );
                store.append(vec![event(n, body)], None).await.unwrap();
            }
            Op::Reserve { lines, partial } => {
                let lines = lines
                    .into_iter()
                    .map(|(s, q, d)| DemandLine {
                        sku: sku(s),
                        quantity: Quantity(q),
                        node: d.map(node),
                        unit: None,
                    })
                    .collect();
                let mode = if partial {
                    ReservationMode::Partial
                } else {
                    ReservationMode::AllOrNothing
                };
                let request = ReserveRequest {
                    tenant: tenant(),
                    order_id: None,
                    lines,
                    mode,
                    expires_at: jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1),
                    idempotency: None,
                };
                match store.reserve(request).await {
                    Ok(r) => reservations.push(r.reservation_id),
                    Err(store::Error::InsufficientStock(_) | store::Error::UnknownSku { .. }) => {}
                    Err(e) => return Err(TestCaseError::fail(format!("unexpected {e}"))),
                }
            }
            Op::Cancel { which } => {
                if let Some(id) = reservations.get(which) {
                    let _ = store.release(&tenant(), id).await;
                }
            }
            Op::Order { sku: s, quantity } => {
                let id = format!("O{n}");
                let body = json_body(
                    "order.created",
                    serde_json::json!({"order_id": id, "payment_state": "paid", "lines": [{"sku": SKUS[s], "quantity": quantity}]}),
                );
                store.append(vec![event(n, body)], None).await.unwrap();
                orders.push(id);
            }
            Op::ReleaseOrder { which, node: d } => {
                if let Some(id) = orders.get(which) {
                    let body = json_body("order.released", serde_json::json!({"order_id": id, "node": NODES[d]}));
                    store.append(vec![event(n, body)], None).await.unwrap();
                }
            }
            Op::Ship { which } => {
                if let Some(id) = orders.get(which) {
                    let body = json_body(
                        "order.shipped",
                        serde_json::json!({"order_id": id, "tracking_number": format!("T{n}")}),
                    );
                    store.append(vec![event(n, body)], None).await.unwrap();
                }
            }
            Op::Po {
                sku: s,
                node: d,
                units,
                number,
            } => {
                let body = json_body(
                    "po.created",
                    serde_json::json!({"po_number": format!("PO{number}"), "node": NODES[d], "expected_at": "2030-01-01", "lines": [{"sku": SKUS[s], "quantity": units}]}),
                );
                store.append(vec![event(n, body)], None).await.unwrap();
            }
            Op::Asn {
                sku: s,
                node: d,
                units,
                po,
            } => {
                let body = json_body(
                    "asn.created",
                    serde_json::json!({"asn_id": format!("A{n}"), "po_number": po.map(|p| format!("PO{p}")), "node": NODES[d], "expected_at": "2029-06-01", "lines": [{"sku": SKUS[s], "quantity": units}]}),
                );
                store.append(vec![event(n, body)], None).await.unwrap();
            }
            Op::Receive {
                sku: s,
                node: d,
                units,
                po,
            } => {
                let body = json_body(
                    "receipt.confirmed",
                    serde_json::json!({"po_number": po.map(|p| format!("PO{p}")), "node": NODES[d], "lines": [{"sku": SKUS[s], "quantity": units}]}),
                );
                store.append(vec![event(n, body)], None).await.unwrap();
            }
            Op::Hold { sku: s, node: d, units } => {
                let body = json_body(
                    "inventory.held",
                    serde_json::json!({"sku": SKUS[s], "node": NODES[d], "quantity": units}),
                );
                store.append(vec![event(n, body)], None).await.unwrap();
            }
            Op::Safety { sku: s, node: d, units } => {
                let body = json_body(
                    "inventory.safety_stock",
                    serde_json::json!({"sku": SKUS[s], "node": NODES[d], "quantity": units}),
                );
                store.append(vec![event(n, body)], None).await.unwrap();
            }
            Op::CancelOrder { which } => {
                if let Some(id) = orders.get(which) {
                    let body = EventBody::OrderCancelled(model::event::OrderCancelled {
                        order_id: OrderId::parse(id).unwrap(),
                        reason: None,
                    });
                    store.append(vec![event(n, body)], None).await.unwrap();
                }
            }
        }
        check(&store)?;
    }
    // The ledger explains every number: its movements sum to each bucket.
    for sku in SKUS {
        let mut sums: std::collections::HashMap<(String, String), i64> = Default::default();
        let mut cursor = None;
        loop {
            let page = store.movements(&tenant(), sku, None, cursor.as_deref(), 500).unwrap();
            for m in page.items {
                *sums.entry((m.node, m.bucket)).or_default() += m.delta;
            }
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        let (positions, _) = store.inventory(&tenant(), sku);
        for (node, b) in positions {
            let shortfall = (b.allocated - (b.on_hand - b.held).max(0)).max(0);
            let get = |bucket: &str| sums.get(&(node.clone(), bucket.to_owned())).copied().unwrap_or(0);
            prop_assert_eq!(
                (
                    get("on_hand"),
                    get("allocated"),
                    get("reserved"),
                    get("in_transit"),
                    get("on_order"),
                    get("backordered"),
                    get("held"),
                    get("safety_stock")
                ),
                (
                    b.on_hand,
                    b.allocated,
                    b.reserved,
                    b.in_transit,
                    b.on_order,
                    b.backordered - shortfall,
                    b.held,
                    b.safety_stock
                ),
                "{}@{}: ledger and totals disagree",
                sku,
                node
            );
        }
    }
    // The same log replayed from scratch gives the same positions.
    let live: Vec<_> = SKUS.iter().map(|s| store.inventory(&tenant(), s)).collect();
    store.close();
    drop(store);
    std::fs::remove_file(dir.path().join("projection.snapshot")).unwrap();
    let replayed = Store::open(Options::new(dir.path())).unwrap();
    let again: Vec<_> = SKUS.iter().map(|s| replayed.inventory(&tenant(), s)).collect();
    prop_assert_eq!(live, again);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn no_sequence_oversells(ops in prop::collection::vec(op(), 1..40)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(run(ops))?;
    }
}
