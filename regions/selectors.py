from __future__ import annotations

import re

from django.db.models import QuerySet

from regions.models import Department, Region, ThresholdChange

# INSEE région and département codes: `84`, `01`, `2A`, `971`.
CODE_RE = re.compile(r"[0-9][0-9AB][0-9]?")


def region_get(*, code: str) -> Region | None:
    """The région for an INSEE region code; a single-département overseas région also answers
    to its département code (`971` → Guadeloupe `01`), as operators often use that one."""
    code = code.strip().upper()
    if not CODE_RE.fullmatch(code):  # no query for what cannot be a code (a NUL breaks PostgreSQL)
        return None
    region = Region.objects.filter(code=code).first()
    if region is None and code.startswith("97"):
        department = Department.objects.filter(code=code).select_related("region").first()
        if department is not None and department.region.departments.count() == 1:
            region = department.region
    return region


def region_threshold_changes(*, region: Region) -> QuerySet[ThresholdChange]:
    """The région's threshold changes, newest first."""
    return ThresholdChange.objects.filter(region=region).order_by("-changed_at", "-id")


def threshold_change_to_dict(change: ThresholdChange) -> dict:
    return {
        "changed_at": change.changed_at.isoformat(),
        "changed_by": change.changed_by_username,
        "role": change.changed_by_role,
        "source": change.source,
        "before": {
            "tension_occupancy_pct": change.occupancy_pct_before,
            "tension_available_max": change.available_max_before,
        },
        "after": {
            "tension_occupancy_pct": change.occupancy_pct_after,
            "tension_available_max": change.available_max_after,
        },
    }
