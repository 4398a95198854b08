from __future__ import annotations

from django.db import transaction

from regions.models import Region


def region_thresholds_update(
    *,
    region: Region,
    tension_occupancy_pct: int | None = None,
    tension_available_max: int | None = None,
) -> Region:
    """Change a région's alert thresholds (coordinators of the région, admins)."""
    if tension_occupancy_pct is not None:
        region.tension_occupancy_pct = tension_occupancy_pct
    if tension_available_max is not None:
        region.tension_available_max = tension_available_max
    region.full_clean()
    with transaction.atomic():
        region.save(update_fields=["tension_occupancy_pct", "tension_available_max"])
    return region
