//! The seeded dataset (`assistant::seed`) through a real store: every event
//! is valid and accepted, the folded orders are what the "Seeded dataset"
//! table of `QUESTIONS.md` says, and every entity and period the labelled
//! questions name has data behind it, on any day.

use std::collections::{BTreeMap, BTreeSet};

use assistant::seed::{self, B2B_ACCOUNTS, NODES, PERIODS, STORES};
use jiff::civil::Date;
use jiff::{Timestamp, Zoned};
use model::event::EventBody;
use model::order::{Order, OrderStatus};
use model::{Event, TenantId};
use serde_json::Value;
use store::{Options, OrderQuery, Store};

fn tenant() -> TenantId {
    TenantId::parse("acme").unwrap()
}

/// A local time in the seed's zone.
fn local(raw: &str) -> Zoned {
    raw.parse::<jiff::civil::DateTime>().unwrap().to_zoned(seed::time_zone()).unwrap()
}

/// A Wednesday mid-morning: the `now` of the single-day tests.
fn wednesday() -> Zoned {
    local("2026-05-20T10:15")
}

/// 14 consecutive days from Saturday 2026-05-23 to Friday 2026-06-05: two
/// Mondays, a month boundary, and times from just after midnight to late evening.
fn fortnight() -> Vec<Zoned> {
    let times = ["00:20", "23:50", "06:05", "09:30", "12:00", "17:45", "21:10"];
    (0..14)
        .map(|i| {
            let day = Date::new(2026, 5, 23).unwrap().checked_add(jiff::Span::new().days(i)).unwrap();
            local(&format!("{day}T{}", times[i as usize % times.len()]))
        })
        .collect()
}

struct Loaded {
    _dir: tempfile::TempDir,
    store: Store,
    events: Vec<Event>,
    now: Zoned,
    orders: Vec<Order>,
}

impl Loaded {
    fn order(&self, number: &str) -> Order {
        self.store
            .order(&tenant(), number)
            .unwrap()
            .unwrap_or_else(|| panic!("order {number} is not in the store"))
    }

    fn window(&self, period: &str) -> (Timestamp, Timestamp) {
        seed::period_window(period, self.now.clone()).unwrap()
    }

    fn today(&self) -> Date {
        self.now.date()
    }
}

/// Opens a fresh store and appends the seed as `now`, as the server would.
async fn load(now: Zoned) -> Loaded {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(Options::new(dir.path())).unwrap();
    let events = seed::events(&tenant(), now.timestamp());
    let mut accepted = 0;
    for batch in seed::append_batches(events.clone()) {
        let receipt = store.append(batch, None).await.unwrap();
        assert!(
            receipt.outcomes.iter().all(|o| !o.duplicate),
            "a seed event was taken for a duplicate"
        );
        accepted += receipt.outcomes.len();
    }
    assert_eq!(accepted, events.len());
    assert_eq!(store.event_count().unwrap(), events.len() as u64);
    let orders = store.orders(&tenant(), &OrderQuery::default(), None, 1000).unwrap().items;
    Loaded {
        _dir: dir,
        store,
        events,
        now,
        orders,
    }
}

fn number(order: &Order) -> &str {
    order
        .data
        .external_ids
        .storefront_name
        .as_deref()
        .unwrap_or_default()
        .trim_start_matches('#')
}

fn is_open(status: OrderStatus) -> bool {
    use OrderStatus::*;
    matches!(status, Open | OnHold | Released | Picked | Packed | Staged)
}

fn who(order: &Order) -> &str {
    let c = &order.data.customer;
    c.account.as_deref().or(c.name.as_deref()).unwrap_or_default()
}

fn inside(at: Timestamp, (start, end): (Timestamp, Timestamp)) -> bool {
    start <= at && at < end
}

/// The order's events in the seed, by crossdock's order id.
fn events_of<'a>(events: &'a [Event], order: &Order) -> Vec<&'a Event> {
    let id = order.id.as_str();
    events
        .iter()
        .filter(|e| e.body.order_ref().is_some_and(|r| r.as_str() == id))
        .collect()
}

/// `late`, `on time` or `—` (cancelled), as the table's Promise column says.
fn promise(events: &[Event], order: &Order, today: Date) -> &'static str {
    if order.status == OrderStatus::Cancelled {
        return "—";
    }
    let promised = order.data.promised_by.expect("every seeded order has a promised date");
    let delivered = events_of(events, order).into_iter().find_map(|e| match e.body {
        EventBody::OrderDelivered(_) => Some(e.occurred_at.to_zoned(seed::time_zone()).date()),
        _ => None,
    });
    let late = match delivered {
        Some(day) => day > promised,
        None => promised < today,
    };
    if late { "late" } else { "on time" }
}

fn questions() -> Vec<Value> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/questions.jsonl")).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn slot<'a>(question: &'a Value, name: &str) -> Option<&'a str> {
    question["slots"][name].as_str()
}

/// One row of the "Seeded dataset" table of `QUESTIONS.md`.
#[derive(Debug)]
struct Row {
    order: String,
    customer: String,
    ship_to: String,
    node: String,
    po: String,
    stage: String,
    exceptions: String,
    promise: String,
}

fn table() -> Vec<Row> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/QUESTIONS.md")).unwrap();
    let section = text
        .split("## Seeded dataset")
        .nth(1)
        .expect("QUESTIONS.md has a Seeded dataset section");
    section
        .lines()
        .filter(|l| l.starts_with("| 10"))
        .map(|l| {
            let cells: Vec<String> = l
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().trim_matches('`').to_owned())
                .collect();
            Row {
                order: cells[0].clone(),
                customer: cells[1].clone(),
                ship_to: cells[2].clone(),
                node: cells[3].clone(),
                po: cells[4].clone(),
                stage: cells[5].clone(),
                exceptions: cells[6].clone(),
                promise: cells[7].clone(),
            }
        })
        .collect()
}

#[test]
fn every_event_is_valid_stable_and_in_the_past() {
    let mut ids_by_day = Vec::new();
    for now in fortnight().into_iter().chain([wednesday()]) {
        let events = seed::events(&tenant(), now.timestamp());
        assert_eq!(events, seed::events(&tenant(), now.timestamp()), "the seed is deterministic");
        let mut ids = BTreeSet::new();
        for e in &events {
            e.validate().unwrap_or_else(|err| panic!("{} is invalid: {err}", e.event_id));
            assert!(e.occurred_at <= now.timestamp(), "{} is after now ({now})", e.event_id);
            assert!(e.event_id.starts_with("seed-"), "{}", e.event_id);
            assert_eq!(e.source, "seed");
            assert_eq!(e.tenant.as_ref(), Some(&tenant()));
            assert!(ids.insert(e.event_id.clone()), "event id {} is used twice", e.event_id);
            // The wire format reads back to the same event.
            let back: Event = serde_json::from_str(&serde_json::to_string(e).unwrap()).unwrap();
            assert_eq!(&back, e);
        }
        ids_by_day.push(ids);
    }
    assert!(ids_by_day.windows(2).all(|w| w[0] == w[1]), "event ids do not depend on now");
}

#[test]
fn events_come_in_causal_order() {
    let events = seed::events(&tenant(), wednesday().timestamp());
    // Items and stock, orders, steps, shipments, tracking, exceptions, tickets, supply.
    let phase = |e: &Event| match &e.body {
        EventBody::ItemUpserted(_) => 0,
        EventBody::InventorySnapshot(_) | EventBody::InventoryHeld(_) | EventBody::SafetyStockSet(_) => 1,
        EventBody::OrderCreated(_) | EventBody::OrderUpdated(_) => 2,
        EventBody::OrderReleased(_)
        | EventBody::OrderPicked(_)
        | EventBody::OrderPacked(_)
        | EventBody::OrderStaged(_)
        | EventBody::OrderCancelled(_) => 3,
        EventBody::OrderShipped(_) => 4,
        EventBody::ShipmentTracking(_) | EventBody::OrderDelivered(_) => 5,
        EventBody::ExceptionRaised(_) | EventBody::ExceptionCleared(_) => 6,
        EventBody::TicketCreated(_) => 7,
        EventBody::PoCreated(_) | EventBody::AsnCreated(_) | EventBody::ReceiptConfirmed(_) => 8,
        other => panic!("the seed has no {:?} events", other.kind()),
    };
    let phases: Vec<u8> = events.iter().map(phase).collect();
    assert!(phases.windows(2).all(|w| w[0] <= w[1]), "phases out of order: {phases:?}");
    // Within an order, time moves forward through its lifecycle.
    let mut last: BTreeMap<String, (u8, Timestamp)> = BTreeMap::new();
    for e in &events {
        let rank = match &e.body {
            EventBody::OrderCreated(_) => 0,
            EventBody::OrderReleased(_) => 1,
            EventBody::OrderPicked(_) => 2,
            EventBody::OrderPacked(_) => 3,
            EventBody::OrderStaged(_) => 4,
            EventBody::OrderShipped(_) => 5,
            EventBody::OrderDelivered(_) => 6,
            _ => continue,
        };
        let id = e.body.order_ref().unwrap().to_string();
        if let Some((before, at)) = last.get(&id) {
            assert!(
                *before < rank && *at <= e.occurred_at,
                "{} comes before an earlier step of its order",
                e.event_id
            );
        } else {
            assert_eq!(rank, 0, "{} comes before its order was created", e.event_id);
        }
        last.insert(id, (rank, e.occurred_at));
    }
    // Exceptions are raised before they are cleared; scans follow their shipment.
    for (i, e) in events.iter().enumerate() {
        match &e.body {
            EventBody::ExceptionCleared(x) => {
                let raised = events[..i]
                    .iter()
                    .find(|r| matches!(&r.body, EventBody::ExceptionRaised(y) if y.code == x.code && y.order_id == x.order_id));
                assert!(
                    raised.is_some_and(|r| r.occurred_at <= e.occurred_at),
                    "{} clears nothing",
                    e.event_id
                );
            }
            EventBody::ShipmentTracking(t) => {
                let shipped = events[..i]
                    .iter()
                    .find(|s| matches!(&s.body, EventBody::OrderShipped(s) if s.tracking_number == t.tracking_number));
                assert!(
                    shipped.is_some_and(|s| s.occurred_at <= e.occurred_at),
                    "{} scans an unshipped package",
                    e.event_id
                );
            }
            _ => {}
        }
    }
}

#[tokio::test]
async fn the_store_folds_the_orders_of_the_table() {
    let rows = table();
    assert_eq!(
        rows.iter().map(|r| r.order.as_str()).collect::<Vec<_>>(),
        (1001..=1060).map(|n| n.to_string()).collect::<Vec<_>>(),
        "the table lists orders 1001 to 1060 in order"
    );
    // The table holds on any day: mid-week, just after midnight on a Monday the 1st, late on a Sunday.
    for now in [wednesday(), local("2026-06-01T00:20"), local("2026-05-31T23:50")] {
        check_table(&load(now).await, &rows);
    }
}

fn check_table(seeded: &Loaded, rows: &[Row]) {
    assert_eq!(seeded.orders.len(), 60, "the seed has exactly the 60 orders of the question set");
    for row in rows {
        let order = seeded.order(&row.order);
        let at = format!("order {} ({})", row.order, seeded.now);
        assert_eq!(number(&order), row.order, "{at}");
        assert_eq!(who(&order), row.customer, "{at}: customer or account");
        assert_eq!(order.data.ship_to.city.as_deref().unwrap_or_default(), row.ship_to, "{at}: ship-to");
        let node = order.nodes.first().map(|n| n.as_str()).unwrap_or("—");
        assert_eq!(node, row.node, "{at}: node");
        assert_eq!(order.data.po_number.as_deref().unwrap_or("—"), row.po, "{at}: PO");
        assert_eq!(order.status.as_str(), row.stage, "{at}: stage");
        let exceptions = if order.exceptions.is_empty() {
            "—".to_owned()
        } else {
            order.exceptions.join(", ")
        };
        assert_eq!(exceptions, row.exceptions, "{at}: open exceptions");
        assert_eq!(promise(&seeded.events, &order, seeded.today()), row.promise, "{at}: promise");
    }
}

#[tokio::test]
async fn the_states_the_questions_imply_are_true() {
    let seeded = load(wednesday()).await;
    let t = tenant();
    let units = |order: &Order, sku: &str| -> i64 {
        order
            .data
            .lines
            .iter()
            .filter(|l| l.sku.as_str() == sku)
            .map(|l| l.quantity.units())
            .sum()
    };
    let history = |order: &Order, code: &str| {
        events_of(&seeded.events, order)
            .iter()
            .any(|e| matches!(&e.body, EventBody::ExceptionRaised(x) if x.code == code))
    };
    // Every order a why_late question names is late.
    for q in questions().iter().filter(|q| q["intent"] == "why_late") {
        if let Some(n) = slot(q, "order") {
            assert_eq!(
                promise(&seeded.events, &seeded.order(n), seeded.today()),
                "late",
                "{}: {}",
                q["id"],
                q["q"]
            );
        }
    }
    assert_eq!(
        promise(&seeded.events, &seeded.order("12345"), seeded.today()),
        "late",
        "why is PO 12345 late?"
    );
    // "customer ordered 3 hoodies on order 1016", "zip 07102 - where's order 1020?", "order 1021 ($129.99)".
    assert_eq!(units(&seeded.order("1016"), "HOODIE-GRY-L"), 3);
    assert_eq!(seeded.order("1020").data.ship_to.postal_code.as_deref(), Some("07102"));
    assert_eq!(seeded.order("1021").data.total.unwrap().amount.to_string(), "129.99");
    // "1018 arrived fine, where's 1019?"
    assert_eq!(seeded.order("1018").status, OrderStatus::Delivered);
    assert_ne!(seeded.order("1019").status, OrderStatus::Delivered);
    // Exceptions named by the questions.
    assert_eq!(seeded.order("1006").status, OrderStatus::OnHold, "why is 1006 on hold");
    assert!(
        seeded.order("1009").exceptions.contains(&"FRAUD_REVIEW".to_owned()),
        "fraud hold on 1009?"
    );
    assert!(seeded.order("1012").exceptions.contains(&"ADDRESS_VALIDATION_FAILED".to_owned()));
    assert!(seeded.order("1023").exceptions.contains(&"UNKNOWN_SKU".to_owned()));
    assert!(
        !seeded.store.knows_item(&t, "MUG-WHT-16OZ"),
        "1023's unknown SKU is unknown to the store"
    );
    assert!(
        seeded.order("1024").exceptions.contains(&"ALLOCATION_FAILED".to_owned()),
        "1024 failed to allocate"
    );
    assert!(history(&seeded.order("1025"), "ORDER_HOLD"), "1025 was on hold");
    assert!(history(&seeded.order("1027"), "SHORT_PICK"), "1027 was short-picked");
    // Lines the return questions name.
    for (order, sku, at_least) in [
        ("1025", "SKU-1", 1),
        ("1026", "TSHIRT-BLK-M", 2),
        ("1030", "HOODIE-GRY-L", 1),
        ("1031", "MUG-WHT-12OZ", 1),
        ("1031", "SKU-2", 1),
        ("1039", "SKU-123", 3),
        ("1045", "MUG-WHT-12OZ", 120),
        ("1049", "HOODIE-GRY-L", 1),
        ("1053", "TSHIRT-BLK-M", 1),
        ("1055", "SKU-2", 1),
    ] {
        assert!(units(&seeded.order(order), sku) >= at_least, "order {order} has {at_least} × {sku}");
    }
    assert_eq!(
        seeded.store.pack_size(&t, "MUG-WHT-12OZ"),
        Some(12),
        "10 cases of MUG-WHT-12OZ are 120 mugs"
    );
    let all_units = |o: &Order| o.data.lines.iter().map(|l| l.quantity.units()).sum::<i64>();
    assert_eq!(all_units(&seeded.order("1055")), 4, "order 1055, 4 items");
    // Return windows: 1003 delivered days ago, 1054 months ago; final sale.
    let delivered = |n: &str| {
        let order = seeded.order(n);
        let at = events_of(&seeded.events, &order)
            .into_iter()
            .find(|e| matches!(e.body, EventBody::OrderDelivered(_)))
            .unwrap()
            .occurred_at;
        seeded.now.timestamp().duration_since(at).as_hours() / 24
    };
    assert!(delivered("1003") <= 7);
    assert!(delivered("1054") >= 90);
    assert!(seeded.store.item_flags(&t, "HOODIE-GRY-L").unwrap().final_sale);
    assert!(!seeded.store.item_flags(&t, "MUG-WHT-12OZ").unwrap().final_sale);
    // POs: 12345 has five lines, 88001 is 240 units to Brooklyn.
    assert_eq!(seeded.order("12345").data.lines.len(), 5, "PO 12345 - 3 of 5 lines");
    let po_88001 = seeded.order("88001");
    assert_eq!(all_units(&po_88001), 240, "PO 88001 (qty 240)");
    assert_eq!(po_88001.data.ship_to.city.as_deref(), Some("Brooklyn"));
    // Stages with their locations.
    let step_location = |n: &str, kind: &str| {
        let order = seeded.order(n);
        events_of(&seeded.events, &order).into_iter().find_map(|e| match &e.body {
            EventBody::OrderPacked(s) if kind == "packed" => s.location.clone(),
            EventBody::OrderStaged(s) if kind == "staged" => s.location.clone(),
            _ => None,
        })
    };
    assert_eq!(step_location("1048", "packed").as_deref(), Some("PACK-12"));
    assert!(step_location("1060", "staged").unwrap().starts_with("DOCK-"));
    // Tracking updates went to their orders: 1050 is out for delivery.
    let latest_scan: String = seeded
        .store
        .with_reader(|conn| {
            Ok(conn.query_row(
                "SELECT data FROM events WHERE kind = 'shipment.tracking' AND subject = ?1 ORDER BY occurred_at DESC LIMIT 1",
                [seeded.order("1050").id.as_str()],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert!(latest_scan.contains("out_for_delivery"), "{latest_scan}");
    // The WISMO ticket about 1015 is linked to it.
    let ticket_subject: String = seeded
        .store
        .with_reader(|conn| {
            Ok(conn.query_row(
                "SELECT subject FROM events WHERE kind = 'ticket.created' AND event_id = 'seed-ticket-48213'",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(ticket_subject, seeded.order("1015").id.as_str());
}

#[tokio::test]
async fn stock_answers_are_real() {
    let seeded = load(wednesday()).await;
    let t = tenant();
    let atp = |sku: &str, node: &str| {
        let (positions, _) = seeded.store.inventory(&t, sku);
        positions.iter().find(|(n, _)| n == node).map(|(_, b)| (b.on_hand, b.atp()))
    };
    // "is SKU-123 available anywhere else?": none at DC-EAST, some at DC-WEST, more on the way east.
    assert_eq!(atp("SKU-123", "DC-EAST"), Some((0, 0)));
    assert!(atp("SKU-123", "DC-WEST").unwrap().1 > 0);
    let supply = seeded.store.future_supply(&t, "SKU-123");
    assert!(
        supply
            .iter()
            .any(|(node, date, units)| node == "DC-EAST" && *units == 200 && date.is_some()),
        "{supply:?}"
    );
    // "can we fill 200 units of SKU-2 from the west warehouse": not quite.
    let (_, west) = atp("SKU-2", "DC-WEST").unwrap();
    assert!(west > 0 && west < 200, "SKU-2 ATP at DC-WEST is {west}");
    // "HOODIE-GRY-L @ west DC": none; some held back at DC-EAST.
    assert_eq!(atp("HOODIE-GRY-L", "DC-WEST"), Some((0, 0)));
    let (positions, _) = seeded.store.inventory(&t, "HOODIE-GRY-L");
    let east = positions.iter().find(|(n, _)| n == "DC-EAST").unwrap().1;
    assert!(east.held > 0 && east.atp() > 0, "{east:?}");
    // Every seeded SKU has a position at both DCs, and no ATP is negative.
    for sku in ["SKU-123", "SKU-1", "SKU-2", "TSHIRT-BLK-M", "MUG-WHT-12OZ", "HOODIE-GRY-L"] {
        assert!(seeded.store.knows_item(&t, sku), "{sku}");
        for node in NODES {
            let (on_hand, atp) = atp(sku, node.id).unwrap_or_else(|| panic!("{sku} has no position at {}", node.id));
            assert!(on_hand >= 0 && atp >= 0, "{sku} at {}: on hand {on_hand}, ATP {atp}", node.id);
        }
    }
}

#[tokio::test]
async fn b2b_orders_carry_their_account() {
    let seeded = load(wednesday()).await;
    for (po, account, city) in [
        ("12345", "Acme Corp", "Newark"),
        ("4500012345", "Globex Inc", "Los Angeles"),
        ("88001", "Initech", "Brooklyn"),
        ("88002", "Umbrella Co", "Reno"),
    ] {
        let orders = seeded
            .store
            .orders(
                &tenant(),
                &OrderQuery {
                    po: Some(po.into()),
                    ..OrderQuery::default()
                },
                None,
                10,
            )
            .unwrap()
            .items;
        assert_eq!(orders.len(), 1, "PO {po} is one order");
        assert_eq!(orders[0].data.customer.account.as_deref(), Some(account), "PO {po}");
        assert_eq!(orders[0].data.ship_to.city.as_deref(), Some(city), "PO {po}");
    }
    for order in &seeded.orders {
        match order.data.customer.account.as_deref() {
            Some(account) => {
                assert!(B2B_ACCOUNTS.contains(&account), "{account}");
                let store = STORES.iter().find(|s| Some(s.name) == order.data.ship_to.name.as_deref()).unwrap();
                assert_eq!(store.account, account, "order {} ships to another account's store", number(order));
                assert_eq!(order.data.channel.as_deref(), Some("b2b"));
            }
            None => assert_eq!(order.data.channel.as_deref(), Some("web"), "order {}", number(order)),
        }
    }
    // Each account has open orders, for "show me our open orders".
    for account in B2B_ACCOUNTS {
        assert!(
            seeded
                .orders
                .iter()
                .any(|o| o.data.customer.account.as_deref() == Some(account) && is_open(o.status)),
            "{account} has no open order"
        );
    }
}

/// What a question names exists in the loaded store, and what it filters
/// by period has at least one order or shipment in that period.
fn check_question(seeded: &Loaded, q: &Value) -> Result<(), String> {
    let t = tenant();
    let fail = |what: String| Err(format!("{} {:?} ({}): {what}", q["id"], q["q"], seeded.now));
    if let Some(n) = slot(q, "order")
        && seeded.store.order(&t, n).unwrap().is_none()
    {
        return fail(format!("no order {n}"));
    }
    if let Some(po) = slot(q, "po") {
        let by_po = OrderQuery {
            po: Some(po.into()),
            ..OrderQuery::default()
        };
        if seeded.store.orders(&t, &by_po, None, 10).unwrap().items.is_empty() {
            return fail(format!("no order with PO {po}"));
        }
    }
    if let Some(tracking) = slot(q, "tracking") {
        let found = seeded.store.order(&t, tracking).unwrap();
        if !found.is_some_and(|o| o.shipments.iter().any(|s| s.tracking_number == tracking)) {
            return fail(format!("no shipment {tracking}"));
        }
    }
    if let Some(sku) = slot(q, "sku") {
        let (positions, _) = seeded.store.inventory(&t, sku);
        let node = slot(q, "node");
        if !seeded.store.knows_item(&t, sku) || !positions.iter().any(|(n, _)| node.is_none_or(|node| n == node)) {
            return fail(format!("no stock position for {sku} at {node:?}"));
        }
    }
    if let Some(node) = slot(q, "node")
        && !NODES.iter().any(|n| n.id == node)
    {
        return fail(format!("no node {node}"));
    }
    let customers: Vec<&str> = match (slot(q, "customer"), q["role"].as_str()) {
        (Some(c), _) => vec![c],
        // A B2B client asking about "our" orders: any account may be the caller.
        (None, Some("b2b_client")) if q["intent"] == "open_orders_for_customer" => B2B_ACCOUNTS.to_vec(),
        _ => Vec::new(),
    };
    for customer in &customers {
        let by_customer = OrderQuery {
            customer: Some((*customer).into()),
            ..OrderQuery::default()
        };
        if seeded.store.orders(&t, &by_customer, None, 100).unwrap().items.is_empty() {
            return fail(format!("no orders of {customer}"));
        }
    }
    if let Some(place) = slot(q, "place")
        && !seeded.orders.iter().any(|o| o.data.ship_to.city.as_deref() == Some(place))
    {
        return fail(format!("nothing ships to {place}"));
    }
    let window = slot(q, "period").map(|p| seeded.window(p));
    match q["intent"].as_str().unwrap() {
        "shipments_to_place" => {
            let (place, node) = (slot(q, "place"), slot(q, "node"));
            let found = seeded.orders.iter().any(|o| {
                place.is_none_or(|p| o.data.ship_to.city.as_deref() == Some(p))
                    && o.shipments.iter().any(|s| {
                        node.is_none_or(|n| s.node.as_ref().is_some_and(|sn| sn.as_str() == n))
                            && window.is_none_or(|w| inside(s.shipped_at, w))
                    })
            });
            if !found {
                return fail(format!("no shipment to {place:?} from {node:?} in {:?}", slot(q, "period")));
            }
        }
        "open_orders_for_customer" => {
            for customer in &customers {
                let found = seeded.orders.iter().any(|o| {
                    let c = &o.data.customer;
                    [&c.name, &c.email, &c.account].into_iter().flatten().any(|v| v == customer)
                        && is_open(o.status)
                        && window.is_none_or(|w| inside(o.created_at, w))
                });
                if !found {
                    return fail(format!("no open order of {customer} in {:?}", slot(q, "period")));
                }
            }
        }
        _ if window.is_some() => return fail("a period outside shipments and open orders is not covered".into()),
        _ => {}
    }
    Ok(())
}

#[tokio::test]
async fn every_entity_and_period_the_questions_name_has_data_on_any_day() {
    let questions = questions();
    assert!(questions.len() >= 330);
    let days = fortnight();
    assert!(days.iter().filter(|d| d.date().weekday() == jiff::civil::Weekday::Monday).count() >= 2);
    assert!(days.windows(2).any(|w| w[0].date().month() != w[1].date().month()));
    let mut failures = Vec::new();
    let mut periods = BTreeSet::new();
    for now in days {
        let seeded = load(now).await;
        for q in &questions {
            if let Some(p) = slot(q, "period") {
                periods.insert(p.to_owned());
            }
            if let Err(e) = check_question(&seeded, q) {
                failures.push(e);
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(
        periods,
        PERIODS.iter().map(|p| p.to_string()).collect(),
        "every period value is exercised"
    );
}

#[test]
fn append_batches_put_tracking_after_the_shipments() {
    let events = seed::events(&tenant(), wednesday().timestamp());
    let batches = seed::append_batches(events.clone());
    assert_eq!(batches.len(), 2);
    assert_eq!(batches.concat(), events);
    assert!(batches[0].iter().all(|e| !matches!(e.body, EventBody::ShipmentTracking(_))));
    assert!(batches[0].iter().any(|e| matches!(e.body, EventBody::OrderShipped(_))));
    assert!(matches!(
        batches[1][0].body,
        EventBody::ShipmentTracking(_) | EventBody::OrderDelivered(_)
    ));
}
