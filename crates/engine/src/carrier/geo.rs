//! Where a parcel goes: distances, shipping zones and lanes.
//!
//! **Zones.** Zones 1–8 follow the distance bands of the USPS zone chart
//! (which UPS and FedEx ground zones track closely): zone 1 up to 50 miles,
//! 2 up to 150, 3 up to 300, 4 up to 600, 5 up to 1,000, 6 up to 1,400, 7 up
//! to 1,800 and 8 beyond. The distance is the great-circle (haversine)
//! distance between the two addresses' coordinates when both have them.
//! Otherwise the US ZIP codes stand in: each two-digit ZIP prefix maps to an
//! approximate population centre (the table below, accurate to a state or a
//! metro area, so a zone may come out one off near a band's edge); two ZIPs
//! sharing their first three digits (one sectional centre) are zone 1.
//! A carrier's own chart can override the result for given prefix pairs
//! (see `RateTable::zone_overrides`).
//!
//! **Lanes.** The transit model learns per lane: the origin node and the
//! destination's region, which for the US is the three-digit ZIP prefix
//! (the sectional centre facility that sorts the parcel) and elsewhere the
//! country plus the first three characters of its postal code.

use model::NodeId;
use model::order::Address;
use serde::{Deserialize, Serialize};

use crate::Error;

/// Zones run from 1 (local) to this.
pub const ZONES: u8 = 8;

/// Upper distance of zones 1 to 7 in miles; zone 8 is anything beyond.
const ZONE_MILES: [f64; 7] = [50.0, 150.0, 300.0, 600.0, 1000.0, 1400.0, 1800.0];

const EARTH_RADIUS_KM: f64 = 6371.0088;
const KM_PER_MILE: f64 = 1.609_344;

/// Great-circle distance in kilometres between two points in degrees.
pub fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().clamp(0.0, 1.0).asin()
}

/// The zone for a distance in kilometres.
pub fn zone_for_km(km: f64) -> u8 {
    let miles = km / KM_PER_MILE;
    ZONE_MILES.iter().position(|&limit| miles <= limit).map_or(ZONES, |i| i as u8 + 1)
}

/// How a zone was worked out, for the explanation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneBasis {
    /// Haversine distance between the two addresses' coordinates.
    Coordinates,
    /// Approximate centres of the two ZIP prefixes.
    PostalPrefixes,
    /// Both ZIP codes share one sectional centre (first three digits).
    SameSectionalCentre,
}

/// A zone with the distance it came from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Zone {
    pub zone: u8,
    /// Kilometres between the two points used (0 within a sectional centre).
    pub distance_km: f64,
    pub basis: ZoneBasis,
}

/// The zone between two addresses: by coordinates when both have them,
/// else by US ZIP prefixes (see the module documentation). Errors name the
/// field at fault as `origin.address…` or `destination…`.
pub fn zone(origin: &Address, destination: &Address) -> Result<Zone, Error> {
    zone_at(origin, destination, "origin.address", "destination")
}

pub(crate) fn zone_at(origin: &Address, destination: &Address, origin_field: &str, destination_field: &str) -> Result<Zone, Error> {
    let o = coordinates(origin, origin_field)?;
    let d = coordinates(destination, destination_field)?;
    if let (Some((la1, lo1)), Some((la2, lo2))) = (o, d) {
        let km = haversine_km(la1, lo1, la2, lo2);
        return Ok(Zone {
            zone: zone_for_km(km),
            distance_km: km,
            basis: ZoneBasis::Coordinates,
        });
    }
    let oz = us_zip(origin);
    let dz = us_zip(destination);
    if let (Some(a), Some(b)) = (&oz, &dz)
        && a[..3] == b[..3]
    {
        return Ok(Zone {
            zone: 1,
            distance_km: 0.0,
            basis: ZoneBasis::SameSectionalCentre,
        });
    }
    // Each side's best point: its coordinates, else its ZIP prefix's centre
    // (a node known by coordinates ships to a customer known by ZIP).
    let op = o.or_else(|| oz.as_ref().map(zip_centre));
    let dp = d.or_else(|| dz.as_ref().map(zip_centre));
    match (op, dp) {
        (Some((la1, lo1)), Some((la2, lo2))) => {
            let km = haversine_km(la1, lo1, la2, lo2);
            Ok(Zone {
                zone: zone_for_km(km),
                distance_km: km,
                basis: ZoneBasis::PostalPrefixes,
            })
        }
        (None, _) => Err(Error::invalid(
            origin_field,
            "The origin needs coordinates (lat and lon) or a US ZIP code to work out a shipping zone.",
        )),
        _ => Err(Error::invalid(
            destination_field,
            "The destination needs coordinates (lat and lon) or a US ZIP code to work out a shipping zone.",
        )),
    }
}

/// Both coordinates, one of them, or none; an error for out-of-range values
/// or a lone latitude without longitude.
fn coordinates(a: &Address, field: &str) -> Result<Option<(f64, f64)>, Error> {
    match (a.lat, a.lon) {
        (Some(lat), Some(lon)) => {
            if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
                return Err(Error::invalid(
                    format!("{field}.lat"),
                    format!("Latitude must lie in [-90, 90]; got {lat}."),
                ));
            }
            if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
                return Err(Error::invalid(
                    format!("{field}.lon"),
                    format!("Longitude must lie in [-180, 180]; got {lon}."),
                ));
            }
            Ok(Some((lat, lon)))
        }
        (None, None) => Ok(None),
        (Some(_), None) => Err(Error::invalid(format!("{field}.lon"), "A latitude needs a longitude.")),
        (None, Some(_)) => Err(Error::invalid(format!("{field}.lat"), "A longitude needs a latitude.")),
    }
}

/// Whether an address is in the United States (no country means the US,
/// the home market of the example tables).
pub(crate) fn country(a: &Address) -> String {
    a.country
        .as_deref()
        .map(|c| c.trim().to_ascii_uppercase())
        .unwrap_or_else(|| "US".into())
}

/// The five digits of a US ZIP (ZIP+4 accepted), if the address has one.
pub(crate) fn us_zip(a: &Address) -> Option<[u8; 5]> {
    if country(a) != "US" {
        return None;
    }
    let raw = a.postal_code.as_deref()?.trim();
    let five = raw.get(..5)?;
    let rest = &raw[5..];
    let valid_rest = rest.is_empty() || (rest.len() == 5 && rest.starts_with('-') && rest[1..].bytes().all(|b| b.is_ascii_digit()));
    if !five.bytes().all(|b| b.is_ascii_digit()) || !valid_rest {
        return None;
    }
    let mut out = [0u8; 5];
    out.copy_from_slice(five.as_bytes());
    Some(out)
}

/// The destination region of a lane: `US:100` for ZIP 10001, `CA:M5V` for
/// postal code `M5V 3L9`, or the bare country without a postal code.
pub fn region(a: &Address) -> String {
    let country = country(a);
    if let Some(zip) = us_zip(a) {
        return format!("US:{}", std::str::from_utf8(&zip[..3]).unwrap_or("000"));
    }
    let prefix: String = a
        .postal_code
        .as_deref()
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(3)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if prefix.is_empty() {
        country
    } else {
        format!("{country}:{prefix}")
    }
}

/// A lane: from a node to a destination region, with its zone. The transit
/// model keeps counts per lane and pools them per zone.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lane {
    pub origin: NodeId,
    /// See [`region`].
    pub destination: String,
    pub zone: u8,
}

impl Lane {
    /// The lane from `node` (at `from`) to the address `to`.
    pub fn between(node: &NodeId, from: &Address, to: &Address) -> Result<Lane, Error> {
        let z = zone(from, to)?;
        Ok(Lane {
            origin: node.clone(),
            destination: region(to),
            zone: z.zone,
        })
    }

    pub(crate) fn validate(&self, field: &str) -> Result<(), Error> {
        if !(1..=ZONES).contains(&self.zone) {
            return Err(Error::invalid(
                format!("{field}.zone"),
                format!("A zone runs from 1 to {ZONES}; got {}.", self.zone),
            ));
        }
        if self.destination.trim().is_empty() {
            return Err(Error::invalid(format!("{field}.destination"), "A lane needs a destination region."));
        }
        Ok(())
    }
}

/// Approximate population centre (lat, lon) of each two-digit US ZIP prefix:
/// the state or metro area the prefix serves. Made for zone estimates, not
/// for routing; prefixes that are unassigned borrow a neighbour's centre.
const ZIP2_CENTRES: [(f64, f64); 100] = [
    (18.2, -66.5),    // 00 Puerto Rico, Virgin Islands
    (42.3, -72.0),    // 01 central/western Massachusetts
    (42.3, -71.1),    // 02 Boston, eastern Massachusetts, Rhode Island
    (43.2, -71.5),    // 03 New Hampshire
    (44.5, -69.5),    // 04 Maine
    (44.2, -72.7),    // 05 Vermont
    (41.6, -72.7),    // 06 Connecticut
    (40.8, -74.3),    // 07 northern New Jersey
    (39.9, -74.8),    // 08 southern New Jersey
    (40.7, -74.0),    // 09 military mail via New York
    (40.75, -73.95),  // 10 New York City
    (40.8, -73.3),    // 11 Long Island, Queens
    (42.7, -73.8),    // 12 Albany
    (43.0, -76.1),    // 13 Syracuse
    (42.9, -78.2),    // 14 Buffalo, Rochester
    (40.4, -79.9),    // 15 Pittsburgh
    (41.0, -78.5),    // 16 central Pennsylvania
    (40.3, -76.9),    // 17 Harrisburg
    (40.8, -75.6),    // 18 Allentown, Scranton
    (40.0, -75.3),    // 19 Philadelphia, Delaware
    (38.9, -77.0),    // 20 Washington DC
    (39.3, -76.6),    // 21 Baltimore
    (38.8, -77.4),    // 22 northern Virginia
    (37.5, -77.4),    // 23 Richmond, Norfolk
    (37.3, -80.0),    // 24 western Virginia
    (38.4, -81.6),    // 25 West Virginia
    (39.3, -80.3),    // 26 northern West Virginia
    (35.8, -78.8),    // 27 Raleigh, Greensboro
    (35.3, -80.8),    // 28 Charlotte
    (34.0, -81.0),    // 29 South Carolina
    (33.8, -84.4),    // 30 Atlanta
    (31.8, -83.5),    // 31 southern Georgia
    (29.2, -81.8),    // 32 northern Florida, Orlando
    (26.3, -80.4),    // 33 Miami, Fort Lauderdale
    (27.5, -82.3),    // 34 Tampa, Sarasota
    (33.4, -86.8),    // 35 Birmingham
    (31.5, -87.0),    // 36 southern Alabama
    (36.0, -86.5),    // 37 Nashville
    (35.2, -89.5),    // 38 Memphis
    (32.4, -89.9),    // 39 Mississippi
    (38.2, -85.7),    // 40 Louisville
    (38.0, -84.5),    // 41 Lexington
    (37.3, -86.5),    // 42 western Kentucky
    (40.0, -83.0),    // 43 Columbus
    (41.3, -81.6),    // 44 Cleveland
    (39.4, -84.4),    // 45 Cincinnati, Dayton
    (39.8, -86.2),    // 46 Indianapolis
    (39.0, -86.8),    // 47 southern Indiana
    (42.4, -83.2),    // 48 Detroit
    (43.0, -85.5),    // 49 Grand Rapids
    (41.9, -93.3),    // 50 central Iowa
    (42.5, -96.0),    // 51 western Iowa
    (41.9, -91.5),    // 52 eastern Iowa
    (43.1, -88.1),    // 53 Milwaukee
    (44.5, -89.7),    // 54 northern Wisconsin
    (44.97, -93.3),   // 55 Minneapolis, St Paul
    (46.0, -94.5),    // 56 northern Minnesota
    (44.0, -99.0),    // 57 South Dakota
    (47.0, -99.5),    // 58 North Dakota
    (46.6, -110.5),   // 59 Montana
    (41.9, -87.8),    // 60 Chicago
    (40.7, -89.6),    // 61 Peoria, Rockford
    (39.3, -89.5),    // 62 southern Illinois
    (38.6, -90.3),    // 63 St Louis
    (39.1, -94.6),    // 64 Kansas City
    (38.0, -92.5),    // 65 central Missouri
    (38.9, -95.7),    // 66 eastern Kansas
    (37.7, -97.4),    // 67 Wichita
    (41.2, -96.1),    // 68 Omaha
    (41.0, -100.0),   // 69 western Nebraska
    (30.0, -90.1),    // 70 New Orleans
    (31.5, -92.5),    // 71 northern Louisiana
    (34.8, -92.3),    // 72 Arkansas
    (35.5, -97.5),    // 73 Oklahoma City
    (36.1, -95.9),    // 74 Tulsa
    (32.8, -96.8),    // 75 Dallas
    (32.6, -97.6),    // 76 Fort Worth
    (29.8, -95.4),    // 77 Houston
    (29.9, -98.0),    // 78 San Antonio, Austin
    (32.0, -102.0),   // 79 west Texas
    (39.7, -105.0),   // 80 Denver
    (38.8, -106.5),   // 81 western Colorado
    (42.5, -107.5),   // 82 Wyoming
    (43.6, -115.5),   // 83 Idaho
    (40.7, -111.9),   // 84 Salt Lake City
    (33.5, -112.0),   // 85 Phoenix
    (34.0, -111.0),   // 86 northern Arizona, Tucson
    (35.1, -106.6),   // 87 Albuquerque
    (32.5, -106.5),   // 88 southern New Mexico, El Paso
    (36.5, -116.5),   // 89 Nevada (Las Vegas, Reno)
    (34.05, -118.25), // 90 Los Angeles
    (34.2, -118.3),   // 91 Pasadena, Glendale
    (33.0, -117.0),   // 92 San Diego, Inland Empire
    (35.5, -119.5),   // 93 Bakersfield, central coast
    (37.7, -122.3),   // 94 San Francisco Bay
    (38.3, -121.7),   // 95 Sacramento, northern California
    (21.3, -157.8),   // 96 Hawaii and the Pacific
    (45.4, -122.7),   // 97 Oregon
    (47.5, -122.3),   // 98 Seattle, Washington
    (61.2, -149.9),   // 99 Alaska, eastern Washington
];

fn zip_centre(zip: &[u8; 5]) -> (f64, f64) {
    // Two prefixes span regions too far apart for one centre.
    match &zip[..3] {
        b"960" | b"961" => return (40.6, -122.4),                            // Redding, northern California
        b"990" | b"991" | b"992" | b"993" | b"994" => return (47.7, -117.4), // Spokane, eastern Washington
        _ => {}
    }
    let i = usize::from(zip[0] - b'0') * 10 + usize::from(zip[1] - b'0');
    ZIP2_CENTRES[i]
}
