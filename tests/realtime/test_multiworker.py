"""Two Daphne workers on PostgreSQL and Redis: a report posted to one reaches a socket on the
other, in order, with the new figures (DESIGN §4, §7)."""

from __future__ import annotations

import asyncio

import pytest

from tests.realtime.live_client import next_message, open_feed
from tests.servers import LYON, daphne, figures_for, seed_nurse_and_watcher

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres]


async def test_report_posted_to_one_worker_reaches_a_socket_on_the_other(
    postgres_server_database, redis_url, tmp_path
):
    db = postgres_server_database
    nurse_token, watcher_token = seed_nurse_and_watcher(db)
    env = {"DATABASE_URL": db, "REDIS_URL": redis_url}

    with daphne(env, log_dir=tmp_path) as first, daphne(env, log_dir=tmp_path) as second:
        # A coordinator watches région 84 on the second worker.
        ws = await open_feed(second.ws_url, "/ws/regions/84/", watcher_token)
        snapshot = await next_message(ws)
        assert snapshot["type"] == "snapshot"
        units = [u for u in snapshot["units"] if u["hospital"] == LYON]
        assert units, "the demo data has units in Lyon"
        unit = units[0]

        # A nurse posts three reports to the first worker.
        posted = []
        version = unit["version"]
        for available in (3, 2, 1):
            status, body = await asyncio.to_thread(
                first.report, unit, available, token=nurse_token, version=version
            )
            assert status == 201, (body, first.log())
            version = body["version"]
            posted.append(figures_for(unit, available))

        # The socket on the second worker gets them in order, seq by seq, with those figures.
        changes = [await next_message(ws) for _ in posted]
        await ws.close()

    assert [m["type"] for m in changes] == ["units.changed"] * 3
    assert [m["seq"] for m in changes] == [snapshot["seq"] + i for i in (1, 2, 3)]
    received = [next(u for u in m["units"] if u["id"] == unit["id"]) for m in changes]
    assert [u["available"] for u in received] == [3, 2, 1]
    assert [u["occupied"] for u in received] == [f["occupied"] for f in posted]
    assert [u["version"] for u in received] == [unit["version"] + i for i in (1, 2, 3)]
