"""The région table page's rows and trend, from plain data (no query): words for tension and
freshness, the trend as a table and as the geometry of a chart (templates/regions/)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from beds.capacity import open_beds
from beds.models import Freshness, Tension, UnitKind

CHART_WIDTH = 420
CHART_HEIGHT = 220
CHART_MARGIN = {"left": 30, "right": 10, "top": 12, "bottom": 28}


def words() -> dict[str, dict[str, str]]:
    """Tension and freshness in the page's language, for the server's rows and the live ones."""
    return {
        "tension": {t.value: str(t.label) for t in Tension},
        "freshness": {f.value: str(f.label) for f in Freshness},
    }


def clock_text(when: datetime | None, *, zone: str, now: datetime) -> str:
    """ "14:05", or "29/11 14:05" on another day, at the région's clock (as static/maps/zone.js
    writes it for live changes)."""
    if when is None:
        return "—"
    tz = ZoneInfo(zone)
    local = when.astimezone(tz)
    if local.date() == now.astimezone(tz).date():
        return local.strftime("%H:%M")
    return local.strftime("%d/%m %H:%M")


def unit_rows(units: Sequence[dict], *, zone: str, now: datetime) -> list[dict]:
    """The units (as `maps.selectors.region_units` gives them) with their words and clock."""
    said = words()
    return [
        {
            **unit,
            "tension_word": said["tension"].get(unit.get("tension") or "", ""),
            "freshness_word": said["freshness"][unit["freshness"]],
            "clock": clock_text(unit["updated"], zone=zone, now=now),
        }
        for unit in units
    ]


def _series(trend: dict) -> list[dict]:
    """Per kind present: its label and, per point, its totals (None before its first report)."""
    by_point = [{k["kind"]: k for k in point["kinds"]} for point in trend["points"]]
    series = []
    for kind in UnitKind:
        if any(kind.value in kinds for kinds in by_point):
            series.append(
                {
                    "kind": kind.value,
                    "label": str(kind.label),
                    "totals": [kinds.get(kind.value) for kinds in by_point],
                }
            )
    return series


def trend_table(trend: dict, *, every: int = 1) -> dict:
    """`region_trend` as a table: one row per kind, one cell per `every`-th point counted back
    from now (None before any report of that kind), each with its available and open beds and
    its tension."""
    points = trend["points"]
    keep = sorted(range(len(points) - 1, -1, -every))
    rows = []
    for s in _series(trend):
        cells = []
        for i in keep:
            totals = s["totals"][i]
            cells.append(
                None
                if totals is None
                else {
                    "available": totals["available"],
                    "open": open_beds(
                        installed=totals["installed"],
                        extra=totals["extra"],
                        closed=totals["closed"],
                    ),
                    "tension": totals["tension"],
                }
            )
        rows.append({"label": s["label"], "cells": cells})
    return {"times": [datetime.fromisoformat(points[i]["at"]) for i in keep], "rows": rows}


def _nice_step(top: int) -> int:
    """A round step for about four lines of the y axis."""
    raw = max(top / 4, 1)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return int(factor * power)
    return int(10 * power)


def trend_chart(trend: dict, *, zone: str) -> dict:
    """Free beds per kind over the trend's span as the geometry of an SVG line chart: one
    polyline per kind (its "x,y" points; a gap before a kind's first report), y ticks, and x
    labels at the region's clock (`zone`)."""
    points = trend["points"]
    series = _series(trend)
    left, right = CHART_MARGIN["left"], CHART_WIDTH - CHART_MARGIN["right"]
    top, bottom = CHART_MARGIN["top"], CHART_HEIGHT - CHART_MARGIN["bottom"]
    highest = max((t["available"] for s in series for t in s["totals"] if t is not None), default=0)
    step = _nice_step(max(highest, 1))
    y_max = max(step * math.ceil(max(highest, 1) / step), step)

    def x(i: int) -> float:
        return round(left + (right - left) * i / max(len(points) - 1, 1), 1)

    def y(value: float) -> float:
        return round(bottom - (bottom - top) * value / y_max, 1)

    lines = []
    for n, s in enumerate(series):
        coords = [f"{x(i)},{y(t['available'])}" for i, t in enumerate(s["totals"]) if t is not None]
        last = next(t for t in reversed(s["totals"]) if t is not None)
        lines.append(
            {
                "kind": s["kind"],
                "label": s["label"],
                "index": n,
                "points": " ".join(coords),
                "last": last["available"],
                "last_x": x(len(points) - 1),
                "last_y": y(last["available"]),
            }
        )
    tz = ZoneInfo(zone)
    hours = trend["hours"]
    label_every = max(len(points) // 6, 1)
    x_labels = []
    for i in range(len(points) - 1, -1, -label_every):
        at = datetime.fromisoformat(points[i]["at"]).astimezone(tz)
        text = at.strftime("%H:%M") if hours <= 24 else at.strftime("%d/%m")
        # The labels at either end are anchored inside the chart.
        anchor = "end" if i == len(points) - 1 else "start" if i == 0 else "middle"
        x_labels.append({"x": x(i), "text": text, "at": points[i]["at"], "anchor": anchor})
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": left,
        "right": right,
        "top": top,
        "bottom": bottom,
        "lines": lines,
        "y_ticks": [{"y": y(v), "value": v} for v in range(0, y_max + 1, step)],
        "x_labels": sorted(x_labels, key=lambda label: label["x"]),
        "label_y": bottom + 18,
    }
