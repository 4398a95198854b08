from __future__ import annotations

from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.scopes import region_can_read
from beds.capacity import open_beds
from beds.models import UnitKind
from beds.selectors import region_trend, unit_to_dict, units_for_audience
from regions.selectors import region_get


@login_required
def region_table(request: HttpRequest, code: str) -> HttpResponse:
    """Every unit of a région with its figures, kept current by the live feed."""
    region = region_get(code=code)
    if region is None:
        raise Http404("no such région")
    if not region_can_read(request.user, region):
        raise PermissionDenied
    now = timezone.now()
    rows = [
        {
            "hospital": unit.hospital,
            "unit": unit_to_dict(unit, now=now),
            "updated_at": unit.updated_at,
        }
        for unit in units_for_audience(region=region.code)
    ]
    rows.sort(key=lambda r: (r["hospital"].name, r["unit"]["kind"], r["unit"]["label"]))
    context = {
        "region": region,
        "rows": rows,
        "live_url": f"/ws/regions/{region.code}/",
        "trend": _trend_table(region_trend(region=region, hours=24, step_minutes=240, now=now)),
    }
    return render(request, "regions/table.html", context)


def _trend_table(trend: dict) -> dict:
    """`region_trend` as a table: one row per kind, one cell per point (None before any report
    of that kind), each with its available and open beds and its tension."""
    times = [datetime.fromisoformat(point["at"]) for point in trend["points"]]
    by_point = [{k["kind"]: k for k in point["kinds"]} for point in trend["points"]]
    rows = []
    for kind in UnitKind:
        if not any(kind.value in kinds for kinds in by_point):
            continue
        cells = []
        for kinds in by_point:
            totals = kinds.get(kind.value)
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
        rows.append({"label": kind.label, "cells": cells})
    return {"times": times, "rows": rows}
