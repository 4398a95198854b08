"""Units and their history, one at a time or for a live-feed audience."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import F, QuerySet

from beds.models import CapacityReport, Unit


def unit_get(*, unit_id: int) -> Unit | None:
    return Unit.objects.select_related("hospital__department__region").filter(pk=unit_id).first()


def unit_hospital_id(*, unit_id: int) -> int | None:
    """The hospital of a unit, or None if there is no such unit: all a report's access check
    needs."""
    if not 0 < unit_id < 2**63:  # beyond the id column: no such unit
        return None
    # order_by(): the model's ordering (by hospital name) would join the hospital for one row.
    return Unit.objects.filter(pk=unit_id).order_by().values_list("hospital_id", flat=True).first()


def unit_reports(
    *, unit: Unit, since: datetime | None = None, until: datetime | None = None
) -> QuerySet[CapacityReport]:
    qs = CapacityReport.objects.filter(unit=unit)
    if since:
        qs = qs.filter(observed_at__gte=since)
    if until:
        qs = qs.filter(observed_at__lte=until)
    return qs.order_by("-version")


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
