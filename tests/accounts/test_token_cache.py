"""A valid API token is remembered by a worker for BEDWATCH_TOKEN_CACHE_SECONDS: revoked in
this process it stops at once, revoked elsewhere it stops within that time."""

from __future__ import annotations

import pytest
from django.db import connection

from accounts import authentication
from accounts.models import ApiToken
from accounts.services import token_create
from tests.helpers import token_client


@pytest.fixture(autouse=True)
def clock(monkeypatch, settings):  # noqa: ANN001, ANN201
    """A clock the test moves by hand, and a 5 s memory."""
    settings.BEDWATCH_TOKEN_CACHE_SECONDS = 5
    now = [1000.0]
    monkeypatch.setattr(authentication, "clock", lambda: now[0])
    authentication.forget_all()
    yield now
    authentication.forget_all()


def units(client):  # noqa: ANN001, ANN201
    return client.get("/api/v1/hospitals/").status_code


@pytest.mark.django_db
def test_token_deleted_elsewhere_stops_working_after_the_ttl(erin, clock):
    client = token_client(erin)
    assert units(client) == 200
    # Another process deletes the token: no signal reaches this one.
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {ApiToken._meta.db_table}")

    clock[0] += 4.9
    assert units(client) == 200  # still remembered: the documented window
    clock[0] += 0.2
    assert units(client) == 401


@pytest.mark.django_db
def test_user_deactivated_elsewhere_stops_working_after_the_ttl(erin, clock):
    client = token_client(erin)
    assert units(client) == 200
    type(erin).objects.filter(pk=erin.pk).update(is_active=False)  # no signal

    clock[0] += 5.1
    assert units(client) == 401


@pytest.mark.django_db
def test_token_deleted_in_this_process_stops_working_at_once(erin):
    client = token_client(erin)
    assert units(client) == 200

    ApiToken.objects.filter(user=erin).delete()

    assert units(client) == 401


@pytest.mark.django_db
def test_user_deactivated_in_this_process_stops_working_at_once(erin):
    client = token_client(erin)
    assert units(client) == 200

    erin.is_active = False
    erin.save()

    assert units(client) == 401


@pytest.mark.django_db
def test_unknown_token_is_refused_every_time(erin, django_assert_num_queries):
    client = token_client(key="0" * 40)

    assert units(client) == 401
    with django_assert_num_queries(1):  # looked up again, not remembered
        assert units(client) == 401


@pytest.mark.django_db
def test_a_remembered_token_is_not_looked_up_again(erin, django_assert_num_queries):
    client = token_client(erin)
    client.get("/api/v1/regions/84/")
    with django_assert_num_queries(2):  # the région and the scope check, no token
        assert client.get("/api/v1/regions/84/").status_code == 200


@pytest.mark.django_db
def test_ttl_zero_looks_the_token_up_every_time(erin, settings, django_assert_num_queries):
    settings.BEDWATCH_TOKEN_CACHE_SECONDS = 0
    client = token_client(erin)
    client.get("/api/v1/regions/84/")
    with django_assert_num_queries(3):
        assert client.get("/api/v1/regions/84/").status_code == 200


@pytest.mark.django_db
def test_each_request_gets_its_own_user_object(erin):
    key = token_create(user=erin)
    auth = authentication.CachedTokenAuthentication()

    first, _ = auth.authenticate_credentials(key)
    second, _ = auth.authenticate_credentials(key)

    assert first == second and first is not second
