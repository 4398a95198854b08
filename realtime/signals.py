"""Open live-feed sockets follow their user's access: logging out, deactivation, a role or
scope taken away, a revoked token close them on every worker (docs/realtime.md).

Signals rather than services: these changes also come from Django's own logout view, the admin
and the token model, which call no service of ours. Each handler only schedules a small
message after commit (realtime.publisher), so a rolled-back change closes nothing. Connected by
`RealtimeConfig.ready`: `accounts` knows nothing of the live feed.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.models import ApiToken, User
from realtime.publisher import credential_id, recheck_sockets, revoke_sockets

# Saving any of these (or a save without update_fields, as the admin does) may change what the
# user may read; `last_login` alone, saved at every login, does not.
ACCESS_FIELDS = frozenset({"is_active", "role", "is_superuser"})


@receiver(user_logged_out)
def close_sockets_of_the_session(
    sender: type, request: HttpRequest | None, user: User | None, **kwargs: Any
) -> None:
    key = getattr(getattr(request, "session", None), "session_key", None)
    if user is not None and key:
        transaction.on_commit(
            partial(revoke_sockets, user_id=user.pk, credential=credential_id("session", key))
        )


@receiver(post_delete, sender=ApiToken)
def close_sockets_of_the_token(sender: type, instance: ApiToken, **kwargs: Any) -> None:
    """A token revoked, rotated or deleted; sockets name theirs by digest (TokenAuthMiddleware)."""
    transaction.on_commit(
        partial(
            revoke_sockets,
            user_id=instance.user_id,
            credential=credential_id("token", instance.digest),
        )
    )


@receiver(post_delete, sender=User)
def close_sockets_of_the_user(sender: type, instance: User, **kwargs: Any) -> None:
    transaction.on_commit(partial(revoke_sockets, user_id=instance.pk))


@receiver(post_save, sender=User)
def recheck_sockets_of_the_user(
    sender: type,
    instance: User,
    created: bool,
    update_fields: frozenset[str] | None,
    **kwargs: Any,
) -> None:
    if created or (update_fields is not None and not ACCESS_FIELDS & update_fields):
        return
    transaction.on_commit(partial(recheck_sockets, user_id=instance.pk))


@receiver(m2m_changed, sender=User.hospitals.through)
@receiver(m2m_changed, sender=User.regions.through)
def recheck_sockets_after_scope_removal(
    sender: type,
    instance: Model,
    action: str,
    reverse: bool,
    pk_set: set[int] | None,
    **kwargs: Any,
) -> None:
    """A hospital or région taken from a user (from either side); adding never closes."""
    # The user's side is the forward one for régions, the reverse one for hospitals.
    from_user = isinstance(instance, User)
    if from_user and action in ("post_remove", "post_clear"):
        user_ids = [instance.pk]
    elif not from_user and action == "post_remove":
        user_ids = list(pk_set or ())
    elif not from_user and action == "pre_clear":  # afterwards nobody can tell who was in it
        related = "staff" if sender is User.hospitals.through else "members"
        user_ids = list(getattr(instance, related).values_list("pk", flat=True))
    else:
        return
    for user_id in user_ids:
        transaction.on_commit(partial(recheck_sockets, user_id=user_id))
