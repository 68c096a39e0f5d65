"""Shared fixtures: the Shelby profile and its residential water tariff; and
`sign_in`, which signs a customer in as the portal's web front end does."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest

import ratepayer

REPO = Path(__file__).resolve().parents[3]
OCTOBER = (date(2025, 10, 1), date(2025, 10, 31))
CLIENT = "198.51.100.20"


@pytest.fixture(scope="session")
def shelby() -> ratepayer.Profile:
    return ratepayer.Profile.builtin("shelby")


@pytest.fixture(scope="session")
def water(shelby: ratepayer.Profile) -> ratepayer.Tariff:
    return shelby.tariff("shelby-water-residential")


def sign_in_outcome(
    portal: ratepayer.Portal,
    username: str,
    password: str,
    *,
    now: datetime,
    client_address: str = CLIENT,
    device_token: str | None = None,
    remember: str | None = None,
    code: Callable[[], str | None] | None = None,
) -> ratepayer.LoginOutcome:
    """Signs in as a customer does: the password, then, from a device the
    portal does not remember, the code it emailed (the outbox's last
    message, or `code()` for a portal that sends through `notify=`).
    Returns the signed-in outcome; its `.session` is the token every call
    made for the customer takes."""
    outcome = portal.login(username, password, now=now, client_address=client_address,
                           device_token=device_token)
    if outcome.challenge == "device":
        sent = code() if code is not None else portal.outbox()[-1].code
        assert sent is not None and outcome.challenge_id is not None
        outcome = portal.pass_device_challenge(outcome.login_id, outcome.challenge_id, sent,
                                               now=now, client_address=client_address,
                                               remember=remember)
    assert outcome.signed_in and outcome.session is not None, outcome
    return outcome


def sign_in(portal: ratepayer.Portal, username: str, password: str, *, now: datetime,
            **kwargs: object) -> str:
    """`sign_in_outcome`'s session token."""
    session = sign_in_outcome(portal, username, password, now=now, **kwargs).session  # type: ignore[arg-type]
    assert session is not None
    return session
