//! Small text helpers shared by the address checks: whitespace cleaning,
//! accent folding and tokenising for pattern matching.

/// Trims and collapses every run of whitespace (any Unicode space, tabs,
/// newlines) into one ASCII space.
pub(crate) fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A cleaned optional field: whitespace collapsed, empty becomes `None`.
pub(crate) fn clean_opt(s: Option<&str>) -> Option<String> {
    s.map(collapse_ws).filter(|s| !s.is_empty())
}

/// Upper-case with Latin accents removed (`Boîte` → `BOITE`, `Straße` →
/// `STRASSE`), for matching only: what the customer wrote is never replaced by
/// this form.
pub(crate) fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_uppercase());
            continue;
        }
        let plain = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ą' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'Ā' | 'Ą' => "A",
            'æ' | 'Æ' => "AE",
            'ç' | 'ć' | 'č' | 'Ç' | 'Ć' | 'Č' => "C",
            'ď' | 'đ' | 'Ď' | 'Đ' => "D",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' | 'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ę' | 'Ě' => "E",
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'Ì' | 'Í' | 'Î' | 'Ï' | 'Ī' => "I",
            'ł' | 'Ł' => "L",
            'ñ' | 'ń' | 'ň' | 'Ñ' | 'Ń' | 'Ň' => "N",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō' | 'Ő' => "O",
            'œ' | 'Œ' => "OE",
            'ř' | 'Ř' => "R",
            'ś' | 'š' | 'ş' | 'Ś' | 'Š' | 'Ş' => "S",
            'ß' => "SS",
            'ť' | 'Ť' => "T",
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ū' | 'Ů' | 'Ű' => "U",
            'ý' | 'ÿ' | 'Ý' | 'Ÿ' => "Y",
            'ź' | 'ż' | 'ž' | 'Ź' | 'Ż' | 'Ž' => "Z",
            _ => {
                out.extend(c.to_uppercase());
                continue;
            }
        };
        out.push_str(plain);
    }
    out
}

/// Folded words of `s`: split on anything that is not a letter or digit, and
/// between ASCII letters and digits (`BOX123` → `BOX`, `123`), so `P.O.Box123`
/// reads `P O BOX 123`.
pub(crate) fn tokens(s: &str) -> Vec<String> {
    let folded = fold(s);
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut last_digit: Option<bool> = None;
    for c in folded.chars() {
        if !c.is_alphanumeric() {
            flush(&mut out, &mut cur);
            last_digit = None;
            continue;
        }
        let digit = c.is_ascii_digit();
        if last_digit.is_some_and(|d| d != digit) {
            flush(&mut out, &mut cur);
        }
        cur.push(c);
        last_digit = Some(digit);
    }
    flush(&mut out, &mut cur);
    out
}

fn flush(out: &mut Vec<String>, cur: &mut String) {
    if !cur.is_empty() {
        out.push(std::mem::take(cur));
    }
}

/// Whether a token is a number (`123`).
pub(crate) fn is_number(token: &str) -> bool {
    !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit())
}

/// Full-width ASCII (`１２３－４５６７`), ideographic spaces and the dashes
/// people type in postal codes, mapped to plain ASCII.
pub(crate) fn ascii_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{30FC}' | '\u{FF70}' => '-',
            _ => c,
        })
        .collect()
}

/// Shortens what a customer typed for a message: at most 60 characters.
pub(crate) fn quote(s: &str) -> String {
    let mut chars = s.chars();
    let head: String = chars.by_ref().take(60).collect();
    if chars.next().is_some() { format!("{head}…") } else { head }
}
