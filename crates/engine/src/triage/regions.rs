//! Reference tables: ISO 3166-1 countries, the regions of the countries whose
//! addresses need one, and which regions a postal code belongs to.

use super::text::{collapse_ws, fold};

/// ISO 3166-1 alpha-2 codes (all 249), plus `XK` (Kosovo), which carriers and
/// storefronts use although ISO has not assigned it.
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV \
BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA \
GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI \
KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA \
NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK \
SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS \
XK YE YT ZA ZM ZW";

pub(crate) fn is_country(code: &str) -> bool {
    code.len() == 2 && COUNTRIES.split(' ').any(|c| c == code)
}

/// Names and alpha-3 codes storefronts send instead of the alpha-2 code.
const COUNTRY_ALIASES: &[(&str, &str)] = &[
    ("USA", "US"),
    ("UNITED STATES", "US"),
    ("UNITED STATES OF AMERICA", "US"),
    ("UK", "GB"),
    ("GBR", "GB"),
    ("UNITED KINGDOM", "GB"),
    ("GREAT BRITAIN", "GB"),
    ("ENGLAND", "GB"),
    ("SCOTLAND", "GB"),
    ("WALES", "GB"),
    ("NORTHERN IRELAND", "GB"),
    ("CAN", "CA"),
    ("CANADA", "CA"),
    ("DEU", "DE"),
    ("GERMANY", "DE"),
    ("DEUTSCHLAND", "DE"),
    ("FRA", "FR"),
    ("FRANCE", "FR"),
    ("AUS", "AU"),
    ("AUSTRALIA", "AU"),
    ("NLD", "NL"),
    ("NETHERLANDS", "NL"),
    ("THE NETHERLANDS", "NL"),
    ("HOLLAND", "NL"),
    ("NEDERLAND", "NL"),
    ("BRA", "BR"),
    ("BRAZIL", "BR"),
    ("BRASIL", "BR"),
    ("JPN", "JP"),
    ("JAPAN", "JP"),
    ("日本", "JP"),
    ("MEX", "MX"),
    ("MEXICO", "MX"),
    ("ESP", "ES"),
    ("SPAIN", "ES"),
    ("ESPANA", "ES"),
    ("ITA", "IT"),
    ("ITALY", "IT"),
    ("ITALIA", "IT"),
    ("IRL", "IE"),
    ("IRELAND", "IE"),
    ("CHE", "CH"),
    ("SWITZERLAND", "CH"),
    ("AUT", "AT"),
    ("AUSTRIA", "AT"),
    ("OSTERREICH", "AT"),
    ("BEL", "BE"),
    ("BELGIUM", "BE"),
    ("NEW ZEALAND", "NZ"),
];

/// The alpha-2 code for what a customer wrote in the country field, when it
/// is a code (any case) or a name or alpha-3 code we know.
pub(crate) fn country_code(raw: &str) -> Option<&'static str> {
    let key = fold(&collapse_ws(raw)).replace('.', "");
    if let Some(code) = COUNTRIES.split(' ').find(|c| *c == key) {
        return Some(code);
    }
    COUNTRY_ALIASES.iter().find(|(name, _)| *name == key).map(|(_, code)| *code)
}

/// Countries without postal codes, where a missing one is normal. Ireland's
/// Eircode is optional on parcels.
const NO_POSTAL_CODE: &str = "AE AG AO AW BF BI BJ BO BS BW BZ CD CF CG CI CK CM DJ DM ER FJ GA GD GH GM GQ GY HK IE JM KI KM \
KN KP LC ML MO MR MS MW NR NU PA QA RW SB SC SL SO SR ST SY TD TF TG TK TL TO TT TV UG VU YE ZW";

pub(crate) fn uses_postal_code(country: &str) -> bool {
    !NO_POSTAL_CODE.split(' ').any(|c| c == country)
}

/// City-states and territories whose addresses have no separate city line.
pub(crate) fn uses_city(country: &str) -> bool {
    !matches!(country, "HK" | "MO" | "SG" | "MC" | "VA" | "GI")
}

/// Countries whose addresses need a state, province or prefecture.
pub(crate) fn uses_region(country: &str) -> bool {
    matches!(country, "US" | "CA" | "AU" | "BR" | "JP" | "MX" | "IN" | "CN")
}

type Regions = &'static [(&'static str, &'static str)];

const US_STATES: Regions = &[
    ("AL", "Alabama"),
    ("AK", "Alaska"),
    ("AZ", "Arizona"),
    ("AR", "Arkansas"),
    ("CA", "California"),
    ("CO", "Colorado"),
    ("CT", "Connecticut"),
    ("DE", "Delaware"),
    ("DC", "District of Columbia"),
    ("FL", "Florida"),
    ("GA", "Georgia"),
    ("HI", "Hawaii"),
    ("ID", "Idaho"),
    ("IL", "Illinois"),
    ("IN", "Indiana"),
    ("IA", "Iowa"),
    ("KS", "Kansas"),
    ("KY", "Kentucky"),
    ("LA", "Louisiana"),
    ("ME", "Maine"),
    ("MD", "Maryland"),
    ("MA", "Massachusetts"),
    ("MI", "Michigan"),
    ("MN", "Minnesota"),
    ("MS", "Mississippi"),
    ("MO", "Missouri"),
    ("MT", "Montana"),
    ("NE", "Nebraska"),
    ("NV", "Nevada"),
    ("NH", "New Hampshire"),
    ("NJ", "New Jersey"),
    ("NM", "New Mexico"),
    ("NY", "New York"),
    ("NC", "North Carolina"),
    ("ND", "North Dakota"),
    ("OH", "Ohio"),
    ("OK", "Oklahoma"),
    ("OR", "Oregon"),
    ("PA", "Pennsylvania"),
    ("RI", "Rhode Island"),
    ("SC", "South Carolina"),
    ("SD", "South Dakota"),
    ("TN", "Tennessee"),
    ("TX", "Texas"),
    ("UT", "Utah"),
    ("VT", "Vermont"),
    ("VA", "Virginia"),
    ("WA", "Washington"),
    ("WV", "West Virginia"),
    ("WI", "Wisconsin"),
    ("WY", "Wyoming"),
    ("PR", "Puerto Rico"),
    ("VI", "U.S. Virgin Islands"),
    ("GU", "Guam"),
    ("AS", "American Samoa"),
    ("MP", "Northern Mariana Islands"),
    ("MH", "Marshall Islands"),
    ("FM", "Micronesia"),
    ("PW", "Palau"),
    ("AA", "Armed Forces Americas"),
    ("AE", "Armed Forces Europe"),
    ("AP", "Armed Forces Pacific"),
];

const CA_PROVINCES: Regions = &[
    ("AB", "Alberta"),
    ("BC", "British Columbia"),
    ("MB", "Manitoba"),
    ("NB", "New Brunswick"),
    ("NL", "Newfoundland and Labrador"),
    ("NS", "Nova Scotia"),
    ("NT", "Northwest Territories"),
    ("NU", "Nunavut"),
    ("ON", "Ontario"),
    ("PE", "Prince Edward Island"),
    ("QC", "Quebec"),
    ("SK", "Saskatchewan"),
    ("YT", "Yukon"),
];

const AU_STATES: Regions = &[
    ("ACT", "Australian Capital Territory"),
    ("NSW", "New South Wales"),
    ("NT", "Northern Territory"),
    ("QLD", "Queensland"),
    ("SA", "South Australia"),
    ("TAS", "Tasmania"),
    ("VIC", "Victoria"),
    ("WA", "Western Australia"),
];

const BR_STATES: Regions = &[
    ("AC", "Acre"),
    ("AL", "Alagoas"),
    ("AP", "Amapá"),
    ("AM", "Amazonas"),
    ("BA", "Bahia"),
    ("CE", "Ceará"),
    ("DF", "Distrito Federal"),
    ("ES", "Espírito Santo"),
    ("GO", "Goiás"),
    ("MA", "Maranhão"),
    ("MT", "Mato Grosso"),
    ("MS", "Mato Grosso do Sul"),
    ("MG", "Minas Gerais"),
    ("PA", "Pará"),
    ("PB", "Paraíba"),
    ("PR", "Paraná"),
    ("PE", "Pernambuco"),
    ("PI", "Piauí"),
    ("RJ", "Rio de Janeiro"),
    ("RN", "Rio Grande do Norte"),
    ("RS", "Rio Grande do Sul"),
    ("RO", "Rondônia"),
    ("RR", "Roraima"),
    ("SC", "Santa Catarina"),
    ("SP", "São Paulo"),
    ("SE", "Sergipe"),
    ("TO", "Tocantins"),
];

/// The regions of a country we can check region codes against.
fn regions(country: &str) -> Option<Regions> {
    match country {
        "US" => Some(US_STATES),
        "CA" => Some(CA_PROVINCES),
        "AU" => Some(AU_STATES),
        "BR" => Some(BR_STATES),
        _ => None,
    }
}

/// Whether we hold the list of regions for `country`.
pub(crate) fn has_region_list(country: &str) -> bool {
    regions(country).is_some()
}

/// The region code for what a customer wrote (`ca`, `California`, `US-CA`
/// → `CA`), when the country has a list and it names a region on it.
pub(crate) fn region_code(country: &str, raw: &str) -> Option<&'static str> {
    let list = regions(country)?;
    let key = fold(&collapse_ws(raw)).replace('.', "");
    let key = key.strip_prefix(&format!("{country}-")).unwrap_or(&key);
    list.iter()
        .find(|(code, name)| *code == key || fold(name).replace('.', "") == key)
        .map(|(code, _)| *code)
}

/// The region's full name, for messages.
pub(crate) fn region_name(country: &str, code: &str) -> Option<&'static str> {
    regions(country)?.iter().find(|(c, _)| *c == code).map(|(_, name)| *name)
}

/// US ZIP code prefixes (first three digits) by state, from the USPS
/// three-digit ZIP prefix table. A few ZIPs straddle a state line, which is
/// why a mismatch is a flag, not an exception.
const US_ZIP3: &[(u16, u16, &[&str])] = &[
    (5, 5, &["NY"]),
    (6, 7, &["PR"]),
    (8, 8, &["VI"]),
    (9, 9, &["PR"]),
    (10, 27, &["MA"]),
    (28, 29, &["RI"]),
    (30, 38, &["NH"]),
    (39, 49, &["ME"]),
    (50, 54, &["VT"]),
    (55, 55, &["MA"]),
    (56, 59, &["VT"]),
    (60, 69, &["CT"]),
    (70, 89, &["NJ"]),
    (90, 99, &["AE"]),
    (100, 149, &["NY"]),
    (150, 196, &["PA"]),
    (197, 199, &["DE"]),
    (200, 200, &["DC"]),
    (201, 201, &["VA"]),
    (202, 205, &["DC"]),
    (206, 219, &["MD"]),
    (220, 246, &["VA"]),
    (247, 268, &["WV"]),
    (270, 289, &["NC"]),
    (290, 299, &["SC"]),
    (300, 319, &["GA"]),
    (320, 339, &["FL"]),
    (340, 340, &["AA"]),
    (341, 349, &["FL"]),
    (350, 369, &["AL"]),
    (370, 385, &["TN"]),
    (386, 397, &["MS"]),
    (398, 399, &["GA"]),
    (400, 427, &["KY"]),
    (430, 459, &["OH"]),
    (460, 479, &["IN"]),
    (480, 499, &["MI"]),
    (500, 528, &["IA"]),
    (530, 549, &["WI"]),
    (550, 567, &["MN"]),
    (569, 569, &["DC"]),
    (570, 577, &["SD"]),
    (580, 588, &["ND"]),
    (590, 599, &["MT"]),
    (600, 629, &["IL"]),
    (630, 658, &["MO"]),
    (660, 679, &["KS"]),
    (680, 693, &["NE"]),
    (700, 715, &["LA"]),
    (716, 729, &["AR"]),
    (730, 732, &["OK"]),
    (733, 733, &["TX"]),
    (734, 749, &["OK"]),
    (750, 799, &["TX"]),
    (800, 816, &["CO"]),
    (820, 831, &["WY"]),
    (832, 838, &["ID"]),
    (840, 847, &["UT"]),
    (850, 865, &["AZ"]),
    (870, 884, &["NM"]),
    (885, 885, &["TX"]),
    (889, 898, &["NV"]),
    (900, 961, &["CA"]),
    (962, 966, &["AP"]),
    (967, 968, &["HI", "AS"]),
    (969, 969, &["GU", "MP", "MH", "FM", "PW"]),
    (970, 979, &["OR"]),
    (980, 994, &["WA"]),
    (995, 999, &["AK"]),
];

/// Canada Post's first letter of the postal code (the postal district).
const CA_DISTRICTS: &[(char, &[&str])] = &[
    ('A', &["NL"]),
    ('B', &["NS"]),
    ('C', &["PE"]),
    ('E', &["NB"]),
    ('G', &["QC"]),
    ('H', &["QC"]),
    ('J', &["QC"]),
    ('K', &["ON"]),
    ('L', &["ON"]),
    ('M', &["ON"]),
    ('N', &["ON"]),
    ('P', &["ON"]),
    ('R', &["MB"]),
    ('S', &["SK"]),
    ('T', &["AB"]),
    ('V', &["BC"]),
    ('X', &["NT", "NU"]),
    ('Y', &["YT"]),
];

/// Australia Post postcode ranges by state, PO box and large-volume ranges
/// included. Border towns cross them (Albury-Wodonga, Queanbeyan–ACT,
/// Jervis Bay), hence a flag, not an exception, on a mismatch.
const AU_RANGES: &[(u16, u16, &str)] = &[
    (200, 299, "ACT"),
    (800, 999, "NT"),
    (1000, 2599, "NSW"),
    (2600, 2618, "ACT"),
    (2619, 2899, "NSW"),
    (2900, 2920, "ACT"),
    (2921, 2999, "NSW"),
    (3000, 3999, "VIC"),
    (4000, 4999, "QLD"),
    (5000, 5999, "SA"),
    (6000, 6999, "WA"),
    (7000, 7999, "TAS"),
    (8000, 8999, "VIC"),
    (9000, 9999, "QLD"),
];

/// Correios CEP ranges (first five digits) by state.
const BR_RANGES: &[(u32, u32, &str)] = &[
    (1000, 19999, "SP"),
    (20000, 28999, "RJ"),
    (29000, 29999, "ES"),
    (30000, 39999, "MG"),
    (40000, 48999, "BA"),
    (49000, 49999, "SE"),
    (50000, 56999, "PE"),
    (57000, 57999, "AL"),
    (58000, 58999, "PB"),
    (59000, 59999, "RN"),
    (60000, 63999, "CE"),
    (64000, 64999, "PI"),
    (65000, 65999, "MA"),
    (66000, 68899, "PA"),
    (68900, 68999, "AP"),
    (69000, 69299, "AM"),
    (69300, 69399, "RR"),
    (69400, 69899, "AM"),
    (69900, 69999, "AC"),
    (70000, 72799, "DF"),
    (72800, 72999, "GO"),
    (73000, 73699, "DF"),
    (73700, 76799, "GO"),
    (76800, 76999, "RO"),
    (77000, 77999, "TO"),
    (78000, 78899, "MT"),
    (79000, 79999, "MS"),
    (80000, 87999, "PR"),
    (88000, 89999, "SC"),
    (90000, 99999, "RS"),
];

/// The regions a valid, canonical postal code belongs to, where we know it.
pub(crate) fn regions_for_postal(country: &str, canonical: &str) -> Option<Vec<&'static str>> {
    let digits = |n: usize| canonical.get(..n).and_then(|p| p.parse::<u32>().ok());
    match country {
        "US" => {
            let zip3 = digits(3)?;
            US_ZIP3
                .iter()
                .find(|(lo, hi, _)| (u32::from(*lo)..=u32::from(*hi)).contains(&zip3))
                .map(|(_, _, states)| states.to_vec())
        }
        "CA" => {
            let first = canonical.chars().next()?;
            CA_DISTRICTS.iter().find(|(c, _)| *c == first).map(|(_, p)| p.to_vec())
        }
        "AU" => {
            let code = digits(4)?;
            AU_RANGES
                .iter()
                .find(|(lo, hi, _)| (u32::from(*lo)..=u32::from(*hi)).contains(&code))
                .map(|(_, _, s)| vec![*s])
        }
        "BR" => {
            let cep5 = digits(5)?;
            BR_RANGES
                .iter()
                .find(|(lo, hi, _)| (*lo..=*hi).contains(&cep5))
                .map(|(_, _, s)| vec![*s])
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_country_list_is_iso_3166_plus_kosovo() {
        let codes: Vec<&str> = COUNTRIES.split(' ').collect();
        assert_eq!(codes.len(), 250);
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, codes, "sorted and unique");
        assert!(codes.iter().all(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase())));
    }

    #[test]
    fn every_alias_points_at_a_country() {
        for (name, code) in COUNTRY_ALIASES {
            assert!(is_country(code), "{name} → {code}");
        }
        for c in NO_POSTAL_CODE.split(' ') {
            assert!(is_country(c), "{c}");
        }
    }

    #[test]
    fn postal_ranges_name_only_listed_regions() {
        for (_, _, states) in US_ZIP3 {
            assert!(states.iter().all(|s| region_name("US", s).is_some()), "{states:?}");
        }
        for (_, provinces) in CA_DISTRICTS {
            assert!(provinces.iter().all(|p| region_name("CA", p).is_some()));
        }
        assert!(AU_RANGES.iter().all(|(_, _, s)| region_name("AU", s).is_some()));
        assert!(BR_RANGES.iter().all(|(_, _, s)| region_name("BR", s).is_some()));
        // Every Brazilian state has a range.
        for (code, _) in BR_STATES {
            assert!(BR_RANGES.iter().any(|(_, _, s)| s == code), "{code}");
        }
        // Ranges are sorted and do not overlap.
        assert!(US_ZIP3.windows(2).all(|w| w[0].1 < w[1].0));
        assert!(AU_RANGES.windows(2).all(|w| w[0].1 < w[1].0));
        assert!(BR_RANGES.windows(2).all(|w| w[0].1 < w[1].0));
    }
}
