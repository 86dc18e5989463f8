//! Built-in word lists: people, places, products and phrases.
//!
//! Kept small and fictional where it matters: phone numbers come from ranges
//! reserved for fiction (555-01xx in North America, Ofcom's drama ranges in
//! the UK, ACMA's in Australia), e-mail addresses use `example.*` domains and
//! browser IPs the documentation ranges, so simulated traffic can never reach
//! a real person.

/// Given names; a few carry accents so UTF-8 is exercised end to end.
pub(crate) const FIRST_NAMES: &[&str] = &[
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "James", "Isabella", "Lucas", "Mia", "Mateo", "Amelia", "Benjamin",
    "Harper", "Ethan", "Evelyn", "Aiden", "Chloé", "Daniel", "Priya", "Arjun", "Mei", "Hiroshi", "Fatima", "Omar", "Zoë", "José", "Ingrid",
    "Lars", "Aisha", "Kwame", "Siobhan", "Declan", "Yuki", "Chen", "Grace", "Samuel", "Nora", "Theo",
];

#[rustfmt::skip]
pub(crate) const LAST_NAMES: &[&str] = &[
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Nguyen",
    "Patel", "Kim", "O'Brien", "Müller", "Schmidt", "Rossi", "Dubois", "Kowalski", "Novak", "Okafor", "Mensah",
    "Tanaka", "Sato", "Haddad", "Cohen", "Walsh", "Byrne", "Fischer", "Svensson",
];

#[rustfmt::skip]
pub(crate) const COMPANIES: &[&str] = &[
    "Northwind Traders", "Blue Fern Design", "Harbor Dental", "Pinecrest Realty",
    "Summit Physio", "Copper Kettle Cafe", "Lakeside Studio", "Granite & Pine LLC",
];

pub(crate) const EMAIL_DOMAINS: &[&str] = &["example.com", "example.net", "example.org", "mail.example.com"];

/// How a postal code is formed; each rule yields codes in the country's real format.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Postal {
    /// US ZIP: this 3-digit prefix (the sectional centre) plus two digits.
    Us(&'static str),
    /// Canadian `A1A 1A1`, starting with the province's letter.
    Ca(char),
    /// UK: one of these outward codes, then an inward `9AA`.
    Gb(&'static [&'static str]),
    /// German 5-digit PLZ starting with one of these 2-digit regions.
    De(&'static [&'static str]),
    /// Australian 4-digit postcode starting with these two digits.
    Au(&'static str),
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct City {
    pub name: &'static str,
    pub province: Option<&'static str>,
    pub province_code: Option<&'static str>,
    pub postal: Postal,
    pub lat: f64,
    pub lon: f64,
    /// Combined sales tax or VAT rate applied to the goods.
    pub tax_rate: f64,
    /// Fictional-range phone prefix, completed with `phone_digits` random digits.
    pub phone_prefix: &'static str,
    pub phone_digits: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StreetStyle {
    /// `742 Maple St`
    NumberFirst,
    /// `Hauptstraße 12`
    NumberLast,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Country {
    pub code: &'static str,
    pub name: &'static str,
    pub tax_title: &'static str,
    pub cities: &'static [City],
    pub streets: &'static [&'static str],
    pub style: StreetStyle,
    /// Share of orders shipping here, in percent.
    pub weight: u32,
}

const fn city(
    name: &'static str,
    province: &'static str,
    code: &'static str,
    postal: Postal,
    (lat, lon): (f64, f64),
    tax_rate: f64,
    (phone_prefix, phone_digits): (&'static str, usize),
) -> City {
    City {
        name,
        province: Some(province),
        province_code: Some(code),
        postal,
        lat,
        lon,
        tax_rate,
        phone_prefix,
        phone_digits,
    }
}

/// A city in a country whose addresses carry no province (UK, Germany).
const fn city_np(name: &'static str, postal: Postal, (lat, lon): (f64, f64), tax_rate: f64, phone: (&'static str, usize)) -> City {
    City {
        name,
        province: None,
        province_code: None,
        postal,
        lat,
        lon,
        tax_rate,
        phone_prefix: phone.0,
        phone_digits: phone.1,
    }
}

#[rustfmt::skip]
const US_CITIES: &[City] = &[
    city("New York", "New York", "NY", Postal::Us("100"), (40.7128, -74.0060), 0.08875, ("+121255501", 2)),
    city("Brooklyn", "New York", "NY", Postal::Us("112"), (40.6782, -73.9442), 0.08875, ("+171855501", 2)),
    city("Newark", "New Jersey", "NJ", Postal::Us("071"), (40.7357, -74.1724), 0.06625, ("+197355501", 2)),
    city("Boston", "Massachusetts", "MA", Postal::Us("021"), (42.3601, -71.0589), 0.0625, ("+161755501", 2)),
    city("Philadelphia", "Pennsylvania", "PA", Postal::Us("191"), (39.9526, -75.1652), 0.08, ("+121555501", 2)),
    city("Baltimore", "Maryland", "MD", Postal::Us("212"), (39.2904, -76.6122), 0.06, ("+141055501", 2)),
    city("Washington", "District of Columbia", "DC", Postal::Us("200"), (38.9072, -77.0369), 0.06, ("+120255501", 2)),
    city("Atlanta", "Georgia", "GA", Postal::Us("303"), (33.7490, -84.3880), 0.089, ("+140455501", 2)),
    city("Miami", "Florida", "FL", Postal::Us("331"), (25.7617, -80.1918), 0.07, ("+130555501", 2)),
    city("Orlando", "Florida", "FL", Postal::Us("328"), (28.5383, -81.3792), 0.065, ("+140755501", 2)),
    city("Charlotte", "North Carolina", "NC", Postal::Us("282"), (35.2271, -80.8431), 0.0725, ("+170455501", 2)),
    city("Nashville", "Tennessee", "TN", Postal::Us("372"), (36.1627, -86.7816), 0.0925, ("+161555501", 2)),
    city("Louisville", "Kentucky", "KY", Postal::Us("402"), (38.2527, -85.7585), 0.06, ("+150255501", 2)),
    city("Columbus", "Ohio", "OH", Postal::Us("432"), (39.9612, -82.9988), 0.075, ("+161455501", 2)),
    city("Detroit", "Michigan", "MI", Postal::Us("482"), (42.3314, -83.0458), 0.06, ("+131355501", 2)),
    city("Chicago", "Illinois", "IL", Postal::Us("606"), (41.8781, -87.6298), 0.1025, ("+131255501", 2)),
    city("Minneapolis", "Minnesota", "MN", Postal::Us("554"), (44.9778, -93.2650), 0.08025, ("+161255501", 2)),
    city("St. Louis", "Missouri", "MO", Postal::Us("631"), (38.6270, -90.1994), 0.09679, ("+131455501", 2)),
    city("Dallas", "Texas", "TX", Postal::Us("752"), (32.7767, -96.7970), 0.0825, ("+121455501", 2)),
    city("Houston", "Texas", "TX", Postal::Us("770"), (29.7604, -95.3698), 0.0825, ("+171355501", 2)),
    city("Austin", "Texas", "TX", Postal::Us("787"), (30.2672, -97.7431), 0.0825, ("+151255501", 2)),
    city("Denver", "Colorado", "CO", Postal::Us("802"), (39.7392, -104.9903), 0.0881, ("+130355501", 2)),
    city("Phoenix", "Arizona", "AZ", Postal::Us("850"), (33.4484, -112.0740), 0.086, ("+160255501", 2)),
    city("Salt Lake City", "Utah", "UT", Postal::Us("841"), (40.7608, -111.8910), 0.0775, ("+180155501", 2)),
    city("Las Vegas", "Nevada", "NV", Postal::Us("891"), (36.1699, -115.1398), 0.08375, ("+170255501", 2)),
    city("Los Angeles", "California", "CA", Postal::Us("900"), (34.0522, -118.2437), 0.095, ("+121355501", 2)),
    city("San Diego", "California", "CA", Postal::Us("921"), (32.7157, -117.1611), 0.0775, ("+161955501", 2)),
    city("San Francisco", "California", "CA", Postal::Us("941"), (37.7749, -122.4194), 0.08625, ("+141555501", 2)),
    city("Portland", "Oregon", "OR", Postal::Us("972"), (45.5152, -122.6784), 0.0, ("+150355501", 2)),
    city("Seattle", "Washington", "WA", Postal::Us("981"), (47.6062, -122.3321), 0.1025, ("+120655501", 2)),
    city("Anchorage", "Alaska", "AK", Postal::Us("995"), (61.2181, -149.9003), 0.0, ("+190755501", 2)),
    city("Honolulu", "Hawaii", "HI", Postal::Us("968"), (21.3069, -157.8583), 0.045, ("+180855501", 2)),
];

#[rustfmt::skip]
const CA_CITIES: &[City] = &[
    city("Toronto", "Ontario", "ON", Postal::Ca('M'), (43.6532, -79.3832), 0.13, ("+141655501", 2)),
    city("Vancouver", "British Columbia", "BC", Postal::Ca('V'), (49.2827, -123.1207), 0.12, ("+160455501", 2)),
    city("Montreal", "Quebec", "QC", Postal::Ca('H'), (45.5017, -73.5673), 0.14975, ("+151455501", 2)),
    city("Calgary", "Alberta", "AB", Postal::Ca('T'), (51.0447, -114.0719), 0.05, ("+140355501", 2)),
];

#[rustfmt::skip]
const GB_CITIES: &[City] = &[
    city_np("London", Postal::Gb(&["SW1A", "EC1A", "N1", "E2", "SE1", "W1D", "NW3"]), (51.5072, -0.1276), 0.20, ("+44207946", 4)),
    city_np("Manchester", Postal::Gb(&["M1", "M4", "M20"]), (53.4808, -2.2426), 0.20, ("+441614960", 3)),
    city_np("Edinburgh", Postal::Gb(&["EH1", "EH3", "EH9"]), (55.9533, -3.1883), 0.20, ("+441314960", 3)),
    city_np("Bristol", Postal::Gb(&["BS1", "BS8"]), (51.4545, -2.5879), 0.20, ("+441174960", 3)),
];

#[rustfmt::skip]
const DE_CITIES: &[City] = &[
    city_np("Berlin", Postal::De(&["10", "12", "13"]), (52.5200, 13.4050), 0.19, ("+493023125", 3)),
    city_np("München", Postal::De(&["80", "81"]), (48.1351, 11.5820), 0.19, ("+498923125", 3)),
    city_np("Hamburg", Postal::De(&["20", "22"]), (53.5511, 9.9937), 0.19, ("+494023125", 3)),
    city_np("Köln", Postal::De(&["50", "51"]), (50.9375, 6.9603), 0.19, ("+4922123125", 3)),
];

#[rustfmt::skip]
const AU_CITIES: &[City] = &[
    city("Sydney", "New South Wales", "NSW", Postal::Au("20"), (-33.8688, 151.2093), 0.10, ("+6125550", 4)),
    city("Melbourne", "Victoria", "VIC", Postal::Au("30"), (-37.8136, 144.9631), 0.10, ("+6137010", 4)),
    city("Brisbane", "Queensland", "QLD", Postal::Au("40"), (-27.4698, 153.0251), 0.10, ("+6175550", 4)),
    city("Perth", "Western Australia", "WA", Postal::Au("60"), (-31.9523, 115.8613), 0.10, ("+6185550", 4)),
];

#[rustfmt::skip]
const US_STREETS: &[&str] = &[
    "Main St", "Oak Ave", "Maple St", "Cedar Ln", "Elm St", "Park Ave", "Washington Blvd", "Lake Shore Dr", "Pine St",
    "Sunset Blvd", "Highland Ave", "Church St", "Broadway", "Market St", "Chestnut St", "Walnut St", "Spring St",
    "River Rd", "Hillcrest Dr", "Franklin Ave",
];

#[rustfmt::skip]
const CA_STREETS: &[&str] = &[
    "Queen St W", "Yonge St", "Robson St", "Rue Saint-Denis", "King St E", "Jasper Ave", "Granville St",
];

#[rustfmt::skip]
const GB_STREETS: &[&str] = &[
    "High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane", "King Street", "Park Road",
];

#[rustfmt::skip]
const DE_STREETS: &[&str] = &[
    "Hauptstraße", "Bahnhofstraße", "Gartenstraße", "Schulstraße", "Lindenstraße", "Bergstraße",
];

#[rustfmt::skip]
const AU_STREETS: &[&str] = &[
    "George St", "Collins St", "Queen St", "Hay St", "Elizabeth St", "Chapel St",
];

/// Where orders ship to, with each country's share of orders.
pub(crate) const COUNTRIES: &[Country] = &[
    Country {
        code: "US",
        name: "United States",
        tax_title: "Sales Tax",
        cities: US_CITIES,
        streets: US_STREETS,
        style: StreetStyle::NumberFirst,
        weight: 88,
    },
    Country {
        code: "CA",
        name: "Canada",
        tax_title: "GST/HST",
        cities: CA_CITIES,
        streets: CA_STREETS,
        style: StreetStyle::NumberFirst,
        weight: 4,
    },
    Country {
        code: "GB",
        name: "United Kingdom",
        tax_title: "VAT",
        cities: GB_CITIES,
        streets: GB_STREETS,
        style: StreetStyle::NumberFirst,
        weight: 3,
    },
    Country {
        code: "DE",
        name: "Germany",
        tax_title: "MwSt",
        cities: DE_CITIES,
        streets: DE_STREETS,
        style: StreetStyle::NumberLast,
        weight: 3,
    },
    Country {
        code: "AU",
        name: "Australia",
        tax_title: "GST",
        cities: AU_CITIES,
        streets: AU_STREETS,
        style: StreetStyle::NumberFirst,
        weight: 2,
    },
];

/// What a product's variants differ by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Options {
    Colour,
    Size,
    ShoeSize,
    Length,
}

impl Options {
    pub(crate) fn values(self) -> &'static [&'static str] {
        match self {
            Options::Colour => &["Black", "Slate", "Forest", "Sand", "Ocean", "Ember"],
            Options::Size => &["XS", "S", "M", "L", "XL"],
            Options::ShoeSize => &["8", "9", "10", "11", "12"],
            Options::Length => &["210cm", "220cm", "230cm"],
        }
    }
}

/// A product line of the demo shop; the catalogue takes variants of these.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Product {
    pub code: &'static str,
    pub title: &'static str,
    pub options: Options,
    pub price_cents: i64,
    pub grams: u32,
    pub category: &'static str,
    pub vendor: &'static str,
    /// Lithium cells, aerosols and fuel ship under dangerous-goods rules.
    pub hazmat: bool,
    /// Needs a large parcel or freight service.
    pub oversize: bool,
    /// Never returnable.
    pub final_sale: bool,
}

const fn product(
    code: &'static str,
    title: &'static str,
    options: Options,
    price_cents: i64,
    grams: u32,
    category: &'static str,
    vendor: &'static str,
) -> Product {
    Product {
        code,
        title,
        options,
        price_cents,
        grams,
        category,
        vendor,
        hazmat: false,
        oversize: false,
        final_sale: false,
    }
}

const fn hazmat(p: Product) -> Product {
    Product { hazmat: true, ..p }
}

const fn oversize(p: Product) -> Product {
    Product { oversize: true, ..p }
}

const fn final_sale(p: Product) -> Product {
    Product { final_sale: true, ..p }
}

#[rustfmt::skip]
pub(crate) const PRODUCTS: &[Product] = &[
    product("BTL", "Insulated Water Bottle", Options::Colour, 2499, 450, "drinkware", "Northpeak"),
    product("MUG", "Enamel Camp Mug", Options::Colour, 1499, 300, "drinkware", "Northpeak"),
    product("TEE", "Organic Cotton Tee", Options::Size, 2800, 180, "apparel", "Acme Outdoor"),
    product("HOOD", "Fleece Hoodie", Options::Size, 6400, 650, "apparel", "Acme Outdoor"),
    product("SOCK", "Merino Hiking Socks", Options::Size, 1800, 90, "apparel", "Acme Outdoor"),
    product("GLOV", "Softshell Gloves", Options::Size, 3400, 150, "apparel", "Acme Outdoor"),
    final_sale(product("CAP", "Trucker Cap", Options::Colour, 2400, 110, "apparel", "Acme Outdoor")),
    product("SHOE", "Trail Running Shoe", Options::ShoeSize, 12900, 850, "footwear", "Riverstone Goods"),
    product("PACK", "Daypack 24L", Options::Colour, 8900, 900, "bags", "Riverstone Goods"),
    hazmat(product("LAMP", "Rechargeable Headlamp", Options::Colour, 3999, 120, "electronics", "Northpeak")),
    hazmat(product("BATT", "Power Bank 20000mAh", Options::Colour, 4999, 420, "electronics", "Northpeak")),
    hazmat(product("FUEL", "Isobutane Fuel Canister 230g", Options::Colour, 799, 380, "camping", "Northpeak")),
    hazmat(product("SUN", "SPF 50 Sunscreen Spray", Options::Colour, 1299, 200, "personal care", "Acme Outdoor")),
    product("STOVE", "Compact Camp Stove", Options::Colour, 5499, 600, "camping", "Northpeak"),
    product("TENT", "Two-Person Backpacking Tent", Options::Colour, 32900, 2100, "camping", "Riverstone Goods"),
    oversize(product("PADL", "Kayak Paddle", Options::Length, 14900, 1000, "water", "Riverstone Goods")),
    oversize(product("TABL", "Folding Camp Table", Options::Colour, 11900, 5400, "furniture", "Riverstone Goods")),
    product("CHAIR", "Camp Chair", Options::Colour, 6900, 2300, "furniture", "Riverstone Goods"),
    final_sale(product("MAP", "Trail Map Set", Options::Colour, 1999, 250, "books", "Acme Outdoor")),
    product("KNIFE", "Folding Pocket Knife", Options::Colour, 4499, 140, "tools", "Riverstone Goods"),
];

pub(crate) const SUPPLIERS: &[&str] = &["Everest Manufacturing Co.", "Pacific Rim Textiles", "Great Lakes Outfitters Supply"];

pub(crate) const GIFT_MESSAGES: &[&str] = &[
    "Happy birthday! Enjoy the trails.",
    "Congratulations on the new job!",
    "Merry Christmas from all of us.",
    "Thinking of you. Love, Mum",
    "For your next adventure!",
    "Happy anniversary ❤",
];

pub(crate) const ORDER_NOTES: &[&str] = &[
    "Please leave the package with the front desk.",
    "Ring the bell twice, the buzzer is broken.",
    "Deliver to the side door, please.",
    "No signature needed.",
    "Gate code 4821.",
];

pub(crate) const TAGS: &[&str] = &["vip", "repeat-buyer", "newsletter", "wholesale-inquiry", "influencer"];

/// A "where is my order" e-mail: subject and body templates; `{order}` and
/// `{name}` are filled in.
pub(crate) const WISMO: &[(&str, &str)] = &[
    (
        "Where is my order {order}?",
        "Hi,\n\nI placed order {order} a few days ago and haven't received anything yet. Can you tell me where it is?\n\nThanks,\n{name}",
    ),
    (
        "Order {order} hasn't arrived",
        "Hello,\n\nMy order {order} still hasn't arrived. Could you check on it for me?\n\nBest,\n{name}",
    ),
    (
        "Any update on order {order}?",
        "Hi there,\n\nJust checking in on order {order}. I need it by the weekend - is it on its way?\n\n{name}",
    ),
    (
        "Tracking for {order} not updating",
        "Hi,\n\nThe tracking for my order {order} hasn't changed in two days. Is something wrong?\n\nRegards,\n{name}",
    ),
];

/// Letters Canada Post uses in postal codes (no D, F, I, O, Q, U).
pub(crate) const CA_LETTERS: &[u8] = b"ABCEGHJKLMNPRSTVWXYZ";
/// Letters Royal Mail uses in the inward code (no C, I, K, M, O, V).
pub(crate) const GB_INWARD_LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
pub(crate) const UPPER_ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Replace the few non-ASCII letters of the name lists for e-mail local parts.
pub(crate) fn ascii_fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'é' | 'ë' | 'è' => out.push('e'),
            'ü' => out.push_str("ue"),
            'ö' => out.push_str("oe"),
            'ä' => out.push_str("ae"),
            'ß' => out.push_str("ss"),
            c if c.is_ascii_alphanumeric() => out.push(c.to_ascii_lowercase()),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_weights_add_up_to_a_hundred() {
        assert_eq!(COUNTRIES.iter().map(|c| c.weight).sum::<u32>(), 100);
        assert!(COUNTRIES.iter().all(|c| !c.cities.is_empty() && !c.streets.is_empty()));
    }

    #[test]
    fn folding_keeps_emails_ascii() {
        assert_eq!(ascii_fold("Müller"), "mueller");
        assert_eq!(ascii_fold("O'Brien"), "obrien");
        assert_eq!(ascii_fold("Zoë"), "zoe");
    }
}
