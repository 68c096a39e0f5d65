//! The US Federal Reserve (ACH) holiday calendar, computed by rule for any
//! year: eleven holidays, a Sunday holiday observed on the Monday, a Saturday
//! holiday not moved (banks are open that Friday), Juneteenth from 2022 on.

use chrono::{Datelike, NaiveDate, Weekday};

/// A Federal Reserve holiday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FedHoliday {
    /// 1 January.
    NewYearsDay,
    /// Third Monday of January.
    MartinLutherKingJrDay,
    /// Third Monday of February (Washington's Birthday).
    PresidentsDay,
    /// Last Monday of May.
    MemorialDay,
    /// 19 June, from 2022.
    Juneteenth,
    /// 4 July.
    IndependenceDay,
    /// First Monday of September.
    LaborDay,
    /// Second Monday of October.
    ColumbusDay,
    /// 11 November.
    VeteransDay,
    /// Fourth Thursday of November.
    Thanksgiving,
    /// 25 December.
    ChristmasDay,
}

impl FedHoliday {
    /// All eleven, in calendar order.
    pub const ALL: [FedHoliday; 11] = [
        FedHoliday::NewYearsDay,
        FedHoliday::MartinLutherKingJrDay,
        FedHoliday::PresidentsDay,
        FedHoliday::MemorialDay,
        FedHoliday::Juneteenth,
        FedHoliday::IndependenceDay,
        FedHoliday::LaborDay,
        FedHoliday::ColumbusDay,
        FedHoliday::VeteransDay,
        FedHoliday::Thanksgiving,
        FedHoliday::ChristmasDay,
    ];

    /// The holiday's own date in `year` (before any Sunday shift), or `None`
    /// when it did not exist that year (Juneteenth before 2022).
    pub fn date(self, year: i32) -> Option<NaiveDate> {
        use Weekday::{Mon, Thu};
        let fixed = |m, d| NaiveDate::from_ymd_opt(year, m, d);
        let nth = |m, wd, n| NaiveDate::from_weekday_of_month_opt(year, m, wd, n);
        match self {
            FedHoliday::NewYearsDay => fixed(1, 1),
            FedHoliday::MartinLutherKingJrDay => nth(1, Mon, 3),
            FedHoliday::PresidentsDay => nth(2, Mon, 3),
            FedHoliday::MemorialDay => last_weekday_of_month(year, 5, Mon),
            FedHoliday::Juneteenth if year >= 2022 => fixed(6, 19),
            FedHoliday::Juneteenth => None,
            FedHoliday::IndependenceDay => fixed(7, 4),
            FedHoliday::LaborDay => nth(9, Mon, 1),
            FedHoliday::ColumbusDay => nth(10, Mon, 2),
            FedHoliday::VeteransDay => fixed(11, 11),
            FedHoliday::Thanksgiving => nth(11, Thu, 4),
            FedHoliday::ChristmasDay => fixed(12, 25),
        }
    }

    /// The day the Federal Reserve is closed for it in `year`: the holiday's
    /// date, or the Monday after when it falls on a Sunday. A Saturday holiday
    /// closes nothing (`None`): the Friday before is a banking day.
    pub fn observed(self, year: i32) -> Option<NaiveDate> {
        let d = self.date(year)?;
        match d.weekday() {
            Weekday::Sun => d.succ_opt(),
            Weekday::Sat => None,
            _ => Some(d),
        }
    }
}

fn last_weekday_of_month(year: i32, month: u32, wd: Weekday) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(year, month, wd, 5)
        .or_else(|| NaiveDate::from_weekday_of_month_opt(year, month, wd, 4))
}

/// The Federal Reserve holiday on which `day` is a closed weekday, if any.
pub fn fed_holiday_on(day: NaiveDate) -> Option<FedHoliday> {
    // Only holidays in the same year can be observed on `day`: a Sunday
    // 31 December holiday does not exist, and Sunday 1 January moves to 2 January.
    let year = day.year();
    FedHoliday::ALL
        .into_iter()
        .find(|h| h.observed(year) == Some(day))
}

/// Every day the Federal Reserve is closed for a holiday in `year`, in order.
pub fn fed_holidays(year: i32) -> Vec<(NaiveDate, FedHoliday)> {
    FedHoliday::ALL
        .into_iter()
        .filter_map(|h| h.observed(year).map(|d| (d, h)))
        .collect()
}
