"""Issue 17 item 4 through the Python binding: a completed sign-in starts a
session whose token every customer call takes; it ends on signing out,
after 30 idle minutes or 12 hours in all (the profile's `[login.session]`),
from the list of sessions, and all at once on a password change (which
hands the caller a new token) or reset. An unknown, ended or expired token
gets one and the same answer: `PortalError` `login.sign_in_required`."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import ratepayer
from conftest import REPO, sign_in, sign_in_outcome

PASSWORD = "Glacier-violet-trombone-88"
NEW_PASSWORD = "Harbour-lantern-quartz-4417"
KEY = bytes(range(32))
FAST = ratepayer.HashParams.below_owasp_floor_for_tests(memory_kib=64, iterations=1)
HOME = "198.51.100.20"
PHONE = "203.0.113.9"
T = datetime(2025, 11, 10, 9, tzinfo=timezone.utc)


def make_portal(profile: ratepayer.Profile | None = None) -> ratepayer.Portal:
    profile = profile or ratepayer.Profile.builtin("shelby")
    portal = ratepayer.Portal.in_memory(profile, digest_key=KEY, hash_params=FAST)
    portal.import_accounts(
        [ratepayer.AccountRecord("100001", customer_number="5001", zip="28150", name="Doe",
                                 email="pat@example.com")],
        now=T - timedelta(days=9),
    )
    reg = portal.register(account_number="100001", customer_number="5001",
                          email="pat@example.com", username="patdoe", password=PASSWORD,
                          accepted_terms_version="2024-07", now=T - timedelta(days=5),
                          client_address=HOME)
    code = portal.outbox()[-1].code
    assert code is not None
    portal.verify_contact(reg.login_id, reg.email_code_id, code, now=T - timedelta(days=5))
    return portal


def pat(portal: ratepayer.Portal, now: datetime = T, client_address: str = HOME,
        **kwargs: object) -> str:
    """Pat signs in at `now` from `client_address`; returns the session token."""
    return sign_in(portal, "patdoe", PASSWORD, now=now, client_address=client_address, **kwargs)


def refusal(call) -> ratepayer.PortalError:  # type: ignore[no-untyped-def]
    with pytest.raises(ratepayer.PortalError) as info:
        call()
    return info.value


def sign_in_required(call) -> None:  # type: ignore[no-untyped-def]
    e = refusal(call)
    assert e.code == "login.sign_in_required", e.code
    assert e.message == "your session has ended; sign in again"


def test_a_session_token_works_until_signed_out() -> None:
    portal = make_portal()
    outcome = sign_in_outcome(portal, "patdoe", PASSWORD, now=T, client_address=HOME)
    token = outcome.session
    assert token is not None and len(token) == 64 and int(token, 16) >= 0
    assert token not in repr(outcome) and "session='<redacted>'" in repr(outcome)
    home = portal.home(token, now=T)
    assert [a.account for a in home] == ["000100001"]
    assert portal.bills(token, "100001", now=T).bills == []
    assert portal.payment_history(token, "100001", now=T) == []
    assert portal.mfa_status(token, now=T) == (False, 0)

    portal.sign_out(token, now=T + timedelta(minutes=1))
    sign_in_required(lambda: portal.home(token, now=T + timedelta(minutes=1)))
    sign_in_required(lambda: portal.sign_out(token, now=T + timedelta(minutes=1)))
    kinds = [e.kind for e in portal.audit_trail()]
    assert kinds[-1] == "session_ended"
    assert not any(token in e.detail for e in portal.audit_trail())


def test_every_customer_call_refuses_an_ended_session() -> None:
    portal = make_portal()
    token = pat(portal)
    portal.sign_out(token, now=T)
    calls = [
        lambda: portal.home(token, now=T),
        lambda: portal.bills(token, "100001", now=T),
        lambda: portal.payment_history(token, "100001", now=T),
        lambda: portal.mfa_status(token, now=T),
        lambda: portal.sessions(token, now=T),
        lambda: portal.end_session(token, "0123456789abcdef", now=T),
        lambda: portal.sign_out_everywhere(token, now=T),
        lambda: portal.set_nickname(token, "100001", "Home", now=T),
        lambda: portal.set_delivery(token, "100001", paperless=True, now=T),
        lambda: portal.add_payment_method(token, method="echeck", token="tok_bank",
                                          label="Checking ending 6789", now=T),
        lambda: portal.quote_payment(token, amount="5.00", payment_method_id="pm",
                                     account="100001", now=T),
        lambda: portal.pay(token, quote_id="q", idempotency_key="py-ended-000000001", now=T),
        lambda: portal.cancel_autopay(token, "100001", now=T),
        lambda: portal.unlink_account(token, "100001", now=T),
        lambda: portal.add_authorized_user(token, "100001", "sam.doe", now=T),
        lambda: portal.link_account(token, account_number="100002", customer_number="5001",
                                    password=PASSWORD, now=T, client_address=HOME),
        lambda: portal.change_password(token, current=PASSWORD, new=NEW_PASSWORD, now=T,
                                       client_address=HOME),
        lambda: portal.enrol_totp(token, password=PASSWORD, now=T, client_address=HOME),
        lambda: portal.request_contact_change(token, contact="phone", new_value="704-555-0134",
                                              password=PASSWORD, now=T, client_address=HOME),
    ]
    for call in calls:
        sign_in_required(call)
    # The login itself is unharmed: signing in again works.
    assert portal.home(pat(portal, T + timedelta(minutes=1)), now=T + timedelta(minutes=1))


def test_an_idle_session_ends_and_a_use_moves_the_idle_end_on() -> None:
    portal = make_portal()
    token = pat(portal)
    [info] = portal.sessions(token, now=T)
    assert info.idle_expires_at == T + timedelta(minutes=30)
    # Used at 29 minutes: alive, and its idle end moves on.
    later = T + timedelta(minutes=29)
    portal.home(token, now=later)
    [info] = portal.sessions(token, now=later)
    assert (info.last_seen, info.idle_expires_at) == (later, later + timedelta(minutes=30))
    portal.home(token, now=later + timedelta(minutes=29))
    # 31 minutes after the last use: ended, and it stays ended.
    idle = later + timedelta(minutes=29 + 31)
    sign_in_required(lambda: portal.home(token, now=idle))
    sign_in_required(lambda: portal.home(token, now=later + timedelta(minutes=30)))


def test_a_session_ends_12_hours_after_sign_in_whatever_the_use() -> None:
    portal = make_portal()
    token = pat(portal)
    [info] = portal.sessions(token, now=T)
    assert info.expires_at == T + timedelta(hours=12)
    at = T
    while at + timedelta(minutes=20) < T + timedelta(hours=12):
        at += timedelta(minutes=20)
        portal.home(token, now=at)  # never idle
    sign_in_required(lambda: portal.home(token, now=T + timedelta(hours=12)))


def test_the_profile_sets_the_session_times() -> None:
    text = (REPO / "examples" / "profiles" / "shelby.toml").read_text()
    text += "\n[login.session]\nidle_minutes = 10\nabsolute_hours = 1\n"
    portal = make_portal(ratepayer.Profile.from_toml(text))
    token = pat(portal)
    [info] = portal.sessions(token, now=T)
    assert info.idle_expires_at == T + timedelta(minutes=10)
    assert info.expires_at == T + timedelta(hours=1)
    sign_in_required(lambda: portal.home(token, now=T + timedelta(minutes=11)))


def test_a_garbage_token_gets_the_same_answer_as_an_expired_one() -> None:
    portal = make_portal()
    token = pat(portal)
    expired = refusal(lambda: portal.home(token, now=T + timedelta(hours=13)))
    answers = [expired]
    for garbage in ["", "not-a-token", "0" * 64, "f" * 63, token[:-1] + "x", token + "00",
                    "\x00" * 64, "ф" * 64]:
        answers.append(refusal(lambda: portal.home(garbage, now=T)))
    assert {(type(e), e.code, e.message, str(e)) for e in answers} == {
        (ratepayer.PortalError, "login.sign_in_required",
         "your session has ended; sign in again", "your session has ended; sign in again")}
    assert all(isinstance(e, ratepayer.RatepayerError) for e in answers)


def test_change_password_rotates_the_session() -> None:
    portal = make_portal()
    old = pat(portal)
    other = pat(portal, T + timedelta(minutes=1), client_address=PHONE)
    new = portal.change_password(old, current=PASSWORD, new=NEW_PASSWORD,
                                 now=T + timedelta(minutes=2), client_address=HOME)
    assert isinstance(new, str) and len(new) == 64 and new not in (old, other)
    at = T + timedelta(minutes=3)
    sign_in_required(lambda: portal.home(old, now=at))
    sign_in_required(lambda: portal.home(other, now=at))
    assert portal.home(new, now=at)
    [info] = portal.sessions(new, now=at)
    assert info.current and info.created_at == T + timedelta(minutes=2)


def test_sessions_lists_each_sign_in_and_end_session_ends_another() -> None:
    portal = make_portal()
    first = sign_in_outcome(portal, "patdoe", PASSWORD, now=T - timedelta(hours=1),
                            client_address=HOME, remember="laptop")
    laptop = pat(portal, T, device_token=first.device_token)
    phone = pat(portal, T + timedelta(minutes=5), client_address=PHONE)
    at = T + timedelta(minutes=6)
    listed = portal.sessions(laptop, now=at)
    assert len(listed) == 2, "the first sign-in's session has ended (idle): not listed"
    assert [s.current for s in listed].count(True) == 1
    [mine] = [s for s in listed if s.current]
    [theirs] = [s for s in listed if not s.current]
    assert listed[0].created_at > listed[1].created_at  # newest first
    assert PHONE in theirs.client and theirs.created_at == T + timedelta(minutes=5)
    assert HOME in mine.client and mine.created_at == T and mine.id != theirs.id and len(mine.id) == 16
    for s in listed:
        assert s.created_at.tzinfo is not None and s.expires_at == s.created_at + timedelta(hours=12)
        assert s.last_seen <= at < s.idle_expires_at <= s.expires_at
        assert laptop not in repr(s) and phone not in repr(s) and s.id in repr(s)
        assert s.id not in (laptop, phone)
    with pytest.raises(AttributeError):
        mine.current = False  # type: ignore[misc]
    # Each sees itself as the current one.
    assert [s.id for s in portal.sessions(phone, now=at) if s.current] == [theirs.id]

    portal.end_session(laptop, theirs.id, now=at)
    sign_in_required(lambda: portal.home(phone, now=at))
    assert [s.id for s in portal.sessions(laptop, now=at)] == [mine.id]
    assert refusal(lambda: portal.end_session(laptop, theirs.id, now=at)).code == (
        "not_found.session")
    # Ending one's own session is signing out.
    portal.end_session(laptop, mine.id, now=at)
    sign_in_required(lambda: portal.home(laptop, now=at))


def test_sign_out_everywhere_ends_every_session_and_forgets_devices() -> None:
    portal = make_portal()
    first = sign_in_outcome(portal, "patdoe", PASSWORD, now=T, client_address=HOME,
                            remember="laptop")
    assert first.device_token is not None and first.session is not None
    second = pat(portal, T + timedelta(minutes=5), device_token=first.device_token)
    third = pat(portal, T + timedelta(minutes=6), client_address=PHONE)
    at = T + timedelta(minutes=7)
    assert len(portal.sessions(second, now=at)) == 3
    assert portal.sign_out_everywhere(second, now=at) == 3
    for token in (first.session, second, third):
        sign_in_required(lambda: portal.home(token, now=at))
    again = portal.login("patdoe", PASSWORD, device_token=first.device_token, now=at,
                         client_address=HOME)
    assert again.challenge_required and again.session is None, "the device is forgotten"


def test_reset_password_ends_every_session() -> None:
    portal = make_portal()
    laptop = pat(portal)
    phone = pat(portal, T + timedelta(minutes=1), client_address=PHONE)
    at = T + timedelta(minutes=2)
    portal.request_password_reset("patdoe", now=at, client_address=HOME)
    mail = portal.outbox()[-1]
    assert mail.subject == "Reset your password"
    reset = mail.body.split("minutes: ", 1)[1].split("\n", 1)[0]
    portal.reset_password(reset, NEW_PASSWORD, now=at, client_address=HOME)
    for token in (laptop, phone):
        sign_in_required(lambda: portal.home(token, now=at))
    fresh = sign_in(portal, "patdoe", NEW_PASSWORD, now=at + timedelta(minutes=1),
                    client_address=HOME)
    assert [s.current for s in portal.sessions(fresh, now=at + timedelta(minutes=1))] == [True]


def test_without_now_the_clock_is_used() -> None:
    portal = make_portal()
    now = datetime.now(timezone.utc)
    old = pat(portal, now - timedelta(hours=13))
    sign_in_required(lambda: portal.home(old))  # expired by the clock's time
    token = pat(portal, now)
    assert portal.home(token)  # checked at the clock's time: a fresh session
    [info] = portal.sessions(token)
    assert info.current and info.created_at <= datetime.now(timezone.utc)
    portal.sign_out(token)
    sign_in_required(lambda: portal.home(token))
