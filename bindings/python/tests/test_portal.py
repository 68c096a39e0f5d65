"""The portal service over the embedded SQLite store, from Python: the
customer journey (Shelby), typed refusals that leave the database unchanged,
and float money refused. Customer calls take the session token of a sign-in
(a session ends after 30 idle minutes, so the tests sign in again when the
clock moves on)."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

import ratepayer
from conftest import sign_in

PASSWORD = "Glacier-violet-trombone-88"
CLIENT = "198.51.100.20"
KEY = bytes(range(32))
FAST = ratepayer.HashParams.below_owasp_floor_for_tests(memory_kib=64, iterations=1)


def nov(day: int, hour: int = 12) -> datetime:
    return datetime(2025, 11, day, hour, tzinfo=timezone.utc)


def water_bill(shelby: ratepayer.Profile, gallons: int, month: int = 10) -> ratepayer.Bill:
    """A Shelby water bill of 2025's `month` (October or November)."""
    end = date(2025, month + 1, 1) - timedelta(days=1)
    return shelby.tariff("shelby-water-residential").bill(
        start=date(2025, month, 1), end=end, usage=gallons, unit="gal",
        meter_size="5/8",
    )


def record(number: str, customer: str) -> ratepayer.AccountRecord:
    return ratepayer.AccountRecord(number, customer_number=customer, zip="28150", name="Doe",
                                   email="pat@example.com")


def seeded(portal: ratepayer.Portal, shelby: ratepayer.Profile) -> None:
    imported = portal.import_accounts(
        [
            ratepayer.AccountImport(record("100001", "5001"), service_address="1 Elm Street"),
            ratepayer.AccountImport(record("100002", "5001"), service_address="2 Elm Street"),
            ratepayer.AccountImport(record("100003", "5001"), status="closed"),
            record("100004", "5002"),
        ],
        now=nov(1),
    )
    assert imported == 4
    for account, gallons in [("100001", 7400), ("100002", 3000)]:
        posted = portal.post_bill(account, water_bill(shelby, gallons), bill_id="2025-10",
                                  bill_date=date(2025, 11, 3), due_date=date(2025, 11, 24),
                                  now=nov(3))
        assert posted.account == "000" + account and posted.due_date == date(2025, 11, 24)


def register_pat(portal: ratepayer.Portal) -> ratepayer.Registered:
    return portal.register(account_number="000100001", customer_number="5001",
                           email="Pat@Example.com", username="PatDoe", password=PASSWORD,
                           accepted_terms_version="2024-07", now=nov(5), client_address=CLIENT)


def pat_session(portal: ratepayer.Portal, now: datetime, **kwargs: object) -> str:
    """Pat signs in (password, then the emailed code); returns the session token."""
    return sign_in(portal, "patdoe", PASSWORD, now=now, **kwargs)


@pytest.fixture
def portal(shelby: ratepayer.Profile) -> ratepayer.Portal:
    p = ratepayer.Portal.in_memory(shelby, digest_key=KEY, hash_params=FAST)
    seeded(p, shelby)
    return p


def test_journey(shelby: ratepayer.Profile, tmp_path: Path) -> None:
    portal = ratepayer.Portal.open(shelby, tmp_path / "portal.sqlite", digest_key=KEY,
                                   hash_params=FAST)
    assert "shelby" in repr(portal)
    seeded(portal, shelby)

    # Register with Shelby's recipe (account number + customer number).
    reg = register_pat(portal)
    assert (reg.username, reg.account, reg.covers_current_bill) == ("patdoe", "000100001", True)
    assert "patdoe" in repr(reg)

    # A rejected registration tells only the public reason.
    with pytest.raises(ratepayer.RegistrationError) as rejected:
        portal.register(account_number="100004", customer_number="9999",
                        email="sam@example.com", username="sam.doe", password=PASSWORD,
                        accepted_terms_version="2024-07", now=nov(5, 13), client_address=CLIENT)
    assert rejected.value.code == "registration.not_verified"
    assert "9999" not in rejected.value.message and "5002" not in rejected.value.message
    assert isinstance(rejected.value, ratepayer.RatepayerError)
    with pytest.raises(ratepayer.RegistrationError) as no_account:
        portal.register(account_number="999999", customer_number="5002",
                        email="sam@example.com", username="sam.doe", password=PASSWORD,
                        accepted_terms_version="2024-07", now=nov(5, 13), client_address=CLIENT)
    assert (no_account.value.code, no_account.value.message) == (
        rejected.value.code, rejected.value.message), "the same answer either way"
    assert rejected.value.internal_reason == "recorded in the portal's audit trail"

    # The email code from the outbox verifies the contact.
    notice = portal.outbox()[-1]
    assert notice.to.lower() == "pat@example.com" and notice.channel == "email"
    code = notice.code
    assert code and code not in repr(notice) and "<redacted>" in repr(notice)
    with pytest.raises(ratepayer.RatepayerError) as wrong:
        portal.verify_contact(reg.login_id, reg.email_code_id, "000000" if code != "000000"
                              else "111111", now=nov(5))
    assert wrong.value.code == "wrong_code"
    portal.verify_contact(reg.login_id, reg.email_code_id, code, now=nov(5))

    # Login: a wrong password, then the device challenge.
    with pytest.raises(ratepayer.PortalError) as bad_login:
        portal.login("patdoe", "wrong-password-here", now=nov(6, 9), client_address=CLIENT)
    assert bad_login.value.code == "login.wrong_credentials"
    outcome = portal.login("PatDoe", PASSWORD, now=nov(6, 9), client_address=CLIENT)
    assert not outcome and outcome.challenge_required and outcome.challenge_id
    challenge = portal.outbox()[-1]
    assert challenge.subject == "Your sign-in code" and challenge.code
    signed_in = portal.pass_device_challenge(reg.login_id, outcome.challenge_id, challenge.code,
                                             remember="laptop", now=nov(6, 9),
                                             client_address=CLIENT)
    assert signed_in and signed_in.device_token and signed_in.session
    assert signed_in.device_token not in repr(signed_in) and "<redacted>" in repr(signed_in)
    assert signed_in.session not in repr(signed_in)
    assert outcome.session is None, "no session before the sign-in completes"
    again = portal.login("patdoe", PASSWORD, device_token=signed_in.device_token, now=nov(7, 10), client_address=CLIENT)
    assert again.signed_in and again.login_id == reg.login_id
    assert again.session and again.session != signed_in.session

    def session_at(now: datetime) -> str:
        """Signs in again from the remembered laptop (no code asked)."""
        outcome = portal.login("patdoe", PASSWORD, device_token=signed_in.device_token, now=now,
                               client_address=CLIENT)
        assert outcome.signed_in and outcome.session
        return outcome.session

    # Link a second account with the recipe's proofs and the password again.
    pat = again.session
    linked = portal.link_account(pat, account_number="100002", customer_number="5001",
                                 password=PASSWORD, nickname="Lake cabin", now=nov(7, 10), client_address=CLIENT)
    assert linked == "000100002"
    assert any("linked" in n.subject for n in portal.outbox())

    # Home and bills.
    home = portal.home(pat, now=nov(7, 10))
    assert len(home) == 2
    first, second = home
    assert first.amount_due == Decimal("57.22") and first.due_date == date(2025, 11, 24)
    assert second.nickname == "Lake cabin" and second.role == "owner"
    assert home.total_due == first.amount_due + second.amount_due
    assert "57.22" in repr(first)
    view = portal.bills(pat, "100001", now=nov(7, 10))
    assert len(view) == 1 and not view.history_shown
    assert [b.bill_id for b in view] == ["2025-10"] and view.bills[0].total == Decimal("57.22")

    # A split partial payment, the fee quoted first: card 3.75, e-check 0.95.
    card = portal.add_payment_method(pat, method="credit_card", token="tok_visa_pat",
                                     label="Visa ending 4242", card_expiry=(2030, 12),
                                     now=nov(7, 10))
    bank = portal.add_payment_method(pat, method="echeck", token="tok_bank_pat",
                                     label="Checking ending 6789", now=nov(7, 10))
    split = {"100001": Decimal("30.00"), "100002": Decimal("10.00")}
    pat = session_at(nov(7, 11))
    echeck = portal.quote_payment(pat, amount=Decimal("40.00"), split=split,
                                  payment_method_id=bank, now=nov(7, 11))
    assert echeck.fee == Decimal("0.95")
    quote = portal.quote_payment(pat, amount=Decimal("40.00"), split=split,
                                 payment_method_id=card, now=nov(7, 11))
    assert (quote.fee, quote.total) == (Decimal("3.75"), Decimal("43.75"))
    receipt = portal.pay(pat, quote_id=quote.id, idempotency_key="py-payment-00000001",
                         now=nov(7, 11))
    # Double submit (issue 16): the same key returns the first receipt.
    again = portal.pay(pat, quote_id=quote.id, idempotency_key="py-payment-00000001",
                       now=nov(7, 11))
    assert again.payment_id == receipt.payment_id
    assert (receipt.amount, receipt.fee, receipt.total) == (
        Decimal("40.00"), Decimal("3.75"), Decimal("43.75"))
    assert [(a, paid) for a, paid, _ in receipt.allocations] == [
        ("000100001", Decimal("30.00")), ("000100002", Decimal("10.00"))]
    assert "43.75" in repr(receipt)
    home = portal.home(pat, now=nov(7, 11))
    assert home.accounts[0].amount_due == Decimal("27.22")
    assert home.accounts[1].amount_due == second.amount_due - Decimal("10.00")

    # AutoPay: enrolled before the cut-off; the cycle run twice drafts once.
    pat = session_at(nov(7, 13))
    enrolled = portal.enrol_autopay(pat, "100001", option="Card AutoPay",
                                    payment_method_id=card, accepted_terms_version="2024-07",
                                    now=nov(7, 13))
    assert enrolled.covers_open_bill and enrolled.first_bill == "current"
    runs = [portal.run_autopay_cycle(date(2025, 11, 24), now=nov(24, h)) for h in (6, 7)]
    assert (runs[0].drafted, runs[0].charged) == (1, Decimal("30.97"))
    assert (runs[1].drafted, runs[1].already_drafted, runs[1].charged) == (0, 0, None)
    assert "drafted=1" in repr(runs[0])
    pat = session_at(nov(25))
    home = portal.home(pat, now=nov(25))
    assert home.accounts[0].amount_due == Decimal("0.00")
    assert home.accounts[0].autopay == "Card AutoPay"
    portal.cancel_autopay(pat, "100001", now=nov(25))
    assert portal.home(pat, now=nov(25)).accounts[0].autopay is None

    # E-billing shows the history; text alerts alone still mean paper.
    portal.post_bill("100001", water_bill(shelby, 5000, month=11), bill_id="2025-11",
                     bill_date=date(2025, 12, 3), due_date=date(2025, 12, 24), now=nov(30))
    pat = session_at(nov(30))
    assert len(portal.bills(pat, "100001", now=nov(30))) == 1
    portal.set_delivery(pat, "100001", ebilling=True, text_alerts=True, now=nov(30))
    assert [b.bill_id for b in portal.bills(pat, "100001", now=nov(30))] == ["2025-11", "2025-10"]
    assert portal.home(pat, now=nov(30)).accounts[0].paper_bill

    # A password change forgets the remembered device and ends the session:
    # the caller carries on with the new one it returns.
    new_password = "Harbor-lantern-quince-417"
    old = pat
    pat = portal.change_password(old, current=PASSWORD, new=new_password, now=nov(30), client_address=CLIENT)
    assert pat != old and len(pat) == 64
    assert portal.outbox()[-1].subject == "Your password was changed"
    with pytest.raises(ratepayer.PortalError) as ended:
        portal.home(old, now=nov(30))
    assert ended.value.code == "login.sign_in_required"
    assert portal.home(pat, now=nov(30)).accounts[0].paper_bill, "the new session works"
    assert portal.login("patdoe", new_password, device_token=signed_in.device_token,
                        now=nov(30), client_address=CLIENT).challenge_required

    # The audit trail has the security and money events and no secret.
    trail = portal.audit_trail()
    kinds = {e.kind for e in trail}
    for kind in ["registered", "registration_rejected", "contact_verified", "login_failed",
                 "device_challenged", "device_trusted", "login_succeeded", "account_linked",
                 "payment_made", "autopay_enrolled", "draft_executed", "autopay_cancelled",
                 "bill_posted", "password_changed", "settings_changed", "session_ended"]:
        assert kind in kinds, kind
    for e in trail:
        assert PASSWORD not in e.detail and new_password not in e.detail
        assert code not in e.detail
        assert signed_in.device_token not in e.detail
        assert pat not in e.detail and old not in e.detail
    assert all(e.at.tzinfo is not None for e in trail)

    # The state is in the file, sessions too: a second portal on it (with the
    # same digest key) takes the session and sees the same home.
    reopened = ratepayer.Portal.open(shelby, tmp_path / "portal.sqlite", digest_key=KEY)
    assert (reopened.home(pat, now=nov(30)).total_due
            == portal.home(pat, now=nov(30)).total_due)


def dump(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        return list(db.iterdump())


def test_bad_input_raises_typed_errors_and_changes_nothing(
    shelby: ratepayer.Profile, tmp_path: Path
) -> None:
    path = tmp_path / "portal.sqlite"
    portal = ratepayer.Portal.open(shelby, path, digest_key=KEY, hash_params=FAST)
    seeded(portal, shelby)
    register_pat(portal)
    pat = pat_session(portal, nov(7))
    card = portal.add_payment_method(pat, method="credit_card", token="tok_visa",
                                     label="Visa ending 4242", card_expiry=(2030, 12),
                                     now=nov(7))
    before = dump(path)
    sent = len(portal.outbox())

    with pytest.raises(ratepayer.PortalError) as e:
        portal.set_nickname(pat, "100001", "\x07bell", now=nov(7))
    assert e.value.code == "invalid.nickname"
    with pytest.raises(ratepayer.PortalError) as e:
        portal.add_payment_method(pat, method="credit_card", token="4111 1111 1111 1111",
                                  label="Visa", now=nov(7))
    assert e.value.code.startswith("invalid.")
    with pytest.raises(ratepayer.PasswordPolicyError) as weak:
        portal.change_password(pat, current=PASSWORD, new="short", now=nov(7), client_address=CLIENT)
    assert "password.too_short" in [f.code for f in weak.value.failures]
    with pytest.raises(ratepayer.PortalError) as e:
        portal.set_delivery(pat, "100001", billing_email="not an email", now=nov(7))
    assert e.value.code == "invalid.billing_email"
    with pytest.raises(ratepayer.PortalError) as e:
        portal.home("no-such-session", now=nov(7))
    assert e.value.code == "login.sign_in_required"
    with pytest.raises(ratepayer.PortalError) as e:
        portal.post_bill("100001", water_bill(shelby, 10), bill_id="x",
                         bill_date=date(2025, 11, 3), due_date=date(2025, 11, 1), now=nov(7))
    assert e.value.code == "invalid.due_date"
    with pytest.raises(ratepayer.RatepayerError) as e:
        portal.pay(pat, quote_id="no-such-quote", idempotency_key="py-unknown-000001",
                   now=nov(7))
    assert e.value.code == "not_found.quote"
    with pytest.raises(ratepayer.PortalError):
        portal.enrol_autopay(pat, "100001", option="Card AutoPay", payment_method_id="nope",
                             now=nov(7))
    with pytest.raises(TypeError):
        portal.login("patdoe", PASSWORD, now=datetime(2025, 11, 7), client_address=CLIENT)  # naive: refused

    assert dump(path) == before
    assert len(portal.outbox()) == sent
    # A wrong current password is the exception: it counts like a failed
    # sign-in and is audited (issue 17).
    with pytest.raises(ratepayer.PortalError) as e:
        portal.change_password(pat, current="not-the-password", new=PASSWORD, now=nov(7),
                               client_address=CLIENT)
    assert e.value.code == "login.wrong_credentials"
    assert dump(path) != before
    assert [a.kind for a in portal.audit_trail()][-1] == "reauthentication_failed"


def test_float_money_refused(portal: ratepayer.Portal) -> None:
    register_pat(portal)
    pat = pat_session(portal, nov(7))
    card = portal.add_payment_method(pat, method="credit_card", token="tok_visa",
                                     label="Visa ending 4242", card_expiry=(2030, 12),
                                     now=nov(7))
    with pytest.raises(TypeError, match="float"):
        portal.quote_payment(pat, amount=40.0, account="100001", payment_method_id=card,
                             now=nov(7))
    with pytest.raises(TypeError, match="float"):
        portal.quote_payment(pat, amount=Decimal("40"), split=[("100001", 40.0)],
                             payment_method_id=card, now=nov(7))
    with pytest.raises(TypeError, match="float"):
        portal.enrol_autopay(pat, "100001", option="Card AutoPay", payment_method_id=card,
                             maximum=100.0, now=nov(7))
    with pytest.raises(ratepayer.MoneyError):
        portal.quote_payment(pat, amount=Decimal("40.001"), account="100001",
                             payment_method_id=card, now=nov(7))


def test_setup_errors(shelby: ratepayer.Profile) -> None:
    with pytest.raises(ratepayer.PortalError) as e:
        ratepayer.Portal.in_memory(shelby, digest_key=b"short")
    assert e.value.code == "portal.config"
    with pytest.raises(TypeError):
        ratepayer.Portal.in_memory(shelby, digest_key="a string key, not bytes!!!!!!!!!!")  # type: ignore[arg-type]
    with pytest.raises(ratepayer.PortalError):
        ratepayer.HashParams(memory_kib=64, iterations=1)
    assert ratepayer.HashParams().memory_kib == 19_456
    with pytest.raises(ratepayer.StorageError) as s:
        ratepayer.Portal.open(shelby, "/nonexistent-dir/x/portal.sqlite", digest_key=KEY)
    assert s.value.code.startswith("storage.")


def test_outbox_take_and_roles(portal: ratepayer.Portal) -> None:
    pat_id = register_pat(portal).login_id
    assert len(portal.take_outbox()) == 1 and portal.outbox() == []
    portal.register(account_number="100004", customer_number="5002",
                    email="sam@example.com", username="sam.doe", password=PASSWORD,
                    accepted_terms_version="2024-07", now=nov(8), client_address=CLIENT)
    pat = pat_session(portal, nov(8))
    sam = sign_in(portal, "sam.doe", PASSWORD, now=nov(8))
    portal.add_authorized_user(pat, "100001", "Sam.Doe", now=nov(8))
    assert [a.role for a in portal.home(sam, now=nov(8))] == ["owner", "authorized_user"]
    portal.staff_link("clerk-7", pat_id, "100003", now=nov(8))
    assert portal.home(pat, now=nov(8)).accounts[-1].status == "closed"
    pat = pat_session(portal, nov(9))
    portal.unlink_account(pat, "100001", now=nov(9))
    sam = sign_in(portal, "sam.doe", PASSWORD, now=nov(9))
    assert len(portal.home(sam, now=nov(9))) == 1


def test_notify_callable_pepper_and_contacts(shelby: ratepayer.Profile) -> None:
    sent: list[tuple[str, str, str]] = []

    def notify(to: str, subject: str, body: str) -> None:
        sent.append((to, subject, body))

    portal = ratepayer.Portal.in_memory(shelby, digest_key=KEY, hash_params=FAST,
                                        pepper=("2025-01", bytes(range(32, 64))),
                                        notify=notify, autopay_batch=10)
    seeded(portal, shelby)
    register_pat(portal)
    assert portal.outbox() == [] and len(sent) == 1
    pat = pat_session(portal, nov(6), code=lambda: first_code(sent[-1][2]))
    code_id = portal.request_contact_change(pat, contact="phone", new_value="704-555-0134",
                                            password=PASSWORD, now=nov(6),
                                            client_address=CLIENT)
    to, _, body = sent[-1]
    assert to.endswith("7045550134") or "704" in to
    code = first_code(body)
    portal.confirm_contact_change(pat, code_id, code, now=nov(6))
    assert "contact_verified" in [e.kind for e in portal.audit_trail()]
    assert portal.login("patdoe", PASSWORD, now=nov(6), client_address=CLIENT).challenge_required
    with pytest.raises(TypeError):
        portal.add_contact(pat, now=nov(6))
    with pytest.raises(TypeError):
        ratepayer.Portal.in_memory(shelby, digest_key=KEY, notify="not callable")  # type: ignore[arg-type]


def first_code(body: str) -> str:
    return next(w for w in body.replace(".", " ").split() if w.isdigit() and len(w) >= 6)


def test_store_calls_release_the_gil(shelby: ratepayer.Profile) -> None:
    """Argon2 at the OWASP parameters runs with the GIL released: another
    Python thread keeps running well inside the call's window."""
    portal = ratepayer.Portal.in_memory(shelby, digest_key=KEY)
    seeded(portal, shelby)
    register_pat(portal)
    pat = pat_session(portal, nov(7))
    ticks: list[float] = []
    done = threading.Event()

    def count() -> None:
        while not done.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.001)

    worker = threading.Thread(target=count)
    worker.start()
    windows = []
    try:
        for _ in range(3):
            start = time.monotonic()
            with pytest.raises(ratepayer.PortalError):
                portal.change_password(pat, current="not-the-password", new=PASSWORD,
                                       now=nov(7), client_address=CLIENT)
            windows.append((start, time.monotonic()))
    finally:
        done.set()
        worker.join()
    inside = [t for t in ticks for a, b in windows if b - a > 0.02 and a + 0.005 < t < b - 0.005]
    assert inside, (windows, len(ticks))


def test_throttled_login_says_when_to_retry(portal: ratepayer.Portal) -> None:
    register_pat(portal)
    refusals = []
    for _ in range(6):
        with pytest.raises(ratepayer.PortalError) as e:
            portal.login("patdoe", "wrong-password-here", now=nov(6, 9), client_address=CLIENT)
        refusals.append(e.value)
    assert refusals[0].code == "login.wrong_credentials"
    assert refusals[0].retry_after_seconds is None
    assert "login.throttled" in [r.code for r in refusals]
    with pytest.raises(ratepayer.PortalError) as throttled:
        portal.login("patdoe", PASSWORD, now=nov(6, 9), client_address=CLIENT)
    assert throttled.value.code == "login.throttled"
    assert isinstance(throttled.value.retry_after_seconds, int)
    assert throttled.value.retry_after_seconds > 0


def test_cycle_from_two_threads_drafts_once(shelby: ratepayer.Profile, tmp_path: Path) -> None:
    path = tmp_path / "portal.sqlite"
    first = ratepayer.Portal.open(shelby, path, digest_key=KEY, hash_params=FAST)
    seeded(first, shelby)
    register_pat(first)
    pat = pat_session(first, nov(7))
    card = first.add_payment_method(pat, method="credit_card", token="tok_visa",
                                    label="Visa ending 4242", card_expiry=(2030, 12), now=nov(7))
    first.enrol_autopay(pat, "100001", option="Card AutoPay", payment_method_id=card,
                        accepted_terms_version="2024-07", now=nov(7))
    second = ratepayer.Portal.open(shelby, path, digest_key=KEY, hash_params=FAST)
    reports: list[ratepayer.CycleReport] = []
    errors: list[BaseException] = []

    def run(p: ratepayer.Portal) -> None:
        try:
            reports.append(p.run_autopay_cycle(date(2025, 11, 24), now=nov(24, 6)))
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(p,)) for p in (first, second, first)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sum(r.drafted for r in reports) == 1
    pat = pat_session(first, nov(24, 7))
    assert first.home(pat, now=nov(24, 7)).accounts[0].amount_due == Decimal("0.00")
    assert [e.kind for e in second.audit_trail()].count("draft_executed") == 1


def test_payment_intents(portal: ratepayer.Portal) -> None:
    """Issue 16: an expired quote is refused, a fee-free channel of AutoPay
    cannot be quoted (fee evasion), and a double submit records one payment."""
    register_pat(portal)
    pat = pat_session(portal, nov(7))
    card = portal.add_payment_method(pat, method="credit_card", token="tok_visa",
                                     label="Visa ending 4242", card_expiry=(2030, 12),
                                     now=nov(7))
    bank = portal.add_payment_method(pat, method="echeck", token="tok_bank",
                                     label="Checking ending 6789", now=nov(7))
    with pytest.raises(ratepayer.RatepayerError) as e:
        portal.quote_payment(pat, amount=Decimal("5.00"), account="100001",
                             payment_method_id=bank, channel="bank_draft", now=nov(7))
    assert e.value.code == "invalid.channel"
    quote = portal.quote_payment(pat, amount=Decimal("5.00"), account="100001",
                                 payment_method_id=card, now=nov(7))
    assert quote.id and quote.expires_at == nov(7).replace(minute=15)
    pat = pat_session(portal, nov(8))
    with pytest.raises(ratepayer.RatepayerError) as e:
        portal.pay(pat, quote_id=quote.id, idempotency_key="py-expired-000001",
                   now=nov(8))
    assert e.value.code == "invalid.quote_id"
    due = portal.home(pat, now=nov(8)).accounts[0].amount_due
    quote = portal.quote_payment(pat, amount=Decimal("5.00"), account="100001",
                                 payment_method_id=card, now=nov(8))
    first = portal.pay(pat, quote_id=quote.id, idempotency_key="py-double-0000001",
                       now=nov(8))
    second = portal.pay(pat, quote_id=quote.id, idempotency_key="py-double-0000001",
                        now=nov(8))
    assert (second.payment_id, second.total) == (first.payment_id, first.total)
    assert portal.home(pat, now=nov(8)).accounts[0].amount_due == due - Decimal("5.00")

