"""The scenarios of `python -m bench`: each starts what it measures and stops it after."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from bench import clients, data, servers
from bench.http import HTTPConnection
from bench.stats import percentile, summarise


@dataclass
class UnitRef:
    id: int
    version: int
    installed: int
    region: str


@dataclass
class Context:
    """What every scenario shares: the database, tokens, units, ports and options."""

    database_url: str
    redis_url: str
    server: str
    workers: int
    port_base: int
    client_procs: int
    audience: str
    tokens: dict[str, str] = field(default_factory=dict)
    units: list[UnitRef] = field(default_factory=list)
    calibration: dict = field(default_factory=dict)
    log_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="bedwatch-bench-")))
    dataset: dict[str, int] = field(default_factory=dict)
    profile: bool = False
    # gunicorn workers of the `web:` process (the Procfile's default).
    web_concurrency: int = 2 * (os.cpu_count() or 1) + 1  # the Procfile's default
    _addr: int = 10

    @property
    def command(self) -> str:
        return servers.server_command(self.server)

    def server_env(self) -> dict[str, str]:
        return {
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "BEDWATCH_LOG_LEVEL": "WARNING",
            # As in production (docs/performance.md): pooled PostgreSQL connections.
            "DATABASE_POOL_MAX_SIZE": os.getenv("DATABASE_POOL_MAX_SIZE", "16"),
            # The API limits run (their cost is measured) but never refuse the load.
            "BEDWATCH_API_RATE_TOKEN": "10000000/min",
            "BEDWATCH_API_RATE_ADDRESS": "10000000/min",
        }

    def ports(self, offset: int, count: int | None = None) -> list[int]:
        return [self.port_base + offset + i for i in range(count or self.workers)]

    def local_addrs(self) -> list[str]:
        """A fresh 127.0.0.x source address per client process and phase: the sockets of one
        phase never wait on the TIME_WAIT ports of the previous one."""
        addrs = []
        for _ in range(self.client_procs):
            self._addr = 10 if self._addr >= 250 else self._addr + 1
            addrs.append(f"127.0.0.{self._addr}")
        return addrs

    def audience_units(self) -> list[UnitRef]:
        if self.audience == "national":
            return self.units
        code = self.audience.split(":", 1)[1]
        return [u for u in self.units if u.region == code]

    def socket_path(self) -> str:
        if self.audience == "national":
            return "/ws/national/"
        return f"/ws/regions/{self.audience.split(':', 1)[1]}/"

    def socket_specs(self, group: servers.Group, sockets: int) -> list[dict]:
        """`sockets` dispatcher sockets on the audience, dealt round-robin over the workers."""
        ports = group.socket_ports
        return [
            {
                "host": "127.0.0.1",
                "port": ports[i % len(ports)],
                "path": self.socket_path(),
                "headers": {"Authorization": f"Token {self.tokens['dispatcher']}"},
            }
            for i in range(sockets)
        ]

    def start_app(
        self, offset: int = 0, workers: int | None = None, env: dict[str, str] | None = None
    ) -> servers.Group:
        """The app as production runs it: `workers` `ws:` processes for the sockets, one
        `web:` process (gunicorn, WEB_CONCURRENCY workers) for the reports and searches and
        the `clock:` process (the alerts' sweep); or `workers` processes of a one-process
        preset serving both. `env` adds to `server_env`."""
        ports = self.ports(offset, workers)
        servers.ensure_free(ports)
        group = servers.start(
            name=f"app-{self.server}",
            command=self.command,
            ports=ports,
            env={**self.server_env(), **(env or {})},
            log_dir=self.log_dir,
        )
        if self.server != "procfile":
            return group
        web_port = self.port_base + offset + 40
        try:
            servers.ensure_free([web_port])
            web = servers.start(
                name="web",
                command=servers.procfile_line("web"),
                ports=[web_port],
                env={
                    "WEB_CONCURRENCY": str(self.web_concurrency),
                    **self.server_env(),
                    **(env or {}),
                },
                log_dir=self.log_dir,
            )
            group.add(web)
            group.add(
                servers.start_clock(env={**self.server_env(), **(env or {})}, log_dir=self.log_dir)
            )
        except BaseException:
            group.stop()
            raise
        group.http_ports = [web_port]
        return group


# -- set-up -----------------------------------------------------------------------------------


def prepare_database(url: str, *, fresh: bool) -> None:
    """Create the bench database on the PostgreSQL server of `url` (dropped first if fresh)."""
    import psycopg

    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql"):
        raise SystemExit(f"the benchmark runs on PostgreSQL: {url!r} is not a postgres:// URL")
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup(ctx: Context, *, dataset: str, fresh: bool) -> None:
    """Database, schema, data and tokens; runs Django in this process."""
    prepare_database(ctx.database_url, fresh=fresh)
    os.environ.update(ctx.server_env())
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # The web: process runs with DEBUG off: whitenoise serves STATIC_ROOT, as in production.
    call_command("collectstatic", interactive=False, verbosity=0)
    from beds.models import Hospital, Unit

    if dataset == "gisco":
        if Hospital.objects.count() < 5000 or not Unit.objects.exists():
            ctx.dataset = data.load_gisco(data.gisco_csv())
        else:
            ctx.dataset = {
                "hospitals": Hospital.objects.count(),
                "hospitals_with_units": Hospital.objects.filter(units__isnull=False)
                .distinct()
                .count(),
                "units": Unit.objects.count(),
            }
    else:
        ctx.dataset = data.load_demo()
    ctx.tokens = data.tokens()
    from django.db import connection

    with connection.cursor() as cursor:
        # A bulk load leaves the planner blind until autovacuum analyses the tables: the near
        # search then picks a nested loop 100× slower. Production has the statistics.
        cursor.execute("ANALYZE")
    ctx.units = [
        UnitRef(id=pk, version=v, installed=inst, region=region)
        for pk, v, inst, region in Unit.objects.filter(hospital__active=True)
        .order_by("pk")
        .values_list("id", "version", "installed", "hospital__department__region_id")
        if inst > 0
    ]


def calibrate() -> dict:
    """The machine's speed on fixed work, so that figures from different machines can be told
    apart from changes in the code (the same commit measured 1.8× slower on one machine than
    on another, docs/performance.md): medians of Python building and encoding 1,000 small
    dicts, of a PostgreSQL round trip, and of PostgreSQL counting 100,000 rows it generates."""
    from django.db import connection

    def median_ms(work, repeat: int) -> float:  # noqa: ANN001
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            work()
            times.append(time.perf_counter() - t0)
        return round(percentile(times, 50) * 1000, 3)

    keys = ("id", "kind", "label", "installed", "available", "updated_at")
    rows = [(i, "REA", f"unit {i}", 10, i % 10, "2026-11-29T07:00:00+00:00") for i in range(1000)]

    def python_work() -> None:
        json.dumps([dict(zip(keys, row, strict=True)) for row in rows])

    with connection.cursor() as cursor:

        def query(sql: str):  # noqa: ANN202
            return lambda: (cursor.execute(sql), cursor.fetchall())

        return {
            "python_1000_dicts_ms": median_ms(python_work, 200),
            "postgres_round_trip_ms": median_ms(query("SELECT 1"), 300),
            "postgres_count_100k_ms": median_ms(
                query("SELECT count(*) FROM generate_series(1, 100000)"), 30
            ),
        }


def sample_change_event(ctx: Context) -> str:
    """A units.changed message the size of the app's, for the bare reference to broadcast."""
    from django.utils import timezone

    from beds.selectors import unit_get, unit_to_dict

    unit = unit_get(unit_id=ctx.audience_units()[0].id)
    body = unit_to_dict(unit, now=timezone.now())
    return json.dumps({"type": "units.changed", "units": [body]}, separators=(",", ":"))


# -- load ---------------------------------------------------------------------------------------


class Poster:
    """Posts reports through the HTTP API, open loop at a set rate, round-robin over units and
    workers; remembers when each (unit, version) was sent."""

    def __init__(self, ctx: Context, ports: list[int], *, conns_per_port: int = 8) -> None:
        self.ctx = ctx
        self.units = ctx.audience_units()
        self.next_unit = random.Random(7).randrange(len(self.units))
        self.sent: dict[int, float] = {}
        self.sent_latency: dict[int, float] = {}
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        headers = {"Authorization": f"Token {ctx.tokens['admin']}"}
        self.free: list[asyncio.Queue[HTTPConnection]] = []
        for port in ports:
            queue: asyncio.Queue[HTTPConnection] = asyncio.Queue()
            for _ in range(conns_per_port):
                queue.put_nowait(HTTPConnection("127.0.0.1", port, headers=headers))
            self.free.append(queue)
        self.n = 0

    def reset(self) -> None:
        self.sent.clear()
        self.sent_latency.clear()
        self.latencies.clear()
        self.statuses.clear()

    def _body(self, unit: UnitRef) -> dict:
        available = (self.n * 7 + unit.id) % (unit.installed + 1)
        return {
            "installed": unit.installed,
            "available": available,
            "occupied": unit.installed - available,
            "reserved": 0,
            "closed": 0,
            "extra": 0,
        }

    async def post_one(self) -> None:
        unit = self.units[self.next_unit % len(self.units)]
        self.next_unit += 1
        queue = self.free[self.n % len(self.free)]
        self.n += 1
        body = self._body(unit)
        conn = await queue.get()
        try:
            t0 = time.monotonic()
            try:
                status, payload = await conn.request(
                    "POST", f"/api/v1/units/{unit.id}/reports/", body
                )
            except Exception:
                status, payload = 0, b""
            latency = time.monotonic() - t0
            self.latencies.append(latency)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status == 201:
                version = json.loads(payload)["version"]
                unit.version = version
                key = clients.unit_key(unit.id, version)
                self.sent[key] = t0
                self.sent_latency[key] = latency
        finally:
            queue.put_nowait(conn)

    async def at_rate(self, rate: float, duration: float) -> None:
        tasks = []
        t0 = time.monotonic()
        for k in range(int(rate * duration)):
            delay = t0 + k / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self.post_one()))
        await asyncio.gather(*tasks)

    async def closed_loop(self, concurrency: int, duration: float) -> float:
        """As fast as `concurrency` clients can; returns the elapsed time."""
        t0 = time.monotonic()
        deadline = t0 + duration

        async def loop() -> None:
            while time.monotonic() < deadline:
                await self.post_one()

        await asyncio.gather(*(loop() for _ in range(concurrency)))
        return time.monotonic() - t0

    async def close(self) -> None:
        for queue in self.free:
            while not queue.empty():
                await queue.get_nowait().close()


class BarePublisher:
    """PUBLISHes a message of the app's size at a set rate (the reference's load)."""

    def __init__(self, ctx: Context, channel: str, template: str) -> None:
        self.ctx = ctx
        self.channel = channel
        self.template = json.loads(template)
        self.sent: dict[int, float] = {}
        self.sent_latency: dict[int, float] = {}
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.k = 0

    def reset(self) -> None:
        self.sent.clear()
        self.sent_latency.clear()
        self.latencies.clear()
        self.statuses.clear()

    async def at_rate(self, rate: float, duration: float) -> None:
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(self.ctx.redis_url)
        unit = self.template["units"][0]
        t0 = time.monotonic()
        try:
            for i in range(int(rate * duration)):
                delay = t0 + i / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                self.k += 1
                unit["id"] = 9_000_000 + self.k
                unit["version"] = 1
                text = json.dumps({**self.template, "seq": self.k}, separators=(",", ":"))
                t_send = time.monotonic()
                await client.publish(self.channel, text)
                latency = time.monotonic() - t_send
                self.latencies.append(latency)
                self.statuses[200] = self.statuses.get(200, 0) + 1
                key = clients.unit_key(unit["id"], 1)
                self.sent[key] = t_send
                self.sent_latency[key] = latency
        finally:
            await client.aclose()

    async def close(self) -> None:
        return None


class HubPublisher(BarePublisher):
    """Publishes through the app's own publisher (seq script, Redis) without HTTP or database:
    isolates the workers' fan-out from the report's request (a diagnostic row)."""

    def __init__(self, ctx: Context, template: str) -> None:
        super().__init__(ctx, "", template)

    async def at_rate(self, rate: float, duration: float) -> None:
        from realtime.publisher import NATIONAL, publish, region_audience

        audience = (
            NATIONAL
            if self.ctx.audience == "national"
            else region_audience(self.ctx.audience.split(":", 1)[1])
        )
        unit = self.template["units"][0]
        t0 = time.monotonic()
        for i in range(int(rate * duration)):
            delay = t0 + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self.k += 1
            unit["id"] = 8_000_000 + self.k
            unit["version"] = 1
            event = {"type": "units.changed", "units": [dict(unit)]}
            t_send = time.monotonic()
            ok = await asyncio.to_thread(publish, [audience], event)
            latency = time.monotonic() - t_send
            self.latencies.append(latency)
            self.statuses[200 if ok else 0] = self.statuses.get(200 if ok else 0, 0) + 1
            key = clients.unit_key(unit["id"], 1)
            self.sent[key] = t_send
            self.sent_latency[key] = latency


# -- scenarios ----------------------------------------------------------------------------------


async def fanout(
    ctx: Context,
    *,
    target: str,
    sockets: int,
    rate: float,
    duration: float,
    concurrency: int = 100,
    sample_every: float = 0.0,
) -> dict:
    """N sockets over the workers, reports at `rate`/s for `duration` s; every socket's delay.

    `target` is "app" (the Procfile's server, real reports through the API), "hub" (the same
    workers fed by the app's publisher directly: no HTTP, no database) or "bare" (the
    reference, fed by PUBLISH). With `sample_every`, server memory is sampled for a soak.
    """
    if target in ("app", "hub"):
        group = ctx.start_app(offset=0)
    else:
        ports = ctx.ports(20)
        servers.ensure_free(ports)
        channel = f"bench:{urlparse(ctx.redis_url).path.lstrip('/') or 0}:bare"
        group = servers.start(
            name="bare",
            command=f"python -m bench.bare {ctx.redis_url} {channel}",
            ports=ports,
            env={},
            log_dir=ctx.log_dir,
        )
    pool = clients.Pool(ctx.client_procs)
    names = {"app": ctx.server, "hub": f"{ctx.server} (publish only)", "bare": "bare"}
    result: dict = {"target": target, "server": names[target]}
    try:
        await asyncio.sleep(1.0)
        idle_rss = servers.rss_bytes(group.socket_pids())
        specs = ctx.socket_specs(group, sockets)
        connect = await pool.connect(specs, concurrency=concurrency, local_addrs=ctx.local_addrs())
        result["connect"] = connect
        await asyncio.sleep(2.0)
        connected_rss = servers.rss_bytes(group.socket_pids())
        result["rss_per_socket"] = (connected_rss - idle_rss) / max(1, connect["ok"])
        if target == "app":
            load: Poster | BarePublisher = Poster(ctx, group.http_ports)
        elif target == "hub":
            load = HubPublisher(ctx, await asyncio.to_thread(sample_change_event, ctx))
        else:
            load = BarePublisher(ctx, channel, await asyncio.to_thread(sample_change_event, ctx))
        # Warm up as a live server is: connections to PostgreSQL and Redis, scripts, caches.
        await load.at_rate(rate, min(3.0, max(1.0, 10 / rate)))
        await asyncio.sleep(2.0)
        await pool.call("reset")
        load.reset()
        meter = servers.Meter(group.pids)
        client_meter = servers.Meter(pool.pids)
        samples: list[tuple[float, float]] = []
        # A soak also samples each process kind apart: the sockets' (ws:) and the reports' (web:).
        by_kind: dict[str, list[tuple[float, float]]] = {"ws": [], "web": []}

        async def sampler() -> None:
            t0 = time.monotonic()
            while True:
                t = time.monotonic() - t0
                samples.append((t, meter.sample()))
                if sample_every:
                    by_kind["ws"].append((t, servers.rss_bytes(group.socket_pids())))
                    by_kind["web"].append((t, servers.rss_bytes(group.http_only_pids())))
                await asyncio.sleep(sample_every or 1.0)

        sampling = asyncio.create_task(sampler())
        spies = (
            servers.profile(group, seconds=duration, out_dir=ctx.log_dir)
            if ctx.profile and target == "app"
            else []
        )
        try:
            await load.at_rate(rate, duration)
            for spy in spies:
                spy.wait()
            await asyncio.sleep(3.0)  # let the last messages arrive
        finally:
            sampling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sampling
        result["usage"] = meter.result()
        result["client_cpu_pct"] = client_meter.result()["cpu_pct"]
        result["memory_samples"] = samples
        result["memory_by_kind"] = {k: v for k, v in by_kind.items() if any(b for _t, b in v)}
        result["posted"] = len(load.sent)
        result["post_statuses"] = load.statuses
        result["post_latency"] = summarise(load.latencies)
        collected = await pool.collect(load.sent)
        result["delay"] = summarise(collected.pop("delays"))
        worst = collected.pop("worst")
        result["worst_reports"] = sorted(
            ((round(worst[k], 4), round(load.sent_latency.get(k, 0), 4)) for k in worst),
            reverse=True,
        )[:5]
        result.update(collected)
        result["expected"] = len(load.sent) * connect["ok"]
        await load.close()
    finally:
        with contextlib.suppress(Exception):
            await pool.exit()
        group.stop()
    return result


async def throughput(ctx: Context, *, concurrency: int, duration: float) -> dict:
    """Reports accepted per second through the API (each stored with its history row)."""
    from beds.models import CapacityReport

    def count() -> int:
        return CapacityReport.objects.count()

    group = ctx.start_app(offset=0)
    try:
        poster = Poster(ctx, group.http_ports, conns_per_port=concurrency)
        # Warm every worker (imports, connections, caches): as many clients as measured, 3 s.
        await poster.closed_loop(concurrency * len(group.http_ports), 3.0)
        poster.reset()
        before = await asyncio.to_thread(count)
        meter = servers.Meter(group.pids)
        spies = (
            servers.profile(group, seconds=duration - 1, out_dir=ctx.log_dir) if ctx.profile else []
        )
        elapsed = await poster.closed_loop(concurrency * len(group.http_ports), duration)
        for spy in spies:
            spy.wait()
        usage = meter.result()
        await poster.close()
        stored = await asyncio.to_thread(count) - before
        accepted = poster.statuses.get(201, 0)
        return {
            "accepted": accepted,
            "per_second": accepted / elapsed,
            "stored": stored,
            "statuses": poster.statuses,
            "latency": summarise(poster.latencies),
            "usage": usage,
            "concurrency": concurrency * len(group.http_ports),
        }
    finally:
        group.stop()


def near_points(n: int) -> list[tuple[float, float]]:
    """Points near real hospitals (a dispatcher searches where patients are)."""
    from beds.models import Hospital

    coords = list(Hospital.objects.order_by("pk").values_list("lat", "lon"))
    rng = random.Random(42)
    return [
        (lat + rng.uniform(-0.2, 0.2), lon + rng.uniform(-0.2, 0.2))
        for lat, lon in rng.sample(coords, min(n, len(coords)))
    ]


def near_in_process(points: list[tuple[float, float]], radius_km: float) -> tuple[list, list]:
    """What `GET /api/v1/hospitals/?near=…` does between validation and rendering: the caller's
    scope, the search, and the dicts of the first page (the API's page size) with their units;
    seconds per query."""
    from django.utils import timezone

    from accounts.models import User
    from beds.api.pagination import Pagination
    from beds.scopes import hospitals_readable
    from beds.selectors import hospital_hits_with_units, hospital_search

    dispatcher = User.objects.get(username="bench-dispatcher")
    in_process = []
    found = []
    for lat, lon in points:
        t0 = time.perf_counter()
        now = timezone.now()
        hits = hospital_search(
            hospitals=hospitals_readable(dispatcher),
            near=(lat, lon),
            radius_km=radius_km,
            kind="REA",
            min_available=1,
            now=now,
        )
        hospital_hits_with_units(hits[: Pagination.page_size], now=now)
        in_process.append(time.perf_counter() - t0)
        found.append(len(hits))
    return in_process, found


async def near(ctx: Context, *, queries: int, radius_km: float = 50.0) -> dict:
    """The nearest-bed search (kind REA, at least one bed free) in process and over HTTP."""
    points = await asyncio.to_thread(near_points, queries)
    await asyncio.to_thread(near_in_process, points[:10], radius_km)  # warm up
    in_process, found = await asyncio.to_thread(near_in_process, points, radius_km)
    group = ctx.start_app(offset=0, workers=1)
    try:
        conn = HTTPConnection(
            "127.0.0.1",
            group.http_ports[0],
            headers={"Authorization": f"Token {ctx.tokens['dispatcher']}"},
        )
        over_http = []
        statuses: dict[int, int] = {}
        for i, (lat, lon) in enumerate(points * 2):
            path = (
                f"/api/v1/hospitals/?near={lat:.5f},{lon:.5f}&radius_km={radius_km:g}"
                "&kind=REA&min_available=1"
            )
            t0 = time.perf_counter()
            status, _body = await conn.request("GET", path)
            if i >= len(points):  # the first pass warms the worker
                over_http.append(time.perf_counter() - t0)
                statuses[status] = statuses.get(status, 0) + 1
        await conn.close()
    finally:
        group.stop()
    return {
        "queries": len(points),
        "radius_km": radius_km,
        "hospitals_found_p50": sorted(found)[len(found) // 2] if found else 0,
        "in_process": summarise(in_process),
        "http": summarise(over_http),
        "statuses": statuses,
    }


async def connect_burst(ctx: Context, *, sockets: int, concurrency: int) -> dict:
    """N sockets opened at once (at most `concurrency` handshakes in flight), all must succeed;
    then the memory each idle socket costs the workers."""
    group = ctx.start_app(offset=0)
    pool = clients.Pool(ctx.client_procs)
    try:
        await asyncio.sleep(1.0)
        idle_rss = servers.rss_bytes(group.socket_pids())
        specs = ctx.socket_specs(group, sockets)
        meter = servers.Meter(group.pids)
        result = await pool.connect(specs, concurrency=concurrency, local_addrs=ctx.local_addrs())
        usage = meter.result()
        await asyncio.sleep(5.0)  # let the connection burst's garbage go
        rss = servers.rss_bytes(group.socket_pids())
        open_now = sum(await pool.call("open"))
        latencies = result.pop("latencies")
        return {
            **result,
            "still_open": open_now,
            "latency": summarise(latencies),
            "usage": usage,
            "idle_rss": idle_rss,
            "rss": rss,
            "rss_per_socket": (rss - idle_rss) / max(1, result["ok"]),
        }
    finally:
        with contextlib.suppress(Exception):
            await pool.exit()
        group.stop()
