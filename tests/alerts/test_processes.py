"""Alerts across production's processes: a report through `web:` stores and publishes only;
the `clock:` process judges the région and its alert reaches a `ws:` socket through Redis."""

from __future__ import annotations

import pytest

from tests import servers
from tests.realtime.live_client import next_message, next_of_type, open_feed
from tests.servers import clock, private_redis, seed_nurse_and_watcher, site

pytestmark = [pytest.mark.slow]
server_database = servers.server_database  # the fixture, for this module


async def test_the_clock_process_judges_a_report_and_a_socket_receives_the_alert(
    server_database, tmp_path
):
    nurse, watcher = seed_nurse_and_watcher(server_database)
    with private_redis() as redis:
        env = {"DATABASE_URL": server_database, "REDIS_URL": redis.url}
        with site(env, log_dir=tmp_path) as server, clock(env, log_dir=tmp_path):
            feed = await open_feed(server.ws_url, "/ws/regions/84/", watcher)
            assert (await next_message(feed))["type"] == "snapshot"
            status, hospitals = server.request("GET", "/api/v1/hospitals/", token=nurse)
            [burns] = [u for h in hospitals["results"] for u in h["units"] if u["kind"] == "BURN"]

            # The demo leaves the région's only burns unit full; the clock's first round opened
            # its alerts. Free beds: the unit's change, then the alerts resolved.
            status, body = server.report(burns, burns["installed"], token=nurse)
            assert status == 201, body
            assert (await next_message(feed))["type"] == "units.changed"
            resolved = await next_of_type(feed, "alerts.changed", timeout=5)
            assert {(a["scope_code"], a["unit_kind"], a["state"]) for a in resolved["alerts"]} == {
                ("84", "BURN", "resolved"),
                ("69", "BURN", "resolved"),
            }

            # Full again: new alerts, opened saturated.
            status, body = server.report(burns, 0, token=nurse)
            assert status == 201, body
            opened = await next_of_type(feed, "alerts.changed", timeout=5)
            assert {
                (a["scope_code"], a["unit_kind"], a["level"], a["state"]) for a in opened["alerts"]
            } == {("84", "BURN", "saturated", "open"), ("69", "BURN", "saturated", "open")}
            await feed.close()
