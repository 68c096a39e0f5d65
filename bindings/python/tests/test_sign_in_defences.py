"""Issue 17 through the Python binding: no username or proof oracle,
counted re-authentication, throttles per address, locks that end, codes
that keep their tries, and the password defects (NFKC, invisible and
combining characters, long common passwords)."""

from __future__ import annotations

import statistics
import time
from datetime import datetime, timedelta, timezone

import pytest

import ratepayer
from conftest import sign_in

PASSWORD = "Glacier-violet-trombone-88"
KEY = bytes(range(32))
FAST = ratepayer.HashParams.below_owasp_floor_for_tests(memory_kib=64, iterations=1)
HOME = "198.51.100.20"


def nov(day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2025, 11, day, hour, minute, tzinfo=timezone.utc)


def make_portal(params: ratepayer.HashParams = FAST) -> ratepayer.Portal:
    shelby = ratepayer.Profile.builtin("shelby")
    portal = ratepayer.Portal.in_memory(shelby, digest_key=KEY, hash_params=params)
    portal.import_accounts(
        [
            ratepayer.AccountRecord(n, customer_number=c, zip="28150", name="Doe",
                                    email="pat@example.com")
            for n, c in [("100001", "5001"), ("100004", "5002")]
        ],
        now=nov(1),
    )
    portal.register(account_number="100001", customer_number="5001", email="pat@example.com",
                    username="patdoe", password=PASSWORD, accepted_terms_version="2024-07",
                    now=nov(5), client_address=HOME)
    return portal


def error_of(call) -> ratepayer.RatepayerError:  # type: ignore[no-untyped-def]
    with pytest.raises(ratepayer.RatepayerError) as info:
        call()
    return info.value


def test_unknown_usernames_get_the_same_answer_and_are_counted() -> None:
    portal = make_portal()
    t = nov(6, 9)
    unknown = error_of(lambda: portal.login("nobody", "wrong-password-here", now=t,
                                            client_address=HOME))
    wrong = error_of(lambda: portal.login("patdoe", "wrong-password-here", now=t,
                                          client_address=HOME))
    assert (unknown.code, str(unknown)) == (wrong.code, str(wrong)) == (
        "login.wrong_credentials", str(wrong))
    for _ in range(4):
        error_of(lambda: portal.login("nobody", "x-wrong-password", now=t, client_address=HOME))
    delayed = error_of(lambda: portal.login("nobody", "x-wrong-password", now=t,
                                            client_address=HOME))
    assert delayed.code == "login.throttled"
    assert isinstance(delayed, ratepayer.PortalError) and delayed.retry_after_seconds


def test_unknown_usernames_cost_as_much_as_wrong_passwords() -> None:
    portal = make_portal(ratepayer.HashParams.owasp())
    portal.login("patdoe", PASSWORD, now=nov(5, 13), client_address=HOME)  # rehash at OWASP
    error_of(lambda: portal.login("warm-up", "wrong-password-here", now=nov(5, 14),
                                  client_address=HOME))
    unknown, wrong = [], []
    for i in range(9):
        t = nov(6, i + 1)
        addr = f"192.0.2.{i + 1}"
        start = time.perf_counter()
        error_of(lambda: portal.login(f"nobody{i}", "wrong-password-here", now=t,
                                      client_address=addr))
        unknown.append(time.perf_counter() - start)
        start = time.perf_counter()
        error_of(lambda: portal.login("patdoe", "wrong-password-here", now=t,
                                      client_address=addr))
        wrong.append(time.perf_counter() - start)
    ratio = statistics.median(unknown) / statistics.median(wrong)
    assert 0.5 <= ratio <= 2.0, ratio


def test_a_weak_password_says_nothing_about_the_proofs() -> None:
    portal = make_portal()
    answers = []
    for account, customer in [("100004", "5002"), ("100004", "9999"), ("999999", "5002")]:
        e = error_of(lambda: portal.register(
            account_number=account, customer_number=customer, email="sam@example.com",
            username="sam.doe", password="short", accepted_terms_version="2024-07",
            now=nov(6), client_address=HOME))
        answers.append((type(e).__name__, e.code, str(e)))
    assert answers[0][1] == "password.too_short"
    assert answers[0] == answers[1] == answers[2]


def test_failed_re_authentication_counts() -> None:
    portal = make_portal()
    pat = sign_in(portal, "patdoe", PASSWORD, now=nov(6), client_address=HOME)
    for _ in range(4):
        e = error_of(lambda: portal.change_password(pat, current="not-the-password",
                                                    new="lantern orchard quietly humming",
                                                    now=nov(6), client_address=HOME))
        assert e.code == "login.wrong_credentials"
    e = error_of(lambda: portal.change_password(pat, current=PASSWORD,
                                                new="lantern orchard quietly humming",
                                                now=nov(6), client_address=HOME))
    assert e.code == "login.throttled"
    kinds = [a.kind for a in portal.audit_trail()]
    assert kinds.count("reauthentication_failed") == 5


def test_a_lock_ends_by_itself() -> None:
    portal = make_portal()
    t = nov(6, 9)
    for i in range(100):
        error_of(lambda: portal.login("patdoe", "wrong-password-here", now=t,
                                      client_address=f"203.0.113.{i % 200 + 1}"))
        t += timedelta(minutes=15)
    locked = error_of(lambda: portal.login("patdoe", PASSWORD, now=t, client_address=HOME))
    assert locked.code == "login.locked"
    assert isinstance(locked, ratepayer.PortalError)
    wait = locked.retry_after_seconds
    assert wait is not None and 0 < wait <= 86_400
    assert portal.login("patdoe", PASSWORD, now=t + timedelta(seconds=wait),
                        client_address=HOME).challenge_required


def test_a_new_sign_in_code_keeps_the_tries_and_sends_are_limited() -> None:
    portal = make_portal()
    t = nov(6, 9)
    first = portal.login("patdoe", PASSWORD, now=t, client_address=HOME)
    for _ in range(4):
        error_of(lambda: portal.pass_device_challenge(first.login_id, first.challenge_id,
                                                      "000000", now=t, client_address=HOME))
    second = portal.login("patdoe", PASSWORD, now=t, client_address=HOME)
    code = portal.outbox()[-1].code
    wrong = "111111" if code == "000000" else "000000"
    error_of(lambda: portal.pass_device_challenge(second.login_id, second.challenge_id, wrong,
                                                  now=t, client_address=HOME))
    e = error_of(lambda: portal.pass_device_challenge(second.login_id, second.challenge_id,
                                                      code, now=t, client_address=HOME))
    assert e.code == "locked"
    e = error_of(lambda: portal.login("patdoe", PASSWORD, now=t, client_address=HOME))
    assert e.code == "send_limit"


def test_a_bad_client_address_is_refused_by_name() -> None:
    portal = make_portal()
    e = error_of(lambda: portal.login("patdoe", PASSWORD, now=nov(6), client_address="not-ip"))
    assert e.code == "invalid.client_address"


@pytest.mark.parametrize("weak", [
    "Ｐａｓｓｗｏｒｄ１２３４５６７８",
    "correct\u200dhorse battery staple",
    "a\u0301\u0302\u0303\u0304\u0306\u0307\u0308\u030a\u030b\u030c\u0323\u0324\u0325\u0326\u0327",
    "passwordpassword",
    "iloveyouiloveyou",
    "correcthorsebatterystaple",
    "qwertyuiopasdfghjkl",
])
def test_weak_long_and_disguised_passwords_are_refused(weak: str) -> None:
    shelby = ratepayer.Profile.builtin("shelby")
    assert not shelby.check_password(weak).ok
    assert shelby.check_password("lantern orchard quietly humming").normalization == "NFKC"
