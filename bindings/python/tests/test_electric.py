"""Electric billing from Python: URDB import with its unused fields, a year
prepared once, consumption bills, and bills of customers who generate under
SAM's metering options, checked against SAM's own monthly bills."""

from __future__ import annotations

import json
import math
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

import ratepayer
from conftest import REPO

DATA = REPO / "crates" / "ratepayer" / "tests" / "data" / "sam_generation"
JAN_1 = datetime(2029, 1, 1)


def column(name: str) -> list[float]:
    lines = (DATA / "loads" / name).read_text().split()
    assert lines[0] == "kwh"
    return [float(v) for v in lines[1:]]


def cases() -> list[Path]:
    """The SAM generation cases the Python surface can state (no rollover,
    expiry or same-month credit flags)."""
    out = []
    for path in sorted((DATA / "cases").glob("*.json")):
        case = json.loads(path.read_text())
        settings = case.get("ssc_settings", {})
        flags = ("ur_nm_credit_rollover", "ur_nb_credit_expire", "ur_nb_apply_credit_current_month")
        if any(settings.get(f, 0) == 1 for f in flags):
            continue
        out.append(path)
    return out


@pytest.mark.parametrize("path", cases(), ids=lambda p: p.stem)
def test_generation_bills_match_sam_within_a_cent(path: Path) -> None:
    case = json.loads(path.read_text())
    tariff = ratepayer.ElectricTariff.from_urdb(json.dumps(case["tariff"]), id=case["name"])
    assert tariff.unused == []
    year = tariff.prepare(2029)
    settings = case.get("ssc_settings", {})
    months = year.bill_generation(
        column(case["load"]),
        column(case["generation"]),
        start=JAN_1,
        metering=case["metering"],
        year_end_sell_rate=str(case["year_end_sell_rate"]) if "year_end_sell_rate" in case else None,
        true_up_month=settings["ur_nm_credit_month"] + 1 if "ur_nm_credit_month" in settings else None,
        sam=True,
    )
    assert [m.month for m in months] == list(range(1, 13))
    tol = Decimal(str(case["tolerance_usd"]))
    for m, month in zip(range(12), months):
        want = Decimal(str(case["expected"]["monthly_bill"][m]))
        assert isinstance(month.total, Decimal)
        assert abs(month.total - want) <= tol, (case["name"], m + 1, month.total, want)
        assert month.total == month.bill.total
        # The lines add up to the bill (only the total is rounded).
        assert round(sum((line.amount for line in month.lines), Decimal(0)), 2) == month.total


def test_consumption_bills_equal_generation_bills_without_generation() -> None:
    case = json.loads((DATA / "cases" / "custom_nb_res3p.json").read_text())
    year = ratepayer.ElectricTariff.from_urdb(json.dumps(case["tariff"])).prepare(2029)
    load = column(case["load"])
    consumption = year.bill(load, start=JAN_1, interval_minutes=60)
    assert len(consumption) == 12
    totals = {}
    for metering in ("net_metering", "net_metering_dollar", "net_billing",
                     "net_billing_carryover", "buy_all_sell_all"):
        generation = year.bill_generation(load, [0] * len(load), start=JAN_1, metering=metering)
        totals[metering] = [g.total for g in generation]
        assert all(g.export_credit == 0 and g.credit_out == 0 for g in generation)
    # Net metering splits a month's kWh into tiers pro rata, as consumption
    # bills do; net billing and buy-all/sell-all fill the tiers hour by hour
    # (SAM's rule), which prices a TOU month with tiers differently, the
    # same way for the three.
    assert totals["net_metering"] == totals["net_metering_dollar"] == [c.total for c in consumption]
    assert totals["net_billing"] == totals["net_billing_carryover"] == totals["buy_all_sell_all"]
    assert totals["net_billing"] != totals["net_metering"]
    first = consumption[0]
    # Each value is kept to the micro-kWh (half-even), then summed.
    micro = Decimal("0.000001")
    assert first.kwh == sum((Decimal(str(v)).quantize(micro) for v in load[:744]), Decimal(0))
    assert first.peak_kw >= 0 and first.billing_demand_kw >= first.peak_kw


def test_values_may_be_decimal_str_int_or_float_but_not_nan() -> None:
    case = json.loads((DATA / "cases" / "custom_nb_res3p.json").read_text())
    year = ratepayer.ElectricTariff.from_urdb(json.dumps(case["tariff"])).prepare(2029)
    hours = 31 * 24
    as_float = year.bill([0.5] * hours, start=JAN_1)
    as_text = year.bill(["0.5"] * hours, start=JAN_1)
    as_decimal = year.bill([Decimal("0.5")] * hours, start=JAN_1)
    assert as_float[0].total == as_text[0].total == as_decimal[0].total
    assert as_float[0].kwh == Decimal("372")
    with pytest.raises(ratepayer.BillError) as nan:
        year.bill([0.5] * 10 + [math.nan] + [0.5] * (hours - 11), start=JAN_1)
    assert nan.value.code == "electric.series" and "kwh[10]" in nan.value.message
    with pytest.raises(ratepayer.BillError) as negative:
        year.bill([-1] * hours, start=JAN_1)
    assert negative.value.code == "electric.series"
    with pytest.raises(ratepayer.BillError) as outside:
        year.bill([1] * hours, start=datetime(2030, 1, 1))
    assert outside.value.code == "electric.outside_year"


def test_numpy_arrays_bill_as_their_values() -> None:
    """An array of meter data is read in one copy (not a Python object per
    value) and bills exactly as the same values given one by one; NaN,
    negative values and a 2-D array are refused naming what is wrong."""
    np = pytest.importorskip("numpy")
    case = json.loads((DATA / "cases" / "custom_nb_res3p.json").read_text())
    year = ratepayer.ElectricTariff.from_urdb(json.dumps(case["tariff"])).prepare(2029)
    load = column(case["load"])
    from_list = year.bill(load, start=JAN_1)
    for array in (
        np.array(load),
        np.array(load, dtype=np.float32).astype(np.float64),
        np.array(load)[::-1][::-1],  # a view with a negative stride, made contiguous
    ):
        months = year.bill(array, start=JAN_1)
        assert [(m.total, m.kwh, m.peak_kw, m.billing_demand_kw) for m in months] == [
            (m.total, m.kwh, m.peak_kw, m.billing_demand_kw) for m in from_list
        ]
        assert [[(l.description, l.amount) for l in m.lines] for m in months] == [
            [(l.description, l.amount) for l in m.lines] for m in from_list
        ]
    hours = 31 * 24
    ints = year.bill(np.full(hours, 2, dtype=np.int32), start=JAN_1)
    assert ints[0].kwh == Decimal("1488") and ints[0].total == year.bill([2] * hours, start=JAN_1)[0].total
    # Ties of the printed form round half-even to the micro-kWh, as a Decimal does.
    ties = year.bill(np.full(hours, 0.0000025), start=JAN_1)
    assert ties[0].kwh == Decimal("0.000002") * hours
    bad = np.full(hours, 0.5)
    bad[10] = np.nan
    with pytest.raises(ratepayer.BillError) as nan:
        year.bill(bad, start=JAN_1)
    assert nan.value.code == "electric.series" and "kwh[10] is NaN" in nan.value.message
    bad[10] = -1.0
    with pytest.raises(ratepayer.BillError) as negative:
        year.bill(bad, start=JAN_1)
    assert negative.value.code == "electric.series" and "interval 10" in negative.value.message
    with pytest.raises(ratepayer.BillError) as flat:
        year.bill(np.ones((2, hours)), start=JAN_1)
    assert flat.value.code == "electric.series" and "2 dimensions" in flat.value.message
    # An array of Decimals goes value by value, exactly.
    exact = year.bill(np.array([Decimal("0.5")] * hours, dtype=object), start=JAN_1)
    assert exact[0].kwh == Decimal("372")


def test_metering_comes_from_dgrules_or_must_be_given() -> None:
    case = json.loads((DATA / "cases" / "custom_nb_res3p.json").read_text())
    rate = dict(case["tariff"])
    plain = ratepayer.ElectricTariff.from_urdb(json.dumps(rate))
    assert plain.metering is None
    hours = 31 * 24
    with pytest.raises(ratepayer.BillError) as missing:
        plain.prepare(2029).bill_generation([1] * hours, [0] * hours, start=JAN_1)
    assert missing.value.code == "electric.metering" and "net_billing" in missing.value.message
    rate["dgrules"] = "Net Billing Instantaneous"
    tagged = ratepayer.ElectricTariff.from_urdb(json.dumps(rate))
    assert tagged.metering == "net_billing"
    months = tagged.prepare(2029).bill_generation([1] * hours, [2] * hours, start=JAN_1)
    assert months[0].exported_kwh == Decimal(hours) and months[0].imported_kwh == 0
    assert months[0].export_credit > 0
    with pytest.raises(ratepayer.BillError):
        tagged.prepare(2029).bill_generation([1] * hours, [0] * hours, start=JAN_1, metering="net_something")


def test_urdb_errors_and_unused_fields() -> None:
    with pytest.raises(ratepayer.TariffError) as bad:
        ratepayer.ElectricTariff.from_urdb("{not json")
    assert bad.value.code == "tariff.parse"
    case = json.loads((DATA / "cases" / "custom_nb_res3p.json").read_text())
    rate = dict(case["tariff"], coincidentratestructure=[[{"rate": 1}]])
    tariff = ratepayer.ElectricTariff.from_urdb(json.dumps(rate))
    assert any(field.startswith("coincident") for field, _ in tariff.unused)
    with pytest.raises(ratepayer.RatepayerError):
        tariff.prepare(1800)
