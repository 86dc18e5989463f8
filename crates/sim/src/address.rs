//! Postal addresses in each country's real format, and the broken ones a real
//! checkout lets through (no postcode, a PO box).

use serde::Serialize;

use crate::names::{self, City, Country, Postal, StreetStyle};
use crate::random::{SimRng, chance, digits, pick, token, weighted};
use rand::Rng;

/// A mailing address, shaped like Shopify's (the richest format we emit);
/// the other wire formats borrow from it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Address {
    pub first_name: String,
    pub address1: String,
    pub phone: Option<String>,
    pub city: &'static str,
    pub zip: Option<String>,
    pub province: Option<&'static str>,
    pub country: &'static str,
    pub last_name: String,
    pub address2: String,
    pub company: Option<&'static str>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub name: String,
    pub country_code: &'static str,
    pub province_code: Option<&'static str>,
    /// Sales tax or VAT on goods shipped here.
    #[serde(skip)]
    pub tax_rate: f64,
    #[serde(skip)]
    pub tax_title: &'static str,
}

/// Who an address is for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Person<'a> {
    pub first_name: &'a str,
    pub last_name: &'a str,
}

impl Address {
    /// True for a country other than the shop's own (the US).
    pub(crate) fn is_international(&self) -> bool {
        self.country_code != "US"
    }

    /// Whether a parcel carrier can deliver here as written.
    #[cfg(test)]
    pub(crate) fn is_deliverable(&self) -> bool {
        self.zip.is_some() && !self.address1.starts_with("PO Box")
    }
}

/// A random country, in proportion to its share of orders.
pub(crate) fn country(rng: &mut SimRng) -> &'static Country {
    let shares: Vec<(usize, u32)> = names::COUNTRIES.iter().enumerate().map(|(i, c)| (i, c.weight)).collect();
    &names::COUNTRIES[weighted(rng, &shares)]
}

/// A plausible, deliverable address in `country` for `person`.
pub(crate) fn address(rng: &mut SimRng, country: &'static Country, person: Person<'_>) -> Address {
    let city = &pick(rng, country.cities);
    let street = pick(rng, country.streets);
    let number = rng.random_range(1..2400);
    let address1 = match country.style {
        StreetStyle::NumberFirst => format!("{number} {street}"),
        StreetStyle::NumberLast => format!("{street} {}", number % 180 + 1),
    };
    let address2 = match rng.random_range(0..10) {
        0 | 1 => format!("Apt {}{}", rng.random_range(1..30), char::from(pick(rng, b"ABCDEF"))),
        2 => format!("Suite {}", rng.random_range(1..9) * 100),
        _ => String::new(),
    };
    let company = chance(rng, 0.08).then(|| pick(rng, names::COMPANIES));
    let jitter = |rng: &mut SimRng| (rng.random_range(-800..800) as f64) / 10_000.0;
    let latitude = round4(city.lat + jitter(rng));
    let longitude = round4(city.lon + jitter(rng));
    Address {
        first_name: person.first_name.to_owned(),
        last_name: person.last_name.to_owned(),
        name: format!("{} {}", person.first_name, person.last_name),
        company,
        address1,
        address2,
        city: city.name,
        province: city.province,
        province_code: city.province_code,
        zip: Some(postal_code(rng, city)),
        country: country.name,
        country_code: country.code,
        phone: Some(phone(rng, city)),
        latitude: Some(latitude),
        longitude: Some(longitude),
        tax_rate: city.tax_rate,
        tax_title: country.tax_title,
    }
}

/// Break an address the way real checkouts do: a missing postcode (which
/// also defeats geocoding) or a PO box, which parcel carriers refuse.
pub(crate) fn spoil(rng: &mut SimRng, address: &mut Address) {
    if chance(rng, 0.5) {
        address.zip = None;
        address.latitude = None;
        address.longitude = None;
    } else {
        address.address1 = format!("PO Box {}", rng.random_range(100..9999));
        address.address2 = String::new();
    }
}

/// A phone number in the city's range reserved for fiction.
pub(crate) fn phone(rng: &mut SimRng, city: &City) -> String {
    format!("{}{}", city.phone_prefix, digits(rng, city.phone_digits))
}

/// A postal code valid in format for the city's country and region.
pub(crate) fn postal_code(rng: &mut SimRng, city: &City) -> String {
    match city.postal {
        Postal::Us(prefix) => {
            let zip = format!("{prefix}{}", digits(rng, 2));
            if chance(rng, 0.05) {
                format!("{zip}-{}", digits(rng, 4))
            } else {
                zip
            }
        }
        Postal::Ca(first) => {
            let letter = |rng: &mut SimRng| char::from(pick(rng, names::CA_LETTERS));
            let digit = |rng: &mut SimRng| char::from(b'0' + rng.random_range(0..10u8));
            format!("{first}{}{} {}{}{}", digit(rng), letter(rng), digit(rng), letter(rng), digit(rng))
        }
        Postal::Gb(outward) => {
            format!(
                "{} {}{}",
                pick(rng, outward),
                rng.random_range(0..10),
                token(rng, names::GB_INWARD_LETTERS, 2)
            )
        }
        Postal::De(regions) => format!("{}{}", pick(rng, regions), digits(rng, 3)),
        Postal::Au(prefix) => format!("{prefix}{}", digits(rng, 2)),
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::{Stream, rng};

    fn shape(code: &str) -> String {
        code.chars()
            .map(|c| match c {
                '0'..='9' => '9',
                'A'..='Z' => 'A',
                other => other,
            })
            .collect()
    }

    #[test]
    fn postal_codes_have_each_countrys_format() {
        let mut r = rng(5, Stream::Main);
        for country in names::COUNTRIES {
            for city in country.cities {
                for _ in 0..50 {
                    let code = postal_code(&mut r, city);
                    let ok = match country.code {
                        "US" => matches!(shape(&code).as_str(), "99999" | "99999-9999"),
                        "CA" => shape(&code) == "A9A 9A9",
                        "GB" => matches!(
                            shape(&code).as_str(),
                            "A9 9AA" | "A99 9AA" | "A9A 9AA" | "AA9 9AA" | "AA99 9AA" | "AA9A 9AA"
                        ),
                        "DE" => shape(&code) == "99999",
                        "AU" => shape(&code) == "9999",
                        _ => false,
                    };
                    assert!(ok, "{} postal code {code:?} for {}", country.code, city.name);
                }
            }
        }
    }

    #[test]
    fn spoiled_addresses_are_not_deliverable() {
        let mut r = rng(9, Stream::Main);
        let person = Person {
            first_name: "Ada",
            last_name: "Lovelace",
        };
        for _ in 0..20 {
            let c = country(&mut r);
            let mut a = address(&mut r, c, person);
            assert!(a.is_deliverable());
            spoil(&mut r, &mut a);
            assert!(!a.is_deliverable());
        }
    }
}
