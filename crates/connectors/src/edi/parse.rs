//! The envelopes: ISA/IEA around GS/GE groups around ST/SE transaction sets.
//!
//! Reading never stops at the first envelope defect. Control numbers that
//! disagree, counts that are off and missing trailers are recorded as
//! problems on the interchange, group or transaction they concern, so that
//! a 997 can answer each one with its own code and the rest of the
//! interchange is still read. [`parse_interchange`] is the strict reading:
//! any problem is an error.

use super::error::{EdiError, ElementFault, ErrorKind, Position};
use super::lexer::{self, Delimiters, Lexer, Repair, Segment};

/// One interchange: the ISA header, its groups, and what was wrong with its envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct Interchange<'a> {
    pub delimiters: Delimiters,
    pub header: InterchangeHeader<'a>,
    pub groups: Vec<FunctionalGroup<'a>>,
    /// Problems of the interchange envelope itself (TA1 material).
    pub problems: Vec<EdiError>,
    pub isa: Segment<'a>,
    pub iea: Option<Segment<'a>>,
}

/// ISA values, trimmed of the padding fixed-width fields carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InterchangeHeader<'a> {
    pub sender_qualifier: &'a str,
    pub sender_id: &'a str,
    pub receiver_qualifier: &'a str,
    pub receiver_id: &'a str,
    /// ISA09, `YYMMDD`.
    pub date: &'a str,
    /// ISA10, `HHMM`.
    pub time: &'a str,
    /// ISA12, e.g. `00401`.
    pub version: &'a str,
    /// ISA13.
    pub control_number: &'a str,
    /// ISA14: the sender asks for a TA1.
    pub ack_requested: bool,
    /// ISA15: `P` production, `T` test.
    pub usage: &'a str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FunctionalGroup<'a> {
    /// GS01, e.g. `PO`, `SH`, `OW`.
    pub functional_id: &'a str,
    pub sender: &'a str,
    pub receiver: &'a str,
    /// GS04, `CCYYMMDD` (`YYMMDD` before 004010).
    pub date: &'a str,
    /// GS05, `HHMM[SS[D..]]`.
    pub time: &'a str,
    /// GS06.
    pub control_number: &'a str,
    /// GS08, e.g. `004010`.
    pub version: &'a str,
    pub transactions: Vec<Transaction<'a>>,
    /// Problems of the group envelope (AK9 material).
    pub problems: Vec<EdiError>,
    pub gs: Segment<'a>,
    pub ge: Option<Segment<'a>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Transaction<'a> {
    /// ST01, e.g. `850`.
    pub set_id: &'a str,
    /// ST02.
    pub control_number: &'a str,
    /// Every segment from ST to SE, both included; `segments[i].position == i + 1`.
    pub segments: Vec<Segment<'a>>,
    /// Problems of the envelope and of the segments' syntax (AK5/AK3/AK4 material).
    pub problems: Vec<EdiError>,
}

impl<'a> Transaction<'a> {
    /// The segments between ST and SE.
    pub fn body(&self) -> &[Segment<'a>] {
        let end = match self.segments.last() {
            Some(last) if last.id == "SE" && self.segments.len() > 1 => self.segments.len() - 1,
            _ => self.segments.len(),
        };
        self.segments.get(1..end).unwrap_or(&[])
    }

    /// The ST segment, which the parser always puts first.
    pub fn st(&self) -> &Segment<'a> {
        &self.segments[0]
    }

    /// Whether an acknowledgement can name it (AK2 needs ST01 and ST02,
    /// echoed as they were sent).
    pub fn is_identified(&self) -> bool {
        is_echoable(self.set_id) && is_echoable(self.control_number)
    }

    /// The first problem that makes the content unreadable (a bad segment
    /// id or character), as opposed to envelope bookkeeping being off.
    pub fn syntax_error(&self) -> Option<&EdiError> {
        self.problems.iter().find(|p| !p.kind.is_bookkeeping())
    }
}

impl FunctionalGroup<'_> {
    /// Whether an acknowledgement can name it (AK1 needs GS01 and GS06,
    /// echoed as they were sent).
    pub fn is_identified(&self) -> bool {
        is_echoable(self.functional_id) && is_echoable(self.control_number)
    }
}

/// Whether an envelope id can be echoed in an acknowledgement exactly as it
/// was sent: present and printable ASCII. A delimiter in it is fine (the
/// reply picks delimiters that no echoed id holds), but a control or
/// non-ASCII character would have to be blanked out, and an AK1 or AK2 that
/// names nothing, or something else, is no answer the partner can match.
fn is_echoable(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| (0x20..0x7f).contains(&b))
}

impl<'a> Interchange<'a> {
    /// Every problem at every level, in the order of the input.
    pub fn all_problems(&self) -> Vec<&EdiError> {
        let mut all: Vec<&EdiError> = self.problems.iter().collect();
        for group in &self.groups {
            all.extend(&group.problems);
            for tx in &group.transactions {
                all.extend(&tx.problems);
            }
        }
        all.sort_by_key(|p| p.position.offset);
        all
    }

    /// The strict verdict: the first problem, if there is one.
    pub fn validate(&self) -> Result<(), EdiError> {
        match self.all_problems().first() {
            Some(first) => Err((*first).clone()),
            None => Ok(()),
        }
    }

    pub fn transactions(&self) -> impl Iterator<Item = (&FunctionalGroup<'a>, &Transaction<'a>)> {
        self.groups.iter().flat_map(|g| g.transactions.iter().map(move |t| (g, t)))
    }
}

/// Parses exactly one interchange, strictly: a control number or count that
/// disagrees, a missing trailer or a syntax error anywhere is an error with
/// its position. This is what a benchmark measures.
pub fn parse_interchange(input: &[u8]) -> Result<Interchange<'_>, EdiError> {
    let mut all = read_interchanges(input)?;
    if all.len() > 1 {
        let second = &all[1];
        return Err(EdiError::new(
            ErrorKind::UnexpectedSegment,
            Position::at_offset(second.isa.offset),
            format!(
                "The input holds {} interchanges; the second starts at byte {}. Read it with `read_interchanges`.",
                all.len(),
                second.isa.offset
            ),
        ));
    }
    let interchange = all.remove(0);
    interchange.validate()?;
    Ok(interchange)
}

/// Reads every interchange in the input (a "mailbag" may hold several, each
/// with its own delimiters), keeping envelope problems on the level they
/// concern. Fails only when no envelope can be read: the input is not X12,
/// not UTF-8, or an ISA is unreadable.
pub fn read_interchanges(input: &[u8]) -> Result<Vec<Interchange<'_>>, EdiError> {
    let text = std::str::from_utf8(input).map_err(|e| {
        EdiError::new(
            ErrorKind::InvalidEncoding,
            Position::at_offset(e.valid_up_to()),
            format!(
                "The input is not UTF-8: byte {} ({:#04x}) cannot start a character. X12 data is ASCII.",
                e.valid_up_to(),
                input[e.valid_up_to()]
            ),
        )
    })?;
    let mut interchanges = Vec::new();
    let mut pos = lexer::skip_filler(text, 0);
    if pos >= text.len() {
        return Err(EdiError::new(ErrorKind::NotX12, Position::at_offset(pos), "The input is empty."));
    }
    while pos < text.len() {
        let (interchange, next) = read_one(text, pos)?;
        interchanges.push(interchange);
        pos = lexer::skip_filler(text, next);
    }
    Ok(interchanges)
}

/// Reads the interchange whose ISA starts at `start`; returns it and where
/// the next one may start.
fn read_one(text: &str, start: usize) -> Result<(Interchange<'_>, usize), EdiError> {
    let sniffed = lexer::sniff(text, start)?;
    let mut segments = Lexer::new(text, start, sniffed.delimiters);
    let isa = segments
        .next()
        .ok_or_else(|| EdiError::new(ErrorKind::NotX12, Position::at_offset(start), "No ISA."))?;
    let mut builder = Builder::new(isa, sniffed.delimiters);
    if let Some(repair) = sniffed.repair {
        builder.problems.push(repair_problem(&isa, repair, sniffed.delimiters));
    }
    let mut next = text.len();
    for segment in segments.by_ref() {
        match segment.id {
            "IEA" => {
                next = (segment.offset + segment.raw().len() + 1).min(text.len());
                builder.close_interchange(Some(segment));
                return Ok((builder.finish(), next));
            }
            _ if starts_interchange(segment.raw()) => {
                next = segment.offset;
                break;
            }
            _ => builder.push(segment),
        }
    }
    builder.close_interchange(None);
    Ok((builder.finish(), next))
}

/// A new ISA, whatever element separator it declares (a mailbag mixes them).
fn starts_interchange(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    bytes.starts_with(b"ISA") && bytes.get(3).is_some_and(|b| !b.is_ascii_alphanumeric())
}

fn repair_problem(isa: &Segment<'_>, repair: Repair, delimiters: Delimiters) -> EdiError {
    match repair {
        Repair::MissingComponentSeparator => EdiError::new(
            ErrorKind::MissingComponentSeparator,
            isa.position_of(16),
            format!(
                "ISA16 (component separator) is missing; segments end with {:?}, and {:?} was assumed for components.",
                delimiters.segment as char, delimiters.component as char
            ),
        ),
        Repair::TruncatedIsa => EdiError::new(
            ErrorKind::InvalidIsa,
            isa.position_of(0),
            format!(
                "The ISA ends after {} of its 16 elements; segments are read as ending at line breaks.",
                isa.element_count()
            ),
        ),
    }
}

/// Assembles one interchange from its segments.
struct Builder<'a> {
    isa: Segment<'a>,
    delimiters: Delimiters,
    groups: Vec<FunctionalGroup<'a>>,
    group: Option<FunctionalGroup<'a>>,
    tx: Option<Transaction<'a>>,
    problems: Vec<EdiError>,
    iea: Option<Segment<'a>>,
    last: Segment<'a>,
}

impl<'a> Builder<'a> {
    fn new(isa: Segment<'a>, delimiters: Delimiters) -> Self {
        Builder {
            isa,
            delimiters,
            groups: Vec::new(),
            group: None,
            tx: None,
            problems: Vec::new(),
            iea: None,
            last: isa,
        }
    }

    fn push(&mut self, mut segment: Segment<'a>) {
        self.last = segment;
        match segment.id {
            "GS" => {
                self.close_group(None);
                let group = open_group(segment);
                if !group.is_identified() {
                    self.problems.push(unexpected(
                        &segment,
                        "a GS whose functional id (GS01) or control number (GS06) is missing or holds a character \
                         an acknowledgement cannot echo (a control character, non-ASCII)",
                    ));
                }
                self.group = Some(group);
            }
            "GE" => self.close_group(Some(segment)),
            "ST" => {
                self.close_transaction(None);
                if self.group.is_none() {
                    self.problems
                        .push(unexpected(&segment, "ST outside a functional group (no GS before it)"));
                }
                segment.position = 1;
                self.tx = Some(open_transaction(segment));
            }
            "SE" => match self.tx.is_some() {
                true => self.close_transaction(Some(segment)),
                false => self.problems.push(unexpected(&segment, "SE without an ST")),
            },
            // TA1 acknowledgements may sit between ISA and the first GS.
            "TA1" if self.group.is_none() && self.tx.is_none() => {}
            _ => match self.tx.as_mut() {
                Some(tx) => {
                    segment.position = tx.segments.len() as u32 + 1;
                    if let Some(problem) = syntax_problem(&segment) {
                        tx.problems.push(problem);
                    }
                    tx.segments.push(segment);
                }
                None => self.problems.push(unexpected(&segment, "a segment outside any transaction set")),
            },
        }
    }

    fn close_transaction(&mut self, se: Option<Segment<'a>>) {
        let Some(mut tx) = self.tx.take() else { return };
        match se {
            Some(mut se) => {
                se.position = tx.segments.len() as u32 + 1;
                tx.segments.push(se);
                check_transaction_trailer(&mut tx, &se);
            }
            None => {
                let last = tx.segments.last().copied().unwrap_or(self.last);
                tx.problems.push(EdiError::new(
                    ErrorKind::MissingSe,
                    Position::at_offset(last.offset + last.raw().len()),
                    format!(
                        "Transaction set {} {} has no SE trailer; it ends after segment {} ({}).",
                        tx.set_id,
                        tx.control_number,
                        tx.segments.len(),
                        last.id
                    ),
                ));
            }
        }
        match self.group.as_mut() {
            Some(group) => group.transactions.push(tx),
            // Already reported as an ST outside a group; kept so nothing is silently lost.
            None => self.groups.push(orphan_group(self.isa, tx)),
        }
    }

    fn close_group(&mut self, ge: Option<Segment<'a>>) {
        self.close_transaction(None);
        let Some(mut group) = self.group.take() else {
            if let Some(ge) = ge {
                self.problems.push(unexpected(&ge, "GE without a GS"));
            }
            return;
        };
        match ge {
            Some(ge) => check_group_trailer(&mut group, &ge),
            None => group.problems.push(EdiError::new(
                ErrorKind::MissingGe,
                Position::at_offset(self.last.offset + self.last.raw().len()),
                format!("Functional group {} has no GE trailer.", group.control_number),
            )),
        }
        group.ge = ge;
        self.groups.push(group);
    }

    fn close_interchange(&mut self, iea: Option<Segment<'a>>) {
        self.close_group(None);
        let control = self.isa.element(13).trim();
        match iea {
            Some(iea) => {
                let groups = self.groups.len();
                if let Some(problem) = count_mismatch(&iea, ErrorKind::GroupCountMismatch, groups, "functional groups") {
                    self.problems.push(problem);
                }
                if let Some(problem) = control_mismatch(&iea, ErrorKind::InterchangeControlMismatch, control, "ISA13", "IEA02") {
                    self.problems.push(problem);
                }
            }
            None => self.problems.push(EdiError::new(
                ErrorKind::MissingIea,
                Position::at_offset(self.last.offset + self.last.raw().len()),
                format!("Interchange {control} has no IEA trailer."),
            )),
        }
        self.iea = iea;
    }

    fn finish(self) -> Interchange<'a> {
        let isa = self.isa;
        let text = |n: usize| isa.element(n).trim();
        Interchange {
            delimiters: self.delimiters,
            header: InterchangeHeader {
                sender_qualifier: text(5),
                sender_id: text(6),
                receiver_qualifier: text(7),
                receiver_id: text(8),
                date: text(9),
                time: text(10),
                version: text(12),
                control_number: text(13),
                ack_requested: text(14) == "1",
                usage: text(15),
            },
            groups: self.groups,
            problems: self.problems,
            isa,
            iea: self.iea,
        }
    }
}

fn open_group(gs: Segment<'_>) -> FunctionalGroup<'_> {
    let text = |n: usize| gs.element(n).trim();
    FunctionalGroup {
        functional_id: text(1),
        sender: text(2),
        receiver: text(3),
        date: text(4),
        time: text(5),
        control_number: text(6),
        version: text(8),
        transactions: Vec::new(),
        problems: Vec::new(),
        gs,
        ge: None,
    }
}

/// A stand-in group for an ST that came without a GS, so the transaction is still acknowledged.
fn orphan_group<'a>(isa: Segment<'a>, tx: Transaction<'a>) -> FunctionalGroup<'a> {
    FunctionalGroup {
        functional_id: "",
        sender: "",
        receiver: "",
        date: "",
        time: "",
        control_number: "",
        version: "",
        transactions: vec![tx],
        problems: Vec::new(),
        gs: isa,
        ge: None,
    }
}

fn open_transaction(st: Segment<'_>) -> Transaction<'_> {
    let mut tx = Transaction {
        set_id: st.element(1).trim(),
        control_number: st.element(2).trim(),
        segments: vec![st],
        problems: Vec::new(),
    };
    let set_id = tx.set_id.as_bytes();
    if set_id.len() != 3 || !set_id.iter().all(u8::is_ascii_digit) {
        tx.problems.push(EdiError::new(
            ErrorKind::InvalidTransactionSetId,
            with_data_element(st.position_of(1), 143),
            format!(
                "ST01 must be a three-digit transaction set identifier such as 850; got `{}`.",
                tx.set_id
            ),
        ));
    }
    let control_length = tx.control_number.len();
    if control_length == 0 {
        tx.problems.push(EdiError::new(
            ErrorKind::MissingTransactionControlNumber,
            with_data_element(st.position_of(2), 329),
            "ST02 (transaction set control number) is missing.",
        ));
    } else if !(4..=9).contains(&control_length) {
        let fault = if control_length < 4 {
            ElementFault::TooShort
        } else {
            ElementFault::TooLong
        };
        tx.problems.push(EdiError::new(
            ErrorKind::Element(fault),
            with_data_element(st.position_of(2), 329),
            format!("ST02 `{}` must be 4 to 9 characters.", tx.control_number),
        ));
    }
    // Control characters are `syntax_problem`'s to report; a non-ASCII
    // character passes the segment's syntax, but no AK2 could echo it.
    if let Some(bad) = tx.control_number.chars().find(|c| !c.is_ascii()) {
        tx.problems.push(EdiError::new(
            ErrorKind::Element(ElementFault::InvalidCharacter),
            with_data_element(st.position_of(2), 329),
            format!("ST02 `{}` holds {bad:?}; a control number is ASCII.", tx.control_number),
        ));
    }
    // ST03 (implementation convention reference) is the last element ST has.
    if let Some(problem) = too_many_elements(&st, 3) {
        tx.problems.push(problem);
    }
    if let Some(problem) = syntax_problem(&st) {
        tx.problems.push(problem);
    }
    tx
}

fn check_transaction_trailer(tx: &mut Transaction<'_>, se: &Segment<'_>) {
    let count = tx.segments.len();
    if let Some(problem) = count_mismatch(se, ErrorKind::SegmentCountMismatch, count, "segments from ST to SE") {
        tx.problems.push(problem);
    }
    if let Some(problem) = control_mismatch(se, ErrorKind::TransactionControlMismatch, tx.control_number, "ST02", "SE02") {
        tx.problems.push(problem);
    }
    if let Some(problem) = syntax_problem(se).or_else(|| too_many_elements(se, 2)) {
        tx.problems.push(problem);
    }
}

/// X12's "too many data elements" (AK403 code 3), for the envelope segments whose size is fixed.
fn too_many_elements(segment: &Segment<'_>, max: usize) -> Option<EdiError> {
    let count = segment.element_count();
    (count > max).then(|| {
        EdiError::new(
            ErrorKind::Element(ElementFault::TooManyElements),
            segment.position_of(max + 1),
            format!("{} has {count} elements; it has at most {max}.", segment.id),
        )
    })
}

fn check_group_trailer(group: &mut FunctionalGroup<'_>, ge: &Segment<'_>) {
    let count = group.transactions.len();
    if let Some(problem) = count_mismatch(ge, ErrorKind::TransactionCountMismatch, count, "transaction sets") {
        group.problems.push(problem);
    }
    if let Some(problem) = control_mismatch(ge, ErrorKind::GroupControlMismatch, group.control_number, "GS06", "GE02") {
        group.problems.push(problem);
    }
}

/// Element 1 of SE, GE and IEA counts what they close.
fn count_mismatch(trailer: &Segment<'_>, kind: ErrorKind, actual: usize, what: &str) -> Option<EdiError> {
    let declared = trailer.element(1).trim();
    if declared.parse::<u64>().ok() == Some(actual as u64) {
        return None;
    }
    let reference = match trailer.id {
        "SE" => 96,
        "GE" => 97,
        _ => I16_COUNT,
    };
    Some(EdiError::new(
        kind,
        with_data_element(trailer.position_of(1), reference),
        format!(
            "{}01 says {} {what}; there are {actual}.",
            trailer.id,
            if declared.is_empty() { "no number of" } else { declared }
        ),
    ))
}

/// IEA01's data element reference (Number of Included Functional Groups).
const I16_COUNT: u16 = 16;

/// Element 2 of SE, GE and IEA repeats the header's control number.
fn control_mismatch(trailer: &Segment<'_>, kind: ErrorKind, header: &str, header_name: &str, trailer_name: &str) -> Option<EdiError> {
    let value = trailer.element(2).trim();
    if same_control_number(header, value) {
        return None;
    }
    let reference = match trailer.id {
        "SE" => 329,
        "GE" => 28,
        _ => 12,
    };
    Some(EdiError::new(
        kind,
        with_data_element(trailer.position_of(2), reference),
        format!("{trailer_name} `{value}` does not match {header_name} `{header}`."),
    ))
}

/// Control numbers are numeric, and senders disagree about leading zeros
/// (`0001` vs `1`), so numbers are compared by value; anything else by text.
fn same_control_number(a: &str, b: &str) -> bool {
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    if a == b {
        return true;
    }
    numeric(a) && numeric(b) && a.trim_start_matches('0') == b.trim_start_matches('0')
}

/// Syntax that no segment may break: its id, and control characters.
fn syntax_problem(segment: &Segment<'_>) -> Option<EdiError> {
    if !segment.has_valid_id() {
        return Some(EdiError::new(
            ErrorKind::UnrecognizedSegment,
            segment.position_of(0),
            format!(
                "`{}` is not a segment id (two or three upper-case letters or digits).",
                segment.id.chars().take(20).collect::<String>().escape_debug()
            ),
        ));
    }
    let (element, offset) = segment.find_control_character()?;
    let byte = segment.raw().as_bytes()[offset - segment.offset];
    let mut position = segment.position_of(element);
    position.offset = offset;
    Some(EdiError::new(
        ErrorKind::Element(ElementFault::InvalidCharacter),
        position,
        format!(
            "{}{:02} holds the control character {:#04x}, which no X12 character set allows (a segment terminator missing before a line break?).",
            segment.id, element, byte
        ),
    ))
}

fn unexpected(segment: &Segment<'_>, what: &str) -> EdiError {
    EdiError::new(
        ErrorKind::UnexpectedSegment,
        segment.position_of(0),
        format!("Unexpected {}: {what}.", segment.id),
    )
}

pub(crate) fn with_data_element(mut position: Position, reference: u16) -> Position {
    position.data_element = Some(reference);
    position
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISA: &str = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260714*1200*U*00401*000000007*0*T*>~";

    fn doc(body: &str) -> String {
        format!("{ISA}\n{body}")
    }

    #[test]
    fn reads_groups_and_transactions() {
        let text = doc(
            "GS*PO*A*B*20260714*1200*5*X*004010~ST*850*0001~BEG*00*SA*PO1**20260714~SE*3*0001~ST*850*0002~BEG*00*SA*PO2**20260714~SE*3*0002~GE*2*5~GS*SH*A*B*20260714*1200*6*X*004010~ST*856*0001~BSN*00*S1*20260714*1200~SE*3*0001~GE*1*6~IEA*2*000000007~",
        );
        let ix = parse_interchange(text.as_bytes()).unwrap();
        assert_eq!(ix.header.control_number, "000000007");
        assert_eq!(ix.groups.len(), 2);
        assert_eq!(ix.groups[0].transactions.len(), 2);
        let tx = &ix.groups[0].transactions[1];
        assert_eq!((tx.set_id, tx.control_number), ("850", "0002"));
        assert_eq!(tx.body().len(), 1);
        assert_eq!(tx.body()[0].position, 2);
        assert_eq!(tx.body()[0].index, 7);
        assert_eq!(ix.groups[1].transactions[0].segments.len(), 3);
    }

    #[test]
    fn control_numbers_name_both_values() {
        let text = doc("GS*PO*A*B*20260714*1200*5*X*004010~ST*850*0001~BEG*00*SA*PO1**20260714~SE*3*0002~GE*1*5~IEA*1*000000007~");
        let err = parse_interchange(text.as_bytes()).unwrap_err();
        assert_eq!(err.kind, ErrorKind::TransactionControlMismatch);
        assert_eq!(err.code(), "edi_control_number_mismatch");
        assert!(err.message.contains("`0002`") && err.message.contains("`0001`"), "{err}");
        assert_eq!(err.field(), "segment 3 (SE) element 2");

        let text = doc("GS*PO*A*B*20260714*1200*5*X*004010~ST*850*0001~SE*2*0001~GE*1*9~IEA*1*000000008~");
        let ix = read_interchanges(text.as_bytes()).unwrap().remove(0);
        let kinds: Vec<_> = ix.all_problems().iter().map(|p| p.kind).collect();
        assert_eq!(kinds, [ErrorKind::GroupControlMismatch, ErrorKind::InterchangeControlMismatch]);
        assert!(ix.all_problems()[1].message.contains("`000000008`") && ix.all_problems()[1].message.contains("`000000007`"));
    }

    #[test]
    fn counts_are_checked_at_every_level() {
        let text = doc("GS*PO*A*B*20260714*1200*5*X*004010~ST*850*0001~BEG*00*SA*PO1**20260714~SE*4*0001~GE*2*5~IEA*3*7~");
        let ix = read_interchanges(text.as_bytes()).unwrap().remove(0);
        let kinds: Vec<_> = ix.all_problems().iter().map(|p| p.kind).collect();
        assert_eq!(
            kinds,
            [
                ErrorKind::SegmentCountMismatch,
                ErrorKind::TransactionCountMismatch,
                ErrorKind::GroupCountMismatch
            ]
        );
        assert!(ix.all_problems()[0].message.contains("says 4") && ix.all_problems()[0].message.contains("there are 3"));
    }

    #[test]
    fn missing_trailers_are_reported_where_they_belong() {
        let text = doc("GS*PO*A*B*20260714*1200*5*X*004010~ST*850*0001~BEG*00*SA*PO1**20260714~ST*850*0002~SE*2*0002~");
        let ix = read_interchanges(text.as_bytes()).unwrap().remove(0);
        assert_eq!(ix.groups[0].transactions[0].problems[0].kind, ErrorKind::MissingSe);
        assert_eq!(ix.groups[0].problems[0].kind, ErrorKind::MissingGe);
        assert_eq!(ix.problems[0].kind, ErrorKind::MissingIea);
        assert_eq!(ix.groups[0].transactions.len(), 2);
    }

    #[test]
    fn control_characters_and_bad_ids_are_syntax_errors() {
        let text = doc("GS*PO*A*B*20260714*1200*5*X*004010~ST*850*0001~N1*ST*NAME\n*92*X~b@d*1~SE*4*0001~GE*1*5~IEA*1*000000007~");
        let ix = read_interchanges(text.as_bytes()).unwrap().remove(0);
        let tx = &ix.groups[0].transactions[0];
        assert!(tx.syntax_error().is_some());
        let first = &tx.problems[0];
        assert_eq!(first.field(), "segment 2 (N1) element 2");
        assert_eq!(&text[first.position.offset..first.position.offset + 1], "\n");
        assert_eq!(tx.problems[1].kind, ErrorKind::UnrecognizedSegment);
    }

    #[test]
    fn envelope_segments_have_fixed_sizes() {
        let text = doc("GS*PO*A*B*20260714*1200*5*X*004010~ST*850*1~SE*2*1*X~GE*1*5~IEA*1*000000007~");
        let ix = read_interchanges(text.as_bytes()).unwrap().remove(0);
        let faults: Vec<(ErrorKind, String)> = ix.all_problems().iter().map(|p| (p.kind, p.field())).collect();
        assert_eq!(
            faults,
            [
                (ErrorKind::Element(ElementFault::TooShort), "segment 1 (ST) element 2".to_owned()),
                (
                    ErrorKind::Element(ElementFault::TooManyElements),
                    "segment 2 (SE) element 3".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn several_interchanges_and_trailing_space() {
        let one = doc("GS*PO*A*B*20260714*1200*5*X*004010~ST*850*0001~SE*2*0001~GE*1*5~IEA*1*000000007~");
        let two = format!("{one}\r\n{}\n\n", one.replace('*', "|"));
        let all = read_interchanges(two.as_bytes()).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[1].delimiters.element, b'|');
        assert!(all.iter().all(|ix| ix.all_problems().is_empty()));
        let err = parse_interchange(two.as_bytes()).unwrap_err();
        assert!(err.message.contains("2 interchanges"), "{err}");
    }

    #[test]
    fn invalid_utf8_names_the_byte() {
        let mut bytes = doc("GS*PO*A*B*20260714*1200*5*X*004010~").into_bytes();
        bytes.push(0xE9);
        let err = read_interchanges(&bytes).unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidEncoding);
        assert_eq!(err.position.offset, bytes.len() - 1);
    }

    #[test]
    fn leading_zeros_do_not_make_a_mismatch() {
        assert!(same_control_number("0001", "1"));
        assert!(same_control_number("000000001", "000000001"));
        assert!(!same_control_number("0001", "0002"));
        assert!(!same_control_number("A1", "a1"));
    }
}
