//! Business hours: a week of opening intervals in local wall time, holidays,
//! and an IANA time zone. SLA clocks that run "only during business hours"
//! add their thresholds through [`Calendar::add`], which walks the local
//! days and turns each interval into instants in the zone, so a day a
//! clock change shortens or lengthens counts the hours it really had.

use std::collections::BTreeSet;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

use crate::time::Micros;

/// Minutes in a day: an interval may close at 24:00.
pub const DAY_MINUTES: u32 = 24 * 60;
/// The most intervals one day may have.
pub const MAX_INTERVALS_PER_DAY: usize = 6;
/// The most holidays a calendar keeps.
pub const MAX_HOLIDAYS: usize = 400;
/// How far ahead [`Calendar::add`] looks for open time (five years of days).
const HORIZON_DAYS: usize = 5 * 366;

/// One opening interval, minutes after local midnight, `open < close <= 1440`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Interval {
    pub open: u32,
    pub close: u32,
}

/// When a team works.
#[derive(Debug, Clone)]
pub struct Calendar {
    tz: TimeZone,
    /// Sunday first; each day's intervals sorted and apart.
    week: [Vec<Interval>; 7],
    holidays: BTreeSet<Date>,
    /// No hours set: every moment counts.
    always: bool,
}

/// Why a week or a holiday list was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarError(pub String);

impl std::fmt::Display for CalendarError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// "09:30" -> 570; "24:00" is the end of the day.
pub fn parse_clock(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let h: u32 = h.parse().ok()?;
    let m: u32 = m.parse().ok()?;
    if m > 59 || h > 24 || (h == 24 && m != 0) {
        return None;
    }
    Some(h * 60 + m)
}

/// 570 -> "09:30".
pub fn clock(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// "2026-12-25" as a date.
pub fn parse_day(s: &str) -> Option<Date> {
    s.trim().parse::<Date>().ok()
}

impl Calendar {
    /// Every moment is business time (no hours set), in `tz`.
    pub fn always(tz: TimeZone) -> Calendar {
        Calendar {
            tz,
            week: Default::default(),
            holidays: BTreeSet::new(),
            always: true,
        }
    }

    /// A calendar of `days` (`(day_of_week 0 = Sunday, interval)`) and
    /// holidays; intervals of one day must not overlap.
    pub fn new(
        tz: TimeZone,
        days: &[(u8, Interval)],
        holidays: impl IntoIterator<Item = Date>,
    ) -> Result<Calendar, CalendarError> {
        let mut week: [Vec<Interval>; 7] = Default::default();
        for (day, iv) in days {
            let Some(list) = week.get_mut(usize::from(*day)) else {
                return Err(CalendarError(format!("day_of_week {day} is not 0 to 6")));
            };
            if iv.open >= iv.close || iv.close > DAY_MINUTES {
                return Err(CalendarError(format!(
                    "{} to {} is not an interval of one day",
                    clock(iv.open),
                    clock(iv.close)
                )));
            }
            list.push(*iv);
        }
        for list in &mut week {
            list.sort();
            if list.len() > MAX_INTERVALS_PER_DAY {
                return Err(CalendarError(format!(
                    "at most {MAX_INTERVALS_PER_DAY} intervals a day"
                )));
            }
            if list.windows(2).any(|w| w[1].open < w[0].close) {
                return Err(CalendarError("the intervals of a day overlap".into()));
            }
        }
        let holidays: BTreeSet<Date> = holidays.into_iter().collect();
        if holidays.len() > MAX_HOLIDAYS {
            return Err(CalendarError(format!("at most {MAX_HOLIDAYS} holidays")));
        }
        Ok(Calendar {
            tz,
            week,
            holidays,
            always: false,
        })
    }

    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    pub fn is_always(&self) -> bool {
        self.always
    }

    /// The day's intervals (Sunday = 0).
    pub fn day(&self, day_of_week: u8) -> &[Interval] {
        self.week.get(usize::from(day_of_week)).map_or(&[], |v| v.as_slice())
    }

    pub fn holidays(&self) -> impl Iterator<Item = &Date> {
        self.holidays.iter()
    }

    /// The instant a local wall time names on `date` (24:00 is the next
    /// midnight). A time a clock change skips counts as the moment after
    /// the change; a time it repeats, as its first occurrence.
    fn instant(&self, date: Date, minute: u32) -> Option<i64> {
        let (date, minute) = if minute >= DAY_MINUTES {
            (date.tomorrow().ok()?, 0)
        } else {
            (date, minute)
        };
        let dt = date.at((minute / 60) as i8, (minute % 60) as i8, 0, 0);
        let zoned = dt.to_zoned(self.tz.clone()).ok()?;
        Some(zoned.timestamp().as_microsecond())
    }

    fn local_date(&self, t: Micros) -> Option<Date> {
        let ts = Timestamp::from_microsecond(t).ok()?;
        Some(ts.to_zoned(self.tz.clone()).date())
    }

    /// Whether `t` falls within business hours.
    pub fn is_open(&self, t: Micros) -> bool {
        if self.always {
            return true;
        }
        let Some(date) = self.local_date(t) else {
            return false;
        };
        // An interval of yesterday may not reach into today (each closes
        // by midnight), so today's intervals decide.
        if self.holidays.contains(&date) {
            return false;
        }
        let day = date.weekday().to_sunday_zero_offset() as u8;
        self.day(day).iter().any(|iv| {
            matches!((self.instant(date, iv.open), self.instant(date, iv.close)),
                (Some(a), Some(b)) if a <= t && t < b)
        })
    }

    /// The instant `seconds` of business time after `start`: `start` plus
    /// the seconds when every moment counts; otherwise the clock runs only
    /// inside the intervals of working days. `None` when the calendar has
    /// no open time within five years.
    pub fn add(&self, start: Micros, seconds: i64) -> Option<Micros> {
        let mut remaining = seconds.max(0).checked_mul(1_000_000)?;
        if self.always {
            return start.checked_add(remaining);
        }
        let mut date = self.local_date(start)?;
        // A day's first interval may begin before local midnight's instant
        // of the start's date in no zone, but a start late in the evening
        // may fall before today's last interval: begin with the start's day.
        for _ in 0..HORIZON_DAYS {
            if !self.holidays.contains(&date) {
                let day = date.weekday().to_sunday_zero_offset() as u8;
                for iv in self.day(day) {
                    let (Some(a), Some(b)) = (self.instant(date, iv.open), self.instant(date, iv.close)) else {
                        continue;
                    };
                    let from = a.max(start);
                    if from >= b {
                        continue;
                    }
                    let len = b - from;
                    if remaining <= len {
                        return Some(from + remaining);
                    }
                    remaining -= len;
                }
            }
            date = date.checked_add(1.day()).ok()?;
        }
        None
    }

    /// Business seconds between `from` and `to` (0 when `to` is not later).
    pub fn between(&self, from: Micros, to: Micros) -> i64 {
        if to <= from {
            return 0;
        }
        if self.always {
            return (to - from) / 1_000_000;
        }
        let (Some(mut date), Some(last)) = (self.local_date(from), self.local_date(to)) else {
            return 0;
        };
        let mut total: i64 = 0;
        for _ in 0..HORIZON_DAYS {
            if date > last {
                break;
            }
            if !self.holidays.contains(&date) {
                let day = date.weekday().to_sunday_zero_offset() as u8;
                for iv in self.day(day) {
                    if let (Some(a), Some(b)) = (self.instant(date, iv.open), self.instant(date, iv.close)) {
                        let (lo, hi) = (a.max(from), b.min(to));
                        if hi > lo {
                            total += hi - lo;
                        }
                    }
                }
            }
            let Ok(next) = date.checked_add(1.day()) else { break };
            date = next;
        }
        total / 1_000_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str, tz: &str) -> Micros {
        let dt: jiff::civil::DateTime = s.parse().unwrap();
        dt.to_zoned(TimeZone::get(tz).unwrap())
            .unwrap()
            .timestamp()
            .as_microsecond()
    }

    fn weekdays(open: &str, close: &str) -> Vec<(u8, Interval)> {
        (1..=5)
            .map(|d| {
                (
                    d,
                    Interval {
                        open: parse_clock(open).unwrap(),
                        close: parse_clock(close).unwrap(),
                    },
                )
            })
            .collect()
    }

    const H: i64 = 3600;

    #[test]
    fn clocks() {
        assert_eq!(parse_clock("09:30"), Some(570));
        assert_eq!(parse_clock("9:05"), Some(545));
        assert_eq!(parse_clock("24:00"), Some(1440));
        assert_eq!(parse_clock("24:01"), None);
        assert_eq!(parse_clock("12:60"), None);
        assert_eq!(parse_clock("noon"), None);
        assert_eq!(clock(570), "09:30");
    }

    #[test]
    fn always_adds_plain_seconds() {
        let c = Calendar::always(TimeZone::UTC);
        assert_eq!(c.add(1_000_000, 60), Some(61_000_000));
        assert!(c.is_open(0));
    }

    #[test]
    fn a_threshold_waits_over_the_night_and_the_weekend() {
        let tz = "Europe/Berlin";
        let c = Calendar::new(TimeZone::get(tz).unwrap(), &weekdays("09:00", "17:00"), []).unwrap();
        // Friday 16:00 + 2 h: one hour on Friday, one on Monday.
        let start = at("2026-12-04T16:00", tz);
        assert_eq!(c.add(start, 2 * H), Some(at("2026-12-07T10:00", tz)));
        // Starting in the night: the clock starts at opening.
        assert_eq!(
            c.add(at("2026-12-08T03:00", tz), 30 * 60),
            Some(at("2026-12-08T09:30", tz))
        );
        // Exactly the day's length ends at closing.
        assert_eq!(
            c.add(at("2026-12-08T09:00", tz), 8 * H),
            Some(at("2026-12-08T17:00", tz))
        );
        assert!(c.is_open(at("2026-12-08T09:00", tz)));
        assert!(!c.is_open(at("2026-12-08T17:00", tz)));
        assert!(!c.is_open(at("2026-12-06T12:00", tz)), "Sunday");
        assert_eq!(c.between(start, at("2026-12-07T10:00", tz)), 2 * H);
    }

    #[test]
    fn split_days_and_holidays() {
        let tz = "America/Sao_Paulo";
        let mut days = weekdays("09:00", "12:00");
        days.extend(weekdays("13:00", "18:00"));
        let christmas = parse_day("2026-12-25").unwrap();
        let c = Calendar::new(TimeZone::get(tz).unwrap(), &days, [christmas]).unwrap();
        // 11:00 + 2 h: one before lunch, one after.
        assert_eq!(
            c.add(at("2026-12-22T11:00", tz), 2 * H),
            Some(at("2026-12-22T14:00", tz))
        );
        assert!(!c.is_open(at("2026-12-22T12:30", tz)), "lunch");
        // Thursday 17:00 + 2 h skips Christmas Friday and the weekend.
        assert_eq!(
            c.add(at("2026-12-24T17:00", tz), 2 * H),
            Some(at("2026-12-28T10:00", tz))
        );
        assert!(!c.is_open(at("2026-12-25T10:00", tz)));
    }

    #[test]
    fn clock_changes_count_the_hours_the_day_had() {
        let tz = "America/New_York";
        // Open all day every day: the spring-forward Sunday has 23 hours.
        let all: Vec<(u8, Interval)> = (0..7).map(|d| (d, Interval { open: 0, close: 1440 })).collect();
        let c = Calendar::new(TimeZone::get(tz).unwrap(), &all, []).unwrap();
        let start = at("2026-03-08T00:00", tz);
        assert_eq!(c.add(start, 23 * H), Some(at("2026-03-09T00:00", tz)));
        assert_eq!(c.between(start, at("2026-03-09T00:00", tz)), 23 * H);
        // The fall-back Sunday has 25.
        let start = at("2026-11-01T00:00", tz);
        assert_eq!(c.add(start, 25 * H), Some(at("2026-11-02T00:00", tz)));

        // Nine to five over the change: Friday 16:00 EST + 2 business hours
        // is Monday 10:00 EDT, 65 real hours later, not 66.
        let c = Calendar::new(TimeZone::get(tz).unwrap(), &weekdays("09:00", "17:00"), []).unwrap();
        let friday = at("2026-03-06T16:00", tz);
        let due = c.add(friday, 2 * H).unwrap();
        assert_eq!(due, at("2026-03-09T10:00", tz));
        assert_eq!((due - friday) / 1_000_000, 65 * H);
    }

    #[test]
    fn bad_weeks_are_refused() {
        let tz = TimeZone::UTC;
        let overlap = [
            (1, Interval { open: 540, close: 720 }),
            (1, Interval { open: 700, close: 800 }),
        ];
        assert!(Calendar::new(tz.clone(), &overlap, []).is_err());
        assert!(Calendar::new(tz.clone(), &[(7, Interval { open: 0, close: 60 })], []).is_err());
        assert!(Calendar::new(tz.clone(), &[(1, Interval { open: 60, close: 60 })], []).is_err());
        // A week with no open time never reaches a due time.
        let closed = Calendar::new(tz, &[], []).unwrap();
        assert_eq!(closed.add(0, 60), None);
    }
}
