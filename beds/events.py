"""What the live feed says when capacity changes (DESIGN §4). Called after commit."""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone

from beds.selectors import unit_to_dict, units_for_audience
from realtime.publisher import NATIONAL, publish, region_audience


def units_changed(*, unit_ids: list[int]) -> None:
    now = timezone.now()
    units = units_for_audience(region=None, unit_ids=unit_ids)
    if not units:
        return
    by_region: dict[str, list[dict]] = defaultdict(list)
    payloads = []
    for unit in units:
        data = unit_to_dict(unit, now=now)
        payloads.append(data)
        by_region[unit.hospital.department.region_id].append(data)
    for region, region_units in by_region.items():
        publish([region_audience(region)], {"type": "units.changed", "units": region_units})
    publish([NATIONAL], {"type": "units.changed", "units": payloads})
