use model::{Event, EventBody};
use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::testutil::{assert_canonical, json_value};

/// The example of DESIGN.md, verbatim.
const DESIGN_EXAMPLE: &str = r#"{"event_id": "wms-1-000123", "event_type": "SHIPPED", "occurred_at": "2026-05-15T14:30:00Z",
 "order_id": "SO-2024-78910", "wms_order_key": "WMS_78910", "node": "DC-EAST",
 "carrier": "FEDEX", "service": "GROUND", "tracking_number": "123456789012",
 "location": "DOCK-04", "estimated_delivery_date": "2026-05-17",
 "lines": [{"sku": "SKU-1", "quantity": 2}], "exception_code": null}"#;

fn base(event_type: &str) -> Value {
    json!({"event_id": "wms-1", "event_type": event_type, "occurred_at": "2026-05-15T14:30:00Z"})
}

fn with(mut value: Value, fields: Value) -> Value {
    for (k, v) in fields.as_object().unwrap() {
        value[k] = v.clone();
    }
    value
}

fn map(value: &Value) -> Result<Event, Error> {
    to_event(&serde_json::to_vec(value).unwrap(), "wms-east")
}

fn ok(value: &Value) -> EventBody {
    let event = map(value).unwrap_or_else(|e| panic!("{e}"));
    assert_canonical(&event);
    event.body
}

fn err(value: &Value) -> (&'static str, Option<String>) {
    let e = map(value).unwrap_err();
    (e.code(), e.field())
}

fn field(name: &str) -> Option<String> {
    Some(name.to_owned())
}

#[test]
fn design_example_maps_to_order_shipped() {
    let event = to_event(DESIGN_EXAMPLE.as_bytes(), "wms-east").unwrap();
    assert_canonical(&event);
    assert_eq!(event.event_id, "wms-1-000123");
    assert_eq!(event.source, "wms-east");
    assert_eq!(event.occurred_at, "2026-05-15T14:30:00Z".parse().unwrap());
    let EventBody::OrderShipped(shipped) = event.body else {
        panic!("{event:?}")
    };
    assert_eq!(shipped.order_id.as_str(), "SO-2024-78910");
    assert_eq!(shipped.node.as_ref().map(NodeId::as_str), Some("DC-EAST"));
    assert_eq!(shipped.wms_order_key.as_deref(), Some("WMS_78910"));
    assert_eq!(
        (shipped.carrier.as_deref(), shipped.service.as_deref()),
        (Some("FEDEX"), Some("GROUND"))
    );
    assert_eq!(shipped.tracking_number, "123456789012");
    assert_eq!(shipped.location.as_deref(), Some("DOCK-04"));
    assert_eq!(shipped.estimated_delivery_date, Some(jiff::civil::date(2026, 5, 17)));
    assert_eq!(shipped.lines.len(), 1);
    assert_eq!((shipped.lines[0].sku.as_str(), shipped.lines[0].quantity.units()), ("SKU-1", 2));
}

#[test]
fn fulfilment_steps_map_to_their_events() {
    let step = json!({"order_id": "#1042", "node": "DC-EAST", "wms_order_key": "W-1", "location": "PACK-12", "lines": [{"sku": "A", "quantity": 1}]});
    for (event_type, kind) in [
        ("ORDER_RELEASED", "order.released"),
        ("PICKING_COMPLETE", "order.picked"),
        ("PACKED", "order.packed"),
        ("STAGED", "order.staged"),
    ] {
        let body = ok(&with(base(event_type), step.clone()));
        assert_eq!(body.kind().as_str(), kind);
        let (EventBody::OrderReleased(s) | EventBody::OrderPicked(s) | EventBody::OrderPacked(s) | EventBody::OrderStaged(s)) = body else {
            unreachable!()
        };
        assert_eq!(s.order_id.as_str(), "#1042");
        assert_eq!(s.location.as_deref(), Some("PACK-12"));
        assert_eq!(s.wms_order_key.as_deref(), Some("W-1"));
        assert_eq!(s.lines[0].sku.as_str(), "A");
    }
    // Lines and node are optional on a step.
    let EventBody::OrderPacked(s) = ok(&with(base("PACKED"), json!({"order_id": "SO-1"}))) else {
        unreachable!()
    };
    assert!(s.lines.is_empty() && s.node.is_none());
}

#[test]
fn exceptions_are_raised_and_cleared() {
    let fields = json!({"exception_code": "SHORT_PICK", "order_id": "SO-1", "node": "DC-EAST", "sku": "SKU-1",
        "location": "A-01-02", "task_id": 99812, "message": "2 of 3 found"});
    for event_type in ["EXCEPTION_CREATED", "TASK_EXCEPTION"] {
        let EventBody::ExceptionRaised(e) = ok(&with(base(event_type), fields.clone())) else {
            panic!("{event_type}")
        };
        assert_eq!(e.code, "SHORT_PICK");
        assert_eq!(e.order_id.as_ref().map(OrderId::as_str), Some("SO-1"));
        assert_eq!(e.sku.as_ref().map(Sku::as_str), Some("SKU-1"));
        assert_eq!(e.task_id.as_deref(), Some("99812"));
        assert_eq!(e.location.as_deref(), Some("A-01-02"));
        assert_eq!(e.message.as_deref(), Some("2 of 3 found"));
    }
    let EventBody::ExceptionCleared(e) = ok(&with(base("EXCEPTION_CLEARED"), json!({"exception_code": "SCAN_FAILURE"}))) else {
        panic!()
    };
    assert_eq!((e.code.as_str(), e.order_id), ("SCAN_FAILURE", None));
    assert_eq!(err(&base("EXCEPTION_CREATED")), ("invalid_payload", field("exception_code")));
}

#[test]
fn inventory_events_carry_sku_node_and_quantity() {
    let adjusted = with(
        base("INVENTORY_ADJUSTED"),
        json!({"sku": "SKU-1", "node": "DC-EAST", "quantity": -3, "reason": "DAMAGED"}),
    );
    let EventBody::InventoryAdjusted(a) = ok(&adjusted) else { panic!() };
    assert_eq!((a.sku.as_str(), a.node.as_str(), a.delta.units()), ("SKU-1", "DC-EAST", -3));
    assert_eq!(a.reason.as_deref(), Some("DAMAGED"));
    for missing in ["sku", "node", "quantity"] {
        let mut value = adjusted.clone();
        value.as_object_mut().unwrap().remove(missing);
        assert_eq!(err(&value), ("invalid_payload", field(missing)));
    }
    let mut value = adjusted.clone();
    value["quantity"] = json!(1.5);
    assert_eq!(err(&value), ("invalid_quantity", field("quantity")));

    let snapshot = with(
        base("INVENTORY_SNAPSHOT"),
        json!({"sku": "SKU-1", "node": "DC-EAST", "on_hand": 120}),
    );
    let EventBody::InventorySnapshot(s) = ok(&snapshot) else { panic!() };
    assert_eq!(s.on_hand.units(), 120);
    assert_eq!(
        err(&with(snapshot.clone(), json!({"on_hand": -1}))),
        ("invalid_quantity", field("on_hand"))
    );
    assert_eq!(
        err(&with(snapshot, json!({"on_hand": null}))),
        ("invalid_payload", field("on_hand"))
    );
}

#[test]
fn receipts_and_returns_need_lines() {
    let receipt = with(
        base("RECEIPT_CONFIRMED"),
        json!({"node": "DC-EAST", "po_number": "PO-9", "asn_id": "ASN-3", "lines": [{"sku": "A", "quantity": 10}]}),
    );
    let EventBody::ReceiptConfirmed(r) = ok(&receipt) else { panic!() };
    assert_eq!(
        (r.po_number.as_deref(), r.asn_id.as_deref(), r.lines.len()),
        (Some("PO-9"), Some("ASN-3"), 1)
    );
    assert_eq!(
        err(&with(receipt.clone(), json!({"lines": []}))),
        ("invalid_payload", field("lines"))
    );
    assert_eq!(err(&with(receipt, json!({"node": null}))), ("invalid_payload", field("node")));

    let returned = with(
        base("RETURN_RECEIVED"),
        json!({"order_id": "#1042", "node": "DC-EAST", "rma": "RMA-1", "condition": "RESALEABLE", "lines": [{"sku": "A", "quantity": 1}]}),
    );
    let EventBody::ReturnReceived(r) = ok(&returned) else { panic!() };
    assert_eq!(
        (r.order_id.as_str(), r.rma.as_deref(), r.condition.as_deref()),
        ("#1042", Some("RMA-1"), Some("RESALEABLE"))
    );
    assert_eq!(
        err(&with(returned.clone(), json!({"order_id": ""}))),
        ("invalid_payload", field("order_id"))
    );
    assert_eq!(err(&with(returned, json!({"lines": null}))), ("invalid_payload", field("lines")));
}

#[test]
fn envelope_fields_are_required() {
    let design: Value = serde_json::from_str(DESIGN_EXAMPLE).unwrap();
    for name in ["event_id", "event_type", "occurred_at", "tracking_number", "order_id"] {
        let mut value = design.clone();
        value.as_object_mut().unwrap().remove(name);
        assert_eq!(err(&value), ("invalid_payload", field(name)), "{name}");
    }
    assert_eq!(
        err(&with(design.clone(), json!({"occurred_at": "2026-05-15 14:30"}))),
        ("invalid_payload", field("occurred_at"))
    );
    assert_eq!(
        err(&with(design.clone(), json!({"event_id": "x".repeat(201)}))),
        ("invalid_payload", field("event_id"))
    );
    assert_eq!(err(&with(design, json!({"node": "DC EAST"}))), ("invalid_node", field("node")));
}

#[test]
fn unknown_event_type_lists_the_accepted_ones() {
    let e = map(&base("TELEPORTED")).unwrap_err();
    assert_eq!((e.code(), e.field().as_deref()), ("invalid_payload", Some("event_type")));
    let message = e.to_string();
    assert!(
        message.contains("TELEPORTED") && EVENT_TYPES.iter().all(|t| message.contains(t)),
        "{message}"
    );
    for event_type in EVENT_TYPES {
        let e = map(&base(event_type)).err();
        assert!(
            e.is_none_or(|e| e.field().as_deref() != Some("event_type")),
            "{event_type} is accepted"
        );
    }
}

#[test]
fn line_quantities_are_positive_whole_numbers() {
    let design: Value = serde_json::from_str(DESIGN_EXAMPLE).unwrap();
    for quantity in [json!(1.5), json!(0), json!(-2), json!(null)] {
        let value = with(
            design.clone(),
            json!({"lines": [{"sku": "SKU-1", "quantity": 1}, {"sku": "SKU-2", "quantity": quantity}]}),
        );
        assert_eq!(err(&value).1, field("lines[1].quantity"), "{quantity}");
    }
    assert_eq!(
        err(&with(design.clone(), json!({"lines": [{"sku": "SKU-1", "quantity": 1.5}]}))).0,
        "invalid_quantity"
    );
    assert_eq!(
        err(&with(design, json!({"lines": [{"quantity": 1}]}))),
        ("invalid_payload", field("lines[0].sku"))
    );
}

#[test]
fn a_batch_maps_every_event_and_names_the_bad_one() {
    let design: Value = serde_json::from_str(DESIGN_EXAMPLE).unwrap();
    let second = with(
        base("INVENTORY_SNAPSHOT"),
        json!({"event_id": "wms-2", "sku": "SKU-1", "node": "DC-EAST", "on_hand": 4}),
    );
    let batch = serde_json::to_vec(&json!([design, second])).unwrap();
    let events = to_events(&batch, "wms-east").unwrap();
    assert_eq!(
        events.iter().map(|e| e.event_id.as_str()).collect::<Vec<_>>(),
        ["wms-1-000123", "wms-2"]
    );
    events.iter().for_each(assert_canonical);

    let bad = json!([design, with(design.clone(), json!({"lines": [{"sku": "A", "quantity": 1.5}]}))]);
    let e = to_events(&serde_json::to_vec(&bad).unwrap(), "wms-east").unwrap_err();
    assert_eq!(
        (e.code(), e.field().as_deref()),
        ("invalid_quantity", Some("[1].lines[0].quantity"))
    );
    let bad = json!([design, with(design.clone(), json!({"occurred_at": 5}))]);
    let e = to_events(&serde_json::to_vec(&bad).unwrap(), "wms-east").unwrap_err();
    assert_eq!((e.code(), e.field().as_deref()), ("invalid_payload", Some("[1].occurred_at")));

    assert_eq!(
        to_events(DESIGN_EXAMPLE.as_bytes(), "wms-east").unwrap().len(),
        1,
        "a single object is a batch of one"
    );
    assert!(to_events(b" \n[]", "wms-east").unwrap().is_empty());
}

#[test]
fn malformed_json_reports_line_and_column() {
    let e = to_events(b"[\n{\"event_id\": \"a\",,}]", "wms-east").unwrap_err();
    assert_eq!(e.code(), "invalid_payload");
    assert!(e.to_string().contains("line 2 column"), "{e}");
}

const KEYS: &[&str] = &[
    "event_id",
    "event_type",
    "occurred_at",
    "order_id",
    "node",
    "tracking_number",
    "lines",
    "sku",
    "quantity",
    "on_hand",
    "exception_code",
    "estimated_delivery_date",
    "task_id",
    "rma",
    "po_number",
];
const STRINGS: &[&str] = &[
    "ORDER_RELEASED",
    "SHIPPED",
    "EXCEPTION_CREATED",
    "INVENTORY_ADJUSTED",
    "INVENTORY_SNAPSHOT",
    "RECEIPT_CONFIRMED",
    "RETURN_RECEIVED",
    "2026-05-15T14:30:00Z",
    "2026-05-17",
    "SKU-1",
    "DC-EAST",
    "SO-1",
];

proptest! {
    #[test]
    fn random_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = to_events(&body, "wms-east");
    }

    #[test]
    fn random_json_never_panics_and_what_maps_is_canonical(value in json_value(KEYS, STRINGS)) {
        if let Ok(events) = to_events(&serde_json::to_vec(&value).unwrap(), "wms-east") {
            events.iter().for_each(assert_canonical);
        }
    }

    #[test]
    fn random_fields_on_a_valid_event_never_panic(extra in json_value(KEYS, STRINGS), event_type in prop::sample::select(&EVENT_TYPES[..])) {
        let mut value = base(event_type);
        if let Value::Object(fields) = extra {
            value.as_object_mut().unwrap().extend(fields);
        }
        if let Ok(event) = map(&value) {
            assert_canonical(&event);
        }
    }
}
