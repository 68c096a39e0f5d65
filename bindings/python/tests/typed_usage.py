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
    check: ratepayer.PasswordCheck = shelby.check_password("lantern orchard quietly humming")
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


def typed_portal() -> Decimal:
    shelby = ratepayer.Profile.builtin("shelby")
    fast: ratepayer.HashParams = ratepayer.HashParams.below_owasp_floor_for_tests()
    portal: ratepayer.Portal = ratepayer.Portal.in_memory(
        shelby, digest_key=bytes(32), hash_params=fast
    )
    now = datetime(2025, 11, 5, 12, tzinfo=timezone.utc)
    count: int = portal.import_accounts(
        [ratepayer.AccountImport(ratepayer.AccountRecord("100001", customer_number="5001"))],
        now=now,
    )
    assert count == 1
    reg: ratepayer.Registered = portal.register(
        account_number="100001", customer_number="5001", email="pat@example.com",
        username="patdoe", password="Glacier-violet-trombone-88",
        accepted_terms_version="2024-07", now=now, client_address="198.51.100.20"
    )
    notices: list[ratepayer.Notice] = portal.outbox()
    code: str | None = notices[-1].code
    assert code is not None
    portal.verify_contact(reg.login_id, reg.email_code_id, code, now=now)
    outcome: ratepayer.LoginOutcome = portal.login("patdoe", "Glacier-violet-trombone-88", now=now, client_address="198.51.100.20")
    assert outcome.challenge_required and outcome.challenge_id is not None
    sign_in_code: str | None = portal.outbox()[-1].code
    assert sign_in_code is not None
    outcome = portal.pass_device_challenge(
        outcome.login_id, outcome.challenge_id, sign_in_code, now=now,
        client_address="198.51.100.20",
    )
    session: str | None = outcome.session
    assert session is not None
    home: ratepayer.HomeView = portal.home(session, now=now)
    summaries: list[ratepayer.AccountSummary] = list(home)
    assert len(summaries) == 1
    listed: list[ratepayer.SessionInfo] = portal.sessions(session, now=now)
    current: bool = listed[0].current
    expires: datetime = listed[0].expires_at
    assert current and expires > now
    report: ratepayer.CycleReport = portal.run_autopay_cycle(date(2025, 11, 24), now=now)
    charged: Decimal | None = report.charged
    assert charged is None
    events: list[ratepayer.AuditEvent] = portal.audit_trail()
    assert events
    portal.sign_out(session, now=now)
    try:
        portal.home(session, now=now)
    except ratepayer.PortalError as e:
        assert e.code == "login.sign_in_required"
    else:
        raise AssertionError("a signed-out session was taken")
    return home.total_due


def test_typed_usage_runs() -> None:
    assert usage_of_the_typed_surface() == Decimal("58.17")
    assert typed_portal() == Decimal("0.00")
