//! The example mappings in `examples/mappings/` run against their sample
//! payloads, through the canonical reader, to the values a user would check.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use model::ops::LineQty;
use model::outbound::{ExpectedReturn, Hold, Message, Wave, WaveOrder};
use model::{Event, EventBody, NodeId, OrderId, Quantity, Sku};
use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::outbound::Method;
use crate::testutil::{assert_canonical, json_value};
use crate::wms::sink;

fn examples() -> String {
    format!("{}/../../examples/mappings", env!("CARGO_MANIFEST_DIR"))
}

fn sample(vendor: &str, file: &str) -> Value {
    let path = format!("{}/{vendor}/{file}", examples());
    let text = std::fs::read(&path).unwrap_or_else(|e| panic!("Cannot read {path}: {e}"));
    serde_json::from_slice(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

static MANHATTAN: LazyLock<Mapping> = LazyLock::new(|| Mapping::example("manhattan.toml"));
static SAP: LazyLock<Mapping> = LazyLock::new(|| Mapping::example("sap-ewm.toml"));

fn manhattan() -> &'static Mapping {
    &MANHATTAN
}

fn sap() -> &'static Mapping {
    &SAP
}

fn events(mapping: &Mapping, payload: &Value) -> Vec<Event> {
    let events = mapping
        .to_events(&serde_json::to_vec(payload).unwrap(), "wms-east")
        .unwrap_or_else(|e| panic!("{e}: {payload}"));
    events.iter().for_each(assert_canonical);
    events
}

fn one(mapping: &Mapping, payload: &Value) -> Event {
    let mut all = events(mapping, payload);
    assert_eq!(all.len(), 1, "{all:?}");
    all.remove(0)
}

fn error(mapping: &Mapping, payload: &Value) -> Error {
    mapping.to_events(&serde_json::to_vec(payload).unwrap(), "wms-east").unwrap_err()
}

fn lines(lines: &[LineQty]) -> Vec<(&str, i64)> {
    lines.iter().map(|l| (l.sku.as_str(), l.quantity.units())).collect()
}

fn node(node: &Option<NodeId>) -> Option<&str> {
    node.as_ref().map(NodeId::as_str)
}

fn at(raw: &str) -> model::Timestamp {
    raw.parse().unwrap()
}

/// Sets the value at `pointer` in a sample, to break it on purpose.
fn with(mut payload: Value, pointer: &str, value: Value) -> Value {
    *payload.pointer_mut(pointer).unwrap_or_else(|| panic!("{pointer}")) = value;
    payload
}

fn without(mut payload: Value, key: &str) -> Value {
    payload.as_object_mut().unwrap().remove(key);
    payload
}

#[test]
fn manhattan_ship_confirm_is_a_shipment_in_crossdock_terms() {
    let event = one(manhattan(), &sample("manhattan", "ship_confirm.json"));
    assert_eq!(event.event_id, "MAWM-SC-000457-01");
    assert_eq!(event.source, "wms-east");
    // 10:30 at -04:00.
    assert_eq!(event.occurred_at, at("2026-05-15T14:30:00Z"));
    let EventBody::OrderShipped(shipped) = event.body else {
        panic!("{event:?}")
    };
    assert_eq!(shipped.order_id.as_str(), "SO-2024-78910");
    assert_eq!(node(&shipped.node), Some("DC-EAST"));
    assert_eq!(shipped.wms_order_key.as_deref(), Some("SHP000457"));
    assert_eq!(
        (shipped.carrier.as_deref(), shipped.service.as_deref()),
        (Some("FEDEX"), Some("GROUND"))
    );
    assert_eq!(shipped.tracking_number, "794612345678");
    assert_eq!(shipped.location.as_deref(), Some("DOCK-04"));
    assert_eq!(shipped.estimated_delivery_date, Some(jiff::civil::date(2026, 5, 18)));
    // One case of SKU-2 is 24 (its own case size), not the default 12.
    assert_eq!(lines(&shipped.lines), [("SKU-1", 2), ("SKU-2", 24)]);
}

#[test]
fn manhattan_order_status_messages_are_fulfilment_steps() {
    let event = one(manhattan(), &sample("manhattan", "order_released.json"));
    let EventBody::OrderReleased(step) = event.body else {
        panic!("{event:?}")
    };
    assert_eq!(event.event_id, "MAWM-OS-000458-RLSD");
    assert_eq!(step.order_id.as_str(), "SO-2024-78911");
    assert_eq!(node(&step.node), Some("DC-EAST"));
    // One inner pack is 6.
    assert_eq!(lines(&step.lines), [("SKU-3", 6), ("SKU-1", 4)]);

    let event = one(manhattan(), &sample("manhattan", "picking_complete.json"));
    assert_eq!(event.occurred_at, at("2026-05-15T12:41:17.25Z"));
    let EventBody::OrderPicked(step) = event.body else {
        panic!("{event:?}")
    };
    assert_eq!(step.wms_order_key.as_deref(), Some("SHP000458"));
    assert_eq!(lines(&step.lines), [("SKU-3", 6), ("SKU-1", 4)]);
}

#[test]
fn manhattan_inventory_adjustment_is_signed_and_in_eaches() {
    let event = one(manhattan(), &sample("manhattan", "inventory_adjustment.json"));
    let EventBody::InventoryAdjusted(adjusted) = event.body else {
        panic!("{event:?}")
    };
    assert_eq!(adjusted.node.as_str(), "DC-WEST");
    assert_eq!(adjusted.sku.as_str(), "SKU-1");
    assert_eq!(adjusted.delta.units(), -12);
    assert_eq!(adjusted.reason.as_deref(), Some("DAMAGED"));
}

#[test]
fn manhattan_inventory_sync_is_a_batch_of_snapshots() {
    let all = events(manhattan(), &sample("manhattan", "inventory_sync.json"));
    let snapshots: Vec<_> = all
        .iter()
        .map(|e| {
            let EventBody::InventorySnapshot(s) = &e.body else {
                panic!("{e:?}")
            };
            assert_eq!(e.occurred_at, at("2026-05-15T06:00:00Z"));
            (e.event_id.as_str(), s.node.as_str(), s.sku.as_str(), s.on_hand.units())
        })
        .collect();
    assert_eq!(
        snapshots,
        [
            ("MAWM-SYNC-20260515-DC01-100234", "DC-EAST", "SKU-1", 140),
            ("MAWM-SYNC-20260515-DC01-100871", "DC-EAST", "SKU-2", 72),
            ("MAWM-SYNC-20260515-DC01-100990", "DC-EAST", "SKU-3", 0),
        ]
    );
}

#[test]
fn manhattan_pick_exception_and_return_receipt() {
    let event = one(manhattan(), &sample("manhattan", "pick_exception.json"));
    let EventBody::ExceptionRaised(e) = event.body else {
        panic!("{event:?}")
    };
    assert_eq!(e.code, "SHORT_PICK");
    assert_eq!(e.order_id.as_ref().map(OrderId::as_str), Some("SO-2024-78912"));
    assert_eq!(e.sku.as_ref().map(Sku::as_str), Some("SKU-1"));
    assert_eq!((e.task_id.as_deref(), e.location.as_deref()), (Some("T-99812"), Some("A-01-02")));
    assert_eq!(e.message.as_deref(), Some("2 of 3 found"));
    // Codes the map does not list pass through (`"*" = "*"`); resolution clears.
    let cleared = with(
        sample("manhattan", "pick_exception.json"),
        "/MessageType",
        json!("PICK_EXCEPTION_RESOLVED"),
    );
    let EventBody::ExceptionCleared(e) = one(manhattan(), &with(cleared, "/ExceptionCode", json!("NOLPN"))).body else {
        panic!()
    };
    assert_eq!(e.code, "NOLPN");

    let event = one(manhattan(), &sample("manhattan", "return_receipt.json"));
    let EventBody::ReturnReceived(r) = event.body else {
        panic!("{event:?}")
    };
    assert_eq!((r.order_id.as_str(), r.rma.as_deref()), ("SO-2024-78910", Some("RMA-5521")));
    assert_eq!(r.condition.as_deref(), Some("RESALEABLE"));
    assert_eq!(node(&r.node), Some("DC-EAST"));
    assert_eq!(lines(&r.lines), [("SKU-1", 1), ("SKU-2", 2)]);
}

#[test]
fn sap_goods_issue_is_a_shipment_with_decimal_cases_in_eaches() {
    let event = one(sap(), &sample("sap-ewm", "delivery_goods_issue.json"));
    // SAP has no message id: the template makes one per status change.
    assert_eq!(event.event_id, "1710-0080001234-CC");
    assert_eq!(event.occurred_at, at("2026-05-15T14:30:00Z"));
    let EventBody::OrderShipped(shipped) = event.body else {
        panic!("{event:?}")
    };
    assert_eq!(shipped.order_id.as_str(), "SO-2024-78910");
    assert_eq!(shipped.wms_order_key.as_deref(), Some("80001234"));
    assert_eq!(node(&shipped.node), Some("DC-EAST"));
    assert_eq!(
        (shipped.carrier.as_deref(), shipped.service.as_deref()),
        (Some("UPS"), Some("STANDARD"))
    );
    assert_eq!(shipped.tracking_number, "1Z999AA10123456784");
    assert_eq!(shipped.estimated_delivery_date, Some(jiff::civil::date(2026, 5, 18)));
    // "2.000" CS is 24 EA; the padded material number is SKU-3.
    assert_eq!(lines(&shipped.lines), [("SKU-1", 24), ("SKU-3", 3)]);
}

#[test]
fn sap_picked_delivery_reads_blank_and_initial_values_as_absent() {
    let event = one(sap(), &sample("sap-ewm", "delivery_picked.json"));
    assert_eq!(event.event_id, "1710-0080001235-CA");
    assert_eq!(event.occurred_at, at("2026-05-15T12:30:00Z"));
    let EventBody::OrderPicked(step) = event.body else {
        panic!("{event:?}")
    };
    assert_eq!(step.order_id.as_str(), "SO-2024-78911");
    assert_eq!(step.location, None);
    // 1.5 cases of SKU-2 (6 a case) and 5 pieces.
    assert_eq!(lines(&step.lines), [("SKU-2", 9), ("SKU-1", 5)]);
}

#[test]
fn sap_stock_snapshot_is_a_batch() {
    let all = events(sap(), &sample("sap-ewm", "stock_snapshot.json"));
    let snapshots: Vec<_> = all
        .iter()
        .map(|e| {
            let EventBody::InventorySnapshot(s) = &e.body else {
                panic!("{e:?}")
            };
            assert_eq!(e.occurred_at, at("2026-05-15T06:00:00Z"));
            (s.node.as_str(), s.sku.as_str(), s.on_hand.units())
        })
        .collect();
    assert_eq!(
        snapshots,
        [("DC-EAST", "SKU-1", 132), ("DC-EAST", "SKU-2", 3), ("DC-EAST", "SKU-3", 35)]
    );
    assert_eq!(all[0].event_id, "STK-1710-20260515-0600-MAT-1");
}

#[test]
fn sap_physical_inventory_difference_has_a_trailing_sign() {
    let event = one(sap(), &sample("sap-ewm", "physical_inventory_difference.json"));
    assert_eq!(event.event_id, "1720-PI-PI-1710-000231-1");
    assert_eq!(event.occurred_at, at("2026-05-15T09:12:44Z"));
    let EventBody::InventoryAdjusted(adjusted) = event.body else {
        panic!("{event:?}")
    };
    assert_eq!((adjusted.node.as_str(), adjusted.sku.as_str()), ("DC-WEST", "SKU-1"));
    assert_eq!(adjusted.delta.units(), -12);
    // Blank in the payload, so the field's default.
    assert_eq!(adjusted.reason.as_deref(), Some("PHYSICAL_INVENTORY"));
}

#[test]
fn sap_task_exception_and_customer_return() {
    let event = one(sap(), &sample("sap-ewm", "task_exception.json"));
    assert_eq!(event.event_id, "1710-WT-000100000123-BIDP");
    assert_eq!(event.occurred_at, at("2026-05-15T11:40:00Z"));
    let EventBody::ExceptionRaised(e) = event.body else {
        panic!("{event:?}")
    };
    assert_eq!(e.code, "SHORT_PICK");
    assert_eq!(e.task_id.as_deref(), Some("100000123"));
    assert_eq!(e.location.as_deref(), Some("0010-01-02"));
    assert_eq!(e.sku.as_ref().map(Sku::as_str), Some("SKU-1"));
    assert_eq!(node(&e.node), Some("DC-EAST"));
    assert_eq!(e.order_id.as_ref().map(OrderId::as_str), Some("SO-2024-78912"));

    let event = one(sap(), &sample("sap-ewm", "customer_return.json"));
    assert_eq!(event.occurred_at, at("2026-05-20T15:02:10Z"));
    let EventBody::ReturnReceived(r) = event.body else {
        panic!("{event:?}")
    };
    assert_eq!((r.order_id.as_str(), r.rma.as_deref()), ("SO-2024-78910", Some("RMA-5521")));
    assert_eq!(r.condition.as_deref(), Some("RESALEABLE"));
    assert_eq!(lines(&r.lines), [("SKU-1", 1)]);
}

#[test]
fn every_sample_maps_and_the_samples_cover_the_required_event_types() {
    let required = [
        "order.shipped",
        "inventory.adjusted",
        "inventory.snapshot",
        "exception.raised",
        "return.received",
    ];
    for (vendor, mapping) in [("manhattan", manhattan()), ("sap-ewm", sap())] {
        let mut kinds = BTreeSet::new();
        let mut files: Vec<_> = std::fs::read_dir(format!("{}/{vendor}", examples()))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .filter(|name| name.ends_with(".json"))
            .collect();
        files.sort();
        assert!(files.len() >= 6, "{vendor}: {files:?}");
        for file in &files {
            for event in events(mapping, &sample(vendor, file)) {
                kinds.insert(event.body.kind().as_str());
            }
        }
        for kind in required {
            assert!(kinds.contains(kind), "{vendor} has no sample for {kind}: {kinds:?}");
        }
        assert!(
            kinds.contains("order.released") || kinds.contains("order.picked"),
            "{vendor}: {kinds:?}"
        );
    }
}

#[test]
fn inbound_alone_gives_the_canonical_json() {
    let canonical = sap().inbound(&sample("sap-ewm", "physical_inventory_difference.json")).unwrap();
    assert_eq!(
        canonical,
        json!({"event_id": "1720-PI-PI-1710-000231-1", "event_type": "INVENTORY_ADJUSTED", "occurred_at": "2026-05-15T09:12:44Z",
               "node": "DC-WEST", "sku": "SKU-1", "quantity": -12, "reason": "PHYSICAL_INVENTORY"})
    );
    let batch = manhattan().inbound(&sample("manhattan", "inventory_sync.json")).unwrap();
    assert_eq!(batch.as_array().map(Vec::len), Some(3));
}

#[test]
fn a_value_without_a_map_entry_names_the_vendor_field_and_the_key_to_add() {
    let payload = with(sample("manhattan", "order_released.json"), "/Status", json!("HOLD"));
    let err = error(manhattan(), &payload);
    assert_eq!((err.code(), err.field().as_deref()), ("invalid_payload", Some("/Status")));
    let message = err.to_string();
    for part in ["`HOLD`", "[maps.order_status]", "HOLD = \"...\"", "ORDER_RELEASED"] {
        assert!(message.contains(part), "{part}: {message}");
    }
    // A value built by a template names the template.
    let payload = with(sample("sap-ewm", "delivery_picked.json"), "/GoodsMovementStatus", json!("B"));
    let err = error(sap(), &payload);
    assert_eq!(err.field().as_deref(), Some("/PickingStatus"));
    assert!(err.to_string().contains("`CB` built by the template"), "{err}");
}

#[test]
fn units_without_a_factor_and_fractions_of_a_unit_are_refused_by_pointer() {
    let payload = with(sample("manhattan", "ship_confirm.json"), "/OrderLines/1/UOM", json!("PL"));
    let err = error(manhattan(), &payload);
    assert_eq!(err.field().as_deref(), Some("/OrderLines/1/UOM"));
    assert!(err.to_string().contains("`PL = <units per PL>` under `[units]`"), "{err}");
    assert!(err.to_string().contains("[sku_units.SKU-2]"), "{err}");

    let payload = with(
        sample("sap-ewm", "delivery_goods_issue.json"),
        "/Items/0/ActualDeliveryQuantity",
        json!("0.050"),
    );
    let err = error(sap(), &payload);
    assert_eq!(err.field().as_deref(), Some("/Items/0/ActualDeliveryQuantity"));
    assert!(err.to_string().contains("0.05 CS, which is 0.6 units"), "{err}");

    let payload = with(
        sample("sap-ewm", "delivery_goods_issue.json"),
        "/Items/1/ActualDeliveryQuantity",
        json!("three"),
    );
    assert_eq!(error(sap(), &payload).field().as_deref(), Some("/Items/1/ActualDeliveryQuantity"));
    let payload = with(
        sample("sap-ewm", "delivery_goods_issue.json"),
        "/Items/0/DeliveryQuantityUnit",
        json!(""),
    );
    let err = error(sap(), &payload);
    assert_eq!(err.field().as_deref(), Some("/Items/0/DeliveryQuantityUnit"));
    assert!(err.to_string().contains("missing"), "{err}");
}

#[test]
fn errors_of_the_canonical_reader_name_the_vendor_field() {
    // Required for a shipment, looked for at /TrackingNbr.
    let err = error(manhattan(), &without(sample("manhattan", "ship_confirm.json"), "TrackingNbr"));
    assert_eq!((err.code(), err.field().as_deref()), ("invalid_payload", Some("/TrackingNbr")));
    assert!(err.to_string().contains("`tracking_number` is required for SHIPPED"), "{err}");
    // A model refusal inside a batch: the element's own pointer.
    let payload = with(sample("manhattan", "inventory_sync.json"), "/Inventory/1/ItemId", json!("BAD SKU"));
    let err = error(manhattan(), &payload);
    assert_eq!((err.code(), err.field().as_deref()), ("invalid_sku", Some("/Inventory/1/ItemId")));
    // A zero quantity on a line.
    let payload = with(sample("manhattan", "return_receipt.json"), "/ReturnLines/0/ReceivedQty", json!(0));
    let err = error(manhattan(), &payload);
    assert_eq!(
        (err.code(), err.field().as_deref()),
        ("invalid_quantity", Some("/ReturnLines/0/ReceivedQty"))
    );
    // A template part missing leaves the id missing, and says where.
    let err = error(sap(), &without(sample("sap-ewm", "customer_return.json"), "Warehouse"));
    assert_eq!(err.field().as_deref(), Some("/Warehouse"), "{err}");
    assert!(err.to_string().contains("`event_id` is required"), "{err}");
}

#[test]
fn bad_times_and_shapes_are_refused_by_pointer() {
    let payload = with(
        sample("manhattan", "ship_confirm.json"),
        "/ShipDateTime",
        json!("2026-05-15T10:30:00"),
    );
    let err = error(manhattan(), &payload);
    assert_eq!(err.field().as_deref(), Some("/ShipDateTime"));
    assert!(err.to_string().contains("no UTC offset"), "{err}");
    let payload = with(sample("manhattan", "ship_confirm.json"), "/OrderLines", json!({"ItemId": "100234"}));
    assert_eq!(error(manhattan(), &payload).field().as_deref(), Some("/OrderLines"));
    let payload = with(sample("manhattan", "inventory_sync.json"), "/Inventory", json!("none"));
    assert_eq!(error(manhattan(), &payload).field().as_deref(), Some("/Inventory"));
    let payload = with(sample("manhattan", "inventory_sync.json"), "/Inventory/2", json!(7));
    assert_eq!(error(manhattan(), &payload).field().as_deref(), Some("/Inventory/2"));
    let payload = with(sample("manhattan", "pick_exception.json"), "/OrderId", json!({"id": 1}));
    assert_eq!(error(manhattan(), &payload).field().as_deref(), Some("/OrderId"));
    let err = manhattan().to_events(b"[1, 2", "wms-east").unwrap_err();
    assert_eq!(err.code(), "invalid_payload");
    assert_eq!(manhattan().inbound(&json!("text")).unwrap_err().code(), "invalid_payload");
}

fn line(sku: &str, quantity: i64) -> LineQty {
    LineQty {
        sku: Sku::parse(sku).unwrap(),
        quantity: Quantity::positive(quantity).unwrap(),
    }
}

fn wave() -> Message {
    Message::Wave(Wave {
        wave_id: "W-20260515-01".into(),
        node: NodeId::parse("DC-EAST").unwrap(),
        release_at: None,
        orders: vec![
            WaveOrder {
                order_id: OrderId::parse("SO-1").unwrap(),
                priority: Some(1),
                carrier: Some("FEDEX".into()),
                service: Some("GROUND".into()),
                ship_by: Some(at("2026-05-15T22:00:00Z")),
                lines: vec![line("SKU-1", 2), line("SKU-3", 3)],
            },
            WaveOrder {
                order_id: OrderId::parse("SO-2").unwrap(),
                priority: None,
                carrier: Some("DHL".into()),
                service: None,
                ship_by: None,
                lines: vec![line("SKU-9", 1)],
            },
        ],
    })
}

fn hold(sku: &str, quantity: i64, reason: &str) -> Message {
    Message::Hold(Hold {
        hold_id: "H-7".into(),
        sku: Sku::parse(sku).unwrap(),
        node: NodeId::parse("DC-WEST").unwrap(),
        quantity,
        reason: reason.into(),
    })
}

fn expected_return(rma: &str) -> Message {
    Message::ExpectedReturn(ExpectedReturn {
        rma: rma.into(),
        order_id: OrderId::parse("SO-2024-78910").unwrap(),
        node: NodeId::parse("DC-EAST").unwrap(),
        lines: vec![line("SKU-3", 1), line("SKU-1", 2)],
        disposition: "inspect".into(),
        zone: Some("QA-1".into()),
        expected_by: Some(jiff::civil::date(2026, 5, 22)),
    })
}

#[test]
fn manhattan_wave_uses_vendor_codes_and_drops_absent_fields() {
    let request = sink::render(Some(manhattan()), &wave()).unwrap();
    assert_eq!((request.method, request.path.as_str()), (Method::Post, "/wm/api/v1/waves"));
    assert_eq!(
        request.body.unwrap(),
        json!({"WaveNbr": "W-20260515-01", "Facility": "DC01", "Orders": [
            {"OrderId": "SO-1", "Priority": 1, "ShipVia": "FDXG", "ServiceLevel": "GROUND", "MustShipBy": "2026-05-15T22:00:00Z",
             "OrderLines": [{"ItemId": "100234", "Qty": 2, "UOM": "EA"}, {"ItemId": "100990", "Qty": 3, "UOM": "EA"}]},
            // No priority, service or ship-by; DHL through the "*" entry; SKU-9 has no vendor code.
            {"OrderId": "SO-2", "ShipVia": "DHL", "OrderLines": [{"ItemId": "SKU-9", "Qty": 1, "UOM": "EA"}]}
        ]})
    );
}

#[test]
fn manhattan_hold_and_expected_return() {
    let request = sink::render(Some(manhattan()), &hold("SKU-2", 5, "QUALITY")).unwrap();
    assert_eq!(request.path, "/wm/api/v1/inventory/locks");
    assert_eq!(request.headers, [("X-Lock-Source".to_owned(), "crossdock".to_owned())]);
    assert_eq!(
        request.body.unwrap(),
        json!({"LockId": "H-7", "Facility": "DC02", "ItemId": "100871", "Qty": 5, "UOM": "EA", "LockCode": "QA"})
    );
    let err = sink::render(Some(manhattan()), &hold("SKU-2", 5, "WEATHER")).unwrap_err();
    assert_eq!(err.field().as_deref(), Some("outbound.hold.body.LockCode"));
    assert!(err.to_string().contains("`WEATHER` has no entry in `[maps.lock_codes]`"), "{err}");

    let request = sink::render(Some(manhattan()), &expected_return("RMA 55/21")).unwrap();
    assert_eq!(
        (request.method, request.path.as_str()),
        (Method::Put, "/wm/api/v1/returns/RMA%2055%2F21")
    );
    assert_eq!(
        request.body.unwrap(),
        json!({"RmaNbr": "RMA 55/21", "OrderId": "SO-2024-78910", "Facility": "DC01", "Disposition": "QA_HOLD",
               "InspectionZone": "QA-1", "ExpectedDate": "2026-05-22",
               "ReturnLines": [{"ItemId": "100990", "Qty": 1, "UOM": "EA"}, {"ItemId": "100234", "Qty": 2, "UOM": "EA"}]})
    );
}

#[test]
fn sap_outbound_reverses_codes_and_units() {
    let request = sink::render(Some(sap()), &hold("SKU-1", 24, "QUALITY")).unwrap();
    assert_eq!((request.method, request.path.as_str()), (Method::Post, "/ewm/v1/stock/blocks"));
    assert_eq!(
        request.body.unwrap(),
        json!({"Warehouse": "1720", "Product": "MAT-1", "Quantity": "2", "QuantityUnit": "CS", "StockType": "B6",
               "Reason": "QUALITY", "ExternalReference": "H-7"})
    );
    // SKU-2's cases hold 6.
    let body = sink::render(Some(sap()), &hold("SKU-2", 12, "QUALITY")).unwrap().body.unwrap();
    assert_eq!(body["Quantity"], "2");
    let err = sink::render(Some(sap()), &hold("SKU-1", 30, "QUALITY")).unwrap_err();
    assert_eq!(err.field().as_deref(), Some("outbound.hold.body.Quantity"));
    assert!(err.to_string().contains("30 units of `SKU-1` is 2.5 CS"), "{err}");

    let body = sink::render(Some(sap()), &expected_return("RMA-5521")).unwrap().body.unwrap();
    assert_eq!(
        body,
        json!({"Warehouse": "1710", "ReturnMaterialAuthorization": "RMA-5521", "PurchaseOrderByCustomer": "SO-2024-78910",
               "FollowUpActivity": "INSPECT", "PlannedDeliveryDate": "2026-05-22",
               "Items": [{"Product": "000000000000100990", "Quantity": "1", "QuantityUnit": "EA"},
                         {"Product": "MAT-1", "Quantity": "2", "QuantityUnit": "EA"}]})
    );

    let body = sink::render(Some(sap()), &wave()).unwrap().body.unwrap();
    assert_eq!(body["DeliveryOrders"][0]["DeliveryPriority"], "1");
    assert_eq!(
        body["DeliveryOrders"][0]["Items"][1],
        json!({"Product": "000000000000100990", "RequestedQuantity": "3", "RequestedQuantityUnit": "EA"})
    );
    assert_eq!(body["DeliveryOrders"][1].get("DeliveryPriority"), None);
}

#[test]
fn codes_round_trip_between_inbound_and_outbound() {
    for mapping in [manhattan(), sap()] {
        for (theirs, ours) in &mapping.codes.sku {
            let body = sink::render(Some(mapping), &hold(ours, 12, "QUALITY")).unwrap().body.unwrap();
            let sent = body.as_object().unwrap().values().filter(|v| v.as_str() == Some(theirs)).count();
            assert_eq!(sent, 1, "{ours} should be sent as {theirs}: {body}");
        }
    }
}

#[test]
fn a_mapping_without_the_route_or_without_inbound_says_so() {
    let mapping = Mapping::parse("[inbound.fields]\nevent_id = \"/Id\"\nevent_type = \"/Type\"\noccurred_at = \"/At\"\n").unwrap();
    let err = mapping.outbound(&wave()).unwrap_err();
    assert_eq!(err.field().as_deref(), Some("outbound.wave"));
    let mapping = Mapping::parse("[outbound.hold]\npath = \"/holds\"\nbody = { Sku = \"{sku}\" }\n").unwrap();
    let request = mapping.outbound(&hold("SKU-1", 1, "QUALITY")).unwrap();
    assert_eq!(request.body, Some(json!({"Sku": "SKU-1"})));
    let err = mapping.inbound(&json!({})).unwrap_err();
    assert!(err.to_string().contains("no `[inbound]`"), "{err}");
}

const BROKEN: &str = r#"
[inbound]
events = "Items"

[inbound.fields]
event_id = "MessageId"
event_type = { pointer = "/Type", map = "types" }
occurred_at = { pointer = "/At", convert = "upper" }
order_id = { pointer = "/Order", map = "nope" }
colour = "/Colour"
node = { pointer = "/Site", unit_field = "/UOM" }
quantity = { pointer = "/Qty", factor = 0 }
sku = { template = "{/A}-{B}" }
location = { pointer = "/Loc", template = "{/Loc}" }

[inbound.defaults]
on_hand = "many"
event_type = "SHIPPED"

[inbound.lines]
pointer = "/Lines"
fields.sku = "/Sku"

[[inbound.variants]]
when = { pointer = "root:/Kind", equals = [] }
fields.event_id = "/a~2"

[maps.types]
S = "SHIPPED"
X = "EXPLODED"

[units]
CS = -12

[codes.sku]
A = "SKU-1"
B = "SKU-1"
C = "NOT A SKU"

[outbound.wave]
path = "waves/{wave_id}"
body = { Id = "{wave_id}", Sku = "{orders[].lines[].sku}", Bad = "{orders[].colour}", Q = "{wave_id|unit:PL}", M = "{node|map:none|shout}", Mixed = [{ A = "{orders[].order_id}", B = "{orders[].lines[].sku}", C = "{lines[].sku}" }] }
"#;

#[test]
fn validate_reports_every_problem_with_its_key_path() {
    let mapping: Mapping = toml::from_str(BROKEN).unwrap();
    let err = mapping.validate().unwrap_err();
    let paths: BTreeSet<&str> = err.paths().into_iter().collect();
    let expected = [
        "inbound.events",
        "inbound.fields.event_id",
        "inbound.fields.occurred_at.convert",
        "inbound.fields.order_id.map",
        "inbound.fields.colour",
        "inbound.fields.node.unit_field",
        "inbound.fields.quantity.factor",
        "inbound.fields.sku.template",
        "inbound.fields.location",
        "inbound.defaults.on_hand",
        "inbound.defaults.event_type",
        "inbound.lines.fields",
        "inbound.variants[0].when.pointer",
        "inbound.variants[0].when.equals",
        "inbound.variants[0].fields.event_id",
        "maps.types.X",
        "units.CS",
        "codes.sku",
        "codes.sku.C",
        "outbound.wave.path",
        "outbound.wave.body.Sku",
        "outbound.wave.body.Bad",
        "outbound.wave.body.Q",
        "outbound.wave.body.M",
        "outbound.wave.body.Mixed[0]",
    ];
    for path in expected {
        assert!(paths.contains(path), "{path} not reported; got:\n{err}");
    }
    assert_eq!(paths.len(), expected.len(), "{err}");
    let message = err.to_string();
    for part in [
        "`MessageId` is not a JSON pointer",
        "`[maps.nope]` is not defined (defined: `types`)",
        "`colour` is not a canonical WMS event field",
        "`EXPLODED` is not an event_type",
        "must be greater than 0; got -12",
        "Vendor codes `A`, `B` all map to `SKU-1`",
        "`{orders[].lines[].sku}` is not inside an array repeated over `orders[]`",
        "`orders[].colour` is not a field of a wave message",
        "unit `PL` has no factor",
        "unknown filter `shout`",
        "several arrays (`orders[]`, `lines[]`)",
    ] {
        assert!(message.contains(part), "{part} missing from:\n{message}");
    }
}

#[test]
fn parse_refuses_unknown_keys_and_bad_values_with_their_path() {
    let err = Mapping::parse("[inbound]\nevnts = \"/Items\"\n").unwrap_err();
    assert_eq!(err.paths(), ["inbound.evnts"]);
    assert!(err.to_string().contains("unknown field `evnts`"), "{err}");
    assert!(err.to_string().contains("line 2"), "{err}");
    let err = Mapping::parse("[outbound.waves]\npath = \"/w\"\n").unwrap_err();
    assert_eq!(err.paths(), ["outbound.waves"]);
    let err = Mapping::parse("[inbound.fields]\noccurred_at = { pointer = \"/At\", convert = \"rfc2822\" }\n").unwrap_err();
    assert_eq!(err.paths(), ["inbound.fields.occurred_at.convert"]);
    let err = Mapping::parse("[inbound.fields]\nquantity = { pointer = \"/Q\", factr = 2 }\n").unwrap_err();
    assert!(err.to_string().contains("unknown field `factr`"), "{err}");
    let err = Mapping::parse("[outbound.hold]\nmethod = \"PATCH\"\npath = \"/h\"\n").unwrap_err();
    assert_eq!(err.paths(), ["outbound.hold.method"]);
    let err = Mapping::parse("[outbound.hold]\npath = \"/h\"\nbody = { Since = 2026-05-01 }\n").unwrap_err();
    assert_eq!(err.paths(), ["outbound.hold.body.Since"]);
    let err = Mapping::parse("[units]\nCS = \"a dozen\"\n").unwrap_err();
    assert_eq!(err.paths(), ["units.CS"]);
    // Valid TOML, but no way to fill the fields every event needs.
    let err = Mapping::parse("[inbound.fields]\norder_id = \"/OrderId\"\n").unwrap_err();
    assert_eq!(err.problems.len(), 3, "{err}");
    assert!(err.to_string().contains("`event_id` is not mapped"), "{err}");
}

#[test]
fn the_examples_validate() {
    for name in ["manhattan.toml", "sap-ewm.toml"] {
        let mapping = Mapping::example(name);
        assert!(mapping.description().is_some());
        assert_eq!(mapping.validate(), Ok(()));
    }
}

/// Vendor field names and values of the examples, so random payloads reach
/// the variants, maps and unit conversion.
const KEYS: &[&str] = &[
    "MessageId",
    "MessageType",
    "Status",
    "Facility",
    "OrderId",
    "ItemId",
    "UOM",
    "ShippedQty",
    "Quantity",
    "OnHandQty",
    "AdjustmentQty",
    "TransactionDateTime",
    "ShipDateTime",
    "TrackingNbr",
    "OrderLines",
    "Inventory",
    "ReturnLines",
    "ReceivedQty",
    "Warehouse",
    "DeliveryDocument",
    "PickingStatus",
    "GoodsMovementStatus",
    "LastChangeDateTime",
    "PurchaseOrderByCustomer",
    "Items",
    "Product",
    "ActualDeliveryQuantity",
    "DeliveryQuantityUnit",
    "StockSnapshotId",
    "Stock",
    "Unit",
    "SnapshotDateTime",
    "PhysicalInventoryDocument",
    "DifferenceQuantity",
    "QuantityUnit",
    "PostingDateTime",
    "ExceptionCode",
    "ReturnsDelivery",
];

const STRINGS: &[&str] = &[
    "SHIP_CONFIRM",
    "ORDER_STATUS",
    "INVENTORY_SYNC",
    "INVENTORY_ADJUSTMENT",
    "PICK_EXCEPTION",
    "RETURN_RECEIPT",
    "RLSD",
    "PKCP",
    "C",
    "A",
    "CS",
    "EA",
    "IP",
    "DC01",
    "1710",
    "100234",
    "MAT-1",
    "2.000",
    "1.000-",
    "0.001",
    "1e30",
    "-",
    "/Date(1778855400000)/",
    "/Date(99999999999999999)/",
    "20260515143000",
    "00000000",
    "2026-05-15T14:30:00Z",
];

/// Every pointer in a value, the root included.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => map
            .iter()
            .for_each(|(k, v)| pointers(v, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out)),
        Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| pointers(v, format!("{at}/{i}"), out)),
        _ => {}
    }
    out.push(at);
}

static SAMPLES: LazyLock<Vec<(&'static Mapping, Value)>> = LazyLock::new(|| {
    let mut all = Vec::new();
    for (vendor, mapping) in [("manhattan", manhattan()), ("sap-ewm", sap())] {
        for entry in std::fs::read_dir(format!("{}/{vendor}", examples())).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            all.push((mapping, sample(vendor, &name)));
        }
    }
    all
});

proptest! {
    #[test]
    fn random_json_never_panics_and_what_maps_is_canonical(value in json_value(KEYS, STRINGS)) {
        for mapping in [manhattan(), sap()] {
            let _ = mapping.inbound(&value);
            if let Ok(events) = mapping.to_events(&serde_json::to_vec(&value).unwrap(), "wms-east") {
                events.iter().for_each(assert_canonical);
            }
        }
    }

    #[test]
    fn a_sample_with_one_value_replaced_never_panics(
        which in any::<prop::sample::Index>(),
        spot in any::<prop::sample::Index>(),
        replacement in json_value(KEYS, STRINGS),
    ) {
        let (mapping, mut payload) = SAMPLES[which.index(SAMPLES.len())].clone();
        let mut spots = Vec::new();
        pointers(&payload, String::new(), &mut spots);
        let spot = &spots[spot.index(spots.len())];
        *payload.pointer_mut(spot).unwrap() = replacement;
        match mapping.to_events(&serde_json::to_vec(&payload).unwrap(), "wms-east") {
            Ok(events) => events.iter().for_each(assert_canonical),
            // Whatever is refused is refused with a field or a message to act on.
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    #[test]
    fn decimal_cases_convert_exactly_or_are_refused(whole in 0i64..1_000_000, thousandths in 0i64..1000) {
        let quantity = format!("{whole}.{thousandths:03}");
        let payload = with(sample("sap-ewm", "delivery_goods_issue.json"), "/Items/0/ActualDeliveryQuantity", json!(quantity));
        let exact = (whole * 1000 + thousandths) * 12;
        match sap().to_events(&serde_json::to_vec(&payload).unwrap(), "wms-east") {
            Ok(events) => {
                let EventBody::OrderShipped(shipped) = &events[0].body else { panic!() };
                prop_assert_eq!(exact % 1000, 0);
                prop_assert_eq!(shipped.lines[0].quantity.units(), exact / 1000);
            }
            Err(e) => {
                prop_assert!(exact % 1000 != 0 || exact == 0, "{}", e);
                prop_assert_eq!(e.field(), Some("/Items/0/ActualDeliveryQuantity".to_owned()));
            }
        }
    }

    #[test]
    fn holds_in_cases_are_whole_cases_or_refused(quantity in 1i64..10_000) {
        match sink::render(Some(sap()), &hold("SKU-1", quantity, "QUALITY")) {
            Ok(request) => {
                prop_assert_eq!(quantity % 12, 0);
                prop_assert_eq!(&request.body.unwrap()["Quantity"], &json!((quantity / 12).to_string()));
            }
            Err(e) => {
                prop_assert!(quantity % 12 != 0);
                prop_assert_eq!(e.field(), Some("outbound.hold.body.Quantity".to_owned()));
            }
        }
    }
}
