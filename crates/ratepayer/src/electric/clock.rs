//! Where each interval of a series falls on the utility's local clock: a
//! series in local time is read as written; a series of UTC instants (or a
//! local one given with a time zone) is cut into runs between clock changes,
//! each run with the local time of its first interval (wall-clock time with
//! daylight saving, or standard time all year).

use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, Offset, TimeZone, Timelike, Utc};
use chrono_tz::{OffsetComponents, Tz};

use super::interval::IntervalSeries;
use super::tariff::Clock;
use super::ElectricError;

/// Consecutive intervals read at one UTC offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Run {
    /// Index of the first interval.
    pub first: usize,
    /// Number of intervals.
    pub len: usize,
    /// Local clock time of the first interval.
    pub local: NaiveDateTime,
}

fn series_error(msg: String) -> ElectricError {
    ElectricError::Series(msg)
}

/// The UTC instant of the series' first interval, when it has one.
fn start_instant(
    series: &IntervalSeries,
    zone: Tz,
    clock: Clock,
) -> Result<DateTime<Utc>, ElectricError> {
    if series.is_utc() {
        return Ok(series.start().and_utc());
    }
    let local = series.start();
    match clock {
        Clock::Standard => {
            let base = zone
                .offset_from_utc_datetime(&local)
                .base_utc_offset()
                .num_seconds();
            Ok((local - Duration::seconds(base)).and_utc())
        }
        Clock::WallClock => match zone.from_local_datetime(&local) {
            chrono::LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
            chrono::LocalResult::Ambiguous(_, _) => Err(series_error(format!(
                "it starts at {local}, which happens twice in {zone} (the clock goes back); write the timestamps with their UTC offset"
            ))),
            chrono::LocalResult::None => Err(series_error(format!(
                "it starts at {local}, which does not exist in {zone} (the clock goes forward); start at a time that exists, or write the timestamps with their UTC offset"
            ))),
        },
    }
}

fn offset_at(zone: Tz, clock: Clock, t: DateTime<Utc>) -> FixedOffset {
    let o = zone.offset_from_utc_datetime(&t.naive_utc());
    match clock {
        Clock::WallClock => o.fix(),
        Clock::Standard => {
            FixedOffset::east_opt(i32::try_from(o.base_utc_offset().num_seconds()).unwrap_or(0))
                .unwrap_or_else(|| Utc.fix())
        }
    }
}

/// The runs of `series` on the local clock of `zone` under `clock`; without
/// a zone, a local series is one run as written and a UTC one is refused.
pub(super) fn runs(
    series: &IntervalSeries,
    zone: Option<Tz>,
    clock: Clock,
) -> Result<Vec<Run>, ElectricError> {
    let n = series.len();
    let Some(zone) = zone else {
        if series.is_utc() {
            return Err(series_error(format!(
                "its timestamps are instants (written with `Z` or a UTC offset, the first {}Z) and no time zone is known; give the utility's time zone (the profile's time_zone, or --time-zone)",
                series.start()
            )));
        }
        return Ok(vec![Run {
            first: 0,
            len: n,
            local: series.start(),
        }]);
    };
    let start = start_instant(series, zone, clock)?;
    let step = i64::from(series.step_minutes());
    let at = |i: usize| start + Duration::minutes(step * i as i64);
    let local_of = |i: usize, off: FixedOffset| {
        at(i).naive_utc() + Duration::seconds(i64::from(off.local_minus_utc()))
    };
    let check = |local: NaiveDateTime| -> Result<(), ElectricError> {
        if local.second() != 0 || i64::from(local.minute()) % step != 0 {
            return Err(series_error(format!(
                "in {zone}, an interval starts at {local} local time, off the {step}-minute boundaries (the clock changes by part of an interval); give shorter intervals, or bill the tariff in standard time"
            )));
        }
        Ok(())
    };
    let per_day = usize::try_from(1440 / step.max(1)).unwrap_or(1).max(1);
    let mut out = Vec::new();
    let mut first = 0usize;
    let mut off = offset_at(zone, clock, at(0));
    while first < n {
        // Look a day ahead at a time; bisect where the offset changed (clock
        // changes are months apart, so at most one lies within a day).
        let mut lo = first;
        let mut end = n;
        loop {
            let p = (lo + per_day).min(n - 1);
            if p == lo {
                break;
            }
            if offset_at(zone, clock, at(p)) != off {
                let mut hi = p;
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if offset_at(zone, clock, at(mid)) == off {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                end = hi;
                break;
            }
            lo = p;
        }
        let local = local_of(first, off);
        check(local)?;
        out.push(Run {
            first,
            len: end - first,
            local,
        });
        if end < n {
            off = offset_at(zone, clock, at(end));
        }
        first = end;
    }
    Ok(out)
}
