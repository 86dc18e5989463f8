//! Masking of personal data for logs, prompts sent to external models,
//! exports, and people whose role lacks the PII permission.
//!
//! What is masked and what is kept, and why:
//!
//! | value | masked as | |
//! |---|---|---|
//! | person's name | `Jane Doe` → `J*** D***` | initials help a rep recognise a call, and little more |
//! | email | `jane.doe@example.com` → `j***@e***.com` | the top-level domain hints at the country |
//! | phone | `+1 555-123-4567` → `***-**67` | the last two digits let a rep confirm a caller; fewer than 7 digits → `***` |
//! | street line | `12 Main St` → `** **** **` | every character but whitespace becomes `*`: shows a line is there |
//! | IP address | `203.0.113.42` → `203.0.*.*`, IPv6 keeps 2 groups | the network, for fraud patterns, not the household |
//! | gift message | `***` | personal words with no operational use |
//! | order note | [`mask_text`] | delivery instructions stay readable; emails and phones go |
//! | company / B2B account | kept | a business's name is not a person's |
//! | city, region, postal code, country | kept | needed for zones, carriers and taxes, and not identifying alone |
//! | latitude / longitude | rounded to 0.1° (~11 km) | a geocode finds the door; a tenth of a degree finds the area, enough for zones |
//! | customer id, order ids, SKUs | kept | pseudonymous keys that join records, not people |
//!
//! Everything works on `char`s, never on byte offsets inside a character:
//! `Zoë Ærø` → `Z*** Æ***`. Masking is one-way and never fails.

use std::net::{IpAddr, Ipv4Addr};

use crate::order::{Address, Customer, OrderData};

const MASK: &str = "***";

/// `Jane Doe` → `J*** D***`: each word's first letter or digit, then `***`.
/// Whitespace between words becomes one space.
pub fn mask_name(name: &str) -> String {
    name.split_whitespace().map(initial).collect::<Vec<_>>().join(" ")
}

/// `jane.doe@example.com` → `j***@e***.com`: the first character of the
/// local part and of the domain, and the top-level domain. Anything that is
/// not `local@domain` is masked like a name.
pub fn mask_email(email: &str) -> String {
    let email = email.trim();
    match email.rsplit_once('@') {
        Some((local, domain)) if !local.is_empty() && !domain.is_empty() => {
            let domain = match domain.rsplit_once('.') {
                Some((host, tld)) if !host.is_empty() && !tld.is_empty() => format!("{}.{tld}", initial(host)),
                _ => initial(domain),
            };
            format!("{}@{domain}", initial(local))
        }
        _ => mask_name(email),
    }
}

/// `+1 555-123-4567` → `***-**67`: only the last two digits are kept, and
/// only when there are at least 7 (a real phone number); otherwise `***`.
/// A masked phone stays as it is.
pub fn mask_phone(phone: &str) -> String {
    if phone
        .strip_prefix("***-**")
        .is_some_and(|last| last.len() == 2 && last.bytes().all(|b| b.is_ascii_digit()))
    {
        return phone.into();
    }
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    match digits.len() {
        n if n >= 7 => format!("***-**{}{}", digits[n - 2], digits[n - 1]),
        _ => MASK.into(),
    }
}

/// `12 Main St` → `** **** **`: every character but whitespace becomes `*`.
pub fn mask_street(line: &str) -> String {
    line.chars().map(|c| if c.is_whitespace() { c } else { '*' }).collect()
}

/// `203.0.113.42` → `203.0.*.*`; `2001:db8:85a3::8a2e:370:7334` →
/// `2001:db8:*`; anything that is not an IP address → `***`. A masked
/// address stays as it is.
pub fn mask_ip(ip: &str) -> String {
    let ip = ip.trim();
    if is_masked_ip(ip) {
        return ip.into();
    }
    match ip.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => {
            let [a, b, _, _] = v4.octets();
            format!("{a}.{b}.*.*")
        }
        Ok(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:*", s[0], s[1])
        }
        Err(_) => MASK.into(),
    }
}

/// Masks a customer's name, email and phone; keeps the source id, the B2B
/// account and the order history figures.
pub fn mask_customer(customer: &mut Customer) {
    map(&mut customer.name, mask_name);
    map(&mut customer.email, mask_email);
    map(&mut customer.phone, mask_phone);
}

/// Masks the recipient's name, street lines and phone, and coarsens the
/// geocode; keeps company, city, region, postal code and country.
pub fn mask_address(address: &mut Address) {
    map(&mut address.name, mask_name);
    map(&mut address.line1, mask_street);
    map(&mut address.line2, mask_street);
    map(&mut address.phone, mask_phone);
    for coordinate in [&mut address.lat, &mut address.lon].into_iter().flatten() {
        *coordinate = (*coordinate * 10.0).round() / 10.0;
    }
}

/// Masks the personal data of an order: customer, addresses, gift message,
/// note (see [`mask_text`]) and the buyer's IP. Lines, totals, ids and
/// dates are kept.
pub fn mask_order(order: &mut OrderData) {
    mask_customer(&mut order.customer);
    mask_address(&mut order.ship_to);
    if let Some(bill_to) = &mut order.bill_to {
        mask_address(bill_to);
    }
    map(&mut order.gift_message, |_| MASK.into());
    map(&mut order.note, mask_text);
    map(&mut order.client_ip, mask_ip);
}

/// Masks email addresses, phone numbers and IPv4 addresses in free text (a
/// log line, a prompt), leaving the rest as it was. Names and street
/// addresses written into free text are not recognised.
///
/// Phone numbers are told from the other numbers of order handling by
/// these rules, so that order numbers (`#1001`), SKUs (`SKU-123`), dates
/// (`2026-05-17`, `17.05.2026`), decimals (`12345.67`), ZIP+4 codes
/// (`10001-1234`) and tracking numbers (`123456789012`,
/// `1Z1234512345123456`, `9400 1000 0000 0000 0000 00`, `1234 5678 9012`)
/// stay intact:
///
/// - A phone is one or more whitespace-separated groups of digits, with
///   `-`, `.` (two or more), parentheses, an optional leading `+` and an
///   optional extension `x123`; 7 to 15 digits in all (E.164's maximum).
/// - It starts with `+`, contains a separator inside a group
///   (`555-123-4567`, `(555)`), or spans several groups (`020 7946 0958`).
///   A bare run of digits (`5551234567`) is **not** taken for a phone: it
///   cannot be told from a tracking or order number.
/// - Three or more groups of exactly four digits are a tracking number.
/// - A run longer than 15 digits is not a phone; a group in it that is a
///   phone on its own (`+…`, or with separators) is still masked.
///
/// Erring towards masking: two plain numbers side by side (`1001 5551234`)
/// with 7–15 digits between them are masked as one phone.
pub fn mask_text(text: &str) -> String {
    mask_numbers(&mask_emails(text))
}

fn is_masked_ip(ip: &str) -> bool {
    if let Some(network) = ip.strip_suffix(".*.*") {
        let parts: Vec<&str> = network.split('.').collect();
        return parts.len() == 2 && parts.iter().all(|p| p.parse::<u8>().is_ok_and(|n| n.to_string() == *p));
    }
    if let Some(network) = ip.strip_suffix(":*") {
        let parts: Vec<&str> = network.split(':').collect();
        return parts.len() == 2
            && parts
                .iter()
                .all(|p| u16::from_str_radix(p, 16).is_ok_and(|n| format!("{n:x}") == *p));
    }
    false
}

fn initial(word: &str) -> String {
    match word.chars().find(|c| c.is_alphanumeric()) {
        Some(c) => format!("{c}{MASK}"),
        None => MASK.into(),
    }
}

fn map(field: &mut Option<String>, f: impl Fn(&str) -> String) {
    if let Some(v) = field {
        *v = f(v);
    }
}

// ---- emails in free text ----

fn is_local_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

fn is_domain_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '-')
}

fn mask_emails(text: &str) -> String {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let byte = |i: usize| chars.get(i).map_or(text.len(), |&(b, _)| b);
    let mut out = String::with_capacity(text.len());
    // Char index up to which `text` has been copied or replaced.
    let mut done = 0;
    let mut k = 0;
    while k < chars.len() {
        if chars[k].1 != '@' {
            k += 1;
            continue;
        }
        let mut start = k;
        while start > done && is_local_char(chars[start - 1].1) {
            start -= 1;
        }
        while start < k && chars[start].1 == '.' {
            start += 1;
        }
        let mut end = k + 1;
        while end < chars.len() && is_domain_char(chars[end].1) {
            end += 1;
        }
        // A full stop or dash after the domain ends the sentence, not the domain.
        while end > k + 1 && matches!(chars[end - 1].1, '.' | '-') {
            end -= 1;
        }
        let domain = &text[byte(k + 1)..byte(end)];
        if start < k && is_domain(domain) {
            out.push_str(&text[byte(done)..byte(start)]);
            out.push_str(&mask_email(&text[byte(start)..byte(end)]));
            done = end;
            k = end;
        } else {
            k += 1;
        }
    }
    out.push_str(&text[byte(done)..]);
    out
}

/// At least two non-empty labels, the last of two or more letters.
fn is_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty())
        && labels
            .last()
            .is_some_and(|tld| tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic))
}

// ---- phones and IP addresses in free text ----

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Date,
    Ip,
    Number(Number),
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Number {
    digits: usize,
    plus: bool,
    /// `-`, parentheses or two or more `.` inside the group.
    separated: bool,
    /// Exactly four plain digits, as tracking numbers are grouped.
    four: bool,
}

/// A whitespace-separated token; `core` is it without surrounding punctuation.
#[derive(Debug, Clone, Copy)]
struct Token {
    start: usize,
    end: usize,
    core_start: usize,
    core_end: usize,
    kind: Kind,
}

impl Token {
    fn number(&self) -> Option<Number> {
        match self.kind {
            Kind::Number(n) => Some(n),
            _ => None,
        }
    }
}

fn tokens(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
        match (start, c.is_whitespace()) {
            (None, false) => start = Some(i),
            (Some(s), true) => {
                tokens.push(token(text, s, i));
                start = None;
            }
            _ => {}
        }
    }
    tokens
}

fn token(text: &str, start: usize, end: usize) -> Token {
    let raw = &text[start..end];
    let mut core = raw;
    loop {
        let before = core.len();
        core = core.trim_start_matches(['"', '\'', '[', '<', '{']);
        core = core.trim_end_matches([',', ';', ':', '!', '?', '.', '"', '\'', ']', '>', '}']);
        if core.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("tel:")) {
            core = &core[4..];
        }
        let (open, close) = (core.matches('(').count(), core.matches(')').count());
        if open > close {
            core = core.strip_prefix('(').unwrap_or(core);
        } else if close > open {
            core = core.strip_suffix(')').unwrap_or(core);
        }
        if core.len() == before {
            break;
        }
    }
    // `core` is a subslice of `raw`: its offset is found by address.
    let core_start = start + (core.as_ptr() as usize - raw.as_ptr() as usize);
    Token {
        start,
        end,
        core_start,
        core_end: core_start + core.len(),
        kind: classify(core),
    }
}

fn classify(core: &str) -> Kind {
    if is_date(core) {
        Kind::Date
    } else if core.matches('.').count() == 3 && core.parse::<Ipv4Addr>().is_ok() {
        Kind::Ip
    } else {
        number(core).map_or(Kind::Other, Kind::Number)
    }
}

/// `2026-05-17`, `2026.5.17`, `17.05.2026`, `17-05-2026`.
fn is_date(core: &str) -> bool {
    let Some(sep) = core.chars().find(|c| !c.is_ascii_digit()) else {
        return false;
    };
    if !matches!(sep, '-' | '.' | '/') {
        return false;
    }
    let parts: Vec<&str> = core.split(sep).collect();
    if parts.len() != 3 || !parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    let lens = [parts[0].len(), parts[1].len(), parts[2].len()];
    matches!(lens, [4, 1..=2, 1..=2] | [1..=2, 1..=2, 4])
}

fn number(core: &str) -> Option<Number> {
    // An extension (`x89`) is masked with the number but not counted.
    let body = match core.rfind(['x', 'X']) {
        Some(i) if i > 0 && (2..=7).contains(&(core.len() - i)) && core[i + 1..].bytes().all(|b| b.is_ascii_digit()) => &core[..i],
        _ => core,
    };
    let (plus, body) = match body.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, body),
    };
    let first = body.chars().next()?;
    let last = body.chars().next_back()?;
    if !(first.is_ascii_digit() || first == '(') || !(last.is_ascii_digit() || last == ')') {
        return None;
    }
    if !body.chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | '.' | '(' | ')')) {
        return None;
    }
    let digits = body.bytes().filter(u8::is_ascii_digit).count();
    let dots = body.matches('.').count();
    let dashes = body.matches('-').count();
    let parens = body.matches(['(', ')']).count();
    if digits == 0 {
        return None;
    }
    // One dot alone is a decimal (`12345.67`), 5-4 digits a ZIP+4 code.
    if dots == 1 && dashes == 0 && parens == 0 {
        return None;
    }
    if dashes == 1 && dots == 0 && parens == 0 && body.split_once('-').is_some_and(|(a, b)| a.len() == 5 && b.len() == 4) {
        return None;
    }
    let separated = dashes > 0 || parens > 0 || dots >= 2;
    Some(Number {
        digits,
        plus,
        separated,
        four: !plus && !separated && digits == 4 && body.len() == core.len(),
    })
}

/// Whether consecutive number tokens read as one phone number.
fn is_phone(run: &[Token]) -> bool {
    let numbers: Vec<Number> = run.iter().filter_map(Token::number).collect();
    let digits: usize = numbers.iter().map(|n| n.digits).sum();
    let tracking = numbers.len() >= 3 && numbers.iter().all(|n| n.four);
    (7..=15).contains(&digits)
        && !tracking
        && (numbers.first().is_some_and(|n| n.plus) || numbers.iter().any(|n| n.separated) || numbers.len() >= 2)
}

/// Whether `next` continues the number that `prev` is part of: nothing but
/// spaces or tabs between them, no punctuation closing `prev` or opening
/// `next`, and `next` does not start a number of its own with `+`.
fn continues(text: &str, prev: &Token, next: &Token) -> bool {
    next.number().is_some_and(|n| !n.plus)
        && prev.core_end == prev.end
        && next.core_start == next.start
        && text[prev.end..next.start].chars().all(|c| c == ' ' || c == '\t')
}

fn mask_numbers(text: &str) -> String {
    let tokens = tokens(text);
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    let mut replace = |out: &mut String, start: usize, end: usize, with: String| {
        out.push_str(&text[done..start]);
        out.push_str(&with);
        done = end;
    };
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i];
        match t.kind {
            Kind::Ip => {
                replace(&mut out, t.core_start, t.core_end, mask_ip(&text[t.core_start..t.core_end]));
                i += 1;
            }
            Kind::Number(_) => {
                let mut j = i + 1;
                while j < tokens.len() && continues(text, &tokens[j - 1], &tokens[j]) {
                    j += 1;
                }
                let run = &tokens[i..j];
                if is_phone(run) {
                    let (start, end) = (run[0].core_start, run[run.len() - 1].core_end);
                    replace(&mut out, start, end, mask_phone(&text[start..end]));
                } else {
                    for t in run.iter().filter(|t| t.number().is_some_and(|n| n.plus || n.separated)) {
                        if is_phone(std::slice::from_ref(t)) {
                            replace(&mut out, t.core_start, t.core_end, mask_phone(&text[t.core_start..t.core_end]));
                        }
                    }
                }
                i = j;
            }
            Kind::Date | Kind::Other => i += 1,
        }
    }
    out.push_str(&text[done..]);
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::order::{OrderLine, PaymentState, ServiceLevel};
    use crate::{OrderId, Quantity, Sku};

    #[test]
    fn names_keep_initials_and_are_unicode_safe() {
        assert_eq!(mask_name("Jane Doe"), "J*** D***");
        assert_eq!(mask_name("Zoë Ærø"), "Z*** Æ***");
        assert_eq!(mask_name("  Ðặng   Thị\tMỹ "), "Ð*** T*** M***");
        assert_eq!(mask_name("王小明"), "王***");
        assert_eq!(mask_name("O'Brien-Smith"), "O***");
        assert_eq!(mask_name("(ops)"), "o***");
        assert_eq!(mask_name("—"), "***");
        // A decomposed accent is a second char: never split inside one.
        assert_eq!(mask_name("E\u{301}lodie"), "E***");
        assert_eq!(mask_name(""), "");
    }

    #[test]
    fn emails_keep_first_letters_and_the_tld() {
        assert_eq!(mask_email("jane.doe@example.com"), "j***@e***.com");
        assert_eq!(mask_email(" Jane+orders@mail.example.co.uk "), "J***@m***.uk");
        assert_eq!(mask_email("zoë@ærø.dk"), "z***@æ***.dk");
        assert_eq!(mask_email("root@localhost"), "r***@l***");
        assert_eq!(mask_email("a@b@example.com"), "a***@e***.com");
        // Not an email: masked like a name.
        assert_eq!(mask_email("Jane Doe"), "J*** D***");
        assert_eq!(mask_email("@example.com"), "e***");
        assert_eq!(mask_email("jane@"), "j***");
    }

    #[test]
    fn phones_keep_the_last_two_digits() {
        assert_eq!(mask_phone("+1 555-123-4567"), "***-**67");
        // Formats from the Shopify, WooCommerce and BigCommerce fixtures.
        for (raw, masked) in [
            ("(11) 1111-1111", "***-**11"),
            ("(639) 372 1289", "***-**89"),
            ("+1(502)-459-2181", "***-**81"),
            ("+16136120707", "***-**07"),
            ("+557734881234", "***-**34"),
            ("555-625-1199", "***-**99"),
        ] {
            assert_eq!(mask_phone(raw), masked, "{raw}");
        }
        // Too short to be a phone: nothing kept.
        assert_eq!(mask_phone("112"), "***");
        assert_eq!(mask_phone("ext. 42"), "***");
        assert_eq!(mask_phone("٥٥٥١٢٣٤٥٦٧"), "***");
    }

    #[test]
    fn streets_keep_only_their_shape() {
        assert_eq!(mask_street("12 Main St"), "** **** **");
        assert_eq!(mask_street("Ærøgade 7, 2. th."), "******* ** ** ***");
        assert_eq!(mask_street(""), "");
    }

    #[test]
    fn ips_keep_the_network() {
        assert_eq!(mask_ip("203.0.113.42"), "203.0.*.*");
        assert_eq!(mask_ip("2001:db8:85a3::8a2e:370:7334"), "2001:db8:*");
        assert_eq!(mask_ip("::1"), "0:0:*");
        assert_eq!(mask_ip("not an ip"), "***");
    }

    fn address(name: &str, street: &str) -> Address {
        Address {
            name: Some(name.into()),
            company: Some("Acme Trading GmbH".into()),
            line1: Some(street.into()),
            line2: Some("Apt 4B".into()),
            city: Some("Springfield".into()),
            region: Some("IL".into()),
            postal_code: Some("62704".into()),
            country: Some("US".into()),
            phone: Some("+1 217-555-0199".into()),
            lat: Some(39.781_721),
            lon: Some(-89.650_148),
        }
    }

    fn order() -> OrderData {
        OrderData {
            order_id: OrderId::parse("1001").unwrap(),
            external_ids: Default::default(),
            channel: Some("web".into()),
            customer: Customer {
                id: Some("cus_207119551".into()),
                name: Some("Jane Doe".into()),
                email: Some("jane.doe@example.com".into()),
                phone: Some("555-625-1199".into()),
                account: Some("Acme Trading GmbH".into()),
                created_at: None,
                orders_count: Some(3),
            },
            ship_to: address("Jane Doe", "12 Main St"),
            bill_to: Some(address("John Doe", "1 Infinite Loop")),
            lines: vec![OrderLine {
                line_id: None,
                sku: Sku::parse("SKU-123").unwrap(),
                quantity: Quantity::new(2).unwrap(),
                unit_price: None,
                name: Some("Blue mug".into()),
            }],
            service_level: ServiceLevel::Standard,
            payment_state: PaymentState::Paid,
            po_number: Some("PO-4500012345".into()),
            total: None,
            flags: vec![],
            gift_message: Some("Happy birthday Jane! Love, Tom".into()),
            note: Some("Leave at back door; call jane.doe@example.com or 555-625-1199 first.".into()),
            placed_at: None,
            promised_by: None,
            client_ip: Some("203.0.113.42".into()),
        }
    }

    #[test]
    fn orders_lose_personal_data_and_keep_what_fulfilment_needs() {
        let mut o = order();
        mask_order(&mut o);
        let c = &o.customer;
        assert_eq!(c.name.as_deref(), Some("J*** D***"));
        assert_eq!(c.email.as_deref(), Some("j***@e***.com"));
        assert_eq!(c.phone.as_deref(), Some("***-**99"));
        assert_eq!(c.id.as_deref(), Some("cus_207119551"));
        assert_eq!(c.account.as_deref(), Some("Acme Trading GmbH"));
        assert_eq!(c.orders_count, Some(3));

        let a = &o.ship_to;
        assert_eq!(a.name.as_deref(), Some("J*** D***"));
        assert_eq!(a.line1.as_deref(), Some("** **** **"));
        assert_eq!(a.line2.as_deref(), Some("*** **"));
        assert_eq!(a.phone.as_deref(), Some("***-**99"));
        assert_eq!((a.lat, a.lon), (Some(39.8), Some(-89.7)));
        assert_eq!(
            (
                a.company.as_deref(),
                a.city.as_deref(),
                a.region.as_deref(),
                a.postal_code.as_deref(),
                a.country.as_deref()
            ),
            (
                Some("Acme Trading GmbH"),
                Some("Springfield"),
                Some("IL"),
                Some("62704"),
                Some("US")
            )
        );
        let b = o.bill_to.as_ref().unwrap();
        assert_eq!(b.name.as_deref(), Some("J*** D***"));
        assert_eq!(b.line1.as_deref(), Some("* ******** ****"));

        assert_eq!(o.gift_message.as_deref(), Some("***"));
        assert_eq!(o.note.as_deref(), Some("Leave at back door; call j***@e***.com or ***-**99 first."));
        assert_eq!(o.client_ip.as_deref(), Some("203.0.*.*"));
        // Nothing a warehouse needs changed.
        let fresh = order();
        assert_eq!(
            (&o.order_id, &o.lines, &o.po_number, &o.channel),
            (&fresh.order_id, &fresh.lines, &fresh.po_number, &fresh.channel)
        );
        // Nothing personal is left anywhere in the serialised order.
        let json = serde_json::to_string(&o).unwrap();
        for secret in [
            "Jane", "jane.doe", "Main St", "Infinite", "625-1199", "0199", "113.42", "Tom", "39.78",
        ] {
            assert!(!json.contains(secret), "{secret} in {json}");
        }
        // Masking twice changes nothing more.
        let once = o.clone();
        mask_order(&mut o);
        assert_eq!(o, once);
    }

    #[test]
    fn free_text_masks_emails_phones_and_ips_only() {
        for (text, masked) in [
            (
                "Customer jane.doe@example.com asked about #1001.",
                "Customer j***@e***.com asked about #1001.",
            ),
            (
                "<Jane.Doe@Example.org>, mailto:ops@crossdock.dev",
                "<J***@E***.org>, mailto:o***@c***.dev",
            ),
            ("Email zoë.ærø@post.dk.", "Email z***@p***.dk."),
            ("Call +1 555-123-4567 today", "Call ***-**67 today"),
            ("Call (555) 123-4567, or 555.123.4567.", "Call ***-**67, or ***-**67."),
            ("UK: +44 20 7946 0958; FR: 06 12 34 56 78", "UK: ***-**58; FR: ***-**78"),
            ("tel:+16136120707 (mobile)", "tel:***-**07 (mobile)"),
            ("Phone 555-123-4567x89 ext", "Phone ***-**89 ext"),
            ("Call me (555-123-4567)", "Call me ***-**67"),
            ("From 203.0.113.42 at 10:30", "From 203.0.*.* at 10:30"),
            (
                "Ref 9205590164917337534322 call 555-625-1199",
                "Ref 9205590164917337534322 call ***-**99",
            ),
            ("Ref 12345678 +1 555 123 4567", "Ref 12345678 ***-**67"),
            // Too many digits for one phone: only the group that is one on its own.
            (
                "USPS 9400 1000 0000 0000 0000 00 555-123-4567",
                "USPS 9400 1000 0000 0000 0000 00 ***-**67",
            ),
            // A phone followed by a date: the date stays.
            ("Call 555-123-4567 2026-05-17", "Call ***-**67 2026-05-17"),
        ] {
            assert_eq!(mask_text(text), masked, "{text}");
        }
    }

    #[test]
    fn free_text_leaves_order_numbers_dates_skus_and_tracking_numbers() {
        for text in [
            "Order #1001 for SKU-123, 2 units, promised 2026-05-17.",
            "Shipped 17.05.2026 10:30 via FedEx 123456789012.",
            "FedEx 1234 5678 9012 and USPS 9400 1000 0000 0000 0000 00",
            "UPS 1Z1234512345123456, EasyPost EZ1000000001, USPS 9205590164917337534322",
            "Total 12345.67 USD, ZIP 10001-1234, PO 4500012345, qty 3",
            "Bare 5551234567 is not told from a tracking number.",
            "Version 1.2.3 at 2026-05-17T10:30:00Z; uuid 0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
            "Ranges 1-3, -12345678, 42%, $1,234.56 and @mentions like @ops.",
            "",
        ] {
            assert_eq!(mask_text(text), text);
        }
    }

    #[test]
    fn free_text_never_cuts_inside_a_character() {
        // Found by proptest: the `tel:` check once sliced four bytes blindly.
        for (text, masked) in [
            ("#a!\u{591}", "#a!\u{591}"),
            ("a𐀀", "a𐀀"),
            ("tël:5551234 ☎ +33 1 23 45 67 89 🙂", "tël:5551234 ☎ ***-**89 🙂"),
        ] {
            assert_eq!(mask_text(text), masked, "{text}");
        }
    }

    fn names() -> impl Strategy<Value = String> {
        prop::collection::vec("\\p{L}[\\p{L}\\p{M}'-]{0,11}", 1..4).prop_map(|words| words.join(" "))
    }

    fn emails() -> impl Strategy<Value = String> {
        ("[a-z0-9][a-z0-9._+-]{0,14}", "[a-z0-9][a-z0-9-]{0,9}", "[a-z]{2,6}").prop_map(|(l, d, t)| format!("{l}@{d}.{t}"))
    }

    fn phones() -> impl Strategy<Value = String> {
        let d = |n: usize| proptest::string::string_regex(&format!("[0-9]{{{n}}}")).unwrap();
        (d(3), d(3), d(4), 0usize..4).prop_map(|(a, b, c, style)| match style {
            0 => format!("+1 {a}-{b}-{c}"),
            1 => format!("({a}) {b}-{c}"),
            2 => format!("{a}.{b}.{c}"),
            _ => format!("+1{a}{b}{c}"),
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn masking_never_panics(s in "\\PC{0,40}") {
            mask_name(&s);
            mask_email(&s);
            mask_phone(&s);
            mask_street(&s);
            mask_ip(&s);
            mask_text(&s);
        }

        #[test]
        fn masked_names_and_emails_differ_from_the_input(name in names(), email in emails()) {
            prop_assert_ne!(mask_name(&name), name.clone());
            prop_assert_ne!(mask_email(&email), email.clone());
            let (local, _) = email.split_once('@').unwrap();
            // The masked local part keeps no more than the initial (the top-level
            // domain is kept, and may spell the same letters: `gf@0.gf`).
            if local.chars().count() > 1 {
                let masked = mask_email(&email);
                let (masked_local, _) = masked.split_once('@').unwrap();
                prop_assert!(!masked_local.contains(local));
            }
            for word in name.split(' ').filter(|w| w.chars().count() > 1) {
                prop_assert!(!mask_name(&name).contains(word));
            }
        }

        #[test]
        fn free_text_hides_emails_and_phones(
            before in "[a-zA-Z ,#]{0,20}", email in emails(), phone in phones(), after in "[a-zA-Z .#]{0,20}"
        ) {
            let text = format!("{before} {email} / {phone} {after}");
            let masked = mask_text(&text);
            prop_assert!(!masked.contains(&email), "{}", masked);
            let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
            let left: String = masked.chars().filter(char::is_ascii_digit).collect();
            prop_assert!(!left.contains(&digits[..digits.len() - 2]), "{}", masked);
            prop_assert!(masked.starts_with(before.as_str()), "{}", masked);
        }

        #[test]
        fn masking_twice_changes_nothing_more(s in "\\PC{0,40}", email in emails(), phone in phones()) {
            let text = format!("{s} {email} {phone} 203.0.113.42");
            for f in [mask_name, mask_email, mask_phone, mask_street, mask_ip, mask_text] {
                for input in [&s, &email, &phone, &text] {
                    let once = f(input);
                    prop_assert_eq!(f(&once), once.clone(), "{:?}", input);
                }
            }
        }

        #[test]
        fn text_without_at_or_digits_is_unchanged(s in "[^@0-9]{0,60}") {
            prop_assert_eq!(mask_text(&s), s);
        }
    }
}
