//! Identifier newtypes. Each has a `parse` that rejects what cannot be an id,
//! and deserialisation goes through it, so an invalid id never gets in.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

use crate::Error;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $code:literal, $what:literal, $max:expr, $allowed:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(Box<str>);

        impl $name {
            pub const MAX_LEN: usize = $max;

            pub fn parse(raw: &str) -> Result<Self, Error> {
                let allowed: fn(char) -> bool = $allowed;
                if raw.is_empty() {
                    return Err(Error::new($code, concat!("A ", $what, " must not be empty.")));
                }
                if raw.len() > Self::MAX_LEN {
                    return Err(Error::new(
                        $code,
                        format!(concat!("A ", $what, " is at most {} bytes; got {}."), Self::MAX_LEN, raw.len()),
                    ));
                }
                if let Some(bad) = raw.chars().find(|c| !allowed(*c)) {
                    return Err(Error::new(
                        $code,
                        format!(concat!("A ", $what, " may not contain {:?} (in `{}`)."), bad, raw),
                    ));
                }
                Ok(Self(raw.into()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&raw).map_err(|e| serde::de::Error::custom(e.message))
            }
        }
    };
}

fn slug_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

fn code_char(c: char) -> bool {
    c.is_ascii_graphic()
}

fn reference_char(c: char) -> bool {
    !c.is_control()
}

string_id!(
    /// A tenant: one merchant or one 3PL client brand, e.g. `acme`.
    TenantId, "invalid_tenant", "tenant id", 64, slug_char
);
string_id!(
    /// A configured connection to an external system, e.g. `wms-east`.
    ConnectionId, "invalid_connection", "connection id", 64, slug_char
);
string_id!(
    /// A fulfilment node (DC, store, 3PL site, drop-shipper), e.g. `DC-EAST`.
    NodeId, "invalid_node", "node id", 64, slug_char
);
string_id!(
    /// A stock-keeping unit as the tenant names it, e.g. `SKU-1042`.
    Sku, "invalid_sku", "SKU", 64, code_char
);
string_id!(
    /// An order reference: crossdock's order id or any id it is known by elsewhere.
    OrderId, "invalid_order_id", "order id", 128, reference_char
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rejects_empty_and_whitespace() {
        assert_eq!(Sku::parse("").unwrap_err().code, "invalid_sku");
        assert_eq!(Sku::parse("A B").unwrap_err().code, "invalid_sku");
        assert_eq!(NodeId::parse("DC EAST").unwrap_err().code, "invalid_node");
        assert!(OrderId::parse("#1042").is_ok());
        assert!(OrderId::parse("a\nb").is_err());
    }

    proptest! {
        #[test]
        fn sku_parse_roundtrips_through_json(raw in "[!-~]{1,64}") {
            let sku = Sku::parse(&raw).unwrap();
            let json = serde_json::to_string(&sku).unwrap();
            let back: Sku = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back, sku);
        }

        #[test]
        fn sku_parse_never_accepts_whitespace(prefix in "[A-Z]{0,5}", suffix in "[A-Z]{0,5}") {
            let raw = format!("{prefix} {suffix}");
            prop_assert!(Sku::parse(&raw).is_err());
        }
    }
}
