"""`python -m bench loginflood`: report POST latency on one worker, quiet and then under an
anonymous login flood (issue 14: 16 threads raised report p50 from 10 ms to 2,270 ms).

The flood runs in a process of its own (`python -m bench.loginflood HOST PORT …`), so that its
threads do not slow the report poster's event loop: each thread fetches the login form once
(CSRF cookie and token) then posts wrong passwords for random usernames as fast as it is
answered. By default each attempt comes from a different client address: a distributed flood,
which the per-address lockout cannot stop. `--one-address` floods from one address per thread
instead, which the lockout stops after 20 attempts.

Two layouts (`--proxy`):
- `nginx`, production's: a real nginx runs the committed deploy/nginx.conf (rendered by
  deploy/nginx.py with the bench's ports and plain HTTP) in front of the app, and both the
  reports and the flood go through it. nginx overwrites `X-Forwarded-For`, so each attempt
  connects from its own address instead (a random 127.x.y.z: the loopback is a /8), and its
  limits see a flood from many addresses.
- `none`: straight to the `web:` process, each attempt claiming its address in
  `X-Forwarded-For` (the worker trusting one proxy, as in production): what the app's own
  limits do alone.

The app is started by `Context.start_app` like every other scenario (the Procfile's `web:`
process, gunicorn with WEB_CONCURRENCY workers, and one `ws:` process, unless `--server` says
otherwise), with the production password hasher; logins and reports go to the same `web:`
process.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import random
import re
import subprocess
import sys
import threading
import time
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from bench.stats import summarise

if TYPE_CHECKING:
    from bench.run import Context

LOGIN = "/accounts/login/"
TOKEN_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
# nginx's own 429 page (a lockout is Django's 429 page): counted apart, as never reaching a worker.
PROXY_PAGE = b"<center>nginx"
PROXY_REFUSAL = "429 nginx"


# -- the flood (its own process) --------------------------------------------------------------


def _csrf(conn: http.client.HTTPConnection) -> tuple[str, str]:
    """The login form's CSRF cookie and field, as a browser would get them."""
    conn.request("GET", LOGIN)
    response = conn.getresponse()
    body = response.read()
    cookie = next(
        (
            value.split(";", 1)[0]
            for name, value in response.getheaders()
            if name.lower() == "set-cookie" and value.startswith("csrftoken=")
        ),
        "",
    )
    match = TOKEN_FIELD.search(body)
    if response.status != 200 or not cookie or not match:
        raise RuntimeError(f"no login form at {LOGIN}: HTTP {response.status}")
    return cookie, match[1].decode()


def _flood_thread(
    host: str,
    port: int,
    duration: float,
    *,
    one_address: bool,
    own_sockets: bool,
    seed: int,
    out: dict,
) -> None:
    """Wrong logins for `duration` seconds once the form is in hand (a cold server takes
    seconds to answer its first page). With `own_sockets` each attempt connects from its client
    address (a proxy in front overwrites X-Forwarded-For); otherwise it claims it in the header."""
    rng = random.Random(seed)
    statuses: dict[int | str, int] = {}
    latencies: list[float] = []
    conn = http.client.HTTPConnection(host, port, timeout=60)
    try:
        cookie, token = _csrf(conn)
    except (OSError, http.client.HTTPException, RuntimeError) as exc:
        out[seed] = {"statuses": {}, "latencies": [], "error": f"{type(exc).__name__}: {exc}"}
        return
    conn.close()
    deadline = time.monotonic() + duration
    address = f"127.0.100.{seed % 250 + 1}" if own_sockets else f"198.51.100.{seed % 250 + 1}"
    while time.monotonic() < deadline:
        if not one_address:
            a, b, c = rng.randrange(1, 256), rng.randrange(256), rng.randrange(1, 255)
            address = f"127.{a}.{b}.{c}" if own_sockets else f"10.{a}.{b}.{c}"
        if own_sockets:
            conn = http.client.HTTPConnection(host, port, timeout=60, source_address=(address, 0))
        body = urlencode(
            {
                "csrfmiddlewaretoken": token,
                "username": f"flood{rng.randrange(10**9)}",
                "password": f"wrong-{rng.randrange(10**9)}",
            }
        )
        headers = {
            "Cookie": cookie,
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Forwarded-For": address,
        }
        t0 = time.monotonic()
        try:
            conn.request("POST", LOGIN, body, headers)
            response = conn.getresponse()
            page = response.read()
            status: int | str = response.status
            if status == 429 and PROXY_PAGE in page:
                status = PROXY_REFUSAL  # nginx's limit, before any worker
        except (OSError, http.client.HTTPException):
            status = 0
            conn.close()
        if own_sockets:
            conn.close()
        latencies.append(time.monotonic() - t0)
        statuses[status] = statuses.get(status, 0) + 1
    conn.close()
    seconds = time.monotonic() - deadline + duration
    out[seed] = {"statuses": statuses, "latencies": latencies, "seconds": seconds}


def flood(
    host: str,
    port: int,
    *,
    threads: int,
    duration: float,
    one_address: bool,
    own_sockets: bool = False,
) -> dict:
    results: dict = {}
    workers = [
        threading.Thread(
            target=_flood_thread,
            args=(host, port, duration),
            kwargs={
                "one_address": one_address,
                "own_sockets": own_sockets,
                "seed": seed,
                "out": results,
            },
        )
        for seed in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    # Each thread posts for `duration` after fetching its form: the longest of them.
    elapsed = max((r.get("seconds", 0.0) for r in results.values()), default=0.0)
    statuses: dict[int | str, int] = {}
    latencies: list[float] = []
    errors = sorted({r["error"] for r in results.values() if "error" in r})
    for r in results.values():
        latencies += r["latencies"]
        for status, n in r["statuses"].items():
            statuses[status] = statuses.get(status, 0) + n
    return {
        "threads": threads,
        "attempts": len(latencies),
        "seconds": elapsed,
        "per_second": len(latencies) / elapsed if elapsed else 0.0,
        "statuses": statuses,
        "latency": summarise(latencies),
        "errors": errors,
    }


# -- the scenario (the bench's process) -------------------------------------------------------


PROXIES = ("nginx", "none")


async def measure(
    ctx: Context,
    *,
    threads: int,
    duration: float,
    quiet: float,
    rate: float,
    one_address: bool,
    proxy: str = "nginx",
) -> dict:
    """Report POSTs at `rate` per second on one worker: `quiet` seconds alone, then `duration`
    seconds beside a `threads`-thread login flood; through nginx (`proxy="nginx"`, the committed
    deploy/nginx.conf) or straight to the `web:` process (`"none"`)."""
    from axes.models import AccessAttempt

    from bench import run, servers

    if proxy not in PROXIES:
        raise ValueError(f"unknown proxy {proxy!r}: use {' or '.join(PROXIES)}")
    # Earlier runs' attempts would lock the flood's addresses or slow the lockout queries.
    await asyncio.to_thread(lambda: AccessAttempt.objects.all().delete())
    group = ctx.start_app(offset=0, workers=1, env={"BEDWATCH_PROXY_COUNT": "1"})
    front = servers.Group()
    try:
        port = group.http_ports[0]
        if proxy == "nginx":
            nginx_port = ctx.port_base + 50
            servers.ensure_free([nginx_port])
            front = servers.start_nginx(
                port=nginx_port,
                web_ports=group.http_ports,
                ws_ports=group.socket_ports,
                log_dir=ctx.log_dir,
            )
            port = nginx_port
        poster = run.Poster(ctx, [port], conns_per_port=8)
        await poster.closed_loop(2, 1.0)  # warm the worker's connections and caches
        poster.reset()

        await poster.at_rate(rate, quiet)
        quiet_result = {"latency": summarise(poster.latencies), "statuses": dict(poster.statuses)}
        poster.reset()

        command = [sys.executable, "-m", "bench.loginflood", "127.0.0.1", str(port)]
        command += ["--threads", str(threads), "--duration", str(duration)]
        command += ["--one-address"] if one_address else []
        command += ["--own-sockets"] if proxy == "nginx" else []
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        await asyncio.sleep(min(2.0, duration / 10))  # the flood at full speed first
        pids_before = set(group.pids())
        meters = {
            "app": servers.Meter(group.pids),
            "nginx": servers.Meter(front.pids),
            "flood client": servers.Meter([process.pid]),
        }
        await poster.at_rate(rate, max(1.0, duration - 2 * min(2.0, duration / 10)))
        usage = {name: meter.result() for name, meter in meters.items()}
        # gunicorn's --max-requests replaces a worker after ~10,000 requests, refusals included.
        replaced = len(pids_before - set(group.pids()))
        flood_result = {}
        output, _ = await asyncio.to_thread(process.communicate, timeout=duration + 120)
        if process.returncode == 0:
            flood_result = json.loads(output)
        flooded = {"latency": summarise(poster.latencies), "statuses": dict(poster.statuses)}
        await poster.close()
    finally:
        front.stop()
        group.stop()
    ratio = flooded["latency"]["p95"] / quiet_result["latency"]["p95"]
    return {
        "server": ctx.server,
        "proxy": proxy,
        "rate": rate,
        "quiet": quiet_result,
        "flooded": flooded,
        "flood": flood_result,
        "usage": usage,
        "processes_replaced": replaced,
        "p95_ratio": ratio,
        "one_address": one_address,
    }


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.loginflood", description=__doc__)
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("--threads", type=int, default=16)
    p.add_argument("--duration", type=float, default=30)
    p.add_argument("--one-address", action="store_true")
    p.add_argument(
        "--own-sockets",
        action="store_true",
        help="connect from each attempt's address (127.x.y.z) instead of claiming it in a header",
    )
    args = p.parse_args(argv)
    result = flood(
        args.host,
        args.port,
        threads=args.threads,
        duration=args.duration,
        one_address=args.one_address,
        own_sockets=args.own_sockets,
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
