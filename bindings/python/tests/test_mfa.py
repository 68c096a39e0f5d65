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

from test_sign_in_defences import HOME, PASSWORD, error_of, make_portal, nov


def totp(secret_base32: str, at: datetime) -> str:
    """RFC 6238 (SHA-1, 30 s, 6 digits), computed independently of the binding."""
    secret = base64.b32decode(secret_base32 + "=" * (-len(secret_base32) % 8))
    digest = hmac.new(secret, struct.pack(">Q", int(at.timestamp()) // 30), hashlib.sha1).digest()
    offset = digest[19] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def login_id(portal: ratepayer.Portal) -> str:
    outcome = portal.login("patdoe", PASSWORD, now=nov(5, 13), client_address=HOME)
    return outcome.login_id


def test_rfc_6238_helper_matches_the_appendix() -> None:
    secret = base64.b32encode(b"12345678901234567890").decode().rstrip("=")
    assert totp(secret, datetime.fromtimestamp(59).astimezone()) == "287082"


def test_enrol_sign_in_with_a_code_once_and_with_a_recovery_code() -> None:
    portal = make_portal()
    pat = login_id(portal)
    t0 = nov(6, 9)
    enrolment = portal.enrol_totp(pat, password=PASSWORD, now=t0, client_address=HOME)
    assert enrolment.uri.startswith("otpauth://totp/City%20of%20Shelby:patdoe?secret=")
    assert enrolment.secret_base32 not in repr(enrolment)
    codes = portal.confirm_totp(pat, totp(enrolment.secret_base32, t0), now=t0,
                                client_address=HOME)
    assert len(codes) == 10
    assert portal.mfa_status(pat) == (True, 10)

    t1 = t0 + timedelta(minutes=2)
    outcome = portal.login("patdoe", PASSWORD, now=t1, client_address=HOME)
    assert not outcome and outcome.challenge == "second_factor"
    code = totp(enrolment.secret_base32, t1)
    wrong = "000000" if code != "000000" else "111111"
    e = error_of(lambda: portal.pass_second_factor(pat, outcome.challenge_id, totp=wrong, now=t1,
                                                   client_address=HOME))
    assert e.code == "login.wrong_credentials"
    signed_in = portal.pass_second_factor(pat, outcome.challenge_id, totp=code, now=t1,
                                          client_address=HOME)
    assert signed_in.signed_in
    again = portal.login("patdoe", PASSWORD, now=t1, client_address=HOME)
    e = error_of(lambda: portal.pass_second_factor(pat, again.challenge_id, totp=code, now=t1,
                                                   client_address=HOME))
    assert e.code == "login.wrong_credentials"  # a code is good once
    assert portal.pass_second_factor(pat, again.challenge_id, recovery_code=codes[0], now=t1,
                                     client_address=HOME)
    assert portal.mfa_status(pat) == (True, 9)
    events = [a.kind for a in portal.audit_trail()]
    assert "recovery_code_used" in events and "mfa_changed" in events
    assert not any(codes[0] in a.detail for a in portal.audit_trail())


def test_linking_needs_a_fresh_code_once_mfa_is_on() -> None:
    portal = make_portal()
    pat = login_id(portal)
    t0 = nov(6, 9)
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
    pat = login_id(portal)
    e = error_of(lambda: portal.set_security_answer(pat, password=PASSWORD, question="First pet?",
                                                    answer="Rex", now=nov(6),
                                                    client_address=HOME))
    assert e.code == "portal.forbidden"
