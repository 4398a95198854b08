"""A browser session lasts one shift (BEDWATCH_SESSION_HOURS, 12 h by default), not 14 days."""

from __future__ import annotations

import pytest

from tests.test_settings import run_settings


@pytest.mark.django_db
def test_a_login_session_expires_after_one_shift(client, alice):
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert client.session.get_expiry_age() == 12 * 3600
    assert client.cookies["sessionid"]["max-age"] == 12 * 3600


def test_session_hours_come_from_the_environment():
    result = run_settings("settings.SESSION_COOKIE_AGE", BEDWATCH_SESSION_HOURS="8")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(8 * 3600)


def test_bad_session_hours_stop_the_start_up_naming_the_variable():
    result = run_settings("settings.SESSION_COOKIE_AGE", BEDWATCH_SESSION_HOURS="a shift")
    assert result.returncode != 0
    assert "BEDWATCH_SESSION_HOURS" in result.stderr
