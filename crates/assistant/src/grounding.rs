//! The grounding check: a model's answer may only state ids, numbers, dates
//! and times that are in the data it was given. An answer that fails is
//! replaced by the embedded engine's, so the check errs towards failing.
//!
//! # What is collected ([`Facts`])
//!
//! From the retrieved JSON, recursively: every string (and object key),
//! every number, and the length of every array. Strings are split into
//! words; each word is kept as text and, when it is a number, as a number.
//! Dates and times are read from the same words as from an answer (below),
//! and a string that is an ISO date or an RFC 3339 timestamp gives its date
//! and its time of day *in its own offset* (`2026-11-21T15:15:00-05:00` is
//! Nov 21 at 15:15), and its instant for the reader's zone.
//!
//! # What is checked ([`check`])
//!
//! The answer is split into words at whitespace and dashes (`–`, `—`); the
//! punctuation around a word (`(1Z…)`, `1001.`, `**#1001**`, `1001's`) is
//! dropped, and so are the numbers of a list (`1.` or `2)` opening a line).
//! Then, for every mention:
//!
//! - **A word with a digit** (an id, tracking number, SKU, amount,
//!   quantity) must be a word of the data, or a number of the data.
//!   Normalisation on both sides: case-folded, accents dropped, a leading
//!   `#`, currency sign or `~` dropped, a trailing `%` dropped; numbers
//!   compared by value (`12.50` = `12.5`, `1,234` = `1234`), except with
//!   a leading zero (`0001`, `07102`: an id or a postal code, as written).
//!   A word that is not found whole is split: at `#`, `:`, `/`, `,` and
//!   other separators, and at `-` when it starts with a number (`3-5`,
//!   `2-day`, but never `SKU-124`); every part with a digit must be found.
//!   A number glued to a unit (`2x`, `5kg`, `12.50USD`) is its number. An
//!   ordinal (`24th`) may also be the day of a date of the data, a year
//!   (`2026`) the year of one. Nothing is computed: a sum, a difference, a
//!   percentage or a rounding (other than of a data number to 1 or 2
//!   decimals) fails.
//! - **A date** — `2026-11-24`, an RFC 3339 timestamp, `Nov 24`,
//!   `November 24th, 2026`, `24 Nov`, `24. November`, `24 de noviembre`,
//!   `November 2026`, `11/24`, `24.11.2026` (month names in English,
//!   Spanish, French and German) — must match a date of the data: day and
//!   month, and the year when one is written. A slash date may be read
//!   month first or day first. Ranges (`Nov 24–26`, `Nov 24 – Dec 2`,
//!   `24-26 Nov`, `Nov 24 to 26`) are checked at both ends.
//! - **A time** — `3:15 PM`, `3:15pm`, `3 PM`, `15:15`, `15 Uhr` — must be
//!   a time of the data: a timestamp's in its own offset, one written in the
//!   data's text, or, when `now` is given, a timestamp's in `now`'s zone.
//!   Without AM/PM, `3:15` may be 3:15 or 15:15.
//! - **`today`, `tonight`, `tomorrow`, `yesterday`** need `now`, and a date
//!   of the data on that day (in `now`'s zone for timestamps).
//! - **A weekday** (English, Spanish, French, German; `Wed` and the other
//!   English abbreviations when capitalised) must be the weekday of
//!   a date of the data — of the date beside it when there is one
//!   (`Tuesday, Nov 24`, `Nov 24 (Tue)`) — or be a word of the data
//!   (`Monday to Friday`).
//!
//! Not checked: numbers written as words (`three`), words without a digit
//! other than the above (a carrier's name), relative words in other
//! languages, and day-first slash dates are not told from month-first ones.

use std::collections::{BTreeSet, HashSet};
use std::fmt;

use jiff::civil::{Date, Weekday};
use jiff::fmt::temporal::Pieces;
use jiff::{Timestamp, Zoned};
use serde_json::Value;

use crate::text::fold;

/// What the retrieved data states, normalised for [`check`].
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Normalised words of every string and key.
    text: HashSet<String>,
    /// Numbers in canonical form (`12.5`, `1234`, `-5`).
    numbers: HashSet<String>,
    /// Calendar dates: written ones, and timestamps' in their own offset.
    dates: BTreeSet<Date>,
    /// Month and day of dates written without a year (`Nov 25`).
    month_days: BTreeSet<(i8, i8)>,
    /// Hour and minute of timestamps (own offset) and of times written in text.
    times: BTreeSet<(i8, i8)>,
    /// Timestamps, to read in the reader's zone.
    instants: BTreeSet<Timestamp>,
}

/// Why an answer failed the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// An id, number or amount that is nowhere in the data.
    NotInData,
    /// A date that matches no date of the data.
    DateNotInData,
    /// A time of day that matches no time of the data.
    TimeNotInData,
    /// `today`, `tomorrow`… with no current time to resolve them.
    RelativeDayWithoutNow,
    /// A weekday that no date of the data falls on (or not the weekday of the date beside it).
    WeekdayNotInData,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reason::NotInData => "is not in the data",
            Reason::DateNotInData => "matches no date in the data",
            Reason::TimeNotInData => "matches no time in the data",
            Reason::RelativeDayWithoutNow => "is relative to a current time that was not given",
            Reason::WeekdayNotInData => "is not the weekday of a date in the data",
        })
    }
}

/// The first mention of an answer that the data does not support.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ungrounded {
    /// The mention as written (`1Z12345E0205271689`, `Nov 26`, `tomorrow`).
    pub token: String,
    /// What is wrong with it.
    pub reason: Reason,
}

impl fmt::Display for Ungrounded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` {}", self.token, self.reason)
    }
}

/// Checks that every id, number, date and time in `answer` is in `facts`
/// (see the module docs for the rules). `now` resolves `today`,
/// `tomorrow`… and the reader's time zone; without it those words fail.
pub fn check(answer: &str, facts: &Facts, now: Option<&Zoned>) -> Result<(), Ungrounded> {
    for mention in mentions(answer, &words(answer)) {
        if let Err(reason) = facts.holds(&mention.claim, now) {
            return Err(Ungrounded {
                token: mention.token,
                reason,
            });
        }
    }
    Ok(())
}

impl Facts {
    /// Collects the facts of one piece of retrieved data.
    pub fn from_json(value: &Value) -> Facts {
        let mut facts = Facts::default();
        facts.add_json(value);
        facts
    }

    /// Adds the facts of more retrieved data (each tool result of a run).
    pub fn add_json(&mut self, value: &Value) {
        match value {
            Value::String(s) => self.add_text(s),
            Value::Number(n) => self.add_number(n),
            Value::Array(items) => {
                self.numbers.insert(items.len().to_string());
                items.iter().for_each(|v| self.add_json(v));
            }
            Value::Object(fields) => {
                for (key, v) in fields {
                    self.add_text(key);
                    self.add_json(v);
                }
            }
            Value::Bool(_) | Value::Null => {}
        }
    }

    /// Adds the facts of free text: a policy document, or the question
    /// itself when the answer may repeat what the user said.
    pub fn add_text(&mut self, text: &str) {
        let whole = text.trim();
        if let Ok(instant) = whole.parse::<Timestamp>() {
            self.instants.insert(instant);
            if let Ok(pieces) = Pieces::parse(whole) {
                self.dates.insert(pieces.date());
                if let Some(time) = pieces.time() {
                    self.times.insert((time.hour(), time.minute()));
                }
            }
        }
        let words = words(text);
        for word in &words {
            // Words with a digit are added by what they mention: the day of
            // "Nov 24" is a date, not the number 24.
            if !has_digit(&word.norm) {
                self.text.insert(word.norm.clone());
            }
            if let Ok(instant) = word.raw.parse::<Timestamp>() {
                self.instants.insert(instant);
            }
        }
        for mention in mentions(text, &words) {
            self.add_claim(mention.claim);
        }
    }

    fn add_claim(&mut self, claim: Claim) {
        match claim {
            Claim::Plain(t) => self.add_token(&t),
            Claim::Date(DateRef {
                year,
                month: Some(m),
                day: Some(d),
            }) => match year.and_then(|y| Date::new(y, m, d).ok()) {
                Some(date) => {
                    self.dates.insert(date);
                }
                None => {
                    self.month_days.insert((m, d));
                }
            },
            Claim::Date(_) | Claim::Relative(_) | Claim::Weekday(..) => {}
            Claim::Time(clock) => self.times.extend(clock.hours().map(|h| (h, clock.minute))),
            Claim::Either(alternatives) => alternatives.into_iter().for_each(|c| self.add_claim(c)),
        }
    }

    /// A word as text, as a number, and its parts.
    fn add_token(&mut self, t: &str) {
        self.text.insert(t.to_owned());
        if let Some(n) = number(t) {
            self.add_canonical(n);
        } else if let Some(n) = with_unit(t) {
            self.add_canonical(n);
        }
        if let Some(parts) = pieces(t) {
            parts.iter().for_each(|p| self.add_token(p));
        }
    }

    fn add_number(&mut self, n: &serde_json::Number) {
        match n.as_f64().filter(|_| n.is_f64()) {
            // Rust prints an f64 in full (no exponent) and as short as round-trips.
            Some(f) => {
                if let Some(c) = number(&f.to_string()) {
                    self.add_canonical(c);
                }
                // A rate or weight shown rounded.
                for decimals in [1, 2] {
                    if let Some(c) = number(&format!("{f:.decimals$}")) {
                        self.add_canonical(c);
                    }
                }
            }
            None => {
                if let Some(c) = number(&n.to_string()) {
                    self.add_canonical(c);
                }
            }
        }
    }

    fn add_canonical(&mut self, n: String) {
        if let Some(abs) = n.strip_prefix('-') {
            self.numbers.insert(abs.to_owned());
        }
        self.numbers.insert(n);
    }

    /// The data's dates, with the timestamps' read in the reader's zone.
    fn candidate_dates(&self, now: Option<&Zoned>) -> Vec<Date> {
        let mut dates: Vec<Date> = self.dates.iter().copied().collect();
        if let Some(now) = now {
            let zone = now.time_zone();
            dates.extend(self.instants.iter().map(|t| t.to_zoned(zone.clone()).date()));
        }
        dates
    }

    fn holds(&self, claim: &Claim, now: Option<&Zoned>) -> Result<(), Reason> {
        match claim {
            Claim::Plain(t) => self.plain(t).then_some(()).ok_or(Reason::NotInData),
            Claim::Date(r) => {
                let yearless = matches!(r, DateRef { month: Some(m), day: Some(d), .. } if self.month_days.contains(&(*m, *d)));
                (yearless || self.candidate_dates(now).iter().any(|d| r.matches(*d)))
                    .then_some(())
                    .ok_or(Reason::DateNotInData)
            }
            Claim::Time(clock) => {
                let mut times: Vec<(i8, i8)> = self.times.iter().copied().collect();
                if let Some(now) = now {
                    let zone = now.time_zone();
                    times.extend(self.instants.iter().map(|t| {
                        let time = t.to_zoned(zone.clone()).time();
                        (time.hour(), time.minute())
                    }));
                }
                clock
                    .hours()
                    .any(|h| times.contains(&(h, clock.minute)))
                    .then_some(())
                    .ok_or(Reason::TimeNotInData)
            }
            Claim::Relative(days) => {
                let now = now.ok_or(Reason::RelativeDayWithoutNow)?;
                let day = now
                    .date()
                    .checked_add(jiff::Span::new().days(*days))
                    .map_err(|_| Reason::DateNotInData)?;
                self.candidate_dates(Some(now))
                    .contains(&day)
                    .then_some(())
                    .ok_or(Reason::DateNotInData)
            }
            Claim::Weekday(weekday, beside) => {
                let dates = self.candidate_dates(now);
                let ok = match beside {
                    // A date that is not in the data fails on its own.
                    Some(r) => {
                        let matching: Vec<&Date> = dates.iter().filter(|d| r.matches(**d)).collect();
                        matching.is_empty() || matching.iter().any(|d| d.weekday() == *weekday)
                    }
                    None => {
                        dates.iter().any(|d| d.weekday() == *weekday)
                            || self
                                .text
                                .iter()
                                .any(|t| weekday_of(t).or_else(|| abbreviated_weekday(t)) == Some(*weekday))
                    }
                };
                ok.then_some(()).ok_or(Reason::WeekdayNotInData)
            }
            Claim::Either(alternatives) => {
                let mut first = None;
                for alternative in alternatives {
                    match self.holds(alternative, now) {
                        Ok(()) => return Ok(()),
                        Err(reason) => {
                            first.get_or_insert(reason);
                        }
                    }
                }
                Err(first.unwrap_or(Reason::NotInData))
            }
        }
    }

    /// Whether a word with a digit is a word or a number of the data.
    fn plain(&self, t: &str) -> bool {
        if !has_digit(t) || self.text.contains(t) {
            return true;
        }
        if let Some(n) = number(t).or_else(|| with_unit(t)) {
            return self.numbers.contains(&n);
        }
        match pieces(t) {
            Some(parts) => parts.iter().all(|p| self.plain(p)),
            None => false,
        }
    }
}

// ---- words ----

/// One word of a text: trimmed of surrounding punctuation, normalised.
#[derive(Debug, Clone)]
struct Word<'a> {
    /// Where `raw` starts in the text.
    at: usize,
    raw: &'a str,
    norm: String,
    /// Trimmed of a trailing comma.
    comma: bool,
    /// Trimmed of a trailing `.`, `;`, `:`, `!`, `?` or closing bracket.
    stop: bool,
    /// Trimmed of exactly one `.` (an abbreviation, or a German ordinal).
    dot: bool,
}

const DASHES: [char; 3] = ['–', '—', '…'];
const LEADING: &[char] = &['(', '[', '{', '"', '\'', '“', '‘', '«', '<', '*', '_', '`', '¿', '¡'];
const TRAILING: &[char] = &[
    '.', ',', ';', ':', '!', '?', ')', ']', '}', '"', '\'', '”', '’', '»', '>', '*', '_', '`',
];

/// Splits at whitespace and at `–`, `—` (kept as a `-` word, for ranges).
fn words(text: &str) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut at = 0;
    for chunk in text.split_whitespace() {
        // `chunk` is a subslice of `text`: its offset is found from the rest.
        at += text[at..].find(chunk).unwrap_or(0);
        if is_list_marker(text, at, chunk) {
            at += chunk.len();
            continue;
        }
        let mut start = 0;
        for (i, c) in chunk.char_indices() {
            if DASHES.contains(&c) {
                out.extend(word(&chunk[start..i], at + start));
                if c != '…' {
                    out.push(dash_word(&chunk[i..i + c.len_utf8()], at + i));
                }
                start = i + c.len_utf8();
            }
        }
        out.extend(word(&chunk[start..], at + start));
        at += chunk.len();
    }
    out
}

/// `1.` or `2)` opening a line: the number of an item in a list, not a claim.
fn is_list_marker(text: &str, at: usize, chunk: &str) -> bool {
    let line_start = text[..at].trim_end_matches([' ', '\t']);
    let digits = chunk.trim_end_matches(['.', ')']);
    (line_start.is_empty() || line_start.ends_with('\n'))
        && chunk.len() == digits.len() + 1
        && (1..=2).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
}

fn dash_word(raw: &str, at: usize) -> Word<'_> {
    Word {
        at,
        raw,
        norm: "-".into(),
        comma: false,
        stop: false,
        dot: false,
    }
}

fn word(piece: &str, at: usize) -> Option<Word<'_>> {
    let start = piece.trim_start_matches(LEADING);
    let raw = start.trim_end_matches(TRAILING);
    if raw.is_empty() {
        return None;
    }
    let trimmed = &start[raw.len()..];
    let norm = normalise(raw);
    (!norm.is_empty()).then(|| Word {
        at: at + piece.len() - start.len(),
        raw,
        norm,
        comma: trimmed.contains(','),
        stop: trimmed.contains(['.', ';', ':', '!', '?', ')', ']', '}']),
        dot: trimmed == ".",
    })
}

/// Folded, possessive dropped, a leading `#`, currency sign, `~` or `+` and
/// a trailing `%` dropped.
fn normalise(raw: &str) -> String {
    let folded = fold(raw).replace(['‑', '−'], "-");
    let mut t = folded.as_str();
    t = t.strip_suffix("'s").or_else(|| t.strip_suffix("’s")).unwrap_or(t);
    t = t.trim_start_matches(['#', '$', '€', '£', '¥', '~', '≈', '+']);
    t = t.trim_end_matches('%');
    t.to_owned()
}

fn has_digit(t: &str) -> bool {
    t.chars().any(char::is_numeric)
}

// ---- numbers ----

/// A number in canonical form: `1,234.50` → `1234.5`, `-0` → `0`.
/// Thousands separators only in groups of three; with a leading zero
/// (`007`) it is not a number but an id.
fn number(t: &str) -> Option<String> {
    let (negative, body) = match t.strip_prefix('-') {
        Some(body) => (true, body),
        None => (false, t),
    };
    let (int, fraction) = match body.split_once('.') {
        Some((int, fraction)) => (int, Some(fraction)),
        None => (body, None),
    };
    let int = if int.contains(',') {
        let groups: Vec<&str> = int.split(',').collect();
        let first = groups[0].len();
        if !(1..=3).contains(&first) || groups[1..].iter().any(|g| g.len() != 3) {
            return None;
        }
        groups.concat()
    } else {
        int.to_owned()
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(&int) || fraction.is_some_and(|f| !digits(f)) {
        return None;
    }
    // `0001` or `07102` is an id or a postal code: compared as written.
    if int.len() > 1 && int.starts_with('0') {
        return None;
    }
    let fraction = fraction.map_or("", |f| f.trim_end_matches('0'));
    let mut out = String::new();
    if negative && (int != "0" || !fraction.is_empty()) {
        out.push('-');
    }
    out.push_str(&int);
    if !fraction.is_empty() {
        out.push('.');
        out.push_str(fraction);
    }
    Some(out)
}

const UNITS: &[&str] = &[
    "x", "pc", "pcs", "kg", "g", "lb", "lbs", "oz", "cm", "mm", "m", "km", "in", "ft", "mi", "h", "hr", "hrs", "min", "mins", "d", "day",
    "days", "wk", "wks", "usd", "eur", "gbp", "cad",
];

/// A number glued to a unit (`2x`, `5kg`) or an ordinal suffix (`24th`): the number.
fn with_unit(t: &str) -> Option<String> {
    let split = t.find(|c: char| c.is_alphabetic())?;
    let (n, unit) = t.split_at(split);
    (UNITS.contains(&unit) || ["st", "nd", "rd", "th"].contains(&unit))
        .then(|| number(n))
        .flatten()
}

/// The parts of a word not found whole: split at separators other than
/// `.`, `-`, `*`, `@` and `_`, or at `-` when the word starts with a number.
fn pieces(t: &str) -> Option<Vec<String>> {
    let keep = |c: char| c.is_alphanumeric() || matches!(c, '.' | '-' | '*' | '@' | '_');
    let parts: Vec<&str> = t.split(|c: char| !keep(c)).filter(|p| !p.is_empty()).collect();
    if parts.len() > 1 || parts.first().is_some_and(|p| p.len() < t.len()) {
        return Some(parts.into_iter().map(str::to_owned).collect());
    }
    let parts: Vec<&str> = t.split('-').filter(|p| !p.is_empty()).collect();
    (parts.len() > 1 && number(parts[0]).is_some()).then(|| parts.into_iter().map(str::to_owned).collect())
}

// ---- dates and times ----

/// A date as written: any part may be missing (`Nov 24`, `2026`, `24th`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DateRef {
    year: Option<i16>,
    month: Option<i8>,
    day: Option<i8>,
}

impl DateRef {
    fn full(date: Date) -> DateRef {
        DateRef {
            year: Some(date.year()),
            month: Some(date.month()),
            day: Some(date.day()),
        }
    }

    fn matches(&self, date: Date) -> bool {
        self.year.is_none_or(|y| y == date.year())
            && self.month.is_none_or(|m| m == date.month())
            && self.day.is_none_or(|d| d == date.day())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Meridiem {
    Am,
    Pm,
    /// Written as a 24-hour time (`15 Uhr`, an ISO timestamp).
    H24,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Clock {
    hour: i8,
    minute: i8,
    /// `None`: no AM/PM, so 3:15 may be 15:15.
    meridiem: Option<Meridiem>,
}

impl Clock {
    /// The 24-hour hours it may be.
    fn hours(&self) -> impl Iterator<Item = i8> {
        let h = self.hour;
        let (a, b) = match self.meridiem {
            Some(Meridiem::Am) => (Some(h % 12), None),
            Some(Meridiem::Pm) => (Some(h % 12 + 12), None),
            Some(Meridiem::H24) => (Some(h), None),
            None if (1..=12).contains(&h) => (Some(h), Some((h + 12) % 24)),
            None => (Some(h), None),
        };
        a.into_iter().chain(b)
    }
}

/// What one mention of an answer claims.
#[derive(Debug, Clone, PartialEq)]
enum Claim {
    /// A word with a digit.
    Plain(String),
    Date(DateRef),
    Time(Clock),
    /// Days from today (`tomorrow` = 1).
    Relative(i64),
    /// A weekday, and the date written beside it.
    Weekday(Weekday, Option<DateRef>),
    /// Readings of an ambiguous mention (`11/12`, `24th`): one must hold.
    Either(Vec<Claim>),
}

struct Mention {
    token: String,
    claim: Claim,
}

/// Month names in English, Spanish, French and German (folded), and
/// whether the word must be capitalised to be a month (`May`, `Mar`).
const MONTHS: &[(&str, i8, bool)] = &[
    ("january", 1, false),
    ("jan", 1, false),
    ("enero", 1, false),
    ("janvier", 1, false),
    ("januar", 1, false),
    ("february", 2, false),
    ("feb", 2, false),
    ("febrero", 2, false),
    ("fevrier", 2, false),
    ("februar", 2, false),
    ("march", 3, true),
    ("mar", 3, true),
    ("marzo", 3, false),
    ("mars", 3, true),
    ("marz", 3, false),
    ("april", 4, false),
    ("apr", 4, false),
    ("abril", 4, false),
    ("avril", 4, false),
    ("may", 5, true),
    ("mayo", 5, false),
    ("mai", 5, false),
    ("june", 6, false),
    ("jun", 6, false),
    ("junio", 6, false),
    ("juin", 6, false),
    ("juni", 6, false),
    ("july", 7, false),
    ("jul", 7, false),
    ("julio", 7, false),
    ("juillet", 7, false),
    ("juli", 7, false),
    ("august", 8, false),
    ("aug", 8, false),
    ("agosto", 8, false),
    ("aout", 8, false),
    ("september", 9, false),
    ("sep", 9, false),
    ("sept", 9, false),
    ("septiembre", 9, false),
    ("setiembre", 9, false),
    ("septembre", 9, false),
    ("october", 10, false),
    ("oct", 10, false),
    ("octubre", 10, false),
    ("octobre", 10, false),
    ("oktober", 10, false),
    ("okt", 10, false),
    ("november", 11, false),
    ("nov", 11, false),
    ("noviembre", 11, false),
    ("novembre", 11, false),
    ("december", 12, false),
    ("dec", 12, false),
    ("diciembre", 12, false),
    ("decembre", 12, false),
    ("dezember", 12, false),
    ("dez", 12, false),
];

/// The month a word names.
fn month_of(w: &Word) -> Option<i8> {
    let &(_, month, capital) = MONTHS.iter().find(|(name, _, _)| *name == w.norm)?;
    (!capital || w.raw.starts_with(char::is_uppercase)).then_some(month)
}

/// Whether a month word can lead into a day: nothing after it but a space,
/// or the full stop of an abbreviation (`Nov. 24`, but not `… in November. 24 orders`).
fn month_leads(w: &Word) -> bool {
    open(w) || (w.dot && w.norm.chars().count() <= 4)
}

const WEEKDAYS: &[(&str, Weekday)] = &[
    ("monday", Weekday::Monday),
    ("tuesday", Weekday::Tuesday),
    ("wednesday", Weekday::Wednesday),
    ("thursday", Weekday::Thursday),
    ("friday", Weekday::Friday),
    ("saturday", Weekday::Saturday),
    ("sunday", Weekday::Sunday),
    ("lunes", Weekday::Monday),
    ("martes", Weekday::Tuesday),
    ("miercoles", Weekday::Wednesday),
    ("jueves", Weekday::Thursday),
    ("viernes", Weekday::Friday),
    ("sabado", Weekday::Saturday),
    ("domingo", Weekday::Sunday),
    ("lundi", Weekday::Monday),
    ("mardi", Weekday::Tuesday),
    ("mercredi", Weekday::Wednesday),
    ("jeudi", Weekday::Thursday),
    ("vendredi", Weekday::Friday),
    ("samedi", Weekday::Saturday),
    ("dimanche", Weekday::Sunday),
    ("montag", Weekday::Monday),
    ("dienstag", Weekday::Tuesday),
    ("mittwoch", Weekday::Wednesday),
    ("donnerstag", Weekday::Thursday),
    ("freitag", Weekday::Friday),
    ("samstag", Weekday::Saturday),
    ("sonntag", Weekday::Sunday),
];

/// English abbreviations, counted only when capitalised (`Wed`, not "wed").
const WEEKDAY_ABBREVIATIONS: &[(&str, Weekday)] = &[
    ("mon", Weekday::Monday),
    ("tue", Weekday::Tuesday),
    ("tues", Weekday::Tuesday),
    ("wed", Weekday::Wednesday),
    ("thu", Weekday::Thursday),
    ("thur", Weekday::Thursday),
    ("thurs", Weekday::Thursday),
    ("fri", Weekday::Friday),
    ("sat", Weekday::Saturday),
    ("sun", Weekday::Sunday),
];

fn weekday_of(norm: &str) -> Option<Weekday> {
    WEEKDAYS.iter().find(|(name, _)| *name == norm).map(|(_, w)| *w)
}

fn abbreviated_weekday(norm: &str) -> Option<Weekday> {
    WEEKDAY_ABBREVIATIONS.iter().find(|(name, _)| *name == norm).map(|(_, w)| *w)
}

/// A weekday named by a word of an answer.
fn weekday_word(w: &Word) -> Option<Weekday> {
    weekday_of(&w.norm).or_else(|| abbreviated_weekday(&w.norm).filter(|_| w.raw.starts_with(char::is_uppercase)))
}

fn relative(norm: &str) -> Option<i64> {
    match norm {
        "today" | "tonight" => Some(0),
        "tomorrow" => Some(1),
        "yesterday" => Some(-1),
        _ => None,
    }
}

/// A day of the month: `24`, `24th`, `1st`, `1er`.
fn day_of(norm: &str) -> Option<i8> {
    let digits = norm.trim_end_matches(|c: char| c.is_alphabetic());
    let suffix = &norm[digits.len()..];
    if !matches!(suffix, "" | "st" | "nd" | "rd" | "th" | "er") || digits.is_empty() || digits.len() > 2 {
        return None;
    }
    digits.parse().ok().filter(|d| (1..=31).contains(d))
}

fn year_of(w: &Word) -> Option<i16> {
    (w.norm.len() == 4 && w.norm.bytes().all(|b| b.is_ascii_digit()))
        .then(|| w.norm.parse().ok())
        .flatten()
        .filter(|y| (1900..=2100).contains(y))
}

/// A word joining the ends of a range; `true` for a dash.
fn connector(w: &Word) -> Option<bool> {
    match w.norm.as_str() {
        "-" => Some(true),
        "to" | "through" | "thru" | "until" | "till" | "al" | "bis" | "au" => Some(false),
        _ => None,
    }
}

/// Whether nothing but a space separates a word from the next.
fn open(w: &Word) -> bool {
    !w.stop && !w.comma
}

/// The last day of a range.
struct RangeEnd {
    day: i8,
    /// After a word (`to`) rather than a dash, the end may also be a plain
    /// number (`Nov 2 to 5 stores`): the word as written.
    or_number: Option<String>,
}

impl RangeEnd {
    fn claim(&self, date: DateRef) -> Claim {
        match &self.or_number {
            None => Claim::Date(date),
            Some(n) => Claim::Either(vec![Claim::Date(date), Claim::Plain(n.clone())]),
        }
    }
}

/// Days at `j`: `24`, `24-26`, `24 – 26`, `24 to 26` (the end after the
/// start). Returns the first day, the end of a range, and the next index.
fn days_at(words: &[Word], j: usize) -> Option<(i8, Option<RangeEnd>, usize)> {
    let w = words.get(j)?;
    if let Some((a, b)) = w.norm.split_once('-')
        && let (Some(a), Some(b)) = (day_of(a), day_of(b))
    {
        return Some((a, Some(RangeEnd { day: b, or_number: None }), j + 1));
    }
    let first = day_of(&w.norm)?;
    if open(w)
        && let Some(dash) = words.get(j + 1).filter(|c| open(c)).and_then(connector)
        && let Some(end) = words.get(j + 2)
        && let Some(last) = day_of(&end.norm).filter(|d| *d > first)
    {
        let or_number = (!dash).then(|| end.norm.clone());
        return Some((first, Some(RangeEnd { day: last, or_number }), j + 3));
    }
    Some((first, None, j + 1))
}

/// A date starting at word `i`, with the claims it makes and the next index.
fn date_at(words: &[Word], i: usize) -> Option<(Vec<Claim>, usize)> {
    let w = words.get(i)?;
    if let Some(claims) = numeric_date(w) {
        return Some((claims, i + 1));
    }
    if let Some(month) = month_of(w).filter(|_| month_leads(w)) {
        // Month first: "Nov 24", "November 24th, 2026", "Nov 24–26", "Nov 24 – Dec 2".
        if let Some((first, end, mut j)) = days_at(words, i + 1) {
            let last = &words[j - 1];
            let mut year = None;
            if !last.stop
                && let Some(y) = words.get(j).and_then(year_of)
            {
                year = Some(y);
                j += 1;
            }
            let at = |day| DateRef {
                year,
                month: Some(month),
                day: Some(day),
            };
            let mut claims = vec![Claim::Date(at(first))];
            match end {
                Some(end) => claims.push(end.claim(at(end.day))),
                None => {
                    // "Nov 24 – Dec 2": the end names its own month.
                    if open(&words[j - 1])
                        && words.get(j).filter(|c| open(c)).and_then(connector).is_some()
                        && words.get(j + 1).and_then(month_of).is_some()
                        && let Some((more, k)) = date_at(words, j + 1)
                    {
                        claims.extend(more);
                        j = k;
                    }
                }
            }
            return Some((claims, j));
        }
        // "November 2026", "noviembre de 2026".
        let mut j = i + 1;
        if words.get(j).is_some_and(|w| w.norm == "de") {
            j += 1;
        }
        if let Some(year) = words.get(j).and_then(year_of) {
            let date = DateRef {
                year: Some(year),
                month: Some(month),
                day: None,
            };
            return Some((vec![Claim::Date(date)], j + 1));
        }
        return None;
    }
    // Day first: "24 Nov", "24th of November", "24. November", "24 de noviembre de 2026", "24–26 Nov".
    let (first, end, mut j) = days_at(words, i)?;
    let last = &words[j - 1];
    if last.comma || (last.stop && !last.dot) {
        return None;
    }
    if words.get(j).is_some_and(|w| w.norm == "of" || w.norm == "de") {
        j += 1;
    }
    let month = month_of(words.get(j)?)?;
    j += 1;
    let mut year = None;
    let mut k = j;
    if words.get(k).is_some_and(|w| w.norm == "de") {
        k += 1;
    }
    if month_leads(&words[j - 1])
        && let Some(y) = words.get(k).and_then(year_of)
    {
        year = Some(y);
        j = k + 1;
    }
    let at = |day| DateRef {
        year,
        month: Some(month),
        day: Some(day),
    };
    let mut claims = vec![Claim::Date(at(first))];
    if let Some(end) = end {
        claims.push(end.claim(at(end.day)));
    }
    Some((claims, j))
}

/// A date in one word: ISO (`2026-11-24`), RFC 3339, `11/24`, `11/24/2026`,
/// `2026/11/24`, `24.11.2026`.
fn numeric_date(w: &Word) -> Option<Vec<Claim>> {
    let raw = w.raw;
    let b = raw.as_bytes();
    let iso = b.len() >= 10 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[7] == b'-';
    if iso {
        let pieces = Pieces::parse(raw).ok()?;
        let mut claims = vec![Claim::Date(DateRef::full(pieces.date()))];
        if let Some(time) = pieces.time() {
            claims.push(Claim::Time(Clock {
                hour: time.hour(),
                minute: time.minute(),
                meridiem: Some(Meridiem::H24),
            }));
        }
        return Some(claims);
    }
    let separator = if raw.contains('/') { '/' } else { '.' };
    let parts: Vec<&str> = raw.split(separator).collect();
    if !(2..=3).contains(&parts.len())
        || parts
            .iter()
            .any(|p| p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let n: Vec<i16> = parts.iter().filter_map(|p| p.parse().ok()).collect();
    let year = |p: &str, y: i16| match p.len() {
        4 => Some(y),
        2 => Some(2000 + y),
        _ => None,
    };
    let dates: Vec<(Option<i16>, i16, i16)> = match (separator, parts.len()) {
        ('/', 2) => vec![(None, n[0], n[1]), (None, n[1], n[0])],
        ('/', 3) if parts[0].len() == 4 => vec![(Some(n[0]), n[1], n[2])],
        ('/', 3) => match year(parts[2], n[2]) {
            Some(y) => vec![(Some(y), n[0], n[1]), (Some(y), n[1], n[0])],
            None => return None,
        },
        ('.', 3) if parts[2].len() == 4 => vec![(Some(n[2]), n[1], n[0])],
        _ => return None,
    };
    let mut claims: Vec<Claim> = dates
        .into_iter()
        .filter(|(_, m, d)| (1..=12).contains(m) && (1..=31).contains(d))
        .map(|(y, m, d)| {
            Claim::Date(DateRef {
                year: y,
                month: Some(m as i8),
                day: Some(d as i8),
            })
        })
        .collect();
    if claims.is_empty() {
        return None;
    }
    claims.push(Claim::Plain(w.norm.clone()));
    Some(vec![Claim::Either(claims)])
}

fn meridiem(norm: &str) -> Option<Meridiem> {
    match norm {
        "am" | "a.m" => Some(Meridiem::Am),
        "pm" | "p.m" => Some(Meridiem::Pm),
        "uhr" => Some(Meridiem::H24),
        _ => None,
    }
}

/// A time at word `i`: `15:15`, `3:15pm`, `3:15 PM`, `3 p.m.`, `15 Uhr`.
/// A following `am` that cannot be the time's (German `1001 am Montag`) is
/// left alone.
fn time_at(words: &[Word], i: usize) -> Option<(Claim, usize)> {
    let w = &words[i];
    let t = w.norm.as_str();
    let (body, glued) = ["am", "pm", "a.m", "p.m"]
        .iter()
        .find_map(|s| t.strip_suffix(s).filter(|b| !b.is_empty()).map(|b| (b, meridiem(s))))
        .unwrap_or((t, None));
    let fields: Vec<&str> = body.split(':').collect();
    if fields.len() > 3
        || fields
            .iter()
            .any(|f| f.is_empty() || f.len() > 2 || !f.bytes().all(|b| b.is_ascii_digit()))
        || fields[1..].iter().any(|f| f.len() != 2)
    {
        return None;
    }
    let hour: i8 = fields[0].parse().ok()?;
    let minute: i8 = fields.get(1).map_or(Some(0), |m| m.parse().ok())?;
    let clock = |meridiem| {
        let valid = minute < 60
            && match meridiem {
                Some(Meridiem::Am | Meridiem::Pm) => (1..=12).contains(&hour),
                _ => hour < 24,
            };
        valid.then_some(Claim::Time(Clock { hour, minute, meridiem }))
    };
    if glued.is_some() {
        return Some((clock(glued).unwrap_or_else(|| Claim::Plain(w.norm.clone())), i + 1));
    }
    if open(w)
        && let Some(next) = words.get(i + 1).and_then(|n| meridiem(&n.norm))
        && let Some(claim) = clock(Some(next))
    {
        return Some((claim, i + 2));
    }
    if fields.len() == 1 {
        return None;
    }
    Some((clock(None).unwrap_or_else(|| Claim::Plain(w.norm.clone())), i + 1))
}

/// The text of the words from `i` to `next`, as written.
fn span(text: &str, words: &[Word], i: usize, next: usize) -> String {
    let last = &words[next - 1];
    text.get(words[i].at..last.at + last.raw.len()).unwrap_or(words[i].raw).to_owned()
}

/// Every checkable mention of a text, in order.
fn mentions(text: &str, words: &[Word]) -> Vec<Mention> {
    let mut out = Vec::new();
    // The last date, and the index a weekday right after it would have (`Nov 25 (Wed)`).
    let mut previous: Option<(DateRef, usize)> = None;
    let mut i = 0;
    while i < words.len() {
        if let Some((claims, next)) = date_at(words, i) {
            let last = claims.iter().rev().find_map(|c| match c {
                Claim::Date(r) => Some(*r),
                _ => None,
            });
            previous = last.filter(|_| !words[next - 1].stop).map(|r| (r, next));
            let token = span(text, words, i, next);
            out.extend(claims.into_iter().map(|claim| Mention {
                token: token.clone(),
                claim,
            }));
            i = next;
            continue;
        }
        if let Some((claim, next)) = time_at(words, i) {
            out.push(Mention {
                token: span(text, words, i, next),
                claim,
            });
            i = next;
            continue;
        }
        let w = &words[i];
        let claim = if let Some(days) = relative(&w.norm) {
            Some(Claim::Relative(days))
        } else if let Some(weekday) = weekday_word(w) {
            let after = date_at(words, i + 1)
                .filter(|_| !w.stop)
                .and_then(|(claims, _)| match claims.first() {
                    Some(Claim::Date(r)) => Some(*r),
                    _ => None,
                });
            let before = previous.filter(|(_, at)| *at == i).map(|(r, _)| r);
            Some(Claim::Weekday(weekday, after.or(before)))
        } else if has_digit(&w.norm) {
            Some(plain(w))
        } else {
            None
        };
        if let Some(claim) = claim {
            out.push(Mention {
                token: w.raw.to_owned(),
                claim,
            });
        }
        i += 1;
    }
    out
}

/// A word with a digit outside a date or time: an ordinal may be a day, a
/// year the year of a date.
fn plain(w: &Word) -> Claim {
    let text = Claim::Plain(w.norm.clone());
    let day = day_of(&w.norm).filter(|_| w.norm.ends_with(char::is_alphabetic));
    if let Some(day) = day {
        let date = DateRef {
            year: None,
            month: None,
            day: Some(day),
        };
        return Claim::Either(vec![text, Claim::Date(date)]);
    }
    if let Some(year) = year_of(w) {
        let date = DateRef {
            year: Some(year),
            month: None,
            day: None,
        };
        return Claim::Either(vec![text, Claim::Date(date)]);
    }
    text
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    /// What a `get_order` tool returns for a shipped order (masked, as the model sees it).
    fn order() -> Value {
        json!({
            "order": {
                "id": "1001",
                "name": "#1001",
                "status": "shipped",
                "placed_at": "2026-11-19T10:02:11-05:00",
                "customer": {"name": "A*** L***", "email": "a***@e***.com", "phone": "***-**67"},
                "lines": [
                    {"sku": "SKU-123", "quantity": 2, "unit_price": "12.50"},
                    {"sku": "MUG-WHT-12OZ", "quantity": 1, "unit_price": "9.00"}
                ],
                "total": 34.0,
                "shipments": [{
                    "carrier": "UPS",
                    "service": "UPS Ground",
                    "tracking": "1Z12345E0205271688",
                    "shipped_at": "2026-11-21T15:15:00-05:00",
                    "expected_delivery": "2026-11-25"
                }]
            }
        })
    }

    fn ok(answer: &str, facts: &Facts) {
        if let Err(e) = check(answer, facts, None) {
            panic!("{answer:?} should pass: {e}");
        }
    }

    fn fails(answer: &str, facts: &Facts) -> Ungrounded {
        match check(answer, facts, None) {
            Ok(()) => panic!("{answer:?} should fail"),
            Err(e) => e,
        }
    }

    fn zoned(s: &str) -> Zoned {
        s.parse().unwrap()
    }

    const GOOD: &str = "Order #1001 shipped with UPS Ground, tracking 1Z12345E0205271688, expected Nov 25.";

    #[test]
    fn a_realistic_answer_passes_and_any_changed_digit_fails() {
        let facts = Facts::from_json(&order());
        ok(GOOD, &facts);
        let digits: Vec<usize> = GOOD.char_indices().filter(|(_, c)| c.is_ascii_digit()).map(|(i, _)| i).collect();
        assert_eq!(digits.len(), 4 + 16 + 2);
        for i in digits {
            for step in [1, 9] {
                let mut changed = GOOD.to_owned();
                let d = (GOOD.as_bytes()[i] - b'0' + step) % 10;
                changed.replace_range(i..=i, &d.to_string());
                fails(&changed, &facts);
            }
        }
        assert_eq!(
            fails("Order #1001 ships with tracking 1Z12345E0205271689.", &facts),
            Ungrounded {
                token: "1Z12345E0205271689".into(),
                reason: Reason::NotInData,
            }
        );
        let e = fails("Order #1001 is expected Nov 26.", &facts);
        assert_eq!((e.token.as_str(), e.reason), ("Nov 26", Reason::DateNotInData));
        assert_eq!(e.to_string(), "`Nov 26` matches no date in the data");
    }

    #[test]
    fn ids_amounts_and_quantities_in_their_usual_forms() {
        let facts = Facts::from_json(&order());
        for answer in [
            "**#1001** (1Z12345E0205271688)",
            "`1Z12345E0205271688`",
            "1001's tracking is 1z12345e0205271688!",
            "2 x SKU-123 at $12.50 each and 1 MUG-WHT-12OZ at $9; total $34.00.",
            "2x SKU-123, USD 12.5",
            "Total: 34 dollars",
            "A 2-day window",
            "Call the number ending ***-**67",
            "It has 2 lines and 1 shipment",
            "Order#1001, ref 1001/1001",
        ] {
            ok(answer, &facts);
        }
        for (answer, token) in [
            ("SKU-124 is on the order", "SKU-124"),
            ("Total $25.00 for both SKU-123", "$25.00"),
            ("3 x SKU-123", "3"),
            ("MUG-WHT-16OZ", "MUG-WHT-16OZ"),
            ("Order #1002 shipped", "#1002"),
            ("Order 1001-1003", "1001-1003"),
            ("It's 50% off", "50%"),
        ] {
            assert_eq!(fails(answer, &facts).token, token, "{answer}");
        }
    }

    #[test]
    fn list_numbers_are_not_claims() {
        let facts = Facts::from_json(&order());
        ok(
            "Your order:\n1. #1001 shipped\n 2) tracking 1Z12345E0205271688\n3. expected Nov 25",
            &facts,
        );
        assert_eq!(fails("Shipped 5. Then more", &facts).token, "5", "not at the start of a line");
        assert_eq!(fails("Your order:\n1. 5 left", &facts).token, "5");
    }

    #[test]
    fn numbers_compare_by_value() {
        let facts = Facts::from_json(&json!({"total": 1234.5, "rate": 0.083333, "atp": -5, "zip": "07102", "price": "1,999.00"}));
        ok("$1,234.50 and 1234.5 and 1234.50", &facts);
        ok("rate 0.083333, about 0.08 or 0.1", &facts);
        ok("-5 available, backordered by 5", &facts);
        ok("ships to 07102", &facts);
        assert_eq!(fails("ships to 7102", &facts).token, "7102");
        ok("$1999 or 1,999", &facts);
        fails("$1,234.55", &facts);
        fails("rate 0.09", &facts);
        fails("1,23,4", &facts);
    }

    #[test]
    fn array_lengths_are_facts() {
        let facts = Facts::from_json(&json!({"orders": [{"id": "A"}, {"id": "B"}, {"id": "C"}]}));
        ok("You have 3 open orders.", &facts);
        assert_eq!(fails("You have 4 open orders.", &facts).token, "4");
    }

    #[test]
    fn dates_in_their_usual_forms_and_ranges() {
        let facts = Facts::from_json(&order());
        for answer in [
            "expected 2026-11-25",
            "expected November 25th, 2026",
            "expected Nov. 25",
            "expected 25 Nov",
            "expected the 25th of November",
            "voraussichtlich am 25. November",
            "llega el 25 de noviembre de 2026",
            "livraison le 25 novembre",
            "expected 11/25 or 11/25/2026 or 25/11/2026",
            "expected 25.11.2026",
            "shipped Nov 21, arrives Nov 21–25",
            "arrives (Nov 21 - 25)",
            "arrives Nov 21-25",
            "arrives Nov 19 – Nov 25",
            "arrives 21–25 Nov",
            "arrives Nov 21 to 25",
            "del 21 al 25 de noviembre",
            "in November 2026",
            "Wednesday, Nov 25",
            "Wed, Nov 25",
            "Nov 25 (Wed); wed is not checked",
            "Nov 25. Thursday is when it was placed",
            "arrives Wednesday",
            "on the 25th",
            "placed in 2026",
            "shipped 2026-11-21T15:15:00-05:00",
        ] {
            ok(answer, &facts);
        }
        for (answer, token) in [
            ("expected Nov 24", "Nov 24"),
            ("expected November 25th, 2025", "November 25th, 2025"),
            ("arrives Nov 24–26", "Nov 24–26"),
            ("arrives Nov 21–26", "Nov 21–26"),
            ("arrives 24-25 Nov", "24-25 Nov"),
            ("expected 11/26", "11/26"),
            ("expected 2026-11-26", "2026-11-26"),
            ("in December 2026", "December 2026"),
            ("Thursday, Nov 25", "Thursday"),
            ("Nov 25 (Thu)", "Thu"),
            ("November 25, Thursday", "Thursday"),
            ("arrives Sunday", "Sunday"),
            ("on the 24th", "24th"),
            ("back in 2025", "2025"),
        ] {
            assert_eq!(fails(answer, &facts).token, token, "{answer}");
        }
    }

    #[test]
    fn a_month_needs_its_day_beside_it() {
        let facts = Facts::from_json(&json!({"orders": 24, "qty": 3}));
        // The full stop ends the sentence: 24 is a count, not November 24th.
        ok("Busy in November. 24 orders shipped.", &facts);
        ok("You may 3 times ask", &facts);
        assert_eq!(fails("Due May 3", &facts).token, "May 3");
    }

    #[test]
    fn times_in_the_timestamps_offset_or_the_readers_zone() {
        let facts = Facts::from_json(&order());
        for answer in [
            "shipped at 3:15 PM",
            "shipped at 3:15pm",
            "at 15:15",
            "um 15:15 Uhr",
            "at 3:15 p.m. on Nov 21",
            "at 10:02 AM",
        ] {
            ok(answer, &facts);
        }
        for (answer, token) in [
            ("at 3:16 PM", "3:16 PM"),
            ("at 4:15 PM", "4:15 PM"),
            ("at 3:15 AM", "3:15 AM"),
            ("at 3 PM", "3 PM"),
            ("at 13 PM", "13"),
        ] {
            assert_eq!(fails(answer, &facts).token, token, "{answer}");
        }
        // In UTC the shipment left at 20:15.
        let utc = zoned("2026-11-24T12:00:00+00:00[UTC]");
        assert_eq!(fails("at 8:15 PM", &facts).reason, Reason::TimeNotInData);
        check("at 8:15 PM", &facts, Some(&utc)).unwrap();
        let facts = Facts::from_json(&json!({"policy": "Orders placed before 3 PM ship the same day, Monday to Friday."}));
        ok("Order before 3pm, Monday", &facts);
        fails("Order before 4pm", &facts);
        let facts = Facts::from_json(&json!({"hours": "Mon–Fri 9:00–17:00"}));
        ok("Open Monday to Friday, 9 AM to 5 PM", &facts);
        assert_eq!(fails("Open on Saturday", &facts).token, "Saturday");
    }

    #[test]
    fn relative_days_need_now_and_a_matching_date() {
        let facts = Facts::from_json(&order());
        let morning = zoned("2026-11-24T09:00:00-05:00[America/New_York]");
        assert_eq!(
            fails("It arrives tomorrow.", &facts),
            Ungrounded {
                token: "tomorrow".into(),
                reason: Reason::RelativeDayWithoutNow,
            }
        );
        check("It arrives tomorrow.", &facts, Some(&morning)).unwrap();
        let e = check("It arrives today.", &facts, Some(&morning)).unwrap_err();
        assert_eq!((e.token.as_str(), e.reason), ("today", Reason::DateNotInData));
        // Shipped at 15:15 New York time on the 21st: "yesterday" on the 22nd.
        check(
            "It shipped yesterday.",
            &facts,
            Some(&zoned("2026-11-22T08:00:00-05:00[America/New_York]")),
        )
        .unwrap();
    }

    #[test]
    fn the_question_can_be_added_to_the_facts() {
        let mut facts = Facts::from_json(&json!({"sku": "SKU-1", "atp": 340}));
        fails("Yes: 200 units of SKU-1 can ship, 340 are available.", &facts);
        facts.add_text("can we fill 200 units of SKU-1?");
        ok("Yes: 200 units of SKU-1 can ship, 340 are available.", &facts);
    }

    #[test]
    fn a_real_carrier_tracker() {
        let path = format!(
            "{}/../../../shared/fixtures/carrier-tracking/easypost_trackers-retrieve.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let tracker: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let facts = Facts::from_json(&tracker);
        let answer = "USPS tracking EZ1000000001 is pre-transit: the label was created Apr 10 at 9:17 AM in HOUSTON, TX 77063, \
                      headed to CHARLESTON SC, 29401; estimated delivery Friday, May 9, 2025 (2 tracking events).";
        ok(answer, &facts);
        for (from, to) in [
            ("Apr 10", "Apr 11"),
            ("77063", "77064"),
            ("EZ1000000001", "EZ1000000002"),
            ("2 tracking", "3 tracking"),
            ("Friday", "Monday"),
            ("9:17", "9:18"),
        ] {
            let changed = answer.replace(from, to);
            assert!(check(&changed, &facts, None).is_err(), "{changed}");
        }
    }

    #[test]
    fn never_panics_on_odd_text() {
        let facts = Facts::from_json(&order());
        for answer in [
            "",
            "–",
            "— – -",
            "#",
            "$",
            "1/",
            "/1",
            "::",
            "12:",
            ":30",
            "2026-",
            "2026-11-",
            "2026-99-99",
            "Nov",
            "Nov –",
            "9999999999999999999999 pm",
            "١٢٣",
            "½",
            "24.",
            "May",
            "3 am",
            "Mai 5",
        ] {
            let _ = check(answer, &facts, None);
        }
        assert!(check("١٢٣", &facts, None).is_err(), "digits of any script are checked");
    }

    // ---- properties ----

    const MONTH_NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const FILLER: [&str; 8] = ["then", "and", "with", "so", "shipped", "order", "total", "via"];

    #[derive(Debug, Clone)]
    struct Data {
        ids: Vec<u32>,
        amounts: Vec<(u32, u8)>,
        dates: Vec<(i16, i8, i8)>,
        times: Vec<(i8, i8)>,
        tracking: Vec<String>,
        quantities: Vec<u16>,
    }

    fn data() -> impl Strategy<Value = Data> {
        (
            prop::collection::vec(1000u32..100_000, 1..4),
            prop::collection::vec((0u32..20_000, 0u8..100), 1..4),
            prop::collection::vec((2020i16..2030, 1i8..=12, 1i8..=28), 1..4),
            prop::collection::vec((0i8..24, 0i8..60), 1..3),
            prop::collection::vec("1Z[0-9A-Z]{16}", 1..3),
            prop::collection::vec(0u16..500, 1..4),
        )
            .prop_map(|(ids, amounts, dates, times, tracking, quantities)| Data {
                ids,
                amounts,
                dates,
                times,
                tracking,
                quantities,
            })
    }

    fn to_json(d: &Data) -> Value {
        json!({
            "orders": d.ids.iter().map(|i| json!({"name": format!("#{i}")})).collect::<Vec<_>>(),
            "amounts": d.amounts.iter().enumerate().map(|(k, (u, c))| {
                let text = format!("{u}.{c:02}");
                if k % 2 == 0 { json!(text) } else { json!(text.parse::<f64>().unwrap()) }
            }).collect::<Vec<_>>(),
            "dates": d.dates.iter().map(|(y, m, d)| format!("{y}-{m:02}-{d:02}")).collect::<Vec<_>>(),
            "events": d.times.iter().zip(d.dates.iter().cycle()).map(|((h, min), (y, m, d))| {
                format!("{y}-{m:02}-{d:02}T{h:02}:{min:02}:00-05:00")
            }).collect::<Vec<_>>(),
            "tracking": d.tracking,
            "quantities": d.quantities,
        })
    }

    fn thousands(n: u32) -> String {
        let s = n.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    }

    /// One value of the data, written as a person (or a model) would.
    fn render(d: &Data, kind: usize, pick: usize, style: usize) -> String {
        match kind % 6 {
            0 => {
                let id = d.ids[pick % d.ids.len()];
                let forms = [
                    format!("#{id}"),
                    format!("{id}"),
                    format!("order {id}."),
                    format!("(#{id})"),
                    format!("**#{id}**"),
                    format!("{id}'s"),
                ];
                forms[style % forms.len()].clone()
            }
            1 => {
                let (u, c) = d.amounts[pick % d.amounts.len()];
                let canonical = number(&format!("{u}.{c:02}")).unwrap();
                let forms = [
                    format!("${u}.{c:02}"),
                    format!("${}.{c:02}", thousands(u)),
                    canonical,
                    format!("USD {u}.{c:02}"),
                ];
                forms[style % forms.len()].clone()
            }
            2 => {
                let (y, m, day) = d.dates[pick % d.dates.len()];
                let month = MONTH_NAMES[m as usize - 1];
                let weekday = Date::new(y, m, day).unwrap().weekday();
                let weekday = WEEKDAYS.iter().find(|(_, w)| *w == weekday).unwrap().0;
                let weekday = format!("{}{}", weekday[..1].to_uppercase(), &weekday[1..]);
                let forms = [
                    format!("{y}-{m:02}-{day:02}"),
                    format!("{} {day}", &month[..3]),
                    format!("{month} {day}, {y}"),
                    format!("{day} {}", &month[..3]),
                    format!("the {day}th of {month}"),
                    format!("{weekday}, {month} {day}"),
                    format!("{m}/{day}/{y}"),
                    format!("{day}. {month}"),
                ];
                forms[style % forms.len()].clone()
            }
            3 => {
                let (h, min) = d.times[pick % d.times.len()];
                let (h12, suffix) = match h {
                    0 => (12, "AM"),
                    1..=11 => (h, "AM"),
                    12 => (12, "PM"),
                    _ => (h - 12, "PM"),
                };
                let forms = [
                    format!("{h:02}:{min:02}"),
                    format!("{h12}:{min:02} {suffix}"),
                    format!("{h12}:{min:02}{}", suffix.to_lowercase()),
                ];
                forms[style % forms.len()].clone()
            }
            4 => {
                let t = &d.tracking[pick % d.tracking.len()];
                let forms = [t.clone(), format!("({t})"), format!("`{t}`"), t.to_lowercase()];
                forms[style % forms.len()].clone()
            }
            _ => {
                let q = d.quantities[pick % d.quantities.len()];
                let forms = [format!("{q} units"), format!("{q}x"), format!("qty {q}")];
                forms[style % forms.len()].clone()
            }
        }
    }

    fn answer(d: &Data, parts: &[(usize, usize, usize, usize)]) -> Vec<String> {
        parts
            .iter()
            .map(|(kind, pick, style, filler)| format!("{} {}", FILLER[filler % FILLER.len()], render(d, *kind, *pick, *style)))
            .collect()
    }

    proptest! {
        #[test]
        fn an_answer_from_the_facts_always_passes(
            d in data(),
            parts in prop::collection::vec((0usize..6, 0usize..4, 0usize..8, 0usize..8), 1..12),
        ) {
            let facts = Facts::from_json(&to_json(&d));
            let text = answer(&d, &parts).join(" ");
            prop_assert!(check(&text, &facts, None).is_ok(), "{text:?}: {:?}", check(&text, &facts, None));
        }

        #[test]
        fn a_number_not_in_the_facts_always_fails(
            d in data(),
            parts in prop::collection::vec((0usize..6, 0usize..4, 0usize..8, 0usize..8), 0..10),
            n in prop_oneof![0u64..40, 0u64..3000, 0u64..1_000_000_000_000],
            cents in 1u8..100,
            form in 0usize..4,
            at in any::<prop::sample::Index>(),
        ) {
            let facts = Facts::from_json(&to_json(&d));
            let inserted = [format!("{n}"), format!("#{n}"), format!("${n}.{cents:02}"), format!("{n},")][form].clone();
            let value = number(&normalise(inserted.trim_end_matches(','))).unwrap();
            prop_assume!(!facts.numbers.contains(&value));
            prop_assume!(!(1900..=2100).contains(&n) || !d.dates.iter().any(|(y, _, _)| *y as u64 == n));
            let mut words = answer(&d, &parts);
            prop_assert!(check(&words.join(" "), &facts, None).is_ok());
            words.insert(at.index(words.len() + 1), format!("ref {inserted} now"));
            let text = words.join(" ");
            let e = check(&text, &facts, None);
            prop_assert!(e.as_ref().is_err_and(|e| e.token.contains(&n.to_string())), "{text:?}: {e:?}");
        }
    }
}
