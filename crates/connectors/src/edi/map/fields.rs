//! Reading typed values out of elements, each failure naming its element.
//!
//! The rule for strictness: what crossdock stores or keys on (ids,
//! quantities, SKUs, dates that land in the model) must be readable, or the
//! transaction set is rejected with the X12 code for that element. What it
//! only uses as a hint (the date that places an event in time) falls back
//! quietly, so a template-quality date does not bounce a real shipment.

use std::str::FromStr;

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use model::item::UnitOfMeasure;
use model::order::Address;
use model::{OrderId, Quantity, Sku, Timestamp};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::super::error::{EdiError, ElementFault, ErrorKind};
use super::super::lexer::Segment;
use super::super::parse::with_data_element;
use super::{MapContext, ProductId};

/// Element `n`, trimmed; empty reads as absent.
pub(super) fn text<'a>(seg: &Segment<'a>, n: usize) -> Option<&'a str> {
    Some(seg.element(n).trim()).filter(|s| !s.is_empty())
}

pub(super) fn owned(seg: &Segment<'_>, n: usize) -> Option<String> {
    text(seg, n).map(str::to_owned)
}

/// An error at element `n` with its X12 fault and, when known, its data element number.
pub(super) fn fault(seg: &Segment<'_>, n: usize, de: Option<u16>, fault: ElementFault, message: impl Into<String>) -> EdiError {
    let position = seg.position_of(n);
    let position = match de {
        Some(de) => with_data_element(position, de),
        None => position,
    };
    EdiError::new(ErrorKind::Element(fault), position, message)
}

/// `PO102`, the name partners' guides use for an element.
pub(super) fn name(seg: &Segment<'_>, n: usize) -> String {
    format!("{}{n:02}", seg.id)
}

pub(super) fn required<'a>(seg: &Segment<'a>, n: usize, de: Option<u16>, what: &str) -> Result<&'a str, EdiError> {
    text(seg, n).ok_or_else(|| {
        fault(
            seg,
            n,
            de,
            ElementFault::MandatoryMissing,
            format!("{} ({what}) is required.", name(seg, n)),
        )
    })
}

/// A whole number of units from an X12 decimal (`24`, `1.0000`). A fraction
/// is refused: the model counts units, and rounding would invent stock.
pub(super) fn quantity(seg: &Segment<'_>, n: usize, de: Option<u16>) -> Result<Option<Quantity>, EdiError> {
    let Some(raw) = text(seg, n) else { return Ok(None) };
    let refuse = |fault_kind, message: String| {
        let mut e = fault(seg, n, de, fault_kind, message);
        e.model_code = Some("invalid_quantity");
        e
    };
    let value =
        Decimal::from_str(raw).map_err(|_| refuse(ElementFault::InvalidCharacter, format!("{} `{raw}` is not a number.", name(seg, n))))?;
    if !value.fract().is_zero() {
        return Err(refuse(
            ElementFault::InvalidCharacter,
            format!("{} `{raw}` is not a whole number of units.", name(seg, n)),
        ));
    }
    let units = value.to_i64().filter(|u| u.unsigned_abs() <= Quantity::LIMIT as u64);
    let units = units.ok_or_else(|| refuse(ElementFault::TooLong, format!("{} `{raw}` is out of range.", name(seg, n))))?;
    Ok(Some(Quantity(units)))
}

/// A quantity that must be there and be at least one unit.
pub(super) fn positive_quantity(seg: &Segment<'_>, n: usize, de: Option<u16>, what: &str) -> Result<Quantity, EdiError> {
    let raw = required(seg, n, de, what)?;
    let q = quantity(seg, n, de)?.unwrap_or_default();
    if q.units() <= 0 {
        let mut e = fault(
            seg,
            n,
            de,
            ElementFault::InvalidCharacter,
            format!("{} ({what}) must be at least one unit; got `{raw}`.", name(seg, n)),
        );
        e.model_code = Some("invalid_quantity");
        return Err(e);
    }
    Ok(q)
}

pub(super) fn amount(seg: &Segment<'_>, n: usize, de: Option<u16>) -> Result<Option<Decimal>, EdiError> {
    let Some(raw) = text(seg, n) else { return Ok(None) };
    Decimal::from_str(raw).map(Some).map_err(|_| {
        fault(
            seg,
            n,
            de,
            ElementFault::InvalidCharacter,
            format!("{} `{raw}` is not an amount.", name(seg, n)),
        )
    })
}

/// A date crossdock stores: absent is fine, unreadable is an error (code 8).
pub(super) fn date(seg: &Segment<'_>, n: usize, de: Option<u16>) -> Result<Option<Date>, EdiError> {
    let Some(raw) = text(seg, n) else { return Ok(None) };
    parse_date(raw).map(Some).ok_or_else(|| {
        fault(
            seg,
            n,
            de,
            ElementFault::InvalidDate,
            format!("{} `{raw}` is not a date (CCYYMMDD).", name(seg, n)),
        )
    })
}

/// A date the segment must carry (X12 mandatory): absent is code 1, unreadable code 8.
pub(super) fn mandatory_date(seg: &Segment<'_>, n: usize, what: &str) -> Result<Date, EdiError> {
    required(seg, n, Some(373), what)?;
    Ok(date(seg, n, Some(373))?.unwrap_or_default())
}

/// A time the segment must carry: absent is code 1, unreadable code 9.
pub(super) fn mandatory_time(seg: &Segment<'_>, n: usize, what: &str) -> Result<Time, EdiError> {
    let raw = required(seg, n, Some(337), what)?;
    parse_time(raw).ok_or_else(|| {
        fault(
            seg,
            n,
            Some(337),
            ElementFault::InvalidTime,
            format!("{} `{raw}` is not a time (HHMM[SS]).", name(seg, n)),
        )
    })
}

/// `CCYYMMDD`, or `YYMMDD` as ISA09 and pre-004010 GS04 write it (00–49 is 20xx).
pub(crate) fn parse_date(raw: &str) -> Option<Date> {
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !digits(raw) {
        return None;
    }
    let (year, rest) = match raw.len() {
        8 => (raw[..4].parse::<i16>().ok()?, &raw[4..]),
        6 => {
            let yy = raw[..2].parse::<i16>().ok()?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, &raw[2..])
        }
        _ => return None,
    };
    Date::new(year, rest[..2].parse().ok()?, rest[2..4].parse().ok()?).ok()
}

/// `HHMM`, `HHMMSS` or `HHMMSSD[D]` (decimal seconds are dropped).
pub(crate) fn parse_time(raw: &str) -> Option<Time> {
    if !(4..=8).contains(&raw.len()) || raw.len() == 5 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let part = |at: usize| raw.get(at..at + 2).map_or(Some(0), |p| p.parse::<i8>().ok());
    Time::new(part(0)?, part(2)?, part(4)?, 0).ok()
}

/// X12 dates and times carry no zone; they are read as UTC, which is what
/// the interchange envelope's own timestamps conventionally are.
pub(crate) fn instant(date: Date, time: Option<Time>) -> Option<Timestamp> {
    DateTime::from_parts(date, time.unwrap_or(Time::midnight()))
        .to_zoned(TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

/// When a date element and a time element say something happened, if both read.
pub(super) fn instant_hint(seg: &Segment<'_>, date_at: usize, time_at: Option<usize>) -> Option<Timestamp> {
    let date = parse_date(text(seg, date_at)?)?;
    let time = time_at.and_then(|n| text(seg, n)).and_then(parse_time);
    instant(date, time)
}

/// "Mandatory segment missing": `id` should have come before `seg`.
pub(super) fn missing_before(seg: &Segment<'_>, id: &str, message: &str) -> EdiError {
    let mut position = seg.position_of(0);
    position.segment_id = Some(id.to_owned());
    EdiError::new(
        ErrorKind::MandatorySegmentMissing,
        position,
        format!("{id} is missing before {}: {message}", seg.id),
    )
}

/// An order reference: required, at most [`OrderId::MAX_LEN`] bytes, no control characters.
pub(super) fn order_id(seg: &Segment<'_>, n: usize, de: Option<u16>, what: &str) -> Result<OrderId, EdiError> {
    let raw = required(seg, n, de, what)?;
    model_id(seg, n, de, raw, OrderId::MAX_LEN, OrderId::parse)
}

/// Parses a model id from an element, telling "too long" from "bad
/// characters" as X12 does, and keeping the model's own code.
fn model_id<T>(
    seg: &Segment<'_>,
    n: usize,
    de: Option<u16>,
    raw: &str,
    max: usize,
    parse: fn(&str) -> Result<T, model::Error>,
) -> Result<T, EdiError> {
    parse(raw).map_err(|e| {
        let kind = if raw.len() > max {
            ElementFault::TooLong
        } else {
            ElementFault::InvalidCharacter
        };
        let mut err = fault(seg, n, de, kind, format!("{}: {}", name(seg, n), e.message));
        err.model_code = Some(e.code);
        err
    })
}

/// A unit of measure (X12 element 355) crossdock can convert: `EA` each,
/// `CA`/`CS` case, `PL`/`PF` pallet. Any other unit (a pound, a dozen, a
/// box of unknown size) is refused rather than counted as eaches.
pub(super) fn unit_of_measure(seg: &Segment<'_>, n: usize, c: usize) -> Result<Option<UnitOfMeasure>, EdiError> {
    let raw = seg.component(n, c).trim();
    Ok(Some(match raw {
        "" => return Ok(None),
        "EA" => UnitOfMeasure::Each,
        "CA" | "CS" => UnitOfMeasure::Case,
        "PL" | "PF" => UnitOfMeasure::Pallet,
        other => {
            let mut e = fault(
                seg,
                n,
                Some(355),
                ElementFault::InvalidCode,
                format!(
                    "{} unit `{other}` is not one crossdock converts (EA, CA, CS, PL, PF).",
                    name(seg, n)
                ),
            );
            e.position.component = (c > 1).then_some(c as u32);
            return Err(e);
        }
    }))
}

/// One product id of a line, with the element it came from.
#[derive(Debug, Clone)]
pub(super) struct Product<'a> {
    pub qualifier: &'a str,
    pub id: &'a str,
    pub element: usize,
}

/// Qualifier for the fixed U.P.C. case code elements (W0103, W0403, W0703,
/// W1206), which have no qualifier of their own.
pub(super) const UPC_CASE: &str = "UA";

/// The product ids of a line: qualifier/id pairs at `pairs`, and a U.P.C.
/// case code element when the segment has one. A qualifier without an id
/// is X12's "conditional element missing".
pub(super) fn products<'a>(seg: &Segment<'a>, pairs: &[(usize, usize)], upc: Option<usize>) -> Result<Vec<Product<'a>>, EdiError> {
    // Split once: a PO1 has up to ten pairs, and reading each element anew would rescan the segment.
    let elements: Vec<&'a str> = seg.elements().collect();
    let text = |n: usize| elements.get(n.wrapping_sub(1)).map(|e| e.trim()).filter(|e| !e.is_empty());
    let mut out = Vec::new();
    if let Some(n) = upc
        && let Some(id) = text(n)
    {
        out.push(Product {
            qualifier: UPC_CASE,
            id,
            element: n,
        });
    }
    for &(q, i) in pairs {
        match (text(q), text(i)) {
            (Some(qualifier), Some(id)) => out.push(Product { qualifier, id, element: i }),
            (Some(qualifier), None) => {
                return Err(fault(
                    seg,
                    i,
                    Some(234),
                    ElementFault::ConditionalMissing,
                    format!(
                        "{} names qualifier `{qualifier}` but {} has no product id.",
                        name(seg, q),
                        name(seg, i)
                    ),
                ));
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Picks the line's SKU: the first id, in the connection's order of
/// qualifiers, that is a valid SKU (after the whitespace policy); then any
/// other id in document order. Returns the SKU and the qualifier it came from.
pub(super) fn choose_sku<'a>(ctx: &MapContext<'_>, seg: &Segment<'a>, products: &[Product<'a>]) -> Result<(Sku, &'a str), EdiError> {
    let rank = |p: &Product<'_>| {
        ctx.sku
            .qualifiers
            .iter()
            .position(|q| q.eq_ignore_ascii_case(p.qualifier))
            .unwrap_or(usize::MAX)
    };
    let mut ordered: Vec<&Product<'a>> = products.iter().collect();
    ordered.sort_by_key(|p| rank(p));
    let mut first_error = None;
    for product in ordered {
        let raw = ctx.sku.normalise(product.id);
        match model_id(seg, product.element, Some(234), &raw, Sku::MAX_LEN, Sku::parse) {
            Ok(sku) => return Ok((sku, product.qualifier)),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or_else(|| {
        let at = if products.is_empty() { 0 } else { products[0].element };
        fault(
            seg,
            at,
            Some(234),
            ElementFault::MandatoryMissing,
            format!("{} names no product id to use as the SKU.", seg.id),
        )
    }))
}

pub(super) fn product_ids(products: &[Product<'_>]) -> Vec<ProductId> {
    products
        .iter()
        .map(|p| ProductId {
            qualifier: p.qualifier.to_owned(),
            id: p.id.to_owned(),
        })
        .collect()
}

/// A party of an N1 loop (N1, N2, N3, N4).
#[derive(Debug, Clone, Default)]
pub(super) struct Party<'a> {
    /// N101, e.g. `ST`, `BY`, `BT`, `SF`, `WH`.
    pub entity: &'a str,
    pub name: Option<&'a str>,
    /// N104, the party's id under the N103 qualifier.
    pub code: Option<&'a str>,
    pub address: Address,
}

/// Collects N1 loops: an N1 opens a party, N3 and N4 add to the last one.
#[derive(Debug, Default)]
pub(super) struct Parties<'a> {
    pub list: Vec<Party<'a>>,
}

impl<'a> Parties<'a> {
    /// Takes N1, N3 and N4; returns whether the segment belonged to a party.
    pub fn read(&mut self, seg: &Segment<'a>) -> bool {
        match seg.id {
            "N1" => {
                let name = text(seg, 2);
                self.list.push(Party {
                    entity: seg.element(1).trim(),
                    name,
                    code: text(seg, 4),
                    address: Address {
                        name: name.map(str::to_owned),
                        ..Address::default()
                    },
                });
                true
            }
            "N3" => self.with_last(|a| {
                for line in [owned(seg, 1), owned(seg, 2)].into_iter().flatten() {
                    if a.line1.is_none() {
                        a.line1 = Some(line);
                    } else if a.line2.is_none() {
                        a.line2 = Some(line);
                    }
                }
            }),
            "N4" => self.with_last(|a| {
                a.city = owned(seg, 1);
                a.region = owned(seg, 2);
                a.postal_code = owned(seg, 3);
                a.country = text(seg, 4).map(country);
            }),
            _ => false,
        }
    }

    fn with_last(&mut self, f: impl FnOnce(&mut Address)) -> bool {
        match self.list.last_mut() {
            Some(party) => {
                f(&mut party.address);
                true
            }
            None => false,
        }
    }

    pub fn find(&self, entity: &str) -> Option<&Party<'a>> {
        self.list.iter().find(|p| p.entity == entity)
    }
}

/// N404 is ISO 3166 alpha-2 or alpha-3 depending on the partner; the model keeps alpha-2.
fn country(raw: &str) -> String {
    let upper = raw.to_ascii_uppercase();
    match upper.as_str() {
        "USA" => "US".into(),
        "CAN" => "CA".into(),
        "MEX" => "MX".into(),
        _ => upper,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times() {
        assert_eq!(parse_date("20260714"), Some(jiff::civil::date(2026, 7, 14)));
        assert_eq!(parse_date("971107"), Some(jiff::civil::date(1997, 11, 7)));
        assert_eq!(parse_date("020226"), Some(jiff::civil::date(2002, 2, 26)));
        assert_eq!(parse_date("CCYYMMDD"), None);
        assert_eq!(parse_date("200"), None);
        assert_eq!(parse_date("20260231"), None);
        assert_eq!(parse_time("1534"), Some(jiff::civil::time(15, 34, 0, 0)));
        assert_eq!(parse_time("19343200"), Some(jiff::civil::time(19, 34, 32, 0)));
        assert_eq!(parse_time("2561"), None);
        assert_eq!(parse_time("12345"), None);
    }
}
