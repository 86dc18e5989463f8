//! Whether a shipment crosses a customs border: countries in one customs
//! union trade without declarations, and some territories of member states
//! sit outside the union's customs or VAT area although they share its
//! country code (recognised by postal code).

/// The 27 EU member states, plus Monaco, which is inside the EU customs
/// territory through France.
const EU: &[&str] = &[
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT",
    "RO", "SK", "SI", "ES", "SE", "MC",
];

/// Customs unions and shared customs territories, by name. Partial unions
/// (EU–Turkey, EU–Andorra, EU–San Marino) cover only some goods, so parcels
/// to them still need a declaration and they are not listed.
const UNIONS: &[(&str, &[&str])] = &[
    ("the EU customs union", EU),
    ("the Swiss–Liechtenstein customs union", &["CH", "LI"]),
    ("the US customs territory", &["US", "PR"]),
    ("the UK customs territory", &["GB", "IM"]),
    ("the Southern African Customs Union", &["ZA", "BW", "LS", "NA", "SZ"]),
    ("the Eurasian Economic Union", &["RU", "BY", "KZ", "AM", "KG"]),
];

/// The customs union a country belongs to, if any.
pub(crate) fn union_of(country: &str) -> Option<&'static str> {
    UNIONS.iter().find(|(_, members)| members.contains(&country)).map(|(name, _)| *name)
}

/// Territories of EU members outside the EU customs or VAT area: goods sent
/// there need a customs declaration although the country code is a member's.
/// `(country, postal code prefix, territory)`.
const SPECIAL: &[(&str, &str, &str)] = &[
    ("ES", "35", "the Canary Islands"),
    ("ES", "38", "the Canary Islands"),
    ("ES", "51", "Ceuta"),
    ("ES", "52", "Melilla"),
    ("DE", "27498", "Heligoland"),
    ("DE", "78266", "Büsingen am Hochrhein"),
    ("IT", "23041", "Livigno"),
    ("IT", "22061", "Campione d'Italia"),
    ("GR", "63086", "Mount Athos"),
    ("GR", "63087", "Mount Athos"),
    ("FI", "22", "the Åland Islands"),
    ("FR", "97", "the French overseas departments"),
    ("FR", "98", "the French overseas collectivities"),
];

/// The special territory a (country, canonical postal code) lies in.
pub(crate) fn special_territory(country: &str, postal: Option<&str>) -> Option<&'static str> {
    let postal = postal?;
    // Monaco's 980xx codes are French-format but Monaco is inside the union.
    if country == "FR" && postal.starts_with("980") {
        return None;
    }
    SPECIAL
        .iter()
        .find(|(c, prefix, _)| *c == country && postal.starts_with(prefix))
        .map(|(_, _, name)| *name)
}

/// Whether goods from `home` to `(country, postal)` cross a customs border,
/// and why, in plain words.
pub(crate) fn crossing(home: &str, country: &str, postal: Option<&str>) -> Option<String> {
    if let Some(territory) = special_territory(country, postal) {
        return Some(format!(
            "{country} {} lies in {territory}, outside the EU customs or VAT area",
            postal.unwrap_or_default()
        ));
    }
    if home == country {
        return None;
    }
    match (union_of(home), union_of(country)) {
        (Some(a), Some(b)) if a == b => None,
        (Some(a), Some(b)) => Some(format!("{country} is in {b}, outside {a}")),
        (None, Some(b)) => Some(format!("{country} is in {b}, which {home} is not part of")),
        (Some(a), None) => Some(format!("{country} is outside {a}")),
        (None, None) => Some(format!("{country} and {home} share no customs union")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unions_decide_the_border() {
        assert_eq!(crossing("DE", "FR", Some("75008")), None);
        assert_eq!(crossing("FR", "MC", Some("98000")), None);
        assert_eq!(crossing("US", "PR", Some("00901")), None);
        assert_eq!(
            crossing("US", "CA", Some("K1A 0B1")).unwrap(),
            "CA is outside the US customs territory"
        );
        assert_eq!(crossing("CA", "MX", Some("06500")).unwrap(), "MX and CA share no customs union");
        assert!(
            crossing("DE", "GB", Some("SW1A 1AA"))
                .unwrap()
                .contains("outside the EU customs union")
        );
        assert!(crossing("GB", "DE", Some("10115")).unwrap().contains("in the EU customs union"));
        assert!(crossing("DE", "CH", Some("8001")).is_some());
        assert!(crossing("ES", "ES", Some("35001")).unwrap().contains("Canary Islands"));
        assert!(crossing("DE", "FR", Some("97110")).unwrap().contains("overseas departments"));
        assert_eq!(crossing("FR", "FR", Some("98000")), None);
        assert!(EU.len() == 28 && EU.iter().all(|c| super::super::regions::is_country(c)));
    }
}
