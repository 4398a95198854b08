"""The login-flood client of `python -m bench loginflood` really submits the login form (CSRF
included): against a live server its attempts are wrong passwords, counted by the lockout."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from bench import loginflood


@pytest.mark.django_db(transaction=True)
def test_the_flood_posts_wrong_logins_through_the_form(live_server, settings):
    from axes.models import AccessAttempt

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.BEDWATCH_PROXY_COUNT = 1
    url = urlparse(live_server.url)

    # One thread: the test database may be SQLite, which one writer at a time suits.
    result = loginflood.flood(url.hostname, url.port, threads=1, duration=3.0, one_address=False)

    assert result["errors"] == [] and result["attempts"] > 0
    assert set(result["statuses"]) <= {200, 503}  # the form again, or "try again shortly"
    assert result["statuses"].get(200, 0) == AccessAttempt.objects.count()


@pytest.mark.django_db(transaction=True)
def test_a_flood_from_one_address_is_locked_out(live_server, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.BEDWATCH_PROXY_COUNT = 1
    settings.AXES_FAILURE_LIMIT = 5
    url = urlparse(live_server.url)

    result = loginflood.flood(url.hostname, url.port, threads=1, duration=3.0, one_address=True)

    assert result["statuses"].get(200) == 4 and result["statuses"].get(429, 0) > 0, result


@pytest.mark.django_db(transaction=True)
def test_behind_a_proxy_each_attempt_connects_from_its_own_address(live_server, settings):
    # nginx overwrites X-Forwarded-For with the connection's address: the flood must vary that.
    from axes.models import AccessAttempt

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.BEDWATCH_PROXY_COUNT = 0  # the server sees the connection's address, as nginx does
    url = urlparse(live_server.url)

    result = loginflood.flood(
        url.hostname, url.port, threads=1, duration=3.0, one_address=False, own_sockets=True
    )

    addresses = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert result["errors"] == [] and result["statuses"].get(200, 0) > 1, result
    assert len(addresses) == result["statuses"][200]
    assert all(a.startswith("127.") and a != "127.0.0.1" for a in addresses), addresses
