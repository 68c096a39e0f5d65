//! Calendar dates and AutoPay draft dates: ISO dates across the boundary
//! (Kotlin `java.time.LocalDate`, Swift `String`), the Federal Reserve's
//! banking calendar, and the next draft dates of a profile's AutoPay option.

use std::str::FromStr;
use std::sync::OnceLock;

use ratepayer::autopay::{draft_date, BillDates as CoreBillDates};
use ratepayer::calendar::Calendar;

use crate::fees::{Channel, PaymentMethod};
use crate::profile::Profile;
use crate::RatepayerError;

/// A calendar date carried as an ISO 8601 `YYYY-MM-DD` string. Kotlin maps
/// it to `java.time.LocalDate`, Swift keeps the `String`.
pub type IsoDate = chrono::NaiveDate;

uniffi::custom_type!(IsoDate, String, {
    remote,
    lower: |d| d.format("%Y-%m-%d").to_string(),
    try_lift: |s| parse_date(&s).map_err(Into::into),
});

/// Reads an ISO `YYYY-MM-DD` date; anything else raises `RatepayerError.Input`.
pub fn parse_date(s: &str) -> Result<IsoDate, RatepayerError> {
    IsoDate::from_str(s).map_err(|e| {
        RatepayerError::input(
            "input.date",
            format!(
                "`{}` is not a date ({e}); write it as YYYY-MM-DD, for example 2025-10-31",
                s.chars().take(40).collect::<String>()
            ),
        )
    })
}

/// A local clock time without a zone (the utility's local standard time),
/// carried as an ISO 8601 `YYYY-MM-DDTHH:MM[:SS[.fff]]` string; a bare
/// `YYYY-MM-DD` means midnight. Kotlin maps it to `java.time.LocalDateTime`,
/// Swift keeps the `String`. Interval meter data starts at one.
pub type IsoDateTime = chrono::NaiveDateTime;

uniffi::custom_type!(IsoDateTime, String, {
    remote,
    lower: |t| t.format("%Y-%m-%dT%H:%M:%S%.f").to_string(),
    try_lift: |s| parse_date_time(&s).map_err(Into::into),
});

/// Reads an ISO local date-time (`2029-01-01T00:00`, `2029-01-01T00:00:00`,
/// with fractional seconds, or a bare date for midnight); anything else
/// raises `RatepayerError.Input`.
pub fn parse_date_time(s: &str) -> Result<IsoDateTime, RatepayerError> {
    let t = s.trim();
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|f| IsoDateTime::parse_from_str(t, f).ok())
        .or_else(|| IsoDate::from_str(t).ok().map(|d| d.and_time(chrono::NaiveTime::MIN)))
        .ok_or_else(|| {
            RatepayerError::input(
                "input.date_time",
                format!(
                    "`{}` is not a local date-time; write it as YYYY-MM-DDTHH:MM[:SS], for example 2029-01-01T00:00",
                    s.chars().take(40).collect::<String>()
                ),
            )
        })
}

/// The dates of one bill that draft rules read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct BillDates {
    /// When the bill was issued.
    pub bill_date: IsoDate,
    /// When it is due.
    pub due_date: IsoDate,
    /// The draft date printed on the bill, where the utility prints one.
    #[uniffi(default)]
    pub printed_draft_date: Option<IsoDate>,
}

impl From<BillDates> for CoreBillDates {
    fn from(b: BillDates) -> Self {
        CoreBillDates {
            bill_date: b.bill_date,
            due_date: b.due_date,
            printed_draft_date: b.printed_draft_date,
        }
    }
}

/// One AutoPay option a utility offers.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AutopayOption {
    /// Its name, for example `Card AutoPay`.
    pub name: String,
    /// The fee-schedule channel it is priced under.
    pub channel: Channel,
    /// Payment methods it accepts.
    pub methods: Vec<PaymentMethod>,
}

#[uniffi::export]
impl Profile {
    /// The AutoPay options of the utility (empty when it offers none).
    pub fn autopay_options(&self) -> Vec<AutopayOption> {
        self.core()
            .autopay()
            .map(|a| {
                a.options
                    .iter()
                    .map(|o| AutopayOption {
                        name: o.name.clone(),
                        channel: o.channel,
                        methods: o.methods.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The dates AutoPay option `option` drafts `bills` on, one per bill in
    /// order, on the utility's draft calendar (Federal Reserve or its own).
    pub fn next_draft_dates(
        &self,
        option: String,
        bills: Vec<BillDates>,
    ) -> Result<Vec<IsoDate>, RatepayerError> {
        let p = self.core();
        let policy = p.autopay().ok_or_else(|| RatepayerError::Autopay {
            code: "autopay.not_offered".into(),
            detail: format!("the utility profile `{}` has no `[autopay]`", p.id()),
        })?;
        let rule = policy.option(&option)?.draft;
        let calendar = p.draft_calendar()?;
        bills
            .into_iter()
            .map(|b| Ok(draft_date(rule, &b.into(), &calendar)?))
            .collect()
    }
}

/// The Federal Reserve's calendar, built once (it precomputes 151 years of
/// closed days, about 50 µs) and shared by every call.
fn fed() -> &'static Calendar {
    static FED: OnceLock<Calendar> = OnceLock::new();
    FED.get_or_init(Calendar::fed)
}

/// The Federal Reserve's holidays (banks closed) in `year`, in date order.
#[uniffi::export]
pub fn fed_holidays(year: i32) -> Result<Vec<IsoDate>, RatepayerError> {
    if !(1900..=2200).contains(&year) {
        return Err(RatepayerError::input(
            "input.year",
            format!("{year} is outside the supported years 1900 to 2200"),
        ));
    }
    Ok(fed().holidays_in(year))
}

/// True when `day` is a banking day on the Federal Reserve's calendar.
#[uniffi::export]
pub fn is_fed_business_day(day: IsoDate) -> Result<bool, RatepayerError> {
    Ok(fed().is_business_day(day))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> IsoDate {
        parse_date(s).unwrap_or_default()
    }

    #[test]
    fn shelby_card_autopay_drafts_on_the_due_date_rolled_back() {
        let shelby = Profile::builtin("shelby".into());
        let dates = shelby.and_then(|p| {
            p.next_draft_dates(
                "Card AutoPay".into(),
                vec![BillDates {
                    bill_date: d("2026-11-01"),
                    due_date: d("2026-11-26"),
                    printed_draft_date: None,
                }],
            )
        });
        assert_eq!(dates, Ok(vec![d("2026-11-25")]));
    }

    #[test]
    fn local_date_times_read_as_kotlin_and_swift_write_them() {
        let midnight = d("2029-01-01").and_time(chrono::NaiveTime::MIN);
        for text in [
            "2029-01-01T00:00",
            "2029-01-01T00:00:00",
            "2029-01-01T00:00:00.000",
            "2029-01-01",
        ] {
            assert_eq!(parse_date_time(text), Ok(midnight), "{text}");
        }
        for bad in ["2029-01-01 00:00", "2029-13-01T00:00", "01/01/2029", ""] {
            assert!(
                matches!(parse_date_time(bad), Err(RatepayerError::Input { ref code, .. }) if code == "input.date_time"),
                "{bad}"
            );
        }
    }

    #[test]
    fn bad_dates_and_options_are_typed_errors() {
        assert!(matches!(
            parse_date("2026-13-01"),
            Err(RatepayerError::Input { .. })
        ));
        let shelby = Profile::builtin("shelby".into());
        let e = shelby.and_then(|p| p.next_draft_dates("Nope".into(), vec![]));
        assert!(matches!(e, Err(RatepayerError::Autopay { .. })));
    }
}
