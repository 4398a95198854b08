"""The capacity model's arithmetic and the readings it is built from, without servers."""

from __future__ import annotations

import math

import pytest

from bench import capacity
from bench.capacity import Costs, Load, Plan


def _costs(**changes) -> Costs:
    costs = Costs(
        msg=10e-6,
        idle_socket=0.0,
        ws_report=0.0,
        conn=2e-3,
        conn_pg=0.1e-3,
        report_web=4e-3,
        report_pg=2e-3,
        report_redis=50e-6,
        publish_redis=40e-6,
        redis_per_subscriber=0.0,
        subscribers=2,
        socket_bytes=60 * 1024,
        process_bytes=80 * 2**20,
        snapshot_bytes=1_000_000,
        message_bytes=496,
    )
    for name, value in changes.items():
        setattr(costs, name, value)
    return costs


def test_national_screens_get_every_report():
    m = capacity.model(_costs(), Load(screens=20_000, reports_per_s=50), Plan())
    assert m["recipients"] == 20_000
    assert m["frames_per_s"] == 1_000_000


def test_region_screens_get_their_regions_share_of_reports():
    # No national screen; reports and région screens spread alike over régions: Σ p².
    load = Load(screens=20_000, reports_per_s=50, national_share=0.0, concentration=0.1)
    m = capacity.model(_costs(), load, Plan())
    assert m["recipients"] == pytest.approx(2_000)
    half = Load(screens=20_000, reports_per_s=50, national_share=0.5, concentration=0.1)
    assert capacity.model(_costs(), half, Plan())["recipients"] == pytest.approx(11_000)


def test_ws_processes_cover_the_frames_at_the_planned_utilisation():
    # 1,000,000 frames/s × 10 µs = 10 cores; at 0.5 of a core each, 20 processes; hosts of 8
    # cores run 7: 3 hosts.
    m = capacity.model(_costs(), Load(), Plan(utilisation=0.5, host_cores=8))
    assert m["ws_processes"] == 20
    assert m["ws_hosts"] == 3
    assert m["screens_per_process"] == pytest.approx(0.5 / (50 * 10e-6))
    assert m["screens_per_host"] == pytest.approx(7 * 0.5 / (50 * 10e-6))


def test_receiving_every_report_takes_room_from_each_ws_process():
    # Each process spends 50 × 4 ms = 0.2 of a core receiving reports: 0.3 left for sockets.
    m = capacity.model(_costs(ws_report=4e-3), Load(), Plan(utilisation=0.5))
    assert m["ws_processes"] == math.ceil(10 / 0.3)
    # With no room left at all, no number of processes serves the load.
    m = capacity.model(_costs(ws_report=0.01), Load(), Plan(utilisation=0.5))
    assert m["ws_processes"] == math.inf and m["hosts"] == math.inf


def test_idle_sockets_cost_ws_cpu_too():
    busy = capacity.model(_costs(idle_socket=50e-6), Load(), Plan(utilisation=0.5))
    assert busy["ws_processes"] == math.ceil((10 + 20_000 * 50e-6) / 0.5)


def test_redis_cost_per_report_grows_with_the_ws_processes_subscribed():
    costs = _costs(redis_per_subscriber=2e-6)
    m = capacity.model(costs, Load(), Plan(utilisation=0.5))
    per_report = 50e-6 + 2e-6 * (20 - 2)
    assert m["redis_share"] == pytest.approx(50 * per_report)
    assert m["redis_ceiling_reports_per_s"] == pytest.approx(0.5 / per_report)
    # A negative slope (noise) is not allowed to make Redis cheaper.
    cheap = capacity.model(_costs(redis_per_subscriber=-1e-6), Load(), Plan(utilisation=0.5))
    assert cheap["redis_share"] == pytest.approx(50 * 50e-6)


def test_a_report_costs_redis_at_least_its_publish():
    costs = _costs(report_redis=5e-6, publish_redis=40e-6)
    m = capacity.model(costs, Load(), Plan(utilisation=0.5))
    assert m["redis_share"] == pytest.approx(50 * 40e-6)


def test_backend_hosts_hold_web_postgresql_redis_and_the_system():
    # web: 50 × 4 ms / 0.5 = 0.4 core, PostgreSQL 0.2, Redis 1, system 1: one 4-core host.
    m = capacity.model(_costs(), Load(), Plan(utilisation=0.5, host_cores=4))
    assert (m["web_cores"], m["pg_cores"]) == pytest.approx((0.4, 0.2))
    assert m["backend_hosts"] == 1
    assert m["hosts"] == m["ws_hosts"] + 1


def test_resync_after_an_outage_costs_each_local_socket_a_connection_scaled_by_its_snapshot():
    m = capacity.model(_costs(), Load(), Plan(utilisation=0.5))
    assert m["resync_seconds"] == pytest.approx(20_000 / 20 * 2e-3)
    assert m["resync_bytes"] == 20_000 * 1_000_000
    # Région screens get their région's snapshot: Σ p² of the national one on average.
    regions = Load(national_share=0.0, concentration=0.1)
    m = capacity.model(_costs(), regions, Plan(utilisation=0.5))
    assert m["resync_bytes"] == pytest.approx(20_000 * 0.1 * 1_000_000)
    assert m["resync_seconds"] == pytest.approx(20_000 / m["ws_processes"] * 2e-3 * 0.1)


def test_a_resync_within_the_goal_needs_its_own_count_of_ws_processes_and_bandwidth():
    # 20,000 national screens × 4 ms = 80 CPU-seconds: 40 processes for 2 s, where the steady
    # state needs 20 (10 µs a frame at 0.5 of a core); 20 GB in 2 s is 80 Gbit/s.
    m = capacity.model(_costs(conn=4e-3), Load(), Plan(utilisation=0.5, resync_goal_s=2.0))
    assert m["ws_processes_resync"] == 40
    assert m["resync_bits_per_s"] == pytest.approx(8 * 20_000 * 1_000_000 / 2.0)
    assert m["limits"]["need"]["resync"] == pytest.approx(40 / 7)
    assert m["limits"]["first"] == "resync"


def test_the_first_limit_is_the_part_needing_most_hosts_and_the_ceiling_the_lowest_single_one():
    found = capacity.limits(
        screens_per_host=5_000,
        resync_hosts=2.0,
        ceilings={"web": 1_000.0, "pg": 400.0, "redis": 2_000.0},
        load=Load(screens=20_000, reports_per_s=50),
    )
    assert found["first"] == "ws"
    assert found["need"] == {
        "ws": 4.0,
        "resync": 2.0,
        "web": 0.05,
        "pg": 0.125,
        "redis": 0.025,
    }
    assert (found["ceiling"], found["ceiling_reports_per_s"]) == ("pg", 400.0)
    # Few screens and a slow Redis: Redis runs out first, and is the lowest ceiling.
    found = capacity.limits(
        screens_per_host=5_000,
        resync_hosts=0.1,
        ceilings={"web": 40.0, "pg": 400.0, "redis": 30.0},
        load=Load(screens=1_000, reports_per_s=50),
    )
    assert found["first"] == "redis" and found["ceiling"] == "redis"


def test_region_concentration_is_the_sum_of_squared_shares():
    assert capacity.region_concentration(["11", "84"]) == 0.5
    assert capacity.region_concentration(["11"] * 3) == 1.0
    assert capacity.region_concentration(["11", "11", "11", "84"]) == pytest.approx(0.625)
    assert math.isnan(capacity.region_concentration([]))


def test_cpu_delta_counts_a_new_process_whole_and_reports_one_that_ended():
    before = {1: 10.0, 2: 5.0}
    after = {1: 12.5, 3: 0.5}  # 2 ended, 3 started
    assert capacity.cpu_delta(before, after) == pytest.approx(3.0)
    assert capacity.lost(before, after) == 1


def test_a_window_above_idle_subtracts_the_idle_rate_over_its_own_length():
    idle = {"wall": 10.0, "ws": 0.5}
    assert capacity.above_idle({"wall": 4.0, "ws": 1.0}, idle, "ws") == pytest.approx(0.8)


def test_unit_costs_divide_each_window_by_its_work():
    zero = dict.fromkeys(capacity.KINDS, 0.0)
    out = {
        "workers": 2,
        "windows": {
            "idle": {"wall": 10.0, **zero, "web": 1.0},  # web: 0.1 s/s idle
            "connect": {"wall": 5.0, **zero, "ws": 2.0, "pg": 0.1},
            "sockets_idle": {"wall": 10.0, **zero, "ws": 1.0},  # 0.1 s/s for 1,000 sockets
            "fanout": {"wall": 10.0, **zero, "ws": 4.0},
            "throughput": {"wall": 10.0, **zero, "web": 11.0, "pg": 3.0, "redis": 0.2},
            "publish": {"wall": 2.0, **zero, "ws": 0.4, "redis": 0.1},
            "publish_more": {"wall": 2.0, **zero, "ws": 0.4, "redis": 0.18},
        },
        "throughput": {"accepted": 1_000},
        "fanout": {"posted": 100, "deliveries": 100_000},
        "connect": {"snapshot_bytes": 900_000},
        "ws_rss_before": 200 * 2**20,
        "ws_rss_after": 200 * 2**20 + 1_000 * 60 * 1024,
        "message_bytes": 496,
    }
    c = capacity.unit_costs(out, sockets=1_000, publishes=1_000, extra_subscribers=16)
    assert c.ws_report == pytest.approx(0.4 / 1_000 / 2)  # 200 µs per report per process
    # fan-out: 4 s − 1 s of sockets idle − 100 reports × 2 processes × 200 µs, over 100,000.
    assert c.msg == pytest.approx((4.0 - 1.0 - 0.04) / 100_000)
    assert c.idle_socket == pytest.approx(0.1 / 1_000)
    assert c.conn == pytest.approx(2.0 / 1_000)
    assert c.report_web == pytest.approx((11.0 - 1.0) / 1_000)
    assert (c.report_pg, c.report_redis) == pytest.approx((3e-3, 0.2e-3))
    assert c.publish_redis == pytest.approx(0.1e-3)
    assert c.redis_per_subscriber == pytest.approx(0.08e-3 / 16)
    assert c.socket_bytes == pytest.approx(60 * 1024)
    assert c.process_bytes == 100 * 2**20


def test_extra_subscribers_speak_redis_protocol():
    assert capacity._resp("PSUBSCRIBE", "bedwatch:13:a:*") == (
        b"*2\r\n$10\r\nPSUBSCRIBE\r\n$15\r\nbedwatch:13:a:*\r\n"
    )
