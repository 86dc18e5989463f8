//! EDI X12: interchanges in, canonical events and acknowledgements out;
//! canonical values out as X12 documents.
//!
//! - [`lexer`]: the delimiters the ISA declares, and segments as slices of the input.
//! - [`parse`]: ISA/GS/ST envelopes, control numbers and counts, problems
//!   kept on the level they concern. [`parse_interchange`] is the strict reading.
//! - [`map`]: transaction sets into events ([`to_events`]).
//! - [`ack`]: a partner's 997 read into an [`Ack`]; crossdock's TA1/997 decided.
//! - [`render`](mod@render): 850, 940, 856, 945, 846 and 997 written with their envelopes.
//!
//! `POST /edi/{connection}` calls [`receive`]: the raw body in, the events
//! to append and the acknowledgement to answer with out.

pub mod ack;
mod error;
pub mod lexer;
pub mod map;
pub mod parse;
pub mod render;

#[cfg(test)]
mod tests;

use jiff::civil::DateTime;
use model::Event;

pub use ack::{Ack, AckStatus, InterchangeAck, Strictness, TransactionAck};
pub use error::{EdiError, ElementFault, ErrorKind, Level, Position};
pub use lexer::{Delimiters, Segment};
pub use map::{
    LineSource, MapContext, Mapped, Outcome, ProductId, SUPPORTED_SETS, ShipNoticeReading, SkuPolicy, TransactionOutcome, to_events,
};
pub use parse::{FunctionalGroup, Interchange, InterchangeHeader, Transaction, parse_interchange, read_interchanges};
pub use render::{Document, Envelope, PartyId, Usage, Version, render};

/// How crossdock's acknowledgement interchange is numbered, dated and judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckSettings {
    /// ISA13 of the acknowledgement; the caller keeps the counter per partner.
    pub interchange_control: u32,
    /// GS06 of its FA group.
    pub group_control: u32,
    /// Written in ISA09/ISA10 and GS04/GS05 (connectors have no clock).
    pub at: DateTime,
    pub strictness: Strictness,
}

/// What receiving one body produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    /// Events of the transaction sets the acknowledgement accepts, in order.
    pub events: Vec<Event>,
    /// Every transaction set's outcome, accepted or not.
    pub outcomes: Vec<TransactionOutcome>,
    /// The acknowledgement interchange: a TA1 where the envelope needs one,
    /// and a 997 per functional group.
    pub ack: String,
    /// Every problem found, for logs; the acknowledgement already reports them.
    pub problems: Vec<EdiError>,
}

/// Reads a body, maps what the acknowledgement accepts, and writes that
/// acknowledgement. Fails only when not even an ISA can be read, so there
/// is nobody to address an acknowledgement to; the error says why.
pub fn receive(input: &[u8], ctx: &MapContext<'_>, settings: &AckSettings) -> Result<Received, EdiError> {
    let interchanges = match read_interchanges(input) {
        Ok(all) => all,
        Err(error) => return reject_unreadable(input, error, settings),
    };
    let mut received = Received {
        events: Vec::new(),
        outcomes: Vec::new(),
        ack: String::new(),
        problems: Vec::new(),
    };
    let mut ta1s = Vec::new();
    let mut acks = Vec::new();
    for interchange in &interchanges {
        let outcomes = to_events(interchange, ctx);
        let verdict = ack::assess(interchange, &outcomes, settings.strictness);
        for (outcome, accepted) in outcomes.iter().zip(&verdict.accepted) {
            if *accepted {
                received.events.extend(outcome.events().iter().cloned());
            }
            received.problems.extend(outcome.error());
        }
        received.problems.extend(interchange.all_problems().into_iter().cloned());
        ta1s.extend(verdict.ta1);
        acks.extend(verdict.acks);
        received.outcomes.extend(outcomes);
    }
    received.ack = render::acknowledgement(&reply_envelope(&interchanges, settings), &ta1s, &acks)?;
    Ok(received)
}

/// The acknowledgement for already-read interchanges and their outcomes
/// (the outcomes of every interchange, in order, as [`to_events`] gave them).
pub fn acknowledge(interchanges: &[Interchange<'_>], outcomes: &[TransactionOutcome], settings: &AckSettings) -> Result<String, EdiError> {
    if interchanges.is_empty() {
        return Err(EdiError::new(
            ErrorKind::NotX12,
            Position::default(),
            "There is no interchange to acknowledge.",
        ));
    }
    let mut rest = outcomes;
    let mut ta1s = Vec::new();
    let mut acks = Vec::new();
    for interchange in interchanges {
        let count = interchange.transactions().count().min(rest.len());
        let (mine, later) = rest.split_at(count);
        rest = later;
        let verdict = ack::assess(interchange, mine, settings.strictness);
        ta1s.extend(verdict.ta1);
        acks.extend(verdict.acks);
    }
    render::acknowledgement(&reply_envelope(interchanges, settings), &ta1s, &acks)
}

/// The reply goes back the way the (first) interchange came: parties
/// swapped, the sender's delimiters and release kept where they can carry
/// what the reply echoes. `all` is never empty.
fn reply_envelope(all: &[Interchange<'_>], settings: &AckSettings) -> Envelope {
    let to = &all[0];
    let h = &to.header;
    let version = Version::from_isa12(h.version);
    let delimiters = reply_delimiters(all, version);
    let party = |qualifier: &str, id: &str| PartyId::new(&isa_safe(qualifier, 2, &delimiters), &isa_safe(id, 15, &delimiters));
    Envelope {
        sender: party(h.receiver_qualifier, h.receiver_id),
        receiver: party(h.sender_qualifier, h.sender_id),
        interchange_control: settings.interchange_control,
        group_control: settings.group_control,
        at: settings.at,
        version,
        delimiters,
        usage: if h.usage == "T" { Usage::Test } else { Usage::Production },
        ack_requested: false,
        line_breaks: false,
    }
}

/// The first interchange's delimiters, each kept unless an id the 997s echo
/// (GS01, GS06, ST01, ST02 of any interchange) holds it: a mailbag mixes
/// delimiters, a sender may put its own component separator in a control
/// number, and a 00501 reply to an ISA without a repetition separator needs
/// one. A clash takes the first free spare; each list ends in a control
/// character, which no echoed id holds, so there always is one.
fn reply_delimiters(all: &[Interchange<'_>], version: Version) -> Delimiters {
    let echoed: Vec<&str> = all
        .iter()
        .flat_map(|ix| &ix.groups)
        .flat_map(|g| {
            let group = g.is_identified().then_some([g.functional_id, g.control_number]);
            let sets = g
                .transactions
                .iter()
                .filter(|t| t.is_identified())
                .flat_map(|t| [t.set_id, t.control_number]);
            group.into_iter().flatten().chain(sets)
        })
        .collect();
    let mut taken: Vec<u8> = Vec::new();
    let mut pick = |own: Option<u8>, spares: &[u8]| {
        let free = |b: &u8| !taken.contains(b) && !echoed.iter().any(|id| id.as_bytes().contains(b));
        let chosen = own
            .into_iter()
            .chain(spares.iter().copied())
            .find(free)
            .unwrap_or(spares[spares.len() - 1]);
        taken.push(chosen);
        chosen
    };
    let own = all[0].delimiters;
    let element = pick(Some(own.element), b"*|+!\x1d");
    let segment = pick(Some(own.segment), b"~'\x1c");
    let component = pick(Some(own.component), b">:\\\x1f");
    let repetition = match version {
        Version::V4010 => None,
        Version::V5010 => Some(pick(own.repetition.or(Some(b'^')), b"^{}\x1e")),
    };
    Delimiters {
        element,
        repetition,
        component,
        segment,
    }
}

/// A partner id as the reply's ISA can carry it: at most `width`
/// characters, none of them a delimiter or control character. A partner
/// whose own ISA broke those rules still gets an answer.
fn isa_safe(raw: &str, width: usize, d: &Delimiters) -> String {
    let bad = |c: char| {
        c.is_control() || !c.is_ascii() || [d.element, d.component, d.segment].contains(&(c as u8)) || Some(c as u8) == d.repetition
    };
    raw.chars()
        .map(|c| if bad(c) { ' ' } else { c })
        .take(width)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// An input whose ISA reads but whose body does not (not UTF-8, a broken
/// later interchange) is rejected with a TA1, so the partner hears why.
fn reject_unreadable(input: &[u8], error: EdiError, settings: &AckSettings) -> Result<Received, EdiError> {
    let isa_only = input.get(..error.position.offset).unwrap_or_default();
    let Ok(interchanges) = read_interchanges(isa_only) else {
        return Err(error);
    };
    let Some(first) = interchanges.first() else {
        return Err(error);
    };
    let ta1 = InterchangeAck {
        control_number: first.header.control_number.to_owned(),
        date: first.header.date.to_owned(),
        time: first.header.time.to_owned(),
        status: AckStatus::Rejected,
        note: error.kind.ta1_code().to_owned(),
    };
    let ack = render::acknowledgement(&reply_envelope(&interchanges, settings), &[ta1], &[])?;
    Ok(Received {
        events: Vec::new(),
        outcomes: Vec::new(),
        ack,
        problems: vec![error],
    })
}
