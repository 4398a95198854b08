"""What the live feed says about capacity (docs/realtime.md). `realtime/` only carries it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.utils import timezone

from beds.capacity import tension_of_totals
from beds.models import FIGURES, Unit
from beds.selectors import unit_to_dict, units_for_audience
from realtime.publisher import NATIONAL, publish_each, region_audience
from regions.models import Region

REGION_PREFIX = region_audience("")


def units_changed(*, units: Sequence[Unit]) -> None:
    """Tell the région and national audiences about these units, as committed (with their
    hospital, département and région loaded). Call after commit; units of inactive hospitals
    are not shown, so they are not told either."""
    now = timezone.now()
    by_region: dict[str, list[dict]] = defaultdict(list)
    payloads = []
    for unit in sorted(units, key=lambda u: u.pk):
        if not unit.hospital.active:
            continue
        data = unit_to_dict(unit, now=now)
        payloads.append(data)
        by_region[unit.hospital.department.region_id].append(data)
    if not payloads:
        return
    # The thresholds of each département's région, from the units loaded: not read again.
    thresholds = {
        unit.hospital.department_id: (
            unit.hospital.department.region.tension_occupancy_pct,
            unit.hospital.department.region.tension_available_max,
        )
        for unit in units
    }
    rows = Unit.objects.filter(
        hospital__department_id__in=thresholds, hospital__active=True
    ).values_list("hospital__finess", "hospital__department_id", "kind", *FIGURES)
    add_tensions(
        payloads,
        rows=((f, d, *thresholds[d], kind, *figures) for f, d, kind, *figures in rows),
    )
    # One call for every audience: one round trip to Redis.
    publish_each(
        [
            *(
                (region_audience(region), {"type": "units.changed", "units": region_units})
                for region, region_units in by_region.items()
            ),
            (NATIONAL, {"type": "units.changed", "units": payloads}),
        ]
    )


def audience_snapshot(audience: str) -> dict | None:
    """Every unit of an audience, as the first message of a socket; None if there is no such."""
    if audience == NATIONAL:
        region = None
    elif audience.startswith(REGION_PREFIX):
        region = audience[len(REGION_PREFIX) :]
        if not Region.objects.filter(pk=region).exists():
            return None
    else:
        return None
    units = units_for_audience(region=region)
    payloads = units_with_tensions(units, now=timezone.now())
    return {"type": "snapshot", "units": payloads}


def units_with_tensions(units: Sequence[Unit], *, now: datetime) -> list[dict]:
    """`unit_to_dict` of each unit with its tensions (`add_tensions`), for whole départements
    (a région's or the country's units, their hospital and département loaded)."""
    payloads = [unit_to_dict(u, now=now) for u in units]
    thresholds = {
        r[0]: r[1:]
        for r in Region.objects.values_list(
            "code", "tension_occupancy_pct", "tension_available_max"
        )
    }
    rows = [
        (
            u.hospital.finess,
            u.hospital.department_id,
            *thresholds[u.hospital.department.region_id],
            u.kind,
            *(getattr(u, name) for name in FIGURES),
        )
        for u in units
    ]
    add_tensions(payloads, rows=rows)
    return payloads


def add_tensions(payloads: Sequence[dict], *, rows: Iterable[Sequence]) -> None:
    """Add to each unit payload the tensions a map shows, judged here once by the région's
    thresholds (docs/realtime.md): `tension` (the unit's own), `hospital_tension` and
    `department_tension` (the unit's kind, its hospital's or département's units taken
    together), `hospital_tension_all` and `department_tension_all` (every kind), and
    `department`. `rows` are every unit of the payloads' départements as (FINESS,
    département, its région's `tension_occupancy_pct` and `tension_available_max`, kind,
    *FIGURES)."""
    totals: dict[tuple, dict[str, int]] = {}
    limits: dict[str, tuple[int, int]] = {}
    department_of: dict[str, str] = {}
    for finess, department, pct, available_max, kind, *figures in rows:
        limits[department] = (pct, available_max)
        department_of[finess] = department
        for key in (
            ("h", finess, kind),
            ("h", finess, ""),
            ("d", department, kind),
            ("d", department, ""),
        ):
            sums = totals.setdefault(key, dict.fromkeys(FIGURES, 0))
            for name, value in zip(FIGURES, figures, strict=True):
                sums[name] += value

    def tension(key: tuple, department: str) -> str | None:
        if key not in totals:
            return None
        pct, available_max = limits[department]
        return tension_of_totals(totals[key], occupancy_pct=pct, available_max=available_max)

    for data in payloads:
        department = department_of.get(data["hospital"])
        if department is None:
            continue
        pct, available_max = limits[department]
        kind = data["kind"]
        data["tension"] = tension_of_totals(data, occupancy_pct=pct, available_max=available_max)
        data["department"] = department
        data["hospital_tension"] = tension(("h", data["hospital"], kind), department)
        data["hospital_tension_all"] = tension(("h", data["hospital"], ""), department)
        data["department_tension"] = tension(("d", department, kind), department)
        data["department_tension_all"] = tension(("d", department, ""), department)
