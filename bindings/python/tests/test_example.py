"""examples/rate_change_impact.py runs on its sample data and reports the
distribution of the change; its figures agree with one-by-one bills."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import ratepayer
from conftest import REPO

EXAMPLE = REPO / "examples" / "rate_change_impact.py"
DATA = REPO / "examples" / "data"


def test_rate_change_impact_report() -> None:
    out = subprocess.run([sys.executable, str(EXAMPLE)], check=True, capture_output=True,
                         text=True).stdout
    for label in ("min", "median", "p90", "max"):
        assert f"  {label}" in out
    assert "Customers billed: 240" in out
    assert "Pay more: 71 of 240" in out


def test_the_first_customer_agrees_with_single_bills() -> None:
    first = (DATA / "customers.csv").read_text().splitlines()[1].split(",")
    _, size, gal = first
    proposed = ratepayer.Tariff.from_toml((DATA / "shelby-water-proposed.toml").read_text())
    current = ratepayer.Profile.builtin("shelby").tariff("shelby-water-residential")
    kw = dict(start=date(2025, 10, 1), end=date(2025, 10, 31), usage=int(gal), unit="gal",
              meter_size=size)
    change = proposed.bill(**kw).total - current.bill(**kw).total
    batch = proposed.bill_batch([int(gal)], start=kw["start"], end=kw["end"], unit="gal",
                                meter_size=size)
    assert batch[0] == proposed.bill(**kw).total
    assert change == batch[0] - current.bill(**kw).total  # type: ignore[operator]
