"""`python -m bench loginflood`: report POST latency on one worker, quiet and then under an
anonymous login flood (issue 14: 16 threads raised report p50 from 10 ms to 2,270 ms).

The flood runs in a process of its own (`python -m bench.loginflood HOST PORT …`), so that its
threads do not slow the report poster's event loop: each thread fetches the login form once
(CSRF cookie and token) then posts wrong passwords for random usernames as fast as the worker
answers. By default each attempt claims a different client address (`X-Forwarded-For`, the
worker trusting one proxy as in production): a distributed flood, which the per-address
lockout cannot stop, so it measures the cap on password checks. `--one-address` floods from
one address instead, which the lockout stops after 20 attempts.

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
    host: str, port: int, deadline: float, one_address: bool, seed: int, out: dict
) -> None:
    rng = random.Random(seed)
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    conn = http.client.HTTPConnection(host, port, timeout=60)
    try:
        cookie, token = _csrf(conn)
    except (OSError, http.client.HTTPException, RuntimeError) as exc:
        out[seed] = {"statuses": {}, "latencies": [], "error": f"{type(exc).__name__}: {exc}"}
        return
    address = f"198.51.100.{seed % 250 + 1}"
    while time.monotonic() < deadline:
        if not one_address:
            address = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
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
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            status = 0
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=60)
        latencies.append(time.monotonic() - t0)
        statuses[status] = statuses.get(status, 0) + 1
    conn.close()
    out[seed] = {"statuses": statuses, "latencies": latencies}


def flood(host: str, port: int, *, threads: int, duration: float, one_address: bool) -> dict:
    deadline = time.monotonic() + duration
    results: dict = {}
    workers = [
        threading.Thread(
            target=_flood_thread, args=(host, port, deadline, one_address, seed, results)
        )
        for seed in range(threads)
    ]
    t0 = time.monotonic()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - t0
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    errors = sorted({r["error"] for r in results.values() if "error" in r})
    for r in results.values():
        latencies += r["latencies"]
        for status, n in r["statuses"].items():
            statuses[status] = statuses.get(status, 0) + n
    return {
        "threads": threads,
        "attempts": len(latencies),
        "per_second": len(latencies) / elapsed if elapsed else 0.0,
        "statuses": statuses,
        "latency": summarise(latencies),
        "errors": errors,
    }


# -- the scenario (the bench's process) -------------------------------------------------------


async def measure(
    ctx: Context, *, threads: int, duration: float, quiet: float, rate: float, one_address: bool
) -> dict:
    """Report POSTs at `rate` per second on one worker: `quiet` seconds alone, then `duration`
    seconds beside a `threads`-thread login flood."""
    from axes.models import AccessAttempt

    from bench import run, servers

    # Earlier runs' attempts would lock the flood's addresses or slow the lockout queries.
    await asyncio.to_thread(lambda: AccessAttempt.objects.all().delete())
    group = ctx.start_app(offset=0, workers=1, env={"BEDWATCH_PROXY_COUNT": "1"})
    try:
        port = group.http_ports[0]
        poster = run.Poster(ctx, [port], conns_per_port=8)
        await poster.closed_loop(2, 1.0)  # warm the worker's connections and caches
        poster.reset()

        await poster.at_rate(rate, quiet)
        quiet_result = {"latency": summarise(poster.latencies), "statuses": dict(poster.statuses)}
        poster.reset()

        command = [sys.executable, "-m", "bench.loginflood", "127.0.0.1", str(port)]
        command += ["--threads", str(threads), "--duration", str(duration)]
        command += ["--one-address"] if one_address else []
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        await asyncio.sleep(min(2.0, duration / 10))  # the flood at full speed first
        meter = servers.Meter(group.pids())
        await poster.at_rate(rate, max(1.0, duration - 2 * min(2.0, duration / 10)))
        usage = meter.result()
        flood_result = {}
        output, _ = await asyncio.to_thread(process.communicate, timeout=duration + 120)
        if process.returncode == 0:
            flood_result = json.loads(output)
        flooded = {"latency": summarise(poster.latencies), "statuses": dict(poster.statuses)}
        await poster.close()
    finally:
        group.stop()
    ratio = flooded["latency"]["p95"] / quiet_result["latency"]["p95"]
    return {
        "server": ctx.server,
        "rate": rate,
        "quiet": quiet_result,
        "flooded": flooded,
        "flood": flood_result,
        "usage": usage,
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
    args = p.parse_args(argv)
    result = flood(
        args.host,
        args.port,
        threads=args.threads,
        duration=args.duration,
        one_address=args.one_address,
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
