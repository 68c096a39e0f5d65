"""Electric rate-change study: bill every customer's year of hourly meter data
under the current and a proposed URDB rate, and report how bills change.

The billing of one partition is `compare(table)`: both rates' bills of
every customer-month, side by side, from one Arrow table in the long layout
(`customer`, `timestamp`, `kwh`). The same function runs

- on one machine, over a Polars DataFrame (`--engine polars`, the default);
- on Spark, per partition, under `mapInArrow` (`--engine spark`; local
  mode here, the same code on a cluster: see `electric_rate_study_spark.py`).

    python examples/electric_rate_study.py --customers 2000
    python examples/electric_rate_study.py --customers 2000 --engine spark

The meter data is synthetic (a daily shape with an evening peak, a size per
customer and hourly noise, reproducible from the customer number). The
rates are `examples/data/electric-current.json` and `-proposed.json`.
Money stays decimal end to end: totals are Arrow decimal128, never floats.
"""

from __future__ import annotations

import argparse
import time
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

import ratepayer

HERE = Path(__file__).resolve().parent
YEAR = 2029
HOURS = 8760

#: The comparison's schema: one row per customer-month.
SCHEMA = pa.schema([
    ("customer", pa.int64()),
    ("month", pa.int32()),
    ("kwh", pa.decimal128(38, 6)),
    ("current", pa.decimal128(18, 2)),
    ("proposed", pa.decimal128(18, 2)),
    ("error", pa.string()),
])


def rate_text(which: str) -> str:
    """The URDB JSON of the `current` or `proposed` rate."""
    return (HERE / "data" / f"electric-{which}.json").read_text()


def prepared(which: str, text: str | None = None) -> ratepayer.PreparedYear:
    """The `current` or `proposed` rate (or the URDB JSON `text`), prepared
    for the study year."""
    text = rate_text(which) if text is None else text
    return ratepayer.ElectricTariff.from_urdb(text, id=which).prepare(YEAR)


def synthetic_kwh(customer: np.ndarray, hour: np.ndarray) -> np.ndarray:
    """Hourly kWh of `customer` at hour-of-year `hour` (arrays of one length):
    a base load, an evening peak (16:00 to 21:00) and noise, scaled by a
    size from 0.5 to 2.5 that depends on the customer only. Rounded to the
    watt-hour, as meters report."""
    size = 0.5 + (customer * 7919 % 1000) / 500.0
    hod = hour % 24
    shape = 0.35 + 0.9 * ((hod >= 16) & (hod <= 21)) + 0.15 * np.sin(hour / 24.0 / 365.0 * 2 * np.pi) ** 2
    noise = ((customer * 2654435761 + hour * 40503) % 1000) / 4000.0
    return np.round(size * shape + noise, 3)


def ami_batches(first: int, last: int, per_batch: int = 100) -> Iterator[pa.RecordBatch]:
    """Customers `first..last` (excluded) as long-layout record batches."""
    hours = np.arange(np.datetime64(f"{YEAR}-01-01T00:00"), np.datetime64(f"{YEAR + 1}-01-01T00:00"),
                      np.timedelta64(1, "h")).astype("datetime64[us]")
    for at in range(first, last, per_batch):
        ids = np.arange(at, min(at + per_batch, last), dtype=np.int64)
        customer = np.repeat(ids, HOURS)
        hour = np.tile(np.arange(HOURS), len(ids))
        yield pa.record_batch({
            "customer": customer,
            "timestamp": pa.array(np.tile(hours, len(ids))),
            "kwh": synthetic_kwh(customer, hour),
        })


def compare(table: Any, current: ratepayer.PreparedYear, proposed: ratepayer.PreparedYear) -> pa.Table:
    """Both rates' bills of every customer-month of `table` (anything with
    `__arrow_c_stream__`), side by side (`SCHEMA`). A customer whose data
    cannot be billed keeps one row with its error."""
    now = pa.table(current.bill_table(table).bills)
    new = pa.table(proposed.bill_table(table).bills)
    error = pc.coalesce(now.column("error"), new.column("error"))
    return pa.table({
        "customer": now.column("customer").cast(pa.int64()),
        "month": now.column("month"),
        "kwh": now.column("kwh"),
        "current": now.column("total"),
        "proposed": new.column("total"),
        "error": error,
    }, schema=SCHEMA)


def summary(annual: dict[str, list[Any]]) -> str:
    """A report from annual totals by customer: `current`, `proposed` lists of
    Decimal (None where a customer failed)."""
    pairs = [(c, p) for c, p in zip(annual["current"], annual["proposed"]) if c is not None and p is not None]
    failed = len(annual["current"]) - len(pairs)
    change = sorted((p - c) / c * 100 for c, p in pairs if c)
    if not change:
        return f"no customer billed ({failed} failed)"
    q = lambda f: change[min(len(change) - 1, int(f * len(change)))]  # noqa: E731
    up10 = sum(1 for x in change if x > 10)
    total_c = sum((c for c, _ in pairs), Decimal(0))
    total_p = sum((p for _, p in pairs), Decimal(0))
    return (
        f"customers billed: {len(pairs):,} (failed: {failed})\n"
        f"annual revenue: current {total_c:,.2f}, proposed {total_p:,.2f} "
        f"({(total_p - total_c) / total_c * 100:+.2f} %)\n"
        f"bill change: min {q(0):+.1f} %, median {q(0.5):+.1f} %, p90 {q(0.9):+.1f} %, "
        f"max {change[-1]:+.1f} %\n"
        f"customers paying over 10 % more: {up10:,}"
    )


def study_polars(customers: int) -> Any:
    """The study on one machine: the AMI data as one Polars DataFrame, billed
    on every core; annual totals by customer as a Polars DataFrame."""
    import polars as pl

    ami = pl.from_arrow(pa.Table.from_batches(list(ami_batches(0, customers))))
    months = pl.from_arrow(compare(ami, prepared("current"), prepared("proposed")))
    return months.group_by("customer").agg(
        pl.col("current").sum(), pl.col("proposed").sum(), pl.col("error").first()
    ).sort("customer")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=2000)
    ap.add_argument("--engine", choices=("polars", "spark"), default="polars")
    ap.add_argument("--partitions", type=int, default=None)
    args = ap.parse_args()
    t0 = time.perf_counter()
    if args.engine == "spark":
        import electric_rate_study_spark as spark_study

        annual = spark_study.study(args.customers, args.partitions)
    else:
        frame = study_polars(args.customers)
        annual = {"current": frame["current"].to_list(), "proposed": frame["proposed"].to_list()}
    took = time.perf_counter() - t0
    print(summary(annual))
    print(f"{args.engine}: {args.customers:,} customers x {HOURS:,} hours, two rates, in {took:.1f} s")


if __name__ == "__main__":
    main()
