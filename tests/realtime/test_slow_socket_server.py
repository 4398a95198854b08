"""On a real ws: worker (the Procfile's line), with a région whose snapshot is a few
hundred KiB: a client that stops reading does not hold up the other sockets of its worker; it
gets everything in order once it reads again, or is closed with 1011 when it falls too far
behind."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator

import pytest
from websockets.sync.client import ClientConnection, connect

from tests.realtime.raw_client import RawFeed
from tests.servers import LYON, Site, manage, seed_nurse_and_watcher, site, temp_database

pytestmark = [pytest.mark.slow]
PATH = "/ws/regions/84/"
# Enough units that one snapshot (~250 KiB) is far above the kernel's and uvicorn's buffers
# for a client that does not read: the sends after it wait.
EXTRA_UNITS = 1000
ADD_UNITS = f"""
from beds.models import Hospital, Unit
hospital = Hospital.objects.get(finess="{LYON}")
Unit.objects.bulk_create(
    Unit(hospital=hospital, kind="REA", label=f"Unité de test {{i}}", installed=10, available=5,
         occupied=5)
    for i in range({EXTRA_UNITS})
)
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[tuple[Site, str, str]]:  # noqa: ANN001
    """One web: and one ws: worker without Redis; (site, a nurse's token, a watcher's token)."""
    tmp = tmp_path_factory.mktemp("slow")
    with temp_database(tmp) as db:
        nurse_token, watcher_token = seed_nurse_and_watcher(db)
        manage(db, "shell", "-c", ADD_UNITS)
        env = {"DATABASE_URL": db, "REDIS_URL": None, "BEDWATCH_RESYNC_MIN_SECONDS": "0"}
        env["BEDWATCH_HEARTBEAT_SECONDS"] = "0"  # only the feed's own messages
        with site(env, log_dir=tmp) as server:
            yield server, nurse_token, watcher_token


def test_socket_that_stops_reading_does_not_hold_up_the_others(world):
    server, nurse_token, watcher_token = world
    # A client connects and reads nothing, not even its snapshot; three others read.
    slow = RawFeed(server.ws.port, PATH, watcher_token)
    with contextlib.ExitStack() as stack:
        fast = [stack.enter_context(reader(server, watcher_token)) for _ in range(3)]
        snapshots = [next_json(ws) for ws in fast]

        # Reports go out: every reading socket gets them at once, in order.
        post_reports(server, nurse_token, snapshots[0], count=3)
        seen = []
        for ws, snapshot in zip(fast, snapshots, strict=True):
            changes = [next_json(ws) for _ in range(3)]
            assert [m["seq"] for m in changes] == [snapshot["seq"] + i for i in (1, 2, 3)]
            seen.append(changes)
        # A report may also move the région's alerts (docs/alerts.md): the feed's next three
        # messages, whatever they are, the same on every socket.
        assert seen[0] == seen[1] == seen[2]
        assert "units.changed" in {m["type"] for m in seen[0]}

    # The slow client reads again: its snapshot, then every change, no gap.
    messages = [slow.next_frame() for _ in range(4)]
    assert [kind for kind, _ in messages] == ["message"] * 4, server.log()
    snapshot, *changes = (message for _, message in messages)
    assert snapshot["type"] == "snapshot" and len(snapshot["units"]) > EXTRA_UNITS
    assert [m["seq"] for m in changes] == [snapshot["seq"] + i for i in (1, 2, 3)]
    assert changes == seen[0]
    slow.close()


def test_socket_too_far_behind_is_closed_with_1011_after_what_it_was_sent(world):
    server, nurse_token, watcher_token = world
    slow = RawFeed(server.ws.port, PATH, watcher_token)
    # It asks for snapshot after snapshot and reads none: ~10 MB, past the hub's 4 MiB bound.
    for _ in range(40):
        slow.send_json({"type": "resync"})
    with reader(server, watcher_token) as watcher:
        snapshot = next_json(watcher)
        post_reports(server, nurse_token, snapshot, count=1)
        assert next_json(watcher)["seq"] == snapshot["seq"] + 1

    # Reading again: snapshots (and changes) in order, then the close that asks it to resync.
    seq = -1
    while True:
        kind, message = slow.next_frame()
        if kind == "close":
            break
        if message["type"] == "snapshot":
            assert message["seq"] >= seq
        else:
            assert message["seq"] == seq + 1, "a change was skipped"
        seq = message["seq"]
    assert message == 1011
    slow.close()


def reader(server: Site, token: str) -> ClientConnection:
    return connect(
        server.ws.ws_url + PATH,
        additional_headers={"Authorization": f"Token {token}"},
        open_timeout=10,
        max_size=None,
    )


def next_json(ws: ClientConnection) -> dict:
    return json.loads(ws.recv(timeout=30))


def post_reports(server: Site, token: str, snapshot: dict, *, count: int) -> None:
    unit = next(u for u in snapshot["units"] if u["hospital"] == LYON)
    version = unit["version"]
    for i in range(count):
        available = (unit["available"] + 1 + i) % (unit["installed"] + 1)
        status, body = server.report(unit, available, token=token, version=version)
        assert status == 201, (body, server.log())
        version = body["version"]
