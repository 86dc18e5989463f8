//! The time windows a question's `period` slot names, as half-open
//! `[start, end)` intervals in the asker's time zone. Periods "to date"
//! (`today`, `this_week`, `this_month`, `last_*_days`) end at now; weeks
//! start on Monday 00:00; `last_7_days` is the 7 × 24 hours before now.

use jiff::civil::Date;
use jiff::{Span, Timestamp, ToSpan, Zoned};

/// The window of `period` (a `period` slot value, see `tests/QUESTIONS.md`)
/// as of `now`: `today`, `yesterday`, `this_week` (Monday 00:00 to now),
/// `last_week` (the previous Monday to Sunday), `this_month`, `last_month`,
/// `last_7_days`, `last_30_days`. `None` for anything else.
pub fn window(period: &str, now: &Zoned) -> Option<(Timestamp, Timestamp)> {
    let tz = now.time_zone().clone();
    let midnight = |date: Date| date.to_zoned(tz.clone()).ok().map(|z| z.timestamp());
    let today = now.date();
    let end = now.timestamp();
    let monday = today.checked_sub(Span::new().days(today.weekday().to_monday_zero_offset())).ok()?;
    let first = today.first_of_month();
    let window = match period {
        "today" => (midnight(today)?, end),
        "yesterday" => (midnight(today.yesterday().ok()?)?, midnight(today)?),
        "this_week" => (midnight(monday)?, end),
        "last_week" => (midnight(monday.checked_sub(Span::new().days(7)).ok()?)?, midnight(monday)?),
        "this_month" => (midnight(first)?, end),
        "last_month" => (midnight(first.checked_sub(Span::new().months(1)).ok()?)?, midnight(first)?),
        "last_7_days" => (now.checked_sub(Span::new().days(7)).ok()?.timestamp(), end),
        "last_30_days" => (now.checked_sub(Span::new().days(30)).ok()?.timestamp(), end),
        _ => return None,
    };
    Some(window)
}

/// The window in words for an answer: "last week (Nov 16 – Nov 22)".
pub fn describe(period: &str, start: Timestamp, end: Timestamp, tz: &jiff::tz::TimeZone) -> String {
    let first = start.to_zoned(tz.clone()).date();
    let last = end.checked_sub(1.microsecond()).unwrap_or(end).to_zoned(tz.clone()).date();
    let words = period.replace('_', " ");
    if first == last {
        format!("{words} ({})", first.strftime("%b %-d"))
    } else {
        format!("{words} ({} – {})", first.strftime("%b %-d"), last.strftime("%b %-d"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Zoned {
        format!("{s}[America/New_York]").parse().unwrap()
    }

    #[test]
    fn windows_follow_the_calendar_in_the_local_zone() {
        // Wednesday 2026-11-25, 10:00 in New York.
        let now = at("2026-11-25T10:00:00-05:00");
        let day = |s: &str| {
            s.parse::<jiff::civil::Date>()
                .unwrap()
                .in_tz("America/New_York")
                .unwrap()
                .timestamp()
        };
        assert_eq!(window("last_week", &now), Some((day("2026-11-16"), day("2026-11-23"))));
        assert_eq!(window("this_week", &now).unwrap().0, day("2026-11-23"));
        assert_eq!(window("yesterday", &now), Some((day("2026-11-24"), day("2026-11-25"))));
        assert_eq!(window("last_month", &now), Some((day("2026-10-01"), day("2026-11-01"))));
        assert_eq!(window("last_7_days", &now).unwrap().0, at("2026-11-18T10:00:00-05:00").timestamp());
        assert_eq!(window("last_30_days", &now).unwrap().1, now.timestamp());
        assert_eq!(window("fortnight", &now), None);
    }

    #[test]
    fn on_a_monday_this_week_is_today_and_last_week_the_seven_days_before() {
        let now = at("2026-11-23T08:00:00-05:00");
        let day = |s: &str| {
            s.parse::<jiff::civil::Date>()
                .unwrap()
                .in_tz("America/New_York")
                .unwrap()
                .timestamp()
        };
        assert_eq!(window("this_week", &now).unwrap().0, day("2026-11-23"));
        assert_eq!(window("last_week", &now), Some((day("2026-11-16"), day("2026-11-23"))));
        let (s, e) = window("last_week", &now).unwrap();
        assert_eq!(describe("last_week", s, e, now.time_zone()), "last week (Nov 16 – Nov 22)");
    }
}
