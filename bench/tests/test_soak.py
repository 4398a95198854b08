"""The soak's memory report: per process kind, judged on the socket processes' second half."""

from __future__ import annotations

from bench.__main__ import soak_memory_table, soak_verdict

MIB = 2**20


def _run(rise_per_min: float, *, warm_up: float = 0.0) -> list[tuple[float, float]]:
    """Ten minutes sampled every 10 s: `warm_up` MiB over the first three minutes, then
    `rise_per_min` MiB a minute."""
    return [
        (t, (250 + min(t, 180) / 180 * warm_up + t / 60 * rise_per_min) * MIB)
        for t in range(0, 610, 10)
    ]


def test_flat_sockets_meet_the_goal_whatever_the_web_workers_do():
    by_kind = {"ws": _run(0.0, warm_up=2.0), "web": _run(0.7)}
    assert "): met (+0.00 MiB/min)" in soak_verdict(by_kind)


def test_sockets_that_keep_growing_miss_the_goal():
    by_kind = {"ws": _run(0.5), "web": _run(0.0)}
    assert "MISSED (+0.50 MiB/min)" in soak_verdict(by_kind)


def test_the_table_shows_each_kind_with_its_second_half_trend():
    text = soak_memory_table({"ws": _run(0.0), "web": _run(0.3, warm_up=5.0)}, "procfile")
    ws_row, web_row = text.splitlines()[2:]
    assert ws_row.startswith("| ws: ") and "+0.00 MiB/min" in ws_row
    assert web_row.startswith("| web: ") and "+0.30 MiB/min" in web_row
    assert "| 250 MiB " in web_row  # first
