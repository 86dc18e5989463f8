//! A seeded world of deliveries for [`super::evaluate`]: three US nodes,
//! thirty-one destination cities, shipments with realistic weights, flags,
//! ready times and promises, and TRUE transit-time distributions that differ
//! from what the services advertise:
//!
//! - FedEx Ground runs a day slow on every lane out of DC-WEST (Reno).
//! - USPS Ground Advantage is unreliable on long hauls (zone 5 and up).
//! - USPS Priority Mail is unreliable everywhere.
//! - UPS 2nd Day Air runs slow into the mountain west (ZIP 59, 80–84, 87).
//! - UPS Ground from DC-CENTRAL (Dallas) is often a day faster than advertised.
//! - Besides, one lane in ten (seeded) of each ground or deferred service
//!   has a local problem and runs slow.
//!
//! Everything else is close to what is advertised. Promises follow the
//! checkout's service level (next day 5%, 2 business days 12%, 3 days 18%,
//! 4 days 20%, 5 days 30%, 6 days 15%) counted from the day the parcel can leave at the latest
//! cutoff, as a storefront would quote them.

use jiff::civil::{Date, DateTime, Time};
use model::NodeId;
use model::node::Cutoff;
use model::order::Address;

use super::calendar;
use super::choose::{Origin, ShipmentRequest};
use super::rates::Parcel;
use super::transit::BUCKETS;

/// splitmix64: tiny, fast, and the same sequence on every platform.
pub(crate) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in 0..n.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.unit().max(1e-12);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn hash_str(h: u64, s: &str) -> u64 {
    s.bytes().fold(h, |h, b| mix(h ^ u64::from(b)).wrapping_add(0x9E37_79B9_7F4A_7C15))
}

pub(crate) struct Place {
    pub name: &'static str,
    pub zip: &'static str,
    pub lat: f64,
    pub lon: f64,
}

const fn place(name: &'static str, zip: &'static str, lat: f64, lon: f64) -> Place {
    Place { name, zip, lat, lon }
}

pub(crate) const ORIGINS: [Place; 3] = [
    place("DC-EAST", "07114", 40.7058, -74.1710),
    place("DC-CENTRAL", "75261", 32.8998, -97.0403),
    place("DC-WEST", "89502", 39.4911, -119.7736),
];

pub(crate) const DESTINATIONS: [Place; 31] = [
    place("New York", "10001", 40.7506, -73.9972),
    place("Boston", "02108", 42.3576, -71.0637),
    place("Philadelphia", "19103", 39.9523, -75.1740),
    place("Washington", "20001", 38.9101, -77.0147),
    place("Atlanta", "30303", 33.7525, -84.3888),
    place("Miami", "33130", 25.7670, -80.2044),
    place("Orlando", "32801", 28.5399, -81.3727),
    place("Charlotte", "28202", 35.2270, -80.8431),
    place("Nashville", "37203", 36.1505, -86.7903),
    place("Chicago", "60601", 41.8858, -87.6181),
    place("Detroit", "48226", 42.3316, -83.0477),
    place("Columbus", "43215", 39.9653, -83.0049),
    place("Minneapolis", "55401", 44.9847, -93.2700),
    place("St Louis", "63101", 38.6315, -90.1924),
    place("Kansas City", "64106", 39.1052, -94.5664),
    place("Omaha", "68102", 41.2587, -95.9378),
    place("New Orleans", "70112", 29.9569, -90.0771),
    place("Houston", "77002", 29.7560, -95.3654),
    place("Austin", "78701", 30.2713, -97.7426),
    place("Oklahoma City", "73102", 35.4706, -97.5187),
    place("Denver", "80202", 39.7527, -104.9992),
    place("Salt Lake City", "84101", 40.7567, -111.9003),
    place("Albuquerque", "87102", 35.0819, -106.6480),
    place("Phoenix", "85004", 33.4510, -112.0686),
    place("Boise", "83702", 43.6326, -116.2029),
    place("Billings", "59101", 45.7752, -108.5007),
    place("Las Vegas", "89101", 36.1721, -115.1227),
    place("Los Angeles", "90012", 34.0614, -118.2385),
    place("San Francisco", "94103", 37.7725, -122.4147),
    place("Seattle", "98101", 47.6114, -122.3305),
    place("Portland", "97204", 45.5184, -122.6770),
];

/// The daily cutoffs at every simulated node.
pub(crate) fn cutoffs() -> Vec<Cutoff> {
    [("UPS", "17:00"), ("FEDEX", "16:30"), ("USPS", "15:00")]
        .into_iter()
        .map(|(carrier, time)| Cutoff {
            carrier: carrier.into(),
            time: time.into(),
        })
        .collect()
}

/// The latest cutoff, from which storefront promises are counted.
const LATEST_CUTOFF_MIN: i64 = 17 * 60;

fn address(p: &Place, with_coordinates: bool) -> Address {
    Address {
        city: Some(p.name.into()),
        postal_code: Some(p.zip.into()),
        country: Some("US".into()),
        lat: with_coordinates.then_some(p.lat),
        lon: with_coordinates.then_some(p.lon),
        ..Address::default()
    }
}

/// One simulated shipment: the request plus where it runs in the world.
pub(crate) struct SimShipment {
    pub request: ShipmentRequest,
    pub origin: usize,
    pub destination: usize,
    /// Uniform draw that decides the transit (common to every policy).
    pub luck: f64,
}

/// The first day shipments become ready (a Monday).
fn start_day() -> i64 {
    calendar::day_number(jiff::civil::date(2026, 3, 2))
}

/// Draws the `i`-th shipment of the world `seed`.
pub(crate) fn shipment(seed: u64, i: u64) -> SimShipment {
    let mut rng = Rng::new(mix(seed ^ 0x0005_41B3_E47A) ^ mix(i.wrapping_add(1)));
    let origin = rng.below(ORIGINS.len());
    let destination = rng.below(DESTINATIONS.len());
    // Weights: log-normal around 3 lb, 0.2 to 60 lb.
    let lb = (3.0f64.ln() + 0.8 * rng.normal()).exp().clamp(0.2, 60.0);
    // Half the parcels come with dimensions: boxes whose dimensional weight
    // (at 139 in³/lb) is 30% to 130% of the actual weight, 1.4 : 1 : 0.6.
    let dims = rng.chance(0.5).then(|| {
        let cm3 = lb * 139.0 * 16.387_064 * (0.3 + rng.unit());
        let side = (cm3 / 0.84).cbrt();
        (side * 1.4, side, side * 0.6)
    });
    let oversize = rng.chance(0.02);
    let dims = if oversize { Some((130.0, 50.0, 40.0)) } else { dims };
    let parcel = Parcel {
        weight_grams: (lb * 453.592_37).round() as u32,
        length_cm: dims.map(|d| (d.0 * 10.0f64).round() / 10.0),
        width_cm: dims.map(|d| (d.1 * 10.0f64).round() / 10.0),
        height_cm: dims.map(|d| (d.2 * 10.0f64).round() / 10.0),
    };
    // Ready on any day of ten weeks, 07:00 to 20:00.
    let day = start_day() + rng.below(70) as i64;
    let minute = 7 * 60 + rng.below(13 * 60) as i64;
    let date = calendar::date_of(day, "ready_at").unwrap_or(jiff::civil::date(2026, 3, 2));
    let time = Time::new((minute / 60) as i8, (minute % 60) as i8, 0, 0).unwrap_or(Time::midnight());
    let ready_at = DateTime::from_parts(date, time);
    // The storefront quotes from the day it can leave at the latest cutoff.
    let quote_day = if !calendar::is_business_day(day) {
        calendar::business_day_on_or_after(day)
    } else if minute > LATEST_CUTOFF_MIN {
        calendar::add_business_days(day, 1)
    } else {
        day
    };
    let u = rng.unit();
    let promise_days = if u < 0.05 {
        1
    } else if u < 0.17 {
        2
    } else if u < 0.35 {
        3
    } else if u < 0.55 {
        4
    } else if u < 0.85 {
        5
    } else {
        6
    };
    let promised_by: Date = calendar::date_of(calendar::add_business_days(quote_day, promise_days), "promised_by").unwrap_or(date);
    let o = &ORIGINS[origin];
    let request = ShipmentRequest {
        order_id: model::OrderId::parse(&format!("SIM-{seed}-{i}")).ok(),
        origin: Origin {
            node: NodeId::parse(o.name).expect("simulated node ids are valid"),
            address: address(o, true),
        },
        // Most storefront addresses carry no coordinates: the ZIP decides.
        destination: address(&DESTINATIONS[destination], rng.chance(0.3)),
        parcels: vec![parcel],
        residential: rng.chance(0.7),
        po_box: rng.chance(0.04),
        hazmat: rng.chance(0.03),
        oversize,
        ready_at,
        cutoffs: cutoffs(),
        promised_by,
    };
    SimShipment {
        request,
        origin,
        destination,
        luck: rng.unit(),
    }
}

/// How a service truly behaves on a lane, relative to its advertised days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Behaviour {
    /// Mostly on the advertised day.
    Reliable,
    /// Air services: nearly always on the day.
    Air,
    /// Usually a day late.
    Slow,
    /// Often late, sometimes by days.
    Flaky,
    /// Often a day early.
    Fast,
}

fn is_air(service: &str) -> bool {
    matches!(service, "NEXT_DAY" | "OVERNIGHT" | "2DAY")
}

/// The true behaviour of `carrier`/`service` from origin `o` to destination
/// `d` in zone `zone` (see the module documentation).
pub(crate) fn behaviour(seed: u64, carrier: &str, service: &str, o: usize, d: usize, zone: u8) -> Behaviour {
    let zip2 = &DESTINATIONS[d].zip[..2];
    let mountain = matches!(zip2, "59" | "80" | "81" | "82" | "83" | "84" | "87");
    match (carrier, service) {
        ("FEDEX", "GROUND") if ORIGINS[o].name == "DC-WEST" => return Behaviour::Slow,
        ("USPS", "GROUND_ADVANTAGE") if zone >= 5 => return Behaviour::Flaky,
        ("USPS", "PRIORITY") => return Behaviour::Flaky,
        ("UPS", "2DAY") if mountain => return Behaviour::Slow,
        ("UPS", "GROUND") if ORIGINS[o].name == "DC-CENTRAL" => return Behaviour::Fast,
        _ => {}
    }
    if is_air(service) {
        return Behaviour::Air;
    }
    // A local problem on one lane in ten.
    let h = hash_str(hash_str(mix(seed ^ 0x1A4E), carrier), service);
    let h = mix(h ^ ((o as u64) << 32) ^ d as u64);
    if h.is_multiple_of(10) {
        Behaviour::Slow
    } else {
        Behaviour::Reliable
    }
}

/// The true distribution of business days in transit.
pub(crate) fn true_distribution(b: Behaviour, nominal: u8) -> [f64; BUCKETS] {
    let n = i64::from(nominal);
    // (offset from nominal, probability)
    let shape: &[(i64, f64)] = match b {
        Behaviour::Reliable => &[(-1, 0.04), (0, 0.90), (1, 0.05), (2, 0.01)],
        Behaviour::Air => &[(0, 0.965), (1, 0.03), (2, 0.005)],
        Behaviour::Slow => &[(0, 0.30), (1, 0.52), (2, 0.15), (3, 0.03)],
        Behaviour::Flaky => &[(-1, 0.03), (0, 0.62), (1, 0.22), (2, 0.09), (3, 0.04)],
        Behaviour::Fast => &[(-1, 0.55), (0, 0.42), (1, 0.03)],
    };
    let mut p = [0.0; BUCKETS];
    for &(off, mass) in shape {
        // Nothing arrives the day it ships.
        let day = (n + off).clamp(1, BUCKETS as i64 - 1) as usize;
        p[day] += mass;
    }
    p
}

/// The transit drawn for uniform `u` (inverse CDF).
pub(crate) fn draw(p: &[f64; BUCKETS], u: f64) -> usize {
    let mut acc = 0.0;
    for (d, q) in p.iter().enumerate() {
        acc += q;
        if u < acc {
            return d;
        }
    }
    BUCKETS - 1
}
