from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from regions.models import Region, ThresholdChange


def region_thresholds_update(
    *,
    region: Region,
    user: AbstractBaseUser | None,
    source: str = ThresholdChange.Source.API,
    tension_occupancy_pct: int | None = None,
    tension_available_max: int | None = None,
) -> Region:
    """Change a région's alert thresholds (coordinators of the région, admins; access checks
    are the caller's). A change that changes something is recorded as a `ThresholdChange` in
    the same transaction; the région is locked so that two coordinators' "before" never lie.
    `user` is an AUTH_USER_MODEL (accounts.User): régions import no other app.
    """
    with transaction.atomic():
        locked = Region.objects.select_for_update().get(pk=region.pk)
        before = (locked.tension_occupancy_pct, locked.tension_available_max)
        if tension_occupancy_pct is not None:
            locked.tension_occupancy_pct = tension_occupancy_pct
        if tension_available_max is not None:
            locked.tension_available_max = tension_available_max
        locked.full_clean()
        after = (locked.tension_occupancy_pct, locked.tension_available_max)
        if after != before:
            locked.save(update_fields=["tension_occupancy_pct", "tension_available_max"])
            ThresholdChange.objects.create(
                region=locked,
                changed_by=user,
                changed_by_username=user.get_username() if user else "",
                changed_by_role=(user.effective_role or "") if user else "",
                source=source,
                occupancy_pct_before=before[0],
                occupancy_pct_after=after[0],
                available_max_before=before[1],
                available_max_after=after[1],
            )
    return locked


_UNCHANGED = object()


def region_reporting_update(
    *,
    region: Region,
    reporting_cadence_minutes: int | None | object = _UNCHANGED,
    crisis: bool | None = None,
) -> Region:
    """Change a région's reporting cadence (minutes; None goes back to the default) and its
    crisis mode (access checks are the caller's). Overdue reminders follow at the next round."""
    with transaction.atomic():
        locked = Region.objects.select_for_update().get(pk=region.pk)
        if reporting_cadence_minutes is not _UNCHANGED:
            locked.reporting_cadence_minutes = reporting_cadence_minutes
        if crisis is not None:
            locked.crisis = crisis
        locked.full_clean()
        locked.save(update_fields=["reporting_cadence_minutes", "crisis"])
    return locked
