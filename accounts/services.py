from __future__ import annotations

from collections.abc import Sequence

from axes.utils import reset
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import ApiToken, Role, User
from accounts.selectors import accounts_unlockable_by
from accounts.tokens import key_new, token_digest, token_expiry
from regions.models import Region
from regions.selectors import region_get


def account_upsert(
    *,
    username: str,
    role: str,
    hospitals: Sequence[str] = (),
    regions: Sequence[str] = (),
    password: str | None = None,
) -> tuple[User, bool]:
    """Create the account, or bring an existing one to this role and scope.

    Staff need at least one hospital (FINESS), coordinators at least one région; every FINESS
    and région code must exist; a password must pass AUTH_PASSWORD_VALIDATORS. Raises `ValidationError` naming
    what is wrong, writing nothing.
    """
    errors: dict[str, list[str]] = {}
    if role not in Role.values:
        errors["role"] = [f"Unknown role {role!r}: use one of {', '.join(Role.values)}."]
    # The hospital model, reached through the membership beds declares: no import of beds.
    hospital_model = User._meta.get_field("hospitals").related_model
    found_hospitals = list(hospital_model.objects.filter(finess__in=hospitals))
    missing = sorted(set(hospitals) - {h.finess for h in found_hospitals})
    if missing:
        errors["hospital"] = [f"No hospital with FINESS {', '.join(missing)}."]
    found_regions: list[Region] = []
    for code in regions:
        region = region_get(code=code)
        if region is None:
            errors.setdefault("region", []).append(f"No région with code {code}.")
        else:
            found_regions.append(region)
    if role == Role.STAFF and not hospitals:
        errors["hospital"] = ["A staff account needs at least one --hospital FINESS."]
    if role == Role.COORDINATOR and not regions:
        errors["region"] = ["A coordinator account needs at least one --region CODE."]
    if not username.strip():
        errors["username"] = ["The username is empty."]
    if password is not None:
        # The same validators as the admin and the password forms (AUTH_PASSWORD_VALIDATORS).
        existing = User.objects.filter(username=username).first()
        try:
            validate_password(password, existing or User(username=username))
        except ValidationError as exc:
            errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        user = User.objects.filter(username=username).first()
        created = user is None
        if user is None:
            user = User(username=username)
        user.role = role
        user.is_staff = user.is_superuser = role == Role.ADMIN
        if password:
            user.set_password(password)
        elif created:
            user.set_unusable_password()  # a machine account: token only
        user.full_clean(exclude=["password"])
        user.save()
        user.hospitals.set(found_hospitals)
        user.regions.set(found_regions)
    return user, created


def token_create(*, user: User) -> str:
    """A new API key for the user, valid BEDWATCH_TOKEN_DAYS: the only time it can be read.

    The user's other tokens stay valid (a machine being moved to the new key keeps working)."""
    key = key_new()
    ApiToken.objects.create(user=user, digest=token_digest(key), expires=token_expiry())
    return key


def token_rotate(*, user: User) -> str:
    """Replace every token of the user by a new one, returned: clients with an old key, and the
    live-feed sockets opened with it, are refused from the commit on."""
    with transaction.atomic():
        token_revoke(user=user)
        return token_create(user=user)


def token_revoke(*, user: User) -> int:
    """Delete every token of the user; each one's `post_delete` closes its sockets."""
    count, _by_model = ApiToken.objects.filter(user=user).delete()
    return count


def lockout_lift(*, by: User, username: str | None = None, address: str | None = None) -> int:
    """Lift the login lockout of an account (admins, or a coordinator for an account of their
    régions) or of a client address (admins). Returns the failed attempts forgotten; raises
    PermissionDenied when `by` may not. Lifting an account also forgets those failures in its
    address's count (django-axes keeps one row per username and address)."""
    if username is not None:
        if not accounts_unlockable_by(by).filter(username=username).exists():
            raise PermissionDenied(f"{by.username} may not unlock the account {username!r}")
        return reset(username=username)
    if address is not None:
        if not by.is_admin:
            raise PermissionDenied("only an administrator may unlock a client address")
        return reset(ip=address)
    raise ValueError("lockout_lift needs a username or an address")
