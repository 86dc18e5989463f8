//! Zendesk ticket webhooks: `{"ticket": {...}}` in the Support API's ticket
//! shape (see `shared/fixtures/zendesk/`), signed with `X-Crossdock-Signature`.
//!
//! The tickets arrive by e-mail, so, as in Zendesk, the requester's address
//! is in `via.source.from.address`; the order name is in the subject, the
//! description and the shop's "Order number" custom field.

use serde::Serialize;

use crate::clock::VirtualTime;
use crate::config::HelpdeskSite;
use crate::{Delivery, System, sign};

/// Id of the "Order number" custom ticket field in the demo Zendesk account.
pub(crate) const ORDER_NUMBER_FIELD: u64 = 360_001_234_567;
const TICKET_FORM_ID: u64 = 360_000_456_789;
const BRAND_ID: u64 = 360_000_123_456;

/// What the simulator decided about a ticket.
#[derive(Debug, Clone)]
pub(crate) struct NewTicket<'a> {
    pub id: u64,
    pub requester_id: u64,
    pub requester_name: String,
    pub requester_email: &'a str,
    pub subject: String,
    pub description: String,
    pub status: &'static str,
    pub priority: &'static str,
    pub order_name: &'a str,
    pub tags: Vec<&'static str>,
}

#[derive(Serialize)]
struct Envelope<'a> {
    ticket: Ticket<'a>,
}

#[derive(Serialize)]
struct Mailbox<'a> {
    address: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct Source<'a> {
    from: Mailbox<'a>,
    to: Mailbox<'a>,
    rel: Option<&'static str>,
}

#[derive(Serialize)]
struct Via<'a> {
    channel: &'static str,
    source: Source<'a>,
}

#[derive(Serialize)]
struct CustomField<'a> {
    id: u64,
    value: &'a str,
}

#[derive(Serialize)]
struct Ticket<'a> {
    url: String,
    id: u64,
    external_id: Option<&'a str>,
    via: Via<'a>,
    created_at: String,
    updated_at: String,
    #[serde(rename = "type")]
    kind: &'static str,
    subject: &'a str,
    raw_subject: &'a str,
    description: &'a str,
    priority: &'static str,
    status: &'static str,
    recipient: &'a str,
    requester_id: u64,
    submitter_id: u64,
    assignee_id: Option<u64>,
    organization_id: Option<u64>,
    group_id: Option<u64>,
    collaborator_ids: [u64; 0],
    follower_ids: [u64; 0],
    email_cc_ids: [u64; 0],
    forum_topic_id: Option<u64>,
    problem_id: Option<u64>,
    has_incidents: bool,
    is_public: bool,
    due_at: Option<&'a str>,
    tags: &'a [&'static str],
    custom_fields: [CustomField<'a>; 1],
    satisfaction_rating: Option<()>,
    sharing_agreement_ids: [u64; 0],
    fields: [CustomField<'a>; 1],
    followup_ids: [u64; 0],
    ticket_form_id: u64,
    brand_id: u64,
    allow_channelback: bool,
    allow_attachments: bool,
    from_messaging_channel: bool,
}

/// The signed webhook for a ticket created at `at` in `tenant`'s Zendesk.
pub(crate) fn webhook(site: &HelpdeskSite, tenant: &str, ticket: &NewTicket<'_>, at: VirtualTime) -> Delivery {
    let support = format!("support@{tenant}.example.com");
    let body = sign::json(&Envelope {
        ticket: Ticket {
            url: format!("https://{tenant}.zendesk.com/api/v2/tickets/{}.json", ticket.id),
            id: ticket.id,
            external_id: None,
            via: Via {
                channel: "email",
                source: Source {
                    from: Mailbox {
                        address: ticket.requester_email,
                        name: &ticket.requester_name,
                    },
                    to: Mailbox {
                        address: &support,
                        name: "Support",
                    },
                    rel: None,
                },
            },
            created_at: at.utc(),
            updated_at: at.utc(),
            kind: "question",
            subject: &ticket.subject,
            raw_subject: &ticket.subject,
            description: &ticket.description,
            priority: ticket.priority,
            status: ticket.status,
            recipient: &support,
            requester_id: ticket.requester_id,
            submitter_id: ticket.requester_id,
            assignee_id: None,
            organization_id: None,
            group_id: None,
            collaborator_ids: [],
            follower_ids: [],
            email_cc_ids: [],
            forum_topic_id: None,
            problem_id: None,
            has_incidents: false,
            is_public: true,
            due_at: None,
            tags: &ticket.tags,
            custom_fields: [CustomField {
                id: ORDER_NUMBER_FIELD,
                value: ticket.order_name,
            }],
            satisfaction_rating: None,
            sharing_agreement_ids: [],
            fields: [CustomField {
                id: ORDER_NUMBER_FIELD,
                value: ticket.order_name,
            }],
            followup_ids: [],
            ticket_form_id: TICKET_FORM_ID,
            brand_id: BRAND_ID,
            allow_channelback: false,
            allow_attachments: true,
            from_messaging_channel: false,
        },
    });
    Delivery {
        at: at.timestamp(),
        system: System::Helpdesk,
        path: format!("/webhooks/helpdesk/{}", site.connection),
        headers: vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("X-Crossdock-Signature".to_owned(), sign::crossdock(&site.secret, &body)),
        ],
        body,
        summary: format!("zendesk ticket {}: {}", ticket.id, ticket.subject),
    }
}
