"""Helpers for live-feed tests: sockets through the real ASGI stack (reports: tests/factories.py
`areport`)."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from accounts.services import token_create
from config.asgi import application
from realtime import hub, publisher, snapshots
from tests.servers import postgres_server_database, server_database  # noqa: F401 (fixtures)


@pytest.fixture(autouse=True)
def no_heartbeat(settings):  # noqa: ANN001, ANN201
    """In-process hubs send no heartbeat unless a test asks (it would land between the
    messages a test waits for); server processes keep the default."""
    settings.BEDWATCH_HEARTBEAT_SECONDS = 0


@pytest.fixture
async def fresh_hub():  # noqa: ANN201
    """A clean hub and publisher for this test's event loop, closed afterwards."""
    publisher.reset_for_tests()
    yield
    await hub.close_all()
    publisher.reset_for_tests()


@pytest.fixture
async def local_hub(settings, monkeypatch):  # noqa: ANN001, ANN201
    """A hub without Redis whose snapshots need no database (empty), closed afterwards."""
    settings.REDIS_URL = ""
    publisher.reset_for_tests()
    monkeypatch.setattr(snapshots, "_provider", lambda audience: {"type": "snapshot", "units": []})
    yield hub.get_hub()
    await hub.close_all()
    publisher.reset_for_tests()


@database_sync_to_async
def token_header(user) -> tuple[bytes, bytes]:  # noqa: ANN001
    return (b"authorization", f"Token {token_create(user=user)}".encode())


@database_sync_to_async
def session_cookie_header(user) -> tuple[bytes, bytes]:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


async def socket(path: str, user=None, *, auth: str = "token", origin: str | None = None):  # noqa: ANN001, ANN201
    """A communicator for `path` as `user` (by token or session cookie), not yet connected."""
    headers = []
    if user is not None and auth == "token":
        headers.append(await token_header(user))
    if user is not None and auth == "cookie":
        headers.append(await session_cookie_header(user))
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    # As a browser on http://testserver/ would open it.
    headers.append((b"host", b"testserver"))
    return WebsocketCommunicator(application, path, headers=headers)


async def receive(communicator: WebsocketCommunicator) -> dict:
    # Round-trip through JSON text, as a real client reads it.
    return json.loads(await communicator.receive_from(timeout=5))


@pytest.fixture(autouse=True)
def units_feed_only():  # noqa: ANN201
    """These tests follow the units on the feed; the alerts a report may also publish to the
    région (docs/alerts.md) are tested in tests/alerts."""
    from alerts.receivers import evaluate_the_regions_alerts
    from beds.models import Unit
    from beds.signals import report_committed

    report_committed.disconnect(evaluate_the_regions_alerts, sender=Unit)
    yield
    report_committed.connect(evaluate_the_regions_alerts, sender=Unit)
