"""The hospitals list and the near search: one ORM query for the hospitals that match, one for
the units of the page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from beds.capacity import freshness_judge
from beds.filters import HospitalFilter
from beds.geometry import DEFAULT_RADIUS_KM, haversine_km
from beds.models import FIGURES, Hospital, Unit


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
    qs = HospitalFilter(now=now).filter_values(
        hospitals.filter(active=True),
        {
            "region": region,
            "department": department,
            "kind": kind,
            "min_available": min_available,
            "freshness": freshness,
            "near": near,
            "radius_km": radius_km,
        },
    )
    radius = radius_km if radius_km is not None else DEFAULT_RADIUS_KM
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


def hospitals_for_export(
    *, hospitals: QuerySet[Hospital], region: str | None, now: datetime
) -> list[dict]:
    """Active hospitals among `hospitals` (of one région, or all), each with all its units, as
    the API shows them: the plain data the export formats are built from."""
    return hospital_hits_with_units(
        hospital_search(hospitals=hospitals, region=region, now=now), now=now
    )
