"""Typed use of the package, checked by `mypy --strict` in scripts/test-python
(with stubtest, it keeps the hand-written stubs honest). Also run by pytest."""

from __future__ import annotations

import array
from datetime import date, datetime, timezone
from decimal import Decimal

import ratepayer


def usage_of_the_typed_surface() -> Decimal:
    shelby: ratepayer.Profile = ratepayer.Profile.builtin("shelby")
    water: ratepayer.Tariff = shelby.tariff("shelby-water-residential")
    bill: ratepayer.Bill = water.bill(
        start=date(2025, 10, 1), end=date(2025, 10, 31), usage=Decimal("7.4"), meter_size="5/8"
    )
    amounts: list[Decimal] = [line.amount for line in bill]
    tiers: list[int | None] = [line.tier for line in bill.lines]
    assert len(amounts) == len(tiers)

    result: ratepayer.BatchResult = water.bill_batch(
        [7400, 0], start=date(2025, 10, 1), end=date(2025, 10, 31), unit="gal", meter_size="5/8"
    )
    cents: array.array[int] = result.totals_minor
    totals: list[Decimal | None] = result.totals()
    assert cents[0] == 5722 and totals[0] == bill.total

    quote: ratepayer.FeeQuote = shelby.quote_fee(bill.total, channel="online", method="echeck")
    check: ratepayer.PasswordCheck = shelby.check_password("correct horse battery staple")
    codes: list[str] = check.codes
    assert not codes
    drafted: date = shelby.draft_date(
        "Card AutoPay", bill_date=date(2025, 1, 2), due_date=date(2025, 1, 20)
    )
    assert ratepayer.Calendar.fed().is_business_day(drafted)
    try:
        ratepayer.Profile.builtin("medford").register(
            account_number="1", email="a@example.com",
            now=datetime(2026, 1, 1, tzinfo=timezone.utc), accounts=[],
        )
    except ratepayer.RegistrationError as e:
        code: str = e.code
        field: str | None = e.field
        assert code and (field is None or field)
    problems: list[ratepayer.Problem] = ratepayer.validate("id = 1")
    assert problems
    return quote.total


def test_typed_usage_runs() -> None:
    assert usage_of_the_typed_surface() == Decimal("58.17")
