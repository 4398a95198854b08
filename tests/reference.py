"""The hospitals list read plainly through the ORM, filter by filter: the reference that the
fast reads (`beds.selectors.hospital_search`, the exports, the dispatch page, the maps' plain
rows) are held equal to, field for field. Slow and obvious on purpose; never used by the app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from beds.capacity import freshness_bounds
from beds.models import Freshness, Hospital, Unit
from beds.selectors import DEFAULT_RADIUS_KM, bounding_box, haversine_km, hospital_to_dict


def units_with_freshness(qs: QuerySet[Unit], freshness: str, *, now: datetime) -> QuerySet[Unit]:
    oldest, newest = freshness_bounds(freshness, now=now)
    if freshness == Freshness.EXPIRED:
        return qs.filter(Q(updated_at__isnull=True) | Q(updated_at__lt=newest))
    if freshness == Freshness.FRESH:
        return qs.filter(updated_at__gt=oldest)
    if freshness == Freshness.STALE:
        return qs.filter(updated_at__gte=oldest, updated_at__lte=newest)
    return qs.filter(updated_at__gt=oldest, updated_at__lte=newest)


@dataclass
class HospitalRow:
    hospital: Hospital
    units: list[Unit]
    distance_km: float | None = None


def hospital_rows(
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
) -> list[HospitalRow]:
    """Hospitals among `hospitals` matching the filters, each with all its units.

    `kind`, `min_available` and `freshness` keep hospitals having at least one unit that matches
    all three together; `near` keeps those within `radius_km` and sorts them nearest first.
    """
    now = now or timezone.now()
    qs = hospitals.filter(active=True)
    if region:
        qs = qs.filter(department__region_id=region)
    if department:
        qs = qs.filter(department_id=department)
    if kind or min_available is not None or freshness:
        units = Unit.objects.all()
        if kind:
            units = units.filter(kind=kind)
        if min_available is not None:
            units = units.filter(available__gte=min_available)
        if freshness:
            units = units_with_freshness(units, freshness, now=now)
        qs = qs.filter(pk__in=units.values("hospital_id"))
    if near is not None:
        radius = radius_km if radius_km is not None else DEFAULT_RADIUS_KM
        min_lat, max_lat, min_lon, max_lon = bounding_box(near[0], near[1], radius)
        qs = qs.filter(lat__gte=min_lat, lat__lte=max_lat, lon__gte=min_lon, lon__lte=max_lon)
    qs = qs.select_related("department").prefetch_related(
        Prefetch("units", queryset=Unit.objects.order_by("kind", "label"))
    )
    rows = [
        HospitalRow(hospital=h, units=list(h.units.all())) for h in qs.order_by("name", "finess")
    ]
    if near is not None:
        radius = radius_km if radius_km is not None else DEFAULT_RADIUS_KM
        for row in rows:
            row.distance_km = haversine_km(near[0], near[1], row.hospital.lat, row.hospital.lon)
        rows = [r for r in rows if r.distance_km <= radius]  # type: ignore[operator]
        rows.sort(key=lambda r: (r.distance_km, r.hospital.name))
    for row in rows:
        for unit in row.units:
            unit.hospital = row.hospital  # already loaded: no query per unit
    return rows


def reference_dicts(rows: list[HospitalRow], *, now: datetime) -> list[dict]:
    """`rows` as the API shows them (`distance_km` rounded to the metre with `near`)."""
    answer = []
    for row in rows:
        item = hospital_to_dict(row.hospital, now=now, units=row.units)
        if row.distance_km is not None:
            item["distance_km"] = round(row.distance_km, 3)
        answer.append(item)
    return answer
