"""The hub tells every socket whether its feed is live: a heartbeat at a fixed interval, at
once when its Redis subscription goes or comes back, and before the snapshot of a socket that
joins while it is down (docs/realtime.md, `status`)."""

from __future__ import annotations

import asyncio
import json

import pytest

from realtime import hub as hub_module
from realtime import publisher, snapshots

pytestmark = pytest.mark.django_db


class Socket:
    def __init__(self) -> None:
        self.messages: list[dict] = []

    async def sink(self, text: str) -> None:
        self.messages.append(json.loads(text))

    def types(self) -> list[str]:
        return [m["type"] for m in self.messages]


async def test_every_socket_gets_a_live_status_at_each_heartbeat(local_hub, settings):
    settings.BEDWATCH_HEARTBEAT_SECONDS = 0.05
    sockets = [Socket(), Socket()]
    for socket in sockets:
        await local_hub.join("national", socket.sink)  # (the first join starts the hub)
    await asyncio.sleep(0.2)
    for socket in sockets:
        assert socket.types()[0] == "snapshot"
        statuses = [m for m in socket.messages if m["type"] == "status"]
        assert len(statuses) >= 2
        assert statuses[0]["live"] is True and statuses[0]["every"] == 0.05
        assert "since" not in statuses[0]
        assert statuses[0]["as_of"].endswith("+00:00")


@pytest.fixture
async def unreachable_hub(settings, monkeypatch):  # noqa: ANN001, ANN201
    """A hub whose broker is a Redis nobody answers on (port 9), snapshots empty."""
    settings.REDIS_URL = "redis://127.0.0.1:9/0"
    publisher.reset_for_tests()
    monkeypatch.setattr(snapshots, "_provider", lambda a: {"type": "snapshot", "units": []})
    yield hub_module.get_hub()
    await hub_module.close_all()
    publisher.reset_for_tests()


async def test_a_socket_joining_while_redis_is_unreachable_hears_so_before_its_snapshot(
    unreachable_hub,
):
    socket = Socket()
    await unreachable_hub.join("national", socket.sink)
    assert socket.types() == ["status", "snapshot"]
    assert socket.messages[0]["live"] is False
    assert socket.messages[0]["since"] <= socket.messages[0]["as_of"]


async def test_losing_the_subscription_tells_every_socket_at_once(unreachable_hub):
    unreachable_hub._started = True  # the broker's hooks are called by hand below
    unreachable_hub.on_up()
    socket = Socket()
    await unreachable_hub.join("national", socket.sink)
    assert socket.types() == ["snapshot"]
    # The subscription goes, as the broker reports it: every socket hears it at once.
    unreachable_hub.on_down(ConnectionError("Redis went away"))
    assert socket.types() == ["snapshot", "status"]
    assert socket.messages[-1]["live"] is False and "since" in socket.messages[-1]
    # It is back: live, then a fresh snapshot.
    unreachable_hub.on_up()
    await asyncio.sleep(0.1)
    assert socket.types() == ["snapshot", "status", "status", "snapshot"]
    assert socket.messages[2]["live"] is True


async def test_no_heartbeat_when_switched_off(local_hub):
    socket = Socket()
    await local_hub.join("national", socket.sink)
    await asyncio.sleep(0.1)
    assert socket.types() == ["snapshot"]
