//! Address checks, pure: required fields by country, postal code formats,
//! region codes, the normalised spelling of an address, PO boxes against the
//! chosen carrier, and freight-forwarder signals.
//!
//! [`check`] answers an [`AddressReport`] whose reasons use the same codes as
//! [`triage`](super::triage); [`normalise`] and [`validate_postal_code`] are
//! usable on their own (e.g. to suggest a correction in a form).

use model::order::Address;
use serde::{Deserialize, Serialize};

use super::postal;
use super::regions::{
    country_code, has_region_list, is_country, region_code, region_name, regions_for_postal, uses_city, uses_postal_code, uses_region,
};
use super::signals::{ForwarderMatch, KnownForwarder, PoBoxMatch, detect_forwarder, detect_po_box};
use super::text::{clean_opt, collapse_ws, fold, quote};
use super::{CarrierCapabilities, Reason, ReasonCode, Severity};

/// How sure a postal-code-to-region mismatch is: the tables are exact for
/// most codes, but some towns straddle a border.
const REGION_MISMATCH_CONFIDENCE: f64 = 0.8;

/// What [`check`] found about one address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddressReport {
    /// The address as it should read: whitespace collapsed, country and
    /// region as codes, the postal code in its canonical spelling.
    pub normalised: Address,
    /// Fields whose normalised value differs from what was sent.
    pub changes: Vec<Change>,
    /// What is wrong or notable, worst first; fields are paths such as
    /// `ship_to.postal_code`.
    pub reasons: Vec<Reason>,
    pub po_box: Option<PoBoxMatch>,
    pub forwarder: Option<ForwarderMatch>,
}

impl AddressReport {
    /// Whether nothing makes the address undeliverable.
    pub fn deliverable(&self) -> bool {
        !self.reasons.iter().any(|r| r.severity == Severity::Exception)
    }
}

/// One field normalisation changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub field: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// The normalised form of an address: text fields trimmed with whitespace
/// collapsed (empty ones dropped), the country as an ISO alpha-2 code when
/// we recognise it (`usa` → `US`), the region as its code where we hold the
/// country's list (`California` → `CA`), and the postal code in the
/// country's canonical spelling when it is valid (`k1a0b1` → `K1A 0B1`),
/// else upper-cased. Idempotent.
pub fn normalise(address: &Address) -> Address {
    let country = clean_opt(address.country.as_deref()).map(|c| country_code(&c).map(str::to_string).unwrap_or(c));
    let code = country.as_deref().filter(|c| is_country(c)).unwrap_or_default();
    let postal_code = clean_opt(address.postal_code.as_deref())
        .map(|p| postal::normalise(code, &p))
        .filter(|p| !p.is_empty());
    let region = clean_opt(address.region.as_deref()).map(|r| region_code(code, &r).map(str::to_string).unwrap_or(r));
    Address {
        name: clean_opt(address.name.as_deref()),
        company: clean_opt(address.company.as_deref()),
        line1: clean_opt(address.line1.as_deref()),
        line2: clean_opt(address.line2.as_deref()),
        city: clean_opt(address.city.as_deref()),
        region,
        postal_code,
        country,
        phone: clean_opt(address.phone.as_deref()),
        lat: address.lat,
        lon: address.lon,
    }
}

/// Checks a postal code against `country`'s format (`country` an ISO
/// alpha-2 code) and returns its canonical spelling, or why it is not valid
/// in plain words: "Postal code `1234` is not a valid US ZIP code (expected
/// 12345 or 12345-6789)."
pub fn validate_postal_code(country: &str, postal_code: &str) -> Result<String, String> {
    let country = country_code(country).unwrap_or(country);
    postal::validate(country, postal_code).map_err(|e| format!("Postal code `{}` {}.", quote(postal_code.trim()), e.problem))
}

/// Checks one address. `at` names it in field paths (`ship_to`); `carrier`
/// is the chosen carrier when known (for its PO box rule); `forwarders` the
/// caller's known forwarder addresses.
pub fn check(address: &Address, at: &str, carrier: Option<&CarrierCapabilities>, forwarders: &[KnownForwarder]) -> AddressReport {
    let n = normalise(address);
    let field = |f: &str| Some(format!("{at}.{f}"));
    let mut reasons = Vec::new();
    let mut reason = |code, message: String, field: Option<String>, severity, confidence| {
        reasons.push(Reason {
            code,
            message,
            field,
            severity,
            confidence,
        });
    };
    let exception = Severity::Exception;

    let country = match n.country.as_deref() {
        None => {
            reason(
                ReasonCode::AddressMissingField,
                "The address has no country.".into(),
                field("country"),
                exception,
                1.0,
            );
            None
        }
        Some(c) if !is_country(c) => {
            reason(
                ReasonCode::CountryInvalid,
                format!(
                    "Country `{}` is not an ISO 3166-1 alpha-2 code (expected e.g. US, GB or DE).",
                    quote(c)
                ),
                field("country"),
                exception,
                1.0,
            );
            None
        }
        Some(c) => Some(c),
    };
    let in_country = country.map(|c| format!(" {c} addresses need one.")).unwrap_or_default();

    if n.line1.is_none() {
        let msg = if n.line2.is_some() {
            "The address has no first street line (only a second line)."
        } else {
            "The address has no street line."
        };
        reason(ReasonCode::AddressMissingField, msg.into(), field("line1"), exception, 1.0);
    }
    if n.city.is_none() && country.is_none_or(uses_city) {
        reason(
            ReasonCode::AddressMissingField,
            "The address has no city.".into(),
            field("city"),
            exception,
            1.0,
        );
    }

    // The postal code, checked against the country's format.
    let mut postal_ok: Option<String> = None;
    match (&n.postal_code, country) {
        (None, c) if c.is_none_or(uses_postal_code) => reason(
            ReasonCode::AddressMissingField,
            format!("The address has no postal code.{in_country}"),
            field("postal_code"),
            exception,
            1.0,
        ),
        (Some(p), Some(c)) => match postal::validate(c, p) {
            Ok(canonical) => postal_ok = Some(canonical),
            Err(e) => {
                let typed = address.postal_code.as_deref().map(str::trim).unwrap_or(p);
                reason(
                    ReasonCode::PostalCodeInvalid,
                    format!("Postal code `{}` {}.", quote(typed), e.problem),
                    field("postal_code"),
                    exception,
                    1.0,
                )
            }
        },
        _ => {}
    }

    // The region: required where the country uses one, checked where we
    // hold the list, and compared with the postal code where we know which
    // region a code belongs to.
    let mut region_ok: Option<&'static str> = None;
    if let Some(c) = country {
        match &n.region {
            None if uses_region(c) => reason(
                ReasonCode::AddressMissingField,
                format!("The address has no {}.{in_country}", region_word(c)),
                field("region"),
                exception,
                1.0,
            ),
            Some(r) if has_region_list(c) => match region_code(c, r) {
                Some(code) => region_ok = Some(code),
                None => reason(
                    ReasonCode::RegionInvalid,
                    format!(
                        "Region `{}` is not a {c} {} (expected a code such as {}).",
                        quote(r),
                        region_word(c),
                        region_example(c)
                    ),
                    field("region"),
                    exception,
                    1.0,
                ),
            },
            _ => {}
        }
    }
    if let (Some(c), Some(p)) = (country, &postal_ok) {
        if let Some(region) = region_ok
            && let Some(expected) = regions_for_postal(c, p)
            && !expected.contains(&region)
        {
            let names: Vec<String> = expected.iter().map(|e| named_region(c, e)).collect();
            reason(
                ReasonCode::PostalCodeRegionMismatch,
                format!(
                    "Postal code `{p}` belongs to {}, not {}.",
                    names.join(" or "),
                    named_region(c, region)
                ),
                field("region"),
                Severity::Flag,
                REGION_MISMATCH_CONFIDENCE,
            );
        }
        if c == "FR"
            && let Some(r) = n.region.as_deref()
            && let Some(given) = corsican_region(r)
            && let Some(actual) = postal::corsican_department(p)
            && given != actual
        {
            reason(
                ReasonCode::PostalCodeRegionMismatch,
                format!("Postal code `{p}` is in Corsican department {actual}, not {given}."),
                field("region"),
                Severity::Flag,
                REGION_MISMATCH_CONFIDENCE,
            );
        }
    }

    let po_box = detect_po_box(&n);
    if let Some(m) = &po_box {
        let what = format!("{} `{}` is {}", field_label(&m.field), quote(&m.text), m.kind);
        let boxes = if m.military { "military mail" } else { "PO boxes" };
        let (code, severity, message) = match carrier {
            Some(cr) if !cr.po_boxes && !m.street_line_too => (
                ReasonCode::PoBoxUndeliverable,
                exception,
                format!("{what}, and {} does not deliver to {boxes}.", cr.name),
            ),
            Some(cr) if !cr.po_boxes => (
                ReasonCode::PoBoxAddress,
                Severity::Flag,
                format!(
                    "{what}, and {} does not deliver to {boxes}; the other line has a street address, so check which one the label uses.",
                    cr.name
                ),
            ),
            Some(cr) => (
                ReasonCode::PoBoxAddress,
                Severity::Info,
                format!("{what}; {} delivers to {boxes}.", cr.name),
            ),
            None => (
                ReasonCode::PoBoxAddress,
                Severity::Flag,
                format!("{what}; no carrier is chosen yet, so choose one that delivers to {boxes}."),
            ),
        };
        reason(code, message, field(&m.field), severity, m.confidence);
    }

    let forwarder = detect_forwarder(&n, forwarders);
    if let Some(f) = &forwarder {
        reason(
            ReasonCode::FreightForwarder,
            format!(
                "The address looks like a freight forwarder: {}. Forwarded parcels leave our tracking at the forwarder's door.",
                f.evidence
            ),
            None,
            Severity::Flag,
            f.confidence,
        );
    }

    let changes = changes(address, &n);
    let shown: Vec<String> = changes
        .iter()
        .filter(|c| matches!(c.field.as_str(), "country" | "region" | "postal_code"))
        .map(|c| {
            format!(
                "{} `{}` → `{}`",
                c.field.replace('_', " "),
                quote(c.from.as_deref().unwrap_or_default().trim()),
                c.to.as_deref().unwrap_or_default()
            )
        })
        .collect();
    if !shown.is_empty() {
        reason(
            ReasonCode::AddressNormalised,
            format!("The address reads better normalised: {}.", shown.join("; ")),
            None,
            Severity::Info,
            1.0,
        );
    }

    reasons.sort_by_key(|r| std::cmp::Reverse(r.severity));
    AddressReport {
        normalised: n,
        changes,
        reasons,
        po_box,
        forwarder,
    }
}

fn changes(before: &Address, after: &Address) -> Vec<Change> {
    let pairs = [
        ("name", &before.name, &after.name),
        ("company", &before.company, &after.company),
        ("line1", &before.line1, &after.line1),
        ("line2", &before.line2, &after.line2),
        ("city", &before.city, &after.city),
        ("region", &before.region, &after.region),
        ("postal_code", &before.postal_code, &after.postal_code),
        ("country", &before.country, &after.country),
        ("phone", &before.phone, &after.phone),
    ];
    pairs
        .into_iter()
        .filter(|(_, b, a)| b != a)
        .map(|(field, b, a)| Change {
            field: field.into(),
            from: b.clone(),
            to: a.clone(),
        })
        .collect()
}

fn field_label(field: &str) -> &'static str {
    match field {
        "line1" => "Line 1",
        "line2" => "Line 2",
        "city" => "City",
        _ => "The address",
    }
}

/// What a country calls its regions.
fn region_word(country: &str) -> &'static str {
    match country {
        "CA" => "province or territory",
        "AU" => "state or territory",
        "JP" => "prefecture",
        "CN" => "province",
        "BR" => "state (UF)",
        "US" => "state or territory",
        _ => "state",
    }
}

fn region_example(country: &str) -> &'static str {
    match country {
        "US" => "CA or California",
        "CA" => "ON or Ontario",
        "AU" => "VIC or Victoria",
        "BR" => "SP or São Paulo",
        _ => "its official code",
    }
}

/// `California (CA)`.
fn named_region(country: &str, code: &str) -> String {
    match region_name(country, code) {
        Some(name) => format!("{name} ({code})"),
        None => code.to_string(),
    }
}

/// `2A` / `Corse-du-Sud` → `2A`; `2B` / `Haute-Corse` → `2B`.
fn corsican_region(raw: &str) -> Option<&'static str> {
    let key: String = fold(&collapse_ws(raw)).chars().filter(|c| c.is_alphanumeric()).collect();
    match key.as_str() {
        "2A" | "FR2A" | "CORSEDUSUD" => Some("2A"),
        "2B" | "FR2B" | "HAUTECORSE" => Some("2B"),
        _ => None,
    }
}
