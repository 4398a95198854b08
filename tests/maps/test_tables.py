"""The région table's words, clock and trend chart, from plain data (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from maps import tables

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def trend(values: list[int | None], *, hours: int = 24) -> dict:
    """A région trend with one kind (REA) whose free beds are `values` (None: no report yet)."""
    step = timedelta(hours=hours) / (len(values) - 1)
    points = []
    for i, value in enumerate(values):
        kinds = []
        if value is not None:
            kinds.append(
                {"kind": "REA", "units": 1, "installed": 10, "available": value,
                 "occupied": 10 - value, "reserved": 0, "closed": 0, "extra": 0,
                 "tension": "normal" if value > 1 else "tension"}
            )  # fmt: skip
        points.append({"at": (NOW - step * (len(values) - 1 - i)).isoformat(), "kinds": kinds})
    return {"hours": hours, "points": points}


def test_the_chart_draws_free_beds_from_the_first_report_with_labels_at_the_regions_clock():
    chart = tables.trend_chart(trend([None, None, 8, 4, 2]), zone="America/Guadeloupe")

    (line,) = chart["lines"]
    points = [tuple(map(float, p.split(","))) for p in line["points"].split()]
    assert len(points) == 3  # nothing drawn before the first report
    assert [p[1] for p in points] == sorted(p[1] for p in points)  # 8, 4, 2: going down
    assert points[-1][0] == chart["right"] and line["last"] == 2
    assert chart["y_ticks"][0]["value"] == 0 and chart["y_ticks"][-1]["value"] >= 8
    # 12:00 UTC is 08:00 in Guadeloupe; the last label ends inside the chart.
    assert chart["x_labels"][-1]["text"] == "08:00" and chart["x_labels"][-1]["anchor"] == "end"
    assert chart["x_labels"][0]["anchor"] == "start"


def test_a_week_is_labelled_by_day():
    chart = tables.trend_chart(trend([3] * 29, hours=168), zone="Europe/Paris")
    assert chart["x_labels"][-1]["text"] == "29/11"


def test_the_table_keeps_every_fourth_point_counted_back_from_now():
    table = tables.trend_table(trend(list(range(25))), every=4)
    assert len(table["times"]) == 7 and table["times"][-1] == NOW
    assert [c["available"] for c in table["rows"][0]["cells"]] == [0, 4, 8, 12, 16, 20, 24]


def test_clock_text_is_the_regions_and_adds_the_day_when_not_today():
    assert tables.clock_text(NOW, zone="Indian/Reunion", now=NOW) == "16:00"
    assert tables.clock_text(NOW - timedelta(days=2), zone="Europe/Paris", now=NOW) == "27/11 13:00"
    assert tables.clock_text(None, zone="Europe/Paris", now=NOW) == "—"
