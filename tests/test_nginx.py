"""The reverse proxy of docs/deployment.md: the committed deploy/nginx.conf, run by a real nginx
in front of the production layout (rendered by deploy/nginx.py with the test's ports and plain
HTTP, as `python -m bench loginflood` renders it), passes pages, the API, static files and
sockets, and refuses login floods from one address and from many while reports go through."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import shutil
import subprocess
import textwrap
import threading
import urllib.request
from pathlib import Path

import pytest

from deploy import nginx as deploy_nginx
from tests.conftest import service_missing
from tests.realtime.live_client import next_message, open_feed
from tests.servers import LYON, nginx, seed_nurse_and_watcher, site, temp_database

ROOT = Path(__file__).resolve().parent.parent
LOGIN_BURST = 20  # deploy/nginx.conf: `limit_req zone=bedwatch_login burst=20 nodelay`


def documented_nginx_conf() -> str:
    """The configuration block of docs/deployment.md's nginx section, unindented."""
    text = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    lines = []
    for line in text.split("`deploy/nginx.conf`:\n\n", 1)[1].splitlines():
        if line and not line.startswith("    "):
            break
        lines.append(line)
    return textwrap.dedent("\n".join(lines)).strip() + "\n"


def test_the_documented_nginx_configuration_is_the_committed_file():
    assert documented_nginx_conf() == deploy_nginx.CONF.read_text(encoding="utf-8")


def test_the_local_rendering_keeps_every_limit_and_route_of_the_committed_file():
    committed = deploy_nginx.CONF.read_text(encoding="utf-8").splitlines()
    rendered = deploy_nginx.render(
        port=8080, web_ports=[8001], ws_ports=[8101], static_root=Path("/srv/static")
    ).splitlines()

    kept = ("limit_req", "location", "proxy_", "map ", "client_max_body_size")
    assert [x for x in committed if x.strip().startswith(kept)] == [
        x for x in rendered if x.strip().startswith(kept)
    ]
    assert "    listen 127.0.0.1:8080;" in rendered
    assert not [x for x in rendered if "ssl" in x or "listen 80" in x]


def test_the_renderer_refuses_a_file_whose_tls_server_it_no_longer_recognises():
    changed = deploy_nginx.CONF.read_text(encoding="utf-8").replace("listen 443 ssl", "listen 8443")

    with pytest.raises(ValueError, match="listen 443"):
        deploy_nginx.render(
            port=8080, web_ports=[8001], ws_ports=[8101], static_root=Path("."), source=changed
        )


def test_the_committed_file_with_its_tls_server_passes_nginx_t(tmp_path):
    # The parts a local run drops (certificates, the port-80 redirect) are checked here.
    binary = deploy_nginx.binary()
    if binary is None:
        service_missing("nginx (apt-get install nginx-light)")
    if shutil.which("openssl") is None:
        service_missing("openssl (apt-get install openssl)")
    cert, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=bedwatch.example.org", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    http = deploy_nginx.CONF.read_text(encoding="utf-8")
    http = http.replace("/etc/ssl/bedwatch/fullchain.pem", str(cert))
    http = http.replace("/etc/ssl/bedwatch/privkey.pem", str(key))
    for name in deploy_nginx.TEMP_DIRS:
        (tmp_path / "temp" / name).mkdir(parents=True)
    conf = tmp_path / "nginx.conf"
    conf.write_text(deploy_nginx.whole_conf(http, tmp_path), encoding="utf-8")

    result = subprocess.run(
        [binary, "-t", "-p", f"{tmp_path}/", "-e", str(tmp_path / "error.log"), "-c", str(conf)],
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr


def login_post(port: int, source: str) -> tuple[int, bytes]:
    """A login form submission from `source` (an address of the loopback /8); no CSRF token,
    so that what gets through costs the worker a 403 and no password check."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        conn.request(
            "POST",
            "/accounts/login/",
            "username=nurse&password=wrong",
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read()


def refused_by_nginx(status: int, body: bytes) -> bool:
    # nginx's own page (deploy/nginx.conf's, in French), not the lockout page that Django
    # answers with 429 too.
    return status == 429 and b"<title>Trop de demandes</title>" in body


@pytest.mark.slow
async def test_nginx_passes_the_site_and_refuses_login_floods_from_one_address_and_many(tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    (static / "probe.txt").write_text("from the static folder")
    with contextlib.ExitStack() as stack:
        database = stack.enter_context(temp_database(tmp_path))
        nurse, watcher = seed_nurse_and_watcher(database)
        env = {"DATABASE_URL": database, "BEDWATCH_PROXY_COUNT": "1"}
        app = stack.enter_context(site(env, log_dir=tmp_path))
        front = stack.enter_context(
            nginx(app.webs[0].port, app.ws.port, static_root=static, prefix=tmp_path / "nginx")
        )
        # Pages, the API and static files pass through …
        status, page = await asyncio.to_thread(get, front.url + "/accounts/login/")
        assert status == 200 and b'name="csrfmiddlewaretoken"' in page, (front.log(), app.log())
        status, body = await asyncio.to_thread(
            front.request, "GET", "/api/v1/hospitals/", token=nurse
        )
        assert status == 200 and body["count"] > 0, body
        status, probe = await asyncio.to_thread(get, front.url + "/static/probe.txt")
        assert (status, probe) == (200, b"from the static folder")
        # … and so does a socket's upgrade: it gets its snapshot.
        feed = await open_feed(front.ws_url, "/ws/regions/84/", watcher)
        snapshot = await next_message(feed)
        assert snapshot["type"] == "snapshot"
        unit = next(u for u in snapshot["units"] if u["hospital"] == LYON)

        # One address: the burst goes through (to Django, which wants a CSRF token), then nginx
        # refuses.
        answers = []
        while len(answers) < 100 and not (answers and refused_by_nginx(*answers[-1])):
            answers.append(await asyncio.to_thread(login_post, front.port, "127.0.0.1"))
        assert [s for s, _ in answers[: LOGIN_BURST + 1]] == [403] * (LOGIN_BURST + 1)
        assert refused_by_nginx(*answers[-1]), answers[-1]

        # Many addresses at once, one submission each: no per-address limit applies, the cap
        # on all login submissions refuses the excess …
        sources = [f"127.0.2.{i}" for i in range(1, 81)]
        results: dict[str, tuple[int, bytes]] = {}
        start = threading.Barrier(len(sources) + 1)

        def submit(source: str) -> None:
            start.wait()
            results[source] = login_post(front.port, source)

        threads = [threading.Thread(target=submit, args=(s,)) for s in sources]
        for thread in threads:
            thread.start()
        await asyncio.to_thread(start.wait)
        # … while a report goes through and reaches the socket through nginx.
        status, body = await asyncio.to_thread(front.report, unit, 1, token=nurse)
        for thread in threads:
            await asyncio.to_thread(thread.join)
        assert status == 201, (body, front.log())
        change = await next_message(feed)
        assert change["type"] == "units.changed"
        assert [u["available"] for u in change["units"] if u["id"] == unit["id"]] == [1]
        await feed.close()

    statuses = sorted(s for s, _ in results.values())
    assert set(statuses) == {403, 429}, statuses
    assert all(refused_by_nginx(*r) for r in results.values() if r[0] == 429)
