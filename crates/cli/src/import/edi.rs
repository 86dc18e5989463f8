//! `edi`: files go to `POST /edi/{connection}` as they are; the 997 (and
//! TA1) the server answers says which transaction sets it took.

use anyhow::{Context, anyhow};
use connectors::edi::ack::SegmentNote;
use connectors::edi::{self, Ack, AckStatus, Outcome};

use super::report::{Rejection, Tally};

/// Transaction sets in a file, as far as it can be read here; the server
/// has the last word, this is for progress and for counting what a TA1 rejects.
pub fn count_sets(bytes: &[u8]) -> Option<u64> {
    let interchanges = edi::read_interchanges(bytes).ok()?;
    Some(interchanges.iter().map(|i| i.transactions().count() as u64).sum())
}

/// What an acknowledgement says about a file of `sets` transaction sets
/// (`None` when the file could not be read here).
#[derive(Debug, Default, PartialEq)]
pub struct Verdict {
    pub tally: Tally,
    pub reasons: Vec<Rejection>,
}

/// Reads the acknowledgement interchange the server answered with.
pub fn read_ack(file: &str, sets: Option<u64>, answer: &str) -> anyhow::Result<Verdict> {
    let interchange = edi::parse_interchange(answer.as_bytes())
        .map_err(|e| anyhow!("{}", connectors::Error::from(e)))
        .context("the server's acknowledgement is not a readable X12 interchange")?;
    let mut verdict = Verdict::default();
    let reason = |at: String, code: &str, message: String, field: Option<String>| Rejection {
        file: file.to_owned(),
        at,
        code: code.to_owned(),
        message,
        field,
    };
    for ta1 in ta1s(answer, interchange.delimiters.segment, interchange.delimiters.element) {
        if !ta1.status.is_accepted() {
            verdict.reasons.push(reason(
                format!("interchange {}", ta1.control_number),
                "edi_interchange_rejected",
                format!(
                    "The interchange envelope was rejected (TA104 {}): {} (TA105 {}); none of its transaction sets were taken.",
                    ta1.status.code(),
                    ta1_note(&ta1.note),
                    ta1.note
                ),
                None,
            ));
        }
    }
    let ctx = edi::MapContext::new("import", jiff::Timestamp::now());
    let mut received = 0;
    for outcome in edi::to_events(&interchange, &ctx) {
        let ack = match outcome.outcome {
            Outcome::Acknowledgement(ack) => ack,
            Outcome::Rejected(e) => return Err(anyhow!("the server's 997 {} is not readable: {e}", outcome.control_number)),
            Outcome::Events(_) | Outcome::Unsupported => {
                return Err(anyhow!("the server answered with a {} where a 997 was expected", outcome.set_id));
            }
        };
        received += u64::from(ack.received);
        verdict.tally.accepted += u64::from(ack.accepted);
        group_reasons(&ack, &mut |at, message, field| {
            verdict.reasons.push(reason(at, "edi_transaction_set_rejected", message, field))
        });
    }
    // Sets of an interchange a TA1 rejected appear in no 997: the file's own count knows them.
    let total = sets.unwrap_or(received).max(received).max(1);
    verdict.tally.rejected = total - verdict.tally.accepted.min(total);
    Ok(verdict)
}

fn group_reasons(ack: &Ack, push: &mut impl FnMut(String, String, Option<String>)) {
    if !ack.status.is_accepted() && !ack.errors.is_empty() {
        let why: Vec<String> = ack.errors.iter().map(|c| format!("{} (AK905 {c})", ak9_note(c))).collect();
        push(
            format!("group {} {}", ack.functional_id, ack.group_control_number),
            format!(
                "The functional group was rejected (AK901 {}): {}; none of its transaction sets were taken.",
                ack.status.code(),
                why.join("; ")
            ),
            None,
        );
    }
    for tx in ack.transactions.iter().filter(|t| !t.status.is_accepted()) {
        let mut why: Vec<String> = tx.errors.iter().map(|c| format!("{} (AK502 {c})", ak5_note(c))).collect();
        why.extend(tx.segments.iter().map(segment_note));
        if why.is_empty() {
            why.push("no reason given".to_owned());
        }
        push(
            format!("transaction set {} {}", tx.set_id, tx.control_number),
            format!("Rejected (AK501 {}): {}.", tx.status.code(), why.join("; ")),
            tx.segments.first().map(field),
        );
    }
}

/// The place a 997 names, written as crossdock's own EDI errors write it:
/// `segment 11 (N1) element 2`.
fn field(s: &SegmentNote) -> String {
    let mut out = format!("segment {} ({})", s.position, s.segment_id);
    if let Some(e) = s.elements.first() {
        out.push_str(&format!(" element {}", e.position));
        if let Some(c) = e.component {
            out.push_str(&format!(" component {c}"));
        }
    }
    out
}

fn segment_note(s: &SegmentNote) -> String {
    let mut out = format!("segment {} ({})", s.position, s.segment_id);
    if let Some(code) = &s.error {
        out.push_str(&format!(": {} (AK304 {code})", ak3_note(code)));
    }
    for e in &s.elements {
        out.push_str(&format!(", element {}", e.position));
        if let Some(c) = e.component {
            out.push_str(&format!(" component {c}"));
        }
        if let Some(de) = e.data_element {
            out.push_str(&format!(" (data element {de})"));
        }
        out.push_str(&format!(": {} (AK403 {})", ak4_note(&e.error), e.error));
        if let Some(bad) = &e.bad_data {
            out.push_str(&format!(", found `{bad}`"));
        }
    }
    out
}

struct Ta1 {
    control_number: String,
    status: AckStatus,
    note: String,
}

/// TA1 segments sit between ISA and GS, where the envelope parser does not keep them.
fn ta1s(answer: &str, segment: u8, element: u8) -> Vec<Ta1> {
    answer
        .split(char::from(segment))
        .map(str::trim)
        .filter_map(|s| s.strip_prefix("TA1")?.strip_prefix(char::from(element)))
        .map(|rest| {
            let parts: Vec<&str> = rest.split(char::from(element)).collect();
            let at = |n: usize| parts.get(n).map_or("", |v| v.trim()).to_owned();
            Ta1 {
                control_number: at(0),
                status: AckStatus::parse(&at(3)).unwrap_or(AckStatus::Rejected),
                note: at(4),
            }
        })
        .collect()
}

/// TA105 (X12 element I18).
fn ta1_note(code: &str) -> &'static str {
    match code {
        "000" => "no error",
        "001" => "the interchange control numbers in ISA and IEA do not match",
        "021" => "the IEA's count of functional groups is wrong",
        "023" => "the interchange ends early (no IEA)",
        "024" => "invalid interchange content",
        "027" => "invalid component element separator",
        _ => "see the X12 TA105 code list",
    }
}

/// AK905 (X12 element 716).
fn ak9_note(code: &str) -> &'static str {
    match code {
        "1" => "functional group not supported",
        "2" => "functional group version not supported",
        "3" => "functional group trailer (GE) missing",
        "4" => "group control numbers in GS and GE do not match",
        "5" => "the GE's count of transaction sets is wrong",
        "6" => "group control number invalid",
        _ => "see the X12 AK905 code list",
    }
}

/// AK502 (X12 element 718).
fn ak5_note(code: &str) -> &'static str {
    match code {
        "1" => "transaction set not supported",
        "2" => "transaction set trailer (SE) missing",
        "3" => "control numbers in ST and SE do not match",
        "4" => "the SE's count of segments is wrong",
        "5" => "one or more segments in error",
        "6" => "missing or invalid transaction set identifier",
        "7" => "missing or invalid transaction set control number",
        "23" => "control number not unique within the functional group",
        _ => "see the X12 AK502 code list",
    }
}

/// AK304 (X12 element 720).
fn ak3_note(code: &str) -> &'static str {
    match code {
        "1" => "unrecognized segment id",
        "2" => "unexpected segment",
        "3" => "mandatory segment missing",
        "4" => "loop occurs over maximum times",
        "5" => "segment exceeds maximum use",
        "6" => "segment not in defined transaction set",
        "7" => "segment not in proper sequence",
        "8" => "segment has data element errors",
        _ => "see the X12 AK304 code list",
    }
}

/// AK403 (X12 element 723).
fn ak4_note(code: &str) -> &'static str {
    match code {
        "1" => "mandatory data element missing",
        "2" => "conditional required data element missing",
        "3" => "too many data elements",
        "4" => "data element too short",
        "5" => "data element too long",
        "6" => "invalid character in data element",
        "7" => "invalid code value",
        "8" => "invalid date",
        "9" => "invalid time",
        "10" => "exclusion condition violated",
        "12" => "too many repetitions",
        "13" => "too many components",
        _ => "see the X12 AK403 code list",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!("{}/../../../shared/fixtures/edi-x12/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    /// The acknowledgement the server would write for `input` (same code path as `POST /edi`).
    fn server_ack(input: &[u8], ack_requested_ta1: bool) -> String {
        let now = jiff::Timestamp::now();
        let ctx = edi::MapContext::new("partner", now).with_node(model::NodeId::parse("DC-EAST").unwrap());
        let settings = edi::AckSettings {
            interchange_control: 7,
            group_control: 7,
            at: now.to_zoned(jiff::tz::TimeZone::UTC).datetime(),
            strictness: edi::Strictness::Strict,
        };
        let ack = edi::receive(input, &ctx, &settings).unwrap().ack;
        assert_eq!(ack.contains("TA1"), ack_requested_ta1, "{ack}");
        ack
    }

    #[test]
    fn an_accepted_purchase_order_counts_as_accepted() {
        let input = fixture("850_stupidedi_PO850_pass1.edi");
        let sets = count_sets(&input);
        assert_eq!(sets, Some(1));
        let verdict = read_ack("po.edi", sets, &server_ack(&input, false)).unwrap();
        assert_eq!(
            verdict.tally,
            Tally {
                accepted: 1,
                duplicates: 0,
                rejected: 0
            }
        );
        assert!(verdict.reasons.is_empty());
    }

    #[test]
    fn a_rejected_set_names_the_segment_and_element_of_the_997() {
        let input = fixture("856_stupidedi_SH856_fail2_INVALID.edi");
        let verdict = read_ack("asn.edi", count_sets(&input), &server_ack(&input, false)).unwrap();
        assert_eq!((verdict.tally.accepted, verdict.tally.rejected), (0, 1));
        let r = &verdict.reasons[0];
        assert_eq!(r.code, "edi_transaction_set_rejected");
        assert!(r.at.starts_with("transaction set 856 "), "{}", r.at);
        assert!(
            r.field.as_deref().is_some_and(|f| f.starts_with("segment 11 (N1) element")),
            "{r:?}"
        );
        assert!(r.message.contains("segment 11 (N1)"), "{}", r.message);
    }

    #[test]
    fn a_rejected_interchange_rejects_every_set_of_it() {
        // IEA names another control number than the ISA: the TA1 rejects it all.
        let text = String::from_utf8(fixture("850_stupidedi_PO850_pass1.edi")).unwrap();
        let iea = text.rfind("IEA").unwrap();
        let broken = format!("{}IEA*1*999999999~\n", &text[..iea]);
        let verdict = read_ack("po.edi", count_sets(broken.as_bytes()), &server_ack(broken.as_bytes(), true)).unwrap();
        assert_eq!((verdict.tally.accepted, verdict.tally.rejected), (0, 1));
        assert_eq!(verdict.reasons[0].code, "edi_interchange_rejected");
        assert!(verdict.reasons[0].message.contains("(TA105 001)"), "{}", verdict.reasons[0].message);
    }

    #[test]
    fn an_answer_that_is_not_x12_is_an_error() {
        assert!(read_ack("x.edi", Some(1), "{\"accepted\": 1}").is_err());
    }
}
