//! Heuristic address signals: PO boxes (and military mail, which reaches the
//! same post-office-only network) and freight forwarders. Each match carries
//! the confidence of its pattern, because these are guesses from text.

use model::order::Address;
use serde::{Deserialize, Serialize};

use super::text::{collapse_ws, fold, is_number, tokens};

/// A PO box (or a box-like, post-office-only address) found in an address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoBoxMatch {
    /// The address field it was found in: `line1`, `line2` or `city`.
    pub field: String,
    /// What matched, as the customer wrote it, e.g. `P.O. Box 1234`.
    pub text: String,
    /// The kind of box, in plain words with its article, e.g. "a PO box",
    /// "a Postfach" or "APO military mail".
    pub kind: String,
    /// US military mail (APO/FPO/DPO), found from the city.
    pub military: bool,
    /// How sure the pattern is, in (0, 1].
    pub confidence: f64,
    /// The other address line holds a street address a carrier could use.
    pub street_line_too: bool,
}

/// When a pattern needs a number after it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Number {
    /// Matches with a box number (confidence as given) or at the end of the
    /// line (a little less sure); never when another word follows, so
    /// `PO Box Lane` is a street.
    Optional,
    /// Matches only with a box number: `Pobox Street` and `Box Hill` are not
    /// boxes, `Box 123` is.
    Required,
}

struct Pattern {
    words: &'static [&'static str],
    kind: &'static str,
    number: Number,
    /// Only at the start of a comma-separated part of the line.
    at_start: bool,
    confidence: f64,
}

const fn pat(words: &'static [&'static str], kind: &'static str, number: Number, at_start: bool, confidence: f64) -> Pattern {
    Pattern {
        words,
        kind,
        number,
        at_start,
        confidence,
    }
}

use Number::{Optional, Required};

/// Spelled-out phrases are near-certain; bare abbreviations (`BP 12`,
/// `Box 12`, `PMB 7`) are guesses, hence their lower confidence.
const PATTERNS: &[Pattern] = &[
    pat(&["POST", "OFFICE", "BOX"], "a PO box", Optional, false, 0.95),
    pat(&["PO", "BOX"], "a PO box", Optional, false, 0.95),
    pat(&["P", "O", "BOX"], "a PO box", Optional, false, 0.95),
    pat(&["POBOX"], "a PO box", Required, false, 0.9),
    pat(&["POST", "BOX"], "a PO box", Required, false, 0.85),
    pat(&["POSTBOX"], "a PO box", Required, false, 0.85),
    pat(&["GPO", "BOX"], "a GPO box", Optional, false, 0.95),
    pat(&["PO", "DRAWER"], "a PO drawer", Optional, false, 0.95),
    pat(&["LOCKED", "BAG"], "a locked bag", Required, false, 0.95),
    pat(&["PRIVATE", "BAG"], "a private bag", Required, false, 0.95),
    pat(&["POB"], "a PO box", Required, false, 0.8),
    pat(&["P", "O", "B"], "a PO box", Required, false, 0.8),
    pat(&["POSTFACH"], "a Postfach", Optional, false, 0.95),
    pat(&["BOITE", "POSTALE"], "a boîte postale", Optional, false, 0.95),
    pat(&["BP"], "a boîte postale (BP)", Required, true, 0.75),
    pat(&["B", "P"], "a boîte postale (BP)", Required, true, 0.75),
    pat(&["APARTADO", "DE", "CORREOS"], "an apartado de correos", Optional, false, 0.95),
    pat(&["APARTADO", "POSTAL"], "an apartado postal", Optional, false, 0.95),
    pat(&["APARTADO", "AEREO"], "an apartado aéreo", Optional, false, 0.95),
    pat(&["APARTADO"], "an apartado (PO box)", Required, false, 0.8),
    pat(&["APDO"], "an apartado (PO box)", Required, false, 0.8),
    pat(&["CAIXA", "POSTAL"], "a caixa postal", Optional, false, 0.95),
    pat(&["CX", "POSTAL"], "a caixa postal", Optional, false, 0.9),
    pat(&["CASILLA", "DE", "CORREO"], "a casilla de correo", Optional, false, 0.95),
    pat(&["CASILLA", "POSTAL"], "a casilla postal", Optional, false, 0.95),
    pat(&["CASILLA"], "a casilla (PO box)", Required, true, 0.75),
    pat(&["CASELLA", "POSTALE"], "a casella postale", Optional, false, 0.95),
    pat(&["POSTBUS"], "a postbus (PO box)", Required, false, 0.9),
    pat(&["POSTBOKS"], "a postboks (PO box)", Required, false, 0.9),
    pat(&["SKRYTKA", "POCZTOWA"], "a skrytka pocztowa (PO box)", Optional, false, 0.95),
    pat(&["PMB"], "a private mailbox (PMB)", Required, false, 0.8),
    pat(&["BOX"], "a box number (PO box)", Required, true, 0.7),
];

/// Words that may sit between a box phrase and its number: `PO Box No. 5`.
const NUMBER_WORDS: &[&str] = &["NO", "NR", "NUMBER", "NUM", "N"];

/// The first PO box in the address lines, or military mail (APO/FPO/DPO),
/// which only the postal service delivers.
pub fn detect_po_box(address: &Address) -> Option<PoBoxMatch> {
    let lines = [("line1", address.line1.as_deref()), ("line2", address.line2.as_deref())];
    for (i, (field, line)) in lines.iter().enumerate() {
        let Some(line) = line else { continue };
        if let Some((text, kind, confidence)) = po_box_in_line(line) {
            let other = lines[1 - i].1;
            let street_line_too = other.is_some_and(|o| po_box_in_line(o).is_none() && o.chars().any(|c| c.is_ascii_digit()));
            return Some(PoBoxMatch {
                field: (*field).into(),
                text,
                kind: kind.into(),
                military: false,
                confidence,
                street_line_too,
            });
        }
    }
    let city = address.city.as_deref().map(fold).map(|c| collapse_ws(&c)).unwrap_or_default();
    if matches!(city.as_str(), "APO" | "FPO" | "DPO") {
        return Some(PoBoxMatch {
            field: "city".into(),
            text: city.clone(),
            kind: format!("{city} military mail"),
            military: true,
            confidence: 1.0,
            street_line_too: false,
        });
    }
    None
}

/// `(matched text, kind, confidence)` of the first box pattern in one line.
fn po_box_in_line(line: &str) -> Option<(String, &'static str, f64)> {
    // Japanese addresses have no spaces; look for the word itself.
    if line.contains("私書箱") {
        return Some((collapse_ws(line), "a 私書箱 (post office box)", 0.95));
    }
    for part in line.split([',', ';', '/', '|']) {
        let toks = tokens(part);
        for start in 0..toks.len() {
            for p in PATTERNS {
                if p.at_start && start != 0 {
                    continue;
                }
                let end = start + p.words.len();
                if end > toks.len() || toks[start..end].iter().zip(p.words).any(|(t, w)| t != w) {
                    continue;
                }
                let mut next = end;
                while toks.get(next).is_some_and(|t| NUMBER_WORDS.contains(&t.as_str())) {
                    next += 1;
                }
                let confidence = match (toks.get(next), p.number) {
                    (Some(t), _) if is_number(t) => p.confidence,
                    (None, Optional) if next == end => p.confidence - 0.1,
                    _ => continue,
                };
                return Some((collapse_ws(part), p.kind, confidence));
            }
        }
    }
    None
}

/// A freight forwarder (parcel-forwarding service) address a caller knows,
/// e.g. from chargebacks: the postal code, and optionally the street line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownForwarder {
    /// Who it is, for the message, e.g. `Delaware reshipper`.
    #[serde(default)]
    pub name: Option<String>,
    /// ISO 3166-1 alpha-2; any country when absent.
    #[serde(default)]
    pub country: Option<String>,
    pub postal_code: String,
    /// The street line; when absent the whole postal code is the signal.
    #[serde(default)]
    pub line1: Option<String>,
}

/// A freight-forwarder signal found in an address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForwarderMatch {
    /// What gave it away, in plain words, e.g. "`Shipito` in line 2".
    pub evidence: String,
    /// How sure, in (0, 1].
    pub confidence: f64,
}

/// Names of well-known parcel forwarders (as folded words), matched as
/// whole words so `Planet Fitness` or `Express Lane` do not count.
const FORWARDER_NAMES: &[&[&str]] = &[
    &["SHIPITO"],
    &["MYUS"],
    &["STACKRY"],
    &["PLANET", "EXPRESS"],
    &["PLANETEXPRESS"],
    &["BORDERLINX"],
    &["VIABOX"],
    &["USGOBUY"],
    &["FISHISFAST"],
    &["RESHIP"],
    &["SHOP", "AND", "SHIP"],
    &["SHOPANDSHIP"],
    &["GLOBAL", "SHOPAHOLICS"],
    &["COMGATEWAY"],
    &["FORWARDER"],
    &["FORWARDERS"],
    &["FORWARDING"],
];

/// Word prefixes that name forwarders (`Ship2Me`, `Ship2Anywhere`).
const FORWARDER_PREFIXES: &[&str] = &["SHIP2"];

/// Looks for forwarder names in the name, company and address lines, the
/// caller's list of known forwarder addresses, and the weak marker pair
/// "c/o" plus a suite-style customer id.
pub fn detect_forwarder(address: &Address, known: &[KnownForwarder]) -> Option<ForwarderMatch> {
    if let Some(m) = known_forwarder(address, known) {
        return Some(m);
    }
    let fields = [
        ("the name", address.name.as_deref()),
        ("the company", address.company.as_deref()),
        ("line 1", address.line1.as_deref()),
        ("line 2", address.line2.as_deref()),
    ];
    let marker = fields.iter().filter_map(|(_, v)| *v).any(|v| has_care_of(v) || has_customer_id(v));
    for (label, value) in fields {
        let Some(value) = value else { continue };
        // Split letters from digits only at word level: `Ship2Me` stays one
        // word for the prefix check, `MyUS.com` becomes MYUS + COM.
        let words: Vec<String> = fold(value)
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
        let by_name = FORWARDER_NAMES
            .iter()
            .find(|name| words.windows(name.len()).any(|w| w.iter().zip(name.iter()).all(|(a, b)| a == b)));
        let by_prefix = words.iter().find(|w| FORWARDER_PREFIXES.iter().any(|p| w.starts_with(p)));
        let found = by_name.map(|n| n.join(" ")).or_else(|| by_prefix.cloned());
        if let Some(found) = found {
            let shown = find_as_written(value, &found).unwrap_or(found);
            return Some(ForwarderMatch {
                evidence: format!("`{shown}` in {label}"),
                confidence: if marker { 0.95 } else { 0.9 },
            });
        }
    }
    let care_of = fields.iter().filter_map(|(_, v)| *v).any(has_care_of);
    let id = fields.iter().filter_map(|(_, v)| *v).any(has_customer_id);
    (care_of && id).then(|| ForwarderMatch {
        evidence: "\"c/o\" together with a suite-style customer id, the shape of a forwarder's receiving address".into(),
        confidence: 0.5,
    })
}

fn known_forwarder(address: &Address, known: &[KnownForwarder]) -> Option<ForwarderMatch> {
    let squash = |s: &str| -> String { fold(s).chars().filter(|c| c.is_alphanumeric()).collect() };
    let postal = squash(address.postal_code.as_deref()?);
    let country = address.country.as_deref().map(|c| fold(c.trim()));
    for k in known {
        if squash(&k.postal_code) != postal || postal.is_empty() {
            continue;
        }
        if let Some(kc) = &k.country
            && country.as_deref() != Some(fold(kc.trim()).as_str())
        {
            continue;
        }
        let who = k.name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
        match (&k.line1, address.line1.as_deref()) {
            (Some(kl), Some(l)) if !squash(kl).is_empty() && squash(l).starts_with(&squash(kl)) => {
                return Some(ForwarderMatch {
                    evidence: format!(
                        "the address `{}, {}` is on the list of known forwarders{who}",
                        collapse_ws(l),
                        k.postal_code
                    ),
                    confidence: 1.0,
                });
            }
            (Some(_), _) => continue,
            (None, _) => {
                return Some(ForwarderMatch {
                    evidence: format!("postal code `{}` is on the list of known forwarder locations{who}", k.postal_code),
                    confidence: 0.8,
                });
            }
        }
    }
    None
}

/// `c/o`, `c.o.`, `care of`.
fn has_care_of(s: &str) -> bool {
    let f = fold(s);
    let squashed: String = f.chars().filter(|c| !c.is_whitespace()).collect();
    squashed.contains("C/O") || squashed.contains("C.O.") || tokens(s).windows(2).any(|w| w[0] == "CARE" && w[1] == "OF")
}

/// A suite, unit or `#` followed by an id of at least 5 letters and digits
/// with a digit in it, and either a letter or 5+ digits (`Suite #US12345`,
/// `STE 4-ABC12`): what forwarders give each customer. Office suites
/// (`Suite 1200`) are shorter.
fn has_customer_id(s: &str) -> bool {
    let words: Vec<String> = fold(s)
        .split([' ', ',', ';'])
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    let is_id = |w: &str| {
        let w = w.trim_start_matches('#');
        let alnum: String = w.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        let digits = alnum.bytes().filter(u8::is_ascii_digit).count();
        let letters = alnum.len() - digits;
        w.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') && alnum.len() >= 5 && digits > 0 && (letters > 0 || digits >= 5)
    };
    words.iter().enumerate().any(|(i, w)| {
        let after_marker = i > 0 && matches!(words[i - 1].trim_end_matches('.'), "SUITE" | "STE" | "UNIT" | "#");
        (after_marker || w.starts_with('#')) && is_id(w)
    })
}

/// The words of `value` that spell `folded` (`MyUS` for `MYUS`).
fn find_as_written(value: &str, folded: &str) -> Option<String> {
    let n = folded.split(' ').count();
    let words: Vec<&str> = value.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let first = folded.split(' ').next()?;
    words
        .windows(n)
        .find(|w| fold(w[0]) == first || fold(w[0]).starts_with(first))
        .map(|w| w.join(" "))
}
