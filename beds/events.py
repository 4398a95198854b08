"""What the live feed says about capacity (DESIGN §4). `realtime/` only carries it."""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone

from beds.selectors import unit_to_dict, units_for_audience
from realtime.publisher import NATIONAL, publish, region_audience
from regions.models import Region

REGION_PREFIX = region_audience("")


def units_changed(*, unit_ids: list[int]) -> None:
    """Tell the région and national audiences about these units. Call after commit."""
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


def audience_snapshot(audience: str) -> dict | None:
    """Every unit of an audience, as the first message of a socket; None if there is no such."""
    if audience == NATIONAL:
        region = None
    elif audience.startswith(REGION_PREFIX):
        region = audience[len(REGION_PREFIX) :]
        if not Region.objects.filter(pk=region).exists():
            return None
    else:
        return None
    now = timezone.now()
    units = units_for_audience(region=region)
    return {"type": "snapshot", "units": [unit_to_dict(u, now=now) for u in units]}
