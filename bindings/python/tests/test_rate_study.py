"""The electric rate-change study (examples/electric_rate_study.py): the
Polars form on one machine and the PySpark form under `mapInArrow` (local
mode) give every customer the same annual bills as `PreparedYear.bill`
gives each customer alone."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from decimal import Decimal

import pytest

from conftest import REPO

pytest.importorskip("pyarrow")
pytest.importorskip("polars")
sys.path.insert(0, str(REPO / "examples"))
import electric_rate_study as study  # noqa: E402

CUSTOMERS = 12


def direct() -> dict[str, list[Decimal]]:
    """Annual totals billed one customer at a time, from the same data."""
    import pyarrow as pa

    out: dict[str, list[Decimal]] = {"current": [], "proposed": []}
    table = pa.Table.from_batches(list(study.ami_batches(0, CUSTOMERS)))
    for which in out:
        year = study.prepared(which)
        for c in range(CUSTOMERS):
            kwh = table.filter(pa.compute.equal(table["customer"], c))["kwh"]
            out[which].append(sum((m.total for m in year.bill(kwh, start=datetime(2029, 1, 1))), Decimal(0)))
    return out


def test_the_polars_study_bills_each_customer_as_alone() -> None:
    frame = study.study_polars(CUSTOMERS)
    want = direct()
    assert frame["customer"].to_list() == list(range(CUSTOMERS))
    assert frame["current"].to_list() == want["current"]
    assert frame["proposed"].to_list() == want["proposed"]
    assert frame["error"].null_count() == CUSTOMERS
    report = study.summary({"current": want["current"], "proposed": want["proposed"]})
    assert f"customers billed: {CUSTOMERS}" in report


def test_the_spark_study_under_map_in_arrow_gives_the_same_bills() -> None:
    if os.environ.get("RATEPAYER_REQUIRE_SPARK") != "1":
        pytest.importorskip("pyspark")
    import electric_rate_study_spark as spark_study

    annual = spark_study.study(CUSTOMERS, partitions=3)
    want = direct()
    assert annual["customer"] == list(range(CUSTOMERS))
    assert annual["current"] == want["current"]
    assert annual["proposed"] == want["proposed"]
