"""Fixtures of the live-feed tests: the hub for each test (sockets are tests/helpers.py's
`socket` and `opened`, reports tests/factories.py's `areport`)."""

from __future__ import annotations

import pytest

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
