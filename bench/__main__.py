"""`python -m bench SCENARIO [options]`: the performance benchmark (docs/performance.md).

Scenarios: fanout (the app against the bare reference, one table), throughput, near, connect,
soak, map, places (the commune gazetteer's lookups, in process), all; loginflood (report latency
under a login flood, not part of all); capacity (the live path's unit costs and the capacity
model built from them, not part of all). `--quick` shrinks every size for a smoke run.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import platform
import sys
import time

from bench import run, servers
from bench.stats import cpu, memory_trend, mib, ms, row_table, slope_per_minute, table
from bench.verdicts import connect_verdict, fanout_verdict

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/bedwatch_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/6"
SCENARIOS = (
    "fanout",
    "throughput",
    "near",
    "connect",
    "soak",
    "map",
    "places",
    "all",
    "loginflood",
    "capacity",
)


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("scenario", choices=SCENARIOS)
    p.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    p.add_argument("--sockets", type=int, help="sockets (fanout 2000, soak 1000, connect 2000)")
    p.add_argument("--rate", type=float, help="reports per second (fanout 10, soak 5)")
    p.add_argument("--duration", type=float, help="seconds of load (fanout 30, soak 600)")
    p.add_argument(
        "--workers", type=int, default=2, help="socket (ws:) workers, or preset processes (2)"
    )
    p.add_argument(
        "--web-concurrency",
        type=int,
        default=2 * (os.cpu_count() or 1) + 1,
        help="gunicorn workers of the web: process (the Procfile's default: 2 × cores + 1)",
    )
    p.add_argument(
        "--server",
        action="append",
        help="procfile (default) or a preset: " + ", ".join(servers.PRESETS) + "; repeatable",
    )
    p.add_argument("--data", choices=("gisco", "demo"), default="gisco")
    p.add_argument(
        "--audience",
        default="national",
        help="national (default) or region:CODE: the sockets' feed and the units reported on",
    )
    p.add_argument(
        "--client-procs",
        type=int,
        default=max(1, min(4, (os.cpu_count() or 2) // 2)),
        help="socket client processes (default: half the cores, 1 to 4)",
    )
    p.add_argument("--concurrency", type=int, default=100, help="handshakes in flight")
    p.add_argument("--post-concurrency", type=int, default=8, help="throughput: per worker")
    p.add_argument("--no-bare", action="store_true", help="fanout without the reference")
    p.add_argument(
        "--publish-only",
        action="store_true",
        help="fanout: also feed the app's workers through its publisher, without HTTP or DB",
    )
    p.add_argument("--threads", type=int, default=16, help="loginflood: flood threads")
    p.add_argument(
        "--quiet-seconds", type=float, help="loginflood: reports without the flood first (15)"
    )
    p.add_argument(
        "--one-address",
        action="store_true",
        help="loginflood: flood from one address (the lockout stops it) instead of many",
    )
    p.add_argument(
        "--screens", type=int, default=20_000, help="capacity: screens of the model (20000)"
    )
    p.add_argument(
        "--crisis-rate", type=float, default=50.0, help="capacity: reports/s of the model (50)"
    )
    p.add_argument("--host-cores", type=int, default=8, help="capacity: cores per host (8)")
    p.add_argument(
        "--utilisation",
        type=float,
        default=0.7,
        help="capacity: share of a core each process is sized to use (0.7)",
    )
    p.add_argument(
        "--proxy",
        choices=("both", "nginx", "none"),
        default="both",
        help="loginflood: through nginx running deploy/nginx.conf (production's layout, the one "
        "judged), straight to the web: process, or both one after the other (default)",
    )
    p.add_argument("--port-base", type=int, default=8500)
    p.add_argument("--database-url", default=os.getenv("BENCH_DATABASE_URL", DEFAULT_DB))
    p.add_argument("--redis-url", default=os.getenv("BENCH_REDIS_URL", DEFAULT_REDIS))
    p.add_argument("--fresh", action="store_true", help="drop and recreate the bench database")
    p.add_argument("--json", help="also write every figure to this file")
    p.add_argument("--profile", action="store_true", help="py-spy each app worker while measuring")
    return p.parse_args(argv)


def header(args: argparse.Namespace, ctx: run.Context) -> str:
    return (
        f"bench {args.scenario} — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} cores, load average {servers.loadavg()}, Python "
        f"{platform.python_version()}\ndata: {ctx.dataset} · workers: {ctx.workers} · "
        f"audience: {ctx.audience}\nmachine (medians of fixed work): "
        + " · ".join(f"{name} {value}" for name, value in ctx.calibration.items())
    )


def fanout_table(results: list[dict]) -> str:
    rows = []
    for r in results:
        c = r["connect"]
        d = r["delay"]
        rows.append(
            [
                r["server"],
                f"{c['ok']}/{c['ok'] + c['failed']}",
                r["posted"],
                r["missing"],
                r["gaps"],
                ms(d["p50"]),
                ms(d["p99"]),
                ms(d["max"]),
                ms(r["post_latency"]["p50"]),
                f"{r['usage']['cpu_pct']:.0f} %",
                mib(r["usage"]["peak_rss"]),
                f"{r['rss_per_socket'] / 1024:.0f} KiB",
                f"{r['client_cpu_pct']:.0f} %",
            ]
        )
    return table(
        [
            "server",
            "sockets",
            "sent",
            "missing",
            "seq gaps",
            "p50",
            "p99",
            "max",
            "POST p50",
            "server CPU",
            "server RSS",
            "RSS/socket",
            "client CPU",
        ],
        rows,
    )


async def scenario_fanout(args: argparse.Namespace, ctx: run.Context) -> dict:
    sockets = args.sockets or (200 if args.quick else 2000)
    rate = args.rate or 10
    duration = args.duration or (5 if args.quick else 30)
    print(f"fanout: {sockets} sockets, {rate:g} reports/s for {duration:g} s", flush=True)

    async def measure(target: str) -> dict:
        return await run.fanout(
            ctx,
            target=target,
            sockets=sockets,
            rate=rate,
            duration=duration,
            concurrency=args.concurrency,
        )

    results = []
    if not args.no_bare:
        results.append(await measure("bare"))
        print("  bare done", flush=True)
    for server in args.server or ["procfile"]:
        ctx.server = server
        if args.publish_only:
            results.append(await measure("hub"))
        results.append(await measure("app"))
        print(f"  {server} done", flush=True)
    print(fanout_table(results))
    for line in fanout_verdict(results, ctx.client_procs):
        print(line)
    for r in results:
        worst = ", ".join(f"{ms(d)} (POST {ms(p)})" for d, p in r["worst_reports"][:3])
        print(f"{r['server']}: slowest reports, last socket: {worst}")
        if r["connect"]["errors"] or r["post_statuses"].keys() - {200, 201}:
            print(
                f"{r['server']}: connect errors {r['connect']['errors']}, posts {r['post_statuses']}"
            )
    return {"fanout": results}


async def scenario_throughput(args: argparse.Namespace, ctx: run.Context) -> dict:
    duration = args.duration or (5 if args.quick else 20)
    ctx.server = (args.server or ["procfile"])[0]
    r = await run.throughput(ctx, concurrency=args.post_concurrency, duration=duration)
    print(
        row_table(
            [
                ("server", ctx.server),
                ("clients", r["concurrency"]),
                ("accepted", r["accepted"]),
                ("reports/s", f"{r['per_second']:.0f}"),
                ("stored", r["stored"]),
                ("p50", ms(r["latency"]["p50"])),
                ("p99", ms(r["latency"]["p99"])),
                ("server CPU", f"{r['usage']['cpu_pct']:.0f} %"),
            ]
        )
    )
    print(
        f"statuses: {r['statuses']} · goal ≥ 150/s: {'met' if r['per_second'] >= 150 else 'MISSED'}"
    )
    return {"throughput": r}


async def scenario_near(args: argparse.Namespace, ctx: run.Context) -> dict:
    ctx.server = (args.server or ["procfile"])[0]
    r = await run.near(ctx, queries=50 if args.quick else 300)
    print(
        table(
            ["where", "queries", "p50", "p95", "p99", "goal p95"],
            [
                [
                    "in process",
                    r["queries"],
                    ms(r["in_process"]["p50"]),
                    ms(r["in_process"]["p95"]),
                    ms(r["in_process"]["p99"]),
                    "—",  # issue 16 sets the goal over HTTP only
                ],
                [
                    "over HTTP",
                    r["queries"],
                    ms(r["http"]["p50"]),
                    ms(r["http"]["p95"]),
                    ms(r["http"]["p99"]),
                    "25 ms",
                ],
            ],
        )
    )
    print(
        f"radius {r['radius_km']:g} km, kind REA, ≥1 free; hospitals found p50: {r['hospitals_found_p50']}; HTTP statuses {r['statuses']}"
    )
    return {"near": r}


async def scenario_connect(args: argparse.Namespace, ctx: run.Context) -> dict:
    sockets = args.sockets or (200 if args.quick else 2000)
    ctx.server = (args.server or ["procfile"])[0]
    r = await run.connect_burst(ctx, sockets=sockets, concurrency=args.concurrency)
    print(
        row_table(
            [
                ("server", ctx.server),
                ("sockets", sockets),
                ("ok", r["ok"]),
                ("failed", r["failed"]),
                ("all in", f"{r['elapsed']:.1f} s"),
                ("p50", ms(r["latency"]["p50"])),
                ("p99", ms(r["latency"]["p99"])),
                ("snapshot", f"{r['snapshot_bytes'] / 1024:.0f} KiB"),
                ("RSS/socket", f"{r['rss_per_socket'] / 1024:.0f} KiB"),
                ("still open", r["still_open"]),
            ]
        )
    )
    print(connect_verdict(r, sockets))
    return {"connect": r}


async def scenario_soak(args: argparse.Namespace, ctx: run.Context) -> dict:
    sockets = args.sockets or (100 if args.quick else 1000)
    rate = args.rate or 5
    duration = args.duration or (20 if args.quick else 600)
    ctx.server = (args.server or ["procfile"])[0]
    print(f"soak: {sockets} sockets, {rate:g} reports/s for {duration:g} s", flush=True)
    r = await run.fanout(
        ctx,
        target="app",
        sockets=sockets,
        rate=rate,
        duration=duration,
        concurrency=args.concurrency,
        sample_every=max(1.0, duration / 60),
    )
    samples = r["memory_samples"]
    print(fanout_table([r]))
    skip = len(samples) // 10  # the first tenth warms caches and pools
    steady = samples[skip:]
    slope = slope_per_minute(steady)
    print(
        f"server RSS: first {mib(samples[0][1])}, after warm-up {mib(steady[0][1])}, "
        f"last {mib(samples[-1][1])}, trend {slope / 2**20:+.2f} MiB/min over "
        f"{len(steady)} samples"
    )
    print(soak_memory_table(r["memory_by_kind"], ctx.server))
    print(soak_verdict(r["memory_by_kind"]))
    return {"soak": r}


# The socket processes' memory is flat when it grows by at most this over the soak's second
# half: 1 MiB in ten minutes, under 2 % of what 1,000 sockets take (57 KiB each).
SOAK_FLAT_MIB_PER_MIN = 0.1
KIND_LABELS = {
    "ws": "ws: (the sockets)",
    "web": "web: (the reports; gunicorn and its workers)",
}


def soak_memory_table(by_kind: dict[str, list[tuple[float, float]]], server: str) -> str:
    """RSS of each process kind at the start, at half time and at the end, and its trend over
    the second half (`memory_trend`: the first half is warm-up)."""
    rows = []
    for kind, samples in by_kind.items():
        trend = memory_trend(samples)
        label = KIND_LABELS[kind] if server == "procfile" else f"{server} (sockets and reports)"
        rows.append(
            [
                label,
                mib(trend["first"]),
                mib(trend["half"]),
                mib(trend["last"]),
                f"{trend['slope'] / 2**20:+.2f} MiB/min",
            ]
        )
    return table(["processes", "first", "at half time", "last", "trend, 2nd half"], rows)


def soak_verdict(by_kind: dict[str, list[tuple[float, float]]]) -> str:
    """Flat is judged on the processes that hold the sockets, over the second half; the web:
    workers' own warm-up is printed, not judged (docs/performance.md)."""
    slope = memory_trend(by_kind.get("ws", []))["slope"] / 2**20
    good = not math.isnan(slope) and slope <= SOAK_FLAT_MIB_PER_MIN
    return (
        f"goal (the socket processes' RSS flat: at most +{SOAK_FLAT_MIB_PER_MIN} MiB/min over "
        f"the second half): {'met' if good else 'MISSED'} ({slope:+.2f} MiB/min)"
    )


async def scenario_map(args: argparse.Namespace, ctx: run.Context) -> dict:
    from bench import browser

    ctx.server = (args.server or ["procfile"])[0]
    r = await browser.national_map(ctx, runs=1 if args.quick else 3)
    if r.get("skipped"):
        print(f"map: skipped — {r['skipped']}")
    else:
        print(
            row_table(
                [
                    ("page", "/maps/"),
                    ("size", mib(r["page_bytes"])),
                    ("hospitals", r["hospitals"]),
                    ("markers", r["markers"]),
                    ("first byte", ms(r["first_byte"])),
                    ("last byte", ms(r["last_byte"])),
                    ("DOM ready", ms(r["dom_ready"])),
                    ("first paint", ms(r["first_paint"])),
                    ("all drawn", ms(r["rendered"])),
                    ("goal", "2 s"),
                ]
            )
        )
    return {"map": r}


LAYOUTS = {
    "nginx": "through nginx (deploy/nginx.conf), production's layout",
    "none": "straight to the web: process, no proxy (the app's own limits alone)",
}


async def scenario_loginflood(args: argparse.Namespace, ctx: run.Context) -> dict:
    from bench import loginflood
    from deploy import nginx

    duration = args.duration or (6 if args.quick else 30)
    quiet = args.quiet_seconds or (4 if args.quick else 15)
    rate = args.rate or 20
    ctx.server = (args.server or ["procfile"])[0]
    proxies = ["nginx", "none"] if args.proxy == "both" else [args.proxy]
    if "nginx" in proxies and nginx.binary() is None:
        raise SystemExit("loginflood: nginx is not installed (apt-get install nginx-light)")
    print(
        f"loginflood: {rate:g} reports/s, {quiet:g} s quiet, then {duration:g} s "
        f"beside {args.threads} login threads "
        f"({'one address each' if args.one_address else 'a new address per attempt'})",
        flush=True,
    )
    results = {}
    for proxy in proxies:
        print(f"\n### {LAYOUTS[proxy]}", flush=True)
        r = await loginflood.measure(
            ctx,
            threads=args.threads,
            duration=duration,
            quiet=quiet,
            rate=rate,
            one_address=args.one_address,
            proxy=proxy,
        )
        print(loginflood_report(r))
        results[proxy] = r
    if len(results) > 1:
        print(
            "\nreport POST p95 flooded / quiet: "
            + ", ".join(
                f"{LAYOUTS[p].split(' (')[0]} {r['p95_ratio']:.2f}×" for p, r in results.items()
            )
        )
    judged = results.get("nginx") or results["none"]
    print(
        f"goal (report POST p95 under the flood ≤ 3× quiet, {LAYOUTS[judged['proxy']].split(' (')[0]}): "
        f"{judged['p95_ratio']:.2f}× {'met' if judged['p95_ratio'] <= 3 else 'MISSED'}"
    )
    return {"loginflood": results}


def loginflood_report(r: dict) -> str:
    rows = [
        [
            phase,
            r[phase]["latency"]["count"],
            ms(r[phase]["latency"]["p50"]),
            ms(r[phase]["latency"]["p95"]),
            ms(r[phase]["latency"]["p99"]),
            ms(r[phase]["latency"]["max"]),
            r[phase]["statuses"],
        ]
        for phase in ("quiet", "flooded")
    ]
    lines = [table(["report POSTs", "n", "p50", "p95", "p99", "max", "statuses"], rows)]
    flood = r["flood"]
    if flood:
        lines.append(
            f"flood: {flood['attempts']} login attempts ({flood['per_second']:.0f}/s), statuses "
            f"{flood['statuses']}, answered in p50 {ms(flood['latency']['p50'])}, "
            f"p95 {ms(flood['latency']['p95'])}"
            + (f"; thread errors: {flood['errors']}" if flood["errors"] else "")
        )
        # JSON made the statuses strings: "429 nginx" never reached a worker, "0" failed.
        refused = sum(n for s, n in flood["statuses"].items() if s in ("429 nginx", "0"))
        lines.append(
            f"login submissions that reached the web: process: "
            f"{(flood['attempts'] - refused) / max(flood['seconds'], 1e-9):.1f}/s"
        )
    else:
        lines.append("flood: its process failed (see its output above)")
    usage = r["usage"]
    lines.append(
        "CPU while flooded (% of one core): "
        + ", ".join(
            f"{name} {u['cpu_pct']:.0f} %"
            for name, u in usage.items()
            if name != "nginx" or r["proxy"] == "nginx"
        )
        + f"; web: processes replaced (gunicorn --max-requests): {r['processes_replaced']}"
    )
    lines.append(
        f"report POST p95 under the flood = {r['p95_ratio']:.2f}× quiet "
        f"(goal ≤ 3×: {'met' if r['p95_ratio'] <= 3 else 'MISSED'})"
    )
    return "\n".join(lines)


# The model's rows: the share of screens on the national feed (the rest follow one région).
NATIONAL_SHARES = (1.0, 0.5, 0.1, 0.0)


async def scenario_capacity(args: argparse.Namespace, ctx: run.Context) -> dict:
    from bench import capacity

    sockets = args.sockets or (200 if args.quick else 2000)
    rate = args.rate or 10
    duration = args.duration or (5 if args.quick else 20)
    idle = 4 if args.quick else 10
    ctx.server = "procfile"
    print(
        f"capacity: {sockets} sockets; idle {idle:g} s, connect, idle {idle:g} s, "
        f"{rate:g} reports/s for {duration:g} s, closed-loop reports, publishes",
        flush=True,
    )
    r = await capacity.measure(
        ctx,
        sockets=sockets,
        rate=rate,
        duration=duration,
        idle=idle,
        throughput_seconds=4 if args.quick else 15,
        publishes=500 if args.quick else 3000,
        extra_subscribers=16,
        concurrency=args.concurrency,
        post_concurrency=args.post_concurrency,
    )
    w = r["windows"]
    print(
        table(
            ["window", "wall", "ws: CPU", "web: CPU", "PostgreSQL CPU", "Redis CPU"],
            [
                [name, f"{v['wall']:.1f} s", *(f"{v[k]:.2f} s" for k in capacity.KINDS)]
                for name, v in w.items()
            ],
        )
    )
    gone = {f"{name}.{k}": v for name, win in w.items() for k, v in win.items() if "_lost" in k}
    if gone:
        print(f"processes that ended inside a window (their CPU is lost): {gone}")
    f = r["fanout"]
    print(
        f"fan-out window: {f['deliveries']:,} deliveries of {f['posted']} reports, p99 "
        f"{ms(f['delay_p99'])}, ws: at {100 * f['ws_share']:.0f} % of a core per process, "
        f"clients {100 * w['fanout']['clients'] / w['fanout']['wall']:.0f} % of a core; "
        + ("nothing lost" if not f["failures"] else "LOST: " + "; ".join(f["failures"]))
    )
    t = r["throughput"]
    print(f"closed loop: {t['per_second']:.0f} reports/s, statuses {t['statuses']}")
    print(
        "CPU time of the fixed Python work (1,000 dicts), before and after: "
        + " and ".join(f"{v:.2f} ms" for v in r["fixed_work_cpu_ms"])
        + " (on a quiet machine, about the python_1000_dicts_ms of the machine: line; "
        "higher means a busy machine, and every CPU cost below inflated roughly alike)"
    )
    c = capacity.Costs(**r["costs"])
    print(costs_table(c))
    concentration = capacity.region_concentration([u.region for u in ctx.units])
    from django.conf import settings

    heartbeat = float(settings.BEDWATCH_HEARTBEAT_SECONDS)
    plan = capacity.Plan(utilisation=args.utilisation, host_cores=args.host_cores)
    models = []
    for share in NATIONAL_SHARES:
        load = capacity.Load(
            screens=args.screens,
            reports_per_s=args.crisis_rate,
            national_share=share,
            concentration=concentration,
            heartbeat_s=heartbeat,
        )
        models.append({"load": load.__dict__, **capacity.model(c, load, plan)})
    print(
        f"\nmodel: {args.screens:,} screens, {args.crisis_rate:g} reports/s; national screens "
        f"get every report, région screens their région's (Σ p² over régions = "
        f"{concentration:.3f}, p a région's share of units); heartbeat every {heartbeat:g} s; "
        f"each process sized to {100 * plan.utilisation:.0f} % of a core; hosts of "
        f"{plan.host_cores} cores, {max(1, plan.host_cores - 1)} ws: processes each"
    )
    print(model_table(models))
    print(
        "\nresync after a Redis outage (every screen gets its snapshot again; CPU: the "
        "connection's, handshake included, scaled by the snapshot's size; issue 13 wants "
        f"screens current within {plan.resync_goal_s:g} s; for that, at least):"
    )
    print(resync_table(models, plan.resync_goal_s))
    for m in models[:: len(models) - 1]:  # every screen national, every screen a région's
        print(limits_text(m, args.crisis_rate))
    return {"capacity": {**r, "plan": plan.__dict__, "models": models}}


def costs_table(c) -> str:  # noqa: ANN001 (capacity.Costs, imported late)
    rows = [
        [
            "ws: per socket message",
            cpu(c.msg),
            "fan-out window above sockets idle, minus receiving",
        ],
        ["ws: per connected socket", f"{cpu(c.idle_socket)}/s", "sockets idle above idle"],
        ["ws: per report, per process", cpu(c.ws_report), "publishes, no socket"],
        ["ws: per connection", cpu(c.conn), "connect burst (handshake, auth, snapshot)"],
        ["PostgreSQL per connection", cpu(c.conn_pg), "connect burst"],
        ["web: per report", cpu(c.report_web), "closed loop"],
        ["PostgreSQL per report", cpu(c.report_pg), "closed loop, this database's backends"],
        ["Redis per report", cpu(c.report_redis), f"closed loop, {c.subscribers} subscribers"],
        ["Redis per publish", cpu(c.publish_redis), f"publishes, {c.subscribers} subscribers"],
        ["Redis per publish, per subscriber more", cpu(c.redis_per_subscriber), "publishes, +16"],
        ["ws: memory per idle socket", f"{c.socket_bytes / 1024:.0f} KiB", "connect burst"],
        ["ws: memory per process", mib(c.process_bytes), "before its sockets"],
        ["national snapshot", f"{c.snapshot_bytes / 1024:.0f} KiB", "connect burst"],
        ["one-unit units.changed", f"{c.message_bytes} B", "as published"],
    ]
    return table(["unit cost (CPU time per unit)", "measured", "from"], rows)


def model_table(models: list[dict]) -> str:
    rows = []
    for m in models:
        rows.append(
            [
                f"{100 * m['load']['national_share']:.0f} %",
                f"{m['recipients']:,.0f}",
                f"{m['frames_per_s']:,.0f}",
                f"{m['screens_per_process']:,.0f}",
                f"{m['ws_cores']:.1f}",
                m["ws_processes"],
                m["ws_hosts"],
                mib(m["ws_host_bytes"]),
                f"{m['ws_host_bits_per_s'] / 1e6:,.0f} Mbit/s",
                f"{m['web_cores']:.1f}",
                f"{m['pg_cores']:.1f}",
                f"{100 * m['redis_share']:.0f} %",
                m["hosts"],
            ]
        )
    return table(
        [
            "national",
            "screens/report",
            "frames/s",
            "screens/ws: proc",
            "ws: cores",
            "ws: procs",
            "ws: hosts",
            "RSS/ws: host",
            "out/ws: host",
            "web: cores",
            "PG cores",
            "Redis core",
            "hosts",
        ],
        rows,
    )


def resync_table(models: list[dict], goal: float) -> str:
    """Redis back after an outage: every socket gets a fresh snapshot at once."""
    rows = [
        [
            f"{100 * m['load']['national_share']:.0f} %",
            f"{m['resync_bytes'] / m['load']['screens'] / 1024:,.0f} KiB",
            f"{m['resync_bytes'] / 2**30:.1f} GiB",
            m["ws_processes"],
            f"{m['resync_seconds']:.1f} s",
            m["ws_processes_resync"],
            f"{m['resync_bits_per_s'] / 1e9:,.0f} Gbit/s",
        ]
        for m in models
    ]
    return table(
        [
            "national",
            "snapshot/screen",
            "all snapshots",
            "ws: procs",
            "CPU per ws: proc",
            f"ws: procs for {goal:g} s",
            f"out for {goal:g} s",
        ],
        rows,
    )


def limits_text(m: dict, rate: float) -> str:
    from bench.capacity import LIMITS

    lim = m["limits"]
    need = " · ".join(f"{k} {v:.2f}" for k, v in lim["need"].items())
    return (
        f"first limit ({100 * m['load']['national_share']:.0f} % national): "
        f"{LIMITS[lim['first']]}. Hosts of each kind needed (Redis: share of its core): {need}; "
        f"the steady state puts {lim['screens_per_host']:,.0f} screens on a host at {rate:g} "
        f"reports/s, a resync within the goal needs {m['ws_processes_resync']} ws: processes "
        f"and {m['resync_bits_per_s'] / 1e9:,.0f} Gbit/s out. Not lifted by more hosts: "
        f"{LIMITS[lim['ceiling']]} at {lim['ceiling_reports_per_s']:,.0f} reports/s "
        f"({lim['ceiling_reports_per_s'] / rate:.1f}× the crisis rate)"
    )


def raise_open_files_limit() -> None:
    """Thousands of sockets need as many descriptors, in the clients and in the servers."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main(args: argparse.Namespace) -> int:
    if args.scenario == "places":  # in process: no server, no database
        return places_main(args)
    raise_open_files_limit()
    ctx = run.Context(
        database_url=args.database_url,
        redis_url=args.redis_url,
        server=(args.server or ["procfile"])[0],
        workers=args.workers,
        port_base=args.port_base,
        client_procs=args.client_procs,
        audience=args.audience,
        profile=args.profile,
        web_concurrency=args.web_concurrency,
    )
    t0 = time.monotonic()
    run.setup(ctx, dataset=args.data, fresh=args.fresh)
    ctx.calibration = run.calibrate()
    print(header(args, ctx), flush=True)
    return asyncio.run(run_all(args, ctx, t0))


def places_main(args: argparse.Namespace) -> int:
    import django

    from bench import places

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    lookups = 1000 if args.quick else 20000
    print(f"bench places — {lookups} lookups, load average {servers.loadavg()}", flush=True)
    results = places.measure(lookups=lookups)
    print(places.report(results))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)
    return 0


async def run_all(args: argparse.Namespace, ctx: run.Context, t0: float) -> int:
    todo = (
        ["near", "throughput", "connect", "fanout", "map"]
        if args.scenario == "all"
        else [args.scenario]
    )
    results: dict = {
        "argv": sys.argv[1:],
        "load_before": servers.loadavg(),
        "machine": ctx.calibration,
    }
    for name in todo:
        print(f"\n## {name}", flush=True)
        results.update(await globals()[f"scenario_{name}"](args, ctx))
    results["load_after"] = servers.loadavg()
    for path in sorted(ctx.log_dir.glob("*.pyspy.txt")):
        print(f"\n{path.name}: share of samples per function")
        for share, frame in servers.top_frames(path):
            print(f"  {share:5.1f} %  {frame}")
    print(
        f"\nload average after: {results['load_after']} · {time.monotonic() - t0:.0f} s · logs in {ctx.log_dir}"
    )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main(parse(sys.argv[1:])))
