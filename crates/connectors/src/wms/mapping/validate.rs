//! [`Mapping::validate`]: everything that can be checked without a payload,
//! so a broken file is refused when it is loaded rather than on the first
//! webhook that happens to need the broken part.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use model::{NodeId, Sku, Timestamp};
use serde_json::Value;

use super::catalog::{self, EVENT_FIELDS, Kind, LINE_FIELDS};
use super::inbound::{Layer, parse_pointer};
use super::template::{self, Piece};
use super::{FieldSpec, Mapping, join_key};
use crate::wms::EVENT_TYPES;

/// One thing wrong with a mapping file, at a key path such as
/// `inbound.fields.order_id.map` or `outbound.wave.body.Orders[0].Sku`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl Problem {
    pub(super) fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Why a mapping file cannot be used: every problem found, each naming its
/// key path in the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct MappingError {
    pub problems: Vec<Problem>,
}

impl MappingError {
    pub(super) fn single(path: impl Into<String>, message: impl Into<String>) -> Self {
        MappingError {
            problems: vec![Problem::new(path, message)],
        }
    }

    /// The key paths at fault, in the order found.
    pub fn paths(&self) -> Vec<&str> {
        self.problems.iter().map(|p| p.path.as_str()).collect()
    }
}

impl fmt::Display for MappingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [one] => write!(f, "Mapping file, `{}`: {}", one.path, one.message),
            many => {
                write!(f, "The mapping file has {} problems:", many.len())?;
                many.iter().try_for_each(|p| write!(f, "\n- `{}`: {}", p.path, p.message))
            }
        }
    }
}

pub(super) fn run(mapping: &Mapping) -> Result<(), MappingError> {
    let mut check = Check {
        mapping,
        problems: Vec::new(),
        event_type_maps: BTreeSet::new(),
    };
    check.units();
    check.codes();
    check.maps();
    check.inbound();
    for (kind, route) in mapping.outbound.routes() {
        template::check_route(mapping, kind, route, &mut check.problems);
    }
    match check.problems.is_empty() {
        true => Ok(()),
        false => Err(MappingError { problems: check.problems }),
    }
}

struct Check<'m> {
    mapping: &'m Mapping,
    problems: Vec<Problem>,
    /// Value maps already checked as producing event types.
    event_type_maps: BTreeSet<&'m str>,
}

impl<'m> Check<'m> {
    fn problem(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem::new(path, message));
    }

    fn units(&mut self) {
        let factors = |path: &str, table: &BTreeMap<String, super::Factor>, problems: &mut Vec<Problem>| {
            for (unit, factor) in table {
                if factor.0 <= rust_decimal::Decimal::ZERO {
                    problems.push(Problem::new(
                        join_key(path, unit),
                        format!(
                            "A unit factor is crossdock units per `{unit}` and must be greater than 0; got {}.",
                            factor.0
                        ),
                    ));
                }
            }
        };
        factors("units", &self.mapping.units, &mut self.problems);
        for (sku, table) in &self.mapping.sku_units {
            let path = join_key("sku_units", sku);
            if let Err(e) = Sku::parse(sku) {
                self.problem(&path, format!("`{sku}` is not a crossdock SKU: {}", e.message));
            }
            factors(&path, table, &mut self.problems);
        }
    }

    fn codes(&mut self) {
        let codes = &self.mapping.codes;
        let outbound = self.mapping.outbound.routes().next().is_some();
        for (name, table, parse) in [
            (
                "sku",
                &codes.sku,
                (|raw| Sku::parse(raw).map(drop)) as fn(&str) -> Result<(), model::Error>,
            ),
            ("node", &codes.node, |raw| NodeId::parse(raw).map(drop)),
        ] {
            let path = format!("codes.{name}");
            let mut vendor_codes: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
            for (theirs, ours) in table {
                if let Err(e) = parse(ours) {
                    self.problem(
                        join_key(&path, theirs),
                        format!("`{ours}` is not a crossdock {name}: {}", e.message),
                    );
                }
                vendor_codes.entry(ours).or_default().push(theirs);
            }
            // Outbound sends the vendor code for a crossdock id, which must be one.
            for (ours, theirs) in vendor_codes.into_iter().filter(|(_, theirs)| outbound && theirs.len() > 1) {
                let list = theirs.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ");
                self.problem(
                    &path,
                    format!("Vendor codes {list} all map to `{ours}`, so outbound messages cannot choose one. Hint: keep one entry per crossdock {name}."),
                );
            }
        }
    }

    fn maps(&mut self) {
        for (name, table) in &self.mapping.maps {
            for (from, to) in table {
                if to.trim().is_empty() {
                    self.problem(join_key(&join_key("maps", name), from), "A mapped value must not be blank.");
                }
            }
        }
    }

    fn inbound(&mut self) {
        let Some(inbound) = &self.mapping.inbound else { return };
        let base = inbound.layer();
        self.layer(&base);
        for (i, variant) in inbound.variants.iter().enumerate() {
            let layer = variant.layer(i);
            let when = format!("{}.when", layer.path);
            match parse_pointer(&variant.when.pointer) {
                Ok(p) if p.scope.is_some() => self.problem(
                    format!("{when}.pointer"),
                    "`when` is always read from the payload's root; write the pointer without a scope.",
                ),
                Ok(_) => {}
                Err(message) => self.problem(format!("{when}.pointer"), message),
            }
            if matches!(&variant.when.equals, Some(super::OneOrMany::Many(values)) if values.is_empty()) {
                self.problem(
                    format!("{when}.equals"),
                    "An empty list never matches; list the values, or drop `equals` to match on presence.",
                );
            }
            self.layer(&layer);
        }
        // The canonical reader refuses an event without these, so a mapping
        // that cannot fill them fails every payload.
        for name in ["event_id", "event_type", "occurred_at"] {
            let sets = |layer: &Layer<'_>| layer.fields.contains_key(name) || layer.defaults.contains_key(name);
            if sets(&base) {
                continue;
            }
            let hint =
                format!("Map it under `[inbound.fields]` or set it under `[inbound.defaults]`; every canonical event needs `{name}`.");
            if inbound.variants.is_empty() {
                self.problem("inbound.fields", format!("`{name}` is not mapped. Hint: {hint}"));
            }
            for (i, variant) in inbound.variants.iter().enumerate() {
                let layer = variant.layer(i);
                if !sets(&layer) {
                    let which = variant.name.as_deref().map(|n| format!(" (`{n}`)")).unwrap_or_default();
                    self.problem(
                        &layer.path,
                        format!("Neither this variant{which} nor `[inbound]` maps `{name}`. Hint: {hint}"),
                    );
                }
            }
        }
    }

    fn layer(&mut self, layer: &Layer<'m>) {
        if let Some(events) = layer.events {
            match parse_pointer(events) {
                Ok(p) if p.scope.is_some() => self.problem(
                    format!("{}.events", layer.path),
                    "`events` is read from the payload's root; drop the scope.",
                ),
                Ok(_) => {}
                Err(message) => self.problem(format!("{}.events", layer.path), message),
            }
        }
        let fields_at = format!("{}.fields", layer.path);
        for (name, spec) in layer.fields {
            let at = join_key(&fields_at, name);
            match catalog::kind_of(EVENT_FIELDS, name) {
                _ if name == "lines" => self.problem(
                    at,
                    format!(
                        "Lines are mapped under `[{}.lines]`, with a pointer and their own fields.",
                        layer.path
                    ),
                ),
                None => self.problem(
                    at,
                    format!(
                        "`{name}` is not a canonical WMS event field; known: {}.",
                        catalog::names(EVENT_FIELDS)
                    ),
                ),
                Some(kind) => self.field(spec, kind, name, &at),
            }
        }
        let defaults_at = format!("{}.defaults", layer.path);
        for (name, value) in layer.defaults {
            let at = join_key(&defaults_at, name);
            match catalog::kind_of(EVENT_FIELDS, name) {
                None => self.problem(
                    at,
                    format!(
                        "`{name}` is not a canonical WMS event field; known: {}.",
                        catalog::names(EVENT_FIELDS)
                    ),
                ),
                Some(_) if layer.fields.contains_key(name) => self.problem(
                    at,
                    format!("`{name}` is also mapped under `[{fields_at}]`. Hint: give that field a `default` instead."),
                ),
                Some(kind) => self.default_value(value, kind, name, &at),
            }
        }
        if let Some(lines) = layer.lines {
            let at = format!("{}.lines", layer.path);
            if let Err(message) = parse_pointer(&lines.pointer) {
                self.problem(format!("{at}.pointer"), message);
            }
            for (name, spec) in &lines.fields {
                let field_at = join_key(&format!("{at}.fields"), name);
                match catalog::kind_of(LINE_FIELDS, name) {
                    None => self.problem(
                        field_at,
                        format!("`{name}` is not a line field; lines have {}.", catalog::names(LINE_FIELDS)),
                    ),
                    Some(kind) => self.field(spec, kind, name, &field_at),
                }
            }
            if LINE_FIELDS.iter().any(|(name, _)| !lines.fields.contains_key(*name)) {
                self.problem(format!("{at}.fields"), "Each line needs `sku` and `quantity`.");
            }
        }
    }

    fn field(&mut self, spec: &'m FieldSpec, kind: Kind, name: &str, at: &str) {
        let rule = &spec.rule;
        let key = |k: &str| if spec.shorthand { at.to_owned() } else { format!("{at}.{k}") };
        match (&rule.pointer, &rule.template) {
            (None, None) => self.problem(at, "The field needs a `pointer` or a `template`."),
            (Some(_), Some(_)) => self.problem(at, "The field has both a `pointer` and a `template`; keep one."),
            (Some(pointer), None) => {
                if let Err(message) = parse_pointer(pointer) {
                    self.problem(key("pointer"), message);
                }
            }
            (None, Some(text)) => match template::scan(text) {
                Err(message) => self.problem(key("template"), message),
                Ok(pieces) => {
                    for piece in pieces {
                        if let Piece::Hole(hole) = piece
                            && hole != "index"
                            && let Err(message) = parse_pointer(hole)
                        {
                            self.problem(key("template"), format!("{message} Placeholders are pointers, or `index`."));
                        }
                    }
                }
            },
        }
        if let Some(map) = &rule.map {
            match self.mapping.maps.get(map) {
                None => {
                    let defined = self.mapping.maps.keys().map(|k| format!("`{k}`")).collect::<Vec<_>>();
                    let defined = if defined.is_empty() {
                        "none".to_owned()
                    } else {
                        defined.join(", ")
                    };
                    self.problem(key("map"), format!("`[maps.{map}]` is not defined (defined: {defined})."));
                }
                Some(table) if name == "event_type" && self.event_type_maps.insert(map.as_str()) => {
                    for (from, to) in table {
                        if to != "*" && !EVENT_TYPES.contains(&to.as_str()) {
                            self.problem(
                                join_key(&join_key("maps", map), from),
                                format!("`{to}` is not an event_type; accepted: {}.", EVENT_TYPES.join(", ")),
                            );
                        }
                    }
                }
                Some(_) => {}
            }
        }
        if let Some(convert) = rule.convert {
            let fits = match kind {
                Kind::Text => convert.is_text(),
                Kind::Timestamp | Kind::Date => !convert.is_text(),
                Kind::Quantity => false,
            };
            if !fits {
                self.problem(
                    key("convert"),
                    format!(
                        "`{}` does not apply to `{name}`: trim_zeros, upper and lower are for text fields; epoch_seconds, epoch_millis and assume_utc for occurred_at and estimated_delivery_date.",
                        convert.name()
                    ),
                );
            }
        }
        let quantities = "only quantities (`quantity`, `on_hand`, a line's `quantity`) have units";
        if let Some(unit_field) = &rule.unit_field {
            if kind != Kind::Quantity {
                self.problem(key("unit_field"), format!("`{name}` has no unit: {quantities}."));
            }
            if let Err(message) = parse_pointer(unit_field) {
                self.problem(key("unit_field"), message);
            }
            if self.mapping.units.is_empty() && self.mapping.sku_units.is_empty() {
                self.problem(key("unit_field"), "There is no `[units]` table to look the unit up in.");
            }
        }
        if let Some(factor) = rule.factor {
            if kind != Kind::Quantity {
                self.problem(key("factor"), format!("`{name}` has no unit: {quantities}."));
            }
            if rule.unit_field.is_some() {
                self.problem(
                    at,
                    "Set either `unit_field` (the unit is in the payload) or `factor` (it is always the same), not both.",
                );
            }
            if factor.0 <= rust_decimal::Decimal::ZERO {
                self.problem(key("factor"), format!("A factor must be greater than 0; got {}.", factor.0));
            }
        }
        if let Some(default) = &rule.default {
            self.default_value(default, kind, name, &key("default"));
        }
    }

    /// A default is canonical already: it must have the field's type.
    fn default_value(&mut self, value: &Value, kind: Kind, name: &str, at: &str) {
        let problem = match (kind, value) {
            (Kind::Text, Value::String(s)) if s.trim().is_empty() => Some("must not be blank".to_owned()),
            (Kind::Text, Value::String(s)) if name == "event_type" && !EVENT_TYPES.contains(&s.as_str()) => Some(format!(
                "is `{s}`, which is not an event_type; accepted: {}",
                EVENT_TYPES.join(", ")
            )),
            (Kind::Text, Value::String(s)) if name == "node" => NodeId::parse(s)
                .err()
                .map(|e| format!("is refused: {}", e.message.trim_end_matches('.'))),
            (Kind::Text, Value::String(s)) if name == "sku" => Sku::parse(s)
                .err()
                .map(|e| format!("is refused: {}", e.message.trim_end_matches('.'))),
            (Kind::Text, Value::String(_)) => None,
            (Kind::Text, Value::Number(n)) if n.is_i64() || n.is_u64() => None,
            (Kind::Text, _) => Some("should be a string".to_owned()),
            (Kind::Timestamp, Value::String(s)) if s.parse::<Timestamp>().is_ok() => None,
            (Kind::Timestamp, _) => Some("should be an RFC 3339 instant such as \"2026-05-15T14:30:00Z\"".to_owned()),
            (Kind::Date, Value::String(s)) if s.parse::<jiff::civil::Date>().is_ok() => None,
            (Kind::Date, _) => Some("should be a date such as \"2026-05-17\"".to_owned()),
            (Kind::Quantity, Value::Number(n)) if n.is_i64() => None,
            (Kind::Quantity, _) => Some("should be a whole number of crossdock units".to_owned()),
        };
        if let Some(message) = problem {
            self.problem(at, format!("The default for `{name}` {message}."));
        }
    }
}
