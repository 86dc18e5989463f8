//! Shipping methods, carriers and their tracking numbers.
//!
//! Tracking numbers follow each carrier's real structure and check digit,
//! so that anything validating them (crossdock's carrier detection, a
//! tracking API sandbox) accepts them.

use jiff::civil::Date;
use rand::Rng;

use crate::clock::{VirtualTime, add_business_days};
use crate::names::UPPER_ALNUM;
use crate::random::{SimRng, digits, token, weighted};

/// What the shopper picked at checkout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ShippingMethod {
    Standard,
    Express,
    Overnight,
}

impl ShippingMethod {
    pub(crate) fn title(self) -> &'static str {
        match self {
            ShippingMethod::Standard => "Standard Shipping",
            ShippingMethod::Express => "Express",
            ShippingMethod::Overnight => "Overnight",
        }
    }

    /// The WMS's service level for it.
    pub(crate) fn service(self) -> &'static str {
        match self {
            ShippingMethod::Standard => "GROUND",
            ShippingMethod::Express => "2DAY",
            ShippingMethod::Overnight => "NEXT_DAY",
        }
    }

    /// The shop's rates: standard is free over $75 at home.
    pub(crate) fn price_cents(self, subtotal_cents: i64, international: bool) -> i64 {
        match (self, international) {
            (ShippingMethod::Standard, false) if subtotal_cents >= 7_500 => 0,
            (ShippingMethod::Standard, false) => 695,
            (ShippingMethod::Express, false) => 1_495,
            (ShippingMethod::Overnight, false) => 2_995,
            (ShippingMethod::Standard, true) => 1_995,
            (_, true) => 3_995,
        }
    }
}

/// A checkout choice; abroad the shop offers no overnight service.
pub(crate) fn shipping_method(rng: &mut SimRng, international: bool) -> ShippingMethod {
    let method = weighted(
        rng,
        &[
            (ShippingMethod::Standard, 75),
            (ShippingMethod::Express, 18),
            (ShippingMethod::Overnight, 7),
        ],
    );
    if international && method == ShippingMethod::Overnight {
        ShippingMethod::Express
    } else {
        method
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Carrier {
    Ups,
    Fedex,
    Usps,
}

impl Carrier {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Carrier::Ups => "UPS",
            Carrier::Fedex => "FEDEX",
            Carrier::Usps => "USPS",
        }
    }
}

/// A package handed to a carrier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Shipment {
    pub carrier: Carrier,
    pub service: &'static str,
    pub tracking_number: String,
    pub estimated_delivery: Date,
}

/// Label a package: pick a carrier that offers the service and promise a date.
pub(crate) fn label(rng: &mut SimRng, method: ShippingMethod, international: bool, shipped: VirtualTime) -> Shipment {
    let carrier = match (method, international) {
        (ShippingMethod::Standard, false) => weighted(rng, &[(Carrier::Ups, 40), (Carrier::Fedex, 30), (Carrier::Usps, 30)]),
        (ShippingMethod::Express, false) => weighted(rng, &[(Carrier::Ups, 45), (Carrier::Fedex, 45), (Carrier::Usps, 10)]),
        _ => weighted(rng, &[(Carrier::Ups, 50), (Carrier::Fedex, 50)]),
    };
    let transit_days = match (method, international) {
        (ShippingMethod::Standard, false) => rng.random_range(2..=5),
        (ShippingMethod::Express, false) => 2,
        (ShippingMethod::Overnight, _) => 1,
        (ShippingMethod::Standard, true) => rng.random_range(5..=9),
        (ShippingMethod::Express, true) => rng.random_range(3..=4),
    };
    let tracking_number = match carrier {
        Carrier::Ups => ups_tracking(rng, method),
        Carrier::Fedex => fedex_tracking(rng),
        Carrier::Usps => usps_tracking(rng, method),
    };
    Shipment {
        carrier,
        service: method.service(),
        tracking_number,
        estimated_delivery: add_business_days(shipped.date(), transit_days),
    }
}

/// `1Z` + 6-character shipper number + 2-digit service + 7-digit package
/// reference + check digit: 18 characters.
fn ups_tracking(rng: &mut SimRng, method: ShippingMethod) -> String {
    let service = match method {
        ShippingMethod::Standard => "03",
        ShippingMethod::Express => "02",
        ShippingMethod::Overnight => "01",
    };
    let body = format!("{}{service}{}", token(rng, UPPER_ALNUM, 6), digits(rng, 7));
    format!("1Z{body}{}", ups_check_digit(&body))
}

/// UPS's check digit over the 15 characters after `1Z`: letters count as
/// `(ASCII − 63) mod 10`, every second character double.
fn ups_check_digit(body: &str) -> u32 {
    let sum: u32 = body
        .bytes()
        .enumerate()
        .map(|(i, b)| {
            let value = if b.is_ascii_digit() {
                u32::from(b - b'0')
            } else {
                u32::from(b - 63) % 10
            };
            if i % 2 == 1 { value * 2 } else { value }
        })
        .sum();
    (10 - sum % 10) % 10
}

/// FedEx Express: 11 digits and a check digit (weights 1, 3, 7 from the
/// right, sum mod 11, 10 counting as 0).
fn fedex_tracking(rng: &mut SimRng) -> String {
    let body = format!("{}{}", rng.random_range(1..10), digits(rng, 10));
    let sum: u32 = body
        .bytes()
        .rev()
        .zip([1, 3, 7].into_iter().cycle())
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    format!("{body}{}", sum % 11 % 10)
}

/// USPS Intelligent Mail package barcode: `94` + channel, 21 digits and a
/// mod-10 check digit (weights 3, 1 from the right).
fn usps_tracking(rng: &mut SimRng, method: ShippingMethod) -> String {
    let prefix = if method == ShippingMethod::Standard { "9400" } else { "9405" };
    let body = format!("{prefix}1{}", digits(rng, 16));
    format!("{body}{}", mod10_check(&body))
}

fn mod10_check(body: &str) -> u32 {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    (10 - sum % 10) % 10
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::{Stream, rng};

    #[test]
    fn ups_check_digit_matches_the_published_example() {
        // UPS's own sample number.
        assert_eq!(ups_check_digit("999AA1012345678"), 4);
    }

    #[test]
    fn tracking_numbers_have_each_carriers_shape() {
        let mut r = rng(2, Stream::Main);
        let start = VirtualTime::from_timestamp(jiff::Timestamp::constant(1_778_504_400, 0));
        for _ in 0..300 {
            let method = shipping_method(&mut r, false);
            let s = label(&mut r, method, false, start);
            let t = &s.tracking_number;
            match s.carrier {
                Carrier::Ups => {
                    assert_eq!(t.len(), 18);
                    assert!(t.starts_with("1Z") && t[2..].bytes().all(|b| UPPER_ALNUM.contains(&b)), "{t}");
                }
                Carrier::Fedex => assert!(t.len() == 12 && t.bytes().all(|b| b.is_ascii_digit()), "{t}"),
                Carrier::Usps => {
                    assert!(t.len() == 22 && t.bytes().all(|b| b.is_ascii_digit()), "{t}");
                    assert_eq!(mod10_check(&t[..21]), u32::from(t.as_bytes()[21] - b'0'));
                }
            }
            assert!(s.estimated_delivery > start.date());
            assert_eq!(s.service, method.service());
        }
    }

    #[test]
    fn no_overnight_abroad() {
        let mut r = rng(4, Stream::Main);
        assert!((0..500).all(|_| shipping_method(&mut r, true) != ShippingMethod::Overnight));
    }
}
