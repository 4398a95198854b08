from __future__ import annotations

from regions.models import Department, Region


def region_get(*, code: str) -> Region | None:
    """The région for an INSEE region code; a single-département overseas région also answers
    to its département code (`971` → Guadeloupe `01`), as operators often use that one."""
    code = code.strip().upper()
    region = Region.objects.filter(code=code).first()
    if region is None and code.startswith("97"):
        department = Department.objects.filter(code=code).select_related("region").first()
        if department is not None and department.region.departments.count() == 1:
            region = department.region
    return region
