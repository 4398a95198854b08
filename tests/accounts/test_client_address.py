"""The client address that lockouts and API limits count: X-Forwarded-For only behind the
configured number of proxies, and never a value the database would refuse."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from accounts.throttling import client_ip, login_username


def request(remote: str = "10.0.0.1", forwarded: str | None = None):  # noqa: ANN201
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/accounts/login/", {"username": "x"}, **extra)


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "203.0.113.1", "10.0.0.1"),  # no proxy: the header is anyone's
        (1, "203.0.113.1", "203.0.113.1"),
        (1, "6.6.6.6, 203.0.113.1", "203.0.113.1"),  # the client wrote the first entry
        (2, "6.6.6.6, 203.0.113.1, 10.0.0.2", "203.0.113.1"),
        (2, "203.0.113.1", "203.0.113.1"),
        (1, None, "10.0.0.1"),
        (1, "not-an-address", None),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(settings, count, forwarded, expected):
    settings.BEDWATCH_PROXY_COUNT = count
    assert client_ip(request(forwarded=forwarded)) == expected


def test_the_counted_username_is_printable_and_bounded():
    assert login_username(None, {"username": "ali\x00ce\n"}) == "alice"
    assert len(login_username(None, {"username": "a" * 10_000})) == 150
    assert login_username(None, {"username": None}) is None
