//! Reading vendor values: text, decimal quantities, instants and dates in
//! the formats warehouse systems send them.

use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use serde_json::Value;

/// A `convert` applied to a vendor value before maps and codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Convert {
    /// `"000000000080001234"` → `"80001234"`: SAP pads numeric ids.
    TrimZeros,
    Upper,
    Lower,
    /// A whole number of seconds since 1970-01-01T00:00:00Z.
    EpochSeconds,
    /// A whole number of milliseconds since 1970-01-01T00:00:00Z.
    EpochMillis,
    /// A date-time without a UTC offset is read as UTC. Only for vendors
    /// known to send UTC: guessing a zone would shift every event.
    AssumeUtc,
}

impl Convert {
    /// Whether it rewrites text (as opposed to choosing how a time is read).
    pub(super) fn is_text(self) -> bool {
        matches!(self, Convert::TrimZeros | Convert::Upper | Convert::Lower)
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Convert::TrimZeros => "trim_zeros",
            Convert::Upper => "upper",
            Convert::Lower => "lower",
            Convert::EpochSeconds => "epoch_seconds",
            Convert::EpochMillis => "epoch_millis",
            Convert::AssumeUtc => "assume_utc",
        }
    }

    pub(super) fn apply_text(self, text: &str) -> String {
        match self {
            Convert::TrimZeros => {
                let trimmed = text.trim_start_matches('0');
                // An id of all zeros stays one zero rather than becoming blank.
                if trimmed.is_empty() && !text.is_empty() { "0" } else { trimmed }.to_owned()
            }
            Convert::Upper => text.to_uppercase(),
            Convert::Lower => text.to_lowercase(),
            Convert::EpochSeconds | Convert::EpochMillis | Convert::AssumeUtc => text.to_owned(),
        }
    }
}

/// A scalar as text: strings as they are, numbers and booleans written out.
/// `None` for `null`, arrays and objects.
pub(super) fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// A short rendering of a vendor value for error messages.
pub(super) fn describe(value: &Value) -> String {
    match value {
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
        Value::Null => "null".to_owned(),
        scalar => {
            let text = scalar.to_string();
            match text.char_indices().nth(60) {
                Some((cut, _)) => format!("{}…", &text[..cut]),
                None => text,
            }
        }
    }
}

/// A decimal from its text: `"2.000"`, `" 12 "`, `"-1.5"`, `"1e3"`, and SAP's
/// trailing sign, `"5.000-"`. Never through binary floating point.
pub(super) fn parse_decimal(raw: &str) -> Option<Decimal> {
    let raw = raw.trim();
    let (negative, digits) = match raw.strip_suffix('-') {
        Some(rest) if !rest.starts_with(['-', '+']) => (true, rest.trim_end()),
        _ => (false, raw),
    };
    if digits.is_empty() {
        return None;
    }
    let value = Decimal::from_str(digits).or_else(|_| Decimal::from_scientific(digits)).ok()?;
    Some(if negative { -value } else { value })
}

/// A quantity sent as a JSON number or as a numeric string.
pub(super) fn decimal(value: &Value) -> Option<Decimal> {
    match value {
        // A JSON number's text is what the sender wrote (or, for floats, the
        // shortest text that round-trips), so 2.5 stays exactly 2.5.
        Value::Number(n) => parse_decimal(&n.to_string()),
        Value::String(s) => parse_decimal(s),
        _ => None,
    }
}

/// The whole number `d` is, if it is one and fits.
pub(super) fn whole(d: Decimal) -> Option<i64> {
    (d.fract().is_zero()).then(|| d.to_i64()).flatten()
}

/// SAP writes an unset date or time as zeros: `"00000000"`, `"00000000000000"`.
pub(super) fn is_initial(value: &Value) -> bool {
    value.as_str().is_some_and(|s| {
        let s = s.trim();
        s.len() >= 8 && s.bytes().all(|b| b == b'0')
    })
}

const TIMESTAMP_FORMATS: &str = "RFC 3339 with an offset (2026-05-15T14:30:00Z), OData's /Date(1747319400000)/ or SAP's \
                                 UTC YYYYMMDDhhmmss";

/// An instant, in whichever of the accepted formats the vendor uses.
pub(super) fn timestamp(value: &Value, convert: Option<Convert>) -> Result<Timestamp, String> {
    if let Some(epoch @ (Convert::EpochSeconds | Convert::EpochMillis)) = convert {
        let n = decimal(value).and_then(whole).ok_or_else(|| {
            format!(
                "Expected a whole number of {} since 1970; got {}.",
                epoch_unit(epoch),
                describe(value)
            )
        })?;
        let ts = match epoch {
            Convert::EpochSeconds => Timestamp::from_second(n),
            _ => Timestamp::from_millisecond(n),
        };
        return ts.map_err(|e| format!("{n} is not a usable instant: {e}."));
    }
    let Some(raw) = value.as_str().map(str::trim) else {
        return Err(format!(
            "Expected a date-time string; got {}. Hint: numbers need `convert = \"epoch_seconds\"` or \"epoch_millis\".",
            describe(value)
        ));
    };
    if let Some(ms) = odata_millis(raw) {
        return Timestamp::from_millisecond(ms).map_err(|e| format!("`{raw}` is not a usable instant: {e}."));
    }
    if raw.len() == 14 && raw.bytes().all(|b| b.is_ascii_digit()) {
        return DateTime::strptime("%Y%m%d%H%M%S", raw)
            .and_then(|dt| TimeZone::UTC.to_timestamp(dt))
            .map_err(|e| format!("`{raw}` is not a valid YYYYMMDDhhmmss date-time: {e}."));
    }
    if let Ok(ts) = raw.parse::<Timestamp>() {
        return Ok(ts);
    }
    match raw.parse::<DateTime>() {
        Ok(dt) if convert == Some(Convert::AssumeUtc) => TimeZone::UTC
            .to_timestamp(dt)
            .map_err(|e| format!("`{raw}` is not a usable instant: {e}.")),
        Ok(_) => Err(format!(
            "`{raw}` has no UTC offset. Hint: add `convert = \"assume_utc\"` only if the vendor sends UTC."
        )),
        Err(_) => Err(format!("`{raw}` is not a date-time; expected {TIMESTAMP_FORMATS}.")),
    }
}

/// A calendar date: `YYYY-MM-DD`, `YYYYMMDD`, `/Date(ms)/`, or the UTC date
/// of a date-time.
pub(super) fn date(value: &Value, convert: Option<Convert>) -> Result<Date, String> {
    let utc_date = |ts: Timestamp| ts.to_zoned(TimeZone::UTC).date();
    if matches!(convert, Some(Convert::EpochSeconds | Convert::EpochMillis)) {
        return timestamp(value, convert).map(utc_date);
    }
    let Some(raw) = value.as_str().map(str::trim) else {
        return Err(format!("Expected a date string such as 2026-05-17; got {}.", describe(value)));
    };
    if raw.len() == 8 && raw.bytes().all(|b| b.is_ascii_digit()) {
        return Date::strptime("%Y%m%d", raw).map_err(|e| format!("`{raw}` is not a valid YYYYMMDD date: {e}."));
    }
    if let Ok(date) = raw.parse::<Date>() {
        return Ok(date);
    }
    if let Ok(dt) = raw.parse::<DateTime>()
        && odata_millis(raw).is_none()
        && raw.parse::<Timestamp>().is_err()
    {
        return Ok(dt.date());
    }
    timestamp(value, convert)
        .map(utc_date)
        .map_err(|_| format!("`{raw}` is not a date; expected YYYY-MM-DD, YYYYMMDD, /Date(ms)/ or a date-time."))
}

fn epoch_unit(convert: Convert) -> &'static str {
    if convert == Convert::EpochSeconds {
        "seconds"
    } else {
        "milliseconds"
    }
}

/// The milliseconds of OData v2's `/Date(1747319400000)/`, with or without
/// the `+0000` offset (the milliseconds are UTC either way).
fn odata_millis(raw: &str) -> Option<i64> {
    let inner = raw.strip_prefix("/Date(")?.strip_suffix(")/")?;
    let sign = usize::from(inner.starts_with('-'));
    let end = inner[sign..].find(['+', '-']).map_or(inner.len(), |i| i + sign);
    let (millis, offset) = inner.split_at(end);
    let offset_ok = offset.is_empty() || (offset.len() == 5 && offset[1..].bytes().all(|b| b.is_ascii_digit()));
    offset_ok.then(|| millis.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn decimals_are_read_exactly_from_what_vendors_send() {
        let d = |v: Value| decimal(&v).map(|d| d.to_string());
        assert_eq!(d(json!("2.000")).as_deref(), Some("2.000"));
        assert_eq!(d(json!(" 12 ")).as_deref(), Some("12"));
        assert_eq!(d(json!("5.000-")).as_deref(), Some("-5.000"));
        assert_eq!(d(json!(-3)).as_deref(), Some("-3"));
        assert_eq!(d(json!(2.5)).as_deref(), Some("2.5"));
        assert_eq!(d(json!("1e3")).map(|s| s.parse::<Decimal>().unwrap()), Some(Decimal::from(1000)));
        for junk in [json!("-"), json!(""), json!("--5"), json!("two"), json!(true), json!([1])] {
            assert_eq!(decimal(&junk), None, "{junk}");
        }
        assert_eq!(whole(Decimal::new(24000, 3)), Some(24));
        assert_eq!(whole(Decimal::new(25, 1)), None);
    }

    #[test]
    fn instants_in_every_accepted_format() {
        let expected: Timestamp = "2026-05-15T14:30:00Z".parse().unwrap();
        for raw in [
            json!("2026-05-15T14:30:00Z"),
            json!("2026-05-15T10:30:00-04:00"),
            json!("/Date(1778855400000)/"),
            json!("/Date(1778855400000+0000)/"),
            json!("20260515143000"),
        ] {
            assert_eq!(timestamp(&raw, None), Ok(expected), "{raw}");
        }
        assert_eq!(timestamp(&json!(1778855400), Some(Convert::EpochSeconds)), Ok(expected));
        assert_eq!(timestamp(&json!("1778855400000"), Some(Convert::EpochMillis)), Ok(expected));
        assert_eq!(timestamp(&json!("2026-05-15T14:30:00"), Some(Convert::AssumeUtc)), Ok(expected));
        let err = timestamp(&json!("2026-05-15T14:30:00"), None).unwrap_err();
        assert!(err.contains("no UTC offset"), "{err}");
        assert!(timestamp(&json!("20261345143000"), None).is_err());
        assert!(timestamp(&json!(1778855400), None).unwrap_err().contains("epoch_seconds"));
        assert!(timestamp(&json!(i64::MAX), Some(Convert::EpochMillis)).is_err());
    }

    #[test]
    fn dates_in_every_accepted_format() {
        let expected = jiff::civil::date(2026, 5, 17);
        for raw in [
            json!("2026-05-17"),
            json!("20260517"),
            json!("/Date(1778976000000)/"),
            json!("2026-05-17T08:00:00"),
            json!("2026-05-17T23:00:00+00:00"),
        ] {
            assert_eq!(date(&raw, None), Ok(expected), "{raw}");
        }
        assert!(date(&json!("17/05/2026"), None).is_err());
        assert!(is_initial(&json!("00000000")) && !is_initial(&json!("0")));
    }

    #[test]
    fn text_conversions() {
        assert_eq!(Convert::TrimZeros.apply_text("000000000080001234"), "80001234");
        assert_eq!(Convert::TrimZeros.apply_text("000"), "0");
        assert_eq!(Convert::TrimZeros.apply_text("MAT-1"), "MAT-1");
        assert_eq!(Convert::Upper.apply_text("dc01"), "DC01");
        assert_eq!(text(&json!(80001234)).as_deref(), Some("80001234"));
        assert_eq!(text(&json!({"a": 1})), None);
    }
}
