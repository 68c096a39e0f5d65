"""The exception hierarchy: every error is a RatepayerError with a stable
machine-readable `.code` and a `.message`; invalid data lists every problem."""

from __future__ import annotations

from datetime import date

import pytest

import ratepayer
from conftest import OCTOBER

START, END = OCTOBER

DOMAIN_ERRORS = [
    ratepayer.ProfileError, ratepayer.TariffError, ratepayer.BillError,
    ratepayer.MoneyError, ratepayer.MeterError, ratepayer.FeeError,
    ratepayer.PasswordPolicyError, ratepayer.RegistrationError,
    ratepayer.CalendarError, ratepayer.AutopayError, ratepayer.StorageError,
]


@pytest.mark.parametrize("cls", DOMAIN_ERRORS, ids=lambda c: c.__name__)
def test_every_error_is_a_ratepayer_error(cls: type) -> None:
    assert issubclass(cls, ratepayer.RatepayerError)
    assert issubclass(cls, Exception)
    assert isinstance(cls.code, str) and cls.code


BROKEN_TARIFF = """
id = "broken"
name = "Broken"
utility = "Nowhere"
service = "water"
currency = "USD"
unit = "kgal"

[[versions]]
label = "v1"
effective_from = 2024-01-01
  [[versions.volumetric]]
  name = "Water usage"
  blocks = [ { up_to = 5, rate = 1.0 }, { from = 4, up_to = 3, rate = 2.0 }, { rate = -1 } ]
"""


def test_invalid_tariff_lists_every_problem() -> None:
    with pytest.raises(ratepayer.TariffError) as e:
        ratepayer.Tariff.from_toml(BROKEN_TARIFF)
    err = e.value
    assert err.code == "tariff.invalid"
    assert len(err.problems) >= 2
    assert all(p.path.startswith("versions[0]") for p in err.problems)
    assert err.message == str(err)
    problems = ratepayer.validate(BROKEN_TARIFF, kind="tariff")
    assert [(p.path, p.message) for p in problems] == [
        (p.path, p.message) for p in err.problems
    ]


def test_unparsable_profile_names_the_place() -> None:
    with pytest.raises(ratepayer.ProfileError) as e:
        ratepayer.Profile.from_toml("id = ")
    assert e.value.code == "profile.parse"
    assert len(e.value.problems) == 1
    problems = ratepayer.validate('{"id": 1}', format="json")
    assert len(problems) == 1 and "id" in problems[0].path + problems[0].message


def test_profile_problems_are_all_reported() -> None:
    text = (ratepayer_repo_profile("shelby")
            .replace('time_zone = "America/New_York"', 'time_zone = "Mars/Olympus"')
            .replace('id = "shelby"', 'id = ""', 1))
    problems = ratepayer.validate(text)
    paths = {p.path for p in problems}
    assert {"id", "time_zone"} <= paths, paths
    with pytest.raises(ratepayer.ProfileError) as e:
        ratepayer.Profile.from_toml(text)
    assert e.value.code == "profile.invalid"
    assert {p.path for p in e.value.problems} == paths


def ratepayer_repo_profile(name: str) -> str:
    from conftest import REPO
    return (REPO / "examples" / "profiles" / f"{name}.toml").read_text()


def test_unknown_ids(shelby: ratepayer.Profile) -> None:
    with pytest.raises(ratepayer.ProfileError) as e:
        ratepayer.Profile.builtin("atlantis")
    assert "shelby" in e.value.message
    with pytest.raises(ratepayer.TariffError) as t:
        shelby.tariff("nope")
    assert t.value.code == "tariff.invalid"
    assert "shelby-water-residential" in str(t.value)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        (dict(usage=1), "bill.meter_size_required"),
        (dict(usage=1, meter_size="9"), "bill.unknown_meter_size"),
        (dict(usage=-1, meter_size="5/8"), "bill.negative_usage"),
        (dict(usage=1, meter_size="5/8", unit="kwh"), "bill.unit"),
        (dict(usage=1, meter_size="5/8", unit="furlong"), "bill.unit"),
        (dict(meter_size="5/8"), "bill.usage_required"),
    ],
)
def test_bill_error_codes(water: ratepayer.Tariff, kwargs: dict, code: str) -> None:
    with pytest.raises(ratepayer.BillError) as e:
        water.bill(start=START, end=END, **kwargs)
    assert e.value.code == code
    assert e.value.message


def test_period_errors(water: ratepayer.Tariff) -> None:
    with pytest.raises(ratepayer.BillError) as e:
        water.bill(start=END, end=START, usage=1, meter_size="5/8")
    assert e.value.code == "bill.period"
    with pytest.raises(ratepayer.BillError) as e:
        water.bill(start=date(1990, 1, 1), end=date(1990, 1, 31), usage=1, meter_size="5/8")
    assert e.value.code == "bill.no_rates"


def test_fee_error_codes(shelby: ratepayer.Profile) -> None:
    cases = [
        (dict(channel="online", method="cash"), "fee.not_accepted"),
        (dict(channel="teleport", method="cash"), "fee.unknown_channel"),
        (dict(channel="online", method="gold"), "fee.unknown_method"),
    ]
    for kwargs, code in cases:
        with pytest.raises(ratepayer.FeeError) as e:
            shelby.quote_fee(10, **kwargs)
        assert e.value.code == code
    with pytest.raises(ratepayer.FeeError) as e:
        shelby.quote_fee(0, channel="online", method="credit_card")
    assert e.value.code == "fee.not_positive"
    with pytest.raises(ratepayer.FeeError) as e:
        shelby.quote_fee(10, channel="online", method="credit_card", accounts=0)
    assert e.value.code == "fee.no_accounts"


def test_calendar_and_autopay_error_codes(shelby: ratepayer.Profile) -> None:
    with pytest.raises(ratepayer.CalendarError) as c:
        ratepayer.Calendar.fed().roll(date(2025, 1, 4), "sideways")  # type: ignore[arg-type]
    assert c.value.code == "calendar.unknown_roll"
    with pytest.raises(ratepayer.AutopayError) as a:
        shelby.draft_date("Card AutoPay", bill_date=date(2025, 2, 1), due_date=date(2025, 1, 1))
    assert a.value.code == "autopay.due_before_bill"
    with pytest.raises(ratepayer.AutopayError) as a:
        shelby.draft_date("Bank draft (City Hall)", bill_date=date(2025, 1, 1),
                          due_date=date(2025, 1, 20))
    assert a.value.code == "autopay.no_printed_draft_date"
    with pytest.raises(ratepayer.AutopayError) as a:
        shelby.draft_date("Carrier pigeon", bill_date=date(2025, 1, 1), due_date=date(2025, 1, 20))
    assert a.value.code == "autopay.invalid_rule"


def test_meter_errors() -> None:
    with pytest.raises(ratepayer.MeterError) as e:
        ratepayer.Meter("m1", unit="gal", dials=0)
    assert e.value.code == "meter.invalid"
    with pytest.raises(ratepayer.MeterError) as e:
        ratepayer.Meter("m1", unit="litre", dials=5)
    assert e.value.code == "meter.unit"


def test_naive_datetime_is_refused(shelby: ratepayer.Profile) -> None:
    from datetime import datetime
    with pytest.raises(TypeError):
        shelby.register(account_number="123", email="a@example.com",
                        now=datetime(2026, 1, 1, 12), accounts=[])
