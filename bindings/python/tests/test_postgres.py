"""Issue 18 through the Python binding: `Portal.open` takes a PostgreSQL URL
where it takes a SQLite path (`schema=` keeps one test's tables apart). The
server is the one `RATEPAYER_POSTGRES_URL` names (`scripts/test-postgres`
sets it); without it the server tests are skipped, and the argument checks
still run."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta

import pytest

import ratepayer
from test_sessions import FAST, HOME, KEY, PASSWORD, T, pat

URL = os.environ.get("RATEPAYER_POSTGRES_URL")
server = pytest.mark.skipif(URL is None, reason="RATEPAYER_POSTGRES_URL is not set")


def journey_start(portal: ratepayer.Portal) -> None:
    """Pat's account imported, registered and verified (test_sessions' set-up)."""
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


@server
def test_a_portal_on_postgres_signs_in_and_shows_a_posted_bill() -> None:
    assert URL is not None
    schema = f"ratepayer_py_{uuid.uuid4().hex[:12]}"
    profile = ratepayer.Profile.builtin("shelby")
    portal = ratepayer.Portal.open(profile, URL, digest_key=KEY, hash_params=FAST, schema=schema)
    assert portal.database_path is None, "a URL is never echoed back"
    journey_start(portal)
    token = pat(portal)
    assert [a.account for a in portal.home(token, now=T)] == ["000100001"]
    # A second portal on the same schema (another app server) sees it all.
    other = ratepayer.Portal.open(profile, URL, digest_key=KEY, hash_params=FAST, schema=schema)
    assert [a.account for a in other.home(token, now=T)] == ["000100001"]


@server
def test_a_postgres_url_that_cannot_connect_is_a_storage_error_without_the_password() -> None:
    assert URL is not None
    bad = "postgresql://ratepayer:s3cret-pw@127.0.0.1:1/nowhere?connect_timeout=2"
    with pytest.raises(ratepayer.StorageError) as info:
        ratepayer.Portal.open(ratepayer.Profile.builtin("shelby"), bad, digest_key=KEY)
    assert info.value.code.startswith("storage."), info.value.code
    assert "s3cret-pw" not in str(info.value)


def test_a_schema_is_refused_for_a_sqlite_file(tmp_path: os.PathLike[str]) -> None:
    with pytest.raises(ratepayer.PortalError) as info:
        ratepayer.Portal.open(ratepayer.Profile.builtin("shelby"),
                              os.path.join(tmp_path, "u.sqlite"), digest_key=KEY,
                              schema="anything")
    assert info.value.code == "portal.schema"
    assert not os.path.exists(os.path.join(tmp_path, "u.sqlite")), "nothing is created"
