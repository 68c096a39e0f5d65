"""The electric rate-change study on Spark: AMI data read from Parquet, one
customer's rows to one partition, sorted by time, and each partition billed
under both rates by `electric_rate_study.compare` inside `mapInArrow`
(Arrow batches in, Arrow batches out: no Python object per reading).

Local mode on this machine; on a cluster (Databricks, EMR, Dataproc) the
same `partition_biller` runs unchanged: give `study` a session and a Parquet
path there, and install the ratepayer wheel on the workers.

    python examples/electric_rate_study.py --engine spark --customers 2000
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

import electric_rate_study as study_core

#: What the partition function yields, in Spark's DDL.
SPARK_SCHEMA = ("customer long, month int, kwh decimal(38,6), current decimal(18,2), "
                "proposed decimal(18,2), error string")


def partition_biller(current_json: str, proposed_json: str) -> Callable[
        [Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The `mapInArrow` function: one partition's bills under both rates.
    The rates travel with the function as URDB JSON text (read once on the
    driver), so workers need no access to the driver's files. A partition
    holds whole customers, their rows in time order (see `monthly`)."""

    def bill_partition(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        current = study_core.prepared("current", current_json)
        proposed = study_core.prepared("proposed", proposed_json)
        batches = list(batches)
        if sum(b.num_rows for b in batches) == 0:
            return
        yield from study_core.compare(pa.Table.from_batches(batches), current, proposed).to_batches()

    return bill_partition


def write_ami(path: Path, customers: int) -> None:
    """The synthetic AMI data as Parquet files (local clock time, no zone)."""
    path.mkdir(parents=True, exist_ok=True)
    per_file = 500
    for first in range(0, customers, per_file):
        batches = list(study_core.ami_batches(first, min(first + per_file, customers)))
        pq.write_table(pa.Table.from_batches(batches), path / f"part-{first:08d}.parquet")


def session(cores: str = "*") -> Any:
    """A local Spark session (the UI off, Arrow batches of 100,000 rows)."""
    from pyspark.sql import SparkSession

    # The workers run this interpreter (the one with ratepayer installed),
    # not whatever `python3` the PATH finds first.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("ratepayer-rate-study")
        .config("spark.pyspark.python", sys.executable)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "100000")
        .config("spark.sql.shuffle.partitions", "8")
        .getOrCreate()
    )


def monthly(spark: Any, ami_path: str, partitions: int | None = None) -> Any:
    """The comparison of every customer-month, as a Spark DataFrame."""
    here = Path(study_core.__file__).resolve()
    spark.sparkContext.addPyFile(str(here))
    spark.sparkContext.addPyFile(str(Path(__file__).resolve()))
    ami = spark.read.parquet(ami_path)
    parts = partitions or spark.sparkContext.defaultParallelism
    return (
        ami.repartition(parts, "customer")
        .sortWithinPartitions("customer", "timestamp")
        .mapInArrow(
            partition_biller(study_core.rate_text("current"), study_core.rate_text("proposed")),
            SPARK_SCHEMA,
        )
    )


def study(customers: int, partitions: int | None = None) -> dict[str, list[Any]]:
    """Annual totals by customer under both rates, computed on Spark."""
    from pyspark.sql import functions as F

    spark = session()
    spark.sparkContext.setLogLevel("ERROR")
    with tempfile.TemporaryDirectory() as tmp:
        write_ami(Path(tmp) / "ami", customers)
        annual = (
            monthly(spark, str(Path(tmp) / "ami"), partitions)
            .groupBy("customer")
            .agg(F.sum("current").alias("current"), F.sum("proposed").alias("proposed"))
            .orderBy("customer")
            .collect()
        )
    return {
        "customer": [r["customer"] for r in annual],
        "current": [r["current"] for r in annual],
        "proposed": [r["proposed"] for r in annual],
    }
