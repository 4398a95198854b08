"""Two ws: workers (and a web: worker) on PostgreSQL and Redis: deactivating an account, in another process,
closes its sockets on both workers (4401); another user's socket goes on receiving."""

from __future__ import annotations

import asyncio

import pytest
from websockets.exceptions import ConnectionClosed

from tests.realtime.live_client import next_message, open_feed
from tests.servers import LYON, create_account, manage, seed_nurse_and_watcher, site

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres]
DEACTIVATE = """
from accounts.models import User
user = User.objects.get(username="watch")
user.is_active = False
user.save()
"""


async def test_deactivated_accounts_sockets_close_on_every_worker(
    postgres_server_database, redis_url, tmp_path
):
    db = postgres_server_database
    nurse_token, watcher_token = seed_nurse_and_watcher(db)
    other_token = create_account(db, "other", "coordinator", region="84")
    env = {"DATABASE_URL": db, "REDIS_URL": redis_url}

    with site(env, wss=2, log_dir=tmp_path) as server:
        first, second = server.wss
        # The watcher has a socket on each worker; another coordinator one on the second.
        feeds = [
            await open_feed(server.ws_url, "/ws/regions/84/", watcher_token)
            for server in (first, second)
        ]
        bystander = await open_feed(second.ws_url, "/ws/regions/84/", other_token)
        for ws in (*feeds, bystander):
            snapshot = await next_message(ws)
        assert snapshot["type"] == "snapshot"

        # An operator deactivates the watcher from a shell: another process, through Redis.
        await asyncio.to_thread(manage, db, "shell", "-c", DEACTIVATE, env={"REDIS_URL": redis_url})

        for ws in feeds:
            with pytest.raises(ConnectionClosed):
                await next_message(ws)
            assert ws.close_code == 4401, server.log()

        # The other coordinator still gets changes.
        unit = next(u for u in snapshot["units"] if u["hospital"] == LYON)
        status, body = await asyncio.to_thread(
            server.report, unit, 0, token=nurse_token, version=unit["version"]
        )
        assert status == 201, body
        change = await next_message(bystander)
        assert change["type"] == "units.changed" and change["seq"] == snapshot["seq"] + 1
        await bystander.close()
