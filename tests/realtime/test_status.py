"""The hub tells every socket whether its feed is live: a heartbeat at a fixed interval, at
once when its Redis subscription goes or comes back, and before the snapshot of a socket that
joins while it is down (docs/realtime.md, `status`)."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

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


async def test_losing_the_subscription_tells_every_socket_at_once_with_since_when(local_hub):
    socket = Socket()
    await local_hub.join("national", socket.sink)
    # The subscription goes, as `_subscribe` sees it.
    local_hub.connected = False
    local_hub.failing_since = time.time() - 3
    local_hub.broadcast_status()
    status = socket.messages[-1]
    assert status["type"] == "status" and status["live"] is False
    assert status["since"] < status["as_of"]


async def test_a_socket_joining_while_the_feed_is_down_hears_so_before_its_snapshot(local_hub):
    local_hub.connected = False
    local_hub.failing_since = time.time()
    socket = Socket()
    await local_hub.join("national", socket.sink)
    assert socket.types() == ["status", "snapshot"]
    assert socket.messages[0]["live"] is False


async def test_no_heartbeat_when_switched_off(local_hub):
    socket = Socket()
    await local_hub.join("national", socket.sink)
    await asyncio.sleep(0.1)
    assert socket.types() == ["snapshot"]
