//! What can be wrong with an X12 interchange, and exactly where.
//!
//! Every problem names its position the way an X12 acknowledgement does
//! (segment position in the transaction set, element and component
//! position, data element reference number) and, for people, the byte
//! offset and the segment's index in the interchange. Each kind carries the
//! X12 code that reports it: a TA1 note code for the interchange, an AK9
//! code for a functional group, an AK5 code for a transaction set, an AK3
//! code for a segment and an AK4 code for an element.

use std::fmt;

/// Where a problem is. Indexes are 1-based, as X12 counts them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Position {
    /// Byte offset in the input.
    pub offset: usize,
    /// Index of the segment in its interchange (ISA = 1).
    pub segment_index: Option<u32>,
    /// Position of the segment in its transaction set (ST = 1), as AK302 counts it.
    pub segment_position: Option<u32>,
    pub segment_id: Option<String>,
    /// Element position in the segment (AK401-1).
    pub element: Option<u32>,
    /// Component position in a composite element (AK401-2).
    pub component: Option<u32>,
    /// X12 data element reference number (AK402), e.g. 330 for PO102.
    pub data_element: Option<u16>,
}

impl Position {
    pub fn at_offset(offset: usize) -> Self {
        Position {
            offset,
            ..Position::default()
        }
    }

    /// The location as a field path for API errors, e.g. `segment 12 (PO1) element 2`.
    /// The segment number is the position in the transaction set when the
    /// segment is inside one (what the partner's 997 tooling shows), else its
    /// index in the interchange.
    pub fn field(&self) -> String {
        let mut out = match (self.segment_position, self.segment_index) {
            (Some(n), _) | (None, Some(n)) => format!("segment {n}"),
            (None, None) => format!("byte {}", self.offset),
        };
        if let Some(id) = &self.segment_id {
            out.push_str(&format!(" ({id})"));
        }
        if let Some(element) = self.element {
            out.push_str(&format!(" element {element}"));
        }
        if let Some(component) = self.component {
            out.push_str(&format!(" component {component}"));
        }
        out
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.field())?;
        match (self.segment_position, self.segment_index) {
            (Some(_), Some(index)) => write!(f, "; segment {index} of the interchange, byte {}", self.offset),
            _ if self.segment_index.is_some() || self.segment_id.is_some() => write!(f, "; byte {}", self.offset),
            _ => Ok(()),
        }
    }
}

/// How X12 reports a bad data element (AK403 / IK403).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ElementFault {
    MandatoryMissing,
    ConditionalMissing,
    TooManyElements,
    TooShort,
    TooLong,
    InvalidCharacter,
    InvalidCode,
    InvalidDate,
    InvalidTime,
}

impl ElementFault {
    /// The AK403 code.
    pub fn code(self) -> &'static str {
        match self {
            ElementFault::MandatoryMissing => "1",
            ElementFault::ConditionalMissing => "2",
            ElementFault::TooManyElements => "3",
            ElementFault::TooShort => "4",
            ElementFault::TooLong => "5",
            ElementFault::InvalidCharacter => "6",
            ElementFault::InvalidCode => "7",
            ElementFault::InvalidDate => "8",
            ElementFault::InvalidTime => "9",
        }
    }
}

/// The level an error belongs to, which decides how it is acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Answered with a TA1.
    Interchange,
    /// Answered with AK9.
    Group,
    /// Answered with AK5.
    Transaction,
    /// Answered with AK3, and AK5 code 5.
    Segment,
    /// Answered with AK3 (code 8) and AK4.
    Element,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The input does not start with an ISA segment.
    NotX12,
    /// The input is not UTF-8 (X12 character sets are ASCII; extended sets are read as UTF-8).
    InvalidEncoding,
    /// The ISA cannot be read: too short, or delimiters that cannot be told apart.
    InvalidIsa,
    /// ISA16 is missing; the component separator was assumed.
    MissingComponentSeparator,
    /// The input ends, or a new ISA starts, before the IEA.
    MissingIea,
    /// IEA02 differs from ISA13.
    InterchangeControlMismatch,
    /// IEA01 differs from the number of functional groups.
    GroupCountMismatch,
    /// A segment where the envelope allows none (e.g. ST outside GS/GE).
    UnexpectedSegment,
    /// A new GS, IEA or the end came before the GE.
    MissingGe,
    /// GE02 differs from GS06.
    GroupControlMismatch,
    /// GE01 differs from the number of transaction sets.
    TransactionCountMismatch,
    /// A new ST, GE, IEA or the end came before the SE.
    MissingSe,
    /// SE02 differs from ST02.
    TransactionControlMismatch,
    /// SE01 differs from the number of segments ST…SE.
    SegmentCountMismatch,
    /// ST01 is not a three-digit transaction set identifier.
    InvalidTransactionSetId,
    /// ST02 is empty.
    MissingTransactionControlNumber,
    /// A transaction set crossdock does not map (810, 855, 832, …).
    UnsupportedTransactionSet,
    /// The transaction set reports stock at a node and the connection names none.
    NodeRequired,
    /// A segment id that is not two or three upper-case letters and digits.
    UnrecognizedSegment,
    /// A segment the transaction set needs is absent.
    MandatorySegmentMissing,
    /// A data element is missing or malformed.
    Element(ElementFault),
}

impl ErrorKind {
    pub fn level(self) -> Level {
        use ErrorKind::*;
        match self {
            NotX12
            | InvalidEncoding
            | InvalidIsa
            | MissingComponentSeparator
            | MissingIea
            | InterchangeControlMismatch
            | GroupCountMismatch
            | UnexpectedSegment => Level::Interchange,
            MissingGe | GroupControlMismatch | TransactionCountMismatch => Level::Group,
            MissingSe
            | TransactionControlMismatch
            | SegmentCountMismatch
            | InvalidTransactionSetId
            | MissingTransactionControlNumber
            | UnsupportedTransactionSet
            | NodeRequired => Level::Transaction,
            UnrecognizedSegment | MandatorySegmentMissing => Level::Segment,
            Element(_) => Level::Element,
        }
    }

    /// Stable machine-readable code for API errors.
    pub fn code(self) -> &'static str {
        use ErrorKind::*;
        match self {
            InterchangeControlMismatch | GroupControlMismatch | TransactionControlMismatch => "edi_control_number_mismatch",
            GroupCountMismatch | TransactionCountMismatch | SegmentCountMismatch => "edi_count_mismatch",
            UnsupportedTransactionSet => "unsupported_transaction_set",
            NodeRequired => "edi_node_required",
            _ => "invalid_edi",
        }
    }

    /// Whether the problem is in the envelope's bookkeeping (control numbers,
    /// counts, missing trailers) rather than in the content. Such a
    /// transaction can still be read; whether it is accepted is the
    /// receiver's policy ([`Strictness`](super::Strictness)).
    pub fn is_bookkeeping(self) -> bool {
        use ErrorKind::*;
        matches!(
            self,
            MissingComponentSeparator
                | MissingIea
                | InterchangeControlMismatch
                | GroupCountMismatch
                | MissingGe
                | GroupControlMismatch
                | TransactionCountMismatch
                | MissingSe
                | TransactionControlMismatch
                | SegmentCountMismatch
        )
    }

    /// TA1 interchange note code (TA105).
    pub fn ta1_code(self) -> &'static str {
        use ErrorKind::*;
        match self {
            InterchangeControlMismatch => "001",
            GroupCountMismatch => "021",
            MissingIea => "023",
            MissingComponentSeparator => "027",
            _ => "024",
        }
    }

    /// AK9 functional group syntax error code (AK905).
    pub fn ak9_code(self) -> &'static str {
        match self {
            ErrorKind::MissingGe => "3",
            ErrorKind::GroupControlMismatch => "4",
            ErrorKind::TransactionCountMismatch => "5",
            _ => "1",
        }
    }

    /// AK5 transaction set syntax error code (AK502).
    pub fn ak5_code(self) -> &'static str {
        use ErrorKind::*;
        match self {
            UnsupportedTransactionSet | NodeRequired => "1",
            MissingSe => "2",
            TransactionControlMismatch => "3",
            SegmentCountMismatch => "4",
            InvalidTransactionSetId => "6",
            MissingTransactionControlNumber => "7",
            _ => "5",
        }
    }

    /// AK3 segment syntax error code (AK304).
    pub fn ak3_code(self) -> &'static str {
        match self {
            ErrorKind::UnrecognizedSegment => "1",
            ErrorKind::MandatorySegmentMissing => "3",
            _ => "8",
        }
    }
}

/// A problem in an X12 interchange, with its position and the X12 code that reports it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} ({position})")]
pub struct EdiError {
    pub kind: ErrorKind,
    pub position: Position,
    pub message: String,
    /// The model's own code when it refused a value (`invalid_sku`, …).
    pub model_code: Option<&'static str>,
}

impl EdiError {
    pub fn new(kind: ErrorKind, position: Position, message: impl Into<String>) -> Self {
        EdiError {
            kind,
            position,
            message: message.into(),
            model_code: None,
        }
    }

    /// Stable machine-readable code, e.g. `invalid_edi`, `edi_control_number_mismatch`, `invalid_sku`.
    pub fn code(&self) -> &'static str {
        self.model_code.unwrap_or(self.kind.code())
    }

    /// `segment 12 (PO1) element 2`.
    pub fn field(&self) -> String {
        self.position.field()
    }
}

/// Into the crate's error with the code and field kept: the server answers
/// `{"code": "invalid_edi", "field": "segment 12 (PO1) element 2", …}`.
/// It travels as a refused value because that variant carries its own code.
impl From<EdiError> for crate::Error {
    fn from(e: EdiError) -> Self {
        let message = match e.position.segment_index {
            Some(index) => format!("{} (segment {index} of the interchange, byte {}.)", e.message, e.position.offset),
            None => format!("{} (byte {}.)", e.message, e.position.offset),
        };
        crate::Error::InvalidValue(model::Error::new(e.code(), message).at(e.field()))
    }
}
