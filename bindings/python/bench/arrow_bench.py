"""Benchmark: electric bills of many customers from Arrow data.

Run (with the extension built with --release, and pyarrow installed):

    python bindings/python/bench/arrow_bench.py                 # 100,000 customers
    python bindings/python/bench/arrow_bench.py --customers 20000 --layout long

Bills a year of hourly data (8,760 values a customer) under a time-of-use
rate with time-of-use and flat demand charges (the SAM case
`custom_nb_com4p`) through `PreparedYear.bill_table`, and reports the wall
time, values per second and customers per second.

- `--layout lists` (default): one row per customer, `kwh` a list of 8,760
  doubles. Customers' loads are 1,000 distinct profiles (the SAM commercial
  load scaled), whose values are shared between record batches, so the
  input costs 70 MB instead of 7 GB; the billing reads every value.
- `--layout long`: one row per interval (`customer`, `timestamp`, `kwh`),
  as AMI exports are; batches are made while the call reads them (a
  generator behind a RecordBatchReader), so the time includes making the
  `customer` column of every batch.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import time

import numpy as np
import pyarrow as pa

import ratepayer

REPO = pathlib.Path(__file__).resolve().parents[3]
DATA = REPO / "crates" / "ratepayer" / "tests" / "data" / "sam_generation"
HOURS = 8760
PROFILES = 1000


def prepared() -> ratepayer.PreparedYear:
    case = json.loads((DATA / "cases" / "custom_nb_com4p.json").read_text())
    return ratepayer.ElectricTariff.from_urdb(json.dumps(case["tariff"])).prepare(2029)


def base_load() -> np.ndarray:
    lines = (DATA / "loads" / "custom_load_small_commercial.csv").read_text().split()
    return np.array([float(v) for v in lines[1:]])


def profiles() -> np.ndarray:
    base = base_load()
    return np.concatenate([np.round(base * (0.5 + k / PROFILES), 6) for k in range(PROFILES)])


def lists_table(customers: int) -> pa.Table:
    values = pa.array(profiles())
    kwh = pa.FixedSizeListArray.from_arrays(values, HOURS)
    start = pa.array(np.full(PROFILES, np.datetime64("2029-01-01T00:00", "us")))
    batches = []
    for first in range(0, customers, PROFILES):
        n = min(PROFILES, customers - first)
        batches.append(pa.record_batch({
            "customer": pa.array(np.arange(first, first + n, dtype=np.int64)),
            "start": start.slice(0, n),
            "kwh": kwh.slice(0, n),
        }))
    return pa.Table.from_batches(batches)


def long_reader(customers: int, per_batch: int = 200) -> pa.RecordBatchReader:
    values = profiles()
    hours = np.arange(np.datetime64("2029-01-01T00:00"), np.datetime64("2030-01-01T00:00"),
                      np.timedelta64(1, "h")).astype("datetime64[us]")
    schema = pa.schema([("customer", pa.int64()), ("timestamp", pa.timestamp("us")),
                        ("kwh", pa.float64())])
    ts = pa.array(np.tile(hours, per_batch))

    def batches():
        for first in range(0, customers, per_batch):
            n = min(per_batch, customers - first)
            at = (first % PROFILES) * HOURS
            kwh = values[at:at + n * HOURS]
            if len(kwh) < n * HOURS:  # wrap around the profiles
                kwh = np.concatenate([kwh, values[: n * HOURS - len(kwh)]])
            yield pa.record_batch([
                pa.array(np.repeat(np.arange(first, first + n, dtype=np.int64), HOURS)),
                ts.slice(0, n * HOURS), pa.array(kwh)], schema=schema)

    return pa.RecordBatchReader.from_batches(schema, batches())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--layout", choices=("lists", "long"), default="lists")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    year = prepared()
    best = cpu = float("inf")
    table = lists_table(args.customers) if args.layout == "lists" else None
    for _ in range(args.repeat):
        data = table if table is not None else long_reader(args.customers)
        t0, c0 = time.perf_counter(), time.process_time()
        result = year.bill_table(data)
        best = min(best, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    bills = pa.table(result.bills)
    assert bills.num_rows == 12 * args.customers, bills.num_rows
    assert bills.column("error").null_count == bills.num_rows, "a customer failed"
    values = args.customers * HOURS
    print(f"bill_table ({args.layout}): {args.customers:,} customers x {HOURS:,} hours in "
          f"{best:.3f} s ({values / best / 1e6:.0f} million values/s, "
          f"{args.customers / best:,.0f} customers/s, {os.cpu_count()} cores; "
          f"CPU {cpu:.3f} s)")
    first = year.bill(list(profiles()[:HOURS]), start=__import__("datetime").datetime(2029, 1, 1))
    assert [m.total for m in first] == bills.column("total").to_pylist()[:12]
    if hasattr(os, "getloadavg"):
        print(f"load average: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
