//! An inbox's business hours, kept in its settings: `business_hours`
//! (`{intervals: [{day_of_week, open: "09:00", close: "12:30"}], holidays:
//! [{date: "2026-12-25", name}]}`) beside Chatwoot's `working_hours` (one
//! interval a day), `timezone` and `working_hours_enabled`.
//!
//! The two stay in step: writing `business_hours` rewrites `working_hours`
//! (each day from its first opening to its last closing, so a Chatwoot
//! client shows the day's span), and a Chatwoot client writing
//! `working_hours` replaces the intervals with one a day, keeping the
//! holidays. The calendar ([`calendar`]) is what SLA clocks and the
//! out-of-office reply read; an inbox without `working_hours_enabled`
//! works around the clock.

use jiff::tz::TimeZone;
use serde_json::{Map, Value, json};
use switchboard_domain::calendar::{self, Calendar, Interval};
use switchboard_domain::rules::{self, WorkingDay};
use switchboard_store::Inbox;

use crate::{CoreError, CoreResult};

const KEY: &str = "business_hours";
/// The most characters of a holiday's name.
const MAX_HOLIDAY_NAME: usize = 100;

fn invalid(message: impl Into<String>) -> CoreError {
    CoreError::invalid(KEY, format!("business_hours {}", message.into()))
}

/// Intervals of a Chatwoot week.
fn from_working_hours(days: &[WorkingDay]) -> Vec<(u8, Interval)> {
    let mut out = Vec::new();
    for d in days {
        if d.closed_all_day || d.day_of_week > 6 {
            continue;
        }
        if d.open_all_day {
            out.push((
                d.day_of_week,
                Interval {
                    open: 0,
                    close: calendar::DAY_MINUTES,
                },
            ));
            continue;
        }
        let open = u32::from(d.open_hour.unwrap_or(0)) * 60 + u32::from(d.open_minutes.unwrap_or(0));
        let close = u32::from(d.close_hour.unwrap_or(24)) * 60 + u32::from(d.close_minutes.unwrap_or(0));
        let close = close.min(calendar::DAY_MINUTES);
        if open < close {
            out.push((d.day_of_week, Interval { open, close }));
        }
    }
    out
}

fn intervals_json(days: &[(u8, Interval)]) -> Value {
    let mut sorted = days.to_vec();
    sorted.sort();
    Value::Array(
        sorted
            .iter()
            .map(|(d, iv)| {
                json!({
                    "day_of_week": d,
                    "open": calendar::clock(iv.open),
                    "close": calendar::clock(iv.close),
                })
            })
            .collect(),
    )
}

/// Chatwoot's `working_hours` for a week of intervals.
fn working_hours_json(days: &[(u8, Interval)]) -> Value {
    Value::Array(
        (0u8..7)
            .map(|d| {
                let mut mine: Vec<&Interval> = days.iter().filter(|(x, _)| *x == d).map(|(_, iv)| iv).collect();
                mine.sort();
                match (mine.first(), mine.last()) {
                    (Some(first), Some(last)) => {
                        let all_day = first.open == 0 && last.close >= calendar::DAY_MINUTES && mine.len() == 1;
                        json!({
                            "day_of_week": d,
                            "closed_all_day": false,
                            "open_all_day": all_day,
                            "open_hour": first.open / 60,
                            "open_minutes": first.open % 60,
                            "close_hour": last.close / 60,
                            "close_minutes": last.close % 60,
                        })
                    }
                    _ => json!({
                        "day_of_week": d,
                        "closed_all_day": true,
                        "open_all_day": false,
                        "open_hour": null,
                        "open_minutes": null,
                        "close_hour": null,
                        "close_minutes": null,
                    }),
                }
            })
            .collect(),
    )
}

/// A week's intervals (day of week, interval) and the named holidays.
type Week = (Vec<(u8, Interval)>, Vec<(jiff::civil::Date, String)>);

/// Reads `{intervals, holidays}`, refusing what is not a calendar.
fn read(v: &Value) -> CoreResult<Week> {
    let Some(o) = v.as_object() else {
        return Err(invalid("must be an object"));
    };
    let mut days = Vec::new();
    match o.get("intervals") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for item in list {
                let day = item
                    .get("day_of_week")
                    .and_then(|d| d.as_u64().or_else(|| d.as_str().and_then(|s| s.parse().ok())))
                    .filter(|d| *d <= 6)
                    .ok_or_else(|| invalid("has an interval without a day_of_week from 0 to 6"))?;
                let clock = |k: &str| {
                    item.get(k)
                        .and_then(Value::as_str)
                        .and_then(calendar::parse_clock)
                        .ok_or_else(|| invalid(format!("has an interval whose {k} is not a time like 09:30")))
                };
                let (open, close) = (clock("open")?, clock("close")?);
                days.push((day as u8, Interval { open, close }));
            }
        }
        Some(_) => return Err(invalid("intervals must be a list")),
    }
    let mut holidays = Vec::new();
    match o.get("holidays") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for item in list {
                let (date, name) = match item {
                    Value::String(s) => (s.as_str(), ""),
                    Value::Object(h) => (
                        h.get("date").and_then(Value::as_str).unwrap_or(""),
                        h.get("name").and_then(Value::as_str).unwrap_or(""),
                    ),
                    _ => ("", ""),
                };
                let date = calendar::parse_day(date)
                    .ok_or_else(|| invalid("has a holiday whose date is not like 2026-12-25"))?;
                if name.chars().count() > MAX_HOLIDAY_NAME {
                    return Err(invalid("has a holiday name that is too long"));
                }
                if !holidays.iter().any(|(d, _)| *d == date) {
                    holidays.push((date, name.trim().to_string()));
                }
            }
        }
        Some(_) => return Err(invalid("holidays must be a list")),
    }
    Calendar::new(TimeZone::UTC, &days, holidays.iter().map(|(d, _)| *d)).map_err(|e| invalid(e.0))?;
    holidays.sort();
    Ok((days, holidays))
}

fn holidays_json(holidays: &[(jiff::civil::Date, String)]) -> Value {
    Value::Array(
        holidays
            .iter()
            .map(|(d, n)| json!({ "date": d.to_string(), "name": n }))
            .collect(),
    )
}

/// Keeps `business_hours` and `working_hours` of inbox settings in step
/// after an update (`given_*`: which of the two the request named).
pub(crate) fn reconcile(
    settings: &mut Map<String, Value>,
    given_business: bool,
    given_working: bool,
) -> CoreResult<()> {
    if given_business {
        let Some(v) = settings.get(KEY).cloned() else {
            return Ok(());
        };
        let (days, holidays) = read(&v)?;
        settings.insert(
            KEY.into(),
            json!({ "intervals": intervals_json(&days), "holidays": holidays_json(&holidays) }),
        );
        settings.insert("working_hours".into(), working_hours_json(&days));
    } else if given_working {
        let week: Vec<WorkingDay> = match settings.get("working_hours") {
            Some(v @ Value::Array(_)) => serde_json::from_value(v.clone()).unwrap_or_default(),
            _ => Vec::new(),
        };
        let holidays = settings
            .get(KEY)
            .and_then(|b| b.get("holidays"))
            .cloned()
            .unwrap_or(json!([]));
        let days = from_working_hours(&week);
        settings.insert(
            KEY.into(),
            json!({ "intervals": intervals_json(&days), "holidays": holidays }),
        );
    }
    Ok(())
}

/// The inbox's zone (UTC when unset or unknown).
pub fn time_zone(inbox: &Inbox) -> TimeZone {
    inbox
        .settings
        .get("timezone")
        .and_then(Value::as_str)
        .and_then(|z| TimeZone::get(z).ok())
        .unwrap_or(TimeZone::UTC)
}

/// When the inbox's team works: its intervals and holidays in its zone;
/// around the clock when it keeps no working hours.
pub fn calendar(inbox: &Inbox) -> Calendar {
    let tz = time_zone(inbox);
    if !inbox.setting_bool("working_hours_enabled", false) {
        return Calendar::always(tz);
    }
    let parsed = inbox.settings.get(KEY).and_then(|v| read(v).ok());
    let (days, holidays) = match parsed {
        Some((days, holidays)) if !days.is_empty() || !holidays.is_empty() => (days, holidays),
        _ => {
            let week: Vec<WorkingDay> = match inbox.settings.get("working_hours") {
                Some(v @ Value::Array(a)) if !a.is_empty() => {
                    serde_json::from_value(v.clone()).unwrap_or_else(|_| rules::default_working_week())
                }
                _ => rules::default_working_week(),
            };
            (from_working_hours(&week), Vec::new())
        }
    };
    Calendar::new(tz.clone(), &days, holidays.into_iter().map(|(d, _)| d)).unwrap_or_else(|_| Calendar::always(tz))
}

/// The inbox's `business_hours` as shown (built from `working_hours` for
/// an inbox that never had one).
pub fn shown(settings: &Value) -> Value {
    if let Some(v) = settings.get(KEY).filter(|v| v.is_object()) {
        return v.clone();
    }
    let week: Vec<WorkingDay> = match settings.get("working_hours") {
        Some(v @ Value::Array(a)) if !a.is_empty() => serde_json::from_value(v.clone()).unwrap_or_default(),
        _ => rules::default_working_week(),
    };
    json!({ "intervals": intervals_json(&from_working_hours(&week)), "holidays": [] })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_hours_rewrite_working_hours_and_back() {
        let mut s = Map::new();
        s.insert(
            KEY.into(),
            json!({"intervals": [
                {"day_of_week": 1, "open": "13:00", "close": "18:00"},
                {"day_of_week": 1, "open": "09:00", "close": "12:00"},
                {"day_of_week": 0, "open": "00:00", "close": "24:00"}
            ], "holidays": ["2026-12-25", {"date": "2026-01-01", "name": "New year"}]}),
        );
        reconcile(&mut s, true, false).unwrap();
        let wh = s["working_hours"].as_array().unwrap();
        assert_eq!(wh[1]["open_hour"], 9);
        assert_eq!(wh[1]["close_hour"], 18);
        assert_eq!(wh[0]["open_all_day"], true);
        assert_eq!(wh[2]["closed_all_day"], true);
        assert_eq!(s[KEY]["holidays"][0]["date"], "2026-01-01");
        assert_eq!(s[KEY]["intervals"][1]["open"], "09:00");

        // A Chatwoot client writes working_hours: one interval a day, the
        // holidays stay.
        s.insert(
            "working_hours".into(),
            json!([{"day_of_week": 2, "open_hour": 8, "open_minutes": 30, "close_hour": 16, "close_minutes": 0}]),
        );
        reconcile(&mut s, false, true).unwrap();
        assert_eq!(
            s[KEY]["intervals"],
            json!([{"day_of_week": 2, "open": "08:30", "close": "16:00"}])
        );
        assert_eq!(s[KEY]["holidays"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn bad_calendars_are_refused() {
        for bad in [
            json!("9 to 5"),
            json!({"intervals": [{"day_of_week": 7, "open": "09:00", "close": "10:00"}]}),
            json!({"intervals": [{"day_of_week": 1, "open": "10:00", "close": "09:00"}]}),
            json!({"intervals": [{"day_of_week": 1, "open": "9am", "close": "10:00"}]}),
            json!({"intervals": [
                {"day_of_week": 1, "open": "09:00", "close": "11:00"},
                {"day_of_week": 1, "open": "10:00", "close": "12:00"}
            ]}),
            json!({"holidays": ["Christmas"]}),
            json!({"intervals": "all"}),
        ] {
            let mut s = Map::new();
            s.insert(KEY.into(), bad.clone());
            assert!(reconcile(&mut s, true, false).is_err(), "{bad}");
        }
    }
}
