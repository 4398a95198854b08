"""Who may read and write what (DESIGN §2). Every view, consumer and export asks here."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from accounts.models import Role, User
from beds.models import Hospital, Unit
from regions.models import Region

AnyUser = User | AnonymousUser


def _role(user: AnyUser) -> str | None:
    if not user.is_authenticated or not user.is_active:
        return None
    return Role.ADMIN if user.is_admin else user.role


def hospitals_readable(user: AnyUser) -> QuerySet[Hospital]:
    role = _role(user)
    if role in (Role.ADMIN, Role.DISPATCHER):
        return Hospital.objects.all()
    if role == Role.COORDINATOR:
        return Hospital.objects.filter(department__region__in=user.regions.all())
    if role == Role.STAFF:
        return Hospital.objects.filter(pk__in=user.hospitals.all())
    return Hospital.objects.none()


def regions_readable(user: AnyUser) -> QuerySet[Region]:
    """Régions whose map, summary and live feed the user may see."""
    role = _role(user)
    if role in (Role.ADMIN, Role.DISPATCHER):
        return Region.objects.all()
    if role == Role.COORDINATOR:
        return user.regions.all()
    if role == Role.STAFF:
        return Region.objects.filter(departments__hospitals__in=user.hospitals.all()).distinct()
    return Region.objects.none()


def national_can_read(user: AnyUser) -> bool:
    """The whole country at once (national feed): dispatchers and admins."""
    return _role(user) in (Role.ADMIN, Role.DISPATCHER)


def region_can_read(user: AnyUser, region: Region) -> bool:
    return regions_readable(user).filter(pk=region.pk).exists()


def unit_can_read(user: AnyUser, unit: Unit) -> bool:
    return hospitals_readable(user).filter(pk=unit.hospital_id).exists()


def unit_can_write(user: AnyUser, unit: Unit) -> bool:
    return hospital_units_can_write(user, unit.hospital_id)


def hospital_units_can_write(user: AnyUser, hospital_id: int) -> bool:
    """Whether the user may report for the units of this hospital (by id: the report API checks
    it before reading the unit in full)."""
    role = _role(user)
    if role == Role.ADMIN:
        return True
    if role == Role.STAFF:
        return user.hospitals.filter(pk=hospital_id).exists()
    if role == Role.COORDINATOR:
        return user.regions.filter(departments__hospitals=hospital_id).exists()
    return False


def unit_report_is_on_behalf(user: AnyUser, unit: Unit) -> bool:
    """A report by anyone but the unit's own staff is audited as made on its behalf."""
    return _role(user) != Role.STAFF


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
