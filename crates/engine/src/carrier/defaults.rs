//! The built-in rate tables: EXAMPLES, not any carrier's real prices.
//!
//! Three US carriers with the services merchants usually rate-shop, priced
//! in the shape of 2025–26 list rates (zone × pound band, residential and
//! fuel surcharges, dimensional weight) but with made-up numbers, so that a
//! fresh install and the benchmarks have something plausible to choose
//! between. Load a tenant's contracted rates in their place.
//!
//! Each service's grid comes from four numbers: the 1 lb price in zone 1 and
//! in zone 8 (linear in between), and the price per extra pound in zone 1
//! and in zone 8.

use super::rates::{RateTable, RateTables, Surcharges, WeightUnit};

/// Pound bands of every example table.
const BANDS_LB: [f64; 10] = [1.0, 2.0, 3.0, 5.0, 10.0, 15.0, 20.0, 30.0, 50.0, 70.0];

struct Spec {
    carrier: &'static str,
    service: &'static str,
    name: &'static str,
    transit_days: [u8; 8],
    /// 1 lb price in zone 1 and zone 8.
    first_lb: (f64, f64),
    /// Price per extra pound in zone 1 and zone 8.
    per_lb: (f64, f64),
    max_lb: f64,
    dim_divisor: f64,
    residential: f64,
    oversize: Option<f64>,
    hazmat: Option<f64>,
    fuel_pct: f64,
    po_box: bool,
}

const SPECS: [Spec; 8] = [
    Spec {
        carrier: "UPS",
        service: "GROUND",
        name: "UPS Ground",
        transit_days: [1, 1, 2, 3, 3, 4, 4, 5],
        first_lb: (10.40, 14.60),
        per_lb: (0.42, 1.35),
        max_lb: 150.0,
        dim_divisor: 139.0,
        residential: 5.55,
        oversize: Some(32.0),
        hazmat: Some(32.0),
        fuel_pct: 18.5,
        po_box: false,
    },
    Spec {
        carrier: "UPS",
        service: "2DAY",
        name: "UPS 2nd Day Air",
        transit_days: [2; 8],
        first_lb: (21.50, 36.80),
        per_lb: (1.60, 4.10),
        max_lb: 150.0,
        dim_divisor: 139.0,
        residential: 6.10,
        oversize: Some(38.0),
        hazmat: Some(95.0),
        fuel_pct: 21.0,
        po_box: false,
    },
    Spec {
        carrier: "UPS",
        service: "NEXT_DAY",
        name: "UPS Next Day Air",
        transit_days: [1; 8],
        first_lb: (33.90, 62.50),
        per_lb: (2.70, 6.40),
        max_lb: 150.0,
        dim_divisor: 139.0,
        residential: 6.10,
        oversize: Some(38.0),
        hazmat: Some(95.0),
        fuel_pct: 21.0,
        po_box: false,
    },
    Spec {
        carrier: "FEDEX",
        service: "GROUND",
        name: "FedEx Ground",
        transit_days: [1, 1, 2, 3, 3, 4, 4, 5],
        first_lb: (10.25, 14.35),
        per_lb: (0.40, 1.32),
        max_lb: 150.0,
        dim_divisor: 139.0,
        residential: 5.45,
        oversize: Some(31.0),
        hazmat: Some(30.0),
        fuel_pct: 18.0,
        po_box: false,
    },
    Spec {
        carrier: "FEDEX",
        service: "EXPRESS_SAVER",
        name: "FedEx Express Saver",
        transit_days: [3; 8],
        first_lb: (18.90, 30.40),
        per_lb: (1.20, 3.20),
        max_lb: 150.0,
        dim_divisor: 139.0,
        residential: 6.00,
        oversize: Some(37.0),
        hazmat: Some(90.0),
        fuel_pct: 20.5,
        po_box: false,
    },
    Spec {
        carrier: "FEDEX",
        service: "OVERNIGHT",
        name: "FedEx Standard Overnight",
        transit_days: [1; 8],
        first_lb: (32.80, 60.90),
        per_lb: (2.60, 6.20),
        max_lb: 150.0,
        dim_divisor: 139.0,
        residential: 6.00,
        oversize: Some(37.0),
        hazmat: Some(90.0),
        fuel_pct: 20.5,
        po_box: false,
    },
    Spec {
        carrier: "USPS",
        service: "GROUND_ADVANTAGE",
        name: "USPS Ground Advantage",
        transit_days: [2, 2, 3, 3, 4, 4, 5, 5],
        first_lb: (7.60, 11.20),
        per_lb: (0.55, 1.70),
        max_lb: 70.0,
        dim_divisor: 166.0,
        residential: 0.0,
        oversize: Some(15.0),
        hazmat: Some(0.0),
        fuel_pct: 0.0,
        po_box: true,
    },
    Spec {
        carrier: "USPS",
        service: "PRIORITY",
        name: "USPS Priority Mail",
        transit_days: [1, 1, 2, 2, 2, 3, 3, 3],
        first_lb: (9.40, 16.90),
        per_lb: (1.10, 3.40),
        max_lb: 70.0,
        dim_divisor: 166.0,
        residential: 0.0,
        oversize: Some(15.0),
        hazmat: None,
        fuel_pct: 0.0,
        po_box: true,
    },
];

fn table(s: &Spec) -> RateTable {
    let lerp = |(lo, hi): (f64, f64), z: usize| lo + (hi - lo) * z as f64 / 7.0;
    let prices = (0..8)
        .map(|z| {
            let first = lerp(s.first_lb, z);
            let per = lerp(s.per_lb, z);
            BANDS_LB.iter().map(|&w| super::rates::cents(first + per * (w - 1.0))).collect()
        })
        .collect();
    RateTable {
        carrier: s.carrier.into(),
        service: s.service.into(),
        name: s.name.into(),
        countries: vec!["US".into()],
        transit_days: s.transit_days.to_vec(),
        weight_unit: WeightUnit::Lb,
        weight_bands: BANDS_LB.to_vec(),
        prices,
        extra_per_unit: (0..8).map(|z| super::rates::cents(lerp(s.per_lb, z))).collect(),
        max_weight: s.max_lb,
        dim_divisor: Some(s.dim_divisor),
        surcharges: Surcharges {
            residential: s.residential,
            oversize: s.oversize,
            hazmat: s.hazmat,
            fuel_pct: s.fuel_pct,
        },
        po_box: s.po_box,
        zone_overrides: Vec::new(),
    }
}

/// Eight example services of UPS, FedEx and USPS (see the module
/// documentation): made-up prices in USD.
pub fn example_tables() -> RateTables {
    RateTables {
        currency: "USD".into(),
        source: "EXAMPLE rates built into crossdock: plausible shapes, made-up numbers; not any carrier's prices.".into(),
        tables: SPECS.iter().map(table).collect(),
    }
}
