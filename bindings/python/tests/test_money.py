"""Money crosses the boundary as decimal.Decimal; a float is refused with
TypeError wherever an exact number is taken."""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratepayer
from conftest import OCTOBER

START, END = OCTOBER


def test_usage_accepts_decimal_int_and_decimal_strings(water: ratepayer.Tariff) -> None:
    totals = {
        str(water.bill(start=START, end=END, usage=u, meter_size="5/8").total)
        for u in (Decimal("7.4"), "7.4", Decimal("7.400"))
    }
    assert totals == {"57.22"}
    assert water.bill(start=START, end=END, usage=7, meter_size="5/8").total == Decimal("54.30")


@pytest.mark.parametrize("bad", [7.4, 7.0, float("nan")])
def test_float_usage_is_refused(water: ratepayer.Tariff, bad: float) -> None:
    with pytest.raises(TypeError, match="float"):
        water.bill(start=START, end=END, usage=bad, meter_size="5/8")


def test_float_is_refused_everywhere_money_goes_in(
    shelby: ratepayer.Profile, water: ratepayer.Tariff
) -> None:
    with pytest.raises(TypeError, match="float"):
        shelby.quote_fee(57.22, channel="online", method="credit_card")
    with pytest.raises(TypeError, match=r"usage\[1\].*float"):
        water.bill_batch([1, 2.5, 3], start=START, end=END, meter_size="5/8")
    with pytest.raises(TypeError, match="float"):
        ratepayer.Read(START, 12.5)
    with pytest.raises(TypeError, match="float"):
        water.bill(start=START, end=END, usage=1, meter_size="5/8", therms_per_ccf=1.037)


def test_bool_and_other_types_are_refused(water: ratepayer.Tariff) -> None:
    with pytest.raises(TypeError, match="bool"):
        water.bill(start=START, end=END, usage=True, meter_size="5/8")
    with pytest.raises(TypeError, match="list"):
        water.bill(start=START, end=END, usage=[1], meter_size="5/8")


def test_amounts_come_back_as_decimal_with_minor_units(water: ratepayer.Tariff) -> None:
    bill = water.bill(start=START, end=END, usage=0, meter_size="5/8")
    assert bill.total == Decimal("13.10")
    assert str(bill.total) == "13.10"
    assert all(isinstance(line.amount, Decimal) for line in bill)
    assert isinstance(bill.usage, Decimal)


def test_strict_strings_are_money_errors(water: ratepayer.Tariff) -> None:
    for text, code in [("1,234", "money.malformed"), ("1e3", "money.invalid_character"),
                       (" 7", "money.malformed"), ("", "money.empty")]:
        with pytest.raises(ratepayer.MoneyError) as e:
            water.bill(start=START, end=END, usage=text, meter_size="5/8")
        assert e.value.code == code, text


def test_non_finite_decimal_is_refused(water: ratepayer.Tariff) -> None:
    with pytest.raises(ratepayer.MoneyError) as e:
        water.bill(start=START, end=END, usage=Decimal("NaN"), meter_size="5/8")
    assert e.value.code == "money.malformed"


def test_parse_money_is_strict() -> None:
    assert ratepayer.parse_money("12.30") == Decimal("12.30")
    assert ratepayer.parse_money("5", currency="JPY") == Decimal("5")
    with pytest.raises(ratepayer.MoneyError) as e:
        ratepayer.parse_money("12.345")
    assert e.value.code == "money.too_many_decimals"
    with pytest.raises(ratepayer.MoneyError) as e:
        ratepayer.parse_money("1", currency="XYZ")
    assert e.value.code == "money.unknown_currency"


def test_fee_amount_with_fractions_of_a_cent_is_refused(shelby: ratepayer.Profile) -> None:
    with pytest.raises(ratepayer.MoneyError) as e:
        shelby.quote_fee(Decimal("57.225"), channel="online", method="credit_card")
    assert e.value.code == "money.too_many_decimals"
