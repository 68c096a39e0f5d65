"""Benchmark: the electric rate study under PySpark `mapInArrow` (local mode)
against the same billing in process, in customers per second per core.

Run (with the extension built with --release; pyarrow, pyspark and pandas
installed; a JDK for Spark):

    python bindings/python/bench/spark_bench.py --customers 10000

Times, separately: writing the synthetic AMI Parquet files, the Spark job
(read, repartition by customer, sort, bill both rates per partition,
aggregate annual totals; the session is started before), and the in-process
form (`electric_rate_study.compare` over the whole table read from the same
files). Both give the same annual totals.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "examples"))
import electric_rate_study as study  # noqa: E402
import electric_rate_study_spark as spark_study  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=10_000)
    ap.add_argument("--partitions", type=int, default=None)
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    from pyspark.sql import functions as F

    t0 = time.perf_counter()
    spark = spark_study.session()
    spark.sparkContext.setLogLevel("ERROR")
    started = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ami"
        t0 = time.perf_counter()
        spark_study.write_ami(path, args.customers)
        written = time.perf_counter() - t0

        t0 = time.perf_counter()
        rows = (spark_study.monthly(spark, str(path), args.partitions)
                .groupBy("customer")
                .agg(F.sum("current").alias("current"), F.sum("proposed").alias("proposed"))
                .orderBy("customer").collect())
        on_spark = time.perf_counter() - t0

        t0 = time.perf_counter()
        table = pq.read_table(path)
        read = time.perf_counter() - t0
        t0 = time.perf_counter()
        months = study.compare(table, study.prepared("current"), study.prepared("proposed"))
        billed = time.perf_counter() - t0
        in_process = read + billed

    import pyarrow.compute as pc
    grouped = months.group_by("customer").aggregate([("current", "sum"), ("proposed", "sum")]).sort_by("customer")
    assert [r["current"] for r in rows] == grouped.column("current_sum").to_pylist()
    assert [r["proposed"] for r in rows] == grouped.column("proposed_sum").to_pylist()
    assert pc.sum(pc.is_null(months.column("error"))).as_py() == months.num_rows

    n = args.customers
    print(f"{n:,} customers x 8,760 hours, two rates, {cores} cores")
    print(f"spark session start: {started:.1f} s; writing the Parquet data: {written:.1f} s")
    print(f"spark job (read, shuffle, sort, mapInArrow, aggregate): {on_spark:.1f} s = "
          f"{n / on_spark / cores:,.0f} customers/s/core")
    print(f"in process (read Parquet {read:.2f} s, bill_table x2 {billed:.2f} s): {in_process:.2f} s = "
          f"{n / in_process / cores:,.0f} customers/s/core ({n / billed / cores:,.0f} for the billing alone)")


if __name__ == "__main__":
    main()
