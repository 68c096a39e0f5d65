"""Issue 17, items 3 and 7, through the Python binding: recovery by an
emailed temporary password (into "must change password"), and contact
changes with re-authentication, a code to the new contact, a notice to the
old one, and send limits. Customer calls take the session token of a sign-in."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import ratepayer
from conftest import sign_in_outcome

PASSWORD = "Glacier-violet-trombone-88"
NEW_PASSWORD = "Harbour-lantern-quartz-4417"
KEY = bytes(range(32))
FAST = ratepayer.HashParams.below_owasp_floor_for_tests(memory_kib=64, iterations=1)
HOME = "198.51.100.20"


def nov(day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2025, 11, day, hour, minute, tzinfo=timezone.utc)


def make_portal() -> tuple[ratepayer.Portal, str]:
    shelby = ratepayer.Profile.builtin("shelby")
    portal = ratepayer.Portal.in_memory(shelby, digest_key=KEY, hash_params=FAST)
    portal.import_accounts(
        [ratepayer.AccountRecord("100001", customer_number="5001", zip="28150", name="Doe",
                                 email="pat@example.com")],
        now=nov(1),
    )
    reg = portal.register(account_number="100001", customer_number="5001",
                          email="pat@example.com", username="patdoe", password=PASSWORD,
                          accepted_terms_version="2024-07", now=nov(5), client_address=HOME)
    code = portal.outbox()[-1].code
    assert code is not None
    portal.verify_contact(reg.login_id, reg.email_code_id, code, now=nov(5))
    return portal, reg.login_id


def error_of(call) -> ratepayer.RatepayerError:  # type: ignore[no-untyped-def]
    with pytest.raises(ratepayer.RatepayerError) as info:
        call()
    return info.value


def temporary_password(portal: ratepayer.Portal) -> str:
    notice = portal.outbox()[-1]
    assert notice.subject == "Your temporary password"
    return notice.body.split("new password: ", 1)[1].split("\n", 1)[0]


def sign_in(portal: ratepayer.Portal, password: str, now: datetime) -> ratepayer.LoginOutcome:
    """Signs Pat in past the device challenge (`.session`, `.must_change_password`)."""
    return sign_in_outcome(portal, "patdoe", password, now=now, client_address=HOME)


def session(portal: ratepayer.Portal, now: datetime) -> str:
    token = sign_in(portal, PASSWORD, now).session
    assert token is not None
    return token


def test_temporary_password_into_must_change_then_dead() -> None:
    portal, pat = make_portal()
    t = nov(10, 9)
    sent = len(portal.outbox())
    assert portal.request_temporary_password("nobody", now=t, client_address=HOME) is None
    assert len(portal.outbox()) == sent, "an unknown username gets the same answer, no mail"
    assert portal.request_temporary_password("patdoe", now=t, client_address=HOME) is None
    temporary = temporary_password(portal)
    assert not sign_in(portal, PASSWORD, t).must_change_password, (
        "the real password works until it is used")
    t1 = t + timedelta(minutes=1)
    must = sign_in(portal, temporary, t1)
    assert must.must_change_password and must.login_id == pat and must.session
    assert error_of(lambda: portal.home(must.session, now=t1)
                    ).code == "login.password_change_required"
    assert error_of(lambda: portal.change_password(
        must.session, current=temporary, new=temporary, now=t1, client_address=HOME)
    ).code == "invalid.new_password"
    changed = portal.change_password(must.session, current=temporary, new=NEW_PASSWORD, now=t1,
                                     client_address=HOME)
    portal.home(changed, now=t1)
    assert error_of(lambda: portal.home(must.session, now=t1)).code == "login.sign_in_required"
    assert error_of(lambda: portal.login("patdoe", temporary, now=t1, client_address=HOME)
                    ).code == "login.wrong_credentials"


def test_an_expired_temporary_password_is_a_wrong_password() -> None:
    portal, _ = make_portal()
    t = nov(10, 9)
    portal.request_temporary_password("patdoe", now=t, client_address=HOME)
    temporary = temporary_password(portal)
    late = t + timedelta(hours=25)
    assert error_of(lambda: portal.login("patdoe", temporary, now=late, client_address=HOME)
                    ).code == "login.wrong_credentials"


def test_the_billing_email_needs_the_password_a_code_and_tells_the_old_address() -> None:
    portal, _ = make_portal()
    t = nov(10, 9)
    pat = session(portal, t)
    # The reported defect: set_delivery changed it with nothing asked.
    assert error_of(lambda: portal.set_delivery(pat, "100001", billing_email="thief@example.net",
                                                now=t)).code == "invalid.billing_email"
    assert error_of(lambda: portal.request_contact_change(
        pat, contact="billing_email", account="100001", new_value="bills@example.com",
        password="wrong-password-here", now=t, client_address=HOME)
    ).code == "login.wrong_credentials"
    assert any("wrong password at re-authentication" in e.detail for e in portal.audit_trail())
    change = portal.request_contact_change(
        pat, contact="billing_email", account="100001", new_value="bills@example.com",
        password=PASSWORD, now=t, client_address=HOME)
    code_notice = portal.outbox()[-1]
    assert code_notice.to == "bills@example.com" and code_notice.code is not None
    portal.confirm_contact_change(pat, change, code_notice.code, now=t)
    notice = portal.outbox()[-1]
    assert notice.to == "pat@example.com"
    assert notice.subject == "A contact of your portal login was changed"
    assert "bills@example.com" not in notice.body


def test_code_sends_are_limited_per_contact_per_hour() -> None:
    portal, _ = make_portal()
    t = nov(10, 9)
    pat = session(portal, t)
    for i in range(5):
        portal.request_contact_change(pat, contact="phone", new_value="704-555-0134",
                                      password=PASSWORD, now=t + timedelta(seconds=i),
                                      client_address=HOME)
    assert error_of(lambda: portal.request_contact_change(
        pat, contact="phone", new_value="704-555-0134", password=PASSWORD,
        now=t + timedelta(seconds=9), client_address=HOME)).code == "send_limit"


def test_an_unconfirmed_login_email_change_keeps_the_old_one() -> None:
    portal, _ = make_portal()
    t = nov(10, 9)
    pat = session(portal, t)
    portal.request_contact_change(pat, contact="login_email", new_value="new@example.org",
                                  password=PASSWORD, now=t, client_address=HOME)
    portal.request_temporary_password("patdoe", now=t, client_address=HOME)
    assert portal.outbox()[-1].to == "pat@example.com"


def test_a_temporary_password_gets_past_a_throttled_login() -> None:
    portal, _ = make_portal()
    t = nov(10, 9)
    portal.request_temporary_password("patdoe", now=t, client_address=HOME)
    temporary = temporary_password(portal)
    codes = set()
    for i in range(50):
        e = error_of(lambda: portal.login("patdoe", "wrong-password-guess", now=t,
                                          client_address=f"203.0.113.{i + 1}"))
        codes.add(e.code)
        if e.code in ("login.throttled", "login.locked"):
            break
    assert codes & {"login.throttled", "login.locked"}, codes
    assert error_of(lambda: portal.login("patdoe", PASSWORD, now=t, client_address=HOME)
                    ).code in ("login.throttled", "login.locked")
    must = sign_in(portal, temporary, t)
    assert must.must_change_password and must.session, "the recovery path stays open"
    portal.change_password(must.session, current=temporary, new=NEW_PASSWORD, now=t,
                           client_address=HOME)
    assert not sign_in(portal, NEW_PASSWORD, t).must_change_password


def test_a_contact_change_with_an_authenticator_needs_its_code() -> None:
    from test_mfa import totp

    portal, _ = make_portal()
    t = nov(10, 9)
    pat = session(portal, t)
    enrolment = portal.enrol_totp(pat, password=PASSWORD, now=t, client_address=HOME)
    portal.confirm_totp(pat, totp(enrolment.secret_base32, t), now=t, client_address=HOME)
    t1 = t + timedelta(minutes=1)
    assert error_of(lambda: portal.request_contact_change(
        pat, contact="phone", new_value="704-555-0134", password=PASSWORD, now=t1,
        client_address=HOME)).code == "login.step_up_required"
    change = portal.request_contact_change(
        pat, contact="phone", new_value="704-555-0134", totp=totp(enrolment.secret_base32, t1),
        now=t1, client_address=HOME)
    code = portal.outbox()[-1].code
    assert code is not None
    portal.confirm_contact_change(pat, change, code, now=t1)


def test_forgot_password_and_username_say_the_same_whatever_matched() -> None:
    portal, pat = make_portal()
    t = nov(12, 9)
    sent = len(portal.outbox())
    # Unknown username, unknown account: the same answer, no mail.
    assert portal.request_password_reset("nobody", now=t, client_address=HOME) is None
    assert portal.request_username_reminder("999999", now=t, client_address=HOME) is None
    assert len(portal.outbox()) == sent
    # A malformed number is refused for its format only.
    assert error_of(lambda: portal.request_username_reminder(
        "12-ab", now=t, client_address=HOME)).code.startswith("invalid")
    # The account's login is reminded of its username at its verified email.
    assert portal.request_username_reminder("100001", now=t, client_address=HOME) is None
    reminder = portal.outbox()[-1]
    assert reminder.to == "pat@example.com" and "patdoe" in reminder.body
    # Forgot password: a single-use code; a refused password leaves it usable.
    assert portal.request_password_reset("patdoe", now=t, client_address=HOME) is None
    mail = portal.outbox()[-1]
    assert mail.subject == "Reset your password" and mail.to == "pat@example.com"
    token = mail.body.split("minutes: ", 1)[1].split("\n", 1)[0]
    assert error_of(lambda: portal.reset_password(
        token, "short", now=t, client_address=HOME)).code == "password.too_short"
    assert portal.reset_password(token, NEW_PASSWORD, now=t, client_address=HOME) == pat
    assert error_of(lambda: portal.reset_password(
        token, NEW_PASSWORD + "x", now=t, client_address=HOME)).code.startswith("invalid")
    assert not sign_in(portal, NEW_PASSWORD, t + timedelta(minutes=1)).must_change_password
