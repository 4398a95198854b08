"""Which hospitals and units a user may read and write (docs/architecture.md, "Access"). The
roles and the régions a user coordinates are accounts'; the hospital membership is beds'
(`Hospital.staff`, `user.hospitals` from the other side)."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Role
from accounts.scopes import AnyUser, role_of
from beds.models import Hospital, Unit


def hospitals_readable(user: AnyUser) -> QuerySet[Hospital]:
    role = role_of(user)
    if role in (Role.ADMIN, Role.DISPATCHER):
        return Hospital.objects.all()
    if role == Role.COORDINATOR:
        return Hospital.objects.filter(department__region__in=user.regions.all())
    if role == Role.STAFF:
        return Hospital.objects.filter(staff=user)
    return Hospital.objects.none()


def unit_can_read(user: AnyUser, unit: Unit) -> bool:
    return hospitals_readable(user).filter(pk=unit.hospital_id).exists()


def unit_can_write(user: AnyUser, unit: Unit) -> bool:
    return hospital_units_can_write(user, unit.hospital_id)


def hospital_units_can_write(user: AnyUser, hospital_id: int) -> bool:
    """Whether the user may report for the units of this hospital (by id: the report API checks
    it before reading the unit in full)."""
    role = role_of(user)
    if role == Role.ADMIN:
        return True
    if role == Role.STAFF:
        return Hospital.objects.filter(pk=hospital_id, staff=user).exists()
    if role == Role.COORDINATOR:
        return Hospital.objects.filter(
            pk=hospital_id, department__region__in=user.regions.all()
        ).exists()
    return False


def unit_report_is_on_behalf(user: AnyUser, unit: Unit) -> bool:
    """A report by anyone but the unit's own staff is audited as made on its behalf."""
    return role_of(user) != Role.STAFF
