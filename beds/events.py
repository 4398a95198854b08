"""What the live feed says about capacity (DESIGN §4). `realtime/` only carries it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.utils import timezone

from beds.models import Unit
from beds.selectors import unit_to_dict, units_for_audience
from realtime.publisher import NATIONAL, publish_each, region_audience
from regions.models import Region

REGION_PREFIX = region_audience("")


def units_changed(*, units: Sequence[Unit]) -> None:
    """Tell the région and national audiences about these units, as committed (with their
    hospital and département loaded). Call after commit; units of inactive hospitals are not
    shown, so they are not told either."""
    now = timezone.now()
    by_region: dict[str, list[dict]] = defaultdict(list)
    payloads = []
    for unit in sorted(units, key=lambda u: u.pk):
        if not unit.hospital.active:
            continue
        data = unit_to_dict(unit, now=now)
        payloads.append(data)
        by_region[unit.hospital.department.region_id].append(data)
    if not payloads:
        return
    # One call for every audience: one round trip to Redis.
    publish_each(
        [
            *(
                (region_audience(region), {"type": "units.changed", "units": region_units})
                for region, region_units in by_region.items()
            ),
            (NATIONAL, {"type": "units.changed", "units": payloads}),
        ]
    )


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
