"""Who may see and acknowledge a région's alerts."""

from __future__ import annotations

from accounts.scopes import AnyUser, national_can_read, region_can_configure
from regions.models import Region


def alerts_can_read(user: AnyUser, region: Region) -> bool:
    """The région's coordinators and admins; dispatchers, who read every région."""
    return region_can_configure(user, region) or national_can_read(user)


def alerts_can_acknowledge(user: AnyUser, region: Region) -> bool:
    return region_can_configure(user, region)
