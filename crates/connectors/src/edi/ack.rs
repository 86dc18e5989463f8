//! Functional acknowledgements: reading a partner's 997 into an [`Ack`], and
//! deciding what crossdock answers (TA1 for the interchange, one 997 per
//! functional group, AK3/AK4 pointing at each bad segment and element).

use super::error::{EdiError, ErrorKind, Level};
use super::lexer::Segment;
use super::map::{Outcome, TransactionOutcome};
use super::parse::{FunctionalGroup, Interchange, Transaction};

/// How strictly envelope bookkeeping is judged when answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strictness {
    /// A control number or count that disagrees, or a missing trailer,
    /// rejects what it belongs to (X12's own rule).
    #[default]
    Strict,
    /// Such defects are reported ("accepted with errors", AK5/AK9 `E`, TA1
    /// `E`) and the content is still taken. Syntax errors in the content
    /// reject in both modes.
    Lenient,
}

/// AK501 / AK901 / TA104 codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AckStatus {
    /// `A`
    Accepted,
    /// `E`: accepted, but errors were noted.
    AcceptedWithErrors,
    /// `P` (AK9 only): some transaction sets accepted.
    PartiallyAccepted,
    /// `R`
    Rejected,
    /// `M`: rejected, message authentication code failed.
    RejectedAuthentication,
    /// `W`: rejected, assurance failed validity tests.
    RejectedValidity,
    /// `X`: rejected, content could not be analysed after decryption.
    RejectedDecryption,
}

impl AckStatus {
    pub fn code(self) -> &'static str {
        match self {
            AckStatus::Accepted => "A",
            AckStatus::AcceptedWithErrors => "E",
            AckStatus::PartiallyAccepted => "P",
            AckStatus::Rejected => "R",
            AckStatus::RejectedAuthentication => "M",
            AckStatus::RejectedValidity => "W",
            AckStatus::RejectedDecryption => "X",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "A" => AckStatus::Accepted,
            "E" => AckStatus::AcceptedWithErrors,
            "P" => AckStatus::PartiallyAccepted,
            "R" => AckStatus::Rejected,
            "M" => AckStatus::RejectedAuthentication,
            "W" => AckStatus::RejectedValidity,
            "X" => AckStatus::RejectedDecryption,
            _ => return None,
        })
    }

    /// Whether the content was taken (in whole or in part).
    pub fn is_accepted(self) -> bool {
        matches!(
            self,
            AckStatus::Accepted | AckStatus::AcceptedWithErrors | AckStatus::PartiallyAccepted
        )
    }
}

/// A 997: the acknowledgement of one functional group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    /// AK101, the acknowledged group's GS01, e.g. `PO`.
    pub functional_id: String,
    /// AK102, the acknowledged group's GS06.
    pub group_control_number: String,
    /// AK103 (from 005010), the acknowledged group's GS08.
    pub version: Option<String>,
    pub transactions: Vec<TransactionAck>,
    /// AK901.
    pub status: AckStatus,
    /// AK902, AK903, AK904: transaction sets included (as GE01 declared), received, accepted.
    pub included: u32,
    pub received: u32,
    pub accepted: u32,
    /// AK905–AK909 functional group syntax error codes.
    pub errors: Vec<String>,
}

/// AK2 … AK5: one transaction set's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionAck {
    /// AK201 and AK202.
    pub set_id: String,
    pub control_number: String,
    /// AK3 loops.
    pub segments: Vec<SegmentNote>,
    /// AK501.
    pub status: AckStatus,
    /// AK502–AK506 transaction set syntax error codes.
    pub errors: Vec<String>,
}

/// AK3: a segment in error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentNote {
    pub segment_id: String,
    /// Position in the transaction set, ST = 1.
    pub position: u32,
    pub loop_id: Option<String>,
    /// AK304, e.g. `8` (segment has data element errors).
    pub error: Option<String>,
    /// AK4s.
    pub elements: Vec<ElementNote>,
}

/// AK4: a data element in error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElementNote {
    /// AK401: element position, component position, repetition.
    pub position: u32,
    pub component: Option<u32>,
    pub repetition: Option<u32>,
    /// AK402, the data element reference number.
    pub data_element: Option<u32>,
    /// AK403, e.g. `1` (mandatory element missing).
    pub error: String,
    /// AK404, a copy of the bad element.
    pub bad_data: Option<String>,
}

/// TA1: the verdict on an interchange envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterchangeAck {
    /// TA101–TA103, the acknowledged ISA13, ISA09 and ISA10.
    pub control_number: String,
    pub date: String,
    pub time: String,
    /// TA104: `A`, `E` or `R`.
    pub status: AckStatus,
    /// TA105 note code, `000` when there is nothing to note.
    pub note: String,
}

/// Reads a 997 transaction set.
pub(crate) fn read(tx: &Transaction<'_>) -> Result<Ack, EdiError> {
    let mut ak1 = None;
    let mut ak9 = None;
    // Each AK2 with whether its AK5 has been read.
    let mut transactions: Vec<(TransactionAck, bool)> = Vec::new();
    for seg in tx.body() {
        match seg.id {
            "AK1" => ak1 = Some(seg),
            "AK2" => transactions.push((
                TransactionAck {
                    set_id: required(seg, 1, 143)?.to_owned(),
                    control_number: required(seg, 2, 329)?.to_owned(),
                    segments: Vec::new(),
                    status: AckStatus::Accepted,
                    errors: Vec::new(),
                },
                false,
            )),
            "AK3" => current(&mut transactions, seg, "AK2")?.segments.push(SegmentNote {
                segment_id: required(seg, 1, 721)?.to_owned(),
                position: number(seg, 2, 719)?.unwrap_or(0),
                loop_id: text(seg, 3),
                error: text(seg, 4),
                elements: Vec::new(),
            }),
            "AK4" => {
                let note = element_note(seg)?;
                let ack = current(&mut transactions, seg, "AK2")?;
                let last = ack.segments.last_mut().ok_or_else(|| missing_before(seg, "AK3"))?;
                last.elements.push(note);
            }
            "AK5" => {
                let (ack, answered) = transactions.last_mut().ok_or_else(|| missing_before(seg, "AK2"))?;
                ack.status = status(seg, 1)?;
                ack.errors = codes(seg, 2..=6);
                *answered = true;
            }
            "AK9" => ak9 = Some(seg),
            _ => {}
        }
    }
    let ak1 = ak1.ok_or_else(|| missing(tx, "AK1", "The 997 has no AK1 segment.".into()))?;
    let ak9 = ak9.ok_or_else(|| missing(tx, "AK9", "The 997 has no AK9 segment.".into()))?;
    if let Some((ack, _)) = transactions.iter().find(|(_, answered)| !answered) {
        let message = format!("The AK2 for transaction set {} {} has no AK5.", ack.set_id, ack.control_number);
        return Err(missing(tx, "AK5", message));
    }
    Ok(Ack {
        functional_id: required(ak1, 1, 479)?.to_owned(),
        group_control_number: required(ak1, 2, 28)?.to_owned(),
        version: text(ak1, 3),
        transactions: transactions.into_iter().map(|(t, _)| t).collect(),
        status: status(ak9, 1)?,
        included: number(ak9, 2, 97)?.unwrap_or(0),
        received: number(ak9, 3, 123)?.unwrap_or(0),
        accepted: number(ak9, 4, 2)?.unwrap_or(0),
        errors: codes(ak9, 5..=9),
    })
}

fn element_note(seg: &Segment<'_>) -> Result<ElementNote, EdiError> {
    let part = |c: usize| -> Result<Option<u32>, EdiError> {
        let raw = seg.component(1, c).trim();
        if raw.is_empty() {
            return Ok(None);
        }
        raw.parse().map(Some).map_err(|_| {
            let mut e = invalid(seg, 1, 722, format!("AK401 `{}` is not a position.", seg.element(1)));
            e.position.component = Some(c as u32);
            e
        })
    };
    Ok(ElementNote {
        position: part(1)?.ok_or_else(|| invalid(seg, 1, 722, "AK401 (position in segment) is required.".into()))?,
        component: part(2)?,
        repetition: part(3)?,
        data_element: number(seg, 2, 725)?,
        error: required(seg, 3, 723)?.to_owned(),
        bad_data: text(seg, 4),
    })
}

fn current<'t>(
    transactions: &'t mut [(TransactionAck, bool)],
    seg: &Segment<'_>,
    before: &str,
) -> Result<&'t mut TransactionAck, EdiError> {
    transactions.last_mut().map(|(t, _)| t).ok_or_else(|| missing_before(seg, before))
}

fn text(seg: &Segment<'_>, n: usize) -> Option<String> {
    Some(seg.element(n).trim()).filter(|s| !s.is_empty()).map(str::to_owned)
}

fn required<'a>(seg: &Segment<'a>, n: usize, de: u16) -> Result<&'a str, EdiError> {
    Some(seg.element(n).trim()).filter(|s| !s.is_empty()).ok_or_else(|| {
        let mut e = invalid(seg, n, de, format!("{}{n:02} is required.", seg.id));
        e.kind = ErrorKind::Element(super::error::ElementFault::MandatoryMissing);
        e
    })
}

fn number(seg: &Segment<'_>, n: usize, de: u16) -> Result<Option<u32>, EdiError> {
    let raw = seg.element(n).trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse()
        .map(Some)
        .map_err(|_| invalid(seg, n, de, format!("{}{n:02} `{raw}` is not a count.", seg.id)))
}

fn status(seg: &Segment<'_>, n: usize) -> Result<AckStatus, EdiError> {
    let raw = required(seg, n, 715)?;
    AckStatus::parse(raw).ok_or_else(|| {
        let mut e = invalid(seg, n, 715, format!("{}{n:02} `{raw}` is not an acknowledgement code.", seg.id));
        e.kind = ErrorKind::Element(super::error::ElementFault::InvalidCode);
        e
    })
}

fn codes(seg: &Segment<'_>, range: std::ops::RangeInclusive<usize>) -> Vec<String> {
    range.filter_map(|n| text(seg, n)).collect()
}

fn invalid(seg: &Segment<'_>, n: usize, de: u16, message: String) -> EdiError {
    let position = super::parse::with_data_element(seg.position_of(n), de);
    EdiError::new(ErrorKind::Element(super::error::ElementFault::InvalidCharacter), position, message)
}

fn missing_before(seg: &Segment<'_>, id: &str) -> EdiError {
    let mut position = seg.position_of(0);
    position.segment_id = Some(id.to_owned());
    EdiError::new(
        ErrorKind::MandatorySegmentMissing,
        position,
        format!("{id} is missing before {}.", seg.id),
    )
}

fn missing(tx: &Transaction<'_>, id: &str, message: String) -> EdiError {
    let last = tx.segments.last().unwrap_or(tx.st());
    let mut position = last.position_of(0);
    position.segment_id = Some(id.to_owned());
    EdiError::new(ErrorKind::MandatorySegmentMissing, position, message)
}

/// What crossdock answers for one interchange, and which of its
/// transaction sets it took.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Verdict {
    pub ta1: Option<InterchangeAck>,
    pub acks: Vec<Ack>,
    /// One per transaction set, in the order of [`Interchange::transactions`].
    pub accepted: Vec<bool>,
}

/// Judges an interchange and its mapped transaction sets. `outcomes` are
/// [`to_events`](super::to_events)'s, in the same order.
pub(crate) fn assess(interchange: &Interchange<'_>, outcomes: &[TransactionOutcome], strictness: Strictness) -> Verdict {
    let strict = strictness == Strictness::Strict;
    let rejected = strict && !interchange.problems.is_empty();
    let ta1 = interchange_ack(interchange, rejected);
    let mut verdict = Verdict {
        ta1,
        acks: Vec::new(),
        accepted: Vec::new(),
    };
    let mut outcomes = outcomes.iter();
    for group in &interchange.groups {
        let group_outcomes: Vec<Option<&TransactionOutcome>> = group.transactions.iter().map(|_| outcomes.next()).collect();
        let (ack, accepted) = group_ack(group, &group_outcomes, strict);
        // A group without GS01/GS06 cannot be acknowledged by a 997; the
        // TA1 reports its GS, and nothing of it is taken.
        let group_taken = !rejected && group.is_identified() && ack.status.is_accepted();
        verdict.accepted.extend(accepted.into_iter().map(|a| group_taken && a));
        if !rejected && group.is_identified() {
            verdict.acks.push(ack);
        }
    }
    verdict
}

/// A TA1 when the envelope had problems or the sender asked for one (ISA14 = 1).
fn interchange_ack(interchange: &Interchange<'_>, rejected: bool) -> Option<InterchangeAck> {
    let first = interchange.problems.first();
    if first.is_none() && !interchange.header.ack_requested {
        return None;
    }
    let status = match (first, rejected) {
        (None, _) => AckStatus::Accepted,
        (Some(_), true) => AckStatus::Rejected,
        (Some(_), false) => AckStatus::AcceptedWithErrors,
    };
    Some(InterchangeAck {
        control_number: interchange.header.control_number.to_owned(),
        date: interchange.header.date.to_owned(),
        time: interchange.header.time.to_owned(),
        status,
        note: first.map_or("000", |p| p.kind.ta1_code()).to_owned(),
    })
}

/// The group's 997 and, per transaction set, whether it is accepted. A
/// transaction set without ST01/ST02 gets no AK2 (there is nothing to name
/// it by) but counts as received and not accepted in AK9.
fn group_ack(group: &FunctionalGroup<'_>, outcomes: &[Option<&TransactionOutcome>], strict: bool) -> (Ack, Vec<bool>) {
    let verdicts: Vec<TransactionAck> = group
        .transactions
        .iter()
        .zip(outcomes)
        .map(|(tx, outcome)| transaction_ack(tx, *outcome, strict))
        .collect();
    let taken: Vec<bool> = group
        .transactions
        .iter()
        .zip(&verdicts)
        .map(|(tx, t)| tx.is_identified() && t.status.is_accepted())
        .collect();
    let received = verdicts.len() as u32;
    let accepted = taken.iter().filter(|t| **t).count() as u32;
    let transactions: Vec<TransactionAck> = group
        .transactions
        .iter()
        .zip(verdicts)
        .filter(|(tx, _)| tx.is_identified())
        .map(|(_, t)| t)
        .collect();
    let noted = transactions.iter().any(|t| t.status == AckStatus::AcceptedWithErrors) || !group.problems.is_empty();
    let group_rejected = strict && !group.problems.is_empty();
    let status = if group_rejected || accepted == 0 && received > 0 {
        AckStatus::Rejected
    } else if accepted < received {
        AckStatus::PartiallyAccepted
    } else if noted {
        AckStatus::AcceptedWithErrors
    } else {
        AckStatus::Accepted
    };
    let accepted = if group_rejected { 0 } else { accepted };
    let included = group.ge.and_then(|ge| ge.element(1).trim().parse().ok()).unwrap_or(received);
    let ack = Ack {
        functional_id: group.functional_id.to_owned(),
        group_control_number: group.control_number.to_owned(),
        version: names_its_version(group.version).then(|| group.version.to_owned()),
        transactions,
        status,
        included,
        received,
        accepted,
        errors: dedupe(group.problems.iter().map(|p| p.kind.ak9_code()), 5),
    };
    (ack, taken)
}

/// AK103 exists from 005010 on.
fn names_its_version(gs08: &str) -> bool {
    gs08.get(..6).and_then(|v| v.parse::<u32>().ok()).is_some_and(|v| v >= 5010)
}

fn transaction_ack(tx: &Transaction<'_>, outcome: Option<&TransactionOutcome>, strict: bool) -> TransactionAck {
    let mut errors: Vec<&EdiError> = tx.problems.iter().collect();
    let refusal = outcome.and_then(TransactionOutcome::error);
    if let Some(refusal) = &refusal
        && !errors.contains(&refusal)
    {
        errors.push(refusal);
    }
    let bookkeeping = tx.problems.iter().any(|p| p.kind.is_bookkeeping());
    let status = match outcome.map(|o| &o.outcome) {
        Some(Outcome::Events(_) | Outcome::Acknowledgement(_)) if bookkeeping && strict => AckStatus::Rejected,
        Some(Outcome::Events(_) | Outcome::Acknowledgement(_)) if bookkeeping => AckStatus::AcceptedWithErrors,
        Some(Outcome::Events(_) | Outcome::Acknowledgement(_)) => AckStatus::Accepted,
        _ => AckStatus::Rejected,
    };
    TransactionAck {
        set_id: tx.set_id.to_owned(),
        control_number: tx.control_number.to_owned(),
        segments: errors
            .iter()
            .filter(|e| e.kind.level() >= Level::Segment)
            .map(|e| segment_note(tx, e))
            .collect(),
        status,
        errors: dedupe(errors.iter().map(|e| e.kind.ak5_code()), 5),
    }
}

fn segment_note(tx: &Transaction<'_>, error: &EdiError) -> SegmentNote {
    let p = &error.position;
    let element = p.element.filter(|_| error.kind.level() == Level::Element).map(|n| ElementNote {
        position: n,
        component: p.component,
        repetition: None,
        data_element: p.data_element.map(u32::from),
        error: match error.kind {
            ErrorKind::Element(fault) => fault.code().to_owned(),
            _ => "7".to_owned(),
        },
        bad_data: bad_data(tx, p.segment_position, n),
    });
    let segment_id = p.segment_id.clone().unwrap_or_default();
    SegmentNote {
        loop_id: loop_id(tx.set_id, &segment_id).map(str::to_owned),
        segment_id,
        position: p.segment_position.unwrap_or(0),
        error: Some(error.kind.ak3_code().to_owned()),
        elements: element.into_iter().collect(),
    }
}

/// AK303: the loop a segment belongs to, named by the loop's first
/// segment as the X12 diagrams do, for the loops of the sets crossdock maps.
fn loop_id(set_id: &str, segment_id: &str) -> Option<&'static str> {
    Some(match (set_id, segment_id) {
        (_, "N1" | "N2" | "N3" | "N4") => "N1",
        ("850", "PO1" | "PID" | "PO4" | "CTP" | "SCH") => "PO1",
        ("856", "HL" | "PRF" | "LIN" | "SN1" | "MAN" | "TD1" | "TD5" | "PID" | "PO4") => "HL",
        ("940" | "945", "LX" | "W01" | "W12" | "G69") => "LX",
        ("943", "W04") => "W04",
        ("944", "W07") => "W07",
        ("846", "LIN" | "QTY" | "PID") => "LIN",
        ("997", "AK2" | "AK3" | "AK4" | "AK5") => "AK2",
        _ => return None,
    })
}

/// AK404: a copy of the bad element, when it can be copied safely (printable, short).
fn bad_data(tx: &Transaction<'_>, position: Option<u32>, element: u32) -> Option<String> {
    let segment = tx.segments.get((position? as usize).checked_sub(1)?)?;
    let value = segment.element(element as usize);
    let printable = value.bytes().all(|b| (0x20..0x7f).contains(&b));
    (printable && !value.is_empty() && value.len() <= 99).then(|| value.to_owned())
}

fn dedupe<'c>(codes: impl Iterator<Item = &'c str>, max: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for code in codes {
        if out.len() < max && !out.iter().any(|c| c == code) {
            out.push(code.to_owned());
        }
    }
    out
}
