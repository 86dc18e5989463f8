//! The helpdesk sink: crossdock's helpdesk messages as Zendesk Support API
//! calls. A note on a ticket is `PUT /api/v2/tickets/{id}.json` with a
//! comment (private unless the message says public); a new ticket is
//! `POST /api/v2/tickets.json`. The dispatcher adds the account's base URL
//! (`https://{subdomain}.zendesk.com`) and credentials.

use model::outbound::{Message, Ticket, TicketNote};
use serde_json::{Map, Value, json};

use crate::Error;
use crate::outbound::Request;

/// Zendesk's ticket priorities; anything else is refused with a 422.
const PRIORITIES: [&str; 4] = ["low", "normal", "high", "urgent"];

/// Renders a helpdesk message as the Zendesk call that carries it out.
/// Messages for other systems (waves, holds, stock levels…) are refused:
/// they were routed to the wrong connection.
pub fn render(message: &Message) -> Result<Request, Error> {
    match message {
        Message::TicketNote(note) => note_request(note),
        Message::Ticket(ticket) => ticket_request(ticket),
        other => Err(Error::payload(
            "kind",
            format!(
                "The helpdesk does not take `{}` messages, only `helpdesk.note` and `helpdesk.ticket`. \
                 Hint: check which connection this message kind is routed to.",
                other.kind()
            ),
        )),
    }
}

fn note_request(note: &TicketNote) -> Result<Request, Error> {
    let id = ticket_id(&note.ticket_id)?;
    let body = comment_body(&note.body)?;
    Ok(Request::put(
        format!("/api/v2/tickets/{id}.json"),
        json!({"ticket": {"comment": {"body": body, "public": note.public}}}),
    ))
}

fn ticket_request(ticket: &Ticket) -> Result<Request, Error> {
    let mut fields = Map::new();
    if let Some(subject) = clean(Some(&ticket.subject)) {
        fields.insert("subject".into(), json!(subject));
    }
    fields.insert("comment".into(), json!({"body": comment_body(&ticket.body)?}));
    if let Some(email) = clean(ticket.requester_email.as_deref()) {
        let mut requester = Map::new();
        requester.insert("email".into(), json!(email));
        if let Some(name) = clean(ticket.requester_name.as_deref()) {
            requester.insert("name".into(), json!(name));
        }
        fields.insert("requester".into(), Value::Object(requester));
    } else if ticket.requester_name.as_deref().is_some_and(|n| !n.trim().is_empty()) {
        // Zendesk finds or creates the requester by e-mail; a name alone would make a nameless duplicate.
        return Err(Error::payload(
            "requester_email",
            "A requester needs an e-mail address; a name alone cannot identify a Zendesk user.",
        ));
    }
    if let Some(external_id) = clean(ticket.external_id.as_deref()) {
        fields.insert("external_id".into(), json!(external_id));
    }
    if !ticket.tags.is_empty() {
        fields.insert("tags".into(), json!(tags(&ticket.tags)?));
    }
    if let Some(priority) = clean(ticket.priority.as_deref()) {
        let priority = priority.to_ascii_lowercase();
        if !PRIORITIES.contains(&priority.as_str()) {
            return Err(Error::payload(
                "priority",
                format!("Priority `{priority}` is not one of Zendesk's: {}.", PRIORITIES.join(", ")),
            ));
        }
        fields.insert("priority".into(), json!(priority));
    }
    Ok(Request::post("/api/v2/tickets.json", json!({"ticket": fields})))
}

/// Zendesk ticket ids are positive whole numbers; checking it also keeps
/// anything but digits out of the request path.
fn ticket_id(raw: &str) -> Result<u64, Error> {
    let raw = raw.trim();
    raw.parse::<u64>()
        .ok()
        .filter(|id| *id > 0 && raw.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| {
            Error::payload(
                "ticket_id",
                format!("`{raw}` is not a Zendesk ticket id (a positive whole number such as 4016)."),
            )
        })
}

/// Zendesk refuses a comment without text, so an empty one is caught here
/// rather than dead-lettered after the call.
fn comment_body(raw: &str) -> Result<&str, Error> {
    let body = raw.trim();
    if body.is_empty() {
        return Err(Error::payload("body", "A helpdesk comment needs some text."));
    }
    Ok(body)
}

/// Zendesk splits a tag at whitespace, so `late order` would silently
/// become two tags; such a tag is refused instead.
fn tags(raw: &[String]) -> Result<Vec<&str>, Error> {
    raw.iter()
        .enumerate()
        .map(|(i, tag)| {
            let tag = tag.trim();
            if tag.is_empty() || tag.contains(char::is_whitespace) {
                Err(Error::payload(
                    format!("tags[{i}]"),
                    format!("Tag `{tag}` must be one word: Zendesk splits tags at spaces."),
                ))
            } else {
                Ok(tag)
            }
        })
        .collect()
}

fn clean(raw: Option<&str>) -> Option<&str> {
    raw.map(str::trim).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use model::outbound::Hold;
    use model::{NodeId, Sku};

    use super::*;
    use crate::outbound::Method;
    use crate::testutil::fixture;

    fn zendesk(name: &str) -> Value {
        serde_json::from_slice(&fixture(&format!("zendesk/{name}"))).unwrap()
    }

    fn note(ticket_id: &str, body: &str, public: bool) -> Message {
        Message::TicketNote(TicketNote {
            ticket_id: ticket_id.into(),
            body: body.into(),
            public,
        })
    }

    fn ticket() -> Ticket {
        Ticket {
            subject: "Order #1042 is late".into(),
            body: "Carrier reports an exception at KEASBEY, NJ.".into(),
            requester_email: Some("ann@example.com".into()),
            requester_name: Some("Ann Example".into()),
            external_id: Some("SO-1042".into()),
            tags: vec!["crossdock".into(), "late_delivery".into()],
            priority: Some("High".into()),
        }
    }

    /// The path of a URL Zendesk itself returns, e.g. the ticket's `url`.
    fn url_path(url: &str) -> &str {
        let host_end = url.find("://").map(|i| i + 3).unwrap();
        &url[host_end + url[host_end..].find('/').unwrap()..]
    }

    #[test]
    fn a_note_updates_the_ticket_with_a_private_comment() {
        let update = zendesk("zendesk_ticket_update_200.json");
        let id = update["ticket"]["id"].to_string();
        let request = render(&note(&id, "  Packed at Station 12.\n", false)).unwrap();
        assert_eq!(request.method, Method::Put);
        assert_eq!(
            request.path,
            url_path(update["ticket"]["url"].as_str().unwrap()),
            "Zendesk's own URL of ticket 4016"
        );
        assert_eq!(request.path, "/api/v2/tickets/4016.json");
        assert!(request.headers.is_empty());
        assert_eq!(
            request.body,
            Some(json!({"ticket": {"comment": {"body": "Packed at Station 12.", "public": false}}}))
        );
        let public = render(&note("4016", "Your parcel is on its way.", true)).unwrap();
        assert_eq!(public.body.unwrap()["ticket"]["comment"]["public"], json!(true));
    }

    #[test]
    fn a_note_comment_has_the_fields_of_zendesks_comment_events() {
        // The audit of a created ticket lists its first comment with `body` and `public`.
        let created = zendesk("zendesk_ticket_create_201.json");
        let events = created["audit"]["events"].as_array().unwrap();
        let comment = events.iter().find(|e| e["type"] == "Comment").unwrap();
        let request = render(&note("4014", "Packed.", true)).unwrap();
        let rendered = &request.body.unwrap()["ticket"]["comment"];
        for (field, value) in rendered.as_object().unwrap() {
            assert!(comment.get(field).is_some(), "`{field}` is not a Zendesk comment field");
            assert_eq!(
                std::mem::discriminant(value),
                std::mem::discriminant(&comment[field]),
                "`{field}` has Zendesk's type"
            );
        }
    }

    #[test]
    fn a_ticket_is_created_with_zendesks_ticket_fields() {
        let request = render(&Message::Ticket(ticket())).unwrap();
        assert_eq!(request.method, Method::Post);
        let created = zendesk("zendesk_ticket_create_201.json");
        // `…/api/v2/tickets/4014.json` is where Zendesk put it; the collection is one level up.
        let collection = url_path(created["ticket"]["url"].as_str().unwrap()).rsplit_once('/').unwrap().0;
        assert_eq!(request.path, format!("{collection}.json"));
        let body = request.body.unwrap();
        assert_eq!(
            body,
            json!({"ticket": {
                "subject": "Order #1042 is late",
                "comment": {"body": "Carrier reports an exception at KEASBEY, NJ."},
                "requester": {"email": "ann@example.com", "name": "Ann Example"},
                "external_id": "SO-1042",
                "tags": ["crossdock", "late_delivery"],
                "priority": "high"
            }})
        );
        // Every ticket field rendered is one the API returns on a ticket (the
        // requester and comment are write-only forms of requester_id and description).
        let returned = created["ticket"].as_object().unwrap();
        for field in body["ticket"].as_object().unwrap().keys() {
            let known = returned.contains_key(field) || ["comment", "requester"].contains(&field.as_str());
            assert!(known, "`{field}` is not a Zendesk ticket field");
        }
        for field in ["subject", "external_id", "tags", "priority"] {
            assert!(returned.contains_key(field), "{field}");
        }
    }

    #[test]
    fn optional_ticket_fields_are_left_out() {
        let bare = Ticket {
            subject: "Stock discrepancy at DC-EAST".into(),
            body: "Counted 12, expected 15.".into(),
            requester_email: None,
            requester_name: None,
            external_id: Some(" ".into()),
            tags: Vec::new(),
            priority: None,
        };
        let request = render(&Message::Ticket(bare.clone())).unwrap();
        assert_eq!(
            request.body.unwrap(),
            json!({"ticket": {"subject": "Stock discrepancy at DC-EAST", "comment": {"body": "Counted 12, expected 15."}}})
        );
        let email_only = Ticket {
            requester_email: Some("ops@example.com".into()),
            ..bare
        };
        let body = render(&Message::Ticket(email_only)).unwrap().body.unwrap();
        assert_eq!(body["ticket"]["requester"], json!({"email": "ops@example.com"}));
    }

    #[test]
    fn what_zendesk_would_refuse_is_refused_naming_the_field() {
        let field = |message: Message| render(&message).unwrap_err().field();
        for bad in ["", "abc", "12/../13", "-4", "0", "4016.json", "+4016"] {
            assert_eq!(field(note(bad, "x", false)).as_deref(), Some("ticket_id"), "{bad}");
        }
        assert_eq!(field(note("4016", " \n ", false)).as_deref(), Some("body"));
        let with = |change: fn(&mut Ticket)| {
            let mut t = ticket();
            change(&mut t);
            Message::Ticket(t)
        };
        assert_eq!(field(with(|t| t.priority = Some("asap".into()))).as_deref(), Some("priority"));
        assert_eq!(field(with(|t| t.tags.push("late order".into()))).as_deref(), Some("tags[2]"));
        assert_eq!(field(with(|t| t.body = String::new())).as_deref(), Some("body"));
        assert_eq!(field(with(|t| t.requester_email = None)).as_deref(), Some("requester_email"));
    }

    #[test]
    fn other_message_kinds_are_not_for_the_helpdesk() {
        let hold = Message::Hold(Hold {
            hold_id: "H-1".into(),
            sku: Sku::parse("SKU-1").unwrap(),
            node: NodeId::parse("DC-EAST").unwrap(),
            quantity: 3,
            reason: "quality".into(),
        });
        let err = render(&hold).unwrap_err();
        assert_eq!(err.code(), "invalid_payload");
        assert_eq!(err.field().as_deref(), Some("kind"));
        assert!(err.to_string().contains("does not take `wms.hold` messages"), "{err}");
    }
}
