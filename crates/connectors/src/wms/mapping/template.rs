//! Templates: `{...}` placeholders in strings.
//!
//! Inbound templates join vendor values into one (an event id from fields
//! that are only unique together); their placeholders are pointers and are
//! read in `inbound`. Outbound templates are trees (the route's body) whose
//! string leaves refer to the message's fields:
//!
//! - `"{wave_id}"`, a whole-string reference, keeps the value's JSON type;
//!   `"W-{wave_id}"` interpolates text.
//! - `[]` marks an array: `{orders[].lines[].sku}`. A template array with a
//!   single element is repeated once per element of the array its
//!   references iterate; any other array is literal.
//! - Filters after `|`, applied left to right: `text`, `unit:CS`, `map:NAME`.
//! - `sku` and `node` leaves get the reverse of `[codes.sku]`/`[codes.node]`.
//! - A reference to an absent optional field drops its key (or element).

use serde_json::{Map, Value};

use model::outbound::Message;
use rust_decimal::Decimal;

use super::catalog;
use super::convert::{self, describe};
use super::validate::Problem;
use super::{Mapping, Route, join_key, look_up};
use crate::Error;
use crate::outbound::Request;

/// One piece of a template string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Piece<'a> {
    Literal(String),
    Hole(&'a str),
}

/// Splits `text` into literal text and `{...}` holes; `{{` and `}}` are
/// literal braces.
pub(super) fn scan(text: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(['{', '}']) {
        literal.push_str(&rest[..i]);
        let brace = if rest.as_bytes()[i] == b'{' { '{' } else { '}' };
        let after = &rest[i + 1..];
        if let Some(escaped) = after.strip_prefix(brace) {
            literal.push(brace);
            rest = escaped;
            continue;
        }
        if brace == '}' {
            return Err(format!("`{text}` has a `}}` without its `{{`; write `}}}}` for a literal brace."));
        }
        let end = after
            .find('}')
            .ok_or_else(|| format!("`{text}` has a `{{` that is never closed."))?;
        let hole = after[..end].trim();
        if hole.is_empty() || hole.contains('{') {
            return Err(format!(
                "`{text}` has an empty or nested placeholder; write `{{{{` for a literal brace."
            ));
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(std::mem::take(&mut literal)));
        }
        pieces.push(Piece::Hole(hole));
        rest = &after[end + 1..];
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        pieces.push(Piece::Literal(literal));
    }
    Ok(pieces)
}

/// One segment of a reference path; `each` for `name[]`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seg {
    name: String,
    each: bool,
}

type Path = Vec<Seg>;

fn path_text(path: &[Seg]) -> String {
    path.iter()
        .map(|s| if s.each { format!("{}[]", s.name) } else { s.name.clone() })
        .collect::<Vec<_>>()
        .join(".")
}

#[derive(Debug, Clone)]
enum Filter {
    Text,
    Unit(String),
    Map(String),
}

/// `{orders[].lines[].quantity|unit:CS}`, parsed.
#[derive(Debug, Clone)]
struct Ref {
    written: String,
    path: Path,
    filters: Vec<Filter>,
}

#[derive(Debug, Clone)]
enum Part {
    Literal(String),
    Ref(Ref),
}

#[derive(Debug, Clone)]
enum Node {
    Const(Value),
    Text(Vec<Part>),
    Object(Vec<(String, Node)>),
    Array(Vec<Node>),
    /// A one-element template array repeated over the array at `over`.
    Repeat {
        over: Path,
        element: Box<Node>,
    },
}

/// A route with its templates parsed and checked against the message kind.
struct Compiled {
    path: Vec<Part>,
    headers: Vec<(String, Vec<Part>)>,
    body: Option<Node>,
}

struct Compiler<'m> {
    mapping: &'m Mapping,
    kind: &'static str,
    problems: Vec<Problem>,
}

/// Checks one `[outbound.<kind>]` route, adding what is wrong to `problems`.
pub(super) fn check_route(mapping: &Mapping, kind: &'static str, route: &Route, problems: &mut Vec<Problem>) {
    let mut compiler = Compiler {
        mapping,
        kind,
        problems: Vec::new(),
    };
    compiler.route(route);
    problems.append(&mut compiler.problems);
}

impl Compiler<'_> {
    fn problem(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem::new(path, message));
    }

    fn route(&mut self, route: &Route) -> Compiled {
        let at = format!("outbound.{}", self.kind);
        let path_at = format!("{at}.path");
        if !route.path.starts_with('/') {
            self.problem(
                &path_at,
                format!(
                    "The path `{}` must start with `/`; it is relative to the connection's base_url.",
                    route.path
                ),
            );
        }
        let path = self.text(&route.path, &path_at, &[]);
        let headers = route
            .headers
            .iter()
            .map(|(name, value)| (name.clone(), self.text(value, &join_key(&format!("{at}.headers"), name), &[])))
            .collect();
        let body = route.body.as_ref().map(|body| self.node(body, &format!("{at}.body"), &[]));
        Compiled { path, headers, body }
    }

    fn node(&mut self, value: &Value, at: &str, bound: &[Path]) -> Node {
        match value {
            Value::String(s) => {
                let parts = self.text(s, at, bound);
                match parts.as_slice() {
                    [] => Node::Const(Value::String(String::new())),
                    [Part::Literal(text)] => Node::Const(Value::String(text.clone())),
                    _ => Node::Text(parts),
                }
            }
            // How the toml crate hands a TOML date to a JSON value.
            Value::Object(map) if map.contains_key("$__toml_private_datetime") => {
                self.problem(
                    at,
                    "A TOML date or time here would not be sent as text; write it as a quoted string.",
                );
                Node::Const(Value::Null)
            }
            Value::Object(map) => Node::Object(
                map.iter()
                    .map(|(key, value)| (key.clone(), self.node(value, &join_key(at, key), bound)))
                    .collect(),
            ),
            Value::Array(items) if items.len() == 1 => {
                let mut refs = Vec::new();
                collect_paths(&items[0], &mut refs);
                let mut over: Vec<Path> = Vec::new();
                for array in refs.iter().filter_map(|p| first_unbound(p, bound)) {
                    if !over.contains(&array) {
                        over.push(array);
                    }
                }
                let element_at = format!("{at}[0]");
                match over.as_slice() {
                    [] => Node::Array(vec![self.node(&items[0], &element_at, bound)]),
                    [one] => {
                        let mut inner = bound.to_vec();
                        inner.push(one.clone());
                        Node::Repeat {
                            over: one.clone(),
                            element: Box::new(self.node(&items[0], &element_at, &inner)),
                        }
                    }
                    several => {
                        let names: Vec<_> = several.iter().map(|p| format!("`{}`", path_text(p))).collect();
                        self.problem(
                            &element_at,
                            format!(
                                "This repeated element refers to several arrays ({}); it can repeat over only one. Hint: nest one array's template inside the other's.",
                                names.join(", ")
                            ),
                        );
                        Node::Array(Vec::new())
                    }
                }
            }
            Value::Array(items) => Node::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| self.node(item, &format!("{at}[{i}]"), bound))
                    .collect(),
            ),
            scalar => Node::Const(scalar.clone()),
        }
    }

    fn text(&mut self, text: &str, at: &str, bound: &[Path]) -> Vec<Part> {
        let pieces = match scan(text) {
            Ok(pieces) => pieces,
            Err(message) => {
                self.problem(at, message);
                return Vec::new();
            }
        };
        let mut parts = Vec::new();
        for piece in pieces {
            match piece {
                Piece::Literal(literal) => parts.push(Part::Literal(literal)),
                Piece::Hole(hole) => {
                    let Some(reference) = self.reference(hole, at) else { continue };
                    if let Some(unbound) = first_unbound(&reference.path, bound) {
                        let array = path_text(&unbound);
                        self.problem(
                            at,
                            format!(
                                "`{{{hole}}}` is not inside an array repeated over `{array}`. Hint: put it in a one-element array, e.g. `Lines = [{{ Sku = \"{{{hole}}}\" }}]`."
                            ),
                        );
                        continue;
                    }
                    parts.push(Part::Ref(reference));
                }
            }
        }
        parts
    }

    fn reference(&mut self, hole: &str, at: &str) -> Option<Ref> {
        let mut segments = hole.split('|').map(str::trim);
        let written = segments.next().unwrap_or_default();
        let path = parse_path(written);
        let known = catalog::outbound_fields(self.kind);
        let Some(path) = path.filter(|p| known.contains(&path_text(p).as_str())) else {
            self.problem(
                at,
                format!(
                    "`{{{hole}}}`: `{written}` is not a field of a {} message; known: {}.",
                    self.kind,
                    known.join(", ")
                ),
            );
            return None;
        };
        let mut filters = Vec::new();
        for filter in segments {
            let parsed = match filter.split_once(':').map(|(f, arg)| (f.trim(), arg.trim())) {
                None if filter == "text" => Filter::Text,
                Some(("unit", unit)) if !unit.is_empty() => {
                    if path.last().is_none_or(|s| s.name != "quantity") {
                        self.problem(at, format!("`{{{hole}}}`: `unit:` converts quantities; `{written}` is not one."));
                    }
                    if !self.mapping.knows_unit(unit) {
                        self.problem(
                            at,
                            format!("`{{{hole}}}`: unit `{unit}` has no factor. Hint: add `{unit} = <units per {unit}>` under `[units]`."),
                        );
                    }
                    Filter::Unit(unit.to_owned())
                }
                Some(("map", name)) if !name.is_empty() => {
                    if !self.mapping.maps.contains_key(name) {
                        self.problem(at, format!("`{{{hole}}}`: `[maps.{name}]` is not defined."));
                    }
                    Filter::Map(name.to_owned())
                }
                _ => {
                    self.problem(
                        at,
                        format!("`{{{hole}}}`: unknown filter `{filter}`; filters are `text`, `unit:<UOM>` and `map:<name>`."),
                    );
                    continue;
                }
            };
            filters.push(parsed);
        }
        Some(Ref {
            written: hole.to_owned(),
            path,
            filters,
        })
    }
}

fn parse_path(written: &str) -> Option<Path> {
    written
        .split('.')
        .map(|segment| {
            let (name, each) = match segment.strip_suffix("[]") {
                Some(name) => (name, true),
                None => (segment, false),
            };
            let valid = !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            valid.then(|| Seg {
                name: name.to_owned(),
                each,
            })
        })
        .collect()
}

/// The shortest `a[]` / `a[].b[]` prefix of `path` that no enclosing
/// repetition binds.
fn first_unbound(path: &[Seg], bound: &[Path]) -> Option<Path> {
    (0..path.len())
        .filter(|&i| path[i].each)
        .map(|i| path[..=i].to_vec())
        .find(|prefix| !bound.contains(prefix))
}

/// Every reference path under a template value (holes that do not parse are
/// reported when the leaf itself is compiled).
fn collect_paths(value: &Value, out: &mut Vec<Path>) {
    match value {
        Value::String(s) => {
            for piece in scan(s).unwrap_or_default() {
                if let Piece::Hole(hole) = piece
                    && let Some(path) = parse_path(hole.split('|').next().unwrap_or_default().trim())
                {
                    out.push(path);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_paths(item, out)),
        Value::Object(map) => map.values().for_each(|item| collect_paths(item, out)),
        _ => {}
    }
}

/// Renders a WMS message through the mapping's route for its kind.
pub(super) fn render(mapping: &Mapping, message: &Message) -> Result<Request, Error> {
    let kind = message.kind();
    let Some(key) = catalog::outbound_key(kind) else {
        return Err(Error::InvalidPayload {
            field: None,
            message: format!("A WMS connection does not send `{kind}` messages; it sends wms.wave, wms.hold and wms.expected_return."),
        });
    };
    let route = match key {
        "wave" => mapping.outbound.wave.as_ref(),
        "hold" => mapping.outbound.hold.as_ref(),
        _ => mapping.outbound.expected_return.as_ref(),
    };
    let route = route.ok_or_else(|| {
        Error::payload(
            format!("outbound.{key}"),
            format!(
                "The mapping has no `[outbound.{key}]`, so `{kind}` messages cannot be sent. Hint: add that route to the mapping file."
            ),
        )
    })?;
    let mut compiler = Compiler {
        mapping,
        kind: key,
        problems: Vec::new(),
    };
    let compiled = compiler.route(route);
    if let Some(problem) = compiler.problems.into_iter().next() {
        return Err(Error::payload(problem.path, problem.message));
    }
    let payload = message.payload();
    let renderer = Renderer { mapping, root: &payload };
    let at = format!("outbound.{key}");
    let path_at = format!("{at}.path");
    let path = renderer
        .string(&compiled.path, &Vec::new(), &path_at, true)?
        .ok_or_else(|| Error::payload(&path_at, "The path refers to a field this message does not have."))?;
    let mut headers = Vec::new();
    for (name, parts) in &compiled.headers {
        if let Some(value) = renderer.string(parts, &Vec::new(), &join_key(&format!("{at}.headers"), name), false)? {
            headers.push((name.clone(), value));
        }
    }
    let body = match &compiled.body {
        Some(node) => renderer.node(node, &mut Vec::new(), &format!("{at}.body"))?,
        None => None,
    };
    Ok(Request {
        method: route.method.into(),
        path,
        headers,
        body,
    })
}

/// The message's payload and, while repeating, the array elements bound to
/// each `a[]` path.
struct Renderer<'a> {
    mapping: &'a Mapping,
    root: &'a Value,
}

type Bindings<'a> = Vec<(Path, &'a Value)>;

impl<'a> Renderer<'a> {
    fn resolve(&self, path: &[Seg], bindings: &Bindings<'a>) -> Option<&'a Value> {
        let (start, mut value) = bindings
            .iter()
            .rev()
            .find(|(bound, _)| path.starts_with(bound))
            .map_or((0, self.root), |(bound, value)| (bound.len(), *value));
        for seg in &path[start..] {
            value = value.get(&seg.name)?;
        }
        Some(value)
    }

    fn node(&self, node: &Node, bindings: &mut Bindings<'a>, at: &str) -> Result<Option<Value>, Error> {
        Ok(match node {
            Node::Const(value) => Some(value.clone()),
            Node::Text(parts) => match parts.as_slice() {
                [Part::Ref(reference)] => self.reference(reference, bindings, at)?,
                parts => self.string(parts, bindings, at, false)?.map(Value::String),
            },
            Node::Object(entries) => {
                let mut object = Map::new();
                for (key, node) in entries {
                    if let Some(value) = self.node(node, bindings, &join_key(at, key))? {
                        object.insert(key.clone(), value);
                    }
                }
                Some(Value::Object(object))
            }
            Node::Array(items) => {
                let mut array = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    array.extend(self.node(item, bindings, &format!("{at}[{i}]"))?);
                }
                Some(Value::Array(array))
            }
            Node::Repeat { over, element } => {
                let items = match self.resolve(over, bindings) {
                    None | Some(Value::Null) => &[][..],
                    Some(Value::Array(items)) => items.as_slice(),
                    Some(other) => {
                        return Err(Error::payload(
                            at,
                            format!("`{}` should be an array in this message; got {}.", path_text(over), describe(other)),
                        ));
                    }
                };
                let mut array = Vec::new();
                for item in items {
                    bindings.push((over.clone(), item));
                    let rendered = self.node(element, bindings, &format!("{at}[0]"));
                    bindings.pop();
                    array.extend(rendered?);
                }
                Some(Value::Array(array))
            }
        })
    }

    /// Interpolated text; `None` when a reference has no value. Values in a
    /// path are percent-encoded.
    fn string(&self, parts: &[Part], bindings: &Bindings<'a>, at: &str, in_path: bool) -> Result<Option<String>, Error> {
        let mut out = String::new();
        for part in parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Ref(reference) => {
                    let Some(value) = self.reference(reference, bindings, at)? else {
                        if in_path {
                            return Err(Error::payload(
                                at,
                                format!("`{{{}}}` in the path has no value in this message.", reference.written),
                            ));
                        }
                        return Ok(None);
                    };
                    let text = convert::text(&value).ok_or_else(|| {
                        Error::payload(
                            at,
                            format!(
                                "`{{{}}}` is {}, which cannot be written as text.",
                                reference.written,
                                describe(&value)
                            ),
                        )
                    })?;
                    if in_path {
                        out.push_str(&percent_encode(&text));
                    } else {
                        out.push_str(&text);
                    }
                }
            }
        }
        Ok(Some(out))
    }

    fn reference(&self, reference: &Ref, bindings: &Bindings<'a>, at: &str) -> Result<Option<Value>, Error> {
        let Some(raw) = self.resolve(&reference.path, bindings).filter(|v| !v.is_null()) else {
            return Ok(None);
        };
        let field = reference.path.last().map_or("", |s| s.name.as_str());
        let mut value = raw.clone();
        if let (Some(table), Some(id)) = (self.mapping.codes.table(field), raw.as_str())
            && let Some(vendor) = reverse(table, id)
        {
            value = Value::String(vendor.to_owned());
        }
        for filter in &reference.filters {
            value = match filter {
                Filter::Text => Value::String(convert::text(&value).unwrap_or_default()),
                Filter::Map(name) => {
                    let key = convert::text(&value).unwrap_or_default();
                    match self.mapping.maps.get(name).and_then(|m| look_up(m, key.trim())) {
                        Some(mapped) => Value::String(mapped),
                        None => {
                            return Err(Error::payload(
                                at,
                                format!(
                                    "`{{{}}}`: value `{key}` has no entry in `[maps.{name}]`. Hint: add `\"{key}\" = \"<vendor value>\"` under `[maps.{name}]`.",
                                    reference.written
                                ),
                            ));
                        }
                    }
                }
                Filter::Unit(unit) => self.to_unit(reference, &value, unit, bindings, at)?,
            };
        }
        Ok(Some(value))
    }

    /// Crossdock units into the vendor's `unit`: the reverse of inbound
    /// conversion. A remainder is an error, not a rounded quantity.
    fn to_unit(&self, reference: &Ref, value: &Value, unit: &str, bindings: &Bindings<'a>, at: &str) -> Result<Value, Error> {
        let written = &reference.written;
        let units = value
            .as_i64()
            .ok_or_else(|| Error::payload(at, format!("`{{{written}}}` needs a whole quantity; got {}.", describe(value))))?;
        let mut sku_path = reference.path.clone();
        if let Some(last) = sku_path.last_mut() {
            *last = Seg {
                name: "sku".to_owned(),
                each: false,
            };
        }
        let sku = self.resolve(&sku_path, bindings).and_then(Value::as_str);
        let factor = self.mapping.unit_factor(sku, unit).ok_or_else(|| {
            Error::payload(
                at,
                format!("`{{{written}}}`: unit `{unit}` has no factor. Hint: add `{unit} = <units per {unit}>` under `[units]`."),
            )
        })?;
        let converted = Decimal::from(units).checked_div(factor).unwrap_or_default();
        let whole = convert::whole(converted).ok_or_else(|| {
            let item = sku.map(|s| format!(" of `{s}`")).unwrap_or_default();
            Error::payload(
                at,
                format!(
                    "`{{{written}}}`: {units} units{item} is {} {unit}, not a whole number of {unit}. Hint: send this quantity in a smaller unit.",
                    converted.normalize()
                ),
            )
        })?;
        Ok(Value::from(whole))
    }
}

/// The vendor code for a crossdock id; ids without one are sent as they are.
fn reverse<'t>(table: &'t std::collections::BTreeMap<String, String>, id: &str) -> Option<&'t str> {
    table
        .iter()
        .find(|(_, ours)| ours.as_str() == id)
        .map(|(theirs, _)| theirs.as_str())
}

/// RFC 3986 percent-encoding of everything but unreserved characters, so an
/// id cannot add path segments or a query.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_splits_holes_and_unescapes_braces() {
        assert_eq!(
            scan("W-{wave_id}{{x}}").unwrap(),
            vec![Piece::Literal("W-".into()), Piece::Hole("wave_id"), Piece::Literal("{x}".into())]
        );
        assert_eq!(
            scan("{ /A }-{root:/B}").unwrap(),
            vec![Piece::Hole("/A"), Piece::Literal("-".into()), Piece::Hole("root:/B")]
        );
        assert!(scan("{open").unwrap_err().contains("never closed"));
        assert!(scan("close}").unwrap_err().contains("without its"));
        assert!(scan("{}").is_err());
    }

    #[test]
    fn paths_are_percent_encoded() {
        assert_eq!(percent_encode("SO 1/2?x"), "SO%201%2F2%3Fx");
        assert_eq!(percent_encode("W-1_a.b~"), "W-1_a.b~");
    }
}
