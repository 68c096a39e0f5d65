"""Electric bills of many customers from Arrow data (`PreparedYear.bill_table`):
the long and list layouts through pyarrow and Polars bill exactly as
`PreparedYear.bill` bills each customer alone; a stream split anywhere,
across record batches and billing waves, bills the same; every customer
that cannot be billed gets one row with a typed error and no customer is
dropped; Arrow arrays bill in place."""

from __future__ import annotations

import json
import math
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

import ratepayer
from test_electric import DATA, JAN_1, column

pa = pytest.importorskip("pyarrow")
np = pytest.importorskip("numpy")

HOURS = 8760


def year_of(case: str) -> tuple[ratepayer.PreparedYear, dict[str, Any]]:
    c = json.loads((DATA / "cases" / f"{case}.json").read_text())
    return ratepayer.ElectricTariff.from_urdb(json.dumps(c["tariff"])).prepare(2029), c


def hours() -> Any:
    return pa.array(
        np.arange(np.datetime64("2029-01-01T00:00"), np.datetime64("2030-01-01T00:00"),
                  np.timedelta64(1, "h")).astype("datetime64[us]")
    )


def loads() -> list[list[float]]:
    """Three customers: a commercial load, half of it, and a third plus 0.1 kWh."""
    base = column("custom_load_small_commercial.csv")
    return [base, [v / 2 for v in base], [round(v / 3 + 0.1, 6) for v in base]]


def long_table(ids: list[Any], values: list[list[float]]) -> Any:
    ts = hours()
    return pa.table({
        "customer": pa.array([i for i in ids for _ in range(HOURS)]),
        "timestamp": pa.concat_arrays([ts] * len(ids)),
        "kwh": pa.array([v for load in values for v in load], pa.float64()),
    })


def rows(table: Any) -> list[dict[str, Any]]:
    return list(pa.table(table).to_pylist())


def expected(year: ratepayer.PreparedYear, ids: list[Any], values: list[list[float]]) -> list[tuple[Any, ...]]:
    out = []
    for i, load in zip(ids, values):
        for m in year.bill(load, start=JAN_1):
            out.append((i, 2029, m.month, m.kwh, m.peak_kw, m.billing_demand_kw, m.energy,
                        m.demand, m.fixed, m.minimum, m.total))
    return out


def got(table: Any) -> list[tuple[Any, ...]]:
    keys = ("customer", "year", "month", "kwh", "peak_kw", "billing_demand_kw", "energy",
            "demand", "fixed", "minimum", "total")
    return [tuple(r[k] for k in keys) for r in rows(table)]


def test_long_layout_bills_as_each_customer_alone() -> None:
    year, _ = year_of("custom_nb_com4p")
    ids, values = ["A-1", "B-2", "C-3"], loads()
    result = year.bill_table(long_table(ids, values), line_items=True)
    bills = pa.table(result.bills)
    assert bills.schema.field("total").type == pa.decimal128(18, 2)
    assert bills.schema.field("customer").type == pa.string()
    assert got(result.bills) == expected(year, ids, values)
    assert all(r["error"] is None and r["error_code"] is None for r in rows(result.bills))
    # One row per line item, adding up to each bill's total.
    assert result.lines is not None
    lines = rows(result.lines)
    for i, load in zip(ids, values):
        for m in year.bill(load, start=JAN_1):
            mine = [r for r in lines if r["customer"] == i and r["month"] == m.month]
            assert [(r["description"], r["kind"], r["amount"]) for r in mine] == [
                (l.description, l.kind, l.amount) for l in m.lines
            ]
            assert [r["line"] for r in mine] == list(range(1, len(mine) + 1))
            assert sum(r["amount"] for r in mine) == m.total
    assert year.bill_table(long_table(ids, values)).lines is None


def test_list_layout_and_column_types_bill_the_same() -> None:
    year, _ = year_of("custom_nb_com4p")
    ids, values = [7, 8, 9], loads()
    want = expected(year, ids, values)
    start = pa.array([datetime(2029, 1, 1)] * 3, pa.timestamp("s"))
    for kwh in (
        pa.array(values, pa.list_(pa.float64())),
        pa.array(values, pa.large_list(pa.float64())),
        pa.array(values, pa.list_(pa.float64(), HOURS)),
        pa.array([[Decimal(str(v)) for v in load] for load in values], pa.list_(pa.decimal128(38, 18))),
    ):
        table = pa.table({"customer": pa.array(ids, pa.int32()), "start": start, "kwh": kwh})
        assert got(year.bill_table(table).bills) == want, kwh.type
    # A date starts at its midnight; integers are whole kWh.
    whole = [[float(int(v)) for v in load] for load in values]
    ints = pa.table({"customer": ids, "start": pa.array([datetime(2029, 1, 1).date()] * 3),
                     "kwh": pa.array([[int(v) for v in load] for load in whole], pa.list_(pa.int64()))})
    assert got(year.bill_table(ints).bills) == expected(year, ids, whole)


def test_a_stream_split_anywhere_bills_the_same() -> None:
    """Record batches that cut a customer's rows, and more customers than one
    billing wave holds, bill as one table."""
    year, _ = year_of("custom_nb_res3p")
    base = np.array(column("custom_load_small_commercial.csv")) / 10
    n = 500  # 4.38 million values: more than one wave
    ids = np.repeat(np.arange(n, dtype=np.int64), HOURS)
    kwh = np.concatenate([base * (1 + (i % 7) / 10) for i in range(n)])
    ts = pa.concat_arrays([hours()] * n)
    table = pa.table({"customer": ids, "timestamp": ts, "kwh": kwh})
    whole = rows(year.bill_table(table).bills)
    assert len(whole) == 12 * n and all(r["error"] is None for r in whole)
    batches = table.to_batches(max_chunksize=5000)  # cuts inside customers
    stream = pa.RecordBatchReader.from_batches(table.schema, iter(batches))
    assert rows(year.bill_table(stream, threads=3).bills) == whole
    first = year.bill(list(base * 1.3), start=JAN_1)
    assert [r["total"] for r in whole if r["customer"] == 3] == [m.total for m in first]


def test_each_bad_customer_gets_one_error_row_and_the_others_bill() -> None:
    year, _ = year_of("custom_nb_com4p")
    good = column("custom_load_small_commercial.csv")
    ts = hours()
    parts: list[tuple[str, Any, list[Any]]] = []

    def add(name: str, times: Any, kwh: list[Any]) -> None:
        parts.append((name, times, kwh))

    add("ok-1", ts, good)
    add("nan", ts, good[:100] + [math.nan] + good[101:])
    add("negative", ts, good[:5] + [-1.0] + good[6:])
    add("null", ts, good[:7] + [None] + good[8:])
    gap = pa.concat_arrays([ts.slice(0, 50), ts.slice(51)])
    add("gap", gap, good[:50] + good[51:])
    dup = pa.concat_arrays([ts.slice(0, 51), ts.slice(50, HOURS - 51)])
    add("repeat-hour", dup, good)
    add("short", ts.slice(0, 1000), good[:1000])
    next_year = pa.array(
        np.arange(np.datetime64("2030-01-01T00:00"), np.datetime64("2030-02-01T00:00"),
                  np.timedelta64(1, "h")).astype("datetime64[us]"))
    add("2030", next_year, good[:744])
    add("ok-2", ts, good)
    table = pa.table({
        "customer": [p[0] for p in parts for _ in range(len(p[2]))],
        "timestamp": pa.concat_arrays([p[1] for p in parts]),
        "kwh": pa.array([v for p in parts for v in p[2]], pa.float64()),
    })
    out = rows(year.bill_table(table).bills)
    by = {}
    for r in out:
        by.setdefault(r["customer"], []).append(r)
    assert list(by) == [p[0] for p in parts], "every customer is in the result, in input order"
    for name in ("ok-1", "ok-2"):
        assert len(by[name]) == 12 and all(r["error"] is None for r in by[name])
    codes = {
        "nan": "electric.series", "negative": "electric.series", "null": "electric.series",
        "gap": "electric.gap", "repeat-hour": "electric.gap", "short": "electric.length",
        "2030": "electric.outside_year",
    }
    for name, code in codes.items():
        (row,) = by[name]
        assert row["error_code"] == code, (name, row)
        assert row["total"] is None and row["month"] is None
        assert f"customer {name!r}".replace("'", '"') in row["error"], row["error"]
    first = sum(len(p[2]) for p in parts[:1])
    assert f"at row {first + 100}" in by["nan"][0]["error"]
    assert "2029-01-03 02:00:00" in by["gap"][0]["error"]
    # Partial months bill as whole ones only when asked.
    short = pa.table({"customer": ["s"] * 1000, "timestamp": ts.slice(0, 1000), "kwh": good[:1000]})
    loose = rows(year.bill_table(short, whole_months=False).bills)
    assert [r["month"] for r in loose] == [1, 2] and loose[0]["error"] is None


def test_customers_out_of_order_are_refused_both_times() -> None:
    year, _ = year_of("custom_nb_res3p")
    good = column("custom_load_small_commercial.csv")
    ts = hours()
    half = HOURS // 2
    table = pa.table({
        "customer": ["a"] * half + ["b"] * HOURS + ["a"] * (HOURS - half),
        "timestamp": pa.concat_arrays([ts.slice(0, half), ts, ts.slice(half)]),
        "kwh": good[:half] + good + good[half:],
    })
    out = rows(year.bill_table(table).bills)
    assert [(r["customer"], r["error_code"]) for r in out if r["error"]] == [
        ("a", "batch.order"), ("a", "batch.order")]
    assert len([r for r in out if r["customer"] == "b" and r["error"] is None]) == 12


def test_bad_tables_raise_naming_the_fix() -> None:
    year, _ = year_of("custom_nb_res3p")
    ts = hours().slice(0, 744)
    with pytest.raises(ratepayer.BillError) as missing:
        year.bill_table(pa.table({"id": [1], "kwh": [1.0]}))
    assert missing.value.code == "batch.input" and "`customer`" in missing.value.message
    zoned = pa.table({"customer": [1] * 744, "timestamp": ts.cast(pa.timestamp("us", "UTC")),
                      "kwh": [1.0] * 744})
    with pytest.raises(ratepayer.BillError) as tz:
        year.bill_table(zoned)
    assert "time zone UTC" in tz.value.message and "local clock" in tz.value.message
    with pytest.raises(TypeError):
        year.bill_table([1, 2, 3])
    text = pa.table({"customer": [1] * 744, "timestamp": ts, "kwh": ["1"] * 744})
    (row,) = rows(year.bill_table(text).bills)
    assert row["error_code"] == "electric.series" and "give numbers of kWh" in row["error"]


def test_generation_from_arrow_bills_as_bill_generation() -> None:
    year, case = year_of("custom_nm_res3p")
    load, gen = column(case["load"]), column(case["generation"])
    table = pa.table({"customer": [1] * HOURS, "timestamp": hours(), "kwh": load,
                      "received_kwh": gen})
    out = rows(year.bill_table(table, metering=case["metering"]).bills)
    want = year.bill_generation(load, gen, start=JAN_1, metering=case["metering"])
    assert [(r["month"], r["total"], r["exported_kwh"], r["received_kwh"]) for r in out] == [
        (m.month, m.total, m.exported_kwh, m.received_kwh) for m in want]


def test_arrow_arrays_and_polars_bill_in_place() -> None:
    year, _ = year_of("custom_nb_com4p")
    load = column("custom_load_small_commercial.csv")
    want = [m.total for m in year.bill(load, start=JAN_1)]
    assert [m.total for m in year.bill(pa.array(load), start=JAN_1)] == want
    chunked = pa.chunked_array([load[:1000], load[1000:]])
    assert [m.total for m in year.bill(chunked, start=JAN_1)] == want
    with pytest.raises(ratepayer.BillError) as nan:
        year.bill(pa.chunked_array([load[:1000], [math.nan] + load[1001:]]), start=JAN_1)
    assert "kwh[1000]" in nan.value.message
    pl = pytest.importorskip("polars")
    assert [m.total for m in year.bill(pl.Series(load), start=JAN_1)] == want
    ids, values = [1, 2, 3], loads()
    frame = pl.from_arrow(long_table(ids, values))
    bills = pl.DataFrame(year.bill_table(frame).bills)
    assert bills.height == 36 and bills["total"].to_list() == [e[-1] for e in expected(year, ids, values)]
    lists = pl.DataFrame({"customer": ["x", "y", "z"], "start": [datetime(2029, 1, 1)] * 3, "kwh": values})
    assert pl.DataFrame(year.bill_table(lists).bills)["total"].to_list() == [
        e[-1] for e in expected(year, ["x", "y", "z"], values)]


def test_water_bills_from_arrow_columns_row_by_row() -> None:
    """`Tariff.bill_table`: one result row per input row, totals as decimal128
    equal to single bills, residents and estimated per row, the customer
    carried, and a typed error on the row that cannot be billed."""
    from datetime import date

    water = ratepayer.Profile.builtin("shelby").tariff("shelby-water-residential")
    start, end = date(2025, 10, 1), date(2025, 10, 31)
    usages = [0, 1999, 7400, 12_001, 25_000]
    table = pa.table({
        "customer": ["a", "b", "c", "d", "e"],
        "usage": pa.array(usages, pa.int64()),
        "meter_size": ["5/8", "5/8", "5/8", "5/8", "9 inch"],
        "estimated": [False, True, None, False, False],
    })
    out = pa.table(water.bill_table(table, start=start, end=end, unit="gal").bills).to_pylist()
    assert [r["row"] for r in out] == [0, 1, 2, 3, 4]
    assert [r["customer"] for r in out] == ["a", "b", "c", "d", "e"]
    for r, u in zip(out[:4], usages):
        assert r["total"] == water.bill(start=start, end=end, usage=u, unit="gal", meter_size="5/8").total
        assert r["error"] is None
    assert out[4]["total"] is None and out[4]["error_code"].startswith("bill.")
    assert "row 4" in out[4]["error"] and "9 inch" in out[4]["error"]
    assert pa.table(water.bill_table(table, start=start, end=end, unit="gal").bills).schema.field(
        "total").type == pa.decimal128(18, 2)
    # Decimal usage and per-row dates; a period that runs backwards is that row's error.
    per_row = pa.table({
        "usage": pa.array([Decimal("7.4"), Decimal("12.001")], pa.decimal128(10, 3)),
        "start": [start, end], "end": [end, start], "meter_size": ["5/8", "5/8"]})
    rows_ = pa.table(water.bill_table(per_row, unit="kgal").bills).to_pylist()
    assert rows_[0]["total"] == water.bill(start=start, end=end, usage=7400, unit="gal", meter_size="5/8").total
    assert rows_[1]["error_code"] == "bill.period"
    # Unmetered bills per resident (usage null, residents given).
    gorod = ratepayer.Profile.builtin("gorod").tariff("gorod-cold-water")
    deemed = pa.table({"usage": pa.array([None, 10], pa.int64()), "residents": [3, 3]})
    got_ = pa.table(gorod.bill_table(deemed, start=start, end=end).bills).column("total").to_pylist()
    assert got_ == [gorod.bill(start=start, end=end, residents=3).total,
                    gorod.bill(start=start, end=end, usage=10, residents=3).total]
    # Floats are refused for usage: a bill needs the exact quantity.
    with pytest.raises(ratepayer.BillError) as floats:
        water.bill_table(pa.table({"usage": [1.5]}), start=start, end=end).bills
    assert floats.value.code == "batch.input" and "floats are refused" in floats.value.message
    (missing,) = pa.table(water.bill_table(pa.table({"usage": [5]})).bills).to_pylist()
    assert missing["error_code"] == "bill.period" and "start=" in missing["error"]


def test_generation_reads_numpy_and_arrow_channels_as_lists() -> None:
    year, case = year_of("custom_nm_res3p")
    load, gen = column(case["load"]), column(case["generation"])
    want = year.bill_generation(load, gen, start=JAN_1, metering=case["metering"])
    for d, r in ((np.array(load), np.array(gen)), (pa.array(load), pa.chunked_array([gen[:99], gen[99:]]))):
        got_ = year.bill_generation(d, r, start=JAN_1, metering=case["metering"])
        assert [(m.total, m.exported_kwh, m.credit_out) for m in got_] == [
            (m.total, m.exported_kwh, m.credit_out) for m in want]
    bad = np.array(gen)
    bad[3] = np.inf
    with pytest.raises(ratepayer.BillError) as inf:
        year.bill_generation(np.array(load), bad, start=JAN_1, metering=case["metering"])
    assert inf.value.code == "electric.series" and "received[3]" in inf.value.message


def test_native_tariff_json_round_trips_and_refuses_unknown_fields() -> None:
    """A URDB rate once imported is kept in the engine's JSON form and read
    back billing the same; a misspelt field is refused naming its path, not
    ignored; a rule broken is a TariffError listing the problems."""
    year, case = year_of("custom_nb_com4p")
    tariff = ratepayer.ElectricTariff.from_urdb(json.dumps(case["tariff"]))
    text = tariff.to_json()
    again = ratepayer.ElectricTariff.from_json(text)
    assert again.to_json() == text and again.unused == []
    load = column(case["load"])
    assert [m.total for m in again.prepare(2029).bill(load, start=JAN_1)] == [
        m.total for m in year.bill(load, start=JAN_1)]
    spec = json.loads(text)
    spec["energy_periods"][0][0]["rat"] = spec["energy_periods"][0][0].pop("rate")
    with pytest.raises(ratepayer.TariffError) as typo:
        ratepayer.ElectricTariff.from_json(json.dumps(spec))
    assert typo.value.code == "tariff.parse" and "energy_periods[0][0]" in typo.value.message
    assert "rat" in typo.value.message
    spec = json.loads(text)
    spec["surprise"] = 1
    with pytest.raises(ratepayer.TariffError) as extra:
        ratepayer.ElectricTariff.from_json(json.dumps(spec))
    assert "surprise" in extra.value.message
    spec = json.loads(text)
    spec["energy_schedule"]["weekday"][0][0] = 9
    with pytest.raises(ratepayer.TariffError) as broken:
        ratepayer.ElectricTariff.from_json(json.dumps(spec))
    assert broken.value.code == "tariff.invalid" and broken.value.problems


def test_water_rows_repeated_or_all_distinct_bill_as_single_bills() -> None:
    """Each distinct input is billed once per thread and batch: rows that
    repeat (a monthly run) and rows that never do (more than the memo
    keeps) all get their own single bill's total; a bad row among
    repeated ones keeps its own error."""
    from datetime import date

    water = ratepayer.Profile.builtin("shelby").tariff("shelby-water-residential")
    start, end = date(2025, 10, 1), date(2025, 10, 31)
    usages = [(i * 7919) % 37 * 431 for i in range(20_000)]
    sizes = ["9 inch" if i % 997 == 0 else ("1" if i % 3 == 0 else "5/8") for i in range(20_000)]
    out = pa.table(water.bill_table(pa.table({"usage": usages, "meter_size": sizes}),
                                    start=start, end=end, unit="gal", threads=2).bills)
    single = {}
    for u, s in zip(usages, sizes):
        if s != "9 inch" and (u, s) not in single:
            single[(u, s)] = water.bill(start=start, end=end, usage=u, unit="gal", meter_size=s).total
    totals, errors = out.column("total").to_pylist(), out.column("error").to_pylist()
    for i, (u, s) in enumerate(zip(usages, sizes)):
        if s == "9 inch":
            assert totals[i] is None and errors[i].startswith(f"row {i}:"), (i, errors[i])
        else:
            assert totals[i] == single[(u, s)] and errors[i] is None
    many = list(range(70_000))  # more distinct inputs than the memo keeps
    out = pa.table(water.bill_table(pa.table({"usage": many, "meter_size": ["5/8"] * len(many)}),
                                    start=start, end=end, unit="gal", threads=1).bills)
    for i in (0, 1, 65_535, 65_536, 65_537, 69_999):
        assert out.column("total")[i].as_py() == water.bill(
            start=start, end=end, usage=i, unit="gal", meter_size="5/8").total


def test_buffers_of_doubles_bill_as_lists() -> None:
    """A float64 numpy array, a strided view, an `array.array('d')` and a
    memoryview are read through the buffer protocol and bill as the list
    does; NaN in one is named `kwh[i]`."""
    import array as pyarray

    year, _ = year_of("custom_nb_com4p")
    load = column("custom_load_small_commercial.csv")
    want = [(m.total, m.kwh, m.peak_kw) for m in year.bill(load, start=JAN_1)]
    for values in (np.array(load), np.repeat(np.array(load), 2)[::2],
                   pyarray.array("d", load), memoryview(pyarray.array("d", load))):
        assert [(m.total, m.kwh, m.peak_kw) for m in year.bill(values, start=JAN_1)] == want
    bad = pyarray.array("d", load)
    bad[77] = math.nan
    with pytest.raises(ratepayer.BillError) as nan:
        year.bill(bad, start=JAN_1)
    assert "kwh[77] is NaN" in nan.value.message


def test_water_memo_keeps_distinct_texts_and_scales_apart() -> None:
    """More distinct meter sizes than the memo interns still bill row by row,
    each error naming its own size; 7.4 and 7.40 kgal are one bill."""
    from datetime import date

    water = ratepayer.Profile.builtin("shelby").tariff("shelby-water-residential")
    start, end = date(2025, 10, 1), date(2025, 10, 31)
    sizes = [f"{i} inch" for i in range(1100)] * 2
    out = pa.table(water.bill_table(pa.table({"usage": [5] * len(sizes), "meter_size": sizes}),
                                    start=start, end=end, unit="kgal", threads=1).bills).to_pylist()
    assert all(r["total"] is None and f"{s}" in r["error"] for r, s in zip(out, sizes))
    scaled = pa.table({"usage": pa.array([Decimal("7.4"), Decimal("7.40"), Decimal("7.400")], pa.decimal128(10, 3)),
                       "meter_size": ["5/8"] * 3})
    totals = pa.table(water.bill_table(scaled, start=start, end=end, unit="kgal").bills).column("total").to_pylist()
    assert totals == [water.bill(start=start, end=end, usage=Decimal("7.4"), unit="kgal", meter_size="5/8").total] * 3


def test_water_line_items_on_request() -> None:
    """With `line_items=True` every bill's lines come as rows (row, customer,
    line, description, kind, amount) adding up to its total; a failed row
    has none."""
    from datetime import date

    water = ratepayer.Profile.builtin("shelby").tariff("shelby-water-residential")
    start, end = date(2025, 10, 1), date(2025, 10, 31)
    table = pa.table({"customer": [10, 11, 12], "usage": [7400, 0, 25_000],
                      "meter_size": ["5/8", "9 inch", "2"]})
    result = water.bill_table(table, start=start, end=end, unit="gal", line_items=True)
    bills = pa.table(result.bills).to_pylist()
    assert result.lines is not None
    lines = pa.table(result.lines).to_pylist()
    assert water.bill_table(table, start=start, end=end, unit="gal").lines is None
    for row, (b, u, s) in enumerate(zip(bills, [7400, 0, 25_000], ["5/8", "9 inch", "2"])):
        mine = [l for l in lines if l["row"] == row]
        if s == "9 inch":
            assert mine == [] and b["error"] is not None
            continue
        single = water.bill(start=start, end=end, usage=u, unit="gal", meter_size=s)
        assert [(l["description"], l["kind"], l["amount"]) for l in mine] == [
            (l.description, l.kind, l.amount) for l in single.lines]
        assert [l["line"] for l in mine] == list(range(1, len(mine) + 1))
        assert all(l["customer"] == 10 + row for l in mine)
        assert sum(l["amount"] for l in mine) == b["total"] == single.total


def test_inputs_that_would_be_ignored_are_refused() -> None:
    """Generation settings without a `received_kwh` column, a period given
    both as columns and as arguments, and uint64 customers are refused, not
    quietly dropped."""
    from datetime import date

    year, _ = year_of("custom_nb_res3p")
    ts = hours().slice(0, 744)
    consumption = pa.table({"customer": [1] * 744, "timestamp": ts, "kwh": [1.0] * 744})
    for kwargs in ({"metering": "net_metering"}, {"true_up_month": 3}, {"year_end_sell_rate": "0.02"}):
        with pytest.raises(ratepayer.BillError) as settings:
            year.bill_table(consumption, **kwargs)
        assert settings.value.code == "batch.input" and "received_kwh" in settings.value.message
    water = ratepayer.Profile.builtin("shelby").tariff("shelby-water-residential")
    start, end = date(2025, 10, 1), date(2025, 10, 31)
    both = pa.table({"usage": [5], "start": [start], "end": [end], "meter_size": ["5/8"]})
    with pytest.raises(ratepayer.BillError) as twice:
        water.bill_table(both, start=start, unit="kgal")
    assert twice.value.code == "batch.input" and "`start`" in twice.value.message
    wide = pa.table({"customer": pa.array([2**63 + 1], pa.uint64()), "usage": [5], "meter_size": ["5/8"]})
    with pytest.raises(ratepayer.BillError) as uint:
        water.bill_table(wide, start=start, end=end, unit="kgal")
    assert "uint64" in uint.value.message
