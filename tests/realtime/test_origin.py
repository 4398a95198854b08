"""A browser's socket must come from the site's own origin (scheme, host and port) or a trusted
one: another port or scheme of the same host is another origin."""

from __future__ import annotations

import pytest

from realtime.middleware import origin_allowed
from tests.helpers import receive, socket


def scope(
    origin: str | None, *, host: str = "bedwatch.example.org", scheme: str = "wss", **headers
):  # noqa: ANN003
    pairs = [(b"host", host.encode())]
    if origin is not None:
        pairs.append((b"origin", origin.encode()))
    pairs += [(name.replace("_", "-").encode(), value.encode()) for name, value in headers.items()]
    return {"type": "websocket", "scheme": scheme, "headers": pairs}


@pytest.fixture(autouse=True)
def production_hosts(settings):  # noqa: ANN001
    settings.ALLOWED_HOSTS = ["bedwatch.example.org", "127.0.0.1"]
    settings.CSRF_TRUSTED_ORIGINS = ["https://dashboards.example.org:8443"]


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://bedwatch.example.org", True),
        ("https://bedwatch.example.org:443", True),
        ("HTTPS://Bedwatch.Example.org", True),
        # Same host, another scheme or port: another origin (another server, maybe another owner).
        ("http://bedwatch.example.org", False),
        ("https://bedwatch.example.org:8443", False),
        ("https://evil.example", False),
        ("https://bedwatch.example.org.evil.example", False),
        ("null", False),
        ("https://bedwatch.example.org/path", False),
        # Trusted origins match whole, port included.
        ("https://dashboards.example.org:8443", True),
        ("https://dashboards.example.org", False),
    ],
)
def test_origin_must_match_scheme_host_and_port(origin, allowed):
    assert origin_allowed(scope(origin)) is allowed


def test_plain_ws_socket_accepts_only_the_http_origin():
    assert origin_allowed(scope("http://127.0.0.1:8000", host="127.0.0.1:8000", scheme="ws"))
    assert not origin_allowed(scope("http://127.0.0.1:8001", host="127.0.0.1:8000", scheme="ws"))
    assert not origin_allowed(scope("https://127.0.0.1:8000", host="127.0.0.1:8000", scheme="ws"))


def test_behind_a_tls_proxy_the_forwarded_scheme_counts(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    forwarded = {"x_forwarded_proto": "https"}
    assert origin_allowed(scope("https://bedwatch.example.org", scheme="ws", **forwarded))
    assert not origin_allowed(scope("http://bedwatch.example.org", scheme="ws", **forwarded))


def test_a_host_outside_allowed_hosts_has_no_own_origin():
    assert not origin_allowed(scope("https://other.example", host="other.example"))


def test_machine_clients_without_origin_need_a_token_header():
    assert not origin_allowed(scope(None))
    assert origin_allowed(scope(None, authorization="Token abc"))


@pytest.mark.django_db(transaction=True)
async def test_cookie_socket_from_another_port_of_our_host_is_refused(carol, unit_lyon, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    ws = await socket("/ws/regions/84/", carol, auth="cookie", origin="http://testserver:8080")
    assert not (await ws.connect())[0]
    await ws.disconnect()
    ws = await socket("/ws/regions/84/", carol, auth="cookie", origin="http://testserver")
    assert (await ws.connect())[0]
    assert (await receive(ws))["type"] == "snapshot"
    await ws.disconnect()
