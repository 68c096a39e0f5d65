"""Issue 16, the processor port, from Python: an AutoPay draft is pending
until submitted, a bank return (R01) reopens the bill, charges the
returned-payment fee once and is re-presented under a new key, a result
sent twice changes nothing, and the re-presentment settles."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import ratepayer
from conftest import REPO
from test_portal import FAST, KEY, first_code, nov, pat_session, register_pat, seeded


def shelby_with_fee() -> ratepayer.Profile:
    text = (REPO / "examples" / "profiles" / "shelby.toml").read_text()
    text = text.replace('allocation = "past_due_first"\n',
                        'allocation = "past_due_first"\nreturned_payment_fee = 25.00\n', 1)
    return ratepayer.Profile.from_toml(text)


def test_a_returned_draft_is_reopened_charged_a_fee_and_re_presented() -> None:
    profile = shelby_with_fee()
    portal = ratepayer.Portal.in_memory(profile, digest_key=KEY, hash_params=FAST)
    seeded(portal, profile)
    register_pat(portal)
    pat = pat_session(portal, nov(7, 13))
    bank = portal.add_payment_method(pat, method="echeck", token="tok_bank",
                                     label="Checking ending 6789", now=nov(7, 13))
    portal.enrol_autopay(pat, "100001", option="Checking AutoPay", payment_method_id=bank,
                         accepted_terms_version="2024-07", now=nov(7, 13))
    due = portal.home(pat, now=nov(7, 13)).accounts[0].amount_due
    assert portal.run_autopay_cycle(date(2025, 11, 24), now=nov(24, 6)).drafted == 1
    pat = pat_session(portal, nov(24, 6))
    [(payment_id, status, _)] = portal.payment_history(pat, "100001", now=nov(24, 6))
    assert status == "pending"

    fake = ratepayer.FakeProcessor()
    fake.script_account("000100001", ["R01"])
    [(sent_id, key, reference)] = portal.submit_pending(fake, now=nov(24, 7))
    assert sent_id == payment_id and reference.startswith("fake-")
    assert portal.submit_pending(fake, now=nov(24, 8)) == []
    pat = pat_session(portal, nov(24, 8))
    assert portal.payment_history(pat, "100001", now=nov(24, 8))[0][1] == "submitted"
    assert fake.results(date(2025, 11, 25)) == [(key, "returned:R01")]

    returned = portal.record_result(key, "returned", return_code="R01", now=nov(25, 9))
    assert (returned.status, returned.effect, returned.autopay) == (
        "returned", "applied", "retry")
    assert returned.returned_fee == Decimal("25.00")
    pat = pat_session(portal, nov(25, 9))
    assert portal.home(pat, now=nov(25, 9)).accounts[0].amount_due == due + Decimal("25.00")
    again = portal.record_result(key, "returned", return_code="R01", now=nov(25, 10))
    assert (again.effect, again.returned_fee) == ("duplicate", None)
    late = portal.record_result(key, "settled", now=nov(25, 11))
    assert (late.status, late.effect) == ("returned", "ignored")
    pat = pat_session(portal, nov(25, 11))
    assert portal.home(pat, now=nov(25, 11)).accounts[0].amount_due == due + Decimal("25.00")

    retry_on = returned.retry_on
    assert retry_on is not None
    report = portal.run_autopay_cycle(retry_on, now=nov(retry_on.day, 6))
    assert (report.drafted, report.representments) == (1, 1)
    [(_, second_key, _)] = portal.submit_pending(fake, now=nov(retry_on.day, 7))
    assert second_key != key
    settled = portal.record_result(second_key, "settled", settled_on=retry_on,
                                   now=nov(retry_on.day, 9))
    assert (settled.status, settled.effect) == ("settled", "applied")
    at = nov(retry_on.day, 9)
    pat = pat_session(portal, at)
    assert [s for _, s, _ in portal.payment_history(pat, "100001", now=at)] == [
        "settled", "returned"]
    assert portal.home(pat, now=at).accounts[0].amount_due == Decimal("25.00")
    assert [charged for _, _, charged in fake.charges()] == [1, 1]
    kinds = [e.kind for e in portal.audit_trail()]
    assert kinds.count("payment_returned") == 1 and "payment_result_ignored" in kinds


def test_bad_results_are_refused() -> None:
    profile = shelby_with_fee()
    portal = ratepayer.Portal.in_memory(profile, digest_key=KEY, hash_params=FAST)
    try:
        portal.record_result("no-such-key", "settled", now=nov(25))
    except ratepayer.RatepayerError as e:
        assert e.code.startswith("not_found")
    else:
        raise AssertionError("an unknown key was accepted")
    try:
        portal.record_result("k", "returned", now=nov(25))
    except ValueError as e:
        assert "return_code" in str(e)
    else:
        raise AssertionError("a return without a code was accepted")


def test_the_outbox_delivers_each_notice_once() -> None:
    """Issue 16, notices through the outbox: the cycle writes a receipt per
    draft and the Regulation E notice of a bank draft (not delivered by the
    cycle), a re-run writes none, a raising notifier leaves a message for
    later, and `deliver_outbox` delivers each once, with its dedupe key."""
    sent: list[tuple[str, str, str]] = []
    failing = [False]

    def notify(to: str, subject: str, body: str) -> None:
        if failing[0] and subject == "AutoPay payment":
            raise ConnectionError("mail service down")
        sent.append((to, subject, body))

    profile = shelby_with_fee()
    portal = ratepayer.Portal.in_memory(profile, digest_key=KEY, hash_params=FAST, notify=notify)
    seeded(portal, profile)
    register_pat(portal)
    pat = pat_session(portal, nov(7, 13), code=lambda: first_code(sent[-1][2]))
    bank = portal.add_payment_method(pat, method="echeck", token="tok_bank",
                                     label="Checking ending 6789", now=nov(7, 13))
    portal.enrol_autopay(pat, "100001", option="Checking AutoPay", payment_method_id=bank,
                         accepted_terms_version="2024-07", now=nov(7, 13))
    report = portal.run_autopay_cycle(date(2025, 11, 24), now=nov(24, 6))
    assert (report.drafted, report.notices_queued) == (1, 2)
    again = portal.run_autopay_cycle(date(2025, 11, 24), now=nov(24, 7))
    assert (again.drafted, again.notices_queued) == (0, 0)
    assert not [s for s in sent if s[1] == "AutoPay payment"]

    failing[0] = True
    down = portal.deliver_outbox(now=nov(24, 8))
    assert down.delivered == 1 and len(down.failed) == 1  # Reg E went, the receipt did not
    key, error = down.failed[0]
    assert key.startswith("shelby:receipt:") and "ConnectionError" in error
    assert portal.deliver_outbox(now=nov(24, 8)).failed == []  # not due again yet
    failing[0] = False
    up = portal.deliver_outbox(now=nov(24, 9))
    assert (up.delivered, up.already_delivered, up.failed) == (1, 0, [])
    assert portal.deliver_outbox(now=nov(24, 10)).delivered == 0
    assert len([s for s in sent if s[1] == "AutoPay payment"]) == 1
    assert "DeliveryReport(delivered=1" in repr(up)


def test_outbox_notices_carry_their_dedupe_key() -> None:
    profile = shelby_with_fee()
    portal = ratepayer.Portal.in_memory(profile, digest_key=KEY, hash_params=FAST)
    seeded(portal, profile)
    register_pat(portal)
    pat = pat_session(portal, nov(7, 13))
    bank = portal.add_payment_method(pat, method="echeck", token="tok_bank",
                                     label="Checking ending 6789", now=nov(7, 13))
    portal.enrol_autopay(pat, "100001", option="Checking AutoPay", payment_method_id=bank,
                         accepted_terms_version="2024-07", now=nov(7, 13))
    enrolled = portal.outbox()[-1]
    assert enrolled.subject == "AutoPay is set up"
    assert enrolled.dedupe_key is not None and enrolled.dedupe_key.startswith(
        "shelby:autopay-enrolled:000100001:")
    assert portal.outbox()[0].dedupe_key is None  # a code goes out directly
    portal.run_autopay_cycle(date(2025, 11, 24), now=nov(24, 6))
    assert portal.deliver_outbox(now=nov(24, 9), limit=10).delivered == 2
    receipt = next(n for n in portal.outbox() if n.subject == "AutoPay payment")
    assert receipt.subject == "AutoPay payment" and receipt.dedupe_key is not None
    assert receipt.dedupe_key.startswith("shelby:receipt:")
