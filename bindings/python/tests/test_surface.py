"""The Pythonic surface: profiles, bills (iteration, repr, str), bills from
meter reads, fee quotes, password checks, registration, AutoPay draft dates
and banking calendars."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

import ratepayer
from conftest import OCTOBER, REPO

START, END = OCTOBER
NOW = datetime(2026, 11, 22, 15, tzinfo=timezone.utc)


def test_profiles_load_builtin_and_from_files() -> None:
    assert set(ratepayer.Profile.builtin_ids()) >= {"shelby", "medford", "gorod", "cal-water"}
    path = REPO / "examples" / "profiles" / "medford.toml"
    from_file = ratepayer.Profile.load(path)
    assert from_file.id == "medford" and from_file.currency == "USD"
    assert from_file.tariff_ids == ratepayer.Profile.builtin("medford").tariff_ids
    assert repr(from_file) == (
        "Profile(id='medford', name='Medford Water', tariffs=['medford-water-residential'])")
    assert ratepayer.validate(path.read_text()) == []


def test_profile_from_json() -> None:
    import json

    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    data = tomllib.loads((REPO / "examples" / "profiles" / "shelby.toml").read_text())
    profile = ratepayer.Profile.from_json(json.dumps(data, default=str))
    bill = profile.tariff("shelby-water-residential").bill(
        start=START, end=END, usage=7400, unit="gal", meter_size="5/8")
    assert bill.total == Decimal("57.22")


def test_tariff_from_json_round_trips(water: ratepayer.Tariff) -> None:
    again = ratepayer.Tariff.from_json(water.to_json())
    assert again.id == water.id and again.unit == "kgal" and again.currency == "USD"
    assert "shelby-water-residential" in repr(again)


def test_a_bill_iterates_over_its_lines(water: ratepayer.Tariff) -> None:
    bill = water.bill(start=START, end=END, usage=Decimal("7400"), unit="gal", meter_size="5/8")
    lines = list(bill)
    assert len(bill) == len(lines) == 5
    assert [l.description for l in lines][:2] == [
        "Water service charge (administration and infrastructure)", "Water usage, tier 1"]
    assert bill[0].kind == "fixed" and bill[1].tier == 1 and bill[-1].kind == "surcharge"
    assert sum((l.amount for l in bill), Decimal(0)) == bill.total == Decimal("57.22")
    assert bill.usage == Decimal("7.4") and bill.usage_unit == "kgal" and bill.days == 31
    assert bill.subtotals() == {"service": Decimal("13.10"), "usage": Decimal("40.42"),
                                "surcharge": Decimal("3.70")}
    assert bill.taxes == Decimal("0.00") and bill.before_tax == bill.total
    with pytest.raises(IndexError):
        bill[5]


def test_reprs_are_useful(water: ratepayer.Tariff, shelby: ratepayer.Profile) -> None:
    bill = water.bill(start=START, end=END, usage=7400, unit="gal", meter_size="5/8")
    assert repr(bill) == (
        "<Bill shelby-water-residential 2025-10-01..2025-10-31 total=57.22 USD (5 lines)>")
    assert repr(bill[1]) == "BillLine('Water usage, tier 1', 2 kgal x 4.35 = 8.70)"
    assert "TOTAL" in str(bill) and "57.22" in str(bill)
    quote = shelby.quote_fee(Decimal("57.22"), channel="online", method="credit_card")
    assert repr(quote) == ("FeeQuote(amount=57.22, fee=3.75, total=60.97, currency='USD', "
                           "channel='online', method='credit_card')")
    assert repr(ratepayer.Calendar.fed()) == "Calendar('Federal Reserve (ACH)')"
    assert repr(water) == "Tariff(id='shelby-water-residential', unit='kgal', currency='USD')"
    check = shelby.check_password("Password1!")
    assert repr(check) == "PasswordCheck(ok=False, codes=['password.too_short', 'password.blocklisted'])"
    assert repr(ratepayer.AccountRecord("1", login="x")) == "AccountRecord('1', registered=True)"
    assert repr(ratepayer.Problem) and repr(ratepayer.validate("id = 1")[0]).startswith("Problem(path=")


def test_to_dict(water: ratepayer.Tariff) -> None:
    d = water.bill(start=START, end=END, usage=7400, unit="gal", meter_size="5/8").to_dict()
    assert d["total"] == Decimal("57.22") and d["start"] == START
    assert d["lines"][1]["rate"] == Decimal("4.35") and d["lines"][1]["unit"] == "kgal"


def test_unmetered_bill_per_resident_and_the_normative_comparison() -> None:
    gorod = ratepayer.Profile.builtin("gorod").tariff("gorod-cold-water")
    period = dict(start=date(2025, 10, 1), end=date(2025, 10, 31))
    deemed = gorod.bill(**period, residents=3)
    assert deemed.usage_is_normative and deemed.total > 0 and deemed.normative is None
    metered = gorod.bill(**period, usage=Decimal("10"), residents=3)
    n = metered.normative
    assert n is not None and not metered.usage_is_normative
    assert n["normative_total"] == deemed.total and n["normative_usage"] == deemed.usage
    assert n["saved_money"] == deemed.total - metered.total
    assert n["saved_units"] == deemed.usage - Decimal("10")


def test_bill_from_meter_reads(water: ratepayer.Tariff) -> None:
    meter = ratepayer.Meter("M-1", unit="gal", dials=6, location="front yard")
    opening = ratepayer.Read(date(2025, 10, 1), 100_000)
    closing = ratepayer.Read(date(2025, 11, 1), Decimal("107400"), kind="estimated")
    bill = water.bill_from_reads(start=START, end=END, reads=[(meter, opening, closing)],
                                 meter_size="5/8")
    assert bill.total == Decimal("57.22") and bill.usage_is_estimated
    assert repr(meter) == "Meter('M-1', unit='gal', dials=6)"
    assert repr(closing) == "Read(2025-11-01, 107400, kind='estimated')"
    assert closing.kind == "estimated" and closing.value == Decimal("107400")


def test_fee_quote(shelby: ratepayer.Profile) -> None:
    q = shelby.quote_fee(Decimal("57.22"), channel="online", method="credit_card")
    assert (q.amount, q.fee, q.total) == (Decimal("57.22"), Decimal("3.75"), Decimal("60.97"))
    assert ("in_person", "cash") in q.fee_free_alternatives
    assert "3.75" in q.disclosure and len(q.schedule_fingerprint) == 16
    free = shelby.quote_fee(10, channel="mail", method="check")
    assert free.fee == Decimal("0.00") and free.fee_free_alternatives == []


def test_password_check_reports_every_rule(shelby: ratepayer.Profile) -> None:
    bad = shelby.check_password("Password1!", username="patdoe")
    assert not bad and not bad.ok
    assert bad.codes == ["password.too_short", "password.blocklisted"]
    assert all(f.message for f in bad.failures)
    assert "Password1!" not in repr(bad) + "".join(f.message for f in bad.failures)
    with pytest.raises(ratepayer.PasswordPolicyError) as e:
        bad.raise_for_failures()
    assert e.value.code == "password.too_short" and len(e.value.failures) == 2
    # The best-known passphrase is refused (issue 17); another is fine.
    assert not shelby.check_password("correct horse battery staple").ok
    good = shelby.check_password("lantern orchard quietly humming", username="patdoe")
    assert good and good.normalization == "NFKC" and good.failures == []
    good.raise_for_failures()
    ctx = shelby.check_password("patdoe-likes-long-walks", username="patdoe")
    assert ctx.codes == ["password.contains_context"]
    assert shelby.check_password("short but mfa", mfa=True).ok


def test_password_compliance() -> None:
    legacy = ratepayer.Profile.builtin("cal-water").password_compliance()
    assert "composition_rules" in [code for code, _ in legacy]
    assert ratepayer.Profile.builtin("shelby").password_compliance() == []


def medford_register(**over: object) -> ratepayer.Registration:
    medford = ratepayer.Profile.builtin("medford")
    kwargs: dict = dict(
        account_number="65821-672430", email="Pat.Doe@Example.COM", zip="97501",
        accepted_terms_version="watersmart-2025", now=NOW,
        accounts=[ratepayer.AccountRecord("00065821-0672430", zip="97501-1234")],
    )
    kwargs.update(over)
    return medford.register(**kwargs)


def test_registration_follows_the_recipe() -> None:
    r = medford_register()
    assert r.account_number == "00065821-0672430"
    assert r.username == "pat.doe@example.com" and r.email == "Pat.Doe@example.com"
    assert r.terms_version == "watersmart-2025" and r.accepted_at == NOW
    assert r.covers_current_bill and r.deadline is None
    late = medford_register(open_bill_due=date(2026, 11, 23))
    assert not late.covers_current_bill and late.deadline is not None
    assert "covers_current_bill=False" in repr(late)


def test_registration_rejections_share_one_public_response() -> None:
    responses = []
    for over in [dict(zip="97502"), dict(account_number="99999-9999999"),
                 dict(accounts=[ratepayer.AccountRecord("00065821-0672430", zip="97501",
                                                        login="someone")])]:
        with pytest.raises(ratepayer.RegistrationError) as e:
            medford_register(**over)
        responses.append((e.value.code, e.value.message, e.value.field))
        assert e.value.internal_reason
    assert len(set(responses)) == 1 and responses[0][0] == "registration.not_verified"


@pytest.mark.parametrize(
    ("over", "code", "field"),
    [
        (dict(zip=None), "registration.invalid_field", "zip"),
        (dict(email="not-an-email"), "registration.invalid_field", "email"),
        (dict(accepted_terms_version="old"), "registration.terms_not_accepted",
         "accepted_terms_version"),
        (dict(channel="phone"), "registration.channel_refused", None),
        (dict(taken_usernames=["PAT.DOE@example.com"]), "registration.username_taken",
         "username"),
    ],
)
def test_registration_form_errors(over: dict, code: str, field: str | None) -> None:
    with pytest.raises(ratepayer.RegistrationError) as e:
        medford_register(**over)
    assert (e.value.code, e.value.field) == (code, field)


def test_registration_needs_an_aware_now() -> None:
    with pytest.raises(TypeError):
        medford_register(now=datetime(2026, 11, 22, 15))
    other_zone = NOW.astimezone(timezone(timedelta(hours=-8)))
    assert medford_register(now=other_zone).accepted_at == NOW


def test_autopay_draft_dates(shelby: ratepayer.Profile) -> None:
    assert shelby.autopay_options() == ["Card AutoPay", "Checking AutoPay",
                                        "Bank draft (City Hall)"]
    # Due on Martin Luther King Jr. Day 2025: drafted the Friday before.
    assert shelby.draft_date("Card AutoPay", bill_date=date(2025, 1, 2),
                             due_date=date(2025, 1, 20)) == date(2025, 1, 17)
    assert shelby.draft_dates("Card AutoPay", [
        (date(2025, 1, 2), date(2025, 1, 20)),
        (date(2025, 2, 2), date(2025, 2, 16)),
    ]) == [date(2025, 1, 17), date(2025, 2, 14)]
    assert shelby.draft_date("Bank draft (City Hall)", bill_date=date(2025, 1, 2),
                             due_date=date(2025, 1, 20),
                             printed_draft_date=date(2025, 1, 18)) == date(2025, 1, 17)
    assert shelby.draft_dates("Bank draft (City Hall)",
                              [(date(2025, 1, 2), date(2025, 1, 20), date(2025, 1, 15))]) == [
        date(2025, 1, 15)]


def test_banking_calendar() -> None:
    fed = ratepayer.Calendar.fed()
    assert date(2025, 1, 20) in fed.holidays(2025)
    assert fed.is_holiday(date(2025, 1, 20)) and not fed.is_business_day(date(2025, 1, 20))
    assert fed.is_business_day(date(2025, 1, 21))
    assert fed.roll(date(2025, 1, 20)) == date(2025, 1, 21)
    assert fed.roll(date(2025, 1, 20), "preceding") == date(2025, 1, 17)
    assert fed.roll(date(2025, 5, 31), "modified_following") == date(2025, 5, 30)
    assert fed.add_business_days(date(2025, 1, 17), 1) == date(2025, 1, 21)
    assert fed.add_business_days(date(2025, 1, 21), -1) == date(2025, 1, 17)
    assert fed.business_days_between(date(2025, 1, 17), date(2025, 1, 22)) == 2
    assert ratepayer.Profile.builtin("shelby").draft_calendar().name == fed.name


def test_fee_compliance_warnings_and_errors() -> None:
    """Issue 16: fee compliance runs when a profile loads; warnings are exposed."""
    warnings = ratepayer.Profile.builtin("shelby").fee_compliance()
    assert [(sev, rule, path) for sev, rule, path, _ in warnings] == [
        ("warning", "card-convenience-fee-uniform", "rules[1].fee")
    ]
    assert ratepayer.Profile.builtin("crow-wing").fee_compliance() == []
    # A 9.5 % debit surcharge in Connecticut is refused, every rule named.
    text = (REPO / "examples" / "profiles" / "shelby.toml").read_text()
    text = text.replace('state = "NC"', 'state = "CT"', 1).replace(
        "[[fees.rules]]",
        '[[fees.rules]]\n  channels = ["online"]\n  methods = ["debit_card"]\n'
        '  fee = { model = "percent", percent = 9.5 }\n  kind = "surcharge"\n\n  [[fees.rules]]',
        1,
    ).replace(
        'methods = ["credit_card", "debit_card"]\n  fee = { model = "flat", amount = 3.75 }\n  collected_by',
        'methods = ["credit_card"]\n  fee = { model = "flat", amount = 3.75 }\n  collected_by',
        1,
    )
    problems = ratepayer.validate(text)
    messages = " ".join(p.message for p in problems)
    for rule in ("surcharge-credit-only", "state-surcharge-ban", "surcharge-cap-visa"):
        assert f"[{rule}]" in messages, messages
    with pytest.raises(ratepayer.ProfileError):
        ratepayer.Profile.from_toml(text)
