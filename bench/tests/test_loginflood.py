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
