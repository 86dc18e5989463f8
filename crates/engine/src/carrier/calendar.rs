//! Business days under the weekend rule: Monday to Friday are business days,
//! Saturday and Sunday are not. Holidays are not modelled: a carrier holiday
//! shows up as one slow delivery, which the transit model absorbs as noise.
//!
//! Dates are handled as day numbers (days since 1970-01-01) so that counting
//! business days between two dates is O(1) arithmetic, not a walk.

use jiff::civil::{Date, Time};

use crate::Error;

/// Days since 1970-01-01 (negative before), by the proleptic Gregorian
/// calendar (Howard Hinnant's `days_from_civil`).
pub(crate) fn day_number(date: Date) -> i64 {
    let (y, m, d) = (i64::from(date.year()), i64::from(date.month()), i64::from(date.day()));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number; an error (naming `field`) outside jiff's range
/// of years −9999 to 9999.
pub(crate) fn date_of(day: i64, field: &str) -> Result<Date, Error> {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let out_of_range = || Error::invalid(field, format!("The date falls outside the years -9999 to 9999 (day {day})."));
    let year = i16::try_from(y).map_err(|_| out_of_range())?;
    Date::new(year, m as i8, d as i8).map_err(|_| out_of_range())
}

/// 0 for Monday … 6 for Sunday (1970-01-01 was a Thursday).
pub(crate) fn weekday(day: i64) -> i64 {
    (day + 3).rem_euclid(7)
}

pub(crate) fn is_business_day(day: i64) -> bool {
    weekday(day) < 5
}

/// Business days on or before `day`, counted from a fixed Monday: the
/// difference of two values is the number of business days in between.
fn business_index(day: i64) -> i64 {
    let m = day + 3;
    m.div_euclid(7) * 5 + (m.rem_euclid(7) + 1).min(5)
}

/// Business days `d` with `from < d ≤ to` (0 when `to ≤ from`). A weekend
/// `to` therefore counts only up to the Friday before it.
pub(crate) fn business_days_between(from: i64, to: i64) -> i64 {
    (business_index(to) - business_index(from)).max(0)
}

/// The first business day on or after `day`.
pub(crate) fn business_day_on_or_after(day: i64) -> i64 {
    match weekday(day) {
        5 => day + 2,
        6 => day + 1,
        _ => day,
    }
}

/// The `k`-th business day after `day` (`day` itself for `k = 0`).
pub(crate) fn add_business_days(day: i64, k: i64) -> i64 {
    if k <= 0 {
        return day;
    }
    let t = business_index(day) + k - 1;
    t.div_euclid(5) * 7 + t.rem_euclid(5) - 3
}

/// Business days in transit from the ship date to the delivery date. A
/// delivery on a weekend counts as one on the following Monday: whoever
/// promised a date meant a business day, and a Saturday delivery after a
/// Friday promise is still late.
pub(crate) fn transit_days(shipped: i64, delivered: i64) -> i64 {
    let weekend = i64::from(!is_business_day(delivered));
    business_days_between(shipped, delivered) + weekend
}

/// Parses a cutoff's `HH:MM` (24-hour, local wall-clock) into a time of day.
pub(crate) fn parse_hhmm(raw: &str, field: &str) -> Result<Time, Error> {
    let bad = || {
        Error::invalid(
            field,
            format!("A cutoff time is `HH:MM` on a 24-hour clock, e.g. `16:30`; got `{raw}`."),
        )
    };
    let (h, m) = raw.trim().split_once(':').ok_or_else(bad)?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return Err(bad());
    }
    let h: i8 = h.parse().map_err(|_| bad())?;
    let m: i8 = m.parse().map_err(|_| bad())?;
    Time::new(h, m, 0, 0).map_err(|_| bad())
}

/// Minutes since midnight.
pub(crate) fn minute_of_day(t: Time) -> i64 {
    i64::from(t.hour()) * 60 + i64::from(t.minute())
}
