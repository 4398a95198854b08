"""Failed logins lock the username and the client address (django-axes, in the database so that
every worker shares it); a login flood cannot take more than a few password checks at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from accounts import backends
from tests.test_settings import run_settings

pytestmark = pytest.mark.django_db

LOGIN_PAGES = ["/accounts/login/", "/admin/login/"]
RIGHT = "correct-horse-battery"  # the factories' password


def attempt(client, path: str, username: str, password: str, address: str = "10.0.0.1"):  # noqa: ANN001, ANN201
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in(client) -> bool:  # noqa: ANN001
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("path", LOGIN_PAGES)
def test_twenty_wrong_passwords_lock_the_account_even_with_the_right_one(client, erin, path):
    for _ in range(19):
        assert attempt(client, path, "erin", "wrong").status_code == 200  # the form again
    assert attempt(client, path, "erin", "wrong").status_code == 429  # the 20th locks

    response = attempt(client, path, "erin", RIGHT)

    assert response.status_code == 429
    assert not logged_in(client)
    # From another address too: the account itself is locked.
    assert attempt(client, path, "erin", RIGHT, address="10.9.9.9").status_code == 429


@pytest.mark.parametrize("path", LOGIN_PAGES)
def test_nineteen_wrong_passwords_do_not_lock(client, erin, path):
    for _ in range(19):
        attempt(client, path, "erin", "wrong")

    response = attempt(client, path, "erin", RIGHT)

    assert response.status_code == 302
    assert logged_in(client)


def test_twenty_failures_from_one_address_lock_that_address_for_everyone(client, alice):
    for i in range(20):
        attempt(client, "/accounts/login/", f"guess{i}", "wrong", address="10.0.0.66")

    assert attempt(client, "/accounts/login/", "alice", RIGHT, "10.0.0.66").status_code == 429
    assert attempt(client, "/accounts/login/", "alice", RIGHT, "10.0.0.7").status_code == 302


def test_the_lockout_page_says_for_how_long(client, alice, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    for _ in range(20):
        attempt(client, "/accounts/login/", "alice", "wrong")

    response = attempt(client, "/accounts/login/", "alice", RIGHT)

    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60)
    assert "15 minutes" in response.content.decode()


def test_the_lockout_ends_after_the_configured_time(client, alice, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    for _ in range(20):
        attempt(client, "/accounts/login/", "alice", "wrong")
    assert attempt(client, "/accounts/login/", "alice", RIGHT).status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    assert attempt(client, "/accounts/login/", "alice", RIGHT).status_code == 302


def test_failures_are_counted_in_the_database_for_every_worker(client, alice):
    attempt(client, "/accounts/login/", "alice", "wrong")
    attempt(client, "/accounts/login/", "alice", "wrong")

    counted = AccessAttempt.objects.get(username="alice", ip_address="10.0.0.1")
    assert counted.failures_since_start == 2
    assert "wrong" not in counted.post_data  # the password is not kept


def test_x_forwarded_for_counts_only_behind_the_configured_proxies(client, alice, settings):
    # Without a proxy, anyone could write the header: it is ignored.
    client.post(
        "/accounts/login/",
        {"username": "alice", "password": "wrong"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    settings.BEDWATCH_PROXY_COUNT = 1
    client.post(
        "/accounts/login/",
        {"username": "alice", "password": "wrong"},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7",
    )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {
        "10.0.0.1",
        "203.0.113.7",
    }


def test_a_login_finding_every_password_check_busy_is_told_to_try_again_at_once(
    client, alice, settings
):
    settings.BEDWATCH_PASSWORD_CHECKS = 2
    slots = backends.password_checks()
    held = [slots.acquire(), slots.acquire()]  # a flood holds them (other workers, threads)
    assert None not in held
    try:
        response = attempt(client, "/accounts/login/", "alice", RIGHT)
    finally:
        for slot in held:
            slots.release(slot)

    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert not logged_in(client)
    assert not AccessAttempt.objects.exists()  # not counted as a failure
    # Slots free again: the same login goes through.
    assert attempt(client, "/accounts/login/", "alice", RIGHT).status_code == 302


def test_login_settings_come_from_the_environment():
    result = run_settings(
        "settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME.total_seconds(), "
        "settings.BEDWATCH_PASSWORD_CHECKS",
        BEDWATCH_LOGIN_FAILURE_LIMIT="5",
        BEDWATCH_LOGIN_LOCKOUT_MINUTES="30",
        BEDWATCH_PASSWORD_CHECKS="4",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "5 1800.0 4"


def test_the_defaults_are_twenty_failures_and_fifteen_minutes():
    result = run_settings("settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME.total_seconds()")
    assert result.stdout.strip() == "20 900.0"


@pytest.mark.parametrize(
    ("name", "value"),
    [("BEDWATCH_LOGIN_FAILURE_LIMIT", "0"), ("BEDWATCH_LOGIN_LOCKOUT_MINUTES", "soon")],
)
def test_bad_login_settings_stop_the_start_up_naming_the_variable(name, value):
    result = run_settings("settings.AXES_FAILURE_LIMIT", **{name: value})
    assert result.returncode != 0
    assert name in result.stderr


def test_a_slot_taken_between_the_middleware_and_the_check_is_answered_the_same(
    client, alice, settings, monkeypatch, tmp_path
):
    from accounts import middleware

    settings.BEDWATCH_PASSWORD_CHECKS = 1
    # The early check sees a free slot; by the time of the check the flood holds it.
    free = backends.PasswordCheckSlots(1, str(tmp_path), "free")
    monkeypatch.setattr(middleware, "password_checks", lambda: free)
    slots = backends.password_checks()
    slot = slots.acquire()
    assert slot is not None
    try:
        response = attempt(client, "/admin/login/", "alice", RIGHT)
    finally:
        slots.release(slot)

    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert not AccessAttempt.objects.exists()


@pytest.mark.parametrize("username", ["nul\x00byte", "x" * 5000, "ctrl\x01"])
def test_odd_usernames_get_the_form_again_never_a_500(client, db, username):
    response = attempt(client, "/accounts/login/", username, "wrong")
    assert response.status_code == 200


def test_slots_are_shared_by_processes(tmp_path):
    # gunicorn's workers are processes: a slot held in one is taken for all.
    import subprocess
    import sys

    slots = backends.PasswordCheckSlots(1, str(tmp_path), "shared")
    slot = slots.acquire()
    code = (
        "import django; django.setup();"
        "from accounts.backends import PasswordCheckSlots as S;"
        f"print(S(1, {str(tmp_path)!r}, 'shared').acquire())"
    )
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert other.stdout.strip() == "None"
    slots.release(slot)
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert other.stdout.strip() != "None"
