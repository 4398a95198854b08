"""Roles and régions: who may read which région's figures and feeds (docs/architecture.md,
"Access"). The hospital and unit scopes are in `beds.scopes`: accounts knows nothing of beds."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from accounts.models import Role, User
from accounts.throttling import monitoring_address
from regions.models import Region

AnyUser = User | AnonymousUser


def _role(user: AnyUser) -> str | None:
    if not user.is_authenticated:
        return None
    return user.effective_role


def regions_readable(user: AnyUser) -> QuerySet[Region]:
    """Régions whose map, summary and live feed the user may see."""
    role = _role(user)
    if role in (Role.ADMIN, Role.DISPATCHER):
        return Region.objects.all()
    if role == Role.COORDINATOR:
        return user.regions.all()
    if role == Role.STAFF:
        # Through the hospital membership beds declares (`Hospital.staff`), by name only.
        return Region.objects.filter(departments__hospitals__staff=user).distinct()
    return Region.objects.none()


def national_can_read(user: AnyUser) -> bool:
    """The whole country at once (national feed): dispatchers and admins."""
    return _role(user) in (Role.ADMIN, Role.DISPATCHER)


def region_can_read(user: AnyUser, region: Region) -> bool:
    return regions_readable(user).filter(pk=region.pk).exists()


def region_can_configure(user: AnyUser, region: Region) -> bool:
    role = _role(user)
    if role == Role.ADMIN:
        return True
    return role == Role.COORDINATOR and user.regions.filter(pk=region.pk).exists()


def role_of(user: AnyUser) -> str | None:
    return _role(user)


def staff_page_can_open(user: AnyUser) -> bool:
    """The staff page (`/beds/`) is for hospital staff only: coordinators report on behalf of a
    unit through the API or the admin, where such reports are audited."""
    return _role(user) == Role.STAFF


def health_details_can_read(user: AnyUser | None, address: str | None) -> bool:
    """Each part's state on /healthz (and why Redis failed): admins, and the operator's
    monitoring, known by its client address (`accounts.throttling.monitoring_address`).
    Everyone else is told only ok or degraded."""
    return (user is not None and _role(user) == Role.ADMIN) or monitoring_address(address)
