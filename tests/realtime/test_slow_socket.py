"""A socket whose send waits (its transport is paused) must not hold up the other sockets of its
worker; it catches up in order, or is closed to resync when it falls too far behind."""

from __future__ import annotations

import asyncio
import json

import pytest

from realtime import fanout
from realtime import hub as hub_module

# The snapshot read goes through database_sync_to_async, which checks the thread's connection.
pytestmark = pytest.mark.django_db

AUDIENCE = "region.84"


class FakeSocket:
    """A socket as the hub sees it: `sink` waits while the socket is paused, as uvicorn's send
    does while the connection's write buffer is above its high-water mark."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.writable = asyncio.Event()
        self.writable.set()
        self.closed: int | None = None
        self.lost = False

    async def sink(self, text: str) -> None:
        await self.writable.wait()
        if self.lost:
            raise ConnectionResetError("the client went away")
        self.received.append(json.loads(text))

    async def close(self, code: int) -> None:
        await self.writable.wait()  # a close frame waits behind what is not read yet, too
        self.closed = code

    def seqs(self, kind: str = "units.changed") -> list[int]:
        return [m["seq"] for m in self.received if m["type"] == kind]


async def settle(hub: hub_module.Hub) -> None:
    """Let the hub's dispatch and the sockets' writers run until nothing is left to do."""
    for _ in range(50):
        await asyncio.sleep(0)
    assert hub.queue.empty()


def post_changes(hub: hub_module.Hub, seqs: range) -> None:
    for seq in seqs:
        hub.post(AUDIENCE, seq, json.dumps({"type": "units.changed", "seq": seq, "units": []}))


def writers() -> list[asyncio.Task]:
    return [
        t
        for t in asyncio.all_tasks()
        if t.get_name() in ("bedwatch-hub-writer", "bedwatch-hub-close") and not t.done()
    ]


async def join(hub: hub_module.Hub, socket: FakeSocket) -> fanout.Member:
    return await hub.join(AUDIENCE, socket.sink, socket.close)


async def paused_behind(hub: hub_module.Hub, changes: int) -> tuple[FakeSocket, fanout.Member]:
    """A socket that read its snapshot, then stopped reading with `changes` changes sent."""
    slow = FakeSocket()
    member = await join(hub, slow)
    await settle(hub)
    slow.writable.clear()
    post_changes(hub, range(1, changes + 1))
    await settle(hub)
    return slow, member


async def test_paused_socket_does_not_hold_up_the_other_sockets(local_hub):
    fast, slow, last = FakeSocket(), FakeSocket(), FakeSocket()
    for socket in (fast, slow, last):
        await join(local_hub, socket)
    await settle(local_hub)

    # The middle socket stops reading; five changes go out.
    slow.writable.clear()
    post_changes(local_hub, range(1, 6))
    await settle(local_hub)

    # The others got all five, in order; the paused one none yet.
    assert fast.seqs() == [1, 2, 3, 4, 5]
    assert last.seqs() == [1, 2, 3, 4, 5]
    assert slow.seqs() == []
    assert len(writers()) == 1


async def test_paused_socket_gets_every_change_in_order_once_it_reads_again(local_hub):
    fast, slow = FakeSocket(), FakeSocket()
    slow_member = await join(local_hub, slow)
    await join(local_hub, fast)
    await settle(local_hub)

    slow.writable.clear()
    post_changes(local_hub, range(1, 4))
    await settle(local_hub)
    # It reads again while more changes arrive.
    slow.writable.set()
    post_changes(local_hub, range(4, 7))
    await settle(local_hub)

    assert [m["type"] for m in slow.received] == ["snapshot"] + ["units.changed"] * 6
    assert slow.seqs() == [1, 2, 3, 4, 5, 6]
    assert fast.seqs() == [1, 2, 3, 4, 5, 6]
    # Caught up: back to writing at once, no backlog, no task.
    assert slow_member.backlog is None and slow_member.writer is None
    assert writers() == []


async def test_socket_paused_during_its_snapshot_gets_snapshot_then_changes(local_hub):
    slow = FakeSocket()
    slow.writable.clear()
    # Joining does not wait for the socket to read its snapshot.
    await asyncio.wait_for(join(local_hub, slow), 5)
    post_changes(local_hub, range(1, 3))
    await settle(local_hub)
    assert slow.received == []

    slow.writable.set()
    await settle(local_hub)

    assert [(m["type"], m["seq"]) for m in slow.received] == [
        ("snapshot", 0),
        ("units.changed", 1),
        ("units.changed", 2),
    ]


async def test_socket_too_many_messages_behind_is_closed_to_resync(local_hub, monkeypatch):
    monkeypatch.setattr(fanout, "BACKLOG_MAX_MESSAGES", 3)
    fast, slow = FakeSocket(), FakeSocket()
    await join(local_hub, fast)
    await join(local_hub, slow)
    await settle(local_hub)

    slow.writable.clear()
    post_changes(local_hub, range(1, 8))
    await settle(local_hub)

    # It is no longer fed (no seq is skipped: it gets nothing more), and its close is under way.
    assert len(local_hub.members[AUDIENCE]) == 1
    assert fast.seqs() == [1, 2, 3, 4, 5, 6, 7]
    slow.writable.set()
    await settle(local_hub)
    assert slow.closed == 1011
    # Nothing after its snapshot: the send that waited was dropped with the rest, no gap.
    assert [m["type"] for m in slow.received] == ["snapshot"]
    assert writers() == []


async def test_socket_too_many_characters_behind_is_closed_to_resync(local_hub, monkeypatch):
    monkeypatch.setattr(fanout, "BACKLOG_MAX_CHARS", 100)
    slow, _member = await paused_behind(local_hub, 2)  # ~50 characters each: within the bound
    assert AUDIENCE in local_hub.members
    post_changes(local_hub, range(3, 6))
    await settle(local_hub)

    assert AUDIENCE not in local_hub.members
    slow.writable.set()
    await settle(local_hub)
    assert slow.closed == 1011


async def test_disconnect_of_a_paused_socket_ends_its_writer(local_hub):
    slow, member = await paused_behind(local_hub, 3)
    assert len(writers()) == 1

    local_hub.leave(member)  # what the consumer does on disconnect
    await settle(local_hub)

    assert writers() == []
    assert member.backlog is None
    # Nothing is written to it any more, even once the transport would drain.
    slow.writable.set()
    post_changes(local_hub, range(4, 5))
    await settle(local_hub)
    assert slow.seqs() == []


async def test_paused_socket_whose_connection_is_lost_is_forgotten(local_hub):
    slow, _member = await paused_behind(local_hub, 2)

    # The connection drops: the server wakes the waiting send, which fails.
    slow.lost = True
    slow.writable.set()
    await settle(local_hub)

    assert AUDIENCE not in local_hub.members
    assert writers() == []


async def test_hub_close_ends_every_writer(local_hub):
    await paused_behind(local_hub, 2)
    assert len(writers()) == 1

    await hub_module.close_all()

    assert writers() == []
