//! Declarative mappings between a vendor WMS's payloads and crossdock's
//! canonical WMS event, read from the TOML file a connection's `mapping` names.
//!
//! Inbound, [`Mapping::inbound`] rewrites a vendor payload into the canonical
//! WMS event JSON that [`super::to_events`] reads; [`Mapping::to_events`] does
//! both and names the vendor field when the canonical reader refuses a value.
//! Outbound, [`Mapping::outbound`] renders a message through the file's
//! templates. The code tables (`[codes.sku]`, `[codes.node]`) and unit
//! factors apply in both directions, so the file is the one place a vendor's
//! vocabulary lives. `examples/mappings/README.md` is the user reference for
//! the language; keep it in step with this module.

mod catalog;
mod convert;
mod inbound;
mod template;
mod validate;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;

use model::Event;
use model::outbound::Message;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::Value;

use crate::Error;
use crate::outbound::Request;

use convert::Convert;
pub use validate::{MappingError, Problem};

/// One vendor's mapping file. Build it with [`Mapping::parse`], which also
/// runs [`Mapping::validate`]; a mapping deserialised some other way should
/// be validated before use.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// Free text for the people who maintain the file.
    #[serde(default)]
    description: Option<String>,
    inbound: Option<Inbound>,
    #[serde(default)]
    outbound: Outbound,
    /// Value maps by name: vendor value → canonical value inbound, canonical
    /// value → vendor value when an outbound template applies `map:NAME`.
    #[serde(default)]
    maps: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    codes: Codes,
    /// Vendor unit of measure → crossdock units (eaches) per vendor unit.
    #[serde(default)]
    units: BTreeMap<String, Factor>,
    /// Per crossdock SKU overrides of `units`: case packs differ by item.
    #[serde(default)]
    sku_units: BTreeMap<String, BTreeMap<String, Factor>>,
}

/// `[inbound]`: how one vendor payload becomes canonical WMS events. The
/// first of `variants` whose `when` matches the payload overrides, entry by
/// entry, what is set here.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Inbound {
    events: Option<String>,
    #[serde(default)]
    fields: BTreeMap<String, FieldSpec>,
    #[serde(default)]
    defaults: BTreeMap<String, Value>,
    lines: Option<Lines>,
    #[serde(default)]
    variants: Vec<Variant>,
}

/// `[[inbound.variants]]`: a message kind whose shape differs from the rest.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Variant {
    /// For people and error messages only.
    #[serde(default)]
    name: Option<String>,
    when: Condition,
    events: Option<String>,
    #[serde(default)]
    fields: BTreeMap<String, FieldSpec>,
    #[serde(default)]
    defaults: BTreeMap<String, Value>,
    lines: Option<Lines>,
}

/// Matches when the value at `pointer` (from the payload's root) is present
/// and, if `equals` is given, reads as one of its values.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Condition {
    pointer: String,
    #[serde(default)]
    equals: Option<OneOrMany>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged, expecting = "a string or a list of strings")]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn contains(&self, text: &str) -> bool {
        match self {
            OneOrMany::One(one) => one == text,
            OneOrMany::Many(many) => many.iter().any(|m| m == text),
        }
    }
}

/// `[inbound.lines]`: where the lines are, relative to the event, and how to
/// read each line's `sku` and `quantity`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Lines {
    pointer: String,
    #[serde(default)]
    fields: BTreeMap<String, FieldSpec>,
}

/// How one canonical field is read: a pointer (`"/OrderId"`) or a table.
#[derive(Debug, Clone, Default)]
struct FieldSpec {
    rule: Field,
    /// Written as a bare pointer string, so problems name the key itself.
    shorthand: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Field {
    pointer: Option<String>,
    template: Option<String>,
    /// Used when the vendor value is absent, `null` or blank; already canonical.
    default: Option<Value>,
    map: Option<String>,
    convert: Option<Convert>,
    unit_field: Option<String>,
    factor: Option<Factor>,
}

impl<'de> Deserialize<'de> for FieldSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Spec;
        impl<'de> Visitor<'de> for Spec {
            type Value = FieldSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON pointer such as \"/OrderId\", or a table such as { pointer = \"/Status\", map = \"status\" }")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<FieldSpec, E> {
                Ok(FieldSpec {
                    rule: Field {
                        pointer: Some(v.to_owned()),
                        ..Field::default()
                    },
                    shorthand: true,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<FieldSpec, A::Error> {
                Ok(FieldSpec {
                    rule: Field::deserialize(de::value::MapAccessDeserializer::new(map))?,
                    shorthand: false,
                })
            }
        }
        d.deserialize_any(Spec)
    }
}

/// A unit factor: an integer, a decimal or a decimal string, read exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Factor(Decimal);

impl<'de> Deserialize<'de> for Factor {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Number;
        impl Visitor<'_> for Number {
            type Value = Factor;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number of units, such as 12")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Factor, E> {
                Ok(Factor(Decimal::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Factor, E> {
                Ok(Factor(Decimal::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Factor, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Factor, E> {
                convert::parse_decimal(v)
                    .map(Factor)
                    .ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
            }
        }
        d.deserialize_any(Number)
    }
}

/// `[codes.sku]` and `[codes.node]`: vendor code → crossdock id. Applied to
/// every canonical `sku` and `node` inbound and reversed outbound; a code
/// not listed passes through unchanged.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Codes {
    #[serde(default)]
    sku: BTreeMap<String, String>,
    #[serde(default)]
    node: BTreeMap<String, String>,
}

impl Codes {
    /// The table for a canonical field, if codes apply to it.
    fn table(&self, field: &str) -> Option<&BTreeMap<String, String>> {
        match field {
            "sku" => Some(&self.sku),
            "node" => Some(&self.node),
            _ => None,
        }
    }
}

/// `[outbound]`: one route per outbound message kind the vendor accepts.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Outbound {
    wave: Option<Route>,
    hold: Option<Route>,
    expected_return: Option<Route>,
}

impl Outbound {
    fn routes(&self) -> impl Iterator<Item = (&'static str, &Route)> {
        [
            ("wave", &self.wave),
            ("hold", &self.hold),
            ("expected_return", &self.expected_return),
        ]
        .into_iter()
        .filter_map(|(kind, route)| route.as_ref().map(|r| (kind, r)))
    }
}

/// How one outbound kind is sent: method, path template, header templates
/// and a body template.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Route {
    #[serde(default)]
    method: HttpMethod,
    path: String,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    body: Option<Value>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
enum HttpMethod {
    Get,
    #[default]
    Post,
    Put,
    Delete,
}

impl From<HttpMethod> for crate::outbound::Method {
    fn from(m: HttpMethod) -> Self {
        match m {
            HttpMethod::Get => crate::outbound::Method::Get,
            HttpMethod::Post => crate::outbound::Method::Post,
            HttpMethod::Put => crate::outbound::Method::Put,
            HttpMethod::Delete => crate::outbound::Method::Delete,
        }
    }
}

impl Mapping {
    /// Reads a mapping file and validates it. A problem names its key path,
    /// e.g. `inbound.fields.order_id.map`, and TOML syntax errors their line.
    pub fn parse(toml_text: &str) -> Result<Mapping, MappingError> {
        let de = toml::Deserializer::parse(toml_text).map_err(|e| MappingError::single("(file)", e.to_string()))?;
        let mapping: Mapping = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let line = inner.span().map(|span| {
                let before = &toml_text.as_bytes()[..span.start.min(toml_text.len())];
                let line = before.iter().filter(|b| **b == b'\n').count() + 1;
                format!(" (line {line})")
            });
            MappingError::single(path, format!("{}{}", inner.message(), line.unwrap_or_default()))
        })?;
        mapping.validate()?;
        Ok(mapping)
    }

    /// The file's `description`, if it has one.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// Checks the mapping without any payload: pointers are RFC 6901 (with an
    /// optional `root:`/`event:` scope), every referenced map and unit
    /// exists, field names are canonical ones, factors are positive, defaults
    /// have the field's type, and outbound templates refer to fields the
    /// message has. Every problem is reported, each with its key path.
    pub fn validate(&self) -> Result<(), MappingError> {
        validate::run(self)
    }

    /// Rewrites a vendor payload into the canonical WMS event JSON (one
    /// object, or an array for a batch) that [`super::to_events`] reads.
    /// Errors name the vendor field at fault by its pointer, e.g.
    /// `/OrderLines/1/UOM`.
    pub fn inbound(&self, vendor: &Value) -> Result<Value, Error> {
        inbound::run(self, vendor).map(|(canonical, _)| canonical)
    }

    /// [`Mapping::inbound`] then [`super::to_events`], for a raw webhook
    /// body. When the canonical reader refuses a value, the error names the
    /// vendor pointer it came from instead of the canonical field.
    pub fn to_events(&self, body: &[u8], connection: &str) -> Result<Vec<Event>, Error> {
        let vendor: Value = crate::de::from_slice(body)?;
        let (canonical, trace) = inbound::run(self, &vendor)?;
        let bytes = serde_json::to_vec(&canonical).expect("a JSON value serialises");
        super::to_events(&bytes, connection).map_err(|e| trace.locate(e))
    }

    /// Renders a WMS message (`wms.wave`, `wms.hold`, `wms.expected_return`)
    /// through this mapping's `[outbound]` templates.
    pub fn outbound(&self, message: &Message) -> Result<Request, Error> {
        template::render(self, message)
    }
}

#[cfg(test)]
impl Mapping {
    /// An example file from `examples/mappings/`.
    pub(crate) fn example(name: &str) -> Mapping {
        let path = format!("{}/../../examples/mappings/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("Cannot read {path}: {e}"));
        Mapping::parse(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    }
}

impl Mapping {
    /// Crossdock units per vendor `unit`, for a crossdock SKU when known:
    /// `[sku_units.<sku>]` first, then `[units]`.
    fn unit_factor(&self, sku: Option<&str>, unit: &str) -> Option<Decimal> {
        sku.and_then(|sku| self.sku_units.get(sku))
            .and_then(|units| units.get(unit))
            .or_else(|| self.units.get(unit))
            .map(|f| f.0)
    }

    /// Whether some table gives `unit` a factor.
    fn knows_unit(&self, unit: &str) -> bool {
        self.units.contains_key(unit) || self.sku_units.values().any(|units| units.contains_key(unit))
    }
}

/// A value map's entry for `key`: its own, else the `"*"` fallback, where
/// `"*" = "*"` passes the value through unchanged.
fn look_up(table: &BTreeMap<String, String>, key: &str) -> Option<String> {
    match (table.get(key), table.get("*")) {
        (Some(value), _) => Some(value.clone()),
        (None, Some(star)) if star == "*" => Some(key.to_owned()),
        (None, fallback) => fallback.cloned(),
    }
}

/// `prefix.key`, quoting a key that is not a bare TOML key, as the file
/// would spell it: `codes.sku.100234`, but `maps.delivery_status."C/C"`.
fn join_key(prefix: &str, key: &str) -> String {
    let bare = !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    match (prefix.is_empty(), bare) {
        (true, true) => key.to_owned(),
        (true, false) => format!("{key:?}"),
        (false, true) => format!("{prefix}.{key}"),
        (false, false) => format!("{prefix}.{key:?}"),
    }
}
