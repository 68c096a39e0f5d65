"""Rate-change impact analysis: bill every customer in a CSV under the
current tariff and a proposed one, then report the distribution of the
change (min, median, p90, max) and how many customers would pay more.

    python examples/rate_change_impact.py                       # the sample data
    python examples/rate_change_impact.py customers.csv \\
        --proposed proposed.toml --start 2025-10-01 --end 2025-10-31

The CSV has one row per customer: `account`, `meter_size`, `usage_gal`
(whole gallons). The current tariff is the built-in City of Shelby
residential water tariff (or `--profile`/`--tariff`); the proposed one is a
tariff TOML file. Both are billed with `Tariff.bill_columns`, which bills
every row on every core and returns totals in cents: no float touches money.
"""

from __future__ import annotations

import argparse
import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import ratepayer

HERE = Path(__file__).resolve().parent


def read_customers(path: Path) -> dict[str, list]:
    """The CSV as columns: account numbers, meter sizes, usage in gallons."""
    cols: dict[str, list] = {"account": [], "meter_size": [], "usage": []}
    with path.open(newline="") as f:
        for row in csv.DictReader(f):
            cols["account"].append(row["account"])
            cols["meter_size"].append(row["meter_size"])
            cols["usage"].append(int(row["usage_gal"]))
    return cols


def percentile(sorted_values: list[int], p: float) -> int:
    """Nearest-rank percentile of sorted integers (p in 0..100)."""
    if not sorted_values:
        raise ValueError("no values")
    rank = max(1, -(-len(sorted_values) * p // 100))  # ceil(n * p / 100)
    return sorted_values[int(rank) - 1]


def cents(value: int) -> Decimal:
    return Decimal(value).scaleb(-2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv", nargs="?", type=Path, default=HERE / "data" / "customers.csv")
    ap.add_argument("--proposed", type=Path, default=HERE / "data" / "shelby-water-proposed.toml")
    ap.add_argument("--profile", default="shelby")
    ap.add_argument("--tariff", default="shelby-water-residential")
    ap.add_argument("--start", type=date.fromisoformat, default=date(2025, 10, 1))
    ap.add_argument("--end", type=date.fromisoformat, default=date(2025, 10, 31))
    args = ap.parse_args()

    current = ratepayer.Profile.builtin(args.profile).tariff(args.tariff)
    proposed = ratepayer.Tariff.from_toml(args.proposed.read_text())
    customers = read_customers(args.csv)
    columns = {"usage": customers["usage"], "meter_size": customers["meter_size"]}

    before = current.bill_columns(columns, start=args.start, end=args.end, unit="gal")
    after = proposed.bill_columns(columns, start=args.start, end=args.end, unit="gal")
    changes = [b - a for a, b in zip(before.totals_minor, after.totals_minor)]
    if not changes:
        print("no customers in", args.csv)
        return
    ordered = sorted(changes)
    more = sum(1 for c in changes if c > 0)
    less = sum(1 for c in changes if c < 0)
    n = len(changes)

    print(f"Rate change impact: {current.id} -> {proposed.id}")
    print(f"Customers billed: {n}, service {args.start} to {args.end}")
    print(f"Revenue: {before.sum()} -> {after.sum()} {before.currency} "
          f"({cents(sum(changes)):+} {before.currency})")
    print("Change per bill:")
    for label, value in [("min", ordered[0]), ("median", percentile(ordered, 50)),
                         ("p90", percentile(ordered, 90)), ("max", ordered[-1])]:
        print(f"  {label:<7}{cents(value):>+10} {before.currency}")
    print(f"Pay more: {more} of {n} ({100 * more / n:.1f}%); pay less: {less}; "
          f"unchanged: {n - more - less}")
    worst = max(range(n), key=lambda i: changes[i])
    print(f"Largest increase: account {customers['account'][worst]} "
          f"({customers['meter_size'][worst]}, {customers['usage'][worst]} gal): "
          f"{before[worst]} -> {after[worst]} {before.currency}")


if __name__ == "__main__":
    main()
