"""`python -m bench capacity`: the unit costs of the live path, measured on the Procfile's
processes, and the capacity model built from them (docs/performance.md, *Capacity model*).

One start of the app (W `ws:` processes, one `web:` process), then windows in turn, each read
as CPU-seconds of the `ws:` processes, the `web:` process, the bench database's PostgreSQL
backends and the Redis server (INFO `used_cpu_sys` + `used_cpu_user`):

1. idle, no socket: every process's own idle rate, subtracted from each later window;
2. a connect burst of N sockets: `ws:` CPU per connection (handshake, auth, snapshot);
   then the `ws:` memory per idle socket;
3. idle, N sockets: what a connected socket costs per second (heartbeats, timers);
4. fan-out: reports through `web:` at R/s for D s: `ws:` CPU per socket message delivered;
5. sockets closed, reports through `web:` as fast as they go: `web:`, PostgreSQL and Redis CPU
   per report;
6. publishes of a report's two messages straight from this process, with the `ws:` processes'
   subscriptions, then with extra pattern subscribers: Redis CPU per publish and how it grows
   with the `ws:` processes subscribed, and what receiving a report costs each `ws:` process
   with no socket.

The model (`model`, pure) turns the costs into processes, hosts and the first limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import socket
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlparse

from bench import clients, run, servers
from bench.stats import percentile
from bench.verdicts import delivery_failures

# -- reading CPU ------------------------------------------------------------------------------


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds of each process that still exists."""
    found = {}
    for pid in pids:
        path = Path(f"/proc/{pid}/stat")
        with contextlib.suppress(OSError):
            fields = path.read_text().rsplit(")", 1)[1].split()
            found[pid] = (int(fields[11]) + int(fields[12])) / servers.CLOCK_TICKS
    return found


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used between two readings by the processes alive at the second (a process started
    in between counts whole; one that ended in between is lost, and counted by `lost`)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def lost(before: dict[int, float], after: dict[int, float]) -> int:
    return len(before.keys() - after.keys())


class Probes:
    """Where the CPU of a window is read: the app's processes by kind, the PostgreSQL backends
    of the bench database (not this process's), and the Redis server as a whole."""

    def __init__(self, ctx: run.Context, group: servers.Group) -> None:
        import psycopg
        import redis

        self.group = group
        self.pg = psycopg.connect(ctx.database_url, autocommit=True)
        self.redis = redis.Redis.from_url(ctx.redis_url)

    def pids(self) -> dict[str, list[int]]:
        ws = self.group.socket_pids()
        web = [pid for pid in self.group.pids() if pid not in ws]
        rows = self.pg.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
        return {"ws": ws, "web": web, "pg": [pid for (pid,) in rows]}

    def read(self) -> dict:
        cpu = {kind: cpu_by_pid(pids) for kind, pids in self.pids().items()}
        info = self.redis.info("cpu")
        cpu["redis"] = {0: float(info["used_cpu_sys"]) + float(info["used_cpu_user"])}
        return {"t": time.monotonic(), "cpu": cpu}

    def close(self) -> None:
        self.pg.close()
        self.redis.close()


KINDS = ("ws", "web", "pg", "redis")


def window(before: dict, after: dict) -> dict:
    """CPU-seconds of each kind between two readings, and the wall time."""
    result = {"wall": after["t"] - before["t"]}
    for kind in KINDS:
        result[kind] = cpu_delta(before["cpu"][kind], after["cpu"][kind])
        gone = lost(before["cpu"][kind], after["cpu"][kind])
        if gone:
            result[f"{kind}_lost"] = gone
    return result


def above_idle(measured: dict, idle: dict, kind: str) -> float:
    """CPU-seconds of `kind` in a window minus what it uses idle over the same time."""
    return measured[kind] - idle[kind] / idle["wall"] * measured["wall"]


def fixed_work_cpu_ms(repeat: int = 200) -> float:
    """Median CPU time (this thread's, not the wall clock) of `run.calibrate`'s fixed Python
    work: on a busy machine CPU-seconds per unit of work grow too (shared caches, cores), and
    this says by how much against a quiet run, where CPU time and wall time agree."""
    keys = ("id", "kind", "label", "installed", "available", "updated_at")
    rows = [(i, "REA", f"unit {i}", 10, i % 10, "2026-11-29T07:00:00+00:00") for i in range(1000)]
    times = []
    for _ in range(repeat):
        t0 = time.thread_time()
        json.dumps([dict(zip(keys, row, strict=True)) for row in rows])
        times.append(time.thread_time() - t0)
    return round(percentile(times, 50) * 1000, 3)


# -- extra Redis subscribers --------------------------------------------------------------------


class PatternSubscribers:
    """`n` more connections PSUBSCRIBEd to the app's pattern, as `ws:` processes hold, read and
    discarded by threads: Redis delivers every message to each of them."""

    def __init__(self, url: str, pattern: str, n: int) -> None:
        parsed = urlparse(url)
        self.socks: list[socket.socket] = []
        for _ in range(n):
            sock = socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379))
            if parsed.password:
                sock.sendall(
                    _resp("AUTH", *([parsed.username] if parsed.username else []), parsed.password)
                )
            sock.sendall(_resp("PSUBSCRIBE", pattern))
            threading.Thread(target=_drain, args=(sock,), daemon=True).start()
            self.socks.append(sock)

    def close(self) -> None:
        for sock in self.socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


def _resp(*words: str) -> bytes:
    parts = [f"*{len(words)}\r\n".encode()]
    for word in words:
        data = word.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


def _drain(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while sock.recv(1 << 16):
            pass


# -- the report's size and the audiences' spread --------------------------------------------------


def report_message(ctx: run.Context) -> tuple[str, str]:
    """A report's `units.changed` as the app publishes it (with its tensions), and its
    région: what each socket of its audiences receives, seq included."""
    from django.utils import timezone

    from beds.events import units_with_tensions
    from beds.selectors.units import units_for_audience

    ref = ctx.units[len(ctx.units) // 2]
    (unit,) = units_for_audience(region=None, unit_ids=[ref.id])
    (payload,) = units_with_tensions([unit], now=timezone.now())
    event = {"type": "units.changed", "units": [payload]}
    text = json.dumps(event, separators=(",", ":"), ensure_ascii=False, default=str)
    return text[:-1] + ',"seq":1234567}', ref.region


def region_concentration(regions: list[str]) -> float:
    """Σ p², p each région's share of `regions` (one entry per unit): the share of région
    screens a report reaches when reports and région screens both spread as units do."""
    counts: dict[str, int] = {}
    for code in regions:
        counts[code] = counts.get(code, 0) + 1
    total = sum(counts.values())
    return sum((n / total) ** 2 for n in counts.values()) if total else math.nan


def publish_burst(ctx: run.Context, n: int, message: str, region: str) -> float:
    """`n` reports' publishes (the région's message and the national one, one Lua call each
    report, as `beds.events.units_changed` sends them), back to back; returns the seconds (all must succeed)."""
    from realtime.publisher import NATIONAL, publish_each, region_audience

    event = json.loads(message)
    event.pop("seq")
    unit = event["units"][0]
    failed = 0
    t0 = time.monotonic()
    for k in range(n):
        unit["id"] = 7_000_000 + k  # no socket follows it: the burst runs with sockets closed
        failed += not publish_each([(region_audience(region), event), (NATIONAL, event)])
    if failed:
        raise RuntimeError(f"{failed} of {n} publishes failed: Redis CPU per publish not measured")
    return time.monotonic() - t0


# -- measuring ------------------------------------------------------------------------------------


async def measure(
    ctx: run.Context,
    *,
    sockets: int,
    rate: float,
    duration: float,
    idle: float,
    throughput_seconds: float,
    publishes: int,
    extra_subscribers: int,
    concurrency: int,
    post_concurrency: int,
) -> dict:
    """Every window on one start of the app; the raw windows and the unit costs."""
    from realtime.broker import key_prefix

    message, region = await asyncio.to_thread(report_message, ctx)
    fixed_before = fixed_work_cpu_ms()
    group = ctx.start_app(offset=0)
    pool = clients.Pool(ctx.client_procs)
    probes = Probes(ctx, group)
    windows: dict[str, dict] = {}
    out: dict = {"workers": len(group.socket_ports)}

    async def timed(name: str, work):  # noqa: ANN001, ANN202
        before = probes.read()
        value = await work
        windows[name] = window(before, probes.read())
        return value

    try:
        # Warm the web: workers (imports, connections) so the idle window is idle.
        poster = run.Poster(ctx, group.http_ports)
        await poster.closed_loop(2, 1.0)
        await asyncio.sleep(2.0)
        await timed("idle", asyncio.sleep(idle))
        rss_before = servers.rss_bytes(group.socket_pids())
        connect = await timed(
            "connect",
            pool.connect(
                ctx.socket_specs(group, sockets),
                concurrency=concurrency,
                local_addrs=ctx.local_addrs(),
            ),
        )
        connect.pop("latencies")
        out["connect"] = connect
        await asyncio.sleep(5.0)  # let the burst's garbage go, as `bench connect` does
        rss_after = servers.rss_bytes(group.socket_pids())
        out["ws_rss_before"], out["ws_rss_after"] = rss_before, rss_after
        await timed("sockets_idle", asyncio.sleep(idle))

        poster.reset()
        await poster.at_rate(rate, min(3.0, max(1.0, 10 / rate)))  # warm the hubs up
        await asyncio.sleep(2.0)
        await pool.call("reset")
        poster.reset()
        clients_before = cpu_by_pid(pool.pids)

        async def fan() -> None:
            await poster.at_rate(rate, duration)
            await asyncio.sleep(3.0)  # let the last messages arrive

        await timed("fanout", fan())
        windows["fanout"]["clients"] = cpu_delta(clients_before, cpu_by_pid(pool.pids))
        collected = await pool.collect(poster.sent)
        delays = collected.pop("delays")
        collected.pop("worst")
        out["fanout"] = {
            "target": "app",
            "server": ctx.server,
            "connect": connect,
            "posted": len(poster.sent),
            "post_statuses": dict(poster.statuses),
            "deliveries": len(delays),
            "delay_p99": percentile(delays, 99),
            **collected,
        }
        await pool.call("close")
        await asyncio.sleep(2.0)

        poster.reset()
        elapsed = await timed(
            "throughput",
            poster.closed_loop(post_concurrency * len(group.http_ports), throughput_seconds),
        )
        out["throughput"] = {
            "accepted": poster.statuses.get(201, 0),
            "statuses": dict(poster.statuses),
            "per_second": poster.statuses.get(201, 0) / elapsed,
        }
        await poster.close()

        await asyncio.sleep(1.0)
        seconds = await timed(
            "publish", asyncio.to_thread(publish_burst, ctx, publishes, message, region)
        )
        out["publish_seconds"] = seconds
        extra = PatternSubscribers(
            ctx.redis_url, f"{key_prefix(ctx.redis_url)}:a:*", extra_subscribers
        )
        try:
            await asyncio.sleep(1.0)
            await timed(
                "publish_more", asyncio.to_thread(publish_burst, ctx, publishes, message, region)
            )
        finally:
            extra.close()
    finally:
        probes.close()
        with contextlib.suppress(Exception):
            await pool.exit()
        group.stop()
    out["windows"] = windows
    out["fixed_work_cpu_ms"] = [fixed_before, fixed_work_cpu_ms()]
    out["message_bytes"] = len(message.encode())
    out["costs"] = asdict(
        unit_costs(
            out,
            sockets=out["connect"]["ok"],
            publishes=publishes,
            extra_subscribers=extra_subscribers,
        )
    )
    out["fanout"]["failures"] = delivery_failures(out["fanout"])
    out["fanout"]["ws_share"] = windows["fanout"]["ws"] / windows["fanout"]["wall"] / out["workers"]
    return out


@dataclass
class Costs:
    """Unit costs, in CPU-seconds unless named otherwise."""

    msg: float  # `ws:`, per socket message (one frame to one socket)
    idle_socket: float  # `ws:`, per connected socket per second (heartbeats, timers)
    ws_report: float  # `ws:`, per report per process, with no socket (its 2 messages in)
    conn: float  # `ws:`, per connection (handshake, auth, national snapshot)
    conn_pg: float  # PostgreSQL, per connection
    report_web: float  # `web:`, per report (request, validation, write, publish)
    report_pg: float  # PostgreSQL, per report
    report_redis: float  # Redis, per report (throttle counters and the publish)
    publish_redis: float  # Redis, per publish (one Lua call: 2 INCR, 2 PUBLISH)
    redis_per_subscriber: float  # Redis, per publish per pattern subscriber more
    subscribers: int  # pattern subscribers when `report_redis` and `publish_redis` were read
    socket_bytes: float  # `ws:` RSS per idle socket
    process_bytes: float  # `ws:` RSS per process before its sockets
    snapshot_bytes: int  # the national snapshot
    message_bytes: int  # a one-unit `units.changed`, seq included


def unit_costs(out: dict, *, sockets: int, publishes: int, extra_subscribers: int) -> Costs:
    """The unit costs from the windows of `measure` (each minus its processes' idle rate)."""
    w = out["windows"]
    workers = out["workers"]
    idle, sockets_idle = w["idle"], w["sockets_idle"]
    accepted = max(1, out["throughput"]["accepted"])
    # Receiving a report with no socket: the publishes' window has thousands and nothing else.
    ws_report = above_idle(w["publish"], idle, "ws") / publishes / workers
    posted = out["fanout"]["posted"]
    msg = (above_idle(w["fanout"], sockets_idle, "ws") - ws_report * posted * workers) / max(
        1, out["fanout"]["deliveries"]
    )
    redis_one = above_idle(w["publish"], idle, "redis") / publishes
    redis_more = above_idle(w["publish_more"], idle, "redis") / publishes
    return Costs(
        msg=msg,
        idle_socket=above_idle(sockets_idle, idle, "ws") / sockets_idle["wall"] / max(1, sockets),
        ws_report=ws_report,
        conn=above_idle(w["connect"], idle, "ws") / max(1, sockets),
        conn_pg=above_idle(w["connect"], idle, "pg") / max(1, sockets),
        report_web=above_idle(w["throughput"], idle, "web") / accepted,
        report_pg=above_idle(w["throughput"], idle, "pg") / accepted,
        report_redis=above_idle(w["throughput"], idle, "redis") / accepted,
        publish_redis=redis_one,
        redis_per_subscriber=(redis_more - redis_one) / max(1, extra_subscribers),
        subscribers=workers,
        socket_bytes=(out["ws_rss_after"] - out["ws_rss_before"]) / max(1, sockets),
        process_bytes=out["ws_rss_before"] / workers,
        snapshot_bytes=out["connect"]["snapshot_bytes"],
        message_bytes=out["message_bytes"],
    )


# -- the model ------------------------------------------------------------------------------------

# A WebSocket frame's header, server to client, for a message of 126 to 65,535 bytes.
FRAME_HEADER_BYTES = 4


@dataclass
class Load:
    screens: int = 20_000
    reports_per_s: float = 50.0
    # Screens on the national feed (every report); the rest follow one région (its reports).
    national_share: float = 1.0
    # Σ p² over régions (`region_concentration`): the share of région screens a report reaches.
    concentration: float = 0.1
    heartbeat_s: float = 2.0


@dataclass
class Plan:
    # The share of a core a process may use at the load it is sized for: what is left absorbs
    # bursts (connections, resyncs) and keeps the fan-out's delays short.
    utilisation: float = 0.7
    host_cores: int = 8
    # When Redis comes back after an outage, every screen is current again within this
    # (issue 13): every socket gets a fresh snapshot.
    resync_goal_s: float = 2.0


def model(costs: Costs, load: Load, plan: Plan) -> dict:
    """Processes, cores and hosts for `load`, and what each part can take at most.

    `ws:` processes are one core each at most (one event loop); a host runs `host_cores - 1` of
    them and leaves a core to the proxy and the system. `web:`, PostgreSQL and Redis share
    hosts of their own. Redis is one core whatever the hosts: every report is one Lua call
    delivered to each `ws:` process's pattern subscription, so its cost grows with them.
    """
    u, k = plan.utilisation, plan.host_cores
    reach = load.national_share + (1 - load.national_share) * load.concentration
    recipients = load.screens * reach
    frames = load.reports_per_s * recipients
    heartbeat_frames = load.screens / load.heartbeat_s if load.heartbeat_s else 0.0
    # ws: CPU of sockets (frames and idle) is spread over P processes, each of which also
    # receives every report: P × u ≥ sockets' CPU + P × reports/s × ws_report.
    socket_cpu = frames * costs.msg + load.screens * costs.idle_socket
    per_process_room = u - load.reports_per_s * costs.ws_report
    processes = math.ceil(socket_cpu / per_process_room) if per_process_room > 0 else math.inf
    per_host = max(1, k - 1)
    ws_hosts = math.ceil(processes / per_host) if processes != math.inf else math.inf
    # A report costs Redis at least its publish: the closed loop's figure, read over fewer
    # reports on a server other clients share, can fall below it.
    redis_per_report = max(costs.report_redis, costs.publish_redis) + max(
        0.0, costs.redis_per_subscriber
    ) * max(0, processes - costs.subscribers)
    web_cores = load.reports_per_s * costs.report_web / u
    pg_cores = load.reports_per_s * costs.report_pg / u
    redis_share = load.reports_per_s * redis_per_report
    # web:, PostgreSQL, one core for Redis and one for the system, on hosts of k cores.
    backend_cores = web_cores + pg_cores + 1 + 1
    backend_hosts = math.ceil(backend_cores / k)
    # Ceilings: the screens one ws: host takes at this report rate and reach, and the reports
    # per second Redis (one core) takes with this many subscribers.
    per_screen = load.reports_per_s * reach * costs.msg + costs.idle_socket
    screens_per_process = per_process_room / per_screen if per_process_room > 0 else 0.0
    redis_ceiling = u / redis_per_report if redis_per_report > 0 else math.inf
    finite = processes != math.inf
    resync_bytes = load.screens * reach * costs.snapshot_bytes
    resync_processes = math.ceil(load.screens * reach * costs.conn / plan.resync_goal_s)
    return {
        "reach": reach,
        "recipients": recipients,
        "frames_per_s": frames,
        "heartbeat_frames_per_s": heartbeat_frames,
        "ws_cores": socket_cpu
        + (processes * load.reports_per_s * costs.ws_report if finite else 0),
        "ws_processes": processes,
        "ws_hosts": ws_hosts,
        "screens_per_process": screens_per_process,
        "screens_per_host": screens_per_process * per_host,
        "ws_host_bytes": (
            per_host * costs.process_bytes + load.screens / ws_hosts * costs.socket_bytes
            if finite
            else math.nan
        ),
        "ws_host_bits_per_s": (
            8 * frames / ws_hosts * (costs.message_bytes + FRAME_HEADER_BYTES)
            if finite
            else math.nan
        ),
        # Redis comes back after an outage: every socket gets a snapshot (issue 13: within 2 s).
        # A région's snapshot holds its units, so on average `reach` of the national one
        # (reports and units spread alike): bytes, and the connection's CPU (measured with a
        # national snapshot, handshake included, which a resync does not redo), scale by it.
        "resync_seconds": load.screens / processes * costs.conn * reach if finite else math.nan,
        "resync_bytes": resync_bytes,
        # At least (each process giving the burst a whole core): the ws: processes, and the
        # bits per second out of all ws: hosts, for every screen to be current within the goal.
        "ws_processes_resync": resync_processes,
        "resync_bits_per_s": 8 * resync_bytes / plan.resync_goal_s,
        "web_cores": web_cores,
        "pg_cores": pg_cores,
        "redis_share": redis_share,
        "redis_ceiling_reports_per_s": redis_ceiling,
        "backend_hosts": backend_hosts,
        "hosts": ws_hosts + backend_hosts if finite else math.inf,
        "limits": limits(
            screens_per_host=screens_per_process * per_host,
            resync_hosts=resync_processes / per_host,
            ceilings={
                "web": k * u / costs.report_web if costs.report_web > 0 else math.inf,
                "pg": k * u / costs.report_pg if costs.report_pg > 0 else math.inf,
                "redis": redis_ceiling,
            },
            load=load,
        ),
    }


LIMITS = {
    "ws": "ws: CPU (one host)",
    "resync": "ws: CPU for the resync after a Redis outage (one host)",
    "web": "web: CPU (one host)",
    "pg": "PostgreSQL CPU (one host)",
    "redis": "Redis CPU (one core)",
}
# What more hosts do not lift: one PostgreSQL primary, one Redis (a core).
SINGLE = ("pg", "redis")


def limits(
    *, screens_per_host: float, resync_hosts: float, ceilings: dict[str, float], load: Load
) -> dict:
    """What runs out first as a crisis grows from nothing on one host of each kind: the part
    whose share of the target load is the largest (`need` > 1: it needs more than one host of
    its kind; `resync`: the ws: hosts the burst after a Redis outage needs); and, of the parts
    more hosts do not lift, the lowest ceiling in reports/s."""
    need = {
        "ws": load.screens / screens_per_host if screens_per_host > 0 else math.inf,
        "resync": resync_hosts,
        **{
            name: load.reports_per_s / ceiling if ceiling > 0 else math.inf
            for name, ceiling in ceilings.items()
        },
    }
    first = max(need, key=lambda name: need[name])
    single = min(SINGLE, key=lambda name: ceilings[name])
    return {
        "need": need,
        "first": first,
        "screens_per_host": screens_per_host,
        "ceiling": single,
        "ceiling_reports_per_s": ceilings[single],
    }
