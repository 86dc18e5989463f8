//! Deserialisation shared by the connectors: JSON with error paths, the
//! loose scalars external systems send (ids as numbers or strings, amounts as
//! strings, `null` where a list is expected), and the checks that turn wire
//! values into model values with the wire path of the field at fault.

use std::fmt;
use std::str::FromStr;

use model::Quantity;
use rust_decimal::Decimal;
use serde::de::{Deserializer, Visitor};
use serde::{Deserialize, de};
use serde_json::Number;

use crate::Error;

/// Parses a whole body, naming the path of a value that does not fit, e.g.
/// `line_items[0].price`, and keeping serde_json's line and column.
pub(crate) fn from_slice<'de, T: Deserialize<'de>>(body: &'de [u8]) -> Result<T, Error> {
    // The fast path: most bodies are well-formed. Tracking the path costs
    // about as much again, so it is paid only to name the field of an error.
    let mut json = serde_json::Deserializer::from_slice(body);
    if let Ok(value) = T::deserialize(&mut json)
        && json.end().is_ok()
    {
        return Ok(value);
    }
    let mut json = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut json).map_err(path_error)?;
    // Trailing bytes after the value make the body something other than what was signed for.
    json.end().map_err(|e| Error::InvalidPayload {
        field: None,
        message: json_message(&e),
    })?;
    Ok(value)
}

fn path_error(err: serde_path_to_error::Error<serde_json::Error>) -> Error {
    let path = err.path().to_string();
    let inner = err.into_inner();
    let message = json_message(&inner);
    let mut field = (path != ".").then_some(path);
    // serde reports a missing field at its parent; name the field itself.
    if let Some(missing) = missing_field(&inner.to_string()) {
        field = Some(crate::join_path(field.as_deref().unwrap_or(""), Some(missing)));
    }
    Error::InvalidPayload { field, message }
}

fn json_message(err: &serde_json::Error) -> String {
    match err.classify() {
        serde_json::error::Category::Data => {
            format!("The body does not have the expected shape: {err}.")
        }
        _ => format!("The body is not valid JSON: {err}."),
    }
}

fn missing_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split('`').next()
}

/// Trims a wire string; blank means absent, as most senders use `""` and
/// `null` interchangeably.
pub(crate) fn clean(raw: Option<&str>) -> Option<String> {
    raw.map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// A field the payload must carry.
pub(crate) fn required<T>(value: Option<T>, field: &str, message: impl FnOnce() -> String) -> Result<T, Error> {
    value.ok_or_else(|| Error::payload(field, message()))
}

/// Parses a model id (`Sku::parse`, `NodeId::parse`, …) and names the wire
/// field when it is refused.
pub(crate) fn parse_as<T>(parse: fn(&str) -> Result<T, model::Error>, raw: &str, field: &str) -> Result<T, Error> {
    parse(raw).map_err(|e| e.at(field).into())
}

/// A signed whole number of units. Floats are refused, even `2.0`, exactly as
/// the model's own deserialiser does: a fractional unit count is a mapping bug
/// upstream, never something to round.
pub(crate) fn quantity(n: &Number, field: &str) -> Result<Quantity, Error> {
    // Checked here, not only by `Quantity::new`, whose `abs()` overflows on `i64::MIN`.
    let Some(units) = n.as_i64().filter(|u| (-Quantity::LIMIT..=Quantity::LIMIT).contains(u)) else {
        let message = if n.is_f64() {
            format!("A quantity must be a whole number of units; got {n}.")
        } else {
            format!("Quantity {n} is out of range (±{}).", Quantity::LIMIT)
        };
        return Err(model::Error::new("invalid_quantity", message).at(field).into());
    };
    Quantity::new(units).map_err(|e| e.at(field).into())
}

/// A quantity that must be at least one unit: order, shipment and receipt lines.
pub(crate) fn positive_quantity(n: &Number, field: &str) -> Result<Quantity, Error> {
    let q = quantity(n, field)?;
    Quantity::positive(q.units()).map_err(|e| e.at(field).into())
}

/// The sender's event id, checked against the log's limits here so the error
/// names the wire field rather than the canonical one.
pub(crate) fn event_id(raw: Option<&str>, field: &str) -> Result<String, Error> {
    let id = required(clean(raw), field, || {
        format!("`{field}` is required: it is the key that makes redelivery safe.")
    })?;
    if id.len() > model::Event::MAX_EVENT_ID_LEN {
        return Err(Error::payload(
            field,
            format!("An event id is at most {} bytes; got {}.", model::Event::MAX_EVENT_ID_LEN, id.len()),
        ));
    }
    Ok(id)
}

/// `null` for a list means an empty list.
pub(crate) fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// An id sent as a JSON number by some systems and as a string by others.
pub(crate) fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(Scalar {
        what: "an id (a string or a whole number)",
        floats: false,
        bools: false,
    })
}

/// Free text that some senders type as a number or a boolean.
pub(crate) fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(Scalar {
        what: "a string",
        floats: true,
        bools: true,
    })
}

/// Renders any JSON scalar as text; which kinds are accepted is the caller's choice.
struct Scalar {
    what: &'static str,
    floats: bool,
    bools: bool,
}

impl<'de> Visitor<'de> for Scalar {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.what)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_owned()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        if self.floats {
            Ok(Some(v.to_string()))
        } else {
            Err(E::invalid_type(de::Unexpected::Float(v), &self))
        }
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        if self.bools {
            Ok(Some(v.to_string()))
        } else {
            Err(E::invalid_type(de::Unexpected::Bool(v), &self))
        }
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// A money amount: Shopify sends `"199.00"`, some endpoints `195.67`. Parsed
/// as a decimal from its text, never through binary floating point arithmetic.
pub(crate) fn opt_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    d.deserialize_any(DecimalVisitor)
}

struct DecimalVisitor;

impl<'de> Visitor<'de> for DecimalVisitor {
    type Value = Option<Decimal>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a decimal amount such as \"19.99\"")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let v = v.trim();
        if v.is_empty() {
            return Ok(None);
        }
        Decimal::from_str(v)
            .or_else(|_| Decimal::from_scientific(v))
            .map(Some)
            .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(Decimal::from(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(Decimal::from(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        // Display gives the shortest text that round-trips: 195.67, not 195.669999…
        self.visit_str(&v.to_string())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// A coordinate: a JSON number, or a string holding one (older Shopify API
/// versions send `"45.41634"`).
pub(crate) fn opt_float<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    d.deserialize_any(FloatVisitor)
}

struct FloatVisitor;

impl<'de> Visitor<'de> for FloatVisitor {
    type Value = Option<f64>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let v = v.trim();
        if v.is_empty() {
            return Ok(None);
        }
        match v.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Some(x)),
            _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
        }
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v as f64))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v as f64))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// A name/value pair such as Shopify's `note_attributes` and line `properties`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Attribute {
    pub name: String,
    pub value: String,
}

/// Name/value pairs as a list of `{name, value}` objects (what Shopify
/// documents) or as a plain object (what some apps write). Anything else is
/// read as no attributes: they annotate an order, and an odd annotation must
/// not block it.
pub(crate) fn attributes<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Attribute>, D::Error> {
    use serde_json::Value;
    let pairs = match Option::<Value>::deserialize(d)? {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|item| {
                let name = value_text(item.get("name")?);
                Some(Attribute {
                    name,
                    value: item.get("value").map(value_text).unwrap_or_default(),
                })
            })
            .collect(),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(name, value)| Attribute {
                name: name.clone(),
                value: value_text(value),
            })
            .collect(),
        _ => Vec::new(),
    };
    Ok(pairs)
}

fn value_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// "First Last" from the parts a sender has, trimmed; `None` when both are blank.
pub(crate) fn full_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    let joined = [first, last]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>();
    (!joined.is_empty()).then(|| joined.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Probe {
        #[serde(default, deserialize_with = "opt_id")]
        id: Option<String>,
        #[serde(default, deserialize_with = "opt_decimal")]
        price: Option<Decimal>,
        #[serde(default, deserialize_with = "opt_float")]
        lat: Option<f64>,
        #[serde(default, deserialize_with = "nullable")]
        items: Vec<Item>,
    }

    #[derive(Debug, Deserialize)]
    struct Item {
        #[allow(dead_code)]
        sku: String,
    }

    #[test]
    fn loose_scalars_are_read_either_way() {
        let p: Probe = from_slice(br#"{"id": 450789469, "price": "199.00", "lat": "45.41634", "items": null}"#).unwrap();
        assert_eq!(p.id.as_deref(), Some("450789469"));
        assert_eq!(p.price.unwrap().to_string(), "199.00");
        assert_eq!(p.lat, Some(45.41634));
        assert!(p.items.is_empty());
        let p: Probe = from_slice(br#"{"id": "abc", "price": 195.67, "lat": -75.6868}"#).unwrap();
        assert_eq!(p.id.as_deref(), Some("abc"));
        assert_eq!(p.price.unwrap().to_string(), "195.67");
    }

    #[test]
    fn errors_name_the_path_and_keep_line_and_column() {
        let err = from_slice::<Probe>(br#"{"items": [{"sku": "A"}, {}]}"#).unwrap_err();
        assert_eq!(err.field().as_deref(), Some("items[1].sku"));
        let err = from_slice::<Probe>(b"{\"id\": 1.5}").unwrap_err();
        assert_eq!(err.field().as_deref(), Some("id"));
        let err = from_slice::<Probe>(b"{\n  \"id\": 1,\n  oops\n}").unwrap_err();
        assert!(err.to_string().contains("line 3 column 3"), "{err}");
        let err = from_slice::<Probe>(b"{} trailing").unwrap_err();
        assert_eq!(err.code(), "invalid_payload");
    }

    #[test]
    fn quantities_are_whole_numbers() {
        let n = |s: &str| serde_json::from_str::<Number>(s).unwrap();
        assert_eq!(quantity(&n("-3"), "q").unwrap().units(), -3);
        let err = quantity(&n("1.5"), "lines[0].quantity").unwrap_err();
        assert_eq!(
            (err.code(), err.field().as_deref()),
            ("invalid_quantity", Some("lines[0].quantity"))
        );
        assert!(positive_quantity(&n("0"), "q").is_err());
        assert!(quantity(&n("18446744073709551615"), "q").is_err());
        let err = quantity(&n("-9223372036854775808"), "q").unwrap_err();
        assert_eq!(err.code(), "invalid_quantity");
    }

    #[test]
    fn attributes_accept_lists_and_objects() {
        #[derive(Deserialize)]
        struct A {
            #[serde(deserialize_with = "attributes")]
            a: Vec<Attribute>,
        }
        let a: A = serde_json::from_str(r#"{"a": [{"name": "gift", "value": 1}, {"value": "x"}]}"#).unwrap();
        assert_eq!(
            a.a,
            vec![Attribute {
                name: "gift".into(),
                value: "1".into()
            }]
        );
        let a: A = serde_json::from_str(r#"{"a": {"po_number": "PO-1"}}"#).unwrap();
        assert_eq!(a.a[0].value, "PO-1");
        let a: A = serde_json::from_str(r#"{"a": "junk"}"#).unwrap();
        assert!(a.a.is_empty());
    }
}
