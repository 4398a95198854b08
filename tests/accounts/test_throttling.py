"""API throttles: per token, per client address, and on wrong tokens per address; a clear 429
that names the limit and says when to come back. Counted in Django's cache (Redis in
production, so that every worker shares the counts)."""

from __future__ import annotations

import uuid

import pytest

from accounts import authentication
from accounts.services import token_create
from tests.helpers import token_client
from tests.test_settings import run_settings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def throttles(settings):  # noqa: ANN001, ANN201
    """Small limits, counted in a cache of this test's own."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"throttle-test-{uuid.uuid4()}",
        }
    }
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "3/min", "address": "5/min"},
    }
    settings.BEDWATCH_BAD_TOKENS = (3, 60)
    settings.BEDWATCH_BAD_TOKENS_RATE = "3/min"
    settings.BEDWATCH_TOKEN_CACHE_SECONDS = 0
    authentication.forget_all()


def get(client, address: str = "10.1.1.1"):  # noqa: ANN001, ANN201
    return client.get("/api/v1/hospitals/", REMOTE_ADDR=address)


def test_a_token_past_its_rate_gets_a_clear_429(dave):
    client = token_client(dave)
    assert [get(client).status_code for _ in range(3)] == [200, 200, 200]

    response = get(client)

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "3/min" in response.json()["detail"]


def test_another_token_from_the_same_address_has_its_own_count(dave, carol):
    first, second = token_client(dave), token_client(carol)
    for _ in range(3):
        get(first)
    assert get(first).status_code == 429
    assert get(second).status_code == 200


def test_an_address_past_its_rate_gets_429_whatever_the_token(dave, carol, erin):
    clients = [token_client(user) for user in (dave, carol, erin)]
    statuses = [get(clients[i % 3]).status_code for i in range(5)]
    assert statuses == [200] * 5

    response = get(clients[2])

    assert response.status_code == 429
    assert "5/min" in response.json()["detail"]
    assert get(clients[2], address="10.1.1.2").status_code == 200


def test_wrong_tokens_from_an_address_are_refused_without_a_look_up(
    dave, django_assert_num_queries
):
    wrong = token_client(key="0" * 40)
    assert [get(wrong).status_code for _ in range(3)] == [401, 401, 401]

    with django_assert_num_queries(0):
        response = get(wrong)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "3/min" in response.json()["detail"]
    # Until the window ends that address cannot try any key; another address can.
    right = token_create(user=dave)
    assert get(token_client(key=right)).status_code == 429
    assert get(token_client(key=right), address="10.1.1.9").status_code == 200


def test_an_expired_token_counts_as_a_wrong_one(dave):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import ApiToken

    key = token_create(user=dave)
    ApiToken.objects.update(expires=timezone.now() - timedelta(days=1))
    assert [get(token_client(key=key)).status_code for _ in range(4)] == [401, 401, 401, 429]


def test_throttles_use_redis_when_it_is_configured():
    result = run_settings(
        "settings.CACHES['default']['BACKEND'], settings.CACHES['default']['LOCATION']",
        REDIS_URL="redis://127.0.0.1:6379/5",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "redis://127.0.0.1:6379/5",
    ]


def test_throttle_counts_are_shared_through_redis(redis_url, settings, dave):
    prefix = f"throttle-test-{uuid.uuid4()}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": prefix,
        }
    }
    client = token_client(dave)
    for _ in range(3):
        get(client)

    # Another worker reads the same counts from Redis.
    import redis

    stored = redis.Redis.from_url(redis_url).keys(f"{prefix}:*")
    assert len(stored) == 2  # the token's and the address's
    assert get(client).status_code == 429
    redis.Redis.from_url(redis_url).delete(*stored)


def test_rates_come_from_the_environment():
    result = run_settings(
        "settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'], settings.BEDWATCH_BAD_TOKENS",
        BEDWATCH_API_RATE_TOKEN="100/hour",
        BEDWATCH_API_RATE_ADDRESS="off",
        BEDWATCH_API_BAD_TOKENS="10/min",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "{'token': '100/hour', 'address': None} (10, 60)"


@pytest.mark.parametrize("value", ["100", "100/fortnight", "0/min", "lots"])
def test_a_bad_rate_stops_the_start_up_naming_the_variable(value):
    result = run_settings("settings.REST_FRAMEWORK", BEDWATCH_API_RATE_TOKEN=value)
    assert result.returncode != 0
    assert "BEDWATCH_API_RATE_TOKEN" in result.stderr and "600/min" in result.stderr


def test_limits_fail_open_when_the_cache_is_unreachable(settings, dave):
    # Redis down must never refuse a report: the limits are skipped, the request served.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "1/min", "address": "1/min"},
    }
    client = token_client(dave)
    assert [get(client).status_code for _ in range(3)] == [200, 200, 200]
    wrong = token_client(key="0" * 40)
    assert [get(wrong).status_code for _ in range(5)] == [401] * 5
