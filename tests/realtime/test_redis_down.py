"""Redis goes away while reports arrive: every report is stored (201, never a 500), /healthz
says the live path is degraded, and sockets get every figure back in a snapshot. Access taken
away meanwhile, whose message no worker heard, still closes the sockets once Redis is back."""

from __future__ import annotations

import asyncio

import pytest
from websockets.exceptions import ConnectionClosed

from tests.realtime.live_client import next_message, next_of_type, next_status, open_feed
from tests.servers import (
    LYON,
    create_account,
    figures_for,
    manage,
    private_redis,
    seed_nurse_and_watcher,
    site,
)

pytestmark = [pytest.mark.slow]


async def wait_for_health(server, state: str) -> dict:  # noqa: ANN001
    """Poll /healthz until its realtime field says `state` (no timing is asserted). The test
    asks from this host, as the operator's monitoring does: it is told each part's state."""
    for _ in range(150):
        status, body = await asyncio.to_thread(server.request, "GET", "/healthz")
        if status == 200 and body.get("realtime") == state:
            return body
        await asyncio.sleep(0.2)
    raise AssertionError(f"/healthz never said realtime={state}: {body}")


async def test_reports_survive_redis_outage_and_sockets_catch_up(server_database, tmp_path):
    db = server_database
    nurse_token, watcher_token = seed_nurse_and_watcher(db)

    with (
        private_redis() as redis,
        site({"DATABASE_URL": db, "REDIS_URL": redis.url}, log_dir=tmp_path) as server,
    ):
        await wait_for_health(server, "ok")
        watching = await open_feed(server.ws_url, "/ws/regions/84/", watcher_token)
        snapshot = await next_message(watching)
        units = [u for u in snapshot["units"] if u["hospital"] == LYON]

        # Redis dies: the socket hears at once that its feed is not live.
        redis.stop()
        assert (await next_status(watching, timeout=5))["live"] is False
        # Reports keep coming, one per Lyon unit, twice.
        expected = {}
        for round_ in range(2):
            for unit in units:
                available = round_ % unit["installed"]
                status, body = await asyncio.to_thread(
                    server.report, unit, available, token=nurse_token
                )
                assert status == 201, (body, server.log())
                expected[unit["id"]] = (figures_for(unit, available), body["version"])

        # Every report is stored …
        for unit_id, (figures, version) in expected.items():
            status, body = await asyncio.to_thread(
                server.request, "GET", f"/api/v1/units/{unit_id}/", token=nurse_token
            )
            assert status == 200
            assert {k: body[k] for k in figures} == figures and body["version"] == version
        # … and the operator can see that the live path is degraded.
        health = await wait_for_health(server, "degraded")
        assert health["database"] == "ok"

        # A client connecting during the outage still gets every figure.
        during = await open_feed(server.ws_url, "/ws/regions/84/", watcher_token)
        assert_has_figures(await next_message(during), expected)

        # Redis comes back: the sockets already open are resynchronised with a snapshot …
        redis.start()
        while not (await next_status(watching, timeout=5))["live"]:
            pass  # heartbeats sent while it was still down
        assert_has_figures(await next_of_type(watching, "snapshot"), expected)
        await wait_for_health(server, "ok")
        assert_has_figures(await next_of_type(during, "snapshot"), expected)

        # … a client reconnecting afterwards gets every figure, then live changes with no gap.
        after = await open_feed(server.ws_url, "/ws/regions/84/", watcher_token)
        fresh = await next_message(after)
        assert_has_figures(fresh, expected)
        unit = units[0]
        status, _ = await asyncio.to_thread(server.report, unit, 1, token=nurse_token)
        assert status == 201
        # (A web: worker that failed to publish asks every ws: worker for a resync with its
        # next publish: a snapshot may come first, under the seq it was read at.)
        changed = await next_message(after)
        while changed["type"] == "snapshot":
            fresh, changed = changed, await next_message(after)
        assert changed["type"] == "units.changed" and changed["seq"] == fresh["seq"] + 1
        assert changed["units"][0]["available"] == 1
        for ws in (watching, during, after):
            await ws.close()


# Run by `manage.py shell` without REDIS_URL: the access message it publishes reaches no worker.
DELETE_WATCHERS_TOKEN = """
from accounts.models import ApiToken
ApiToken.objects.filter(user__username="watch").delete()
"""


async def test_token_deleted_while_redis_was_away_closes_its_sockets_when_redis_is_back(
    server_database, tmp_path
):
    db = server_database
    nurse_token, watcher_token = seed_nurse_and_watcher(db)
    other_token = create_account(db, "other", "coordinator", region="84")

    with (
        private_redis() as redis,
        site({"DATABASE_URL": db, "REDIS_URL": redis.url}, log_dir=tmp_path) as server,
    ):
        await wait_for_health(server, "ok")
        watching = await open_feed(server.ws_url, "/ws/regions/84/", watcher_token)
        bystander = await open_feed(server.ws_url, "/ws/regions/84/", other_token)
        for ws in (watching, bystander):
            assert (await next_message(ws))["type"] == "snapshot"

        redis.stop()
        await wait_for_health(server, "degraded")
        # The watcher's token is deleted meanwhile; its message is heard by no worker.
        await asyncio.to_thread(manage, db, "shell", "-c", DELETE_WATCHERS_TOKEN)
        redis.start()
        await wait_for_health(server, "ok")

        # Back on Redis, the worker judges its sockets again: the watcher's socket closes …
        with pytest.raises(ConnectionClosed):
            while True:  # its resync snapshot may come first
                await next_message(watching)
        assert watching.close_code == 4401, server.log()
        # … the other coordinator's stays, and gets the next change.
        snapshot = await next_of_type(bystander, "snapshot")
        unit = next(u for u in snapshot["units"] if u["hospital"] == LYON)
        status, _ = await asyncio.to_thread(server.report, unit, 1, token=nurse_token)
        assert status == 201
        changed = await next_message(bystander)
        assert changed["type"] == "units.changed" and changed["seq"] == snapshot["seq"] + 1
        await bystander.close()


def assert_has_figures(message: dict, expected: dict) -> None:
    assert message["type"] == "snapshot"
    by_id = {u["id"]: u for u in message["units"]}
    for unit_id, (figures, version) in expected.items():
        assert {k: by_id[unit_id][k] for k in figures} == figures
        assert by_id[unit_id]["version"] == version
