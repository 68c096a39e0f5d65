"""Benchmark: one year of hourly load billed by `PreparedYear.bill` against
SAM's `Utilityrate5` (PySAM), in one Python process, on the same URDB rate.

Run (with the extension built with --release, numpy and nrel-pysam installed):

    python bindings/python/bench/pysam_bench.py
    python bindings/python/bench/pysam_bench.py --case custom_nb_res3p --runs 200

The PySAM model is populated once (rate, load, no system) and only
`execute()` is timed, as the issue asks; `prepared.bill` is timed on a numpy
array of the same load (the year prepared once). The monthly bills of both
are compared (SAM does not round; ratepayer is called with `sam=True`, which
rounds only the totals).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np

import ratepayer

REPO = Path(__file__).resolve().parents[3]
DATA = REPO / "crates" / "ratepayer" / "tests" / "data" / "sam_generation"
sys.path.insert(0, str(DATA))
import generate  # noqa: E402  (the conformance cases' URDB -> SAM mapping)


def pysam_model(tariff: dict, load: list[float]):
    """SAM's model of the rate and load, no system, populated as the
    conformance cases populate it (`generate.new_model`)."""
    inputs = generate.urdb_to_sam(tariff)
    # No system and net metering: SAM bills each month's kWh through the
    # tiers, which is a consumption bill (the monthly bills agree within
    # half a cent, SAM not rounding).
    inputs["ur_metering_option"] = generate.METERING["net_metering"]
    return generate.new_model(inputs, load, [0.0] * len(load))


def best_of(fn, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", default="custom_nb_com4p")
    ap.add_argument("--runs", type=int, default=100)
    args = ap.parse_args()
    case = json.loads((DATA / "cases" / f"{args.case}.json").read_text())
    load = generate.read_series(str(DATA / "loads" / case["load"]))
    year = ratepayer.ElectricTariff.from_urdb(json.dumps(case["tariff"])).prepare(2029)
    array = np.array(load)
    start = datetime(2029, 1, 1)

    model = pysam_model(case["tariff"], load)
    model.execute(0)
    sam_bills = list(model.Outputs.utility_bill_w_sys_ym[1])
    ours = [float(m.total) for m in year.bill(array, start=start, sam=True)]
    worst = max(abs(a - b) for a, b in zip(ours, sam_bills))
    assert worst <= 0.011, f"monthly bills differ by {worst:.4f}"

    sam_t = best_of(lambda: model.execute(0), args.runs)
    our_t = best_of(lambda: year.bill(array, start=start, sam=True), args.runs * 10)
    print(f"{args.case}: 8,760 hourly values, the same URDB rate; monthly bills agree within ${worst:.4f}")
    print(f"PySAM Utilityrate5.execute(): {sam_t * 1e6:,.0f} us (best of {args.runs})")
    print(f"ratepayer PreparedYear.bill(numpy array): {our_t * 1e6:,.1f} us (best of {args.runs * 10})")
    print(f"ratio: {sam_t / our_t:,.0f}x")


if __name__ == "__main__":
    main()
