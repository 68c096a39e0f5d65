"""Shared fixtures: the Shelby profile and its residential water tariff."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import ratepayer

REPO = Path(__file__).resolve().parents[3]
OCTOBER = (date(2025, 10, 1), date(2025, 10, 31))


@pytest.fixture(scope="session")
def shelby() -> ratepayer.Profile:
    return ratepayer.Profile.builtin("shelby")


@pytest.fixture(scope="session")
def water(shelby: ratepayer.Profile) -> ratepayer.Tariff:
    return shelby.tariff("shelby-water-residential")
