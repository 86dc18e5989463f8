use model::{Event, EventBody};
use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::testutil::{assert_canonical, fixture, json_value};

fn ticket_of(event: &Event) -> &Ticket {
    match &event.body {
        EventBody::TicketCreated(t) => t,
        other => panic!("not a ticket: {other:?}"),
    }
}

fn map(value: &Value) -> Result<Event, Error> {
    to_event(&serde_json::to_vec(value).unwrap(), "zendesk")
}

#[test]
fn created_ticket_fixture_maps_to_ticket_created() {
    let event = to_event(&fixture("zendesk/zendesk_ticket_create_201.json"), "zendesk").unwrap();
    assert_canonical(&event);
    assert_eq!(event.event_id, "ticket-4014-2023-09-18T23:25:58Z");
    assert_eq!(event.source, "zendesk");
    assert_eq!(event.occurred_at, "2023-09-18T23:25:58Z".parse().unwrap());
    let ticket = ticket_of(&event);
    assert_eq!(ticket.ticket_id, "4014");
    assert_eq!(ticket.subject.as_deref(), Some("test"));
    assert_eq!(ticket.status.as_deref(), Some("new"));
    assert_eq!(ticket.order_id, None);
    assert_eq!(ticket.requester_email, None, "the API response does not side-load the requester");
}

#[test]
fn an_update_of_the_same_ticket_is_a_new_event() {
    let event = to_event(&fixture("zendesk/zendesk_ticket_update_200.json"), "zendesk").unwrap();
    assert_canonical(&event);
    assert_eq!(event.event_id, "ticket-4016-2023-09-18T23:26:01Z");
    assert_eq!(
        ticket_of(&event).subject.as_deref(),
        Some("testa94a8fe5ccb19ba61c4c0873d391e987982fbbd3")
    );
}

#[test]
fn every_ticket_of_the_list_fixture_maps() {
    let list: Value = serde_json::from_slice(&fixture("zendesk/zendesk_tickets_list_200.json")).unwrap();
    let tickets = list["tickets"].as_array().unwrap();
    assert_eq!(tickets.len(), 91);
    for ticket in tickets {
        let event = map(&json!({ "ticket": ticket })).unwrap();
        assert_canonical(&event);
        assert_eq!(ticket_of(&event).ticket_id, ticket["id"].to_string());
    }
    let first = map(&json!({ "ticket": tickets[0] })).unwrap();
    assert_eq!(ticket_of(&first).subject.as_deref(), Some("Sample ticket: Meet the ticket"));
    assert_eq!(ticket_of(&first).status.as_deref(), Some("open"));
    assert_eq!(first.occurred_at, "2024-02-07T00:11:18Z".parse().unwrap());
}

#[test]
fn order_reference_and_requester_come_from_the_ticket() {
    let body = json!({"ticket": {
        "id": "77", "subject": "Where is my parcel?", "description": "Hi, my order #1042 has not arrived. Order 2 more?",
        "status": "open", "created_at": "2026-05-15T14:30:00Z",
        "via": {"channel": "email", "source": {"from": {"address": "ann@example.com", "name": "Ann"}, "to": {}}}
    }});
    let event = map(&body).unwrap();
    assert_canonical(&event);
    assert_eq!(
        event.event_id, "ticket-77-2026-05-15T14:30:00Z",
        "created_at stands in for updated_at"
    );
    let ticket = ticket_of(&event);
    assert_eq!(ticket.order_id.as_ref().map(OrderId::as_str), Some("#1042"));
    assert_eq!(ticket.requester_email.as_deref(), Some("ann@example.com"));

    let mut body = body;
    body["ticket"]["requester"] = json!({"email": "ann.account@example.com"});
    body["ticket"]["subject"] = json!("Order number: 55123 damaged");
    let ticket = ticket_of(&map(&body).unwrap()).clone();
    assert_eq!(
        ticket.order_id.as_ref().map(OrderId::as_str),
        Some("55123"),
        "the subject is searched first"
    );
    assert_eq!(ticket.requester_email.as_deref(), Some("ann.account@example.com"));
}

#[test]
fn order_references_in_text() {
    let cases = [
        ("my order #1042 is late", Some("#1042")),
        ("Order 1042 is late", Some("1042")),
        ("ORDER NO. 88812", Some("88812")),
        ("order nr 4711 and #1001", Some("4711")),
        ("re: order #1001", Some("#1001")),
        ("#12 is too short, #1001 is not", Some("#1001")),
        ("colour #123abc, reorder 5555, orders 6666", None),
        ("order 12", None),
        ("call me on #123456789012345678901234", None),
        ("#1001", Some("#1001")),
        ("order", None),
        ("naïve ordér #9999…", Some("#9999")),
        ("", None),
    ];
    for (text, expected) in cases {
        assert_eq!(order_reference(text).as_deref(), expected, "{text}");
    }
}

#[test]
fn what_is_missing_is_named() {
    let field = |value: Value| map(&value).unwrap_err().field();
    assert_eq!(
        field(json!({"id": 1, "updated_at": "2026-05-15T14:30:00Z"})).as_deref(),
        Some("ticket")
    );
    assert_eq!(
        field(json!({"ticket": {"updated_at": "2026-05-15T14:30:00Z"}})).as_deref(),
        Some("ticket.id")
    );
    assert_eq!(field(json!({"ticket": {"id": 1}})).as_deref(), Some("ticket.updated_at"));
    assert_eq!(
        field(json!({"ticket": {"id": 1.5, "updated_at": "2026-05-15T14:30:00Z"}})).as_deref(),
        Some("ticket.id")
    );
    let err = to_event(b"{\"ticket\": {\"id\": 1,}}", "zendesk").unwrap_err();
    assert!(err.to_string().contains("line 1 column"), "{err}");
}

const KEYS: &[&str] = &[
    "ticket",
    "id",
    "subject",
    "description",
    "status",
    "created_at",
    "updated_at",
    "requester",
    "email",
    "via",
    "source",
    "from",
    "address",
];
const STRINGS: &[&str] = &[
    "2026-05-15T14:30:00Z",
    "order #1042",
    "Order no. 5555",
    "#",
    "order",
    "ann@example.com",
    "new",
];

proptest! {
    #[test]
    fn random_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = to_event(&body, "zendesk");
    }

    #[test]
    fn random_json_never_panics_and_what_maps_is_canonical(value in json_value(KEYS, STRINGS)) {
        for body in [value.clone(), json!({ "ticket": value })] {
            if let Ok(event) = map(&body) {
                assert_canonical(&event);
            }
        }
    }

    #[test]
    fn order_reference_never_panics(text in "\\PC{0,60}") {
        if let Some(found) = order_reference(&text) {
            prop_assert!(text.contains(&found));
        }
    }
}
