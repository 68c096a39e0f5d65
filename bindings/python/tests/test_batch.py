"""The back-office batch: many accounts at once from lists, iterables or
columns; totals as an int64 array of minor units, Decimals on demand; the GIL
is released while the rows are billed."""

from __future__ import annotations

import array
import sys
import threading
import time
from datetime import date
from decimal import Decimal

import pytest

import ratepayer
from conftest import OCTOBER

START, END = OCTOBER


def single(water: ratepayer.Tariff, usage: object, size: str = "5/8") -> Decimal:
    return water.bill(start=START, end=END, usage=usage, unit="gal", meter_size=size).total


def test_batch_matches_single_bills(water: ratepayer.Tariff) -> None:
    usages = [0, 1, 1999, 2000, 7400, 12_000, 12_001, 25_000, 99_999]
    result = water.bill_batch(usages, start=START, end=END, unit="gal", meter_size="5/8")
    assert len(result) == len(usages)
    assert result.totals() == [single(water, u) for u in usages]
    assert isinstance(result.totals_minor, array.array)
    assert result.totals_minor.typecode == "q"
    assert list(result.totals_minor) == [int(t * 100) for t in result.totals()]
    assert result.minor_units == 2 and result.currency == "USD"
    assert result[4] == Decimal("57.22") and result[-1] == result.totals()[-1]
    assert result.sum() == sum(result.totals(), Decimal(0))
    assert result.ok == [True] * len(usages) and result.errors == []


def test_inputs_from_iterables_decimals_strings_and_per_row_columns(
    water: ratepayer.Tariff,
) -> None:
    sizes = ["5/8", "2", "1", "5/8"]
    usages = [7400, Decimal("25000"), "12000.5", 3]
    result = water.bill_batch((u for u in usages), start=[START] * 4, end=[END] * 4,
                              unit="gal", meter_size=iter(sizes))
    assert result.totals() == [single(water, u, s) for u, s in zip(usages, sizes)]


def test_columns(water: ratepayer.Tariff) -> None:
    cols = {"usage": [7400, 25_000], "meter_size": ["5/8", "2"],
            "start": [START, date(2025, 9, 1)], "end": [END, date(2025, 9, 30)]}
    result = water.bill_columns(cols, unit="gal")
    assert result.totals() == [
        single(water, 7400),
        water.bill(start=date(2025, 9, 1), end=date(2025, 9, 30), usage=25_000, unit="gal",
                   meter_size="2").total,
    ]
    with pytest.raises(KeyError):
        water.bill_columns({"meter_size": ["5/8"]}, start=START, end=END)
    out = result.columns()
    assert list(out["total_minor"]) == list(result.totals_minor) and out["ok"] == [True, True]


def test_mismatched_lengths_and_missing_period(water: ratepayer.Tariff) -> None:
    with pytest.raises(ValueError, match="meter_size"):
        water.bill_batch([1, 2], start=START, end=END, meter_size=["5/8"])
    with pytest.raises(ValueError, match="start"):
        water.bill_columns({"usage": [1]}, end=END)
    with pytest.raises(ValueError, match="errors"):
        water.bill_batch([1], start=START, end=END, meter_size="5/8",
                         errors="ignore")  # type: ignore[arg-type]


def test_errors_raise_with_the_row_or_are_collected(water: ratepayer.Tariff) -> None:
    sizes = ["5/8", "9", "5/8", None]
    with pytest.raises(ratepayer.BillError) as e:
        water.bill_batch([1, 2, 3, 4], start=START, end=END, meter_size=sizes)
    assert e.value.code == "bill.unknown_meter_size" and e.value.row == 1
    result = water.bill_batch([1, 2, 3, 4], start=START, end=END, meter_size=sizes,
                              errors="collect")
    assert result.ok == [True, False, True, False]
    assert [(row, code) for row, code, _ in result.errors] == [
        (1, "bill.unknown_meter_size"), (3, "bill.meter_size_required")]
    assert result[1] is None and result.totals_minor[1] == 0
    assert "2 failed" in repr(result)


def test_empty_batch(water: ratepayer.Tariff) -> None:
    result = water.bill_batch([], start=START, end=END, meter_size="5/8")
    assert len(result) == 0 and result.sum() == Decimal(0)


def test_pandas_is_optional_but_accepted(water: ratepayer.Tariff) -> None:
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"usage": [7400, 0], "meter_size": ["5/8", "5/8"]})
    result = water.bill_columns(df, start=START, end=END, unit="gal")
    assert result.totals() == [Decimal("57.22"), Decimal("13.10")]
    out = pd.DataFrame(result.columns())
    assert list(out["total_minor"]) == [5722, 1310]


class _ArrowLike:
    """A column with `to_pylist()`, as pyarrow arrays have."""

    def __init__(self, values: list[object]) -> None:
        self.values = values

    def to_pylist(self) -> list[object]:
        return list(self.values)


def test_columns_with_tolist_or_to_pylist(water: ratepayer.Tariff) -> None:
    result = water.bill_columns({"usage": _ArrowLike([7400, 0]),
                                 "meter_size": _ArrowLike(["5/8", "5/8"])},
                                start=START, end=END, unit="gal")
    assert result.totals() == [Decimal("57.22"), Decimal("13.10")]


def test_the_gil_is_released_during_a_batch(water: ratepayer.Tariff) -> None:
    """Another Python thread keeps running while the rows are billed.

    A ticker thread records the time of each of its loop turns. While the
    batch holds the interpreter (converting inputs at the start, building the
    result at the end) the ticker cannot run; while the rows are billed, the
    bulk of the call, it can. So ticks must land in the middle of the call.
    (Without the release, ticks land only at its very start and end.)
    """
    n = 300_000
    usages = [i % 30_000 for i in range(n)]
    ticks: list[float] = []
    stop = threading.Event()

    def ticker() -> None:
        while not stop.is_set():
            ticks.append(time.perf_counter())

    old = sys.getswitchinterval()
    sys.setswitchinterval(0.001)
    t = threading.Thread(target=ticker)
    t.start()
    try:
        time.sleep(0.05)
        t0 = time.perf_counter()
        result = water.bill_batch(usages, start=START, end=END, unit="gal", meter_size="5/8")
        t1 = time.perf_counter()
    finally:
        stop.set()
        t.join()
        sys.setswitchinterval(old)
    assert len(result) == n
    span = t1 - t0
    middle = [x for x in ticks if t0 + 0.4 * span < x < t0 + 0.6 * span]
    assert span > 0.02, f"the batch took only {span:.3f} s; make it longer"
    assert len(middle) > 10, (
        f"the ticker ran {len(middle)} times in the middle of a {span:.3f} s batch: "
        "GIL not released")
