"""Issue 16, item 5 through the Python binding: draft dates stay between the
bill date and the due date, a "nearest" New Year on a Saturday closes the
Friday of the year before, impossible holidays are refused, fees round half up
to the cent, a 0 % fee with a minimum discloses it, and fee compliance runs
when a profile loads."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

import ratepayer

PROFILE = """
id = "office"
name = "Office Utility"
time_zone = "America/New_York"
currency = "USD"

[fees]
  [[fees.rules]]
  channels = ["autopay"]
  methods = ["echeck"]
  fee = { model = "none" }

  [[fees.rules]]
  channels = ["online"]
  methods = ["credit_card", "debit_card"]
  fee = { model = "percent_bounded", percent = 0, min = 2.00, max = 10.00 }

  [[fees.rules]]
  channels = ["phone_agent"]
  methods = ["credit_card", "debit_card"]
  fee = { model = "flat", amount = 3.755 }

  [[fees.rules]]
  channels = ["mail"]
  methods = ["check"]
  fee = { model = "none" }

[calendar]
name = "Office"
rules = [{ name = "New Year's Day", month = 1, day = 1, observance = "nearest" }]

[autopay]
calendar = "profile"

  [[autopay.options]]
  name = "Day 15"
  channel = "autopay"
  methods = ["echeck"]
  draft = { rule = "day_of_month", day = 15 }

  [[autopay.options]]
  name = "Thirty before"
  channel = "autopay"
  methods = ["echeck"]
  draft = { rule = "before_due", days = 30, business = true }
"""


@pytest.fixture(scope="module")
def office() -> ratepayer.Profile:
    return ratepayer.Profile.from_toml(PROFILE)


def test_day_15_on_a_bill_due_the_10th_drafts_on_the_due_date(office: ratepayer.Profile) -> None:
    day = office.draft_date("Day 15", bill_date=date(2026, 11, 20), due_date=date(2026, 12, 10))
    assert day == date(2026, 12, 10)


def test_before_30_never_drafts_before_the_bill_date(office: ratepayer.Profile) -> None:
    day = office.draft_date("Thirty before", bill_date=date(2026, 12, 1), due_date=date(2026, 12, 22))
    assert day == date(2026, 12, 1)


def test_no_banking_day_between_bill_and_due_is_refused(office: ratepayer.Profile) -> None:
    with pytest.raises(ratepayer.AutopayError) as e:
        office.draft_date("Day 15", bill_date=date(2026, 12, 5), due_date=date(2026, 12, 6))
    assert e.value.code == "autopay.no_draft_window"


def test_saturday_new_year_closes_friday_of_the_year_before(office: ratepayer.Profile) -> None:
    calendar = office.draft_calendar()
    assert date(2021, 12, 31) in calendar.holidays(2021)
    assert not calendar.is_business_day(date(2021, 12, 31))
    assert calendar.holidays(2022) == []
    assert calendar.is_business_day(date(2022, 12, 30))


def test_30_february_is_refused_naming_the_field() -> None:
    text = PROFILE.replace("month = 1, day = 1", "month = 2, day = 30")
    problems = ratepayer.validate(text)
    assert [p.path for p in problems] == ["calendar.rules[0].day"]
    assert "30 February does not exist" in problems[0].message


def test_fees_round_half_up_and_a_minimum_is_disclosed(office: ratepayer.Profile) -> None:
    q = office.quote_fee(Decimal("100.00"), channel="phone_agent", method="credit_card")
    assert (q.fee, q.total) == (Decimal("3.76"), Decimal("103.76"))
    q = office.quote_fee(Decimal("50.00"), channel="online", method="debit_card")
    assert q.fee == Decimal("2.00")
    assert "No fee" not in q.disclosure and "2.00 USD" in q.disclosure
