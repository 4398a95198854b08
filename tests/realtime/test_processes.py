"""The two layouts: production's web: (gunicorn) and ws: (sockets only) processes, and
`make run`'s single Daphne serving both (its scheduler in its threads)."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from tests.realtime.live_client import next_message, open_feed
from tests.servers import make_run, seed_nurse_and_watcher, site

pytestmark = [pytest.mark.slow]


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


async def test_web_serves_pages_and_statics_and_ws_serves_only_sockets(server_database, tmp_path):
    _nurse, watcher = seed_nurse_and_watcher(server_database)
    with site({"DATABASE_URL": server_database}, log_dir=tmp_path) as server:
        # gunicorn answers pages and static files (whitenoise) …
        status, body = get(server.webs[0].url + "/static/realtime/live.js")
        assert status == 200 and b"BedwatchLive" in body
        assert get(server.webs[0].url + "/accounts/login/")[0] == 200
        # … the ws: worker answers its health and nothing else over HTTP …
        status, body = get(server.ws.url + "/healthz")
        assert status == 200 and b'"realtime": "ok"' in body
        assert get(server.ws.url + "/accounts/login/")[0] == 404
        # … and its sockets, through the proxy as a browser would reach them.
        feed = await open_feed(server.ws_url, "/ws/regions/84/", watcher)
        assert (await next_message(feed))["type"] == "snapshot"
        await feed.close()


async def test_make_run_serves_pages_statics_and_sockets_in_one_process(server_database, tmp_path):
    _nurse, watcher = seed_nurse_and_watcher(server_database)
    env = {"DATABASE_URL": server_database, "REDIS_URL": None}
    with make_run(env, log_dir=tmp_path) as server:
        status, body = get(server.url + "/static/realtime/live.js")
        assert status == 200 and b"BedwatchLive" in body
        assert get(server.url + "/accounts/login/")[0] == 200
        feed = await open_feed(server.ws_url, "/ws/regions/84/", watcher)
        assert (await next_message(feed))["type"] == "snapshot"
        await feed.close()
