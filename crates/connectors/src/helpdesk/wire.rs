//! A Zendesk Support ticket, `{"ticket": {...}}`, as the API returns it and
//! as a webhook whose JSON template is `{"ticket": ...}` sends it.
//!
//! Zendesk webhook templates render placeholders as strings
//! (`"id": "{{ticket.id}}"`), so ids are read from numbers or strings, and
//! every field is optional: what the mapping needs is checked there.

use jiff::Timestamp;
use serde::Deserialize;

use crate::de;

#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "an object {\"ticket\": {...}}")]
pub(super) struct Envelope {
    pub ticket: Option<Ticket>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a ticket object")]
pub(super) struct Ticket {
    #[serde(deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    pub subject: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    pub description: Option<String>,
    pub status: Option<String>,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
    /// Present when the requester is side-loaded or the template includes it.
    pub requester: Option<Requester>,
    pub via: Option<Via>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a user object")]
pub(super) struct Requester {
    pub email: Option<String>,
}

/// How the ticket arrived; for e-mail, `source.from.address` is the sender.
#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a via object")]
pub(super) struct Via {
    pub source: Option<ViaSource>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a via.source object")]
pub(super) struct ViaSource {
    pub from: Option<ViaFrom>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a via.source.from object")]
pub(super) struct ViaFrom {
    pub address: Option<String>,
}
