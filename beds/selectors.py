"""Reads of capacity data, shaped as the API and the live feed publish them."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from beds.capacity import (
    freshness_bounds,
    freshness_judge,
    freshness_of,
    tension_of_totals,
)
from beds.models import FIGURES, CapacityReport, Freshness, Hospital, Unit, UnitKind
from regions.models import Region

EARTH_RADIUS_KM = 6371.0088
DEFAULT_RADIUS_KM = 50.0


def unit_to_dict(unit: Unit, *, now: datetime) -> dict:
    """A unit as the API and the live feed show it (DESIGN §3)."""
    data = {
        "id": unit.pk,
        "hospital": unit.hospital.finess,
        "kind": unit.kind,
        "label": unit.label,
        "ecmo": unit.ecmo,
    }
    for name in FIGURES:
        data[name] = getattr(unit, name)
    data["version"] = unit.version
    data["updated_at"] = unit.updated_at.isoformat() if unit.updated_at else None
    data["freshness"] = freshness_of(unit.updated_at, now=now)
    return data


def hospital_to_dict(hospital: Hospital, *, now: datetime, units: Iterable[Unit]) -> dict:
    department = hospital.department
    return {
        "finess": hospital.finess,
        "name": hospital.name,
        "lat": hospital.lat,
        "lon": hospital.lon,
        "department": department.code,
        "region": department.region_id,
        "address": hospital.address,
        "postcode": hospital.postcode,
        "city": hospital.city,
        "phone": hospital.phone,
        "units": [unit_to_dict(u, now=now) for u in units],
    }


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing the circle; cheap SQL prefilter."""
    # Widened by ~1 cm: float rounding must never drop a hospital the exact distance keeps.
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM) + 1e-7
    cos_lat = math.cos(math.radians(lat))
    if cos_lat < 1e-6 or abs(lat) + dlat >= 90:
        return lat - dlat, lat + dlat, -180.0, 180.0
    dlon = min(180.0, math.degrees(radius_km / (EARTH_RADIUS_KM * cos_lat)) + 1e-7)
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


@dataclass(slots=True)
class HospitalHit:
    """One hospital found by `hospital_search`: its key, its columns in `_HOSPITAL_KEYS` order
    and, with `near`, its exact distance. `hospital_hits_with_units` makes the dicts of a page:
    the hits beyond it never become dicts."""

    pk: int
    row: tuple
    distance_km: float | None = None


# The columns a search reads: the hospital dict's, in `hospital_to_dict`'s order after the key.
_HOSPITAL_COLUMNS = (
    "id",
    "finess",
    "name",
    "lat",
    "lon",
    "department_id",
    "department__region_id",
    "address",
    "postcode",
    "city",
    "phone",
)
_HOSPITAL_KEYS = ("finess", "name", "lat", "lon", "department", "region", *_HOSPITAL_COLUMNS[7:])
# The unit dict's keys, in `unit_to_dict`'s order, for the query's columns: "hospital" holds the
# hospital's key until its FINESS replaces it (replacing a value keeps the key's place).
_UNIT_COLUMNS = ("id", "hospital_id", "kind", "label", "ecmo", *FIGURES, "version", "updated_at")
_UNIT_KEYS = ("id", "hospital", *_UNIT_COLUMNS[2:], "freshness")
_HOSPITAL_TEMPLATE = {**dict.fromkeys(_HOSPITAL_KEYS), "units": None}
_UNIT_TEMPLATE = dict.fromkeys(_UNIT_KEYS)


def units_matching(
    *, kind: str | None, min_available: int | None, freshness: str | None, now: datetime
) -> QuerySet[Unit]:
    """Units of `kind` with at least `min_available` beds and this `freshness` at `now`."""
    units = Unit.objects.all()
    if kind:
        units = units.filter(kind=kind)
    if min_available is not None:
        units = units.filter(available__gte=min_available)
    if freshness:
        oldest, newest = freshness_bounds(freshness, now=now)
        if freshness == Freshness.EXPIRED:
            units = units.filter(Q(updated_at__isnull=True) | Q(updated_at__lt=newest))
        elif freshness == Freshness.FRESH:
            units = units.filter(updated_at__gt=oldest)
        elif freshness == Freshness.STALE:
            units = units.filter(updated_at__gte=oldest, updated_at__lte=newest)
        else:
            units = units.filter(updated_at__gt=oldest, updated_at__lte=newest)
    return units


def hospital_search(
    *,
    hospitals: QuerySet[Hospital],
    region: str | None = None,
    department: str | None = None,
    kind: str | None = None,
    min_available: int | None = None,
    freshness: str | None = None,
    near: tuple[float, float] | None = None,
    radius_km: float | None = None,
    now: datetime | None = None,
) -> list[HospitalHit]:
    """The hospitals list (docs/api.md): active hospitals among `hospitals` matching the
    filters, by name then FINESS, from one query, without their units; paginate, then fill the
    units of the page with `hospital_hits_with_units`.

    `hospitals` is the caller's scope (`hospitals_readable`). `kind`, `min_available` and
    `freshness` keep hospitals having at least one unit that matches all three together.
    `near` keeps those within `radius_km` (default 50): sorted by the exact great-circle
    distance, then name, then FINESS, `distance_km` rounded to the metre. The database
    narrows them to a bounding box on the indexed latitude and longitude; the exact distance
    is computed here, for the few hospitals in the box.
    """
    now = now or timezone.now()
    qs = hospitals.filter(active=True)
    if region:
        qs = qs.filter(department__region_id=region)
    if department:
        qs = qs.filter(department_id=department)
    if kind or min_available is not None or freshness:
        units = units_matching(kind=kind, min_available=min_available, freshness=freshness, now=now)
        qs = qs.filter(pk__in=units.values("hospital_id"))
    radius = radius_km if radius_km is not None else DEFAULT_RADIUS_KM
    if near is not None:
        min_lat, max_lat, min_lon, max_lon = bounding_box(near[0], near[1], radius)
        qs = qs.filter(lat__gte=min_lat, lat__lte=max_lat, lon__gte=min_lon, lon__lte=max_lon)
    rows = qs.values_list(*_HOSPITAL_COLUMNS)
    if near is None:
        return [HospitalHit(row[0], row[1:]) for row in rows.order_by("name", "finess")]
    lat, lon = near
    found = []
    for row in rows.order_by():
        distance = haversine_km(lat, lon, row[3], row[4])
        if distance <= radius:
            found.append((distance, row[2], row[1], row))
    found.sort(key=lambda f: f[:3])
    return [HospitalHit(row[0], row[1:], distance) for distance, _name, _finess, row in found]


def hospital_hits_with_units(hits: Iterable[HospitalHit], *, now: datetime) -> list[dict]:
    """The dicts of `hits` as `hospital_to_dict` makes them (plus `distance_km`, rounded to the
    metre, with `near`), with all their units as `unit_to_dict` shows them, in one query."""
    answer = []
    by_pk = {}
    for hit in hits:
        data = _HOSPITAL_TEMPLATE.copy()
        data.update(zip(_HOSPITAL_KEYS, hit.row, strict=True))
        data["units"] = []
        if hit.distance_km is not None:
            data["distance_km"] = round(hit.distance_km, 3)
        answer.append(data)
        by_pk[hit.pk] = data
    if not by_pk:
        return []
    judge = freshness_judge(now=now)
    units = (
        Unit.objects.filter(hospital_id__in=list(by_pk))
        .order_by("kind", "label")
        .values_list(*_UNIT_COLUMNS)
    )
    for row in units:
        data = _UNIT_TEMPLATE.copy()
        data.update(zip(_UNIT_KEYS, row, strict=False))
        hospital = by_pk[row[1]]
        data["hospital"] = hospital["finess"]
        updated_at = row[-1]
        data["updated_at"] = updated_at.isoformat() if updated_at else None
        data["freshness"] = judge(updated_at)
        hospital["units"].append(data)
    return answer


def unit_get(*, unit_id: int) -> Unit | None:
    return Unit.objects.select_related("hospital__department__region").filter(pk=unit_id).first()


def unit_hospital_id(*, unit_id: int) -> int | None:
    """The hospital of a unit, or None if there is no such unit: all a report's access check
    needs."""
    if not 0 < unit_id < 2**63:  # beyond the id column: no such unit
        return None
    return Unit.objects.filter(pk=unit_id).values_list("hospital_id", flat=True).first()


def unit_reports(
    *, unit: Unit, since: datetime | None = None, until: datetime | None = None
) -> QuerySet[CapacityReport]:
    qs = CapacityReport.objects.filter(unit=unit)
    if since:
        qs = qs.filter(observed_at__gte=since)
    if until:
        qs = qs.filter(observed_at__lte=until)
    return qs.order_by("-version")


def report_to_dict(report: CapacityReport) -> dict:
    data = {"id": report.pk, "unit": report.unit_id, "version": report.version}
    for name in FIGURES:
        data[name] = getattr(report, name)
    data.update(
        {
            "observed_at": report.observed_at.isoformat(),
            "received_at": report.received_at.isoformat(),
            "source": report.source,
            "reported_by": report.reporter_username,
            "reporter_role": report.reporter_role,
            "on_behalf": report.on_behalf,
            "note": report.note,
        }
    )
    return data


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


def units_for_audience(*, region: str | None, unit_ids: Iterable[int] | None = None) -> list[Unit]:
    """Units of one région (or the whole country), for snapshots and change events."""
    qs = Unit.objects.select_related("hospital__department").filter(hospital__active=True)
    if region is not None:
        qs = qs.filter(hospital__department__region_id=region)
    if unit_ids is not None:
        qs = qs.filter(pk__in=list(unit_ids))
    return list(qs.order_by("pk"))


def latest_report_sources(*, unit_ids: Iterable[int]) -> dict[int, str]:
    """The source (`web`, `api`, `fhir`, `import`) of each unit's current report, by unit id."""
    rows = CapacityReport.objects.filter(
        unit_id__in=list(unit_ids), version=F("unit__version")
    ).values_list("unit_id", "source")
    return dict(rows)


def hospitals_for_export(
    *, hospitals: QuerySet[Hospital], region: str | None, now: datetime
) -> list[dict]:
    """Active hospitals among `hospitals` (of one région, or all), each with all its units, as
    the API shows them: the plain data the export formats are built from."""
    return hospital_hits_with_units(
        hospital_search(hospitals=hospitals, region=region, now=now), now=now
    )


@dataclass
class StaffHospital:
    hospital: Hospital
    units: list[Unit]


def staff_hospitals(
    *, hospitals: QuerySet[Hospital], now: datetime | None = None
) -> list[StaffHospital]:
    """Active hospitals by name with their units by kind and label, each unit carrying
    `last_report` (None if never reported), `freshness` and `freshness_label`, for the staff
    page: model instances, for its forms. Three queries."""
    now = now or timezone.now()
    qs = (
        hospitals.filter(active=True)
        .select_related("department")
        .prefetch_related(Prefetch("units", queryset=Unit.objects.order_by("kind", "label")))
        .order_by("name", "finess")
    )
    rows = [StaffHospital(hospital=h, units=list(h.units.all())) for h in qs]
    units = [u for row in rows for u in row.units]
    last = {
        r.unit_id: r
        for r in CapacityReport.objects.filter(unit__in=units, version=F("unit__version"))
    }
    for row in rows:
        for unit in row.units:
            unit.hospital = row.hospital  # already loaded: no query per unit
            unit.last_report = last.get(unit.pk)
            unit.freshness = freshness_of(unit.updated_at, now=now)
            unit.freshness_label = Freshness(unit.freshness).label
    return rows
