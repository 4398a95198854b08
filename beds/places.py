"""Places as a signed-in user searches them: the gazetteer (`regions.gazetteer`) with the
user's own départements preferred.

A user's own départements are those of the régions on their account (a SAMU dispatcher's
région, a coordinator's), or for staff those of their hospitals. An ambiguous name ("Saint-Martin") resolves to the
commune in one of them first, then to the most populous.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from accounts.models import Role
from accounts.scopes import role_of
from beds.scopes import hospitals_readable
from regions.models import Department


def home_departments(user: AbstractBaseUser | AnonymousUser) -> frozenset[str]:
    """The département codes of the user's own régions and hospitals (empty for none)."""
    if not user.is_authenticated:
        return frozenset()
    if role_of(user) == Role.STAFF:
        return frozenset(hospitals_readable(user).values_list("department_id", flat=True))
    codes = Department.objects.filter(region__in=user.regions.all()).values_list("code", flat=True)
    return frozenset(codes)
