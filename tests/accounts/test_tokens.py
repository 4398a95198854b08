"""API tokens are stored as digests, shown once, expire, and can be rotated; the admin lists
and revokes them but never shows a key."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services import token_create
from tests.helpers import session_client, token_client

pytestmark = pytest.mark.django_db


def command(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def hospitals(key: str):  # noqa: ANN201
    return token_client(key=key).get("/api/v1/hospitals/")


def test_no_key_can_be_read_back_from_the_database(dave):
    key = token_create(user=dave)

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")
        rows = cursor.fetchall()
    assert len(rows) == 1
    assert not any(key in str(value) for value in rows[0])
    assert hospitals(key).status_code == 200


def test_a_token_expires_after_the_configured_days(dave, settings):
    settings.BEDWATCH_TOKEN_DAYS = 30
    before = timezone.now()
    token_create(user=dave)
    token = ApiToken.objects.get(user=dave)
    assert timedelta(days=30) <= token.expires - before < timedelta(days=30, seconds=60)


def test_a_token_is_valid_90_days_by_default():
    from django.conf import settings

    assert settings.BEDWATCH_TOKEN_DAYS == 90


def test_an_expired_token_is_refused_with_its_date(dave):
    key = token_create(user=dave)
    ApiToken.objects.filter(user=dave).update(expires=timezone.now() - timedelta(seconds=1))

    response = hospitals(key)

    assert response.status_code == 401
    assert timezone.now().strftime("%Y-%m-%d") in response.json()["detail"]


def test_an_old_token_stops_at_its_expiry_not_before(dave, settings):
    settings.BEDWATCH_TOKEN_CACHE_SECONDS = 0
    key = token_create(user=dave)
    ApiToken.objects.filter(user=dave).update(
        created=timezone.now() - timedelta(days=89), expires=timezone.now() + timedelta(hours=1)
    )
    assert hospitals(key).status_code == 200
    ApiToken.objects.filter(user=dave).update(expires=timezone.now())
    assert hospitals(key).status_code == 401


def test_rotate_token_replaces_every_key_of_the_user(dave):
    old_keys = [token_create(user=dave), token_create(user=dave)]

    out = command("rotate_token", "dave")

    new_key = out.strip().splitlines()[-1]
    assert "Revoked 2 token(s)" in out
    assert all(old not in out for old in old_keys)
    assert [hospitals(old).status_code for old in old_keys] == [401, 401]
    assert hospitals(new_key).status_code == 200
    assert ApiToken.objects.filter(user=dave).count() == 1


def test_rotate_token_for_an_unknown_account_fails_naming_it(db):
    with pytest.raises(CommandError, match="no account 'nobody'"):
        command("rotate_token", "nobody")
    assert not ApiToken.objects.exists()


def test_rotate_token_refuses_a_deactivated_account(dave):
    dave.is_active = False
    dave.save()
    with pytest.raises(CommandError, match="deactivated"):
        command("rotate_token", "dave")


def test_the_admin_lists_tokens_without_their_key_or_digest(erin, dave):
    key = token_create(user=dave)
    token = ApiToken.objects.get(user=dave)
    client = session_client(erin)

    listing = client.get("/admin/accounts/apitoken/")
    detail = client.get(f"/admin/accounts/apitoken/{token.pk}/change/")

    assert listing.status_code == detail.status_code == 200
    for page in (listing, detail):
        html = page.content.decode()
        assert key not in html and token.digest not in html
    assert "dave" in listing.content.decode()


def test_the_admin_cannot_make_or_edit_a_token(erin, dave):
    token_create(user=dave)
    token = ApiToken.objects.get(user=dave)
    client = session_client(erin)

    assert client.get("/admin/accounts/apitoken/add/").status_code == 403
    response = client.post(
        f"/admin/accounts/apitoken/{token.pk}/change/",
        {"expires_0": "2999-01-01", "expires_1": "00:00:00"},
    )
    assert response.status_code == 403
    token.refresh_from_db()
    assert token.expires.year != 2999


def test_the_admin_revokes_a_token_by_deleting_it(erin, dave):
    key = token_create(user=dave)
    token = ApiToken.objects.get(user=dave)
    client = session_client(erin)

    response = client.post(f"/admin/accounts/apitoken/{token.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert hospitals(key).status_code == 401
