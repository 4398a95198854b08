"""The staff page's hospitals and units, as model instances for its forms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Prefetch, QuerySet
from django.utils import timezone

from beds.capacity import freshness_of
from beds.models import CapacityReport, Freshness, Hospital, Unit


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
