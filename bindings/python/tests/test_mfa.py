"""Issue 17 item 5 through the Python binding: an authenticator app
(RFC 6238) as a second factor at sign-in and for step-up, recovery codes
good once, and the security question that only the legacy preset offers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from datetime import datetime, timedelta

import ratepayer
from conftest import sign_in_outcome

from test_sign_in_defences import HOME, PASSWORD, error_of, make_portal, nov


def totp(secret_base32: str, at: datetime) -> str:
    """RFC 6238 (SHA-1, 30 s, 6 digits), computed independently of the binding."""
    secret = base64.b32decode(secret_base32 + "=" * (-len(secret_base32) % 8))
    digest = hmac.new(secret, struct.pack(">Q", int(at.timestamp()) // 30), hashlib.sha1).digest()
    offset = digest[19] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def signed_in(portal: ratepayer.Portal, now: datetime) -> ratepayer.LoginOutcome:
    """Pat signs in (no authenticator yet: the password and the emailed code)."""
    return sign_in_outcome(portal, "patdoe", PASSWORD, now=now, client_address=HOME)


def test_rfc_6238_helper_matches_the_appendix() -> None:
    secret = base64.b32encode(b"12345678901234567890").decode().rstrip("=")
    assert totp(secret, datetime.fromtimestamp(59).astimezone()) == "287082"


def test_enrol_sign_in_with_a_code_once_and_with_a_recovery_code() -> None:
    portal = make_portal()
    t0 = nov(6, 9)
    first = signed_in(portal, t0)
    pat, login = first.session, first.login_id
    enrolment = portal.enrol_totp(pat, password=PASSWORD, now=t0, client_address=HOME)
    assert enrolment.uri.startswith("otpauth://totp/City%20of%20Shelby:patdoe?secret=")
    assert enrolment.secret_base32 not in repr(enrolment)
    codes = portal.confirm_totp(pat, totp(enrolment.secret_base32, t0), now=t0,
                                client_address=HOME)
    assert len(codes) == 10
    assert portal.mfa_status(pat, now=t0) == (True, 10)

    t1 = t0 + timedelta(minutes=2)
    outcome = portal.login("patdoe", PASSWORD, now=t1, client_address=HOME)
    assert not outcome and outcome.challenge == "second_factor"
    code = totp(enrolment.secret_base32, t1)
    wrong = "000000" if code != "000000" else "111111"
    assert outcome.session is None, "no session before the second factor"
    e = error_of(lambda: portal.pass_second_factor(login, outcome.challenge_id, totp=wrong, now=t1,
                                                   client_address=HOME))
    assert e.code == "login.wrong_credentials"
    by_code = portal.pass_second_factor(login, outcome.challenge_id, totp=code, now=t1,
                                        client_address=HOME)
    assert by_code.signed_in and by_code.session
    assert portal.home(by_code.session, now=t1)
    again = portal.login("patdoe", PASSWORD, now=t1, client_address=HOME)
    e = error_of(lambda: portal.pass_second_factor(login, again.challenge_id, totp=code, now=t1,
                                                   client_address=HOME))
    assert e.code == "login.wrong_credentials"  # a code is good once
    by_recovery = portal.pass_second_factor(login, again.challenge_id, recovery_code=codes[0],
                                            now=t1, client_address=HOME)
    assert by_recovery and by_recovery.session
    assert portal.mfa_status(by_recovery.session, now=t1) == (True, 9)
    events = [a.kind for a in portal.audit_trail()]
    assert "recovery_code_used" in events and "mfa_changed" in events
    assert not any(codes[0] in a.detail for a in portal.audit_trail())


def test_linking_needs_a_fresh_code_once_mfa_is_on() -> None:
    portal = make_portal()
    t0 = nov(6, 9)
    pat = signed_in(portal, t0).session
    enrolment = portal.enrol_totp(pat, password=PASSWORD, now=t0, client_address=HOME)
    portal.confirm_totp(pat, totp(enrolment.secret_base32, t0), now=t0, client_address=HOME)
    t1 = t0 + timedelta(minutes=1)
    e = error_of(lambda: portal.link_account(pat, account_number="100004", customer_number="5002",
                                             password=PASSWORD, now=t1, client_address=HOME))
    assert e.code == "login.step_up_required"
    linked = portal.link_account(pat, account_number="100004", customer_number="5002",
                                 password=PASSWORD, now=t1, client_address=HOME,
                                 totp=totp(enrolment.secret_base32, t1))
    assert linked == "000100004"


def test_the_security_question_is_only_for_the_legacy_preset() -> None:
    portal = make_portal()
    pat = signed_in(portal, nov(6)).session
    e = error_of(lambda: portal.set_security_answer(pat, password=PASSWORD, question="First pet?",
                                                    answer="Rex", now=nov(6),
                                                    client_address=HOME))
    assert e.code == "portal.forbidden"
