"""/healthz tells the public only ok or degraded; each part's state, and why Redis failed (its
address in the error), are for a signed-in admin and the operator's monitoring (its addresses,
BEDWATCH_MONITORING_ADDRESSES: by default this host). The same on a `ws:` process's /healthz."""

from __future__ import annotations

import ipaddress
import json

import pytest

from realtime.probe import healthz as ws_healthz
from tests.realtime.conftest import fresh_hub  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

# Nothing listens there; the port stands for the internal address nobody outside should learn.
DEAD_REDIS = "redis://127.0.0.1:6390/0"
OUTSIDE = "203.0.113.7"  # a caller on the Internet
DETAILS = {"status": "degraded", "database": "ok", "realtime": "degraded"}


def health(client, address: str = OUTSIDE, **headers) -> dict:  # noqa: ANN001, ANN003
    response = client.get("/healthz", REMOTE_ADDR=address, **headers)
    assert response.status_code == 200
    return response.json()


def test_anonymous_callers_are_told_only_ok_or_degraded(settings, client):
    settings.REDIS_URL = DEAD_REDIS
    assert health(client) == {"status": "degraded"}
    assert "6390" not in client.get("/healthz", REMOTE_ADDR=OUTSIDE).content.decode()

    settings.REDIS_URL = ""
    assert health(client) == {"status": "ok"}


def test_a_signed_in_user_who_is_not_an_admin_is_told_no_more(settings, client, carol):
    settings.REDIS_URL = DEAD_REDIS
    client.force_login(carol)
    assert health(client) == {"status": "degraded"}


def test_an_admin_gets_each_parts_state_and_why_redis_failed(settings, client, erin):
    settings.REDIS_URL = DEAD_REDIS
    client.force_login(erin)

    body = health(client)

    assert {k: body[k] for k in DETAILS} == DETAILS
    assert "6390" in body["realtime_error"]


def test_the_hosts_own_monitoring_gets_each_parts_state(settings, client):
    settings.REDIS_URL = DEAD_REDIS
    body = health(client, address="127.0.0.1")
    assert {k: body[k] for k in DETAILS} == DETAILS and "realtime_error" in body

    settings.REDIS_URL = ""
    assert health(client, address="::1") == {"status": "ok", "database": "ok", "realtime": "local"}


def test_monitoring_addresses_are_the_operators_and_read_behind_the_proxy(settings, client):
    settings.REDIS_URL = ""
    settings.BEDWATCH_PROXY_COUNT = 1
    settings.BEDWATCH_MONITORING_ADDRESSES = [ipaddress.ip_network("192.0.2.0/24")]
    # Through the proxy (which names the caller in X-Forwarded-For), from the monitoring host …
    proxied = {"address": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "192.0.2.10"}
    assert health(client, **proxied)["realtime"] == "local"
    # … and from anyone else through the same proxy, loopback being no longer listed.
    proxied["HTTP_X_FORWARDED_FOR"] = OUTSIDE
    assert health(client, **proxied) == {"status": "ok"}


async def ws_health(client: tuple[str, int] | None) -> tuple[int, dict]:
    """GET /healthz of a `ws:` process (config.asgi.websocket_application's HTTP side)."""
    sent = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b""}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "path": "/healthz", "headers": [], "client": client}
    await ws_healthz(scope, receive, send)
    return sent[0]["status"], json.loads(sent[1]["body"])


@pytest.mark.usefixtures("fresh_hub")
async def test_a_ws_process_tells_its_feeds_state_to_the_hosts_monitoring_only(settings):
    settings.REDIS_URL = ""

    assert await ws_health((OUTSIDE, 40000)) == (200, {"status": "ok"})
    assert await ws_health(("127.0.0.1", 40000)) == (200, {"status": "ok", "realtime": "local"})


def test_monitoring_addresses_are_read_from_the_environment_and_checked():
    from tests.test_settings import run_settings

    listed = run_settings(
        "[str(n) for n in settings.BEDWATCH_MONITORING_ADDRESSES]",
        BEDWATCH_MONITORING_ADDRESSES="192.0.2.10, 10.0.0.0/24,",
    )
    assert listed.stdout.strip() == "['192.0.2.10/32', '10.0.0.0/24']", listed.stderr
    bad = run_settings("settings.DEBUG", BEDWATCH_MONITORING_ADDRESSES="monitoring.example.org")
    assert bad.returncode != 0
    assert "BEDWATCH_MONITORING_ADDRESSES: 'monitoring.example.org'" in bad.stderr
