//! Rate tables: what a carrier service charges for a parcel, by zone and
//! weight band, plus surcharges, and what it refuses to carry.
//!
//! A table is plain data (`serde`), so a tenant's contracted rates load from
//! configuration as JSON or TOML; [`super::defaults::example_tables`] ships a
//! made-up set for three carriers. Prices are in the set's currency, before
//! tax, per parcel; a shipment's price is the sum over its parcels.

use serde::{Deserialize, Serialize};

use super::geo::ZONES;
use crate::Error;

/// Unit of a table's weight bands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeightUnit {
    Kg,
    Lb,
}

const GRAMS_PER_LB: f64 = 453.592_37;
const CM_PER_IN: f64 = 2.54;

impl WeightUnit {
    fn of_grams(self, grams: f64) -> f64 {
        match self {
            WeightUnit::Kg => grams / 1000.0,
            WeightUnit::Lb => grams / GRAMS_PER_LB,
        }
    }

    /// The parcel's volume in the unit the dimensional divisor expects:
    /// cubic inches for pound tables, cubic centimetres for kilogram ones.
    fn volume(self, cm3: f64) -> f64 {
        match self {
            WeightUnit::Kg => cm3,
            WeightUnit::Lb => cm3 / CM_PER_IN.powi(3),
        }
    }

    pub(crate) fn symbol(self) -> &'static str {
        match self {
            WeightUnit::Kg => "kg",
            WeightUnit::Lb => "lb",
        }
    }
}

/// Extra charges per parcel. `None` means the service does not accept such
/// parcels at all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Surcharges {
    /// Delivery to a home rather than a business.
    #[serde(default)]
    pub residential: f64,
    /// Parcels flagged oversize or longer than [`OVERSIZE_LONGEST_CM`].
    #[serde(default)]
    pub oversize: Option<f64>,
    /// Dangerous goods (limited quantities).
    #[serde(default)]
    pub hazmat: Option<f64>,
    /// Fuel surcharge, percent of the base rate plus the other surcharges.
    #[serde(default)]
    pub fuel_pct: f64,
}

/// A parcel whose longest side exceeds this (48 in) counts as oversize even
/// when the request does not flag it.
pub const OVERSIZE_LONGEST_CM: f64 = 121.92;

/// A zone the carrier's own chart assigns to a pair of postal prefixes,
/// overriding the distance rule (e.g. a carrier's island or rural lanes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneOverride {
    /// Prefix of the origin's postal code, e.g. `070`.
    pub origin_prefix: String,
    /// Prefix of the destination's postal code, e.g. `967`.
    pub destination_prefix: String,
    pub zone: u8,
}

/// One carrier service's prices: `prices[zone − 1][band]` for a parcel whose
/// billable weight is at most `weight_bands[band]`; above the last band,
/// the last band's price plus `extra_per_unit[zone − 1]` per started unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateTable {
    /// Carrier code as labels and tracking events name it, e.g. `UPS`.
    pub carrier: String,
    /// Service code, e.g. `GROUND`.
    pub service: String,
    /// Display name, e.g. `UPS Ground`.
    pub name: String,
    /// Destination countries served (ISO 3166-1 alpha-2).
    #[serde(default = "default_countries")]
    pub countries: Vec<String>,
    /// Advertised business days in transit for zones 1 to 8; the transit
    /// model's prior before any delivery is observed.
    pub transit_days: Vec<u8>,
    pub weight_unit: WeightUnit,
    /// Upper limits of the weight bands, ascending.
    pub weight_bands: Vec<f64>,
    /// One row per zone (8), one price per weight band.
    pub prices: Vec<Vec<f64>>,
    /// Per zone: price per started weight unit above the last band.
    pub extra_per_unit: Vec<f64>,
    /// Heaviest billable parcel accepted.
    pub max_weight: f64,
    /// Dimensional divisor: billable weight is at least volume ÷ divisor
    /// (in³ per lb for pound tables, cm³ per kg for kilogram ones).
    #[serde(default)]
    pub dim_divisor: Option<f64>,
    pub surcharges: Surcharges,
    /// Whether it delivers to PO boxes.
    #[serde(default)]
    pub po_box: bool,
    #[serde(default)]
    pub zone_overrides: Vec<ZoneOverride>,
}

fn default_countries() -> Vec<String> {
    vec!["US".into()]
}

/// The rate tables of every configured carrier service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateTables {
    /// ISO 4217 code of every price in the set.
    pub currency: String,
    /// Where the numbers come from, e.g. "UPS contract 2026" or, for the
    /// built-in set, a warning that they are examples.
    #[serde(default)]
    pub source: String,
    pub tables: Vec<RateTable>,
}

/// A parcel as it goes to the carrier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parcel {
    pub weight_grams: u32,
    /// Outside dimensions, when known: they add dimensional weight and
    /// detect oversize parcels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length_cm: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width_cm: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height_cm: Option<f64>,
}

impl Parcel {
    pub(crate) fn validate(&self, field: &str) -> Result<(), Error> {
        if self.weight_grams == 0 {
            return Err(Error::invalid(format!("{field}.weight_grams"), "A parcel weighs at least 1 gram."));
        }
        for (name, v) in [
            ("length_cm", self.length_cm),
            ("width_cm", self.width_cm),
            ("height_cm", self.height_cm),
        ] {
            if let Some(v) = v
                && !(v.is_finite() && v > 0.0 && v <= 1000.0)
            {
                return Err(Error::invalid(
                    format!("{field}.{name}"),
                    format!("A parcel dimension is a positive number of centimetres up to 1000; got {v}."),
                ));
            }
        }
        Ok(())
    }

    fn volume_cm3(&self) -> Option<f64> {
        Some(self.length_cm? * self.width_cm? * self.height_cm?)
    }

    pub(crate) fn longest_cm(&self) -> f64 {
        [self.length_cm, self.width_cm, self.height_cm]
            .into_iter()
            .flatten()
            .fold(0.0, f64::max)
    }
}

/// What a shipment is, as far as eligibility and surcharges go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Handling {
    pub residential: bool,
    pub oversize: bool,
    pub hazmat: bool,
    pub po_box: bool,
}

/// The price of a shipment under one table, part by part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceBreakdown {
    /// Zone and weight-band rate, summed over parcels.
    pub base: f64,
    pub residential: f64,
    pub oversize: f64,
    pub hazmat: f64,
    pub fuel: f64,
    pub total: f64,
    /// Billable weight of each parcel in the table's unit (after rounding
    /// up and dimensional weight).
    pub billable_weights: Vec<f64>,
    pub weight_unit: WeightUnit,
}

/// Rounds to cents.
pub(crate) fn cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

impl RateTable {
    /// `carrier/service`, the key it is known by.
    pub fn key(&self) -> String {
        format!("{}/{}", self.carrier, self.service)
    }

    pub(crate) fn validate(&self, field: &str) -> Result<(), Error> {
        let zones = usize::from(ZONES);
        let at = |name: &str| format!("{field}.{name}");
        for (name, v) in [("carrier", &self.carrier), ("service", &self.service), ("name", &self.name)] {
            if v.trim().is_empty() {
                return Err(Error::invalid(at(name), format!("A rate table needs a {name}.")));
            }
        }
        if self.transit_days.len() != zones {
            return Err(Error::invalid(
                at("transit_days"),
                format!(
                    "Give the advertised transit days for each of the {zones} zones; got {}.",
                    self.transit_days.len()
                ),
            ));
        }
        if let Some(i) = self.transit_days.iter().position(|&d| usize::from(d) > super::transit::MAX_DAYS) {
            return Err(Error::invalid(
                format!("{field}.transit_days[{i}]"),
                format!("Transit days run from 0 to {}.", super::transit::MAX_DAYS),
            ));
        }
        if self.weight_bands.is_empty() {
            return Err(Error::invalid(at("weight_bands"), "A rate table needs at least one weight band."));
        }
        for (i, w) in self.weight_bands.iter().enumerate() {
            let prev = if i == 0 { 0.0 } else { self.weight_bands[i - 1] };
            if !w.is_finite() || *w <= prev {
                return Err(Error::invalid(
                    format!("{field}.weight_bands[{i}]"),
                    format!("Weight bands are positive and strictly ascending; got {w} after {prev}."),
                ));
            }
        }
        if self.prices.len() != zones {
            return Err(Error::invalid(
                at("prices"),
                format!("Give one row of prices per zone ({zones}); got {}.", self.prices.len()),
            ));
        }
        for (z, row) in self.prices.iter().enumerate() {
            if row.len() != self.weight_bands.len() {
                return Err(Error::invalid(
                    format!("{field}.prices[{z}]"),
                    format!("Give one price per weight band ({}); got {}.", self.weight_bands.len(), row.len()),
                ));
            }
            if let Some(b) = row.iter().position(|p| !p.is_finite() || *p < 0.0) {
                return Err(Error::invalid(
                    format!("{field}.prices[{z}][{b}]"),
                    format!("A price is a non-negative amount; got {}.", row[b]),
                ));
            }
        }
        if self.extra_per_unit.len() != zones {
            return Err(Error::invalid(
                at("extra_per_unit"),
                format!(
                    "Give the price per extra weight unit for each of the {zones} zones; got {}.",
                    self.extra_per_unit.len()
                ),
            ));
        }
        if let Some(z) = self.extra_per_unit.iter().position(|p| !p.is_finite() || *p < 0.0) {
            return Err(Error::invalid(
                format!("{field}.extra_per_unit[{z}]"),
                "A price is a non-negative amount.",
            ));
        }
        if !self.max_weight.is_finite() || self.max_weight <= 0.0 {
            return Err(Error::invalid(at("max_weight"), "The maximum weight is a positive number."));
        }
        if let Some(d) = self.dim_divisor
            && !(d.is_finite() && d > 0.0)
        {
            return Err(Error::invalid(at("dim_divisor"), "A dimensional divisor is a positive number."));
        }
        let s = &self.surcharges;
        for (name, v) in [
            ("residential", Some(s.residential)),
            ("oversize", s.oversize),
            ("hazmat", s.hazmat),
            ("fuel_pct", Some(s.fuel_pct)),
        ] {
            if let Some(v) = v
                && !(v.is_finite() && v >= 0.0)
            {
                return Err(Error::invalid(
                    format!("{field}.surcharges.{name}"),
                    format!("A surcharge is a non-negative number; got {v}."),
                ));
            }
        }
        for (i, o) in self.zone_overrides.iter().enumerate() {
            if !(1..=ZONES).contains(&o.zone) {
                return Err(Error::invalid(
                    format!("{field}.zone_overrides[{i}].zone"),
                    format!("A zone runs from 1 to {ZONES}; got {}.", o.zone),
                ));
            }
            if o.origin_prefix.is_empty() || o.destination_prefix.is_empty() {
                return Err(Error::invalid(
                    format!("{field}.zone_overrides[{i}]"),
                    "A zone override needs both an origin and a destination prefix.",
                ));
            }
        }
        Ok(())
    }

    /// The zone this carrier charges: its own chart's entry for the pair of
    /// postal codes if it has one, else the distance zone.
    pub(crate) fn zone_for(&self, distance_zone: u8, origin_postal: Option<&str>, destination_postal: Option<&str>) -> u8 {
        let (Some(o), Some(d)) = (origin_postal, destination_postal) else {
            return distance_zone;
        };
        self.zone_overrides
            .iter()
            .find(|z| o.starts_with(&z.origin_prefix) && d.starts_with(&z.destination_prefix))
            .map_or(distance_zone, |z| z.zone)
    }

    /// Advertised business days for a zone.
    pub fn nominal_days(&self, zone: u8) -> u8 {
        let i = usize::from(zone.clamp(1, ZONES) - 1);
        self.transit_days.get(i).copied().unwrap_or(0)
    }

    /// Why this service cannot take the shipment, if it cannot.
    pub(crate) fn refusal(&self, country: &str, parcels: &[Parcel], handling: Handling) -> Option<String> {
        if !self.countries.iter().any(|c| c.eq_ignore_ascii_case(country)) {
            return Some(format!("does not deliver to {country}"));
        }
        if handling.po_box && !self.po_box {
            return Some("does not deliver to PO boxes".into());
        }
        if handling.hazmat && self.surcharges.hazmat.is_none() {
            return Some("does not accept hazardous materials".into());
        }
        if handling.oversize && self.surcharges.oversize.is_none() {
            return Some("does not accept oversize parcels".into());
        }
        let unit = self.weight_unit;
        for (i, p) in parcels.iter().enumerate() {
            let w = self.billable(p);
            if w > self.max_weight {
                return Some(format!(
                    "parcel {} bills at {w:.0} {}, above its limit of {} {}",
                    i + 1,
                    unit.symbol(),
                    self.max_weight,
                    unit.symbol()
                ));
            }
        }
        None
    }

    /// Billable weight: the greater of actual and dimensional weight,
    /// rounded up to a whole unit as carriers bill.
    fn billable(&self, p: &Parcel) -> f64 {
        let unit = self.weight_unit;
        let actual = unit.of_grams(f64::from(p.weight_grams));
        let dim = match (self.dim_divisor, p.volume_cm3()) {
            (Some(div), Some(v)) => unit.volume(v) / div,
            _ => 0.0,
        };
        // Shave float noise so that exactly 2 lb does not bill as 3.
        (actual.max(dim) - 1e-9).ceil().max(1.0)
    }

    fn base_rate(&self, zone: u8, weight: f64) -> f64 {
        let z = usize::from(zone.clamp(1, ZONES) - 1);
        let row = &self.prices[z];
        match self.weight_bands.iter().position(|&b| weight <= b + 1e-9) {
            Some(band) => row[band],
            None => {
                let last = self.weight_bands.len() - 1;
                let extra = (weight - self.weight_bands[last]).ceil();
                row[last] + extra * self.extra_per_unit[z]
            }
        }
    }

    /// The price of the parcels in `zone`; call only for a shipment the
    /// service accepts (see [`RateTable::refusal`]).
    pub(crate) fn price(&self, zone: u8, parcels: &[Parcel], handling: Handling) -> PriceBreakdown {
        let s = &self.surcharges;
        let n = parcels.len() as f64;
        let billable_weights: Vec<f64> = parcels.iter().map(|p| self.billable(p)).collect();
        let base: f64 = billable_weights.iter().map(|&w| self.base_rate(zone, w)).sum();
        let residential = if handling.residential { s.residential * n } else { 0.0 };
        let oversize = if handling.oversize { s.oversize.unwrap_or(0.0) * n } else { 0.0 };
        let hazmat = if handling.hazmat { s.hazmat.unwrap_or(0.0) * n } else { 0.0 };
        let fuel = (base + residential + oversize + hazmat) * s.fuel_pct / 100.0;
        PriceBreakdown {
            base: cents(base),
            residential: cents(residential),
            oversize: cents(oversize),
            hazmat: cents(hazmat),
            fuel: cents(fuel),
            total: cents(base + residential + oversize + hazmat + fuel),
            billable_weights,
            weight_unit: self.weight_unit,
        }
    }
}

impl RateTables {
    /// Checks every table and that no carrier service appears twice.
    pub fn validate(&self) -> Result<(), Error> {
        if self.currency.len() != 3 || !self.currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(Error::invalid(
                "tables.currency",
                format!("A currency is a 3-letter ISO 4217 code such as `USD`; got `{}`.", self.currency),
            ));
        }
        if self.tables.is_empty() {
            return Err(Error::invalid("tables.tables", "Configure at least one carrier service."));
        }
        for (i, t) in self.tables.iter().enumerate() {
            let field = format!("tables.tables[{i}]");
            t.validate(&field)?;
            if self.tables[..i].iter().any(|o| o.carrier == t.carrier && o.service == t.service) {
                return Err(Error::invalid(field, format!("{} is configured twice.", t.key())));
            }
        }
        Ok(())
    }

    /// The table of one carrier service.
    pub fn get(&self, carrier: &str, service: &str) -> Option<&RateTable> {
        self.tables.iter().find(|t| t.carrier == carrier && t.service == service)
    }

    /// The table of a carrier service as a warehouse or carrier writes it:
    /// case and separators ignored, the service by code (`GROUND`) or by
    /// name with or without the carrier (`Ground`, `UPS Ground`).
    pub fn find(&self, carrier: &str, service: &str) -> Option<&RateTable> {
        let norm = |s: &str| {
            s.chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_uppercase()
        };
        let (carrier, service) = (norm(carrier), norm(service));
        self.tables.iter().filter(|t| norm(&t.carrier) == carrier).find(|t| {
            let name = norm(&t.name);
            norm(&t.service) == service || name == service || name.strip_prefix(&carrier) == Some(service.as_str())
        })
    }
}
