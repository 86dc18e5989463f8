//! Inbound: a vendor payload into canonical WMS event JSON.
//!
//! Each canonical field is read in four steps: the value at the field's
//! pointer (or its template), then `convert`, then the value map, then the
//! field's type: codes for `sku`/`node`, the time formats, unit conversion
//! for quantities. An absent, `null` or blank value (or SAP's all-zero date)
//! takes the field's `default`, which is already canonical and skips the
//! later steps. Every error names the vendor value at fault by its absolute
//! pointer, and [`Trace`] remembers where each canonical field came from so
//! that the canonical reader's errors can be pointed back at the vendor.

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::catalog::{EVENT_FIELDS, Kind, LINE_FIELDS};
use super::convert::{self, describe};
use super::template::{self, Piece};
use super::{Condition, Field, FieldSpec, Inbound, Lines, Mapping, Variant, join_key, look_up};
use crate::Error;

/// Which value a pointer is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    /// The whole payload.
    Root,
    /// The event (in a batch, its element; otherwise the whole payload).
    Event,
}

/// A pointer as written in a mapping: an optional `root:` or `event:` scope,
/// then an RFC 6901 JSON pointer. Without a scope it reads from the event,
/// or, for line fields, from the line.
#[derive(Debug, Clone, Copy)]
pub(super) struct Pointer<'a> {
    pub scope: Option<Scope>,
    pub pointer: &'a str,
}

pub(super) fn parse_pointer(raw: &str) -> Result<Pointer<'_>, String> {
    let (scope, pointer) = match (raw.strip_prefix("root:"), raw.strip_prefix("event:")) {
        (Some(rest), _) => (Some(Scope::Root), rest),
        (_, Some(rest)) => (Some(Scope::Event), rest),
        _ => (None, raw),
    };
    if !pointer.starts_with('/') {
        return Err(format!(
            "`{raw}` is not a JSON pointer: it must start with `/`, as in `/OrderId` or `/Items/0/Qty` (RFC 6901), optionally after `root:` or `event:`."
        ));
    }
    let mut escapes = pointer.match_indices('~');
    if escapes.any(|(i, _)| !matches!(pointer.as_bytes().get(i + 1), Some(b'0' | b'1'))) {
        return Err(format!(
            "`{raw}`: in a JSON pointer `~` must be followed by 0 or 1 (`~0` is `~`, `~1` is `/`)."
        ));
    }
    Ok(Pointer { scope, pointer })
}

/// One level of `[inbound]`: the section itself or one of its variants.
pub(super) struct Layer<'m> {
    /// Key path in the file: `inbound` or `inbound.variants[2]`.
    pub path: String,
    pub events: Option<&'m str>,
    pub fields: &'m BTreeMap<String, FieldSpec>,
    pub defaults: &'m BTreeMap<String, Value>,
    pub lines: Option<&'m Lines>,
}

impl Inbound {
    pub(super) fn layer(&self) -> Layer<'_> {
        Layer {
            path: "inbound".to_owned(),
            events: self.events.as_deref(),
            fields: &self.fields,
            defaults: &self.defaults,
            lines: self.lines.as_ref(),
        }
    }
}

impl Variant {
    pub(super) fn layer(&self, index: usize) -> Layer<'_> {
        Layer {
            path: format!("inbound.variants[{index}]"),
            events: self.events.as_deref(),
            fields: &self.fields,
            defaults: &self.defaults,
            lines: self.lines.as_ref(),
        }
    }
}

impl Condition {
    fn matches(&self, payload: &Value) -> bool {
        let found = payload.pointer(&self.pointer);
        match (&self.equals, found) {
            (_, None | Some(Value::Null)) => false,
            (Some(expected), Some(value)) => convert::text(value).is_some_and(|text| expected.contains(text.trim())),
            // Present: any value but a blank string (an array of events counts).
            (None, Some(Value::String(text))) => !text.trim().is_empty(),
            (None, Some(_)) => true,
        }
    }
}

/// Where a canonical field's value came from.
#[derive(Debug, Clone)]
enum Origin {
    /// The absolute pointer of the vendor value (or of where it was looked for).
    Vendor(String),
    /// A key path in the mapping file (a default).
    Mapping(String),
}

/// Canonical path (`[2].lines[0].sku`) → where the value came from.
#[derive(Debug, Default)]
pub(super) struct Trace {
    origins: HashMap<String, Origin>,
}

impl Trace {
    /// Rewrites an error of the canonical reader so it names the vendor field.
    pub(super) fn locate(&self, err: Error) -> Error {
        let relocate = |field: Option<String>, message: String| match field.as_deref().and_then(|f| self.origins.get(f)) {
            Some(Origin::Vendor(pointer)) => {
                let canonical = field.unwrap_or_default();
                (
                    Some(pointer.clone()),
                    format!("{message} The mapping reads `{canonical}` from `{pointer}`."),
                )
            }
            Some(Origin::Mapping(key)) => (field, format!("{message} The value is set by `{key}` in the mapping file.")),
            None => (field, message),
        };
        match err {
            Error::InvalidPayload { field, message } => {
                let (field, message) = relocate(field, message);
                Error::InvalidPayload { field, message }
            }
            Error::InvalidValue(mut e) => {
                let (field, message) = relocate(e.field.take(), std::mem::take(&mut e.message));
                e.field = field;
                e.message = message;
                Error::InvalidValue(e)
            }
            other => other,
        }
    }
}

/// Maps a vendor payload; the trace is for [`Trace::locate`].
pub(super) fn run(mapping: &Mapping, vendor: &Value) -> Result<(Value, Trace), Error> {
    let inbound = mapping.inbound.as_ref().ok_or_else(|| Error::InvalidPayload {
        field: None,
        message: "The mapping has no `[inbound]` section, so it cannot read this WMS's payloads.".to_owned(),
    })?;
    let mut layers = Vec::new();
    if let Some((i, variant)) = inbound.variants.iter().enumerate().find(|(_, v)| v.when.matches(vendor)) {
        layers.push(variant.layer(i));
    }
    layers.push(inbound.layer());
    let reader = Reader { mapping, layers };
    let mut trace = Trace::default();
    let canonical = match reader.layers.iter().find_map(|l| l.events) {
        Some(pointer) => match vendor.pointer(pointer) {
            Some(Value::Array(items)) => reader.batch(vendor, items, pointer, &mut trace)?,
            Some(event @ Value::Object(_)) => reader.event(&Ctx::new(vendor, event, pointer, 0), "", &mut trace)?,
            found => {
                let got = found.map_or_else(|| "nothing".to_owned(), describe);
                return Err(Error::payload(
                    pointer,
                    format!("The mapping expects the events at `{pointer}` (an array, or one event object); got {got}."),
                ));
            }
        },
        None => match vendor {
            Value::Array(items) => reader.batch(vendor, items, "", &mut trace)?,
            Value::Object(_) => reader.event(&Ctx::new(vendor, vendor, "", 0), "", &mut trace)?,
            other => {
                return Err(Error::InvalidPayload {
                    field: None,
                    message: format!("The payload must be a JSON object or an array of them; got {}.", describe(other)),
                });
            }
        },
    };
    Ok((canonical, trace))
}

/// What a pointer can reach while one event (and maybe one line) is read.
#[derive(Clone)]
struct Ctx<'v> {
    root: &'v Value,
    event: &'v Value,
    /// Absolute pointer of the event; `""` when it is the whole payload.
    event_at: String,
    line: Option<(&'v Value, String)>,
    /// Position of the event in its batch, for `{index}`.
    index: usize,
}

impl<'v> Ctx<'v> {
    fn new(root: &'v Value, event: &'v Value, event_at: &str, index: usize) -> Self {
        Ctx {
            root,
            event,
            event_at: event_at.to_owned(),
            line: None,
            index,
        }
    }

    /// The value at `p` and its absolute pointer in the payload.
    fn get(&self, p: Pointer<'_>) -> (Option<&'v Value>, String) {
        let (base, at) = match (p.scope, &self.line) {
            (Some(Scope::Root), _) => (self.root, ""),
            (None, Some((line, at))) => (*line, at.as_str()),
            (Some(Scope::Event) | None, _) => (self.event, self.event_at.as_str()),
        };
        (base.pointer(p.pointer), format!("{at}{}", p.pointer))
    }
}

/// Where a canonical field is read from, with its key path in the file.
enum Source<'m> {
    Field(&'m Field, String),
    Default(&'m Value, String),
}

/// The result of reading one field.
struct Read {
    value: Option<Value>,
    origin: Origin,
}

struct Reader<'m> {
    mapping: &'m Mapping,
    /// The matching variant, if any, then `[inbound]` itself.
    layers: Vec<Layer<'m>>,
}

impl<'m> Reader<'m> {
    fn source(&self, name: &str) -> Option<Source<'m>> {
        self.layers.iter().find_map(|layer| {
            if let Some(spec) = layer.fields.get(name) {
                return Some(Source::Field(&spec.rule, join_key(&format!("{}.fields", layer.path), name)));
            }
            let value = layer.defaults.get(name)?;
            Some(Source::Default(value, join_key(&format!("{}.defaults", layer.path), name)))
        })
    }

    fn lines(&self) -> Option<(&'m Lines, String)> {
        self.layers
            .iter()
            .find_map(|l| l.lines.map(|lines| (lines, format!("{}.lines", l.path))))
    }

    fn batch(&self, root: &Value, items: &[Value], base: &str, trace: &mut Trace) -> Result<Value, Error> {
        let mut events = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let at = format!("{base}/{i}");
            if !item.is_object() {
                return Err(Error::payload(
                    &at,
                    format!("Each event must be a JSON object; `{at}` is {}.", describe(item)),
                ));
            }
            events.push(self.event(&Ctx::new(root, item, &at, i), &format!("[{i}]"), trace)?);
        }
        Ok(Value::Array(events))
    }

    /// One canonical event; `prefix` is its canonical path (`[2]` in a batch).
    fn event(&self, ctx: &Ctx<'_>, prefix: &str, trace: &mut Trace) -> Result<Value, Error> {
        let mut out = Map::new();
        for &(name, kind) in EVENT_FIELDS {
            let Some(source) = self.source(name) else { continue };
            let sku = out.get("sku").and_then(Value::as_str).map(str::to_owned);
            let read = self.read(source, name, kind, ctx, sku.as_deref())?;
            trace.origins.insert(crate::join_path(prefix, Some(name)), read.origin);
            out.extend(read.value.map(|v| (name.to_owned(), v)));
        }
        if let Some((lines, key)) = self.lines() {
            let pointer = parse_pointer(&lines.pointer).map_err(|m| Error::payload(format!("{key}.pointer"), m))?;
            let (found, at) = ctx.get(pointer);
            trace
                .origins
                .insert(crate::join_path(prefix, Some("lines")), Origin::Vendor(at.clone()));
            match found {
                None | Some(Value::Null) => {}
                Some(Value::Array(items)) => {
                    let mut canonical = Vec::with_capacity(items.len());
                    for (j, item) in items.iter().enumerate() {
                        let line_ctx = Ctx {
                            line: Some((item, format!("{at}/{j}"))),
                            ..ctx.clone()
                        };
                        let line_prefix = crate::join_path(prefix, Some(&format!("lines[{j}]")));
                        canonical.push(self.line(lines, &key, &line_ctx, &line_prefix, trace)?);
                    }
                    out.insert("lines".to_owned(), Value::Array(canonical));
                }
                Some(other) => {
                    return Err(Error::payload(
                        &at,
                        format!("Expected an array of lines at `{at}`; got {}.", describe(other)),
                    ));
                }
            }
        }
        Ok(Value::Object(out))
    }

    fn line(&self, lines: &'m Lines, key: &str, ctx: &Ctx<'_>, prefix: &str, trace: &mut Trace) -> Result<Value, Error> {
        let mut out = Map::new();
        for &(name, kind) in LINE_FIELDS {
            let Some(spec) = lines.fields.get(name) else { continue };
            let source = Source::Field(&spec.rule, join_key(&format!("{key}.fields"), name));
            let sku = out.get("sku").and_then(Value::as_str).map(str::to_owned);
            let read = self.read(source, name, kind, ctx, sku.as_deref())?;
            trace.origins.insert(crate::join_path(prefix, Some(name)), read.origin);
            out.extend(read.value.map(|v| (name.to_owned(), v)));
        }
        Ok(Value::Object(out))
    }

    fn read(&self, source: Source<'_>, name: &str, kind: Kind, ctx: &Ctx<'_>, sku: Option<&str>) -> Result<Read, Error> {
        let (field, key) = match source {
            Source::Default(value, key) => {
                return Ok(Read {
                    value: Some(value.clone()),
                    origin: Origin::Mapping(key),
                });
            }
            Source::Field(field, key) => (field, key),
        };
        let (raw, at) = self.raw(field, &key, ctx)?;
        let blank = |v: &Value| match v {
            Value::Null => true,
            Value::String(s) => s.trim().is_empty() || (matches!(kind, Kind::Date | Kind::Timestamp) && convert::is_initial(v)),
            _ => false,
        };
        let Some(raw) = raw.filter(|v| !blank(v)) else {
            let origin = match field.default {
                Some(_) => Origin::Mapping(format!("{key}.default")),
                None => Origin::Vendor(at),
            };
            return Ok(Read {
                value: field.default.clone(),
                origin,
            });
        };
        let value = self.shape(field, &key, name, kind, raw, &at, ctx, sku)?;
        Ok(Read {
            value: Some(value),
            origin: Origin::Vendor(at),
        })
    }

    /// The vendor value for `field` (owned: a template builds a new one) and
    /// its absolute pointer; for a template, that of its first placeholder.
    fn raw(&self, field: &Field, key: &str, ctx: &Ctx<'_>) -> Result<(Option<Value>, String), Error> {
        if let Some(pointer) = &field.pointer {
            let pointer = parse_pointer(pointer).map_err(|m| Error::payload(format!("{key}.pointer"), m))?;
            let (found, at) = ctx.get(pointer);
            return Ok((found.cloned(), at));
        }
        let Some(text) = &field.template else {
            return Err(Error::payload(key, "The field needs a `pointer` or a `template`."));
        };
        let pieces = template::scan(text).map_err(|m| Error::payload(format!("{key}.template"), m))?;
        let mut out = String::new();
        let mut first_at = None;
        for piece in pieces {
            match piece {
                Piece::Literal(literal) => out.push_str(&literal),
                Piece::Hole("index") => out.push_str(&ctx.index.to_string()),
                Piece::Hole(hole) => {
                    let pointer = parse_pointer(hole).map_err(|m| Error::payload(format!("{key}.template"), m))?;
                    let (found, at) = ctx.get(pointer);
                    let value = found.and_then(convert::text).filter(|t| !t.trim().is_empty());
                    let Some(value) = value else {
                        // One missing part leaves the whole value missing,
                        // as a missing pointer would.
                        return Ok((None, at));
                    };
                    first_at.get_or_insert(at);
                    out.push_str(value.trim());
                }
            }
        }
        Ok((Some(Value::String(out)), first_at.unwrap_or_else(|| ctx.event_at.clone())))
    }

    #[allow(clippy::too_many_arguments)]
    fn shape(
        &self,
        field: &Field,
        key: &str,
        name: &str,
        kind: Kind,
        raw: Value,
        at: &str,
        ctx: &Ctx<'_>,
        sku: Option<&str>,
    ) -> Result<Value, Error> {
        let mut value = raw;
        if let Some(convert) = field.convert.filter(|c| c.is_text()) {
            let text = convert::text(&value).ok_or_else(|| {
                Error::payload(
                    at,
                    format!("`{at}` is {}, but `convert = \"{}\"` needs text.", describe(&value), convert.name()),
                )
            })?;
            value = Value::String(convert.apply_text(text.trim()));
        }
        if let Some(map) = &field.map {
            value = self.mapped(field, key, name, map, &value, at)?;
        }
        match kind {
            Kind::Text => {
                let text = convert::text(&value)
                    .ok_or_else(|| Error::payload(at, format!("`{at}` should be text for `{name}`; got {}.", describe(&value))))?;
                let text = text.trim();
                let ours = self.mapping.codes.table(name).and_then(|codes| codes.get(text));
                Ok(Value::String(ours.map_or(text, String::as_str).to_owned()))
            }
            Kind::Timestamp => convert::timestamp(&value, field.convert)
                .map(|ts| Value::String(ts.to_string()))
                .map_err(|m| Error::payload(at, format!("`{at}` for `{name}`: {m}"))),
            Kind::Date => convert::date(&value, field.convert)
                .map(|date| Value::String(date.to_string()))
                .map_err(|m| Error::payload(at, format!("`{at}` for `{name}`: {m}"))),
            Kind::Quantity => self.quantity(field, key, name, &value, at, ctx, sku),
        }
    }

    fn mapped(&self, field: &Field, key: &str, name: &str, map: &str, value: &Value, at: &str) -> Result<Value, Error> {
        let table = self
            .mapping
            .maps
            .get(map)
            .ok_or_else(|| Error::payload(format!("{key}.map"), format!("`[maps.{map}]` is not defined in the mapping.")))?;
        let text = convert::text(value)
            .ok_or_else(|| Error::payload(at, format!("`{at}` is {}, which `[maps.{map}]` cannot look up.", describe(value))))?;
        let text = text.trim();
        if let Some(canonical) = look_up(table, text) {
            return Ok(Value::String(canonical));
        }
        let source = match &field.template {
            Some(template) => format!("built by the template `{template}`"),
            None => format!("at `{at}`"),
        };
        let choices = if name == "event_type" {
            format!("one of {}", super::super::EVENT_TYPES.join(", "))
        } else {
            format!("the canonical {name}")
        };
        Err(Error::payload(
            at,
            format!(
                "Value `{text}` {source} has no entry in `[maps.{map}]` (used for `{name}`). Hint: add `{} = \"...\"` under `[maps.{map}]` in the mapping file, with {choices}.",
                join_key("", text)
            ),
        ))
    }

    #[allow(clippy::too_many_arguments)]
    fn quantity(
        &self,
        field: &Field,
        key: &str,
        name: &str,
        value: &Value,
        at: &str,
        ctx: &Ctx<'_>,
        sku: Option<&str>,
    ) -> Result<Value, Error> {
        let amount = convert::decimal(value)
            .ok_or_else(|| Error::payload(at, format!("`{at}` should be a quantity for `{name}`; got {}.", describe(value))))?;
        let (factor, unit) = self.factor(field, key, ctx, sku)?;
        let of = unit.as_deref().map(|u| format!(" {u}")).unwrap_or_default();
        let units = amount
            .checked_mul(factor)
            .ok_or_else(|| Error::payload(at, format!("`{at}` is {}{of}, which is out of range in units.", amount.normalize())))?;
        match convert::whole(units) {
            Some(whole) => Ok(Value::from(whole)),
            None if units.fract().is_zero() => Err(Error::payload(
                at,
                format!("`{at}` is {}{of}, which is out of range.", amount.normalize()),
            )),
            None => Err(Error::payload(
                at,
                format!(
                    "`{at}` is {}{of}, which is {} units; a quantity must be a whole number of units.",
                    amount.normalize(),
                    units.normalize()
                ),
            )),
        }
    }

    /// Crossdock units per vendor unit for one quantity, and the vendor unit
    /// when it was read from the payload.
    fn factor(&self, field: &Field, key: &str, ctx: &Ctx<'_>, sku: Option<&str>) -> Result<(Decimal, Option<String>), Error> {
        if let Some(factor) = field.factor {
            return Ok((factor.0, None));
        }
        let Some(unit_field) = &field.unit_field else {
            return Ok((Decimal::ONE, None));
        };
        let pointer = parse_pointer(unit_field).map_err(|m| Error::payload(format!("{key}.unit_field"), m))?;
        let (found, at) = ctx.get(pointer);
        let unit = found
            .and_then(convert::text)
            .map(|u| u.trim().to_owned())
            .filter(|u| !u.is_empty())
            .ok_or_else(|| {
                Error::payload(
                    &at,
                    format!("The unit of measure at `{at}` is missing; the mapping converts this quantity by it (`{key}.unit_field`)."),
                )
            })?;
        let factor = self.mapping.unit_factor(sku, &unit).ok_or_else(|| {
            let per_sku = sku
                .map(|s| format!(", or under `[{}]` for `{s}` only", join_key("sku_units", s)))
                .unwrap_or_default();
            Error::payload(
                &at,
                format!(
                    "Unit `{unit}` at `{at}` has no factor. Hint: add `{} = <units per {unit}>` under `[units]` in the mapping file{per_sku}.",
                    join_key("", &unit)
                ),
            )
        })?;
        Ok((factor, Some(unit)))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::OneOrMany;
    use super::*;

    #[test]
    fn variants_match_on_a_value_or_on_presence() {
        let when = |equals: Option<OneOrMany>| Condition {
            pointer: "/Kind".to_owned(),
            equals,
        };
        let present = when(None);
        assert!(present.matches(&json!({"Kind": [{"Sku": "A"}]})));
        assert!(present.matches(&json!({"Kind": 0})));
        assert!(!present.matches(&json!({"Kind": "  "})));
        assert!(!present.matches(&json!({"Kind": null})));
        assert!(!present.matches(&json!([{"Kind": "X"}])));
        let listed = when(Some(OneOrMany::Many(vec!["110".into(), "SHIP".into()])));
        assert!(listed.matches(&json!({"Kind": 110})));
        assert!(listed.matches(&json!({"Kind": " SHIP "})));
        assert!(!listed.matches(&json!({"Kind": "ship"})));
        assert!(!listed.matches(&json!({"Kind": ["SHIP"]})));
        assert!(when(Some(OneOrMany::One("A".into()))).matches(&json!({"Kind": "A"})));
    }

    #[test]
    fn pointers_take_an_optional_scope() {
        let p = parse_pointer("root:/Warehouse").unwrap();
        assert_eq!((p.scope, p.pointer), (Some(Scope::Root), "/Warehouse"));
        let p = parse_pointer("/a~1b/~0c").unwrap();
        assert_eq!((p.scope, p.pointer), (None, "/a~1b/~0c"));
        assert!(parse_pointer("OrderId").unwrap_err().contains("must start with `/`"));
        assert!(parse_pointer("/a~2").unwrap_err().contains("~0"));
        assert!(parse_pointer("/a~").is_err());
        assert!(parse_pointer("line:/Qty").is_err());
    }
}
