//! Postal code formats: a strict grammar for the countries we ship to most
//! (US, CA, GB, DE, FR, AU, NL, BR, JP and the places that borrow their
//! formats), a permissive one for every other country, and the canonical
//! spelling of each.

use super::text::{ascii_width, collapse_ws};

/// What is wrong with a postal code, in plain words, for the reason message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invalid {
    /// e.g. "is not a valid US ZIP code (expected 12345 or 12345-6789)".
    pub problem: String,
}

fn invalid(problem: impl Into<String>) -> Invalid {
    Invalid { problem: problem.into() }
}

/// The format a country's postal codes follow, for messages.
fn expected(country: &str) -> &'static str {
    match format_of(country) {
        Format::UsZip => "a valid US ZIP code (expected 12345 or 12345-6789)",
        Format::Canada => "a valid Canadian postal code (expected A1A 1A1)",
        Format::Uk => "a valid UK postcode (expected e.g. SW1A 1AA, M1 1AE or BFPO 123)",
        Format::Germany => "a valid German Postleitzahl (expected 5 digits, 01001–99998)",
        Format::France => "a valid French code postal (expected 5 digits, e.g. 75008)",
        Format::Monaco => "a valid Monaco postal code (expected 980xx)",
        Format::Australia => "a valid Australian postcode (expected 4 digits)",
        Format::Netherlands => "a valid Dutch postcode (expected 1234 AB)",
        Format::Brazil => "a valid Brazilian CEP (expected 12345-678)",
        Format::Japan => "a valid Japanese postal code (expected 123-4567)",
        Format::Other => "a postal code (expected 2–10 letters, digits, spaces or hyphens)",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    UsZip,
    Canada,
    Uk,
    Germany,
    France,
    Monaco,
    Australia,
    Netherlands,
    Brazil,
    Japan,
    Other,
}

fn format_of(country: &str) -> Format {
    match country {
        // US territories and the freely associated states use US ZIP codes.
        "US" | "PR" | "VI" | "GU" | "AS" | "MP" | "MH" | "FM" | "PW" => Format::UsZip,
        "CA" => Format::Canada,
        // Crown dependencies use UK postcodes (JE2 3AB, GY1 1AA, IM1 1AA).
        "GB" | "JE" | "GG" | "IM" => Format::Uk,
        "DE" => Format::Germany,
        // Overseas departments and collectivities with their own ISO code
        // still use French postal codes (97100, 98800...).
        "FR" | "GP" | "MQ" | "GF" | "RE" | "YT" | "PM" | "BL" | "MF" | "NC" | "PF" | "WF" => Format::France,
        "MC" => Format::Monaco,
        "AU" => Format::Australia,
        "NL" => Format::Netherlands,
        "BR" => Format::Brazil,
        "JP" => Format::Japan,
        _ => Format::Other,
    }
}

/// What a customer typed, cleaned: full-width characters and odd dashes
/// made ASCII, a leading `〒` dropped, upper-cased, whitespace collapsed.
fn clean(raw: &str) -> String {
    let s = ascii_width(raw);
    let s = s.trim_start().trim_start_matches('〒');
    collapse_ws(&s.to_ascii_uppercase())
}

/// The letters and digits only (spaces and hyphens dropped), with the
/// old `D-` / `F-` / `NL-` country prefixes removed where they apply.
fn compact(country: &str, cleaned: &str) -> String {
    let c: String = cleaned.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let prefixes: &[&str] = match format_of(country) {
        Format::Germany => &["DE", "D"],
        Format::France => &["FR", "F"],
        Format::Netherlands => &["NL"],
        _ => &[],
    };
    for p in prefixes {
        if let Some(rest) = c.strip_prefix(p)
            && rest.starts_with(|c: char| c.is_ascii_digit())
        {
            return rest.to_string();
        }
    }
    c
}

/// The canonical spelling of a postal code for `country` (`k1a0b1` →
/// `K1A 0B1`, `123456789` → `12345-6789` in the US), or the cleaned input
/// when it is not valid. Idempotent.
pub(crate) fn normalise(country: &str, raw: &str) -> String {
    let cleaned = clean(raw);
    if format_of(country) == Format::Other {
        return cleaned;
    }
    match parse(country, &compact(country, &cleaned)) {
        Ok(canonical) => canonical,
        Err(_) => cleaned,
    }
}

/// Checks a postal code for `country` and returns its canonical spelling.
pub(crate) fn validate(country: &str, raw: &str) -> Result<String, Invalid> {
    let cleaned = clean(raw);
    if format_of(country) == Format::Other {
        return other(&cleaned);
    }
    parse(country, &compact(country, &cleaned))
}

fn all_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// Parses the compact form; on success, the canonical spelling.
fn parse(country: &str, c: &str) -> Result<String, Invalid> {
    let fail = || invalid(format!("is not {}", expected(country)));
    match format_of(country) {
        Format::UsZip => {
            if !(all_digits(c, 5) || all_digits(c, 9)) {
                return Err(fail());
            }
            // No ZIP code starts 000–004.
            if c[..3].parse::<u16>().is_ok_and(|z| z <= 4) {
                return Err(invalid(format!(
                    "is not {}: no ZIP code starts with {}",
                    expected(country),
                    &c[..3]
                )));
            }
            Ok(if c.len() == 9 {
                format!("{}-{}", &c[..5], &c[5..])
            } else {
                c.to_string()
            })
        }
        Format::Canada => canada(c).map_err(|_| fail()),
        Format::Uk => uk(c).ok_or_else(fail),
        Format::Germany => {
            if !all_digits(c, 5) {
                return Err(fail());
            }
            // 00xxx is unassigned and 99999 a placeholder.
            if c.starts_with("00") || c == "99999" {
                return Err(invalid(format!("is not {}: `{c}` is not assigned", expected(country))));
            }
            Ok(c.to_string())
        }
        Format::France => france(c).map_err(|why| match why {
            Some(why) => invalid(format!("is not {}: {why}", expected(country))),
            None => fail(),
        }),
        Format::Monaco => {
            if all_digits(c, 5) && c.starts_with("980") {
                Ok(c.to_string())
            } else {
                Err(fail())
            }
        }
        Format::Australia => {
            if all_digits(c, 4) && c >= "0200" {
                Ok(c.to_string())
            } else {
                Err(fail())
            }
        }
        Format::Netherlands => {
            let b = c.as_bytes();
            let ok = b.len() == 6
                && b[0] != b'0'
                && b[..4].iter().all(u8::is_ascii_digit)
                && b[4..].iter().all(u8::is_ascii_uppercase)
                // PostNL never issues SA, SD or SS (their wartime associations).
                && !matches!(&c[4..], "SA" | "SD" | "SS");
            if ok { Ok(format!("{} {}", &c[..4], &c[4..])) } else { Err(fail()) }
        }
        Format::Brazil => {
            if all_digits(c, 8) && !c.starts_with("00") {
                Ok(format!("{}-{}", &c[..5], &c[5..]))
            } else {
                Err(fail())
            }
        }
        Format::Japan => {
            if all_digits(c, 7) {
                Ok(format!("{}-{}", &c[..3], &c[3..]))
            } else {
                Err(fail())
            }
        }
        Format::Other => other(c),
    }
}

/// Letters Canada Post never uses (they read like digits or each other).
fn canada(c: &str) -> Result<String, ()> {
    let b = c.as_bytes();
    if b.len() != 6 {
        return Err(());
    }
    let letter = |x: u8| x.is_ascii_uppercase() && !b"DFIOQU".contains(&x);
    let ok = letter(b[0])
        && !matches!(b[0], b'W' | b'Z')
        && b[1].is_ascii_digit()
        && letter(b[2])
        && b[3].is_ascii_digit()
        && letter(b[4])
        && b[5].is_ascii_digit();
    if ok { Ok(format!("{} {}", &c[..3], &c[3..])) } else { Err(()) }
}

/// The UK postcode grammar (Royal Mail PAF): outward code `A9`, `A99`,
/// `AA9`, `AA99`, `A9A` or `AA9A`, inward code `9AA`; plus `GIR 0AA` and
/// British Forces `BFPO 1`–`BFPO 9999`.
fn uk(c: &str) -> Option<String> {
    if c == "GIR0AA" {
        return Some("GIR 0AA".into());
    }
    if let Some(n) = c.strip_prefix("BFPO")
        && (1..=4).contains(&n.len())
        && n.bytes().all(|b| b.is_ascii_digit())
    {
        return Some(format!("BFPO {n}"));
    }
    let b = c.as_bytes();
    if !(5..=7).contains(&b.len()) {
        return None;
    }
    let (out, inw) = b.split_at(b.len() - 3);
    // Inward: a digit and two letters, never C I K M O V.
    let inward_letter = |x: u8| x.is_ascii_uppercase() && !b"CIKMOV".contains(&x);
    if !(inw[0].is_ascii_digit() && inward_letter(inw[1]) && inward_letter(inw[2])) {
        return None;
    }
    let first = |x: u8| x.is_ascii_uppercase() && !b"QVX".contains(&x);
    let second = |x: u8| !b"IJZ".contains(&x);
    let shape: String = out
        .iter()
        .map(|x| {
            if x.is_ascii_digit() {
                '9'
            } else if x.is_ascii_uppercase() {
                'A'
            } else {
                '?'
            }
        })
        .collect();
    let ok = first(out[0])
        && match shape.as_str() {
            "A9" | "A99" => true,
            "A9A" => b"ABCDEFGHJKPSTUW".contains(&out[2]),
            "AA9" | "AA99" => second(out[1]),
            "AA9A" => second(out[1]) && b"ABEHMNPRVWXY".contains(&out[3]),
            _ => false,
        };
    ok.then(|| {
        format!(
            "{} {}",
            std::str::from_utf8(out).unwrap_or_default(),
            std::str::from_utf8(inw).unwrap_or_default()
        )
    })
}

/// French codes postaux: the first two digits are the department (01–95),
/// 97x/98x overseas. Corsica's departments are 2A and 2B, but its postal codes
/// start with 20: 200xx–201xx in Corse-du-Sud (2A), 202xx and 206xx in
/// Haute-Corse (2B). `2A004` is Ajaccio's INSEE commune code, not a postal
/// code (Ajaccio is 20000), so it is never rewritten automatically.
fn france(c: &str) -> Result<String, Option<String>> {
    if c.len() == 5 && (c.starts_with("2A") || c.starts_with("2B")) && c[2..].bytes().all(|b| b.is_ascii_digit()) {
        return Err(Some(format!(
            "{} is a Corsican department code; Corsican postal codes start with 20 (Corse-du-Sud 20000–20199, Haute-Corse 20200–20299 and 20600–20699)",
            &c[..2]
        )));
    }
    if !all_digits(c, 5) {
        return Err(None);
    }
    let dept: u16 = c[..2].parse().unwrap_or(0);
    let overseas: u16 = c[..3].parse().unwrap_or(0);
    match dept {
        1..=19 | 21..=95 => Ok(c.to_string()),
        20 => {
            let n: u32 = c.parse().unwrap_or(0);
            if (20000..=20299).contains(&n) || (20600..=20699).contains(&n) {
                Ok(c.to_string())
            } else {
                Err(Some(format!("{c} is not a Corsican postal code (20000–20299 or 20600–20699)")))
            }
        }
        97 if (971..=978).contains(&overseas) => Ok(c.to_string()),
        98 if matches!(overseas, 980 | 984 | 986 | 987 | 988) => Ok(c.to_string()),
        _ => Err(Some(format!("no French department starts with {}", &c[..2]))),
    }
}

/// Any other country: 2–10 letters, digits, spaces or hyphens, at least
/// one digit or letter. Kept as typed (cleaned).
fn other(cleaned: &str) -> Result<String, Invalid> {
    let ok = (2..=10).contains(&cleaned.chars().count())
        && cleaned.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
        && cleaned.chars().any(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(cleaned.to_string())
    } else {
        Err(invalid(format!("is not {}", expected("??"))))
    }
}

/// The department (`2A`, `2B`) a Corsican postal code belongs to.
pub(crate) fn corsican_department(canonical: &str) -> Option<&'static str> {
    let n: u32 = canonical.parse().ok()?;
    match n {
        20000..=20199 => Some("2A"),
        20200..=20299 | 20600..=20699 => Some("2B"),
        _ => None,
    }
}
