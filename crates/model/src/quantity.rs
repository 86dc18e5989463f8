use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

use crate::Error;

/// A whole number of units. Deserialises only from integers: `1.5` or `"2"`
/// is an error naming the field, never a silently rounded number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(transparent)]
pub struct Quantity(pub i64);

impl Quantity {
    pub const ZERO: Quantity = Quantity(0);
    /// Largest magnitude accepted from outside: far above any real stock
    /// figure, far below overflow when summed.
    pub const LIMIT: i64 = 1_000_000_000_000;

    pub fn new(units: i64) -> Result<Self, Error> {
        if units.unsigned_abs() > Self::LIMIT as u64 {
            return Err(Error::new(
                "invalid_quantity",
                format!("Quantity {units} is out of range (±{}).", Self::LIMIT),
            ));
        }
        Ok(Self(units))
    }

    /// A quantity that must be strictly positive (order lines, reservations).
    pub fn positive(units: i64) -> Result<Self, Error> {
        if units <= 0 {
            return Err(Error::new(
                "invalid_quantity",
                format!("Quantity must be a positive whole number; got {units}."),
            ));
        }
        Self::new(units)
    }

    pub fn units(self) -> i64 {
        self.0
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Quantity;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a whole number of units")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Quantity, E> {
                Quantity::new(v).map_err(|e| E::custom(e.message))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Quantity, E> {
                let v = i64::try_from(v).map_err(|_| E::custom("quantity out of range"))?;
                self.visit_i64(v)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Quantity, E> {
                Err(E::custom(format!("quantity must be a whole number of units; got {v}")))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// An amount of money in a currency. Amounts are decimals, never floats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    pub currency: Currency,
}

/// ISO 4217 alphabetic code, e.g. `USD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Currency(#[serde(serialize_with = "ser_code")] [u8; 3]);

fn ser_code<S: serde::Serializer>(code: &[u8; 3], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(std::str::from_utf8(code).unwrap_or("XXX"))
}

impl Currency {
    pub const USD: Currency = Currency(*b"USD");

    pub fn parse(raw: &str) -> Result<Self, Error> {
        let bytes = raw.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_uppercase) {
            return Err(Error::new(
                "invalid_currency",
                format!("A currency is a 3-letter ISO 4217 code such as `USD`; got `{raw}`."),
            ));
        }
        Ok(Self([bytes[0], bytes[1], bytes[2]]))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Currency::parse(&raw).map_err(|e| serde::de::Error::custom(e.message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fractional_quantity_is_rejected() {
        let err = serde_json::from_str::<Quantity>("1.5").unwrap_err();
        assert!(err.to_string().contains("whole number"), "{err}");
        assert!(serde_json::from_str::<Quantity>("\"2\"").is_err());
        assert_eq!(serde_json::from_str::<Quantity>("7").unwrap(), Quantity(7));
    }

    #[test]
    fn money_keeps_exact_decimals() {
        let m: Money = serde_json::from_str(r#"{"amount":"19.99","currency":"USD"}"#).unwrap();
        assert_eq!(m.amount.to_string(), "19.99");
        assert!(serde_json::from_str::<Money>(r#"{"amount":"1","currency":"usd"}"#).is_err());
    }

    proptest! {
        #[test]
        fn quantity_accepts_every_integer_in_range(n in -Quantity::LIMIT..=Quantity::LIMIT) {
            prop_assert_eq!(serde_json::from_str::<Quantity>(&n.to_string()).unwrap(), Quantity(n));
        }

        #[test]
        fn out_of_range_is_an_error_not_an_overflow(n in prop_oneof![Just(i64::MIN), Just(i64::MAX), (Quantity::LIMIT + 1)..=i64::MAX]) {
            prop_assert!(Quantity::new(n).is_err());
            prop_assert!(Quantity::new(-n.max(-i64::MAX)).is_err());
            prop_assert!(serde_json::from_str::<Quantity>(&n.to_string()).is_err());
        }

        #[test]
        fn positive_rejects_non_positive(n in i64::MIN/2..=0i64) {
            prop_assert!(Quantity::positive(n).is_err());
        }
    }
}
