//! Segments and delimiters: the ISA says which bytes separate elements,
//! components, repetitions and segments, and everything after it is split
//! with them. Segments are `&str` slices of the input; nothing is copied.

use super::error::{EdiError, ErrorKind, Position};

/// The four delimiters of an interchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Delimiters {
    pub element: u8,
    /// ISA11 from version 00402 on; before that ISA11 is the standards id `U`.
    pub repetition: Option<u8>,
    pub component: u8,
    pub segment: u8,
}

impl Delimiters {
    /// `*`, `^`, `>`, `~`: the usual choice for 00501.
    pub const X12_5010: Delimiters = Delimiters {
        element: b'*',
        repetition: Some(b'^'),
        component: b'>',
        segment: b'~',
    };
    /// `*`, `>`, `~` and no repetition separator (ISA11 is `U`).
    pub const X12_4010: Delimiters = Delimiters {
        element: b'*',
        repetition: None,
        component: b'>',
        segment: b'~',
    };

    /// Delimiters must be distinct ASCII characters other than letters,
    /// digits and space, or data could not be told from structure.
    pub fn check(&self) -> Result<(), String> {
        let all = [Some(self.element), self.repetition, Some(self.component), Some(self.segment)];
        for (i, d) in all.iter().enumerate() {
            let Some(d) = *d else { continue };
            if !d.is_ascii() {
                return Err(format!("Delimiter byte {d:#04x} is not ASCII."));
            }
            if d.is_ascii_alphanumeric() || d == b' ' {
                return Err(format!("Delimiter {:?} is a letter, a digit or a space.", d as char));
            }
            if all[i + 1..].contains(&Some(d)) {
                return Err(format!("Delimiter {:?} is used twice.", d as char));
            }
        }
        Ok(())
    }
}

/// One segment: its id and its elements, as slices of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment<'a> {
    pub id: &'a str,
    /// The whole segment without its terminator, id included.
    raw: &'a str,
    /// Byte offset of the segment in the input.
    pub offset: usize,
    /// Index in the interchange (ISA = 1).
    pub index: u32,
    /// Position in its transaction set (ST = 1); 0 outside one.
    pub position: u32,
    pub delimiters: Delimiters,
}

impl<'a> Segment<'a> {
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// The elements after the id, in order (element 1 first).
    pub fn elements(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        let rest = &self.raw[self.id.len()..];
        let sep = self.delimiters.element as char;
        rest.split(sep).skip(1)
    }

    /// Element `n` (1-based); absent and empty read the same, as in X12.
    pub fn element(&self, n: usize) -> &'a str {
        if n == 0 {
            return "";
        }
        self.elements().nth(n - 1).unwrap_or("")
    }

    pub fn element_count(&self) -> usize {
        self.elements().count()
    }

    /// Component `c` (1-based) of element `n`.
    pub fn component(&self, n: usize, c: usize) -> &'a str {
        if c == 0 {
            return "";
        }
        let sep = self.delimiters.component as char;
        self.element(n).split(sep).nth(c - 1).unwrap_or("")
    }

    /// The repetitions of element `n`; one when the interchange has no repetition separator.
    pub fn repetitions(&self, n: usize) -> impl Iterator<Item = &'a str> + use<'a> {
        let element = self.element(n);
        let sep = self.delimiters.repetition.map(char::from);
        element.split(move |c| Some(c) == sep)
    }

    /// Byte offset in the input where element `n` starts (the segment's own
    /// offset for element 0, the end of the segment for an absent element).
    pub fn element_offset(&self, n: usize) -> usize {
        if n == 0 {
            return self.offset;
        }
        let mut at = self.id.len();
        for (i, element) in self.elements().enumerate() {
            at += 1;
            if i + 1 == n {
                return self.offset + at;
            }
            at += element.len();
        }
        self.offset + self.raw.len()
    }

    /// A position pointing at this segment, or at element `n` of it when `n > 0`.
    pub fn position_of(&self, element: usize) -> Position {
        Position {
            offset: self.element_offset(element),
            segment_index: Some(self.index),
            segment_position: (self.position > 0).then_some(self.position),
            segment_id: Some(self.id.to_owned()),
            element: (element > 0).then_some(element as u32),
            component: None,
            data_element: None,
        }
    }

    /// The first byte that no X12 character set allows: a control character
    /// other than the delimiters, which never occur inside a segment. Returns
    /// the element it is in and its offset.
    pub(crate) fn find_control_character(&self) -> Option<(usize, usize)> {
        let d = self.delimiters;
        let allowed = |b: u8| b == d.element || b == d.component || Some(b) == d.repetition;
        let bytes = self.raw.as_bytes();
        let at = bytes.iter().position(|&b| (b < 0x20 || b == 0x7f) && !allowed(b))?;
        let element = bytes[..at].iter().filter(|&&b| b == self.delimiters.element).count();
        Some((element, self.offset + at))
    }

    /// Segment ids are two or three upper-case letters or digits, starting with a letter.
    pub(crate) fn has_valid_id(&self) -> bool {
        let id = self.id.as_bytes();
        (2..=3).contains(&id.len()) && id[0].is_ascii_uppercase() && id.iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    }
}

/// What the ISA says about delimiters, and any repair its defects needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sniffed {
    pub delimiters: Delimiters,
    pub repair: Option<Repair>,
}

/// Defects of real-world ISAs that can still be read unambiguously.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Repair {
    /// ISA16 absent: the byte after the 16th separator is the segment terminator.
    MissingComponentSeparator,
    /// The ISA ends at a line break before its 16th element.
    TruncatedIsa,
}

/// The ISA has 16 elements; its fixed widths are widely ignored, so the
/// separators are counted rather than byte 103/104/105 being trusted.
const ISA_ELEMENTS: usize = 16;
/// Far beyond the 106 bytes of a well-formed ISA, short enough to fail fast on junk.
const ISA_MAX_LEN: usize = 400;

/// Reads the delimiters from the ISA that starts at `start`.
pub(crate) fn sniff(text: &str, start: usize) -> Result<Sniffed, EdiError> {
    let bytes = text.as_bytes();
    let isa = &bytes[start..];
    if !isa.starts_with(b"ISA") {
        let found: String = text[start..].chars().take(12).collect();
        return Err(EdiError::new(
            ErrorKind::NotX12,
            Position::at_offset(start),
            format!("An X12 interchange starts with `ISA`; found `{}`.", found.escape_debug()),
        ));
    }
    let invalid = |at: usize, message: String| EdiError::new(ErrorKind::InvalidIsa, isa_position(start + at), message);
    let element = *isa
        .get(3)
        .ok_or_else(|| invalid(3, "The input ends inside the ISA segment.".into()))?;
    if element.is_ascii_alphanumeric() || matches!(element, b' ' | b'\r' | b'\n') {
        return Err(invalid(
            3,
            format!("The byte after `ISA` must be the element separator; found {:?}.", element as char),
        ));
    }
    let mut separators = Vec::with_capacity(ISA_ELEMENTS);
    for (at, &b) in isa.iter().enumerate().take(ISA_MAX_LEN).skip(3) {
        if b == element {
            separators.push(at);
            if separators.len() == ISA_ELEMENTS {
                break;
            }
        } else if matches!(b, b'\r' | b'\n') {
            // A line break before the 16th element: the ISA was cut short.
            let delimiters = Delimiters {
                element,
                repetition: None,
                component: fallback_component(element, b),
                segment: b,
            };
            delimiters
                .check()
                .map_err(|m| invalid(at, format!("The ISA declares unusable delimiters: {m}")))?;
            return Ok(Sniffed {
                delimiters,
                repair: Some(Repair::TruncatedIsa),
            });
        }
    }
    let Some(&last) = separators.get(ISA_ELEMENTS - 1) else {
        return Err(invalid(
            isa.len().min(ISA_MAX_LEN),
            format!("The ISA segment needs 16 elements separated by {:?}.", element as char),
        ));
    };
    let component = *isa
        .get(last + 1)
        .ok_or_else(|| invalid(last + 1, "The input ends inside the ISA segment.".into()))?;
    // ISA11 lies between the 11th and 12th separators.
    let repetition = repetition_separator(&isa[separators[10] + 1..separators[11]]);
    let (delimiters, repair) = match isa.get(last + 2).copied() {
        _ if matches!(component, b'\r' | b'\n') => (
            Delimiters {
                element,
                repetition,
                component: fallback_component(element, component),
                segment: component,
            },
            Some(Repair::MissingComponentSeparator),
        ),
        Some(b'\r' | b'\n') if next_line_ends_with(&isa[last + 2..], component) => (
            Delimiters {
                element,
                repetition,
                component: fallback_component(element, component),
                segment: component,
            },
            Some(Repair::MissingComponentSeparator),
        ),
        Some(segment) => (
            Delimiters {
                element,
                repetition,
                component,
                segment,
            },
            None,
        ),
        None => return Err(invalid(last + 2, "The input ends before the ISA's segment terminator.".into())),
    };
    let repetition_clash = delimiters
        .repetition
        .filter(|r| [delimiters.element, delimiters.component, delimiters.segment].contains(r));
    let delimiters = Delimiters {
        repetition: delimiters.repetition.filter(|_| repetition_clash.is_none()),
        ..delimiters
    };
    delimiters
        .check()
        .map_err(|m| invalid(last + 1, format!("The ISA declares unusable delimiters: {m}")))?;
    Ok(Sniffed { delimiters, repair })
}

fn isa_position(offset: usize) -> Position {
    Position {
        offset,
        segment_index: Some(1),
        segment_id: Some("ISA".into()),
        ..Position::default()
    }
}

/// ISA11 is a repetition separator when it is a single punctuation byte;
/// before 00402 it is the standards identifier `U`.
fn repetition_separator(isa11: &[u8]) -> Option<u8> {
    match isa11 {
        [b] if !b.is_ascii_alphanumeric() && *b != b' ' => Some(*b),
        _ => None,
    }
}

/// A component separator for an ISA that lost its own; composites are read
/// only where a segment defines one, so the choice rarely matters.
fn fallback_component(element: u8, segment: u8) -> u8 {
    [b'>', b':', b'\\']
        .into_iter()
        .find(|c| *c != element && *c != segment)
        .unwrap_or(b'>')
}

/// Whether the line after the ISA (the GS) ends with `byte` right before its
/// line break: then `byte` terminates segments and ISA16 is missing.
fn next_line_ends_with(rest: &[u8], byte: u8) -> bool {
    let start = rest.iter().position(|b| !matches!(b, b'\r' | b'\n')).unwrap_or(rest.len());
    let line = &rest[start..];
    let end = line.iter().position(|b| matches!(b, b'\r' | b'\n')).unwrap_or(line.len());
    end > 0 && line[end - 1] == byte
}

/// Splits the input into segments with one interchange's delimiters,
/// skipping the line breaks many senders put after each terminator.
#[derive(Debug, Clone)]
pub(crate) struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    delimiters: Delimiters,
    index: u32,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(text: &'a str, start: usize, delimiters: Delimiters) -> Self {
        Lexer {
            text,
            pos: start,
            delimiters,
            index: 0,
        }
    }
}

impl<'a> Iterator for Lexer<'a> {
    type Item = Segment<'a>;

    fn next(&mut self) -> Option<Segment<'a>> {
        let bytes = self.text.as_bytes();
        // Segment ids never start with blank space, so what precedes one is
        // formatting: CR LF after terminators, or "~ " as some senders write.
        while self.pos < bytes.len() && matches!(bytes[self.pos], b'\r' | b'\n' | b' ' | b'\t') {
            self.pos += 1;
        }
        if self.pos >= bytes.len() {
            return None;
        }
        let start = self.pos;
        let terminator = self.delimiters.segment;
        let end = bytes[start..]
            .iter()
            .position(|&b| b == terminator)
            .map_or(bytes.len(), |n| start + n);
        self.pos = (end + 1).min(bytes.len());
        // A terminator followed by CR LF, or CR LF used as the terminator, leaves a CR behind.
        let raw = self.text[start..end].trim_end_matches(['\r', '\n']);
        let element = self.delimiters.element;
        let id_len = raw.as_bytes().iter().position(|&b| b == element).unwrap_or(raw.len());
        self.index += 1;
        Some(Segment {
            id: &raw[..id_len],
            raw,
            offset: start,
            index: self.index,
            position: 0,
            delimiters: self.delimiters,
        })
    }
}

/// Where the next interchange starts, skipping a UTF-8 byte order mark,
/// blank space and the Ctrl-Z that DOS-era tools append as end of file.
pub(crate) fn skip_filler(text: &str, mut pos: usize) -> usize {
    if pos == 0 && text.starts_with('\u{feff}') {
        pos = 3;
    }
    let bytes = text.as_bytes();
    while pos < bytes.len() && (bytes[pos].is_ascii_whitespace() || bytes[pos] == 0x1a) {
        pos += 1;
    }
    pos
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segments(text: &str) -> Vec<(String, usize)> {
        let sniffed = sniff(text, 0).unwrap();
        Lexer::new(text, 0, sniffed.delimiters)
            .map(|s| (s.raw().to_owned(), s.offset))
            .collect()
    }

    const ISA: &str = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260714*1200*^*00501*000000001*0*T*>~";

    #[test]
    fn delimiters_come_from_the_isa() {
        let sniffed = sniff(ISA, 0).unwrap();
        assert_eq!(sniffed.delimiters, Delimiters::X12_5010);
        assert_eq!(sniffed.repair, None);
        let old = ISA.replace("*^*00501", "*U*00401");
        assert_eq!(sniff(&old, 0).unwrap().delimiters, Delimiters::X12_4010);
    }

    #[test]
    fn line_breaks_after_terminators_are_skipped() {
        let text = format!("{ISA}\r\nGS*PO*A*B~\r\nST*850*1~");
        let segs = segments(&text);
        assert_eq!(
            segs.iter().map(|s| s.0.as_str()).collect::<Vec<_>>()[1..],
            ["GS*PO*A*B", "ST*850*1"]
        );
        assert_eq!(segs[1].1, ISA.len() + 2);
    }

    #[test]
    fn newline_terminated_and_missing_isa16_are_told_apart() {
        let newline = ISA.replace(">~", ">\n") + "GS*PO*A*B\nST*850*1\n";
        let sniffed = sniff(&newline, 0).unwrap();
        assert_eq!((sniffed.delimiters.segment, sniffed.delimiters.component), (b'\n', b'>'));
        let missing = ISA.replace(">~", "~\n") + "GS*PO*A*B~\nST*850*1~\n";
        let sniffed = sniff(&missing, 0).unwrap();
        assert_eq!(sniffed.delimiters.segment, b'~');
        assert_eq!(sniffed.repair, Some(Repair::MissingComponentSeparator));
    }

    #[test]
    fn elements_components_and_offsets() {
        let text = format!("{ISA}AK4*1>2*66*7*BAD~");
        let seg = Lexer::new(&text, 0, Delimiters::X12_5010).nth(1).unwrap();
        assert_eq!(seg.id, "AK4");
        assert_eq!(
            (seg.element(1), seg.component(1, 2), seg.element(4), seg.element(9)),
            ("1>2", "2", "BAD", "")
        );
        assert_eq!(seg.element_count(), 4);
        assert_eq!(&text[seg.element_offset(3)..seg.element_offset(3) + 1], "7");
        assert_eq!(seg.element_offset(9), seg.offset + seg.raw().len());
    }

    #[test]
    fn junk_is_not_an_isa() {
        assert_eq!(sniff("hello", 0).unwrap_err().kind, ErrorKind::NotX12);
        assert_eq!(sniff("ISA1", 0).unwrap_err().kind, ErrorKind::InvalidIsa);
        assert_eq!(sniff("ISA*00*", 0).unwrap_err().kind, ErrorKind::InvalidIsa);
        let clash = ISA.replace(">~", "**");
        assert!(sniff(&clash, 0).is_err());
        // A separator that is not ASCII would cut characters in half.
        let wide = ISA.replace('*', "é");
        assert_eq!(sniff(&wide, 0).unwrap_err().kind, ErrorKind::InvalidIsa);
        let wide_terminator = ISA.replace(">~", ">é");
        assert_eq!(sniff(&wide_terminator, 0).unwrap_err().kind, ErrorKind::InvalidIsa);
    }
}
