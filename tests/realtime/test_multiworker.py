"""The production layout on PostgreSQL and Redis: a report posted to a web: worker (gunicorn)
reaches the sockets of both ws: workers, in order, with the new figures (docs/realtime.md)."""

from __future__ import annotations

import asyncio

import pytest

from tests.realtime.live_client import next_message, open_feed
from tests.servers import LYON, figures_for, seed_nurse_and_watcher, site

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres]


async def test_report_posted_to_a_web_worker_reaches_sockets_on_every_ws_worker(
    postgres_server_database, redis_url, tmp_path
):
    db = postgres_server_database
    nurse_token, watcher_token = seed_nurse_and_watcher(db)
    env = {"DATABASE_URL": db, "REDIS_URL": redis_url}

    with site(env, webs=2, wss=2, log_dir=tmp_path) as server:
        first, second = server.webs
        # A coordinator watches région 84 on each ws: worker.
        feeds = [await open_feed(w.ws_url, "/ws/regions/84/", watcher_token) for w in server.wss]
        ws, other = feeds
        snapshot = await next_message(ws)
        assert (await next_message(other))["seq"] == snapshot["seq"]
        assert snapshot["type"] == "snapshot"
        units = [u for u in snapshot["units"] if u["hospital"] == LYON]
        assert units, "the demo data has units in Lyon"
        unit = units[0]

        # A nurse posts three reports, to one web: worker then the other.
        posted = []
        version = unit["version"]
        for available in (3, 2, 1):
            status, body = await asyncio.to_thread(
                (first, second)[available % 2].report,
                unit,
                available,
                token=nurse_token,
                version=version,
            )
            assert status == 201, (body, server.log())
            version = body["version"]
            posted.append(figures_for(unit, available))

        # The sockets of both ws: workers get them in order, seq by seq, with those figures.
        changes = [await next_message(ws) for _ in posted]
        assert [await next_message(other) for _ in posted] == changes
        for feed in feeds:
            await feed.close()

    assert [m["type"] for m in changes] == ["units.changed"] * 3
    assert [m["seq"] for m in changes] == [snapshot["seq"] + i for i in (1, 2, 3)]
    received = [next(u for u in m["units"] if u["id"] == unit["id"]) for m in changes]
    assert [u["available"] for u in received] == [3, 2, 1]
    assert [u["occupied"] for u in received] == [f["occupied"] for f in posted]
    assert [u["version"] for u in received] == [unit["version"] + i for i in (1, 2, 3)]
