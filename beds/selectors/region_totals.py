"""A région's totals per unit kind: now (the summary) and over the last hours (the trend)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from beds.capacity import freshness_of, tension_of_totals
from beds.models import FIGURES, CapacityReport, Freshness, Unit, UnitKind
from regions.models import Region


def region_summary(*, region: Region, now: datetime | None = None) -> dict:
    """Totals per unit kind for a région, with how many units are fresh, ageing, stale, expired."""
    now = now or timezone.now()
    units = Unit.objects.filter(hospital__department__region=region, hospital__active=True)
    empty = {
        "units": 0,
        **{name: 0 for name in FIGURES},
        "freshness": {f.value: 0 for f in Freshness},
    }
    per_kind: dict[str, dict] = defaultdict(
        lambda: {**empty, "freshness": dict(empty["freshness"])}
    )
    for unit in units.only("kind", "updated_at", *FIGURES):
        totals = per_kind[unit.kind]
        totals["units"] += 1
        for name in FIGURES:
            totals[name] += getattr(unit, name)
        totals["freshness"][freshness_of(unit.updated_at, now=now)] += 1
    kinds = []
    for kind in UnitKind:
        if kind.value not in per_kind:
            continue
        totals = per_kind[kind.value]
        totals["tension"] = _region_tension(region, totals)
        kinds.append({"kind": kind.value, **totals})
    overall = {f.value: sum(k["freshness"][f.value] for k in kinds) for f in Freshness}
    return {
        "region": region.code,
        "name": region.name,
        "generated_at": now.isoformat(),
        "thresholds": _region_thresholds(region),
        "units": sum(k["units"] for k in kinds),
        "freshness": overall,
        "kinds": kinds,
    }


def _region_thresholds(region: Region) -> dict[str, int]:
    return {
        "tension_occupancy_pct": region.tension_occupancy_pct,
        "tension_available_max": region.tension_available_max,
    }


def _region_tension(region: Region, totals: dict) -> str:
    """The tension of a région's totals of one kind, by the région's thresholds."""
    return tension_of_totals(
        totals,
        occupancy_pct=region.tension_occupancy_pct,
        available_max=region.tension_available_max,
    )


def region_trend(
    *,
    region: Region,
    hours: int,
    step_minutes: int,
    kind: str | None = None,
    now: datetime | None = None,
) -> dict:
    """A région's totals per unit kind at regular points over the last `hours`, oldest first.

    At each point every unit counts with the figures of its latest report received at or
    before it (the highest version among them); a unit with no report yet by then does not
    count. The units are those the summary counts now (active hospitals of the région), of
    `kind` when given; tension is judged by the région's thresholds as they are now.
    """
    now = now or timezone.now()
    step = timedelta(minutes=step_minutes)
    count = hours * 60 // step_minutes
    points = [now - step * (count - i) for i in range(count + 1)]
    units = Unit.objects.filter(hospital__department__region=region, hospital__active=True)
    if kind:
        units = units.filter(kind=kind)
    kind_of = dict(units.values_list("pk", "kind"))
    latest_before = (
        CapacityReport.objects.filter(unit=OuterRef("pk"), received_at__lte=points[0])
        .order_by("-version")
        .values("pk")[:1]
    )
    first_ids = [
        pk
        for pk in units.annotate(report=Subquery(latest_before)).values_list("report", flat=True)
        if pk is not None
    ]
    columns = ("unit_id", "version", "received_at", *FIGURES)
    first = CapacityReport.objects.filter(pk__in=first_ids).values_list(*columns)
    later = (
        CapacityReport.objects.filter(
            unit__in=units, received_at__gt=points[0], received_at__lte=points[-1]
        )
        .order_by("received_at", "version")
        .values_list(*columns)
    )
    # Running totals per kind, moved by each report as time goes on.
    current: dict[int, tuple] = {}  # unit id -> (version, figures)
    totals: dict[str, dict] = defaultdict(lambda: dict.fromkeys(("units", *FIGURES), 0))
    # Every first report precedes the first point and there is one per unit: their order does
    # not matter.
    reports = [*first, *later]
    at = 0
    answer = []

    def point(when: datetime) -> dict:
        kinds = []
        for value in UnitKind.values:
            if totals.get(value, {}).get("units"):
                kinds.append(
                    {
                        "kind": value,
                        **totals[value],
                        "tension": _region_tension(region, totals[value]),
                    }
                )
        return {"at": when.isoformat(), "kinds": kinds}

    for unit_id, version, received_at, *figures in reports:
        while at < len(points) and received_at > points[at]:
            answer.append(point(points[at]))
            at += 1
        held = current.get(unit_id)
        if held is not None and held[0] >= version:
            continue  # received later, but an older version: already superseded
        kind_totals = totals[kind_of[unit_id]]
        if held is None:
            kind_totals["units"] += 1
        for name, value, old in zip(
            FIGURES, figures, held[1] if held else (0,) * len(FIGURES), strict=True
        ):
            kind_totals[name] += value - old
        current[unit_id] = (version, tuple(figures))
    while at < len(points):
        answer.append(point(points[at]))
        at += 1
    return {
        "region": region.code,
        "generated_at": now.isoformat(),
        "hours": hours,
        "step_minutes": step_minutes,
        "kind": kind or None,
        "thresholds": _region_thresholds(region),
        "points": answer,
    }
