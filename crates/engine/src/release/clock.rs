//! A node's local wall clock at a fixed UTC offset: local days, cutoff
//! instants on business days, and how to print them.

use jiff::civil::Date;
use model::Timestamp;
use model::node::Cutoff;

use crate::Error;
use crate::carrier::calendar;

const DAY: i64 = 86_400;

/// Cutoffs further out than this are not looked for (two weeks covers any
/// run of weekends).
const SEARCH_DAYS: i64 = 14;

pub(crate) struct Clock {
    /// Seconds to add to UTC for local time.
    offset: i64,
    /// Each carrier's cutoffs as minutes of the local day, ascending.
    cutoffs: Vec<(String, Vec<i64>)>,
}

impl Clock {
    /// Cutoffs must already be validated.
    pub fn new(utc_offset_minutes: i32, cutoffs: &[Cutoff]) -> Clock {
        let mut by_carrier: Vec<(String, Vec<i64>)> = Vec::new();
        for c in cutoffs {
            let Ok(t) = calendar::parse_hhmm(&c.time, "cutoffs") else {
                continue;
            };
            let key = c.carrier.trim().to_ascii_uppercase();
            let minute = calendar::minute_of_day(t);
            match by_carrier.iter_mut().find(|(k, _)| *k == key) {
                Some((_, times)) => times.push(minute),
                None => by_carrier.push((key, vec![minute])),
            }
        }
        for (_, times) in &mut by_carrier {
            times.sort_unstable();
            times.dedup();
        }
        Clock {
            offset: i64::from(utc_offset_minutes) * 60,
            cutoffs: by_carrier,
        }
    }

    /// The local day number of an instant (UTC seconds).
    pub fn local_day(&self, at: i64) -> i64 {
        (at + self.offset).div_euclid(DAY)
    }

    /// The first cutoff for `carrier` strictly after `after` (UTC seconds),
    /// on a business day; `None` when the node has no cutoff for it.
    pub fn next_cutoff(&self, carrier: &str, after: i64) -> Option<i64> {
        let key = carrier.trim().to_ascii_uppercase();
        let (_, times) = self.cutoffs.iter().find(|(k, _)| *k == key)?;
        let first = self.local_day(after);
        for day in first..first + SEARCH_DAYS {
            if !calendar::is_business_day(day) {
                continue;
            }
            for &m in times {
                let at = day * DAY + m * 60 - self.offset;
                if at > after {
                    return Some(at);
                }
            }
        }
        None
    }

    /// Business days from the local date of `now` to `date` (negative when
    /// the date has passed).
    pub fn business_days_until(&self, now: i64, date: Date) -> i64 {
        let today = self.local_day(now);
        let target = calendar::day_number(date);
        if target >= today {
            calendar::business_days_between(today, target)
        } else {
            -calendar::business_days_between(target, today)
        }
    }

    /// `16:00` for an instant on the local day of `now`, else `Fri 16:00`.
    pub fn label(&self, at: i64, now: i64) -> String {
        const NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        let local = at + self.offset;
        let minute = local.rem_euclid(DAY) / 60;
        let hhmm = format!("{:02}:{:02}", minute / 60, minute % 60);
        let day = local.div_euclid(DAY);
        if day == self.local_day(now) {
            hhmm
        } else {
            format!("{} {hhmm}", NAMES[calendar::weekday(day) as usize])
        }
    }
}

/// The instant of UTC second `s`.
pub(crate) fn timestamp(s: i64, field: &str) -> Result<Timestamp, Error> {
    Timestamp::from_second(s).map_err(|e| Error::invalid(field, format!("The time falls outside the supported range: {e}.")))
}

/// `20260515T1400Z` for a UTC second.
pub(crate) fn compact_utc(s: i64) -> String {
    let day = s.div_euclid(DAY);
    let minute = s.rem_euclid(DAY) / 60;
    let date = calendar::date_of(day, "wave").map(|d| format!("{:04}{:02}{:02}", d.year(), d.month(), d.day()));
    format!("{}T{:02}{:02}Z", date.unwrap_or_else(|_| day.to_string()), minute / 60, minute % 60)
}
