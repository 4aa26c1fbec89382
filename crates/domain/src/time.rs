//! Time as stored: signed microseconds since the Unix epoch (`i64`), in every
//! backend. Conversions to the wire forms Chatwoot uses live here.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub type Micros = i64;

pub fn now_micros() -> Micros {
    let now = OffsetDateTime::now_utc();
    (now.unix_timestamp_nanos() / 1_000) as i64
}

/// Unix seconds, the form REST and ActionCable use.
pub fn unix_secs(t: Micros) -> i64 {
    t.div_euclid(1_000_000)
}

/// Unix seconds with a fraction (Chatwoot's `updated_at`).
pub fn unix_float(t: Micros) -> f64 {
    t as f64 / 1_000_000.0
}

pub fn from_unix_secs(s: i64) -> Option<Micros> {
    s.checked_mul(1_000_000)
}

/// ISO-8601 in UTC with milliseconds, as Rails renders datetimes
/// (`2026-11-22T10:00:00.000Z`).
pub fn iso(t: Micros) -> String {
    const FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    let dt = OffsetDateTime::from_unix_timestamp_nanos(t as i128 * 1_000).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    dt.format(FORMAT).unwrap_or_default()
}

pub fn parse_iso(s: &str) -> Option<Micros> {
    let dt = OffsetDateTime::parse(s, &Rfc3339).ok()?;
    i64::try_from(dt.unix_timestamp_nanos() / 1_000).ok()
}

/// The start of a calendar day given as `YYYY-MM-DD`, in UTC.
pub fn parse_date(s: &str) -> Option<Micros> {
    const FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
        time::macros::format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(s.trim(), FORMAT).ok()?;
    i64::try_from(d.midnight().assume_utc().unix_timestamp_nanos() / 1_000).ok()
}

/// The bound a date filter compares a timestamp with: a time (see
/// [`from_json`]), or a calendar day (`YYYY-MM-DD`, as Chatwoot's
/// dashboard sends) compared by date as Chatwoot does (`DATE(t) > day`):
/// "after a day" is after its last microsecond, "before a day" is before
/// its first.
pub fn filter_bound(v: &serde_json::Value, after: bool) -> Option<Micros> {
    if let Some(day) = v.as_str().and_then(parse_date) {
        return Some(if after { day + 86_400 * 1_000_000 - 1 } else { day });
    }
    from_json(v)
}

/// A time from JSON: unix seconds (integer, float or numeric string) or an ISO string.
pub fn from_json(v: &serde_json::Value) -> Option<Micros> {
    match v {
        serde_json::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                from_unix_secs(i)
            } else {
                n.as_f64()
                    .filter(|f| f.is_finite() && f.abs() < 1e12)
                    .map(|f| (f * 1_000_000.0) as i64)
            }
        }
        serde_json::Value::String(s) => s.parse::<i64>().ok().and_then(from_unix_secs).or_else(|| parse_iso(s)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_days_bound_date_filters() {
        let day = parse_date("2026-12-01").unwrap();
        assert_eq!(iso(day), "2026-12-01T00:00:00.000Z");
        let v = serde_json::json!("2026-12-01");
        assert_eq!(filter_bound(&v, false), Some(day));
        assert_eq!(filter_bound(&v, true), Some(day + 86_400_000_000 - 1));
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("yesterday"), None);
        let iso_time = serde_json::json!("2026-12-01T10:00:00Z");
        assert_eq!(filter_bound(&iso_time, true), parse_iso("2026-12-01T10:00:00Z"));
    }

    #[test]
    fn conversions() {
        assert_eq!(unix_secs(1_700_000_000_123_456), 1_700_000_000);
        assert_eq!(iso(1_700_000_000_123_456), "2023-11-14T22:13:20.123Z");
        assert_eq!(iso(4_102_444_800_000_000), "2100-01-01T00:00:00.000Z");
        assert_eq!(iso(4_102_444_800_000_000), "2100-01-01T00:00:00.000Z");
        assert_eq!(parse_iso("2023-11-14T22:13:20.123Z"), Some(1_700_000_000_123_000));
        assert_eq!(
            from_json(&serde_json::json!(1_700_000_000)),
            Some(1_700_000_000_000_000)
        );
        assert_eq!(from_json(&serde_json::json!("nope")), None);
        assert_eq!(from_json(&serde_json::json!(i64::MAX)), None);
    }
}
