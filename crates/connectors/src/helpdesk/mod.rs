//! Helpdesk (Zendesk-shaped): a ticket into a `ticket.created` event linked,
//! when the customer named one, to an order.
//!
//! The server verifies `X-Crossdock-Signature` and maps the body with
//! [`to_event`]. The event id is built from the ticket id and its
//! `updated_at`, so a redelivered webhook is a no-op while a later change of
//! the same ticket is a new event.

pub mod sink;
mod wire;

#[cfg(test)]
mod tests;

use model::event::Ticket;
use model::{Event, EventBody, OrderId};

use crate::Error;
use crate::de::{self, clean};

/// Maps a `{"ticket": {...}}` body to a `ticket.created` event.
pub fn to_event(body: &[u8], connection: &str) -> Result<Event, Error> {
    let envelope: wire::Envelope = de::from_slice(body)?;
    let ticket = de::required(envelope.ticket, "ticket", || {
        "The body must be `{\"ticket\": {...}}`, as Zendesk's API returns a ticket.".to_owned()
    })?;
    let ticket_id = de::required(clean(ticket.id.as_deref()), "ticket.id", || "The ticket has no `id`.".to_owned())?;
    let occurred_at = de::required(ticket.updated_at.or(ticket.created_at), "ticket.updated_at", || {
        "The ticket has neither `updated_at` nor `created_at`.".to_owned()
    })?;
    let event_id = de::event_id(Some(&format!("ticket-{ticket_id}-{occurred_at}")), "ticket.id")?;
    let order_id = order_reference_in(&ticket)
        .map(|r| de::parse_as(OrderId::parse, &r, "ticket.subject"))
        .transpose()?;
    let body = EventBody::TicketCreated(Ticket {
        ticket_id,
        order_id,
        subject: clean(ticket.subject.as_deref()),
        requester_email: requester_email(&ticket),
        status: clean(ticket.status.as_deref()),
    });
    Ok(Event {
        event_id,
        source: connection.to_owned(),
        tenant: None,
        occurred_at,
        body,
    })
}

/// The requester's address when the payload includes the user, else the
/// sender of an e-mail ticket.
fn requester_email(ticket: &wire::Ticket) -> Option<String> {
    let from_address = || {
        let from = ticket.via.as_ref()?.source.as_ref()?.from.as_ref()?;
        clean(from.address.as_deref())
    };
    ticket
        .requester
        .as_ref()
        .and_then(|r| clean(r.email.as_deref()))
        .or_else(from_address)
}

/// The subject is what the customer wrote most deliberately, so it is
/// searched before the description.
fn order_reference_in(ticket: &wire::Ticket) -> Option<String> {
    [&ticket.subject, &ticket.description]
        .into_iter()
        .flatten()
        .find_map(|text| order_reference(text))
}

/// Order numbers have at least this many digits, so "order 2 more" is prose.
const MIN_DIGITS: usize = 3;
/// Longer digit runs are phone or card numbers, not order numbers.
const MAX_DIGITS: usize = 20;

/// The first order reference in `text`: `#1042` (kept with its `#`, as
/// storefronts display order names) or `order 1042`, `Order no. 1042`,
/// `order number: 1042` (the digits alone, as written). Digits glued to
/// letters, such as the colour `#123abc`, are not a reference.
pub(crate) fn order_reference(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    (0..bytes.len()).find_map(|i| {
        if bytes[i] == b'#' {
            return digits_at(bytes, i + 1).map(|d| format!("#{d}"));
        }
        let starts_word = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        let rest = &bytes[i..];
        if starts_word && rest.len() >= 5 && rest[..5].eq_ignore_ascii_case(b"order") {
            return after_order_word(bytes, i + 5);
        }
        None
    })
}

/// What follows the word "order": optional "no." / "number" / "#" / ":" and spaces, then digits.
fn after_order_word(bytes: &[u8], mut i: usize) -> Option<String> {
    let skip_spaces = |i: &mut usize| {
        while bytes.get(*i).is_some_and(|b| b.is_ascii_whitespace() || *b == b':') {
            *i += 1;
        }
    };
    skip_spaces(&mut i);
    for word in [&b"number"[..], b"num", b"nr", b"no"] {
        let end = i + word.len();
        let boundary = bytes.get(end).is_none_or(|b| !b.is_ascii_alphabetic());
        if bytes.get(i..end).is_some_and(|w| w.eq_ignore_ascii_case(word)) && boundary {
            i = end;
            if bytes.get(i) == Some(&b'.') {
                i += 1;
            }
            skip_spaces(&mut i);
            break;
        }
    }
    if bytes.get(i) == Some(&b'#') {
        return digits_at(bytes, i + 1).map(|d| format!("#{d}"));
    }
    digits_at(bytes, i).map(str::to_owned)
}

/// A run of [`MIN_DIGITS`]..=[`MAX_DIGITS`] ASCII digits starting at `start`
/// and not glued to a following letter or digit.
fn digits_at(bytes: &[u8], start: usize) -> Option<&str> {
    let run = bytes.get(start..)?.iter().take_while(|b| b.is_ascii_digit()).count();
    let end = start + run;
    let glued = bytes.get(end).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
    if !(MIN_DIGITS..=MAX_DIGITS).contains(&run) || glued {
        return None;
    }
    std::str::from_utf8(&bytes[start..end]).ok()
}
