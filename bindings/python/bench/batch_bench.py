"""Benchmark: 1,000,000 monthly 4-tier water bills from Python, inputs included.

Run (after installing the extension built with --release):

    python bindings/python/bench/batch_bench.py            # 1,000,000 bills
    python bindings/python/bench/batch_bench.py --rows 200000 --python-loop 20000

Times `Tariff.bill_batch` on a list of int usages (gallons, spread so every
tier is used) with one period and a column of meter sizes, and, for
comparison, a plain-Python `Decimal` loop pricing the same 4-tier bill.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import ratepayer

START, END = date(2025, 10, 1), date(2025, 10, 31)


def python_loop(usages_gal: list[int]) -> list[Decimal]:
    """The same Shelby FY2026 bill (5/8 inch meter) in plain Python Decimal."""
    fixed = Decimal("13.10")
    blocks = [(Decimal(2), Decimal("4.35")), (Decimal(4), Decimal("5.55")),
              (Decimal(6), Decimal("6.80")), (None, Decimal("8.30"))]
    surcharge = Decimal("0.50")
    cent = Decimal("0.01")
    out = []
    for g in usages_gal:
        kgal = Decimal(g) / 1000
        total = fixed
        left = kgal
        for size, rate in blocks:
            q = left if size is None else min(left, size)
            if q <= 0:
                break
            total += (q * rate).quantize(cent, ROUND_HALF_UP)
            left -= q
        total += (kgal * surcharge).quantize(cent, ROUND_HALF_UP)
        out.append(total)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--python-loop", type=int, default=100_000,
                    help="rows for the plain-Python Decimal comparison (0: skip)")
    args = ap.parse_args()

    water = ratepayer.Profile.builtin("shelby").tariff("shelby-water-residential")
    rng = random.Random(7)
    usages = [rng.randrange(0, 30_000) for _ in range(args.rows)]
    sizes = ["5/8"] * args.rows

    best = cpu = float("inf")
    for _ in range(args.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = water.bill_batch(usages, start=START, end=END, unit="gal", meter_size=sizes)
        best = min(best, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    assert len(result) == args.rows and not result.errors
    print(f"bill_batch: {args.rows:,} bills in {best:.3f} s "
          f"({best / args.rows * 1e9:.0f} ns/bill, {os.cpu_count()} cores; "
          f"CPU time {cpu:.3f} s over all threads), sum {result.sum()} {result.currency}")
    if hasattr(os, "getloadavg"):
        print(f"load average: {os.getloadavg()[0]:.2f} (other work on the machine "
              "slows the wall time, not the CPU time)")

    one = water.bill(start=START, end=END, usage=usages[0], unit="gal", meter_size="5/8")
    assert one.total == result[0], (one.total, result[0])

    arrow_best = None
    try:
        import pyarrow as pa
    except ImportError:
        pa = None
    if pa is not None:
        # The same bills from Arrow columns: usage and meter size read where
        # they lie, totals back as decimal128 (no Python object per row).
        columns = pa.table({"usage": pa.array(usages, pa.int64()),
                            "meter_size": pa.array(sizes).dictionary_encode().cast(pa.string())})
        arrow_best = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            table = water.bill_table(columns, start=START, end=END, unit="gal").bills
            arrow_best = min(arrow_best, time.perf_counter() - t0)
        totals_col = pa.table(table).column("total")
        assert totals_col.null_count == 0 and totals_col.to_pylist()[:1000] == result.totals()[:1000]
        print(f"bill_table (Arrow columns): {args.rows:,} bills in {arrow_best:.3f} s "
              f"({arrow_best / args.rows * 1e9:.0f} ns/bill)")

    if args.python_loop:
        n = min(args.python_loop, args.rows)
        t0 = time.perf_counter()
        totals = python_loop(usages[:n])
        dt = time.perf_counter() - t0
        assert totals[:1000] == result.totals()[:1000], "plain-Python loop disagrees"
        per_run = dt / n * args.rows
        print(f"plain Python Decimal loop: {n:,} bills in {dt:.3f} s "
              f"=> {per_run:.2f} s per {args.rows:,}")
        print(f"bill_batch is {per_run / best:.1f}x the loop"
              + (f"; bill_table (Arrow) is {per_run / arrow_best:.1f}x" if arrow_best else ""))


if __name__ == "__main__":
    main()
