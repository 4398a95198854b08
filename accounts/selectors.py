from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import ApiToken, Role, User
from accounts.tokens import token_digest


def token_find(*, key: str) -> ApiToken | None:
    """The token with this key, its user loaded, expired or not; None for an unknown key."""
    return ApiToken.objects.select_related("user").filter(digest=token_digest(key)).first()


def token_user(*, key: str) -> User | None:
    """The active user this key authenticates now (unexpired token), else None."""
    token = token_find(key=key)
    if token is None or token.expires <= timezone.now() or not token.user.is_active:
        return None
    return token.user


def user_has_live_token(*, user: User) -> bool:
    return ApiToken.objects.filter(user=user, expires__gt=timezone.now()).exists()


@dataclass(frozen=True)
class Lockout:
    """A username or a client address refused at login until `until` (django-axes)."""

    kind: str  # "account" or "address"
    value: str
    failures: int
    until: datetime


def _locked(field: str) -> list[tuple[str, int, datetime]]:
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    rows = (
        AccessAttempt.objects.filter(attempt_time__gte=since, **{f"{field}__isnull": False})
        .values(field)
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by(field)
    )
    return [(r[field], r["failures"], r["last"] + settings.AXES_COOLOFF_TIME) for r in rows]


def accounts_unlockable_by(user: User) -> QuerySet[User]:
    """Accounts whose login lockout the user may lift: admins any; a coordinator the accounts
    of their régions (staff of a hospital there, coordinators and dispatchers of the région),
    never an administrator; nobody else any."""
    if not user.is_authenticated or not user.is_active:
        return User.objects.none()
    if user.is_admin:
        return User.objects.all()
    if user.role != Role.COORDINATOR:
        return User.objects.none()
    regions = user.regions.all()
    return (
        User.objects.filter(is_superuser=False)
        .exclude(role=Role.ADMIN)
        .filter(Q(hospitals__department__region__in=regions) | Q(regions__in=regions))
        .distinct()
    )


def lockouts_can_lift(user: User) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_admin or user.role == Role.COORDINATOR)
    )


def lockouts_visible_to(user: User) -> list[Lockout]:
    """Current lockouts the user may lift: accounts in their scope; addresses for admins only
    (an address is nobody's région)."""
    if not lockouts_can_lift(user):
        return []
    accounts = _locked("username")
    allowed = set(
        accounts_unlockable_by(user)
        .filter(username__in=[name for name, _f, _u in accounts])
        .values_list("username", flat=True)
    )
    found = [Lockout("account", n, f, u) for n, f, u in accounts if n in allowed]
    if user.is_admin:
        found += [Lockout("address", a, f, u) for a, f, u in _locked("ip_address")]
    return found
