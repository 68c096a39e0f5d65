"""The shared bill vectors (tests/vectors/bills.json) give in Python exactly
what the Rust replay (tests/vectors.rs) checks: the total and, per line, the
description, the tariff version and the amount, as decimal strings."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

import ratepayer
from conftest import REPO

VECTORS = json.loads((REPO / "tests" / "vectors" / "bills.json").read_text())
CASES = VECTORS["cases"]


def test_the_vector_file_has_its_cases() -> None:
    assert len(CASES) >= 10


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_vector(case: dict) -> None:
    tariff = ratepayer.Profile.builtin(case["profile"]).tariff(case["tariff"])
    usage = case.get("usage")
    bill = tariff.bill(
        start=date.fromisoformat(case["from"]),
        end=date.fromisoformat(case["to"]),
        usage=Decimal(usage) if usage is not None else None,
        unit=case["unit"],
        meter_size=case.get("meter_size"),
        residents=case.get("residents"),
    )
    got = {
        "total": str(bill.total),
        "lines": [
            {"description": l.description, "version": l.version, "amount": str(l.amount)}
            for l in bill
        ],
    }
    assert got == case["expected"]
    assert isinstance(bill.total, Decimal)


@pytest.mark.parametrize("case", [c for c in CASES if c.get("usage") is not None],
                         ids=[c["name"] for c in CASES if c.get("usage") is not None])
def test_vector_through_the_batch(case: dict) -> None:
    """The batch path gives the same totals as the one-bill path."""
    tariff = ratepayer.Profile.builtin(case["profile"]).tariff(case["tariff"])
    result = tariff.bill_batch(
        [case["usage"], Decimal(case["usage"])],
        start=date.fromisoformat(case["from"]),
        end=date.fromisoformat(case["to"]),
        unit=case["unit"],
        meter_size=case.get("meter_size"),
    )
    assert [str(t) for t in result.totals()] == [case["expected"]["total"]] * 2
