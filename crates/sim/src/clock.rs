//! The virtual clock: whole milliseconds since the Unix epoch.
//!
//! Integers rather than `jiff::Timestamp` inside the simulator so that the
//! merge queue can compare and add them without fallible arithmetic; they are
//! turned into timestamps and text only when a delivery is rendered.

use jiff::Timestamp;
use jiff::civil::{Date, Weekday};
use jiff::tz::Offset;

/// A point in virtual time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct VirtualTime(i64);

pub(crate) const SECOND: i64 = 1_000;
pub(crate) const MINUTE: i64 = 60 * SECOND;
pub(crate) const HOUR: i64 = 60 * MINUTE;
pub(crate) const DAY: i64 = 24 * HOUR;

/// The demo shop's time zone, fixed at US Eastern daylight time. A fixed
/// offset, not `America/New_York`, so output never depends on the machine's
/// time-zone database.
const SHOP_OFFSET: Offset = Offset::constant(-4);

impl VirtualTime {
    pub(crate) fn from_timestamp(ts: Timestamp) -> Self {
        VirtualTime(ts.as_millisecond())
    }

    /// `self` plus `ms` milliseconds, saturating at the ends of time.
    pub(crate) fn plus(self, ms: i64) -> Self {
        VirtualTime(self.0.saturating_add(ms))
    }

    /// The instant, clamped to jiff's range (±9999 years), which a sane
    /// configuration never reaches.
    pub(crate) fn timestamp(self) -> Timestamp {
        Timestamp::from_millisecond(self.0).unwrap_or(if self.0 < 0 { Timestamp::MIN } else { Timestamp::MAX })
    }

    /// The instant truncated to whole seconds, as most systems print it.
    pub(crate) fn whole_seconds(self) -> Timestamp {
        let ts = self.timestamp();
        Timestamp::from_second(ts.as_second()).unwrap_or(ts)
    }

    /// `2026-05-11T13:00:00Z`: the UTC form WMSs, ERPs and Zendesk use.
    pub(crate) fn utc(self) -> String {
        self.whole_seconds().to_string()
    }

    /// `2026-05-11T09:00:00-04:00`: Shopify prints times in the shop's zone.
    pub(crate) fn shop_local(self) -> String {
        self.whole_seconds().display_with_offset(SHOP_OFFSET).to_string()
    }

    /// The UTC calendar date.
    pub(crate) fn date(self) -> Date {
        Offset::UTC.to_datetime(self.timestamp()).date()
    }
}

/// `days` business days after `date`, skipping Saturdays and Sundays, as
/// carriers count transit time.
pub(crate) fn add_business_days(date: Date, days: u32) -> Date {
    let mut day = date;
    let mut left = days;
    while left > 0 {
        day = match day.tomorrow() {
            Ok(next) => next,
            Err(_) => return day,
        };
        if !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
            left -= 1;
        }
    }
    day
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_in_utc_and_shop_time() {
        let t = VirtualTime::from_timestamp(Timestamp::constant(1_778_504_400, 0)).plus(1_234);
        assert_eq!(t.utc(), "2026-05-11T13:00:01Z");
        assert_eq!(t.shop_local(), "2026-05-11T09:00:01-04:00");
        assert_eq!(t.timestamp().to_string(), "2026-05-11T13:00:01.234Z");
    }

    #[test]
    fn business_days_skip_weekends() {
        let friday = jiff::civil::date(2026, 5, 15);
        assert_eq!(add_business_days(friday, 1), jiff::civil::date(2026, 5, 18));
        assert_eq!(add_business_days(friday, 0), friday);
        assert_eq!(add_business_days(jiff::civil::date(2026, 5, 11), 3), jiff::civil::date(2026, 5, 14));
    }

    #[test]
    fn saturates_instead_of_overflowing() {
        assert_eq!(VirtualTime(i64::MAX).plus(1), VirtualTime(i64::MAX));
        assert_eq!(VirtualTime(i64::MAX).timestamp(), Timestamp::MAX);
    }
}
