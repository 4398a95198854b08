"""The FHIR server's one write: a Location's capacity records become a report."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from accounts.models import User
from beds import services as beds_services
from beds.models import CapacityReport, Source
from fhir.models import LocationCapacity


def location_capacity_report(
    *,
    unit_id: int,
    user: User | None,
    figures: dict[str, int],
    records: list[dict],
    version: int | None,
    observed_at: datetime | None,
) -> CapacityReport:
    """Report `figures` (the sum of `records`) through `beds.services.unit_report_create` (its
    validation, its history, its live event) and keep `records` as sent, in one transaction.

    Raises what `unit_report_create` raises (ValidationError, VersionConflict); nothing is
    written then.
    """
    with transaction.atomic():
        report = beds_services.unit_report_create(
            unit_id=unit_id,
            user=user,
            figures=figures,
            source=Source.FHIR,
            version=version,
            observed_at=observed_at,
        )
        LocationCapacity.objects.update_or_create(
            unit_id=unit_id, defaults={"version": report.version, "records": records}
        )
    return report
